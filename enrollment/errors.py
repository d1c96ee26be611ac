"""Errors a user's action can cause; each carries a message the user understands."""


class DomainError(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class InvalidTransition(DomainError):
    """A state change that the lifecycle does not allow from the current state."""


class NotEligible(DomainError):
    """The trainer may not start or continue this path."""

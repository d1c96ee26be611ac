"""The one base of every error a user's action can cause; each carries a message they understand."""


class DomainError(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class InvalidTransition(DomainError):
    """A state change that the lifecycle does not allow from the current state."""

"""Errors a reviewer's or trainer's action can cause; each carries a message they understand."""


class DomainError(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class InvalidTransition(DomainError):
    """A document state change that its lifecycle does not allow from the current state."""


class DecisionReasonRequired(DomainError, ValueError):
    """A rejection without a reason: the trainer must be told why."""


class NotAllowed(DomainError):
    """The person acting lacks the permission the action needs."""

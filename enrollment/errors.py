"""Errors a user's action can cause; each carries a message the user understands.

DomainError and InvalidTransition are core's, the one base every app shares."""

from core.errors import DomainError, InvalidTransition

__all__ = ["DomainError", "InvalidTransition", "NotEligible", "SupportError"]


class NotEligible(DomainError):
    """The trainer may not start or continue this path."""


class SupportError(DomainError):
    """A support action that cannot be carried out; the message says why."""

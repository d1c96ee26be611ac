"""Errors a reviewer's or trainer's action can cause; each carries a message they understand.

DomainError and InvalidTransition are core's, the one base every app shares."""

from core.errors import DomainError, InvalidTransition

__all__ = ["DecisionReasonRequired", "DomainError", "InvalidTransition", "NotAllowed"]


class DecisionReasonRequired(DomainError, ValueError):
    """A rejection without a reason: the trainer must be told why."""


class NotAllowed(DomainError):
    """The person acting lacks the permission the action needs."""

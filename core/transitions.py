"""The allowed-transition check every service uses before it changes a state field."""

from collections.abc import Mapping

from .errors import InvalidTransition


def check_transition(
    transitions: Mapping[str, set[str]], current: str, to: str, *, message: str | None = None
) -> None:
    """Raises InvalidTransition unless `transitions` allows `current` → `to`."""
    if to not in transitions.get(current, set()):
        raise InvalidTransition(message or f"Cannot go from {current} to {to}.")

"""The confirmation step."""

from .base import StepForm


class ConfirmationForm(StepForm):
    """The last step has nothing to fill in: submitting is the confirmation."""

"""What every step form shares: StepForm, the conditionally required fields, helpers."""

import re

from django import forms
from django.conf import settings

from core.forms import CheapCopyForm
from verification.enums import DocumentState
from verification.forms import EvidenceFileField

DEFAULT_MICROSOFT_DOMAINS = ("microsoft.com",)
ALIAS_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")

# Document states after which a file no longer stands: the trainer must upload another.
UNUSABLE_DOCUMENT_STATES = (DocumentState.REJECTED, DocumentState.REFUSED)


class ConditionallyRequired:
    """Required only in some answers (an employer type, a chosen method): shown as required,
    but an empty value passes the field's own check; the form's clean() says when it must be
    given, with a message that says what to enter."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("required", True)
        super().__init__(*args, **kwargs)

    def validate(self, value):
        if value in self.empty_values:
            return
        super().validate(value)


class ConditionalCharField(ConditionallyRequired, forms.CharField):
    pass


class ConditionalChoiceField(ConditionallyRequired, forms.ChoiceField):
    pass


class ConditionalEmailField(ConditionallyRequired, forms.EmailField):
    pass


class ConditionalIntegerField(ConditionallyRequired, forms.IntegerField):
    pass


class ConditionalDateField(ConditionallyRequired, forms.DateField):
    pass


class ConditionalEvidenceFileField(ConditionallyRequired, EvidenceFileField):
    pass


def microsoft_domains() -> tuple[str, ...]:
    return tuple(getattr(settings, "MICROSOFT_EMAIL_DOMAINS", DEFAULT_MICROSOFT_DOMAINS))


def evidence_usable(evidence) -> bool:
    """A current upload that still counts (waiting for review or approved)."""
    if evidence is None:
        return False
    return evidence.document_id is None or evidence.document.state not in UNUSABLE_DOCUMENT_STATES


def _date_widget():
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class StepForm(CheapCopyForm):
    """Base of every step form: keeps the step context (and copies its fields cheaply)."""

    def __init__(self, *args, context=None, **kwargs):
        self.context = context
        super().__init__(*args, **kwargs)

    @classmethod
    def initial_from(cls, application, extra: dict) -> dict:
        """What the step shows before the trainer has saved it (pre-filled from the record)."""
        return {}


__all__ = [
    "ALIAS_RE",
    "DEFAULT_MICROSOFT_DOMAINS",
    "UNUSABLE_DOCUMENT_STATES",
    "ConditionalCharField",
    "ConditionalChoiceField",
    "ConditionalDateField",
    "ConditionalEmailField",
    "ConditionalEvidenceFileField",
    "ConditionalIntegerField",
    "ConditionallyRequired",
    "StepForm",
    "_date_widget",
    "evidence_usable",
    "microsoft_domains",
]

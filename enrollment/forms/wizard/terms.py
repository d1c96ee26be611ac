"""The terms step: one required checkbox per program document."""

from django import forms
from django.utils.translation import gettext_lazy as _

from ...enums import TermsDocument
from .base import (
    StepForm,
)


class TermsForm(StepForm):
    """Accepting the program terms: one required checkbox per document."""

    DOCUMENT_FIELDS: dict[str, str] = {}

    def documents(self) -> list[str]:
        return list(self.DOCUMENT_FIELDS.values())


class MctTermsForm(TermsForm):
    accept_program_guide = forms.BooleanField(
        label=_("I accept the MCT Program Guide"),
        error_messages={"required": _("Accept the MCT Program Guide to continue.")},
    )
    accept_program_agreement = forms.BooleanField(
        label=_("I accept the MCT Program Agreement"),
        error_messages={"required": _("Accept the MCT Program Agreement to continue.")},
    )

    DOCUMENT_FIELDS = {
        "accept_program_guide": TermsDocument.MCT_PROGRAM_GUIDE,
        "accept_program_agreement": TermsDocument.MCT_PROGRAM_AGREEMENT,
    }

"""The alumni wizards' own steps: the alumni profile and the Alumni Program Agreement."""

from django import forms
from django.utils.translation import gettext_lazy as _

from enrollment.enums import AreaOfExpertise, TermsDocument
from enrollment.forms.wizard import (
    PasscodeFormMixin,
    StepForm,
    TermsForm,
    microsoft_field,
)
from verification.enums import PasscodePurpose

YES, NO = "yes", "no"


class AlumniProfileForm(PasscodeFormMixin, StepForm):
    """ "Microsoft employee?" yes → alias and passcode; both → area of expertise."""

    is_microsoft_employee = forms.ChoiceField(
        label=_("Are you a Microsoft employee?"),
        choices=[(YES, _("Yes")), (NO, _("No"))],
        widget=forms.RadioSelect,
        error_messages={"required": _("Say whether you are a Microsoft employee.")},
    )
    microsoft_domain = microsoft_field("microsoft_domain")
    microsoft_alias = microsoft_field("microsoft_alias")
    fte_passcode = microsoft_field("fte_passcode")
    area_of_expertise = forms.ChoiceField(
        label=_("Area of expertise"),
        choices=AreaOfExpertise.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose your area of expertise.")},
    )

    def __init__(self, *args, passcode_action: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.passcode_action = passcode_action

    def passcode_fields(self) -> tuple[str, ...]:
        return ("is_microsoft_employee", "microsoft_domain", "microsoft_alias", "fte_passcode")

    @classmethod
    def initial_from(cls, application, extra: dict) -> dict:
        initial = {"area_of_expertise": application.area_of_expertise}
        if application.is_microsoft_employee is not None:
            initial["is_microsoft_employee"] = YES if application.is_microsoft_employee else NO
        address = application.verified_email or extra.get("prefill_address", "")
        if application.microsoft_alias:
            initial["microsoft_alias"] = application.microsoft_alias
        if "@" in address:
            initial["microsoft_alias"], initial["microsoft_domain"] = address.split("@", 1)
        return {k: v for k, v in initial.items() if v not in (None, "")}

    def clean(self):
        cleaned = super().clean()
        employee = cleaned.get("is_microsoft_employee")
        if self.passcode_action and employee != YES:
            if employee:
                self.add_error(
                    "is_microsoft_employee", _("Codes are only sent to Microsoft employees.")
                )
            return cleaned
        if employee == YES:
            address = self._microsoft_address(cleaned)
            if address:
                self._passcode_target = (address, PasscodePurpose.MICROSOFT_ALIAS, "fte_passcode")
            self._check_verified(address, PasscodePurpose.MICROSOFT_ALIAS, "fte_passcode")
        return cleaned

    def profile_values(self) -> dict:
        c = self.cleaned_data
        employee = c["is_microsoft_employee"] == YES
        values = {"is_microsoft_employee": employee, "area_of_expertise": c["area_of_expertise"]}
        if employee:
            values["microsoft_alias"] = c["microsoft_alias"].lower()
            values["verified_email"] = self._passcode_target[0]
        return values


class AlumniTermsForm(TermsForm):
    accept_alumni_agreement = forms.BooleanField(
        label=_("I accept the Alumni Program Agreement"),
        error_messages={"required": _("Accept the Alumni Program Agreement to continue.")},
    )

    DOCUMENT_FIELDS = {"accept_alumni_agreement": TermsDocument.ALUMNI_PROGRAM_AGREEMENT}

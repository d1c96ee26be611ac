"""Admin forms for membership tools: the CSV export filters and the revocation reason."""

from django import forms

from ..enums import ApplicationStatus, MembershipStatus, Program
from ..services.exports import ExportFilters

EXPORT_MEMBERSHIPS = "memberships"
EXPORT_APPLICATIONS = "applications"


def _any(choices) -> list[tuple[str, str]]:
    return [("", "Any"), *choices]


class ExportForm(forms.Form):
    kind = forms.ChoiceField(
        label="Export",
        choices=[
            (EXPORT_MEMBERSHIPS, "Memberships (one row per membership year)"),
            (EXPORT_APPLICATIONS, "Applications"),
        ],
        initial=EXPORT_MEMBERSHIPS,
        widget=forms.RadioSelect,
    )
    program = forms.ChoiceField(choices=_any(Program.choices), required=False)
    membership_status = forms.ChoiceField(
        label="Membership status", choices=_any(MembershipStatus.choices), required=False
    )
    application_status = forms.ChoiceField(
        label="Application status", choices=_any(ApplicationStatus.choices), required=False
    )
    country = forms.CharField(max_length=100, required=False)
    date_from = forms.DateField(
        label="From",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="Memberships: year started on or after. Applications: created on or after.",
    )
    date_to = forms.DateField(
        label="To",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="Memberships: year started on or before. Applications: created on or before.",
    )

    def clean(self):
        cleaned = super().clean()
        date_from, date_to = cleaned.get("date_from"), cleaned.get("date_to")
        if date_from and date_to and date_from > date_to:
            self.add_error("date_to", "The end of the range must not be before its start.")
        return cleaned

    def filters(self) -> ExportFilters:
        data = self.cleaned_data
        status_field = (
            "membership_status" if data["kind"] == EXPORT_MEMBERSHIPS else "application_status"
        )
        return ExportFilters(
            program=data["program"],
            status=data[status_field],
            country=data["country"],
            date_from=data["date_from"],
            date_to=data["date_to"],
        )


class RevokeForm(forms.Form):
    reason = forms.CharField(
        label="Reason for revoking",
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=2000,
        help_text="Sent to the trainer and kept in the audit trail.",
    )

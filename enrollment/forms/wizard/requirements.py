"""The requirements step of each MCT path: certification, proof, teaching (MTM, summary, waiver)."""

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from ...enums import EvidenceKind
from ...models import CredentialType
from ...rules.requirements import proof_date_problem, waiver_allowed, waiver_date_problem
from ...services.evidence import WAIVER_FIELDS
from ..consent import add_consent_field, check_consent
from .base import (
    ConditionalCharField,
    ConditionalChoiceField,
    ConditionalDateField,
    ConditionalEmailField,
    ConditionalEvidenceFileField,
    ConditionalIntegerField,
    StepForm,
    _date_widget,
    evidence_usable,
)


class RequirementsForm(StepForm):
    """Shared by the MCT paths: qualifying certifications and the MTM ID."""

    mtm_id = forms.CharField(
        label=_("MTM ID"),
        required=False,
        max_length=100,
        help_text=_("Your Metrics That Matter ID, used to check your teaching when you renew."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )

    @classmethod
    def initial_from(cls, application, extra: dict) -> dict:
        mtm_id = application.mtm_id or application.trainer.mtm_id
        return {"mtm_id": mtm_id} if mtm_id else {}

    def clean_mtm_id(self):
        return (self.cleaned_data.get("mtm_id") or "").strip()

    def clean(self):
        cleaned = super().clean()
        if not self.context.qualifying:
            raise ValidationError(
                _(
                    "You do not have a qualifying certification yet, so this application cannot "
                    "continue. The certifications that qualify are listed on this page."
                ),
                code="no_qualifying_certification",
            )
        return cleaned

    def requirement_values(self) -> dict:
        """Keyword arguments for services.applications.application_save_requirements."""
        return {"mtm_id": self.cleaned_data.get("mtm_id", "")}


class ProofRequirementsForm(RequirementsForm):
    """New and rejoin: MTM ID (optional) and proof of instructional skills."""

    credential_type = forms.ModelChoiceField(
        label=_("Type of credential"),
        queryset=CredentialType.objects.filter(active=True),
        required=False,
        empty_label=_("Choose a credential"),
    )
    certified_on = forms.DateField(
        label=_("Date of certification"),
        required=False,
        help_text=_("No more than 3 years ago."),
        widget=_date_widget(),
    )
    proof_file = ConditionalEvidenceFileField(
        label=_("Upload your proof"),
        help_text=_(
            "Your certificate or transcript: a PDF, JPEG, PNG, DOC or DOCX file of up to 10 MB."
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.context.proof_required:
            for name in ("credential_type", "certified_on", "proof_file"):
                del self.fields[name]
            return
        self.fields["credential_type"].error_messages["required"] = _(
            "Choose the type of credential."
        )
        self.fields["certified_on"].error_messages["required"] = _(
            "Enter the date of certification."
        )
        self.fields["credential_type"].required = True
        self.fields["certified_on"].required = True
        add_consent_field(self, "proof_consent")
        self.current = self.context.evidence.get(EvidenceKind.INSTRUCTIONAL_SKILLS)
        if evidence_usable(self.current):
            # The file already uploaded stands; a new one replaces it.
            self.fields["proof_file"].required = False
            self.fields["proof_file"].label = _("Replace the file")

    def clean(self):
        cleaned = super().clean()
        if not self.context.proof_required:
            return cleaned
        certified_on = cleaned.get("certified_on")
        if certified_on:
            problem = proof_date_problem(
                certified_on, self.context.today, settings.PROOF_MAX_AGE_YEARS
            )
            if problem:
                self.add_error("certified_on", problem)
        new_file = cleaned.get("proof_file")
        if new_file or "proof_file" in self.errors:
            check_consent(self, file_field="proof_file", consent_field="proof_consent")
            return cleaned
        current = self.current
        if not evidence_usable(current):
            message = (
                _("The file you uploaded was not accepted: upload a new one.")
                if current is not None
                else _("Choose the file that proves your instructional skills.")
            )
            self.add_error("proof_file", message)
        elif (
            cleaned.get("credential_type")
            and certified_on
            and (
                cleaned["credential_type"].pk != current.credential_type_id
                or certified_on != current.certified_on
            )
        ):
            self.add_error(
                "proof_file",
                _(
                    "You changed the credential details: upload the proof again so that the "
                    "reviewers check the file against them."
                ),
            )
        return cleaned

    def requirement_values(self) -> dict:
        values = super().requirement_values()
        uploaded = self.cleaned_data.get("proof_file")
        if self.context.proof_required and uploaded:
            values["proof"] = {
                "credential_type": self.cleaned_data["credential_type"],
                "certified_on": self.cleaned_data["certified_on"],
                "uploaded_file": uploaded,
            }
        return values


class UpgradeRequirementsForm(RequirementsForm):
    """Upgrade: verify the certifications and the MTM ID; no teaching needed to reinstate."""


SUMMARY = "summary"
WAIVER = "waiver"


class RenewRequirementsForm(RequirementsForm):
    """Renewal: a class taught in the previous 365 days, by MTM, summary or waiver."""

    # The wizard passes the waiver already declared as initial["current_waiver"].
    initial_extra_kinds = {"current_waiver": EvidenceKind.TRAINING_WAIVER}

    teaching_method = ConditionalChoiceField(
        label=_("How will you show that you taught?"),
        widget=forms.RadioSelect,
        choices=[(SUMMARY, _("Upload a training summary or score report"))],
    )
    summary_file = ConditionalEvidenceFileField(
        label=_("Summary or score report file"),
        help_text=_(
            "Include your name, the course names and course IDs. A PDF, JPEG, PNG, DOC "
            "or DOCX file of up to 10 MB."
        ),
    )
    courses_taught = ConditionalIntegerField(
        label=_("Number of courses you taught in the previous 365 days"),
        min_value=1,
        max_value=999,
    )
    course_name = ConditionalCharField(label=_("Course name"), max_length=200)
    taught_on = ConditionalDateField(
        label=_("Date the course was taught"),
        help_text=_("Within the previous 365 days."),
        widget=_date_widget(),
    )
    number_of_students = ConditionalIntegerField(
        label=_("Number of students or participants"), min_value=1, max_value=100000
    )
    organization = ConditionalCharField(label=_("Company or academic institution"), max_length=200)
    manager_name = ConditionalCharField(label=_("Manager's name"), max_length=200)
    manager_email = ConditionalEmailField(label=_("Manager's email"))

    WAIVER_FIELDS = WAIVER_FIELDS
    WAIVER_MESSAGES = {
        "courses_taught": _("Enter the number of courses you taught in the previous 365 days."),
        "course_name": _("Enter the name of a course you taught."),
        "taught_on": _("Enter the date you taught the course."),
        "number_of_students": _("Enter the number of students or participants."),
        "organization": _("Enter the company or academic institution."),
        "manager_name": _("Enter your manager's name."),
        "manager_email": _("Enter your manager's email address."),
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.waiver_allowed = waiver_allowed(self.context.application.employer_type)
        if self.waiver_allowed:
            self.fields["teaching_method"].choices = [
                (SUMMARY, _("Upload a training summary or score report")),
                (WAIVER, _("Complete the training waiver form")),
            ]
        else:
            for name in self.WAIVER_FIELDS:
                del self.fields[name]
            # One way left: it is chosen already, so no radio group with a single option.
            self.fields["teaching_method"].initial = SUMMARY
            self.fields["teaching_method"].widget = forms.HiddenInput()
        add_consent_field(self, "summary_consent")
        self.current_summary = self.context.evidence.get(EvidenceKind.TRAINING_SUMMARY)
        if evidence_usable(self.current_summary):
            self.fields["summary_file"].required = False
            self.fields["summary_file"].label = _("Replace the file")
        self.mtm_met = False

    @classmethod
    def initial_from(cls, application, extra: dict) -> dict:
        initial = super().initial_from(application, extra)
        waiver = extra.get("current_waiver")
        if waiver:
            initial.update(waiver)
            initial["teaching_method"] = WAIVER
        return initial

    def clean(self):
        cleaned = super().clean()
        self.mtm_met = self.context.mtm_met(cleaned.get("mtm_id", ""))
        if self.mtm_met:
            return cleaned
        method = cleaned.get("teaching_method") or ("" if self.waiver_allowed else SUMMARY)
        cleaned["teaching_method"] = method
        if not method:
            self.add_error(
                "teaching_method",
                _(
                    "Your Metrics That Matter records do not show a class in the previous 365 "
                    "days. Choose how you will show that you taught."
                ),
            )
        elif method == SUMMARY:
            check_consent(self, file_field="summary_file", consent_field="summary_consent")
            needs_file = not cleaned.get("summary_file") and "summary_file" not in self.errors
            if needs_file and not evidence_usable(self.current_summary):
                self.add_error(
                    "summary_file",
                    _("The file you uploaded was not accepted: upload a new one.")
                    if self.current_summary is not None
                    else _("Choose your training summary or score report."),
                )
        elif method == WAIVER:
            for name in self.WAIVER_FIELDS:
                if cleaned.get(name) in (None, "") and name not in self.errors:
                    self.add_error(name, self.WAIVER_MESSAGES[name])
            taught_on = cleaned.get("taught_on")
            if taught_on:
                problem = waiver_date_problem(taught_on, self.context.today)
                if problem:
                    self.add_error("taught_on", problem)
        return cleaned

    def requirement_values(self) -> dict:
        values = super().requirement_values()
        c = self.cleaned_data
        if self.mtm_met:
            # Shown by MTM: an earlier upload or waiver is no longer part of the application.
            values["retire"] = (EvidenceKind.TRAINING_SUMMARY, EvidenceKind.TRAINING_WAIVER)
        elif c.get("teaching_method") == SUMMARY:
            values["retire"] = (EvidenceKind.TRAINING_WAIVER,)
            if c.get("summary_file"):
                values["summary_file"] = c["summary_file"]
        elif c.get("teaching_method") == WAIVER:
            values["retire"] = (EvidenceKind.TRAINING_SUMMARY,)
            values["waiver"] = {name: c[name] for name in self.WAIVER_FIELDS}
        return values


# ----------------------------------------------------------------------- terms

"""One form per wizard step. Validation only: saving is the services' job.

Every form takes `context` (enrollment.wizard.context.StepContext): the application, the
trainer and the facts the step is checked against, computed once per request. `clean()`
stays cheap: formtools revalidates every step before the application is submitted.
"""

import re

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError

from verification.enums import PasscodePurpose
from verification.forms import EvidenceFileField

from ..enums import EmployerType, EvidenceKind, TermsDocument, TrainingAudience
from ..models import CredentialType, ImagineAcademyMember, PartnerOrganization
from ..rules.requirements import proof_date_problem, waiver_allowed, waiver_date_problem
from ..services.evidence import WAIVER_FIELDS
from .consent import add_consent_field, check_consent

DEFAULT_MICROSOFT_DOMAINS = ("microsoft.com",)
ALIAS_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")

SEND_CODE = "send_code"
VERIFY_CODE = "verify_code"
PASSCODE_ACTIONS = (SEND_CODE, VERIFY_CODE)

# Document states after which a file no longer stands: the trainer must upload another.
UNUSABLE_DOCUMENT_STATES = ("rejected", "refused")


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


class StepForm(forms.Form):
    """Base of every step form: keeps the step context."""

    def __init__(self, *args, context=None, **kwargs):
        self.context = context
        super().__init__(*args, **kwargs)

    @classmethod
    def initial_from(cls, application, extra: dict) -> dict:
        """What the step shows before the trainer has saved it (pre-filled from the record)."""
        return {}


class PasscodeFormMixin:
    """Microsoft and partner addresses are proven with a one-time code, sent and checked in
    their own POST actions (see the wizard); clean() only compares with the verified address.
    """

    passcode_action: str | None = None

    def passcode_fields(self) -> tuple[str, ...]:
        """The fields that make up the address (and its code) for this step."""
        raise NotImplementedError

    def full_clean(self):
        super().full_clean()
        if self.passcode_action and self._errors:
            # Sending or checking a code only needs the address: other answers can wait.
            keep = set(self.passcode_fields())
            for name in list(self._errors):
                if name not in keep:
                    del self._errors[name]

    def _require(self, cleaned: dict, name: str, message: str):
        value = cleaned.get(name)
        if not value and name not in self.errors:
            self.add_error(name, message)
        return value

    def _microsoft_address(self, cleaned: dict) -> str | None:
        alias = self._require(
            cleaned, "microsoft_alias", "Enter your Microsoft alias (the part before the @)."
        )
        domain = self._require(cleaned, "microsoft_domain", "Choose your Microsoft email domain.")
        if alias and not ALIAS_RE.match(alias):
            self.add_error(
                "microsoft_alias",
                "Enter only the alias, the part of your address before the @: letters, "
                "digits, dots, hyphens and underscores.",
            )
            return None
        if alias and domain:
            return f"{alias}@{domain}".lower()
        return None

    def _check_verified(self, address: str | None, purpose: str, code_field: str) -> None:
        if address is None or self.passcode_action:
            return
        verified = (self.context.verified if self.context else {}).get(purpose)
        if verified != address:
            self.add_error(
                code_field,
                f"Prove that {address} is your address: use “Email code”, then enter the "
                "code from the email and use “Verify code”.",
            )

    def passcode_target(self) -> tuple[str, str, str] | None:
        """(address, purpose, code field) the trainer asked a code for; after is_valid()."""
        return getattr(self, "_passcode_target", None)


def microsoft_field(name: str) -> forms.Field:
    """A fresh field of the Microsoft address group (FTE on MCT paths, alumni employees)."""
    return {
        "microsoft_domain": ConditionalChoiceField(
            label="Microsoft email domain",
            choices=[(d, d) for d in microsoft_domains()],
        ),
        "microsoft_alias": ConditionalCharField(
            label="Microsoft alias",
            max_length=64,
            help_text="The part of your Microsoft email address before the @.",
            widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
        ),
        "fte_passcode": ConditionalCharField(
            label="Code sent to your Microsoft address",
            max_length=20,
            widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "spellcheck": "false"}),
        ),
    }[name]


class ProfileForm(PasscodeFormMixin, StepForm):
    """MCT paths: employer type (with what it requires) and primary training audience."""

    employer_type = forms.ChoiceField(
        label="Employer type",
        choices=EmployerType.choices,
        widget=forms.RadioSelect,
        help_text="The employer you mainly deliver training for. If you are self-employed, "
        "choose Freelancer.",
        error_messages={"required": "Choose your employer type."},
    )
    microsoft_domain = microsoft_field("microsoft_domain")
    microsoft_alias = microsoft_field("microsoft_alias")
    fte_passcode = microsoft_field("fte_passcode")
    institution_name = ConditionalCharField(label="Institution name", max_length=200)
    department_name = ConditionalCharField(label="Department name", max_length=200)
    imagine_academy_id = ConditionalCharField(
        label="Imagine Academy membership ID",
        max_length=20,
        help_text="Your program administrator has it; support cannot look it up for you.",
    )
    partner_id = ConditionalCharField(
        label="Partner ID",
        max_length=20,
        help_text="Your organization's Microsoft partner ID; your partner administrator has it.",
    )
    partner_email = ConditionalEmailField(
        label="Your email address at the partner",
        help_text="It must be at one of your organization's registered email domains.",
    )
    partner_passcode = ConditionalCharField(
        label="Code sent to your partner address",
        max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "spellcheck": "false"}),
    )
    primary_audience = forms.ChoiceField(
        label="Primary training audience",
        choices=TrainingAudience.choices,
        widget=forms.RadioSelect,
        help_text="Who your training is mainly for: software developers, IT support staff, "
        "or Microsoft Dynamics users.",
        error_messages={"required": "Choose your primary training audience."},
    )

    ADDRESS_FIELDS = {
        EmployerType.FTE: ("microsoft_domain", "microsoft_alias", "fte_passcode"),
        EmployerType.PARTNER: ("partner_id", "partner_email", "partner_passcode"),
    }

    def __init__(self, *args, passcode_action: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.passcode_action = passcode_action
        self.partner = None
        self.imagine_academy = None

    def passcode_fields(self) -> tuple[str, ...]:
        employer = self.data.get(self.add_prefix("employer_type"), "")
        return ("employer_type", *self.ADDRESS_FIELDS.get(employer, ()))

    @classmethod
    def initial_from(cls, application, extra: dict) -> dict:
        address = application.verified_email or extra.get("prefill_address", "")
        initial = {
            "employer_type": application.employer_type,
            "institution_name": application.institution_name,
            "department_name": application.department_name,
            "primary_audience": application.primary_audience,
            "microsoft_alias": application.microsoft_alias,
        }
        if application.imagine_academy_id:
            initial["imagine_academy_id"] = application.imagine_academy.membership_id
        if application.partner_id:
            initial["partner_id"] = application.partner.partner_id
        if application.employer_type == EmployerType.FTE and "@" in address:
            initial["microsoft_alias"], initial["microsoft_domain"] = address.split("@", 1)
        elif application.employer_type == EmployerType.PARTNER:
            initial["partner_email"] = address
        return {k: v for k, v in initial.items() if v not in (None, "")}

    def clean_partner_id(self):
        return (self.cleaned_data.get("partner_id") or "").strip()

    def clean_imagine_academy_id(self):
        return (self.cleaned_data.get("imagine_academy_id") or "").strip()

    def clean(self):
        cleaned = super().clean()
        employer = cleaned.get("employer_type")
        if self.passcode_action and employer not in self.ADDRESS_FIELDS:
            if employer:
                self.add_error(
                    "employer_type",
                    "Codes are only sent to Microsoft employees and partner employees.",
                )
            return cleaned
        if employer == EmployerType.FTE:
            address = self._microsoft_address(cleaned)
            if address:
                self._passcode_target = (address, PasscodePurpose.MICROSOFT_ALIAS, "fte_passcode")
            self._check_verified(address, PasscodePurpose.MICROSOFT_ALIAS, "fte_passcode")
        elif employer == EmployerType.ACADEMIC:
            self._require(cleaned, "institution_name", "Enter the name of your institution.")
        elif employer == EmployerType.GOVERNMENT:
            self._require(cleaned, "department_name", "Enter the name of your department.")
        elif employer == EmployerType.IMAGINE_ACADEMY:
            self._clean_imagine_academy(cleaned)
        elif employer == EmployerType.PARTNER:
            self._clean_partner(cleaned)
        return cleaned

    def _clean_imagine_academy(self, cleaned: dict) -> None:
        member_id = self._require(
            cleaned, "imagine_academy_id", "Enter your Imagine Academy membership ID."
        )
        if not member_id:
            return
        member = ImagineAcademyMember.objects.filter(membership_id__iexact=member_id).first()
        if member is None:
            self.add_error(
                "imagine_academy_id",
                f"We could not find membership ID “{member_id}” in the Microsoft Imagine "
                "Academy directory. Check the ID with your Imagine Academy program "
                "administrator.",
            )
        elif not member.active:
            self.add_error(
                "imagine_academy_id",
                f"The Imagine Academy membership of {member.institution} is not active. "
                "Contact your Imagine Academy program administrator.",
            )
        else:
            self.imagine_academy = member

    def _clean_partner(self, cleaned: dict) -> None:
        partner_id = self._require(cleaned, "partner_id", "Enter your organization's partner ID.")
        if not partner_id:
            return
        partner = PartnerOrganization.objects.filter(partner_id__iexact=partner_id).first()
        if partner is None:
            self.add_error(
                "partner_id",
                f"We could not find partner ID “{partner_id}” in the partner directory. "
                "Contact your partner administrator to confirm your organization's partner ID.",
            )
            return
        if not partner.active:
            self.add_error(
                "partner_id",
                f"{partner.name} is not an active partner in the partner directory. "
                "Contact your partner administrator.",
            )
            return
        self.partner = partner
        address = self._require(
            cleaned, "partner_email", f"Enter your email address at {partner.name}."
        )
        if not address:
            return
        address = address.lower()
        domains = [d.lower().lstrip("@") for d in partner.email_domains or []]
        if address.rsplit("@", 1)[-1] not in domains:
            listed = " or ".join(f"@{d}" for d in domains) or "(none registered)"
            self.add_error(
                "partner_email",
                f"Use your address at {partner.name}: it must end in {listed}. If your "
                "address is not listed, contact your partner administrator.",
            )
            return
        self._passcode_target = (address, PasscodePurpose.PARTNER_ADDRESS, "partner_passcode")
        self._check_verified(address, PasscodePurpose.PARTNER_ADDRESS, "partner_passcode")

    def profile_values(self) -> dict:
        """The application fields this step sets; details of other employer types are cleared."""
        c = self.cleaned_data
        employer = c["employer_type"]
        values = {"employer_type": employer, "primary_audience": c["primary_audience"]}
        if employer == EmployerType.FTE:
            values["microsoft_alias"] = c["microsoft_alias"].lower()
            values["verified_email"] = self._passcode_target[0]
        elif employer == EmployerType.ACADEMIC:
            values["institution_name"] = c["institution_name"].strip()
        elif employer == EmployerType.GOVERNMENT:
            values["department_name"] = c["department_name"].strip()
        elif employer == EmployerType.IMAGINE_ACADEMY:
            values["imagine_academy"] = self.imagine_academy
        elif employer == EmployerType.PARTNER:
            values["partner"] = self.partner
            values["verified_email"] = self._passcode_target[0]
        return values


# ----------------------------------------------------------------------- requirements


class RequirementsForm(StepForm):
    """Shared by the MCT paths: qualifying certifications and the MTM ID."""

    mtm_id = forms.CharField(
        label="MTM ID",
        required=False,
        max_length=100,
        help_text="Your Metrics That Matter ID, used to check your teaching when you renew.",
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
                "You do not have a qualifying certification yet, so this application cannot "
                "continue. The certifications that qualify are listed on this page.",
                code="no_qualifying_certification",
            )
        return cleaned

    def requirement_values(self) -> dict:
        """Keyword arguments for services.applications.application_save_requirements."""
        return {"mtm_id": self.cleaned_data.get("mtm_id", "")}


class ProofRequirementsForm(RequirementsForm):
    """New and rejoin: MTM ID (optional) and proof of instructional skills."""

    credential_type = forms.ModelChoiceField(
        label="Type of credential",
        queryset=CredentialType.objects.filter(active=True),
        required=False,
        empty_label="Choose a credential",
    )
    certified_on = forms.DateField(
        label="Date of certification",
        required=False,
        help_text="No more than 3 years ago.",
        widget=_date_widget(),
    )
    proof_file = ConditionalEvidenceFileField(
        label="Upload your proof",
        help_text="Your certificate or transcript: a PDF, JPEG, PNG, DOC or DOCX file of up "
        "to 10 MB.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.context.proof_required:
            for name in ("credential_type", "certified_on", "proof_file"):
                del self.fields[name]
            return
        self.fields["credential_type"].error_messages["required"] = "Choose the type of credential."
        self.fields["certified_on"].error_messages["required"] = "Enter the date of certification."
        self.fields["credential_type"].required = True
        self.fields["certified_on"].required = True
        add_consent_field(self, "proof_consent")
        self.current = self.context.evidence.get(EvidenceKind.INSTRUCTIONAL_SKILLS)
        if evidence_usable(self.current):
            # The file already uploaded stands; a new one replaces it.
            self.fields["proof_file"].required = False
            self.fields["proof_file"].label = "Replace the file"

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
                "The file you uploaded was not accepted: upload a new one."
                if current is not None
                else "Choose the file that proves your instructional skills."
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
                "You changed the credential details: upload the proof again so that the "
                "reviewers check the file against them.",
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

    teaching_method = ConditionalChoiceField(
        label="How will you show that you taught?",
        widget=forms.RadioSelect,
        choices=[(SUMMARY, "Upload a training summary or score report")],
    )
    summary_file = ConditionalEvidenceFileField(
        label="Summary or score report file",
        help_text="Include your name, the course names and course IDs. A PDF, JPEG, PNG, DOC "
        "or DOCX file of up to 10 MB.",
    )
    courses_taught = ConditionalIntegerField(
        label="Number of courses you taught in the previous 365 days",
        min_value=1,
        max_value=999,
    )
    course_name = ConditionalCharField(label="Course name", max_length=200)
    taught_on = ConditionalDateField(
        label="Date the course was taught",
        help_text="Within the previous 365 days.",
        widget=_date_widget(),
    )
    number_of_students = ConditionalIntegerField(
        label="Number of students or participants", min_value=1, max_value=100000
    )
    organization = ConditionalCharField(label="Company or academic institution", max_length=200)
    manager_name = ConditionalCharField(label="Manager's name", max_length=200)
    manager_email = ConditionalEmailField(label="Manager's email")

    WAIVER_FIELDS = WAIVER_FIELDS
    WAIVER_MESSAGES = {
        "courses_taught": "Enter the number of courses you taught in the previous 365 days.",
        "course_name": "Enter the name of a course you taught.",
        "taught_on": "Enter the date you taught the course.",
        "number_of_students": "Enter the number of students or participants.",
        "organization": "Enter the company or academic institution.",
        "manager_name": "Enter your manager's name.",
        "manager_email": "Enter your manager's email address.",
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.waiver_allowed = waiver_allowed(self.context.application.employer_type)
        if self.waiver_allowed:
            self.fields["teaching_method"].choices = [
                (SUMMARY, "Upload a training summary or score report"),
                (WAIVER, "Complete the training waiver form"),
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
            self.fields["summary_file"].label = "Replace the file"
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
                "Your Metrics That Matter records do not show a class in the previous 365 "
                "days. Choose how you will show that you taught.",
            )
        elif method == SUMMARY:
            check_consent(self, file_field="summary_file", consent_field="summary_consent")
            needs_file = not cleaned.get("summary_file") and "summary_file" not in self.errors
            if needs_file and not evidence_usable(self.current_summary):
                self.add_error(
                    "summary_file",
                    "The file you uploaded was not accepted: upload a new one."
                    if self.current_summary is not None
                    else "Choose your training summary or score report.",
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


class TermsForm(StepForm):
    """Accepting the program terms: one required checkbox per document."""

    DOCUMENT_FIELDS: dict[str, str] = {}

    def documents(self) -> list[str]:
        return list(self.DOCUMENT_FIELDS.values())


class MctTermsForm(TermsForm):
    accept_program_guide = forms.BooleanField(
        label="I accept the MCT Program Guide",
        error_messages={"required": "Accept the MCT Program Guide to continue."},
    )
    accept_program_agreement = forms.BooleanField(
        label="I accept the MCT Program Agreement",
        error_messages={"required": "Accept the MCT Program Agreement to continue."},
    )

    DOCUMENT_FIELDS = {
        "accept_program_guide": TermsDocument.MCT_PROGRAM_GUIDE,
        "accept_program_agreement": TermsDocument.MCT_PROGRAM_AGREEMENT,
    }


class ConfirmationForm(StepForm):
    """The last step has nothing to fill in: submitting is the confirmation."""

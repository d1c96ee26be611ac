"""The profile step: employer and its details, audience; Microsoft and partner addresses."""

from django import forms
from django.utils.translation import gettext_lazy as _

from verification.enums import PasscodePurpose

from ...enums import EmployerType, TrainingAudience
from ...models import ImagineAcademyMember, PartnerOrganization
from .base import ConditionalCharField, ConditionalEmailField, StepForm
from .passcodes import PasscodeFormMixin, microsoft_field


class ProfileForm(PasscodeFormMixin, StepForm):
    """MCT paths: employer type (with what it requires) and primary training audience."""

    employer_type = forms.ChoiceField(
        label=_("Employer type"),
        choices=EmployerType.choices,
        widget=forms.RadioSelect,
        help_text=_(
            "The employer you mainly deliver training for. If you are self-employed, "
            "choose Freelancer."
        ),
        error_messages={"required": _("Choose your employer type.")},
    )
    microsoft_domain = microsoft_field("microsoft_domain")
    microsoft_alias = microsoft_field("microsoft_alias")
    fte_passcode = microsoft_field("fte_passcode")
    institution_name = ConditionalCharField(label=_("Institution name"), max_length=200)
    department_name = ConditionalCharField(label=_("Department name"), max_length=200)
    imagine_academy_id = ConditionalCharField(
        label=_("Imagine Academy membership ID"),
        max_length=20,
        help_text=_("Your program administrator has it; support cannot look it up for you."),
    )
    partner_id = ConditionalCharField(
        label=_("Partner ID"),
        max_length=20,
        help_text=_("Your organization's Microsoft partner ID; your partner administrator has it."),
    )
    partner_email = ConditionalEmailField(
        label=_("Your email address at the partner"),
        help_text=_("It must be at one of your organization's registered email domains."),
    )
    partner_passcode = ConditionalCharField(
        label=_("Code sent to your partner address"),
        max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "spellcheck": "false"}),
    )
    primary_audience = forms.ChoiceField(
        label=_("Primary training audience"),
        choices=TrainingAudience.choices,
        widget=forms.RadioSelect,
        help_text=_(
            "Who your training is mainly for: software developers, IT support staff, "
            "or Microsoft Dynamics users."
        ),
        error_messages={"required": _("Choose your primary training audience.")},
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
                    _("Codes are only sent to Microsoft employees and partner employees."),
                )
            return cleaned
        if employer == EmployerType.FTE:
            address = self._microsoft_address(cleaned)
            if address:
                self._passcode_target = (address, PasscodePurpose.MICROSOFT_ALIAS, "fte_passcode")
            self._check_verified(address, PasscodePurpose.MICROSOFT_ALIAS, "fte_passcode")
        elif employer == EmployerType.ACADEMIC:
            self._require(cleaned, "institution_name", _("Enter the name of your institution."))
        elif employer == EmployerType.GOVERNMENT:
            self._require(cleaned, "department_name", _("Enter the name of your department."))
        elif employer == EmployerType.IMAGINE_ACADEMY:
            self._clean_imagine_academy(cleaned)
        elif employer == EmployerType.PARTNER:
            self._clean_partner(cleaned)
        return cleaned

    def _clean_imagine_academy(self, cleaned: dict) -> None:
        member_id = self._require(
            cleaned, "imagine_academy_id", _("Enter your Imagine Academy membership ID.")
        )
        if not member_id:
            return
        member = ImagineAcademyMember.objects.filter(membership_id__iexact=member_id).first()
        if member is None:
            self.add_error(
                "imagine_academy_id",
                _(
                    "We could not find membership ID “%(id)s” in the Microsoft Imagine Academy "
                    "directory. Check the ID with your Imagine Academy program administrator."
                )
                % {"id": member_id},
            )
        elif not member.active:
            self.add_error(
                "imagine_academy_id",
                _(
                    "The Imagine Academy membership of %(institution)s is not active. "
                    "Contact your Imagine Academy program administrator."
                )
                % {"institution": member.institution},
            )
        else:
            self.imagine_academy = member

    def _clean_partner(self, cleaned: dict) -> None:
        partner_id = self._require(
            cleaned, "partner_id", _("Enter your organization's partner ID.")
        )
        if not partner_id:
            return
        partner = PartnerOrganization.objects.filter(partner_id__iexact=partner_id).first()
        if partner is None:
            self.add_error(
                "partner_id",
                _(
                    "We could not find partner ID “%(id)s” in the partner directory. Contact "
                    "your partner administrator to confirm your organization's partner ID."
                )
                % {"id": partner_id},
            )
            return
        if not partner.active:
            self.add_error(
                "partner_id",
                _(
                    "%(partner)s is not an active partner in the partner directory. Contact "
                    "your partner administrator."
                )
                % {"partner": partner.name},
            )
            return
        self.partner = partner
        address = self._require(
            cleaned,
            "partner_email",
            _("Enter your email address at %(partner)s.") % {"partner": partner.name},
        )
        if not address:
            return
        address = address.lower()
        domains = [d.lower().lstrip("@") for d in partner.email_domains or []]
        if address.rsplit("@", 1)[-1] not in domains:
            listed = str(_(" or ")).join(f"@{d}" for d in domains) or _("(none registered)")
            self.add_error(
                "partner_email",
                _(
                    "Use your address at %(partner)s: it must end in %(domains)s. If your "
                    "address is not listed, contact your partner administrator."
                )
                % {"partner": partner.name, "domains": listed},
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

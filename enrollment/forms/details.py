"""The trainer's own forms: registration details, linking an MCP ID (issue 9)."""

from functools import lru_cache

import pycountry
from django import forms
from django.utils.translation import gettext_lazy as _

from ..models import Trainer
from ..rules.registration import REQUIRED_REGISTRATION_FIELDS


@lru_cache(maxsize=1)
def country_choices() -> list[tuple[str, str]]:
    """ISO 3166 countries by their everyday English name (the stored value)."""
    names = sorted(
        {getattr(country, "common_name", None) or country.name for country in pycountry.countries}
    )
    return [("", _("Choose a country")), *((name, name) for name in names)]


class DetailsForm(forms.ModelForm):
    """The MCP ID document's registration dialog, as the trainer fills it in."""

    country = forms.ChoiceField(label=_("Country"), choices=country_choices)
    accept_nda = forms.BooleanField(
        required=False,
        label=_("I have read and accept the Microsoft Non-Disclosure Agreement"),
    )

    # Each required field's own message: a translation needs the whole sentence.
    REQUIRED_MESSAGES = {
        "first_name": _("Enter your first name."),
        "last_name": _("Enter your last name."),
        "email": _("Enter your email address for program messages."),
        "address_1": _("Enter your address 1."),
        "city": _("Enter your city."),
        "state_province": _("Enter your state/province."),
        "postal_code": _("Enter your ZIP/postal code."),
    }

    class Meta:
        model = Trainer
        fields = [
            *Trainer.REGISTRATION_FIELDS,
            "consent_program_contact",
            "consent_partner_contact",
        ]
        labels = {
            "first_name": _("First name"),
            "middle_name": _("Middle name"),
            "last_name": _("Last name"),
            "email": _("Email address for program messages"),
            "phone": _("Phone"),
            "company": _("Company"),
            "job_title": _("Job title"),
            "address_1": _("Address 1"),
            "address_2": _("Address 2"),
            "city": _("City"),
            "state_province": _("State/Province"),
            "postal_code": _("ZIP/Postal code"),
            "consent_program_contact": _(
                "Microsoft may contact me about security, product and event information"
            ),
            "consent_partner_contact": _(
                "Microsoft Partners may contact me about security, product and event information"
            ),
        }
        widgets = {
            "first_name": forms.TextInput(attrs={"autocomplete": "given-name"}),
            "middle_name": forms.TextInput(
                attrs={"class": "input--medium", "autocomplete": "additional-name"}
            ),
            "last_name": forms.TextInput(attrs={"autocomplete": "family-name"}),
            "email": forms.EmailInput(attrs={"autocomplete": "email"}),
            "phone": forms.TextInput(attrs={"class": "input--medium", "autocomplete": "tel"}),
            "company": forms.TextInput(attrs={"autocomplete": "organization"}),
            "job_title": forms.TextInput(attrs={"autocomplete": "organization-title"}),
            "address_1": forms.TextInput(attrs={"autocomplete": "address-line1"}),
            "address_2": forms.TextInput(attrs={"autocomplete": "address-line2"}),
            "city": forms.TextInput(attrs={"autocomplete": "address-level2"}),
            "state_province": forms.TextInput(attrs={"autocomplete": "address-level1"}),
            "postal_code": forms.TextInput(
                attrs={"class": "input--short", "autocomplete": "postal-code"}
            ),
        }

    def __init__(self, *args, nda=None, nda_needed: bool = False, consent_labels=None, **kwargs):
        super().__init__(*args, **kwargs)
        for name in REQUIRED_REGISTRATION_FIELDS:
            self.fields[name].required = True
            message = self.REQUIRED_MESSAGES.get(name)
            if message is not None:
                self.fields[name].error_messages["required"] = message
        self.fields["country"].error_messages["required"] = _("Choose your country.")
        self.fields["country"].widget.attrs["autocomplete"] = "country-name"
        for name, label in (consent_labels or {}).items():
            self.fields[name].label = label
        self.nda = nda
        self.nda_needed = nda_needed
        if nda_needed:
            self.fields["accept_nda"].required = True
            self.fields["accept_nda"].label = _(
                "I have read and accept the Microsoft Non-Disclosure Agreement (version "
                "%(version)s)"
            ) % {"version": nda.version}
            self.fields["accept_nda"].error_messages["required"] = _(
                "Accept the Non-Disclosure Agreement to continue."
            )
        else:
            del self.fields["accept_nda"]

    def details(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}


class McpIdClaimForm(forms.Form):
    value = forms.CharField(
        label="MCP ID",
        max_length=30,
        help_text=_("The number you received when you passed your first Microsoft exam."),
        error_messages={"required": _("Enter your MCP ID.")},
        widget=forms.TextInput(
            attrs={"class": "input--medium", "inputmode": "numeric", "autocomplete": "off"}
        ),
    )
    access_code = forms.CharField(
        label=_("Access code"),
        max_length=40,
        help_text=_(
            "It came with your MCP ID, e.g. ABCDE-FGHJK. Capitals and dashes do not matter."
        ),
        error_messages={"required": _("Enter the access code that came with your MCP ID.")},
        widget=forms.TextInput(
            attrs={
                "class": "input--medium",
                "autocomplete": "off",
                "autocapitalize": "characters",
                "spellcheck": "false",
            }
        ),
    )

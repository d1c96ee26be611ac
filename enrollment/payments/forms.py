"""Forms of the payment page and of the fee, discount code and payment admin. Validation only."""

import re
from decimal import Decimal

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS
from django.utils.translation import gettext_lazy as _

from ..enums import Currency
from ..models import DiscountCode, Fee
from ..rules.fees import round_to_currency


class PriceForm(forms.Form):
    currency = forms.ChoiceField(label=_("Currency"))
    discount_code = forms.CharField(
        label=_("Discount code"),
        max_length=40,
        required=False,
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "spellcheck": "false", "class": "input--medium"}
        ),
    )

    def __init__(self, *args, currencies: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["currency"].choices = [
            (currency, f"{currency} — {Currency(currency).label}") for currency in currencies
        ]
        self.fields["currency"].widget.attrs["class"] = "input--medium"

    def clean_discount_code(self) -> str:
        return self.cleaned_data["discount_code"].strip()


class CancelPaymentForm(forms.Form):
    reason = forms.CharField(
        label=_("Why are you cancelling?"),
        required=False,
        max_length=500,
        help_text=_("This helps us improve the program; you can leave it empty."),
        widget=forms.Textarea(attrs={"rows": 3}),
    )


# --- Admin -------------------------------------------------------------------------------


class FeeAdminForm(forms.ModelForm):
    class Meta:
        model = Fee
        fields = ["program", "currency", "amount"]
        error_messages = {
            NON_FIELD_ERRORS: {
                "unique_together": "This program already has a fee in this currency: "
                "change that fee instead of adding a second one.",
            }
        }

    def clean_amount(self) -> Decimal:
        amount = self.cleaned_data["amount"]
        if amount < 0:
            raise forms.ValidationError("A fee cannot be negative. Enter 0 for no fee.")
        return amount

    def clean(self):
        cleaned = super().clean()
        amount, currency = cleaned.get("amount"), cleaned.get("currency")
        if amount is not None and currency and round_to_currency(amount, currency) != amount:
            self.add_error("amount", f"{currency} has no minor unit: enter a whole amount.")
        return cleaned


class DiscountCodeAdminForm(forms.ModelForm):
    class Meta:
        model = DiscountCode
        fields = ["code", "percent_off", "program", "active", "valid_until", "max_uses"]
        help_texts = {
            "code": "Trainers type it on the payment page; letters and digits, any case.",
            "percent_off": "1 to 100. A 100% code waives the fee: no payment is needed.",
            "program": "Leave empty for a code valid for every program.",
            "valid_until": "The last day the code can be used; empty for no end date.",
            "max_uses": "How many paid applications may use it; empty for no limit.",
        }

    def clean_code(self) -> str:
        code = self.cleaned_data["code"].strip().upper()
        if not re.fullmatch(r"[A-Z0-9_-]+", code):
            raise forms.ValidationError("Use only letters, digits, - and _ in a discount code.")
        clash = DiscountCode.objects.filter(code__iexact=code).exclude(pk=self.instance.pk)
        if clash.exists():
            raise forms.ValidationError(f"The discount code {code} already exists.")
        return code

    def clean_percent_off(self) -> int:
        percent = self.cleaned_data["percent_off"]
        if not 1 <= percent <= 100:
            raise forms.ValidationError("Enter a percentage from 1 to 100.")
        return percent


class PaymentActionForm(forms.Form):
    """The reason asked for on the admin's cancel and refund pages."""

    reason = forms.CharField(
        label="Reason",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Kept in the audit trail of each payment.",
    )


class BillingForm(forms.Form):
    """Who the invoice is made out to; kept with the payment and printed on its PDF."""

    billing_name = forms.CharField(
        label=_("Name on the invoice"),
        max_length=200,
        help_text=_("Your name, or your employer's if they pay."),
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    billing_address = forms.CharField(
        label=_("Billing address"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3, "autocomplete": "street-address"}),
    )
    billing_vat_id = forms.CharField(
        label=_("VAT ID (optional)"),
        max_length=40,
        required=False,
        help_text=_("Only if the invoice is for a VAT-registered business."),
        widget=forms.TextInput(attrs={"class": "input--medium", "spellcheck": "false"}),
    )

    def clean_billing_name(self) -> str:
        name = " ".join(self.cleaned_data["billing_name"].split())
        if not name:
            raise forms.ValidationError(_("Enter the name the invoice is made out to."))
        return name

    def clean_billing_address(self) -> str:
        lines = [line.strip() for line in self.cleaned_data["billing_address"].splitlines()]
        address = "\n".join(line for line in lines if line)
        if not address:
            raise forms.ValidationError(_("Enter the billing address."))
        return address

    def clean_billing_vat_id(self) -> str:
        vat_id = re.sub(r"[\s.-]", "", self.cleaned_data["billing_vat_id"]).upper()
        if vat_id and not re.fullmatch(r"[A-Z]{2}[A-Z0-9]{2,13}", vat_id):
            raise forms.ValidationError(
                _("Enter the VAT ID with its country code, for example DE123456789.")
            )
        return vat_id


def billing_initial(trainer) -> dict:
    """The billing form pre-filled from the trainer's profile."""
    city = " ".join(p for p in (trainer.postal_code, trainer.city) if p)
    lines = [trainer.address_1, trainer.address_2, city, trainer.state_province, trainer.country]
    return {
        "billing_name": trainer.full_name,
        "billing_address": "\n".join(line for line in lines if line),
    }

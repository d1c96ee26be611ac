"""Forms of the payment page and of the fee, discount code and payment admin. Validation only."""

import re
from decimal import Decimal

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS

from ..enums import Currency
from ..models import DiscountCode, Fee
from ..rules.fees import round_to_currency


class PriceForm(forms.Form):
    currency = forms.ChoiceField(label="Currency")
    discount_code = forms.CharField(
        label="Discount code",
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
        label="Why are you cancelling?",
        required=False,
        max_length=500,
        help_text="This helps us improve the program; you can leave it empty.",
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

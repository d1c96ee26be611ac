"""A card provider for demos and tests: no money moves and no card data is kept.

4242 4242 4242 4242 is accepted; 4000 0000 0000 0002 is declined, as at real test gateways.
"""

import datetime
import re
import secrets

from django import forms
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .base import Outcome, PaymentProvider, ProviderResult

SUCCESS_CARD = "4242424242424242"
DECLINED_CARD = "4000000000000002"


def luhn_valid(number: str) -> bool:
    total = 0
    for position, digit in enumerate(int(d) for d in reversed(number)):
        if position % 2:
            digit = digit * 2 - 9 if digit > 4 else digit * 2
        total += digit
    return total % 10 == 0


class CardForm(forms.Form):
    card_number = forms.CharField(
        label=_("Card number"),
        max_length=23,
        help_text=_("This is a demo: use the test card 4242 4242 4242 4242."),
        widget=forms.TextInput(
            attrs={"autocomplete": "cc-number", "inputmode": "numeric", "spellcheck": "false"}
        ),
    )
    expiry = forms.CharField(
        label=_("Expiry date"),
        max_length=7,
        help_text=_("MM/YY, for example 08/29."),
        widget=forms.TextInput(attrs={"autocomplete": "cc-exp", "inputmode": "numeric"}),
    )
    cvc = forms.CharField(
        label=_("Security code (CVC)"),
        max_length=4,
        help_text=_("The 3 or 4 digits on the back of the card."),
        widget=forms.TextInput(
            attrs={"autocomplete": "cc-csc", "inputmode": "numeric", "class": "input--short"}
        ),
    )

    def clean_card_number(self) -> str:
        number = re.sub(r"[\s-]", "", self.cleaned_data["card_number"])
        if not number.isdigit() or not 12 <= len(number) <= 19:
            raise forms.ValidationError(_("Enter the card number: 12 to 19 digits."))
        if not luhn_valid(number):
            raise forms.ValidationError(_("This card number is not valid. Check it and try again."))
        return number

    def clean_expiry(self) -> datetime.date:
        match = re.fullmatch(r"\s*(\d{1,2})\s*/\s*(\d{2}|\d{4})\s*", self.cleaned_data["expiry"])
        if not match or not 1 <= int(match[1]) <= 12:
            raise forms.ValidationError(_("Enter the expiry date as MM/YY, for example 08/29."))
        year = int(match[2])
        year = year + 2000 if year < 100 else year
        expires = datetime.date(year, int(match[1]), 1)
        today = timezone.localdate()
        if (expires.year, expires.month) < (today.year, today.month):
            raise forms.ValidationError(_("This card has expired."))
        return expires

    def clean_cvc(self) -> str:
        cvc = self.cleaned_data["cvc"].strip()
        if not re.fullmatch(r"\d{3,4}", cvc):
            raise forms.ValidationError(_("Enter the 3 or 4 digit security code."))
        return cvc


class TestCardProvider(PaymentProvider):
    name = "test_card"
    label = _("Pay by card")
    description = _("Pay now with a card; your application is approved at once.")
    form_class = CardForm
    is_demo = True

    def start(self, payment, details) -> ProviderResult:
        number = details["card_number"]
        if number == SUCCESS_CARD:
            return ProviderResult(Outcome.PAID, reference=f"TEST-{secrets.token_hex(6).upper()}")
        if number == DECLINED_CARD:
            return ProviderResult(
                Outcome.DECLINED,
                message=gettext(
                    "Your card was declined. No money was taken and nothing has changed: "
                    "try another card or pay by invoice."
                ),
            )
        return ProviderResult(
            Outcome.DECLINED,
            message=gettext(
                "This demo accepts only the test card 4242 4242 4242 4242. No money was taken."
            ),
        )


provider = TestCardProvider()

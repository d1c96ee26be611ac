"""Offline invoice: the trainer (or their employer) pays by bank transfer and support marks
the invoice paid in the admin, which confirms the payment.

The payment services issue the numbered PDF invoice when the payment starts and email it
(enrollment.services.documents); its number is the payment's reference.
"""

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from .base import Outcome, PaymentProvider, ProviderResult

DEFAULT_INSTRUCTIONS = _(
    "Pay by bank transfer within 30 days and quote the invoice number as the payment "
    "reference. When the money arrives we mark the invoice paid, approve your application "
    "and email you."
)


def payment_instructions() -> str:
    return getattr(settings, "PAYMENT_INVOICE_INSTRUCTIONS", "") or DEFAULT_INSTRUCTIONS


class InvoiceProvider(PaymentProvider):
    name = "invoice"
    label = _("Pay by invoice")
    description = _(
        "We email you an invoice to pay by bank transfer; your application is approved "
        "when the payment arrives."
    )
    invoice_at_start = True

    def start(self, payment, details) -> ProviderResult:
        return ProviderResult(Outcome.PENDING, message=payment_instructions())


provider = InvoiceProvider()

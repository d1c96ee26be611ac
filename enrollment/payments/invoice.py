"""Offline invoice: the trainer (or their employer) pays by bank transfer and support marks
the invoice paid in the admin, which confirms the payment."""

from django.conf import settings
from django.urls import reverse

from mct_portal.links import portal_url

from ..rules.fees import format_money
from ..services.trainers import trainer_mail
from .base import Outcome, PaymentProvider, ProviderResult

DEFAULT_INSTRUCTIONS = (
    "Pay by bank transfer within 30 days and quote the invoice number as the payment "
    "reference. When the money arrives we mark the invoice paid, approve your application "
    "and email you."
)


def payment_instructions() -> str:
    return getattr(settings, "PAYMENT_INVOICE_INSTRUCTIONS", "") or DEFAULT_INSTRUCTIONS


def invoice_number(payment) -> str:
    return f"INV-{payment.created_at:%Y}-{payment.pk:06d}"


class InvoiceProvider(PaymentProvider):
    name = "invoice"
    label = "Pay by invoice"
    description = (
        "We email you an invoice to pay by bank transfer; your application is approved "
        "when the payment arrives."
    )

    def start(self, payment, details) -> ProviderResult:
        number = invoice_number(payment)
        self._send_invoice(payment, number)
        return ProviderResult(Outcome.PENDING, reference=number, message=payment_instructions())

    def _send_invoice(self, payment, number: str) -> None:
        application = payment.application
        trainer_mail(
            application.trainer,
            role="payment_invoice",
            context={
                "path_label": application.get_path_display(),
                "invoice_number": number,
                "amount": format_money(payment.amount, payment.currency),
                "instructions": payment_instructions(),
                "application_public_id": str(application.public_id),
                "invoice_url": portal_url(
                    reverse("payment_invoice", kwargs={"public_id": application.public_id})
                ),
            },
        )


provider = InvoiceProvider()

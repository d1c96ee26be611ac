"""Reads about payments."""

from ..models import PaymentDocument


def trainer_payment_documents(*, trainer) -> list[PaymentDocument]:
    """The trainer's invoices and credit notes, newest first."""
    return list(
        PaymentDocument.objects.filter(payment__application__trainer=trainer)
        .select_related("payment__application")
        .order_by("-issued_on", "-id")
    )

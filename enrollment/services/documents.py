"""Invoices (receipts once paid) and credit notes of payments: numbering and content.

Numbers run per series and year without gaps: a number is taken from a DocumentCounter
row locked in the transaction that changes the payment, so a rolled-back payment gives
its number back and two payments at the same moment queue for the next one.
What a document says is frozen in its `content` when it is issued (the PDF is drawn
from it by enrollment.payments.pdf), so a later change of the seller's address or of
the trainer's name never rewrites an issued document. The language is frozen too:
the trainer's saved choice, else the language of the request that issued it (English when
a task issues it for a trainer who never chose), and the description is written in it.
"""

import datetime
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from core.l10n import format_long_date, supported_language
from mct_portal.links import portal_url

from ..enums import MEMBERSHIP_OPEN, PaymentDocumentKind, Program
from ..models import DocumentCounter, Membership, Payment, PaymentDocument
from ..paths.registry import path_definition, program_for_path
from ..payments.invoice import payment_instructions
from ..payments.pdf import document_filename, render_document_pdf
from ..rules.fees import money_text, round_to_currency
from ..rules.memberships import add_years
from .trainers import trainer_mail

SERIES = {PaymentDocumentKind.INVOICE: "INV", PaymentDocumentKind.CREDIT_NOTE: "CN"}


def document_number(kind: str, year: int, sequence: int) -> str:
    """'INV-2026-00017' for invoices, 'CN-2026-00003' for credit notes."""
    return f"{SERIES[kind]}-{year}-{sequence:05d}"


def tax_contained(amount: Decimal, rate_percent: Decimal, currency: str) -> Decimal:
    """The tax inside a tax-inclusive `amount` at `rate_percent`, rounded to the currency."""
    if rate_percent <= 0:
        return round_to_currency(Decimal(0), currency)
    net = (Decimal(amount) * 100 / (100 + rate_percent)).quantize(
        Decimal("0.0001"), rounding=ROUND_HALF_UP
    )
    return round_to_currency(Decimal(amount) - net, currency)


def _take_number(series: str, year: int) -> int:
    # ON CONFLICT DO NOTHING: the first payment of a year creates the row without a race.
    DocumentCounter.objects.bulk_create(
        [DocumentCounter(series=series, year=year)], ignore_conflicts=True
    )
    counter = DocumentCounter.objects.select_for_update().get(series=series, year=year)
    counter.last_number += 1
    counter.save(update_fields=["last_number"])
    return counter.last_number


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.replace("|", "\n").splitlines() if line.strip()]


def _membership_year(payment: Payment) -> tuple[datetime.date, datetime.date] | None:
    """The membership year the payment bought, once known."""
    application = payment.application
    year = Membership.objects.filter(application=application).order_by("-starts_on").first()
    if year is not None:
        return year.starts_on, year.anniversary_on
    if path_definition(application.path).extends_membership:
        program = program_for_path(application.path)
        current = (
            Membership.objects.filter(
                trainer_id=application.trainer_id,
                program=program,
                status__in=MEMBERSHIP_OPEN,
            )
            .order_by("-starts_on")
            .first()
        )
        if current is not None:
            return current.anniversary_on, add_years(current.anniversary_on, 1)
    return None


def _description(payment: Payment) -> tuple[str, str]:
    """What was bought and the membership year it covers, in the active language."""
    application = payment.application
    program = Program(program_for_path(application.path)).label
    dates = _membership_year(payment)
    if dates is None:
        period = _("one year from the day the payment arrives")
    else:
        period = _("%(start)s to %(end)s") % {
            "start": format_long_date(dates[0]),
            "end": format_long_date(dates[1]),
        }
    description = _("%(program)s membership, one year (%(path)s)") % {
        "program": program,
        "path": path_definition(application.path).label,
    }
    return description, period


def document_language_for(trainer) -> str:
    """The language a document issued now for `trainer` is written in (and keeps)."""
    return (
        supported_language(trainer.language)
        or supported_language(translation.get_language())
        or "en"
    )


def _content(payment: Payment, kind: str, refers_to: str = "") -> dict:
    rate = Decimal(str(getattr(settings, "INVOICE_TAX_RATE", "0") or "0"))
    tax = tax_contained(payment.amount, rate, payment.currency)
    trainer = payment.application.trainer
    language = document_language_for(trainer)
    with translation.override(language):
        description, period = _description(payment)
    discount = payment.discount_code
    return {
        "seller": {
            "name": settings.INVOICE_SELLER_NAME,
            "address": _lines(settings.INVOICE_SELLER_ADDRESS),
            "tax_id": settings.INVOICE_SELLER_TAX_ID,
            "email": settings.INVOICE_SELLER_EMAIL,
        },
        "buyer": {
            "name": payment.billing_name or trainer.full_name,
            "address": _lines(payment.billing_address),
            "vat_id": payment.billing_vat_id,
            "email": trainer.user.email,
        },
        "description": description,
        "period": period,
        "discount": f"{discount.code}: {discount.percent_off}% off" if discount else "",
        "amount": str(payment.amount),
        "currency": payment.currency,
        "tax_label": settings.INVOICE_TAX_LABEL,
        "tax_rate": str(rate),
        "tax_amount": str(tax),
        "net_amount": str(round_to_currency(payment.amount - tax, payment.currency)),
        "tax_note": settings.INVOICE_TAX_NOTE,
        "provider": payment.provider,
        "reference": payment.reference,
        "application": str(payment.application.public_id),
        "refers_to": refers_to,
        "language": language,
    }


@transaction.atomic
def payment_document_issue(*, payment: Payment, kind: str) -> PaymentDocument:
    """Issues the payment's invoice or credit note, once: issuing again returns the one
    already issued. Call it inside the transaction that changes the payment."""
    existing = PaymentDocument.objects.filter(payment=payment, kind=kind).first()
    if existing is not None:
        return existing
    refers_to = ""
    if kind == PaymentDocumentKind.CREDIT_NOTE:
        invoice = payment_document_issue(payment=payment, kind=PaymentDocumentKind.INVOICE)
        refers_to = invoice.number
    today = timezone.localdate()
    sequence = _take_number(SERIES[kind], today.year)
    return PaymentDocument.objects.create(
        payment=payment,
        kind=kind,
        number=document_number(kind, today.year, sequence),
        year=today.year,
        sequence=sequence,
        issued_on=today,
        content=_content(payment, kind, refers_to),
    )


def document_attachment(document_id: int) -> tuple[str, bytes, str]:
    """The attachment source "payment_document" of verification.mail."""
    document = PaymentDocument.objects.select_related("payment").get(pk=document_id)
    return document_filename(document), render_document_pdf(document), "application/pdf"


def mail_payment_document(*, document: PaymentDocument, role: str) -> None:
    """Emails the trainer `role` (payment_invoice, payment_received, payment_refunded)
    with the document attached as PDF."""
    payment = document.payment
    application = payment.application
    trainer_mail(
        application.trainer,
        role=role,
        context={
            "path_label": path_definition(application.path).label,
            "document_number": document.number,
            "invoice_number": document.content.get("refers_to") or document.number,
            "amount": money_text(payment.amount, payment.currency),
            "instructions": payment_instructions(),
            "application_public_id": str(application.public_id),
            "invoice_url": portal_url(
                reverse("payment_invoice", kwargs={"public_id": application.public_id})
            ),
            "document_url": portal_url(
                reverse("payment_document", kwargs={"number": document.number})
            ),
        },
        attachments=[{"source": "payment_document", "id": document.pk}],
    )

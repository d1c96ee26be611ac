"""Invoices, receipts and credit notes as PDF: what they say, who may see them, their numbers."""

import datetime
import io
from decimal import Decimal
from functools import partial

import pytest
import time_machine
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from core.l10n import format_long_date
from enrollment.enums import ApplicationPath, ApplicationStatus, PaymentDocumentKind
from enrollment.models import PaymentDocument
from enrollment.services.documents import tax_contained
from enrollment.services.payments import (
    Billing,
    payment_confirm,
    payment_refund,
    payment_start,
)
from tests.concurrency import at_once, raised
from tests.conftest import needs_postgres
from tests.factories import (
    ApplicationFactory,
    FeeFactory,
    MembershipFactory,
    TrainerFactory,
    UserFactory,
)
from verification.models import OutboundEmail

GOOD_CARD = {"card_number": "4242424242424242", "expiry": datetime.date(2039, 1, 1), "cvc": "123"}
BILLING = Billing(
    "Zoë Ångström for Contoso GmbH", "Hauptstraße 5\n10115 Berlin\nGermany", "DE123456789"
)


@pytest.fixture(autouse=True)
def seller(settings):
    settings.INVOICE_SELLER_NAME = "MCT Program Office"
    settings.INVOICE_SELLER_ADDRESS = "1 Microsoft Way|Redmond, WA 98052"
    settings.INVOICE_SELLER_TAX_ID = "US-91-1144442"
    settings.INVOICE_TAX_RATE = "19"
    settings.INVOICE_TAX_LABEL = "VAT"


@pytest.fixture
def fees(db):
    FeeFactory(currency="EUR", amount=Decimal("357.00"))
    FeeFactory(currency="USD", amount=Decimal("400.00"))


def awaiting(**kwargs):
    return ApplicationFactory(
        status=ApplicationStatus.AWAITING_PAYMENT, submitted_at=timezone.now(), **kwargs
    )


def pdf_text(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    return " ".join(" ".join(page.extract_text().split()) for page in reader.pages)


def pay_by_card(application, currency="EUR", billing=BILLING):
    return payment_start(
        application=application,
        currency=currency,
        provider="test_card",
        by=application.trainer.user,
        details=GOOD_CARD,
        billing=billing,
    )


@pytest.mark.django_db
def test_the_invoice_and_the_credit_note_say_what_was_bought_and_by_whom(client, fees):
    trainer = TrainerFactory(first_name="Zoë", last_name="Ångström")
    MembershipFactory(
        trainer=trainer,
        starts_on=timezone.localdate() - datetime.timedelta(days=300),
        anniversary_on=timezone.localdate() + datetime.timedelta(days=65),
    )
    application = awaiting(trainer=trainer, path=ApplicationPath.RENEW)

    payment = pay_by_card(application)
    invoice = PaymentDocument.objects.get(payment=payment, kind=PaymentDocumentKind.INVOICE)
    client.force_login(trainer.user)
    response = client.get(reverse("payment_document", kwargs={"number": invoice.number}))

    assert response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content)
    year = timezone.localdate().year
    assert invoice.number == f"INV-{year}-00001"
    assert "Invoice and receipt" in text
    assert f"INV-{year}-00001" in text
    assert "MCT Program Office" in text and "1 Microsoft Way" in text
    assert "Tax ID: US-91-1144442" in text
    assert "Zoë Ångström for Contoso GmbH" in text
    assert "Hauptstraße 5" in text and "10115 Berlin" in text
    assert "VAT ID: DE123456789" in text
    assert "Total EUR 357.00" in text
    assert "Net amount EUR 300.00" in text  # 357.00 includes 19% VAT
    assert "VAT 19% included EUR 57.00" in text
    assert "Microsoft Certified Trainer membership, one year (Renew MCT membership)" in text
    renewed = trainer.memberships.get(status="active")
    period = f"{format_long_date(renewed.starts_on)} to {format_long_date(renewed.anniversary_on)}"
    assert period in text  # "3 February 2027 to 3 February 2028"
    assert f"Paid on {format_long_date(timezone.localdate())}" in text
    # The profile lists it.
    profile = client.get(reverse("profile")).content.decode()
    assert f"Invoice {invoice.number}" in profile

    payment_refund(payment=payment, by=UserFactory(is_staff=True), reason="Goodwill")

    credit = PaymentDocument.objects.get(payment=payment, kind=PaymentDocumentKind.CREDIT_NOTE)
    response = client.get(reverse("payment_document", kwargs={"number": credit.number}))
    text = pdf_text(response.content)
    assert credit.number == f"CN-{year}-00001"
    assert "Credit note" in text
    assert f"Credits invoice INV-{year}-00001" in text
    assert "Total -EUR 357.00" in text
    assert "VAT 19% included -EUR 57.00" in text
    assert "Zoë Ångström for Contoso GmbH" in text
    assert f"Credit note {credit.number}" in client.get(reverse("profile")).content.decode()


@pytest.mark.django_db
def test_a_bank_invoice_is_a_pdf_with_its_number_before_it_is_paid(client, fees):
    application = awaiting()
    payment = payment_start(
        application=application,
        currency="USD",
        provider="invoice",
        by=application.trainer.user,
        billing=Billing("Contoso Ltd", "2 Main Street\nLeeds", ""),
    )
    invoice = payment.documents.get()
    client.force_login(application.trainer.user)

    text = pdf_text(
        client.get(reverse("payment_document", kwargs={"number": invoice.number})).content
    )
    assert payment.reference == invoice.number
    assert text.startswith("Invoice ")
    assert "Invoice and receipt" not in text
    assert "Payment due" in text
    assert "Contoso Ltd" in text and "2 Main Street" in text
    assert "VAT ID" not in text  # none given
    assert "one year from the day the payment arrives" in text

    payment_confirm(payment=payment, reference="BANK-77", by=UserFactory(is_staff=True))
    text = pdf_text(
        client.get(reverse("payment_document", kwargs={"number": invoice.number})).content
    )
    assert "Invoice and receipt" in text
    assert payment.documents.count() == 1  # the same number, now paid


@pytest.mark.django_db
def test_documents_are_for_their_trainer_and_staff_only(client, fees):
    payment = pay_by_card(awaiting())
    number = payment.documents.get().number
    address = reverse("payment_document", kwargs={"number": number})

    assert client.get(address).status_code == 302  # sign in first
    client.force_login(TrainerFactory().user)
    assert client.get(address).status_code == 404
    client.force_login(UserFactory(is_staff=True))
    assert client.get(address).status_code == 200
    client.force_login(payment.application.trainer.user)
    assert client.get(address).status_code == 200
    assert client.get(reverse("payment_document", kwargs={"number": "INV-1-1"})).status_code == 404


@pytest.mark.django_db
def test_the_receipt_email_carries_the_pdf(fees, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        payment = pay_by_card(awaiting())

    invoice = payment.documents.get()
    [sent] = [
        m
        for m in mail.outbox
        if OutboundEmail.objects.filter(subject=m.subject).exists()
        and "Payment received" in m.subject
    ]
    [(filename, content, mimetype)] = sent.attachments
    assert (filename, mimetype) == (f"{invoice.number}.pdf", "application/pdf")
    assert invoice.number in pdf_text(content)


@pytest.mark.django_db
def test_numbers_follow_each_other_and_start_again_each_year(fees):
    with time_machine.travel(datetime.datetime(2030, 12, 31, 12, tzinfo=datetime.UTC)):
        late = [pay_by_card(awaiting()).documents.get().number for _ in range(3)]
    with time_machine.travel(datetime.datetime(2031, 1, 1, 12, tzinfo=datetime.UTC)):
        early = pay_by_card(awaiting()).documents.get().number

    assert late == ["INV-2030-00001", "INV-2030-00002", "INV-2030-00003"]
    assert early == "INV-2031-00001"


@pytest.mark.django_db
def test_a_declined_card_uses_no_number(fees):
    application = awaiting()
    with pytest.raises(Exception, match="declined"):
        payment_start(
            application=application,
            currency="EUR",
            provider="test_card",
            by=application.trainer.user,
            details={**GOOD_CARD, "card_number": "4000000000000002"},
        )
    assert pay_by_card(awaiting()).documents.get().sequence == 1


def test_tax_contained_in_a_tax_inclusive_amount():
    assert tax_contained(Decimal("357.00"), Decimal("19"), "EUR") == Decimal("57.00")
    assert tax_contained(Decimal("400.00"), Decimal("0"), "USD") == Decimal("0.00")
    assert tax_contained(Decimal("45000"), Decimal("10"), "JPY") == Decimal("4091")


@needs_postgres()
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_ten_payments_at_once_get_numbers_without_gaps(fees):
    applications = [awaiting() for _ in range(10)]

    results = at_once(*(partial(pay_by_card, application) for application in applications))

    assert raised(results) == []
    sequences = sorted(PaymentDocument.objects.values_list("sequence", flat=True))
    assert sequences == list(range(1, 11))
    year = timezone.localdate().year
    assert sorted(PaymentDocument.objects.values_list("number", flat=True)) == [
        f"INV-{year}-{n:05d}" for n in range(1, 11)
    ]

from decimal import Decimal

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse

from enrollment.enums import ApplicationStatus, PaymentStatus
from enrollment.models import DiscountCode, Fee, Membership
from enrollment.services.payments import payment_confirm
from tests.factories import DiscountCodeFactory, FeeFactory, PaymentFactory, UserFactory

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:enrollment_payment_changelist")


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def run_action(client, action, payments, **extra):
    return client.post(
        CHANGELIST,
        {"action": action, ACTION_CHECKBOX_NAME: [p.pk for p in payments], **extra},
        follow=True,
    )


def test_mark_invoice_paid_approves_the_application(admin_client):
    invoice = PaymentFactory()

    response = run_action(admin_client, "mark_invoice_paid", [invoice])

    assert "Marked 1 invoice(s) paid" in response.content.decode()
    invoice.refresh_from_db()
    assert invoice.status == PaymentStatus.PAID
    invoice.application.refresh_from_db()
    assert invoice.application.status == ApplicationStatus.APPROVED
    assert Membership.objects.filter(trainer=invoice.application.trainer).count() == 1


def test_mark_invoice_paid_skips_anything_but_pending_invoices(admin_client):
    card = PaymentFactory(provider="test_card")
    paid = PaymentFactory()
    payment_confirm(payment=paid, by=None)

    response = run_action(admin_client, "mark_invoice_paid", [card, paid])

    page = response.content.decode()
    assert "only a pending invoice can be marked paid" in page
    card.refresh_from_db()
    assert card.status == PaymentStatus.PENDING
    assert Membership.objects.count() == 1


def test_refund_asks_for_a_reason_first(admin_client):
    payment = PaymentFactory()
    payment_confirm(payment=payment, by=None)

    page = run_action(admin_client, "refund_payments", [payment]).content.decode()
    assert "The membership is not changed" in page
    assert 'name="reason"' in page
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PAID

    blank = run_action(admin_client, "refund_payments", [payment], apply="1", reason="")
    assert "This field is required" in blank.content.decode()

    done = run_action(
        admin_client, "refund_payments", [payment], apply="1", reason="Duplicate charge"
    )

    assert "Refunded 1 payment(s)" in done.content.decode()
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.REFUNDED
    assert Membership.objects.get(trainer=payment.application.trainer).status == "active"


def test_cancel_payment_closes_the_application(admin_client):
    payment = PaymentFactory()

    response = run_action(
        admin_client, "cancel_payments", [payment], apply="1", reason="Invoice never paid"
    )

    assert "Cancelled 1 payment(s)" in response.content.decode()
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.CANCELLED
    payment.application.refresh_from_db()
    assert payment.application.status == ApplicationStatus.PAYMENT_CANCELLED


def test_cancelling_a_paid_payment_is_refused_with_the_reason(admin_client):
    payment = PaymentFactory()
    payment_confirm(payment=payment, by=None)

    response = run_action(admin_client, "cancel_payments", [payment], apply="1", reason="x")

    assert "only a pending payment can be cancelled" in response.content.decode()
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PAID


def test_payments_are_not_added_or_edited_by_hand(admin_client):
    payment = PaymentFactory()
    assert admin_client.get(reverse("admin:enrollment_payment_add")).status_code == 403
    page = admin_client.get(
        reverse("admin:enrollment_payment_change", args=[payment.pk])
    ).content.decode()
    assert 'name="status"' not in page
    assert payment.reference in page


def test_a_second_fee_for_the_same_program_and_currency_gets_a_friendly_error(admin_client):
    FeeFactory(currency="USD")

    response = admin_client.post(
        reverse("admin:enrollment_fee_add"),
        {"program": "MCT", "currency": "USD", "amount": "350.00"},
    )

    assert "already has a fee in this currency" in response.content.decode()
    assert Fee.objects.count() == 1


@pytest.mark.parametrize(
    ("currency", "amount", "message"),
    [("USD", "-1", "cannot be negative"), ("JPY", "45000.50", "enter a whole amount")],
)
def test_fee_amounts_are_checked(admin_client, currency, amount, message):
    response = admin_client.post(
        reverse("admin:enrollment_fee_add"),
        {"program": "MCT", "currency": currency, "amount": amount},
    )
    assert message in response.content.decode()
    assert not Fee.objects.exists()


def test_a_yen_fee_in_whole_yen_is_saved(admin_client):
    admin_client.post(
        reverse("admin:enrollment_fee_add"),
        {"program": "MCT", "currency": "JPY", "amount": "45000"},
    )
    assert Fee.objects.get(currency="JPY").amount == Decimal("45000")


@pytest.mark.parametrize("percent", ["0", "101"])
def test_discount_percentages_outside_1_to_100_are_refused(admin_client, percent):
    response = admin_client.post(
        reverse("admin:enrollment_discountcode_add"),
        {"code": "SPRING", "percent_off": percent, "program": "", "active": "on"},
    )
    assert "Enter a percentage from 1 to 100." in response.content.decode()
    assert not DiscountCode.objects.exists()


def test_discount_codes_are_stored_upper_case_and_unique_in_any_case(admin_client):
    DiscountCodeFactory(code="SPRING")

    response = admin_client.post(
        reverse("admin:enrollment_discountcode_add"),
        {"code": "spring", "percent_off": "10", "program": "", "active": "on"},
    )
    assert "The discount code SPRING already exists." in response.content.decode()

    admin_client.post(
        reverse("admin:enrollment_discountcode_add"),
        {"code": "summer-26", "percent_off": "10", "program": "", "active": "on"},
    )
    assert DiscountCode.objects.filter(code="SUMMER-26").exists()

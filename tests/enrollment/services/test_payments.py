import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from enrollment.enums import (
    ApplicationPath,
    ApplicationStatus,
    MembershipStatus,
    PaymentStatus,
    Program,
)
from enrollment.errors import DomainError, InvalidTransition
from enrollment.models import Application, DiscountCode, Membership, Payment
from enrollment.payments import WAIVED, get_provider
from enrollment.services import payments as payment_services
from enrollment.services.applications import application_start
from enrollment.services.payments import (
    PaymentDeclined,
    payment_abandon,
    payment_cancel,
    payment_confirm,
    payment_quote,
    payment_refund,
    payment_start,
)
from tests.concurrency import at_once
from tests.conftest import needs_postgres
from tests.factories import (
    ApplicationFactory,
    DiscountCodeFactory,
    FeeFactory,
    MembershipFactory,
    PaymentFactory,
)
from verification.models import AuditEvent, OutboundEmail

GOOD_CARD = {"card_number": "4242424242424242", "expiry": datetime.date(2030, 1, 1), "cvc": "123"}
DECLINED_CARD = {**GOOD_CARD, "card_number": "4000000000000002"}

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fees(db):
    return {
        "USD": FeeFactory(currency="USD", amount=Decimal("400.00")),
        "JPY": FeeFactory(currency="JPY", amount=Decimal("45000")),
        "ALUMNI": FeeFactory(program=Program.ALUMNI, currency="USD", amount=Decimal("50.00")),
    }


def awaiting(path=ApplicationPath.NEW, **kwargs) -> Application:
    return ApplicationFactory(
        path=path,
        status=ApplicationStatus.AWAITING_PAYMENT,
        submitted_at=timezone.now(),
        **kwargs,
    )


def actions(target) -> list[str]:
    return list(
        AuditEvent.objects.filter(object_type=target._meta.label_lower, object_id=str(target.pk))
        .order_by("pk")
        .values_list("action", flat=True)
    )


# --- quote ------------------------------------------------------------------------------


def test_quote_is_the_program_fee_without_a_code():
    quote = payment_quote(application=awaiting(), currency="USD")
    assert (quote.fee, quote.amount_due, quote.discount) == (
        Decimal("400.00"),
        Decimal("400.00"),
        None,
    )
    assert quote.amount_due_display == "USD 400.00"
    assert not quote.is_free


def test_quote_takes_the_discount_off_and_rounds_yen_to_whole_yen():
    DiscountCodeFactory(code="TEACH33", percent_off=33)
    quote = payment_quote(application=awaiting(), currency="JPY", discount_code=" teach33 ")
    assert quote.discount.code == "TEACH33"
    assert quote.amount_due == Decimal("30150")
    assert quote.amount_due_display == "JPY 30,150"


def test_quote_with_a_code_that_does_not_apply_keeps_the_full_price_and_says_why():
    quote = payment_quote(application=awaiting(), currency="USD", discount_code="NOPE")
    assert quote.amount_due == Decimal("400.00")
    assert quote.discount is None
    assert "does not exist" in quote.discount_refusal


def test_quote_in_a_currency_without_a_fee_is_refused():
    with pytest.raises(DomainError, match="not available in EUR"):
        payment_quote(application=awaiting(), currency="EUR")


# --- test card --------------------------------------------------------------------------


def test_test_card_success_approves_the_application_and_starts_the_membership():
    application = awaiting()

    payment = payment_start(
        application=application,
        currency="USD",
        provider="test_card",
        by=application.trainer.user,
        details=GOOD_CARD,
    )

    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PAID
    assert payment.amount == Decimal("400.00")
    assert payment.reference.startswith("TEST-")
    assert payment.paid_at is not None
    application.refresh_from_db()
    assert application.status == ApplicationStatus.APPROVED
    assert application.decided_at is not None
    membership = Membership.objects.get(trainer=application.trainer)
    assert (membership.program, membership.status) == (Program.MCT, MembershipStatus.ACTIVE)
    assert membership.starts_on == timezone.localdate()
    assert actions(payment) == ["payment.started", "payment.paid"]
    assert "application.approved" in actions(application)


def test_card_details_are_never_stored():
    application = awaiting()
    payment = payment_start(
        application=application,
        currency="USD",
        provider="test_card",
        by=application.trainer.user,
        details=GOOD_CARD,
    )
    stored = [str(v) for v in Payment.objects.filter(pk=payment.pk).values().get().values()]
    stored += [str(e) for e in AuditEvent.objects.values_list("before", "after", "note")]
    assert not any("4242424242424242" in value or value == "123" for value in stored)


def test_renewal_paid_by_card_extends_the_membership_by_a_year():
    application = awaiting(path=ApplicationPath.RENEW)
    current = MembershipFactory(trainer=application.trainer)

    payment_start(
        application=application,
        currency="USD",
        provider="test_card",
        by=application.trainer.user,
        details=GOOD_CARD,
    )

    current.refresh_from_db()
    assert current.status == MembershipStatus.ENDED
    renewed = Membership.objects.get(trainer=application.trainer, status=MembershipStatus.ACTIVE)
    assert renewed.starts_on == current.anniversary_on
    assert renewed.application == application


def test_declined_card_changes_nothing():
    application = awaiting()
    events_before = AuditEvent.objects.count()

    with pytest.raises(PaymentDeclined, match="declined"):
        payment_start(
            application=application,
            currency="USD",
            provider="test_card",
            by=application.trainer.user,
            details=DECLINED_CARD,
        )

    assert not Payment.objects.exists()
    application.refresh_from_db()
    assert application.status == ApplicationStatus.AWAITING_PAYMENT
    assert not Membership.objects.exists()
    assert AuditEvent.objects.count() == events_before


def test_unknown_card_is_declined_with_the_demo_card_named():
    application = awaiting()
    with pytest.raises(PaymentDeclined, match="4242 4242 4242 4242"):
        payment_start(
            application=application,
            currency="USD",
            provider="test_card",
            by=application.trainer.user,
            details={**GOOD_CARD, "card_number": "4111111111111111"},
        )
    assert not Payment.objects.exists()


# --- invoice ----------------------------------------------------------------------------


def test_invoice_leaves_the_payment_pending_until_support_marks_it_paid(support_user):
    application = awaiting()

    payment = payment_start(
        application=application, currency="USD", provider="invoice", by=application.trainer.user
    )

    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PENDING
    [invoice] = payment.documents.all()
    assert payment.reference == invoice.number == f"INV-{invoice.issued_on:%Y}-00001"
    application.refresh_from_db()
    assert application.status == ApplicationStatus.AWAITING_PAYMENT
    email = OutboundEmail.objects.get(role="payment_invoice")
    assert email.to == application.trainer.user.email
    assert payment.reference in email.body_text
    assert "USD 400.00" in email.body_text
    assert email.attachments == [{"source": "payment_document", "id": invoice.pk}]

    payment_confirm(payment=payment, by=support_user)

    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PAID
    assert payment.reference.startswith("INV-")  # the invoice number stays the reference
    application.refresh_from_db()
    assert application.status == ApplicationStatus.APPROVED
    assert Membership.objects.filter(trainer=application.trainer, status="active").count() == 1


def test_asking_for_an_invoice_twice_returns_the_same_invoice():
    application = awaiting()
    first = payment_start(
        application=application, currency="USD", provider="invoice", by=application.trainer.user
    )
    second = payment_start(
        application=application, currency="USD", provider="invoice", by=application.trainer.user
    )
    assert first.pk == second.pk
    assert Payment.objects.count() == 1
    assert OutboundEmail.objects.filter(role="payment_invoice").count() == 1


def test_paying_by_card_replaces_a_pending_invoice():
    application = awaiting()
    invoice = payment_start(
        application=application, currency="USD", provider="invoice", by=application.trainer.user
    )

    card = payment_start(
        application=application,
        currency="USD",
        provider="test_card",
        by=application.trainer.user,
        details=GOOD_CARD,
    )

    invoice.refresh_from_db()
    assert invoice.status == PaymentStatus.CANCELLED
    assert "payment.replaced" in actions(invoice)
    assert card.status == PaymentStatus.PAID
    application.refresh_from_db()
    assert application.status == ApplicationStatus.APPROVED


def test_a_declined_card_leaves_the_pending_invoice_as_it_was():
    application = awaiting()
    invoice = payment_start(
        application=application, currency="USD", provider="invoice", by=application.trainer.user
    )
    with pytest.raises(PaymentDeclined):
        payment_start(
            application=application,
            currency="USD",
            provider="test_card",
            by=application.trainer.user,
            details=DECLINED_CARD,
        )
    invoice.refresh_from_db()
    assert invoice.status == PaymentStatus.PENDING
    assert Payment.objects.count() == 1


def test_a_race_on_the_live_payment_returns_the_winners_pending_invoice(monkeypatch):
    """The check saw no live payment, but another request inserted one first."""
    application = awaiting()
    winner = PaymentFactory(application=application, provider="invoice")
    real = payment_services._live_payments
    calls = []

    def stale_then_real(app):
        calls.append(app)
        return Payment.objects.none() if len(calls) == 1 else real(app)

    monkeypatch.setattr(payment_services, "_live_payments", stale_then_real)

    payment = payment_start(
        application=application, currency="USD", provider="invoice", by=application.trainer.user
    )

    assert payment.pk == winner.pk
    assert Payment.objects.count() == 1


def test_a_race_with_another_provider_is_refused_cleanly(monkeypatch):
    application = awaiting()
    PaymentFactory(application=application, provider="invoice")
    real = payment_services._live_payments
    calls = []
    monkeypatch.setattr(
        payment_services,
        "_live_payments",
        lambda app: (calls.append(app) or Payment.objects.none()) if not calls else real(app),
    )
    with pytest.raises(DomainError, match="started at the same moment"):
        payment_start(
            application=application,
            currency="USD",
            provider="test_card",
            by=application.trainer.user,
            details=GOOD_CARD,
        )
    application.refresh_from_db()
    assert application.status == ApplicationStatus.AWAITING_PAYMENT


# --- discount codes ---------------------------------------------------------------------


def test_a_100_percent_code_waives_the_fee_and_approves_at_once():
    application = awaiting()
    code = DiscountCodeFactory(code="FREEYEAR", percent_off=100)

    payment = payment_start(
        application=application,
        currency="USD",
        provider="test_card",
        discount_code="freeyear",
        by=application.trainer.user,
    )

    payment.refresh_from_db()
    assert (payment.status, payment.provider, payment.amount) == ("paid", WAIVED, Decimal("0"))
    assert payment.reference == "WAIVED-FREEYEAR"
    assert payment.discount_code == code
    application.refresh_from_db()
    assert application.status == ApplicationStatus.APPROVED
    assert Membership.objects.filter(trainer=application.trainer, status="active").exists()
    code.refresh_from_db()
    assert code.times_used == 1


def test_a_partial_discount_is_charged_and_counted_once_paid():
    application = awaiting()
    code = DiscountCodeFactory(code="HALF", percent_off=50)
    payment = payment_start(
        application=application,
        currency="USD",
        provider="invoice",
        discount_code="HALF",
        by=application.trainer.user,
    )
    assert payment.amount == Decimal("200.00")
    code.refresh_from_db()
    assert code.times_used == 0  # pending: not used yet

    payment_confirm(payment=payment, by=None)
    code.refresh_from_db()
    assert code.times_used == 1


@pytest.mark.parametrize(
    ("code_values", "message"),
    [
        ({"valid_until": datetime.date(2020, 1, 31)}, "expired on 31 January 2020"),
        ({"program": Program.ALUMNI}, "for the MCT Alumni program only"),
        ({"max_uses": 2, "times_used": 2}, "used as often as allowed"),
        ({"active": False}, "no longer active"),
    ],
)
def test_a_code_that_does_not_apply_is_refused_with_a_clear_message(code_values, message):
    application = awaiting()
    DiscountCodeFactory(code="SPRING", **code_values)

    with pytest.raises(DomainError, match=message):
        payment_start(
            application=application,
            currency="USD",
            provider="invoice",
            discount_code="SPRING",
            by=application.trainer.user,
        )

    assert not Payment.objects.exists()
    application.refresh_from_db()
    assert application.status == ApplicationStatus.AWAITING_PAYMENT


def test_a_pending_invoice_holds_the_last_use_of_a_code():
    DiscountCodeFactory(code="ONCE", percent_off=20, max_uses=1)
    first = awaiting()
    payment_start(
        application=first,
        currency="USD",
        provider="invoice",
        discount_code="ONCE",
        by=first.trainer.user,
    )
    second = awaiting()
    with pytest.raises(DomainError, match="used as often as allowed"):
        payment_start(
            application=second,
            currency="USD",
            provider="invoice",
            discount_code="ONCE",
            by=second.trainer.user,
        )


# --- confirm ----------------------------------------------------------------------------


def test_a_confirm_run_twice_approves_once(support_user):
    application = awaiting()
    code = DiscountCodeFactory(code="TEN", percent_off=10)
    payment = payment_start(
        application=application,
        currency="USD",
        provider="invoice",
        discount_code="TEN",
        by=application.trainer.user,
    )

    payment_confirm(payment=payment, by=support_user)
    paid_at = Payment.objects.get(pk=payment.pk).paid_at
    again = payment_confirm(payment=payment, by=support_user)

    assert again.paid_at == paid_at
    assert Membership.objects.filter(trainer=application.trainer).count() == 1
    assert actions(application).count("application.approved") == 1
    assert actions(payment).count("payment.paid") == 1
    code.refresh_from_db()
    assert code.times_used == 1


def test_a_cancelled_payment_cannot_be_confirmed():
    payment = PaymentFactory(status=PaymentStatus.CANCELLED)
    with pytest.raises(InvalidTransition, match="cancelled"):
        payment_confirm(payment=payment, by=None)


def test_a_payment_for_an_application_not_awaiting_payment_is_refused():
    for status in (ApplicationStatus.DRAFT, ApplicationStatus.READY, ApplicationStatus.APPROVED):
        application = ApplicationFactory(status=status)
        with pytest.raises(InvalidTransition, match="awaiting payment"):
            payment_start(
                application=application,
                currency="USD",
                provider="test_card",
                by=application.trainer.user,
                details=GOOD_CARD,
            )
    assert not Payment.objects.exists()


# --- cancel -----------------------------------------------------------------------------


def test_cancel_closes_the_application_and_the_trainer_can_apply_again():
    application = awaiting()
    payment = payment_start(
        application=application, currency="USD", provider="invoice", by=application.trainer.user
    )

    payment_cancel(
        payment=payment, by=application.trainer.user, reason="My employer pays next year"
    )

    payment.refresh_from_db()
    assert payment.status == PaymentStatus.CANCELLED
    application.refresh_from_db()
    assert application.status == ApplicationStatus.PAYMENT_CANCELLED
    assert actions(payment)[-1] == "payment.cancelled"
    fresh = application_start(
        trainer=application.trainer, path=application.path, by=application.trainer.user
    )
    assert fresh.pk != application.pk
    assert fresh.status == ApplicationStatus.DRAFT


def test_cancelling_twice_changes_nothing_more():
    payment = PaymentFactory()
    payment_cancel(payment=payment, by=None)
    payment_cancel(payment=payment, by=None)
    assert actions(payment) == ["payment.cancelled"]


def test_a_paid_payment_cannot_be_cancelled():
    payment = PaymentFactory()
    payment_confirm(payment=payment, by=None)
    with pytest.raises(InvalidTransition, match="only a pending payment"):
        payment_cancel(payment=payment, by=None)


def test_abandoning_the_payment_step_without_a_payment_closes_the_application():
    application = awaiting()
    payment_abandon(application=application, by=application.trainer.user)
    application.refresh_from_db()
    assert application.status == ApplicationStatus.PAYMENT_CANCELLED


def test_abandoning_with_a_pending_invoice_cancels_the_invoice_too():
    payment = PaymentFactory()
    payment_abandon(application=payment.application, by=None, reason="changed my mind")
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.CANCELLED
    payment.application.refresh_from_db()
    assert payment.application.status == ApplicationStatus.PAYMENT_CANCELLED


# --- refund -----------------------------------------------------------------------------


def test_refund_marks_the_payment_refunded_and_leaves_the_membership(support_user):
    payment = PaymentFactory()
    payment_confirm(payment=payment, by=support_user)

    payment_refund(payment=payment, by=support_user, reason="Charged twice by the bank")

    payment.refresh_from_db()
    assert payment.status == PaymentStatus.REFUNDED
    event = AuditEvent.objects.get(action="payment.refunded")
    assert event.note == "Charged twice by the bank"
    assert (event.before["status"], event.after["status"]) == ("paid", "refunded")
    membership = Membership.objects.get(trainer=payment.application.trainer)
    assert membership.status == MembershipStatus.ACTIVE


def test_refund_needs_a_reason_and_a_paid_payment():
    payment = PaymentFactory()
    with pytest.raises(DomainError, match="reason"):
        payment_refund(payment=payment, by=None, reason="  ")
    with pytest.raises(InvalidTransition, match="only a paid payment"):
        payment_refund(payment=payment, by=None, reason="Goodwill")


def test_a_waived_fee_has_nothing_to_refund():
    application = awaiting()
    DiscountCodeFactory(code="FREE", percent_off=100)
    payment = payment_start(
        application=application,
        currency="USD",
        provider="invoice",
        discount_code="FREE",
        by=None,
    )
    with pytest.raises(DomainError, match="nothing to refund"):
        payment_refund(payment=payment, by=None, reason="Goodwill")


# --- registry ---------------------------------------------------------------------------


def test_the_registry_knows_the_enabled_providers_only(settings):
    assert get_provider("test_card").label == "Pay by card"
    assert get_provider("invoice").label == "Pay by invoice"
    settings.PAYMENT_PROVIDERS = ["invoice"]
    with pytest.raises(LookupError):
        get_provider("test_card")
    with pytest.raises(LookupError):
        get_provider("base")


def test_discount_code_model_unchanged_by_a_quote():
    DiscountCodeFactory(code="LOOK", percent_off=10, max_uses=1)
    payment_quote(application=awaiting(), currency="USD", discount_code="LOOK")
    assert DiscountCode.objects.get(code="LOOK").times_used == 0


# --- concurrency (PostgreSQL: real row locks) -------------------------------------------


@needs_postgres()
@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_invoice_requests_create_one_invoice():
    application = awaiting()

    def ask_for_an_invoice():
        return payment_start(
            application=application, currency="USD", provider="invoice", by=None
        ).pk

    results = at_once(ask_for_an_invoice, ask_for_an_invoice)

    assert len(set(results)) == 1, results
    assert Payment.objects.count() == 1
    assert OutboundEmail.objects.filter(role="payment_invoice").count() == 1


@needs_postgres()
@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_confirms_approve_once():
    payment = PaymentFactory()

    def confirm():
        return payment_confirm(payment=payment, by=None).status

    results = at_once(confirm, confirm)

    assert results == ["paid", "paid"]
    assert Membership.objects.filter(trainer=payment.application.trainer).count() == 1
    assert actions(payment.application).count("application.approved") == 1

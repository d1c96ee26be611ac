"""Card payments through Stripe Checkout, with the real `stripe` library talking to a local
test double (tests/enrollment/stripe_double.py) and webhook events signed with the test
endpoint secret."""

import datetime
import time
from decimal import Decimal

import pytest
import stripe
import time_machine
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from enrollment.enums import ApplicationStatus, PaymentDocumentKind, PaymentStatus
from enrollment.models import Membership, Payment, PaymentDocument
from enrollment.services.payments import payment_sync_stale
from enrollment.tasks import sync_stale_card_payments
from tests.enrollment.stripe_double import StripeDouble, event_payload, serve, signature
from tests.factories import ApplicationFactory, FeeFactory, UserFactory
from verification.models import AuditEvent, OutboundEmail

pytestmark = pytest.mark.django_db

BILLING = {
    "billing_name": "Grace Hopper",
    "billing_address": "1 Compiler Road\nArlington, VA",
    "billing_vat_id": "",
}
WEBHOOK = reverse("stripe_webhook")


@pytest.fixture
def stripe_api(settings):
    double = StripeDouble()
    server = serve(double)
    previous = stripe.api_base
    stripe.api_base = double.url
    settings.PAYMENT_PROVIDERS = ["stripe", "invoice"]
    yield double
    stripe.api_base = previous
    server.shutdown()
    server.server_close()


@pytest.fixture(autouse=True)
def fees(db):
    FeeFactory(currency="USD", amount=Decimal("400.00"))
    FeeFactory(currency="JPY", amount=Decimal("45000"))


@pytest.fixture
def application(trainer):
    return ApplicationFactory(
        trainer=trainer, status=ApplicationStatus.AWAITING_PAYMENT, submitted_at=timezone.now()
    )


def url(name, application):
    return reverse(name, kwargs={"public_id": application.public_id})


def pay_by_card(client, application, currency="USD"):
    return client.post(
        url("payment", application),
        {"provider": "stripe", "currency": currency, "discount_code": "", **BILLING},
    )


def deliver(client, event_type, obj, *, secret="whsec_test_suite", **kwargs):  # noqa: S107
    payload = event_payload(event_type, obj, **kwargs)
    return client.post(
        WEBHOOK,
        data=payload,
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE=signature(payload, secret),
    )


def paid_audits(payment) -> int:
    return AuditEvent.objects.filter(action="payment.paid", object_id=str(payment.pk)).count()


def test_paying_by_card_goes_to_stripe_and_is_paid_by_the_signed_webhook(
    client, trainer_client, application, stripe_api, django_capture_on_commit_callbacks
):
    response = pay_by_card(trainer_client, application)

    [created] = stripe_api.created("/v1/checkout/sessions")
    payment = Payment.objects.get()
    session = stripe_api.sessions[payment.reference]
    assert response.status_code == 302
    assert response.url == session["url"]  # off to Stripe's hosted page
    # Amount and currency from the fee table; one idempotency key for this attempt.
    assert created.params["line_items[0][price_data][unit_amount]"] == "40000"
    assert created.params["line_items[0][price_data][currency]"] == "usd"
    assert created.idempotency_key == f"mct-payment-{payment.attempt_key}-checkout"
    assert created.api_key == "sk_test_suite"
    assert session["success_url"].endswith(
        f"{url('payment_stripe_return', application)}?session_id={{CHECKOUT_SESSION_ID}}"
    )
    assert session["cancel_url"].endswith(f"{url('payment', application)}?card=cancelled")
    assert payment.status == PaymentStatus.PENDING
    assert (payment.billing_name, payment.billing_address) == (
        "Grace Hopper",
        "1 Compiler Road\nArlington, VA",
    )

    # Coming back on the return URL alone pays nothing.
    page = trainer_client.get(url("payment_stripe_return", application), {"session_id": "x"})
    assert "Confirming your card payment" in page.content.decode()
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PENDING

    stripe_api.pay(payment.reference)
    with django_capture_on_commit_callbacks(execute=True):
        response = deliver(client, "checkout.session.completed", session)

    assert response.status_code == 200
    payment.refresh_from_db()
    application.refresh_from_db()
    assert payment.status == PaymentStatus.PAID
    assert payment.provider_payment_id == session["payment_intent"]
    assert application.status == ApplicationStatus.APPROVED
    assert Membership.objects.filter(trainer=application.trainer, status="active").count() == 1
    invoice = PaymentDocument.objects.get(payment=payment, kind=PaymentDocumentKind.INVOICE)
    receipt = OutboundEmail.objects.get(role="payment_received")
    assert receipt.attachments == [{"source": "payment_document", "id": invoice.pk}]


def test_duplicated_replayed_and_out_of_order_events_pay_once(
    client, trainer_client, application, stripe_api
):
    pay_by_card(trainer_client, application)
    payment = Payment.objects.get()
    session = stripe_api.pay(payment.reference)
    completed = event_payload("checkout.session.completed", session, event_id="evt_dup")

    # Out of order: the session's "expired" notice of an attempt arrives before "completed";
    # asked back, Stripe says the session is paid, so the payment is paid, not expired.
    assert deliver(client, "checkout.session.expired", session).status_code == 200
    for _ in range(3):  # the same event delivered three times
        response = client.post(
            WEBHOOK,
            data=completed,
            content_type="application/json",
            HTTP_STRIPE_SIGNATURE=signature(completed, "whsec_test_suite"),
        )
        assert response.status_code == 200
    # The return page asks too, after the webhook: nothing more happens.
    trainer_client.post(url("payment_stripe_return", application))

    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PAID
    assert paid_audits(payment) == 1
    assert PaymentDocument.objects.filter(payment=payment).count() == 1
    assert OutboundEmail.objects.filter(role="payment_received").count() == 1
    assert Membership.objects.filter(trainer=application.trainer).count() == 1

    # A captured event replayed later than Stripe's tolerance is refused outright.
    stale = signature(completed, "whsec_test_suite", timestamp=int(time.time()) - 3600)
    response = client.post(
        WEBHOOK, data=completed, content_type="application/json", HTTP_STRIPE_SIGNATURE=stale
    )
    assert response.status_code == 400
    assert paid_audits(payment) == 1


def test_a_forged_signature_is_refused_and_changes_nothing(
    client, trainer_client, application, stripe_api
):
    pay_by_card(trainer_client, application)
    payment = Payment.objects.get()
    session = stripe_api.pay(payment.reference)
    payload = event_payload("checkout.session.completed", session)
    before = (AuditEvent.objects.count(), Payment.objects.get().updated_at)

    forged = [
        signature(payload, "whsec_someone_else"),  # signed with another secret
        "",  # not signed at all
        "t=1,v1=deadbeef",  # made up
    ]
    for header in forged:
        response = client.post(
            WEBHOOK, data=payload, content_type="application/json", HTTP_STRIPE_SIGNATURE=header
        )
        assert response.status_code == 400
    tampered = payload.replace(b'"livemode": false', b'"livemode": true')
    response = client.post(
        WEBHOOK,
        data=tampered,
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE=signature(payload, "whsec_test_suite"),
    )
    assert response.status_code == 400

    payment.refresh_from_db()
    application.refresh_from_db()
    assert payment.status == PaymentStatus.PENDING
    assert application.status == ApplicationStatus.AWAITING_PAYMENT
    assert (AuditEvent.objects.count(), payment.updated_at) == before
    # Nothing but the forged requests reached the API meanwhile: no lookup was triggered.
    assert [r.path for r in stripe_api.requests] == ["/v1/checkout/sessions"]


def test_the_return_page_asks_stripe_and_confirms_a_paid_session(
    trainer_client, application, stripe_api
):
    pay_by_card(trainer_client, application)
    payment = Payment.objects.get()

    # Not paid yet at Stripe: the check says so and changes nothing.
    response = trainer_client.post(url("payment_stripe_return", application))
    assert "has not confirmed your payment yet" in response.content.decode()
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PENDING

    stripe_api.pay(payment.reference)
    response = trainer_client.post(url("payment_stripe_return", application))

    assert response.status_code == 302
    assert response.url == reverse("profile")
    [message] = [str(m) for m in get_messages(response.wsgi_request)]
    assert message.startswith("Your application is approved.")
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PAID


def test_a_double_click_reuses_the_open_session(trainer_client, application, stripe_api):
    first = pay_by_card(trainer_client, application)
    second = pay_by_card(trainer_client, application)

    assert first.url == second.url
    assert len(stripe_api.created("/v1/checkout/sessions")) == 1
    assert Payment.objects.count() == 1


def test_a_cancelled_or_expired_session_leaves_the_application_payable(
    client, trainer_client, application, stripe_api
):
    pay_by_card(trainer_client, application)
    first = Payment.objects.get()

    # The trainer clicks "back" on Stripe's page.
    page = trainer_client.get(url("payment", application), {"card": "cancelled"})
    assert "You left the card payment page" in page.content.decode()
    assert "Continue the card payment" in page.content.decode()

    # The session times out at Stripe; its webhook arrives.
    session = stripe_api.expire(first.reference)
    assert deliver(client, "checkout.session.expired", session).status_code == 200
    first.refresh_from_db()
    application.refresh_from_db()
    assert first.status == PaymentStatus.CANCELLED
    assert application.status == ApplicationStatus.AWAITING_PAYMENT

    # Paying again starts a new attempt with its own idempotency key.
    response = pay_by_card(trainer_client, application)
    second = Payment.objects.exclude(pk=first.pk).get()
    assert response.url == stripe_api.sessions[second.reference]["url"]
    keys = [r.idempotency_key for r in stripe_api.created("/v1/checkout/sessions")]
    assert len(set(keys)) == 2
    assert second.status == PaymentStatus.PENDING


def test_an_expired_session_is_replaced_when_the_trainer_pays_again(
    trainer_client, application, stripe_api
):
    pay_by_card(trainer_client, application)
    first = Payment.objects.get()
    stripe_api.expire(first.reference)  # no webhook yet

    pay_by_card(trainer_client, application)

    first.refresh_from_db()
    assert first.status == PaymentStatus.CANCELLED
    assert Payment.objects.filter(status=PaymentStatus.PENDING).count() == 1
    assert len(stripe_api.sessions) == 2


def test_choosing_an_invoice_instead_expires_the_open_session(
    trainer_client, application, stripe_api
):
    pay_by_card(trainer_client, application)
    card = Payment.objects.get()

    trainer_client.post(
        url("payment_invoice", application), {"currency": "USD", "discount_code": "", **BILLING}
    )

    card.refresh_from_db()
    assert card.status == PaymentStatus.CANCELLED
    assert stripe_api.sessions[card.reference]["status"] == "expired"
    assert Payment.objects.get(status=PaymentStatus.PENDING).provider == "invoice"


def test_stripe_down_says_so_and_changes_nothing(trainer_client, application, stripe_api):
    stripe_api.fail_next(5)  # the library retries; every try fails

    response = pay_by_card(trainer_client, application)

    assert response.status_code == 200
    assert "could not be reached" in response.content.decode()
    assert not Payment.objects.exists()
    application.refresh_from_db()
    assert application.status == ApplicationStatus.AWAITING_PAYMENT


def test_amounts_in_a_currency_without_cents(trainer_client, application, stripe_api):
    pay_by_card(trainer_client, application, currency="JPY")

    [created] = stripe_api.created("/v1/checkout/sessions")
    assert created.params["line_items[0][price_data][unit_amount]"] == "45000"
    assert created.params["line_items[0][price_data][currency]"] == "jpy"


def test_refund_round_trip_from_the_admin_through_stripe_and_its_webhook(
    client, trainer_client, application, stripe_api, django_capture_on_commit_callbacks
):
    pay_by_card(trainer_client, application)
    payment = Payment.objects.get()
    session = stripe_api.pay(payment.reference)
    deliver(client, "checkout.session.completed", session)

    admin = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(admin)
    client.post(
        reverse("admin:enrollment_payment_changelist"),
        {
            "action": "refund_payments",
            "_selected_action": [payment.pk],
            "apply": "1",
            "reason": "Charged by mistake",
        },
    )

    [refund] = stripe_api.created("/v1/refunds")
    payment.refresh_from_db()
    assert refund.params["payment_intent"] == payment.provider_payment_id == "pi_test_0001"
    assert refund.idempotency_key == f"mct-payment-{payment.attempt_key}-refund"
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.REFUND_PENDING  # until Stripe confirms it
    assert not PaymentDocument.objects.filter(kind=PaymentDocumentKind.CREDIT_NOTE).exists()

    charge = stripe_api.charge_of(session["id"])
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(2):  # delivered twice
            assert deliver(client, "charge.refunded", charge).status_code == 200

    payment.refresh_from_db()
    assert payment.status == PaymentStatus.REFUNDED
    assert payment.refunded_at is not None
    credit_note = PaymentDocument.objects.get(kind=PaymentDocumentKind.CREDIT_NOTE)
    assert credit_note.payment == payment
    assert OutboundEmail.objects.filter(role="payment_refunded").count() == 1
    assert (
        AuditEvent.objects.filter(action="payment.refunded", object_id=str(payment.pk)).count() == 1
    )
    # A second refund from the admin changes nothing and asks Stripe for nothing.
    client.post(
        reverse("admin:enrollment_payment_changelist"),
        {
            "action": "refund_payments",
            "_selected_action": [payment.pk],
            "apply": "1",
            "reason": "x",
        },
    )
    assert len(stripe_api.created("/v1/refunds")) == 1


def test_a_refund_stripe_refuses_leaves_the_payment_paid(
    client, trainer_client, application, stripe_api
):
    pay_by_card(trainer_client, application)
    payment = Payment.objects.get()
    deliver(client, "checkout.session.completed", stripe_api.pay(payment.reference))
    stripe_api.fail_next(5)

    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    response = client.post(
        reverse("admin:enrollment_payment_changelist"),
        {
            "action": "refund_payments",
            "_selected_action": [payment.pk],
            "apply": "1",
            "reason": "x",
        },
        follow=True,
    )

    assert "Stripe did not accept the refund" in response.content.decode()
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PAID


def test_the_webhook_is_not_there_without_stripe(client, settings):
    settings.PAYMENT_PROVIDERS = ["invoice"]
    payload = event_payload("checkout.session.completed", {"id": "cs_x"})
    response = client.post(
        WEBHOOK,
        data=payload,
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE=signature(payload, "whsec_test_suite"),
    )
    assert response.status_code == 404


def test_a_lost_webhook_is_made_up_for_by_the_sweeper(trainer_client, application, stripe_api):
    pay_by_card(trainer_client, application)
    payment = Payment.objects.get()
    stripe_api.pay(payment.reference)  # paid at Stripe; the webhook never arrives

    assert payment_sync_stale() == 0  # too recent to ask about
    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=31)):
        assert sync_stale_card_payments.delay().get() == 1
        assert sync_stale_card_payments.delay().get() == 0  # a second run finds nothing

    payment.refresh_from_db()
    application.refresh_from_db()
    assert payment.status == PaymentStatus.PAID
    assert application.status == ApplicationStatus.APPROVED

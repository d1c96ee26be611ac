from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from enrollment.enums import ApplicationPath, ApplicationStatus, PaymentStatus, Program
from enrollment.models import Membership, Payment
from tests.factories import (
    ApplicationFactory,
    DiscountCodeFactory,
    FeeFactory,
    MembershipFactory,
    TrainerFactory,
)

pytestmark = pytest.mark.django_db

BILLING = {
    "billing_name": "Ada Lovelace",
    "billing_address": "1 Analytical Way\nLondon",
    "billing_vat_id": "",
}
CARD = {
    "provider": "test_card",
    "currency": "USD",
    "discount_code": "",
    "expiry": "12/39",
    "cvc": "123",
    **BILLING,
}


@pytest.fixture(autouse=True)
def fees(db):
    FeeFactory(currency="USD", amount=Decimal("400.00"))
    FeeFactory(currency="JPY", amount=Decimal("45000"))


@pytest.fixture
def application(trainer):
    return ApplicationFactory(
        trainer=trainer,
        status=ApplicationStatus.AWAITING_PAYMENT,
        submitted_at=timezone.now(),
    )


def url(name, application):
    return reverse(name, kwargs={"public_id": application.public_id})


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_the_page_shows_the_fee_and_the_ways_to_pay(trainer_client, application):
    response = trainer_client.get(url("payment", application))

    assert response.status_code == 200
    page = response.content.decode()
    assert "Pay the program fee" in page
    assert "USD 400.00" in page
    assert "Pay by card" in page
    assert "Pay by invoice" in page
    assert 'name="discount_code"' in page
    assert url("payment_cancel", application) in page
    assert 'style="' not in page  # strict CSP: no inline styles


def test_changing_currency_and_applying_a_code_shows_the_new_price(trainer_client, application):
    DiscountCodeFactory(code="TEACH33", percent_off=33)

    response = trainer_client.get(
        url("payment", application), {"currency": "JPY", "discount_code": "teach33"}
    )

    page = response.content.decode()
    assert "JPY 45,000" in page  # the fee
    assert "JPY 30,150" in page  # after 33% off, whole yen
    assert "TEACH33: 33% off" in page


def test_a_code_that_does_not_apply_says_why(trainer_client, application):
    DiscountCodeFactory(code="OLD", valid_until=timezone.localdate().replace(year=2020))

    response = trainer_client.get(url("payment", application), {"discount_code": "OLD"})

    page = response.content.decode()
    assert "The discount code OLD expired on" in page
    assert "USD 400.00" in page


def test_paying_by_test_card_approves_and_goes_to_the_profile(trainer_client, application):
    response = trainer_client.post(
        url("payment", application), {**CARD, "card_number": "4242 4242 4242 4242"}
    )

    assert response.status_code == 302
    assert response.url == reverse("profile")
    [message] = messages_of(response)
    assert message.startswith("Your application is approved.")
    assert "USD 400.00" in message
    application.refresh_from_db()
    assert application.status == ApplicationStatus.APPROVED
    assert Membership.objects.filter(trainer=application.trainer, program=Program.MCT).exists()


def test_renewing_by_card_extends_the_membership(trainer_client, trainer):
    current = MembershipFactory(trainer=trainer)
    application = ApplicationFactory(
        trainer=trainer, path=ApplicationPath.RENEW, status=ApplicationStatus.AWAITING_PAYMENT
    )

    response = trainer_client.post(
        url("payment", application), {**CARD, "card_number": "4242424242424242"}
    )

    assert response.url == reverse("profile")
    assert Membership.objects.get(trainer=trainer, status="active").starts_on == (
        current.anniversary_on
    )


def test_a_declined_card_says_so_and_changes_nothing(trainer_client, application):
    response = trainer_client.post(
        url("payment", application), {**CARD, "card_number": "4000 0000 0000 0002"}
    )

    assert response.status_code == 200
    page = response.content.decode()
    assert "Your card was declined" in page
    assert "4000 0000 0000 0002" not in page  # card details are not echoed back
    assert not Payment.objects.exists()
    application.refresh_from_db()
    assert application.status == ApplicationStatus.AWAITING_PAYMENT


def test_an_invalid_card_number_is_a_field_error(trainer_client, application):
    response = trainer_client.post(
        url("payment", application), {**CARD, "card_number": "4242 4242 4242 4241"}
    )
    assert "This card number is not valid" in response.content.decode()
    assert not Payment.objects.exists()


def test_pay_by_invoice_shows_the_invoice_and_waits(trainer_client, application):
    response = trainer_client.post(
        url("payment_invoice", application), {"currency": "USD", "discount_code": "", **BILLING}
    )

    payment = Payment.objects.get()
    assert payment.status == PaymentStatus.PENDING
    assert response.url == url("payment_invoice", application)
    assert f"Invoice {payment.reference}" in messages_of(response)[0]

    page = trainer_client.get(url("payment_invoice", application)).content.decode()
    assert payment.reference in page
    assert "USD 400.00" in page
    assert "bank transfer" in page
    assert f"/profile/documents/{payment.reference}.pdf" in page
    # The payment page now points to the invoice and offers only the card instead.
    page = trainer_client.get(url("payment", application)).content.decode()
    assert f"Invoice {payment.reference} is waiting for payment" in page
    assert "Pay by card instead" in page
    assert "Email me an invoice" not in page
    application.refresh_from_db()
    assert application.status == ApplicationStatus.AWAITING_PAYMENT


def test_a_100_percent_code_waives_the_fee(trainer_client, application):
    DiscountCodeFactory(code="FREE", percent_off=100)

    page = trainer_client.get(url("payment", application), {"discount_code": "FREE"})
    assert "Your fee is waived" in page.content.decode()
    assert "Pay by card" not in page.content.decode()

    response = trainer_client.post(
        url("payment", application), {"currency": "USD", "discount_code": "FREE"}
    )

    assert response.url == reverse("profile")
    assert "Your application is approved." in messages_of(response)[0]
    application.refresh_from_db()
    assert application.status == ApplicationStatus.APPROVED


def test_a_refused_code_charges_nothing(trainer_client, application):
    DiscountCodeFactory(code="ALUMNIONLY", program=Program.ALUMNI)
    response = trainer_client.post(
        url("payment", application),
        {**CARD, "discount_code": "ALUMNIONLY", "card_number": "4242424242424242"},
    )
    page = response.content.decode()
    assert "for the MCT Alumni program only" in page
    assert "nothing was charged" in page
    assert not Payment.objects.exists()


def test_cancel_asks_first_then_closes_the_application(trainer_client, application):
    page = trainer_client.get(url("payment_cancel", application)).content.decode()
    assert "Cancel the payment?" in page
    application.refresh_from_db()
    assert application.status == ApplicationStatus.AWAITING_PAYMENT

    response = trainer_client.post(url("payment_cancel", application), {"reason": ""})

    assert response.url == reverse("profile")
    assert "You can apply again" in messages_of(response)[0]
    application.refresh_from_db()
    assert application.status == ApplicationStatus.PAYMENT_CANCELLED


@pytest.mark.parametrize("name", ["payment", "payment_invoice", "payment_cancel"])
def test_another_trainers_application_is_not_found(client, application, name):
    client.force_login(TrainerFactory().user)
    assert client.get(url(name, application)).status_code == 404
    assert client.post(url(name, application), CARD).status_code == 404
    application.refresh_from_db()
    assert application.status == ApplicationStatus.AWAITING_PAYMENT


def test_signing_in_is_required(client, application):
    response = client.get(url("payment", application))
    assert response.status_code == 302
    assert reverse("account_login") in response.url


@pytest.mark.parametrize(
    ("status", "message"),
    [
        (ApplicationStatus.READY, "not awaiting payment"),
        (ApplicationStatus.APPROVED, "already approved"),
        (ApplicationStatus.PAYMENT_CANCELLED, "You can apply again"),
    ],
)
def test_an_application_not_awaiting_payment_goes_back_to_the_profile(
    trainer_client, trainer, status, message
):
    application = ApplicationFactory(trainer=trainer, status=status)

    response = trainer_client.post(
        url("payment", application), {**CARD, "card_number": "4242424242424242"}
    )

    assert response.url == reverse("profile")
    assert message in messages_of(response)[0]
    assert not Payment.objects.exists()

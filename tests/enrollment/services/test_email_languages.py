"""The emails trainers get, in the trainer's language (issue 17): approved, payment received and
renewal reminder in English, German and Japanese, with amounts and dates written the way the
reader writes them; a task with no request still writes in the trainer's saved language."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone, translation

from core.l10n import format_long_date
from enrollment.enums import ApplicationPath, ApplicationStatus
from enrollment.paths.registry import path_definition
from enrollment.services.memberships import membership_send_reminder
from enrollment.services.payments import Billing, payment_start
from enrollment.tasks import send_renewal_reminders
from tests.factories import ApplicationFactory, FeeFactory, MembershipFactory, TrainerFactory
from verification.models import AuditEvent, OutboundEmail

pytestmark = pytest.mark.django_db

GOOD_CARD = {"card_number": "4242424242424242", "expiry": datetime.date(2039, 1, 1), "cvc": "123"}
BILLING = Billing("Ana Lima", "Rua 1\nLisboa", "")

# EUR 357 as each language writes it.
AMOUNT = {"en": "EUR 357.00", "de": "357,00 EUR", "ja": "EUR 357.00"}
APPROVED = {
    "en": ("Your application is approved", "Hello Ana,", "Welcome to the Microsoft Certified"),
    "de": ("Ihr Antrag ist genehmigt", "Guten Tag Ana,", "Willkommen im Microsoft Certified"),
    "ja": ("申請が承認されました", "Ana 様", "Microsoft Certified Trainer プログラムへようこそ"),
}
RECEIVED = {
    "en": ("Payment received: invoice", "We received your payment of EUR 357.00"),
    "de": ("Zahlung erhalten: Rechnung", "Wir haben Ihre Zahlung von 357,00 EUR"),
    "ja": ("お支払いを確認しました", "EUR 357.00 のお支払いを確認しました"),
}
REMINDER = {
    "en": ("30 days left to renew", "reaches its anniversary on", "Renew my membership"),
    "de": ("noch 30 Tage zum Verlängern", "ihren Jahrestag: in 30 Tagen", "verlängern"),
    "ja": ("更新期限まであと 30 日", "更新記念日を迎えます", "メンバーシップを更新する"),
}


@pytest.fixture
def fees(db):
    FeeFactory(currency="EUR", amount=Decimal("357.00"))


def pay(trainer):
    application = ApplicationFactory(
        trainer=trainer,
        path=ApplicationPath.NEW,
        status=ApplicationStatus.AWAITING_PAYMENT,
        submitted_at=timezone.now(),
    )
    payment_start(
        application=application,
        currency="EUR",
        provider="test_card",
        by=trainer.user,
        details=GOOD_CARD,
        billing=BILLING,
    )
    return application


@pytest.mark.parametrize("language", ["en", "de", "ja"])
def test_application_approved_and_payment_received_in_the_trainers_language(fees, language):
    trainer = TrainerFactory(first_name="Ana", language=language)
    application = pay(trainer)

    approved = OutboundEmail.objects.get(role="application_approved")
    received = OutboundEmail.objects.get(role="payment_received")
    assert approved.language == received.language == language

    subject, greeting, welcome = APPROVED[language]
    assert approved.subject.startswith(subject)
    assert greeting in approved.body_text and welcome in approved.body_text
    assert welcome in approved.body_html

    subject, paid = RECEIVED[language]
    assert received.subject.startswith(subject)
    assert paid in received.body_text
    assert AMOUNT[language] in received.body_html
    # The path's label is written in the email's language (the lazy label, not an English
    # string made before the language was chosen).
    with translation.override(language):
        label = str(path_definition(application.path).label)
    assert label in approved.subject and label in received.body_text


@pytest.mark.parametrize("language", ["en", "de", "ja"])
def test_renewal_reminder_in_the_trainers_language_with_the_date_written_for_it(language):
    today = timezone.localdate()
    membership = MembershipFactory(
        trainer=TrainerFactory(first_name="Ana", language=language),
        starts_on=today - datetime.timedelta(days=335),
        anniversary_on=today + datetime.timedelta(days=30),
    )

    assert membership_send_reminder(membership=membership, today=today) == 30

    email = OutboundEmail.objects.get(role="renewal_reminder")
    subject, sentence, button = REMINDER[language]
    assert email.language == language
    assert subject in email.subject
    assert sentence in email.body_text and button in email.body_html
    assert format_long_date(membership.anniversary_on, language) in email.body_text


def test_the_worker_writes_a_japanese_reminder_for_a_japanese_trainer(
    django_capture_on_commit_callbacks, mailoutbox
):
    """The periodic task runs with no request: the trainer's saved language still decides,
    whatever language the worker process has active."""
    today = timezone.localdate()
    MembershipFactory(
        trainer=TrainerFactory(first_name="Ana", language="ja"),
        starts_on=today - datetime.timedelta(days=335),
        anniversary_on=today + datetime.timedelta(days=30),
    )

    with translation.override("en"), django_capture_on_commit_callbacks(execute=True):
        assert send_renewal_reminders() == 1

    [message] = mailoutbox
    assert message.subject.endswith("更新期限まであと 30 日")
    assert "Ana 様" in message.body and "更新記念日を迎えます" in message.body
    html = message.alternatives[0][0]
    assert '<html lang="ja">' in html and "メンバーシップを更新する" in html


def test_without_a_saved_choice_the_email_follows_the_language_of_the_request(fees):
    trainer = TrainerFactory(first_name="Ana", language="")
    with translation.override("de"):
        pay(trainer)
    received = OutboundEmail.objects.get(role="payment_received")
    assert received.language == "de"
    assert "357,00 EUR" in received.body_text
    # The audit trail stays English whatever language the payer used.
    approval = AuditEvent.objects.get(action="application.approved")
    assert approval.note.startswith("Paid EUR 357.00 via test_card")

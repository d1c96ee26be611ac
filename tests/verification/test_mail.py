"""Outbound email: a row per message, sent by a Celery task, retried on temporary failures."""

import socket
from datetime import timedelta
from email import message_from_bytes
from pathlib import Path

import pytest
import time_machine
from aiosmtpd.controller import Controller
from django.utils import timezone

from tests import factories
from verification import tasks
from verification.enums import EmailState
from verification.mail import (
    LOST_SECRET_ERROR,
    EmailNotRetryable,
    SendLater,
    countdown_cap,
    enqueue_send,
    mail_queue,
    outbound_email_retry,
    outbound_email_send,
    outbound_email_sweep,
    outbound_emails_retry_failed,
    render_email,
    retry_backoff_seconds,
)
from verification.models import OutboundEmail
from verification.tasks import send_outbound_email, sweep_outbound_email

pytestmark = pytest.mark.django_db

DECISION_CONTEXT = {
    "trainer_name": "Siobhán O'Brien",
    "kind_label": "proof of instructional skills",  # as it stands in a sentence
    "original_name": "CTT+ <certificate>.pdf",
    "reason": "The certificate is for someone else.",
    "profile_url": "https://portal.example/profile/",
}


class RecordingHandler:
    """An SMTP server's brain: answers each DATA with the next scripted reply, then 250."""

    def __init__(self, replies=()):
        self.replies = list(replies)
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        if self.replies:
            return self.replies.pop(0)
        self.messages.append(envelope)
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp_server(settings):
    """A real SMTP server on loopback; the portal's SMTP backend points at it."""
    servers = []

    def start(replies=()):
        handler = RecordingHandler(replies)
        controller = Controller(handler, hostname="127.0.0.1", port=free_port())
        controller.start()
        servers.append(controller)
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST = "127.0.0.1"
        settings.EMAIL_PORT = controller.port
        settings.EMAIL_USE_TLS = False
        settings.EMAIL_USE_SSL = False
        settings.EMAIL_HOST_USER = ""
        settings.EMAIL_HOST_PASSWORD = ""
        settings.EMAIL_TIMEOUT = 5
        return handler

    yield start
    for controller in servers:
        controller.stop()


def queue_decision_email(capture, **kwargs):
    user = factories.UserFactory()
    with capture(execute=True):
        email = mail_queue(
            role="document_rejected",
            to="siobhan@example.org",
            user=user,
            context=DECISION_CONTEXT,
            **kwargs,
        )
    email.refresh_from_db()
    return email


def test_an_email_is_a_row_first_and_is_sent_after_commit(
    django_capture_on_commit_callbacks, mailoutbox
):
    user = factories.UserFactory()
    with django_capture_on_commit_callbacks() as callbacks:
        email = mail_queue(
            role="document_rejected",
            to=" trainer@example.org ",
            user=user,
            context=DECISION_CONTEXT,
        )
        assert email.state == EmailState.QUEUED and mailoutbox == []
    assert len(callbacks) == 1
    callbacks[0]()

    email.refresh_from_db()
    assert email.state == EmailState.SENT and email.attempts == 1 and email.sent_at
    assert email.to == "trainer@example.org"
    [message] = mailoutbox
    assert message.to == ["trainer@example.org"]
    assert message.subject == "Your proof of instructional skills needs another look"
    # Plain text is not HTML-escaped; the HTML part is, inside the shared layout.
    assert "Hello Siobhán O'Brien," in message.body
    assert "CTT+ <certificate>.pdf" in message.body
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html"
    assert html.startswith("<!DOCTYPE html>") and "MCT Portal" in html
    assert "CTT+ &lt;certificate&gt;.pdf" in html and "<certificate>" not in html
    assert email.body_text == message.body and email.body_html == html


def test_secrets_go_out_but_the_row_keeps_them_masked(
    django_capture_on_commit_callbacks, mailoutbox
):
    user = factories.UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        mail_queue(
            role="passcode",
            to="ana@microsoft.com",
            user=user,
            context={
                "trainer_name": "Ana",
                "address": "ana@microsoft.com",
                "purpose_label": "microsoft employee address",
                "valid_days": 120,
                "max_attempts": 5,
            },
            secret_context={"code": "K7M2Q9XZ"},
        )
    email = OutboundEmail.objects.get()
    assert "K7M2Q9XZ" in mailoutbox[0].body and "K7M2Q9XZ" in mailoutbox[0].subject
    assert "K7M2Q9XZ" not in email.subject + email.body_text + email.body_html
    assert email.subject == "Your MCT Portal code: ••••••••"


def test_the_code_never_shows_in_the_task_messages_logged_arguments(
    db, monkeypatch, django_capture_on_commit_callbacks
):
    sent = []
    monkeypatch.setattr(
        tasks.send_outbound_email, "apply_async", lambda **options: sent.append(options)
    )
    with django_capture_on_commit_callbacks(execute=True):
        enqueue_send(41, {"code": "K7M2Q9XZ"})
        enqueue_send(42)
    assert sent[0]["args"] == (41, {"code": "K7M2Q9XZ"})
    assert "K7M2Q9XZ" not in sent[0]["argsrepr"]
    assert sent[1]["argsrepr"] == "(42, None)"


def test_two_secrets_in_one_email_are_refused():
    with pytest.raises(ValueError):
        mail_queue(
            role="passcode", to="a@example.org", context={}, secret_context={"a": "1", "b": "2"}
        )


def test_running_the_send_task_twice_sends_once(django_capture_on_commit_callbacks, mailoutbox):
    email = queue_decision_email(django_capture_on_commit_callbacks)
    send_outbound_email.delay(email.pk)
    send_outbound_email.delay(email.pk)
    email.refresh_from_db()
    assert len(mailoutbox) == 1 and email.attempts == 1 and email.state == EmailState.SENT


def test_an_email_reaches_a_real_smtp_server(smtp_server, django_capture_on_commit_callbacks):
    handler = smtp_server()
    email = queue_decision_email(django_capture_on_commit_callbacks)

    assert email.state == EmailState.SENT
    [envelope] = handler.messages
    assert envelope.rcpt_tos == ["siobhan@example.org"]
    content = envelope.content.decode()
    assert "Subject: Your proof of instructional skills needs another look" in content
    assert "Auto-Submitted: auto-generated" in content
    assert "multipart/alternative" in content


def message_ids(handler) -> list[str]:
    return [message_from_bytes(envelope.content)["Message-ID"] for envelope in handler.messages]


def send_when_due(email) -> OutboundEmail:
    """Waits (in time-machine time) until the row's next try is due, and runs the task."""
    email.refresh_from_db()
    with time_machine.travel(email.next_attempt_at + timedelta(seconds=1), tick=False):
        send_outbound_email.delay(email.pk)
    email.refresh_from_db()
    return email


def test_a_temporary_smtp_failure_is_retried_when_due(
    smtp_server, django_capture_on_commit_callbacks
):
    handler = smtp_server(replies=["421 4.3.2 Service busy, try again later"])
    email = queue_decision_email(django_capture_on_commit_callbacks)
    assert email.state == EmailState.QUEUED and email.attempts == 1
    assert "421" in email.last_error
    assert email.next_attempt_at > timezone.now() + timedelta(seconds=25)

    send_outbound_email.delay(email.pk)  # too early: a redelivered message waits its turn
    email.refresh_from_db()
    assert email.attempts == 1 and handler.messages == []

    email = send_when_due(email)
    assert email.state == EmailState.SENT and email.attempts == 2
    assert message_ids(handler) == [email.message_id]


def test_temporary_failures_wait_longer_each_time_up_to_an_hour():
    waits = [retry_backoff_seconds(attempt) for attempt in range(1, 11)]
    assert waits == [30, 60, 120, 240, 480, 960, 1920, 3600, 3600, 3600]


def test_retry_countdowns_stay_below_the_visibility_timeout(settings):
    settings.CELERY_BROKER_VISIBILITY_TIMEOUT = 20
    assert countdown_cap() == 10
    settings.CELERY_BROKER_VISIBILITY_TIMEOUT = 3600
    assert countdown_cap() == 1800 < retry_backoff_seconds(20) + 1800


def test_a_server_that_keeps_failing_is_retried_for_a_day_then_the_row_fails(
    smtp_server, django_capture_on_commit_callbacks
):
    handler = smtp_server(replies=["451 4.3.0 Try later"] * 100)
    email = queue_decision_email(django_capture_on_commit_callbacks)
    while email.state == EmailState.QUEUED:
        email = send_when_due(email)

    assert email.state == EmailState.FAILED
    assert "451" in email.last_error
    # Far beyond the old five tries in 7.5 minutes: a whole day of tries.
    assert email.attempts > 20
    assert email.updated_at >= email.created_at + timedelta(hours=24)
    assert handler.messages == []


def test_a_permanent_smtp_failure_is_not_retried(smtp_server, django_capture_on_commit_callbacks):
    handler = smtp_server(replies=["550 5.1.1 No such user"])
    email = queue_decision_email(django_capture_on_commit_callbacks)

    assert email.state == EmailState.FAILED
    assert email.attempts == 1
    assert "550" in email.last_error
    assert handler.messages == []


def test_no_server_at_all_is_a_temporary_failure(settings, django_capture_on_commit_callbacks):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", free_port(), 2
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    email = queue_decision_email(django_capture_on_commit_callbacks)
    assert email.state == EmailState.QUEUED and email.attempts == 1
    assert "Connection" in email.last_error or "refused" in email.last_error.lower()


def test_every_try_of_a_row_carries_the_same_message_id(
    smtp_server, django_capture_on_commit_callbacks
):
    handler = smtp_server(replies=["421 Busy"])
    email = queue_decision_email(django_capture_on_commit_callbacks)
    other = queue_decision_email(django_capture_on_commit_callbacks)
    email = send_when_due(email)
    assert email.message_id.startswith("<") and email.message_id.endswith("@mct.example>")
    assert email.message_id != other.message_id
    assert sorted(message_ids(handler)) == sorted([email.message_id, other.message_id])


def test_a_row_held_by_a_live_run_waits_and_a_dead_runs_row_is_taken_over(smtp_server, mailoutbox):
    handler = smtp_server()
    email = factories.OutboundEmailFactory(
        state=EmailState.SENDING,
        attempts=1,
        message_id="<held@mct.example>",
        lease_until=timezone.now() + timedelta(seconds=60),
    )
    with pytest.raises(SendLater) as later:
        outbound_email_send(email_id=email.pk)
    assert 55 < later.value.seconds <= 62
    assert handler.messages == []

    with time_machine.travel(timezone.now() + timedelta(seconds=61), tick=False):
        outbound_email_send(email_id=email.pk)
    email.refresh_from_db()
    assert email.state == EmailState.SENT and email.attempts == 2
    assert message_ids(handler) == ["<held@mct.example>"]


def test_the_sweeper_resends_a_row_whose_message_was_lost(
    mailoutbox, django_capture_on_commit_callbacks
):
    email = factories.OutboundEmailFactory()
    recent = factories.OutboundEmailFactory(next_attempt_at=timezone.now())
    OutboundEmail.objects.filter(pk=email.pk).update(
        next_attempt_at=timezone.now() - timedelta(minutes=2)
    )

    with django_capture_on_commit_callbacks(execute=True):
        sweep_outbound_email.delay()

    email.refresh_from_db()
    recent.refresh_from_db()
    assert email.state == EmailState.SENT
    assert recent.state == EmailState.QUEUED  # still within its own delivery window
    assert [m.to for m in mailoutbox] == [[email.to]]


def test_the_sweeper_resends_a_row_whose_sender_died(
    mailoutbox, django_capture_on_commit_callbacks
):
    email = factories.OutboundEmailFactory(
        state=EmailState.SENDING, attempts=1, lease_until=timezone.now() - timedelta(seconds=1)
    )
    held = factories.OutboundEmailFactory(
        state=EmailState.SENDING, attempts=1, lease_until=timezone.now() + timedelta(minutes=1)
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert outbound_email_sweep() == [email.pk]
    email.refresh_from_db()
    held.refresh_from_db()
    assert email.state == EmailState.SENT and email.attempts == 2
    assert held.state == EmailState.SENDING


def test_the_sweeper_never_sends_a_masked_code(settings, mailoutbox):
    settings.CELERY_BROKER_VISIBILITY_TIMEOUT = 600
    email = factories.OutboundEmailFactory(
        role="passcode",
        body_text="Your code:\n\n    ••••••••\n",
        state=EmailState.SENDING,
        lease_until=timezone.now(),
    )
    with time_machine.travel(timezone.now() + timedelta(seconds=5), tick=False):
        outbound_email_sweep()
    email.refresh_from_db()
    # Its own message (with the code) may still come back from the broker: it waits...
    assert email.state == EmailState.QUEUED and mailoutbox == []
    # ...for the visibility timeout; after that the code is lost for good.
    with time_machine.travel(timezone.now() + timedelta(seconds=5 + 600 + 61), tick=False):
        outbound_email_sweep()
    email.refresh_from_db()
    assert email.state == EmailState.FAILED
    assert email.last_error == LOST_SECRET_ERROR
    assert mailoutbox == []


def test_retry_all_failed_queues_every_failed_email_but_lost_codes(
    django_capture_on_commit_callbacks, mailoutbox
):
    failed = factories.OutboundEmailFactory.create_batch(3, state=EmailState.FAILED)
    lost_code = factories.OutboundEmailFactory(
        role="passcode", body_text="    ••••••••", state=EmailState.FAILED
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert outbound_emails_retry_failed() == (3, 1)
    assert {e.state for e in OutboundEmail.objects.filter(pk__in=[f.pk for f in failed])} == {
        EmailState.SENT
    }
    lost_code.refresh_from_db()
    assert lost_code.state == EmailState.FAILED
    assert len(mailoutbox) == 3


def test_a_failed_email_can_be_retried_but_not_one_that_carried_a_code(
    django_capture_on_commit_callbacks, mailoutbox
):
    failed = factories.OutboundEmailFactory(state=EmailState.FAILED, last_error="550")
    with django_capture_on_commit_callbacks(execute=True):
        outbound_email_retry(email=failed)
    failed.refresh_from_db()
    assert failed.state == EmailState.SENT and len(mailoutbox) == 1

    lost_code = factories.OutboundEmailFactory(
        role="passcode", body_text="    ••••••••", state=EmailState.FAILED
    )
    with pytest.raises(EmailNotRetryable, match="ask for a new code"):
        outbound_email_retry(email=lost_code)
    with pytest.raises(EmailNotRetryable, match="Only failed emails"):
        outbound_email_retry(email=failed)


EMAIL_TEMPLATES = Path(__file__).resolve().parents[2] / "templates" / "emails"
ROLES = sorted(
    path.name.removesuffix("_subject.txt") for path in EMAIL_TEMPLATES.glob("*_subject.txt")
)


def test_every_role_the_verification_app_sends_has_its_templates():
    assert {"passcode", "document_refused", "document_approved", "document_rejected"} <= set(ROLES)


@pytest.mark.parametrize("role", ROLES)
def test_every_role_has_a_text_and_an_html_template(role):
    assert (EMAIL_TEMPLATES / f"{role}.txt").is_file()
    assert (EMAIL_TEMPLATES / f"{role}.html").is_file()

    subject, text, html = render_email(role, {**DECISION_CONTEXT, "code": "••••••••"})

    assert subject and "\n" not in subject
    assert text.strip() and "<" not in text.split("\n", 1)[0]
    assert html.startswith("<!DOCTYPE html>") and "</html>" in html


def test_a_code_that_could_not_reach_the_broker_is_failed_at_once(
    settings, django_capture_on_commit_callbacks
):
    """The code lived only in the message: with the broker down it is lost, and the row says
    so straight away (the trainer asks for a new code) instead of waiting for the sweeper."""
    from kombu.exceptions import OperationalError

    email = factories.OutboundEmailFactory(role="passcode", body_text="    ••••••••")

    def broker_down(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    original = send_outbound_email.apply_async
    send_outbound_email.apply_async = broker_down
    try:
        plain = factories.OutboundEmailFactory()
        with django_capture_on_commit_callbacks(execute=True):
            enqueue_send(email.pk, {"code": "ABCD2345"})
            enqueue_send(plain.pk, None)
    finally:
        send_outbound_email.apply_async = original
    email.refresh_from_db()
    plain.refresh_from_db()
    assert email.state == EmailState.FAILED and email.last_error == LOST_SECRET_ERROR
    assert plain.state == EmailState.QUEUED  # the sweeper sends it once the broker is back

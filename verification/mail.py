"""Outbound email: every message is a row first, then a Celery task sends it.

Delivery is at least once, with a stable identity (README, "Reliability"):

- every row has its own Message-ID, used on every try, so a message that goes out twice
  (a worker killed in the instant between the server's "250" and our commit) is
  recognisably the same message to the receiving server and the reader;
- a run holds the row (SENDING) under a lease; a redelivered task waits for the lease to
  run out and then takes the row over, without waiting for the sweeper;
- temporary SMTP failures are retried with backoff for EMAIL_RETRY_HOURS (24 h), each
  countdown below the broker's visibility timeout, then the row is FAILED, logged as an
  error and shown in the admin, which can retry all failed rows;
- the sweeper (every SWEEP_INTERVAL_SECONDS) enqueues rows whose message was lost.

A message's secrets (a passcode) are never stored: the row holds the body with each secret
shown as ••••••••, and the secret itself travels only in the broker message of the send task.
That is the trade-off: if the broker loses that message, the code is gone, so the sweeper
marks such a row failed ("code not delivered — ask for a new code") instead of sending a
masked code. Rows without secrets are simply sent again.
"""

import logging
import smtplib
import socket
from collections.abc import Callable
from datetime import timedelta
from email.utils import make_msgid, parseaddr
from functools import partial

from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import Q
from django.template import Context, TemplateDoesNotExist
from django.template.loader import get_template
from django.utils import timezone, translation
from django.utils.html import escape
from django.utils.safestring import mark_safe

from core.errors import DomainError
from core.l10n import supported_language
from core.transitions import check_transition
from mct_portal.links import portal_url

from .enums import EMAIL_TRANSITIONS, EmailState
from .models import OutboundEmail

logger = logging.getLogger(__name__)

SECRET_MASK = "••••••••"  # noqa: S105 (the mask, not a secret)
EMAIL_LAYOUT = "emails/base.html"
LOST_SECRET_ERROR = "code not delivered — ask for a new code"  # noqa: S105


class TemporarySendFailure(Exception):
    """The mail server said "try again later"; the task retries with backoff."""


class SendLater(Exception):
    """The row is not due yet, or another run holds its lease: try again in `seconds`."""

    def __init__(self, seconds: float):
        super().__init__(f"not due for {seconds:.0f} s")
        self.seconds = seconds


class EmailNotRetryable(DomainError):
    pass


# Where attached files come from: a source name → a function taking the id and returning
# (filename, content, mimetype). Apps above verification register theirs, so this layer
# never imports them.
ATTACHMENT_SOURCES: dict[str, Callable[[int], tuple[str, bytes, str]]] = {}


def register_attachment_source(name: str, draw: Callable[[int], tuple[str, bytes, str]]) -> None:
    ATTACHMENT_SOURCES[name] = draw


# Where a recipient's saved language comes from: functions taking the user and returning a
# language or "". Apps above verification register theirs (enrollment: the trainer's choice).
LANGUAGE_SOURCES: list[Callable[[object], str]] = []


def register_language_source(language_of: Callable[[object], str]) -> None:
    if language_of not in LANGUAGE_SOURCES:
        LANGUAGE_SOURCES.append(language_of)


def email_language(*, user=None, language: str = "") -> str:
    """The language an email to `user` is written in: the one the caller names (the
    recipient's saved choice), else the recipient's saved choice from a registered source,
    else the language active while the email is queued (the request's), else English."""
    chosen = supported_language(language)
    if not chosen and user is not None:
        for language_of in LANGUAGE_SOURCES:
            chosen = supported_language(language_of(user))
            if chosen:
                break
    return (
        chosen
        or supported_language(translation.get_language())
        or supported_language(settings.LANGUAGE_CODE)
        or "en"
    )


def render_email(role: str, context: dict, *, language: str = "") -> tuple[str, str, str]:
    """Subject, plain text and HTML of a role's templates, in `language` (else the active one).

    `emails/<role>.html` is a fragment placed in the shared layout `emails/base.html`;
    a role without one sends plain text only. Lazy values in the context (labels, dates,
    amounts from core.l10n) are formatted here, in the email's language.
    """
    with translation.override(language or translation.get_language()):
        return _render_email(role, context)


def _render_email(role: str, context: dict) -> tuple[str, str, str]:
    subject = " ".join(_render_plain(f"emails/{role}_subject.txt", context).split())
    text = _render_plain(f"emails/{role}.txt", context).strip() + "\n"
    try:
        fragment = get_template(f"emails/{role}.html").render(context)
    except TemplateDoesNotExist:
        return subject, text, ""
    content = mark_safe(fragment)  # noqa: S308 (rendered by our own template)
    layout = {
        "subject": subject,
        "content": content,
        "help_url": portal_url("/help/"),
        "language": translation.get_language(),
    }
    html = get_template(EMAIL_LAYOUT).render(layout)
    return subject, text, html


def _render_plain(name: str, context: dict) -> str:
    # Plain text is not HTML: no escaping of "O'Brien" into "O&#x27;Brien".
    return get_template(name).template.render(Context(context, autoescape=False))


def mail_queue(
    *,
    role: str,
    to: str,
    context: dict,
    user=None,
    secret_context: dict | None = None,
    attachments: list[dict] | None = None,
    language: str = "",
) -> OutboundEmail:
    """Records an email and sends it through a Celery task once the transaction commits.

    It is written at once in the recipient's language (`email_language`: `language` when
    the caller knows the recipient's choice, else the choice a registered source finds for
    `user`, else the active language, else English), which the row keeps; the worker only
    sends what was written, so an email queued by a task with no request reads the same.
    `attachments` names files by reference ({"source": "payment_document", "id": 7}); they
    are drawn at send time, so the row stays small and a retry sends the same files."""
    for attachment in attachments or []:
        if attachment.get("source") not in ATTACHMENT_SOURCES:
            raise ValueError(f"no attachment source {attachment.get('source')!r} is registered")
    secret_context = dict(secret_context or {})
    if len(secret_context) > 1:
        # The send puts the secret back where the mask stands; with two it could not tell which.
        raise ValueError("an email carries at most one secret")
    masked = {**context, **dict.fromkeys(secret_context, SECRET_MASK)}
    language = email_language(user=user, language=language)
    subject, text, html = render_email(role, masked, language=language)
    now = timezone.now()
    email = OutboundEmail.objects.create(
        role=role,
        user=user,
        to=to.strip(),
        subject=subject[:255],
        body_text=text,
        body_html=html,
        language=language,
        message_id=new_message_id(),
        next_attempt_at=now,
        retry_until=now + retry_horizon(),
        attachments=list(attachments or []),
    )
    enqueue_send(email.pk, secret_context or None)
    return email


def enqueue_send(email_id: int, secret_context: dict | None = None) -> None:
    """Sends the row after the transaction commits. If the broker is down then, a row without
    a code stays queued (the sweeper sends it once the broker is back); a code, which lived
    only in this message, is lost, and its row is failed at once."""
    if not secret_context:
        send_outbound_email.apply_async_on_commit(
            args=(email_id, None), argsrepr=f"({email_id}, None)"
        )
        return
    transaction.on_commit(partial(_enqueue_code, email_id, secret_context))


def _enqueue_code(email_id: int, secret_context: dict) -> None:
    # The code travels in the message (never in the row); keep it out of worker logs.
    sent = send_outbound_email.enqueue_now(
        args=(email_id, secret_context), argsrepr=f"({email_id}, {{…}})"
    )
    if not sent:
        outbound_email_code_lost(email_id=email_id)


def outbound_email_code_lost(*, email_id: int) -> OutboundEmail | None:
    """The message carrying a code never reached the broker: nobody can ever send it now."""
    with transaction.atomic():
        email = _locked(email_id)
        if email is not None and email.state == EmailState.QUEUED:
            _mark_failed(email, LOST_SECRET_ERROR)
    return email


def new_message_id() -> str:
    domain = parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2] or "mct.example"
    return make_msgid(idstring="mct", domain=domain)


def retry_horizon() -> timedelta:
    return timedelta(hours=settings.EMAIL_RETRY_HOURS)


def countdown_cap() -> int:
    """The longest countdown a task message may wait on: half the visibility timeout, so the
    broker never hands out a waiting message a second time."""
    return max(1, settings.CELERY_BROKER_VISIBILITY_TIMEOUT // 2)


def carries_secret(email: OutboundEmail) -> bool:
    return SECRET_MASK in email.body_text or SECRET_MASK in email.body_html


def is_temporary_smtp_error(exc: BaseException) -> bool:
    """A failure that may pass: 4xx replies, dropped or refused connections, timeouts."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in exc.recipients.values()]
        return bool(codes) and all(400 <= code < 500 for code in codes)
    if isinstance(exc, smtplib.SMTPResponseException):
        return 400 <= exc.smtp_code < 500
    return isinstance(
        exc, smtplib.SMTPServerDisconnected | socket.timeout | TimeoutError | ConnectionError
    )


def retry_backoff_seconds(attempts: int) -> int:
    """30 s, 60 s, 120 s... doubling up to an hour (EMAIL_RETRY_* settings)."""
    base = max(settings.EMAIL_RETRY_BASE_SECONDS, 1)
    backoff = base * 2 ** min(max(attempts - 1, 0), 20)
    return min(backoff, max(settings.EMAIL_RETRY_MAX_BACKOFF_SECONDS, base))


def _locked(email_id: int) -> OutboundEmail | None:
    return OutboundEmail.objects.select_for_update().filter(pk=email_id).first()


def outbound_email_send(*, email_id: int, secret_context: dict | None = None):
    """Sends one queued email. Raises SendLater when the row is not due yet or another run
    holds it, and TemporarySendFailure (after queueing the next try) when a retry may pass.

    Idempotent: a SENT or FAILED row is left alone, and a row is SENDING under a lease while
    the server is talked to. A run that finds the lease expired (its holder died) takes the
    row over and sends it with the same Message-ID.
    """
    with transaction.atomic():
        email = _locked(email_id)
        if email is None or email.state in (EmailState.SENT, EmailState.FAILED):
            return email
        now = timezone.now()
        if email.state == EmailState.SENDING and email.lease_until and email.lease_until > now:
            raise SendLater((email.lease_until - now).total_seconds() + 1)
        if email.state == EmailState.QUEUED and email.next_attempt_at:
            wait = (email.next_attempt_at - now).total_seconds()
            if wait > 1:
                raise SendLater(wait)
        if carries_secret(email) and not secret_context:
            _mark_failed(email, LOST_SECRET_ERROR)
            return email
        if email.state == EmailState.SENDING:
            logger.warning("Taking over outbound email %s: its lease ran out", email_id)
        if not email.message_id:
            email.message_id = new_message_id()
        _move(email, EmailState.SENDING)
        email.attempts += 1
        email.lease_until = now + timedelta(seconds=settings.EMAIL_SEND_LEASE_SECONDS)
        email.save(update_fields=["state", "attempts", "lease_until", "message_id", "updated_at"])

    message = _message(email, secret_context or {})
    try:
        message.send(fail_silently=False)
    except Exception as exc:
        error = f"{type(exc).__name__}: {exc}"[:2000]
        with transaction.atomic():
            email = _locked(email_id)
            if email.state != EmailState.SENDING:
                return email  # another run took over and finished
            now = timezone.now()
            backoff = retry_backoff_seconds(email.attempts)
            retry_until = email.retry_until or email.created_at + retry_horizon()
            if is_temporary_smtp_error(exc) and now < retry_until:
                _move(email, EmailState.QUEUED)
                email.last_error = error
                email.lease_until = None
                email.next_attempt_at = now + timedelta(seconds=backoff)
                email.save(
                    update_fields=[
                        "state",
                        "last_error",
                        "lease_until",
                        "next_attempt_at",
                        "updated_at",
                    ]
                )
            else:
                _mark_failed(email, error)
                return email
        raise TemporarySendFailure(error) from exc

    with transaction.atomic():
        email = _locked(email_id)
        if email.state == EmailState.SENT:
            return email
        _move(email, EmailState.SENT)
        email.sent_at = timezone.now()
        email.lease_until = None
        email.save(update_fields=["state", "sent_at", "lease_until", "updated_at"])
    return email


def _move(email: OutboundEmail, to: str) -> None:
    """The one place an email's state changes: checked against EMAIL_TRANSITIONS (staying in
    a state is allowed: the sweeper touches a stuck queued row, a run takes over an expired
    lease)."""
    if to != email.state:
        check_transition(EMAIL_TRANSITIONS, email.state, to)
    email.state = to


def _mark_failed(email: OutboundEmail, error: str) -> None:
    _move(email, EmailState.FAILED)
    email.last_error = error
    email.lease_until = None
    email.save(update_fields=["state", "last_error", "lease_until", "updated_at"])
    # The admin's alert: the email list shows failed rows and offers "Retry all failed".
    logger.error("Outbound email %s (%s to %s) failed: %s", email.pk, email.role, email.to, error)


def _message(email: OutboundEmail, secret_context: dict) -> EmailMultiAlternatives:
    subject, text, html = email.subject, email.body_text, email.body_html
    for value in secret_context.values():
        subject = subject.replace(SECRET_MASK, str(value))
        text = text.replace(SECRET_MASK, str(value))
        html = html.replace(SECRET_MASK, escape(str(value)))
    message = EmailMultiAlternatives(
        subject=subject,
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[email.to],
        headers={
            "Message-ID": email.message_id,
            "Auto-Submitted": "auto-generated",
            "X-MCT-Email-Role": email.role,
        },
    )
    if html:
        message.attach_alternative(html, "text/html")
    for attachment in email.attachments:
        message.attach(*ATTACHMENT_SOURCES[attachment["source"]](attachment["id"]))
    return message


def outbound_email_retry(*, email: OutboundEmail) -> OutboundEmail:
    """Puts a failed email back in the queue (the admin's retry actions)."""
    with transaction.atomic():
        email = _locked(email.pk)
        if email.state != EmailState.FAILED:
            raise EmailNotRetryable(
                f"Only failed emails can be sent again; this one is {email.state}."
            )
        if carries_secret(email):
            raise EmailNotRetryable(
                "This email carried a passcode, which is never kept: "
                "the trainer has to ask for a new code."
            )
        now = timezone.now()
        _move(email, EmailState.QUEUED)
        email.next_attempt_at = now
        email.retry_until = now + retry_horizon()
        email.save(update_fields=["state", "next_attempt_at", "retry_until", "updated_at"])
        enqueue_send(email.pk, None)
    return email


def outbound_emails_retry_failed() -> tuple[int, int]:
    """Every failed email that can be sent again goes back in the queue: (queued, skipped)."""
    retried = skipped = 0
    failed = OutboundEmail.objects.filter(state=EmailState.FAILED).order_by("pk")
    for email in failed.only("pk").iterator():
        try:
            outbound_email_retry(email=email)
        except EmailNotRetryable:
            skipped += 1
        else:
            retried += 1
    return retried, skipped


def outbound_email_sweep(*, now=None) -> list[int]:
    """Re-enqueues emails whose message was lost or whose sender died.

    A queued row is due at `next_attempt_at`; its message had EMAIL_QUEUED_GRACE_SECONDS to
    arrive. A sending row whose lease ran out lost its worker. A row carrying a code cannot
    be sent from here: it waits for its own message (which the broker hands out again after
    the visibility timeout) and, past that, is failed with the "ask for a new code" message.
    """
    now = now or timezone.now()
    grace = timedelta(seconds=settings.EMAIL_QUEUED_GRACE_SECONDS)
    secret_wait = grace + timedelta(seconds=settings.CELERY_BROKER_VISIBILITY_TIMEOUT)
    queued = Q(state=EmailState.QUEUED) & (
        Q(next_attempt_at__lt=now - grace)
        | Q(next_attempt_at__isnull=True, updated_at__lt=now - grace)
    )
    sending = Q(state=EmailState.SENDING) & (
        Q(lease_until__lt=now) | Q(lease_until__isnull=True, updated_at__lt=now - grace)
    )
    stuck = list(
        OutboundEmail.objects.filter(queued | sending)
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:500]
    )
    requeued = []
    for email_id in stuck:
        with transaction.atomic():
            email = _locked(email_id)
            if email is None or email.state not in (EmailState.QUEUED, EmailState.SENDING):
                continue
            if carries_secret(email):
                due = email.next_attempt_at or email.updated_at
                if email.state == EmailState.SENDING:
                    # Its message comes back after the visibility timeout and takes over.
                    _move(email, EmailState.QUEUED)
                    email.lease_until = None
                    email.next_attempt_at = now
                    email.save(
                        update_fields=["state", "lease_until", "next_attempt_at", "updated_at"]
                    )
                elif due < now - secret_wait:
                    _mark_failed(email, LOST_SECRET_ERROR)
                continue
            _move(email, EmailState.QUEUED)
            email.lease_until = None
            email.next_attempt_at = now
            email.save(update_fields=["state", "lease_until", "next_attempt_at", "updated_at"])
            enqueue_send(email.pk, None)
            requeued.append(email_id)
    return requeued


# Defined here, next to the send, so queuing a mail needs no import of verification.tasks.
@shared_task(
    name="verification.tasks.send_outbound_email",
    bind=True,
    max_retries=None,  # the row counts the tries and ends them (EMAIL_RETRY_HOURS)
)
def send_outbound_email(self, email_id: int, secret_context: dict | None = None) -> str | None:
    try:
        email = outbound_email_send(email_id=email_id, secret_context=secret_context)
    except SendLater as later:
        return _send_again_later(self, later.seconds, later)
    except TemporarySendFailure as exc:
        email = OutboundEmail.objects.filter(pk=email_id).only("next_attempt_at").first()
        wait = retry_backoff_seconds(1)
        if email is not None and email.next_attempt_at is not None:
            wait = (email.next_attempt_at - timezone.now()).total_seconds()
        return _send_again_later(self, wait, exc)
    return email.state if email else None


def _send_again_later(task, seconds: float, exc: Exception) -> str:
    if task.request.is_eager:
        # No broker to wait on (the embedded default): the sweeper sends it when it is due.
        return "later"
    # Never longer than half the visibility timeout: a message waiting longer would be
    # handed out again by the broker. A row not yet due just waits another round.
    countdown = max(1, min(int(seconds) + 1, countdown_cap()))
    raise task.retry(exc=exc, countdown=countdown)

"""Outbound email: every message is a row first, then a Celery task sends it.

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

from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template import Context, TemplateDoesNotExist
from django.template.loader import get_template
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import mark_safe

from core.errors import DomainError
from core.transitions import check_transition
from mct_portal.links import portal_url

from .enums import EMAIL_TRANSITIONS, EmailState
from .models import OutboundEmail

logger = logging.getLogger(__name__)

SECRET_MASK = "••••••••"  # noqa: S105 (the mask, not a secret)
EMAIL_LAYOUT = "emails/base.html"
MAX_SEND_ATTEMPTS = 5
# Longer than the longest retry backoff, so a row waiting for its retry is never swept.
STALE_AFTER = timedelta(minutes=15)
LOST_SECRET_ERROR = "code not delivered — ask for a new code"  # noqa: S105


class TemporarySendFailure(Exception):
    """The mail server said "try again later"; the task retries with backoff."""


class EmailNotRetryable(DomainError):
    pass


# Where attached files come from: a source name → a function taking the id and returning
# (filename, content, mimetype). Apps above verification register theirs, so this layer
# never imports them.
ATTACHMENT_SOURCES: dict[str, Callable[[int], tuple[str, bytes, str]]] = {}


def register_attachment_source(name: str, draw: Callable[[int], tuple[str, bytes, str]]) -> None:
    ATTACHMENT_SOURCES[name] = draw


def render_email(role: str, context: dict) -> tuple[str, str, str]:
    """Subject, plain text and HTML of a role's templates.

    `emails/<role>.html` is a fragment placed in the shared layout `emails/base.html`;
    a role without one sends plain text only.
    """
    subject = " ".join(_render_plain(f"emails/{role}_subject.txt", context).split())
    text = _render_plain(f"emails/{role}.txt", context).strip() + "\n"
    try:
        fragment = get_template(f"emails/{role}.html").render(context)
    except TemplateDoesNotExist:
        return subject, text, ""
    content = mark_safe(fragment)  # noqa: S308 (rendered by our own template)
    layout = {"subject": subject, "content": content, "help_url": portal_url("/help/")}
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
) -> OutboundEmail:
    """Records an email and sends it through a Celery task once the transaction commits.

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
    subject, text, html = render_email(role, masked)
    email = OutboundEmail.objects.create(
        role=role,
        user=user,
        to=to.strip(),
        subject=subject[:255],
        body_text=text,
        body_html=html,
        attachments=list(attachments or []),
    )
    enqueue_send(email.pk, secret_context or None)
    return email


def enqueue_send(email_id: int, secret_context: dict | None = None) -> None:
    """Sends the row after the transaction commits. If the broker is down then, the row stays
    queued: the sweeper sends it again (or marks a lost code failed)."""
    # The code travels in the message (never in the row); keep it out of worker logs.
    shown = "{…}" if secret_context else "None"
    send_outbound_email.apply_async_on_commit(
        args=(email_id, secret_context), argsrepr=f"({email_id}, {shown})"
    )


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
    """30 s, 60 s, 120 s, 240 s: well inside STALE_AFTER."""
    return 30 * 2 ** max(attempts - 1, 0)


def _locked(email_id: int) -> OutboundEmail | None:
    return OutboundEmail.objects.select_for_update().filter(pk=email_id).first()


def outbound_email_send(*, email_id: int, secret_context: dict | None = None):
    """Sends one queued email. Raises TemporarySendFailure when a retry may succeed.

    Idempotent: only a QUEUED row is sent, and it is SENDING while the server is talked to,
    so a second run of the same task finds nothing to do.
    """
    with transaction.atomic():
        email = _locked(email_id)
        if email is None or email.state != EmailState.QUEUED:
            return email
        if carries_secret(email) and not secret_context:
            _mark_failed(email, LOST_SECRET_ERROR)
            return email
        _move(email, EmailState.SENDING)
        email.attempts += 1
        email.save(update_fields=["state", "attempts", "updated_at"])

    message = _message(email, secret_context or {})
    try:
        message.send(fail_silently=False)
    except Exception as exc:
        error = f"{type(exc).__name__}: {exc}"[:2000]
        temporary = is_temporary_smtp_error(exc)
        with transaction.atomic():
            email = _locked(email_id)
            if temporary and email.attempts < MAX_SEND_ATTEMPTS:
                _move(email, EmailState.QUEUED)
                email.last_error = error
                email.save(update_fields=["state", "last_error", "updated_at"])
            else:
                _mark_failed(email, error)
                logger.warning("Outbound email %s failed: %s", email_id, error)
                return email
        raise TemporarySendFailure(error) from exc

    with transaction.atomic():
        email = _locked(email_id)
        _move(email, EmailState.SENT)
        email.sent_at = timezone.now()
        email.save(update_fields=["state", "sent_at", "updated_at"])
    return email


def _move(email: OutboundEmail, to: str) -> None:
    """The one place an email's state changes: checked against EMAIL_TRANSITIONS (staying
    queued is allowed: the sweeper touches a stuck row to enqueue it again)."""
    if to != email.state:
        check_transition(EMAIL_TRANSITIONS, email.state, to)
    email.state = to


def _mark_failed(email: OutboundEmail, error: str) -> None:
    _move(email, EmailState.FAILED)
    email.last_error = error
    email.save(update_fields=["state", "last_error", "updated_at"])


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
        headers={"Auto-Submitted": "auto-generated", "X-MCT-Email-Role": email.role},
    )
    if html:
        message.attach_alternative(html, "text/html")
    for attachment in email.attachments:
        message.attach(*ATTACHMENT_SOURCES[attachment["source"]](attachment["id"]))
    return message


def outbound_email_retry(*, email: OutboundEmail) -> OutboundEmail:
    """Puts a failed email back in the queue (the admin's retry action)."""
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
        _move(email, EmailState.QUEUED)
        email.save(update_fields=["state", "updated_at"])
        enqueue_send(email.pk, None)
    return email


def outbound_email_sweep(*, now=None) -> list[int]:
    """Re-enqueues emails stuck queued or sending (a lost broker message, a killed worker)."""
    now = now or timezone.now()
    stuck = list(
        OutboundEmail.objects.filter(
            state__in=[EmailState.QUEUED, EmailState.SENDING], updated_at__lt=now - STALE_AFTER
        )
        .order_by("updated_at")
        .values_list("pk", flat=True)[:500]
    )
    requeued = []
    for email_id in stuck:
        with transaction.atomic():
            email = _locked(email_id)
            if email is None or email.state not in (EmailState.QUEUED, EmailState.SENDING):
                continue
            if carries_secret(email):
                _mark_failed(email, LOST_SECRET_ERROR)
                continue
            _move(email, EmailState.QUEUED)
            email.save(update_fields=["state", "updated_at"])
            enqueue_send(email.pk, None)
            requeued.append(email_id)
    return requeued


# Defined here, next to the send, so queuing a mail needs no import of verification.tasks.
@shared_task(
    name="verification.tasks.send_outbound_email", bind=True, max_retries=MAX_SEND_ATTEMPTS
)
def send_outbound_email(self, email_id: int, secret_context: dict | None = None) -> str | None:
    try:
        email = outbound_email_send(email_id=email_id, secret_context=secret_context)
    except TemporarySendFailure as exc:
        # The row counts the attempts and turns FAILED at the last one; Celery only waits.
        countdown = retry_backoff_seconds(self.request.retries + 1)
        raise self.retry(exc=exc, countdown=countdown)
    return email.state if email else None

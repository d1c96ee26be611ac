"""Thin Celery wrappers: they take ids and call the services, which hold the logic."""

import logging

from celery import shared_task
from django.utils import timezone

from . import mail, services
from .models import OutboundEmail

logger = logging.getLogger(__name__)

TASK_OPTIONS = {"bind": True, "acks_late": True, "reject_on_worker_lost": True}


@shared_task(name="verification.tasks.check_document", **TASK_OPTIONS)
def check_document(self, document_id: int) -> str | None:
    document = services.document_check(document_id=document_id)
    return document.state if document else None


@shared_task(name="verification.tasks.purge_document_file", **TASK_OPTIONS)
def purge_document_file(self, document_id: int) -> None:
    services.document_purge_file(document_id=document_id)


@shared_task(
    name="verification.tasks.send_outbound_email",
    max_retries=None,  # the row counts the tries and ends them (EMAIL_RETRY_HOURS)
    **TASK_OPTIONS,
)
def send_outbound_email(self, email_id: int, secret_context: dict | None = None) -> str | None:
    try:
        email = mail.outbound_email_send(email_id=email_id, secret_context=secret_context)
    except mail.SendLater as later:
        return _send_again_later(self, email_id, later.seconds, later)
    except mail.TemporarySendFailure as exc:
        email = OutboundEmail.objects.filter(pk=email_id).only("next_attempt_at").first()
        wait = mail.retry_backoff_seconds(1)
        if email is not None and email.next_attempt_at is not None:
            wait = (email.next_attempt_at - timezone.now()).total_seconds()
        return _send_again_later(self, email_id, wait, exc)
    return email.state if email else None


def _send_again_later(task, email_id: int, seconds: float, exc: Exception) -> str:
    if task.request.is_eager:
        # No broker to wait on (the embedded default): the sweeper sends it when it is due.
        return "later"
    # Never longer than half the visibility timeout: a message waiting longer would be
    # handed out again by the broker. A row not yet due just waits another round.
    countdown = max(1, min(int(seconds) + 1, mail.countdown_cap()))
    raise task.retry(exc=exc, countdown=countdown)


@shared_task(name="verification.tasks.purge_orphaned_files", **TASK_OPTIONS)
def purge_orphaned_files(self) -> int:
    return len(services.documents_purge_orphaned_files())


@shared_task(name="verification.tasks.sweep_stuck_documents", **TASK_OPTIONS)
def sweep_stuck_documents(self) -> int:
    requeued = services.documents_requeue_stuck()
    if requeued:
        logger.warning("Re-enqueued the check of %d stuck documents", len(requeued))
    return len(requeued)


@shared_task(name="verification.tasks.sweep_outbound_email", **TASK_OPTIONS)
def sweep_outbound_email(self) -> int:
    requeued = mail.outbound_email_sweep()
    if requeued:
        logger.warning("Re-enqueued %d stuck outbound emails", len(requeued))
    return len(requeued)


@shared_task(name="verification.tasks.purge_decided_files", **TASK_OPTIONS)
def purge_decided_files(self) -> int:
    purged = 0
    for document_id in list(services.documents_due_for_purge()[:500]):
        services.document_purge_file(document_id=document_id)
        purged += 1
    return purged

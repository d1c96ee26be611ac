"""Thin Celery wrappers: they take ids and call the services, which hold the logic."""

import logging

from celery import shared_task
from django.conf import settings

from . import mail, services
from .services import rendering

logger = logging.getLogger(__name__)

TASK_OPTIONS = {"bind": True, "acks_late": True, "reject_on_worker_lost": True}


@shared_task(name="verification.tasks.check_document", **TASK_OPTIONS)
def check_document(self, document_id: int) -> str | None:
    document = services.document_check(document_id=document_id)
    return document.state if document else None


@shared_task(
    name="verification.tasks.render_document",
    # Below the worker's own limits: a PDF that outlasts its budget costs its page images only.
    soft_time_limit=settings.RENDER_SECONDS + 30,
    time_limit=settings.RENDER_SECONDS + 60,
    **TASK_OPTIONS,
)
def render_document(self, document_id: int) -> str | None:
    document = rendering.document_render(document_id=document_id)
    return document.render_state if document else None


@shared_task(name="verification.tasks.sweep_unrendered_documents", **TASK_OPTIONS)
def sweep_unrendered_documents(self) -> int:
    return len(rendering.documents_requeue_unrendered())


@shared_task(name="verification.tasks.purge_document_file", **TASK_OPTIONS)
def purge_document_file(self, document_id: int) -> None:
    services.document_purge_file(document_id=document_id)


@shared_task(
    name="verification.tasks.send_outbound_email",
    max_retries=mail.MAX_SEND_ATTEMPTS,
    **TASK_OPTIONS,
)
def send_outbound_email(self, email_id: int, secret_context: dict | None = None) -> str | None:
    try:
        email = mail.outbound_email_send(email_id=email_id, secret_context=secret_context)
    except mail.TemporarySendFailure as exc:
        # The row counts the attempts and turns FAILED at the last one; Celery only waits.
        countdown = mail.retry_backoff_seconds(self.request.retries + 1)
        raise self.retry(exc=exc, countdown=countdown)
    return email.state if email else None


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

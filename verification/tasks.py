"""Thin Celery wrappers: they take ids and call the services, which hold the logic.

The per-row tasks live next to their services (so a service enqueues them without importing
this module, which imports the services); they are re-exported here with the periodic ones.
Options shared by every task are in core.tasks.
"""

import logging

from celery import shared_task

from . import mail, services
from .mail import send_outbound_email
from .services.documents import check_document, purge_document_file
from .services.rendering import documents_requeue_unrendered, render_document

logger = logging.getLogger(__name__)

__all__ = [
    "check_document",
    "purge_decided_files",
    "purge_document_file",
    "purge_orphaned_files",
    "render_document",
    "send_outbound_email",
    "sweep_outbound_email",
    "sweep_stuck_documents",
    "sweep_unrendered_documents",
]


@shared_task(name="verification.tasks.purge_orphaned_files", bind=True)
def purge_orphaned_files(self) -> int:
    return len(services.documents_purge_orphaned_files())


@shared_task(name="verification.tasks.sweep_stuck_documents", bind=True)
def sweep_stuck_documents(self) -> int:
    requeued = services.documents_requeue_stuck()
    if requeued:
        logger.warning("Re-enqueued the check of %d stuck documents", len(requeued))
    return len(requeued)


@shared_task(name="verification.tasks.sweep_outbound_email", bind=True)
def sweep_outbound_email(self) -> int:
    requeued = mail.outbound_email_sweep()
    if requeued:
        logger.warning("Re-enqueued %d stuck outbound emails", len(requeued))
    return len(requeued)


@shared_task(name="verification.tasks.purge_decided_files", bind=True)
def purge_decided_files(self) -> int:
    purged = 0
    for document_id in list(services.documents_due_for_purge()[:500]):
        services.document_purge_file(document_id=document_id)
        purged += 1
    return purged


@shared_task(name="verification.tasks.sweep_unrendered_documents", bind=True)
def sweep_unrendered_documents(self) -> int:
    return len(documents_requeue_unrendered())

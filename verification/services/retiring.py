"""One live document per piece of evidence: what no longer counts leaves the queue at once.

A newer upload supersedes the document it replaces; a withdrawn or expired application
withdraws its documents. Either way the document leaves the review queue in the same
transaction, its files are deleted after commit, and the row (with any decision, and the
file's SHA-256) stays as the record.
"""

import logging

from django.db import transaction

from ..audit import audit
from ..enums import DOCUMENT_DECIDED, DOCUMENT_WAITING, DocumentState
from ..mail import mail_queue
from ..models import Document
from .documents import _move, _trainer_context, purge_document_file

logger = logging.getLogger(__name__)


def _purge_after_commit(document: Document) -> None:
    purge_document_file.delay_on_commit(document.pk)


def document_supersede(*, document: Document, by, new_name: str = "") -> Document:
    """A newer upload replaces this document: out of the queue, file deleted, trainer told."""
    with transaction.atomic():
        current = Document.objects.select_for_update().select_related("owner").get(pk=document.pk)
        if current.state not in DOCUMENT_WAITING:
            if current.state in DOCUMENT_DECIDED and current.file_deleted_at is None:
                _purge_after_commit(current)
            return current
        before = current.state
        _move(current, DocumentState.SUPERSEDED)
        current.save(update_fields=["state", "updated_at"])
        audit(
            actor=by,
            action="document.superseded",
            target=current,
            subject_user=current.owner,
            before={"state": before},
            after={"state": DocumentState.SUPERSEDED},
            note="A newer upload for the same evidence replaced it; its file is deleted.",
        )
        mail_queue(
            role="document_superseded",
            to=current.owner.email,
            user=current.owner,
            context={
                **_trainer_context(current),
                "new_name": new_name,
            },
        )
        _purge_after_commit(current)
    return current


def document_withdraw(*, document: Document, by, reason: str = "") -> Document:
    """Its application was withdrawn or expired: out of the queue, files deleted, audited.

    A decided document keeps its decision; only its file goes (if retention kept it).
    """
    with transaction.atomic():
        current = Document.objects.select_for_update().select_related("owner").get(pk=document.pk)
        if current.state in DOCUMENT_WAITING:
            before = current.state
            _move(current, DocumentState.WITHDRAWN)
            current.save(update_fields=["state", "updated_at"])
            audit(
                actor=by,
                action="document.withdrawn",
                target=current,
                subject_user=current.owner,
                before={"state": before},
                after={"state": DocumentState.WITHDRAWN},
                note=reason or "Its application was withdrawn; its file is deleted.",
            )
        if current.file_deleted_at is None:
            _purge_after_commit(current)
    return current

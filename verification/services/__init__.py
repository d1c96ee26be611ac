"""Everything that changes verification state. Import from here."""

from .capacity import QueueFull, queue_room_check
from .documents import (
    MAX_CHECK_ATTEMPTS,
    FileRefused,
    document_check,
    document_decide,
    document_downloaded,
    document_purge_file,
    document_receive,
    documents_due_for_purge,
    documents_purge_orphaned_files,
    documents_requeue_stuck,
    documents_stuck,
    inspect_evidence,
    may_review,
)
from .errors import DecisionReasonRequired, DomainError, InvalidTransition, NotAllowed
from .rendering import document_render, read_rendered_text
from .retiring import document_supersede, document_withdraw

__all__ = [
    "MAX_CHECK_ATTEMPTS",
    "DecisionReasonRequired",
    "DomainError",
    "FileRefused",
    "InvalidTransition",
    "NotAllowed",
    "QueueFull",
    "document_check",
    "document_decide",
    "document_downloaded",
    "document_purge_file",
    "document_receive",
    "document_render",
    "document_supersede",
    "document_withdraw",
    "documents_due_for_purge",
    "documents_purge_orphaned_files",
    "documents_requeue_stuck",
    "documents_stuck",
    "inspect_evidence",
    "may_review",
    "queue_room_check",
    "read_rendered_text",
]

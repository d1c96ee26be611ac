"""Everything that changes verification state. Import from here."""

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

__all__ = [
    "MAX_CHECK_ATTEMPTS",
    "DecisionReasonRequired",
    "DomainError",
    "FileRefused",
    "InvalidTransition",
    "NotAllowed",
    "document_check",
    "document_decide",
    "document_downloaded",
    "document_purge_file",
    "document_receive",
    "documents_due_for_purge",
    "documents_purge_orphaned_files",
    "documents_requeue_stuck",
    "documents_stuck",
    "inspect_evidence",
    "may_review",
]

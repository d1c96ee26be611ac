from django.db import models


class DocumentState(models.TextChoices):
    RECEIVED = "received", "Received"
    CHECKING = "checking", "Being checked"
    REFUSED = "refused", "Refused by the check"
    QUEUED = "queued", "Waiting for review"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"
    # Out of the queue without a decision: a newer upload for the same evidence replaced it,
    # or its application was withdrawn or expired. The file goes; the row is the record.
    SUPERSEDED = "superseded", "Replaced by a newer upload"
    WITHDRAWN = "withdrawn", "Withdrawn with its application"


# Where a document may go from each state; anything else is a programming error.
DOCUMENT_TRANSITIONS: dict[str, set[str]] = {
    DocumentState.RECEIVED: {
        DocumentState.CHECKING,
        DocumentState.REFUSED,
        DocumentState.SUPERSEDED,
        DocumentState.WITHDRAWN,
    },
    DocumentState.CHECKING: {
        DocumentState.QUEUED,
        DocumentState.REFUSED,
        DocumentState.RECEIVED,
        DocumentState.SUPERSEDED,
        DocumentState.WITHDRAWN,
    },
    DocumentState.QUEUED: {
        DocumentState.APPROVED,
        DocumentState.REJECTED,
        DocumentState.SUPERSEDED,
        DocumentState.WITHDRAWN,
    },
    DocumentState.REFUSED: set(),
    DocumentState.APPROVED: set(),
    DocumentState.REJECTED: set(),
    DocumentState.SUPERSEDED: set(),
    DocumentState.WITHDRAWN: set(),
}

DOCUMENT_IN_FLIGHT = (DocumentState.RECEIVED, DocumentState.CHECKING)
DOCUMENT_DECIDED = (DocumentState.APPROVED, DocumentState.REJECTED)
# Still counting towards review: checked or being checked, and not yet decided.
DOCUMENT_WAITING = (*DOCUMENT_IN_FLIGHT, DocumentState.QUEUED)
# Taken out of the queue without a decision; their files are deleted.
DOCUMENT_RETIRED = (DocumentState.SUPERSEDED, DocumentState.WITHDRAWN)
# What reviewers work with: files the check passed. Unchecked or refused ones never reach them.
REVIEWABLE_STATES = (DocumentState.QUEUED, *DOCUMENT_DECIDED)


class DocumentKind(models.TextChoices):
    INSTRUCTIONAL_SKILLS = "instructional_skills", "Proof of instructional skills"
    TRAINING_SUMMARY = "training_summary", "Training summary or score report"


class EmailState(models.TextChoices):
    QUEUED = "queued", "Queued"
    SENDING = "sending", "Sending"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"


# Where an outbound email may go from each state. SENDING → QUEUED is a temporary failure
# (or the sweeper finding a killed send); FAILED → QUEUED is the admin's retry.
EMAIL_TRANSITIONS: dict[str, set[str]] = {
    EmailState.QUEUED: {EmailState.SENDING, EmailState.FAILED},
    EmailState.SENDING: {EmailState.SENT, EmailState.QUEUED, EmailState.FAILED},
    EmailState.SENT: set(),
    EmailState.FAILED: {EmailState.QUEUED},
}


class PasscodePurpose(models.TextChoices):
    MICROSOFT_ALIAS = "microsoft_alias", "Microsoft employee address"
    PARTNER_ADDRESS = "partner_address", "Partner organization address"


class RenderState(models.TextChoices):
    """What the worker made of an accepted file for reviewers to look at in the page."""

    NONE = "", "Not rendered"
    PENDING = "pending", "Being prepared"
    READY = "ready", "Ready"
    FAILED = "failed", "Could not be shown"

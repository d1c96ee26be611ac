from django.db import models


class DocumentState(models.TextChoices):
    RECEIVED = "received", "Received"
    CHECKING = "checking", "Being checked"
    REFUSED = "refused", "Refused by the check"
    QUEUED = "queued", "Waiting for review"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"


# Where a document may go from each state; anything else is a programming error.
DOCUMENT_TRANSITIONS: dict[str, set[str]] = {
    DocumentState.RECEIVED: {DocumentState.CHECKING, DocumentState.REFUSED},
    DocumentState.CHECKING: {DocumentState.QUEUED, DocumentState.REFUSED, DocumentState.RECEIVED},
    DocumentState.QUEUED: {DocumentState.APPROVED, DocumentState.REJECTED},
    DocumentState.REFUSED: set(),
    DocumentState.APPROVED: set(),
    DocumentState.REJECTED: set(),
}

DOCUMENT_IN_FLIGHT = (DocumentState.RECEIVED, DocumentState.CHECKING)
DOCUMENT_DECIDED = (DocumentState.APPROVED, DocumentState.REJECTED)
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

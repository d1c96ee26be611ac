from django.db import models
from django.utils.translation import gettext_lazy as _


class DocumentState(models.TextChoices):
    RECEIVED = "received", _("Received")
    CHECKING = "checking", _("Being checked")
    REFUSED = "refused", _("Refused by the check")
    QUEUED = "queued", _("Waiting for review")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    # Out of the queue without a decision: a newer upload for the same evidence replaced it,
    # or its application was withdrawn or expired. The file goes; the row is the record.
    SUPERSEDED = "superseded", _("Replaced by a newer upload")
    WITHDRAWN = "withdrawn", _("Withdrawn with its application")


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
    INSTRUCTIONAL_SKILLS = "instructional_skills", _("Proof of instructional skills")
    TRAINING_SUMMARY = "training_summary", _("Training summary or score report")


class EmailState(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")


# Where an outbound email may go from each state. SENDING → QUEUED is a temporary failure
# (or the sweeper finding a send whose lease ran out); FAILED → QUEUED is the admin's retry.
# QUEUED → SENT: a send outlived its lease, the sweeper queued the row again, and then the
# server accepted the first send: the row says so, and is not sent a second time.
EMAIL_TRANSITIONS: dict[str, set[str]] = {
    EmailState.QUEUED: {EmailState.SENDING, EmailState.SENT, EmailState.FAILED},
    EmailState.SENDING: {EmailState.SENT, EmailState.QUEUED, EmailState.FAILED},
    EmailState.SENT: set(),
    EmailState.FAILED: {EmailState.QUEUED},
}


class PasscodePurpose(models.TextChoices):
    MICROSOFT_ALIAS = "microsoft_alias", _("Microsoft employee address")
    PARTNER_ADDRESS = "partner_address", _("Partner organization address")


class RenderState(models.TextChoices):
    """What the worker made of an accepted file for reviewers to look at in the page."""

    NONE = "", _("Not rendered")
    PENDING = "pending", _("Being prepared")
    READY = "ready", _("Ready")
    FAILED = "failed", _("Could not be shown")

"""Uploads and their review, passcodes, outbound email and the audit trail.

This app is the portal's base layer: it knows nothing about applications or memberships.
"""

import datetime
import uuid

from django.conf import settings
from django.core.files.storage import storages
from django.db import models
from django.db.models import Q

from .enums import DocumentKind, DocumentState, EmailState, PasscodePurpose, RenderState


def private_storage():
    return storages["private"]


def document_upload_to(instance: "Document", filename: str) -> str:
    # Random names only: the trainer's file name is kept as metadata, never as a path.
    return f"documents/{uuid.uuid4().hex}"


def preview_upload_to(instance: "Document", filename: str) -> str:
    return f"previews/{uuid.uuid4().hex}"


def render_upload_to(instance, filename: str) -> str:
    return f"renders/{uuid.uuid4().hex}"


class Document(models.Model):
    """A file a trainer uploaded as evidence, through its check and its review."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="documents"
    )
    kind = models.CharField(max_length=32, choices=DocumentKind.choices)
    state = models.CharField(
        max_length=16, choices=DocumentState.choices, default=DocumentState.RECEIVED
    )
    original_name = models.CharField(max_length=255)
    file = models.FileField(
        storage=private_storage, upload_to=document_upload_to, max_length=255, blank=True
    )
    preview = models.FileField(
        storage=private_storage, upload_to=preview_upload_to, max_length=255, blank=True
    )
    content_type = models.CharField(max_length=100, blank=True)
    size = models.PositiveBigIntegerField(default=0)
    sha256 = models.CharField(max_length=64, blank=True)
    # What the reviewer must check it against (credential type, dates...), as label → value.
    details = models.JSONField(default=dict, blank=True)
    refusal_reason = models.TextField(blank=True)
    scan_verdict = models.CharField(max_length=200, blank=True)
    check_attempts = models.PositiveSmallIntegerField(default=0)
    due_on = models.DateField(null=True, blank=True)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="reviewed_documents",
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.TextField(blank=True)
    file_deleted_at = models.DateTimeField(null=True, blank=True)
    # What the worker made for reviewers to read in the page (DocumentPage rows, or the text
    # of a Word file laid out), and why not when it could not.
    render_state = models.CharField(
        max_length=16, choices=RenderState.choices, default=RenderState.NONE, blank=True
    )
    render_note = models.TextField(blank=True)
    render_attempts = models.PositiveSmallIntegerField(default=0)
    rendered_text = models.FileField(
        storage=private_storage, upload_to=render_upload_to, max_length=255, blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["due_on", "created_at"]
        indexes = [
            models.Index(fields=["state", "due_on"], name="doc_queue_idx"),
            models.Index(fields=["state", "updated_at"], name="doc_inflight_idx"),
            models.Index(fields=["owner", "created_at"], name="doc_owner_idx"),
            # The review queue (verification.admin.QUEUE_ORDER) over the waiting documents
            # only: its first page, its counts and the next document read this small index.
            models.Index(
                fields=["due_on", "created_at", "id"],
                condition=Q(state=DocumentState.QUEUED),
                name="doc_waiting_order_idx",
            ),
            # The same order over every state (the queue's "All").
            models.Index(fields=["due_on", "created_at", "id"], name="doc_order_idx"),
            # "Decided today": a range over the decided documents only.
            models.Index(
                fields=["decided_at"],
                condition=Q(decided_at__isnull=False),
                name="doc_decided_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(state__in=[DocumentState.APPROVED, DocumentState.REJECTED])
                | Q(decided_at__isnull=False),
                name="doc_decided_has_time",
            ),
            models.CheckConstraint(
                condition=~Q(state=DocumentState.REJECTED) | ~Q(decision_reason=""),
                name="doc_rejection_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} — {self.original_name}"


# The due day under which a waiting document without a due date is counted.
NO_DUE_DATE = datetime.date(9999, 12, 31)


class ReviewQueueDay(models.Model):
    """How many documents wait for review, per due day: kept by a trigger on the document
    table (migration 0007, PostgreSQL), so the queue's counts add up a few dozen rows
    instead of counting a hundred thousand waiting documents on every page."""

    due_on = models.DateField(primary_key=True)
    waiting = models.IntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.waiting} due {self.due_on}"


class DocumentPage(models.Model):
    """One page of an accepted document, drawn by the worker as an image without metadata."""

    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="pages")
    number = models.PositiveIntegerField()
    image = models.FileField(storage=private_storage, upload_to=render_upload_to, max_length=255)
    content_type = models.CharField(max_length=32)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()

    class Meta:
        ordering = ["document", "number"]
        constraints = [
            models.UniqueConstraint(fields=["document", "number"], name="one_page_per_number")
        ]

    def __str__(self) -> str:
        return f"Page {self.number} of {self.document}"


class Passcode(models.Model):
    """A one-time code proving that a trainer reads mail at an address. Only its hash is kept."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="passcodes"
    )
    address = models.EmailField()
    purpose = models.CharField(max_length=32, choices=PasscodePurpose.choices)
    code_hash = models.CharField(max_length=128)
    failed_attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["user", "address", "purpose", "created_at"], name="passcode_idx"),
            models.Index(fields=["address", "created_at"], name="passcode_address_idx"),
        ]

    def __str__(self) -> str:
        return f"Passcode for {self.address} ({self.get_purpose_display()})"


class OutboundEmail(models.Model):
    """Every email the portal sends, so support can answer "did my code arrive?"."""

    role = models.CharField(max_length=64)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="outbound_emails",
    )
    to = models.EmailField()
    subject = models.CharField(max_length=255)
    body_text = models.TextField()
    body_html = models.TextField(blank=True)
    # The language it was written in ("en", "de", "ja"): the recipient's, see verification.mail.
    language = models.CharField(max_length=8, blank=True, default="")
    # Files sent with the email, by reference ({"source": ..., "id": ...}); each is drawn
    # when the email is sent by the source registered in verification.mail.
    attachments = models.JSONField(default=list, blank=True)
    state = models.CharField(max_length=16, choices=EmailState.choices, default=EmailState.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    # The same Message-ID on every try, so a message sent twice is recognisably one message.
    message_id = models.CharField(max_length=255, blank=True)
    # A run holds the row while it talks to the server; past this moment another may take over.
    lease_until = models.DateTimeField(null=True, blank=True)
    # When a queued row is due (its next try after a temporary failure).
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    # Temporary failures are retried until then; after it, the row is failed.
    retry_until = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["state", "updated_at"], name="email_state_idx"),
            models.Index(fields=["state", "next_attempt_at"], name="email_due_idx"),
            models.Index(fields=["user", "created_at"], name="email_user_idx"),
            models.Index(fields=["to", "created_at"], name="email_to_idx"),
            # The admin's order and its role filter (choices read through this index).
            models.Index(fields=["created_at", "id"], name="email_created_idx"),
            models.Index(fields=["role", "created_at"], name="email_role_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.role} to {self.to} ({self.state})"


class AuditEvent(models.Model):
    """Who did what to which record, and when; before/after where it is a change."""

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="audit_events_done",
    )
    action = models.CharField(max_length=64)
    object_type = models.CharField(max_length=64)
    object_id = models.CharField(max_length=64)
    # The person the event concerns, so a support agent sees a person's whole history.
    subject_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="audit_events_about",
    )
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    note = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["object_type", "object_id"], name="audit_object_idx"),
            models.Index(fields=["subject_user", "created_at"], name="audit_subject_idx"),
            # The admin's action filter (choices read through it) and object id search.
            models.Index(fields=["action", "created_at"], name="audit_action_idx"),
            models.Index(fields=["object_id"], name="audit_object_id_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.action} on {self.object_type}:{self.object_id}"

"""One row per import: who, when, which file (name, SHA-256), its progress and its report."""

import uuid

from django.conf import settings
from django.core.files.storage import storages
from django.db import models


def private_storage():
    return storages["private"]


def import_upload_to(instance: "ImportRun", filename: str) -> str:
    # A random name: the operator's file name is kept as metadata, never as a path.
    return f"imports/{uuid.uuid4().hex}"


class ImportKind(models.TextChoices):
    EXAM_RESULTS = "exam-results", "Exam results"
    CERTIFICATIONS = "certifications", "Earned certifications"
    MTM = "mtm", "MTM deliveries"
    PARTNERS = "partners", "Partner directory"
    IMAGINE_ACADEMY = "imagine-academy", "Imagine Academy members"
    CATALOG = "catalog", "Certification catalog"


class ImportState(models.TextChoices):
    PREVIEW_QUEUED = "preview_queued", "Waiting to be checked"
    PREVIEWING = "previewing", "Checking the file"
    PREVIEWED = "previewed", "Checked: waiting for confirmation"
    QUEUED = "queued", "Waiting to be imported"
    IMPORTING = "importing", "Importing"
    DONE = "done", "Imported"
    REJECTED = "rejected", "Not imported: the file has errors"
    FAILED = "failed", "Failed"
    CANCELLED = "cancelled", "Cancelled"


IMPORT_RUNNING = [
    ImportState.PREVIEW_QUEUED,
    ImportState.PREVIEWING,
    ImportState.QUEUED,
    ImportState.IMPORTING,
]
# The allowed moves: a preview waits for a confirmation (or is cancelled); the
# command line goes straight to QUEUED.
IMPORT_TRANSITIONS = {
    ImportState.PREVIEW_QUEUED: {ImportState.PREVIEWING},
    ImportState.PREVIEWING: {ImportState.PREVIEWED, ImportState.FAILED},
    ImportState.PREVIEWED: {ImportState.QUEUED, ImportState.CANCELLED},
    ImportState.QUEUED: {ImportState.IMPORTING},
    ImportState.IMPORTING: {ImportState.DONE, ImportState.REJECTED, ImportState.FAILED},
}


class ImportRun(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField(max_length=20, choices=ImportKind.choices)
    state = models.CharField(
        max_length=20, choices=ImportState.choices, default=ImportState.PREVIEW_QUEUED
    )
    file = models.FileField(storage=private_storage, upload_to=import_upload_to, max_length=255)
    file_name = models.CharField(max_length=255)
    file_size = models.BigIntegerField(default=0)
    sha256 = models.CharField("SHA-256", max_length=64)
    # "auto" or the codec the operator chose; `encoding_used` is what the file was read as.
    encoding = models.CharField(max_length=20, default="auto")
    encoding_used = models.CharField(max_length=20, blank=True)
    valid_rows_only = models.BooleanField(
        default=False, help_text="Import the valid rows and skip the rows in error."
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # Progress, written while the task runs.
    phase = models.CharField(max_length=40, blank=True)
    bytes_read = models.BigIntegerField(default=0)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    # The report.
    rows_total = models.PositiveIntegerField(default=0)
    rows_error = models.PositiveIntegerField(default=0)
    rows_created = models.PositiveIntegerField(default=0)
    rows_updated = models.PositiveIntegerField(default=0)
    rows_unchanged = models.PositiveIntegerField(default=0)
    # What a whole file got wrong (encoding, delimiter, columns, empty, too big).
    file_error = models.TextField(blank=True)
    # The first rows in error: [{"line", "column", "value", "reason"}].
    errors = models.JSONField(default=list, blank=True)
    # Examples of what the import creates and updates, for the preview.
    samples = models.JSONField(default=dict, blank=True)
    notes = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        permissions = [("run_import", "Can upload and run data imports")]
        indexes = [models.Index(fields=["state", "heartbeat_at"], name="import_state_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.file_name} ({self.created_at:%Y-%m-%d %H:%M})"

    @property
    def is_running(self) -> bool:
        return self.state in IMPORT_RUNNING

    @property
    def rows_valid(self) -> int:
        return self.rows_total - self.rows_error

    @property
    def percent(self) -> int:
        """Reading the file is 80% of the work; the checks and the write are the rest."""
        if self.state in (ImportState.PREVIEWED, ImportState.DONE, ImportState.REJECTED):
            return 100
        if not self.is_running:
            return 0
        if self.phase == "reading" and self.file_size:
            return int(min(self.bytes_read / self.file_size, 1.0) * 80)
        return {"checking": 85, "writing": 90}.get(self.phase, 0)

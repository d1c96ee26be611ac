"""Documents: receiving an upload, checking it, the review decision and the file's retention.

received → checking → queued (with a preview) → approved / rejected, or refused by the check.
The database row is the truth; tasks only carry its id and may run twice.
"""

import logging
from dataclasses import dataclass
from datetime import timedelta
from functools import partial

from celery import shared_task
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import DatabaseError, transaction
from django.utils import timezone

from core.l10n import lazy_label_in_sentence
from mct_portal.links import portal_url

from .. import signals
from ..audit import audit
from ..business_days import review_due_on
from ..enums import (
    DOCUMENT_DECIDED,
    DOCUMENT_IN_FLIGHT,
    DOCUMENT_RETIRED,
    DOCUMENT_TRANSITIONS,
    DocumentKind,
    DocumentState,
    RenderState,
)
from ..filechecks import FileRefused, Inspection, clean_filename, inspect_upload
from ..mail import mail_queue
from ..models import Document, DocumentPage
from ..previews import make_preview
from ..scanning import get_scanner
from .capacity import queue_room_check
from .errors import DecisionReasonRequired, InvalidTransition, NotAllowed
from .rendering import (
    PHOTO_KINDS,
    document_delete_renders,
    render_document,
    render_limits,
    render_names,
)

logger = logging.getLogger(__name__)

# A check interrupted this often (a killed worker, a crash) refuses the file instead of looping.
MAX_CHECK_ATTEMPTS = 3
# A received document waits this long for its check before the sweeper enqueues it again
# (DOCUMENT_RECEIVED_STUCK_SECONDS; with the sweep interval, work returns within 2 minutes
# of the broker coming back)...
RECEIVED_STUCK_AFTER = timedelta(seconds=settings.DOCUMENT_RECEIVED_STUCK_SECONDS)
# ...and a check that outlives the task time limit was killed: it is started again.
CHECKING_STUCK_AFTER = timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 60)
# A photo's preview is also its page in the review page (services.rendering): one drawing.
PREVIEW_MAX_SIDE = render_limits().photo_side
REVIEWER_PERMISSION = "verification.change_document"

VIRUS_FOUND_MESSAGE = (
    "This file did not pass our virus check, so we did not keep it. "
    "Check the file with your own antivirus and upload a clean copy."
)
SCAN_FAILED_MESSAGE = (
    "We could not check this file for viruses just now, so we did not keep it. "
    "Please upload it again in a few minutes."
)
CHECK_INTERRUPTED_MESSAGE = (
    "We could not finish checking this file, so we did not keep it. "
    "Please upload it again; if this happens twice, contact support."
)


def inspect_evidence(fileobj, name: str, *, decode_images: bool = True) -> Inspection:
    """The portal's upload rules applied to one file; raises FileRefused. Leaves it at 0."""
    fileobj.seek(0)
    try:
        return inspect_upload(
            fileobj,
            name,
            max_bytes=settings.UPLOAD_MAX_BYTES,
            max_pixels=settings.UPLOAD_MAX_PIXELS,
            decode_images=decode_images,
        )
    finally:
        fileobj.seek(0)


def may_review(user) -> bool:
    return bool(
        user is not None
        and user.is_authenticated
        and user.is_active
        and (user.is_superuser or user.has_perm(REVIEWER_PERMISSION))
    )


def document_downloaded(*, document: Document, by, note: str = "") -> None:
    """Someone other than the owner (a reviewer) downloaded the file: written to the trail."""
    audit(
        actor=by,
        action="document.downloaded",
        target=document,
        subject_user=document.owner,
        note=note,
    )


def _move(document: Document, to: str) -> None:
    if to not in DOCUMENT_TRANSITIONS[document.state]:
        raise InvalidTransition(
            f"This document is {DocumentState(document.state).label.lower()}; "
            f"it cannot become {DocumentState(to).label.lower()}."
        )
    document.state = to


def _locked(document_id: int) -> Document | None:
    return (
        Document.objects.select_for_update().select_related("owner").filter(pk=document_id).first()
    )


def _send_signal(signal, document_id: int) -> None:
    document = Document.objects.select_related("owner").get(pk=document_id)
    for receiver, result in signal.send_robust(sender=Document, document=document):
        if isinstance(result, Exception):
            logger.error(
                "Receiver %r of a document signal failed for document %s",
                receiver,
                document_id,
                exc_info=result,
            )


def _jsonable_details(details: dict) -> dict:
    def value(v):
        if v is None or isinstance(v, str | int | float | bool):
            return v
        return v.isoformat() if hasattr(v, "isoformat") else str(v)

    return {str(label): value(v) for label, v in details.items()}


def _trainer_context(document: Document) -> dict:
    owner = document.owner
    return {
        "trainer_name": owner.get_full_name() or owner.email,
        # Lazy: written in the recipient's language when the email is rendered.
        "kind_label": lazy_label_in_sentence(DocumentKind(document.kind).label),
        "original_name": document.original_name,
        # Emails have no request to build a link from.
        "profile_url": portal_url("/profile/"),
    }


# --- Receiving --------------------------------------------------------------------------------


def document_receive(*, owner, kind: str, uploaded_file, details: dict | None = None) -> Document:
    """Stores an upload that passes the checks and enqueues its full check after commit.

    Raises FileRefused (with a message for the trainer) and then stores nothing.
    """
    kind = DocumentKind(kind)
    name = getattr(uploaded_file, "name", "") or ""
    with transaction.atomic():
        queue_room_check(owner=owner)
    inspection = getattr(uploaded_file, "inspection", None) or inspect_evidence(uploaded_file, name)
    uploaded_file.seek(0)
    document = Document(
        owner=owner,
        kind=kind,
        state=DocumentState.RECEIVED,
        original_name=clean_filename(name)[:255],
        content_type=inspection.content_type,
        size=inspection.size,
        sha256=inspection.sha256,
        details=_jsonable_details(details or {}),
        due_on=review_due_on(timezone.now()),
    )
    # Streams in chunks (or moves a temporary upload); upload_to gives a random name.
    document.file.save(name or "upload", uploaded_file, save=False)
    try:
        with transaction.atomic():
            document.save()
            audit(
                actor=owner,
                action="document.received",
                target=document,
                subject_user=owner,
                after={
                    "kind": kind.value,
                    "original_name": document.original_name,
                    "size": document.size,
                    "content_type": document.content_type,
                    "sha256": document.sha256,
                },
            )
            check_document.delay_on_commit(document.pk)
    except BaseException:
        document.file.storage.delete(document.file.name)
        raise
    return document


# --- Checking ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class CheckOutcome:
    clean: bool
    refusal_reason: str = ""
    verdict: str = ""
    preview: tuple[bytes, str] | None = None
    # The scanner could not answer: the file is neither clean nor infected, so it is held
    # (quarantined, out of the queue) and checked again, and refused only at the last try.
    retry: bool = False


def document_check(*, document_id: int) -> Document | None:
    """Re-inspects and virus-scans a received document; queues it for review or refuses it.

    Idempotent: only a document still in flight is checked, and a run that another run has
    overtaken (the sweeper re-enqueued a check it thought was dead) throws its result away.
    When the virus scanner cannot answer, the document goes back to RECEIVED, out of the
    queue, and the sweeper checks it again later; after MAX_CHECK_ATTEMPTS it is refused.
    """
    with transaction.atomic():
        document = _locked(document_id)
        if document is None or document.state not in DOCUMENT_IN_FLIGHT:
            return document
        if document.check_attempts >= MAX_CHECK_ATTEMPTS:
            _refuse(document, reason=CHECK_INTERRUPTED_MESSAGE, verdict="check interrupted")
            return document
        if document.state == DocumentState.CHECKING:
            # An earlier check died midway (the sweeper re-enqueued it): start it over.
            _move(document, DocumentState.RECEIVED)
        _move(document, DocumentState.CHECKING)
        document.check_attempts += 1
        document.save(update_fields=["state", "check_attempts", "updated_at"])
        attempt = document.check_attempts

    outcome = _run_checks(document)
    preview_name = ""
    if outcome.clean and outcome.preview:
        data, _content_type = outcome.preview
        preview_name = document.preview.storage.save(
            document.preview.field.generate_filename(document, "preview"), ContentFile(data)
        )
    try:
        return _finish_check(document_id, attempt, outcome, preview_name)
    except BaseException:
        # A preview no row names is removed now rather than left to the orphan sweep.
        if preview_name and not _preview_named(preview_name):
            document.preview.storage.delete(preview_name)
        raise


def _preview_named(name: str) -> bool:
    try:
        return Document.objects.filter(preview=name).exists()
    except DatabaseError:
        return True  # cannot tell: the orphan sweep decides later


def _finish_check(
    document_id: int, attempt: int, outcome: "CheckOutcome", preview_name: str
) -> Document:
    with transaction.atomic():
        document = _locked(document_id)
        if document.state != DocumentState.CHECKING or document.check_attempts != attempt:
            if preview_name:
                document.preview.storage.delete(preview_name)
            return document
        if not outcome.clean and outcome.retry and attempt < MAX_CHECK_ATTEMPTS:
            _hold_for_another_scan(document, verdict=outcome.verdict)
            return document
        if not outcome.clean:
            _refuse(document, reason=outcome.refusal_reason, verdict=outcome.verdict)
            return document
        _move(document, DocumentState.QUEUED)
        document.preview.name = preview_name
        document.scan_verdict = outcome.verdict[:200]
        # Reviewers read it in the page: the worker draws it once, after this commits.
        document.render_state = RenderState.PENDING
        document.save(
            update_fields=["state", "preview", "scan_verdict", "render_state", "updated_at"]
        )
        render_document.delay_on_commit(document.pk)
        audit(
            actor=None,
            action="document.queued",
            target=document,
            subject_user=document.owner,
            after={"state": DocumentState.QUEUED, "due_on": str(document.due_on)},
        )
        transaction.on_commit(partial(_send_signal, signals.document_queued, document.pk))
    return document


def _run_checks(document: Document) -> CheckOutcome:
    # One read of the stored file: inspected, scanned and drawn from the same handle.
    with document.file.open("rb") as stored:
        try:
            # A photo's pixels are decoded once, by its preview below, which refuses a damaged one.
            inspection = inspect_evidence(stored, document.original_name, decode_images=False)
        except FileRefused as refused:
            return CheckOutcome(False, refused.message, f"refused: {refused.code}")
        try:
            result = get_scanner(settings.VIRUS_SCANNER_URL).scan(stored)
        except Exception as exc:
            # A scanner that cannot answer never makes a file clean.
            logger.warning("Virus scan of document %s failed: %s", document.pk, exc)
            return CheckOutcome(False, SCAN_FAILED_MESSAGE, f"ERROR {exc}", retry=True)
        if not result.clean:
            if (result.verdict or "").upper().startswith("FOUND"):
                return CheckOutcome(False, VIRUS_FOUND_MESSAGE, result.verdict)
            logger.warning("Virus scan of document %s failed: %s", document.pk, result.verdict)
            return CheckOutcome(False, SCAN_FAILED_MESSAGE, result.verdict or "ERROR", retry=True)
        stored.seek(0)
        try:
            preview = make_preview(
                stored,
                inspection,
                max_side=PREVIEW_MAX_SIDE,
                max_pixels=settings.UPLOAD_MAX_PIXELS,
            )
        except FileRefused as refused:
            if inspection.kind in PHOTO_KINDS:
                # The preview is the photo's pixel check: what it cannot decode is refused.
                return CheckOutcome(False, refused.message, f"refused: {refused.code}")
            logger.exception("Preview of document %s failed", document.pk)
            preview = None
        except Exception:
            # The reviewer still has the download; a missing preview must not block the queue.
            logger.exception("Preview of document %s failed", document.pk)
            preview = None
    return CheckOutcome(True, verdict=result.verdict or "clean", preview=preview)


def _hold_for_another_scan(document: Document, *, verdict: str) -> None:
    """Quarantine: back to RECEIVED (never seen by reviewers), for the sweeper to retry."""
    _move(document, DocumentState.RECEIVED)
    document.scan_verdict = verdict[:200]
    document.save(update_fields=["state", "scan_verdict", "updated_at"])
    audit(
        actor=None,
        action="document.scan_deferred",
        target=document,
        subject_user=document.owner,
        after={"state": DocumentState.RECEIVED, "verdict": document.scan_verdict},
        note=f"Attempt {document.check_attempts} of {MAX_CHECK_ATTEMPTS}.",
    )


def _refuse(document: Document, *, reason: str, verdict: str) -> None:
    _move(document, DocumentState.REFUSED)
    document.refusal_reason = reason
    document.scan_verdict = verdict[:200]
    document.save(update_fields=["state", "refusal_reason", "scan_verdict", "updated_at"])
    audit(
        actor=None,
        action="document.refused",
        target=document,
        subject_user=document.owner,
        after={"state": DocumentState.REFUSED, "verdict": document.scan_verdict},
        note=reason,
    )
    mail_queue(
        role="document_refused",
        to=document.owner.email,
        user=document.owner,
        context={**_trainer_context(document), "reason": reason},
    )
    # Nothing of a refused file is kept.
    purge_document_file.delay_on_commit(document.pk)
    transaction.on_commit(partial(_send_signal, signals.document_refused, document.pk))


# --- Deciding ---------------------------------------------------------------------------------


def document_decide(*, document: Document, by, approve: bool, reason: str = "") -> Document:
    """The one way to approve or reject a document: audited, emailed, signalled."""
    reason = (reason or "").strip()
    if not approve and not reason:
        raise DecisionReasonRequired(
            "Give a reason for the rejection: the trainer reads it to know what to upload."
        )
    if not may_review(by):
        raise NotAllowed("Only reviewers can approve or reject documents.")
    with transaction.atomic():
        current = _locked(document.pk)
        if current.state != DocumentState.QUEUED:
            raise InvalidTransition(
                f"This document is already {DocumentState(current.state).label.lower()}: "
                "only a document waiting for review can be approved or rejected."
            )
        target = DocumentState.APPROVED if approve else DocumentState.REJECTED
        _move(current, target)
        current.reviewer = by
        current.decided_at = timezone.now()
        current.decision_reason = reason
        current.save(
            update_fields=["state", "reviewer", "decided_at", "decision_reason", "updated_at"]
        )
        audit(
            actor=by,
            action=f"document.{target}",
            target=current,
            subject_user=current.owner,
            before={"state": DocumentState.QUEUED},
            after={"state": target, "reason": reason},
        )
        mail_queue(
            role=f"document_{target}",
            to=current.owner.email,
            user=current.owner,
            context={**_trainer_context(current), "reason": reason},
        )
        transaction.on_commit(partial(_send_signal, signals.document_decided, current.pk))
        if settings.PROOF_RETENTION_DAYS <= 0:
            purge_document_file.delay_on_commit(current.pk)
    return current


# --- Retention --------------------------------------------------------------------------------


def document_purge_file(*, document_id: int) -> Document | None:
    """Deletes a decided or refused document's file and preview; keeps the row. Idempotent."""
    with transaction.atomic():
        document = _locked(document_id)
        if document is None or document.state not in (
            *DOCUMENT_DECIDED,
            DocumentState.REFUSED,
            *DOCUMENT_RETIRED,
        ):
            return document
        names = [f.name for f in (document.file, document.preview) if f.name]
        if not names and not render_names(document) and document.file_deleted_at is not None:
            return document
        # Storage first: if saving the row fails, the next run finds the names and tries again.
        for name in names:
            document.file.storage.delete(name)
        document_delete_renders(document=document)
        document.file.name = ""
        document.preview.name = ""
        document.file_deleted_at = timezone.now()
        document.save(
            update_fields=["file", "preview", "rendered_text", "file_deleted_at", "updated_at"]
        )
        audit(
            actor=None,
            action="document.file_deleted",
            target=document,
            subject_user=document.owner,
            note="Retention: the file and its preview were deleted; the decision is kept.",
        )
    return document


def documents_due_for_purge(*, now=None):
    """Decided documents past the retention period, and refused ones, whose files remain."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=max(settings.PROOF_RETENTION_DAYS, 0))
    with_files = Document.objects.filter(file_deleted_at__isnull=True)
    decided = with_files.filter(state__in=DOCUMENT_DECIDED, decided_at__lte=cutoff)
    refused = with_files.filter(state=DocumentState.REFUSED)
    return (decided | refused).order_by("pk").values_list("pk", flat=True)


def documents_stuck(*, now=None) -> list[int]:
    """Documents whose check message was lost or whose worker died, oldest first."""
    now = now or timezone.now()
    received = Document.objects.filter(
        state=DocumentState.RECEIVED, updated_at__lt=now - RECEIVED_STUCK_AFTER
    )
    checking = Document.objects.filter(
        state=DocumentState.CHECKING, updated_at__lt=now - CHECKING_STUCK_AFTER
    )
    return list((received | checking).order_by("updated_at").values_list("pk", flat=True)[:500])


def documents_requeue_stuck(*, now=None) -> list[int]:
    """Enqueues the check of every stuck document again (the periodic sweeper)."""
    stuck = documents_stuck(now=now)
    for document_id in stuck:
        # Touched, so the next sweep waits a full period before enqueuing it once more.
        Document.objects.filter(pk=document_id).update(updated_at=timezone.now())
        # Outside any transaction of ours: sent now; a broker outage waits for the next sweep.
        check_document.enqueue_now(args=(document_id,))
    return stuck


# A stored file younger than this may belong to a transaction still running; left alone.
# A file is written a moment before the commit that names it, so minutes are plenty.
ORPHAN_GRACE = timedelta(minutes=settings.ORPHAN_FILE_GRACE_MINUTES)
STORAGE_FOLDERS = ("documents", "previews", "renders")


def documents_purge_orphaned_files(*, now=None, batch: int = 500) -> list[str]:
    """Deletes stored files that no document row names: an upload whose transaction rolled
    back after the file was written, or a preview made by a check that lost its race.
    Only files older than ORPHAN_GRACE go; running it twice deletes nothing more."""
    now = now or timezone.now()
    storage = Document._meta.get_field("file").storage
    deleted: list[str] = []
    for folder in STORAGE_FOLDERS:
        try:
            _dirs, files = storage.listdir(folder)
        except FileNotFoundError:
            continue
        names = [f"{folder}/{name}" for name in files]
        for start in range(0, len(names), batch):
            chunk = names[start : start + batch]
            named = set(Document.objects.filter(file__in=chunk).values_list("file", flat=True))
            named |= set(
                Document.objects.filter(preview__in=chunk).values_list("preview", flat=True)
            )
            named |= set(
                Document.objects.filter(rendered_text__in=chunk).values_list(
                    "rendered_text", flat=True
                )
            )
            named |= set(
                DocumentPage.objects.filter(image__in=chunk).values_list("image", flat=True)
            )
            for name in chunk:
                if name in named or storage.get_modified_time(name) > now - ORPHAN_GRACE:
                    continue
                storage.delete(name)
                deleted.append(name)
    if deleted:
        logger.warning("Deleted %d stored files that no document names", len(deleted))
    return deleted


# --- Tasks ------------------------------------------------------------------------------------
# Defined next to the services they run, so enqueuing one needs no import of verification.tasks
# (which imports these services): no cycle. Their names stay verification.tasks.*.


@shared_task(name="verification.tasks.check_document", bind=True)
def check_document(self, document_id: int) -> str | None:
    document = document_check(document_id=document_id)
    return document.state if document else None


@shared_task(name="verification.tasks.purge_document_file", bind=True)
def purge_document_file(self, document_id: int) -> None:
    document_purge_file(document_id=document_id)

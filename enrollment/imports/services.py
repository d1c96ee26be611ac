"""Everything that changes an import's state: upload, confirm, cancel, and the run itself."""

import datetime
import hashlib
import logging

from celery import shared_task
from django.conf import settings
from django.core.files.base import File
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from verification.audit import audit

from . import engine
from .feeds import FEEDS
from .models import IMPORT_TRANSITIONS, ImportRun, ImportState
from .reading import FileProblem, too_big_message

logger = logging.getLogger(__name__)

# A run whose worker has said nothing for this long is dead: the task's hard time limit
# (55 minutes) has killed it by then. It may be resumed.
STALE_AFTER = datetime.timedelta(minutes=60)
# A queued run no worker has picked up after this long lost its message: it is sent again.
QUEUED_GRACE = datetime.timedelta(minutes=5)


class ImportStateError(Exception):
    """The import is not in a state that allows this."""


def _move(run: ImportRun, to: str) -> None:
    if to not in IMPORT_TRANSITIONS.get(run.state, set()):
        raise ImportStateError(
            f"This import is “{run.get_state_display()}”: it cannot be moved to "
            f"“{ImportState(to).label}”."
        )
    run.state = to


def _store(run: ImportRun, source, name: str) -> None:
    """Saves the file privately under a random name, hashing it on the way."""
    sha = hashlib.sha256()
    size = 0
    for chunk in (
        source.chunks() if hasattr(source, "chunks") else iter(lambda: source.read(1 << 20), b"")
    ):
        sha.update(chunk)
        size += len(chunk)
    source.seek(0)
    run.sha256 = sha.hexdigest()
    run.file_size = size
    run.file.save(name, File(source, name=name), save=False)


def import_run_create(
    *,
    kind: str,
    source,
    file_name: str,
    by,
    encoding: str = "auto",
    preview: bool = True,
    valid_rows_only: bool = False,
) -> ImportRun:
    """Records an uploaded file and queues its check (preview) or, from the command line,
    its import straight away."""
    if kind not in FEEDS:
        raise ValueError(f"Unknown import kind {kind!r}")
    run = ImportRun(
        kind=kind,
        file_name=file_name[:255],
        encoding=encoding,
        created_by=by,
        valid_rows_only=valid_rows_only,
        state=ImportState.PREVIEW_QUEUED if preview else ImportState.QUEUED,
        confirmed_by=None if preview else by,
        heartbeat_at=timezone.now(),
    )
    _store(run, source, file_name)
    with transaction.atomic():
        run.save()
        audit(
            actor=by,
            action="import.uploaded",
            target=run,
            after={
                "kind": kind,
                "file_name": run.file_name,
                "sha256": run.sha256,
                "size": run.file_size,
                "preview": preview,
            },
        )
        _enqueue(run)
    return run


def import_run_confirm(*, run: ImportRun, by, valid_rows_only: bool) -> ImportRun:
    """The operator confirms a checked file; its import is queued."""
    with transaction.atomic():
        run = ImportRun.objects.select_for_update().get(pk=run.pk)
        _move(run, ImportState.QUEUED)
        if run.rows_error and not valid_rows_only:
            raise ImportStateError(
                f"The file has {run.rows_error} row(s) in error: fix the file and upload it "
                "again, or choose to import the valid rows."
            )
        run.confirmed_by = by
        run.valid_rows_only = valid_rows_only
        run.heartbeat_at = timezone.now()
        run.save(update_fields=["state", "confirmed_by", "valid_rows_only", "heartbeat_at"])
        audit(
            actor=by,
            action="import.confirmed",
            target=run,
            after={"valid_rows_only": valid_rows_only},
        )
        _enqueue(run)
    return run


def import_run_cancel(*, run: ImportRun, by) -> ImportRun:
    with transaction.atomic():
        run = ImportRun.objects.select_for_update().get(pk=run.pk)
        _move(run, ImportState.CANCELLED)
        run.finished_at = timezone.now()
        _forget_file(run)
        run.save(update_fields=["state", "finished_at", "file"])
        audit(actor=by, action="import.cancelled", target=run)
    return run


def _forget_file(run: ImportRun) -> None:
    """A finished import keeps its record (name, SHA-256, counts), not the file: feeds hold
    personal data and access codes in clear. The file goes after commit."""
    name = run.file.name
    if not name:
        return
    storage = run.file.storage
    run.file = ""

    def delete() -> None:
        try:
            storage.delete(name)
        except Exception:
            logger.exception("Could not delete the file of import %s", run.pk)

    transaction.on_commit(delete)


def _enqueue(run: ImportRun) -> None:
    # After commit; a broker outage is logged and the sweeper sends it again later.
    process_import.delay_on_commit(run.pk)


def _claim(run_id: int) -> ImportRun | None:
    """Moves a queued run to its working state; None when another worker has it or it is done.
    A run whose worker died (no heartbeat for STALE_AFTER) is taken over."""
    now = timezone.now()
    stale = now - STALE_AFTER
    with transaction.atomic():
        run = ImportRun.objects.select_for_update().filter(pk=run_id).first()
        if run is None:
            return None
        working = {
            ImportState.PREVIEW_QUEUED: ImportState.PREVIEWING,
            ImportState.QUEUED: ImportState.IMPORTING,
        }
        if run.state in working:
            _move(run, working[run.state])
        elif run.state in (ImportState.PREVIEWING, ImportState.IMPORTING) and (
            run.heartbeat_at is None or run.heartbeat_at < stale
        ):
            pass  # resumed: everything the run writes is in one transaction, so nothing half-done
        else:
            return None
        run.started_at = now
        run.heartbeat_at = now
        run.phase = "reading"
        run.bytes_read = 0
        run.save(update_fields=["state", "started_at", "heartbeat_at", "phase", "bytes_read"])
    return run


def import_run_process(*, run_id: int) -> ImportRun | None:
    """Checks (preview) or imports a run's file; safe to call twice."""
    run = _claim(run_id)
    if run is None:
        return None
    applying = run.state == ImportState.IMPORTING
    feed = FEEDS[run.kind]

    def progress(phase: str, bytes_read: int) -> None:
        ImportRun.objects.filter(pk=run.pk).update(
            phase=phase, bytes_read=bytes_read, heartbeat_at=timezone.now()
        )

    file_error = ""
    report = engine.Report()
    try:
        with run.file.open("rb") as binary:
            report = engine.run_import(
                feed=feed,
                binary=binary,
                size=run.file_size,
                encoding=run.encoding,
                apply=applying,
                valid_rows_only=run.valid_rows_only,
                progress=progress,
            )
        if report.sha256 and report.sha256 != run.sha256:
            file_error = "The stored file is not the file that was uploaded (SHA-256 differs)."
    except FileProblem as problem:
        file_error = str(problem)
    except Exception:
        logger.exception("Import %s failed", run.pk)
        file_error = "The import failed unexpectedly; nothing was imported. The error is logged."
    return _finish(run, report, file_error=file_error, applying=applying)


def _finish(run: ImportRun, report: engine.Report, *, file_error: str, applying: bool):
    with transaction.atomic():
        run = ImportRun.objects.select_for_update().get(pk=run.pk)
        if run.state not in (ImportState.PREVIEWING, ImportState.IMPORTING):
            return run  # another worker finished it (a resumed run raced a slow one)
        if file_error:
            state = ImportState.FAILED
        elif not applying:
            state = ImportState.PREVIEWED
        elif report.written:
            state = ImportState.DONE
        else:
            state = ImportState.REJECTED
        _move(run, state)
        run.phase = "finished"
        run.finished_at = timezone.now()
        run.heartbeat_at = run.finished_at
        run.encoding_used = report.encoding
        run.bytes_read = report.bytes_read
        run.file_error = file_error
        run.rows_total = report.rows_total
        run.rows_error = report.rows_error
        run.rows_created = report.created if not file_error else 0
        run.rows_updated = report.updated if not file_error else 0
        run.rows_unchanged = report.unchanged if not file_error else 0
        run.errors = report.errors
        run.samples = report.samples
        run.notes = report.notes
        if state != ImportState.PREVIEWED:
            _forget_file(run)
        run.save()
        audit(
            actor=run.confirmed_by if applying else run.created_by,
            action="import.applied" if state == ImportState.DONE else f"import.{state}",
            target=run,
            after=import_summary(run),
            note=file_error,
        )
    return run


def import_summary(run: ImportRun) -> dict:
    return {
        "kind": run.kind,
        "file_name": run.file_name,
        "sha256": run.sha256,
        "state": run.state,
        "rows": run.rows_total,
        "errors": run.rows_error,
        "created": run.rows_created,
        "updated": run.rows_updated,
        "unchanged": run.rows_unchanged,
        "valid_rows_only": run.valid_rows_only,
    }


def import_runs_requeue_stuck() -> int:
    """Sends again the runs whose message was lost (queued, no worker after QUEUED_GRACE)
    or whose worker died (running, no heartbeat for STALE_AFTER)."""
    now = timezone.now()
    stuck = list(
        ImportRun.objects.filter(
            Q(
                state__in=[ImportState.PREVIEW_QUEUED, ImportState.QUEUED],
                heartbeat_at__lt=now - QUEUED_GRACE,
            )
            | Q(
                state__in=[ImportState.PREVIEWING, ImportState.IMPORTING],
                heartbeat_at__lt=now - STALE_AFTER,
            )
        ).values_list("pk", flat=True)
    )
    for run_id in stuck:
        process_import.enqueue_now(args=(run_id,))
    return len(stuck)


def upload_too_big(size: int | None) -> str | None:
    """Why the admin refuses an upload of `size` bytes, or None."""
    limit = settings.IMPORT_MAX_UPLOAD_BYTES
    if size is not None and size > limit:
        return too_big_message(size, limit)
    return None


# The task lives beside its service (imports.tasks re-exports it), so the service enqueues it
# without importing the tasks module. Longer limits than the default (a million rows take
# about a minute, a 1 GB file several), still below the broker's visibility timeout.
@shared_task(
    name="enrollment.imports.tasks.process_import",
    bind=True,
    soft_time_limit=3000,
    time_limit=3300,
)
def process_import(self, run_id: int) -> str | None:
    run = import_run_process(run_id=run_id)
    return run.state if run else None

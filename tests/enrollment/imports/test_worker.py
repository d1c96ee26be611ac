"""An import through a real Celery worker process on Redis, with its progress recorded."""

import datetime
import os
import time
import uuid
from contextlib import contextmanager

import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django.utils import timezone

from enrollment.imports import services, tasks
from enrollment.models import MtmTrainingRecord
from mct_portal.celery import app as celery_app
from tests.conftest import needs_redis
from tests.worker_process import celery_worker
from verification.models import AuditEvent

pytestmark = [
    pytest.mark.worker,
    needs_redis(),
    pytest.mark.skipif(
        not os.environ.get("DATABASE_URL", "").startswith(("postgres", "postgresql")),
        reason="a worker process cannot see an in-memory SQLite test database",
    ),
    pytest.mark.django_db(transaction=True),
]

ROWS = 60_000


def worker_database_url() -> str:
    """The URL of the database pytest-django created, for the worker process."""
    from urllib.parse import quote

    db = connection.settings_dict
    credentials = quote(db["USER"] or "", safe="")
    if db["PASSWORD"]:
        credentials += ":" + quote(db["PASSWORD"], safe="")
    host = f"{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
    return f"postgres://{credentials}@{host}/{db['NAME']}"


@contextmanager
def routed_to(queue: str):
    previous_eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = False
    task = tasks.process_import
    original = getattr(task, "queue", None)
    task.queue = queue
    task._exec_options = None  # Celery caches the routing options per task
    try:
        yield
    finally:
        celery_app.conf.task_always_eager = previous_eager
        task.queue = original
        task._exec_options = None


@pytest.fixture
def worker(settings, transactional_db):
    queue = f"imports-test-{uuid.uuid4().hex[:8]}"
    with (
        celery_worker(
            queue,
            DATABASE_URL=worker_database_url(),
            CELERY_TASK_ALWAYS_EAGER="0",
            PRIVATE_MEDIA_ROOT=str(settings.MEDIA_ROOT),
        ) as process,
        routed_to(queue),
    ):
        yield process


def watch(run, worker, *, until: set[str], seconds: float = 240) -> list[tuple[str, int]]:
    """Polls the run like its page does; returns every (phase, bytes read) seen."""
    seen: list[tuple[str, int]] = []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        run.refresh_from_db()
        if not seen or seen[-1] != (run.phase, run.bytes_read):
            seen.append((run.phase, run.bytes_read))
        if run.state in until:
            return seen
        assert worker.poll() is None, "the worker died"
        time.sleep(0.05)
    pytest.fail(f"the import stayed {run.state} for {seconds:.0f} seconds")


def test_a_big_mtm_file_is_checked_and_imported_by_a_real_worker(worker, settings, program_admin):
    assert settings.CELERY_BROKER_URL.startswith("redis://")
    day = (timezone.localdate() - datetime.timedelta(days=5)).isoformat()
    lines = ["mtm_id,course_name,course_id,delivery_date,students,average_score"]
    lines += [f"trainer-{n},Azure Administrator,AZ-{n % 50},{day},12,8.5" for n in range(ROWS)]
    data = ("\n".join(lines) + "\n").encode()

    run = services.import_run_create(
        kind="mtm", source=ContentFile(data), file_name="mtm-big.csv", by=program_admin
    )
    seen = watch(run, worker, until={"previewed", "failed"})
    assert run.state == "previewed", run.file_error
    assert run.rows_created == ROWS
    reading = [b for phase, b in seen if phase == "reading"]
    assert any(0 < b < len(data) for b in reading), seen  # progress moved while reading
    assert run.bytes_read == len(data) and run.phase == "finished"
    assert MtmTrainingRecord.objects.count() == 0

    services.import_run_confirm(run=run, by=program_admin, valid_rows_only=False)
    watch(run, worker, until={"done", "rejected", "failed"})
    assert run.state == "done"
    assert run.rows_created == ROWS
    assert MtmTrainingRecord.objects.count() == ROWS
    assert AuditEvent.objects.filter(action="import.applied", object_id=str(run.pk)).exists()

    # The same message delivered again (a replayed task) does nothing.
    tasks.process_import.delay(run.pk)
    time.sleep(2)
    run.refresh_from_db()
    assert run.state == "done"
    assert AuditEvent.objects.filter(action="import.applied", object_id=str(run.pk)).count() == 1

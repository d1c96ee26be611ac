"""The pipeline through a real Celery worker process, on Redis and the test database."""

import os
import subprocess
import time
import uuid
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from mct_portal.celery import app as celery_app
from tests import factories
from tests.conftest import needs_redis
from tests.verification import corpus
from verification import tasks
from verification.enums import DocumentKind, DocumentState
from verification.models import Document
from verification.services import document_receive

pytestmark = [
    pytest.mark.worker,
    needs_redis(),
    pytest.mark.skipif(
        not os.environ.get("DATABASE_URL", "").startswith(("postgres", "postgresql")),
        reason="a worker process cannot see an in-memory SQLite test database: "
        "set DATABASE_URL to PostgreSQL (and REDIS_URL)",
    ),
    pytest.mark.django_db(transaction=True),
]

ROOT = Path(__file__).resolve().parents[2]
CELERY = ROOT / ".venv" / "bin" / "celery"
VERIFICATION_TASKS = [
    tasks.check_document,
    tasks.purge_document_file,
    tasks.send_outbound_email,
]


def worker_database_url() -> str:
    """The URL of the database pytest-django created, for the worker process."""
    db = connection.settings_dict
    credentials = quote(db["USER"] or "", safe="")
    if db["PASSWORD"]:
        credentials += ":" + quote(db["PASSWORD"], safe="")
    host = f"{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
    return f"postgres://{credentials}@{host}/{db['NAME']}"


@contextmanager
def routed_to(queue: str):
    """Sends the verification tasks to `queue`, so only our worker takes them."""
    previous_eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = False
    saved = [(task, getattr(task, "queue", None)) for task in VERIFICATION_TASKS]
    for task in VERIFICATION_TASKS:
        task.queue = queue
        task._exec_options = None  # Celery caches the routing options per task
    try:
        yield
    finally:
        celery_app.conf.task_always_eager = previous_eager
        for task, original in saved:
            task.queue = original
            task._exec_options = None


@pytest.fixture
def worker(settings, transactional_db):
    """A real `celery worker` on a queue of its own; stopped whatever happens."""
    queue = f"verification-test-{uuid.uuid4().hex[:8]}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "mct_portal.test_settings",
        "DATABASE_URL": worker_database_url(),
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "PRIVATE_MEDIA_ROOT": str(settings.MEDIA_ROOT),
    }
    process = subprocess.Popen(
        [
            str(CELERY),
            "-A",
            "mct_portal",
            "worker",
            "--pool=solo",
            "--loglevel=INFO",
            "-Q",
            queue,
            "--without-heartbeat",
            "--without-gossip",
            "--without-mingle",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        with routed_to(queue):
            yield process
    finally:
        process.terminate()
        try:
            output, _ = process.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            output, _ = process.communicate()
        print(output[-6000:])


def wait_for(predicate, *, seconds: float = 60, what: str):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.25)
    pytest.fail(f"{what} did not happen within {seconds:.0f} seconds")


def test_an_upload_is_checked_and_queued_by_a_real_worker(worker, settings):
    assert settings.CELERY_BROKER_URL.startswith("redis://")
    owner = factories.UserFactory()

    document = document_receive(
        owner=owner,
        kind=DocumentKind.INSTRUCTIONAL_SKILLS,
        uploaded_file=SimpleUploadedFile("photo.jpg", corpus.jpeg_bytes()),
    )
    assert Document.objects.get(pk=document.pk).state == DocumentState.RECEIVED

    def queued_with_preview():
        current = Document.objects.get(pk=document.pk)
        assert worker.poll() is None, "the worker died"
        return current.state == DocumentState.QUEUED and bool(current.preview.name)

    wait_for(queued_with_preview, what="the worker checking the upload")
    document.refresh_from_db()
    assert document.check_attempts == 1
    assert Path(document.preview.path).read_bytes()[:3] == b"\xff\xd8\xff"

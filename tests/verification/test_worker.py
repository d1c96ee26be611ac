"""The pipeline through a real Celery worker process, on Redis and the test database."""

import os
import time
import uuid
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from urllib.parse import quote

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.utils import timezone

from mct_portal.celery import app as celery_app
from tests import factories
from tests.conftest import needs_redis
from tests.verification import corpus
from tests.worker_process import celery_worker
from verification import services, tasks
from verification.enums import DocumentKind, DocumentState, EmailState
from verification.models import Document, OutboundEmail
from verification.services import document_decide, document_receive

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

VERIFICATION_TASKS = [
    tasks.check_document,
    tasks.render_document,
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
    with (
        celery_worker(
            queue,
            DATABASE_URL=worker_database_url(),
            CELERY_TASK_ALWAYS_EAGER="0",
            CELERY_TASK_DEFAULT_QUEUE=queue,
            PRIVATE_MEDIA_ROOT=str(settings.MEDIA_ROOT),
        ) as process,
        routed_to(queue),
    ):
        yield process


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


def test_a_hostile_pdf_costs_its_pages_and_the_worker_draws_the_next_one(worker):
    owner = factories.UserFactory()
    hostile = corpus.pdf_bytes().replace(
        b"/MediaBox [0 0 595 842]", b"/MediaBox [0 0 100000 100000]"
    )
    received = [
        document_receive(
            owner=owner,
            kind=DocumentKind.INSTRUCTIONAL_SKILLS,
            uploaded_file=SimpleUploadedFile(name, data),
        )
        for name, data in (
            ("huge-page.pdf", hostile),
            ("many-pages.pdf", corpus.pdf_bytes(pages=5_000)),
            ("fine.pdf", corpus.pdf_bytes(pages=3)),
        )
    ]

    def all_rendered():
        assert worker.poll() is None, "the worker died"
        states = Document.objects.filter(pk__in=[d.pk for d in received])
        return all(d.render_state in ("ready", "failed") for d in states)

    wait_for(all_rendered, seconds=120, what="the worker drawing the three PDFs")
    huge, many, fine = (Document.objects.get(pk=d.pk) for d in received)
    assert (huge.render_state, many.render_state) == ("failed", "failed")
    assert "too large to draw" in huge.render_note and "5,000 pages" in many.render_note
    assert huge.state == many.state == DocumentState.QUEUED  # still reviewable by download
    assert fine.render_state == "ready" and fine.pages.count() == 3


def test_a_decision_is_emailed_and_the_file_purged_by_a_real_worker(worker, settings):
    owner = factories.UserFactory(email="ana@example.org")
    document = document_receive(
        owner=owner,
        kind=DocumentKind.INSTRUCTIONAL_SKILLS,
        uploaded_file=SimpleUploadedFile("certificate.pdf", corpus.pdf_bytes()),
    )
    wait_for(
        lambda: Document.objects.get(pk=document.pk).state == DocumentState.QUEUED,
        what="the worker checking the upload",
    )
    stored = [Path(settings.MEDIA_ROOT) / name for name in _file_names(document.pk)]
    assert all(path.is_file() for path in stored)

    document_decide(
        document=Document.objects.get(pk=document.pk),
        by=factories.ReviewerFactory(),
        approve=False,
        reason="The certificate names someone else.",
    )

    def emailed_and_purged():
        assert worker.poll() is None, "the worker died"
        email = OutboundEmail.objects.filter(role="document_rejected").first()
        current = Document.objects.get(pk=document.pk)
        return bool(email and email.state == EmailState.SENT and current.file_deleted_at)

    wait_for(emailed_and_purged, what="the worker sending the email and purging the file")
    email = OutboundEmail.objects.get(role="document_rejected")
    assert email.to == "ana@example.org" and email.attempts == 1
    assert "The certificate names someone else." in email.body_text
    assert not any(path.exists() for path in stored)
    assert Document.objects.get(pk=document.pk).sha256 == document.sha256


def test_a_row_whose_message_was_lost_is_swept_to_a_real_worker(worker):
    # Committed as received, but its broker message never reached Redis.
    document = factories.StoredDocumentFactory(state=DocumentState.RECEIVED, due_on=None)
    assert services.documents_requeue_stuck() == []  # it may still be on its way

    with time_machine.travel(timezone.now() + timedelta(minutes=10)):
        assert services.documents_requeue_stuck() == [document.pk]

    def queued_with_preview():
        assert worker.poll() is None, "the worker died"
        current = Document.objects.get(pk=document.pk)
        return current.state == DocumentState.QUEUED and bool(current.preview.name)

    wait_for(queued_with_preview, what="the worker checking the swept document")


def _file_names(document_id: int) -> list[str]:
    current = Document.objects.get(pk=document_id)
    return [current.file.name, current.preview.name]

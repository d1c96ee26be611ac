"""A real Celery worker process, on the real Redis broker, round-trips a task."""

import time
import uuid

import pytest

from mct_portal.celery import app
from tests.conftest import needs_redis
from tests.worker_process import celery_worker

pytestmark = [pytest.mark.worker, needs_redis()]


@pytest.fixture
def worker_queue():
    queue = f"test-{uuid.uuid4().hex[:8]}"
    with celery_worker(queue):
        yield queue


def test_a_real_worker_consumes_a_task_from_redis(worker_queue, settings):
    from django.core.cache import cache

    assert settings.CELERY_BROKER_URL.startswith("redis://")
    value = uuid.uuid4().hex
    previous = app.conf.task_always_eager
    app.conf.task_always_eager = False
    try:
        app.tasks["mct_portal.ping"].apply_async(args=[value], queue=worker_queue)
    finally:
        app.conf.task_always_eager = previous
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if cache.get(f"celery-ping:{value}") == f"pong:{value}":
            return
        time.sleep(0.25)
    pytest.fail("the worker did not answer within 60 seconds")

"""A real Celery worker process, on the real Redis broker, round-trips a task."""

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from mct_portal.celery import app
from tests.conftest import needs_redis

pytestmark = [pytest.mark.worker, needs_redis()]

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def worker_queue():
    """Starts `celery worker` on a queue of its own, and stops it whatever happens."""
    queue = f"test-{uuid.uuid4().hex[:8]}"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "mct_portal.test_settings"}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
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
        yield queue
    finally:
        process.terminate()
        try:
            output, _ = process.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            output, _ = process.communicate()
        print(output[-4000:])


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

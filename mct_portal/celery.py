"""The Celery app. Its configuration lives in settings under the CELERY_ prefix.

Every task is a core.tasks.PortalTask: enqueue from a service with `task.delay_on_commit(...)`.
"""

import os

from celery import Celery
from django.core.cache import cache

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mct_portal.settings")

app = Celery("mct_portal", task_cls="core.tasks:PortalTask")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.task(name="mct_portal.ping")
def ping(value: str) -> str:
    """Proves a worker is consuming: it leaves its answer in the shared cache (Redis)."""
    answer = f"pong:{value}"
    cache.set(f"celery-ping:{value}", answer, timeout=300)
    return answer

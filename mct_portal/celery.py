"""The Celery app. Its configuration lives in settings under the CELERY_ prefix."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mct_portal.settings")

app = Celery("mct_portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.task(name="mct_portal.ping")
def ping(value: str) -> str:
    """Proves a worker is consuming: it leaves its answer in the shared cache (Redis)."""
    from django.core.cache import cache

    answer = f"pong:{value}"
    cache.set(f"celery-ping:{value}", answer, timeout=300)
    return answer

from celery import current_app
from django.conf import settings

from mct_portal.celery import app


def test_celery_speaks_json_only():
    assert app.conf.accept_content == ["json"]
    assert app.conf.task_serializer == "json"


def test_tasks_are_acknowledged_late_and_never_lost_with_a_killed_worker():
    assert app.conf.task_acks_late is True
    assert app.conf.task_reject_on_worker_lost is True
    assert app.conf.worker_prefetch_multiplier == 1


def test_time_limits_stay_below_the_broker_visibility_timeout():
    visibility = app.conf.broker_transport_options["visibility_timeout"]
    assert app.conf.task_soft_time_limit < app.conf.task_time_limit < visibility


def test_every_scheduled_task_is_registered():
    current_app.loader.import_default_modules()
    registered = set(app.tasks.keys())
    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert scheduled, "the beat schedule is empty"
    assert scheduled <= registered, f"not registered: {sorted(scheduled - registered)}"


def test_ping_task_leaves_its_answer_in_the_cache():
    from django.core.cache import cache

    assert app.tasks["mct_portal.ping"].apply(args=["eager"]).get() == "pong:eager"
    assert cache.get("celery-ping:eager") == "pong:eager"

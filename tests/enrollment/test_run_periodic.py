"""manage.py run_periodic: the embedded default's way to run the beat schedule by hand."""

import datetime

import pytest
import time_machine
from django.core.management import CommandError, call_command

from enrollment.enums import MembershipStatus
from tests import factories
from verification.models import OutboundEmail

NOW = datetime.datetime(2026, 5, 4, 10, 0, tzinfo=datetime.UTC)

pytestmark = pytest.mark.django_db


def due_membership(days: int):
    anniversary = NOW.date() + datetime.timedelta(days=days)
    return factories.MembershipFactory(
        starts_on=anniversary - datetime.timedelta(days=365), anniversary_on=anniversary
    )


def run(*args) -> str:
    import io

    out = io.StringIO()
    with time_machine.travel(NOW, tick=False):
        call_command("run_periodic", *args, stdout=out)
    return out.getvalue()


@pytest.mark.parametrize(
    "name",
    [
        "send-renewal-reminders",
        "enrollment.tasks.send_renewal_reminders",
        "send_renewal_reminders",
    ],
)
def test_runs_one_task_by_any_of_its_names(name):
    membership = due_membership(30)
    output = run("--task", name)
    assert output == "send-renewal-reminders: done (1)\n"
    membership.refresh_from_db()
    assert membership.reminders_sent == [30]
    assert OutboundEmail.objects.filter(role="renewal_reminder").count() == 1
    # Running it again is harmless: nothing more is due.
    assert run("--task", name) == "send-renewal-reminders: done (0)\n"


def test_several_tasks_in_one_run():
    reminded, lapsing = due_membership(15), due_membership(0)
    output = run("--task", "send_renewal_reminders", "--task", "lapse-memberships")
    assert output.splitlines() == [
        "send-renewal-reminders: done (1)",
        "lapse-memberships: done (1)",
    ]
    lapsing.refresh_from_db()
    assert lapsing.status == MembershipStatus.LAPSED
    reminded.refresh_from_db()
    assert reminded.reminders_sent == [15]


def test_without_task_runs_the_whole_schedule(settings):
    due_membership(0)
    output = run()
    done = [line.split(":")[0] for line in output.splitlines()]
    assert done == list(settings.CELERY_BEAT_SCHEDULE)
    assert "lapse-memberships: done (1)" in output


def test_an_unknown_task_is_refused_with_the_known_ones():
    with pytest.raises(CommandError) as error:
        run("--task", "no-such-task")
    assert "No periodic task called 'no-such-task'" in str(error.value)
    assert "send-renewal-reminders" in str(error.value)


def test_a_failing_task_is_reported_and_the_command_fails(settings):
    settings.CELERY_BEAT_SCHEDULE = {
        **settings.CELERY_BEAT_SCHEDULE,
        "broken": {"task": "enrollment.tasks.no_such_task", "schedule": 60},
    }
    with pytest.raises(CommandError, match="1 periodic task"):
        run("--task", "broken")


ENROLLMENT_SCHEDULE = {
    "send-renewal-reminders": "enrollment.tasks.send_renewal_reminders",
    "lapse-memberships": "enrollment.tasks.lapse_memberships",
    "remind-idle-drafts": "enrollment.tasks.remind_idle_drafts",
    "expire-idle-drafts": "enrollment.tasks.expire_idle_drafts",
    "sync-stale-card-payments": "enrollment.tasks.sync_stale_card_payments",
    "sweep-personal-data": "enrollment.tasks.sweep_personal_data",
}


def test_beat_runs_the_membership_and_draft_tasks_in_the_real_stack(settings):
    """The schedule the Procfile's beat process reads names registered, late-acked tasks,
    and the daily work runs at least hourly, so a day's reminders and lapses go out that day."""
    import datetime as dt
    from pathlib import Path

    from mct_portal.celery import app

    scheduled = {
        name: entry["task"]
        for name, entry in app.conf.beat_schedule.items()
        if entry["task"].startswith("enrollment.")
    }
    assert scheduled == ENROLLMENT_SCHEDULE
    app.loader.import_default_modules()
    for name, task_name in scheduled.items():
        task = app.tasks[task_name]
        assert task.acks_late is True
        assert app.conf.task_reject_on_worker_lost is True
        assert app.conf.beat_schedule[name]["schedule"] <= dt.timedelta(hours=6)
    for daily in ("send-renewal-reminders", "lapse-memberships"):
        assert app.conf.beat_schedule[daily]["schedule"] <= dt.timedelta(hours=1)

    procfile = (Path(settings.BASE_DIR) / "Procfile").read_text().splitlines()
    beat = [line for line in procfile if line.startswith("beat:")]
    assert len(beat) == 1 and "celery -A mct_portal beat" in beat[0]

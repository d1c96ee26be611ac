"""The verification tasks: registered under the beat schedule's names, safe to run twice."""

from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.utils import timezone

from mct_portal.celery import app as celery_app
from tests import factories
from verification import tasks
from verification.enums import DocumentState, EmailState

TASKS = [
    tasks.check_document,
    tasks.purge_document_file,
    tasks.send_outbound_email,
    tasks.sweep_stuck_documents,
    tasks.sweep_outbound_email,
    tasks.purge_decided_files,
    tasks.purge_orphaned_files,
]


def test_the_beat_schedule_names_registered_verification_tasks():
    scheduled = {
        entry["task"]
        for entry in settings.CELERY_BEAT_SCHEDULE.values()
        if entry["task"].startswith("verification.")
    }
    assert scheduled == {
        "verification.tasks.sweep_stuck_documents",
        "verification.tasks.sweep_outbound_email",
        "verification.tasks.purge_decided_files",
        "verification.tasks.purge_orphaned_files",
        "verification.tasks.sweep_unrendered_documents",
    }
    assert scheduled <= set(celery_app.tasks)


@pytest.mark.parametrize("task", TASKS, ids=lambda t: t.name)
def test_every_task_is_acknowledged_late_and_survives_a_killed_worker(task):
    assert task.name == f"verification.tasks.{task.__name__}"
    assert task.acks_late is True
    assert task.reject_on_worker_lost is True


@pytest.mark.django_db
def test_sweepers_with_nothing_to_do_do_nothing():
    assert tasks.sweep_stuck_documents.delay().get() == 0
    assert tasks.sweep_outbound_email.delay().get() == 0
    assert tasks.purge_decided_files.delay().get() == 0


@pytest.mark.django_db
def test_a_document_whose_check_message_was_lost_is_checked_after_the_sweep():
    # A row committed as received, whose broker message never arrived.
    document = factories.StoredDocumentFactory(state=DocumentState.RECEIVED, due_on=None)

    assert tasks.sweep_stuck_documents.delay().get() == 0  # it may still be on its way
    with time_machine.travel(timezone.now() + timedelta(minutes=10)):
        assert tasks.sweep_stuck_documents.delay().get() == 1

    document.refresh_from_db()
    assert document.state == DocumentState.QUEUED and document.preview.name


@pytest.mark.django_db
def test_tasks_for_rows_that_are_gone_do_nothing():
    assert tasks.check_document.delay(999_999).get() is None
    tasks.purge_document_file.delay(999_999).get()
    assert tasks.send_outbound_email.delay(999_999).get() is None


@pytest.mark.django_db
def test_a_sent_email_is_not_sent_again(mailoutbox):
    email = factories.OutboundEmailFactory(state=EmailState.SENT)
    assert tasks.send_outbound_email.delay(email.pk).get() == EmailState.SENT
    assert mailoutbox == []

"""The machinery of tests/conftest.py: the `demo` fixture (seed_demo's data, loaded once per
test run and handed back to each test) holds exactly what `load_demo_data` makes, and the
flush between transactional tests empties every table."""

import pytest
from django.apps import apps
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.core.management.color import no_style
from django.db import connection, transaction

from enrollment.demo import ACCOUNTS, DEMO_PASSWORD, load_demo_data
from enrollment.enums import MembershipStatus
from enrollment.models import Certification, MembershipCredential, Trainer
from enrollment.roles import REVIEWERS_GROUP
from tests.conftest import needs_postgres


def _counts():
    return {
        model._meta.label: model._base_manager.count()
        for model in apps.get_models(include_auto_created=True)
        if model._meta.managed and not model._meta.proxy
    }


def test_the_restored_demo_data_is_what_seed_demo_makes(demo, client):
    """load_demo_data looks every record up before creating it: run again over the restored
    rows, it finds them all and adds nothing."""
    before = _counts()
    assert load_demo_data() == list(demo.emails)
    assert _counts() == before
    assert set(demo.emails) == {account.email for account in ACCOUNTS}

    renew = demo.trainer("renew@demo.mct")
    year = renew.memberships.get(status=MembershipStatus.ACTIVE)
    assert MembershipCredential.objects.get(membership=year).token
    assert demo.reviewer.groups.filter(name=REVIEWERS_GROUP).exists()
    response = client.post(
        "/accounts/login/", {"login": "renew@demo.mct", "password": DEMO_PASSWORD}
    )
    assert response.status_code == 302


@pytest.mark.django_db(transaction=True)
def test_a_transactional_test_gets_the_demo_data_too(demo):
    """Committed, for the live server to see (the flush after the test removes it)."""
    assert Trainer.objects.filter(email="renew@demo.mct").exists()
    assert Group.objects.filter(name=REVIEWERS_GROUP, user=demo.reviewer).exists()


def test_the_demo_data_is_loaded_once_then_restored(db, _demo_snapshot):
    with transaction.atomic():
        assert _demo_snapshot.restore() is True
        transaction.set_rollback(True)
    assert not Trainer.objects.exists()
    taken = _demo_snapshot.taken
    assert taken >= 1
    assert _demo_snapshot.restore() is True
    assert _demo_snapshot.taken == taken  # rows put back, not loaded again
    assert Trainer.objects.filter(email="renew@demo.mct").exists()


def test_the_restore_gives_way_when_a_record_exists_already(db, _demo_snapshot):
    """A test that made one of the demo records itself gets the load's answer (it looks the
    record up), never half the rows."""
    with transaction.atomic():
        assert _demo_snapshot.restore() is True
        transaction.set_rollback(True)
    Certification.objects.create(code="AZ-104", name="Made by the test", qualifies_for_mct=True)
    assert _demo_snapshot.restore() is False
    assert not Trainer.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_after_a_flush_the_demo_data_comes_back_whole(_demo_snapshot):
    """A flush makes the role groups again (post_migrate) under new keys: the snapshot,
    whose accounts join them, is taken again."""
    assert _demo_snapshot.restore() is True
    groups = set(Group.objects.values_list("pk", flat=True))
    taken = _demo_snapshot.taken
    call_command("flush", verbosity=0, interactive=False)
    assert not groups & set(Group.objects.values_list("pk", flat=True))
    assert _demo_snapshot.restore() is True
    assert _demo_snapshot.taken == taken + 1
    assert Group.objects.filter(name=REVIEWERS_GROUP, user__email="reviewer@demo.mct").exists()
    assert Trainer.objects.filter(email="renew@demo.mct").exists()


@needs_postgres()
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_flush_between_transactional_tests_empties_every_table(demo):
    """What TransactionTestCase runs after each test, with the suite's flush (DELETEs)."""
    assert connection.ops.sql_flush(no_style(), ["t"])[-1] == 'DELETE FROM "t"'
    assert Trainer.objects.exists()
    call_command("flush", verbosity=0, interactive=False, inhibit_post_migrate=True)
    assert {label: count for label, count in _counts().items() if count} == {}

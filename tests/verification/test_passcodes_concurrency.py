"""Trainers asking for codes to one address at the same moment (PostgreSQL)."""

import threading

import pytest
from django.db import connections

from tests import factories
from tests.conftest import needs_postgres
from verification.enums import PasscodePurpose
from verification.models import Passcode
from verification.passcodes import PasscodeCooldown, passcode_issue

pytestmark = [needs_postgres(), pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_five_trainers_naming_one_address_at_once_get_one_code():
    users = [factories.UserFactory() for _ in range(5)]
    barrier = threading.Barrier(len(users))
    issued, cooled, errors = [], [], []

    def ask(user):
        try:
            barrier.wait(timeout=10)
            passcode_issue(
                user=user, address="ana@microsoft.com", purpose=PasscodePurpose.MICROSOFT_ALIAS
            )
            issued.append(user.pk)
        except PasscodeCooldown:
            cooled.append(user.pk)
        except Exception as error:
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=ask, args=(user,)) for user in users]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    assert len(issued) == 1 and len(cooled) == 4
    assert Passcode.objects.filter(address="ana@microsoft.com").count() == 1

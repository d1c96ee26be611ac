"""Codes asked for at the same moment (PostgreSQL)."""

from functools import partial

import pytest

from tests import factories
from tests.concurrency import at_once, raised
from tests.conftest import needs_postgres
from verification.enums import PasscodePurpose
from verification.models import Passcode
from verification.passcodes import PasscodeCooldown, passcode_issue

pytestmark = [needs_postgres(), pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_five_clicks_of_one_trainer_at_once_get_one_code():
    user = factories.UserFactory()

    results = at_once(
        *(
            partial(
                passcode_issue,
                user=user,
                address="ana@microsoft.com",
                purpose=PasscodePurpose.MICROSOFT_ALIAS,
            )
            for _ in range(5)
        )
    )

    issued = [result for result in results if isinstance(result, Passcode)]
    cooled = raised(results, PasscodeCooldown)
    assert [error for error in raised(results) if error not in cooled] == []
    assert len(issued) == 1 and len(cooled) == 4
    assert Passcode.objects.filter(address="ana@microsoft.com").count() == 1


def test_five_trainers_naming_one_address_at_once_each_get_their_own_code():
    """One trainer's requests never stop another's: each account is counted on its own."""
    users = [factories.UserFactory() for _ in range(5)]

    results = at_once(
        *(
            partial(
                passcode_issue,
                user=user,
                address="ana@microsoft.com",
                purpose=PasscodePurpose.MICROSOFT_ALIAS,
            )
            for user in users
        )
    )

    assert raised(results) == []
    assert Passcode.objects.filter(address="ana@microsoft.com").count() == 5

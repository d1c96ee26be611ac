"""Claims racing each other on PostgreSQL's row locks (issue 9)."""

import pytest

from enrollment.models import McpId
from enrollment.rules.access_codes import access_code_hash
from enrollment.services.access_codes import ClaimError, mcp_id_claim
from tests import factories
from tests.concurrency import at_once, raised
from tests.conftest import needs_postgres

pytestmark = [needs_postgres(), pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

CODE = "ABCDE-FGHJK"


def test_two_accounts_claiming_one_id_at_once_link_it_once():
    mcp_id = factories.McpIdFactory(trainer=None, access_code_hash=access_code_hash(CODE))
    first, second = factories.TrainerFactory(), factories.TrainerFactory()
    results = at_once(
        *(
            (lambda t=t: mcp_id_claim(trainer=t, value=mcp_id.value, access_code=CODE, by=t.user))
            for t in (first, second)
        )
    )
    assert len(raised(results, ClaimError)) == 1
    mcp_id.refresh_from_db()
    assert mcp_id.trainer in (first, second)


def test_wrong_codes_at_once_are_all_counted_and_lock_at_five():
    mcp_id = factories.McpIdFactory(trainer=None, access_code_hash=access_code_hash(CODE))
    trainers = [factories.TrainerFactory() for _ in range(6)]
    results = at_once(
        *(
            (
                lambda t=t: mcp_id_claim(
                    trainer=t, value=mcp_id.value, access_code="WRONG", by=t.user
                )
            )
            for t in trainers
        )
    )
    assert len(raised(results, ClaimError)) == 6
    mcp_id = McpId.objects.get(pk=mcp_id.pk)
    assert mcp_id.claim_failures == 5  # the sixth found it locked
    assert mcp_id.claim_locked_at is not None

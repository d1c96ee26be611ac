"""Every step page (and the profile page) runs the same number of queries whether the
trainer has 1 or 20 certifications across their MCP IDs."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests import factories
from tests.enrollment.views.walk import Walker, good_pdf, membership

pytestmark = pytest.mark.django_db

PAGES = {
    "new": ["profile", "requirements", "terms", "confirmation"],
    "renew": ["profile", "requirements", "terms", "confirmation"],
}


def _trainer_with(certifications: int):
    trainer = factories.TrainerFactory()
    ids = [factories.McpIdFactory(trainer=trainer, is_primary=i == 0) for i in range(3)]
    for n in range(certifications):
        factories.EarnedCertificationFactory(mcp_id=ids[n % 3])
    return trainer


def _walk_new(walker, credential):
    walker.step("new", "profile", {"employer_type": "freelancer", "primary_audience": "developer"})
    walker.step(
        "new",
        "requirements",
        {
            "credential_type": str(credential.pk),
            "certified_on": (timezone.localdate() - datetime.timedelta(days=50)).isoformat(),
            "proof_file": good_pdf(),
        },
    )
    walker.step("new", "terms", {"accept_program_guide": "on", "accept_program_agreement": "on"})


def _walk_renew(walker, credential):
    walker.step(
        "renew", "profile", {"employer_type": "freelancer", "primary_audience": "developer"}
    )
    walker.step("renew", "requirements", {"teaching_method": "summary", "summary_file": good_pdf()})
    walker.step("renew", "terms", {"accept_program_guide": "on", "accept_program_agreement": "on"})


def _count(walker, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = walker.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return len(queries)


@pytest.mark.parametrize("path", ["new", "renew"])
def test_step_pages_have_a_fixed_query_budget(
    path, client, django_capture_on_commit_callbacks, terms
):
    credential = factories.CredentialTypeFactory()
    counts = {}
    for certifications in (1, 20):
        trainer = _trainer_with(certifications)
        if path == "renew":
            membership(trainer, anniversary_in_days=30)
        walker = Walker(client=client, capture=django_capture_on_commit_callbacks)
        walker.client.force_login(trainer.user)
        (_walk_new if path == "new" else _walk_renew)(walker, credential)
        counts[certifications] = {
            step: _count(walker, f"/apply/{path}/{step}/") for step in PAGES[path]
        }
        counts[certifications]["/profile/"] = _count(walker, "/profile/")
    assert counts[1] == counts[20]
    # And the budget itself stays small.
    assert max(counts[20].values()) <= 40, counts[20]

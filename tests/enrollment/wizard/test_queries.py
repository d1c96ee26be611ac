"""Every step page (and the profile page) runs the same number of queries whether the
trainer has 1 or 20 certifications across their MCP IDs."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from enrollment.enums import MembershipStatus, Program
from tests import factories
from tests.enrollment.wizard.walk import Walker, good_pdf, membership

pytestmark = pytest.mark.django_db

MCT_STEPS = ["profile", "requirements", "terms", "confirmation"]
ALUMNI_STEPS = ["profile", "terms", "confirmation"]
PAGES = {
    "new": MCT_STEPS,
    "renew": MCT_STEPS,
    "upgrade": MCT_STEPS,
    "rejoin": MCT_STEPS,
    "alumni": ALUMNI_STEPS,
    "alumni-renew": ALUMNI_STEPS,
}
FREELANCER = {"employer_type": "freelancer", "primary_audience": "developer"}
MCT_TERMS = {"accept_program_guide": "on", "accept_program_agreement": "on"}


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


def _walk_upgrade(walker, credential):
    walker.step("upgrade", "profile", FREELANCER)
    walker.step("upgrade", "requirements", {"mtm_id": "mtm-1"})
    walker.step("upgrade", "terms", MCT_TERMS)


def _walk_rejoin(walker, credential):
    walker.step("rejoin", "profile", FREELANCER)
    walker.step("rejoin", "requirements", {"mtm_id": "mtm-1"})
    walker.step("rejoin", "terms", MCT_TERMS)


def _walk_alumni(slug):
    def walk(walker, credential):
        walker.step(
            slug, "profile", {"is_microsoft_employee": "no", "area_of_expertise": "data_ai"}
        )
        walker.step(slug, "terms", {"accept_alumni_agreement": "on"})

    return walk


WALKS = {
    "new": _walk_new,
    "renew": _walk_renew,
    "upgrade": _walk_upgrade,
    "rejoin": _walk_rejoin,
    "alumni": _walk_alumni("alumni"),
    "alumni-renew": _walk_alumni("alumni-renew"),
}


def _standing_for(path: str, trainer) -> None:
    """The membership each path needs to be started (none for new and alumni)."""
    if path == "renew":
        membership(trainer, anniversary_in_days=30)
    elif path == "upgrade":
        membership(trainer, program=Program.ALUMNI, anniversary_in_days=200)
    elif path == "rejoin":
        membership(trainer, anniversary_in_days=-60, status=MembershipStatus.LAPSED)
    elif path == "alumni-renew":
        membership(trainer, program=Program.ALUMNI, anniversary_in_days=15)


def _count(walker, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = walker.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return len(queries)


@pytest.mark.parametrize("path", list(PAGES))
def test_step_pages_have_a_fixed_query_budget(
    path, client, django_capture_on_commit_callbacks, terms
):
    credential = factories.CredentialTypeFactory()
    counts = {}
    for certifications in (1, 20):
        trainer = _trainer_with(certifications)
        _standing_for(path, trainer)
        walker = Walker(client=client, capture=django_capture_on_commit_callbacks)
        walker.client.force_login(trainer.user)
        WALKS[path](walker, credential)
        counts[certifications] = {
            step: _count(walker, f"/apply/{path}/{step}/") for step in PAGES[path]
        }
        counts[certifications]["/profile/"] = _count(walker, "/profile/")
    assert counts[1] == counts[20]
    # And the budget itself stays small.
    assert max(counts[20].values()) <= 40, counts[20]

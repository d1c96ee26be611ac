"""Issue 13: /profile/ offers no path that cannot succeed, and says what a trainer without a
qualifying certification is missing, how to get it and where to link an MCP ID."""

import pytest
from django.urls import NoReverseMatch, reverse

from enrollment.enums import ApplicationPath, Program
from enrollment.paths.registry import all_paths, path_definition
from enrollment.rules.eligibility import paths_offered
from enrollment.templatetags.help_links import MCP_ID_CLAIM_URL_NAME
from tests import factories
from tests.enrollment.views.test_profile import _actions
from tests.enrollment.wizard.walk import membership, qualified_trainer, text_of

pytestmark = pytest.mark.django_db

PROPER_WORDS = {"MCT", "Alumni"}


def _claim_url() -> str:
    try:
        return reverse(MCP_ID_CLAIM_URL_NAME)
    except NoReverseMatch:
        return "/help/"


def _trainer_without_qualifying_certification():
    trainer = factories.TrainerFactory()
    mcp = factories.McpIdFactory(trainer=trainer, is_primary=True)
    factories.EarnedCertificationFactory(
        mcp_id=mcp,
        certification=factories.CertificationFactory(
            code="AZ-900", name="Azure Fundamentals", qualifies_for_mct=False
        ),
    )
    # The catalog lists what would qualify.
    factories.CertificationFactory(code="AZ-104", name="Azure Administrator Associate")
    return trainer


def test_a_newcomer_without_a_qualifying_certification_is_told_what_is_missing(client):
    trainer = _trainer_without_qualifying_certification()
    client.force_login(trainer.user)
    page = client.get("/profile/")
    html, text = page.content.decode(), text_of(page)
    assert _actions(page) == ["alumni"]  # no "Enroll": it would stop on Requirements
    assert "You need a qualifying certification to enroll as a new MCT" in text
    assert "What is missing: a current technical, role-based Microsoft certification" in text
    assert "None of the certifications on your record qualifies" in text
    assert "How to get it: earn one of the certifications that qualify" in text
    assert "Azure Administrator Associate (AZ-104)" in text
    assert f'href="{_claim_url()}">Link an MCP ID</a>' in html
    assert 'href="/help/"' in html
    assert "There is nothing you can apply for right now" not in text


def test_a_member_due_for_renewal_without_a_qualifying_certification_is_not_offered_renew(
    client,
):
    trainer = _trainer_without_qualifying_certification()
    membership(trainer, anniversary_in_days=10)
    client.force_login(trainer.user)
    page = client.get("/profile/")
    assert _actions(page) == ["alumni"]
    assert "You need a qualifying certification to renew your MCT membership" in text_of(page)


def test_an_alumni_member_without_one_is_not_offered_the_upgrade(client):
    trainer = _trainer_without_qualifying_certification()
    membership(trainer, program=Program.ALUMNI, anniversary_in_days=15)
    client.force_login(trainer.user)
    page = client.get("/profile/")
    assert _actions(page) == ["alumni-renew"]
    assert "to upgrade from Alumni to MCT" in text_of(page)


def test_a_qualified_trainer_sees_no_such_notice(client):
    trainer = qualified_trainer()
    client.force_login(trainer.user)
    page = client.get("/profile/")
    assert _actions(page) == ["new", "alumni"]
    assert "You need a qualifying certification" not in text_of(page)


def test_no_mcp_id_points_at_the_link_action_not_at_support(client):
    trainer = factories.TrainerFactory()
    client.force_login(trainer.user)
    page = client.get("/profile/")
    assert f'<a href="{_claim_url()}">link your MCP ID</a>' in page.content.decode()
    assert "contact support to link it" not in text_of(page)


def test_paths_offered_keeps_only_paths_that_can_succeed():
    startable = [ApplicationPath.RENEW, ApplicationPath.ALUMNI]
    assert paths_offered(startable, has_qualifying=True) == (startable, [])
    assert paths_offered(startable, has_qualifying=False) == (
        [ApplicationPath.ALUMNI],
        [ApplicationPath.RENEW],
    )


def test_action_labels_are_the_paths_names_in_one_casing_style():
    labels = {d.path: d.action_label for d in all_paths() if d.path in ApplicationPath.values}
    assert set(labels) == set(ApplicationPath.values)
    for path, label in labels.items():
        assert ApplicationPath(path).label.startswith(label), (path, label)
        first, *rest = label.split()
        assert first[0].isupper()
        assert all(word in PROPER_WORDS or word.islower() for word in rest), label
    assert labels[ApplicationPath.REJOIN] == "Rejoin"


def test_the_registry_says_which_paths_need_a_qualifying_certification():
    needs = {p for p in ApplicationPath.values if path_definition(p).needs_certification}
    assert needs == {
        ApplicationPath.NEW,
        ApplicationPath.RENEW,
        ApplicationPath.REJOIN,
        ApplicationPath.UPGRADE,
    }

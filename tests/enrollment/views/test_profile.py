"""/profile/: the trainer's home shows their membership, open applications with the state of
each piece of evidence and what to do next, and only the actions that apply."""

import re

import pytest
from django.utils import timezone

from enrollment.enums import ApplicationPath, ApplicationStatus, MembershipStatus, Program
from tests import factories
from tests.enrollment.wizard.walk import membership, qualified_trainer, text_of

pytestmark = pytest.mark.django_db

ACTION_LINKS = re.compile(r'href="/apply/([a-z-]+)/"')


def _actions(response) -> list[str]:
    section = response.content.decode().split('id="actions-title"', 1)[1]
    section = section.split("</section>", 1)[0]
    return ACTION_LINKS.findall(section)


@pytest.mark.parametrize(
    ("setup", "expected"),
    [
        (lambda t: None, ["new", "alumni"]),
        (lambda t: membership(t, anniversary_in_days=10), ["renew", "alumni"]),
        (lambda t: membership(t, anniversary_in_days=200), []),
        (
            lambda t: membership(t, anniversary_in_days=-60, status=MembershipStatus.LAPSED),
            ["rejoin", "alumni"],
        ),
        (lambda t: membership(t, program=Program.ALUMNI, anniversary_in_days=200), ["upgrade"]),
        (
            lambda t: membership(t, program=Program.ALUMNI, anniversary_in_days=15),
            ["upgrade", "alumni-renew"],
        ),
    ],
    ids=["newcomer", "mct-due", "mct-not-due", "lapsed", "alumni", "alumni-due"],
)
def test_only_the_actions_that_apply(client, setup, expected):
    trainer = qualified_trainer()
    setup(trainer)
    client.force_login(trainer.user)
    assert _actions(client.get("/profile/")) == expected


def test_membership_anniversary_and_days_left(client):
    trainer = qualified_trainer()
    year = membership(trainer, anniversary_in_days=10)
    client.force_login(trainer.user)
    text = text_of(client.get("/profile/"))
    assert "Microsoft Certified Trainer Active" in text
    assert f"Anniversary date {year.anniversary_on.strftime('%-d %B %Y')}" in text
    assert "Days left to renew 10" in text


def test_not_due_says_when_renewal_opens(client):
    trainer = qualified_trainer()
    membership(trainer, anniversary_in_days=200)
    client.force_login(trainer.user)
    text = text_of(client.get("/profile/"))
    assert "Opens on" in text
    assert "There is nothing you can apply for right now." in text


def test_mcp_ids_primary_first_and_certifications(client):
    trainer = factories.TrainerFactory()
    factories.McpIdFactory(trainer=trainer, value="20000002")
    primary = factories.McpIdFactory(trainer=trainer, value="30000003", is_primary=True)
    factories.EarnedCertificationFactory(
        mcp_id=primary,
        certification=factories.CertificationFactory(name="Azure Administrator Associate"),
    )
    factories.EarnedCertificationFactory(
        mcp_id=primary,
        certification=factories.CertificationFactory(
            name="Azure Fundamentals", qualifies_for_mct=False
        ),
    )
    client.force_login(trainer.user)
    text = text_of(client.get("/profile/"))
    assert "Your MCP IDs: 30000003 (primary), 20000002" in text
    assert "Azure Administrator Associate" in text
    assert re.search(r"Azure Fundamentals \S+ \S+ \S+ 30000003 No", text)


def test_an_application_with_a_rejected_file_says_why_and_what_to_do(client):
    trainer = qualified_trainer()
    application = factories.ApplicationFactory(
        trainer=trainer, path=ApplicationPath.NEW, status=ApplicationStatus.ACTION_REQUIRED
    )
    factories.EvidenceFactory(
        application=application,
        document__state="rejected",
        document__decided_at=timezone.now(),
        document__decision_reason="The certificate is not legible.",
        document__original_name="blurry.jpg",
    )
    client.force_login(trainer.user)
    response = client.get("/profile/")
    text = text_of(response)
    assert "Enroll as a new MCT Action required" in text
    assert "blurry.jpg Rejected" in text
    assert "Reason: The certificate is not legible." in text
    assert 'href="/apply/new/requirements/"' in response.content.decode()
    assert "Upload a new file" in text
    # An open application replaces the action that would start the same path.
    assert "new" not in _actions(response)


def test_awaiting_payment_links_to_the_payment_page(client):
    trainer = qualified_trainer()
    application = factories.ApplicationFactory(
        trainer=trainer,
        path=ApplicationPath.NEW,
        status=ApplicationStatus.AWAITING_PAYMENT,
        submitted_at=timezone.now(),
    )
    client.force_login(trainer.user)
    response = client.get("/profile/")
    assert f'href="/apply/pay/{application.public_id}/"' in response.content.decode()
    assert "Pay the fee" in text_of(response)
    assert "Withdraw" not in text_of(response)


def test_anonymous_visitors_sign_in_first(client):
    response = client.get("/profile/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_a_draft_that_can_no_longer_go_ahead_says_why(client):
    trainer = qualified_trainer()
    membership(trainer, anniversary_in_days=-5, status=MembershipStatus.LAPSED)
    factories.ApplicationFactory(trainer=trainer, path=ApplicationPath.RENEW)
    client.force_login(trainer.user)
    response = client.get("/profile/")
    text = text_of(response)
    assert "This application can no longer go ahead." in text
    assert "A lapsed membership cannot be renewed" in text
    assert 'href="/apply/renew/"' not in response.content.decode()
    assert client.get("/apply/renew/profile/").status_code == 403


@pytest.mark.parametrize(
    ("email", "slug", "offered"),
    [
        ("new@demo.mct", "new", ["new", "alumni"]),
        ("partner@demo.mct", "new", ["new", "alumni"]),
        ("renew@demo.mct", "renew", ["renew", "alumni"]),
        ("renew-upload@demo.mct", "renew", ["renew", "alumni"]),
        ("fte@demo.mct", "renew", ["renew", "alumni"]),
        ("lapsed@demo.mct", "rejoin", ["rejoin", "alumni"]),
        ("alumni@demo.mct", "upgrade", ["upgrade"]),
        ("alumni-renew@demo.mct", "alumni-renew", ["upgrade", "alumni-renew"]),
    ],
)
def test_each_demo_account_is_offered_the_path_it_demonstrates(client, demo, email, slug, offered):
    """The HTTP walks use look-alikes of the demo accounts; the seeded accounts themselves
    start from /profile/ on the same path."""
    client.force_login(demo.user(email))
    assert _actions(client.get("/profile/")) == offered
    assert client.get(f"/apply/{slug}/")["Location"] == f"/apply/{slug}/profile/"
    assert client.get(f"/apply/{slug}/profile/").status_code == 200

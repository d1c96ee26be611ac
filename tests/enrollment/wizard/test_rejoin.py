"""Rejoin the MCT program over HTTP: a lapsed MCT comes back (proof again only after 3 years)."""

import datetime

import pytest
from django.utils import timezone

from enrollment.enums import ApplicationPath, ApplicationStatus, MembershipStatus, Program
from enrollment.models import Application, Evidence, Membership
from enrollment.rules.memberships import add_years
from tests import factories
from tests.enrollment.wizard.walk import (
    approve_through_admin,
    good_pdf,
    membership,
    pay_with_test_card,
    prefix_of,
    qualified_trainer,
    text_of,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fee(db):
    return factories.FeeFactory()


def _submit_and_pay(walker, application):
    page = walker.get("/apply/rejoin/confirmation/")
    assert "Everything is in order." in text_of(page)
    response = walker.post(
        "/apply/rejoin/confirmation/",
        {f"{prefix_of(page)}-current_step": "confirmation", "action": "submit"},
    )
    assert response["Location"] == f"/apply/pay/{application.public_id}/"
    assert pay_with_test_card(walker, application)["Location"] == "/profile/"


def test_rejoin_two_months_after_lapse_needs_no_new_proof(walker, demo):
    """lapsed@demo.mct: the MCT membership lapsed 2 months ago (an academic trainer)."""
    trainer = demo.trainer("lapsed@demo.mct")
    lapsed = trainer.memberships.get(program=Program.MCT)
    assert lapsed.status == MembershipStatus.LAPSED
    assert lapsed.anniversary_on == timezone.localdate() - datetime.timedelta(days=60)
    walker.sign_in("lapsed@demo.mct")

    profile = walker.get("/profile/")
    assert "Lena Lapsed" in text_of(profile)
    assert "Re-apply" in text_of(profile)
    assert 'href="/apply/rejoin/"' in profile.content.decode()
    assert 'href="/apply/renew/"' not in profile.content.decode()
    assert 'href="/apply/new/"' not in profile.content.decode()

    page = walker.get("/apply/rejoin/profile/")
    assert page.context["form"].initial["employer_type"] == "academic"
    assert page.context["form"].initial["institution_name"] == "Tempe Union High School District"
    response = walker.step(
        "rejoin",
        "profile",
        {
            "employer_type": "academic",
            "institution_name": "Tempe Union High School District",
            "primary_audience": "it_professional",
        },
    )
    assert response["Location"] == "/apply/rejoin/requirements/"
    page = walker.get("/apply/rejoin/requirements/")
    assert "Microsoft Certified: Azure Security Engineer Associate" in text_of(page)
    assert "you do not need to prove your instructional skills again" in text_of(page)
    assert walker.step("rejoin", "requirements", {"mtm_id": ""})["Location"] == (
        "/apply/rejoin/terms/"
    )
    walker.step("rejoin", "terms", {"accept_program_guide": "on", "accept_program_agreement": "on"})
    application = Application.objects.get(trainer=trainer, path=ApplicationPath.REJOIN)
    assert application.status == ApplicationStatus.READY
    assert application.institution_name == "Tempe Union High School District"
    # Nothing goes to the review queue: there is no evidence for a reviewer to approve.
    assert not Evidence.objects.filter(application=application).exists()
    _submit_and_pay(walker, application)

    mct = Membership.objects.get(
        trainer=trainer, program=Program.MCT, status=MembershipStatus.ACTIVE
    )
    assert mct.starts_on == timezone.localdate()
    assert mct.anniversary_on == add_years(timezone.localdate(), 1)
    lapsed.refresh_from_db()
    assert lapsed.status == MembershipStatus.LAPSED


def test_rejoin_after_more_than_three_years_needs_proof_again(walker, terms, reviewer, client):
    trainer = qualified_trainer()
    membership(trainer, anniversary_in_days=-(4 * 365), status=MembershipStatus.LAPSED)
    credential = factories.CredentialTypeFactory(name="Microsoft Certified Educator")
    walker.client.force_login(trainer.user)

    walker.step("rejoin", "profile", {"employer_type": "other", "primary_audience": "developer"})
    page = walker.get("/apply/rejoin/requirements/")
    assert "Proof of instructional skills" in text_of(page)
    missing = walker.step("rejoin", "requirements", {"mtm_id": ""})
    assert missing.status_code == 200
    assert "Choose the type of credential." in text_of(missing)

    too_old = timezone.localdate() - datetime.timedelta(days=4 * 365)
    response = walker.step(
        "rejoin",
        "requirements",
        {
            "credential_type": str(credential.pk),
            "certified_on": too_old.isoformat(),
            "proof_file": good_pdf(),
        },
    )
    assert "The certification must be no more than 3 years old" in text_of(response)
    assert not Evidence.objects.filter(application__trainer=trainer).exists()

    response = walker.step(
        "rejoin",
        "requirements",
        {
            "credential_type": str(credential.pk),
            "certified_on": (timezone.localdate() - datetime.timedelta(days=30)).isoformat(),
            "proof_file": good_pdf("mce.pdf"),
        },
    )
    assert response["Location"] == "/apply/rejoin/terms/"
    walker.step("rejoin", "terms", {"accept_program_guide": "on", "accept_program_agreement": "on"})
    application = Application.objects.get(trainer=trainer, path=ApplicationPath.REJOIN)
    assert application.status == ApplicationStatus.IN_REVIEW

    evidence = Evidence.objects.get(application=application, is_current=True)
    approve_through_admin(client, walker.capture, reviewer, [evidence.document])
    walker.client.force_login(trainer.user)
    application.refresh_from_db()
    assert application.status == ApplicationStatus.READY
    _submit_and_pay(walker, application)
    mct = Membership.objects.get(
        trainer=trainer, program=Program.MCT, status=MembershipStatus.ACTIVE
    )
    assert mct.anniversary_on == add_years(timezone.localdate(), 1)

"""Upgrade from Alumni over HTTP: an active alumni member returns to full MCT membership."""

import datetime

import pytest
from django.utils import timezone

from enrollment.enums import ApplicationPath, ApplicationStatus, MembershipStatus, Program
from enrollment.models import Application, Membership
from enrollment.rules.memberships import add_years
from tests.enrollment.wizard.walk import pay_with_test_card, prefix_of, text_of

pytestmark = pytest.mark.django_db


def test_upgrade_from_alumni_to_active_mct(walker, demo):
    """alumni@demo.mct: an active alumni member with a qualifying certification (DP-203)."""
    trainer = demo.trainer("alumni@demo.mct")
    alumni_year = trainer.memberships.get(program=Program.ALUMNI)
    assert alumni_year.status == MembershipStatus.ACTIVE
    assert alumni_year.anniversary_on == timezone.localdate() + datetime.timedelta(days=200)
    assert not trainer.memberships.filter(program=Program.MCT).exists()
    walker.sign_in("alumni@demo.mct")

    profile = walker.get("/profile/")
    assert "Alex Alumnus" in text_of(profile)
    assert "Upgrade Now" in text_of(profile)
    assert 'href="/apply/upgrade/"' in profile.content.decode()
    # An alumni member is not offered a new enrollment.
    assert 'href="/apply/new/"' not in profile.content.decode()

    response = walker.step(
        "upgrade", "profile", {"employer_type": "freelancer", "primary_audience": "dynamics"}
    )
    assert response["Location"] == "/apply/upgrade/requirements/"

    page = walker.get("/apply/upgrade/requirements/")
    text = text_of(page)
    assert "Microsoft Certified: Azure Data Engineer Associate" in text
    assert "You do not need to have taught in the previous year" in text
    assert page.context["form"].initial["mtm_id"] == "alex.alumnus"
    assert "Proof of instructional skills" not in text
    response = walker.step("upgrade", "requirements", {"mtm_id": "alex.alumnus"})
    assert response["Location"] == "/apply/upgrade/terms/"

    response = walker.step(
        "upgrade", "terms", {"accept_program_guide": "on", "accept_program_agreement": "on"}
    )
    assert response["Location"] == "/apply/upgrade/confirmation/"
    application = Application.objects.get(trainer=trainer, path=ApplicationPath.UPGRADE)
    assert application.status == ApplicationStatus.READY

    page = walker.get("/apply/upgrade/confirmation/")
    response = walker.post(
        "/apply/upgrade/confirmation/",
        {f"{prefix_of(page)}-current_step": "confirmation", "action": "submit"},
    )
    assert response["Location"] == f"/apply/pay/{application.public_id}/"
    assert pay_with_test_card(walker, application)["Location"] == "/profile/"

    mct = Membership.objects.get(trainer=trainer, program=Program.MCT)
    assert mct.status == MembershipStatus.ACTIVE
    assert mct.anniversary_on == add_years(timezone.localdate(), 1)
    alumni_year.refresh_from_db()
    assert alumni_year.status == MembershipStatus.ENDED

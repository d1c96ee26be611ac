"""Renew MCT Alumni over HTTP: the next year starts at the previous anniversary."""

import datetime

import pytest
from django.utils import timezone

from enrollment.enums import ApplicationPath, ApplicationStatus, MembershipStatus, Program
from enrollment.models import Application, Membership
from enrollment.rules.memberships import add_years
from tests.enrollment.wizard.walk import prefix_of, text_of

pytestmark = pytest.mark.django_db


def test_renew_alumni_due_in_15_days(walker, demo):
    """alumni-renew@demo.mct: alumni, anniversary 15 days away (no area of expertise on file)."""
    trainer = demo.trainer("alumni-renew@demo.mct")
    current = trainer.memberships.get(program=Program.ALUMNI, status=MembershipStatus.ACTIVE)
    assert current.anniversary_on == timezone.localdate() + datetime.timedelta(days=15)
    walker.sign_in("alumni-renew@demo.mct")

    profile = walker.get("/profile/")
    assert "Ana Renewing" in text_of(profile)
    assert "Renew Alumni" in text_of(profile)
    assert 'href="/apply/alumni-renew/"' in profile.content.decode()
    assert walker.get("/apply/alumni-renew/")["Location"] == "/apply/alumni-renew/profile/"
    page = walker.get("/apply/alumni-renew/profile/")
    assert "You have 15 days left to renew" in text_of(page)
    # Pre-filled from the approved alumni application, which holds no area of expertise.
    assert page.context["form"].initial == {"is_microsoft_employee": "no"}
    missing = walker.step("alumni-renew", "profile", {"is_microsoft_employee": "no"})
    assert "Choose your area of expertise." in text_of(missing)
    response = walker.step(
        "alumni-renew",
        "profile",
        {"is_microsoft_employee": "no", "area_of_expertise": "dynamics"},
    )
    assert response["Location"] == "/apply/alumni-renew/terms/"
    page = walker.get("/apply/alumni-renew/terms/")
    assert "The MCT Alumni Program Agreement lets former and occasional trainers" in text_of(page)
    walker.step("alumni-renew", "terms", {"accept_alumni_agreement": "on"})
    page = walker.get("/apply/alumni-renew/confirmation/")
    assert "Dynamics 365 and Power Platform" in text_of(page)
    response = walker.post(
        "/apply/alumni-renew/confirmation/",
        {f"{prefix_of(page)}-current_step": "confirmation", "action": "submit"},
    )
    assert response["Location"] == "/profile/"

    application = Application.objects.get(trainer=trainer, path=ApplicationPath.ALUMNI_RENEW)
    assert application.status == ApplicationStatus.APPROVED
    renewed = Membership.objects.get(
        trainer=trainer, program=Program.ALUMNI, status=MembershipStatus.ACTIVE
    )
    assert renewed.starts_on == current.anniversary_on
    assert renewed.anniversary_on == add_years(current.anniversary_on, 1)
    current.refresh_from_db()
    assert current.status == MembershipStatus.ENDED

"""Renew MCT Alumni over HTTP: the next year starts at the previous anniversary."""

import pytest

from enrollment.enums import ApplicationPath, ApplicationStatus, MembershipStatus, Program
from enrollment.models import Application, Membership
from enrollment.rules.memberships import add_years
from tests import factories
from tests.enrollment.views.walk import membership, prefix_of, text_of

pytestmark = pytest.mark.django_db


def test_renew_alumni_due_in_15_days(walker, terms):
    """Like alumni-renew@demo.mct: alumni, anniversary 15 days away."""
    trainer = factories.TrainerFactory(area_of_expertise="modern_work")
    current = membership(trainer, program=Program.ALUMNI, anniversary_in_days=15)
    factories.ApplicationFactory(
        trainer=trainer,
        path=ApplicationPath.ALUMNI,
        status=ApplicationStatus.APPROVED,
        is_microsoft_employee=False,
        area_of_expertise="modern_work",
        employer_type="",
        primary_audience="",
    )
    walker.client.force_login(trainer.user)

    profile = walker.get("/profile/")
    assert "Renew Alumni" in text_of(profile)
    page = walker.get("/apply/alumni-renew/profile/")
    assert "You have 15 days left to renew" in text_of(page)
    assert page.context["form"].initial == {
        "area_of_expertise": "modern_work",
        "is_microsoft_employee": "no",
    }
    response = walker.step(
        "alumni-renew",
        "profile",
        {"is_microsoft_employee": "no", "area_of_expertise": "modern_work"},
    )
    assert response["Location"] == "/apply/alumni-renew/terms/"
    walker.step("alumni-renew", "terms", {"accept_alumni_agreement": "on"})
    page = walker.get("/apply/alumni-renew/confirmation/")
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

"""Upgrade from Alumni over HTTP: an active alumni member returns to full MCT membership."""

import pytest
from django.utils import timezone

from enrollment.enums import ApplicationPath, ApplicationStatus, MembershipStatus, Program
from enrollment.models import Application, Membership
from enrollment.rules.memberships import add_years
from tests import factories
from tests.enrollment.views.walk import (
    membership,
    pay_with_test_card,
    prefix_of,
    qualified_trainer,
    text_of,
)

pytestmark = pytest.mark.django_db


def test_upgrade_from_alumni_to_active_mct(walker, terms):
    """Like alumni@demo.mct: an active alumni member with a qualifying certification."""
    factories.FeeFactory()
    trainer = qualified_trainer(mtm_id="vleavenworth")
    alumni_year = membership(trainer, program=Program.ALUMNI, anniversary_in_days=200)
    walker.client.force_login(trainer.user)

    profile = walker.get("/profile/")
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
    assert "You do not need to have taught in the previous year" in text
    assert page.context["form"].initial["mtm_id"] == "vleavenworth"
    assert "Proof of instructional skills" not in text
    response = walker.step("upgrade", "requirements", {"mtm_id": "vleavenworth"})
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

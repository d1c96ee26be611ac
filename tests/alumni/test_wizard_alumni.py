"""Apply for MCT Alumni over HTTP: profile (Microsoft employee? area of expertise) → terms →
confirmation; no requirements step and no fee, approved on submit."""

import pytest
from django.utils import timezone

from enrollment.enums import ApplicationPath, ApplicationStatus, MembershipStatus, Program
from enrollment.models import Application, Membership
from enrollment.rules.memberships import add_years
from tests import factories
from tests.enrollment.wizard.walk import membership, passcode_sent_to, prefix_of, text_of

pytestmark = pytest.mark.django_db


def test_apply_for_alumni_as_a_non_employee(walker, demo):
    """lapsed@demo.mct: docs/spec.md §10 names no demo account for this path; a former MCT whose
    membership lapsed 2 months ago is "not an active MCT or alumni" (docs/spec.md §3)."""
    trainer = demo.trainer("lapsed@demo.mct")
    lapsed = trainer.memberships.get(program=Program.MCT)
    assert lapsed.status == MembershipStatus.LAPSED
    assert not trainer.memberships.filter(program=Program.ALUMNI).exists()
    walker.sign_in("lapsed@demo.mct")

    profile = walker.get("/profile/")
    assert "Lena Lapsed" in text_of(profile)
    assert "Apply for Alumni" in text_of(profile)
    assert 'href="/apply/alumni/"' in profile.content.decode()
    assert walker.get("/apply/alumni/")["Location"] == "/apply/alumni/profile/"
    # The alumni paths have no requirements step.
    assert walker.get("/apply/alumni/requirements/")["Location"] == "/apply/alumni/profile/"

    page = walker.get("/apply/alumni/profile/")
    assert "Are you a Microsoft employee?" in text_of(page)
    assert [s["label"] for s in page.context["stepper_steps"]] == [
        "Profile",
        "Terms",
        "Confirmation",
    ]
    missing = walker.step("alumni", "profile", {"is_microsoft_employee": "no"})
    assert "Choose your area of expertise." in text_of(missing)
    response = walker.step(
        "alumni", "profile", {"is_microsoft_employee": "no", "area_of_expertise": "data_ai"}
    )
    assert response["Location"] == "/apply/alumni/terms/"

    page = walker.get("/apply/alumni/terms/")
    assert "The MCT Alumni Program Agreement lets former and occasional trainers" in text_of(page)
    assert "MCT Program Guide" not in text_of(page)
    response = walker.step("alumni", "terms", {"accept_alumni_agreement": "on"})
    assert response["Location"] == "/apply/alumni/confirmation/"

    application = Application.objects.get(trainer=trainer, path=ApplicationPath.ALUMNI)
    assert application.status == ApplicationStatus.READY
    page = walker.get("/apply/alumni/confirmation/")
    text = text_of(page)
    assert "Data and AI" in text
    assert "There is no fee for MCT Alumni" in text
    response = walker.post(
        "/apply/alumni/confirmation/",
        {f"{prefix_of(page)}-current_step": "confirmation", "action": "submit"},
    )
    assert response["Location"] == "/profile/"
    application.refresh_from_db()
    assert application.status == ApplicationStatus.APPROVED

    alumni = Membership.objects.get(trainer=trainer, program=Program.ALUMNI)
    assert alumni.status == MembershipStatus.ACTIVE
    assert alumni.anniversary_on == add_years(timezone.localdate(), 1)
    profile = walker.get("/profile/", follow=False)
    assert "membership is active until" in text_of(profile)
    assert alumni.anniversary_on.strftime("%-d %B %Y") in text_of(profile)
    trainer.refresh_from_db()
    assert trainer.area_of_expertise == "data_ai"
    # The lapsed MCT year stays as it was.
    lapsed.refresh_from_db()
    assert lapsed.status == MembershipStatus.LAPSED


def test_apply_for_alumni_as_a_microsoft_employee_proves_the_alias(walker, terms, mailoutbox):
    trainer = factories.TrainerFactory()
    walker.client.force_login(trainer.user)
    fields = {
        "is_microsoft_employee": "yes",
        "microsoft_alias": "sam",
        "microsoft_domain": "microsoft.com",
        "area_of_expertise": "security",
    }
    refused = walker.step("alumni", "profile", fields)
    assert "Prove that sam@microsoft.com is your address" in text_of(refused)
    walker.step("alumni", "profile", fields, extra={"action": "send_code"})
    code = passcode_sent_to(mailoutbox, "sam@microsoft.com")
    walker.step(
        "alumni", "profile", {**fields, "fte_passcode": code}, extra={"action": "verify_code"}
    )
    assert walker.step("alumni", "profile", fields)["Location"] == "/apply/alumni/terms/"
    application = Application.objects.get(trainer=trainer, path=ApplicationPath.ALUMNI)
    assert application.is_microsoft_employee is True
    assert application.verified_email == "sam@microsoft.com"


def test_active_mct_not_due_cannot_apply_for_alumni(walker):
    trainer = factories.TrainerFactory()
    membership(trainer, anniversary_in_days=200)
    walker.client.force_login(trainer.user)
    response = walker.get("/apply/alumni/profile/")
    assert response.status_code == 403
    assert "MCT Alumni is for trainers who are not active MCTs" in text_of(response)

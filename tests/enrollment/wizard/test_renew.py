"""Renew MCT membership over HTTP, in the three ways a trainer shows that they taught:
MTM records, an uploaded training summary (reviewed), and the waiver form (FTE)."""

import datetime

import pytest
from django.utils import timezone

from enrollment.enums import ApplicationPath, ApplicationStatus, MembershipStatus, Program
from enrollment.models import Application, Evidence, Membership
from enrollment.rules.memberships import add_years
from tests import factories
from tests.enrollment.wizard.walk import (
    approve_through_admin,
    approved_application,
    good_pdf,
    membership,
    passcode_sent_to,
    pay_with_test_card,
    prefix_of,
    qualified_trainer,
    text_of,
)
from verification.enums import DocumentState

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fee(db):
    return factories.FeeFactory()


def _confirm_and_pay(walker, application):
    page = walker.get("/apply/renew/confirmation/")
    assert "Everything is in order." in text_of(page), text_of(page)
    response = walker.post(
        "/apply/renew/confirmation/",
        {f"{prefix_of(page)}-current_step": "confirmation", "action": "submit"},
    )
    assert response["Location"] == f"/apply/pay/{application.public_id}/"
    paid = pay_with_test_card(walker, application)
    assert paid["Location"] == "/profile/"


def _accept_terms(walker):
    response = walker.step(
        "renew", "terms", {"accept_program_guide": "on", "accept_program_agreement": "on"}
    )
    assert response["Location"] == "/apply/renew/confirmation/"


def test_renew_with_mtm_records(walker, demo):
    """renew@demo.mct: active MCT, anniversary in 10 days, MTM deliveries in the last year."""
    trainer = demo.trainer("renew@demo.mct")
    current = trainer.memberships.get(program=Program.MCT, status=MembershipStatus.ACTIVE)
    assert current.anniversary_on == timezone.localdate() + datetime.timedelta(days=10)
    walker.sign_in("renew@demo.mct")

    profile = text_of(walker.get("/profile/"))
    assert "Ravi Renner" in profile
    assert "Renew" in profile
    assert "Days left to renew 10" in profile
    assert "Open now: renew before" in profile

    assert walker.get("/apply/renew/")["Location"] == "/apply/renew/profile/"
    page = walker.get("/apply/renew/profile/")
    assert "You have 10 days left to renew" in text_of(page)
    # Pre-filled from the current record.
    assert page.context["form"].initial["employer_type"] == "freelancer"
    assert page.context["form"].initial["primary_audience"] == "it_professional"

    response = walker.step(
        "renew",
        "profile",
        {"employer_type": "freelancer", "primary_audience": "it_professional"},
    )
    assert response["Location"] == "/apply/renew/requirements/"

    page = walker.get("/apply/renew/requirements/")
    text = text_of(page)
    assert "Microsoft Certified: Azure Administrator Associate" in text
    assert "Microsoft Certified: Azure Solutions Architect Expert" in text
    assert page.context["form"].initial["mtm_id"] == "ravi.renner"
    assert "There is nothing to upload." in text
    response = walker.step("renew", "requirements", {"mtm_id": "ravi.renner"})
    assert response["Location"] == "/apply/renew/terms/"
    _accept_terms(walker)

    application = Application.objects.get(trainer=trainer, path=ApplicationPath.RENEW)
    assert application.status == ApplicationStatus.READY
    assert not Evidence.objects.filter(application=application).exclude(document=None).exists()
    _confirm_and_pay(walker, application)

    renewed = Membership.objects.get(
        trainer=trainer, program=Program.MCT, status=MembershipStatus.ACTIVE
    )
    assert renewed.starts_on == current.anniversary_on
    assert renewed.anniversary_on == add_years(current.anniversary_on, 1)
    current.refresh_from_db()
    assert current.status == MembershipStatus.ENDED


def test_renew_with_uploaded_training_summary(walker, demo, client):
    """renew-upload@demo.mct: active MCT, anniversary in 20 days, no MTM records."""
    trainer = demo.trainer("renew-upload@demo.mct")
    current = trainer.memberships.get(program=Program.MCT, status=MembershipStatus.ACTIVE)
    assert current.anniversary_on == timezone.localdate() + datetime.timedelta(days=20)
    walker.sign_in("renew-upload@demo.mct")
    profile = walker.get("/profile/")
    assert "Rosa Uploader" in text_of(profile)
    assert "Days left to renew 20" in text_of(profile)
    assert 'href="/apply/renew/"' in profile.content.decode()

    page = walker.get("/apply/renew/profile/")
    assert page.context["form"].initial["employer_type"] == "other"
    walker.step("renew", "profile", {"employer_type": "other", "primary_audience": "developer"})
    page = walker.get("/apply/renew/requirements/")
    text = text_of(page)
    assert "Microsoft Certified: Azure Developer Associate" in text
    assert "We could not find a class in the previous 365 days" in text
    assert "apply for MCT Alumni" in text
    assert 'href="/apply/alumni/"' in page.content.decode()
    # An "Other" employer may not use the waiver form.
    assert "Complete the training waiver form" not in text

    response = walker.step("renew", "requirements", {"mtm_id": ""})
    assert response.status_code == 200
    assert "Choose your training summary or score report." in text_of(response)

    response = walker.step(
        "renew",
        "requirements",
        {"teaching_method": "summary", "summary_file": good_pdf("score-report.pdf")},
    )
    assert response["Location"] == "/apply/renew/terms/"
    application = Application.objects.get(trainer=trainer, path=ApplicationPath.RENEW)
    evidence = Evidence.objects.get(application=application, is_current=True)
    assert evidence.kind == "training_summary"
    assert evidence.document.state == DocumentState.QUEUED
    assert evidence.document.original_name == "score-report.pdf"
    application.refresh_from_db()
    assert application.status == ApplicationStatus.IN_REVIEW
    assert application.employer_type == "other"

    _accept_terms(walker)
    page = walker.get("/apply/renew/confirmation/")
    assert "You cannot submit yet." in text_of(page)

    approve_through_admin(client, walker.capture, demo.reviewer, [evidence.document])
    evidence.document.refresh_from_db()
    assert evidence.document.state == DocumentState.APPROVED
    application.refresh_from_db()
    assert application.status == ApplicationStatus.READY

    walker.sign_in("renew-upload@demo.mct")
    _confirm_and_pay(walker, application)
    renewed = Membership.objects.get(
        trainer=trainer, program=Program.MCT, status=MembershipStatus.ACTIVE
    )
    assert renewed.starts_on == current.anniversary_on
    assert renewed.anniversary_on == add_years(current.anniversary_on, 1)
    current.refresh_from_db()
    assert current.status == MembershipStatus.ENDED


def test_renew_as_microsoft_employee_with_waiver(walker, terms, mailoutbox):
    """Like fte@demo.mct: Microsoft employee, anniversary in 30 days, waiver form."""
    trainer = qualified_trainer()
    current = membership(trainer, anniversary_in_days=30)
    approved_application(
        trainer,
        employer_type="fte",
        microsoft_alias="pat",
        verified_email="pat@microsoft.com",
    )
    walker.client.force_login(trainer.user)
    assert 'href="/apply/renew/"' in walker.get("/profile/").content.decode()

    page = walker.get("/apply/renew/profile/")
    assert page.context["form"].initial["microsoft_alias"] == "pat"
    assert page.context["form"].initial["microsoft_domain"] == "microsoft.com"
    fields = {
        "employer_type": "fte",
        "microsoft_alias": "pat",
        "microsoft_domain": "microsoft.com",
        "primary_audience": "it_professional",
    }
    # Next without proving the address: refused, with what to do.
    response = walker.step("renew", "profile", fields)
    assert response.status_code == 200
    assert "Prove that pat@microsoft.com is your address" in text_of(response)

    # "Email code", then "Verify code" with the code from the email.
    response = walker.step("renew", "profile", fields, extra={"action": "send_code"})
    assert response["Location"] == "/apply/renew/profile/"
    page = walker.get("/apply/renew/profile/")
    assert "We sent a code to pat@microsoft.com" in text_of(page)
    code = passcode_sent_to(mailoutbox, "pat@microsoft.com")

    wrong = walker.step(
        "renew", "profile", {**fields, "fte_passcode": "AAAAAAAA"}, extra={"action": "verify_code"}
    )
    assert wrong.status_code == 200
    assert "That code is not right." in text_of(wrong)

    response = walker.step(
        "renew", "profile", {**fields, "fte_passcode": code}, extra={"action": "verify_code"}
    )
    assert response["Location"] == "/apply/renew/profile/"
    page = walker.get("/apply/renew/profile/")
    assert "pat@microsoft.com is verified." in text_of(page)
    # The code itself is never kept in the draft.
    application = Application.objects.get(trainer=trainer, path=ApplicationPath.RENEW)
    assert code not in str(application.draft_data)

    response = walker.step("renew", "profile", fields)
    assert response["Location"] == "/apply/renew/requirements/"
    application.refresh_from_db()
    assert application.verified_email == "pat@microsoft.com"

    page = walker.get("/apply/renew/requirements/")
    assert "Complete the training waiver form" in text_of(page)
    today = timezone.localdate()
    too_old = walker.step(
        "renew",
        "requirements",
        {
            "teaching_method": "waiver",
            "courses_taught": "2",
            "course_name": "AZ-900T00 Azure Fundamentals",
            "taught_on": (today - datetime.timedelta(days=400)).isoformat(),
            "number_of_students": "10",
            "organization": "Microsoft",
            "manager_name": "Rae Manager",
            "manager_email": "rae@microsoft.com",
        },
    )
    assert "The course must have been taught in the previous 365 days" in text_of(too_old)

    response = walker.step(
        "renew",
        "requirements",
        {
            "teaching_method": "waiver",
            "courses_taught": "2",
            "course_name": "AZ-900T00 Azure Fundamentals",
            "taught_on": (today - datetime.timedelta(days=40)).isoformat(),
            "number_of_students": "10",
            "organization": "Microsoft",
            "manager_name": "Rae Manager",
            "manager_email": "rae@microsoft.com",
        },
    )
    assert response["Location"] == "/apply/renew/terms/"
    waiver = Evidence.objects.get(application=application, is_current=True)
    assert waiver.kind == "training_waiver" and waiver.document is None
    assert waiver.course_name == "AZ-900T00 Azure Fundamentals"

    _accept_terms(walker)
    application.refresh_from_db()
    assert application.status == ApplicationStatus.READY
    _confirm_and_pay(walker, application)
    renewed = Membership.objects.get(
        trainer=trainer, program=Program.MCT, status=MembershipStatus.ACTIVE
    )
    assert renewed.anniversary_on == add_years(current.anniversary_on, 1)


def test_renew_outside_the_window_is_refused_with_the_date_it_opens(walker):
    trainer = qualified_trainer()
    membership(trainer, anniversary_in_days=200)
    walker.client.force_login(trainer.user)
    response = walker.get("/apply/renew/profile/")
    assert response.status_code == 403
    text = text_of(response)
    assert "You cannot start this application" in text
    assert "Renewal opens 90 days before that date" in text
    assert not Application.objects.filter(trainer=trainer).exists()

"""Enroll as a new MCT, end to end over HTTP: profile page → wizard → review → pay → member."""

import datetime

import pytest
from django.utils import timezone

from enrollment.enums import ApplicationPath, ApplicationStatus, MembershipStatus, Program
from enrollment.models import Application, CredentialType, Evidence, Membership
from enrollment.rules.memberships import add_years
from tests import factories
from tests.enrollment.wizard.walk import (
    approve_through_admin,
    good_pdf,
    passcode_sent_to,
    pay_with_test_card,
    prefix_of,
    qualified_trainer,
    text_of,
)
from verification.enums import DocumentState
from verification.models import OutboundEmail

pytestmark = pytest.mark.django_db


NEW = "new@demo.mct"


def test_new_enrollment_from_profile_to_active_membership(
    walker, demo, django_capture_on_commit_callbacks, client
):
    """new@demo.mct: no membership, one qualifying certification (AZ-104)."""
    new_trainer = demo.trainer(NEW)
    assert not new_trainer.memberships.exists()
    credential = CredentialType.objects.get(name="CompTIA CTT+")
    walker.sign_in(NEW)

    profile = walker.get("/profile/")
    assert profile.status_code == 200
    assert "Nadia Newman" in text_of(profile)
    assert 'href="/apply/new/"' in profile.content.decode()
    assert "Enroll" in text_of(profile)
    # Only the actions that apply: no renewal, upgrade or rejoin for a newcomer.
    assert "Upgrade from Alumni" not in text_of(profile)
    assert 'href="/apply/renew/"' not in profile.content.decode()
    assert 'href="/apply/rejoin/"' not in profile.content.decode()

    start = walker.get("/apply/new/")
    assert start.status_code == 302 and start["Location"] == "/apply/new/profile/"

    # Profile
    page = walker.get("/apply/new/profile/")
    assert "Employer type" in text_of(page)
    response = walker.step(
        "new",
        "profile",
        {"employer_type": "freelancer", "primary_audience": "developer"},
    )
    assert response.status_code == 302 and response["Location"] == "/apply/new/requirements/"
    application = Application.objects.get(trainer=new_trainer, path=ApplicationPath.NEW)
    assert application.employer_type == "freelancer"
    assert application.primary_audience == "developer"
    assert application.current_step == "requirements"

    # Requirements: the qualifying certification is listed; the proof goes to review.
    page = walker.get("/apply/new/requirements/")
    assert "Microsoft Certified: Azure Administrator Associate" in text_of(page)
    assert "2–4 business days" in text_of(page)
    certified_on = timezone.localdate() - datetime.timedelta(days=400)
    response = walker.step(
        "new",
        "requirements",
        {
            "mtm_id": "nadia.newman",
            "credential_type": str(credential.pk),
            "certified_on": certified_on.isoformat(),
            "proof_file": good_pdf("ctt-certificate.pdf"),
            "proof_consent": "on",
        },
    )
    assert response.status_code == 302 and response["Location"] == "/apply/new/terms/"
    evidence = Evidence.objects.get(application=application, is_current=True)
    assert evidence.document.state == DocumentState.QUEUED
    assert evidence.document.details["Credential type"] == "CompTIA CTT+"
    assert evidence.document.original_name == "ctt-certificate.pdf"
    application.refresh_from_db()
    assert application.status == ApplicationStatus.IN_REVIEW
    new_trainer.refresh_from_db()
    assert new_trainer.mtm_id == "nadia.newman"

    # Back to requirements: the current file and its state, with the choice to replace it.
    page = walker.get("/apply/new/requirements/")
    assert "Current file: ctt-certificate.pdf" in text_of(page)
    assert "Waiting for review" in text_of(page)

    # Terms: two separate checkboxes, both required.
    page = walker.get("/apply/new/terms/")
    assert "is governed by the MCT Program Guide" in text_of(page)
    assert "By accepting the MCT Program Agreement" in text_of(page)
    response = walker.step("new", "terms", {"accept_program_guide": "on"})
    assert response.status_code == 200
    assert "Accept the MCT Program Agreement to continue." in text_of(response)
    response = walker.step(
        "new", "terms", {"accept_program_guide": "on", "accept_program_agreement": "on"}
    )
    assert response.status_code == 302 and response["Location"] == "/apply/new/confirmation/"
    application.refresh_from_db()
    assert application.terms_accepted_at is not None
    assert sorted(str(v.document) for v in application.accepted_terms.all()) == [
        "mct_program_agreement",
        "mct_program_guide",
    ]

    # Confirmation while the proof is in review: Submit disabled, and refused by the server.
    page = walker.get("/apply/new/confirmation/")
    assert "You cannot submit yet." in text_of(page)
    assert "Proof of instructional skills" in text_of(page)
    assert 'value="submit" disabled' in page.content.decode()
    refused = walker.post(
        "/apply/new/confirmation/",
        {f"{prefix_of(page)}-current_step": "confirmation", "action": "submit"},
    )
    assert refused.status_code == 302
    application.refresh_from_db()
    assert application.status == ApplicationStatus.IN_REVIEW
    assert application.submitted_at is None

    # A reviewer approves the proof in the admin review queue.
    approve_through_admin(
        client, django_capture_on_commit_callbacks, demo.reviewer, [evidence.document]
    )
    evidence.document.refresh_from_db()
    assert evidence.document.state == DocumentState.APPROVED
    application.refresh_from_db()
    assert application.status == ApplicationStatus.READY
    assert OutboundEmail.objects.filter(role="application_ready", to=NEW).exists()

    # The trainer signs in again, confirms and submits.
    walker.sign_in(NEW)
    page = walker.get("/apply/new/confirmation/")
    assert "Everything is in order." in text_of(page)
    assert 'value="submit" disabled' not in page.content.decode()
    response = walker.post(
        "/apply/new/confirmation/",
        {f"{prefix_of(page)}-current_step": "confirmation", "action": "submit"},
    )
    assert response.status_code == 302
    assert response["Location"] == f"/apply/pay/{application.public_id}/"
    application.refresh_from_db()
    assert application.status == ApplicationStatus.AWAITING_PAYMENT

    # Pays with the test card.
    paid = pay_with_test_card(walker, application)
    assert paid.status_code == 302 and paid["Location"] == "/profile/"
    application.refresh_from_db()
    assert application.status == ApplicationStatus.APPROVED

    membership = Membership.objects.get(trainer=new_trainer, program=Program.MCT)
    assert membership.status == MembershipStatus.ACTIVE
    assert membership.anniversary_on == add_years(timezone.localdate(), 1)

    profile = walker.get("/profile/")
    text = text_of(profile)
    assert "Active" in text
    assert membership.anniversary_on.strftime("%-d %B %Y") in text
    assert "Your applications" not in text


def test_partner_employee_proves_an_address_at_the_partner(walker, terms, mailoutbox):
    """Like partner@demo.mct: works for a partner in the directory."""
    trainer = qualified_trainer()
    partner = factories.PartnerOrganizationFactory(
        partner_id="4100200", name="Contoso Learning", email_domains=["contoso.example"]
    )
    factories.PartnerOrganizationFactory(partner_id="4100999", name="Old Partner", active=False)
    walker.client.force_login(trainer.user)
    fields = {"employer_type": "partner", "primary_audience": "it_professional"}

    unknown = walker.step("new", "profile", {**fields, "partner_id": "9999999"})
    assert "We could not find partner ID “9999999” in the partner directory" in text_of(unknown)
    assert "Contact your partner administrator" in text_of(unknown)
    inactive = walker.step("new", "profile", {**fields, "partner_id": "4100999"})
    assert "Old Partner is not an active partner" in text_of(inactive)
    assert "Contact your partner administrator." in text_of(inactive)

    fields["partner_id"] = "4100200"
    wrong_domain = walker.step(
        "new",
        "profile",
        {**fields, "partner_email": "me@gmail.example"},
        extra={"action": "send_code"},
    )
    assert "it must end in @contoso.example" in text_of(wrong_domain)
    assert not mailoutbox

    fields["partner_email"] = "Me@Contoso.example"
    walker.step("new", "profile", fields, extra={"action": "send_code"})
    code = passcode_sent_to(mailoutbox, "me@contoso.example")
    walker.step(
        "new", "profile", {**fields, "partner_passcode": code}, extra={"action": "verify_code"}
    )
    response = walker.step("new", "profile", fields)
    assert response["Location"] == "/apply/new/requirements/"
    application = Application.objects.get(trainer=trainer)
    assert application.partner == partner
    assert application.verified_email == "me@contoso.example"


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"employer_type": "academic"}, "Enter the name of your institution."),
        ({"employer_type": "government"}, "Enter the name of your department."),
        ({"employer_type": "imagine_academy"}, "Enter your Imagine Academy membership ID."),
        (
            {"employer_type": "imagine_academy", "imagine_academy_id": "MIA-404"},
            "We could not find membership ID “MIA-404” in the Microsoft Imagine Academy directory",
        ),
        (
            {"employer_type": "fte", "microsoft_domain": "microsoft.com"},
            "Enter your Microsoft alias",
        ),
        (
            {
                "employer_type": "fte",
                "microsoft_alias": "me@x.com",
                "microsoft_domain": "microsoft.com",
            },
            "Enter only the alias",
        ),
        ({"primary_audience": "developer"}, "Choose your employer type."),
        ({"employer_type": "other"}, "Choose your primary training audience."),
    ],
)
def test_profile_step_requires_what_the_employer_type_needs(walker, terms, fields, message):
    trainer = qualified_trainer()
    walker.client.force_login(trainer.user)
    if "primary_audience" not in fields and fields.get("employer_type") != "other":
        fields = {**fields, "primary_audience": "developer"}
    response = walker.step("new", "profile", fields)
    assert response.status_code == 200
    assert message in text_of(response)
    # An invalid first POST starts no draft.
    assert not Application.objects.filter(trainer=trainer).exists()


def test_imagine_academy_member_from_the_directory(walker, terms):
    trainer = qualified_trainer()
    member = factories.ImagineAcademyMemberFactory(membership_id="MIA-00042")
    walker.client.force_login(trainer.user)
    response = walker.step(
        "new",
        "profile",
        {
            "employer_type": "imagine_academy",
            "imagine_academy_id": "mia-00042",
            "primary_audience": "developer",
            "institution_name": "typed before switching",
        },
    )
    assert response["Location"] == "/apply/new/requirements/"
    application = Application.objects.get(trainer=trainer)
    assert application.imagine_academy == member
    assert application.institution_name == ""


def test_no_qualifying_certification_is_refused_with_the_list(walker, terms):
    """Like nocert@demo.mct: only certifications that do not qualify."""
    trainer = factories.TrainerFactory()
    mcp = factories.McpIdFactory(trainer=trainer, is_primary=True)
    factories.EarnedCertificationFactory(
        mcp_id=mcp,
        certification=factories.CertificationFactory(
            name="Azure Fundamentals", qualifies_for_mct=False
        ),
    )
    factories.CertificationFactory(name="Azure Administrator Associate")
    walker.client.force_login(trainer.user)
    walker.step("new", "profile", {"employer_type": "other", "primary_audience": "developer"})
    page = walker.get("/apply/new/requirements/")
    text = text_of(page)
    assert "You do not have a qualifying certification yet" in text
    assert "Certifications that qualify" in text and "Azure Administrator Associate" in text
    assert "Azure Fundamentals" not in text.split("Certifications that qualify", 1)[1]
    assert ">Next<" not in page.content.decode()
    refused = walker.step("new", "requirements", {"mtm_id": ""})
    assert refused.status_code == 200
    assert "this application cannot continue" in text_of(refused)
    assert walker.get("/apply/new/terms/")["Location"] == "/apply/new/requirements/"


DETAIL_FIELDS = (
    "microsoft_alias",
    "microsoft_domain",
    "fte_passcode",
    "institution_name",
    "department_name",
    "imagine_academy_id",
    "partner_id",
    "partner_email",
    "partner_passcode",
)


def test_profile_step_works_with_javascript_off(walker, terms):
    """Without JavaScript every detail field is on the page and nothing is required by the
    browser; the server asks only for what the chosen employer type needs."""
    trainer = qualified_trainer()
    walker.client.force_login(trainer.user)
    page = walker.get("/apply/new/profile/")
    html = page.content.decode()
    assert "novalidate" in html.split('class="form form--wide wizard-form"', 1)[1].split(">")[0]
    for name in DETAIL_FIELDS:
        assert f'name="profile-{name}"' in html, name
    assert " hidden" not in html.split('id="employer-fte"', 1)[1].split(">")[0]

    # What a JavaScript-off browser posts: every detail field, empty.
    blank = dict.fromkeys(DETAIL_FIELDS, "")
    response = walker.step(
        "new", "profile", {**blank, "employer_type": "academic", "primary_audience": "developer"}
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert list(errors) == ["institution_name"]
    assert "Enter the name of your institution." in text_of(response)

    response = walker.step(
        "new",
        "profile",
        {**blank, "employer_type": "freelancer", "primary_audience": "developer"},
    )
    assert response["Location"] == "/apply/new/requirements/"
    assert Application.objects.get(trainer=trainer).employer_type == "freelancer"

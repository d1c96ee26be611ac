"""Drafts in the database and the guards formtools does not give: resume on another device,
step URL guards, tampered or stale forms, other trainers' drafts, replays, Back, re-apply."""

import datetime

import pytest
from django.test import Client
from django.utils import timezone

from enrollment.enums import ApplicationPath, ApplicationStatus
from enrollment.errors import InvalidTransition
from enrollment.models import Application, Evidence
from enrollment.services.applications import (
    application_mark_paid,
    application_payment_cancel,
)
from tests import factories
from tests.enrollment.wizard.walk import (
    Walker,
    good_pdf,
    prefix_of,
    qualified_trainer,
    text_of,
)
from verification.models import AuditEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def credential(db):
    return factories.CredentialTypeFactory(name="CompTIA CTT+")


def _through_requirements(walker, credential, name="proof.pdf", text=None):
    walker.step("new", "profile", {"employer_type": "freelancer", "primary_audience": "developer"})
    response = walker.step(
        "new",
        "requirements",
        {
            "mtm_id": "mtm-77",
            "credential_type": str(credential.pk),
            "certified_on": (timezone.localdate() - datetime.timedelta(days=90)).isoformat(),
            "proof_file": good_pdf(name, text),
            "proof_consent": "on",
        },
    )
    assert response["Location"] == "/apply/new/terms/"


def test_sign_out_and_resume_on_another_device(
    walker, terms, credential, django_capture_on_commit_callbacks
):
    trainer = qualified_trainer()
    walker.client.force_login(trainer.user)
    _through_requirements(walker, credential, name="my-ctt.pdf")
    walker.post("/accounts/logout/")
    assert walker.get("/apply/new/terms/").status_code == 302  # signed out: to sign in

    other_device = Walker(client=Client(), capture=django_capture_on_commit_callbacks)
    other_device.client.force_login(trainer.user)
    resumed = other_device.get("/apply/new/")
    assert resumed.status_code == 302 and resumed["Location"] == "/apply/new/terms/"

    page = other_device.get("/apply/new/requirements/")
    text = text_of(page)
    assert "Current file: my-ctt.pdf" in text
    assert "Waiting for review" in text
    assert page.context["form"].initial["mtm_id"] == "mtm-77"
    assert page.context["form"].initial["credential_type"] == str(credential.pk)

    page = other_device.get("/apply/new/profile/")
    assert page.context["form"].initial["employer_type"] == "freelancer"

    # Next without choosing the file again keeps the uploaded one.
    response = other_device.step(
        "new",
        "requirements",
        {
            "mtm_id": "mtm-77",
            "credential_type": str(credential.pk),
            "certified_on": page.context["application"].evidence.get().certified_on.isoformat(),
        },
    )
    assert response["Location"] == "/apply/new/terms/"
    assert Evidence.objects.filter(application__trainer=trainer).count() == 1


def test_replacing_the_file_keeps_the_old_one_for_the_record(walker, terms, credential):
    trainer = qualified_trainer()
    walker.client.force_login(trainer.user)
    _through_requirements(walker, credential, name="first.pdf", text=b"First scan")
    # Another file: the same bytes again would be recognised and not queued twice.
    _through_requirements(walker, credential, name="second.pdf", text=b"Second scan")
    rows = Evidence.objects.filter(application__trainer=trainer).order_by("created_at")
    assert [(e.document.original_name, e.is_current) for e in rows] == [
        ("first.pdf", False),
        ("second.pdf", True),
    ]
    assert "Current file: second.pdf" in text_of(walker.get("/apply/new/requirements/"))


def test_changed_credential_details_need_the_file_again(walker, terms, credential):
    trainer = qualified_trainer()
    walker.client.force_login(trainer.user)
    _through_requirements(walker, credential)
    response = walker.step(
        "new",
        "requirements",
        {
            "credential_type": str(credential.pk),
            "certified_on": (timezone.localdate() - datetime.timedelta(days=10)).isoformat(),
        },
    )
    assert response.status_code == 200
    assert "You changed the credential details: upload the proof again" in text_of(response)


def test_later_steps_redirect_until_earlier_ones_are_done(walker, terms):
    trainer = qualified_trainer()
    walker.client.force_login(trainer.user)
    assert walker.get("/apply/new/terms/")["Location"] == "/apply/new/profile/"
    assert walker.get("/apply/new/confirmation/")["Location"] == "/apply/new/profile/"

    # A POST for a later step without the earlier data goes back to the draft's step.
    page = walker.get("/apply/new/profile/")
    response = walker.post(
        "/apply/new/confirmation/",
        {f"{prefix_of(page)}-current_step": "confirmation", "action": "submit"},
    )
    assert response.status_code == 302 and response["Location"] == "/apply/new/profile/"
    assert not Application.objects.filter(trainer=trainer).exists()  # nothing was started


def test_tampered_current_step_is_a_400_not_a_500(walker, terms):
    trainer = qualified_trainer()
    walker.client.force_login(trainer.user)
    page = walker.get("/apply/new/profile/")
    prefix = prefix_of(page)
    for bogus in ("bogus", "done", "requirements"):
        response = walker.post(
            "/apply/new/profile/",
            {f"{prefix}-current_step": bogus, "profile-employer_type": "freelancer"},
        )
        assert response.status_code == 400, bogus
        assert "Something was wrong with that request" in text_of(response)
    goto = walker.post(
        "/apply/new/profile/",
        {f"{prefix}-current_step": "profile", "wizard_goto_step": "nowhere"},
    )
    assert goto.status_code == 400
    # formtools' "done" URL (which would submit on a GET) does not exist here.
    assert walker.get("/apply/new/done/").status_code == 404


def test_stale_or_foreign_form_is_sent_to_the_draft(walker, terms):
    trainer = qualified_trainer()
    walker.client.force_login(trainer.user)
    walker.get("/apply/new/profile/")
    for data in (
        {"profile-employer_type": "freelancer"},  # no management form at all (lost page)
        {"app_0123456789abcdef0123456789abcdef-current_step": "profile"},
    ):
        response = walker.post("/apply/new/profile/", data)
        assert response.status_code == 302 and response["Location"] == "/apply/new/profile/"
    page = walker.get("/apply/new/profile/")
    assert "That page was out of date" in text_of(page)


def test_signed_out_post_goes_to_sign_in(client, terms):
    response = client.post("/apply/new/profile/", {"x-current_step": "profile"})
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_another_trainers_draft_and_evidence_are_never_reachable(
    walker, terms, credential, django_capture_on_commit_callbacks
):
    alice = qualified_trainer()
    walker.client.force_login(alice.user)
    _through_requirements(walker, credential, name="alice-secret.pdf")
    alice_app = Application.objects.get(trainer=alice)
    alice_prefix = f"app_{alice_app.public_id.hex}"
    alice_draft = dict(alice_app.draft_data)

    bob = qualified_trainer()
    mallory = Walker(client=Client(), capture=django_capture_on_commit_callbacks)
    mallory.client.force_login(bob.user)
    # Bob posts with Alice's prefix: nothing of Alice's changes; he lands on his own draft.
    response = mallory.post(
        "/apply/new/profile/",
        {
            f"{alice_prefix}-current_step": "profile",
            "profile-employer_type": "other",
            "profile-primary_audience": "dynamics",
        },
    )
    assert response.status_code == 302 and response["Location"] == "/apply/new/profile/"
    alice_app.refresh_from_db()
    assert alice_app.draft_data == alice_draft
    assert alice_app.employer_type == "freelancer"

    bob_page = mallory.get("/apply/new/requirements/")
    assert bob_page.status_code == 302  # Bob's own application starts at its profile step
    assert not Application.objects.filter(trainer=bob).exists()  # nothing started from hers
    assert "alice-secret.pdf" not in text_of(mallory.get("/profile/"))
    # Withdrawing Alice's application by its id: not found.
    assert mallory.post(f"/apply/{alice_app.public_id}/withdraw/").status_code == 404
    alice_app.refresh_from_db()
    assert alice_app.status != ApplicationStatus.WITHDRAWN


def test_two_paths_in_two_tabs_do_not_overwrite_each_other(walker, terms):
    trainer = qualified_trainer()
    walker.client.force_login(trainer.user)
    new_page = walker.get("/apply/new/profile/")
    alumni_page = walker.get("/apply/alumni/profile/")
    assert prefix_of(new_page) != prefix_of(alumni_page)
    walker.post(
        "/apply/new/profile/",
        {
            f"{prefix_of(new_page)}-current_step": "profile",
            "profile-employer_type": "freelancer",
            "profile-primary_audience": "developer",
        },
    )
    walker.post(
        "/apply/alumni/profile/",
        {
            f"{prefix_of(alumni_page)}-current_step": "profile",
            "profile-is_microsoft_employee": "no",
            "profile-area_of_expertise": "azure",
        },
    )
    new = Application.objects.get(trainer=trainer, path=ApplicationPath.NEW)
    alumni = Application.objects.get(trainer=trainer, path=ApplicationPath.ALUMNI)
    assert new.employer_type == "freelancer" and new.current_step == "requirements"
    assert alumni.area_of_expertise == "azure" and alumni.current_step == "terms"
    assert "profile-area_of_expertise" not in str(new.draft_data)


def test_back_keeps_what_was_typed(walker, terms):
    trainer = qualified_trainer()
    walker.client.force_login(trainer.user)
    walker.step("new", "profile", {"employer_type": "freelancer", "primary_audience": "developer"})
    response = walker.step(
        "new", "requirements", {"mtm_id": "typed-then-back"}, extra={"wizard_goto_step": "profile"}
    )
    assert response["Location"] == "/apply/new/profile/"
    page = walker.get("/apply/new/requirements/")
    assert page.context["form"].initial["mtm_id"] == "typed-then-back"


def test_the_draft_never_stores_the_csrf_token_or_a_passcode(walker, terms, mailoutbox):
    trainer = qualified_trainer()
    walker.client.force_login(trainer.user)
    fields = {
        "employer_type": "fte",
        "microsoft_alias": "kim",
        "microsoft_domain": "microsoft.com",
        "primary_audience": "developer",
        "fte_passcode": "WRONG123",
    }
    walker.step(
        "new", "profile", fields, extra={"csrfmiddlewaretoken": "t0ken", "action": "verify_code"}
    )
    draft = Application.objects.get(trainer=trainer).draft_data
    assert "WRONG123" not in str(draft)
    assert "t0ken" not in str(draft)
    assert draft["step_data"]["profile"]["profile-microsoft_alias"] == ["kim"]


def test_submitting_twice_changes_the_record_once(walker, terms):
    trainer = factories.TrainerFactory()
    walker.client.force_login(trainer.user)
    walker.step("alumni", "profile", {"is_microsoft_employee": "no", "area_of_expertise": "azure"})
    walker.step("alumni", "terms", {"accept_alumni_agreement": "on"})
    page = walker.get("/apply/alumni/confirmation/")
    data = {f"{prefix_of(page)}-current_step": "confirmation", "action": "submit"}
    first = walker.post("/apply/alumni/confirmation/", data)
    second = walker.post("/apply/alumni/confirmation/", data)  # double click / replay
    assert first["Location"] == second["Location"] == "/profile/"
    application = Application.objects.get(trainer=trainer)
    assert application.status == ApplicationStatus.APPROVED
    assert trainer.memberships.count() == 1
    assert (
        AuditEvent.objects.filter(
            action="application.approved", object_id=str(application.pk)
        ).count()
        == 1
    )


def test_mct_replay_after_submit_goes_to_payment(walker, terms):
    trainer = qualified_trainer()
    factories.MembershipFactory(trainer=trainer, program="ALUMNI")
    walker.client.force_login(trainer.user)
    walker.step("upgrade", "profile", {"employer_type": "other", "primary_audience": "developer"})
    walker.step("upgrade", "requirements", {"mtm_id": ""})
    walker.step(
        "upgrade", "terms", {"accept_program_guide": "on", "accept_program_agreement": "on"}
    )
    page = walker.get("/apply/upgrade/confirmation/")
    data = {f"{prefix_of(page)}-current_step": "confirmation", "action": "submit"}
    first = walker.post("/apply/upgrade/confirmation/", data)
    second = walker.post("/apply/upgrade/confirmation/", data)
    application = Application.objects.get(trainer=trainer)
    assert first["Location"] == second["Location"] == f"/apply/pay/{application.public_id}/"
    assert (
        AuditEvent.objects.filter(
            action="application.awaiting_payment", object_id=str(application.pk)
        ).count()
        == 1
    )
    # While awaiting payment, the wizard sends the trainer to the payment page.
    assert walker.get("/apply/upgrade/profile/")["Location"] == (
        f"/apply/pay/{application.public_id}/"
    )


def test_cancelled_payment_lets_the_trainer_reapply_prefilled(walker, terms):
    trainer = qualified_trainer()
    factories.MembershipFactory(trainer=trainer, program="ALUMNI")
    walker.client.force_login(trainer.user)
    walker.step(
        "upgrade",
        "profile",
        {
            "employer_type": "academic",
            "institution_name": "Tempe Union",
            "primary_audience": "developer",
        },
    )
    walker.step("upgrade", "requirements", {"mtm_id": "mtm-9"})
    walker.step(
        "upgrade", "terms", {"accept_program_guide": "on", "accept_program_agreement": "on"}
    )
    page = walker.get("/apply/upgrade/confirmation/")
    walker.post(
        "/apply/upgrade/confirmation/",
        {f"{prefix_of(page)}-current_step": "confirmation", "action": "submit"},
    )
    first = Application.objects.get(trainer=trainer)
    application_payment_cancel(application=first, by=trainer.user)

    profile = walker.get("/profile/")
    text = text_of(profile)
    assert "was cancelled" in text and "Upgrade from Alumni" in text and "Re-apply" not in text
    page = walker.get("/apply/upgrade/profile/")
    # The page shows the new draft prefilled; it starts on the first POST.
    assert not Application.objects.filter(
        trainer=trainer, path=ApplicationPath.UPGRADE, status=ApplicationStatus.DRAFT
    ).exists()
    assert page.context["form"].initial["institution_name"] == "Tempe Union"
    assert page.context["form"].initial["employer_type"] == "academic"
    with pytest.raises(InvalidTransition):  # the cancelled one stays closed
        application_mark_paid(application=first, by=None)


def test_withdraw_from_the_profile_page(walker, terms):
    trainer = qualified_trainer()
    walker.client.force_login(trainer.user)
    walker.step("new", "profile", {"employer_type": "freelancer", "primary_audience": "developer"})
    application = Application.objects.get(trainer=trainer)
    profile = walker.get("/profile/")
    assert "Continue application" in text_of(profile)
    response = walker.post(f"/apply/{application.public_id}/withdraw/")
    assert response["Location"] == "/profile/"
    application.refresh_from_db()
    assert application.status == ApplicationStatus.WITHDRAWN
    assert application.draft_data == {}
    assert "is withdrawn" in text_of(walker.get("/profile/"))


def test_reapplying_after_a_cancelled_payment_keeps_the_approved_proof(walker, terms):
    trainer = qualified_trainer()
    cancelled = factories.ApplicationFactory(
        trainer=trainer,
        path=ApplicationPath.NEW,
        status=ApplicationStatus.AWAITING_PAYMENT,
        submitted_at=timezone.now(),
    )
    proof = factories.EvidenceFactory(
        application=cancelled,
        credential_type=factories.CredentialTypeFactory(),
        certified_on=timezone.localdate() - datetime.timedelta(days=100),
        document__state="approved",
        document__decided_at=timezone.now(),
        document__original_name="approved-ctt.pdf",
    )
    application_payment_cancel(application=cancelled, by=trainer.user)
    walker.client.force_login(trainer.user)

    assert walker.get("/apply/new/")["Location"] == "/apply/new/profile/"
    walker.step("new", "profile", {"employer_type": "freelancer", "primary_audience": "developer"})
    # The first POST started the draft, and the approved proof moved to it.
    draft = Application.objects.get(trainer=trainer, status=ApplicationStatus.DRAFT)
    proof.refresh_from_db()
    assert proof.application == draft
    assert AuditEvent.objects.filter(action="evidence.carried_over").count() == 1
    page = walker.get("/apply/new/requirements/")
    assert "Current file: approved-ctt.pdf" in text_of(page)
    assert "Approved" in text_of(page)


def test_terms_step_works_before_any_terms_are_published(walker):
    trainer = factories.TrainerFactory()
    walker.client.force_login(trainer.user)
    walker.step("alumni", "profile", {"is_microsoft_employee": "no", "area_of_expertise": "azure"})
    page = walker.get("/apply/alumni/terms/")
    assert page.status_code == 200
    assert "The current text of this document cannot be shown right now." in text_of(page)
    response = walker.step("alumni", "terms", {"accept_alumni_agreement": "on"})
    assert response["Location"] == "/apply/alumni/confirmation/"
    application = Application.objects.get(trainer=trainer)
    assert application.terms_accepted_at is not None
    assert application.accepted_terms.count() == 0

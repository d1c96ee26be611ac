"""The wizard's services: saving steps, evidence, terms, re-evaluation after review decisions,
the selectors they rely on, and submit under concurrency (PostgreSQL)."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from enrollment.enums import (
    ApplicationPath,
    ApplicationStatus,
    EmployerType,
    EvidenceKind,
    TermsDocument,
)
from enrollment.errors import InvalidTransition
from enrollment.models import Application, Trainer
from enrollment.selectors.applications import (
    current_terms,
    prefill_for_path,
    qualifying_certifications,
)
from enrollment.services.applications import (
    STATUS_EMAIL_ROLES,
    application_accept_terms,
    application_mark_paid,
    application_reevaluate,
    application_save_profile,
    application_save_requirements,
    application_submit,
)
from enrollment.services.trainers import trainer_ensure
from tests import factories
from tests.concurrency import at_once, raised
from tests.conftest import needs_postgres
from tests.verification.corpus import pdf_bytes
from verification.enums import DocumentState
from verification.models import AuditEvent, OutboundEmail
from verification.services import document_decide


def _pdf(name="proof.pdf"):
    return SimpleUploadedFile(name, pdf_bytes(), content_type="application/pdf")


def _qualified(trainer=None):
    trainer = trainer or factories.TrainerFactory()
    mcp = factories.McpIdFactory(trainer=trainer, is_primary=True)
    factories.EarnedCertificationFactory(mcp_id=mcp)
    return trainer


def _inspected(uploaded):
    from verification.forms import EvidenceFileField

    return EvidenceFileField().clean(uploaded)


# ----------------------------------------------------------------------- trainer_ensure


@pytest.mark.django_db
def test_trainer_ensure_creates_the_trainer_once_from_the_account():
    user = factories.UserFactory(first_name="Ada", last_name="Lovelace")
    trainer = trainer_ensure(user)
    assert (trainer.first_name, trainer.last_name, trainer.email) == (
        "Ada",
        "Lovelace",
        user.email,
    )
    assert trainer_ensure(user).pk == trainer.pk
    assert Trainer.objects.filter(user=user).count() == 1
    assert AuditEvent.objects.filter(action="trainer.created").count() == 1


@pytest.mark.django_db
def test_profile_page_asks_for_the_details_on_first_visit_and_creates_nothing(client):
    user = factories.UserFactory(first_name="Grace", last_name="Hopper")
    client.force_login(user)
    response = client.get("/profile/", follow=True)
    # No address yet: the first visit asks for the registration details (issue 9), filled
    # from the account; the trainer record waits for their first save (a GET writes nothing).
    assert response.redirect_chain == [("/profile/details/?next=/profile/", 302)]
    assert 'value="Grace"' in response.content.decode()
    assert not Trainer.objects.filter(user=user).exists()


# ----------------------------------------------------------------------- selectors


@pytest.mark.django_db
def test_qualifying_certifications_span_every_mcp_id_in_one_query():
    trainer = factories.TrainerFactory()
    first = factories.McpIdFactory(trainer=trainer, is_primary=True)
    second = factories.McpIdFactory(trainer=trainer)
    shared = factories.CertificationFactory(name="A Shared Associate")
    factories.EarnedCertificationFactory(mcp_id=first, certification=shared)
    factories.EarnedCertificationFactory(mcp_id=second, certification=shared)
    factories.EarnedCertificationFactory(
        mcp_id=second, certification=factories.CertificationFactory(name="B Expert")
    )
    factories.EarnedCertificationFactory(
        mcp_id=second,
        certification=factories.CertificationFactory(name="C Retired", retired=True),
    )
    factories.EarnedCertificationFactory(
        mcp_id=first,
        certification=factories.CertificationFactory(
            name="D Fundamentals", qualifies_for_mct=False
        ),
    )
    factories.EarnedCertificationFactory()  # someone else's
    with CaptureQueriesContext(connection) as queries:
        names = [e.certification.name for e in qualifying_certifications(trainer=trainer)]
    assert len(queries) == 1
    assert names == ["A Shared Associate", "B Expert"]


@pytest.mark.django_db
def test_current_terms_are_the_latest_published_version():
    now = timezone.now()
    factories.TermsVersionFactory(
        document=TermsDocument.MCT_PROGRAM_GUIDE,
        version="1",
        published_at=now - datetime.timedelta(days=90),
    )
    latest = factories.TermsVersionFactory(
        document=TermsDocument.MCT_PROGRAM_GUIDE,
        version="2",
        published_at=now - datetime.timedelta(days=1),
    )
    factories.TermsVersionFactory(
        document=TermsDocument.MCT_PROGRAM_GUIDE,
        version="3",
        published_at=now + datetime.timedelta(days=5),
    )
    versions = current_terms(
        documents=[TermsDocument.MCT_PROGRAM_GUIDE, TermsDocument.MCT_PROGRAM_AGREEMENT]
    )
    assert versions == {
        TermsDocument.MCT_PROGRAM_GUIDE: latest,
        TermsDocument.MCT_PROGRAM_AGREEMENT: None,
    }


@pytest.mark.django_db
def test_prefill_comes_from_the_latest_approved_application():
    trainer = factories.TrainerFactory(mtm_id="mtm-x")
    partner = factories.PartnerOrganizationFactory()
    factories.ApplicationFactory(
        trainer=trainer,
        status=ApplicationStatus.APPROVED,
        decided_at=timezone.now() - datetime.timedelta(days=700),
        employer_type=EmployerType.ACADEMIC,
        institution_name="Old College",
    )
    factories.ApplicationFactory(
        trainer=trainer,
        status=ApplicationStatus.APPROVED,
        decided_at=timezone.now() - datetime.timedelta(days=300),
        employer_type=EmployerType.PARTNER,
        partner=partner,
        verified_email="me@partner.example",
        primary_audience="dynamics",
    )
    factories.ApplicationFactory(
        trainer=trainer, status=ApplicationStatus.WITHDRAWN, employer_type=EmployerType.OTHER
    )
    initial = prefill_for_path(trainer=trainer, path=ApplicationPath.RENEW)
    assert initial["employer_type"] == EmployerType.PARTNER
    assert initial["partner"] == partner
    assert initial["primary_audience"] == "dynamics"
    assert initial["mtm_id"] == "mtm-x"
    assert initial["draft_data"] == {"extra_data": {"prefill_address": "me@partner.example"}}
    # The proven address is remembered, never carried over as proven.
    assert "verified_email" not in initial


# ----------------------------------------------------------------------- saving steps


@pytest.mark.django_db
def test_save_profile_clears_the_details_of_other_employer_types():
    application = factories.ApplicationFactory(
        employer_type=EmployerType.ACADEMIC, institution_name="Old College"
    )
    saved = application_save_profile(
        application=application,
        by=None,
        values={
            "employer_type": EmployerType.GOVERNMENT,
            "department_name": "Labor",
            "primary_audience": "developer",
        },
    )
    assert (saved.employer_type, saved.department_name, saved.institution_name) == (
        "government",
        "Labor",
        "",
    )
    event = AuditEvent.objects.get(action="application.profile_saved")
    assert event.before["institution_name"] == "Old College"
    assert event.after["department_name"] == "Labor"


@pytest.mark.django_db
def test_review_decisions_move_the_application_and_email_the_trainer(
    reviewer, django_capture_on_commit_callbacks
):
    trainer = _qualified()
    application = factories.ApplicationFactory(trainer=trainer, path=ApplicationPath.NEW)
    credential = factories.CredentialTypeFactory()
    application_accept_terms(application=application, by=None, versions=[])
    with django_capture_on_commit_callbacks(execute=True):
        application = application_save_requirements(
            application=application,
            by=trainer.user,
            proof={
                "credential_type": credential,
                "certified_on": timezone.localdate() - datetime.timedelta(days=20),
                "uploaded_file": _inspected(_pdf()),
            },
        )
    application.refresh_from_db()
    assert application.status == ApplicationStatus.IN_REVIEW
    evidence = application.evidence.get()
    assert evidence.document.state == DocumentState.QUEUED
    assert evidence.document.details["Credential type"] == credential.name

    with django_capture_on_commit_callbacks(execute=True):
        document_decide(document=evidence.document, by=reviewer, approve=False, reason="Unreadable")
    application.refresh_from_db()
    assert application.status == ApplicationStatus.ACTION_REQUIRED
    mail = OutboundEmail.objects.get(role="application_action_required")
    assert mail.to == trainer.user.email
    assert "/apply/new/" in mail.body_text

    with django_capture_on_commit_callbacks(execute=True):
        application = application_save_requirements(
            application=application,
            by=trainer.user,
            proof={
                "credential_type": credential,
                "certified_on": timezone.localdate() - datetime.timedelta(days=20),
                "uploaded_file": _inspected(_pdf("clearer.pdf")),
            },
        )
    application.refresh_from_db()
    assert application.status == ApplicationStatus.IN_REVIEW
    replacement = application.evidence.get(is_current=True)
    with django_capture_on_commit_callbacks(execute=True):
        document_decide(document=replacement.document, by=reviewer, approve=True)
    application.refresh_from_db()
    assert application.status == ApplicationStatus.READY
    assert OutboundEmail.objects.filter(role="application_ready").count() == 1


@pytest.mark.django_db
def test_reevaluate_leaves_a_submitted_application_alone():
    application = factories.ApplicationFactory(
        status=ApplicationStatus.AWAITING_PAYMENT, submitted_at=timezone.now()
    )
    assert application_reevaluate(application=application).status == (
        ApplicationStatus.AWAITING_PAYMENT
    )


@pytest.mark.django_db
def test_saving_a_submitted_application_is_refused():
    application = factories.ApplicationFactory(status=ApplicationStatus.AWAITING_PAYMENT)
    with pytest.raises(InvalidTransition):
        application_save_profile(application=application, by=None, values={})


@pytest.mark.django_db
def test_accept_terms_records_versions_and_time():
    guide = factories.TermsVersionFactory(document=TermsDocument.MCT_PROGRAM_GUIDE)
    agreement = factories.TermsVersionFactory(document=TermsDocument.MCT_PROGRAM_AGREEMENT)
    application = factories.ApplicationFactory(path=ApplicationPath.UPGRADE)
    _qualified(application.trainer)
    saved = application_accept_terms(application=application, by=None, versions=[guide, agreement])
    assert set(saved.accepted_terms.all()) == {guide, agreement}
    assert saved.terms_accepted_at is not None
    # Upgrade with a qualifying certification, profile and terms: ready.
    assert saved.status == ApplicationStatus.READY


@pytest.mark.django_db
def test_waiver_saved_twice_with_the_same_answers_is_one_declaration():
    application = factories.ApplicationFactory(
        path=ApplicationPath.RENEW, employer_type=EmployerType.FTE
    )
    waiver = {
        "courses_taught": 1,
        "course_name": "AZ-900",
        "taught_on": timezone.localdate() - datetime.timedelta(days=3),
        "number_of_students": 8,
        "organization": "Microsoft",
        "manager_name": "Rae",
        "manager_email": "rae@microsoft.com",
    }
    application_save_requirements(application=application, by=None, waiver=waiver)
    application_save_requirements(application=application, by=None, waiver=waiver)
    assert application.evidence.filter(kind=EvidenceKind.TRAINING_WAIVER).count() == 1
    application_save_requirements(
        application=application, by=None, waiver={**waiver, "number_of_students": 9}
    )
    assert application.evidence.filter(kind=EvidenceKind.TRAINING_WAIVER).count() == 2
    assert application.evidence.filter(is_current=True).get().number_of_students == 9


# ----------------------------------------------------------------------- submit


@pytest.mark.django_db
def test_submit_is_idempotent_and_refuses_an_unready_application():
    draft = factories.ApplicationFactory()
    with pytest.raises(InvalidTransition):
        application_submit(application=draft, by=None)
    ready = factories.ApplicationFactory(status=ApplicationStatus.READY)
    first = application_submit(application=ready, by=None)
    second = application_submit(application=ready, by=None)
    assert first.status == second.status == ApplicationStatus.AWAITING_PAYMENT
    assert first.submitted_at == second.submitted_at


@needs_postgres()
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_ten_concurrent_submits_change_the_record_once():
    application = factories.ApplicationFactory(status=ApplicationStatus.READY)

    def submit():
        done = application_submit(application=Application.objects.get(pk=application.pk), by=None)
        return done.status, done.submitted_at

    outcomes = at_once(*[submit] * 10)

    assert raised(outcomes) == []
    assert len(outcomes) == 10
    assert {status for status, _ in outcomes} == {ApplicationStatus.AWAITING_PAYMENT}
    assert len({submitted_at for _, submitted_at in outcomes}) == 1
    assert (
        AuditEvent.objects.filter(
            action="application.awaiting_payment", object_id=str(application.pk)
        ).count()
        == 1
    )
    assert OutboundEmail.objects.filter(role="application_awaiting_payment").count() == 1


@needs_postgres()
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_ten_concurrent_payments_approve_once():
    application = factories.ApplicationFactory(
        status=ApplicationStatus.AWAITING_PAYMENT, submitted_at=timezone.now()
    )

    def pay():
        return application_mark_paid(application=application, by=None)

    assert raised(at_once(*[pay] * 10)) == []
    assert application.trainer.memberships.count() == 1


@pytest.mark.django_db
def test_a_document_refused_by_the_check_needs_the_trainer():
    from verification.signals import document_refused

    trainer = _qualified()
    application = factories.ApplicationFactory(
        trainer=trainer, path=ApplicationPath.NEW, status=ApplicationStatus.IN_REVIEW
    )
    evidence = factories.EvidenceFactory(application=application, document__state="queued")
    document = evidence.document
    document.state = DocumentState.REFUSED
    document.refusal_reason = "The file is not a PDF, JPEG, PNG, DOC or DOCX file."
    document.save()
    document_refused.send(sender=type(document), document=document)
    application.refresh_from_db()
    assert application.status == ApplicationStatus.ACTION_REQUIRED


@pytest.mark.django_db
def test_a_decision_on_a_document_of_a_closed_application_changes_nothing():
    from verification.signals import document_decided

    application = factories.ApplicationFactory(status=ApplicationStatus.WITHDRAWN)
    evidence = factories.EvidenceFactory(application=application)
    document_decided.send(sender=type(evidence.document), document=evidence.document)
    application.refresh_from_db()
    assert application.status == ApplicationStatus.WITHDRAWN


@pytest.mark.parametrize("status", sorted(STATUS_EMAIL_ROLES))
def test_every_status_email_renders_text_and_html(status):
    from verification.mail import render_email

    context = {
        "trainer_name": "Ada",
        "path_label": "Enroll as a new MCT",
        "status_label": ApplicationStatus(status).label,
        "application_public_id": "00000000-0000-0000-0000-000000000000",
        "profile_url": "https://portal.example/profile/",
        "continue_url": "https://portal.example/apply/new/",
        "payment_url": "https://portal.example/apply/pay/00000000-0000-0000-0000-000000000000/",
        "is_alumni": False,
    }
    subject, text, html = render_email(STATUS_EMAIL_ROLES[status], context)
    assert subject and "{{" not in subject
    assert "Hello Ada," in text and "Enroll as a new MCT" in text
    assert "https://portal.example/" in text
    assert "<p>Hello Ada,</p>" in html and "MCT Portal" in html

"""One live document per piece of evidence: a replaced, repeated or withdrawn upload never
waits in the review queue, and its files are gone."""

import datetime
from pathlib import Path

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from enrollment.enums import ApplicationPath, ApplicationStatus
from enrollment.errors import DomainError
from enrollment.services.applications import application_save_requirements, application_withdraw
from enrollment.services.drafts import drafts_expire_idle
from tests import factories
from tests.verification.corpus import jpeg_bytes, pdf_bytes
from verification.enums import DocumentState
from verification.models import AuditEvent, Document, OutboundEmail
from verification.services import document_decide

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:verification_document_changelist")


def stored_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file() and "wizard-tmp" not in p.parts)


def _inspected(name: str, data: bytes):
    from verification.forms import EvidenceFileField

    return EvidenceFileField().clean(SimpleUploadedFile(name, data))


@pytest.fixture
def application():
    trainer = factories.TrainerFactory()
    mcp = factories.McpIdFactory(trainer=trainer, is_primary=True)
    factories.EarnedCertificationFactory(mcp_id=mcp)
    return factories.ApplicationFactory(trainer=trainer, path=ApplicationPath.NEW)


@pytest.fixture
def credential():
    return factories.CredentialTypeFactory()


@pytest.fixture
def upload(application, credential, django_capture_on_commit_callbacks):
    def do_upload(name="proof.pdf", data=None, *, certified_days_ago=20, target=None):
        target = target or application
        with django_capture_on_commit_callbacks(execute=True):
            application_save_requirements(
                application=target,
                by=target.trainer.user,
                proof={
                    "credential_type": credential,
                    "certified_on": timezone.localdate()
                    - datetime.timedelta(days=certified_days_ago),
                    "uploaded_file": _inspected(name, data if data is not None else pdf_bytes()),
                },
            )
        return target.evidence.get(is_current=True).document

    return do_upload


def queue_of(application) -> list[Document]:
    return list(Document.objects.filter(owner=application.trainer.user, state=DocumentState.QUEUED))


def test_a_new_upload_takes_the_old_one_out_of_the_queue_and_deletes_its_file(
    application, upload, _private_media, client
):
    old = upload("first.pdf", pdf_bytes(page_text=b"First scan"))
    old_files = [Path(_private_media / old.file.name)]
    assert old_files[0].exists()

    new = upload("second.pdf", pdf_bytes(page_text=b"Second scan"))

    old.refresh_from_db()
    assert old.state == DocumentState.SUPERSEDED
    assert queue_of(application) == [new]
    assert not old_files[0].exists() and old.file_deleted_at is not None
    assert not old.pages.exists() and not old.file and not old.preview
    assert old.sha256  # the record of what it was stays
    audit = AuditEvent.objects.get(action="document.superseded", object_id=str(old.pk))
    assert audit.after == {"state": DocumentState.SUPERSEDED}
    mail = OutboundEmail.objects.get(role="document_superseded")
    assert mail.to == application.trainer.user.email
    assert "first.pdf" in mail.body_text and "second.pdf" in mail.body_text
    assert "taken out of the review queue and deleted" in mail.body_text
    # Reviewers never see it.
    client.force_login(factories.ReviewerFactory())
    page = client.get(CHANGELIST).content.decode()
    assert "second.pdf" in page and "first.pdf" not in page


def test_the_same_file_twice_is_one_document(application, upload):
    first = upload("proof.pdf")
    again = upload("proof.pdf")  # Back on Requirements, then Next: the same bytes again

    assert again == first
    assert Document.objects.filter(owner=application.trainer.user).count() == 1
    assert queue_of(application) == [first]
    assert application.evidence.count() == 1
    assert AuditEvent.objects.filter(action="evidence.same_file_again").count() == 1


def test_the_same_file_with_another_declared_date_is_reviewed_again(application, upload):
    first = upload("proof.pdf", certified_days_ago=20)
    second = upload("proof.pdf", certified_days_ago=40)

    assert second != first
    first.refresh_from_db()
    assert first.state == DocumentState.SUPERSEDED
    assert queue_of(application) == [second]


def test_the_same_file_after_a_rejection_is_a_new_document(application, upload, reviewer):
    first = upload("proof.pdf")
    document_decide(document=first, by=reviewer, approve=False, reason="Unreadable")
    second = upload("proof.pdf")
    assert second != first and second.state == DocumentState.QUEUED


def test_withdrawing_takes_the_documents_out_of_the_queue_and_deletes_their_files(
    application, upload, _private_media, django_capture_on_commit_callbacks
):
    document = upload()
    assert stored_files(_private_media)

    with django_capture_on_commit_callbacks(execute=True):
        application_withdraw(application=application, by=application.trainer.user)

    document.refresh_from_db()
    assert document.state == DocumentState.WITHDRAWN
    assert queue_of(application) == []
    assert stored_files(_private_media) == []
    assert document.file_deleted_at is not None and document.sha256
    assert AuditEvent.objects.filter(action="document.withdrawn", object_id=str(document.pk))


def test_withdrawing_keeps_a_decision_and_deletes_a_kept_file(
    settings, application, upload, reviewer, _private_media, django_capture_on_commit_callbacks
):
    settings.PROOF_RETENTION_DAYS = 30
    document = upload()
    document_decide(document=document, by=reviewer, approve=True)
    assert stored_files(_private_media)

    with django_capture_on_commit_callbacks(execute=True):
        application_withdraw(application=application, by=application.trainer.user)

    document.refresh_from_db()
    assert document.state == DocumentState.APPROVED and document.reviewer == reviewer
    assert stored_files(_private_media) == []


def test_an_expired_application_takes_its_documents_out_of_the_queue(
    application, upload, _private_media, django_capture_on_commit_callbacks, settings
):
    document = upload()
    # The next move is the trainer's (say, the terms are still to accept), and they left.
    type(application).objects.filter(pk=application.pk).update(status=ApplicationStatus.DRAFT)
    with (
        time_machine.travel(
            timezone.now() + datetime.timedelta(days=settings.DRAFT_EXPIRY_DAYS + 1)
        ),
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert drafts_expire_idle() == 1

    application.refresh_from_db()
    document.refresh_from_db()
    assert application.status == ApplicationStatus.WITHDRAWN
    assert document.state == DocumentState.WITHDRAWN
    assert stored_files(_private_media) == []


def test_a_trainer_may_have_only_so_many_documents_waiting(settings, upload):
    settings.REVIEW_MAX_WAITING_PER_TRAINER = 2
    trainer = factories.TrainerFactory()
    mcp = factories.McpIdFactory(trainer=trainer, is_primary=True)
    factories.EarnedCertificationFactory(mcp_id=mcp)
    paths = [ApplicationPath.NEW, ApplicationPath.REJOIN, ApplicationPath.RENEW]
    applications = [factories.ApplicationFactory(trainer=trainer, path=p) for p in paths]

    upload("a.pdf", pdf_bytes(page_text=b"A"), target=applications[0])
    upload("b.pdf", pdf_bytes(page_text=b"B"), target=applications[1])
    # Replacing one of them is always possible: the old one leaves the queue first.
    upload("b2.pdf", pdf_bytes(page_text=b"B2"), target=applications[1])

    with pytest.raises(DomainError) as full:
        upload("c.jpg", jpeg_bytes(), target=applications[2])
    assert "2 documents waiting for review" in full.value.message
    waiting = Document.objects.filter(owner=trainer.user, state=DocumentState.QUEUED)
    assert sorted(d.original_name for d in waiting) == ["a.pdf", "b2.pdf"]
    assert not applications[2].evidence.exists()

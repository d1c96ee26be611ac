"""Merging two records of one person: nothing of either is lost, conflicts follow a rule."""

import datetime

import pytest

from enrollment.enums import ApplicationPath, ApplicationStatus, MembershipStatus, Program
from enrollment.models import Application, EarnedCertification, McpId, Membership, Trainer
from enrollment.support.services import SupportError, trainer_merge, trainer_merge_preview
from tests import factories
from verification.audit import audit
from verification.enums import DocumentState
from verification.models import AuditEvent, Document, OutboundEmail

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 6, 1)


def _membership(trainer, *, program=Program.MCT, status=MembershipStatus.ACTIVE, anniversary):
    return factories.MembershipFactory(
        trainer=trainer,
        program=program,
        status=status,
        starts_on=anniversary - datetime.timedelta(days=365),
        anniversary_on=anniversary,
    )


@pytest.fixture
def keep():
    trainer = factories.TrainerFactory(first_name="Benjamin", last_name="Cheever", phone="")
    primary = factories.McpIdFactory(trainer=trainer, value="11111111", is_primary=True)
    factories.EarnedCertificationFactory(mcp_id=primary)
    factories.EarnedCertificationFactory(mcp_id=primary)
    return trainer


@pytest.fixture
def absorb():
    trainer = factories.TrainerFactory(
        first_name="Benjamin", last_name="Cheever", phone="801-373-0874", mtm_id="mtm-ben"
    )
    primary = factories.McpIdFactory(trainer=trainer, value="22222222", is_primary=True)
    second = factories.McpIdFactory(trainer=trainer, value="33333333")
    factories.EarnedCertificationFactory(mcp_id=primary)
    factories.EarnedCertificationFactory(mcp_id=second)
    return trainer


def test_merge_keeps_every_certification_membership_and_mcp_id_of_both_records(
    keep, absorb, support_user
):
    kept_history = _membership(keep, anniversary=TODAY + datetime.timedelta(days=200))
    absorbed_open = _membership(absorb, anniversary=TODAY + datetime.timedelta(days=30))
    absorbed_old = _membership(
        absorb, program=Program.ALUMNI, status=MembershipStatus.LAPSED, anniversary=TODAY
    )
    certifications = set(EarnedCertification.objects.values_list("pk", flat=True))
    assert len(certifications) == 4

    trainer_merge(keep=keep, absorb=absorb, by=support_user)

    assert set(McpId.objects.filter(trainer=keep).values_list("value", flat=True)) == {
        "11111111",
        "22222222",
        "33333333",
    }
    assert McpId.objects.get(is_primary=True, trainer=keep).value == "11111111"
    assert (
        set(EarnedCertification.objects.filter(mcp_id__trainer=keep).values_list("pk", flat=True))
        == certifications
    )
    assert set(Membership.objects.filter(trainer=keep).values_list("pk", flat=True)) == {
        kept_history.pk,
        absorbed_open.pk,
        absorbed_old.pk,
    }
    assert not Trainer.objects.filter(pk=absorb.pk).exists()
    event = AuditEvent.objects.get(action="trainer.merged")
    assert event.after["keep"]["memberships"] == sorted(
        [kept_history.pk, absorbed_open.pk, absorbed_old.pk]
    )


def test_the_later_anniversary_stays_open_and_the_other_membership_ends(keep, absorb, support_user):
    kept = _membership(keep, anniversary=TODAY + datetime.timedelta(days=30))
    absorbed = _membership(absorb, anniversary=TODAY + datetime.timedelta(days=300))
    preview = trainer_merge_preview(keep=keep, absorb=absorb)
    assert [c.membership for c in preview.ended_memberships] == [kept]

    trainer_merge(keep=keep, absorb=absorb, by=support_user)
    kept.refresh_from_db()
    absorbed.refresh_from_db()
    assert kept.status == MembershipStatus.ENDED
    assert f"#{absorb.pk} merged into #{keep.pk}" in kept.status_reason
    assert absorbed.status == MembershipStatus.ACTIVE and absorbed.trainer == keep


def test_an_open_mct_membership_ends_an_open_alumni_one(keep, absorb, support_user):
    _membership(keep, anniversary=TODAY + datetime.timedelta(days=30))
    alumni = _membership(
        absorb, program=Program.ALUMNI, anniversary=TODAY + datetime.timedelta(days=90)
    )
    trainer_merge(keep=keep, absorb=absorb, by=support_user)
    alumni.refresh_from_db()
    assert alumni.status == MembershipStatus.ENDED


def test_of_two_open_applications_on_one_path_the_one_further_along_stays(
    keep, absorb, support_user
):
    draft = factories.ApplicationFactory(trainer=keep, path=ApplicationPath.RENEW)
    ready = factories.ApplicationFactory(
        trainer=absorb, path=ApplicationPath.RENEW, status=ApplicationStatus.READY
    )
    other_path = factories.ApplicationFactory(trainer=absorb, path=ApplicationPath.NEW)
    preview = trainer_merge_preview(keep=keep, absorb=absorb)
    assert [c.application for c in preview.withdrawn_applications] == [draft]

    trainer_merge(keep=keep, absorb=absorb, by=support_user)
    for application in (draft, ready, other_path):
        application.refresh_from_db()
    assert draft.status == ApplicationStatus.WITHDRAWN
    assert ready.status == ApplicationStatus.READY and ready.trainer == keep
    assert other_path.trainer == keep
    assert Application.objects.filter(trainer=keep).count() == 3


def test_two_applications_awaiting_payment_on_one_path_block_the_merge(keep, absorb, support_user):
    for trainer in (keep, absorb):
        factories.ApplicationFactory(
            trainer=trainer, path=ApplicationPath.NEW, status=ApplicationStatus.AWAITING_PAYMENT
        )
    preview = trainer_merge_preview(keep=keep, absorb=absorb)
    assert not preview.can_merge
    with pytest.raises(SupportError, match="Cancel one of the payments first"):
        trainer_merge(keep=keep, absorb=absorb, by=support_user)
    assert Trainer.objects.filter(pk=absorb.pk).exists()
    assert not AuditEvent.objects.filter(action="trainer.merged").exists()


def test_merge_moves_evidence_documents_emails_and_history_and_deactivates_the_sign_in(
    keep, absorb, support_user
):
    evidence = factories.EvidenceFactory(application__trainer=absorb)
    email = factories.OutboundEmailFactory(user=absorb.user)
    earlier = audit(
        actor=None,
        action="application.started",
        target=evidence.application,
        subject_user=absorb.user,
    )
    absorbed_user = absorb.user

    trainer_merge(keep=keep, absorb=absorb, by=support_user)

    evidence.refresh_from_db()
    assert evidence.application.trainer == keep
    assert Document.objects.get(pk=evidence.document_id).owner == keep.user
    assert OutboundEmail.objects.get(pk=email.pk).user == keep.user
    assert AuditEvent.objects.get(pk=earlier.pk).subject_user == keep.user
    absorbed_user.refresh_from_db()
    assert absorbed_user.is_active is False


def test_merge_fills_registration_fields_the_kept_record_lacks(keep, absorb, support_user):
    preview = trainer_merge_preview(keep=keep, absorb=absorb)
    assert preview.filled_fields == {"phone": "801-373-0874", "mtm_id": "mtm-ben"}
    trainer_merge(keep=keep, absorb=absorb, by=support_user)
    keep.refresh_from_db()
    assert (keep.phone, keep.mtm_id) == ("801-373-0874", "mtm-ben")


def test_merge_writes_one_audit_event_with_before_and_after(keep, absorb, support_user):
    absorbed_pk, absorbed_user_pk = absorb.pk, absorb.user_id
    trainer_merge(keep=keep, absorb=absorb, by=support_user)
    event = AuditEvent.objects.get(action="trainer.merged")
    assert event.actor == support_user
    assert event.subject_user == keep.user
    assert event.object_id == str(keep.pk)
    assert event.before["absorb"]["mcp_ids"] == ["22222222", "33333333"]
    assert event.before["keep"]["mcp_ids"] == ["11111111"]
    assert event.after["keep"]["mcp_ids"] == ["11111111", "22222222", "33333333"]
    assert event.after["absorbed_trainer"] == absorbed_pk
    assert event.after["absorbed_user"] == absorbed_user_pk
    assert event.after["moved"]["certifications"] == 2


def test_a_record_cannot_be_merged_into_itself(keep, support_user):
    with pytest.raises(SupportError, match="itself"):
        trainer_merge(keep=keep, absorb=keep, by=support_user)


def test_merging_an_already_merged_record_is_refused(keep, absorb, support_user):
    stale = Trainer.objects.get(pk=absorb.pk)
    trainer_merge(keep=keep, absorb=absorb, by=support_user)
    with pytest.raises(SupportError, match="no longer exists"):
        trainer_merge(keep=keep, absorb=stale, by=support_user)


def test_the_absorbed_primary_stays_primary_when_the_kept_record_had_none(absorb, support_user):
    bare = factories.TrainerFactory()
    assert trainer_merge_preview(keep=bare, absorb=absorb).absorbed_primary_stays_primary
    trainer_merge(keep=bare, absorb=absorb, by=support_user)
    assert McpId.objects.get(trainer=bare, is_primary=True).value == "22222222"


def test_preview_counts_what_moves_without_changing_anything(keep, absorb):
    factories.EvidenceFactory(application__trainer=absorb)
    factories.OutboundEmailFactory(user=absorb.user)
    preview = trainer_merge_preview(keep=keep, absorb=absorb)
    assert [m.value for m in preview.mcp_ids] == ["22222222", "33333333"]
    assert preview.certification_count == 2
    assert (preview.evidence_count, preview.document_count, preview.email_count) == (1, 1, 1)
    assert Trainer.objects.filter(pk=absorb.pk).exists()
    assert not AuditEvent.objects.filter(action="trainer.merged").exists()


def test_a_withdrawn_duplicate_application_takes_its_document_out_of_the_queue(
    keep, absorb, support_user, django_capture_on_commit_callbacks
):
    draft = factories.ApplicationFactory(trainer=keep, path=ApplicationPath.RENEW)
    factories.ApplicationFactory(
        trainer=absorb, path=ApplicationPath.RENEW, status=ApplicationStatus.READY
    )
    evidence = factories.EvidenceFactory(application=draft, document__state=DocumentState.QUEUED)

    with django_capture_on_commit_callbacks(execute=True):
        trainer_merge(keep=keep, absorb=absorb, by=support_user)

    document = Document.objects.get(pk=evidence.document_id)
    assert document.state == DocumentState.WITHDRAWN
    assert document.file_deleted_at is not None

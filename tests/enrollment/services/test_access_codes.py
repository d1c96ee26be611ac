"""Linking an MCP ID with its access code, the limits, duplicates, and codes issued by
support (issue 9)."""

import pytest
from django.urls import reverse

from enrollment.models import DuplicateClaimFlag, McpId, McpIdClaimAttempt
from enrollment.rules.access_codes import access_code_hash
from enrollment.selectors.applications import qualifying_certifications
from enrollment.services.access_codes import (
    ClaimError,
    access_code_reissue,
    mcp_id_claim,
)
from enrollment.support.services import SupportError, mcp_id_generate_from_exam
from tests import factories
from verification.mail import SECRET_MASK
from verification.models import AuditEvent, OutboundEmail

pytestmark = pytest.mark.django_db

CODE = "ABCDE-FGHJK"


@pytest.fixture
def unclaimed():
    """An MCP ID from an exam result: nobody holds it yet; its code is known."""
    mcp_id = factories.McpIdFactory(
        trainer=None, value="55501234", access_code_hash=access_code_hash(CODE)
    )
    factories.ExamResultFactory(mcp_id=mcp_id, reference_number="ER-2026-7001")
    factories.EarnedCertificationFactory(
        mcp_id=mcp_id,
        certification=factories.CertificationFactory(
            code="AZ-104", name="Microsoft Certified: Azure Administrator Associate"
        ),
    )
    return mcp_id


def test_the_right_code_links_the_id_and_its_certifications_count_at_once(trainer, unclaimed):
    assert qualifying_certifications(trainer=trainer) == []
    mcp_id = mcp_id_claim(
        trainer=trainer, value="555 01234", access_code="abcde fghjk", by=trainer.user
    )
    assert mcp_id.trainer == trainer and mcp_id.is_primary
    assert [c.certification.code for c in qualifying_certifications(trainer=trainer)] == ["AZ-104"]
    event = AuditEvent.objects.get(action="mcp_id.claimed")
    assert event.before == {"trainer": None}
    assert event.after == {"trainer": trainer.pk, "value": "55501234", "is_primary": True}


def test_five_wrong_codes_lock_the_id_until_support_issues_a_new_one(
    trainer, unclaimed, support_user, mailoutbox, django_capture_on_commit_callbacks
):
    for attempt in range(1, 5):
        with pytest.raises(ClaimError, match="do not match"):
            mcp_id_claim(
                trainer=trainer, value=unclaimed.value, access_code="WRONG-CODE1", by=trainer.user
            )
        unclaimed.refresh_from_db()
        assert unclaimed.claim_failures == attempt and unclaimed.claim_locked_at is None
    with pytest.raises(ClaimError, match="now locked after 5 wrong access codes"):
        mcp_id_claim(
            trainer=trainer, value=unclaimed.value, access_code="WRONG-CODE1", by=trainer.user
        )
    unclaimed.refresh_from_db()
    assert unclaimed.claim_locked_at is not None
    # Locked: even the right code is refused, from any account.
    other = factories.TrainerFactory()
    with pytest.raises(ClaimError, match="is locked"):
        mcp_id_claim(trainer=other, value=unclaimed.value, access_code=CODE, by=other.user)
    assert McpId.objects.get(pk=unclaimed.pk).trainer is None
    assert AuditEvent.objects.filter(action="mcp_id.claim_locked").count() == 1

    # Support sends a new code to the person asking: the ID unlocks, the old code is dead.
    with django_capture_on_commit_callbacks(execute=True):
        access_code_reissue(value=unclaimed.value, recipient=trainer, by=support_user)
    unclaimed.refresh_from_db()
    assert unclaimed.claim_locked_at is None and unclaimed.claim_failures == 0
    new_code = _code_from(mailoutbox[-1].body)
    row = OutboundEmail.objects.get(role="access_code")
    assert new_code not in row.body_text and SECRET_MASK in row.body_text
    assert new_code not in unclaimed.access_code_hash
    with pytest.raises(ClaimError, match="do not match"):
        mcp_id_claim(trainer=trainer, value=unclaimed.value, access_code=CODE, by=trainer.user)
    assert mcp_id_claim(
        trainer=trainer, value=unclaimed.value, access_code=new_code, by=trainer.user
    )


def test_wrong_tries_are_limited_per_trainer_whatever_the_id(trainer, settings):
    settings.MCP_CLAIM_DAILY_LIMIT = 3
    for n in range(3):
        with pytest.raises(ClaimError, match="do not match"):
            mcp_id_claim(trainer=trainer, value=f"9990000{n}", access_code=CODE, by=trainer.user)
    with pytest.raises(ClaimError, match="too many wrong"):
        mcp_id_claim(trainer=trainer, value="99900009", access_code=CODE, by=trainer.user)
    assert McpIdClaimAttempt.objects.filter(trainer=trainer, succeeded=False).count() == 3


def test_an_id_linked_to_someone_else_is_refused_and_flagged_for_support(trainer, unclaimed):
    holder = factories.TrainerFactory()
    unclaimed.trainer = holder
    unclaimed.is_primary = True
    unclaimed.save()
    with pytest.raises(ClaimError, match="already linked to another account") as refused:
        mcp_id_claim(trainer=trainer, value=unclaimed.value, access_code=CODE, by=trainer.user)
    assert refused.value.duplicate
    assert McpId.objects.get(pk=unclaimed.pk).trainer == holder
    flag = DuplicateClaimFlag.objects.get()
    assert (flag.mcp_id, flag.claimant, flag.holder, flag.handled_at) == (
        unclaimed,
        trainer,
        holder,
        None,
    )
    assert AuditEvent.objects.filter(action="mcp_id.claim_refused_duplicate").count() == 1
    # Trying again does not pile up flags.
    with pytest.raises(ClaimError):
        mcp_id_claim(trainer=trainer, value=unclaimed.value, access_code=CODE, by=trainer.user)
    assert DuplicateClaimFlag.objects.count() == 1


def test_a_wrong_code_for_a_linked_id_says_nothing_about_its_holder(trainer, unclaimed):
    unclaimed.trainer = factories.TrainerFactory()
    unclaimed.save()
    with pytest.raises(ClaimError, match="do not match"):
        mcp_id_claim(
            trainer=trainer, value=unclaimed.value, access_code="WRONG-CODE1", by=trainer.user
        )
    assert not DuplicateClaimFlag.objects.exists()


def test_the_profile_links_an_id_and_shows_the_exam_transcript(trainer_client, trainer, unclaimed):
    page = trainer_client.get(reverse("profile"))
    assert "Link an MCP ID" in page.content.decode()
    response = trainer_client.post(
        reverse("mcp_id_claim"), {"value": unclaimed.value, "access_code": CODE}, follow=True
    )
    text = response.content.decode()
    assert f"MCP ID {unclaimed.value} is now linked" in text
    assert "Exams under MCP ID 55501234" in text
    assert "ER-2026-7001" in text and "AZ-104" in text
    assert "Microsoft Certified: Azure Administrator Associate" in text


def test_a_wrong_code_on_the_page_shows_why_and_changes_nothing(trainer_client, unclaimed):
    response = trainer_client.post(
        reverse("mcp_id_claim"), {"value": unclaimed.value, "access_code": "nope-nope"}
    )
    assert response.status_code == 200
    assert "do not match our records" in response.content.decode()
    assert McpId.objects.get(pk=unclaimed.pk).trainer is None
    response = trainer_client.post(reverse("mcp_id_claim"), {"value": "", "access_code": ""})
    assert "Enter your MCP ID." in response.content.decode()


def test_generating_an_id_needs_the_mct_intent_and_emails_its_code(
    trainer, support_user, mailoutbox, django_capture_on_commit_callbacks
):
    factories.ExamResultFactory(reference_number="ER-2026-000101", exam_code="MO-101")
    with pytest.raises(SupportError, match="intends to become an MCT"):
        mcp_id_generate_from_exam(exam_reference="ER-2026-000101", trainer=trainer, by=support_user)
    assert not McpId.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        mcp_id = mcp_id_generate_from_exam(
            exam_reference="ER-2026-000101",
            trainer=trainer,
            by=support_user,
            mct_intent_confirmed=True,
        )
    mcp_id.refresh_from_db()
    assert mcp_id.mct_intent_confirmed_by == support_user and mcp_id.mct_intent_confirmed_at
    assert mcp_id.access_code_hash and mcp_id.access_code_issued_at
    code = _code_from(mailoutbox[-1].body)
    assert mailoutbox[-1].to == [trainer.user.email]
    assert access_code_hash(code) == mcp_id.access_code_hash
    assert code not in OutboundEmail.objects.get(role="access_code").body_text


def test_support_sees_the_mos_confirmation_and_sends_new_codes(client, support_user, trainer):
    factories.ExamResultFactory(reference_number="ER-2026-000101", exam_code="MO-101")
    client.force_login(support_user)
    person = reverse("support:person", args=[trainer.pk])
    response = client.post(
        reverse("support:mcp_id_generate", args=[trainer.pk]),
        {"exam_reference": "ER-2026-000101"},
        follow=True,
    )
    assert "Confirm that the candidate intends to become an MCT." in response.content.decode()
    response = client.post(
        reverse("support:mcp_id_generate", args=[trainer.pk]),
        {"exam_reference": "ER-2026-000101", "mct_intent_confirmed": "on"},
        follow=True,
    )
    text = response.content.decode()
    assert "Generated for a future MCT" in text
    mcp_id = McpId.objects.get(trainer=trainer)
    response = client.post(
        reverse("support:access_code_reissue", args=[trainer.pk]),
        {"value": mcp_id.value},
        follow=True,
    )
    assert f"A new access code for MCP ID {mcp_id.value}" in response.content.decode()
    assert response.redirect_chain[-1][0] == person


def test_a_trainer_cannot_send_codes_or_see_the_inbox(trainer_client, trainer):
    assert (
        trainer_client.post(
            reverse("support:access_code_reissue", args=[trainer.pk]), {"value": "1234"}
        ).status_code
        == 403
    )
    assert trainer_client.get(reverse("support:inbox")).status_code == 403


def test_support_lists_possible_duplicates_and_marks_them_handled(
    client, support_user, trainer, unclaimed
):
    unclaimed.trainer = factories.TrainerFactory()
    unclaimed.save()
    with pytest.raises(ClaimError):
        mcp_id_claim(trainer=trainer, value=unclaimed.value, access_code=CODE, by=trainer.user)
    client.force_login(support_user)
    page = client.get(reverse("support:inbox"))
    assert unclaimed.value in page.content.decode()
    flag = DuplicateClaimFlag.objects.get()
    client.post(reverse("support:duplicate_flag_handled", args=[flag.pk]))
    flag.refresh_from_db()
    assert flag.handled_by == support_user
    assert (
        "No possible duplicates waiting." in client.get(reverse("support:inbox")).content.decode()
    )


def _code_from(body: str) -> str:
    import re

    match = re.search(r"\b([A-Z2-9]{5}-[A-Z2-9]{5})\b", body)
    assert match, body
    return match.group(1)

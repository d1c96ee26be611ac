"""Support services: registration edits, MCP ID link / primary / generate, passcode resend."""

import re

import pytest

from enrollment.models import ExamResult, McpId, Trainer
from enrollment.support.services import (
    SupportError,
    mcp_id_generate_from_exam,
    mcp_id_link,
    mcp_id_make_primary,
    passcode_resend_for_email,
    trainer_update_registration,
)
from tests import factories
from verification.enums import PasscodePurpose
from verification.models import AuditEvent, OutboundEmail, Passcode
from verification.passcodes import passcode_issue

pytestmark = pytest.mark.django_db


def _registration(trainer: Trainer, **changes) -> dict:
    data = {name: getattr(trainer, name) for name in Trainer.REGISTRATION_FIELDS}
    return {**data, **changes}


# --- Registration data -----------------------------------------------------------------------


def test_registration_edit_saves_and_audits_only_what_changed(trainer, support_user):
    old_city = trainer.city
    trainer_update_registration(
        trainer=trainer,
        data=_registration(trainer, city="Orem", middle_name="J"),
        by=support_user,
    )
    trainer.refresh_from_db()
    assert (trainer.city, trainer.middle_name) == ("Orem", "J")
    event = AuditEvent.objects.get(action="trainer.registration_updated")
    assert event.actor == support_user
    assert event.subject_user == trainer.user
    assert event.before == {"city": old_city, "middle_name": ""}
    assert event.after == {"city": "Orem", "middle_name": "J"}


def test_registration_edit_without_changes_writes_no_audit_event(trainer, support_user):
    trainer_update_registration(trainer=trainer, data=_registration(trainer), by=support_user)
    assert not AuditEvent.objects.filter(action="trainer.registration_updated").exists()


def test_registration_edit_refuses_fields_outside_the_registration_dialog(trainer, support_user):
    with pytest.raises(ValueError, match="mtm_id"):
        trainer_update_registration(trainer=trainer, data={"mtm_id": "x"}, by=support_user)


# --- Linking and primary ---------------------------------------------------------------------


def test_linking_an_unowned_mcp_id_makes_it_primary_when_the_trainer_had_none(
    trainer, support_user
):
    unowned = McpId.objects.create(value="44556677")
    linked = mcp_id_link(trainer=trainer, value=" 4455 6677 ", by=support_user)
    assert linked.pk == unowned.pk
    assert linked.trainer == trainer and linked.is_primary
    event = AuditEvent.objects.get(action="mcp_id.linked")
    assert event.subject_user == trainer.user
    assert event.after == {"trainer": trainer.pk, "value": "44556677", "is_primary": True}


def test_a_second_linked_mcp_id_is_not_primary(trainer, support_user):
    factories.McpIdFactory(trainer=trainer, is_primary=True)
    McpId.objects.create(value="44556677")
    assert not mcp_id_link(trainer=trainer, value="44556677", by=support_user).is_primary


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("12ab", "4 to 12 digits"),
        ("１２３４５６７８", "4 to 12 digits"),  # fullwidth digits: not an MCP ID on record
        ("99999999", "No MCP ID 99999999 is on record"),
    ],
)
def test_linking_refuses_malformed_or_unknown_mcp_ids(trainer, support_user, value, message):
    with pytest.raises(SupportError, match=message):
        mcp_id_link(trainer=trainer, value=value, by=support_user)


def test_linking_refuses_an_mcp_id_held_by_another_record_and_suggests_a_merge(
    trainer, support_user
):
    other = factories.McpIdFactory(value="31313131")
    with pytest.raises(SupportError, match=r"belongs to another record.*merge"):
        mcp_id_link(trainer=trainer, value="31313131", by=support_user)
    other.refresh_from_db()
    assert other.trainer_id != trainer.pk


def test_making_an_mcp_id_primary_moves_the_flag_and_audits_both_values(trainer, support_user):
    old = factories.McpIdFactory(trainer=trainer, value="10101010", is_primary=True)
    new = factories.McpIdFactory(trainer=trainer, value="20202020")
    mcp_id_make_primary(mcp_id=new, by=support_user)
    old.refresh_from_db()
    new.refresh_from_db()
    assert new.is_primary and not old.is_primary
    event = AuditEvent.objects.get(action="mcp_id.made_primary")
    assert (event.before, event.after) == ({"primary": "10101010"}, {"primary": "20202020"})


def test_making_the_primary_mcp_id_primary_again_changes_nothing(trainer, support_user):
    primary = factories.McpIdFactory(trainer=trainer, is_primary=True)
    mcp_id_make_primary(mcp_id=primary, by=support_user)
    assert not AuditEvent.objects.filter(action="mcp_id.made_primary").exists()


# --- Generating from an exam reference number ------------------------------------------------


def test_generating_an_mcp_id_links_exam_new_id_and_trainer_and_makes_it_primary(
    trainer, support_user
):
    exam = factories.ExamResultFactory(reference_number="ER-2026-000101")
    mcp_id = mcp_id_generate_from_exam(
        exam_reference=" er-2026-000101 ",
        trainer=trainer,
        by=support_user,
        mct_intent_confirmed=True,
    )
    assert re.fullmatch(r"\d{8}", mcp_id.value)
    assert mcp_id.trainer == trainer and mcp_id.is_primary
    exam.refresh_from_db()
    assert exam.mcp_id == mcp_id
    assert trainer.mcp_ids.get(is_primary=True) == mcp_id  # what the profile page shows
    event = AuditEvent.objects.get(action="mcp_id.generated")
    assert event.subject_user == trainer.user
    assert event.after == {
        "value": mcp_id.value,
        "exam_reference": "ER-2026-000101",
        "is_primary": True,
        "mct_intent_confirmed": True,
    }


def test_a_generated_mcp_id_is_not_primary_when_the_trainer_already_has_one(trainer, support_user):
    factories.McpIdFactory(trainer=trainer, is_primary=True)
    factories.ExamResultFactory(reference_number="ER7000123")
    mcp_id = mcp_id_generate_from_exam(
        exam_reference="ER7000123", trainer=trainer, by=support_user, mct_intent_confirmed=True
    )
    assert not mcp_id.is_primary


def test_generated_mcp_ids_are_unique(trainer, support_user, monkeypatch):
    from enrollment.support import services as support

    factories.McpIdFactory(value="20000000")
    draws = iter([0, 0, 1])  # the first two collide with the existing ID
    monkeypatch.setattr(support.secrets, "randbelow", lambda _n: next(draws))
    factories.ExamResultFactory(reference_number="ER7000124")
    mcp_id = mcp_id_generate_from_exam(
        exam_reference="ER7000124", trainer=trainer, by=support_user, mct_intent_confirmed=True
    )
    assert mcp_id.value == "20000001"


@pytest.mark.parametrize(
    ("reference", "message"),
    [
        ("ER 1", "6 to 40 letters, digits and dashes"),
        ("ER-2026-<script>", "6 to 40 letters, digits and dashes"),
        ("ER-0000-999999", "No passed exam with reference number ER-0000-999999"),
    ],
)
def test_generation_refuses_malformed_or_unknown_exam_references(
    trainer, support_user, reference, message
):
    with pytest.raises(SupportError, match=message):
        mcp_id_generate_from_exam(
            exam_reference=reference, trainer=trainer, by=support_user, mct_intent_confirmed=True
        )
    assert not McpId.objects.exists()


def test_generation_refuses_an_exam_that_already_has_an_mcp_id(trainer, support_user):
    held = factories.McpIdFactory(value="56565656")
    factories.ExamResultFactory(reference_number="ER7000200", mcp_id=held)
    with pytest.raises(SupportError, match="already has MCP ID 56565656, held by another record"):
        mcp_id_generate_from_exam(
            exam_reference="ER7000200", trainer=trainer, by=support_user, mct_intent_confirmed=True
        )
    assert McpId.objects.count() == 1
    assert ExamResult.objects.get().mcp_id == held


# --- Resending a passcode ----------------------------------------------------------------------


@pytest.fixture
def passcode_email(trainer, settings):
    settings.PASSCODE_RESEND_COOLDOWN_SECONDS = 0
    passcode_issue(
        user=trainer.user, address="ben@contoso.example", purpose=PasscodePurpose.PARTNER_ADDRESS
    )
    return OutboundEmail.objects.get(role="passcode")


def test_resending_a_passcode_issues_a_new_code_for_the_same_address_and_purpose(
    trainer, support_user, passcode_email
):
    passcode_resend_for_email(email=passcode_email, by=support_user)
    codes = Passcode.objects.filter(user=trainer.user).order_by("created_at")
    assert codes.count() == 2
    assert codes.last().address == "ben@contoso.example"
    assert codes.last().purpose == PasscodePurpose.PARTNER_ADDRESS
    assert codes.first().revoked_at is not None
    assert OutboundEmail.objects.filter(role="passcode").count() == 2
    event = AuditEvent.objects.get(action="passcode.resent_by_support")
    assert event.subject_user == trainer.user and event.actor == support_user


def test_resending_respects_the_passcode_cooldown_with_a_readable_message(
    support_user, passcode_email, settings
):
    settings.PASSCODE_RESEND_COOLDOWN_SECONDS = 3600
    with pytest.raises(SupportError, match="Wait a minute"):
        passcode_resend_for_email(email=passcode_email, by=support_user)


def test_only_passcode_emails_can_be_resent_as_a_passcode(trainer, support_user):
    email = factories.OutboundEmailFactory(user=trainer.user)
    with pytest.raises(SupportError, match="Only passcode emails"):
        passcode_resend_for_email(email=email, by=support_user)

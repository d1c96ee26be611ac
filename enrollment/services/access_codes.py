"""Access codes: issuing them, and a trainer linking an MCP ID with one (issue 9).

An access code is the MCP ID's secret (rules/access_codes.py): stored only as a keyed
hash, sent to the candidate by email (the outbound-email row keeps it masked), and
checked here with two limits:

- per MCP ID: after ACCESS_CODE_MAX_ATTEMPTS wrong codes the ID is locked until support
  issues a new code;
- per trainer: MCP_CLAIM_DAILY_LIMIT wrong tries in 24 hours, whatever IDs they typed, so
  guessing IDs does not get round the first limit.

A wrong try must be counted even though the claim fails, so the counting transaction
commits before the error is raised.
"""

import re
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from verification.audit import audit

from ..errors import DomainError, SupportError
from ..models import DuplicateClaimFlag, McpId, McpIdClaimAttempt, Trainer
from ..rules.access_codes import (
    access_code_generate,
    access_code_hash,
    access_code_matches,
    access_code_normalise,
)
from .trainers import trainer_mail

MCP_ID_PATTERN = re.compile(r"^[0-9]{4,12}$")
ACCESS_CODE_EMAIL_ROLE = "access_code"


def _no_match() -> str:
    return _(
        "That MCP ID and access code do not match our records. Check both (the code is on the "
        "email or letter that came with the MCP ID) and try again."
    )


class ClaimError(DomainError):
    """The MCP ID could not be linked; the message tells the trainer why and what to do."""

    def __init__(self, message: str, *, duplicate: bool = False):
        super().__init__(message)
        self.duplicate = duplicate


def normalise_mcp_id(value: str) -> str:
    return re.sub(r"[\s-]", "", value or "")


def _max_attempts() -> int:
    return settings.ACCESS_CODE_MAX_ATTEMPTS


def wrong_tries_today(*, trainer: Trainer) -> int:
    since = timezone.now() - timedelta(hours=24)
    return McpIdClaimAttempt.objects.filter(
        trainer=trainer, succeeded=False, created_at__gte=since
    ).count()


# --- Issuing -----------------------------------------------------------------------------------


def access_code_issue(*, mcp_id: McpId, recipient: Trainer, by, reason: str) -> McpId:
    """Gives an MCP ID a new access code, emails it to `recipient`, and unlocks the ID.

    Call inside a transaction with `mcp_id` locked; the email leaves after commit. The
    previous code stops working at once.
    """
    code = access_code_generate()
    had_code = bool(mcp_id.access_code_hash)
    mcp_id.access_code_hash = access_code_hash(code)
    mcp_id.access_code_issued_at = timezone.now()
    before = {"claim_failures": mcp_id.claim_failures, "locked": mcp_id.claim_locked_at is not None}
    mcp_id.claim_failures = 0
    mcp_id.claim_locked_at = None
    mcp_id.save(
        update_fields=[
            "access_code_hash",
            "access_code_issued_at",
            "claim_failures",
            "claim_locked_at",
        ]
    )
    audit(
        actor=by,
        action="mcp_id.access_code_issued",
        target=mcp_id,
        subject_user=recipient.user,
        before={**before, "had_code": had_code},
        after={"sent_to": recipient.user.email, "value": mcp_id.value},
        note=reason,
    )
    trainer_mail(
        recipient,
        role=ACCESS_CODE_EMAIL_ROLE,
        context={
            "mcp_id": mcp_id.value,
            "linked": mcp_id.trainer_id == recipient.pk,
            "max_attempts": _max_attempts(),
        },
        secret_context={"access_code": code},
    )
    return mcp_id


@transaction.atomic
def access_code_reissue(*, value: str, recipient: Trainer, by) -> McpId:
    """Support: a new access code for an MCP ID (e.g. after it locked), sent to the person
    whose record support is on. An ID linked to someone else is refused."""
    value = normalise_mcp_id(value)
    if not MCP_ID_PATTERN.match(value):
        raise SupportError("An MCP ID is 4 to 12 digits. Check the number and try again.")
    mcp_id = McpId.objects.select_for_update().filter(value=value).first()
    if mcp_id is None:
        raise SupportError(f"No MCP ID {value} is on record.")
    if mcp_id.trainer_id is not None and mcp_id.trainer_id != recipient.pk:
        raise SupportError(
            f"MCP ID {value} belongs to another record (#{mcp_id.trainer_id}). Send its new "
            "code from that record, or merge the two records if they are the same person."
        )
    return access_code_issue(
        mcp_id=mcp_id, recipient=recipient, by=by, reason="New access code issued by support."
    )


# --- Claiming ----------------------------------------------------------------------------------


def mcp_id_claim(*, trainer: Trainer, value: str, access_code: str, by) -> McpId:
    """Links the MCP ID to the trainer when the access code is right; its exams and
    certifications count at once. Raises ClaimError (after recording a wrong try)."""
    value = normalise_mcp_id(value)
    if not MCP_ID_PATTERN.match(value):
        raise ClaimError(_("An MCP ID is 4 to 12 digits. Check the number and try again."))
    if not access_code_normalise(access_code):
        raise ClaimError(_("Enter the access code that came with your MCP ID."))
    mcp_id, error = _claim(trainer=trainer, value=value, access_code=access_code, by=by)
    if error is not None:
        raise error
    return mcp_id


@transaction.atomic
def _claim(*, trainer: Trainer, value: str, access_code: str, by):
    # The trainer's row first: one claim of theirs at a time, so the daily count is exact.
    locked = Trainer.objects.select_for_update().select_related("user").get(pk=trainer.pk)
    if wrong_tries_today(trainer=locked) >= settings.MCP_CLAIM_DAILY_LIMIT:
        return None, ClaimError(
            _(
                "You have entered too many wrong MCP IDs or access codes today. Try again "
                "tomorrow, or ask support for help."
            )
        )
    mcp_id = McpId.objects.select_for_update().filter(value=value).first()
    if mcp_id is not None and mcp_id.claim_locked_at is not None:
        return None, ClaimError(
            _(
                "MCP ID %(value)s is locked after %(count)s wrong access codes. Ask support for a "
                "new access code; it unlocks the ID."
            )
            % {"value": value, "count": _max_attempts()}
        )
    if mcp_id is None or not access_code_matches(access_code, mcp_id.access_code_hash):
        return None, _wrong_try(trainer=locked, mcp_id=mcp_id, value=value, by=by)

    McpIdClaimAttempt.objects.create(trainer=locked, value=value, succeeded=True)
    if mcp_id.claim_failures:
        mcp_id.claim_failures = 0
        mcp_id.save(update_fields=["claim_failures"])
    if mcp_id.trainer_id == locked.pk:
        return None, ClaimError(
            _("MCP ID %(value)s is already linked to your account.") % {"value": value}
        )
    if mcp_id.trainer_id is not None:
        return None, _refuse_duplicate(trainer=locked, mcp_id=mcp_id, by=by)

    is_primary = not McpId.objects.filter(trainer=locked, is_primary=True).exists()
    mcp_id.trainer = locked
    mcp_id.is_primary = is_primary
    mcp_id.save(update_fields=["trainer", "is_primary"])
    audit(
        actor=by,
        action="mcp_id.claimed",
        target=mcp_id,
        subject_user=locked.user,
        before={"trainer": None},
        after={"trainer": locked.pk, "value": value, "is_primary": is_primary},
    )
    return mcp_id, None


def _wrong_try(*, trainer: Trainer, mcp_id: McpId | None, value: str, by) -> ClaimError:
    McpIdClaimAttempt.objects.create(trainer=trainer, value=value, succeeded=False)
    if mcp_id is None:
        return ClaimError(_no_match())
    mcp_id.claim_failures += 1
    locks = mcp_id.claim_failures >= _max_attempts()
    if locks:
        mcp_id.claim_locked_at = timezone.now()
    mcp_id.save(update_fields=["claim_failures", "claim_locked_at"])
    audit(
        actor=by,
        action="mcp_id.claim_locked" if locks else "mcp_id.claim_failed",
        target=mcp_id,
        subject_user=trainer.user,
        after={"claim_failures": mcp_id.claim_failures, "by_trainer": trainer.pk},
    )
    if locks:
        return ClaimError(
            _(
                "MCP ID %(value)s is now locked after %(count)s wrong access codes. Ask support "
                "for a new access code; it unlocks the ID."
            )
            % {"value": value, "count": _max_attempts()}
        )
    return ClaimError(_no_match())


def _refuse_duplicate(*, trainer: Trainer, mcp_id: McpId, by) -> ClaimError:
    try:
        with transaction.atomic():
            flag, created = DuplicateClaimFlag.objects.get_or_create(
                mcp_id=mcp_id,
                claimant=trainer,
                handled_at=None,
                defaults={"holder_id": mcp_id.trainer_id},
            )
    except IntegrityError:  # the same claim from a second tab, at the same moment
        created = False
    if created:
        audit(
            actor=by,
            action="mcp_id.claim_refused_duplicate",
            target=mcp_id,
            subject_user=trainer.user,
            after={"claimant": trainer.pk, "holder": mcp_id.trainer_id, "flag": flag.pk},
        )
    return ClaimError(
        _(
            "MCP ID %(value)s is already linked to another account, so it cannot be linked to "
            "this one. If that account is also yours, you do not need to do anything more: we "
            "have told support, who will check both accounts and join them."
        )
        % {"value": mcp_id.value},
        duplicate=True,
    )


@transaction.atomic
def duplicate_flag_handle(*, flag: DuplicateClaimFlag, by) -> DuplicateClaimFlag:
    locked = DuplicateClaimFlag.objects.select_for_update().get(pk=flag.pk)
    if locked.handled_at is not None:
        return locked
    locked.handled_at = timezone.now()
    locked.handled_by = by
    locked.save(update_fields=["handled_at", "handled_by"])
    audit(
        actor=by,
        action="mcp_id.duplicate_flag_handled",
        target=locked.mcp_id,
        subject_user=locked.claimant.user,
        after={"flag": locked.pk},
    )
    return locked

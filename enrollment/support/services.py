"""What the support console changes: registration data, MCP IDs, merges, passcode resends.

Each function locks what it changes, refuses what it must not do with a SupportError whose
message is shown to the support agent, and writes an audit event about the person.
Support never approves evidence or applications: nothing here does.
"""

import re
import secrets
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.utils import timezone

from verification.audit import audit, changed_fields
from verification.models import AuditEvent, Document, OutboundEmail, Passcode
from verification.passcodes import PasscodeError, normalize_address, passcode_issue

from ..enums import (
    APPLICATION_OPEN,
    APPLICATION_TRANSITIONS,
    MEMBERSHIP_OPEN,
    ApplicationStatus,
    Program,
)
from ..errors import SupportError
from ..models import (
    Application,
    EarnedCertification,
    Evidence,
    ExamResult,
    McpId,
    Membership,
    Trainer,
)
from ..services.access_codes import access_code_issue
from ..services.applications import application_withdraw
from ..services.memberships import membership_end


def support_search_audit(
    *, by, query: str, trainer_ids: list[int], result_count: int, page: int
) -> None:
    """Every search is written to the audit trail: the query and the ids shown."""
    audit(
        actor=by,
        action="support.search",
        target=by,
        note=query,
        after={"trainer_ids": trainer_ids, "result_count": result_count, "page": page},
    )


def support_person_viewed(*, by, trainer: Trainer) -> None:
    """Every view of a person's record is written to the audit trail."""
    audit(actor=by, action="support.view_person", target=trainer, subject_user=trainer.user)


MCP_ID_PATTERN = re.compile(r"^[0-9]{4,12}$")  # ASCII: \d accepts "１２３４" too
# As printed at the bottom of the score report, e.g. ER-2026-000101.
EXAM_REFERENCE_PATTERN = re.compile(r"^[A-Z0-9][A-Z0-9-]{4,38}[A-Z0-9]$")
# Generated MCP IDs: eight digits, drawn at random until one is free.
GENERATED_MCP_ID_RANGE = (20_000_000, 97_999_999)
GENERATE_ATTEMPTS = 20

# Which of two open applications on the same path a merge keeps: the one further along.
_APPLICATION_PROGRESS = {
    ApplicationStatus.DRAFT: 0,
    ApplicationStatus.ACTION_REQUIRED: 1,
    ApplicationStatus.IN_REVIEW: 1,
    ApplicationStatus.READY: 2,
    ApplicationStatus.AWAITING_PAYMENT: 3,
}
# Filled on the kept record from the absorbed one when the kept record has them empty.
MERGE_FILLABLE_FIELDS = [*Trainer.REGISTRATION_FIELDS, "mtm_id", "area_of_expertise"]


def normalise_mcp_id(value: str) -> str:
    return re.sub(r"[\s-]", "", value or "")


def normalise_exam_reference(value: str) -> str:
    return re.sub(r"\s", "", value or "").upper()


def _lock_trainer(trainer: Trainer) -> Trainer:
    return Trainer.objects.select_for_update().select_related("user").get(pk=trainer.pk)


# --- Registration data -----------------------------------------------------------------------


@transaction.atomic
def trainer_update_registration(*, trainer: Trainer, data: dict, by) -> Trainer:
    """Saves the registration fields that really change; the audit event holds before/after."""
    unknown = set(data) - set(Trainer.REGISTRATION_FIELDS)
    if unknown:
        raise ValueError(f"Not registration fields: {sorted(unknown)}")
    locked = _lock_trainer(trainer)
    before, after = changed_fields(locked, Trainer.REGISTRATION_FIELDS, data)
    if not after:
        return locked
    for name in after:
        setattr(locked, name, data[name])
    locked.save(update_fields=[*after, "updated_at"])
    audit(
        actor=by,
        action="trainer.registration_updated",
        target=locked,
        subject_user=locked.user,
        before=before,
        after=after,
    )
    return locked


# --- MCP IDs ------------------------------------------------------------------------------


def _has_primary(trainer: Trainer) -> bool:
    return McpId.objects.filter(trainer=trainer, is_primary=True).exists()


@transaction.atomic
def mcp_id_link(*, trainer: Trainer, value: str, by) -> McpId:
    """Links an MCP ID on record (issued with an exam, imported with a transcript) to a
    trainer; it becomes primary if the trainer had none."""
    value = normalise_mcp_id(value)
    if not MCP_ID_PATTERN.match(value):
        raise SupportError("An MCP ID is 4 to 12 digits. Check the number and try again.")
    locked = _lock_trainer(trainer)
    mcp_id = McpId.objects.select_for_update().filter(value=value).first()
    if mcp_id is None:
        raise SupportError(
            f"No MCP ID {value} is on record. Check the number, or import the candidate's "
            "transcript first."
        )
    if mcp_id.trainer_id == locked.pk:
        raise SupportError(f"MCP ID {value} is already linked to this person.")
    if mcp_id.trainer_id is not None:
        raise SupportError(
            f"MCP ID {value} belongs to another record (#{mcp_id.trainer_id}). If both "
            "records are the same person, merge them."
        )
    mcp_id.trainer = locked
    mcp_id.is_primary = not _has_primary(locked)
    mcp_id.save(update_fields=["trainer", "is_primary"])
    audit(
        actor=by,
        action="mcp_id.linked",
        target=mcp_id,
        subject_user=locked.user,
        before={"trainer": None},
        after={"trainer": locked.pk, "value": value, "is_primary": mcp_id.is_primary},
    )
    return mcp_id


@transaction.atomic
def mcp_id_make_primary(*, mcp_id: McpId, by) -> McpId:
    if mcp_id.trainer_id is None:
        raise SupportError(f"MCP ID {mcp_id.value} is not linked to anyone.")
    trainer = _lock_trainer(mcp_id.trainer)
    held = {m.pk: m for m in McpId.objects.select_for_update().filter(trainer=trainer)}
    target = held.get(mcp_id.pk)
    if target is None:
        raise SupportError(f"MCP ID {mcp_id.value} is no longer linked to this person.")
    if target.is_primary:
        return target
    previous = next((m for m in held.values() if m.is_primary), None)
    if previous is not None:  # first, or the one-primary constraint refuses the second
        previous.is_primary = False
        previous.save(update_fields=["is_primary"])
    target.is_primary = True
    target.save(update_fields=["is_primary"])
    audit(
        actor=by,
        action="mcp_id.made_primary",
        target=target,
        subject_user=trainer.user,
        before={"primary": previous.value if previous else None},
        after={"primary": target.value},
    )
    return target


@transaction.atomic
def mcp_id_generate_from_exam(
    *, exam_reference: str, trainer: Trainer, by, mct_intent_confirmed: bool = False
) -> McpId:
    """Issues a new MCP ID for a candidate who passed an exam that came with none.

    The exam result, the new ID and the trainer are linked together; the ID is primary if
    the trainer held none, so it shows on their profile. The MOS rule: an ID is generated
    only for a candidate who intends to become an MCT, which support confirms (recorded on
    the ID). The candidate gets the ID's access code by email.
    """
    if not mct_intent_confirmed:
        raise SupportError(
            "Confirm that the candidate intends to become an MCT: MCP IDs for Office "
            "Specialist candidates are generated only for them."
        )
    reference = normalise_exam_reference(exam_reference)
    if not EXAM_REFERENCE_PATTERN.match(reference):
        raise SupportError(
            "An exam reference number is 6 to 40 letters, digits and dashes, as printed at "
            "the bottom of the candidate's score report."
        )
    locked = _lock_trainer(trainer)
    exam_result = ExamResult.objects.select_for_update().filter(reference_number=reference).first()
    if exam_result is None:
        raise SupportError(
            f"No passed exam with reference number {reference} is on record. Check the "
            "number on the candidate's score report."
        )
    if exam_result.mcp_id_id is not None:
        existing = McpId.objects.get(pk=exam_result.mcp_id_id)
        holder = "this person" if existing.trainer_id == locked.pk else "another record"
        raise SupportError(
            f"Exam {reference} already has MCP ID {existing.value}, held by {holder}. "
            "Link or merge instead of generating a second one."
        )
    is_primary = not _has_primary(locked)
    mcp_id = _create_unique_mcp_id(trainer=locked, is_primary=is_primary)
    mcp_id.mct_intent_confirmed_at = timezone.now()
    mcp_id.mct_intent_confirmed_by = by
    mcp_id.save(update_fields=["mct_intent_confirmed_at", "mct_intent_confirmed_by"])
    exam_result.mcp_id = mcp_id
    exam_result.save(update_fields=["mcp_id"])
    audit(
        actor=by,
        action="mcp_id.generated",
        target=mcp_id,
        subject_user=locked.user,
        after={
            "value": mcp_id.value,
            "exam_reference": reference,
            "is_primary": is_primary,
            "mct_intent_confirmed": True,
        },
    )
    access_code_issue(
        mcp_id=mcp_id, recipient=locked, by=by, reason="Issued with the generated MCP ID."
    )
    return mcp_id


def _create_unique_mcp_id(*, trainer: Trainer, is_primary: bool) -> McpId:
    low, high = GENERATED_MCP_ID_RANGE
    for _attempt in range(GENERATE_ATTEMPTS):
        value = str(low + secrets.randbelow(high - low + 1))
        if McpId.objects.filter(value=value).exists():
            continue
        try:
            with transaction.atomic():
                return McpId.objects.create(value=value, trainer=trainer, is_primary=is_primary)
        except IntegrityError:  # taken between the check and the insert
            continue
    raise RuntimeError("Could not find a free MCP ID; widen GENERATED_MCP_ID_RANGE.")


# --- Merging two records of one person ---------------------------------------------------------


@dataclass
class MembershipChange:
    membership: Membership
    from_absorbed: bool
    ends: bool


@dataclass
class ApplicationChange:
    application: Application
    from_absorbed: bool
    withdrawn: bool


@dataclass
class MergePreview:
    """What a merge would do; shown to the agent before they confirm."""

    keep: Trainer
    absorb: Trainer
    mcp_ids: list[McpId]
    certification_count: int
    memberships: list[MembershipChange]
    applications: list[ApplicationChange]
    evidence_count: int
    document_count: int
    email_count: int
    passcode_count: int
    audit_event_count: int
    filled_fields: dict[str, str]
    absorbed_primary_stays_primary: bool
    blockers: list[str] = field(default_factory=list)

    @property
    def can_merge(self) -> bool:
        return not self.blockers

    @property
    def ended_memberships(self) -> list[MembershipChange]:
        return [change for change in self.memberships if change.ends]

    @property
    def withdrawn_applications(self) -> list[ApplicationChange]:
        return [change for change in self.applications if change.withdrawn]


def trainer_merge_preview(*, keep: Trainer, absorb: Trainer, lock: bool = False) -> MergePreview:
    """Everything that moves from `absorb` to `keep`, and the rule applied to conflicts:

    - open memberships in the same program: the later anniversary stays open, the other
      ends; an open MCT membership ends an open alumni one (a trainer is one or the other);
    - open applications on the same path: the one further along stays, the other is
      withdrawn; two awaiting payment block the merge until one payment is cancelled.
    """
    if keep.pk == absorb.pk:
        raise SupportError("A record cannot be merged into itself.")
    memberships = Membership.objects.filter(trainer__in=[keep, absorb]).order_by("pk")
    applications = Application.objects.filter(trainer__in=[keep, absorb]).order_by("pk")
    if lock:
        memberships = memberships.select_for_update()
        applications = applications.select_for_update()
    membership_changes = _membership_plan(list(memberships), absorb)
    application_changes, blockers = _application_plan(list(applications), absorb)
    mcp_ids = list(McpId.objects.filter(trainer=absorb).order_by("-is_primary", "value"))
    user = absorb.user
    return MergePreview(
        keep=keep,
        absorb=absorb,
        mcp_ids=mcp_ids,
        certification_count=EarnedCertification.objects.filter(mcp_id__trainer=absorb).count(),
        memberships=membership_changes,
        applications=application_changes,
        evidence_count=Evidence.objects.filter(application__trainer=absorb).count(),
        document_count=Document.objects.filter(owner=user).count(),
        email_count=OutboundEmail.objects.filter(user=user).count(),
        passcode_count=Passcode.objects.filter(user=user).count(),
        audit_event_count=AuditEvent.objects.filter(subject_user=user).count(),
        filled_fields={
            name: str(getattr(absorb, name))
            for name in MERGE_FILLABLE_FIELDS
            if not getattr(keep, name) and getattr(absorb, name)
        },
        absorbed_primary_stays_primary=(
            not McpId.objects.filter(trainer=keep, is_primary=True).exists()
            and any(m.is_primary for m in mcp_ids)
        ),
        blockers=blockers,
    )


def _membership_plan(memberships: list[Membership], absorb: Trainer) -> list[MembershipChange]:
    open_ones = [m for m in memberships if m.status in MEMBERSHIP_OPEN]
    stays_open: dict[str, Membership] = {}
    for membership in sorted(open_ones, key=lambda m: (m.anniversary_on, m.pk)):
        stays_open[membership.program] = membership  # the later anniversary wins
    if Program.MCT in stays_open:
        stays_open.pop(Program.ALUMNI, None)
    changes = []
    for membership in memberships:
        from_absorbed = membership.trainer_id == absorb.pk
        ends = membership.status in MEMBERSHIP_OPEN and (
            stays_open.get(membership.program) is not membership
        )
        if from_absorbed or ends:
            changes.append(MembershipChange(membership, from_absorbed, ends))
    return changes


def _application_plan(
    applications: list[Application], absorb: Trainer
) -> tuple[list[ApplicationChange], list[str]]:
    open_by_path: dict[str, list[Application]] = {}
    for application in applications:
        if application.status in APPLICATION_OPEN:
            open_by_path.setdefault(application.path, []).append(application)
    withdrawn: set[int] = set()
    blockers: list[str] = []
    for path_applications in open_by_path.values():
        if len(path_applications) < 2:
            continue
        ranked = sorted(
            path_applications,
            key=lambda a: (_APPLICATION_PROGRESS[a.status], a.last_activity_at, a.pk),
        )
        for application in ranked[:-1]:
            if ApplicationStatus.WITHDRAWN not in APPLICATION_TRANSITIONS[application.status]:
                blockers.append(
                    f"Both records have a “{application.get_path_display()}” application "
                    f"that is {application.get_status_display().lower()}. Cancel one of the "
                    "payments first."
                )
            withdrawn.add(application.pk)
    changes = [
        ApplicationChange(a, a.trainer_id == absorb.pk, a.pk in withdrawn)
        for a in applications
        if a.trainer_id == absorb.pk or a.pk in withdrawn
    ]
    return changes, blockers


def _merge_summary(trainer: Trainer) -> dict:
    return {
        "trainer": trainer.pk,
        "user": trainer.user_id,
        "name": trainer.full_name,
        "email": trainer.email,
        "mcp_ids": sorted(McpId.objects.filter(trainer=trainer).values_list("value", flat=True)),
        "memberships": sorted(
            Membership.objects.filter(trainer=trainer).values_list("pk", flat=True)
        ),
        "applications": sorted(
            Application.objects.filter(trainer=trainer).values_list("pk", flat=True)
        ),
    }


@transaction.atomic
def trainer_merge(*, keep: Trainer, absorb: Trainer, by) -> Trainer:
    """Merges two records of one person into `keep`. Irreversible.

    Moves MCP IDs (and so every certification), memberships, applications (with their
    evidence), documents, emails, passcodes and the audit trail; fills registration
    fields the kept record lacks; deactivates the absorbed sign-in and deletes the
    absorbed trainer record. One audit event, "trainer.merged", tells the whole story.
    """
    if keep.pk == absorb.pk:
        raise SupportError("A record cannot be merged into itself.")
    locked = {
        t.pk: t
        for t in Trainer.objects.select_for_update()
        .select_related("user")
        .filter(pk__in=[keep.pk, absorb.pk])
        .order_by("pk")
    }
    if len(locked) != 2:
        raise SupportError("One of the two records no longer exists; it may be merged already.")
    keep, absorb = locked[keep.pk], locked[absorb.pk]
    plan = trainer_merge_preview(keep=keep, absorb=absorb, lock=True)
    if plan.blockers:
        raise SupportError(" ".join(plan.blockers))
    before = {"keep": _merge_summary(keep), "absorb": _merge_summary(absorb)}
    now = timezone.now()
    reason = f"Duplicate record #{absorb.pk} merged into #{keep.pk}."

    # Close conflicts first, so nothing moves into a one-open-per-program/path constraint.
    # Through the services (transition checked, audited per row), quietly: the merge's own
    # audit event tells the story and nobody is emailed.
    for change in plan.ended_memberships:
        membership_end(membership=change.membership, by=by, reason=reason)
    for change in plan.withdrawn_applications:
        application_withdraw(application=change.application, by=by, reason=reason, notify=False)

    if not plan.absorbed_primary_stays_primary:
        McpId.objects.filter(trainer=absorb, is_primary=True).update(is_primary=False)
    McpId.objects.filter(trainer=absorb).update(trainer=keep)
    Membership.objects.filter(trainer=absorb).update(trainer=keep)
    Application.objects.filter(trainer=absorb).update(trainer=keep)
    absorbed_user, kept_user = absorb.user, keep.user
    # A code is bound to the user it was issued to: the absorbed one's open codes die.
    Passcode.objects.filter(user=absorbed_user, used_at=None, revoked_at=None).update(
        revoked_at=now
    )
    moved = {
        "documents": Document.objects.filter(owner=absorbed_user).update(owner=kept_user),
        "emails": OutboundEmail.objects.filter(user=absorbed_user).update(user=kept_user),
        "passcodes": Passcode.objects.filter(user=absorbed_user).update(user=kept_user),
        "audit_events": AuditEvent.objects.filter(subject_user=absorbed_user).update(
            subject_user=kept_user
        ),
    }

    filled = list(plan.filled_fields)
    if keep.nda_accepted_at is None and absorb.nda_accepted_at is not None:
        filled.append("nda_accepted_at")
    for name in filled:
        setattr(keep, name, getattr(absorb, name))
    keep.save(update_fields=[*filled, "updated_at"])

    absorbed_trainer_pk = absorb.pk
    absorb.delete()
    absorbed_user.is_active = False
    absorbed_user.save(update_fields=["is_active"])

    after = {
        "keep": _merge_summary(keep),
        "absorbed_trainer": absorbed_trainer_pk,
        "absorbed_user": absorbed_user.pk,
        "moved": {
            "mcp_ids": [m.value for m in plan.mcp_ids],
            "certifications": plan.certification_count,
            "memberships": [c.membership.pk for c in plan.memberships if c.from_absorbed],
            "applications": [c.application.pk for c in plan.applications if c.from_absorbed],
            "evidence": plan.evidence_count,
            **moved,
        },
        "ended_memberships": [c.membership.pk for c in plan.ended_memberships],
        "withdrawn_applications": [c.application.pk for c in plan.withdrawn_applications],
        "filled_fields": sorted(plan.filled_fields),
    }
    audit(
        actor=by,
        action="trainer.merged",
        target=keep,
        subject_user=kept_user,
        before=before,
        after=after,
        note=reason,
    )
    return keep


# --- Passcodes ------------------------------------------------------------------------------


PASSCODE_EMAIL_ROLE = "passcode"


@transaction.atomic
def passcode_resend_for_email(*, email: OutboundEmail, by) -> None:
    """Sends a fresh passcode to the address (and for the purpose) of a passcode email.

    The verification app's limits apply (cooldown, daily cap): support cannot bypass them.
    """
    if email.role != PASSCODE_EMAIL_ROLE or email.user_id is None:
        raise SupportError("Only passcode emails can be resent as a new passcode.")
    latest = (
        Passcode.objects.filter(user_id=email.user_id, address=normalize_address(email.to))
        .order_by("-created_at")
        .first()
    )
    if latest is None:
        raise SupportError(
            "No passcode was ever issued for this address, so there is nothing to resend."
        )
    try:
        passcode_issue(user=email.user, address=latest.address, purpose=latest.purpose)
    except PasscodeError as error:
        raise SupportError(getattr(error, "message", None) or str(error)) from error
    audit(
        actor=by,
        action="passcode.resent_by_support",
        target=email,
        subject_user=email.user,
        after={"address": latest.address, "purpose": latest.purpose},
    )

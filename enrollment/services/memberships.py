"""Membership years: start, extend. Each row is one year; history is never overwritten."""

import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format

from core.l10n import lazy_long_date
from core.transitions import check_transition
from mct_portal.links import portal_url
from verification.audit import audit

from ..credentials.services import credential_issue
from ..enums import (
    MEMBERSHIP_OPEN,
    MEMBERSHIP_TRANSITIONS,
    MembershipStatus,
    Program,
)
from ..errors import InvalidTransition
from ..models import Application, Membership, Trainer
from ..paths.registry import renew_path, step_url
from ..rules.memberships import (
    add_years,
    anniversary_for_start,
    days_left,
    lapse_due,
    reminders_due,
)
from .trainers import trainer_mail


def _membership_snapshot(membership: Membership) -> dict:
    return {
        "program": membership.program,
        "status": membership.status,
        "starts_on": membership.starts_on.isoformat(),
        "anniversary_on": membership.anniversary_on.isoformat(),
    }


def _locked_open_membership(trainer: Trainer, program: str) -> Membership | None:
    return (
        Membership.objects.select_for_update()
        .filter(trainer=trainer, program=program, status__in=MEMBERSHIP_OPEN)
        .order_by("-anniversary_on")
        .first()
    )


def _close(membership: Membership, *, status: str, by, reason: str) -> None:
    """Moves a locked open year to `status` (checked against MEMBERSHIP_TRANSITIONS); audits."""
    check_transition(
        MEMBERSHIP_TRANSITIONS,
        membership.status,
        status,
        message=(
            f"A membership that is {MembershipStatus(membership.status).label.lower()} "
            f"cannot become {MembershipStatus(status).label.lower()}."
        ),
    )
    before = _membership_snapshot(membership)
    membership.status = status
    membership.status_reason = reason
    membership.status_changed_at = timezone.now()
    membership.save(update_fields=["status", "status_reason", "status_changed_at"])
    audit(
        actor=by,
        action=f"membership.{status}",
        target=membership,
        subject_user=membership.trainer.user,
        before=before,
        after=_membership_snapshot(membership),
        note=reason,
    )


@transaction.atomic
def membership_start(
    *,
    trainer: Trainer,
    program: str,
    application: Application | None = None,
    by=None,
    starts_on: datetime.date | None = None,
) -> Membership:
    """Starts a membership year (new, rejoin, upgrade, alumni); anniversary one year out.

    Upgrading to MCT ends the open alumni year, since a trainer is one or the other.
    """
    starts_on = starts_on or timezone.localdate()
    if _locked_open_membership(trainer, program) is not None:
        raise InvalidTransition(
            f"This trainer already has an open {Program(program).label} membership."
        )
    if program == Program.MCT:
        alumni = _locked_open_membership(trainer, Program.ALUMNI)
        if alumni is not None:
            _close(alumni, status=MembershipStatus.ENDED, by=by, reason="Upgraded to MCT.")
    membership = Membership.objects.create(
        trainer=trainer,
        program=program,
        status=MembershipStatus.ACTIVE,
        starts_on=starts_on,
        anniversary_on=anniversary_for_start(starts_on),
        application=application,
    )
    audit(
        actor=by,
        action="membership.started",
        target=membership,
        subject_user=trainer.user,
        after=_membership_snapshot(membership),
    )
    credential_issue(membership=membership)
    return membership


@transaction.atomic
def membership_end(*, membership: Membership, by, reason: str) -> Membership:
    """Ends an open year without a lapse (a merge keeps the other record's year). Quiet: the
    caller tells the trainer if anyone must be told. A year no longer open is left alone."""
    locked = (
        Membership.objects.select_for_update().select_related("trainer__user").get(pk=membership.pk)
    )
    if locked.status not in MEMBERSHIP_OPEN:
        return locked
    _close(locked, status=MembershipStatus.ENDED, by=by, reason=reason)
    return locked


def renewal_refusal(current: Membership | None, program: str) -> str | None:
    """Why the open year `current` cannot be renewed today, or None when it can."""
    if current is None:
        return f"There is no open {Program(program).label} membership to renew."
    if lapse_due(current.anniversary_on, timezone.localdate()):
        # No grace period: a year whose anniversary has come is lapsing, whether or not the
        # periodic task has run yet.
        return (
            f"This {Program(program).label} membership reached its anniversary on "
            f"{date_format(current.anniversary_on, 'j F Y')} without being renewed, so it has "
            "lapsed and can no longer be renewed. "
            + (
                "Rejoin the program instead."
                if program == Program.MCT
                else "Apply for MCT Alumni again instead."
            )
        )
    return None


@transaction.atomic
def membership_extend(
    *, trainer: Trainer, program: str, application: Application | None = None, by=None
) -> Membership:
    """Renews: the next year starts at the previous anniversary and runs one year."""
    current = _locked_open_membership(trainer, program)
    refusal = renewal_refusal(current, program)
    if refusal:
        raise InvalidTransition(refusal)
    _close(current, status=MembershipStatus.ENDED, by=by, reason="Renewed for another year.")
    membership = Membership.objects.create(
        trainer=trainer,
        program=program,
        status=MembershipStatus.ACTIVE,
        starts_on=current.anniversary_on,
        anniversary_on=add_years(current.anniversary_on, 1),
        application=application,
    )
    audit(
        actor=by,
        action="membership.renewed",
        target=membership,
        subject_user=trainer.user,
        before=_membership_snapshot(current),
        after=_membership_snapshot(membership),
    )
    credential_issue(membership=membership)
    return membership


# --- Renewal reminders, lapse and revocation ----------------------------------------------

# Where a member renews, and where a lapsed member goes back in, per program.


def _first_step_url(definition) -> str:
    """A link to the first step of a path (the renewal reminder's and the lapse email's)."""
    return portal_url(step_url(definition.path, definition.step_names[0]))


def _mail_member(membership: Membership, *, role: str, context: dict) -> None:
    trainer_mail(
        membership.trainer,
        role=role,
        context={
            "program": membership.program,
            "program_label": Program(membership.program).label,
            "anniversary_on": lazy_long_date(membership.anniversary_on),
            **context,
        },
    )


def _lock_membership(membership: Membership) -> Membership:
    return (
        Membership.objects.select_for_update().select_related("trainer__user").get(pk=membership.pk)
    )


@transaction.atomic
def membership_send_reminder(*, membership: Membership, today: datetime.date | None = None) -> int:
    """Sends the renewal reminder due today for one membership year, if any.

    Returns the reminder mark sent (days before the anniversary), or 0 when none was due.
    The mark is recorded on the row in the same transaction, so a reminder goes out once
    per year however often the task runs, and a renewed year (a new row) starts afresh.
    """
    today = today or timezone.localdate()
    locked = _lock_membership(membership)
    if locked.status not in MEMBERSHIP_OPEN:
        return 0
    due = reminders_due(
        locked.anniversary_on, today, settings.RENEWAL_REMINDER_DAYS, locked.reminders_sent
    )
    if not due:
        return 0
    mark = due[0]
    locked.reminders_sent = sorted({*locked.reminders_sent, mark}, reverse=True)
    locked.save(update_fields=["reminders_sent"])
    _mail_member(
        locked,
        role="renewal_reminder",
        context={
            "days_left": days_left(locked.anniversary_on, today),
            "reminder_mark": mark,
            "renew_url": _first_step_url(renew_path(locked.program)),
        },
    )
    return mark


def membership_send_due_reminders(*, today: datetime.date | None = None) -> int:
    """Sends every renewal reminder due today; returns how many went out. Safe to rerun."""
    today = today or timezone.localdate()
    furthest = max(settings.RENEWAL_REMINDER_DAYS, default=0)
    candidates = Membership.objects.filter(
        status__in=MEMBERSHIP_OPEN,
        anniversary_on__gt=today,
        anniversary_on__lte=today + datetime.timedelta(days=furthest),
    ).order_by("anniversary_on", "pk")
    sent = 0
    for membership in candidates.only("pk"):
        if membership_send_reminder(membership=membership, today=today):
            sent += 1
    return sent

"""Membership years: start, extend. Each row is one year; history is never overwritten."""

import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format

from mct_portal.links import portal_url
from verification.audit import audit

from ..credentials.services import credential_issue
from ..enums import (
    APPLICATION_OPEN,
    MEMBERSHIP_OPEN,
    ApplicationPath,
    ApplicationStatus,
    MembershipStatus,
    Program,
)
from ..errors import DomainError, InvalidTransition
from ..models import Application, Membership, Trainer
from ..rules.memberships import (
    add_years,
    anniversary_for_start,
    days_left,
    lapse_due,
    reminders_due,
)


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
RENEW_PATHS = {Program.MCT: "/apply/renew/profile/", Program.ALUMNI: "/apply/alumni-renew/profile/"}
REJOIN_PATHS = {Program.MCT: "/apply/rejoin/profile/", Program.ALUMNI: "/apply/alumni/profile/"}


def _mail_member(membership: Membership, *, role: str, context: dict) -> None:
    from .trainers import trainer_mail

    trainer_mail(
        membership.trainer,
        role=role,
        context={
            "program": membership.program,
            "program_label": Program(membership.program).label,
            "anniversary_on": date_format(membership.anniversary_on, "j F Y"),
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
            "renew_url": portal_url(RENEW_PATHS[locked.program]),
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


# Open applications that need the year to still be open when they are approved: they are
# closed when it lapses, so no one pays for, or is approved into, a year that has ended.
DEPENDENT_PATHS = {
    Program.MCT: (ApplicationPath.RENEW,),
    Program.ALUMNI: (ApplicationPath.ALUMNI_RENEW, ApplicationPath.UPGRADE),
}


def _locked_dependent_applications(membership: Membership) -> list[Application]:
    facts = Membership.objects.values("trainer_id", "program").get(pk=membership.pk)
    return list(
        Application.objects.select_for_update()
        .filter(
            trainer_id=facts["trainer_id"],
            path__in=DEPENDENT_PATHS[facts["program"]],
            status__in=APPLICATION_OPEN,
        )
        .order_by("pk")
    )


def _close_dependent_application(application: Application, *, by, note: str, notify: bool) -> None:
    from .applications import application_withdraw
    from .payments import payment_abandon

    if application.status == ApplicationStatus.AWAITING_PAYMENT:
        # Cancels the pending payment too (an open invoice is voided), so it cannot be paid.
        payment_abandon(application=application, by=by, reason=note, notify=notify)
    else:
        application_withdraw(application=application, by=by, reason=note, notify=notify)


@transaction.atomic
def membership_lapse(
    *, membership: Membership, by=None, today: datetime.date | None = None
) -> Membership:
    """Lapses an unrenewed year on its anniversary (no grace period) and tells the member.

    Open renewal applications for the year are closed with it (withdrawn, or their payment
    cancelled when they were awaiting one), and the lapse email says so. A year that is no
    longer open (renewed, lapsed or revoked meanwhile) is left as it is.
    """
    today = today or timezone.localdate()
    # Applications are locked before the membership, in the order payments take them.
    dependent = _locked_dependent_applications(membership)
    locked = _lock_membership(membership)
    if locked.status not in MEMBERSHIP_OPEN:
        return locked
    if not lapse_due(locked.anniversary_on, today):
        raise InvalidTransition(
            f"This membership runs until {locked.anniversary_on:%d %B %Y}; it cannot lapse yet."
        )
    _close(
        locked,
        status=MembershipStatus.LAPSED,
        by=by,
        reason=f"Not renewed by the anniversary on {locked.anniversary_on.isoformat()}.",
    )
    _mail_member(
        locked,
        role="membership_lapsed",
        context={
            "lapsed_on": date_format(locked.anniversary_on, "j F Y"),
            "rejoin_url": portal_url(REJOIN_PATHS[locked.program]),
            "closed_applications": [
                {
                    "path_label": application.get_path_display(),
                    "status_label": ApplicationStatus(application.status).label.lower(),
                    "was_awaiting_payment": (
                        application.status == ApplicationStatus.AWAITING_PAYMENT
                    ),
                }
                for application in dependent
            ],
        },
    )
    note = (
        f"Closed because the {Program(locked.program).label} membership lapsed on "
        f"{locked.anniversary_on.isoformat()} before this application was completed."
    )
    for application in dependent:
        # The lapse email names each closed application: no second email for it.
        _close_dependent_application(application, by=by, note=note, notify=False)
    return locked


def membership_lapse_due(*, today: datetime.date | None = None) -> int:
    """Lapses every open year whose anniversary has come; returns how many. Safe to rerun."""
    today = today or timezone.localdate()
    due = Membership.objects.filter(status__in=MEMBERSHIP_OPEN, anniversary_on__lte=today)
    lapsed = 0
    for membership in due.order_by("anniversary_on", "pk").only("pk"):
        if membership_lapse(membership=membership, today=today).status == MembershipStatus.LAPSED:
            lapsed += 1
    return lapsed


@transaction.atomic
def membership_revoke(*, membership: Membership, by, reason: str) -> Membership:
    """A program admin revokes a current membership; the reason is audited and emailed.

    Revoking a year already revoked changes nothing; a year that is not open cannot be
    revoked (there is nothing current to take away).
    """
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("Give the reason for revoking this membership.")
    dependent = _locked_dependent_applications(membership)
    locked = _lock_membership(membership)
    if locked.status == MembershipStatus.REVOKED:
        return locked
    if locked.status not in MEMBERSHIP_OPEN:
        raise InvalidTransition(
            f"Only a current membership can be revoked; this one is "
            f"{MembershipStatus(locked.status).label.lower()}."
        )
    _close(locked, status=MembershipStatus.REVOKED, by=by, reason=reason)
    _mail_member(
        locked,
        role="membership_revoked",
        context={
            "revoked_on": date_format(timezone.localdate(locked.status_changed_at), "j F Y"),
            "reason": reason,
        },
    )
    # A revoked year cannot be renewed: its open renewal is closed, never paid.
    for application in dependent:
        _close_dependent_application(
            application, by=by, note="Closed because the membership was revoked.", notify=True
        )
    return locked

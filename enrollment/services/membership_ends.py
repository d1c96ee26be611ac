"""The end of a membership year: lapse and revoke, which close its dependent applications.

Above memberships, applications and payments (it calls all three), so memberships itself
needs neither: the layers are trainers → memberships → applications → payments → here.
"""

import datetime

from django.db import transaction
from django.utils import timezone

from core.l10n import lazy_label_in_sentence, lazy_long_date

from ..enums import (
    APPLICATION_OPEN,
    MEMBERSHIP_OPEN,
    ApplicationStatus,
    MembershipStatus,
    Program,
)
from ..errors import DomainError, InvalidTransition
from ..models import Application, Membership
from ..paths.registry import all_paths, path_definition, rejoin_path
from ..rules.memberships import lapse_due
from .applications import application_withdraw
from .memberships import _close, _first_step_url, _lock_membership, _mail_member
from .payments import payment_abandon


# Open applications on paths that need the year to still be open when they are approved
# (PathDefinition.needs_open_year_of) are closed when it ends, so no one pays for, or is
# approved into, a year that has ended.
def dependent_paths(program: str) -> tuple[str, ...]:
    return tuple(d.path for d in all_paths() if d.needs_open_year_of == program)


def _locked_dependent_applications(membership: Membership) -> list[Application]:
    facts = Membership.objects.values("trainer_id", "program").get(pk=membership.pk)
    return list(
        Application.objects.select_for_update()
        .filter(
            trainer_id=facts["trainer_id"],
            path__in=dependent_paths(facts["program"]),
            status__in=APPLICATION_OPEN,
        )
        .order_by("pk")
    )


def _close_dependent_application(application: Application, *, by, note: str, notify: bool) -> None:
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
            "lapsed_on": lazy_long_date(locked.anniversary_on),
            "rejoin_url": _first_step_url(rejoin_path(locked.program)),
            "closed_applications": [
                {
                    "path_label": path_definition(application.path).label,
                    "status_label": lazy_label_in_sentence(
                        ApplicationStatus(application.status).label
                    ),
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
            "revoked_on": lazy_long_date(timezone.localdate(locked.status_changed_at)),
            "reason": reason,
        },
    )
    # A revoked year cannot be renewed: its open renewal is closed, never paid.
    for application in dependent:
        _close_dependent_application(
            application, by=by, note="Closed because the membership was revoked.", notify=True
        )
    return locked

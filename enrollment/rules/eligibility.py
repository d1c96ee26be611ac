"""Who may start which application path (SPEC §3), as pure functions of membership years.

The callers pass membership rows (or anything with program, status, starts_on and
anniversary_on); nothing here touches the database.
"""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.utils.formats import date_format

from ..enums import MEMBERSHIP_OPEN, ApplicationPath, MembershipStatus, Program
from .memberships import in_renewal_window, renewal_window_opens

# The order in which the profile page offers the paths.
PATH_ORDER = (
    ApplicationPath.RENEW,
    ApplicationPath.NEW,
    ApplicationPath.REJOIN,
    ApplicationPath.UPGRADE,
    ApplicationPath.ALUMNI_RENEW,
    ApplicationPath.ALUMNI,
)

# What the button that starts each path says (the names the program guide uses).
# The button that starts a path: the path's own name, in sentence case everywhere.
PATH_ACTION_LABELS = {
    ApplicationPath.NEW: "Enroll",
    ApplicationPath.RENEW: "Renew",
    ApplicationPath.REJOIN: "Rejoin",
    ApplicationPath.ALUMNI: "Apply for MCT Alumni",
    ApplicationPath.ALUMNI_RENEW: "Renew MCT Alumni",
    ApplicationPath.UPGRADE: "Upgrade from Alumni",
}

# Paths whose Requirements step asks for a qualifying certification: without one they
# cannot succeed, so they are not offered (the alumni paths need none).
CERTIFICATION_PATHS = frozenset(
    {ApplicationPath.NEW, ApplicationPath.RENEW, ApplicationPath.REJOIN, ApplicationPath.UPGRADE}
)


def paths_offered(startable: list[str], *, has_qualifying: bool) -> tuple[list[str], list[str]]:
    """(offered, blocked): the startable paths that can succeed, and those that need a
    qualifying certification the trainer does not have yet."""
    if has_qualifying:
        return list(startable), []
    offered = [p for p in startable if p not in CERTIFICATION_PATHS]
    blocked = [p for p in startable if p in CERTIFICATION_PATHS]
    return offered, blocked


@dataclass(frozen=True)
class Standing:
    """A trainer's membership years reduced to what eligibility needs."""

    mct_open: object | None = None
    mct_latest: object | None = None
    alumni_open: object | None = None
    alumni_latest: object | None = None


@dataclass(frozen=True)
class Eligibility:
    path: str
    allowed: bool
    reason: str = ""
    # Paths the trainer may start instead, filled in by `eligibility_for`.
    instead: tuple[str, ...] = field(default=())


def standing_from(memberships: Iterable) -> Standing:
    """The open and the latest year of each program, from any iterable of membership years."""
    latest: dict[str, object] = {}
    open_: dict[str, object] = {}
    for year in memberships:
        key = (year.anniversary_on, year.starts_on)
        current = latest.get(year.program)
        if current is None or key > (current.anniversary_on, current.starts_on):
            latest[year.program] = year
        if year.status in MEMBERSHIP_OPEN:
            current_open = open_.get(year.program)
            if current_open is None or year.anniversary_on > current_open.anniversary_on:
                open_[year.program] = year
    return Standing(
        mct_open=open_.get(Program.MCT),
        mct_latest=latest.get(Program.MCT),
        alumni_open=open_.get(Program.ALUMNI),
        alumni_latest=latest.get(Program.ALUMNI),
    )


def _day(value: datetime.date) -> str:
    return date_format(value, "j F Y")


def due_for_renewal(year, today: datetime.date, window_days: int) -> bool:
    return year is not None and in_renewal_window(year.anniversary_on, today, window_days)


def _window_not_open(year, today: datetime.date, window_days: int, program_label: str) -> str:
    opens = renewal_window_opens(year.anniversary_on, window_days)
    return (
        f"Your {program_label} membership runs until {_day(year.anniversary_on)}. "
        f"Renewal opens {window_days} days before that date, on {_day(opens)}."
    )


_REVOKED = (
    "Your MCT membership was revoked, so it cannot be restarted online. "
    "Contact the MCT support team about your membership."
)


def _check(path: str, s: Standing, today: datetime.date, window_days: int) -> tuple[bool, str]:
    mct_due = due_for_renewal(s.mct_open, today, window_days)
    if path == ApplicationPath.NEW:
        if s.mct_open is not None:
            return False, "You are already a member of the MCT program."
        if s.mct_latest is not None and s.mct_latest.status == MembershipStatus.REVOKED:
            return False, _REVOKED
        if s.mct_latest is not None:
            return False, (
                "You have been an MCT before, so you come back by rejoining the program "
                "rather than enrolling as a new MCT."
            )
        if s.alumni_open is not None:
            return False, (
                "As an MCT Alumni member you return to full membership by upgrading from Alumni."
            )
        return True, ""

    if path == ApplicationPath.RENEW:
        if s.mct_open is None:
            if s.mct_latest is not None and s.mct_latest.status == MembershipStatus.LAPSED:
                return False, (
                    f"Your MCT membership lapsed on {_day(s.mct_latest.anniversary_on)}. "
                    "A lapsed membership cannot be renewed; you can rejoin the program instead."
                )
            return False, "Only a current MCT member can renew an MCT membership."
        if not mct_due:
            return False, _window_not_open(s.mct_open, today, window_days, "MCT")
        return True, ""

    if path == ApplicationPath.ALUMNI:
        if s.alumni_open is not None:
            return False, "You are already a member of MCT Alumni."
        # An MCT due for renewal who no longer teaches may move to Alumni instead.
        if s.mct_open is not None and not mct_due:
            return False, (
                "MCT Alumni is for trainers who are not active MCTs. "
                + _window_not_open(s.mct_open, today, window_days, "MCT")
                + " From then on you can choose Alumni instead of renewing."
            )
        return True, ""

    if path == ApplicationPath.ALUMNI_RENEW:
        if s.alumni_open is None:
            return False, "Only a current MCT Alumni member can renew an Alumni membership."
        if not due_for_renewal(s.alumni_open, today, window_days):
            return False, _window_not_open(s.alumni_open, today, window_days, "MCT Alumni")
        return True, ""

    if path == ApplicationPath.UPGRADE:
        if s.mct_open is not None:
            return False, "You are already a member of the MCT program."
        if s.alumni_open is None:
            return False, "Upgrading is for current MCT Alumni members."
        return True, ""

    if path == ApplicationPath.REJOIN:
        if s.mct_open is not None:
            return False, "You are already a member of the MCT program."
        if s.mct_latest is None:
            return False, (
                "Rejoining is for former MCTs. You have not been an MCT yet, so you can "
                "enroll as a new MCT."
            )
        if s.mct_latest.status == MembershipStatus.REVOKED:
            return False, _REVOKED
        if s.alumni_open is not None:
            return False, (
                "As an MCT Alumni member you return to full membership by upgrading from Alumni."
            )
        return True, ""

    raise ValueError(f"Unknown application path: {path!r}")


def may_start(path: str, standing: Standing, today: datetime.date, window_days: int) -> bool:
    return _check(path, standing, today, window_days)[0]


def startable_paths(standing: Standing, today: datetime.date, window_days: int) -> list[str]:
    """Every path the trainer may start today, in the order the profile page offers them."""
    return [p for p in PATH_ORDER if may_start(p, standing, today, window_days)]


def eligibility_for(
    path: str, standing: Standing, today: datetime.date, window_days: int
) -> Eligibility:
    """Whether the trainer may start `path`; if not, why, and what they may start instead."""
    allowed, reason = _check(path, standing, today, window_days)
    if allowed:
        return Eligibility(path=path, allowed=True)
    instead = tuple(p for p in startable_paths(standing, today, window_days) if p != path)
    return Eligibility(path=path, allowed=False, reason=reason, instead=instead)

"""Who may start which application path, as pure functions of membership years.

Each path names its rule in its definition (enrollment.paths); see docs/architecture.md.

The callers pass membership rows (or anything with program, status, starts_on and
anniversary_on); nothing here touches the database.
"""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from core.l10n import long_date

from ..enums import MEMBERSHIP_OPEN, MembershipStatus, Program
from ..paths.registry import all_paths, path_definition
from .memberships import in_renewal_window, renewal_window_opens


@dataclass(frozen=True)
class Standing:
    """A trainer's membership years reduced to what eligibility needs."""

    mct_open: object | None = None
    mct_latest: object | None = None
    alumni_open: object | None = None
    alumni_latest: object | None = None

    def open_year(self, program: str):
        return self.alumni_open if program == Program.ALUMNI else self.mct_open


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
    return long_date(value)


def due_for_renewal(year, today: datetime.date, window_days: int) -> bool:
    return year is not None and in_renewal_window(year.anniversary_on, today, window_days)


def _window_not_open(year, today: datetime.date, window_days: int, program_label: str) -> str:
    opens = renewal_window_opens(year.anniversary_on, window_days)
    return _(
        "Your %(program)s membership runs until %(until)s. Renewal opens %(days)s days before "
        "that date, on %(opens)s."
    ) % {
        "program": program_label,
        "until": _day(year.anniversary_on),
        "days": window_days,
        "opens": _day(opens),
    }


def _revoked() -> str:
    return _(
        "Your MCT membership was revoked, so it cannot be restarted online. "
        "Contact the MCT support team about your membership."
    )


# Who may start each path: one rule per path, named in its definition (enrollment.paths).
# Each returns why a trainer with this standing may not start the path today, or "".


def refusal_new(s: Standing, today: datetime.date, window_days: int) -> str:
    if s.mct_open is not None:
        return _("You are already a member of the MCT program.")
    if s.mct_latest is not None and s.mct_latest.status == MembershipStatus.REVOKED:
        return _revoked()
    if s.mct_latest is not None:
        return _(
            "You have been an MCT before, so you come back by rejoining the program "
            "rather than enrolling as a new MCT."
        )
    if s.alumni_open is not None:
        return _("As an MCT Alumni member you return to full membership by upgrading from Alumni.")
    return ""


def refusal_renew(s: Standing, today: datetime.date, window_days: int) -> str:
    if s.mct_open is None:
        if s.mct_latest is not None and s.mct_latest.status == MembershipStatus.LAPSED:
            return _(
                "Your MCT membership lapsed on %(date)s. A lapsed membership cannot be "
                "renewed; you can rejoin the program instead."
            ) % {"date": _day(s.mct_latest.anniversary_on)}
        return _("Only a current MCT member can renew an MCT membership.")
    if not due_for_renewal(s.mct_open, today, window_days):
        return _window_not_open(s.mct_open, today, window_days, "MCT")
    return ""


def refusal_alumni(s: Standing, today: datetime.date, window_days: int) -> str:
    if s.alumni_open is not None:
        return _("You are already a member of MCT Alumni.")
    # An MCT due for renewal who no longer teaches may move to Alumni instead.
    if s.mct_open is not None and not due_for_renewal(s.mct_open, today, window_days):
        return _(
            "MCT Alumni is for trainers who are not active MCTs. %(window)s From then on you "
            "can choose Alumni instead of renewing."
        ) % {"window": _window_not_open(s.mct_open, today, window_days, "MCT")}
    return ""


def refusal_alumni_renew(s: Standing, today: datetime.date, window_days: int) -> str:
    if s.alumni_open is None:
        return _("Only a current MCT Alumni member can renew an Alumni membership.")
    if not due_for_renewal(s.alumni_open, today, window_days):
        return _window_not_open(s.alumni_open, today, window_days, "MCT Alumni")
    return ""


def refusal_upgrade(s: Standing, today: datetime.date, window_days: int) -> str:
    if s.mct_open is not None:
        return _("You are already a member of the MCT program.")
    if s.alumni_open is None:
        return _("Upgrading is for current MCT Alumni members.")
    return ""


def refusal_rejoin(s: Standing, today: datetime.date, window_days: int) -> str:
    if s.mct_open is not None:
        return _("You are already a member of the MCT program.")
    if s.mct_latest is None:
        return _(
            "Rejoining is for former MCTs. You have not been an MCT yet, so you can "
            "enroll as a new MCT."
        )
    if s.mct_latest.status == MembershipStatus.REVOKED:
        return _revoked()
    if s.alumni_open is not None:
        return _("As an MCT Alumni member you return to full membership by upgrading from Alumni.")
    return ""


def _check(path: str, s: Standing, today: datetime.date, window_days: int) -> tuple[bool, str]:
    reason = path_definition(path).refusal(s, today, window_days)
    return not reason, reason


def may_start(path: str, standing: Standing, today: datetime.date, window_days: int) -> bool:
    return _check(path, standing, today, window_days)[0]


def startable_paths(standing: Standing, today: datetime.date, window_days: int) -> list[str]:
    """Every path the trainer may start today, in the order the profile page offers them."""
    return [d.path for d in all_paths() if may_start(d.path, standing, today, window_days)]


def eligibility_for(
    path: str, standing: Standing, today: datetime.date, window_days: int
) -> Eligibility:
    """Whether the trainer may start `path`; if not, why, and what they may start instead."""
    allowed, reason = _check(path, standing, today, window_days)
    if allowed:
        return Eligibility(path=path, allowed=True)
    instead = tuple(p for p in startable_paths(standing, today, window_days) if p != path)
    return Eligibility(path=path, allowed=False, reason=reason, instead=instead)


def paths_offered(startable: list[str], *, has_qualifying: bool) -> tuple[list[str], list[str]]:
    """(offered, blocked): the startable paths that can succeed, and those whose
    requirements ask for a qualifying certification the trainer does not have yet (the
    path registry's `needs_certification`; the alumni paths need none)."""
    if has_qualifying:
        return list(startable), []
    offered = [p for p in startable if not path_definition(p).needs_certification]
    blocked = [p for p in startable if path_definition(p).needs_certification]
    return offered, blocked

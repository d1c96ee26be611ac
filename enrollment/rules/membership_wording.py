"""What a membership year is on the day it is read, for the words cards and transcripts use.

A year's stored status says what happened to it, not what it is today: renewing early
marks the running year "ended" and adds the next year as "active" though it starts later;
an upgrade ends the alumni year on the day of the upgrade, well before its anniversary.
These pure functions turn the stored facts and today's date into the phase a person
should read ("runs until", "starts on", "ended on"), so every card and history line stays
true on the day it is shown.
"""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy as _

from ..enums import MEMBERSHIP_OPEN, MembershipStatus

# The phases a year can be in on a given day.
UPCOMING = "upcoming"  # open, starts after today (the next year of an early renewal)
CURRENT = "current"  # covers the member today and has not been renewed yet
CURRENT_RENEWED = "current_renewed"  # covers the member today; the next year is in place
RENEWED = "renewed"  # over; the next year followed it
ENDED = "ended"  # ended before its anniversary (an upgrade to MCT ends the alumni year)
LAPSED = "lapsed"  # reached its anniversary without a renewal
REVOKED = "revoked"

# The badge each phase shows: (CSS status key, label).
BADGES = {
    UPCOMING: ("upcoming", _("Upcoming")),
    CURRENT: ("active", _("Active")),
    CURRENT_RENEWED: ("active", _("Active")),
    RENEWED: ("ended", _("Renewed")),
    ENDED: ("ended", _("Ended")),
    LAPSED: ("lapsed", _("Lapsed")),
    REVOKED: ("revoked", _("Revoked")),
}


@dataclass(frozen=True)
class YearPhase:
    phase: str
    starts_on: datetime.date
    anniversary_on: datetime.date
    # The last day's end for a year that is over (exclusive): anniversary, upgrade or revocation.
    ended_on: datetime.date | None = None

    @property
    def badge_status(self) -> str:
        return BADGES[self.phase][0]

    @property
    def badge_label(self) -> str:
        return BADGES[self.phase][1]

    @property
    def covers_today(self) -> bool:
        return self.phase in (CURRENT, CURRENT_RENEWED)

    @property
    def is_over(self) -> bool:
        return self.phase in (RENEWED, ENDED, LAPSED, REVOKED)

    @property
    def shows_anniversary(self) -> bool:
        """Only a year that is running or still to come has an anniversary ahead of it."""
        return self.phase in (UPCOMING, CURRENT, CURRENT_RENEWED)


def year_phase(
    *,
    status: str,
    starts_on: datetime.date,
    anniversary_on: datetime.date,
    status_changed_on: datetime.date | None,
    followed: bool,
    today: datetime.date,
) -> YearPhase:
    """The phase of one year on `today`.

    `followed`: a year of the same program starts on this year's anniversary (it was
    renewed). An ended year that was not followed ended early, on the day its status changed.
    """
    if status == MembershipStatus.REVOKED:
        ended = min(status_changed_on or anniversary_on, anniversary_on)
        return YearPhase(REVOKED, starts_on, anniversary_on, ended)
    if status == MembershipStatus.LAPSED:
        return YearPhase(LAPSED, starts_on, anniversary_on, anniversary_on)
    if status in MEMBERSHIP_OPEN:
        if today < starts_on:
            return YearPhase(UPCOMING, starts_on, anniversary_on)
        if today >= anniversary_on:  # no grace period: it lapses today, task run or not
            return YearPhase(LAPSED, starts_on, anniversary_on, anniversary_on)
        return YearPhase(CURRENT, starts_on, anniversary_on)
    # Ended.
    if followed:
        if today < anniversary_on:
            return YearPhase(CURRENT_RENEWED, starts_on, anniversary_on)
        return YearPhase(RENEWED, starts_on, anniversary_on, anniversary_on)
    ended = min(status_changed_on or anniversary_on, anniversary_on)
    return YearPhase(ENDED, starts_on, anniversary_on, ended)


def _changed_on(year) -> datetime.date | None:
    changed_at = getattr(year, "status_changed_at", None)
    if changed_at is None:
        return None
    return changed_at.date() if isinstance(changed_at, datetime.datetime) else changed_at


def year_phases(years: Iterable[Any], today: datetime.date) -> dict[Any, YearPhase]:
    """The phase of each membership-like object (program, status, starts_on,
    anniversary_on, status_changed_at) by its pk, knowing which years were followed."""
    years = list(years)
    starts = {(y.program, y.starts_on) for y in years if y.status != MembershipStatus.REVOKED}
    return {
        y.pk: year_phase(
            status=y.status,
            starts_on=y.starts_on,
            anniversary_on=y.anniversary_on,
            status_changed_on=_changed_on(y),
            followed=(y.program, y.anniversary_on) in starts,
            today=today,
        )
        for y in years
    }


def with_phases(years: Iterable[Any], today: datetime.date) -> list[Any]:
    """The years, each with a `phase` attribute (a YearPhase) for templates."""
    years = list(years)
    phases = year_phases(years, today)
    for year in years:
        year.phase = phases[year.pk]
    return years

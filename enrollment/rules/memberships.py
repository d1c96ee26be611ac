"""Membership dates: anniversaries, the renewal window, reminders and lapse."""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from ..enums import MEMBERSHIP_OPEN, MembershipStatus


def add_years(day: datetime.date, years: int) -> datetime.date:
    """The same calendar day `years` later; 29 February falls back to 28 February."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def anniversary_for_start(starts_on: datetime.date) -> datetime.date:
    """A new membership year ends one year after it starts."""
    return add_years(starts_on, 1)


def renewal_window_opens(anniversary_on: datetime.date, window_days: int) -> datetime.date:
    return anniversary_on - datetime.timedelta(days=window_days)


def in_renewal_window(
    anniversary_on: datetime.date, today: datetime.date, window_days: int
) -> bool:
    """Renewal is open from `window_days` before the anniversary until the day before it."""
    return renewal_window_opens(anniversary_on, window_days) <= today < anniversary_on


def days_left(anniversary_on: datetime.date, today: datetime.date) -> int:
    return max((anniversary_on - today).days, 0)


def lapse_due(anniversary_on: datetime.date, today: datetime.date) -> bool:
    """No grace period: on the anniversary an unrenewed membership lapses."""
    return today >= anniversary_on


def reminders_due(
    anniversary_on: datetime.date,
    today: datetime.date,
    reminder_days: Iterable[int],
    already_sent: Iterable[int],
) -> list[int]:
    """The reminder marks (days before the anniversary) that are due today and not yet sent.

    A mark is due once today is on or past it; when a run was missed, only the latest
    due mark is returned, so a member never gets a stale "90 days left" after day 60.
    """
    if today >= anniversary_on:
        return []
    left = (anniversary_on - today).days
    sent = set(already_sent)
    due = sorted(d for d in reminder_days if left <= d)
    if not due:
        return []
    latest = due[0]
    return [] if latest in sent else [latest]


def proof_needed_again(
    lapsed_on: datetime.date | None, today: datetime.date, after_years: int
) -> bool:
    """A member lapsed more than `after_years` ago proves instructional skills again."""
    if lapsed_on is None:
        return True
    return today > add_years(lapsed_on, after_years)


def year_ended_on(
    *,
    status: str,
    anniversary_on: datetime.date,
    status_changed_on: datetime.date | None,
) -> datetime.date:
    """The last day a membership year covered the member (exclusive end).

    A revoked year ends the day it was revoked; every other year (lapsed, renewed, ended
    by an upgrade, still open) covers the member until its anniversary.
    """
    if status == MembershipStatus.REVOKED and status_changed_on is not None:
        return min(status_changed_on, anniversary_on)
    return anniversary_on


@dataclass(frozen=True)
class TranscriptEntry:
    """One row of a membership transcript: a membership year, or a gap between years."""

    membership: Any = None
    gap_from: datetime.date | None = None
    # None for a gap that is still running (not a member since `gap_from`).
    gap_to: datetime.date | None = None

    @property
    def is_gap(self) -> bool:
        return self.membership is None


def _status_changed_on(year) -> datetime.date | None:
    changed_at = getattr(year, "status_changed_at", None)
    if changed_at is None:
        return None
    return changed_at.date() if isinstance(changed_at, datetime.datetime) else changed_at


def transcript_entries(years: Iterable, today: datetime.date) -> list[TranscriptEntry]:
    """Membership years oldest first, with a gap row wherever the trainer was not a member.

    `years` are membership-like objects (program, status, starts_on, anniversary_on,
    status_changed_at). Years of both programs count as membership: an alumni year between
    two MCT years is not an interruption. A trailing gap is added when nothing is open and
    the last year has ended.
    """
    ordered = sorted(years, key=lambda y: (y.starts_on, getattr(y, "pk", None) or 0))
    entries: list[TranscriptEntry] = []
    covered_until: datetime.date | None = None
    any_open = False
    for year in ordered:
        if covered_until is not None and year.starts_on > covered_until:
            entries.append(TranscriptEntry(gap_from=covered_until, gap_to=year.starts_on))
        entries.append(TranscriptEntry(membership=year))
        ended_on = year_ended_on(
            status=year.status,
            anniversary_on=year.anniversary_on,
            status_changed_on=_status_changed_on(year),
        )
        covered_until = ended_on if covered_until is None else max(covered_until, ended_on)
        any_open = any_open or year.status in MEMBERSHIP_OPEN
    if covered_until is not None and not any_open and covered_until <= today:
        entries.append(TranscriptEntry(gap_from=covered_until))
    return entries

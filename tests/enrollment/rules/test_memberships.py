"""The membership date rules, table-driven: no database."""

import datetime
from types import SimpleNamespace

import pytest

from enrollment.enums import MembershipStatus, Program
from enrollment.rules.memberships import (
    add_years,
    anniversary_for_start,
    days_left,
    in_renewal_window,
    lapse_due,
    proof_needed_again,
    reminders_due,
    renewal_window_opens,
    transcript_entries,
    year_ended_on,
)

D = datetime.date
ANNIVERSARY = D(2026, 6, 30)
MARKS = [90, 60, 30, 15]


@pytest.mark.parametrize(
    ("day", "years", "expected"),
    [
        (D(2025, 3, 1), 1, D(2026, 3, 1)),
        (D(2025, 12, 31), 1, D(2026, 12, 31)),
        (D(2024, 2, 29), 1, D(2025, 2, 28)),  # no 29 February next year
        (D(2024, 2, 29), 4, D(2028, 2, 29)),  # ...but there is one four years on
        (D(2025, 6, 30), 3, D(2028, 6, 30)),
        (D(2025, 6, 30), -3, D(2022, 6, 30)),
    ],
)
def test_add_years(day, years, expected):
    assert add_years(day, years) == expected


def test_a_year_ends_on_its_anniversary_one_year_later():
    assert anniversary_for_start(D(2025, 7, 1)) == D(2026, 7, 1)


@pytest.mark.parametrize(
    ("today", "window", "expected"),
    [
        (D(2026, 3, 31), 90, False),  # 91 days before
        (D(2026, 4, 1), 90, True),  # opens exactly 90 days before
        (D(2026, 6, 29), 90, True),  # the day before the anniversary
        (D(2026, 6, 30), 90, False),  # the anniversary itself: too late
        (D(2026, 7, 15), 90, False),
        (D(2026, 5, 31), 30, True),
        (D(2026, 5, 30), 30, False),
    ],
)
def test_in_renewal_window(today, window, expected):
    assert in_renewal_window(ANNIVERSARY, today, window) is expected


def test_renewal_window_opens_the_configured_days_before():
    assert renewal_window_opens(ANNIVERSARY, 90) == D(2026, 4, 1)


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        (D(2026, 4, 1), 90),
        (D(2026, 6, 29), 1),
        (D(2026, 6, 30), 0),
        (D(2026, 8, 1), 0),  # never negative
    ],
)
def test_days_left(today, expected):
    assert days_left(ANNIVERSARY, today) == expected


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        (D(2026, 6, 29), False),
        (D(2026, 6, 30), True),  # no grace period: lapses on the anniversary
        (D(2027, 1, 1), True),
    ],
)
def test_lapse_due(today, expected):
    assert lapse_due(ANNIVERSARY, today) is expected


@pytest.mark.parametrize(
    ("days_before", "sent", "expected"),
    [
        (120, [], []),  # before the first mark
        (91, [], []),
        (90, [], [90]),
        (90, [90], []),  # already sent this year
        (75, [90], []),  # between marks
        (60, [90], [60]),
        (59, [90, 60], []),
        (30, [90, 60], [30]),
        (15, [90, 60, 30], [15]),
        (14, [90, 60, 30, 15], []),
        (1, [90, 60, 30, 15], []),
        (0, [], []),  # the anniversary: lapse, not remind
        (-5, [], []),
        # A missed run sends only the latest mark, never a stale "90 days" at 45 days.
        (45, [], [60]),
        (20, [90], [30]),
        (10, [], [15]),
    ],
)
def test_reminders_due(days_before, sent, expected):
    today = ANNIVERSARY - datetime.timedelta(days=days_before)
    assert reminders_due(ANNIVERSARY, today, MARKS, sent) == expected


def test_reminders_due_accepts_marks_in_any_order():
    today = ANNIVERSARY - datetime.timedelta(days=30)
    assert reminders_due(ANNIVERSARY, today, [15, 90, 30, 60], [90, 60]) == [30]


@pytest.mark.parametrize(
    ("lapsed_on", "today", "expected"),
    [
        (None, D(2026, 1, 1), True),  # never a member: proof needed
        (D(2023, 1, 1), D(2026, 1, 1), False),  # exactly three years: not more than
        (D(2023, 1, 1), D(2026, 1, 2), True),
        (D(2025, 6, 1), D(2026, 1, 1), False),
    ],
)
def test_proof_needed_again(lapsed_on, today, expected):
    assert proof_needed_again(lapsed_on, today, 3) is expected


@pytest.mark.parametrize(
    ("status", "changed_on", "expected"),
    [
        (MembershipStatus.ACTIVE, None, ANNIVERSARY),
        (MembershipStatus.LAPSED, D(2026, 7, 1), ANNIVERSARY),
        (MembershipStatus.ENDED, D(2026, 4, 10), ANNIVERSARY),  # renewed early: covered
        (MembershipStatus.REVOKED, D(2026, 2, 3), D(2026, 2, 3)),
        (MembershipStatus.REVOKED, None, ANNIVERSARY),
    ],
)
def test_year_ended_on(status, changed_on, expected):
    got = year_ended_on(status=status, anniversary_on=ANNIVERSARY, status_changed_on=changed_on)
    assert got == expected


def year(pk, starts_on, status, program=Program.MCT, changed_on=None):
    changed_at = (
        datetime.datetime.combine(changed_on, datetime.time(12), tzinfo=datetime.UTC)
        if changed_on
        else None
    )
    return SimpleNamespace(
        pk=pk,
        program=program,
        status=status,
        starts_on=starts_on,
        anniversary_on=add_years(starts_on, 1),
        status_changed_at=changed_at,
    )


def describe(entries):
    return [
        ("gap", e.gap_from, e.gap_to) if e.is_gap else ("year", e.membership.pk) for e in entries
    ]


TODAY = D(2026, 1, 15)
A, L, E, R = (
    MembershipStatus.ACTIVE,
    MembershipStatus.LAPSED,
    MembershipStatus.ENDED,
    MembershipStatus.REVOKED,
)


@pytest.mark.parametrize(
    ("years", "expected"),
    [
        pytest.param([], [], id="no years"),
        pytest.param([year(1, D(2025, 3, 1), A)], [("year", 1)], id="one open year"),
        pytest.param(
            [year(1, D(2023, 3, 1), E), year(2, D(2024, 3, 1), E), year(3, D(2025, 3, 1), A)],
            [("year", 1), ("year", 2), ("year", 3)],
            id="renewed every year: no gap",
        ),
        pytest.param(
            [year(1, D(2022, 3, 1), L), year(2, D(2024, 6, 10), E), year(3, D(2025, 6, 10), A)],
            [("year", 1), ("gap", D(2023, 3, 1), D(2024, 6, 10)), ("year", 2), ("year", 3)],
            id="lapse then rejoin",
        ),
        pytest.param(
            [year(3, D(2025, 6, 10), A), year(1, D(2022, 3, 1), L), year(2, D(2024, 6, 10), E)],
            [("year", 1), ("gap", D(2023, 3, 1), D(2024, 6, 10)), ("year", 2), ("year", 3)],
            id="any input order comes out oldest first",
        ),
        pytest.param(
            [year(1, D(2024, 3, 1), L)],
            [("year", 1), ("gap", D(2025, 3, 1), None)],
            id="lapsed and not back: a running gap",
        ),
        pytest.param(
            [year(1, D(2025, 3, 1), R, changed_on=D(2025, 9, 1))],
            [("year", 1), ("gap", D(2025, 9, 1), None)],
            id="revoked mid-year: the gap starts on the revocation",
        ),
        pytest.param(
            [
                year(1, D(2023, 3, 1), L),
                year(2, D(2024, 3, 1), E, program=Program.ALUMNI, changed_on=D(2024, 9, 1)),
                year(3, D(2024, 9, 1), A),
            ],
            [("year", 1), ("year", 2), ("year", 3)],
            id="MCT lapse straight into alumni, then upgrade: no gap",
        ),
        pytest.param(
            [year(1, D(2024, 3, 1), L), year(2, D(2025, 3, 1), A)],
            [("year", 1), ("year", 2)],
            id="rejoined on the day it lapsed: no gap",
        ),
    ],
)
def test_transcript_entries(years, expected):
    assert describe(transcript_entries(years, TODAY)) == expected


def test_transcript_has_no_running_gap_before_the_last_year_ends():
    # Past its anniversary but not lapsed yet by the task: not shown as a gap.
    entries = transcript_entries([year(1, D(2024, 12, 1), A)], TODAY)
    assert describe(entries) == [("year", 1)]

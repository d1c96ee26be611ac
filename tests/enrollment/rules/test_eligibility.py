"""Who may start which path (docs/spec.md §3 table), as a table of membership situations."""

import datetime
from types import SimpleNamespace

import pytest

from enrollment.enums import ApplicationPath as P
from enrollment.enums import MembershipStatus as S
from enrollment.enums import Program
from enrollment.rules.eligibility import (
    eligibility_for,
    may_start,
    standing_from,
    startable_paths,
)

TODAY = datetime.date(2026, 6, 1)
WINDOW = 90


def year(program, status, anniversary_in_days):
    anniversary = TODAY + datetime.timedelta(days=anniversary_in_days)
    return SimpleNamespace(
        program=program,
        status=status,
        starts_on=anniversary - datetime.timedelta(days=365),
        anniversary_on=anniversary,
    )


MCT, ALUMNI = Program.MCT, Program.ALUMNI

# situation → the paths that may be started, in the order the profile page offers them
CASES = {
    "nobody": ([], [P.NEW, P.ALUMNI]),
    "active MCT, not due": ([year(MCT, S.ACTIVE, 200)], []),
    "active MCT, due in 10 days": (
        [year(MCT, S.ACTIVE, 10)],
        [P.RENEW, P.ALUMNI],
    ),
    "MCT in renewal, due in 1 day": ([year(MCT, S.IN_RENEWAL, 1)], [P.RENEW, P.ALUMNI]),
    "MCT window opens exactly today": ([year(MCT, S.ACTIVE, 90)], [P.RENEW, P.ALUMNI]),
    "MCT window opens tomorrow": ([year(MCT, S.ACTIVE, 91)], []),
    "MCT lapsed 2 months ago": (
        [year(MCT, S.LAPSED, -60)],
        [P.REJOIN, P.ALUMNI],
    ),
    "MCT lapsed 4 years ago": ([year(MCT, S.LAPSED, -4 * 365)], [P.REJOIN, P.ALUMNI]),
    "MCT revoked": ([year(MCT, S.REVOKED, 100)], [P.ALUMNI]),
    "active alumni, not due": ([year(ALUMNI, S.ACTIVE, 200)], [P.UPGRADE]),
    "alumni due in 15 days": (
        [year(ALUMNI, S.ACTIVE, 15)],
        [P.UPGRADE, P.ALUMNI_RENEW],
    ),
    "alumni lapsed": ([year(ALUMNI, S.LAPSED, -30)], [P.NEW, P.ALUMNI]),
    "former MCT now alumni": (
        [year(MCT, S.ENDED, -100), year(ALUMNI, S.ACTIVE, 265)],
        [P.UPGRADE],
    ),
    "renewed MCT (old year ended, new one active)": (
        [year(MCT, S.ENDED, -265), year(MCT, S.ACTIVE, 100)],
        [],
    ),
}


@pytest.mark.parametrize("situation", CASES)
def test_startable_paths(situation):
    memberships, expected = CASES[situation]
    assert startable_paths(standing_from(memberships), TODAY, WINDOW) == expected


@pytest.mark.parametrize(
    ("situation", "path", "reason_part", "instead"),
    [
        ("active MCT, not due", P.RENEW, "Renewal opens 90 days before", ()),
        (
            "MCT lapsed 2 months ago",
            P.RENEW,
            "cannot be renewed; you can rejoin",
            (P.REJOIN, P.ALUMNI),
        ),
        ("MCT lapsed 2 months ago", P.NEW, "rejoining the program", (P.REJOIN, P.ALUMNI)),
        ("nobody", P.REJOIN, "enroll as a new MCT", (P.NEW, P.ALUMNI)),
        ("nobody", P.UPGRADE, "for current MCT Alumni members", (P.NEW, P.ALUMNI)),
        ("active alumni, not due", P.NEW, "upgrading from Alumni", (P.UPGRADE,)),
        ("active alumni, not due", P.ALUMNI_RENEW, "Renewal opens", (P.UPGRADE,)),
        ("MCT revoked", P.REJOIN, "Contact the MCT support team", (P.ALUMNI,)),
        ("active MCT, not due", P.ALUMNI, "not active MCTs", ()),
        ("active MCT, due in 10 days", P.NEW, "already a member", (P.RENEW, P.ALUMNI)),
    ],
)
def test_refusals_say_why_and_what_instead(situation, path, reason_part, instead):
    memberships, _ = CASES[situation]
    result = eligibility_for(path, standing_from(memberships), TODAY, WINDOW)
    assert not result.allowed
    assert reason_part in result.reason
    assert result.instead == instead


def test_allowed_has_no_reason():
    result = eligibility_for(P.NEW, standing_from([]), TODAY, WINDOW)
    assert result.allowed and result.reason == "" and result.instead == ()


def test_standing_picks_the_latest_and_the_open_year_per_program():
    old = year(MCT, S.ENDED, -265)
    current = year(MCT, S.ACTIVE, 100)
    standing = standing_from([current, old])
    assert standing.mct_open is current and standing.mct_latest is current
    assert standing.alumni_open is None and standing.alumni_latest is None


def test_unknown_path_fails_loudly():
    with pytest.raises(ValueError):
        may_start("sideways", standing_from([]), TODAY, WINDOW)

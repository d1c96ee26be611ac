"""Issue 13: membership cards and transcript lines say what is true on the day they are read.

Time-machine walks over the boundary dates: a renewal on 30 November for a year ending on
20 December, and an upgrade from Alumni in the middle of the alumni year. The services run
at the travelled date, as they would in production, and /profile/ is read on each day.
"""

import datetime

import pytest
import time_machine

from enrollment.enums import MembershipStatus, Program
from enrollment.rules.membership_wording import (
    CURRENT,
    CURRENT_RENEWED,
    ENDED,
    LAPSED,
    RENEWED,
    UPCOMING,
    year_phase,
)
from enrollment.services.memberships import membership_extend, membership_start
from tests import factories
from tests.enrollment.wizard.walk import qualified_trainer, text_of

pytestmark = pytest.mark.django_db

UTC = datetime.UTC


def _at(day: datetime.date):
    """Noon UTC on `day`: the same calendar day in the portal's time zone."""
    return time_machine.travel(datetime.datetime(day.year, day.month, day.day, 12, tzinfo=UTC))


def _profile_on(client, trainer, day: datetime.date):
    """/profile/ as the trainer reads it on `day` (signed in that day: sessions expire)."""
    with _at(day):
        client.force_login(trainer.user)
        return client.get("/profile/")


def _section(response, title_id: str) -> str:
    html = response.content.decode()
    part = html.split(f'id="{title_id}"', 1)[1].split("</section>", 1)[0]
    return " ".join(part.split())


def _card(response, label: str) -> str:
    membership = _section(response, "membership-title")
    return membership.split(f'card__title">{label}</h3>', 1)[1].split("</dl>", 1)[0]


@pytest.fixture
def renewed_early(client):
    """An MCT year 20 Dec 2025 – 20 Dec 2026, renewed on 30 Nov 2026."""
    trainer = qualified_trainer()
    factories.MembershipFactory(
        trainer=trainer,
        program=Program.MCT,
        starts_on=datetime.date(2025, 12, 20),
        anniversary_on=datetime.date(2026, 12, 20),
    )
    with _at(datetime.date(2026, 11, 30)):
        membership_extend(trainer=trainer, program=Program.MCT)
    return trainer


@pytest.mark.parametrize("day", [datetime.date(2026, 11, 30), datetime.date(2026, 12, 19)])
def test_after_an_early_renewal_the_running_year_is_current_and_the_next_starts_later(
    client, renewed_early, day
):
    page = _profile_on(client, renewed_early, day)
    card = _card(page, "Microsoft Certified Trainer")
    assert "Active" in card
    assert "Runs until 20 December 2026" in card
    assert "Starts on 20 December 2026; runs until 20 December 2027" in card
    assert "Ended" not in card
    history = _section(page, "transcript-title")
    assert "Ended" not in history
    assert "Started 20 December 2026" not in history and "Started on 20 December 2026" not in (
        history
    )
    assert "Starts on 20 December 2026; runs until 20 December 2027." in history
    assert "runs until 20 December 2026. Renewed: the next year starts on 20 December 2026" in (
        history
    )
    assert "Upcoming" in history


def test_on_the_anniversary_the_next_year_takes_over(client, renewed_early):
    page = _profile_on(client, renewed_early, datetime.date(2026, 12, 20))
    card = _card(page, "Microsoft Certified Trainer")
    assert "Anniversary date" in card and "20 December 2027" in card
    assert "Starts on" not in card
    history = _section(page, "transcript-title")
    assert "Ran until 20 December 2026, then renewed for another year." in history
    assert "Started on 20 December 2026; runs until 20 December 2027." in history
    assert "Upcoming" not in history


def test_an_alumni_year_ended_by_an_upgrade_shows_no_anniversary(client):
    trainer = qualified_trainer()
    factories.MembershipFactory(
        trainer=trainer,
        program=Program.ALUMNI,
        starts_on=datetime.date(2026, 3, 1),
        anniversary_on=datetime.date(2027, 3, 1),
    )
    with _at(datetime.date(2026, 6, 5)):
        membership_start(trainer=trainer, program=Program.MCT)
    for day in (datetime.date(2026, 6, 5), datetime.date(2026, 11, 30)):
        page = _profile_on(client, trainer, day)
        alumni = _card(page, "MCT Alumni")
        assert "Ended" in alumni and "On 5 June 2026: Upgraded to MCT." in alumni
        assert "1 March 2027" not in alumni and "Anniversary" not in alumni
        history = _section(page, "transcript-title")
        assert "Ended on 5 June 2026: Upgraded to MCT." in history
        assert "1 March 2027" not in history
        mct = _card(page, "Microsoft Certified Trainer")
        assert "Active" in mct and "5 June 2027" in mct


@pytest.mark.parametrize(
    ("status", "followed", "today", "phase"),
    [
        # The year of an early renewal, on the days around its anniversary.
        (MembershipStatus.ENDED, True, datetime.date(2026, 12, 19), CURRENT_RENEWED),
        (MembershipStatus.ENDED, True, datetime.date(2026, 12, 20), RENEWED),
        # The next year, before and on its first day.
        (MembershipStatus.ACTIVE, False, datetime.date(2025, 12, 19), UPCOMING),
        (MembershipStatus.ACTIVE, False, datetime.date(2025, 12, 20), CURRENT),
        # An open year on its anniversary has lapsed, whether the task has run or not.
        (MembershipStatus.ACTIVE, False, datetime.date(2026, 12, 20), LAPSED),
        # Ended without a successor (an upgrade): ended on the day it changed.
        (MembershipStatus.ENDED, False, datetime.date(2026, 7, 1), ENDED),
    ],
)
def test_year_phase_on_the_boundary_days(status, followed, today, phase):
    result = year_phase(
        status=status,
        starts_on=datetime.date(2025, 12, 20),
        anniversary_on=datetime.date(2026, 12, 20),
        status_changed_on=datetime.date(2026, 6, 5),
        followed=followed,
        today=today,
    )
    assert result.phase == phase
    if phase == ENDED:
        assert result.ended_on == datetime.date(2026, 6, 5) and not result.shows_anniversary


def test_profile_text_of_a_plain_active_year_is_unchanged(client):
    trainer = qualified_trainer()
    factories.MembershipFactory(
        trainer=trainer,
        starts_on=datetime.date(2026, 1, 10),
        anniversary_on=datetime.date(2027, 1, 10),
    )
    page = _profile_on(client, trainer, datetime.date(2026, 11, 30))
    text = text_of(page)
    assert "Days left to renew 41" in text
    assert "Started on 10 January 2026; runs until 10 January 2027." in text

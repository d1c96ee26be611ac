"""Two membership years lived hour by hour with time-machine, for MCT and for alumni.

Enroll → reminders on exactly the configured days, once each although the tasks run many
times a day → renew (membership_extend, which every approved renewal calls) → no more
reminders that year → the next year is not renewed → it lapses on its anniversary →
rejoin → the transcript shows the interruption on the profile page and the support console.
"""

import datetime

import pytest
import time_machine
from django.urls import reverse

from enrollment.enums import ApplicationPath, MembershipStatus, Program
from enrollment.errors import InvalidTransition
from enrollment.models import Membership
from enrollment.rules.eligibility import eligibility_for, may_start
from enrollment.selectors.applications import membership_standing
from enrollment.services.memberships import membership_extend, membership_start
from enrollment.tasks import lapse_memberships, send_renewal_reminders
from tests import factories
from verification.models import OutboundEmail

D = datetime.date
UTC = datetime.UTC
ENROLLED = D(2025, 3, 1)
FIRST_ANNIVERSARY = D(2026, 3, 1)
SECOND_ANNIVERSARY = D(2027, 3, 1)
RENEWED_ON = D(2026, 2, 5)  # after the 30-day reminder, before the 15-day one
REJOINED_ON = D(2027, 6, 10)

RENEW_LINKS = {Program.MCT: "/apply/renew/profile/", Program.ALUMNI: "/apply/alumni-renew/profile/"}
REJOIN_LINKS = {Program.MCT: "/apply/rejoin/profile/", Program.ALUMNI: "/apply/alumni/profile/"}
RENEW_PATHS = {Program.MCT: ApplicationPath.RENEW, Program.ALUMNI: ApplicationPath.ALUMNI_RENEW}
REJOIN_PATHS = {Program.MCT: ApplicationPath.REJOIN, Program.ALUMNI: ApplicationPath.ALUMNI}


def at(day: datetime.date, hour: int = 12, minute: int = 0):
    return time_machine.travel(moment(day, hour, minute), tick=False)


def reminder_days_before(anniversary: datetime.date, marks) -> set[datetime.date]:
    return {anniversary - datetime.timedelta(days=m) for m in marks}


def moment(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=UTC)


def live_through(first: datetime.date, last: datetime.date, busy_days: set[datetime.date]):
    """Runs the periodic tasks as a worker does on beat's schedule: every hour on the days
    that matter (and their neighbours), at three times on every other day. The tasks are
    called in this process (what a worker runs), the clock moved by one traveller."""
    busy = {d + datetime.timedelta(days=k) for d in busy_days for k in (-1, 0, 1)}
    day = first
    with time_machine.travel(moment(first, 0), tick=False) as clock:
        while day <= last:
            hours = range(24) if day in busy else (0, 11, 23)
            for hour in hours:
                clock.move_to(moment(day, hour, 5))
                send_renewal_reminders()
                lapse_memberships()
            day += datetime.timedelta(days=1)


def renew(trainer, program: str, day: datetime.date):
    """The renewal is approved: the service every approved renewal application calls."""
    with at(day, 10):
        membership_extend(trainer=trainer, program=program, by=None)


def emails(trainer, role: str):
    return OutboundEmail.objects.filter(to=trainer.user.email, role=role).order_by("created_at")


def sent_on(trainer, role: str) -> list[datetime.date]:
    return [e.created_at.date() for e in emails(trainer, role)]


@pytest.mark.django_db
@pytest.mark.parametrize("program", [Program.MCT, Program.ALUMNI])
def test_two_membership_years_reminders_renewal_lapse_and_rejoin(client, settings, program):
    settings.RENEWAL_REMINDER_DAYS = [90, 60, 30, 15]
    trainer = factories.TrainerFactory()

    with at(ENROLLED, 9):
        first = membership_start(trainer=trainer, program=program)
    assert first.anniversary_on == FIRST_ANNIVERSARY

    # Year one: reminders 90, 60 and 30 days before, then the member renews.
    year_one_marks = reminder_days_before(FIRST_ANNIVERSARY, [90, 60, 30, 15])
    live_through(ENROLLED, RENEWED_ON - datetime.timedelta(days=1), year_one_marks)
    assert sent_on(trainer, "renewal_reminder") == [
        D(2025, 12, 1),
        D(2025, 12, 31),
        D(2026, 1, 30),
    ]
    reminder = emails(trainer, "renewal_reminder").last()
    assert "30 days left" in reminder.subject
    assert "1 March 2026" in reminder.body_text
    assert RENEW_LINKS[program] in reminder.body_text
    assert Program(program).label in reminder.body_text

    renew(trainer, program, RENEWED_ON)

    # No 15-day reminder and no lapse once renewed; the renewed year starts afresh.
    live_through(RENEWED_ON, FIRST_ANNIVERSARY + datetime.timedelta(days=2), year_one_marks)
    assert len(sent_on(trainer, "renewal_reminder")) == 3
    assert not emails(trainer, "membership_lapsed").exists()
    first.refresh_from_db()
    assert first.status == MembershipStatus.ENDED
    assert first.reminders_sent == [90, 60, 30]
    second = Membership.objects.get(trainer=trainer, program=program, status="active")
    assert (second.starts_on, second.anniversary_on) == (FIRST_ANNIVERSARY, SECOND_ANNIVERSARY)
    assert second.reminders_sent == []

    # Year two: all four reminders, no renewal, lapse on the anniversary (no grace period).
    year_two_marks = reminder_days_before(SECOND_ANNIVERSARY, [90, 60, 30, 15])
    live_through(
        FIRST_ANNIVERSARY + datetime.timedelta(days=3),
        SECOND_ANNIVERSARY - datetime.timedelta(days=1),
        year_two_marks | {SECOND_ANNIVERSARY},
    )
    assert sent_on(trainer, "renewal_reminder")[3:] == [
        D(2026, 12, 1),
        D(2026, 12, 31),
        D(2027, 1, 30),
        D(2027, 2, 14),
    ]
    second.refresh_from_db()
    assert second.status == MembershipStatus.ACTIVE  # still current on its last day

    live_through(SECOND_ANNIVERSARY, SECOND_ANNIVERSARY + datetime.timedelta(days=5), set())
    second.refresh_from_db()
    assert second.status == MembershipStatus.LAPSED
    assert second.status_changed_at.date() == SECOND_ANNIVERSARY
    assert second.status_changed_at.hour == 0  # the first run of the day
    assert sent_on(trainer, "membership_lapsed") == [SECOND_ANNIVERSARY]
    lapsed_mail = emails(trainer, "membership_lapsed").get()
    assert "1 March 2027" in lapsed_mail.body_text
    assert REJOIN_LINKS[program] in lapsed_mail.body_text
    assert len(sent_on(trainer, "renewal_reminder")) == 7

    # Lapsed: renewing is refused, the only way back is to rejoin (or apply again).
    with at(SECOND_ANNIVERSARY + datetime.timedelta(days=5)):
        standing = membership_standing(trainer=trainer)
        today = SECOND_ANNIVERSARY + datetime.timedelta(days=5)
        refused = eligibility_for(RENEW_PATHS[program], standing, today, 90)
        assert not refused.allowed
        assert REJOIN_PATHS[program] in refused.instead
        assert may_start(REJOIN_PATHS[program], standing, today, 90)
        with pytest.raises(InvalidTransition):
            membership_extend(trainer=trainer, program=program, by=None)

    # Rejoin months later: the transcript shows the interruption, on the profile page and
    # in the support console.
    support_agent = factories.SupportFactory()
    with at(REJOINED_ON, 9):
        membership_start(trainer=trainer, program=program)
        client.force_login(trainer.user)
        profile = " ".join(client.get("/profile/").content.decode().split())
        client.force_login(support_agent)
        person = client.get(reverse("support:person", args=[trainer.pk]))
        assert person.status_code == 200
        console = " ".join(person.content.decode().split())
    for text in (profile, console):
        assert 'Not a member from <time datetime="2027-03-01">1 March 2027</time> to ' in text
        assert '<time datetime="2027-06-10">10 June 2027</time>' in text
        assert text.count("transcript__year") == 3
        assert text.count("transcript__gap") == 1
        assert "Lapsed on 1 March 2027, not renewed." in text
        assert (
            text.index("1 March 2025")
            < text.index("Not a member from")
            < text.index("10 June 2027")
        )
    assert f"/verify/{trainer.verification_code}/" in profile
    assert 'data-copy-target="#verification-url"' in profile

"""Review due dates: business days skip weekends and configured holidays."""

from datetime import UTC, date, datetime

import pytest

from verification.business_days import add_business_days, review_due_on

MON, TUE, WED, THU, FRI, SAT, SUN = (date(2026, 3, d) for d in range(2, 9))
NEXT_MON, NEXT_TUE, NEXT_WED, NEXT_THU = (date(2026, 3, d) for d in range(9, 13))


@pytest.mark.parametrize(
    ("start", "days", "holidays", "expected"),
    [
        (MON, 0, [], MON),
        (MON, 1, [], TUE),
        (MON, 4, [], FRI),
        (TUE, 4, [], NEXT_MON),
        (THU, 4, [], NEXT_WED),
        (FRI, 1, [], NEXT_MON),
        (FRI, 4, [], NEXT_THU),
        (SAT, 1, [], NEXT_MON),
        (SUN, 4, [], NEXT_THU),
        (MON, 4, [WED], NEXT_MON),
        (THU, 4, [FRI, NEXT_MON], date(2026, 3, 13)),
        (FRI, 1, [SAT, NEXT_MON], NEXT_TUE),  # a holiday on a weekend changes nothing more
        (date(2026, 12, 23), 4, [date(2026, 12, 25), date(2027, 1, 1)], date(2026, 12, 30)),
        (date(2026, 12, 29), 4, [date(2026, 12, 25), date(2027, 1, 1)], date(2027, 1, 5)),
    ],
)
def test_add_business_days(start, days, holidays, expected):
    assert add_business_days(start, days, holidays) == expected


def test_negative_days_are_a_programming_error():
    with pytest.raises(ValueError):
        add_business_days(MON, -1, [])


def test_review_is_due_four_business_days_after_upload(settings):
    settings.REVIEW_DUE_BUSINESS_DAYS = 4
    settings.REVIEW_HOLIDAYS = []
    assert review_due_on(datetime(2026, 3, 5, 16, 0, tzinfo=UTC)) == NEXT_WED


def test_configured_holidays_are_skipped(settings):
    settings.REVIEW_DUE_BUSINESS_DAYS = 4
    settings.REVIEW_HOLIDAYS = ["2026-03-09", " 2026-03-10 "]
    assert review_due_on(datetime(2026, 3, 5, 9, 0, tzinfo=UTC)) == date(2026, 3, 13)


def test_the_upload_day_is_the_local_day(settings):
    settings.TIME_ZONE = "America/Los_Angeles"
    settings.REVIEW_DUE_BUSINESS_DAYS = 1
    settings.REVIEW_HOLIDAYS = []
    # 02:00 UTC on Tuesday is still Monday evening in Los Angeles.
    assert review_due_on(datetime(2026, 3, 3, 2, 0, tzinfo=UTC)) == TUE

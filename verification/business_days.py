"""Counting business days for review due dates: weekends and configured holidays skipped."""

from collections.abc import Iterable
from datetime import date, datetime, timedelta

from django.conf import settings
from django.utils import timezone

SATURDAY = 5


def add_business_days(start: date, days: int, holidays: Iterable[date]) -> date:
    """The date `days` business days after `start` (the start day itself never counts)."""
    if days < 0:
        raise ValueError("days must not be negative")
    closed = frozenset(holidays)
    current = start
    remaining = days
    while remaining:
        current += timedelta(days=1)
        if current.weekday() < SATURDAY and current not in closed:
            remaining -= 1
    return current


def configured_holidays() -> frozenset[date]:
    """settings.REVIEW_HOLIDAYS holds ISO dates (strings) or dates."""
    return frozenset(
        day if isinstance(day, date) else date.fromisoformat(str(day).strip())
        for day in settings.REVIEW_HOLIDAYS
    )


def review_due_on(uploaded_at: datetime) -> date:
    """When a reviewer must have decided on a document uploaded at `uploaded_at`."""
    uploaded_on = (
        timezone.localdate(uploaded_at) if timezone.is_aware(uploaded_at) else (uploaded_at.date())
    )
    return add_business_days(uploaded_on, settings.REVIEW_DUE_BUSINESS_DAYS, configured_holidays())

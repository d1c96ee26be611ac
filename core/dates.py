"""Dates for people, in the active language: English keeps the portal's day-month-year
("3 December 2026"); German and Japanese use Django's formats for them ("3. Dezember 2026",
"2026年12月3日"). Templates use the filters of mct_portal's `portal_dates` tag library.
A day alone is written by `core.l10n.format_long_date`, as in emails and PDFs."""

from django.utils import formats
from django.utils.translation import get_language

from .l10n import format_long_date

ENGLISH = {"DATE_FORMAT": "j F Y", "DATETIME_FORMAT": "j F Y, H:i", "SHORT_DATE_FORMAT": "j M Y"}


def format_for_language(value, name: str) -> str:
    if value in (None, ""):
        return ""
    language = (get_language() or "en").split("-")[0]
    try:
        return formats.date_format(value, ENGLISH[name] if language == "en" else name)
    except (AttributeError, TypeError, ValueError):
        return ""


def long_date(value) -> str:
    if value in (None, ""):
        return ""
    try:
        return format_long_date(value)
    except (AttributeError, TypeError, ValueError):
        return ""


def long_datetime(value) -> str:
    return format_for_language(value, "DATETIME_FORMAT")


def short_date(value) -> str:
    return format_for_language(value, "SHORT_DATE_FORMAT")

"""Dates on trainer pages in the active language (see core.dates).
Usage: {% load portal_dates %}{{ value|long_date }}, |long_datetime, |short_date."""

from django import template

from core import dates

register = template.Library()


@register.filter(expects_localtime=True)
def long_date(value) -> str:
    return dates.long_date(value)


@register.filter(expects_localtime=True)
def long_datetime(value) -> str:
    return dates.long_datetime(value)


@register.filter(expects_localtime=True)
def short_date(value) -> str:
    return dates.short_date(value)

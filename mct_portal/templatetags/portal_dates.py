"""Dates on trainer pages in the active language (see core.l10n).
Usage: {% load portal_dates %}{{ value|long_date }}, |long_datetime, |short_date."""

from django import template

from core import l10n

register = template.Library()


@register.filter(expects_localtime=True)
def long_date(value) -> str:
    return l10n.long_date(value)


@register.filter(expects_localtime=True)
def long_datetime(value) -> str:
    return l10n.long_datetime(value)


@register.filter(expects_localtime=True)
def short_date(value) -> str:
    return l10n.short_date(value)

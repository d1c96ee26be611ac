"""Dates, numbers and labels in the reader's language, through Babel's CLDR data.

Pure: no database, no clock. `language` is one of settings.LANGUAGES ("en", "de", "ja");
left out, it is the language active now (the request's, or the one an email or a PDF is
rendered in under `translation.override`). The lazy variants are for values handed to a
template that is rendered later in the recipient's language (emails, see
verification/mail.py): they are formatted when the template renders them, not before.
"""

import datetime
import functools

from babel import Locale, UnknownLocaleError
from babel.dates import format_date
from django.conf import settings
from django.utils import formats, translation
from django.utils.functional import lazy

# The CLDR locale behind each portal language where it is not the language itself: English
# keeps the day-first dates the portal always wrote ("4 May 2026", never "5/4"), which read
# the same everywhere in a worldwide program; its numbers are those of plain "en".
BABEL_LOCALES = {"en": "en_GB"}


def supported_language(language: str | None) -> str:
    """The language of settings.LANGUAGES that `language` ("de", "de-at", "ja") falls on;
    "" when it is none of them."""
    if not language:
        return ""
    try:
        return translation.get_supported_language_variant(language)
    except LookupError:
        return ""


def _or_active(language: str | None) -> str:
    """`language`, else the active language, else the portal's default."""
    return language or translation.get_language() or settings.LANGUAGE_CODE


def babel_locale(language: str | None = None) -> Locale:
    """Babel's locale for `language`, or for the active language; English if Babel has none."""
    return _babel_locale(_or_active(language))


@functools.lru_cache(maxsize=32)
def _babel_locale(language: str) -> Locale:
    try:
        return Locale.parse(BABEL_LOCALES.get(language, translation.to_locale(language)))
    except (UnknownLocaleError, ValueError):
        return Locale.parse(BABEL_LOCALES["en"])


def format_long_date(value: datetime.date, language: str | None = None) -> str:
    """'5 March 2026', '5. März 2026', '2026年3月5日': a day as the reader writes it."""
    if isinstance(value, datetime.datetime):
        value = value.date()
    return _long_date(value, _or_active(language))


# A day in a language is always written the same way; pages show the same few days (the
# anniversary, today) again and again, and Babel takes ~0.1 ms to write one.
@functools.lru_cache(maxsize=4096)
def _long_date(value: datetime.date, language: str) -> str:
    return format_date(value, format="long", locale=_babel_locale(language))


def label_in_sentence(label) -> str:
    """A choice label as it stands inside a sentence: lowercase in English ("your proof of
    instructional skills"), as written in German (nouns keep their capital) and Japanese."""
    text = str(label)
    return text.lower() if _or_active(None).split("-")[0] == "en" else text


# Formatted when the template shows them, in the language active then.
lazy_long_date = lazy(format_long_date, str)
lazy_label_in_sentence = lazy(label_in_sentence, str)


# --- Dates on pages (the `portal_dates` template filters, and rules' messages) -------------
# English keeps the portal's day-month-year ("3 December 2026"); German and Japanese use
# Django's formats for them ("3. Dezember 2026", "2026年12月3日"). A day alone is written by
# format_long_date, as in emails and PDFs. Empty or unformattable values give "".

ENGLISH_FORMATS = {
    "DATE_FORMAT": "j F Y",
    "DATETIME_FORMAT": "j F Y, H:i",
    "SHORT_DATE_FORMAT": "j M Y",
}


def format_for_language(value, name: str) -> str:
    if value in (None, ""):
        return ""
    language = (translation.get_language() or "en").split("-")[0]
    try:
        return formats.date_format(value, ENGLISH_FORMATS[name] if language == "en" else name)
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

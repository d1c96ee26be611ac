import datetime

import pytest
from django.utils import translation

from core.l10n import (
    babel_locale,
    format_long_date,
    label_in_sentence,
    lazy_long_date,
    supported_language,
)

DAY = datetime.date(2026, 3, 5)


@pytest.mark.parametrize(
    ("language", "expected"),
    [("en", "5 March 2026"), ("de", "5. März 2026"), ("ja", "2026年3月5日")],
)
def test_format_long_date_in_each_language(language, expected):
    assert format_long_date(DAY, language) == expected


def test_format_long_date_follows_the_active_language():
    with translation.override("de"):
        assert format_long_date(DAY) == "5. März 2026"


def test_lazy_long_date_is_formatted_in_the_language_active_when_shown():
    with translation.override("en"):
        text = lazy_long_date(DAY)
    with translation.override("ja"):
        assert str(text) == "2026年3月5日"
    with translation.override("de"):
        assert str(text) == "5. März 2026"


@pytest.mark.parametrize(
    ("language", "expected"),
    [("de-at", "de"), ("ja", "ja"), ("en-us", "en"), ("fr", ""), ("", ""), (None, "")],
)
def test_supported_language(language, expected):
    assert supported_language(language) == expected


def test_babel_locale_falls_back_to_english_for_an_unknown_language():
    assert str(babel_locale("xx")) == "en_GB"
    assert str(babel_locale("en")) == "en_GB"  # day-first English dates
    assert str(babel_locale("de")) == "de"


def test_label_in_sentence_lowercases_english_only():
    with translation.override("en"):
        assert label_in_sentence("Proof of instructional skills") == "proof of instructional skills"
    with translation.override("de"):
        assert label_in_sentence("Nachweis der Lehrkompetenz") == "Nachweis der Lehrkompetenz"

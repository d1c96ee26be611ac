import datetime
from decimal import Decimal

import pytest
from django.utils import translation

from enrollment.models import DiscountCode
from enrollment.rules.fees import (
    discount_applies,
    format_money,
    money_text,
    price_after_discount,
    round_to_currency,
)

TODAY = datetime.date(2026, 3, 15)


@pytest.mark.parametrize(
    ("amount", "percent_off", "currency", "expected"),
    [
        ("400.00", 0, "USD", "400.00"),
        ("400.00", 25, "USD", "300.00"),
        ("400.00", 100, "USD", "0.00"),
        ("99.99", 15, "EUR", "84.99"),  # 84.9915 rounds down
        ("99.99", 50, "GBP", "50.00"),  # 49.995 rounds half up
        ("310.00", 33, "AUD", "207.70"),
        ("45000", 10, "JPY", "40500"),
        ("45000", 33, "JPY", "30150"),
        ("45001", 50, "JPY", "22501"),  # 22500.5 yen: no minor unit, half up
        ("4999", 1, "JPY", "4949"),  # 4949.01 → 4949
        ("45000.00", 0, "JPY", "45000"),
    ],
)
def test_price_after_discount(amount, percent_off, currency, expected):
    price = price_after_discount(Decimal(amount), percent_off, currency)
    assert price == Decimal(expected)
    # The result carries exactly the currency's minor unit: no yen fractions, always cents.
    assert price.as_tuple().exponent == (0 if currency == "JPY" else -2)


@pytest.mark.parametrize("percent_off", [-1, 101])
def test_price_after_discount_refuses_impossible_percentages(percent_off):
    with pytest.raises(ValueError, match="between 0 and 100"):
        price_after_discount(Decimal("100"), percent_off, "USD")


@pytest.mark.parametrize(
    ("amount", "currency", "language", "expected"),
    [
        ("1250", "USD", "en", "USD 1,250.00"),
        ("84.5", "EUR", "en", "EUR 84.50"),
        ("45000.00", "JPY", "en", "JPY 45,000"),
        ("0", "GBP", "en", "GBP 0.00"),
        ("1250", "USD", "de", "1.250,00 USD"),
        ("84.5", "EUR", "de", "84,50 EUR"),
        ("45000.00", "JPY", "de", "45.000 JPY"),
        ("310", "AUD", "de", "310,00 AUD"),
        ("1250", "USD", "ja", "USD 1,250.00"),
        ("84.5", "EUR", "ja", "EUR 84.50"),
        ("45000.00", "JPY", "ja", "JPY 45,000"),
        ("-357", "EUR", "en", "-EUR 357.00"),  # a credit note's line
        ("-357", "EUR", "de", "-357,00 EUR"),
    ],
)
def test_format_money_in_each_language(amount, currency, language, expected):
    assert format_money(Decimal(amount), currency, language) == expected


@pytest.mark.parametrize(
    ("amount", "currency", "expected"),
    [("45000.5", "JPY", "45.001 JPY"), ("99.995", "EUR", "100,00 EUR")],
)
def test_format_money_rounds_to_the_minor_unit_first(amount, currency, expected):
    assert format_money(Decimal(amount), currency, "de") == expected


def test_format_money_follows_the_active_language():
    with translation.override("de"):
        assert format_money(Decimal("1250"), "USD") == "1.250,00 USD"
    with translation.override("ja"):
        assert format_money(Decimal("45000"), "JPY") == "JPY 45,000"


def test_money_text_is_formatted_when_shown_not_when_made():
    with translation.override("en"):
        text = money_text(Decimal("1250"), "EUR")
    with translation.override("de"):
        assert str(text) == "1.250,00 EUR"


def test_round_to_currency():
    assert round_to_currency(Decimal("0.005"), "USD") == Decimal("0.01")
    assert round_to_currency(Decimal("0.5"), "JPY") == Decimal("1")


def code(**overrides) -> DiscountCode:
    """An unsaved code: the rule reads attributes only."""
    values = {
        "code": "SPRING",
        "percent_off": 20,
        "program": "",
        "active": True,
        "valid_until": None,
        "max_uses": None,
        "times_used": 0,
    }
    return DiscountCode(**{**values, **overrides})


@pytest.mark.parametrize(
    ("discount", "program", "reserved", "applies", "reason_contains"),
    [
        (code(), "MCT", 0, True, ""),
        (code(program="MCT"), "MCT", 0, True, ""),
        (code(valid_until=TODAY), "MCT", 0, True, ""),  # the last valid day still counts
        (code(max_uses=3, times_used=2), "MCT", 0, True, ""),
        (None, "MCT", 0, False, "does not exist"),
        (code(active=False), "MCT", 0, False, "no longer active"),
        (
            code(valid_until=TODAY - datetime.timedelta(days=1)),
            "MCT",
            0,
            False,
            "expired on 14 March 2026",
        ),
        (code(program="ALUMNI"), "MCT", 0, False, "for the MCT Alumni program only"),
        (code(program="MCT"), "ALUMNI", 0, False, "Microsoft Certified Trainer program only"),
        (code(max_uses=3, times_used=3), "MCT", 0, False, "used as often as allowed"),
        # Payments started with the code but not yet paid hold a use.
        (code(max_uses=3, times_used=2), "MCT", 1, False, "used as often as allowed"),
    ],
)
def test_discount_applies(discount, program, reserved, applies, reason_contains):
    decision = discount_applies(discount, program, TODAY, uses_reserved=reserved)
    assert bool(decision) is applies
    assert decision.applies is applies
    if applies:
        assert decision.reason == ""
    else:
        assert reason_contains in decision.reason

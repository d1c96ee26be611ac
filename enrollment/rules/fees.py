"""Fee arithmetic and discount-code rules. Pure: no database, no clock."""

import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import NamedTuple

from ..enums import Program

# Currencies without a minor unit (ISO 4217 exponent 0); every other one has cents.
ZERO_DECIMAL_CURRENCIES = frozenset({"JPY"})


def minor_unit(currency: str) -> Decimal:
    """The smallest amount the currency can express: 1 yen, 0.01 of anything else."""
    return Decimal("1") if currency in ZERO_DECIMAL_CURRENCIES else Decimal("0.01")


def round_to_currency(amount: Decimal, currency: str) -> Decimal:
    return Decimal(amount).quantize(minor_unit(currency), rounding=ROUND_HALF_UP)


def price_after_discount(amount: Decimal, percent_off: int, currency: str) -> Decimal:
    """The amount due once `percent_off` is taken off, rounded to the currency's minor unit."""
    if not 0 <= percent_off <= 100:
        raise ValueError(f"percent_off must be between 0 and 100, not {percent_off}")
    discounted = Decimal(amount) * (100 - percent_off) / 100
    return round_to_currency(discounted, currency)


def format_money(amount: Decimal, currency: str) -> str:
    """'USD 1,250.00', 'JPY 45,000': the way amounts are shown to trainers and in emails."""
    places = 0 if currency in ZERO_DECIMAL_CURRENCIES else 2
    return f"{currency} {round_to_currency(amount, currency):,.{places}f}"


class DiscountDecision(NamedTuple):
    """Whether a discount code applies and, if not, a reason the trainer understands."""

    applies: bool
    reason: str = ""

    def __bool__(self) -> bool:
        return self.applies


def discount_applies(code, program: str, today: datetime.date, *, uses_reserved: int = 0):
    """Decides whether `code` (a DiscountCode, or None for an unknown code) applies.

    `uses_reserved` counts payments started with the code but not yet paid, so a code
    with a use limit cannot be handed out more often than the limit allows.
    Returns a DiscountDecision, falsy with a reason when the code does not apply.
    """
    if code is None:
        return DiscountDecision(False, "This discount code does not exist. Check the spelling.")
    if not code.active:
        return DiscountDecision(False, f"The discount code {code.code} is no longer active.")
    if code.valid_until is not None and today > code.valid_until:
        return DiscountDecision(
            False,
            f"The discount code {code.code} expired on "
            f"{code.valid_until.day} {code.valid_until:%B %Y}.",
        )
    if code.program and code.program != program:
        return DiscountDecision(
            False,
            f"The discount code {code.code} is for the {Program(code.program).label} program only.",
        )
    if code.max_uses is not None and code.times_used + uses_reserved >= code.max_uses:
        return DiscountDecision(
            False, f"The discount code {code.code} has already been used as often as allowed."
        )
    return DiscountDecision(True)


def to_minor_units(amount: Decimal, currency: str) -> int:
    """What a card provider charges: 400.00 USD is 40000 cents, 45000 JPY is 45000 yen."""
    return int(round_to_currency(amount, currency) / minor_unit(currency))

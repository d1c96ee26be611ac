"""Fee arithmetic and discount-code rules. Pure: no database, no clock."""

import datetime
import re
from decimal import ROUND_HALF_UP, Decimal
from typing import NamedTuple

from babel.numbers import format_currency
from django.utils.functional import lazy
from django.utils.translation import gettext as _

from core.l10n import babel_locale, format_long_date

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


def format_money(amount: Decimal, currency: str, language: str | None = None) -> str:
    """An amount as the reader writes numbers, always with the ISO currency code.

    'USD 1,250.00' and 'JPY 45,000' in English and Japanese, '1.250,00 USD' in German: the
    locale's own pattern (Babel's CLDR data) decides the separators and on which side the
    currency stands; the symbol is the ISO code, because in a worldwide program "$" could
    be US or Australian dollars and "¥" could be yen or yuan. A plain space parts the code
    from the number (CLDR uses a no-break space in some locales), so every locale reads and
    searches alike. The amount is first rounded to the currency's minor unit (no yen
    fractions). `language` defaults to the active language (core.l10n).
    """
    locale = babel_locale(language)
    pattern = _CODE_BESIDE_NUMBER.sub(_spaced_code, locale.currency_formats["standard"].pattern)
    text = format_currency(
        round_to_currency(amount, currency), currency, format=pattern, locale=locale
    )
    return text.replace("\xa0", " ")


# "¤" touching the number ("¤#,##0.00") or set apart ("#,##0.00\xa0¤"): the ISO code "¤¤"
# with a space between it and the number.
_CODE_BESIDE_NUMBER = re.compile(r"[\s\xa0]*¤+[\s\xa0]*")


def _spaced_code(match: re.Match) -> str:
    before = match.start() > 0
    after = match.end() < len(match.string) and match.string[match.end()] not in ";"
    return (" " if before else "") + "¤¤" + (" " if after else "")


money_text = lazy(format_money, str)


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
        return DiscountDecision(False, _("This discount code does not exist. Check the spelling."))
    if not code.active:
        return DiscountDecision(
            False, _("The discount code %(code)s is no longer active.") % {"code": code.code}
        )
    if code.valid_until is not None and today > code.valid_until:
        return DiscountDecision(
            False,
            _("The discount code %(code)s expired on %(date)s.")
            % {"code": code.code, "date": format_long_date(code.valid_until)},
        )
    if code.program and code.program != program:
        return DiscountDecision(
            False,
            _("The discount code %(code)s is for the %(program)s program only.")
            % {"code": code.code, "program": Program(code.program).label},
        )
    if code.max_uses is not None and code.times_used + uses_reserved >= code.max_uses:
        return DiscountDecision(
            False,
            _("The discount code %(code)s has already been used as often as allowed.")
            % {"code": code.code},
        )
    return DiscountDecision(True)


def to_minor_units(amount: Decimal, currency: str) -> int:
    """What a card provider charges: 400.00 USD is 40000 cents, 45000 JPY is 45000 yen."""
    return int(round_to_currency(amount, currency) / minor_unit(currency))

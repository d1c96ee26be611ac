"""Cell parsers: pure functions from the text of one cell to a value, or CellError with the reason.

Each parser takes the stripped cell text (never empty: the feed decides what an empty cell
means before calling it) and returns the value to store.
"""

import datetime
import re
from decimal import Decimal, InvalidOperation

from ..rules.access_codes import access_code_hash, access_code_normalise


class CellError(ValueError):
    """The reason a cell is not acceptable, worded for the person who made the file."""


# A cell a spreadsheet would run as a formula (CSV injection) is refused, never stored:
# anything starting with "=", and "+", "-" or "@" followed by a function call (@SUM(A1)).
FORMULA_PREFIXES = ("=", "+", "-", "@")


def formula_problem(text: str) -> str | None:
    """Why a cell looks like a spreadsheet formula, or None. "-1" and "@contoso.com" are not."""
    if text.startswith("=") or (text.startswith(("+", "-", "@")) and "(" in text):
        return "Looks like a spreadsheet formula; formulas are not accepted: type the value itself."
    return None


def text(max_length: int):
    def parse(value: str) -> str:
        if len(value) > max_length:
            raise CellError(f"Too long: at most {max_length} characters (this has {len(value)}).")
        return value

    return parse


_DATE_FORMATS = ("%Y-%m-%d",)


def iso_date(value: str) -> datetime.date:
    """Dates are ISO 8601 (2026-03-31): day/month order is ambiguous in other formats."""
    try:
        return datetime.date.fromisoformat(value) if len(value) == 10 else _bad_date(value)
    except ValueError:
        return _bad_date(value)


def _bad_date(value: str):
    raise CellError(f"“{value}” is not a date in the format YYYY-MM-DD (for example 2026-03-31).")


def past_date(today: datetime.date):
    def parse(value: str) -> datetime.date:
        day = iso_date(value)
        if day > today:
            raise CellError(f"{value} is in the future.")
        return day

    return parse


_TRUE = {"yes", "y", "true", "1", "active"}
_FALSE = {"no", "n", "false", "0", "inactive"}


def yes_no(value: str) -> bool:
    lowered = value.lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise CellError(f"“{value}” is not yes or no (use yes/no, true/false or 1/0).")


def whole_number(maximum: int):
    def parse(value: str) -> int:
        if not value.isdigit():
            raise CellError(f"“{value}” is not a whole number of 0 or more.")
        number = int(value)
        if number > maximum:
            raise CellError(f"{number} is more than {maximum}.")
        return number

    return parse


def score(value: str) -> Decimal:
    """An average instructor score between 0 and 10, with at most two decimals."""
    try:
        number = Decimal(value)
    except InvalidOperation:
        raise CellError(f"“{value}” is not a number (for example 8.75).") from None
    if not number.is_finite() or not Decimal(0) <= number <= Decimal(10):
        raise CellError(f"{value} is not between 0 and 10.")
    if number != number.quantize(Decimal("0.01")):
        raise CellError(f"{value} has more than two decimals.")
    return number.quantize(Decimal("0.01"))


_MCP_ID = re.compile(r"^\d{4,20}$")


def mcp_id(value: str) -> str:
    if not _MCP_ID.match(value):
        raise CellError(f"“{value}” is not an MCP ID (4 to 20 digits).")
    return value


_DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")


def email_domains(value: str) -> list[str]:
    """Registered domains, separated by semicolons or spaces: `contoso.com; contoso.co.uk`."""
    domains = []
    for part in re.split(r"[;\s]+", value.lower()):
        part = part.lstrip("@")
        if not part:
            continue
        if not _DOMAIN.match(part):
            raise CellError(f"“{part}” is not an email domain (for example contoso.com).")
        if part not in domains:
            domains.append(part)
    if not domains:
        raise CellError("No email domain given.")
    return domains


def access_code(value: str) -> str:
    """The access code issued with the MCP ID, stored only as its hash."""
    normalised = access_code_normalise(value)
    if not 8 <= len(normalised) <= 32:
        raise CellError("Not an access code (8 to 32 letters and digits, dashes allowed).")
    return access_code_hash(normalised)


LEVELS = {
    "fundamentals": "Fundamentals",
    "associate": "Associate",
    "expert": "Expert",
    "specialty": "Specialty",
}


def level(value: str) -> str:
    try:
        return LEVELS[value.lower()]
    except KeyError:
        raise CellError(
            f"“{value}” is not a level: use one of {', '.join(LEVELS.values())}."
        ) from None

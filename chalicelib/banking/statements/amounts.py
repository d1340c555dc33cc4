"""Amounts and dates as banks write them in tabular statements (CSV, spreadsheets, PDF text).

Amounts: ``1 234,56`` (space, no-break or narrow no-break space between thousands), ``1.234,56``, ``1,234.56``,
``1234.56``, ``1234,5``, a sign in front (``-12,50``, ``+12,50``, ``- 12,50``) or behind (``12,50-``), parentheses
(``(12,50)``), a currency symbol or code around it (``€``, ``EUR``, ``$``, ``£``), ``CR``/``DB`` suffixes;
spreadsheet numbers are read through their decimal text, never float arithmetic. Dates: ``JJ/MM/AAAA``, ``JJ/MM/AA``
(a year above 50 in the 1900s), ``-`` or ``.`` separators, ISO ``AAAA-MM-JJ`` (with a time after it), and Excel
serial numbers. Both raise ``ValueError`` with the reason; the caller adds the line.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import TypeVar

_SPACES = re.compile(r"[\s\u00a0\u202f\u2009']+")
_CURRENCY = re.compile(r"(?i)(€|\$|£|\beur\b|\beuros?\b|\busd\b|\bgbp\b|\bchf\b|\bxof\b|\bxaf\b)")
_NUMBER = re.compile(r"^\d+([.,]\d+)*$")
_FR_DATE = re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{2}|\d{4})$")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:[T ].*)?$")
_EXCEL_EPOCH = dt.date(1899, 12, 30)
T = TypeVar("T")


def _decimal_text(digits: str) -> str:
    """``1.234,56`` / ``1,234.56`` / ``1234,5`` → ``1234.56`` / ``1234.56`` / ``1234.5``: the last separator is
    the decimal point when it has 1, 2 or 3+ digits after it and is not a thousands group of a number that has
    another kind of separator before it."""
    comma, dot = digits.rfind(","), digits.rfind(".")
    if comma == -1 and dot == -1:
        return digits
    last = max(comma, dot)
    mark = digits[last]
    other = "." if mark == "," else ","
    head, tail = digits[:last], digits[last + 1:]
    if other in head:  # both kinds: the last one is the decimal mark
        return head.replace(other, "").replace(mark, "") + "." + tail
    if head.count(mark) >= 1:  # 1.234.567 or 1,234,567: thousands only
        return digits.replace(mark, "")
    if mark == "," or len(tail) != 3:
        return head + "." + tail
    # "1.234" or "1,234" alone: a decimal point with three decimals is rarer in statements than a thousands mark
    # of a dot; a comma before three digits is French for a decimal
    return head + tail if mark == "." else head + "." + tail


def _signs(text: str) -> tuple[bool, str]:
    """Whether the written amount is negative, and its digits without the signs around them."""
    negative = False
    if text.startswith("(") and text.endswith(")"):
        negative, text = True, text[1:-1]
    if text.upper().endswith(("CR", "DB")):
        negative, text = text.upper().endswith("DB"), text[:-2]
    if text.endswith(("-", "+")):
        negative, text = negative or text.endswith("-"), text[:-1]
    if text.startswith(("-", "+")):
        negative, text = negative != text.startswith("-"), text[1:]
    return negative, text


def parse_amount(value: object) -> Decimal:
    """The signed amount of a cell or a text; ``ValueError`` when it is not an amount."""
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not an amount")
    if isinstance(value, int | Decimal):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(repr(value))  # the shortest text that reads back as the cell's value: 12.5 → 12.5
    text = _SPACES.sub("", _CURRENCY.sub("", str(value))).strip()
    if not text:
        raise ValueError("the amount is empty")
    negative, text = _signs(text)
    if not _NUMBER.match(text):
        raise ValueError(f"{value!s:.40} is not an amount")
    try:
        amount = Decimal(_decimal_text(text))
    except InvalidOperation as exc:
        raise ValueError(f"{value!s:.40} is not an amount") from exc
    return -amount if negative else amount


def _lenient(parse: Callable[[object], T], value: object) -> T | None:
    """``parse(value)``, or None for an empty cell or a value it refuses."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        return parse(value)
    except ValueError:
        return None


def maybe_amount(value: object) -> Decimal | None:
    """The amount, or None for an empty cell or a text that is not one."""
    return _lenient(parse_amount, value)


def parse_date(value: object) -> dt.date:
    """The date of a cell or a text; ``ValueError`` when it is not one."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        if 20_000 <= value <= 80_000:  # an Excel serial: 1954 to 2119
            return _EXCEL_EPOCH + dt.timedelta(days=int(value))
        raise ValueError(f"{value!r} is not a date")
    text = str(value).strip()
    found = _FR_DATE.match(text)
    try:
        if found:
            day, month, year = (int(part) for part in found.groups())
            if len(found.group(3)) == 2:
                year += 1900 if year > 50 else 2000
            return dt.date(year, month, day)
        found = _ISO_DATE.match(text)
        if found:
            return dt.date(*(int(part) for part in found.groups()))
        if text.isdigit() and 20_000 <= int(text) <= 80_000:
            return _EXCEL_EPOCH + dt.timedelta(days=int(text))
    except ValueError as exc:
        raise ValueError(f"{text!r} is not a valid date ({exc})") from exc
    raise ValueError(f"{text[:40]!r} is not a date (JJ/MM/AAAA, JJ/MM/AA or AAAA-MM-JJ)")


def maybe_date(value: object) -> dt.date | None:
    """The date, or None for an empty cell or a text that is not one."""
    return _lenient(parse_date, value)

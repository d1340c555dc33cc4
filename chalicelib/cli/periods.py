"""Days and periods as the command line takes them: ``YYYY-MM-DD``, and ``--period`` as ``YYYY``, ``YYYY-MM`` or
``YYYY-Qn`` for the first and last day of that year, month or quarter. Standard library only: the parser uses it
before any command is loaded."""

from __future__ import annotations

import argparse
import re
from datetime import date, timedelta

PERIOD_HELP = "YYYY (a year), YYYY-MM (a month) or YYYY-Qn (a quarter, n = 1..4)"
_PERIOD = re.compile(r"(?P<year>\d{4})(?:-(?:(?P<month>\d{2})|[Qq](?P<quarter>[1-4])))?")


def day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (YYYY-MM-DD)") from exc


def period(text: str) -> tuple[date, date]:
    """The first and last day of the year, month or quarter ``text`` names."""
    match = _PERIOD.fullmatch(text.strip())
    month = int(match["month"]) if match and match["month"] else None
    if not match or not 1900 <= int(match["year"]) <= 2999 or (month is not None and not 1 <= month <= 12):
        raise argparse.ArgumentTypeError(f"{text!r} is not a period: {PERIOD_HELP}")
    year = int(match["year"])
    if month is not None:
        first, last = month, month
    elif match["quarter"]:
        first = 3 * int(match["quarter"]) - 2
        last = first + 2
    else:
        first, last = 1, 12
    after = date(year + 1, 1, 1) if last == 12 else date(year, last + 1, 1)
    return date(year, first, 1), after - timedelta(days=1)

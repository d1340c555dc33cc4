"""``--period`` of the reports: a year, a month or a quarter as its first and last day."""

from __future__ import annotations

import argparse
from datetime import date

import pytest

from chalicelib.cli.periods import period


@pytest.mark.parametrize(("text", "first", "last"), [
    ("2026", date(2026, 1, 1), date(2026, 12, 31)),
    ("2024-02", date(2024, 2, 1), date(2024, 2, 29)),
    ("2026-12", date(2026, 12, 1), date(2026, 12, 31)),
    ("2026-Q1", date(2026, 1, 1), date(2026, 3, 31)),
    ("2026-q4", date(2026, 10, 1), date(2026, 12, 31)),
])
def test_period_names_its_first_and_last_day(text: str, first: date, last: date) -> None:
    assert period(text) == (first, last)


@pytest.mark.parametrize("text", ["2026-13", "2026-00", "2026-Q5", "26", "2026-1", "1899", "2026-03-01", "Q1"])
def test_anything_else_is_refused_with_the_forms_it_takes(text: str) -> None:
    with pytest.raises(argparse.ArgumentTypeError, match="YYYY-Qn"):
        period(text)

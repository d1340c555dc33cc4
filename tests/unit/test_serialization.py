"""The response serializer writes money exactly, as JSON numbers, with no float round trip."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel

from chalicelib.core.serialization import dumps


class Amounts(BaseModel):
    total: Decimal
    when: date


@given(st.decimals(allow_nan=False, allow_infinity=False, places=2, min_value=Decimal("-1e15"),
                   max_value=Decimal("1e15")))
def test_any_decimal_is_written_as_the_same_json_number(value: Decimal) -> None:
    text = dumps({"amount": value})
    parsed = json.loads(text, parse_float=Decimal, parse_int=Decimal)
    assert parsed["amount"] == value
    assert "e" not in text.lower()


def test_large_amount_keeps_every_digit() -> None:
    assert dumps({"big": Decimal("12345678901234567.89")}) == '{"big":12345678901234567.89}'
    assert dumps({"cents": Decimal("12.30")}) == '{"cents":12.30}'


def test_models_dates_and_unicode_are_plain_json() -> None:
    out = dumps({"data": Amounts(total=Decimal("1250.50"), when=date(2026, 2, 8)), "name": "Société",
                 "at": datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)})
    assert out == ('{"data":{"total":1250.50,"when":"2026-02-08"},"name":"Société",'
                   '"at":"2026-01-02T03:04:05.000Z"}')


@pytest.mark.parametrize("bad", [1.5, Decimal("NaN"), Decimal("Infinity")])
def test_floats_and_non_finite_values_are_refused(bad: object) -> None:
    with pytest.raises((TypeError, ValueError)):
        dumps({"x": bad})


def test_numeric_looking_text_stays_text() -> None:
    assert dumps({"s": "12.30", "t": "x:1.5"}) == '{"s":"12.30","t":"x:1.5"}'

"""Money arithmetic: exact decimals, half-up rounding to the currency's minor unit, floats refused."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError

from chalicelib.core.money import Amount, D, RatePercent, percent_of, quantize


class Line(BaseModel):
    amount: Amount
    rate: RatePercent


@pytest.mark.parametrize(("raw", "currency", "expected"), [
    ("2.345", "EUR", "2.35"), ("2.344", "EUR", "2.34"), ("-2.345", "EUR", "-2.35"), ("1500.5", "XOF", "1501"),
    ("0.005", "EUR", "0.01"), ("10", "EUR", "10.00"), ("1.0005", "KWD", "1.001"),
])
def test_quantize_rounds_half_up_to_the_minor_unit(raw: str, currency: str, expected: str) -> None:
    assert str(quantize(D(raw), currency)) == expected


def test_vat_of_a_base_at_a_percent_rate() -> None:
    assert percent_of(D("100.00"), D("20")) == D("20.00")
    assert percent_of(D("19.99"), D("5.5")) == D("1.10")
    assert percent_of(D("10000"), D("18"), "XOF") == D("1800")


def test_floats_are_refused_and_strings_parsed_exactly() -> None:
    with pytest.raises(TypeError):
        D(0.1)
    assert D("0.1") + D("0.2") == D("0.3")


def test_models_accept_numbers_and_numeric_strings_but_not_three_decimals() -> None:
    assert Line.model_validate({"amount": "12.30", "rate": 20}).amount == Decimal("12.30")
    assert Line.model_validate_json('{"amount": 12.3, "rate": 5.5}').amount == Decimal("12.3")
    for bad in ({"amount": "1.005", "rate": 20}, {"amount": "abc", "rate": 20}, {"amount": 1, "rate": 120},
                {"amount": "NaN", "rate": 20}, {"amount": True, "rate": 20}):
        with pytest.raises(ValidationError):
            Line.model_validate(bad)


@given(st.decimals(min_value=Decimal("-1e9"), max_value=Decimal("1e9"), places=4, allow_nan=False))
def test_quantized_amount_is_within_half_a_cent(value: Decimal) -> None:
    rounded = quantize(value)
    assert abs(rounded - value) <= Decimal("0.005")
    assert rounded.as_tuple().exponent == -2

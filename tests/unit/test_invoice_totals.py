"""Invoice totals: per-line and per-rate half-up rounding; documents always add up; stated totals checked."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chalicelib.billing.invoices.totals import from_lines, from_stated
from chalicelib.core.errors import ValidationFailed
from chalicelib.core.money import D


@dataclass
class Line:
    quantity: Decimal
    unit_price: Decimal
    tax_rate: Decimal
    discount: Decimal = Decimal("0")


def test_mixed_rates_get_one_vat_line_each() -> None:
    totals = from_lines([Line(D("3"), D("19.99"), D("20")), Line(D("1"), D("10"), D("5.5")),
                         Line(D("2"), D("0.335"), D("20"), D("10"))], "EUR")
    assert totals.line_totals == (D("59.97"), D("10.00"), D("0.60"))
    assert [(v.rate, v.base, v.vat) for v in totals.breakdown] == [(D("5.5"), D("10.00"), D("0.55")),
                                                                   (D("20"), D("60.57"), D("12.11"))]
    assert (totals.total_ht, totals.total_vat, totals.total_ttc) == (D("70.57"), D("12.66"), D("83.23"))
    assert totals.tax_rate is None


def test_vat_is_rounded_per_rate_not_per_line() -> None:
    # Three lines of 0.05 at 20 %: per line 0.01 each (0.03), per rate 0.15 × 20 % = 0.03; with 0.025: 0.005 each.
    totals = from_lines([Line(D("1"), D("0.025"), D("20"))] * 3, "EUR")
    assert totals.line_totals == (D("0.03"), D("0.03"), D("0.03"))
    assert totals.total_vat == D("0.02")  # 0.09 × 20 % = 0.018 → 0.02, not 3 × 0.01


def test_zero_decimal_currency() -> None:
    totals = from_lines([Line(D("3"), D("333.5"), D("18"))], "XOF")
    assert (totals.total_ht, totals.total_vat, totals.total_ttc) == (D("1001"), D("180"), D("1181"))


def test_stated_totals_within_a_cent_are_accepted() -> None:
    totals = from_stated(D("1000"), D("20"), D("1200"), None, "EUR")
    assert (totals.total_vat, totals.tax_rate) == (D("200.00"), D("20"))
    assert from_stated(D("99.99"), D("20"), D("119.98"), None, "EUR").total_ttc == D("119.98")
    assert from_stated(D("100"), D("5.5"), None, None, "EUR").total_ttc == D("105.50")


@pytest.mark.parametrize(("ht", "rate", "ttc", "vat"), [("1000", "20", "1300", None), ("1000", "20", "1200", "150")])
def test_inconsistent_stated_totals_are_422_naming_the_fields(ht: str, rate: str, ttc: str, vat: str | None) -> None:
    with pytest.raises(ValidationFailed) as failure:
        from_stated(D(ht), D(rate), D(ttc), D(vat) if vat else None, "EUR")
    assert failure.value.code == "inconsistent_totals"
    assert set(failure.value.details) & {"total_ttc", "total_vat"}


money = st.decimals(min_value=Decimal("0"), max_value=Decimal("100000"), places=2)
lines = st.lists(st.builds(Line, quantity=st.decimals(min_value=Decimal("0"), max_value=Decimal("1000"), places=3),
                           unit_price=money, tax_rate=st.sampled_from([D("0"), D("2.1"), D("5.5"), D("10"), D("20")]),
                           discount=st.sampled_from([D("0"), D("5"), D("12.5"), D("100")])),
                 min_size=1, max_size=20)


@given(lines)
def test_any_document_adds_up_to_the_cent(items: list[Line]) -> None:
    totals = from_lines(items, "EUR")
    assert totals.total_ht == sum(totals.line_totals, Decimal(0))
    assert totals.total_vat == sum((v.vat for v in totals.breakdown), Decimal(0))
    assert totals.total_ttc == totals.total_ht + totals.total_vat
    assert sum((v.base for v in totals.breakdown), Decimal(0)) == totals.total_ht
    for v in totals.breakdown:
        assert abs(v.vat - v.base * v.rate / 100) <= Decimal("0.005")
    assert all(t.as_tuple().exponent == -2 for t in (totals.total_ht, totals.total_vat, totals.total_ttc))

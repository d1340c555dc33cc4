"""Rates are written one way everywhere (labels of hash-chained entries, the FEC, the SAF-T tax table): ``20 %``,
``5,5 %``, never the scientific notation a normalised ``Decimal`` prints (``2E+1``)."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chalicelib.core.money import rate_text
from chalicelib.ledger.charts import default_vat_rates

TABLE_RATES = sorted({r.rate for country in ("FR", "BE", "OHADA") for r in default_vat_rates(country)})
WRITTEN = re.compile(r"^(0|[1-9][0-9]*)(,[0-9]*[1-9])? %$")


@pytest.mark.parametrize("rate", TABLE_RATES, ids=str)
def test_every_rate_of_the_country_tables_is_written_in_french_fixed_point(rate: Decimal) -> None:
    for form in (rate, rate.normalize(), rate.quantize(Decimal("0.001"))):
        text = rate_text(form)
        assert WRITTEN.match(text), text
        assert Decimal(text.removesuffix(" %").replace(",", ".")) == rate


@pytest.mark.parametrize(("rate", "text"), [("20", "20 %"), ("2E+1", "20 %"), ("5.50", "5,5 %"), ("2.1", "2,1 %"),
                                            ("19.250", "19,25 %"), ("0", "0 %"), ("0.000", "0 %"), ("1E+1", "10 %")])
def test_known_rates_read_as_an_accountant_writes_them(rate: str, text: str) -> None:
    assert rate_text(Decimal(rate)) == text


@given(st.decimals(min_value=0, max_value=100, places=3, allow_nan=False, allow_infinity=False))
def test_any_rate_is_written_without_exponent_and_reads_back_equal(rate: Decimal) -> None:
    for form in (rate, rate.normalize()):
        text = rate_text(form)
        assert "E" not in text and WRITTEN.match(text), text
        assert Decimal(text.removesuffix(" %").replace(",", ".")) == rate

"""Document totals, computed the same way for invoices, quotes and credit notes.

Rounding (ROUND_HALF_UP to the currency's minor unit) happens at two named points only:
1. each line: ``line_total_ht = quantity × unit_price × (1 − discount % / 100)``, rounded;
2. each VAT rate: ``vat = Σ line_total_ht of that rate × rate / 100``, rounded once per rate (not per line).
Then ``total_ht = Σ line totals``, ``total_vat = Σ per-rate VAT`` and ``total_ttc = total_ht + total_vat`` are exact
sums of rounded figures, so a document always adds up to the cent and its VAT breakdown matches its VAT total.

Without lines (the CashPilot API's simple form) the client states ``total_ht``, ``tax_rate`` and ``total_ttc``;
``total_ttc`` must equal ``total_ht × (1 + rate)`` within one cent, and ``total_vat`` is ``total_ttc − total_ht``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, localcontext
from typing import Protocol

from chalicelib.core.errors import ValidationFailed
from chalicelib.core.money import HUNDRED, ZERO, percent_of, quantize

TOLERANCE = Decimal("0.01")


class LineInput(Protocol):
    quantity: Decimal
    unit_price: Decimal
    tax_rate: Decimal
    discount: Decimal


@dataclass(frozen=True)
class VatLine:
    """The VAT of one rate: its base (sum of the lines at that rate) and the rounded tax."""

    rate: Decimal
    base: Decimal
    vat: Decimal


@dataclass(frozen=True)
class Totals:
    total_ht: Decimal
    total_vat: Decimal
    total_ttc: Decimal
    tax_rate: Decimal | None  # the single rate of the document, or None when lines mix rates
    breakdown: tuple[VatLine, ...]
    line_totals: tuple[Decimal, ...]


def line_total(line: LineInput, currency: str) -> Decimal:
    return quantize(line.quantity * line.unit_price * (HUNDRED - line.discount) / HUNDRED, currency)


MAX_TOTAL = Decimal("1e13")


def _bounded(totals: Totals) -> Totals:
    if abs(totals.total_ttc) >= MAX_TOTAL or abs(totals.total_ht) >= MAX_TOTAL:
        raise ValidationFailed("the document's total is out of range", code="total_out_of_range",
                               details={"total_ttc": ["must stay below 10^13"]})
    return totals


def from_lines(lines: Sequence[LineInput], currency: str) -> Totals:
    with localcontext(prec=60):  # line products of 15-digit figures exceed the default 28 digits
        return _bounded(_from_lines(lines, currency))


def _from_lines(lines: Sequence[LineInput], currency: str) -> Totals:
    line_totals = tuple(line_total(line, currency) for line in lines)
    bases: dict[Decimal, Decimal] = {}
    for line, total in zip(lines, line_totals, strict=True):
        rate = line.tax_rate.normalize() if line.tax_rate else ZERO
        bases[rate] = bases.get(rate, ZERO) + total
    breakdown = tuple(VatLine(rate=rate, base=base, vat=percent_of(base, rate, currency))
                      for rate, base in sorted(bases.items()))
    total_ht = sum(line_totals, ZERO)
    total_vat = sum((v.vat for v in breakdown), ZERO)
    single = breakdown[0].rate if len(breakdown) == 1 else None
    return Totals(total_ht=quantize(total_ht, currency), total_vat=quantize(total_vat, currency),
                  total_ttc=quantize(total_ht + total_vat, currency), tax_rate=single, breakdown=breakdown,
                  line_totals=line_totals)


def from_stated(total_ht: Decimal, tax_rate: Decimal, total_ttc: Decimal | None, total_vat: Decimal | None,
                currency: str) -> Totals:
    """Totals the client stated without lines, checked for consistency (422 naming the fields otherwise)."""
    ht = quantize(total_ht, currency)
    expected_ttc = ht + percent_of(ht, tax_rate, currency)
    ttc = quantize(total_ttc, currency) if total_ttc is not None else expected_ttc
    if abs(ttc - expected_ttc) > TOLERANCE:
        message = f"total_ttc {ttc} does not equal total_ht {ht} × (1 + {tax_rate} %) = {expected_ttc}"
        raise ValidationFailed(message, code="inconsistent_totals",
                               details={f: [message] for f in ("total_ttc", "total_ht", "tax_rate")})
    vat = ttc - ht
    if total_vat is not None and abs(quantize(total_vat, currency) - vat) > TOLERANCE:
        message = f"total_vat {total_vat} does not equal total_ttc − total_ht = {vat}"
        raise ValidationFailed(message, code="inconsistent_totals", details={"total_vat": [message]})
    return Totals(total_ht=ht, total_vat=vat, total_ttc=ttc, tax_rate=tax_rate,
                  breakdown=(VatLine(rate=tax_rate.normalize(), base=ht, vat=vat),), line_totals=())

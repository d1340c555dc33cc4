"""The invoice PDF: PDF/A-3b structure checked with pypdf, the Factur-X XML embedded, readable when rendered."""

from __future__ import annotations

import io
import re
from functools import lru_cache
from typing import Any

import facturx
import pypdfium2
import pytest
from lxml import etree
from pypdf import PdfReader
from pypdf.generic import DictionaryObject

from chalicelib.billing.invoices.models import Invoice
from chalicelib.core.errors import ValidationFailed
from chalicelib.exports.facturx import PROFILES, build_cii
from chalicelib.exports.invoice_pdf import invoice_pdf
from tests.facturx_checks import (
    BUYER,
    SELLER,
    Item,
    make_invoice,
    several_rates_with_discounts,
    stated_totals_without_items,
)


@lru_cache(maxsize=8)
def _pdf(profile: str = "EN16931") -> tuple[bytes, bytes]:
    invoice = several_rates_with_discounts()
    xml = build_cii(invoice, SELLER, BUYER, profile)
    return invoice_pdf(invoice, SELLER, BUYER, xml, profile), xml


def _long_invoice() -> Invoice:
    items = [Item(f"Ligne {n} — intervention « sur site » à Besançon, Ωμέγα, Привет " + "détail " * (n % 9),
                  str(n % 4 + 1), "12.34", ("20", "10", "5.5", "0")[n % 4], unit="heure") for n in range(90)]
    return make_invoice(items)


def _reader(pdf: bytes) -> PdfReader:
    return PdfReader(io.BytesIO(pdf))


def _root(pdf: bytes) -> Any:
    return _reader(pdf).trailer["/Root"]


def _plain(text: str) -> str:
    return " ".join(text.replace("\u00a0", " ").split())


def _fonts(resources: Any) -> list[DictionaryObject]:
    fonts = []
    for font in (resources.get("/Font") or {}).values():
        font = font.get_object()
        fonts.append(font)
        fonts += [d.get_object() for d in font.get("/DescendantFonts", [])]
    return fonts


@pytest.mark.parametrize("profile", PROFILES)
def test_pdf_embeds_exactly_the_xml(profile: str) -> None:
    pdf, xml = _pdf(profile)
    assert facturx.get_xml_from_pdf(pdf, check_xsd=True) == ("factur-x.xml", xml)


def test_xml_is_an_associated_data_file_of_the_document() -> None:
    root = _root(_pdf()[0])
    filespecs = [spec.get_object() for spec in root["/AF"]]
    assert [(spec["/F"], spec["/UF"], spec["/AFRelationship"]) for spec in filespecs] == [
        ("factur-x.xml", "factur-x.xml", "/Data")]
    embedded = filespecs[0]["/EF"]["/F"].get_object()
    assert embedded["/Subtype"] == "/text/xml"
    assert embedded["/Params"]["/ModDate"] == "D:20260315093000+00'00'"


def test_pdf_has_an_srgb_output_intent_with_an_icc_profile() -> None:
    intents = _root(_pdf()[0])["/OutputIntents"]
    assert len(intents) == 1
    intent = intents[0].get_object()
    assert (intent["/S"], intent["/OutputConditionIdentifier"]) == ("/GTS_PDFA1", "sRGB IEC61966-2.1")
    profile = intent["/DestOutputProfile"].get_object()
    icc = profile.get_data()
    assert profile["/N"] == 3
    assert (icc[36:40], icc[12:16], icc[16:20]) == (b"acsp", b"mntr", b"RGB ")
    assert int.from_bytes(icc[:4], "big") == len(icc)


def test_every_font_is_embedded() -> None:
    reader = _reader(_pdf()[0])
    fonts = [font for page in reader.pages for font in _fonts(page["/Resources"])]
    assert fonts
    for font in fonts:
        if font["/Subtype"] == "/Type0":
            assert "/ToUnicode" in font
            continue
        descriptor: Any = font["/FontDescriptor"].get_object()
        assert {"/FontFile", "/FontFile2", "/FontFile3"} & set(descriptor), font["/BaseFont"]


def test_xmp_declares_pdfa_3b_and_factur_x_and_matches_the_document_info() -> None:
    reader = _reader(_pdf("BASIC")[0])
    root = _root(_pdf("BASIC")[0])
    metadata = root["/Metadata"].get_object()
    assert "/Filter" not in metadata  # PDF/A: the XMP stays readable without PDF decoding
    xmp = metadata.get_data().decode("utf-8")
    assert etree.fromstring(metadata.get_data()).tag == "{adobe:ns:meta/}xmpmeta"
    assert "<rdf:Description>" not in xmp  # every description says what it is about
    assert re.search(r"<pdfaid:part>3</pdfaid:part>", xmp)
    assert re.search(r"<pdfaid:conformance>B</pdfaid:conformance>", xmp)
    assert "<fx:ConformanceLevel>BASIC</fx:ConformanceLevel>" in xmp
    assert "<fx:DocumentFileName>factur-x.xml</fx:DocumentFileName>" in xmp
    assert "<xmp:CreateDate>2026-03-15T09:30:00+00:00</xmp:CreateDate>" in xmp
    info = reader.metadata
    assert info is not None
    assert (info["/CreationDate"], info["/ModDate"]) == ("D:20260315093000+00'00'",) * 2
    assert info["/Title"] == "Facture INV-2026-0042" and "/Keywords" not in info


def test_pdf_is_plain_pdf_1_7_without_encryption_or_javascript() -> None:
    pdf = _pdf()[0]
    reader = _reader(pdf)
    root = _root(pdf)
    trailer: Any = reader.trailer
    assert pdf.startswith(b"%PDF-1.7\n%") and max(pdf[10:14]) > 127  # binary comment line
    assert "/Encrypt" not in trailer and len(trailer["/ID"]) == 2
    assert "/JavaScript" not in root["/Names"] and "/AA" not in root
    open_action = root.get("/OpenAction")
    assert not isinstance(open_action, DictionaryObject) or open_action.get("/S") != "/JavaScript"
    for page in reader.pages:
        assert "/AA" not in page and "/Annots" not in page


def test_first_page_renders_as_a_non_blank_a4_image() -> None:
    document = pypdfium2.PdfDocument(_pdf()[0])
    image = document[0].render(scale=1).to_pil().convert("L")
    width, height = image.size
    assert abs(height / width - 297 / 210) < 0.01
    histogram = image.histogram()
    ink = sum(histogram[:200]) / (width * height)
    assert 0.01 < ink < 0.5, ink
    assert image.tobytes().startswith(b"\xff" * 100)  # white margin


def test_text_shows_number_parties_and_grand_total() -> None:
    text = _plain(_reader(_pdf()[0]).pages[0].extract_text())
    assert "INV-2026-0042" in text
    assert "Müller & Söhne GmbH" in text and "Atelier Éléonore SARL" in text
    assert "Total TTC 3 452,91 €" in text and "Net à payer 3 352,91 €" in text
    assert "Déjà payé 100,00 €" in text
    assert "FR76 3000 6000 0112 3456 7890 189" in text and "AGRIFRPP" in text
    assert "Conseil stratégique" in text and "1 755,00 €" in text


def test_invoice_without_items_shows_its_synthetic_line() -> None:
    invoice = stated_totals_without_items()
    pdf = invoice_pdf(invoice, SELLER, BUYER, build_cii(invoice, SELLER, BUYER, "BASIC"), "BASIC")
    text = _plain(_reader(pdf).pages[0].extract_text())
    assert "Prestations de la facture INV-2026-0042" in text and "Total TTC 1 200,00 €" in text


def test_long_invoice_breaks_pages_and_repeats_the_table_heading() -> None:
    invoice = _long_invoice()
    pdf = invoice_pdf(invoice, SELLER, BUYER, build_cii(invoice, SELLER, BUYER, "EN16931"), "EN16931")
    reader = _reader(pdf)
    pages = [_plain(page.extract_text()) for page in reader.pages]
    assert len(pages) >= 4
    assert all("Désignation" in page for page in pages[:-1])
    assert all(f"page {n}/{len(pages)}" in page for n, page in enumerate(pages, start=1))
    assert "Facture INV-2026-0042 du 01/03/2026 (suite)" in pages[1]
    assert "Ligne 89 — intervention « sur site » à Besançon, Ωμέγα, Привет" in " ".join(pages)
    assert "Net à payer" in pages[-1]
    for page in reader.pages:
        image = pypdfium2.PdfDocument(pdf)[reader.pages.index(page)].render(scale=0.3).to_pil()
        assert image.size[1] / image.size[0] == pytest.approx(297 / 210, abs=0.02)


def test_characters_the_font_lacks_show_as_replacement_characters() -> None:
    invoice = make_invoice([Item("Thé 漢字", "1", "10.00", "20")])
    pdf = invoice_pdf(invoice, SELLER, BUYER, build_cii(invoice, SELLER, BUYER, "BASIC"), "BASIC")
    assert "Thé \ufffd\ufffd" in _reader(pdf).pages[0].extract_text()


def test_same_invoice_version_gives_the_same_bytes() -> None:
    invoice = several_rates_with_discounts()
    xml = build_cii(invoice, SELLER, BUYER, "EN16931")
    assert invoice_pdf(invoice, SELLER, BUYER, xml, "EN16931") == _pdf("EN16931")[0]


def test_xml_of_another_profile_is_refused() -> None:
    invoice = several_rates_with_discounts()
    with pytest.raises(ValidationFailed) as failure:
        invoice_pdf(invoice, SELLER, BUYER, build_cii(invoice, SELLER, BUYER, "BASIC"), "EN16931")
    assert (failure.value.code, list(failure.value.details)) == ("invalid_facturx_xml", ["profile"])


def test_invalid_xml_is_refused() -> None:
    invoice = several_rates_with_discounts()
    xml = build_cii(invoice, SELLER, BUYER, "EN16931").replace(b"<ram:TypeCode>380</ram:TypeCode>", b"")
    with pytest.raises(ValidationFailed) as failure:
        invoice_pdf(invoice, SELLER, BUYER, xml, "EN16931")
    assert failure.value.code == "invalid_facturx_xml"


def test_unknown_profile_is_refused() -> None:
    invoice = several_rates_with_discounts()
    with pytest.raises(ValidationFailed) as failure:
        invoice_pdf(invoice, SELLER, BUYER, b"<x/>", "XRECHNUNG")
    assert (failure.value.code, list(failure.value.details)) == ("unknown_profile", ["profile"])

"""The readable invoice as a PDF/A-3b file carrying its Factur-X XML (``factur-x.xml``).

Three steps:

1. fpdf2 draws the A4 pages in its PDF/A-3B mode: the DejaVu Sans Condensed fonts (``assets/fonts``, licence beside
   them) are embedded as subsets, colours are DeviceRGB under an sRGB output intent whose ICC profile Little CMS
   builds through Pillow's ImageCms, and there is no encryption, JavaScript, annotation or transparency;
2. ``facturx.generate_from_binary`` checks the XML against its profile's XSD, embeds it as an associated file
   (catalog ``/AF``, ``/AFRelationship /Data``) and writes the Factur-X XMP (``pdfaid:part`` 3, conformance B);
3. the dates the libraries stamp with "now" are pinned to the invoice's ``updated_at`` (the PDF shows the amount paid,
   which changes the invoice's version), the document information dictionary is aligned with the XMP and the
   header says PDF 1.7, so one version of an invoice always gives the same bytes.

The figures drawn come from the same functions as the XML (``facturx.xml_lines``, ``facturx.vat_breakdown``), so the
human-readable and the structured invoice cannot disagree, and so do the legal mentions (``mentions.LegalMentions``,
the XML's notes), printed in a closing "Conditions et mentions légales" section. Labels are in French.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

import facturx
from fpdf import FPDF
from fpdf.enums import OutputIntentSubType
from fpdf.fonts import FontFace
from fpdf.output import PDFICCProfile
from lxml import etree
from PIL import ImageCms
from pypdf import PdfReader, PdfWriter
from pypdf.generic import NameObject, TextStringObject

from chalicelib.billing.invoices.models import Invoice
from chalicelib.core.errors import ValidationFailed, field_error
from chalicelib.core.money import ZERO, quantize
from chalicelib.exports.facturx import LEVELS, PROFILES, Party, vat_breakdown, xml_lines
from chalicelib.exports.mentions import LegalMentions

FONT_DIR = Path(__file__).resolve().parent / "assets" / "fonts"
FONT = "DejaVuSansCondensed"
INK = (30, 30, 30)
RULE = (150, 155, 165)
SHADE = (232, 236, 242)
MARGIN = 15.0
_XMP_DATE = re.compile(rb"(<xmp:(?:CreateDate|ModifyDate|MetadataDate)>)[^<]*(</xmp:)")
_ICC_EPOCH = bytes.fromhex("07d0 0001 0001 0000 0000 0000")  # ICC header date: 2000-01-01 00:00:00


def invoice_pdf(invoice: Invoice, seller: Party, buyer: Party, xml: bytes, profile: str,
                mentions: LegalMentions | None = None) -> bytes:
    """The PDF/A-3b invoice with ``xml`` (from ``facturx.build_cii`` for ``profile``) embedded as ``factur-x.xml``,
    closing with the seller's legal ``mentions``.

    Raises:
        ValidationFailed: unknown ``profile``, or ``xml`` that is not a valid Factur-X document of that profile
            (``invalid_facturx_xml``).
    """
    if profile not in PROFILES:
        raise field_error("profile", f"must be one of {', '.join(PROFILES)}", code="unknown_profile")
    _check_xml(xml, profile)
    when = invoice.updated_at.astimezone(UTC).replace(microsecond=0)
    drawn = _draw(invoice, seller, buyer, profile, when, mentions)
    metadata = {"author": seller.name, "title": f"Facture {invoice.invoice_number}",
                "subject": f"Facture {invoice.invoice_number} de {seller.name} à {buyer.name}"}
    embedded = facturx.generate_from_binary(drawn, xml, flavor="factur-x", level=LEVELS[profile], check_xsd=True,
                                            pdf_metadata=metadata, lang="fr-FR", xmp_compression=False)
    return _settle_metadata(bytes(embedded), when)


def _check_xml(xml: bytes, profile: str) -> None:
    try:
        level = facturx.get_level(etree.fromstring(xml), "factur-x")
        facturx.xml_check_xsd(xml, flavor="factur-x", level=LEVELS[profile])
    except Exception as exc:  # the factur-x library raises bare Exception for every failure
        raise ValidationFailed("the XML is not a valid Factur-X document", code="invalid_facturx_xml",
                               details={"xml": [str(exc)[:300]]}) from exc
    if level != LEVELS[profile]:
        raise field_error("profile", f"the XML is of level {level}, not {profile}", code="invalid_facturx_xml")


@lru_cache(maxsize=1)
def srgb_profile() -> bytes:
    """An sRGB ICC profile (v4, display class) built by Little CMS, with a fixed creation date."""
    data = bytearray(ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes())
    data[24:36] = _ICC_EPOCH
    return bytes(data)


def _settle_metadata(pdf: bytes, when: datetime) -> bytes:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    writer.pdf_header = "%PDF-1.7"  # PDF/A-3 is based on PDF 1.7; pypdf would write 1.3 and factur-x 1.6
    pdf_date = when.strftime("D:%Y%m%d%H%M%S+00'00'")
    info: dict[str, Any] = dict(writer.metadata or {})
    info.pop("/Keywords", None)  # the Factur-X XMP has no pdf:Keywords: keep the info dictionary consistent with it
    writer.metadata = info | {"/CreationDate": pdf_date, "/ModDate": pdf_date}
    root: Any = writer.root_object
    xmp = root["/Metadata"].get_object()  # uncompressed (xmp_compression=False): PDF/A wants readable XMP
    xmp_date = when.strftime("%Y-%m-%dT%H:%M:%S+00:00").encode()
    packet = _XMP_DATE.sub(rb"\g<1>" + xmp_date + rb"\g<2>", xmp.get_data())
    xmp.set_data(packet.replace(b"<rdf:Description>", b'<rdf:Description rdf:about="">'))  # XMP names the subject
    for filespec in root["/Names"]["/EmbeddedFiles"]["/Names"][1::2]:
        embedded = filespec.get_object()["/EF"]["/F"].get_object()
        embedded["/Params"][NameObject("/ModDate")] = TextStringObject(pdf_date)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


# --- drawing -----------------------------------------------------------------------------------------------------

class _InvoiceDocument(FPDF):
    """A4 pages with a running header after the first page and a footer naming the seller and the page."""

    header_text = ""
    footer_text = ""

    def normalize_text(self, text: str) -> str:
        # A character the font lacks would be dropped silently; show U+FFFD instead (the XML keeps the exact text).
        cmap = getattr(self.current_font, "cmap", None)
        if cmap:
            text = "".join(c if ord(c) in cmap or c in "\r\n" else "\ufffd" for c in text.replace("\t", " "))
        return super().normalize_text(text)

    def header(self) -> None:
        if self.page_no() > 1:
            self.set_font(FONT, size=8)
            self.cell(0, 5, self.header_text, align="R", new_x="LMARGIN", new_y="NEXT")
            self.ln(2)

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(FONT, size=7)
        self.set_text_color(*INK)
        self.cell(0, 4, f"{self.footer_text} — page {self.page_no()}/{{nb}}", align="C")


def _draw(invoice: Invoice, seller: Party, buyer: Party, profile: str, when: datetime,
          mentions: LegalMentions | None) -> bytes:
    pdf = _InvoiceDocument(format="A4", unit="mm", enforce_compliance="PDF/A-3B")
    pdf.header_text = f"Facture {invoice.invoice_number} du {_day(invoice.date)} (suite)"
    pdf.footer_text = " · ".join(filter(None, [seller.name, seller.siren and f"SIREN {seller.siren}",
                                               seller.vat_number and f"TVA {seller.vat_number}",
                                               f"Factur-X {profile.replace('_', ' ')}"]))
    pdf.set_creation_date(when)
    pdf.set_xmp_metadata(_placeholder_xmp())  # replaced by the Factur-X XMP; keeps fpdf2 from stamping "now"
    pdf.add_output_intent(OutputIntentSubType.PDFA, output_condition_identifier="sRGB IEC61966-2.1",
                          registry_name="http://www.color.org", info="sRGB IEC61966-2.1",
                          dest_output_profile=PDFICCProfile(contents=srgb_profile(), n=3, alternate="DeviceRGB"))
    pdf.add_font(FONT, "", FONT_DIR / "DejaVuSansCondensed.ttf")
    pdf.add_font(FONT, "B", FONT_DIR / "DejaVuSansCondensed-Bold.ttf")
    pdf.set_margins(MARGIN, MARGIN, MARGIN)
    pdf.set_auto_page_break(True, margin=20)
    pdf.set_text_color(*INK)
    pdf.set_draw_color(*RULE)
    pdf.set_line_width(0.2)
    pdf.add_page()
    _header(pdf, invoice, seller, buyer)
    _lines_table(pdf, invoice)
    _totals(pdf, invoice)
    _payment(pdf, invoice, seller)
    if mentions:
        _legal(pdf, mentions)
    return bytes(pdf.output())


def _placeholder_xmp() -> str:
    return ('<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
            '<rdf:Description rdf:about="" xmlns:pdfaid="http://www.aiim.org/pdfa/ns/id/" pdfaid:part="3" '
            'pdfaid:conformance="B"/></rdf:RDF></x:xmpmeta>')


def _header(pdf: FPDF, invoice: Invoice, seller: Party, buyer: Party) -> None:
    top = pdf.get_y()
    seller_end = _block(pdf, MARGIN, top, 95, seller.name, _address(seller) + _identifiers(seller))
    pdf.set_xy(115, top)
    pdf.set_font(FONT, "B", 18)
    pdf.cell(80, 9, "FACTURE", align="R", new_x="LEFT", new_y="NEXT")
    pdf.set_font(FONT, "", 9)
    facts = [f"N° {invoice.invoice_number}", f"Date : {_day(invoice.date)}", f"Échéance : {_day(invoice.due_date)}"]
    if invoice.reference:
        facts.append(f"Référence : {invoice.reference}")
    for fact in facts:
        pdf.multi_cell(80, 5, fact, align="R", new_x="LEFT", new_y="NEXT")
    buyer_top = max(top + 40, pdf.get_y() + 4)
    buyer_end = _block(pdf, 115, buyer_top, 80, buyer.name, _address(buyer) + _identifiers(buyer), title="Facturé à")
    pdf.set_xy(MARGIN, max(seller_end, buyer_end) + 8)


def _block(pdf: FPDF, x: float, y: float, width: float, name: str, lines: Sequence[str], title: str = "") -> float:
    """Draws a party's block at (x, y); returns where it ends."""
    pdf.set_xy(x, y)
    if title:
        pdf.set_font(FONT, "", 8)
        pdf.cell(width, 4, title.upper(), new_x="LEFT", new_y="NEXT")
    pdf.set_font(FONT, "B", 11)
    pdf.multi_cell(width, 5.5, name, new_x="LEFT", new_y="NEXT")
    pdf.set_font(FONT, "", 9)
    for line in lines:
        pdf.multi_cell(width, 4.5, line, new_x="LEFT", new_y="NEXT")
    return pdf.get_y()


def _address(party: Party) -> list[str]:
    town = " ".join(filter(None, [party.postal_code, party.city]))
    return [line for line in (party.address_line1, party.address_line2, town, party.country) if line]


def _identifiers(party: Party) -> list[str]:
    return [text for text in (party.siren and f"SIREN {party.siren}", party.legal_id and f"Id. {party.legal_id}",
                              party.vat_number and f"N° TVA {party.vat_number}", party.email) if text]


def _lines_table(pdf: FPDF, invoice: Invoice) -> None:
    currency = invoice.currency
    pdf.set_font(FONT, "", 8.5)
    heading = FontFace(emphasis="BOLD", fill_color=SHADE)
    with pdf.table(col_widths=(72, 13, 14, 22, 15, 13, 27), text_align=("LEFT",) + ("RIGHT",) * 6,
                   headings_style=heading, line_height=4.6, padding=(1, 1.5), repeat_headings=1) as table:
        table.row(["Désignation", "Qté", "Unité", "PU HT", "Remise", "TVA", "Total HT"])
        for row in _display_lines(invoice):
            description, quantity, unit, price, discount, rate, total = row
            table.row([description, _number(quantity), unit, _money(price, currency),
                       f"{_number(discount)} %" if discount else "", f"{_number(rate)} %", _money(total, currency)])
    pdf.ln(4)


def _display_lines(invoice: Invoice) -> list[tuple[str, Decimal, str, Decimal, Decimal, Decimal, Decimal]]:
    if invoice.items:
        return [(i.description, i.quantity, i.unit or "", i.unit_price, i.discount, i.tax_rate, i.line_total)
                for i in invoice.items]
    return [(line.name, line.quantity, "", line.price, ZERO, line.rate, line.total)
            for line in xml_lines(invoice, vat_breakdown(invoice))]


def _totals(pdf: FPDF, invoice: Invoice) -> None:
    currency = invoice.currency
    breakdown = vat_breakdown(invoice)
    if pdf.will_page_break(12 + 5 * (len(breakdown) + 6)):
        pdf.add_page()
    top = pdf.get_y()
    pdf.set_font(FONT, "", 8.5)
    with pdf.table(col_widths=(20, 30, 30), width=80, align="LEFT", text_align="RIGHT", line_height=4.6,
                   headings_style=FontFace(emphasis="BOLD", fill_color=SHADE), padding=(1, 1.5)) as table:
        table.row(["Taux TVA", "Base HT", "Montant TVA"])
        for vat in breakdown:
            table.row([f"{_number(vat.rate)} %", _money(vat.base, currency), _money(vat.vat, currency)])
    vat_end = pdf.get_y()
    lines_total = sum((line.total for line in xml_lines(invoice, breakdown)), ZERO)
    rows: list[tuple[str, Decimal]] = []
    if lines_total != invoice.total_ht:  # an invoice-level discount or surcharge (document allowance/charge in XML)
        rows += [("Total des lignes HT", lines_total), ("Remise / majoration HT", invoice.total_ht - lines_total)]
    rows += [("Total HT", invoice.total_ht), ("TVA", invoice.total_vat), ("Total TTC", invoice.total_ttc),
             ("Déjà payé", invoice.amount_paid), ("Net à payer", invoice.total_ttc - invoice.amount_paid)]
    pdf.set_xy(115, top)
    for label, amount in rows:
        bold = label in ("Total TTC", "Net à payer")
        pdf.set_font(FONT, "B" if bold else "", 10 if bold else 9)
        pdf.set_x(115)
        pdf.cell(45, 6, label, border="B" if bold else 0)
        pdf.cell(35, 6, _money(amount, currency), align="R", border="B" if bold else 0, new_x="LMARGIN",
                 new_y="NEXT")
    if invoice.total_credited:
        pdf.set_font(FONT, "", 8)
        pdf.set_x(115)
        pdf.multi_cell(80, 4, f"Avoirs émis sur cette facture : {_money(invoice.total_credited, currency)} ; "
                              f"solde restant : {_money(invoice.balance_due, currency)}", new_x="LMARGIN",
                       new_y="NEXT")
    pdf.set_y(max(pdf.get_y(), vat_end) + 6)


def _payment(pdf: FPDF, invoice: Invoice, seller: Party) -> None:
    pdf.set_font(FONT, "B", 9.5)
    pdf.cell(0, 6, "Paiement", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, "", 9)
    lines = [f"À régler au plus tard le {_day(invoice.due_date)}, en rappelant la référence "
             f"{invoice.invoice_number}."]
    if seller.iban:
        lines.append("Par virement — IBAN : " + _grouped(seller.iban) + (f" — BIC : {seller.bic}" if seller.bic
                                                                         else ""))
    for line in lines:
        pdf.multi_cell(0, 4.8, line, new_x="LMARGIN", new_y="NEXT")
    if invoice.notes:
        pdf.ln(3)
        pdf.set_font(FONT, "B", 9.5)
        pdf.cell(0, 6, "Notes", new_x="LMARGIN", new_y="NEXT")
        pdf.set_font(FONT, "", 9)
        pdf.multi_cell(0, 4.8, invoice.notes, new_x="LMARGIN", new_y="NEXT")


def _legal(pdf: FPDF, mentions: LegalMentions) -> None:
    pdf.ln(3)
    pdf.set_font(FONT, "B", 9.5)
    pdf.cell(0, 6, "Conditions et mentions légales", new_x="LMARGIN", new_y="NEXT")
    for subject, text in mentions.notes():
        pdf.set_font(FONT, "B" if subject == "TXD" else "", 8.5)  # the exemption explains the missing VAT: in bold
        pdf.multi_cell(0, 4.4, text, new_x="LMARGIN", new_y="NEXT")


# --- formatting (French conventions) -----------------------------------------------------------------------------

def _money(value: Decimal, currency: str) -> str:
    """``1 234,56 €``: French grouping with no-break spaces; the ISO code for currencies other than the euro."""
    return f"{_number(quantize(value, currency), keep_zeros=True)}\u00a0{'€' if currency == 'EUR' else currency}"


def _number(value: Decimal, *, keep_zeros: bool = False) -> str:
    text = format(value if keep_zeros else value.normalize(), "f")
    sign, text = ("-", text[1:]) if text.startswith("-") else ("", text)
    whole, _, decimals = text.partition(".")
    grouped = f"{int(whole):,}".replace(",", "\u00a0")
    return sign + grouped + (f",{decimals}" if decimals else "")


def _grouped(iban: str) -> str:
    compact = iban.replace(" ", "").upper()
    return " ".join(compact[i:i + 4] for i in range(0, len(compact), 4))


def _day(day: date) -> str:
    return day.strftime("%d/%m/%Y")

"""Statement files the tabular parser tests write themselves: PDF (fpdf2), XLSX (openpyxl), XLS (xlwt)."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence

IBAN = "FR76 3000 4000 0312 3456 7890 143"

# (date, value date, label, debit, credit, continuation)
PdfRow = tuple[str, str, str, str | None, str | None, str | None]


def pdf_statement(rows: Sequence[PdfRow], *, opening: str | None = "1 000,00", closing: str | None = None,
                  period: str = "du 01/03/2026 au 31/03/2026") -> bytes:
    """A bank's PDF statement: a header repeated on each page, Débit and Crédit columns, balances."""
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_auto_page_break(False)

    def page() -> float:
        pdf.add_page()
        pdf.set_font("Helvetica", size=9)
        pdf.set_xy(10, 10)
        pdf.cell(0, 5, f"BANQUE EXEMPLE - Relevé de compte n° 3 {period}")
        pdf.set_xy(10, 16)
        pdf.cell(0, 5, f"IBAN : {IBAN}   BIC : BNPAFRPPXXX   Devise : EUR")
        pdf.set_xy(10, 26)
        for width, title, align in ((20, "Date", "L"), (20, "Valeur", "L"), (90, "Libellé", "L"),
                                    (25, "Débit", "R"), (25, "Crédit", "R")):
            pdf.cell(width, 5, title, align=align)
        return 34.0

    def balance(y: float, text: str, amount: str) -> None:
        pdf.set_xy(10, y)
        pdf.cell(130, 5, text)
        pdf.cell(25, 5, "")
        pdf.cell(25, 5, amount, align="R")

    y = page()
    if opening is not None:
        balance(y, "Ancien solde au 28/02/2026", opening)
        y += 6
    for day, value, label, debit, credit, more in rows:
        if y > 270:
            pdf.set_xy(10, 285)
            pdf.cell(0, 5, f"Page {pdf.page_no()}")
            y = page()
        pdf.set_xy(10, y)
        pdf.cell(20, 5, day)
        pdf.cell(20, 5, value)
        pdf.cell(90, 5, label)
        pdf.cell(25, 5, debit or "", align="R")
        pdf.cell(25, 5, credit or "", align="R")
        y += 5
        if more:
            pdf.set_xy(50, y)
            pdf.cell(90, 5, more)
            y += 5
    if closing is not None:
        balance(y + 2, "Nouveau solde au 31/03/2026", closing)
    return bytes(pdf.output())


def scanned_pdf() -> bytes:
    """A page with drawings only, as a scanner produces (no text layer)."""
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    for n in range(20):
        pdf.rect(10, 10 + n * 12, 150, 8, style="F")
    return bytes(pdf.output())


Cells = Sequence[object]


def xlsx_statement(rows: Sequence[Cells]) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Opérations"
    for row in rows:
        sheet.append(list(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def xls_statement(rows: Sequence[Cells]) -> bytes:
    import xlwt

    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("Releve")
    dates = xlwt.easyxf(num_format_str="DD/MM/YYYY")
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if isinstance(value, dt.date):
                sheet.write(r, c, value, dates)
            elif value is not None:
                sheet.write(r, c, value)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()

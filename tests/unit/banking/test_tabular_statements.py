"""The tabular statement parsers (CSV, XLSX, XLS, PDF), the amount and date reading, and the column aliases."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from chalicelib.banking.statements import parse
from chalicelib.banking.statements.amounts import parse_amount, parse_date
from chalicelib.banking.statements.columns import ALIASES, find_header, role_of
from chalicelib.banking.statements.model import StatementUnreadable
from tests.unit.banking.samples import pdf_statement, scanned_pdf, xls_statement, xlsx_statement

SAMPLES = Path(__file__).resolve().parents[2] / "fixtures" / "statements"
IBAN = "FR7630004000031234567890143"


def sample(name: str) -> bytes:
    return (SAMPLES / name).read_bytes()


# --- amounts and dates ----------------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "amount"), [
    ("1 234,56", "1234.56"), ("1\u00a0234,56", "1234.56"), ("1\u202f234,56 €", "1234.56"), ("1.234,56", "1234.56"),
    ("1,234.56", "1234.56"), ("1234.56", "1234.56"), ("-12,50", "-12.50"), ("12,50-", "-12.50"),
    ("(12,50)", "-12.50"), ("+12,50", "12.50"), ("- 12,50", "-12.50"), ("EUR 12,5", "12.5"), ("12,50 DB", "-12.50"),
    ("1.234.567,89", "1234567.89"), ("0,35", "0.35"), ("1 200", "1200"),
])
def test_amounts_are_read_as_french_and_english_banks_write_them(text: str, amount: str) -> None:
    assert parse_amount(text) == Decimal(amount)


def test_spreadsheet_numbers_are_read_through_their_decimal_text() -> None:
    assert parse_amount(-42.1) == Decimal("-42.1") and parse_amount(0.1) + parse_amount(0.2) == Decimal("0.3")


@pytest.mark.parametrize("text", ["", "abc", "12,50,", "1-2", "--"])
def test_what_is_not_an_amount_is_refused(text: str) -> None:
    with pytest.raises(ValueError):
        parse_amount(text)


@pytest.mark.parametrize(("text", "day"), [
    ("10/03/2026", dt.date(2026, 3, 10)), ("10/03/26", dt.date(2026, 3, 10)), ("01/01/99", dt.date(1999, 1, 1)),
    ("10-03-2026", dt.date(2026, 3, 10)), ("10.03.2026", dt.date(2026, 3, 10)), ("2026-03-10", dt.date(2026, 3, 10)),
    ("2026-03-10T00:00:00", dt.date(2026, 3, 10)), (46091, dt.date(2026, 3, 10)), ("46091", dt.date(2026, 3, 10)),
])
def test_dates_are_read_in_the_french_order_iso_and_as_excel_serials(text: object, day: dt.date) -> None:
    assert parse_date(text) == day


@pytest.mark.parametrize("text", ["99/99/2026", "31/02/2026", "mars 2026", "12"])
def test_what_is_not_a_date_is_refused(text: str) -> None:
    with pytest.raises(ValueError):
        parse_date(text)


# --- the alias table ------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("alias", "role"), [(alias, role) for role, names in ALIASES.items() for alias in names])
def test_every_alias_names_its_role_whatever_its_case(alias: str, role: str) -> None:
    assert role_of(alias) == role and role_of(alias.upper()) == role


@pytest.mark.parametrize(("cell", "role"), [
    ("Date de valeur", "value_date"), ("Montant débit", "debit"), ("Débit (EUR)", "debit"), ("Montant en euros",
    "amount"), ("Libellé", "label"), ("LIBELLE", "label"), ("Date d'opération", "date"), ("Débiteur", None),
    ("Nature de l'opération", "label"), ("Crédit euros", "credit"), ("Naam tegenpartij", "counterparty"),
])
def test_the_more_specific_alias_wins_and_accents_do_not_matter(cell: str, role: str | None) -> None:
    assert role_of(cell) == role


def test_the_header_is_found_below_a_preamble_within_fifteen_rows() -> None:
    rows: list[list[object]] = [["Relevé"], ["IBAN : x"], [], ["Date", "Libellé", "Montant"], ["10/03/2026", "X", "1"]]
    header = find_header(rows)
    assert header is not None and header.row == 3 and header.columns == {"date": 0, "label": 1, "amount": 2}
    assert find_header([["x"]] * 15 + [["Date", "Montant"]]) is None


# --- CSV ------------------------------------------------------------------------------------------------------

def test_a_french_bank_csv_in_windows_1252_is_read_with_its_preamble_and_balances() -> None:
    statement = parse(sample("releve-banque-populaire.csv"), "releve.csv")
    assert statement.format == "csv" and statement.iban == IBAN
    assert (statement.opening_balance, statement.closing_balance) == (Decimal("3250.00"), Decimal("3216.65"))
    assert statement.warnings == []
    first, card, edf, rent = statement.lines[:4]
    assert (first.amount, first.label) == (Decimal("1200.00"), "VIR SEPA RECU /DE SARL DUPONT /MOTIF FACTURE "
                                                                 "FA-2026-0001")
    assert (card.amount, card.booking_date, card.line_no) == (Decimal("-42.10"), dt.date(2026, 3, 3), 10)
    assert edf.label == "PRLV SEPA EDF ÉLECTRICITÉ"
    assert (rent.label, rent.value_date) == ("VIR SEPA ÉMIS ; LOYER MARS", dt.date(2026, 3, 10))
    assert len(statement.lines) == 7


def test_a_belgian_csv_with_a_bom_and_dutch_headers_is_read() -> None:
    statement = parse(sample("belfius-export.csv"), "export.csv")
    assert [line.amount for line in statement.lines] == [Decimal(a) for a in ("2420.00", "-54.99", "-87.35",
                                                                               "605.00")]
    assert statement.lines[0].counterparty == "Brasserie Dubois BV" and statement.currency == "EUR"
    assert statement.lines[3].label == "OVERSCHRIJVING FACTUUR 2026/017"
    assert statement.lines[2].value_date == dt.date(2026, 3, 5)


def test_a_comma_csv_with_iso_dates_and_a_balance_column_tells_its_balances() -> None:
    statement = parse(sample("export-comma.csv"), "export.csv")
    assert [line.amount for line in statement.lines] == [Decimal("1250.00"), Decimal("-62.40"), Decimal("-5.00")]
    assert statement.lines[0].reference == "TRX-0001"
    assert (statement.opening_balance, statement.closing_balance) == (Decimal("5000.00"), Decimal("6182.60"))


@pytest.mark.parametrize("separator", [";", ",", "\t", "|"])
def test_each_separator_is_detected(separator: str) -> None:
    text = separator.join(["Date", "Libellé", "Montant"]) + "\n" + separator.join(["10/03/2026", "CB", "-12.5"])
    assert parse(text.encode(), "r.csv").lines[0].amount == Decimal("-12.50")


def test_a_bad_date_answers_the_line_and_the_reason() -> None:
    data = "Date;Libellé;Montant\n10/03/2026;OK;1,00\n99/99/2026;BAD;2,00\n".encode()
    with pytest.raises(StatementUnreadable) as caught:
        parse(data, "r.csv")
    assert "line 3" in str(caught.value) and caught.value.details["line"] == 3


def test_a_bad_amount_answers_the_line_and_the_reason() -> None:
    with pytest.raises(StatementUnreadable, match="line 2: the amount 'douze'"):
        parse("Date;Libellé;Montant\n10/03/2026;OK;douze\n".encode(), "r.csv")


def test_a_table_without_a_recognisable_header_is_refused_with_the_names_understood() -> None:
    with pytest.raises(StatementUnreadable, match="no header row") as caught:
        parse(b"a;b;c\n1;2;3\n", "r.csv")
    assert caught.value.code == "statement_no_header"


# --- spreadsheets ---------------------------------------------------------------------------------------------

ROWS: list[list[object]] = [
    ["Relevé de compte", None, None, None], [f"IBAN : {IBAN}", None, None, None], [None, None, None, None],
    ["Date opération", "Libellé", "Débit", "Crédit"],
    [dt.datetime(2026, 3, 2), "VIR SEPA RECU DUPONT FA-2026-0001", None, 1200.0],
    [dt.datetime(2026, 3, 3), "CB CARREFOUR", 42.1, None],
    ["05/03/2026", "PRLV EDF", "64,20", None],
]


def test_an_xlsx_statement_keeps_dates_and_numbers_exact() -> None:
    statement = parse(xlsx_statement(ROWS), "releve.xlsx")
    assert statement.format == "xlsx" and statement.iban == IBAN
    assert [(line.booking_date, line.amount) for line in statement.lines] == [
        (dt.date(2026, 3, 2), Decimal("1200.00")), (dt.date(2026, 3, 3), Decimal("-42.10")),
        (dt.date(2026, 3, 5), Decimal("-64.20"))]
    assert statement.lines[1].line_no == 6


def test_an_xls_statement_reads_its_date_cells_with_the_workbook_date_mode() -> None:
    rows = [[c.date() if isinstance(c, dt.datetime) else c for c in row] for row in ROWS]
    statement = parse(xls_statement(rows), "releve.xls")
    assert statement.format == "xls"
    assert [(line.booking_date, line.amount) for line in statement.lines][:2] == [
        (dt.date(2026, 3, 2), Decimal("1200.00")), (dt.date(2026, 3, 3), Decimal("-42.10"))]


def test_a_damaged_workbook_is_unreadable() -> None:
    with pytest.raises(StatementUnreadable, match="XLSX workbook cannot be opened"):
        parse(b"PK\x03\x04" + b"xl/" + b"\x00" * 200, "releve.xlsx")


# --- PDF ------------------------------------------------------------------------------------------------------

def _rows(n: int) -> list[tuple[str, str, str, str | None, str | None, str | None]]:
    rows: list[tuple[str, str, str, str | None, str | None, str | None]] = [
        ("02/03", "02/03", "VIR SEPA RECU /DE SARL DUPONT", None, "1 200,00", "MOTIF FA-2026-0001"),
        ("03/03", "04/03", "CB CARREFOUR 02/03", "42,10", None, None)]
    rows += [(f"{5 + k % 20:02d}/03", f"{5 + k % 20:02d}/03", f"PRLV SEPA EDF N° {k}", "10,00", None,
              "ECH/0326 RÉF 88") for k in range(n)]
    return rows


def test_a_multi_page_pdf_is_read_by_column_with_continuations_and_balances() -> None:
    statement = parse(pdf_statement(_rows(40), closing="1 757,90"), "releve.pdf")
    assert statement.format == "pdf" and statement.iban == IBAN and len(statement.lines) == 42
    assert (statement.opening_balance, statement.closing_balance, statement.warnings) == (
        Decimal("1000.00"), Decimal("1757.90"), [])
    first, card = statement.lines[:2]
    assert (first.booking_date, first.amount) == (dt.date(2026, 3, 2), Decimal("1200.00"))
    assert first.label == "VIR SEPA RECU /DE SARL DUPONT MOTIF FA-2026-0001"
    assert (card.amount, card.value_date, card.label) == (Decimal("-42.10"), dt.date(2026, 3, 4), "CB CARREFOUR 02/03")
    assert statement.lines[-1].label == "PRLV SEPA EDF N° 39 ECH/0326 RÉF 88"


def test_a_pdf_whose_balances_do_not_add_up_is_read_with_a_warning() -> None:
    statement = parse(pdf_statement(_rows(3), closing="9 999,99"), "releve.pdf")
    assert len(statement.lines) == 5 and "do not add up" in statement.warnings[0]


def test_days_without_a_year_take_the_period_across_the_new_year() -> None:
    rows = [("30/12", "30/12", "VIR RECU", None, "10,00", None), ("02/01", "02/01", "CB", "5,00", None, None)]
    statement = parse(pdf_statement(rows, period="du 15/12/2025 au 14/01/2026"), "releve.pdf")
    assert [line.booking_date for line in statement.lines] == [dt.date(2025, 12, 30), dt.date(2026, 1, 2)]


def test_a_scanned_pdf_answers_pdf_has_no_text() -> None:
    with pytest.raises(StatementUnreadable) as caught:
        parse(scanned_pdf(), "scan.pdf")
    assert caught.value.code == "pdf_has_no_text"


def test_a_damaged_pdf_is_unreadable() -> None:
    with pytest.raises(StatementUnreadable, match="PDF cannot be read"):
        parse(b"%PDF-1.4\n" + b"garbage" * 50, "releve.pdf")

"""The SAF-T writer: valid against the generic OECD 2.00 XSD (two engines and ``validate_saft.py``), and true to the
books in what no XSD checks: counts and totals, balanced transactions, opening + movements = closing, sub-ledgers
against their control accounts, the selection period, source documents tied to the journal, agreement with the
FEC written from the same entries."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from chalicelib.exports.fec import fec_text
from chalicelib.exports.saft import (
    CHUNK_BYTES,
    JOURNAL_TYPES,
    NS,
    SaftAccount,
    SaftAddress,
    SaftCompany,
    SaftContact,
    SaftCustomer,
    SaftSupplier,
    SaftTaxCode,
    saft_xml,
    tax_code_name,
)
from chalicelib.ledger.models import JOURNAL_NAMES, Entry
from tests.ledger_samples import ACCOUNTS, CLIENTS, OUTPUT_RATES, SUPPLIERS, SampleBooks, realistic_books
from tests.shared_paths import SAFT_XSD, VALIDATE_SAFT, require_validators, run_validator

YEAR = 2024
N = {"s": NS}
COMPANY = SaftCompany(name="Domaine de l'Étang | SCEA", registration_number="123456782",
                      address=SaftAddress("12 chemin des Vignes", "Châteauneuf-du-Pape", "84230", country="FR"),
                      contact=SaftContact("Élise", "Dumont-Berthier", "+33490000000", "compta@etang.example"),
                      country="FR", currency="EUR", vat_number="FR11123456782")
PERIODS = {"year": (date(YEAR, 1, 1), date(YEAR, 12, 31)), "second-half": (date(YEAR, 7, 1), date(YEAR, 12, 31))}


@dataclass
class Doc:
    """One written SAF-T file with what it was written from."""

    start: date
    end: date
    entries: list[Entry]
    books: SampleBooks
    inputs: dict[str, Any]
    data: bytes

    @property
    def root(self) -> Any:
        return etree.fromstring(self.data)


def balances(entries: Iterable[Entry]) -> tuple[dict[str, Decimal], dict[str, Decimal]]:
    """Signed (debit positive) movements per account and per auxiliary account."""
    accounts: dict[str, Decimal] = defaultdict(Decimal)
    aux: dict[str, Decimal] = defaultdict(Decimal)
    for entry in entries:
        for line in entry.lines:
            accounts[line.account] += line.debit - line.credit
            if line.aux_account:
                aux[line.aux_account] += line.debit - line.credit
    return accounts, aux


def tax_codes() -> list[SaftTaxCode]:
    return [SaftTaxCode(tax_code_name(kind, rate), rate, kind, "44571" if kind == "output" else "44566",
                        f"TVA {'collectée' if kind == 'output' else 'déductible'} {rate} %", "FR")
            for kind in ("output", "input") for rate in OUTPUT_RATES]


def inputs_for(books: SampleBooks, start: date, end: date) -> dict[str, Any]:
    """The writer's keyword arguments, balances computed here independently of the writer."""
    period = [e for e in books.entries if start <= e.entry_date <= end]
    opening, opening_aux = balances(e for e in books.entries if e.entry_date < start)
    moves, moves_aux = balances(period)
    address = SaftAddress(city="Avignon", country="FR")
    return {
        "accounts": [SaftAccount(code, name, kind, opening[code], opening[code] + moves[code])
                     for code, (name, kind) in ACCOUNTS.items()],
        "customers": [SaftCustomer(aux, name, "411", address, opening=opening_aux[aux],
                                   closing=opening_aux[aux] + moves_aux[aux], billing_id=client_id)
                      for aux, (client_id, name) in CLIENTS.items()],
        "suppliers": [SaftSupplier(aux, name, "401", address, opening=opening_aux[aux],
                                   closing=opening_aux[aux] + moves_aux[aux], billing_id=supplier_id)
                      for aux, (supplier_id, name) in SUPPLIERS.items()],
        "tax_codes": tax_codes(),
        "entries": lambda: period,
        "invoices": lambda: books.invoices,
        "payments": lambda: books.payments,
    }


def write(company: SaftCompany, start: date, end: date, inputs: dict[str, Any]) -> bytes:
    return b"".join(saft_xml(company, start=start, end=end, created=datetime(YEAR + 1, 1, 20, 10, tzinfo=UTC),
                             software=("CashPilot", "0.1.0"), **inputs))


@pytest.fixture(scope="module")
def books() -> SampleBooks:
    return realistic_books("org-saft", YEAR, seed=31)


@pytest.fixture(scope="module", params=sorted(PERIODS))
def doc(request: pytest.FixtureRequest, books: SampleBooks) -> Doc:
    start, end = PERIODS[request.param]
    inputs = inputs_for(books, start, end)
    return Doc(start, end, list(inputs["entries"]()), books, inputs, write(COMPANY, start, end, inputs))


@pytest.fixture(scope="module")
def year_doc(books: SampleBooks) -> Doc:
    start, end = PERIODS["year"]
    inputs = inputs_for(books, start, end)
    return Doc(start, end, list(inputs["entries"]()), books, inputs, write(COMPANY, start, end, inputs))


@pytest.fixture(scope="module")
def schema() -> Any:
    require_validators()
    return etree.XMLSchema(etree.parse(str(SAFT_XSD)))


def dec(node: Any, path: str) -> Decimal:
    return Decimal(node.findtext(path, namespaces=N))


def lines_of(node: Any) -> list[tuple[str, Decimal]]:
    """(AccountID, signed amount) of every GL line below ``node``."""
    out = []
    for line in node.iterfind(".//s:Line", N):
        debit = line.findtext("s:DebitAmount/s:Amount", namespaces=N)
        amount = Decimal(debit) if debit is not None else -dec(line, "s:CreditAmount/s:Amount")
        out.append((line.findtext("s:AccountID", namespaces=N), amount))
    return out


def signed_balance(node: Any, prefix: str) -> Decimal:
    debit = node.findtext(f"s:{prefix}DebitBalance", namespaces=N)
    return Decimal(debit) if debit is not None else -dec(node, f"s:{prefix}CreditBalance")


# --- validity ---------------------------------------------------------------------------------------------------


@pytest.mark.shared
def test_saft_is_valid_against_the_generic_oecd_xsd(doc: Doc, schema: Any) -> None:
    assert schema.validate(doc.root), schema.error_log


@pytest.mark.shared
def test_saft_passes_the_validate_saft_script(doc: Doc, tmp_path: Path) -> None:
    path = tmp_path / "saft.xml"
    path.write_bytes(doc.data)
    result = run_validator(VALIDATE_SAFT, path)
    assert result.returncode == 0, result.stdout
    assert "-> VALID" in result.stdout


@pytest.mark.shared
def test_saft_is_valid_for_a_second_schema_engine(year_doc: Doc) -> None:
    require_validators()
    xmlschema = pytest.importorskip("xmlschema")
    errors = list(xmlschema.XMLSchema10(str(SAFT_XSD)).iter_errors(year_doc.data.decode()))
    assert errors == []


def _set(path: str, value: str, index: int = 0) -> Callable[[Any], None]:
    def mutate(root: Any) -> None:
        root.xpath(path, namespaces=N)[index].text = value
    return mutate


@pytest.mark.shared
@pytest.mark.parametrize(("mutate", "message"), [
    (_set("//s:Transaction/s:Line/s:AccountID", "999999"), "RefTransactionLineAccount"),
    (_set("//s:Transaction/s:Line/s:CustomerID", "C9999"), "RefGLTransactionLineCustomer"),
    (_set("//s:Line/s:TaxInformation/s:TaxCode", "TVA-X-1"), "RefGLTransactionLineTaxCode"),
    (_set("//s:Customer/s:AccountID", "4119"), "RefCustomerAccount"),
    (_set("//s:Invoice/s:TransactionID", "20240101-99999"), "RefSalesInvoiceTransactionReference"),
    (_set("//s:Transaction/s:TransactionID", "20240101-1", 1), "KeyTransactionReference"),
    (_set("//s:GeneralLedgerEntries/s:TotalDebit", "1234,56"), "TotalDebit"),
    (_set("//s:Transaction/s:TransactionDate", "2024-13-01"), "TransactionDate"),
])
def test_schema_rejects_broken_references_and_formats(year_doc: Doc, schema: Any, mutate: Callable[[Any], None],
                                                       message: str) -> None:
    root = year_doc.root
    assert schema.validate(root)
    mutate(root)
    assert not schema.validate(root)
    assert message in str(schema.error_log)


# --- header and master files ------------------------------------------------------------------------------------


def test_header_names_the_company_the_period_and_the_books_currency(doc: Doc) -> None:
    header = doc.root.find("s:Header", N)
    assert header.findtext("s:AuditFileVersion", namespaces=N) == "2.00"
    assert header.findtext("s:AuditFileDateCreated", namespaces=N) == f"{YEAR + 1}-01-20"
    assert header.findtext("s:Company/s:Name", namespaces=N) == COMPANY.name
    assert header.findtext("s:Company/s:TaxRegistration/s:TaxRegistrationNumber", namespaces=N) == "FR11123456782"
    assert header.findtext("s:DefaultCurrencyCode", namespaces=N) == "EUR"
    assert header.findtext("s:SelectionCriteria/s:SelectionStartDate", namespaces=N) == doc.start.isoformat()
    assert header.findtext("s:SelectionCriteria/s:SelectionEndDate", namespaces=N) == doc.end.isoformat()


@pytest.fixture(scope="module")
def xof_root() -> Any:
    books = realistic_books("org-xof", YEAR, seed=5, currency="XOF")
    company = replace(COMPANY, country="SN", currency="XOF", vat_number="")
    return etree.fromstring(write(company, date(YEAR, 1, 1), date(YEAR, 12, 31),
                                  inputs_for(books, date(YEAR, 1, 1), date(YEAR, 12, 31))))


def test_a_xof_company_declares_xof_and_writes_whole_amounts_with_two_decimals(xof_root: Any) -> None:
    assert xof_root.findtext("s:Header/s:DefaultCurrencyCode", namespaces=N) == "XOF"
    assert xof_root.findtext("s:Header/s:AuditFileCountry", namespaces=N) == "SN"
    assert xof_root.find("s:Header/s:Company/s:TaxRegistration", N) is None
    assert all(a.text.endswith(".00") for a in xof_root.iterfind(".//s:Amount", N))
    assert xof_root.find(".//s:SalesInvoices", N) is not None


@pytest.mark.shared
def test_a_xof_saft_is_valid_against_the_generic_oecd_xsd(xof_root: Any, schema: Any) -> None:
    assert schema.validate(xof_root), schema.error_log


def test_opening_plus_movements_equals_closing_for_every_account(doc: Doc) -> None:
    root = doc.root
    moves: dict[str, Decimal] = defaultdict(Decimal)
    for account, amount in lines_of(root.find("s:GeneralLedgerEntries", N)):
        moves[account] += amount
    accounts = root.findall("s:MasterFiles/s:GeneralLedgerAccounts/s:Account", N)
    assert {a.findtext("s:AccountID", namespaces=N) for a in accounts} == set(ACCOUNTS)
    for account in accounts:
        code = account.findtext("s:AccountID", namespaces=N)
        assert signed_balance(account, "Opening") + moves[code] == signed_balance(account, "Closing"), code
    if doc.start.month == 7:  # a half year opens on the first half's balances
        assert any(signed_balance(a, "Opening") != 0 for a in accounts)


@pytest.mark.parametrize(("group", "party", "control"), [("Customers", "Customer", "411"),
                                                         ("Suppliers", "Supplier", "401")])
def test_sub_ledger_balances_reconcile_with_their_control_account(doc: Doc, group: str, party: str,
                                                                  control: str) -> None:
    root = doc.root
    parties = root.findall(f"s:MasterFiles/s:{group}/s:{party}", N)
    account = root.xpath(f"s:MasterFiles/s:GeneralLedgerAccounts/s:Account[s:AccountID='{control}']", namespaces=N)[0]
    for prefix in ("Opening", "Closing"):
        assert sum((signed_balance(p, prefix) for p in parties), Decimal(0)) == signed_balance(account, prefix)
    moves: dict[str, Decimal] = defaultdict(Decimal)
    for line in root.iterfind(f"s:GeneralLedgerEntries//s:Line[s:{party}ID]", N):
        debit = line.findtext("s:DebitAmount/s:Amount", namespaces=N)
        moves[line.findtext(f"s:{party}ID", namespaces=N)] += (
            Decimal(debit) if debit is not None else -dec(line, "s:CreditAmount/s:Amount"))
    for p in parties:
        assert signed_balance(p, "Opening") + moves[p.findtext(f"s:{party}ID", namespaces=N)] == \
            signed_balance(p, "Closing")


def test_tax_table_lists_every_code_with_its_rate(doc: Doc) -> None:
    details = doc.root.findall("s:MasterFiles/s:TaxTable/s:TaxTableEntry/s:TaxCodeDetails", N)
    assert {(d.findtext("s:TaxCode", namespaces=N), Decimal(d.findtext("s:TaxPercentage", namespaces=N)))
            for d in details} == {(t.code, t.rate) for t in tax_codes()}


# --- general ledger entries ------------------------------------------------------------------------------------


def test_number_of_entries_and_totals_match_the_transactions_and_the_entries(doc: Doc) -> None:
    gl = doc.root.find("s:GeneralLedgerEntries", N)
    transactions = gl.findall("s:Journal/s:Transaction", N)
    amounts = [amount for _, amount in lines_of(gl)]
    assert int(gl.findtext("s:NumberOfEntries", namespaces=N)) == len(transactions) == len(doc.entries)
    assert dec(gl, "s:TotalDebit") == sum((a for a in amounts if a > 0), Decimal(0))
    assert dec(gl, "s:TotalCredit") == -sum((a for a in amounts if a < 0), Decimal(0))
    assert dec(gl, "s:TotalDebit") == sum((e.total_debit for e in doc.entries), Decimal(0))


def test_every_transaction_balances(doc: Doc) -> None:
    for transaction in doc.root.iterfind(".//s:Transaction", N):
        assert sum((amount for _, amount in lines_of(transaction)), Decimal(0)) == 0


def test_one_journal_per_code_used_with_its_name_and_type(doc: Doc) -> None:
    journals = doc.root.findall("s:GeneralLedgerEntries/s:Journal", N)
    ids = [j.findtext("s:JournalID", namespaces=N) for j in journals]
    assert sorted(ids) == sorted({e.journal for e in doc.entries})
    per_journal = Counter(e.journal for e in doc.entries)
    for journal in journals:
        code = journal.findtext("s:JournalID", namespaces=N)
        assert journal.findtext("s:Description", namespaces=N) == JOURNAL_NAMES[code]
        assert journal.findtext("s:Type", namespaces=N) == JOURNAL_TYPES[code]
        assert len(journal.findall("s:Transaction", N)) == per_journal[code]


def test_periods_and_dates_fall_within_the_selection(doc: Doc) -> None:
    root = doc.root
    for node, day_tag in [*((t, "TransactionDate") for t in root.iterfind(".//s:Transaction", N)),
                          *((i, "InvoiceDate") for i in root.iterfind(".//s:Invoice", N)),
                          *((p, "TransactionDate") for p in root.iterfind(".//s:Payment", N))]:
        day = date.fromisoformat(node.findtext(f"s:{day_tag}", namespaces=N))
        assert doc.start <= day <= doc.end
        assert int(node.findtext("s:Period", namespaces=N)) == day.month
        assert int(node.findtext("s:PeriodYear", namespaces=N)) == day.year


def test_transaction_ids_dates_and_customers_come_from_the_entries(year_doc: Doc) -> None:
    by_id = {f"{e.fiscal_year:%Y%m%d}-{e.number}": e for e in year_doc.entries}
    for transaction in year_doc.root.iterfind(".//s:Transaction", N):
        entry = by_id[transaction.findtext("s:TransactionID", namespaces=N)]
        assert transaction.findtext("s:SystemEntryDate", namespaces=N) == entry.validated_at.date().isoformat()
        assert transaction.findtext("s:TransactionDate", namespaces=N) == entry.entry_date.isoformat()
        parties = [(line.findtext("s:CustomerID", namespaces=N), line.findtext("s:SupplierID", namespaces=N))
                   for line in transaction.iterfind("s:Line", N)]
        assert parties == [(ln.aux_account if ln.aux_account in CLIENTS else None,
                            ln.aux_account if ln.aux_account in SUPPLIERS else None) for ln in entry.lines]


def test_tax_information_is_on_vat_lines_only_with_code_rate_base_and_signed_amount(year_doc: Doc) -> None:
    lines = {(f"{e.fiscal_year:%Y%m%d}-{e.number}", str(ln.line_no)): ln for e in year_doc.entries for ln in e.lines}
    infos = year_doc.root.findall(".//s:Transaction/s:Line/s:TaxInformation", N)
    assert len(infos) == sum(1 for ln in lines.values() if ln.account in ("44571", "44566")) > 0
    for info in infos:
        node = info.getparent()
        line = lines[(node.getparent().findtext("s:TransactionID", namespaces=N),
                      node.findtext("s:RecordID", namespaces=N))]
        assert line.account in ("44571", "44566")
        assert line.vat_kind is not None and line.vat_rate is not None and line.vat_base is not None
        assert info.findtext("s:TaxCode", namespaces=N) == tax_code_name(line.vat_kind, line.vat_rate)
        assert Decimal(info.findtext("s:TaxPercentage", namespaces=N)) == line.vat_rate
        assert dec(info, "s:TaxBase") == line.vat_base
        natural = line.credit - line.debit if line.vat_kind == "output" else line.debit - line.credit
        assert dec(info, "s:TaxAmount/s:Amount") == natural
    assert any(dec(i, "s:TaxAmount/s:Amount") < 0 for i in infos)  # reversals of cancelled invoices


def test_fec_and_saft_agree_on_per_account_totals(year_doc: Doc) -> None:
    names = {code: name for code, (name, _) in ACCOUNTS.items()}
    fec = b"".join(fec_text(year_doc.entries, names, {})).decode().split("\r\n")[1:]
    from_fec: dict[str, list[Decimal]] = defaultdict(lambda: [Decimal(0), Decimal(0)])
    for record in fec:
        fields = record.split("|")
        from_fec[fields[4]][0] += Decimal(fields[11].replace(",", "."))
        from_fec[fields[4]][1] += Decimal(fields[12].replace(",", "."))
    from_saft: dict[str, list[Decimal]] = defaultdict(lambda: [Decimal(0), Decimal(0)])
    for account, amount in lines_of(year_doc.root.find("s:GeneralLedgerEntries", N)):
        from_saft[account][0 if amount > 0 else 1] += abs(amount)
    assert from_fec == from_saft


# --- source documents -------------------------------------------------------------------------------------------


def test_sales_invoices_add_up_and_tie_to_the_sales_journal(doc: Doc) -> None:
    sales = doc.root.find("s:SourceDocuments/s:SalesInvoices", N)
    invoices = sales.findall("s:Invoice", N)
    expected = [i for i in doc.books.invoices if doc.start <= i.date <= doc.end]
    assert int(sales.findtext("s:NumberOfEntries", namespaces=N)) == len(invoices) == len(expected) > 0
    credit = debit = tax = Decimal(0)
    for invoice in invoices:
        lines = [(ln.findtext("s:DebitCreditIndicator", namespaces=N), dec(ln, "s:InvoiceLineAmount/s:Amount"))
                 for ln in invoice.findall("s:Line", N)]
        net = sum((a if side == "C" else -a for side, a in lines), Decimal(0))
        taxes = sum((dec(t, "s:TaxAmount/s:Amount")
                     for t in invoice.findall("s:DocumentTotals/s:TaxInformationTotals", N)), Decimal(0))
        assert net == dec(invoice, "s:DocumentTotals/s:NetTotal")
        assert net + taxes == dec(invoice, "s:DocumentTotals/s:GrossTotal")
        credit += sum((a for side, a in lines if side == "C"), Decimal(0))
        debit += sum((a for side, a in lines if side == "D"), Decimal(0))
        tax += taxes
    assert (dec(sales, "s:TotalCredit"), dec(sales, "s:TotalDebit")) == (credit, debit)
    ve = [ln for e in doc.entries if e.journal == "VE" for ln in e.lines]
    assert credit - debit == sum((ln.credit - ln.debit for ln in ve if ln.account.startswith("70")), Decimal(0))
    assert tax == sum((ln.credit - ln.debit for ln in ve if ln.account == "44571"), Decimal(0))


def test_payments_add_up_and_tie_to_the_bank_receipts(doc: Doc) -> None:
    payments = doc.root.find("s:SourceDocuments/s:Payments", N)
    nodes = payments.findall("s:Payment", N)
    assert int(payments.findtext("s:NumberOfEntries", namespaces=N)) == len(nodes) > 0
    line_total = sum((dec(ln, "s:PaymentLineAmount/s:Amount") for ln in payments.iterfind(".//s:Line", N)),
                     Decimal(0))
    gross = sum((dec(p, "s:DocumentTotals/s:GrossTotal") for p in nodes), Decimal(0))
    assert dec(payments, "s:TotalCredit") == line_total == gross
    receipts = [ln for e in doc.entries if e.journal == "BQ" and e.source_type == "payment" for ln in e.lines]
    assert gross == sum((ln.credit for ln in receipts if ln.account == "411"), Decimal(0))


def test_invoices_and_payments_point_to_the_transactions_that_posted_them(year_doc: Doc) -> None:
    root = year_doc.root
    transactions = {t.findtext("s:TransactionID", namespaces=N): t for t in root.iterfind(".//s:Transaction", N)}
    for invoice in root.iterfind(".//s:Invoice", N):
        posted = transactions[invoice.findtext("s:TransactionID", namespaces=N)]
        assert posted.getparent().findtext("s:JournalID", namespaces=N) == "VE"
        assert posted.findtext("s:Line/s:SourceDocumentID", namespaces=N) == invoice.findtext("s:InvoiceNo",
                                                                                               namespaces=N)
    for payment in root.iterfind(".//s:Payment", N):
        posted = transactions[payment.findtext("s:TransactionID", namespaces=N)]
        assert posted.findtext("s:Line/s:SourceDocumentID", namespaces=N) == payment.findtext("s:PaymentRefNo",
                                                                                               namespaces=N)


# --- streaming and refusals ------------------------------------------------------------------------------------


def test_output_streams_in_bounded_chunks_reading_entries_once_plus_once_per_journal(year_doc: Doc) -> None:
    calls: Counter[str] = Counter()

    def counted(name: str, source: Callable[[], Any]) -> Callable[[], Any]:
        def call() -> Any:
            calls[name] += 1
            return iter(source())
        return call

    inputs = {**year_doc.inputs, **{name: counted(name, year_doc.inputs[name])
                                    for name in ("entries", "invoices", "payments")}}
    chunks = list(saft_xml(COMPANY, start=year_doc.start, end=year_doc.end,
                           created=datetime(YEAR + 1, 1, 20, 10, tzinfo=UTC), software=("CashPilot", "0.1.0"),
                           **inputs))
    assert b"".join(chunks) == year_doc.data
    assert len(chunks) > 5
    assert max(len(c) for c in chunks) < CHUNK_BYTES + 16 * 1024
    assert calls == {"entries": 1 + len({e.journal for e in year_doc.entries}), "invoices": 2, "payments": 2}


def _refusal(year_doc: Doc, **changes: Any) -> None:
    list(saft_xml(COMPANY, start=year_doc.start, end=year_doc.end, created=datetime(YEAR + 1, 1, 1, tzinfo=UTC),
                  software=("CashPilot", "0.1.0"), **{**year_doc.inputs, **changes}))


def test_writer_refuses_a_closing_balance_that_does_not_follow_from_the_entries(year_doc: Doc) -> None:
    accounts = [replace(a, closing=a.closing + Decimal("0.01")) if a.code == "512" else a
                for a in year_doc.inputs["accounts"]]
    with pytest.raises(ValueError, match="account 512"):
        _refusal(year_doc, accounts=accounts)
    customers = [replace(c, closing=c.closing - 1) if c.id == "C0003" else c for c in year_doc.inputs["customers"]]
    with pytest.raises(ValueError, match="auxiliary account C0003"):
        _refusal(year_doc, customers=customers)


def test_writer_refuses_entries_it_cannot_write_faithfully(year_doc: Doc) -> None:
    first, *rest = year_doc.entries
    outside = first.model_copy(update={"entry_date": year_doc.start - timedelta(days=1)})
    with pytest.raises(ValueError, match="outside"):
        _refusal(year_doc, entries=lambda: [outside, *rest])
    with pytest.raises(ValueError, match="in USD"):
        _refusal(year_doc, entries=lambda: [first.model_copy(update={"currency": "USD"}), *rest])
    with pytest.raises(ValueError, match="account 101 is not among"):
        _refusal(year_doc, accounts=[a for a in year_doc.inputs["accounts"] if a.code != "101"])
    with pytest.raises(ValueError, match=r"no tax code for output VAT at 5,5 %"):
        _refusal(year_doc, tax_codes=[t for t in tax_codes() if t.code != "TVA-C-5.5"])


def test_base_lines_carry_no_tax_information_even_when_they_name_the_vat_kind(year_doc: Doc) -> None:
    # Given a sale whose base line names the rate and the kind (only the VAT line has a base)
    sale = next(e for e in year_doc.entries if e.journal == "VE")
    lines = [ln.model_copy(update={"vat_kind": "output"}) if ln.vat_rate is not None else ln for ln in sale.lines]
    tagged = sale.model_copy(update={"lines": lines})
    assert sum(1 for ln in tagged.lines if ln.vat_kind) > sum(1 for ln in tagged.lines if ln.vat_base is not None)
    # When the ledger holds it
    root = etree.fromstring(write(COMPANY, year_doc.start, year_doc.end,
                                  {**year_doc.inputs, "entries": lambda: [tagged if e is sale else e
                                                                          for e in year_doc.entries]}))
    # Then only its VAT lines carry TaxInformation
    transaction = root.xpath(f"//s:Transaction[s:TransactionID='{sale.fiscal_year:%Y%m%d}-{sale.number}']",
                             namespaces=N)[0]
    taxed = [ln.findtext("s:AccountID", namespaces=N) for ln in transaction.iterfind("s:Line[s:TaxInformation]", N)]
    assert taxed and set(taxed) == {"44571"}

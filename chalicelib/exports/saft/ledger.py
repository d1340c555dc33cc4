"""The Header, MasterFiles and GeneralLedgerEntries sections of the SAF-T file."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import datetime
from decimal import Decimal

from chalicelib.exports.fec import local_day
from chalicelib.exports.saft.context import Books, Scan
from chalicelib.exports.saft.model import (
    ACCOUNT_TYPES,
    AUDIT_FILE_VERSION,
    CHUNK_BYTES,
    JOURNAL_TYPES,
    SaftAccount,
    SaftCustomer,
    SaftParty,
    SaftSupplier,
    SaftTaxCode,
    money_text,
    number_text,
    transaction_id,
)
from chalicelib.exports.saft.stream import Sink, Writer
from chalicelib.ledger.models import JOURNAL_NAMES, Entry, EntryLine


def header(w: Writer, books: Books, created: datetime, software: tuple[str, str]) -> None:
    company = books.company
    with w.node("Header"):
        w.leaf("AuditFileVersion", AUDIT_FILE_VERSION)
        w.leaf("AuditFileCountry", company.country.upper())
        w.leaf("AuditFileDateCreated", local_day(created, books.tz).isoformat())
        w.text("SoftwareCompanyName", software[0], 70)
        w.text("SoftwareID", software[0])
        w.text("SoftwareVersion", software[1], 18)
        with w.node("Company"):
            w.text("RegistrationNumber", company.registration_number, 35)
            w.text("Name", company.name, 70)
            w.address("Address", company.address)
            with w.node("Contact"):
                with w.node("ContactPerson"):
                    w.text("FirstName", company.contact.first_name, 35)
                    w.text("LastName", company.contact.last_name, 70)
                w.optional("Telephone", company.contact.telephone, 18)
                w.optional("Email", company.contact.email, 70)
            w.tax_registration(company.vat_number, company.tax_type)
        w.leaf("DefaultCurrencyCode", company.currency.upper())
        with w.node("SelectionCriteria"):
            w.leaf("SelectionStartDate", books.start.isoformat())
            w.leaf("SelectionEndDate", books.end.isoformat())
        w.text("TaxAccountingBasis", company.tax_accounting_basis, 18)


def master_files(w: Writer, sink: Sink, books: Books, accounts: Sequence[SaftAccount],
                  customers: Sequence[SaftCustomer], suppliers: Sequence[SaftSupplier],
                  tax_codes: Sequence[SaftTaxCode]) -> Iterator[bytes]:
    with w.node("MasterFiles"):
        if accounts:
            with w.node("GeneralLedgerAccounts"):
                for account in accounts:
                    with w.node("Account"):
                        w.leaf("AccountID", account.code)
                        w.text("AccountDescription", account.name)
                        w.leaf("AccountType", ACCOUNT_TYPES[account.type])
                        w.balance("Opening", account.opening)
                        w.balance("Closing", account.closing)
                    yield from sink.drain(w.xf, at_least=CHUNK_BYTES)
        for group, tag, parties in (("Customers", "Customer", customers), ("Suppliers", "Supplier", suppliers)):
            if parties:
                with w.node(group):
                    for party in parties:
                        _party(w, books, tag, party)
                        yield from sink.drain(w.xf, at_least=CHUNK_BYTES)
        if tax_codes:
            _tax_table(w, books, tax_codes)
    yield from sink.drain(w.xf)


def _party(w: Writer, books: Books, tag: str, party: SaftParty) -> None:
    with w.node(tag):
        w.optional("RegistrationNumber", party.registration_number, 35)
        w.text("Name", party.name, 70)
        w.address("Address", party.address)
        w.tax_registration(party.vat_number, books.company.tax_type)
        w.leaf(f"{tag}ID", party.id)
        w.leaf("AccountID", party.account)
        w.balance("Opening", party.opening)
        w.balance("Closing", party.closing)


def _tax_table(w: Writer, books: Books, tax_codes: Sequence[SaftTaxCode]) -> None:
    with w.node("TaxTable"), w.node("TaxTableEntry"):
        w.text("TaxType", books.company.tax_type, 9)
        w.text("Description", books.company.tax_description)
        for code in tax_codes:
            with w.node("TaxCodeDetails"):
                w.leaf("TaxCode", code.code)
                w.text("Description", code.description)
                w.leaf("TaxPercentage", number_text(code.rate))
                w.leaf("Country", code.country.upper())
                w.leaf("StandardTaxCode", code.standard_code or code.code)
                w.leaf("BaseRate", "100")


def general_ledger(w: Writer, sink: Sink, books: Books, scan: Scan,
            entries: Callable[[], Iterable[Entry]]) -> Iterator[bytes]:
    with w.node("GeneralLedgerEntries"):
        w.leaf("NumberOfEntries", str(scan.count))
        w.leaf("TotalDebit", money_text(scan.debit))
        w.leaf("TotalCredit", money_text(scan.credit))
        for journal in scan.journals:
            with w.node("Journal"):
                w.leaf("JournalID", journal)
                w.text("Description", JOURNAL_NAMES[journal])
                w.leaf("Type", JOURNAL_TYPES[journal])
                for entry in entries():
                    if entry.journal == journal:
                        _transaction(w, books, entry)
                        yield from sink.drain(w.xf, at_least=CHUNK_BYTES)


def _transaction(w: Writer, books: Books, entry: Entry) -> None:
    system_day = local_day(entry.validated_at, books.tz).isoformat()
    with w.node("Transaction"):
        w.leaf("TransactionID", transaction_id(entry))
        w.leaf("Period", str(entry.entry_date.month))
        w.leaf("PeriodYear", str(entry.entry_date.year))
        w.leaf("TransactionDate", entry.entry_date.isoformat())
        w.text("Description", entry.label)
        w.leaf("SystemEntryDate", system_day)
        w.leaf("GLPostingDate", system_day)
        for line in entry.lines:
            _line(w, books, entry, line)


def _line(w: Writer, books: Books, entry: Entry, line: EntryLine) -> None:
    with w.node("Line"):
        w.leaf("RecordID", str(line.line_no))
        w.leaf("AccountID", line.account)
        w.optional("SourceDocumentID", entry.piece_ref, 35)
        if line.aux_account in books.customers:
            w.leaf("CustomerID", line.aux_account)
        elif line.aux_account in books.suppliers:
            w.leaf("SupplierID", line.aux_account)
        w.text("Description", line.label or entry.label)
        if line.debit:
            w.amount("DebitAmount", line.debit)
        else:
            w.amount("CreditAmount", line.credit)
        code = books.vat_code(line)
        if code is not None:
            tax = line.credit - line.debit if code.kind == "output" else line.debit - line.credit
            tax_information(w, books, "TaxInformation", code, line.vat_base, tax, code.rate)


def tax_information(w: Writer, books: Books, tag: str, code: SaftTaxCode | None, base: Decimal | None,
                     tax: Decimal, rate: Decimal) -> None:
    with w.node(tag):
        w.text("TaxType", books.company.tax_type, 9)
        if code is not None:
            w.leaf("TaxCode", code.code)
        w.leaf("TaxPercentage", number_text(rate))
        if base is not None:
            w.leaf("TaxBase", money_text(base))
        w.amount("TaxAmount", tax)


# --- source documents -------------------------------------------------------------------------------------------

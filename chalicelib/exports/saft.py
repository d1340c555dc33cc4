"""SAF-T Financial in the OECD 2.00 namespace: the books of a period as one XML audit file, written as a stream.

The file follows the element order, types and key/keyref constraints of the generic OECD 2.00 schema derived from
the Norwegian 1.20 XSD (the OECD never published an XSD of its own): Header, MasterFiles (general ledger accounts
with their opening and closing balances, customers, suppliers, the tax table), GeneralLedgerEntries (one Journal
per journal code used, one Transaction per entry) and SourceDocuments (the period's sales invoices and payments).

Choices made here:

- Amounts have a dot and 2 decimals (``SAFmonetaryType``), dates are ISO; the currency is the company's books
  currency (``DefaultCurrencyCode``), and every entry must be in it.
- ``TransactionID`` is ``<fiscal-year start AAAAMMJJ>-<number>``: unique even across two fiscal years starting in
  the same calendar year. ``Period``/``PeriodYear`` are the calendar month and year of the entry date.
  ``SystemEntryDate`` and ``GLPostingDate`` are the day of ``validated_at`` in ``tz`` (an entry reaches the general
  ledger when it is validated), ``TransactionDate`` the entry date.
- Journal ``Type``: VE ``Sales``, AC ``Purchases``, BQ ``Bank``, OD ``General``, AN ``Opening``.
- A line's ``CustomerID``/``SupplierID`` is its auxiliary account when that account is a customer's/supplier's id.
- ``TaxInformation`` goes on the VAT lines, those with a ``vat_kind``, a ``vat_rate`` and a ``vat_base`` (the
  posting rules mark base lines with the rate alone), with the tax code of that kind and rate. Its ``TaxAmount`` is
  signed by the tax's natural side (credit for output VAT, debit for input VAT), so a reversal carries a negative
  amount, and its ``TaxBase`` is the line's ``vat_base``. ``StandardTaxCode`` defaults to the tax code itself.
- Account balances are signed (debit positive) and written as the debit or credit element of their sign. The
  writer refuses (``ValueError``) input it cannot write faithfully: an entry outside the period or in another
  currency, an unknown account or tax code, a balance that does not equal opening + the period's movements.
- Sales invoices: the non-draft invoices in the books' currency dated within the period (the others were never
  posted); tax totals per rate come from the invoice's VAT breakdown (tax is rounded per rate, not per line), with
  the output tax code of the rate when there is one (otherwise the percentage alone). An invoice or payment names
  its ``CustomerID`` when its ``client_id`` is a customer's ``billing_id``, else the client's name.
  Payments: those of the period in the books' currency, one line per allocation plus one for any unallocated rest.
  Both link to the GL transaction that posted them (``TransactionID``) through the entry's ``source_id``.
- Free texts are trimmed to the schema's lengths; identifiers are written as they are.

Streaming: ``entries``, ``invoices`` and ``payments`` are callables returning fresh iterables. ``entries`` is called
once to count, total and check, then once per journal used; ``invoices`` and ``payments`` twice each. Output comes
in chunks of roughly ``CHUNK_BYTES``. No pass keeps the entries in memory: the first keeps each entry's number
(to refuse duplicates) and, for the period's invoices and payments, the ID of the transaction that posted them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence, Set
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import date, datetime, tzinfo
from decimal import Decimal
from typing import Any

from lxml import etree

from chalicelib.billing.invoices.models import Invoice
from chalicelib.billing.payments.models import Payment
from chalicelib.core.money import ZERO
from chalicelib.exports.fec import PARIS, local_day
from chalicelib.ledger.models import JOURNAL_NAMES, AccountType, Entry, EntryLine, VatKind

NS = "urn:OECD:StandardAuditFile-Taxation/2.00"
AUDIT_FILE_VERSION = "2.00"
CHUNK_BYTES = 64 * 1024
JOURNAL_TYPES = {"VE": "Sales", "AC": "Purchases", "BQ": "Bank", "OD": "General", "AN": "Opening"}
ACCOUNT_TYPES = {"asset": "Asset", "liability": "Liability", "equity": "Equity", "revenue": "Revenue",
                 "expense": "Expense"}
PAYMENT_METHODS = {"bank_transfer": "Transfer", "cash": "Cash", "check": "Cheque", "card": "Card", "other": "Other"}
_CENT = Decimal("0.01")


@dataclass(frozen=True)
class SaftAddress:
    street: str = ""
    city: str = ""
    postal_code: str = ""
    region: str = ""
    country: str = ""  # ISO 3166-1 alpha-2; blank when unknown


@dataclass(frozen=True)
class SaftContact:
    """The person the auditor contacts: the schema wants a first and a last name."""

    first_name: str
    last_name: str
    telephone: str = ""
    email: str = ""


@dataclass(frozen=True)
class SaftCompany:
    """The company whose books are exported.

    Attributes:
        registration_number: SIREN, Belgian enterprise number, RCCM...
        vat_number: blank when the company has none (then no ``TaxRegistration``).
        country: ISO alpha-2 code of the ``AuditFileCountry``.
        currency: the books' currency (ISO 4217), written as ``DefaultCurrencyCode``.
        tax_type, tax_description: the VAT's name in the tax table and on tax lines (``TVA`` in FR, BE, OHADA).
        tax_accounting_basis: ``A`` (accounting data), as the schema's origin defines it.
    """

    name: str
    registration_number: str
    address: SaftAddress
    contact: SaftContact
    country: str
    currency: str
    vat_number: str = ""
    tax_type: str = "TVA"
    tax_description: str = "Taxe sur la valeur ajoutée"
    tax_accounting_basis: str = "A"


@dataclass(frozen=True)
class SaftAccount:
    """A general ledger account; ``opening``/``closing`` are its balances at the period's bounds, debit positive."""

    code: str
    name: str
    type: AccountType
    opening: Decimal = ZERO
    closing: Decimal = ZERO


@dataclass(frozen=True)
class SaftParty:
    """A customer or supplier.

    Attributes:
        id: the auxiliary account number its entry lines carry (``CustomerID``/``SupplierID``).
        account: its control account (411, 401...), which must be among the exported accounts.
        opening, closing: the auxiliary account's balances at the period's bounds, debit positive.
        billing_id: the id the billing documents use (``Invoice.client_id``, ``Payment.client_id``), if any.
    """

    id: str
    name: str
    account: str
    address: SaftAddress = SaftAddress()
    vat_number: str = ""
    registration_number: str = ""
    opening: Decimal = ZERO
    closing: Decimal = ZERO
    billing_id: str | None = None


@dataclass(frozen=True)
class SaftCustomer(SaftParty):
    pass


@dataclass(frozen=True)
class SaftSupplier(SaftParty):
    pass


@dataclass(frozen=True)
class SaftTaxCode:
    """A VAT code: its rate in percent and its kind. ``account`` (where its tax is posted: 44571, 44566...) is for
    the caller's reference; the schema has no place for it."""

    code: str
    rate: Decimal
    kind: VatKind
    account: str
    description: str
    country: str
    standard_code: str = ""


def tax_code_name(kind: VatKind, rate: Decimal) -> str:
    """A readable code for a VAT rate: ``TVA-C-20`` (collected, output), ``TVA-D-5.5`` (deductible, input)."""
    return f"TVA-{'C' if kind == 'output' else 'D'}-{_number(rate)}"


def transaction_id(entry: Entry) -> str:
    return f"{entry.fiscal_year:%Y%m%d}-{entry.number}"


def saft_xml(company: SaftCompany, *, start: date, end: date, created: datetime, software: tuple[str, str],
             accounts: Sequence[SaftAccount], customers: Sequence[SaftCustomer], suppliers: Sequence[SaftSupplier],
             tax_codes: Sequence[SaftTaxCode], entries: Callable[[], Iterable[Entry]],
             invoices: Callable[[], Iterable[Invoice]], payments: Callable[[], Iterable[Payment]],
             tz: tzinfo = PARIS) -> Iterator[bytes]:
    """The SAF-T file of ``start``..``end`` as UTF-8 chunks. ``software`` is (name, version): the name is written
    as both ``SoftwareCompanyName`` and ``SoftwareID``.

    Raises ``ValueError`` (before the first chunk) when the input is inconsistent, see the module docstring.
    """
    books = _Books(company, start, end, tz, {a.code: a for a in accounts}, {c.id: c for c in customers},
                   {s.id: s for s in suppliers}, {(t.kind, t.rate): t for t in tax_codes},
                   {c.billing_id: c for c in customers if c.billing_id})
    sales = {inv.id: _sales_totals(inv) for inv in invoices() if books.has_invoice(inv)}
    paid = {p.id: p.amount for p in payments() if books.has_payment(p)}
    scan = _scan(books, entries(), sales.keys() | paid.keys())
    books.check_balances(scan)
    sink = _Sink()
    with etree.xmlfile(sink, encoding="utf-8") as xf:
        xf.write_declaration()
        w = _Writer(xf)
        with w.node("AuditFile", nsmap={None: NS}):
            _header(w, books, created, software)
            yield from _master_files(w, sink, books, accounts, customers, suppliers, tax_codes)
            yield from _ledger(w, sink, books, scan, entries)
            if sales or paid:
                with w.node("SourceDocuments"):
                    if sales:
                        yield from _sales_invoices(w, sink, books, scan, list(sales.values()), invoices)
                    if paid:
                        yield from _payments(w, sink, books, scan, list(paid.values()), payments)
    yield from sink.drain(None)


# --- context and first pass -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Books:
    company: SaftCompany
    start: date
    end: date
    tz: tzinfo
    accounts: dict[str, SaftAccount]
    customers: dict[str, SaftCustomer]
    suppliers: dict[str, SaftSupplier]
    tax_codes: dict[tuple[str, Decimal], SaftTaxCode]
    billing_ids: dict[str, SaftCustomer]

    def vat_code(self, line: EntryLine) -> SaftTaxCode | None:
        """The tax code of a VAT line; ``None`` for any other line (base lines included)."""
        if line.vat_rate is None or line.vat_kind is None or line.vat_base is None:
            return None
        code = self.tax_codes.get((line.vat_kind, line.vat_rate))
        if code is None:
            raise ValueError(f"no tax code for {line.vat_kind} VAT at {line.vat_rate} % (account {line.account})")
        return code

    def has_invoice(self, invoice: Invoice) -> bool:
        return (invoice.status != "draft" and bool(invoice.invoice_number) and self.start <= invoice.date <= self.end
                and invoice.currency.upper() == self.company.currency.upper())

    def has_payment(self, payment: Payment) -> bool:
        return (self.start <= payment.payment_date <= self.end
                and payment.currency.upper() == self.company.currency.upper())

    def check_balances(self, scan: _Scan) -> None:
        wrong = [f"account {code}: {a.opening} + {scan.movements.get(code, ZERO)} != {a.closing}"
                 for code, a in self.accounts.items() if a.opening + scan.movements.get(code, ZERO) != a.closing]
        parties: list[SaftParty] = [*self.customers.values(), *self.suppliers.values()]
        wrong += [f"auxiliary account {p.id}: {p.opening} + {scan.aux_movements.get(p.id, ZERO)} != {p.closing}"
                  for p in parties if p.opening + scan.aux_movements.get(p.id, ZERO) != p.closing]
        wrong += [f"{p.id}'s control account {p.account} is not exported" for p in parties
                  if p.account not in self.accounts]
        if wrong:
            raise ValueError("balances do not follow from the entries: " + "; ".join(wrong[:10]))


@dataclass
class _Scan:
    count: int = 0
    debit: Decimal = ZERO
    credit: Decimal = ZERO
    journals: dict[str, None] = field(default_factory=dict)
    movements: dict[str, Decimal] = field(default_factory=dict)
    aux_movements: dict[str, Decimal] = field(default_factory=dict)
    transactions: dict[str, str] = field(default_factory=dict)  # exported document id -> the entry that posted it
    numbers: dict[date, set[int]] = field(default_factory=dict)  # entry numbers met, per fiscal year


def _scan(books: _Books, entries: Iterable[Entry], documents: Set[str]) -> _Scan:
    scan = _Scan()
    for entry in entries:
        _check_entry(books, scan, entry)
        scan.count += 1
        scan.journals.setdefault(entry.journal)
        if entry.reverses is None and entry.source_id in documents:
            scan.transactions.setdefault(entry.source_id, transaction_id(entry))
        for line in entry.lines:
            if line.account not in books.accounts:
                raise ValueError(f"entry {entry.number}: account {line.account} is not among the exported accounts")
            books.vat_code(line)
            scan.debit += line.debit
            scan.credit += line.credit
            scan.movements[line.account] = scan.movements.get(line.account, ZERO) + line.debit - line.credit
            if line.aux_account:
                aux = line.aux_account
                scan.aux_movements[aux] = scan.aux_movements.get(aux, ZERO) + line.debit - line.credit
    return scan


def _check_entry(books: _Books, scan: _Scan, entry: Entry) -> None:
    if not books.start <= entry.entry_date <= books.end:
        raise ValueError(f"entry {entry.number} of {entry.entry_date} is outside {books.start}..{books.end}")
    if entry.currency.upper() != books.company.currency.upper():
        raise ValueError(f"entry {entry.number} is in {entry.currency}, the books in {books.company.currency}")
    numbers = scan.numbers.setdefault(entry.fiscal_year, set())
    if entry.number in numbers:
        raise ValueError(f"entry {transaction_id(entry)} appears twice")
    numbers.add(entry.number)


# --- writing ----------------------------------------------------------------------------------------------------


class _Sink:
    """The file object lxml writes to; ``drain`` hands over what accumulated."""

    def __init__(self) -> None:
        self.parts: list[bytes] = []
        self.size = 0

    def write(self, data: bytes) -> None:
        self.parts.append(data)
        self.size += len(data)

    def drain(self, xf: Any, *, at_least: int = 0) -> Iterator[bytes]:
        if xf is not None:
            xf.flush()
        if self.parts and self.size >= at_least:
            data = b"".join(self.parts)
            self.parts.clear()
            self.size = 0
            yield data


class _Writer:
    """Namespaced elements written straight to the stream (never whole subtrees, which would repeat xmlns)."""

    def __init__(self, xf: Any) -> None:
        self.xf = xf
        self.names: dict[str, str] = {}

    def node(self, tag: str, **attrs: Any) -> AbstractContextManager[Any]:
        name = self.names.get(tag) or self.names.setdefault(tag, f"{{{NS}}}{tag}")
        return self.xf.element(name, **attrs)

    def leaf(self, tag: str, value: str) -> None:
        with self.node(tag):
            self.xf.write(value)

    def text(self, tag: str, value: str | None, limit: int = 256) -> None:
        self.leaf(tag, _text(value, limit))

    def optional(self, tag: str, value: str | None, limit: int = 256) -> None:
        if value:
            self.text(tag, value, limit)

    def amount(self, tag: str, value: Decimal) -> None:
        with self.node(tag):
            self.leaf("Amount", _money(value))

    def balance(self, prefix: str, value: Decimal) -> None:
        self.leaf(f"{prefix}DebitBalance" if value >= 0 else f"{prefix}CreditBalance", _money(abs(value)))

    def address(self, tag: str, address: SaftAddress) -> None:
        with self.node(tag):
            self.optional("StreetName", address.street, 70)
            self.optional("City", address.city, 35)
            self.optional("PostalCode", address.postal_code, 18)
            self.optional("Region", address.region, 35)
            self.optional("Country", address.country.upper(), 2)

    def tax_registration(self, number: str, tax_type: str) -> None:
        if number:
            with self.node("TaxRegistration"):
                self.text("TaxRegistrationNumber", number, 35)
                self.text("TaxType", tax_type, 9)


def _header(w: _Writer, books: _Books, created: datetime, software: tuple[str, str]) -> None:
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


def _master_files(w: _Writer, sink: _Sink, books: _Books, accounts: Sequence[SaftAccount],
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


def _party(w: _Writer, books: _Books, tag: str, party: SaftParty) -> None:
    with w.node(tag):
        w.optional("RegistrationNumber", party.registration_number, 35)
        w.text("Name", party.name, 70)
        w.address("Address", party.address)
        w.tax_registration(party.vat_number, books.company.tax_type)
        w.leaf(f"{tag}ID", party.id)
        w.leaf("AccountID", party.account)
        w.balance("Opening", party.opening)
        w.balance("Closing", party.closing)


def _tax_table(w: _Writer, books: _Books, tax_codes: Sequence[SaftTaxCode]) -> None:
    with w.node("TaxTable"), w.node("TaxTableEntry"):
        w.text("TaxType", books.company.tax_type, 9)
        w.text("Description", books.company.tax_description)
        for code in tax_codes:
            with w.node("TaxCodeDetails"):
                w.leaf("TaxCode", code.code)
                w.text("Description", code.description)
                w.leaf("TaxPercentage", _number(code.rate))
                w.leaf("Country", code.country.upper())
                w.leaf("StandardTaxCode", code.standard_code or code.code)
                w.leaf("BaseRate", "100")


def _ledger(w: _Writer, sink: _Sink, books: _Books, scan: _Scan,
            entries: Callable[[], Iterable[Entry]]) -> Iterator[bytes]:
    with w.node("GeneralLedgerEntries"):
        w.leaf("NumberOfEntries", str(scan.count))
        w.leaf("TotalDebit", _money(scan.debit))
        w.leaf("TotalCredit", _money(scan.credit))
        for journal in scan.journals:
            with w.node("Journal"):
                w.leaf("JournalID", journal)
                w.text("Description", JOURNAL_NAMES[journal])
                w.leaf("Type", JOURNAL_TYPES[journal])
                for entry in entries():
                    if entry.journal == journal:
                        _transaction(w, books, entry)
                        yield from sink.drain(w.xf, at_least=CHUNK_BYTES)


def _transaction(w: _Writer, books: _Books, entry: Entry) -> None:
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


def _line(w: _Writer, books: _Books, entry: Entry, line: EntryLine) -> None:
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
            _tax_information(w, books, "TaxInformation", code, line.vat_base, tax, code.rate)


def _tax_information(w: _Writer, books: _Books, tag: str, code: SaftTaxCode | None, base: Decimal | None,
                     tax: Decimal, rate: Decimal) -> None:
    with w.node(tag):
        w.text("TaxType", books.company.tax_type, 9)
        if code is not None:
            w.leaf("TaxCode", code.code)
        w.leaf("TaxPercentage", _number(rate))
        if base is not None:
            w.leaf("TaxBase", _money(base))
        w.amount("TaxAmount", tax)


# --- source documents -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _InvoiceLine:
    description: str
    quantity: Decimal
    unit_price: Decimal
    amount: Decimal  # net, signed: positive is a sale (credit)


def _invoice_lines(invoice: Invoice) -> list[_InvoiceLine]:
    if invoice.items:
        return [_InvoiceLine(i.description, i.quantity, i.unit_price, i.line_total) for i in invoice.items]
    return [_InvoiceLine(invoice.reference or invoice.notes or "Total HT", Decimal(1), invoice.total_ht,
                         invoice.total_ht)]


def _sales_totals(invoice: Invoice) -> tuple[Decimal, Decimal]:
    """The invoice's (debit, credit) line totals."""
    amounts = [line.amount for line in _invoice_lines(invoice)]
    return -sum((a for a in amounts if a < 0), ZERO), sum((a for a in amounts if a >= 0), ZERO)


def _sales_invoices(w: _Writer, sink: _Sink, books: _Books, scan: _Scan, totals: list[tuple[Decimal, Decimal]],
                    invoices: Callable[[], Iterable[Invoice]]) -> Iterator[bytes]:
    with w.node("SalesInvoices"):
        w.leaf("NumberOfEntries", str(len(totals)))
        w.leaf("TotalDebit", _money(sum((t[0] for t in totals), ZERO)))
        w.leaf("TotalCredit", _money(sum((t[1] for t in totals), ZERO)))
        for invoice in invoices():
            if books.has_invoice(invoice):
                _invoice(w, books, scan, invoice)
                yield from sink.drain(w.xf, at_least=CHUNK_BYTES)


def _invoice(w: _Writer, books: _Books, scan: _Scan, invoice: Invoice) -> None:
    customer = books.billing_ids.get(invoice.client_id)
    with w.node("Invoice"):
        w.text("InvoiceNo", invoice.invoice_number, 70)
        with w.node("CustomerInfo"):
            if customer is not None:
                w.leaf("CustomerID", customer.id)
            else:
                w.text("Name", invoice.client_name or invoice.client_id, 70)
            w.address("BillingAddress", customer.address if customer else SaftAddress())
        if customer is not None:
            w.leaf("AccountID", customer.account)
        w.leaf("Period", str(invoice.date.month))
        w.leaf("PeriodYear", str(invoice.date.year))
        w.leaf("InvoiceDate", invoice.date.isoformat())
        if invoice.id in scan.transactions:
            w.leaf("TransactionID", scan.transactions[invoice.id])
        for number, line in enumerate(_invoice_lines(invoice), start=1):
            with w.node("Line"):
                w.leaf("LineNumber", str(number))
                w.leaf("Quantity", _number(line.quantity))
                w.leaf("UnitPrice", _money(line.unit_price))
                w.leaf("TaxPointDate", invoice.date.isoformat())
                w.text("Description", line.description)
                w.amount("InvoiceLineAmount", abs(line.amount))
                w.leaf("DebitCreditIndicator", "C" if line.amount >= 0 else "D")
        with w.node("DocumentTotals"):
            for vat in _vat_totals(invoice):
                code = books.tax_codes.get(("output", vat.rate))
                _tax_information(w, books, "TaxInformationTotals", code, vat.base, vat.vat, vat.rate)
            w.leaf("NetTotal", _money(invoice.total_ht))
            w.leaf("GrossTotal", _money(invoice.total_ttc))


@dataclass(frozen=True)
class _Vat:
    rate: Decimal
    base: Decimal
    vat: Decimal


def _vat_totals(invoice: Invoice) -> list[_Vat]:
    """Tax per rate: the invoice's breakdown, or its single stated rate."""
    if invoice.vat_breakdown:
        return [_Vat(v.rate, v.base, v.vat) for v in invoice.vat_breakdown]
    return [] if invoice.tax_rate is None else [_Vat(invoice.tax_rate, invoice.total_ht, invoice.total_vat)]


def _payments(w: _Writer, sink: _Sink, books: _Books, scan: _Scan, amounts: list[Decimal],
              payments: Callable[[], Iterable[Payment]]) -> Iterator[bytes]:
    with w.node("Payments"):
        w.leaf("NumberOfEntries", str(len(amounts)))
        w.leaf("TotalDebit", _money(ZERO))
        w.leaf("TotalCredit", _money(sum(amounts, ZERO)))
        for payment in payments():
            if books.has_payment(payment):
                _payment(w, books, scan, payment)
                yield from sink.drain(w.xf, at_least=CHUNK_BYTES)


def _payment_lines(payment: Payment) -> list[tuple[str, Decimal]]:
    lines = [(a.invoice_number or a.invoice_id, a.amount) for a in payment.allocations]
    if payment.unallocated_amount > 0:
        lines.append(("", payment.unallocated_amount))
    return lines or [(payment.invoice_id or "", payment.amount)]


def _payment(w: _Writer, books: _Books, scan: _Scan, payment: Payment) -> None:
    customer = books.billing_ids.get(payment.client_id)
    with w.node("Payment"):
        w.text("PaymentRefNo", payment.receipt_number, 35)
        w.leaf("Period", str(payment.payment_date.month))
        w.leaf("PeriodYear", str(payment.payment_date.year))
        if payment.id in scan.transactions:
            w.leaf("TransactionID", scan.transactions[payment.id])
        w.leaf("TransactionDate", payment.payment_date.isoformat())
        w.leaf("PaymentMethod", PAYMENT_METHODS.get(payment.payment_method, "Other"))
        w.text("Description", payment.reference or payment.notes or f"Règlement {payment.receipt_number}")
        for number, (document, amount) in enumerate(_payment_lines(payment), start=1):
            with w.node("Line"):
                w.leaf("LineNumber", str(number))
                w.optional("SourceDocumentID", document, 35)
                if customer is not None:
                    w.leaf("AccountID", customer.account)
                    w.leaf("CustomerID", customer.id)
                w.leaf("DebitCreditIndicator", "C")
                w.amount("PaymentLineAmount", amount)
        with w.node("DocumentTotals"):
            w.leaf("GrossTotal", _money(payment.amount))


# --- formats ----------------------------------------------------------------------------------------------------


def _money(value: Decimal) -> str:
    """``1234.5`` -> ``"1234.50"``; refuses an amount finer than the cent rather than rounding it."""
    cents = value.quantize(_CENT)
    if cents != value:
        raise ValueError(f"{value} has more than 2 decimals")
    return f"{cents:f}"


def _number(value: Decimal) -> str:
    """A rate or quantity without trailing zeros: ``20.00`` -> ``"20"``, ``5.50`` -> ``"5.5"``."""
    return f"{value.normalize():f}"


def _text(value: str | None, limit: int) -> str:
    """One line of printable text, at most ``limit`` characters (the schema's length for the element)."""
    if not value:
        return ""
    if value.isprintable():  # the usual case: no line break, tab or control character
        return value.strip()[:limit]
    flat = " ".join(value.split())
    return "".join(c for c in flat if c.isprintable())[:limit]

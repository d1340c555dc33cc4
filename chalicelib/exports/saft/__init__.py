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

from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import date, datetime, tzinfo

from chalicelib.billing.invoices.models import Invoice
from chalicelib.billing.payments.models import Payment
from chalicelib.exports.fec import PARIS
from chalicelib.exports.saft.context import Books, scan_entries
from chalicelib.exports.saft.documents import payments_section, sales_invoices, sales_totals
from chalicelib.exports.saft.ledger import general_ledger, header, master_files
from chalicelib.exports.saft.model import (
    CHUNK_BYTES,
    JOURNAL_TYPES,
    NS,
    SaftAccount,
    SaftAddress,
    SaftCompany,
    SaftContact,
    SaftCustomer,
    SaftParty,
    SaftSupplier,
    SaftTaxCode,
    tax_code_name,
    transaction_id,
)
from chalicelib.exports.saft.stream import Sink, Writer
from chalicelib.ledger.models import Entry

__all__ = ["CHUNK_BYTES", "JOURNAL_TYPES", "NS", "SaftAccount", "SaftAddress", "SaftCompany", "SaftContact",
           "SaftCustomer", "SaftParty", "SaftSupplier", "SaftTaxCode", "saft_xml", "tax_code_name", "transaction_id"]


def saft_xml(company: SaftCompany, *, start: date, end: date, created: datetime, software: tuple[str, str],
             accounts: Sequence[SaftAccount], customers: Sequence[SaftCustomer], suppliers: Sequence[SaftSupplier],
             tax_codes: Sequence[SaftTaxCode], entries: Callable[[], Iterable[Entry]],
             invoices: Callable[[], Iterable[Invoice]], payments: Callable[[], Iterable[Payment]],
             tz: tzinfo = PARIS) -> Iterator[bytes]:
    """The SAF-T file of ``start``..``end`` as UTF-8 chunks. ``software`` is (name, version): the name is written
    as both ``SoftwareCompanyName`` and ``SoftwareID``.

    Raises ``ValueError`` (before the first chunk) when the input is inconsistent, see the module docstring.
    """
    books = Books(company, start, end, tz, {a.code: a for a in accounts}, {c.id: c for c in customers},
                   {s.id: s for s in suppliers}, {(t.kind, t.rate): t for t in tax_codes},
                   {c.billing_id: c for c in customers if c.billing_id})
    sales = {inv.id: sales_totals(inv) for inv in invoices() if books.has_invoice(inv)}
    paid = {p.id: p.amount for p in payments() if books.has_payment(p)}
    scan = scan_entries(books, entries(), sales.keys() | paid.keys())
    books.check_balances(scan)
    sink = Sink()
    from lxml import etree  # lazy: only the SAF-T route writes XML; the exports function starts without lxml

    with etree.xmlfile(sink, encoding="utf-8") as xf:
        xf.write_declaration()
        w = Writer(xf)
        with w.node("AuditFile", nsmap={None: NS}):
            header(w, books, created, software)
            yield from master_files(w, sink, books, accounts, customers, suppliers, tax_codes)
            yield from general_ledger(w, sink, books, scan, entries)
            if sales or paid:
                with w.node("SourceDocuments"):
                    if sales:
                        yield from sales_invoices(w, sink, books, scan, list(sales.values()), invoices)
                    if paid:
                        yield from payments_section(w, sink, books, scan, list(paid.values()), payments)
    yield from sink.drain(None)

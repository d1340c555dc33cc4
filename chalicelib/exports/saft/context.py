"""What the SAF-T writer knows before writing: the exported books (accounts, parties, tax codes), and a first
pass over the entries that checks them and totals what the file's header elements need."""

from __future__ import annotations

from collections.abc import Iterable, Set
from dataclasses import dataclass, field
from datetime import date, tzinfo
from decimal import Decimal

from chalicelib.billing.invoices.models import Invoice
from chalicelib.billing.payments.models import Payment
from chalicelib.core.money import ZERO, rate_text
from chalicelib.exports.saft.model import (
    SaftAccount,
    SaftCompany,
    SaftCustomer,
    SaftParty,
    SaftSupplier,
    SaftTaxCode,
    transaction_id,
)
from chalicelib.ledger.models import Entry, EntryLine


@dataclass(frozen=True)
class Books:
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
            raise ValueError(f"no tax code for {line.vat_kind} VAT at {rate_text(line.vat_rate)} "
                             f"(account {line.account})")
        return code

    def has_invoice(self, invoice: Invoice) -> bool:
        return (invoice.status != "draft" and bool(invoice.invoice_number) and self.start <= invoice.date <= self.end
                and invoice.currency.upper() == self.company.currency.upper())

    def has_payment(self, payment: Payment) -> bool:
        return (self.start <= payment.payment_date <= self.end
                and payment.currency.upper() == self.company.currency.upper())

    def check_balances(self, scan: Scan) -> None:
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
class Scan:
    count: int = 0
    debit: Decimal = ZERO
    credit: Decimal = ZERO
    journals: dict[str, None] = field(default_factory=dict)
    movements: dict[str, Decimal] = field(default_factory=dict)
    aux_movements: dict[str, Decimal] = field(default_factory=dict)
    transactions: dict[str, str] = field(default_factory=dict)  # exported document id -> the entry that posted it
    numbers: dict[date, set[int]] = field(default_factory=dict)  # entry numbers met, per fiscal year


def scan_entries(books: Books, entries: Iterable[Entry], documents: Set[str]) -> Scan:
    scan = Scan()
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


def _check_entry(books: Books, scan: Scan, entry: Entry) -> None:
    if not books.start <= entry.entry_date <= books.end:
        raise ValueError(f"entry {entry.number} of {entry.entry_date} is outside {books.start}..{books.end}")
    if entry.currency.upper() != books.company.currency.upper():
        raise ValueError(f"entry {entry.number} is in {entry.currency}, the books in {books.company.currency}")
    numbers = scan.numbers.setdefault(entry.fiscal_year, set())
    if entry.number in numbers:
        raise ValueError(f"entry {transaction_id(entry)} appears twice")
    numbers.add(entry.number)

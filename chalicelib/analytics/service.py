"""Dashboard figures, cash flow and top clients, read from billing data (analytics writes nothing).

Rules (the original's bugs, done right):

* Only issued invoices count (``sent``, ``overdue``, ``paid``): drafts and cancelled invoices bill nothing. Billed
  amounts are net of credit notes (``total_ttc − total_credited``).
* Cash received is the payments, by their payment date (a payment on the 1st counts in that month even for an
  invoice of an earlier month); it is never inferred from invoice statuses.
* Expenses are dated by ``expense_date`` (the day they were paid), never by when they were recorded.
* "Today" and month boundaries are those of the organization's time zone, not UTC.
* Figures are in the organization's currency: documents in another currency are left out (no exchange rates are
  kept, and adding euros to dollars would be wrong); sums are rounded to the currency's minor unit.

Cost of each operation (reads only; every read is a key query of one partition, in pages of 1000 items):

* ``dashboard_kpis``: the organization item; the invoices-by-date partition (every invoice of the organization:
  the all-time pending and overdue balances need every issued invoice, and the month's figures are taken from
  the same read); the payments-by-date range of the month; the expenses-by-date range of the month; for each
  invoice of the month that has credits, its credit notes (one query and one batch get: the HT they took back).
  O(invoices + the month's payments, expenses and credited invoices).
* ``cash_flow``: the organization item; the payments-by-date and expenses-by-date ranges of the N months.
  O(payments and expenses of the period); no invoice is read.
* ``top_clients``: the organization item; the invoices-by-date partition (all of it, or the range of the last N
  months); then one get per client shown (``limit``, plus clients tied at the cut, whose current names decide the
  order). O(invoices of the period + limit).
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from chalicelib.analytics.models import (
    CashFlow,
    CashFlowSummary,
    Kpis,
    MonthFlow,
    TopClient,
    first_day,
    month_key,
)
from chalicelib.auth.repository import get_organization
from chalicelib.billing.clients import repository as clients_repo
from chalicelib.billing.credit_notes import repository as credit_notes_repo
from chalicelib.billing.expenses import repository as expenses_repo
from chalicelib.billing.expenses.models import Expense
from chalicelib.billing.invoices import repository as invoices_repo
from chalicelib.billing.invoices.models import Invoice
from chalicelib.billing.invoices.service import scan_by_date
from chalicelib.billing.payments import repository as payments_repo
from chalicelib.billing.payments.models import Payment
from chalicelib.billing.receivables import ISSUED, months_back
from chalicelib.core.clock import today as local_today
from chalicelib.core.money import ZERO, quantize
from chalicelib.core.text import fold
from chalicelib.store.deps import Deps
from chalicelib.store.pagination import all_items

_BATCH = 1000


@dataclass(frozen=True)
class _Books:
    """What the figures of an organization are expressed in: its currency and today's date in its zone."""

    currency: str
    today: date

    def total(self, values: Iterable[Decimal]) -> Decimal:
        return quantize(sum(values, ZERO), self.currency)


def _books(deps: Deps, org_id: str) -> _Books:
    org = get_organization(deps.store, org_id)
    timezone, currency = (org.timezone, org.currency) if org else ("Europe/Paris", "EUR")
    return _Books(currency=currency, today=local_today(deps.clock, timezone))


def last_day(day: date) -> date:
    """The last day of ``day``'s month."""
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


# --- reads --------------------------------------------------------------------------------------------------------


def _issued_invoices(deps: Deps, org_id: str, books: _Books, start: date | None, end: date | None) -> list[Invoice]:
    """Issued invoices in the books' currency dated ``start..end`` (inclusive; ``None`` = unbounded)."""
    items = scan_by_date(deps, org_id, None, start.isoformat() if start else None, end.isoformat() if end else None,
                         forward=True)
    invoices = (invoices_repo.from_item(item) for item in items if item.get("status") in ISSUED)
    return [inv for inv in invoices if inv.currency == books.currency]


def _payments(deps: Deps, org_id: str, books: _Books, start: date, end: date) -> list[Payment]:
    """Payments in the books' currency with a payment date in ``start..end`` (inclusive)."""
    items = all_items(lambda cursor: payments_repo.query_by_date(
        deps.store, org_id, client_id=None, start=start.isoformat(), end=end.isoformat(), limit=_BATCH,
        cursor=cursor))
    payments = (payments_repo.from_item(item) for item in items)
    return [p for p in payments if p.currency == books.currency]


def _expenses(deps: Deps, org_id: str, books: _Books, start: date, end: date) -> list[Expense]:
    """Expenses in the books' currency with an expense date in ``start..end`` (inclusive)."""
    items = all_items(lambda cursor: expenses_repo.query(deps.store, org_id, start=start, end=end, newest_first=False,
                                                      limit=_BATCH, cursor=cursor))
    expenses = (expenses_repo.from_item(item) for item in items)
    return [e for e in expenses if e.currency == books.currency]


# --- figures ------------------------------------------------------------------------------------------------------


def billed(invoice: Invoice) -> Decimal:
    """What an issued invoice bills, tax included, once credit notes took their share back."""
    return invoice.total_ttc - invoice.total_credited


def billed_ht(deps: Deps, invoice: Invoice) -> Decimal:
    """What an issued invoice bills before tax, net of credits.

    Invoices keep only the credited amount tax included, so a credited invoice's HT credits are read from its
    credit notes (the issued ones; a cancelled credit note gave its amount back): a credit note may credit lines at
    another rate than the invoice's average, so no ratio of the invoice would be exact.
    """
    if not invoice.total_credited:
        return invoice.total_ht
    notes = credit_notes_repo.of_invoice(deps.store, invoice.org_id, invoice.id)
    return invoice.total_ht - sum((n.total_ht for n in notes if n.status == "issued"), ZERO)


def dashboard_kpis(deps: Deps, org_id: str, month: str | None) -> Kpis:
    """The figures of ``month`` (``YYYY-MM``; default the current month of the organization) — see ``Kpis``."""
    books = _books(deps, org_id)
    start = first_day(month) if month else books.today.replace(day=1)
    end = last_day(start)
    issued = _issued_invoices(deps, org_id, books, None, None)
    of_month = [inv for inv in issued if start <= inv.date <= end]
    expenses = _expenses(deps, org_id, books, start, end)
    revenue_ht = books.total(billed_ht(deps, inv) for inv in of_month)
    expenses_ht = books.total(e.amount_ht for e in expenses)
    return Kpis(month=month_key(start), revenue_billed=books.total(map(billed, of_month)),
                revenue_billed_ht=revenue_ht,
                revenue_collected=books.total(p.amount for p in _payments(deps, org_id, books, start, end)),
                expenses=books.total(e.amount for e in expenses), expenses_ht=expenses_ht,
                margin=revenue_ht - expenses_ht,
                total_pending_all_time=books.total(inv.balance_due for inv in issued),
                overdue_amount=books.total(inv.balance_due for inv in issued if inv.due_date < books.today),
                invoices_this_month=len(of_month), currency=books.currency)


@dataclass
class _Month:
    income: list[Decimal] = field(default_factory=list)
    expenses: list[Decimal] = field(default_factory=list)


def cash_flow(deps: Deps, org_id: str, months: int) -> CashFlow:
    """Payments received and expenses paid per month over the last ``months`` months, the current one included
    (whole calendar months, oldest first)."""
    books = _books(deps, org_id)
    start, end = months_back(books.today, months), last_day(books.today)
    buckets = {month_key(months_back(books.today, n)): _Month() for n in range(months, 0, -1)}
    for payment in _payments(deps, org_id, books, start, end):
        buckets[month_key(payment.payment_date)].income.append(payment.amount)
    for expense in _expenses(deps, org_id, books, start, end):
        buckets[month_key(expense.expense_date)].expenses.append(expense.amount)
    monthly = []
    for key, bucket in buckets.items():
        income, spent = books.total(bucket.income), books.total(bucket.expenses)
        monthly.append(MonthFlow(month=key, income=income, expenses=spent, net=income - spent))
    total_income = books.total(m.income for m in monthly)
    total_expenses = books.total(m.expenses for m in monthly)
    net = total_income - total_expenses
    summary = CashFlowSummary(total_income=total_income, total_expenses=total_expenses, net=net,
                              average_monthly_net=quantize(net / months, books.currency), months=months)
    return CashFlow(monthly=monthly, summary=summary, currency=books.currency)


@dataclass
class _Account:
    """One client's issued invoices, summed."""

    client_id: str
    name: str
    revenue: Decimal = ZERO
    paid: Decimal = ZERO
    outstanding: Decimal = ZERO
    count: int = 0


def top_clients(deps: Deps, org_id: str, limit: int, months: int | None) -> list[TopClient]:
    """Clients by revenue (issued invoices net of credits, of the last ``months`` months or of all time), highest
    first; equal revenues by company name (accents and case ignored), then id."""
    books = _books(deps, org_id)
    start, end = (months_back(books.today, months), last_day(books.today)) if months else (None, None)
    accounts: dict[str, _Account] = {}
    for inv in _issued_invoices(deps, org_id, books, start, end):
        account = accounts.setdefault(inv.client_id, _Account(inv.client_id, inv.client_name or ""))
        account.revenue += billed(inv)
        account.paid += inv.amount_paid
        account.outstanding += inv.balance_due
        account.count += 1
    ranked = sorted(accounts.values(), key=lambda a: a.revenue, reverse=True)
    if len(ranked) > limit:  # keep every client tied with the last one shown: their names decide who stays
        ranked = [a for a in ranked if a.revenue >= ranked[limit - 1].revenue]
    emails: dict[str, str | None] = {}
    for account in ranked:
        client = clients_repo.get(deps.store, org_id, account.client_id)
        if client is not None:
            account.name, emails[account.client_id] = client.company_name, client.email
    ranked.sort(key=lambda a: (-a.revenue, fold(a.name), a.name, a.client_id))
    return [TopClient(client_id=a.client_id, company_name=a.name, email=emails.get(a.client_id),
                      total_revenue=books.total([a.revenue]), total_paid=books.total([a.paid]),
                      outstanding=books.total([a.outstanding]), invoice_count=a.count, currency=books.currency)
            for a in ranked[:limit]]

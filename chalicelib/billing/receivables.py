"""What clients owe, computed from invoices: unpaid invoices, the receivables summary, a client's balance and the
invoice statistics.

Only issued invoices count (drafts and cancelled invoices owe nothing). ``balance_due`` is what remains after
payments and credit notes; "overdue" means a balance past its due date in the organization's time zone. Sums never
mix currencies: organization figures count the invoices in the organization's currency (as analytics does), a
client's balance those in the client's currency; each answer names its ``currency``.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from chalicelib.auth.calendar import org_today
from chalicelib.auth.repository import get_organization
from chalicelib.billing.clients.service import require_client
from chalicelib.billing.invoices import repository as repo
from chalicelib.billing.invoices.models import Invoice, InvoiceStats
from chalicelib.billing.invoices.service import scan_by_date
from chalicelib.billing.receivable_models import (
    ClientBalance,
    DebtorRef,
    ReceivablesSummary,
    UnpaidInvoice,
    UnpaidInvoices,
    UnpaidSummary,
)
from chalicelib.core.money import ZERO, quantize
from chalicelib.store.deps import Deps

ISSUED = frozenset({"sent", "overdue", "paid"})


def org_currency(deps: Deps, org_id: str) -> str:
    org = get_organization(deps.store, org_id)
    return org.currency if org else "EUR"


def _issued(deps: Deps, org_id: str, currency: str, client_id: str | None = None,
            start: str | None = None) -> list[Invoice]:
    return [inv for inv in (repo.from_item(i) for i in scan_by_date(deps, org_id, client_id, start, None))
            if inv.status in ISSUED and inv.currency == currency]


def _total(values: Any, currency: str = "EUR") -> Decimal:
    return quantize(sum(values, ZERO), currency)


def unpaid_invoices(deps: Deps, org_id: str, days_overdue: int | None) -> UnpaidInvoices:
    """Issued invoices with a balance, oldest due first; with ``days_overdue``, only those at least that late."""
    today, currency = org_today(deps, org_id), org_currency(deps, org_id)
    open_ = [inv for inv in _issued(deps, org_id, currency) if inv.balance_due > ZERO]
    if days_overdue is not None:
        limit = today - timedelta(days=days_overdue)
        open_ = [inv for inv in open_ if inv.due_date <= limit and inv.due_date < today]
    open_.sort(key=lambda inv: (inv.due_date, inv.invoice_number or ""))
    rows = [UnpaidInvoice(id=inv.id, invoice_number=inv.invoice_number, date=inv.date, due_date=inv.due_date,
                          status=inv.status, total_ttc=inv.total_ttc, amount_paid=inv.amount_paid,
                          balance_due=inv.balance_due, payment_status=inv.payment_status, currency=inv.currency,
                          days_overdue=max((today - inv.due_date).days, 0),
                          client=DebtorRef(id=inv.client_id, company_name=inv.client_name)) for inv in open_]
    return UnpaidInvoices(data=rows, summary=UnpaidSummary(
        count=len(rows), currency=currency, total_unpaid=_total((inv.balance_due for inv in open_), currency)))


def receivables_summary(deps: Deps, org_id: str) -> ReceivablesSummary:
    today, currency = org_today(deps, org_id), org_currency(deps, org_id)
    issued = _issued(deps, org_id, currency)
    return ReceivablesSummary(
        total_receivable=_total((inv.total_ttc - inv.total_credited for inv in issued), currency),
        total_collected=_total((inv.amount_paid for inv in issued), currency),
        total_pending=_total((inv.balance_due for inv in issued), currency),
        total_overdue=_total((inv.balance_due for inv in issued if inv.due_date < today), currency),
        count=sum(1 for inv in issued if inv.balance_due > ZERO), invoice_count=len(issued), currency=currency)


def client_balance(deps: Deps, org_id: str, client_id: str) -> ClientBalance:
    client = require_client(deps, org_id, client_id)
    today, currency = org_today(deps, org_id), client.preferred_currency
    issued = _issued(deps, org_id, currency, client.id)
    return ClientBalance(
        client_id=client.id, company_name=client.company_name, currency=currency,
        total_invoiced=_total((inv.total_ttc - inv.total_credited for inv in issued), currency),
        total_paid=_total((inv.amount_paid for inv in issued), currency),
        outstanding=_total((inv.balance_due for inv in issued), currency),
        overdue=_total((inv.balance_due for inv in issued if inv.due_date < today), currency),
        invoice_count=len(issued))


def months_back(day: date, months: int) -> date:
    """The first day of the month ``months - 1`` months before ``day``'s month (12 → the last 12 months)."""
    index = day.year * 12 + day.month - 1 - (months - 1)
    return date(index // 12, index % 12 + 1, 1)


def invoice_stats(deps: Deps, org_id: str, months: int) -> InvoiceStats:
    today, currency = org_today(deps, org_id), org_currency(deps, org_id)
    start = months_back(today, months)
    invoices = [repo.from_item(i) for i in scan_by_date(deps, org_id, None, start.isoformat(), None)]
    issued = [inv for inv in invoices if inv.status in ISSUED and inv.currency == currency]
    overdue = [inv for inv in issued if inv.balance_due > ZERO and inv.due_date < today]
    counts = {status: sum(1 for inv in invoices if inv.status == status)
              for status in ("draft", "sent", "paid", "overdue", "cancelled")}
    return InvoiceStats(period_months=months, start_date=start, currency=currency,
                        total_billed=_total((inv.total_ttc - inv.total_credited for inv in issued), currency),
                        total_paid=_total((inv.amount_paid for inv in issued), currency),
                        total_unpaid=_total((inv.balance_due for inv in issued), currency),
                        overdue_count=len(overdue), overdue_amount=_total((inv.balance_due for inv in overdue),
                                                                          currency),
                        count={**counts, "total": len(invoices)})

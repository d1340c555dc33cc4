"""The demo year: loaded once, through the services, and rich enough that every report has something to say."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest

from chalicelib.analytics.service import dashboard_kpis
from chalicelib.auth.service import create_organization
from chalicelib.billing.credit_notes.models import CreditNoteListQuery
from chalicelib.billing.credit_notes.service import list_credit_notes
from chalicelib.billing.expenses.models import ExpenseListQuery
from chalicelib.billing.expenses.service import list_expenses, open_receipt
from chalicelib.billing.invoices.models import InvoiceListQuery
from chalicelib.billing.invoices.service import list_invoices
from chalicelib.billing.quotes.models import QuoteListQuery
from chalicelib.billing.quotes.service import list_quotes
from chalicelib.cli.demo import load_demo
from chalicelib.company.service import get_company
from chalicelib.core.clock import FixedClock
from chalicelib.core.settings import Settings
from chalicelib.exports.service import facturx_export, fec_export, saft_export
from chalicelib.ledger.queries import balance_sheet, income_statement, tax_summary, trial_balance
from chalicelib.store.deps import Deps
from chalicelib.wiring import build_deps, using

TODAY = dt.date(2026, 3, 15)
YEAR = (TODAY - dt.timedelta(days=364), TODAY)


@pytest.fixture
def sqlite_deps(tmp_path: Path) -> Iterator[Deps]:
    deps = build_deps(Settings(data_dir=tmp_path / "data"), clock=FixedClock(dt.datetime(2026, 3, 15, 9, 30,
                                                                                         tzinfo=dt.UTC)))
    with using(deps):
        yield deps


def _org(deps: Deps, currency: str = "EUR") -> str:
    return create_organization(deps, name="Demo", owner_email="demo@example.com", currency=currency).organization.id


def _rates(deps: Deps, org_id: str) -> set[Decimal]:
    return {row.rate for row in tax_summary(deps, org_id, *YEAR).by_rate if row.output_vat > 0}


def test_a_second_demo_run_adds_nothing(sqlite_deps: Deps) -> None:
    org_id = _org(sqlite_deps)
    first = load_demo(sqlite_deps, org_id)
    invoices = list_invoices(sqlite_deps, org_id, InvoiceListQuery(limit=100)).total
    again = load_demo(sqlite_deps, org_id)
    assert first.created and not again.created and "nothing added" in again.summary()
    assert list_invoices(sqlite_deps, org_id, InvoiceListQuery(limit=100)).total == invoices == 40


def test_the_french_demo_year_feeds_every_report(sqlite_deps: Deps) -> None:
    deps = sqlite_deps
    org_id = _org(deps)
    load_demo(deps, org_id, "FR")
    company = get_company(deps, org_id)
    assert company.siren == "732829320" and company.vat_number == "FR44732829320" and company.iban
    balance = trial_balance(deps, org_id, None)
    assert balance.accounts and balance.balanced and balance.total_debit == balance.total_credit > 0
    assert {Decimal("20"), Decimal("10"), Decimal("5.5")} <= _rates(deps, org_id)
    assert income_statement(deps, org_id, *YEAR).revenue.total > 0
    assert balance_sheet(deps, org_id, None).assets.total > 0
    kpis = dashboard_kpis(deps, org_id, None)
    assert kpis.revenue_billed > 0 and kpis.total_pending_all_time > 0 and kpis.overdue_amount > 0
    for fiscal_year in (2025, 2026):  # the twelve months straddle two calendar fiscal years
        fec = b"".join(fec_export(deps, org_id, None, None, fiscal_year).chunks).decode()
        assert len(fec.splitlines()) > 20
    saft = b"".join(saft_export(deps, org_id, *YEAR).chunks)
    entries = re.search(rb"<GeneralLedgerEntries>\s*<NumberOfEntries>(\d+)<", saft)
    assert entries and int(entries.group(1)) > 50 and b"<SalesInvoices>" in saft
    issued = list_invoices(deps, org_id, InvoiceListQuery(status="paid", limit=1)).items[0]
    pdf = b"".join(facturx_export(deps, org_id, issued.id, "EN16931", "pdf").chunks)
    assert pdf.startswith(b"%PDF")


def test_the_demo_has_drafts_converted_quotes_credit_notes_partial_payments_and_receipts(sqlite_deps: Deps) -> None:
    deps = sqlite_deps
    org_id = _org(deps)
    load_demo(deps, org_id)
    invoices = list_invoices(deps, org_id, InvoiceListQuery(limit=100)).items
    assert {inv.status for inv in invoices} >= {"draft", "sent", "paid", "overdue"}
    assert any(inv.payment_status == "partial" for inv in invoices)
    assert all(YEAR[0] <= inv.date <= YEAR[1] for inv in invoices)
    converted = [q for q in list_quotes(deps, org_id, QuoteListQuery(limit=100)).items if q.invoice_id]
    assert converted and {q.invoice_id for q in converted} <= {inv.id for inv in invoices}
    notes = list_credit_notes(deps, org_id, CreditNoteListQuery(limit=100)).items
    credited = [inv for inv in invoices if inv.total_credited > 0]
    assert len(notes) == 3 and len(credited) == 3
    assert any(inv.total_credited == inv.total_ttc for inv in credited)  # credited in full
    assert any(inv.total_credited < inv.total_ttc for inv in credited)  # a commercial discount
    expenses = list_expenses(deps, org_id, ExpenseListQuery(limit=100)).items
    with_receipt = [e for e in expenses if e.receipt]
    assert len(expenses) > 20 and with_receipt
    assert open_receipt(deps, org_id, with_receipt[0].id).read().startswith(b"\x89PNG")


def test_belgian_demo_uses_the_belgian_rates(sqlite_deps: Deps) -> None:
    org_id = _org(sqlite_deps)
    assert load_demo(sqlite_deps, org_id, "BE").created
    assert get_company(sqlite_deps, org_id).country == "BE"
    assert {Decimal("21"), Decimal("12"), Decimal("6")} <= _rates(sqlite_deps, org_id)


def test_ohada_demo_keeps_its_books_in_cfa_francs_at_18_percent(sqlite_deps: Deps) -> None:
    org_id = _org(sqlite_deps, currency="XOF")
    assert load_demo(sqlite_deps, org_id, "OHADA").created
    company = get_company(sqlite_deps, org_id)
    assert (company.currency, company.accounting_country) == ("XOF", "OHADA")
    assert _rates(sqlite_deps, org_id) == {Decimal("18")}
    assert trial_balance(sqlite_deps, org_id, None).balanced

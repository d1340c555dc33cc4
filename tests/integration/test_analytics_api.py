"""``/api/v1/analytics``: dashboard figures, cash flow and top clients, on both storage backends.

Each figure is checked against a value the test computes itself from the invoices, payments and expenses it created
through the API (read back after the payments, so statuses and balances are the stored ones), plus a few literal
anchors. The clock is 2026-03-15 09:30 UTC (Europe/Paris: 10:30, March).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from app import app as whole_app
from chalicelib.api.local import LocalClient
from chalicelib.auth.service import create_organization
from chalicelib.core.clock import FixedClock
from chalicelib.store.deps import Deps
from tests.conftest import unique
from tests.integration.billing_helpers import new_client, new_invoice, pay
from tests.integration.conftest import Tenant

BASE = "/api/v1/analytics"
ISSUED = {"sent", "overdue", "paid"}
Row = dict[str, Any]


def _expense(api: LocalClient, day: str, **amounts: Any) -> Row:
    response = api.post("/api/v1/expenses", json={"expense_date": day, **amounts})
    assert response.status_code == 201, response.text
    return response.json()["data"]


def _paid(api: LocalClient, invoice_id: str, amount: str, day: str | None) -> Row:
    if day is None:  # dated by the server: the organization's today
        response = api.post("/api/v1/payments", json={"invoice_id": invoice_id, "amount": amount})
    else:
        response = pay(api, invoice_id, amount, payment_date=day)
    assert response.status_code == 201, response.text
    return response.json()["data"]


def _sum(values: Iterable[Decimal]) -> Decimal:
    return sum(values, Decimal(0))


@dataclass
class Books:
    """What a test created, read back from the API, and the figures computed from it by the test itself."""

    api: LocalClient
    invoices: list[Row] = field(default_factory=list)
    payments: list[Row] = field(default_factory=list)
    expenses: list[Row] = field(default_factory=list)
    currency: str = "EUR"

    def refresh(self) -> None:
        self.invoices = [self.api.get(f"/api/v1/invoices/{i['id']}").json()["data"] for i in self.invoices]

    def issued(self, month: str = "") -> list[Row]:
        return [i for i in self.invoices if i["status"] in ISSUED and i["currency"] == self.currency
                and i["date"].startswith(month)]

    def kpis(self, month: str, today: str) -> Row:
        issued, of_month = self.issued(), self.issued(month)
        spent = [e for e in self.expenses if e["expense_date"].startswith(month) and e["currency"] == self.currency]
        billed_ht = _sum(i["total_ht"] for i in of_month)  # credit-less invoices: HT as issued
        return {"month": month,
                "revenue_billed": _sum(i["total_ttc"] - i["total_credited"] for i in of_month),
                "revenue_billed_ht": billed_ht,
                "revenue_collected": _sum(p["amount"] for p in self.payments
                                          if p["payment_date"].startswith(month) and p["currency"] == self.currency),
                "expenses": _sum(e["amount"] for e in spent), "expenses_ht": _sum(e["amount_ht"] for e in spent),
                "margin": billed_ht - _sum(e["amount_ht"] for e in spent),
                "total_pending_all_time": _sum(i["balance_due"] for i in issued),
                "overdue_amount": _sum(i["balance_due"] for i in issued if i["due_date"] < today),
                "invoices_this_month": len(of_month), "currency": self.currency}

    def flow(self, month: str) -> Row:
        income = _sum(p["amount"] for p in self.payments
                      if p["payment_date"].startswith(month) and p["currency"] == self.currency)
        spent = _sum(e["amount"] for e in self.expenses
                     if e["expense_date"].startswith(month) and e["currency"] == self.currency)
        return {"month": month, "income": income, "expenses": spent, "net": income - spent}


@dataclass
class Ledger:
    """The standard scenario: three EUR clients, a USD one, and their documents around March 2026."""

    books: Books
    a: str
    b: str
    c: str
    usd: str
    names: dict[str, str]


def _ledger(api: LocalClient) -> Ledger:
    names = {key: unique(key) for key in ("A", "B", "C", "USD")}
    a, b, c = (new_client(api, company_name=names[k], email=f"{k.lower()}@example.com") for k in "ABC")
    usd = new_client(api, company_name=names["USD"], preferred_currency="USD")
    books = Books(api)
    inv = books.invoices
    inv.append(i1 := new_invoice(api, a, date="2026-03-02", due_date="2026-03-31"))                    # part paid
    inv.append(i2 := new_invoice(api, b, date="2026-03-31", due_date="2026-04-30", total_ht="250.00",
                                 total_ttc="300.00"))                                                 # last day
    inv.append(new_invoice(api, a, date="2026-03-05", total_ht="10000", total_ttc="12000", status="draft"))
    inv.append(cancelled := new_invoice(api, c, date="2026-03-06", total_ht="5000", total_ttc="6000"))
    inv.append(i5 := new_invoice(api, b, date="2026-02-10", due_date="2026-03-12"))                   # overdue
    inv.append(i6 := new_invoice(api, c, date="2026-01-20", due_date="2026-02-19", total_ht="600",
                                 total_ttc="720"))                                                    # paid in Feb
    inv.append(new_invoice(api, a, date="2026-04-01", due_date="2026-05-01", total_ht="200", total_ttc="240"))
    inv.append(i8 := new_invoice(api, b, date="2026-03-15", total_ht="100.00", tax_rate="5.5",
                                 total_ttc="105.50"))
    inv.append(u := new_invoice(api, usd, date="2026-03-03", total_ht="100", total_ttc="120"))
    assert api.patch(f"/api/v1/invoices/{cancelled['id']}", json={"status": "cancelled"}).status_code == 200
    assert api.patch(f"/api/v1/invoices/{i5['id']}", json={"status": "overdue"}).status_code == 200
    books.payments += [_paid(api, i1["id"], "500.00", "2026-03-10"),
                       _paid(api, i5["id"], "700.00", "2026-03-01"),   # March cash for a February invoice
                       _paid(api, i6["id"], "720.00", "2026-02-05"),
                       _paid(api, i8["id"], "105.50", "2026-03-15"),
                       _paid(api, u["id"], "50.00", "2026-03-04")]     # USD: not in the EUR books
    books.expenses += [_expense(api, "2026-03-01", amount="120.00", tax_rate=20),   # first day of March
                       _expense(api, "2026-03-31", amount_ht="50.00", tax_rate=20),  # last day of March
                       _expense(api, "2026-02-28", amount="30.00"),
                       _expense(api, "2026-04-01", amount="40.00"),
                       _expense(api, "2026-03-10", amount="99.00", currency="USD"),
                       _expense(api, "2026-03-20", amount="10.55", tax_rate="5.5")]
    books.refresh()
    assert i2["total_credited"] == 0
    return Ledger(books=books, a=a, b=b, c=c, usd=usd, names=names)


def _get(api: LocalClient, path: str) -> Any:
    response = api.get(f"{BASE}/{path}")
    assert response.status_code == 200, response.text
    assert set(response.json()) == {"data"}
    return response.json()["data"]


# --- KPIs ---------------------------------------------------------------------------------------------------------


def test_kpis_count_issued_invoices_cash_received_and_expenses_of_the_month_default_now(api: LocalClient) -> None:
    ledger = _ledger(api)
    kpis = _get(api, "kpis?month=2026-03")
    assert kpis == ledger.books.kpis("2026-03", today="2026-03-15")
    # The same, written out: drafts, the cancelled invoice, April and USD documents are left out.
    assert (kpis["revenue_billed"], kpis["revenue_billed_ht"], kpis["invoices_this_month"]) == \
        (Decimal("1605.50"), Decimal("1350.00"), 3)
    assert kpis["revenue_collected"] == Decimal("1305.50")           # 500 + 700 (February invoice) + 105.50
    assert (kpis["expenses"], kpis["expenses_ht"]) == (Decimal("190.55"), Decimal("160.00"))
    assert kpis["margin"] == Decimal("1190.00")
    assert (kpis["total_pending_all_time"], kpis["overdue_amount"]) == (Decimal("1740.00"), Decimal("500.00"))
    assert '"revenue_billed":1605.50' in api.get(f"{BASE}/kpis?month=2026-03").text  # cents always written
    assert _get(api, "kpis") == kpis                                   # default: the current month


def test_kpis_of_other_months_follow_their_own_documents_and_an_empty_month_shows_only_balances(
        api: LocalClient) -> None:
    ledger = _ledger(api)
    for month in ("2026-02", "2026-04", "2026-01"):
        assert _get(api, f"kpis?month={month}") == ledger.books.kpis(month, today="2026-03-15"), month
    february = _get(api, "kpis?month=2026-02")
    assert (february["revenue_billed"], february["revenue_collected"], february["expenses"]) == \
        (Decimal("1200.00"), Decimal("720.00"), Decimal("30.00"))

    empty = _get(api, "kpis?month=2025-11")
    assert empty == ledger.books.kpis("2025-11", today="2026-03-15")
    assert {k: empty[k] for k in ("revenue_billed", "revenue_collected", "expenses", "margin",
                                  "invoices_this_month")} == {"revenue_billed": 0, "revenue_collected": 0,
                                                              "expenses": 0, "margin": 0, "invoices_this_month": 0}
    assert empty["total_pending_all_time"] == Decimal("1740.00")


def _credit(api: LocalClient, invoice_id: str, **amounts: Any) -> Row:
    response = api.post("/api/v1/credit-notes", json={"invoice_id": invoice_id, "reason": "correction", **amounts})
    assert response.status_code == 201, response.text
    return response.json()["data"]


def test_credit_notes_reduce_billed_revenue_its_exact_ht_and_the_pending_balance(api: LocalClient) -> None:
    client_id = new_client(api)
    single = new_invoice(api, client_id, date="2026-03-02", total_ht="250.00", total_ttc="300.00")
    mixed = new_invoice(api, client_id, date="2026-03-03", tax_rate=20, total_ht=None, total_ttc=None,
                        items=[{"description": "standard", "unit_price": "100.00"},
                               {"description": "reduced", "unit_price": "100.00", "tax_rate": "5.5"}])
    untouched = new_invoice(api, client_id, date="2026-03-04", total_ht="1000.00", total_ttc="1200.00")
    partial = _credit(api, single["id"], total_ht="50.00", tax_rate=20)                       # 60.00 TTC
    reduced = _credit(api, mixed["id"], items=[{"description": "reduced", "unit_price": "100.00",
                                                "tax_rate": "5.5"}])                            # 105.50 TTC
    withdrawn = _credit(api, untouched["id"], total_ht="100.00", tax_rate=20)
    assert api.post(f"/api/v1/credit-notes/{withdrawn['id']}/cancel").status_code == 200
    notes = [partial, reduced]
    invoices = [api.get(f"/api/v1/invoices/{i['id']}").json()["data"] for i in (single, mixed, untouched)]
    kpis = _get(api, "kpis?month=2026-03")
    assert kpis["revenue_billed"] == _sum(i["total_ttc"] - i["total_credited"] for i in invoices) == \
        Decimal("1560.00")                                                # 300 − 60 + 225.50 − 105.50 + 1200
    assert kpis["revenue_billed_ht"] == _sum(i["total_ht"] for i in invoices) - _sum(n["total_ht"] for n in notes) \
        == Decimal("1300.00")                                             # the 5.5 % line's HT, not a ratio's
    assert kpis["total_pending_all_time"] == _sum(i["balance_due"] for i in invoices) == Decimal("1560.00")
    [top] = _get(api, "top-clients")
    assert (top["total_revenue"], top["outstanding"], top["invoice_count"]) == (Decimal("1560.00"),
                                                                               Decimal("1560.00"), 3)


# --- cash flow ----------------------------------------------------------------------------------------------------


def test_cash_flow_sums_payments_and_expenses_by_their_own_dates_over_the_months_asked(api: LocalClient) -> None:
    ledger = _ledger(api)
    flow = _get(api, "cash-flow?months=6")
    months = ["2025-10", "2025-11", "2025-12", "2026-01", "2026-02", "2026-03"]
    assert flow["monthly"] == [ledger.books.flow(m) for m in months]
    assert flow["monthly"][:3] == [{"month": m, "income": 0, "expenses": 0, "net": 0} for m in months[:3]]
    assert flow["monthly"][4] == {"month": "2026-02", "income": Decimal("720.00"), "expenses": Decimal("30.00"),
                                  "net": Decimal("690.00")}
    total_income = _sum(m["income"] for m in flow["monthly"])
    total_expenses = _sum(m["expenses"] for m in flow["monthly"])
    assert flow["summary"] == {"total_income": total_income, "total_expenses": total_expenses,
                               "net": total_income - total_expenses,
                               "average_monthly_net": Decimal("300.83"), "months": 6}   # 1804.95 / 6, half-up
    assert (total_income, total_expenses) == (Decimal("2025.50"), Decimal("220.55"))
    assert flow["currency"] == "EUR"
    assert _get(api, "cash-flow?months=1")["monthly"] == [ledger.books.flow("2026-03")]
    default = _get(api, "cash-flow")
    assert [m["month"] for m in default["monthly"]] == ["2025-10", "2025-11", "2025-12", "2026-01", "2026-02",
                                                        "2026-03"]
    longest = _get(api, "cash-flow?months=36")["monthly"]
    assert (len(longest), longest[0]["month"], longest[-1]["month"]) == (36, "2023-04", "2026-03")


# --- top clients --------------------------------------------------------------------------------------------------


def _expected_top(books: Books, names: dict[str, str], ids: dict[str, str], month_prefixes: tuple[str, ...] = ("",)
                  ) -> list[Row]:
    rows: dict[str, Row] = {}
    for inv in books.issued():
        if not inv["date"].startswith(month_prefixes):
            continue
        key = next(k for k, v in ids.items() if v == inv["client_id"])
        row = rows.setdefault(key, {"client_id": inv["client_id"], "company_name": names[key],
                                    "email": f"{key.lower()}@example.com", "total_revenue": Decimal(0),
                                    "total_paid": Decimal(0), "outstanding": Decimal(0), "invoice_count": 0,
                                    "currency": "EUR"})
        row["total_revenue"] += inv["total_ttc"] - inv["total_credited"]
        row["total_paid"] += inv["amount_paid"]
        row["outstanding"] += inv["balance_due"]
        row["invoice_count"] += 1
    return sorted(rows.values(), key=lambda r: (-r["total_revenue"], r["company_name"].lower()))


def test_top_clients_rank_by_issued_revenue_of_all_time_or_of_recent_months(api: LocalClient) -> None:
    ledger = _ledger(api)
    ids = {"A": ledger.a, "B": ledger.b, "C": ledger.c}
    top = _get(api, "top-clients")
    assert top == _expected_top(ledger.books, ledger.names, ids)
    assert [(r["client_id"], r["total_revenue"], r["total_paid"], r["outstanding"], r["invoice_count"])
            for r in top] == [(ledger.b, Decimal("1605.50"), Decimal("805.50"), Decimal("800.00"), 3),
                              (ledger.a, Decimal("1440.00"), Decimal("500.00"), Decimal("940.00"), 2),
                              (ledger.c, Decimal("720.00"), Decimal("720.00"), Decimal("0.00"), 1)]
    assert _get(api, "top-clients?limit=2") == top[:2]
    march = _get(api, "top-clients?months=1")
    assert march == _expected_top(ledger.books, ledger.names, ids, ("2026-03",))
    assert [(r["client_id"], r["total_revenue"]) for r in march] == [(ledger.a, Decimal("1200.00")),
                                                                       (ledger.b, Decimal("405.50"))]
    two = _get(api, "top-clients?months=2")
    assert two == _expected_top(ledger.books, ledger.names, ids, ("2026-02", "2026-03"))


def test_equal_revenues_are_ordered_by_the_clients_current_names(api: LocalClient) -> None:
    bravo = new_client(api, company_name="bravo")
    renamed = new_client(api, company_name="Zulu")
    alpha = new_client(api, company_name="Álpha")
    for client_id in (bravo, renamed, alpha):
        new_invoice(api, client_id)
    assert api.patch(f"/api/v1/clients/{renamed}", json={"company_name": "Able"}).status_code == 200
    top = _get(api, "top-clients")
    assert [r["company_name"] for r in top] == ["Able", "Álpha", "bravo"]       # accents and case ignored
    assert [r["client_id"] for r in _get(api, "top-clients?limit=1")] == [renamed]


# --- time zone and currency ---------------------------------------------------------------------------------------


def _organization(deps: Deps, timezone: str = "Europe/Paris", currency: str = "EUR") -> LocalClient:
    boot = create_organization(deps, name=unique("Org"), owner_email=f"{unique('owner')}@example.com",
                               timezone=timezone, currency=currency)
    return LocalClient(whole_app, headers={"X-API-Key": boot.key.key})


def test_the_current_month_is_the_organizations_own(api: LocalClient, clock: FixedClock) -> None:
    clock.advance((datetime(2026, 3, 31, 22, 30, tzinfo=UTC) - clock.now()).total_seconds())  # Paris: April 1st
    client_id = new_client(api)
    invoice = new_invoice(api, client_id, date="2026-03-20")
    payment = _paid(api, invoice["id"], "100.00", None)
    assert payment["payment_date"] == "2026-04-01"
    _expense(api, "2026-03-31", amount="12.00")
    kpis = _get(api, "kpis")
    assert (kpis["month"], kpis["revenue_collected"], kpis["expenses"]) == ("2026-04", Decimal("100.00"), 0)
    march = _get(api, "kpis?month=2026-03")
    assert (march["revenue_collected"], march["expenses"], march["revenue_billed"]) == \
        (0, Decimal("12.00"), Decimal("1200.00"))
    assert [m["month"] for m in _get(api, "cash-flow?months=2")["monthly"]] == ["2026-03", "2026-04"]


def test_a_zone_behind_utc_is_still_in_the_previous_month(deps: Deps, clock: FixedClock) -> None:
    clock.advance((datetime(2026, 4, 1, 5, 0, tzinfo=UTC) - clock.now()).total_seconds())  # Los Angeles: Mar 31
    api = _organization(deps, timezone="America/Los_Angeles")
    invoice = new_invoice(api, date="2026-03-01")
    _paid(api, invoice["id"], "300.00", None)
    kpis = _get(api, "kpis")
    assert (kpis["month"], kpis["revenue_collected"]) == ("2026-03", Decimal("300.00"))
    assert _get(api, "cash-flow?months=1")["monthly"][0]["month"] == "2026-03"


def test_figures_are_in_the_organizations_currency_and_its_minor_unit(deps: Deps) -> None:
    api = _organization(deps, currency="XOF")
    local = new_client(api, preferred_currency="XOF")
    invoice = new_invoice(api, local, date="2026-03-02", total_ht="10000", total_ttc="11800", tax_rate=18)
    _paid(api, invoice["id"], "1000", "2026-03-05")
    new_invoice(api, new_client(api), date="2026-03-02")                        # EUR: not in the XOF books
    kpis = _get(api, "kpis")
    assert (kpis["currency"], kpis["revenue_billed"], kpis["revenue_billed_ht"], kpis["revenue_collected"]) == \
        ("XOF", 11800, 10000, 1000)
    assert '"total_pending_all_time":10800,' in api.get(f"{BASE}/kpis").text
    flow = _get(api, "cash-flow?months=3")
    assert (flow["currency"], flow["summary"]["net"], flow["summary"]["average_monthly_net"]) == ("XOF", 1000, 333)
    assert [r["client_id"] for r in _get(api, "top-clients")] == [local]


# --- parameters and isolation -------------------------------------------------------------------------------------


@pytest.mark.parametrize(("path", "parameter"), [
    ("kpis?month=2026-13", "month"), ("kpis?month=2026-3", "month"), ("kpis?month=0000-01", "month"),
    ("kpis?month=march", "month"), ("cash-flow?months=0", "months"), ("cash-flow?months=37", "months"),
    ("cash-flow?months=six", "months"), ("top-clients?limit=101", "limit"), ("top-clients?limit=0", "limit"),
    ("top-clients?months=0", "months"),
])
def test_bad_parameters_are_refused_naming_the_parameter(api: LocalClient, path: str, parameter: str) -> None:
    response = api.get(f"{BASE}/{path}")
    assert response.status_code == 422, response.text
    assert list(response.json()["details"]) == [parameter]


def test_another_organization_sees_zeros_and_no_clients(api: LocalClient, other_tenant: Tenant) -> None:
    invoice = new_invoice(api)
    _paid(api, invoice["id"], "100.00", "2026-03-10")
    _expense(api, "2026-03-01", amount="20.00")
    assert _get(api, "kpis")["revenue_collected"] == Decimal("100.00")
    theirs = other_tenant.client
    kpis = theirs.get(f"{BASE}/kpis?month=2026-03").json()["data"]
    assert {k: v for k, v in kpis.items() if k not in ("month", "currency")} == {
        "revenue_billed": 0, "revenue_billed_ht": 0, "revenue_collected": 0, "expenses": 0, "expenses_ht": 0,
        "margin": 0, "total_pending_all_time": 0, "overdue_amount": 0, "invoices_this_month": 0}
    flow = theirs.get(f"{BASE}/cash-flow?months=3").json()["data"]
    assert all(m["income"] == m["expenses"] == 0 for m in flow["monthly"]) and flow["summary"]["net"] == 0
    assert theirs.get(f"{BASE}/top-clients").json() == {"data": []}


def test_analytics_needs_the_analytics_read_scope(key_with) -> None:  # type: ignore[no-untyped-def]
    assert key_with("read", "orders").get(f"{BASE}/kpis").status_code == 403
    assert key_with("analytics").get(f"{BASE}/kpis").status_code == 200
    assert key_with("write", "customers").get(f"{BASE}/top-clients").status_code == 403

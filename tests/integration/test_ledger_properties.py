"""Ledger invariants under any sequence of business changes, on both backends: every entry balances, the trial
balance (read from the maintained buckets) balances and equals an independent recomputation from the entries, the
VAT summary equals the VAT accounts' movements, the FEC's totals equal the trial balance, the chain verifies, and
every listing's total (read from the line counts) equals the lines it holds.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chalicelib.api.local import LocalClient
from chalicelib.exports import fec
from chalicelib.ledger import queries
from chalicelib.ledger import repository as ledger_repo
from chalicelib.ledger.verify import verify_books
from chalicelib.store.deps import Deps
from tests.integration.billing_helpers import new_client
from tests.integration.conftest import make_tenant

RATES = ["20", "10", "5.5", "2.1", "0"]
amounts = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("5000"), places=2)
days = st.dates(min_value=dt.date(2026, 1, 1), max_value=dt.date(2026, 3, 14))
line = st.fixed_dictionaries({"quantity": st.integers(min_value=1, max_value=5), "unit_price": amounts,
                              "tax_rate": st.sampled_from(RATES), "discount": st.sampled_from(["0", "10"])})
operation = st.one_of(
    st.tuples(st.just("invoice"), st.lists(line, min_size=1, max_size=4), days, st.booleans()),
    st.tuples(st.just("pay"), st.integers(min_value=0, max_value=20), st.sampled_from(["full", "half"]), days),
    st.tuples(st.just("cancel"), st.integers(min_value=0, max_value=20)),
    st.tuples(st.just("credit"), st.integers(min_value=0, max_value=20)),
    st.tuples(st.just("expense"), amounts, st.sampled_from(RATES), days,
              st.sampled_from(["travel", "software", "rent", "other"])),
    st.tuples(st.just("edit_expense"), st.integers(min_value=0, max_value=20), amounts),
    st.tuples(st.just("delete_payment"), st.integers(min_value=0, max_value=20)),
)


def _pick(items: list[Any], index: int) -> Any:
    return items[index % len(items)] if items else None


def _apply(api: LocalClient, client: str, op: tuple[Any, ...], state: dict[str, list[Any]]) -> None:
    kind = op[0]
    if kind == "invoice":
        _, items, day, sent = op
        body = {"client_id": client, "date": day.isoformat(), "due_date": (day + dt.timedelta(days=30)).isoformat(),
                "status": "sent" if sent else "draft",
                "items": [{"description": "Prestation", **{k: str(v) for k, v in item.items()}} for item in items]}
        response = api.post("/api/v1/invoices", json=body)
        assert response.status_code == 201, response.text
        state["invoices"].append(response.json()["data"])
    elif kind == "pay" and (invoice := _pick(state["invoices"], op[1])):
        current = api.get(f"/api/v1/invoices/{invoice['id']}").json()["data"]
        due = Decimal(str(current["balance_due"]))
        amount = due if op[2] == "full" else (due / 2).quantize(Decimal("0.01"))
        if current["status"] not in {"cancelled", "paid"} and amount > 0:
            response = api.post("/api/v1/payments", json={"invoice_id": invoice["id"], "amount": str(amount),
                                                          "payment_date": max(op[3], dt.date.fromisoformat(
                                                              current["date"])).isoformat()})
            assert response.status_code == 201, response.text
            state["payments"].append(response.json()["data"])
    elif kind == "cancel" and (invoice := _pick(state["invoices"], op[1])):
        api.patch(f"/api/v1/invoices/{invoice['id']}", json={"status": "cancelled"})  # refused when paid: fine
    elif kind == "credit" and (invoice := _pick(state["invoices"], op[1])):
        api.post("/api/v1/credit-notes", json={"invoice_id": invoice["id"], "reason": "Geste commercial",
                                               "total_ht": "1.00", "tax_rate": invoice["vat_breakdown"][0]["rate"]
                                               if invoice.get("vat_breakdown") else 20})
    elif kind == "expense":
        _, amount, rate, day, category = op
        response = api.post("/api/v1/expenses", json={"expense_date": day.isoformat(), "amount_ht": str(amount),
                                                      "tax_rate": rate, "category": category})
        assert response.status_code == 201, response.text
        state["expenses"].append(response.json()["data"])
    elif kind == "edit_expense" and (spent := _pick(state["expenses"], op[1])):
        api.patch(f"/api/v1/expenses/{spent['id']}", json={"amount_ht": str(op[2])})
    elif kind == "delete_payment" and (paid := _pick(state["payments"], op[1])):
        api.delete(f"/api/v1/payments/{paid['id']}")
        state["payments"].remove(paid)


def _entries(deps: Deps, org_id: str) -> list[Any]:
    found = []
    for head in ledger_repo.heads(deps.store, org_id):
        found += list(ledger_repo.entries_of_year(deps.store, org_id, dt.date.fromisoformat(head["fiscal_year"])))
    return found


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=st.lists(operation, min_size=1, max_size=14))
def test_books_stay_balanced_consistent_and_verifiable(deps: Deps, ops: list[tuple[Any, ...]]) -> None:
    tenant = make_tenant(deps)
    api = tenant.client
    assert api.post("/api/v1/accounting/init", json={"country": "FR"}).status_code == 201
    client = new_client(api)
    state: dict[str, list[Any]] = {"invoices": [], "payments": [], "expenses": []}
    for op in ops:
        _apply(api, client, op, state)
    entries = _entries(deps, tenant.org_id)

    # every entry balances, with one side per line
    for entry in entries:
        assert entry.total_debit == entry.total_credit
        assert all((line.debit > 0) != (line.credit > 0) for line in entry.lines)

    # the trial balance from the buckets equals an independent sum over the entries, and balances
    cutoff = dt.date(2026, 12, 31)
    independent: dict[str, list[Decimal]] = defaultdict(lambda: [Decimal(0), Decimal(0)])
    for entry in entries:
        for line in entry.lines:
            independent[line.account][0] += line.debit
            independent[line.account][1] += line.credit
    trial = queries.trial_balance(deps, tenant.org_id, cutoff)
    assert trial.balanced and trial.total_debit == trial.total_credit
    assert {r.account_code: (r.total_debit, r.total_credit) for r in trial.accounts} == {
        code: (d, c) for code, (d, c) in independent.items() if d or c}

    # the VAT summary equals the movements of the VAT accounts
    summary = queries.tax_summary(deps, tenant.org_id, dt.date(2026, 1, 1), cutoff)
    balances = {r.account_code: r for r in trial.accounts}
    output = balances.get("44571")
    deductible = balances.get("44566")
    assert summary.output_vat == (output.total_credit - output.total_debit if output else 0)
    assert summary.tva_deductible == (deductible.total_debit - deductible.total_credit if deductible else 0)
    assert summary.tva_due - summary.vat_credit == summary.tva_collected - summary.tva_deductible

    # the FEC of the fiscal year carries exactly the trial balance's totals per account
    fec_totals: dict[str, list[Decimal]] = defaultdict(lambda: [Decimal(0), Decimal(0)])
    records = list(fec.fec_records(entries, {}, {}))[1:]
    for record in records:
        fields = record.split("|")
        fec_totals[fields[4]][0] += Decimal(fields[11].replace(",", "."))
        fec_totals[fields[4]][1] += Decimal(fields[12].replace(",", "."))
    assert {code: tuple(v) for code, v in fec_totals.items()} == {
        r.account_code: (r.total_debit, r.total_credit) for r in trial.accounts}

    assert verify_books(deps, tenant.org_id).valid

    # every listing's total (from the counts kept at posting) equals the lines an independent walk finds
    listed = [(line, entry) for entry in entries for line in entry.lines]
    some_account = listed[len(listed) // 2][0].account if listed else "411"
    for params, keep in _listings(some_account):
        expected = sum(1 for line, entry in listed if keep(line, entry))
        answer = api.get("/api/v1/accounting/entries", params={**params, "limit": 5})
        assert answer.status_code == 200, answer.text
        assert answer.json()["meta"]["total"] == expected, params


def _listings(account: str) -> list[tuple[dict[str, str], Any]]:
    """Listing parameters and which (line, entry) each should hold."""
    first, last = dt.date(2026, 2, 1), dt.date(2026, 2, 28)

    def within(entry: Any) -> bool:
        return first <= entry.entry_date <= last

    return [
        ({}, lambda line, entry: True),
        ({"journal": "VE"}, lambda line, entry: entry.journal == "VE"),
        ({"journal": "OD"}, lambda line, entry: entry.journal == "OD"),
        ({"account_code": account}, lambda line, entry: line.account == account),
        ({"start_date": first.isoformat(), "end_date": last.isoformat()}, lambda line, entry: within(entry)),
        ({"start_date": first.isoformat()}, lambda line, entry: entry.entry_date >= first),
        ({"end_date": last.isoformat(), "journal": "BQ"},
         lambda line, entry: entry.entry_date <= last and entry.journal == "BQ"),
        ({"account_code": account, "start_date": first.isoformat(), "end_date": last.isoformat()},
         lambda line, entry: line.account == account and within(entry)),
        ({"account_code": account, "journal": "VE"}, lambda line, entry: line.account == account
         and entry.journal == "VE"),
    ]

"""Listing totals come from counters kept in the writing transaction, never from the client, and stay exact where no
counter serves (books and payments recorded before the counters were kept); a period's export reads that period."""

from __future__ import annotations

import datetime as dt
from typing import Any

from chalicelib.api.local import LocalClient
from chalicelib.ledger import lines
from chalicelib.ledger import repository as ledger_repo
from chalicelib.store.deps import Deps
from chalicelib.store.pagination import all_items
from chalicelib.store.port import Delete
from tests.integration.billing_helpers import new_client, new_invoice, pay
from tests.integration.conftest import Tenant


def _books_with_invoices(api: LocalClient, days: list[str]) -> list[dict[str, Any]]:
    assert api.post("/api/v1/accounting/init", json={"country": "FR"}).status_code == 201
    client = new_client(api)
    return [new_invoice(api, client, date=day, due_date="2026-12-31") for day in days]


def _total(api: LocalClient, path: str, **params: Any) -> int:
    answer = api.get(path, params=params)
    assert answer.status_code == 200, answer.text
    return int(answer.json()["meta"]["total"])


def test_a_total_carried_in_a_cursor_is_recounted_not_trusted(tenant: Tenant) -> None:
    api = tenant.client
    _books_with_invoices(api, ["2026-01-10", "2026-02-10", "2026-03-10"])
    first = api.get("/api/v1/accounting/entries", params={"limit": 2}).json()["meta"]
    forged = f"999999~{first['next_cursor']}"
    answer = api.get("/api/v1/accounting/entries", params={"limit": 2, "cursor": forged})
    assert answer.status_code == 200, answer.text
    assert answer.json()["meta"]["total"] == first["total"] == 9  # 3 invoices of 3 lines


def test_books_opened_before_the_counts_were_kept_still_answer_exact_totals(deps: Deps, tenant: Tenant) -> None:
    api = tenant.client
    _books_with_invoices(api, ["2026-01-10", "2026-02-10"])
    deps.store.delete(lines.counts_pk(tenant.org_id), lines.COUNTED_SK)
    assert _total(api, "/api/v1/accounting/entries") == 6
    assert _total(api, "/api/v1/accounting/entries", journal="VE", start_date="2026-02-01") == 3


def test_filtered_payment_totals_follow_inserts_and_deletions(tenant: Tenant) -> None:
    api = tenant.client
    invoices = _books_with_invoices(api, ["2026-01-05", "2026-01-06", "2026-01-07"])
    other = new_invoice(api, new_client(api), date="2026-01-08", due_date="2026-12-31")
    paid = [pay(api, invoices[0]["id"], "100.00", payment_date="2026-01-20").json()["data"],
            pay(api, invoices[1]["id"], "100.00", payment_date="2026-02-20").json()["data"],
            pay(api, other["id"], "100.00", payment_date="2026-02-21").json()["data"]]
    client = invoices[0]["client_id"]
    assert _total(api, "/api/v1/payments", client_id=client) == 2
    assert _total(api, "/api/v1/payments", start_date="2026-02-01") == 2
    assert _total(api, "/api/v1/payments", client_id=client, start_date="2026-02-01", end_date="2026-02-28") == 1
    assert api.delete(f"/api/v1/payments/{paid[1]['id']}").status_code in (200, 204)
    assert _total(api, "/api/v1/payments", client_id=client) == 1
    assert _total(api, "/api/v1/payments", start_date="2026-02-01") == 1


def test_payments_recorded_before_the_period_counts_still_answer_exact_totals(deps: Deps, tenant: Tenant) -> None:
    api = tenant.client
    invoices = _books_with_invoices(api, ["2026-01-05", "2026-01-06"])
    pay(api, invoices[0]["id"], "10.00", payment_date="2026-01-20")
    pay(api, invoices[1]["id"], "10.00", payment_date="2026-02-20")
    counts = f"ORG#{tenant.org_id}#PAYMENTCOUNTS"
    for item in list(all_items(lambda cursor: deps.store.query(counts, limit=100, cursor=cursor))):
        deps.store.transact([Delete(item["pk"], item["sk"])])  # as if recorded by an earlier version
    assert _total(api, "/api/v1/payments", start_date="2026-02-01") == 1
    assert _total(api, "/api/v1/payments", client_id=invoices[0]["client_id"]) == 2


class _Spy:
    """The store, recording the partitions queried and the keys read by key (a test double of the port only)."""

    def __init__(self, inner: Any) -> None:
        self.inner, self.queried, self.keys = inner, [], []

    def query(self, pk: str, **kwargs: Any) -> Any:
        self.queried.append(pk)
        return self.inner.query(pk, **kwargs)

    def batch_get(self, keys: Any) -> Any:
        self.keys += list(keys)
        return self.inner.batch_get(keys)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


def test_the_entries_of_a_period_are_read_without_reading_the_rest_of_the_year(deps: Deps, tenant: Tenant) -> None:
    _books_with_invoices(tenant.client, ["2026-01-10", "2026-02-10", "2026-02-11", "2026-03-10"])
    spy = _Spy(deps.store)
    year = dt.date(2026, 1, 1)
    found = list(ledger_repo.entries_between(spy, tenant.org_id, year, dt.date(2026, 2, 1),  # type: ignore[arg-type]
                                             dt.date(2026, 2, 28)))
    assert [e.entry_date for e in found] == [dt.date(2026, 2, 10), dt.date(2026, 2, 11)]
    assert [e.number for e in found] == sorted(e.number for e in found)
    assert len(spy.keys) == 2
    assert not any("#LEDGER#" in pk for pk in spy.queried)

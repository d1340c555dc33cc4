"""Regressions from the billing review: currencies never mixed, minor units respected, drafts never paid by
rounding, receipt numbers without gaps, atomic PATCH, robust overdue job, hostile inputs refused with 4xx."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from chalicelib.api.local import LocalClient
from chalicelib.core.errors import ValidationFailed
from chalicelib.store.deps import Deps
from chalicelib.webhooks.outbox import events_of
from tests.integration.billing_helpers import new_client, new_invoice, pay
from tests.integration.conftest import Tenant


def test_one_payment_never_mixes_currencies(api: LocalClient) -> None:
    client_id = new_client(api)
    eur = new_invoice(api, client_id, total_ht="100", total_ttc="120")
    usd = new_invoice(api, client_id, currency="USD", total_ht="1000", total_ttc="1200")
    response = api.post("/api/v1/payments", json={"allocations": [{"invoice_id": eur["id"], "amount": "120"},
                                                                   {"invoice_id": usd["id"], "amount": "1200"}]})
    assert response.status_code == 422 and response.json()["error"] == "mixed_currencies"


def test_receivables_count_only_the_organizations_currency(api: LocalClient) -> None:
    client_id = new_client(api)
    new_invoice(api, client_id, total_ht="100", total_ttc="120")
    new_invoice(api, client_id, currency="USD", total_ht="1000", total_ttc="1200")
    summary = api.get("/api/v1/payments/receivables").json()["data"]
    assert (summary["total_receivable"], summary["currency"]) == (120, "EUR")
    assert api.get("/api/v1/payments/unpaid").json()["summary"]["total_unpaid"] == 120
    assert api.get(f"/api/v1/clients/{client_id}/balance").json()["data"]["total_invoiced"] == 120


def test_amounts_finer_than_the_currency_are_refused(api: LocalClient) -> None:
    client_id = new_client(api, preferred_currency="XOF")
    refused = api.post("/api/v1/invoices", json={"client_id": client_id, "total_ht": "100.50", "tax_rate": 0,
                                                 "total_ttc": "100.50"})
    assert refused.status_code == 422 and "total_ht" in refused.json()["details"]
    invoice = new_invoice(api, client_id, total_ht="1000", tax_rate=0, total_ttc="1000")
    assert pay(api, invoice["id"], "100.5").status_code == 422
    assert pay(api, invoice["id"], "0.4").status_code == 422
    assert pay(api, invoice["id"], "100").json()["data"]["amount"] == 100


def test_a_draft_with_a_zero_or_negative_total_is_not_paid(api: LocalClient) -> None:
    zero = new_invoice(api, status="draft", total_ht="0", total_ttc="0")
    assert (zero["status"], zero["payment_status"]) == ("draft", "unpaid")
    negative = api.post("/api/v1/invoices", json={"client_id": new_client(api), "items": [
        {"description": "Remise", "quantity": 1, "unit_price": "-10"}]})
    assert negative.status_code == 422 and "total_ttc" in negative.json()["details"]


def test_receipt_numbers_have_no_gaps_when_a_payment_is_refused(api: LocalClient) -> None:
    invoice = new_invoice(api)
    first = pay(api, invoice["id"], "1200").json()["receipt_number"]
    assert pay(api, invoice["id"], "1").status_code == 422
    other = new_invoice(api)
    second = pay(api, other["id"], "10").json()["receipt_number"]
    assert (first, second) == ("REC-2026-000001", "REC-2026-000002")


def test_an_overpayment_on_a_paid_invoice_does_not_repeat_invoice_paid(api: LocalClient, deps: Deps,
                                                                       tenant: Tenant) -> None:
    invoice = new_invoice(api)
    pay(api, invoice["id"], "1200")
    assert pay(api, invoice["id"], "30", overpayment=True).status_code == 201
    types = [e.type for e in events_of(deps.store, tenant.org_id, "invoice", invoice["id"])]
    assert types.count("invoice.paid") == 1


def test_a_refused_status_change_changes_nothing_else(api: LocalClient) -> None:
    invoice = new_invoice(api)
    pay(api, invoice["id"], "1200")
    response = api.patch(f"/api/v1/invoices/{invoice['id']}", json={"notes": "CHANGED", "status": "sent"})
    assert response.status_code == 409
    assert api.get(f"/api/v1/invoices/{invoice['id']}").json()["data"]["notes"] is None


def test_a_cancelled_invoice_owes_nothing_even_after_an_edit(api: LocalClient) -> None:
    invoice = new_invoice(api)
    api.patch(f"/api/v1/invoices/{invoice['id']}", json={"status": "cancelled"})
    edited = api.patch(f"/api/v1/invoices/{invoice['id']}", json={"due_date": "2026-05-01"}).json()["data"]
    assert edited["balance_due"] == 0


def test_one_payment_issues_at_most_one_draft(api: LocalClient) -> None:
    client_id = new_client(api)
    a, b = new_invoice(api, client_id, status="draft"), new_invoice(api, client_id, status="draft")
    response = api.post("/api/v1/payments", json={"allocations": [{"invoice_id": a["id"], "amount": "1"},
                                                                   {"invoice_id": b["id"], "amount": "1"}]})
    assert response.status_code == 422 and response.json()["error"] == "several_drafts"


def test_renumbering_a_draft_by_case_only_is_accepted(api: LocalClient) -> None:
    draft = new_invoice(api, status="draft", invoice_number="abc-1")
    response = api.patch(f"/api/v1/invoices/{draft['id']}", json={"invoice_number": "ABC-1"})
    assert response.status_code == 200 and response.json()["data"]["invoice_number"] == "ABC-1"


HUGE_LINE = {"description": "x", "quantity": "99999999999", "unit_price": "9999999999999"}


@pytest.mark.parametrize("body", [{"date": "9999-12-31"}, {"due_date": "0001-01-01"},
                                  {"items": [HUGE_LINE] * 3, "total_ht": None, "total_ttc": None}])
def test_absurd_dates_and_totals_are_422(api: LocalClient, body: dict) -> None:  # type: ignore[type-arg]
    payload = {"client_id": new_client(api), "total_ht": "10", "total_ttc": "12", **body}
    response = api.post("/api/v1/invoices", json={k: v for k, v in payload.items() if v is not None})
    assert response.status_code == 422, response.text


@pytest.mark.parametrize("path", ["/api/v1/invoices", "/api/v1/payments", "/api/v1/quotes", "/api/v1/credit-notes",
                                  "/api/v1/expenses"])
def test_a_reversed_date_range_is_422_naming_end_date(api: LocalClient, path: str) -> None:
    response = api.get(f"{path}?start_date=2026-03-10&end_date=2026-03-01")
    assert response.status_code == 422 and "end_date" in response.json()["details"], response.text


def test_the_overdue_job_skips_an_invoice_paid_meanwhile(api: LocalClient, deps: Deps, tenant: Tenant) -> None:
    from chalicelib.billing.invoices.changes import mark_overdue

    late = new_invoice(api, date="2026-01-01", due_date="2026-02-01")
    other = new_invoice(api, date="2026-01-02", due_date="2026-02-01")
    pay(api, late["id"], "1200")
    assert mark_overdue(deps, tenant.org_id) == 1
    assert api.get(f"/api/v1/invoices/{other['id']}").json()["data"]["status"] == "overdue"


def test_a_quote_whose_draft_invoice_was_deleted_converts_again(api: LocalClient) -> None:
    client_id = new_client(api)
    quote = api.post("/api/v1/quotes", json={"client_id": client_id, "total_ht": "100", "total_ttc": "120"}).json()
    quote_id = quote["data"]["id"]
    api.patch(f"/api/v1/quotes/{quote_id}", json={"status": "sent"})
    first = api.post(f"/api/v1/quotes/{quote_id}/convert", json={}).json()["data"]
    assert api.post(f"/api/v1/quotes/{quote_id}/convert", json={}).status_code == 409
    api.delete(f"/api/v1/invoices/{first['id']}")
    again = api.post(f"/api/v1/quotes/{quote_id}/convert", json={})
    assert again.status_code == 201 and again.json()["data"]["id"] != first["id"]


class _ClientVanishes:
    """The real store, except that the client is deleted just before the next transaction: the interleaving of a
    concurrent client deletion, made deterministic."""

    def __init__(self, deps: Deps, org_id: str, client_id: str) -> None:
        self._deps, self._store, self._org_id, self._client_id = deps, deps.store, org_id, client_id

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)

    def transact(self, operations: Any) -> None:
        from chalicelib.billing.clients.service import delete_client

        if self._client_id:
            client_id, self._client_id = self._client_id, ""
            delete_client(self._deps, self._org_id, client_id)
        self._store.transact(operations)


@pytest.mark.parametrize("kind", ["invoice", "expense"])
def test_a_document_for_a_client_deleted_meanwhile_is_refused(deps: Deps, tenant: Tenant, kind: str) -> None:
    from chalicelib.billing.expenses.models import ExpenseCreate
    from chalicelib.billing.expenses.service import create_expense
    from chalicelib.billing.invoices.models import InvoiceCreate
    from chalicelib.billing.invoices.service import create_invoice

    client_id = new_client(tenant.client)
    racing = dataclasses.replace(deps, store=_ClientVanishes(deps, tenant.org_id, client_id))
    with pytest.raises(ValidationFailed) as refused:
        if kind == "invoice":
            create_invoice(racing, tenant.org_id, InvoiceCreate(client_id=client_id, total_ht=10, total_ttc=12))
        else:
            create_expense(racing, tenant.org_id, ExpenseCreate.model_validate(
                {"client_id": client_id, "expense_date": "2026-03-01", "amount": "12"}))
    assert "client_id" in refused.value.details
    path = "/api/v1/invoices" if kind == "invoice" else "/api/v1/expenses"
    assert tenant.client.get(path).json()["meta"]["total"] == 0

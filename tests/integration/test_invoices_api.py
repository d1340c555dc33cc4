"""``/api/v1/invoices`` end to end on both storage backends: the seed's examples, totals, numbering,
transitions, frozen amounts, filters and the client guard."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest

from chalicelib.api.local import LocalClient
from chalicelib.core.money import D
from chalicelib.store.deps import Deps
from chalicelib.webhooks.outbox import events_of
from tests.integration.billing_helpers import new_client, new_invoice, pay
from tests.integration.conftest import Tenant


def test_seed_curl_example_creates_the_invoice_as_stated(api: LocalClient) -> None:
    client_id = new_client(api)
    body = {"invoice_number": "INV-2026-100", "client_id": client_id, "date": "2026-02-09", "due_date": "2026-03-09",
            "total_ht": 1000.00, "tax_rate": 20, "total_ttc": 1200.00, "status": "draft"}
    response = api.post("/api/v1/invoices", json=body)
    assert response.status_code == 201
    data = response.json()["data"]
    assert (data["invoice_number"], data["status"], data["payment_status"]) == ("INV-2026-100", "draft", "unpaid")
    assert (data["total_ht"], data["total_vat"], data["total_ttc"], data["balance_due"]) == (1000, 200, 1200, 1200)
    assert '"total_ttc":1200.00' in response.text  # money is an exact JSON number


def test_zapier_flow_invoice_date_then_card_payment_marks_it_paid(api: LocalClient) -> None:
    client_id = new_client(api, email="shop@example.com")
    invoice = api.post("/api/v1/invoices", json={
        "invoice_number": "SHOP-1001", "client_id": client_id, "invoice_date": "2026-03-02",
        "due_date": "2026-04-01", "total_ht": 49.9, "tax_rate": 20, "total_ttc": 59.88,
        "status": "sent"}).json()["data"]
    assert invoice["date"] == "2026-03-02" and invoice["status"] == "sent"
    paid = api.post("/api/v1/payments", json={"invoice_id": invoice["id"], "amount": 59.88, "payment_method": "card",
                                              "payment_date": "2026-03-03"})
    assert paid.status_code == 201
    assert paid.json()["invoice_payment_status"] == "paid"
    assert paid.json()["receipt_number"].startswith("REC-2026-")
    assert api.get(f"/api/v1/invoices/{invoice['id']}").json()["data"]["status"] == "paid"


def test_lines_are_totalled_per_vat_rate(api: LocalClient) -> None:
    invoice = new_invoice(api, total_ht=None, total_ttc=None, tax_rate=None, items=[
        {"description": "Conseil", "quantity": 3, "unit_price": "450.00"},
        {"description": "Ouvrage", "quantity": "2", "unit_price": "14.99", "tax_rate": "5.5", "discount": 10}])
    assert [line["line_total"] for line in invoice["items"]] == [1350, Decimal("26.98")]
    assert invoice["vat_breakdown"] == [{"rate": D("5.5"), "base": D("26.98"), "vat": D("1.48")},
                                        {"rate": 20, "base": 1350, "vat": 270}]
    assert (invoice["total_ht"], invoice["total_vat"], invoice["total_ttc"]) == (D("1376.98"), D("271.48"),
                                                                                 D("1648.46"))
    assert invoice["tax_rate"] is None


@pytest.mark.parametrize(("fields", "named"), [
    ({"total_ttc": "1300.00"}, "total_ttc"),
    ({"total_vat": "150"}, "total_vat"),
    ({"due_date": "2026-02-01"}, "due_date"),
    ({"total_ht": None, "total_ttc": None}, "total_ht"),
    ({"status": "paid"}, "status"),
    ({"client_id": "00000000-0000-4000-8000-000000000000"}, "client_id"),
    ({"items": [{"description": "x", "quantity": 0, "unit_price": 1}]}, "items.0.quantity"),
    ({"invoice_number": "bad number!"}, "invoice_number"),
])
def test_invalid_invoice_is_422_naming_the_field(api: LocalClient, fields: dict, named: str) -> None:  # type: ignore[type-arg]
    body = {"client_id": new_client(api), "date": "2026-03-01", "total_ht": "1000.00", "tax_rate": 20,
            "total_ttc": "1200.00", **fields}
    response = api.post("/api/v1/invoices", json={k: v for k, v in body.items() if v is not None})
    assert response.status_code == 422, response.text
    details = response.json()["details"]
    assert named in details or any(named in key for key in details), details


def test_client_of_another_organization_is_refused(api: LocalClient, other_tenant: Tenant) -> None:
    theirs = new_client(other_tenant.client)
    response = api.post("/api/v1/invoices", json={"client_id": theirs, "total_ht": 10, "total_ttc": 12})
    assert response.status_code == 422 and "client_id" in response.json()["details"]


def test_issued_invoices_get_gapless_yearly_numbers(api: LocalClient) -> None:
    client_id = new_client(api)
    numbers = [new_invoice(api, client_id)["invoice_number"] for _ in range(3)]
    draft = new_invoice(api, client_id, status="draft")
    assert draft["invoice_number"] is None
    assert numbers == ["INV-2026-0001", "INV-2026-0002", "INV-2026-0003"]
    sent = api.patch(f"/api/v1/invoices/{draft['id']}", json={"status": "sent"}).json()["data"]
    assert sent["invoice_number"] == "INV-2026-0004" and sent["sent_at"]
    other_year = new_invoice(api, client_id, date="2025-12-30", due_date="2026-01-30")
    assert other_year["invoice_number"] == "INV-2025-0001"


def test_concurrent_issuing_never_duplicates_or_skips_a_number(api: LocalClient) -> None:
    client_id = new_client(api)
    numbers: list[str] = []

    def issue() -> None:
        for _ in range(3):
            numbers.append(new_invoice(api, client_id)["invoice_number"])

    threads = [threading.Thread(target=issue) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(numbers) == [f"INV-2026-{n:04d}" for n in range(1, 13)]


def test_a_number_is_unique_in_the_organization(api: LocalClient, other_tenant: Tenant) -> None:
    new_invoice(api, invoice_number="F-42")
    response = api.post("/api/v1/invoices", json={"client_id": new_client(api), "invoice_number": "f-42",
                                                  "total_ht": 1, "total_ttc": "1.20"})
    assert response.status_code == 409 and response.json()["error"] == "invoice_number_exists"
    assert new_invoice(other_tenant.client, invoice_number="F-42")["invoice_number"] == "F-42"


def test_issued_amounts_are_frozen_but_notes_may_change(api: LocalClient) -> None:
    invoice = new_invoice(api)
    frozen = api.patch(f"/api/v1/invoices/{invoice['id']}", json={"total_ht": 10, "total_ttc": 12})
    assert frozen.status_code == 409 and frozen.json()["error"] == "invoice_locked"
    assert api.put(f"/api/v1/invoices/{invoice['id']}", json={"client_id": invoice["client_id"], "total_ht": 1,
                                                              "total_ttc": "1.2"}).status_code == 409
    noted = api.patch(f"/api/v1/invoices/{invoice['id']}", json={"notes": "Relance envoyée", "due_date": "2026-04-15"})
    assert noted.status_code == 200
    assert (noted.json()["data"]["notes"], noted.json()["data"]["due_date"]) == ("Relance envoyée", "2026-04-15")
    assert noted.json()["data"]["total_ttc"] == 1200


def test_drafts_are_edited_freely_and_totals_recomputed(api: LocalClient) -> None:
    draft = new_invoice(api, status="draft")
    edited = api.patch(f"/api/v1/invoices/{draft['id']}", json={"total_ht": "500", "total_ttc": "600"}).json()["data"]
    assert (edited["total_ht"], edited["total_vat"], edited["balance_due"]) == (500, 100, 600)
    rate = api.patch(f"/api/v1/invoices/{draft['id']}", json={"tax_rate": "5.5", "total_ttc": None}).json()
    assert rate["data"]["total_ttc"] == Decimal("527.50")


@pytest.mark.parametrize(("start", "target", "code"), [
    ("draft", "paid", 200), ("draft", "overdue", 409), ("sent", "draft", 409), ("cancelled", "sent", 409),
])
def test_status_transitions_are_explicit(api: LocalClient, start: str, target: str, code: int) -> None:
    invoice = new_invoice(api, status="sent" if start != "draft" else "draft")
    if start == "cancelled":
        api.patch(f"/api/v1/invoices/{invoice['id']}", json={"status": "cancelled"})
    response = api.patch(f"/api/v1/invoices/{invoice['id']}", json={"status": target})
    assert response.status_code == code, response.text
    if code == 409:
        assert response.json()["error"] == "invalid_status_transition"


def test_marking_paid_records_a_payment_of_the_balance(api: LocalClient) -> None:
    invoice = new_invoice(api)
    pay(api, invoice["id"], "200.00")
    paid = api.patch(f"/api/v1/invoices/{invoice['id']}", json={"status": "paid"}).json()["data"]
    assert (paid["status"], paid["payment_status"]) == ("paid", "paid")
    assert (paid["balance_due"], paid["amount_paid"]) == (0, 1200)
    payments = api.get(f"/api/v1/payments?invoice_id={invoice['id']}").json()
    assert sorted(p["amount"] for p in payments["data"]) == [200, 1000]


def test_cancelling_an_invoice_with_payments_is_refused(api: LocalClient) -> None:
    invoice = new_invoice(api)
    pay(api, invoice["id"], "10")
    response = api.patch(f"/api/v1/invoices/{invoice['id']}", json={"status": "cancelled"})
    assert response.status_code == 409 and response.json()["error"] == "invoice_has_payments"


def test_only_drafts_can_be_deleted(api: LocalClient) -> None:
    issued, draft = new_invoice(api), new_invoice(api, status="draft")
    assert api.delete(f"/api/v1/invoices/{issued['id']}").json()["error"] == "invoice_not_draft"
    assert api.delete(f"/api/v1/invoices/{draft['id']}").json() == {"success": True}
    assert api.get(f"/api/v1/invoices/{draft['id']}").status_code == 404


def test_a_client_with_invoices_cannot_be_deleted(api: LocalClient) -> None:
    draft = new_invoice(api, status="draft")
    response = api.delete(f"/api/v1/clients/{draft['client_id']}")
    assert response.status_code == 409 and response.json()["error"] == "client_has_documents"
    api.delete(f"/api/v1/invoices/{draft['id']}")
    assert api.delete(f"/api/v1/clients/{draft['client_id']}").status_code == 200


def test_get_returns_lines_payments_and_client(api: LocalClient) -> None:
    invoice = new_invoice(api)
    pay(api, invoice["id"], "300.00", reference="VIR-1")
    detail = api.get(f"/api/v1/invoices/{invoice['id']}").json()["data"]
    assert detail["client"]["id"] == invoice["client_id"]
    assert [(p["amount"], p["reference"]) for p in detail["payments"]] == [(300, "VIR-1")]
    assert detail["payment_status"] == "partial" and detail["balance_due"] == 900


def test_list_filters(api: LocalClient) -> None:
    alpha, beta = new_client(api, company_name="Alpha SARL"), new_client(api, company_name="Bêta SA")
    a1 = new_invoice(api, alpha, date="2026-01-10", due_date="2026-02-10", notes="maintenance serveur")
    a2 = new_invoice(api, alpha, status="draft", date="2026-02-10", due_date="2026-03-10")
    b1 = new_invoice(api, beta, date="2026-03-10", due_date="2026-04-10")
    pay(api, b1["id"], "1200.00")

    def ids(query: str) -> list[str]:
        body = api.get(f"/api/v1/invoices?{query}").json()
        assert body["meta"]["total"] == len(body["data"])
        return [i["id"] for i in body["data"]]

    assert ids("") == [b1["id"], a2["id"], a1["id"]]
    assert ids("status=draft") == [a2["id"]]
    assert ids("payment_status=paid") == [b1["id"]]
    assert ids(f"client_id={alpha}") == [a2["id"], a1["id"]]
    assert ids("start_date=2026-02-10&end_date=2026-03-10") == [b1["id"], a2["id"]]
    assert ids("search=MAINTENANCE") == [a1["id"]]
    assert ids("search=beta") == [b1["id"]]
    assert api.get("/api/v1/invoices?status=unknown").status_code == 422


def test_pagination_with_page_and_cursor(api: LocalClient) -> None:
    client_id = new_client(api)
    created = {new_invoice(api, client_id, date=f"2026-01-{day:02d}", due_date="2026-03-31")["id"]
               for day in range(1, 8)}
    first = api.get("/api/v1/invoices?limit=3").json()
    assert first["meta"]["total"] == 7 and len(first["data"]) == 3
    seen, cursor = [i["id"] for i in first["data"]], first["meta"]["next_cursor"]
    while cursor:
        page = api.get(f"/api/v1/invoices?limit=3&cursor={cursor}").json()
        seen += [i["id"] for i in page["data"]]
        cursor = page["meta"]["next_cursor"]
    assert set(seen) == created and len(seen) == 7
    third = api.get("/api/v1/invoices?limit=3&page=3").json()["data"]
    assert [i["id"] for i in third] == seen[6:]


def test_events_follow_the_invoice(api: LocalClient, deps: Deps, tenant: Tenant) -> None:
    invoice = new_invoice(api, status="draft")
    api.patch(f"/api/v1/invoices/{invoice['id']}", json={"status": "sent"})
    pay(api, invoice["id"], "1200.00")
    types = [e.type for e in events_of(deps.store, tenant.org_id, "invoice", invoice["id"])]
    assert types == ["invoice.created", "invoice.sent", "invoice.paid"]


def test_a_stated_number_in_the_automatic_format_is_skipped_by_the_sequence(api: LocalClient) -> None:
    client_id = new_client(api)
    new_invoice(api, client_id, invoice_number="INV-2026-0001")
    assert new_invoice(api, client_id)["invoice_number"] == "INV-2026-0002"
    new_invoice(api, client_id, invoice_number="INV-2026-0003", status="draft")
    assert new_invoice(api, client_id)["invoice_number"] == "INV-2026-0004"

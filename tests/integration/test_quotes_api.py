"""``/api/v1/quotes`` end to end on both storage backends: totals, numbering, transitions, frozen fields, the
client guard, filters, and the conversion into an invoice."""

from __future__ import annotations

import threading
from decimal import Decimal
from typing import Any

import pytest

from chalicelib.api.local import LocalClient
from chalicelib.core.money import D
from chalicelib.store.deps import Deps
from chalicelib.webhooks.outbox import events_of
from tests.integration.billing_helpers import new_client
from tests.integration.conftest import Tenant

MIXED_LINES = [{"description": "Conseil", "quantity": 3, "unit_price": "450.00"},
               {"description": "Ouvrage", "quantity": "2", "unit_price": "14.99", "tax_rate": "5.5", "discount": 10}]


def new_quote(api: LocalClient, client_id: str | None = None, **fields: Any) -> dict[str, Any]:
    body = {"client_id": client_id or new_client(api), "date": "2026-03-01", "total_ht": "1000.00", "tax_rate": 20,
            "total_ttc": "1200.00", **fields}
    response = api.post("/api/v1/quotes", json={k: v for k, v in body.items() if v is not None})
    assert response.status_code == 201, response.text
    return response.json()["data"]  # type: ignore[no-any-return]


def _convert(api: LocalClient, quote_id: str, **body: Any) -> Any:
    return api.post(f"/api/v1/quotes/{quote_id}/convert", json=body)


def _status(api: LocalClient, quote_id: str, status: str) -> Any:
    return api.patch(f"/api/v1/quotes/{quote_id}", json={"status": status})


def test_a_quote_is_created_as_stated_numbered_and_valid_thirty_days(api: LocalClient) -> None:
    client_id = new_client(api, preferred_currency="CHF")
    response = api.post("/api/v1/quotes", json={"client_id": client_id, "quote_date": "2026-03-02",
                                                "total_ht": 1000.00, "tax_rate": 20, "total_ttc": 1200.00,
                                                "notes": "Offre printemps", "reference": "PO-7"})
    assert response.status_code == 201, response.text
    quote = response.json()["data"]
    assert (quote["quote_number"], quote["status"], quote["currency"]) == ("QUO-2026-0001", "draft", "CHF")
    assert (quote["date"], quote["quote_date"], quote["valid_until"]) == ("2026-03-02", "2026-03-02", "2026-04-01")
    assert (quote["total_ht"], quote["total_vat"], quote["total_ttc"]) == (1000, 200, 1200)
    assert quote["invoice_id"] is None and quote["sent_at"] is None
    assert api.get(f"/api/v1/quotes/{quote['id']}").json()["data"] == quote


def test_quote_lines_are_totalled_like_invoice_lines(api: LocalClient) -> None:
    quote = new_quote(api, total_ht=None, total_ttc=None, tax_rate=None, items=MIXED_LINES)
    invoice = api.post("/api/v1/invoices", json={"client_id": quote["client_id"], "items": MIXED_LINES}).json()
    assert [line["line_total"] for line in quote["items"]] == [1350, Decimal("26.98")]
    for name in ("total_ht", "total_vat", "total_ttc", "vat_breakdown", "tax_rate"):
        assert quote[name] == invoice["data"][name], name
    assert quote["total_ttc"] == D("1648.46")


@pytest.mark.parametrize(("fields", "named"), [
    ({"valid_until": "2026-02-28"}, "valid_until"),
    ({"total_ttc": "1300.00"}, "total_ttc"),
    ({"total_ht": None, "total_ttc": None}, "total_ht"),
    ({"status": "accepted"}, "status"),
    ({"client_id": "00000000-0000-4000-8000-000000000000"}, "client_id"),
    ({"quote_number": "bad number!"}, "quote_number"),
    ({"items": [{"description": "x", "quantity": 0, "unit_price": 1}]}, "items.0.quantity"),
])
def test_invalid_quote_is_422_naming_the_field(api: LocalClient, fields: dict, named: str) -> None:  # type: ignore[type-arg]
    body = {"client_id": new_client(api), "date": "2026-03-01", "total_ht": "1000.00", "tax_rate": 20,
            "total_ttc": "1200.00", **fields}
    response = api.post("/api/v1/quotes", json={k: v for k, v in body.items() if v is not None})
    assert response.status_code == 422, response.text
    details = response.json()["details"]
    assert any(named in key for key in details), details


def test_a_client_of_another_organization_is_refused(api: LocalClient, other_tenant: Tenant) -> None:
    response = api.post("/api/v1/quotes", json={"client_id": new_client(other_tenant.client), "total_ht": 10,
                                                "total_ttc": 12})
    assert response.status_code == 422 and "client_id" in response.json()["details"]


def test_quotes_are_numbered_per_year_at_creation(api: LocalClient, other_tenant: Tenant) -> None:
    client_id = new_client(api)
    numbers = [new_quote(api, client_id, status=status)["quote_number"] for status in ("draft", "sent", "draft")]
    assert numbers == ["QUO-2026-0001", "QUO-2026-0002", "QUO-2026-0003"]
    assert new_quote(api, client_id, date="2025-12-30")["quote_number"] == "QUO-2025-0001"
    assert new_quote(other_tenant.client)["quote_number"] == "QUO-2026-0001"


def test_a_stated_number_is_unique_per_organization_and_skipped_by_the_sequence(api: LocalClient,
                                                                                 other_tenant: Tenant) -> None:
    assert new_quote(api, quote_number="QUO-2026-0001")["quote_number"] == "QUO-2026-0001"
    taken = api.post("/api/v1/quotes", json={"client_id": new_client(api), "quote_number": "quo-2026-0001",
                                             "total_ht": 1, "total_ttc": "1.20"})
    assert taken.status_code == 409 and taken.json()["error"] == "quote_number_exists"
    assert new_quote(api)["quote_number"] == "QUO-2026-0002"
    assert new_quote(other_tenant.client, quote_number="QUO-2026-0001")["quote_number"] == "QUO-2026-0001"


def test_concurrent_creations_never_share_a_number(api: LocalClient) -> None:
    client_id = new_client(api)
    numbers: list[str] = []

    def create() -> None:
        for _ in range(3):
            numbers.append(new_quote(api, client_id)["quote_number"])

    threads = [threading.Thread(target=create) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(numbers) == [f"QUO-2026-{n:04d}" for n in range(1, 10)]


@pytest.mark.parametrize(("path", "target", "code"), [
    ((), "sent", 200), ((), "accepted", 409), ((), "expired", 409),
    (("sent",), "accepted", 200), (("sent",), "rejected", 200), (("sent",), "expired", 200),
    (("sent",), "draft", 409), (("sent", "accepted"), "rejected", 409), (("sent", "rejected"), "sent", 409),
    (("sent", "expired"), "accepted", 409),
])
def test_status_transitions_are_explicit(api: LocalClient, path: tuple[str, ...], target: str, code: int) -> None:
    quote = new_quote(api)
    for step in path:
        assert _status(api, quote["id"], step).status_code == 200
    response = _status(api, quote["id"], target)
    assert response.status_code == code, response.text
    if code == 409:
        assert response.json()["error"] == "invalid_status_transition"
    else:
        data = response.json()["data"]
        stamp = {"sent": "sent_at", "accepted": "accepted_at", "rejected": "rejected_at", "expired": "expired_at"}
        assert data["status"] == target and data[stamp[target]] == "2026-03-15T09:30:00.000Z"


def test_draft_amounts_are_edited_and_recomputed(api: LocalClient) -> None:
    quote = new_quote(api)
    edited = api.patch(f"/api/v1/quotes/{quote['id']}", json={"total_ht": "500", "total_ttc": "600"})
    assert (edited.json()["data"]["total_ht"], edited.json()["data"]["total_vat"]) == (500, 100)
    rate = api.patch(f"/api/v1/quotes/{quote['id']}", json={"tax_rate": "5.5", "total_ttc": None}).json()["data"]
    assert rate["total_ttc"] == Decimal("527.50") and rate["quote_number"] == quote["quote_number"]
    replaced = api.put(f"/api/v1/quotes/{quote['id']}", json={"client_id": quote["client_id"], "items": MIXED_LINES})
    assert replaced.status_code == 200 and replaced.json()["data"]["total_ttc"] == D("1648.46")
    assert replaced.json()["data"]["date"] == quote["date"]


def test_a_sent_quote_keeps_its_amounts_but_notes_and_validity_may_change(api: LocalClient) -> None:
    quote = new_quote(api, status="sent")
    frozen = api.patch(f"/api/v1/quotes/{quote['id']}", json={"total_ht": 10, "total_ttc": 12})
    assert frozen.status_code == 409 and frozen.json()["error"] == "quote_locked"
    assert "total_ht" in frozen.json()["details"]
    assert api.put(f"/api/v1/quotes/{quote['id']}", json={"client_id": quote["client_id"], "total_ht": 1,
                                                          "total_ttc": "1.2"}).status_code == 409
    noted = api.patch(f"/api/v1/quotes/{quote['id']}", json={"notes": "Relance", "valid_until": "2026-05-01"})
    assert noted.status_code == 200
    assert (noted.json()["data"]["notes"], noted.json()["data"]["valid_until"]) == ("Relance", "2026-05-01")
    assert noted.json()["data"]["total_ttc"] == 1200


def test_a_final_quote_cannot_change_at_all(api: LocalClient) -> None:
    quote = new_quote(api, status="sent")
    _status(api, quote["id"], "rejected")
    response = api.patch(f"/api/v1/quotes/{quote['id']}", json={"notes": "trop tard"})
    assert response.status_code == 409 and response.json()["error"] == "quote_locked"


def test_validity_may_not_end_before_the_quote_date(api: LocalClient) -> None:
    quote = new_quote(api)
    response = api.patch(f"/api/v1/quotes/{quote['id']}", json={"valid_until": "2026-02-01"})
    assert response.status_code == 422 and "valid_until" in response.json()["details"]
    cleared = api.patch(f"/api/v1/quotes/{quote['id']}", json={"client_id": None})
    assert cleared.status_code == 422 and "client_id" in cleared.json()["details"]


def test_only_drafts_are_deleted_and_their_number_is_released(api: LocalClient) -> None:
    sent, draft = new_quote(api, status="sent"), new_quote(api, quote_number="OFFRE-1")
    refused = api.delete(f"/api/v1/quotes/{sent['id']}")
    assert refused.status_code == 409 and refused.json()["error"] == "quote_not_draft"
    assert api.delete(f"/api/v1/quotes/{draft['id']}").json() == {"success": True}
    assert api.get(f"/api/v1/quotes/{draft['id']}").status_code == 404
    assert new_quote(api, quote_number="OFFRE-1")["quote_number"] == "OFFRE-1"


def test_a_client_with_quotes_cannot_be_deleted(api: LocalClient) -> None:
    quote = new_quote(api)
    response = api.delete(f"/api/v1/clients/{quote['client_id']}")
    assert response.status_code == 409 and response.json()["error"] == "client_has_documents"
    api.delete(f"/api/v1/quotes/{quote['id']}")
    assert api.delete(f"/api/v1/clients/{quote['client_id']}").status_code == 200


def test_moving_a_draft_to_another_client_moves_the_guard(api: LocalClient) -> None:
    quote, other = new_quote(api), new_client(api, company_name="Nouveau Client SA")
    moved = api.patch(f"/api/v1/quotes/{quote['id']}", json={"client_id": other}).json()["data"]
    assert (moved["client_id"], moved["client_name"]) == (other, "Nouveau Client SA")
    assert api.delete(f"/api/v1/clients/{quote['client_id']}").status_code == 200
    assert api.delete(f"/api/v1/clients/{other}").status_code == 409


def test_list_filters_and_search(api: LocalClient) -> None:
    alpha, beta = new_client(api, company_name="Alpha SARL"), new_client(api, company_name="Bêta SA")
    a1 = new_quote(api, alpha, date="2026-01-10", notes="maintenance serveur")
    a2 = new_quote(api, alpha, date="2026-02-10", status="sent")
    b1 = new_quote(api, beta, date="2026-03-10")

    def ids(query: str) -> list[str]:
        body = api.get(f"/api/v1/quotes?{query}").json()
        assert body["meta"]["total"] == len(body["data"])
        return [q["id"] for q in body["data"]]

    assert ids("") == [b1["id"], a2["id"], a1["id"]]
    assert ids("status=sent") == [a2["id"]]
    assert ids(f"client_id={alpha}") == [a2["id"], a1["id"]]
    assert ids("start_date=2026-02-10&end_date=2026-03-10") == [b1["id"], a2["id"]]
    assert ids("search=MAINTENANCE") == [a1["id"]]
    assert ids("search=beta") == [b1["id"]]
    assert ids(f"search={a2['quote_number']}") == [a2["id"]]
    assert api.get("/api/v1/quotes?status=unknown").status_code == 422


def test_pagination_with_page_and_cursor(api: LocalClient) -> None:
    client_id = new_client(api)
    created = {new_quote(api, client_id, date=f"2026-01-{day:02d}")["id"] for day in range(1, 6)}
    first = api.get("/api/v1/quotes?limit=2").json()
    assert first["meta"]["total"] == 5 and len(first["data"]) == 2
    seen, cursor = [q["id"] for q in first["data"]], first["meta"]["next_cursor"]
    while cursor:
        page = api.get(f"/api/v1/quotes?limit=2&cursor={cursor}").json()
        seen += [q["id"] for q in page["data"]]
        cursor = page["meta"]["next_cursor"]
    assert set(seen) == created and len(seen) == 5


# --- conversion -------------------------------------------------------------------------------------------------


def test_converting_a_sent_quote_makes_a_draft_invoice_with_its_lines_and_accepts_it(api: LocalClient) -> None:
    client_id = new_client(api, preferred_currency="EUR")
    quote = new_quote(api, client_id, total_ht=None, total_ttc=None, tax_rate=None, items=MIXED_LINES,
                      status="sent", currency="USD", notes="Selon devis", reference="PO-42")
    response = _convert(api, quote["id"])
    assert response.status_code == 201, response.text
    invoice, converted = response.json()["data"], response.json()["quote"]
    assert (invoice["status"], invoice["invoice_number"], invoice["quote_id"]) == ("draft", None, quote["id"])
    assert (invoice["client_id"], invoice["currency"], invoice["notes"], invoice["reference"]) == (
        client_id, "USD", "Selon devis", "PO-42")
    assert invoice["items"] == quote["items"]
    for name in ("total_ht", "total_vat", "total_ttc", "vat_breakdown", "tax_rate"):
        assert invoice[name] == quote[name], name
    assert invoice["date"] == "2026-03-15" and invoice["balance_due"] == quote["total_ttc"]
    assert (converted["status"], converted["invoice_id"]) == ("accepted", invoice["id"])
    assert converted["accepted_at"] == converted["converted_at"] == "2026-03-15T09:30:00.000Z"
    assert api.get(f"/api/v1/quotes/{quote['id']}").json()["data"] == converted
    assert api.get(f"/api/v1/invoices/{invoice['id']}").json()["data"]["quote_id"] == quote["id"]


def test_converting_with_status_sent_issues_the_invoice(api: LocalClient) -> None:
    quote = new_quote(api, status="sent")
    response = _convert(api, quote["id"], status="sent", date="2026-03-16", due_date="2026-04-16")
    invoice = response.json()["data"]
    assert (invoice["status"], invoice["invoice_number"]) == ("sent", "INV-2026-0001")
    assert (invoice["date"], invoice["due_date"], invoice["total_ttc"]) == ("2026-03-16", "2026-04-16", 1200)
    assert (invoice["total_ht"], invoice["tax_rate"]) == (1000, 20)
    unpaid = api.get("/api/v1/payments/unpaid").json()
    assert [row["id"] for row in unpaid["data"]] == [invoice["id"]]


def test_an_accepted_quote_converts_and_stays_accepted(api: LocalClient) -> None:
    quote = new_quote(api, status="sent")
    _status(api, quote["id"], "accepted")
    response = _convert(api, quote["id"])
    assert response.status_code == 201
    assert response.json()["quote"]["status"] == "accepted"
    assert response.json()["quote"]["invoice_id"] == response.json()["data"]["id"]


def test_a_quote_converts_only_once(api: LocalClient) -> None:
    quote = new_quote(api, status="sent")
    assert _convert(api, quote["id"]).status_code == 201
    again = _convert(api, quote["id"])
    assert again.status_code == 409 and again.json()["error"] == "quote_already_converted"
    assert api.get(f"/api/v1/invoices?client_id={quote['client_id']}").json()["meta"]["total"] == 1


@pytest.mark.parametrize("path", [(), ("sent", "rejected"), ("sent", "expired")])
def test_only_sent_or_accepted_quotes_convert(api: LocalClient, path: tuple[str, ...]) -> None:
    quote = new_quote(api)
    for step in path:
        _status(api, quote["id"], step)
    response = _convert(api, quote["id"])
    assert response.status_code == 409 and response.json()["error"] == "quote_not_convertible"
    assert api.get(f"/api/v1/invoices?client_id={quote['client_id']}").json()["meta"]["total"] == 0


def test_a_refused_conversion_changes_nothing(api: LocalClient) -> None:
    quote = new_quote(api, status="sent")
    response = _convert(api, quote["id"], date="2026-03-20", due_date="2026-03-01")
    assert response.status_code == 422 and "due_date" in response.json()["details"]
    assert api.get(f"/api/v1/quotes/{quote['id']}").json()["data"]["status"] == "sent"
    assert api.get(f"/api/v1/invoices?client_id={quote['client_id']}").json()["meta"]["total"] == 0


def test_concurrent_conversions_make_exactly_one_invoice(api: LocalClient) -> None:
    quote = new_quote(api, status="sent")
    codes: list[int] = []

    def convert() -> None:
        codes.append(_convert(api, quote["id"], status="sent").status_code)

    threads = [threading.Thread(target=convert) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(codes) == [201, 409, 409, 409]
    invoices = api.get(f"/api/v1/invoices?client_id={quote['client_id']}").json()["data"]
    assert [(i["invoice_number"], i["quote_id"]) for i in invoices] == [("INV-2026-0001", quote["id"])]


def test_a_client_of_a_converted_quote_stays_guarded(api: LocalClient) -> None:
    quote = new_quote(api, status="sent")
    _convert(api, quote["id"])
    assert api.delete(f"/api/v1/clients/{quote['client_id']}").json()["error"] == "client_has_documents"


def test_another_organization_cannot_convert_our_quote(api: LocalClient, other_tenant: Tenant) -> None:
    quote = new_quote(api, status="sent")
    assert _convert(other_tenant.client, quote["id"]).status_code == 404
    assert other_tenant.client.get(f"/api/v1/quotes/{quote['id']}").status_code == 404
    assert api.get(f"/api/v1/quotes/{quote['id']}").json()["data"]["invoice_id"] is None


def test_events_follow_the_quote(api: LocalClient, deps: Deps, tenant: Tenant) -> None:
    quote = new_quote(api)
    api.patch(f"/api/v1/quotes/{quote['id']}", json={"notes": "v2"})
    _status(api, quote["id"], "sent")
    invoice = _convert(api, quote["id"]).json()["data"]
    types = [e.type for e in events_of(deps.store, tenant.org_id, "quote", quote["id"])]
    assert types == ["quote.created", "quote.updated", "quote.sent", "quote.accepted", "quote.converted"]
    converted = events_of(deps.store, tenant.org_id, "quote", quote["id"])[-1]
    assert converted.payload["invoice_id"] == invoice["id"]
    assert [e.type for e in events_of(deps.store, tenant.org_id, "invoice", invoice["id"])] == ["invoice.created"]
    rejected, draft = new_quote(api, status="sent"), new_quote(api)
    _status(api, rejected["id"], "rejected")
    api.delete(f"/api/v1/quotes/{draft['id']}")
    assert [e.type for e in events_of(deps.store, tenant.org_id, "quote", rejected["id"])] == [
        "quote.created", "quote.sent", "quote.rejected"]
    assert [e.type for e in events_of(deps.store, tenant.org_id, "quote", draft["id"])] == [
        "quote.created", "quote.deleted"]

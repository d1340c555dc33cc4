"""``/api/v1/credit-notes`` end to end on both storage backends: full and partial credits, what the invoice owes
afterwards, the caps at the invoice's total and at what was already paid, cancellation, receivables, numbering,
filters and events."""

from __future__ import annotations

import threading
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chalicelib.api.local import LocalClient
from chalicelib.core.money import D, percent_of
from chalicelib.store.deps import Deps
from chalicelib.webhooks.outbox import events_of
from tests.integration.billing_helpers import new_client, new_invoice, pay
from tests.integration.conftest import Tenant

MIXED_LINES = [{"description": "Conseil", "quantity": 3, "unit_price": "450.00"},
               {"description": "Ouvrage", "quantity": "2", "unit_price": "14.99", "tax_rate": "5.5", "discount": 10}]


def credit(api: LocalClient, invoice_id: str, **fields: Any) -> Any:
    """``POST /credit-notes`` for ``invoice_id`` (in full unless amounts are given); the raw response."""
    return api.post("/api/v1/credit-notes", json={"invoice_id": invoice_id, "reason": "Remise commerciale",
                                                  "date": "2026-03-12", **fields})


def credited(api: LocalClient, invoice_id: str, **fields: Any) -> dict[str, Any]:
    response = credit(api, invoice_id, **fields)
    assert response.status_code == 201, response.text
    return response.json()["data"]  # type: ignore[no-any-return]


def invoice_of(api: LocalClient, invoice_id: str) -> dict[str, Any]:
    return api.get(f"/api/v1/invoices/{invoice_id}").json()["data"]  # type: ignore[no-any-return]


def owed(invoice: dict[str, Any]) -> tuple[Any, ...]:
    return (invoice["total_credited"], invoice["amount_paid"], invoice["balance_due"], invoice["payment_status"],
            invoice["status"])


def test_a_full_credit_copies_the_invoice_and_settles_what_it_owes(api: LocalClient) -> None:
    invoice = new_invoice(api, total_ht=None, total_ttc=None, tax_rate=None, items=MIXED_LINES)
    note = credited(api, invoice["id"], notes="Annule et remplace")
    assert (note["credit_note_number"], note["status"], note["invoice_number"]) == ("AV-2026-0001", "issued",
                                                                                 invoice["invoice_number"])
    assert (note["client_id"], note["currency"], note["date"], note["reason"]) == (
        invoice["client_id"], "EUR", "2026-03-12", "Remise commerciale")
    assert note["items"] == invoice["items"] and note["vat_breakdown"] == invoice["vat_breakdown"]
    assert (note["total_ht"], note["total_vat"], note["tax_amount"], note["total_ttc"]) == (
        D("1376.98"), D("271.48"), D("271.48"), D("1648.46"))
    assert owed(invoice_of(api, invoice["id"])) == (D("1648.46"), 0, 0, "paid", "paid")
    assert api.get(f"/api/v1/credit-notes/{note['id']}").json()["data"] == note


def test_a_partial_credit_lowers_the_balance_and_payments_settle_the_rest(api: LocalClient) -> None:
    invoice = new_invoice(api)
    note = credited(api, invoice["id"], total_ht="200.00", total_ttc="240.00")
    assert (note["total_ht"], note["total_vat"], note["tax_rate"]) == (200, 40, 20)
    assert owed(invoice_of(api, invoice["id"])) == (240, 0, 960, "unpaid", "sent")
    pay(api, invoice["id"], "500.00")
    assert owed(invoice_of(api, invoice["id"])) == (240, 500, 460, "partial", "sent")
    over = pay(api, invoice["id"], "460.01")
    assert over.status_code == 422 and over.json()["error"] == "amount_exceeds_balance"
    assert pay(api, invoice["id"], "460.00").json()["invoice_payment_status"] == "paid"
    assert owed(invoice_of(api, invoice["id"])) == (240, 960, 0, "paid", "paid")


def test_a_partial_credit_with_lines_takes_the_invoice_rate_by_default(api: LocalClient) -> None:
    invoice = new_invoice(api, total_ht="1000.00", tax_rate="5.5", total_ttc="1055.00")
    note = credited(api, invoice["id"], items=[{"description": "Retour", "quantity": 2, "unit_price": "50.00"}])
    assert (note["total_ht"], note["total_vat"], note["total_ttc"]) == (100, D("5.50"), D("105.50"))
    assert invoice_of(api, invoice["id"])["balance_due"] == D("949.50")


def test_a_mixed_rate_invoice_needs_the_rate_of_a_stated_credit(api: LocalClient) -> None:
    invoice = new_invoice(api, total_ht=None, total_ttc=None, tax_rate=None, items=MIXED_LINES)
    refused = credit(api, invoice["id"], total_ht="100.00")
    assert refused.status_code == 422 and "tax_rate" in refused.json()["details"]
    assert credited(api, invoice["id"], total_ht="20.00", tax_rate="5.5")["total_ttc"] == D("21.10")


def test_a_credit_corrects_the_invoice_rate_by_rate(api: LocalClient) -> None:
    invoice = new_invoice(api, total_ht=None, total_ttc=None, tax_rate=None, items=MIXED_LINES)
    assert "tax_rate" in credit(api, invoice["id"], total_ht="10.00", tax_rate="0").json()["details"]
    over = credit(api, invoice["id"], total_ht="26.99", tax_rate="5.5")
    assert over.status_code == 422 and over.json()["error"] == "credit_exceeds_invoice"
    credited(api, invoice["id"], total_ht="26.98", tax_rate="5.5")
    assert credit(api, invoice["id"], total_ht="0.01", tax_rate="5.5").status_code == 422


def test_credits_never_exceed_the_invoice_total(api: LocalClient) -> None:
    invoice = new_invoice(api)
    credited(api, invoice["id"], total_ht="900.00", total_ttc="1080.00")
    refused = credit(api, invoice["id"], total_ht="100.01")
    assert refused.status_code == 422, refused.text
    body = refused.json()
    assert body["error"] == "credit_exceeds_invoice" and body["details"]["total_ttc"] == ["at most 120.00"]
    assert credited(api, invoice["id"], total_ht="100.00")["total_ttc"] == 120
    assert owed(invoice_of(api, invoice["id"])) == (1200, 0, 0, "paid", "paid")
    again = credit(api, invoice["id"], total_ht="0.01")
    assert again.status_code == 422 and again.json()["error"] == "credit_exceeds_invoice"


def test_credits_never_go_below_what_was_already_paid(api: LocalClient) -> None:
    invoice = new_invoice(api)
    pay(api, invoice["id"], "1000.00")
    refused = credit(api, invoice["id"], total_ht="200.00")
    assert refused.status_code == 422
    body = refused.json()
    assert body["error"] == "credit_exceeds_balance" and "refunds are not supported" in body["message"]
    assert body["details"] == {"total_ttc": ["at most 200.00"], "balance_due": "200.00"}
    credited(api, invoice["id"], total_ht="166.67", total_ttc="200.00")
    assert owed(invoice_of(api, invoice["id"])) == (200, 1000, 0, "paid", "paid")


def test_a_paid_invoice_cannot_be_credited_in_full(api: LocalClient) -> None:
    invoice = new_invoice(api)
    pay(api, invoice["id"], "1200.00")
    refused = credit(api, invoice["id"])
    assert refused.status_code == 422 and refused.json()["error"] == "credit_exceeds_balance"


def test_after_a_partial_credit_the_amounts_must_be_stated(api: LocalClient) -> None:
    invoice = new_invoice(api)
    credited(api, invoice["id"], total_ht="100.00")
    refused = credit(api, invoice["id"])
    assert refused.status_code == 422 and refused.json()["error"] == "credit_amounts_required"
    assert "total_ht" in refused.json()["details"]


@pytest.mark.parametrize(("fields", "named"), [
    ({"reason": ""}, "reason"),
    ({"reason": "x" * 501}, "reason"),
    ({"total_ht": "-10.00"}, "total_ttc"),
    ({"total_ht": "100.00", "total_ttc": "130.00"}, "total_ttc"),
    ({"total_ttc": "120.00"}, "total_ht"),
    ({"date": "2026-02-28"}, "date"),
    ({"invoice_id": "00000000-0000-4000-8000-000000000000"}, "invoice_id"),
    ({"currency": "USD", "total_ht": "1.00"}, "currency"),
    ({"status": "draft"}, "status"),
])
def test_invalid_credit_note_is_422_naming_the_field(api: LocalClient, fields: dict, named: str) -> None:  # type: ignore[type-arg]
    body = {"invoice_id": new_invoice(api)["id"], **fields}
    response = credit(api, **body)
    assert response.status_code == 422, response.text
    assert any(named in key for key in response.json()["details"]), response.json()


def test_the_client_if_given_must_be_the_invoices(api: LocalClient) -> None:
    invoice = new_invoice(api)
    assert credit(api, invoice["id"], client_id=new_client(api)).status_code == 422
    assert credit(api, invoice["id"], client_id=invoice["client_id"]).status_code == 201


def test_only_issued_invoices_are_credited(api: LocalClient) -> None:
    draft = new_invoice(api, status="draft")
    refused = credit(api, draft["id"])
    assert refused.status_code == 409 and refused.json()["error"] == "invoice_not_issued"
    cancelled = new_invoice(api)
    api.patch(f"/api/v1/invoices/{cancelled['id']}", json={"status": "cancelled"})
    refused = credit(api, cancelled["id"])
    assert refused.status_code == 409 and refused.json()["error"] == "invoice_cancelled"
    overdue = new_invoice(api, date="2026-01-01", due_date="2026-02-01")
    api.patch(f"/api/v1/invoices/{overdue['id']}", json={"status": "overdue"})
    assert credit(api, overdue["id"], total_ht="10.00").status_code == 201


def test_an_invoice_of_another_organization_is_not_credited(api: LocalClient, other_tenant: Tenant) -> None:
    theirs = new_invoice(other_tenant.client)
    refused = credit(api, theirs["id"])
    assert refused.status_code == 422 and refused.json()["error"] == "invoice_not_found"
    assert invoice_of(other_tenant.client, theirs["id"])["total_credited"] == 0


def test_cancelling_a_credit_note_gives_the_amount_back(api: LocalClient) -> None:
    invoice = new_invoice(api, date="2026-02-01", due_date="2026-03-01")
    note = credited(api, invoice["id"])
    assert owed(invoice_of(api, invoice["id"])) == (1200, 0, 0, "paid", "paid")
    response = api.post(f"/api/v1/credit-notes/{note['id']}/cancel")
    assert response.status_code == 200, response.text
    cancelled = response.json()["data"]
    assert (cancelled["status"], cancelled["credit_note_number"]) == ("cancelled", "AV-2026-0001")
    assert cancelled["cancelled_at"] == "2026-03-15T09:30:00.000Z"
    assert owed(invoice_of(api, invoice["id"])) == (0, 0, 1200, "unpaid", "overdue")
    again = api.post(f"/api/v1/credit-notes/{note['id']}/cancel")
    assert again.status_code == 409 and again.json()["error"] == "credit_note_already_cancelled"
    assert credited(api, invoice["id"])["credit_note_number"] == "AV-2026-0002"


def test_cancelling_one_of_several_credit_notes_restores_only_its_amount(api: LocalClient) -> None:
    invoice = new_invoice(api)
    first = credited(api, invoice["id"], total_ht="100.00")
    credited(api, invoice["id"], total_ht="200.00")
    pay(api, invoice["id"], "840.00")
    assert owed(invoice_of(api, invoice["id"])) == (360, 840, 0, "paid", "paid")
    api.post(f"/api/v1/credit-notes/{first['id']}/cancel")
    assert owed(invoice_of(api, invoice["id"])) == (240, 840, 120, "partial", "sent")


def test_credit_notes_are_numbered_per_year_without_gaps(api: LocalClient, other_tenant: Tenant) -> None:
    invoice = new_invoice(api, date="2025-12-01", due_date="2026-01-31")
    numbers = [credited(api, invoice["id"], total_ht="10.00", date=day)["credit_note_number"]
               for day in ("2025-12-31", "2026-01-02", "2026-01-03")]
    refused = credit(api, invoice["id"], total_ht="5000.00")
    assert refused.status_code == 422
    numbers.append(credited(api, invoice["id"], total_ht="10.00")["credit_note_number"])
    assert numbers == ["AV-2025-0001", "AV-2026-0001", "AV-2026-0002", "AV-2026-0003"]
    assert credited(other_tenant.client, new_invoice(other_tenant.client)["id"])["credit_note_number"] == (
        "AV-2026-0001")


def test_concurrent_credits_never_exceed_the_invoice(api: LocalClient) -> None:
    invoice = new_invoice(api)
    codes: list[int] = []

    def issue() -> None:
        codes.append(credit(api, invoice["id"], total_ht="400.00").status_code)

    threads = [threading.Thread(target=issue) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(codes) == [201, 201, 422, 422]
    notes = api.get(f"/api/v1/credit-notes?invoice_id={invoice['id']}").json()["data"]
    assert sorted(n["credit_note_number"] for n in notes) == ["AV-2026-0001", "AV-2026-0002"]
    assert owed(invoice_of(api, invoice["id"])) == (960, 0, 240, "unpaid", "sent")


def test_receivables_and_client_balance_reflect_credits(api: LocalClient) -> None:
    client_id = new_client(api)
    first, second = new_invoice(api, client_id), new_invoice(api, client_id)
    credited(api, first["id"], total_ht="250.00")
    pay(api, first["id"], "300.00")
    full = credited(api, second["id"])
    summary = api.get("/api/v1/payments/receivables").json()["data"]
    assert (summary["total_receivable"], summary["total_collected"], summary["total_pending"]) == (900, 300, 600)
    assert summary["count"] == 1
    balance = api.get(f"/api/v1/clients/{client_id}/balance").json()["data"]
    assert (balance["total_invoiced"], balance["total_paid"], balance["outstanding"]) == (900, 300, 600)
    api.post(f"/api/v1/credit-notes/{full['id']}/cancel")
    balance = api.get(f"/api/v1/clients/{client_id}/balance").json()["data"]
    assert (balance["total_invoiced"], balance["outstanding"]) == (2100, 1800)
    unpaid = api.get("/api/v1/payments/unpaid").json()
    assert unpaid["summary"]["total_unpaid"] == 1800


def test_a_credit_note_keeps_its_client_undeletable(api: LocalClient, deps: Deps, tenant: Tenant) -> None:
    invoice = new_invoice(api)
    credited(api, invoice["id"])
    refs = deps.store.get(f"ORG#{tenant.org_id}", f"CLIENTREFS#{invoice['client_id']}")
    assert refs is not None and refs["count"] == 2
    assert api.delete(f"/api/v1/clients/{invoice['client_id']}").json()["error"] == "client_has_documents"


def test_list_filters(api: LocalClient) -> None:
    alpha, beta = new_client(api), new_client(api)
    a_invoice, b_invoice = new_invoice(api, alpha), new_invoice(api, beta)
    a1 = credited(api, a_invoice["id"], total_ht="10.00", date="2026-03-02")
    a2 = credited(api, a_invoice["id"], total_ht="10.00", date="2026-03-05")
    b1 = credited(api, b_invoice["id"], total_ht="10.00", date="2026-03-09")
    api.post(f"/api/v1/credit-notes/{a2['id']}/cancel")

    def ids(query: str) -> list[str]:
        body = api.get(f"/api/v1/credit-notes?{query}").json()
        assert body["meta"]["total"] == len(body["data"])
        return [n["id"] for n in body["data"]]

    assert ids("") == [b1["id"], a2["id"], a1["id"]]
    assert ids(f"invoice_id={a_invoice['id']}") == [a2["id"], a1["id"]]
    assert ids(f"invoice_id={a_invoice['id']}&status=issued") == [a1["id"]]
    assert ids(f"client_id={beta}") == [b1["id"]]
    assert ids("status=cancelled") == [a2["id"]]
    assert ids("start_date=2026-03-05&end_date=2026-03-09") == [b1["id"], a2["id"]]
    assert ids("invoice_id=not-an-id") == []
    paged = api.get("/api/v1/credit-notes?limit=2").json()
    assert paged["meta"]["total"] == 3 and paged["meta"]["next_cursor"]
    assert api.get("/api/v1/credit-notes?status=draft").status_code == 422


@pytest.mark.parametrize("method", ["PUT", "PATCH", "DELETE"])
def test_a_credit_note_is_never_edited_or_deleted(api: LocalClient, method: str) -> None:
    note = credited(api, new_invoice(api)["id"], total_ht="10.00")
    response = api.request(method, f"/api/v1/credit-notes/{note['id']}", json_body={"reason": "autre"})
    assert response.status_code == 405
    assert api.get(f"/api/v1/credit-notes/{note['id']}").json()["data"]["reason"] == "Remise commerciale"


def test_another_organization_cannot_cancel_our_credit_note(api: LocalClient, other_tenant: Tenant) -> None:
    invoice = new_invoice(api)
    note = credited(api, invoice["id"])
    assert other_tenant.client.post(f"/api/v1/credit-notes/{note['id']}/cancel").status_code == 404
    assert other_tenant.client.get(f"/api/v1/credit-notes/{note['id']}").status_code == 404
    assert other_tenant.client.get("/api/v1/credit-notes").json()["data"] == []
    assert invoice_of(api, invoice["id"])["total_credited"] == 1200


def test_events_follow_the_credit_note_and_its_invoice(api: LocalClient, deps: Deps, tenant: Tenant) -> None:
    invoice = new_invoice(api)
    partial = credited(api, invoice["id"], total_ht="100.00")
    rest = credited(api, invoice["id"], total_ht="900.00")
    api.post(f"/api/v1/credit-notes/{partial['id']}/cancel")
    types = [e.type for e in events_of(deps.store, tenant.org_id, "credit_note", partial["id"])]
    assert types == ["credit_note.created", "credit_note.cancelled"]
    created = events_of(deps.store, tenant.org_id, "credit_note", rest["id"])[0]
    assert created.payload["invoice_id"] == invoice["id"] and created.payload["total_ttc"] == "1080.00"
    invoice_events = events_of(deps.store, tenant.org_id, "invoice", invoice["id"])
    assert [e.type for e in invoice_events] == ["invoice.created", "invoice.sent", "invoice.updated",
                                                "invoice.updated", "invoice.paid", "invoice.updated"]
    assert [e.payload["credit_note_id"] for e in invoice_events if e.type == "invoice.updated"] == [
        partial["id"], rest["id"], partial["id"]]


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(st.tuples(st.sampled_from(["credit", "pay", "cancel"]),
                                st.decimals(min_value=Decimal("0.01"), max_value=Decimal("700"), places=2)),
                      min_size=1, max_size=6))
def test_credits_and_payments_never_make_a_negative_balance(api: LocalClient,
                                                            steps: list[tuple[str, Decimal]]) -> None:
    invoice = new_invoice(api)
    total, credits, paid = Decimal("1200.00"), list[tuple[str, Decimal]](), Decimal(0)
    for action, amount in steps:
        active = sum((a for _, a in credits), Decimal(0))
        if action == "credit":
            ttc = amount + percent_of(amount, Decimal(20))
            response = credit(api, invoice["id"], total_ht=str(amount))
            expected = ("credit_exceeds_invoice" if ttc > total - active
                        else "credit_exceeds_balance" if ttc > total - active - paid else None)
            if expected is None:
                assert response.status_code == 201, response.text
                credits.append((response.json()["data"]["id"], ttc))
            else:
                assert (response.status_code, response.json()["error"]) == (422, expected)
        elif action == "pay":
            response = pay(api, invoice["id"], str(amount))
            assert response.status_code == (201 if amount <= total - active - paid else 422), response.text
            paid += amount if response.status_code == 201 else 0
        elif credits:
            note_id, _ = credits.pop(0)
            assert api.post(f"/api/v1/credit-notes/{note_id}/cancel").status_code == 200
        detail = invoice_of(api, invoice["id"])
        active = sum((a for _, a in credits), Decimal(0))
        assert detail["total_credited"] == active <= detail["total_ttc"]
        assert detail["balance_due"] == detail["total_ttc"] - active - paid >= 0
        assert detail["payment_status"] == ("paid" if detail["balance_due"] == 0 else
                                            "partial" if paid else "unpaid")

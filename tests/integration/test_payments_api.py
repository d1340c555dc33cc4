"""``/api/v1/payments`` and the receivables figures, on both storage backends."""

from __future__ import annotations

import threading
from datetime import timedelta
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chalicelib.api.local import LocalClient
from chalicelib.core.clock import FixedClock
from chalicelib.core.money import D
from tests.integration.billing_helpers import new_client, new_invoice, pay


def test_partial_then_full_payment(api: LocalClient) -> None:
    invoice = new_invoice(api)
    first = pay(api, invoice["id"], "500.00")
    assert first.status_code == 201
    body = first.json()
    assert body["invoice_payment_status"] == "partial"
    assert body["receipt_number"] == body["data"]["receipt_number"]
    assert body["data"]["amount"] == D("500.00") and body["data"]["client_id"] == invoice["client_id"]
    assert api.get(f"/api/v1/invoices/{invoice['id']}").json()["data"]["balance_due"] == 700
    second = pay(api, invoice["id"], "700").json()
    assert second["invoice_payment_status"] == "paid"
    detail = api.get(f"/api/v1/invoices/{invoice['id']}").json()["data"]
    assert (detail["status"], detail["balance_due"], detail["amount_paid"]) == ("paid", 0, 1200)


def test_payment_above_the_balance_is_refused_with_the_balance(api: LocalClient) -> None:
    invoice = new_invoice(api)
    pay(api, invoice["id"], "1000")
    response = pay(api, invoice["id"], "200.01")
    assert response.status_code == 422
    body = response.json()
    assert body["error"] == "amount_exceeds_balance" and body["details"]["balance_due"] == "200.00"
    assert api.get(f"/api/v1/payments?invoice_id={invoice['id']}").json()["meta"]["total"] == 1


def test_overpayment_when_asked_keeps_the_excess_unallocated(api: LocalClient) -> None:
    invoice = new_invoice(api)
    body = pay(api, invoice["id"], "1250", overpayment=True).json()
    assert body["data"]["unallocated_amount"] == 50 and body["invoice_payment_status"] == "paid"
    assert api.get(f"/api/v1/invoices/{invoice['id']}").json()["data"]["amount_paid"] == 1200


def test_concurrent_payments_never_exceed_the_invoice(api: LocalClient) -> None:
    invoice = new_invoice(api)
    statuses: list[int] = []

    def worker() -> None:
        statuses.append(pay(api, invoice["id"], "300.00").status_code)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(statuses) == [201] * 4 + [422] * 4
    detail = api.get(f"/api/v1/invoices/{invoice['id']}").json()["data"]
    assert (detail["amount_paid"], detail["status"]) == (1200, "paid")
    assert sum(p["amount"] for p in detail["payments"]) == 1200


def test_deleting_a_payment_reopens_the_invoice(api: LocalClient, clock: FixedClock) -> None:
    invoice = new_invoice(api, date="2026-01-01", due_date="2026-01-31")
    payment = pay(api, invoice["id"], "1200").json()["data"]
    assert api.delete(f"/api/v1/payments/{payment['id']}").json() == {"success": True}
    detail = api.get(f"/api/v1/invoices/{invoice['id']}").json()["data"]
    assert (detail["status"], detail["payment_status"], detail["balance_due"]) == ("overdue", "unpaid", 1200)
    assert api.get(f"/api/v1/payments/{payment['id']}").status_code == 404


def test_one_payment_allocated_over_several_invoices_of_one_client(api: LocalClient) -> None:
    client_id = new_client(api)
    a, b = new_invoice(api, client_id), new_invoice(api, client_id, total_ht="100", total_ttc="120")
    response = api.post("/api/v1/payments", json={"allocations": [{"invoice_id": a["id"], "amount": "1200"},
                                                                   {"invoice_id": b["id"], "amount": "20"}]})
    assert response.status_code == 201
    assert response.json()["data"]["amount"] == 1220 and response.json()["data"]["invoice_id"] is None
    assert api.get(f"/api/v1/invoices/{a['id']}").json()["data"]["status"] == "paid"
    assert api.get(f"/api/v1/invoices/{b['id']}").json()["data"]["balance_due"] == 100
    other = new_invoice(api)
    mixed = api.post("/api/v1/payments", json={"allocations": [{"invoice_id": a["id"], "amount": "1"},
                                                                {"invoice_id": other["id"], "amount": "1"}]})
    assert mixed.status_code == 422


def test_paying_a_draft_issues_it_and_a_cancelled_invoice_takes_nothing(api: LocalClient) -> None:
    draft = new_invoice(api, status="draft")
    assert pay(api, draft["id"], "100").status_code == 201
    issued = api.get(f"/api/v1/invoices/{draft['id']}").json()["data"]
    assert issued["status"] == "sent" and issued["invoice_number"].startswith("INV-2026-")
    cancelled = new_invoice(api)
    api.patch(f"/api/v1/invoices/{cancelled['id']}", json={"status": "cancelled"})
    assert pay(api, cancelled["id"], "1").json()["error"] == "invoice_cancelled"


def test_bad_payment_requests_name_the_field(api: LocalClient) -> None:
    invoice = new_invoice(api)
    cases = [({"invoice_id": invoice["id"]}, "amount"), ({"amount": 10}, "invoice_id"),
             ({"invoice_id": invoice["id"], "amount": 0}, "amount"),
             ({"invoice_id": invoice["id"], "amount": -5}, "amount"),
             ({"invoice_id": invoice["id"], "amount": 5, "payment_method": "bitcoin"}, "payment_method"),
             ({"invoice_id": invoice["id"], "amount": "1.001"}, "amount")]
    for body, field in cases:
        response = api.post("/api/v1/payments", json=body)
        assert response.status_code == 422 and field in response.json()["details"], (body, response.text)
    missing = api.post("/api/v1/payments", json={"invoice_id": "00000000-0000-4000-8000-000000000000", "amount": 1})
    assert missing.status_code == 404


def test_list_filters_by_invoice_client_and_date(api: LocalClient) -> None:
    c1, c2 = new_client(api), new_client(api)
    i1, i2 = new_invoice(api, c1), new_invoice(api, c2)
    p1 = pay(api, i1["id"], "10", payment_date="2026-03-01").json()["data"]
    p2 = pay(api, i1["id"], "20", payment_date="2026-03-05").json()["data"]
    p3 = pay(api, i2["id"], "30", payment_date="2026-03-09").json()["data"]

    def ids(query: str) -> list[str]:
        body = api.get(f"/api/v1/payments?{query}").json()
        assert body["meta"]["total"] == len(body["data"])
        return [p["id"] for p in body["data"]]

    assert ids("") == [p3["id"], p2["id"], p1["id"]]
    assert ids(f"invoice_id={i1['id']}") == [p2["id"], p1["id"]]
    assert ids(f"client_id={c2}") == [p3["id"]]
    assert ids("start_date=2026-03-05&end_date=2026-03-09") == [p3["id"], p2["id"]]


def test_unpaid_receivables_and_balance_match_the_invoices(api: LocalClient, clock: FixedClock) -> None:
    client_id = new_client(api)
    late = new_invoice(api, client_id, date="2026-01-05", due_date="2026-02-04")       # 39 days late
    recent = new_invoice(api, client_id, date="2026-03-01", due_date="2026-03-31")     # not due yet
    paid = new_invoice(api, client_id, date="2026-02-01", due_date="2026-03-03")
    new_invoice(api, client_id, status="draft")
    cancelled = new_invoice(api, client_id)
    api.patch(f"/api/v1/invoices/{cancelled['id']}", json={"status": "cancelled"})
    pay(api, late["id"], "200.00")
    pay(api, paid["id"], "1200.00")

    unpaid = api.get("/api/v1/payments/unpaid").json()
    assert [i["id"] for i in unpaid["data"]] == [late["id"], recent["id"]]
    assert [i["balance_due"] for i in unpaid["data"]] == [1000, 1200]
    assert unpaid["summary"] == {"count": 2, "currency": "EUR", "total_unpaid": 2200}
    thirty = api.get("/api/v1/payments/unpaid?days_overdue=30").json()
    assert [i["id"] for i in thirty["data"]] == [late["id"]] and thirty["data"][0]["days_overdue"] == 39

    summary = api.get("/api/v1/payments/receivables").json()["data"]
    assert summary == {"total_receivable": 3600, "total_collected": 1400, "total_pending": 2200,
                       "total_overdue": 1000, "count": 2, "invoice_count": 3, "currency": "EUR"}
    balance = api.get(f"/api/v1/clients/{client_id}/balance").json()["data"]
    assert (balance["total_invoiced"], balance["total_paid"], balance["outstanding"], balance["overdue"]) == \
        (3600, 1400, 2200, 1000)


def test_invoice_stats_over_recent_months(api: LocalClient) -> None:
    client_id = new_client(api)
    new_invoice(api, client_id, date="2025-06-01", due_date="2025-07-01")  # outside 3 months
    a = new_invoice(api, client_id, date="2026-01-10", due_date="2026-02-10")
    new_invoice(api, client_id, date="2026-03-01", due_date="2026-03-31", status="draft")
    pay(api, a["id"], "1200")
    stats = api.get("/api/v1/invoices/stats?months=3").json()["data"]
    assert stats["start_date"] == "2026-01-01"
    assert (stats["total_billed"], stats["total_paid"], stats["total_unpaid"]) == (1200, 1200, 0)
    assert stats["count"] == {"draft": 1, "sent": 0, "paid": 1, "overdue": 0, "cancelled": 0, "total": 2}
    assert api.get("/api/v1/invoices/stats?months=0").status_code == 422


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(amounts=st.lists(st.decimals(min_value=Decimal("0.01"), max_value=Decimal("700"), places=2), min_size=1,
                        max_size=5))
def test_payment_status_follows_the_sum_paid(api: LocalClient, amounts: list[Decimal]) -> None:
    invoice = new_invoice(api)
    paid = Decimal(0)
    for amount in amounts:
        response = pay(api, invoice["id"], str(amount))
        if paid + amount <= 1200:
            assert response.status_code == 201
            paid += amount
        else:
            assert response.status_code == 422
    detail = api.get(f"/api/v1/invoices/{invoice['id']}").json()["data"]
    expected = "paid" if paid == 1200 else "partial"
    assert (detail["amount_paid"], detail["balance_due"], detail["payment_status"]) == (paid, 1200 - paid, expected)
    assert detail["status"] == ("paid" if expected == "paid" else "sent")


def test_overdue_job_marks_late_open_invoices(api: LocalClient, deps, tenant, clock: FixedClock) -> None:  # type: ignore[no-untyped-def]
    from chalicelib.billing.invoices.changes import mark_overdue

    late = new_invoice(api, date="2026-01-01", due_date="2026-02-01")
    on_time = new_invoice(api, date="2026-03-01", due_date="2026-04-30")
    assert mark_overdue(deps, tenant.org_id) == 1
    assert api.get(f"/api/v1/invoices/{late['id']}").json()["data"]["status"] == "overdue"
    assert api.get(f"/api/v1/invoices/{on_time['id']}").json()["data"]["status"] == "sent"
    clock.advance(timedelta(days=60).total_seconds())
    assert mark_overdue(deps, tenant.org_id) == 1


def test_another_organization_sees_none_of_our_receivables(api: LocalClient, other_tenant) -> None:  # type: ignore[no-untyped-def]
    pay(api, new_invoice(api)["id"], "100")
    theirs = other_tenant.client
    assert theirs.get("/api/v1/payments/unpaid").json() == {"data": [], "summary": {"count": 0, "currency": "EUR",
                                                                                    "total_unpaid": 0}}
    summary = theirs.get("/api/v1/payments/receivables").json()["data"]
    assert (summary["total_receivable"], summary["total_collected"], summary["count"]) == (0, 0, 0)
    assert theirs.get("/api/v1/invoices/stats").json()["data"]["count"]["total"] == 0

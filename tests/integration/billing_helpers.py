"""Small builders for billing tests: a client, an invoice, a payment, through the real API."""

from __future__ import annotations

from typing import Any

from chalicelib.api.local import LocalClient
from tests.conftest import unique


def new_client(api: LocalClient, **fields: Any) -> str:
    response = api.post("/api/v1/clients", json={"company_name": unique("Client"), **fields})
    assert response.status_code == 201, response.text
    return str(response.json()["data"]["id"])


def new_invoice(api: LocalClient, client_id: str | None = None, **fields: Any) -> dict[str, Any]:
    body = {"client_id": client_id or new_client(api), "date": "2026-03-01", "due_date": "2026-03-31",
            "total_ht": "1000.00", "tax_rate": 20, "total_ttc": "1200.00", "status": "sent", **fields}
    response = api.post("/api/v1/invoices", json=body)
    assert response.status_code == 201, response.text
    return response.json()["data"]  # type: ignore[no-any-return]


def pay(api: LocalClient, invoice_id: str, amount: str, **fields: Any) -> Any:
    return api.post("/api/v1/payments", json={"invoice_id": invoice_id, "amount": amount,
                                              "payment_date": "2026-03-10", **fields})

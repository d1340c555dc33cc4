"""Matrix samples of the payment routes."""

from __future__ import annotations

from collections.abc import Callable

from chalicelib.api.local import LocalClient
from tests.integration.billing_helpers import new_client, new_invoice, pay
from tests.integration.matrix import Sample


def _payment(owner: LocalClient) -> str:
    return str(pay(owner, new_invoice(owner)["id"], "100.00").json()["data"]["id"])


REQUESTS: dict[str, Callable[[LocalClient], Sample]] = {
    "listPayments": lambda o: Sample("/api/v1/payments"),
    "createPayment": lambda o: Sample("/api/v1/payments", {"invoice_id": new_invoice(o)["id"], "amount": 10}),
    "getUnpaidInvoices": lambda o: Sample("/api/v1/payments/unpaid"),
    "getReceivablesSummary": lambda o: Sample("/api/v1/payments/receivables"),
    "getPayment": lambda o: Sample(f"/api/v1/payments/{_payment(o)}"),
    "deletePayment": lambda o: Sample(f"/api/v1/payments/{_payment(o)}"),
    "getClientBalance": lambda o: Sample(f"/api/v1/clients/{new_client(o)}/balance"),
}

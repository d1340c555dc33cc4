"""Matrix samples of the ``expenses`` routes: a valid request per operation, with the expense it needs."""

from __future__ import annotations

import base64
from collections.abc import Callable

from chalicelib.api.local import LocalClient
from tests.integration.matrix import Sample

BASE = "/api/v1/expenses"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
RECEIPT_JSON = {"file_name": "ticket.png", "content_type": "image/png",
                "content_base64": base64.b64encode(PNG).decode()}


def _expense(owner: LocalClient) -> str:
    body = {"expense_date": "2026-03-01", "amount": "12.00", "tax_rate": 20, "supplier": "Matrix"}
    return str(owner.post(BASE, json=body).json()["data"]["id"])


def _with_receipt(owner: LocalClient) -> str:
    expense_id = _expense(owner)
    owner.put(f"{BASE}/{expense_id}/receipt", json=RECEIPT_JSON)
    return expense_id


REQUESTS: dict[str, Callable[[LocalClient], Sample]] = {
    "listExpenses": lambda o: Sample(BASE),
    "createExpense": lambda o: Sample(BASE, {"expense_date": "2026-03-02", "amount": "30.00"}),
    "getExpense": lambda o: Sample(f"{BASE}/{_expense(o)}"),
    "replaceExpense": lambda o: Sample(f"{BASE}/{_expense(o)}", {"date": "2026-03-03", "amount_ht": "10.00"}),
    "updateExpense": lambda o: Sample(f"{BASE}/{_expense(o)}", {"category": "travel"}),
    "deleteExpense": lambda o: Sample(f"{BASE}/{_expense(o)}"),
    "uploadExpenseReceipt": lambda o: Sample(f"{BASE}/{_expense(o)}/receipt", RECEIPT_JSON),
    "getExpenseReceipt": lambda o: Sample(f"{BASE}/{_with_receipt(o)}/receipt"),
    "deleteExpenseReceipt": lambda o: Sample(f"{BASE}/{_with_receipt(o)}/receipt"),
}

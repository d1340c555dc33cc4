"""Matrix samples of the credit note routes."""

from __future__ import annotations

from collections.abc import Callable

from chalicelib.api.local import LocalClient
from tests.integration.billing_helpers import new_invoice
from tests.integration.matrix import Sample


def _credit_note(owner: LocalClient) -> str:
    response = owner.post("/api/v1/credit-notes", json={"invoice_id": new_invoice(owner)["id"], "reason": "Remise",
                                                         "total_ht": "100.00", "total_ttc": "120.00"})
    assert response.status_code == 201, response.text
    return str(response.json()["data"]["id"])


REQUESTS: dict[str, Callable[[LocalClient], Sample]] = {
    "listCreditNotes": lambda o: Sample("/api/v1/credit-notes"),
    "createCreditNote": lambda o: Sample("/api/v1/credit-notes", {"invoice_id": new_invoice(o)["id"],
                                                                  "reason": "Erreur de facturation"}),
    "getCreditNote": lambda o: Sample(f"/api/v1/credit-notes/{_credit_note(o)}"),
    "cancelCreditNote": lambda o: Sample(f"/api/v1/credit-notes/{_credit_note(o)}/cancel"),
}

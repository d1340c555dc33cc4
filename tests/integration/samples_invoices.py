"""Matrix samples of the invoice routes."""

from __future__ import annotations

from collections.abc import Callable

from chalicelib.api.local import LocalClient
from tests.integration.billing_helpers import new_client, new_invoice
from tests.integration.matrix import Sample


def _draft(owner: LocalClient) -> str:
    return str(new_invoice(owner, status="draft")["id"])


REQUESTS: dict[str, Callable[[LocalClient], Sample]] = {
    "listInvoices": lambda o: Sample("/api/v1/invoices"),
    "createInvoice": lambda o: Sample("/api/v1/invoices", {"client_id": new_client(o), "total_ht": 100,
                                                           "tax_rate": 20, "total_ttc": 120}),
    "getInvoiceStats": lambda o: Sample("/api/v1/invoices/stats"),
    "getInvoice": lambda o: Sample(f"/api/v1/invoices/{_draft(o)}"),
    "replaceInvoice": lambda o: Sample(f"/api/v1/invoices/{_draft(o)}", {"client_id": new_client(o),
                                                                         "total_ht": 10, "total_ttc": 12}),
    "updateInvoice": lambda o: Sample(f"/api/v1/invoices/{_draft(o)}", {"notes": "n"}),
    "deleteInvoice": lambda o: Sample(f"/api/v1/invoices/{_draft(o)}"),
}

"""Matrix samples of the quote routes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from chalicelib.api.local import LocalClient
from tests.integration.billing_helpers import new_client
from tests.integration.matrix import Sample


def _quote(api: LocalClient, **fields: Any) -> dict[str, Any]:
    body = {"client_id": new_client(api), "date": "2026-03-01", "total_ht": "1000.00", "tax_rate": 20,
            "total_ttc": "1200.00", **fields}
    response = api.post("/api/v1/quotes", json={k: v for k, v in body.items() if v is not None})
    assert response.status_code == 201, response.text
    return response.json()["data"]  # type: ignore[no-any-return]


def _draft(owner: LocalClient) -> str:
    return str(_quote(owner)["id"])


REQUESTS: dict[str, Callable[[LocalClient], Sample]] = {
    "listQuotes": lambda o: Sample("/api/v1/quotes"),
    "createQuote": lambda o: Sample("/api/v1/quotes", {"client_id": new_client(o), "total_ht": 100, "tax_rate": 20,
                                                       "total_ttc": 120}),
    "getQuote": lambda o: Sample(f"/api/v1/quotes/{_draft(o)}"),
    "replaceQuote": lambda o: Sample(f"/api/v1/quotes/{_draft(o)}", {"client_id": new_client(o), "total_ht": 10,
                                                                     "total_ttc": 12}),
    "updateQuote": lambda o: Sample(f"/api/v1/quotes/{_draft(o)}", {"notes": "n"}),
    "deleteQuote": lambda o: Sample(f"/api/v1/quotes/{_draft(o)}"),
    "convertQuote": lambda o: Sample(f"/api/v1/quotes/{_quote(o, status='sent')['id']}/convert", {}),
}

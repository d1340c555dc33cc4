"""Small books for the report commands, made through the real API on a SQLite data folder: two invoices (one at
two VAT rates), a payment and an expense, all in March 2026."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from app import app as whole_app
from chalicelib.api.local import LocalClient, LocalResponse
from chalicelib.auth.service import create_organization
from chalicelib.cli import local_state
from chalicelib.core.clock import FixedClock
from chalicelib.core.settings import Settings
from chalicelib.store.deps import Deps
from chalicelib.wiring import build_deps, using
from tests.conftest import unique

CLOCK = dt.datetime(2026, 4, 1, 9, 0, tzinfo=dt.UTC)


def _ok(response: LocalResponse, status: int = 201) -> dict[str, Any]:
    assert response.status_code == status, response.text
    return response.json()["data"]  # type: ignore[no-any-return]


def build_books(data_dir: Path) -> tuple[Deps, str]:
    """The data folder's organization (its local one) with its books; returns the collaborators and its id."""
    deps = build_deps(Settings(stage="test", data_dir=data_dir, rate_limit_cpk=100_000), FixedClock(CLOCK))
    boot = create_organization(deps, name=unique("Org"), owner_email=f"{unique('owner')}@example.com")
    local_state.write(data_dir, {"org_id": boot.organization.id})
    api = LocalClient(whole_app, headers={"X-API-Key": boot.key.key})
    with using(deps):
        _ok(api.put("/api/v1/company", json={"legal_name": "Atelier Exemple SARL", "siren": "732829320",
                                             "country": "FR"}), 200)
        _ok(api.post("/api/v1/accounting/init", json={"country": "FR"}))
        client = _ok(api.post("/api/v1/clients", json={"company_name": "Société Alpha"}))["id"]
        first = _ok(api.post("/api/v1/invoices", json={
            "client_id": client, "date": "2026-03-02", "due_date": "2026-03-31", "status": "sent",
            "total_ht": "1000.00", "tax_rate": 20, "total_ttc": "1200.00"}))
        _ok(api.post("/api/v1/invoices", json={
            "client_id": client, "date": "2026-03-05", "due_date": "2026-04-04", "status": "sent", "items": [
                {"description": "Conseil", "quantity": 2, "unit_price": 450, "tax_rate": 20},
                {"description": "Livres", "quantity": 3, "unit_price": 20, "tax_rate": 5.5}]}))
        _ok(api.post("/api/v1/payments", json={"invoice_id": first["id"], "amount": "1200.00",
                                               "payment_date": "2026-03-10"}))
        _ok(api.post("/api/v1/expenses", json={"expense_date": "2026-03-15", "amount_ht": "100.00",
                                               "tax_rate": 20, "supplier": "Papeterie"}))
    return deps, boot.organization.id

"""Writes ``chalicelib/webhooks/examples.json``: an example ``data`` per event of the webhook catalogue.

The examples are payloads the services wrote: a demo year is loaded into a throwaway store, a few more changes are
made (a client changed and deleted, bank accounts and a statement, a subscription), and the latest payload of each
event type is kept. Events no service writes yet (the winery's orders, stock, lots and analyses) and a few deletes
get the shapes below. Run ``python schemas/generate_webhook_examples.py`` after changing what an event carries.
"""

from __future__ import annotations

import json
import sys
import tempfile
from dataclasses import replace
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
TARGET = ROOT / "chalicelib" / "webhooks" / "examples.json"
if str(ROOT) not in sys.path:  # run as a script, this file's folder is on sys.path instead of the root
    sys.path.insert(0, str(ROOT))

WINERY: dict[str, dict[str, Any]] = {
    "order.created": {"order_id": "5b0f7f3e-2c1d-4a8e-9a51-7d4c2f1e0b6a",
                      "customer_id": "0c9a2f4e-8d6b-4b1a-a3c2-5e7f9d1b3a42", "status": "draft",
                      "total_ht": "1250.00", "total_ttc": "1500.00", "currency": "EUR", "lines_count": 5},
    "stock.low": {"product_id": "8e1d3c5b-7a9f-4e2d-b6c4-1a3f5e7d9b20", "product_name": "Côtes du Rhône 2023 75 cl",
                  "sku": "CDR23-75", "stock_quantity": "18", "alert_threshold": "24"},
    "lot.created": {"lot_id": "3f6a9c2e-1b4d-4e7a-8c5f-2d9b6e3a1c74", "code": "L2026-SYR-03", "vintage": 2026,
                    "grape_variety": "Syrah", "volume_hl": "42.50", "tank_id": "9a2c4e6f-8b1d-4f3a-a5c7-6e9d2b4f1a38"},
    "analysis.alert": {"analysis_id": "c2e4a6f8-1d3b-4c5e-9f7a-3b5d7e9f1a26", "lot_id":
                       "3f6a9c2e-1b4d-4e7a-8c5f-2d9b6e3a1c74", "parameter": "volatile_acidity", "value": "0.98",
                       "unit": "g/l H2SO4", "limit": "0.88", "severity": "critical"},
}
_ORDER_STATES = {"order.validated": "validated", "order.updated": "draft", "order.paid": "paid",
                 "order.shipped": "shipped", "order.cancelled": "cancelled"}


def _latest_payloads(deps: Any, org_id: str) -> dict[str, dict[str, Any]]:
    from chalicelib.webhooks.outbox import list_events

    latest: dict[str, dict[str, Any]] = {}
    cursor = None
    while True:
        events, cursor = list_events(deps.store, org_id, limit=1000, cursor=cursor)
        latest.update({e.type: e.payload for e in events})
        if cursor is None:
            return latest


def _changes(deps: Any, org_id: str) -> None:
    """Changes the demo does not make, through the services."""
    from chalicelib.banking import accounts, alerts, imports, matches, reconcile, transactions
    from chalicelib.banking.models import (
        AlertSettings,
        BankAccountCreate,
        BankAccountPatch,
        IgnoreRequest,
        MatchRequest,
        TransactionListQuery,
    )
    from chalicelib.billing.clients import service as clients
    from chalicelib.billing.clients.models import ClientCreate, ClientPatch
    from chalicelib.billing.expenses import service as expenses
    from chalicelib.billing.expenses.models import ExpenseCreate
    from chalicelib.webhooks import subscriptions
    from chalicelib.webhooks.models import SubscriptionCreate, SubscriptionPatch

    client = clients.create_client(deps, org_id, ClientCreate(company_name="Exemple SARL"))
    clients.update_client(deps, org_id, client.id, ClientPatch(city="Lyon"))
    clients.delete_client(deps, org_id, client.id)
    spare = accounts.create_account(deps, org_id, BankAccountCreate(name="Compte épargne",
                                                                    iban="FR7630004000031234567890143"))
    accounts.update_account(deps, org_id, spare.id, BankAccountPatch(bank_name="BNP Paribas"))
    accounts.delete_account(deps, org_id, spare.id)
    main = accounts.create_account(deps, org_id, BankAccountCreate(name="Compte courant",
                                                                   iban="FR1420041010050500013M02606"))
    statement = ("Date;Libellé;Montant\n02/12/2026;VIR SEPA RECU CLIENT;1 200,00\n"
                 "03/12/2026;FRAIS TENUE DE COMPTE;-8,50\n").encode()
    preview = imports.preview_import(deps, org_id, statement, "releve.csv", main.id)
    imports.confirm_import(deps, org_id, preview.id, main.id)
    reconcile.run(deps, org_id, main.id)
    listed = transactions.list_transactions(deps, org_id, TransactionListQuery(account_id=main.id))
    fee = next(t for t in listed.items if t.amount < 0)
    credit = next(t for t in listed.items if t.amount > 0)
    expense = expenses.create_expense(deps, org_id, ExpenseCreate(expense_date=fee.booking_date,
                                                                  amount=-fee.amount, supplier="Banque"))
    matches.match(deps, org_id, fee.id, MatchRequest(expense_id=expense.id))
    matches.unmatch(deps, org_id, fee.id)
    matches.match(deps, org_id, fee.id, MatchRequest(expense_id=expense.id))
    matches.ignore(deps, org_id, credit.id, IgnoreRequest(reason="Virement interne"))
    alerts.put_settings(deps, org_id, AlertSettings(low_balance=Decimal("10000")))
    alerts.evaluate(deps, org_id)
    hook = subscriptions.create_subscription(deps, org_id, SubscriptionCreate(url="https://hooks.example.com/in",
                                                                              events=["invoice.paid"]))
    subscriptions.update_subscription(deps, org_id, hook.id, SubscriptionPatch(description="Comptabilité"))
    subscriptions.delete_subscription(deps, org_id, hook.id)


def _derived(found: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The shapes of events the run above does not write, from those it does (the services build them alike)."""
    derived: dict[str, dict[str, Any]] = {}
    for family in ("quote", "expense", "product", "project"):
        created = found.get(f"{family}.created", {})
        derived[f"{family}.updated"] = {**created, "changed": ["notes"]}
    derived["quote.deleted"] = found.get("quote.created", {})
    for name in ("invoice.issued", "invoice.cancelled", "invoice.deleted"):
        derived[name] = found.get("invoice.sent", {})
    derived["payment.deleted"] = found.get("payment.created", {})
    for name in ("credit_note.issued", "credit_note.cancelled"):
        derived[name] = found.get("credit_note.created", {})
    expense = found.get("expense.created", {})
    derived["expense.deleted"] = {k: expense.get(k) for k in ("id", "expense_date", "amount")}
    product = found.get("product.created", {})
    derived["product.deleted"] = {k: product.get(k) for k in ("id", "product_name", "sku")}
    project = found.get("project.created", {})
    derived["project.deleted"] = {k: project.get(k) for k in ("id", "name", "client_id")}
    derived["webhook.disabled"] = {**found.get("webhook.updated", {}), "reason": "failing"}
    derived.update({name: {**WINERY["order.created"], "status": state} for name, state in _ORDER_STATES.items()})
    return derived


def generate() -> dict[str, dict[str, Any]]:
    from chalicelib.auth.service import create_organization
    from chalicelib.cli.demo import load_demo
    from chalicelib.core.settings import Settings
    from chalicelib.webhooks.catalogue import CATALOGUE
    from chalicelib.webhooks.egress import GuardedSender
    from chalicelib.wiring import build_deps, using

    with tempfile.TemporaryDirectory() as folder:
        built = build_deps(Settings(stage="test", data_dir=Path(folder)))
        # A resolver of our own: the example subscription's host is never looked up.
        deps = replace(built, egress=GuardedSender(local=False, resolver=lambda host, port: ["93.184.215.14"]))
        with using(deps):
            boot = create_organization(deps, name="Atelier Lumière", owner_email="contact@example.com")
            org_id = boot.organization.id
            load_demo(deps, org_id, "FR")
            _changes(deps, org_id)
            found = _latest_payloads(deps, org_id)
    everything = {**_derived(found), **WINERY, **found}
    return {event.name: everything[event.name] for event in CATALOGUE if event.name in everything}


def main() -> int:
    examples = generate()
    TARGET.write_text(json.dumps(examples, ensure_ascii=False, indent=1, sort_keys=True) + "\n")
    print(f"wrote {TARGET} ({len(examples)} events)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

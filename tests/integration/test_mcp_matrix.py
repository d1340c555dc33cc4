"""Scope and isolation matrices over every MCP tool of the catalogue (``load_all()``), on both storage backends,
and the committed tool contract.

For each tool, ``SAMPLES`` builds valid arguments in the owner's organization (through the REST API). Then: every
key without the tool's scope gets ``insufficient_scope``; the least key with it succeeds (so every tool's output
also passes the SDK's output-schema validation); another organization using the owner's ids gets "not found". A
tool without a sample fails ``test_every_tool_has_a_sample``, so new tools cannot escape the matrices.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from chalicelib.api.local import LocalClient
from chalicelib.auth.scopes import ACTIONS, ADMIN, RESOURCES, allows
from chalicelib.mcp.registry import ToolSpec, load_all
from schemas import generate_mcp
from tests.conftest import unique
from tests.integration import samples_bank as bank
from tests.integration import samples_webhooks as hooks
from tests.integration.billing_helpers import new_client
from tests.integration.conftest import Tenant
from tests.integration.matrix import REQUESTS
from tests.integration.samples_mcp import Mcp, error_code, text_of

CATALOGUE = load_all()
TOOLS = sorted(CATALOGUE.values(), key=lambda spec: spec.name)
Q1 = {"start_date": "2026-01-01", "end_date": "2026-03-31"}
Args = Callable[[LocalClient], dict[str, Any]]


def made(operation: str, position: int = -1) -> Callable[[LocalClient], str]:
    """The id of an entity the REST matrix sample of ``operation`` creates for the owner."""
    return lambda owner: REQUESTS[operation](owner).path.split("?")[0].split("/")[position]


client, draft_invoice, payment = (lambda o: new_client(o)), made("getInvoice"), made("getPayment")
invoice = made("exportFacturX")  # issued, in books with a company that has a SIREN
draft_quote, sent_quote, credit_note = made("getQuote"), made("convertQuote", -2), made("getCreditNote")
expense, product, project = made("getExpense"), made("getProduct"), made("getProject")


def books(arguments: dict[str, Any]) -> Args:
    """``arguments`` once the owner has a company with a SIREN and initialized books holding an invoice."""
    def build(owner: LocalClient) -> dict[str, Any]:
        REQUESTS["exportFEC"](owner)
        return arguments

    return build


def ids(**builders: Callable[[LocalClient], str]) -> Callable[..., Args]:
    def with_fields(**fields: Any) -> Args:
        return lambda owner: {**{name: make(owner) for name, make in builders.items()}, **fields}

    return with_fields


SAMPLES: dict[str, Args] = {
    "list_invoices": lambda o: {"limit": 5},
    "get_invoice": ids(invoice_id=invoice)(),
    "create_invoice": ids(client_id=client)(total_ht=100, tax_rate=20),
    "update_invoice_status": ids(invoice_id=draft_invoice)(status="sent"),
    "search_invoices": lambda o: {"query": "INV"},
    "get_invoice_stats": lambda o: {"months": 3},
    "update_invoice": ids(invoice_id=draft_invoice)(notes="n"),
    "create_client": lambda o: {"company_name": unique("Client")},
    "get_client": ids(client_id=client)(),
    "get_client_balance": ids(client_id=client)(),
    "list_clients": lambda o: {},
    "update_client": ids(client_id=client)(city="Lyon"),
    "create_payment": ids(invoice_id=invoice)(amount=10),
    "get_payment": ids(payment_id=payment)(),
    "get_receivables_summary": lambda o: {},
    "get_unpaid_invoices": lambda o: {"days_overdue": 0},
    "list_payments": lambda o: {},
    "get_accounting_entries": books({}),
    "get_chart_of_accounts": books({"category": "revenue"}),
    "get_tax_summary": books(Q1),
    "get_trial_balance": books({"date": "2026-03-31"}),
    "init_accounting": lambda o: {"country": "FR"},
    "get_cash_flow": lambda o: {"months": 6},
    "get_dashboard_kpis": lambda o: {},
    "get_top_clients": lambda o: {"limit": 3},
    "backup_all_data": lambda o: {},
    "export_facturx": ids(invoice_id=invoice)(profile="EN16931"),
    "export_fec": books(Q1),
    "export_saft": books(Q1),
    "convert_quote_to_invoice": ids(quote_id=sent_quote)(),
    "create_quote": ids(client_id=client)(total_ht=100, tax_rate=20),
    "delete_quote": ids(quote_id=draft_quote)(confirm=True),
    "get_quote": ids(quote_id=draft_quote)(),
    "list_quotes": lambda o: {},
    "update_quote": ids(quote_id=draft_quote)(notes="n"),
    "update_quote_status": ids(quote_id=draft_quote)(status="sent"),
    "cancel_credit_note": ids(credit_note_id=credit_note)(confirm=True),
    "create_credit_note": ids(invoice_id=invoice)(reason="Remise", total_ht=10, tax_rate=20),
    "get_credit_note": ids(credit_note_id=credit_note)(),
    "list_credit_notes": lambda o: {},
    "create_expense": lambda o: {"expense_date": "2026-03-02", "amount": 30},
    "delete_expense": ids(expense_id=expense)(confirm=True),
    "get_expense": ids(expense_id=expense)(),
    "list_expenses": lambda o: {},
    "update_expense": ids(expense_id=expense)(category="travel"),
    "create_product": lambda o: {"product_name": unique("Product"), "unit_price": 10},
    "delete_product": ids(product_id=product)(confirm=True),
    "get_product": ids(product_id=product)(),
    "list_products": lambda o: {},
    "update_product": ids(product_id=product)(stock_quantity=3),
    "create_project": lambda o: {"name": unique("Project")},
    "delete_project": ids(project_id=project)(confirm=True),
    "get_project": ids(project_id=project)(),
    "list_projects": lambda o: {},
    "update_project": ids(project_id=project)(status="on_hold"),
    "get_company_profile": lambda o: {},
    "update_company_profile": lambda o: {"legal_name": unique("Company"), "siren": "732829320"},
    "get_accounting_settings": books({}),
    "get_balance_sheet": books({}),
    "get_general_ledger": books({"account_code": "411"}),
    "get_income_statement": books({}),
    "update_accounting_settings": books({"mappings": {"revenue": "706"}}),
    "verify_ledger": books({}),
    "delete_client": ids(client_id=client)(confirm=True),
    "delete_invoice": ids(invoice_id=draft_invoice)(confirm=True),
    "delete_payment": ids(payment_id=payment)(confirm=True),
    "list_bank_accounts": lambda o: {},
    "import_bank_statement": lambda o: {**bank.upload_body(bank.statement_csv(("10/03/2026", "CB CARREFOUR",
                                                                               "-42,10"))),
                                        "account_id": bank.account(o)},
    "confirm_bank_import": ids(import_id=bank.preview)(),
    "list_bank_transactions": lambda o: {},
    "suggest_bank_matches": ids(transaction_id=bank.transaction)(),
    "match_bank_transaction": ids(transaction_id=bank.transaction, expense_id=bank.expense)(),
    "ignore_bank_transaction": ids(transaction_id=bank.transaction)(ledger_account=None),
    "run_bank_reconciliation": lambda o: {},
    "list_bank_alerts": lambda o: {},
    "list_webhook_events": lambda o: {},
    "list_webhooks": lambda o: {},
    "create_webhook": lambda o: {"url": hooks.CLOSED_PORT_URL, "events": ["invoice.paid"]},
    "delete_webhook": ids(webhook_id=hooks.subscription)(confirm=True),
    "list_webhook_deliveries": ids(webhook_id=hooks.subscription)(),
    "replay_webhook_delivery": lambda o: dict(zip(("webhook_id", "delivery_id"), hooks.delivery(o), strict=True)),
    # the owner's own (empty) organization, backed up then restored into itself
    "restore_backup": lambda o: {"document": o.get("/api/v1/exports/backup").json()["data"], "confirm": True},
}


def sample(spec: ToolSpec, owner: LocalClient) -> dict[str, Any]:
    if spec.name not in SAMPLES:
        pytest.fail(f"add a sample for the tool {spec.name} to SAMPLES")
    return SAMPLES[spec.name](owner)


def refused_scope_sets(spec: ToolSpec) -> list[tuple[str, ...]]:
    """Key scope sets that must NOT be allowed to call this tool."""
    candidates = [(a,) for a in sorted(ACTIONS)] + [(a, r) for a in sorted(ACTIONS) for r in sorted(RESOURCES)]
    candidates += [(r,) for r in sorted(RESOURCES)]
    return [c for c in candidates if not allows(frozenset(c), spec.action, spec.resource)]


def least_scopes(spec: ToolSpec) -> tuple[str, ...]:
    if spec.resource == ADMIN:
        return ("all",)
    return (spec.action,) + ((spec.resource,) if spec.resource else ())


def parameters(spec: ToolSpec) -> dict[str, inspect.Parameter]:
    return dict(list(inspect.signature(spec.fn).parameters.items())[1:])


def takes_ids(spec: ToolSpec) -> bool:
    """Whether the tool needs the id of something the organization owns."""
    return any(name.endswith("_id") and p.default is inspect.Parameter.empty for name, p in parameters(spec).items())


# --- the catalogue ------------------------------------------------------------------------------------------------


def test_every_tool_has_a_sample() -> None:
    assert sorted(set(CATALOGUE) - set(SAMPLES)) == []


@pytest.mark.parametrize("spec", TOOLS, ids=[spec.name for spec in TOOLS])
def test_tool_declares_a_known_scope_and_the_arguments_its_kind_needs(spec: ToolSpec) -> None:
    assert spec.action in ACTIONS
    assert spec.resource is None or spec.resource in RESOURCES | {ADMIN}
    names = parameters(spec)
    if not spec.read_only:
        assert "idempotency_key" in names, "a write tool takes an idempotency_key"
    if spec.destructive:
        assert "confirm" in names, "a destructive tool takes confirm"


def test_committed_contract_equals_a_fresh_generation() -> None:
    diff = generate_mcp.check()
    assert diff == [], "schemas/mcp-tools.json is stale: run python schemas/generate_mcp.py\n" + "".join(diff[:60])


def test_contract_lists_every_tool_with_its_toolset_schemas_and_annotations() -> None:
    contract = generate_mcp.contract()
    listed = {tool["name"]: tool for tool in contract["tools"]}
    assert set(listed) == set(CATALOGUE)
    for name, tool in listed.items():
        spec = CATALOGUE[name]
        assert tool["toolset"] == spec.toolset and tool["title"] == spec.title and tool["description"]
        assert tool["inputSchema"]["type"] == "object" and "caller" not in tool["inputSchema"].get("properties", {})
        assert tool["outputSchema"]["type"] == "object"
        assert tool["annotations"]["readOnlyHint"] is spec.read_only
        assert tool["annotations"]["destructiveHint"] is (spec.destructive and not spec.read_only)
        assert tool["annotations"]["idempotentHint"] is spec.idempotent


def test_check_mode_fails_on_a_stale_contract_and_passes_on_a_fresh_one(tmp_path: Path) -> None:
    fresh = tmp_path / "fresh.json"
    assert generate_mcp.main(["--output", str(fresh)]) == 0
    assert generate_mcp.main(["--check", "--output", str(fresh)]) == 0
    stale = tmp_path / "stale.json"
    stale.write_text(fresh.read_text(encoding="utf-8").replace('"get_dashboard_kpis"', '"get_kpis"'),
                     encoding="utf-8")
    assert generate_mcp.main(["--check", "--output", str(stale)]) == 1
    assert generate_mcp.main(["--check", "--output", str(tmp_path / "missing.json")]) == 1


# --- scopes and isolation -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("spec", TOOLS, ids=[spec.name for spec in TOOLS])
def test_tool_refuses_every_key_without_its_scope(spec: ToolSpec, key_with, api: LocalClient) -> None:  # type: ignore[no-untyped-def]
    arguments = sample(spec, api)  # refused calls change nothing, so one sample serves them all
    for scopes in refused_scope_sets(spec):
        result = Mcp(key_with(*scopes), toolsets="all").call(spec.name, arguments)
        assert error_code(result) == "insufficient_scope", (scopes, result)


@pytest.mark.parametrize("spec", TOOLS, ids=[spec.name for spec in TOOLS])
def test_tool_succeeds_with_the_least_key_that_has_its_scope(spec: ToolSpec, key_with, api: LocalClient) -> None:  # type: ignore[no-untyped-def]
    result = Mcp(key_with(*least_scopes(spec)), toolsets="all").call(spec.name, sample(spec, api))
    assert result["isError"] is False, text_of(result)
    assert isinstance(result["structuredContent"], dict)


WITH_IDS = [spec for spec in TOOLS if takes_ids(spec)]


@pytest.mark.parametrize("spec", WITH_IDS, ids=[spec.name for spec in WITH_IDS])
def test_another_organization_cannot_reach_the_owners_ids(spec: ToolSpec, tenant: Tenant,
                                                          other_tenant: Tenant) -> None:
    arguments = sample(spec, tenant.client)
    result = Mcp(other_tenant.client, toolsets="all").call(spec.name, arguments)
    code = error_code(result)
    assert code.endswith("not_found") or (code == "validation_error" and "organization" in text_of(result)), result

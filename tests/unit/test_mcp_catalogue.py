"""The MCP tool catalogue as declared: the seed's 26 tools with their exact parameter names and defaults, the
toolsets, descriptions written for a model, the confirm/idempotency parameters, pydantic outputs, and the scope of
each tool equal to the scope of the REST route it mirrors."""

from __future__ import annotations

import inspect
import re
import typing
from typing import Any

import pytest
from mcp.server.mcpserver.utilities.func_metadata import func_metadata
from pydantic import BaseModel
from pydantic.fields import FieldInfo

from chalicelib.api.registry import all_routes
from chalicelib.billing.clients.models import ClientFields
from chalicelib.billing.invoices.models import InvoiceCreate
from chalicelib.billing.payments.models import PaymentCreate
from chalicelib.company.models import WRITABLE_FIELDS
from chalicelib.core.errors import ValidationFailed
from chalicelib.mcp.models import ALL_TOOLSETS, DEFAULT_TOOLSETS, request, rules
from chalicelib.mcp.registry import ToolSpec, load_all
from chalicelib.mcp.server import checked_arguments

TOOLS = load_all()
SERVER_PARAMETERS = {"caller", "idempotency_key", "confirm"}

# The 26 tools of the seed (reference §2): toolset and parameter names, in the seed's order.
SEED: dict[str, tuple[str, tuple[str, ...]]] = {
    "list_invoices": ("invoices", ("status", "client_id", "limit")),
    "get_invoice": ("invoices", ("invoice_id",)),
    "create_invoice": ("invoices", ("invoice_number", "client_id", "date", "due_date", "total_ht", "tax_rate",
                                    "total_ttc", "status", "notes")),
    "update_invoice_status": ("invoices", ("invoice_id", "status")),
    "search_invoices": ("invoices", ("query",)),
    "get_invoice_stats": ("invoices", ("months",)),
    "list_clients": ("clients", ("search", "limit")),
    "get_client": ("clients", ("client_id",)),
    "create_client": ("clients", ("company_name", "contact_name", "email", "address", "city", "postal_code",
                                  "country", "phone", "vat_number", "notes")),
    "get_client_balance": ("clients", ("client_id",)),
    "list_payments": ("payments", ("invoice_id", "client_id", "limit")),
    "create_payment": ("payments", ("invoice_id", "amount", "payment_method", "payment_date", "reference",
                                    "notes")),
    "get_unpaid_invoices": ("payments", ("days_overdue",)),
    "get_receivables_summary": ("payments", ()),
    "get_chart_of_accounts": ("accounting", ("category",)),
    "get_accounting_entries": ("accounting", ("start_date", "end_date", "account_code", "limit")),
    "get_trial_balance": ("accounting", ("date",)),
    "get_tax_summary": ("accounting", ("start_date", "end_date")),
    "init_accounting": ("accounting", ("country",)),
    "get_cash_flow": ("analytics", ("months",)),
    "get_dashboard_kpis": ("analytics", ()),
    "get_top_clients": ("analytics", ("limit",)),
    "export_fec": ("exports", ("start_date", "end_date")),
    "export_saft": ("exports", ("start_date", "end_date")),
    "export_facturx": ("exports", ("invoice_id", "profile")),
    "backup_all_data": ("exports", ()),
}
# Optional parameters added to seed tools: invoice lines, and cursors for the lists that page.
SEED_EXTRAS: dict[str, tuple[str, ...]] = {
    "create_invoice": ("items",),
    "list_invoices": ("cursor",),
    "list_clients": ("cursor",),
    "list_payments": ("cursor",),
    "get_accounting_entries": ("cursor",),
    "export_fec": ("fiscal_year",),
}
# The seed's defaults.
SEED_DEFAULTS: dict[tuple[str, str], Any] = {
    ("list_invoices", "limit"): 50, ("list_clients", "limit"): 50, ("list_payments", "limit"): 50,
    ("create_invoice", "tax_rate"): 20, ("create_invoice", "status"): "draft",
    ("create_payment", "payment_method"): "bank_transfer", ("get_invoice_stats", "months"): 12,
    ("get_accounting_entries", "limit"): 100, ("get_cash_flow", "months"): 6, ("get_top_clients", "limit"): 10,
    ("export_facturx", "profile"): "BASIC",
}
# The REST operation each tool mirrors (same service call, so same scope).
MIRRORS: dict[str, str] = {
    "list_invoices": "listInvoices", "get_invoice": "getInvoice", "create_invoice": "createInvoice",
    "update_invoice_status": "updateInvoice", "search_invoices": "listInvoices", "get_invoice_stats": "getInvoiceStats",
    "update_invoice": "updateInvoice", "delete_invoice": "deleteInvoice",
    "list_clients": "listClients", "get_client": "getClient", "create_client": "createClient",
    "get_client_balance": "getClientBalance", "update_client": "updateClient", "delete_client": "deleteClient",
    "list_payments": "listPayments", "create_payment": "createPayment", "get_unpaid_invoices": "getUnpaidInvoices",
    "get_receivables_summary": "getReceivablesSummary", "get_payment": "getPayment",
    "delete_payment": "deletePayment",
    "get_chart_of_accounts": "getChartOfAccounts", "get_accounting_entries": "getAccountingEntries",
    "get_trial_balance": "getTrialBalance", "get_tax_summary": "getTaxSummary", "init_accounting": "initAccounting",
    "get_income_statement": "getIncomeStatement", "get_balance_sheet": "getBalanceSheet",
    "verify_ledger": "verifyLedger", "get_general_ledger": "getGeneralLedger",
    "get_accounting_settings": "getAccountingSettings", "update_accounting_settings": "updateAccountingSettings",
    "get_cash_flow": "getCashFlow", "get_dashboard_kpis": "getDashboardKPIs", "get_top_clients": "getTopClients",
    "export_fec": "exportFEC", "export_saft": "exportSAFT", "export_facturx": "exportFacturX",
    "backup_all_data": "exportBackup", "restore_backup": "importBackup",
    "list_quotes": "listQuotes", "get_quote": "getQuote", "create_quote": "createQuote", "update_quote": "updateQuote",
    "update_quote_status": "updateQuote", "convert_quote_to_invoice": "convertQuote", "delete_quote": "deleteQuote",
    "list_credit_notes": "listCreditNotes", "get_credit_note": "getCreditNote",
    "create_credit_note": "createCreditNote", "cancel_credit_note": "cancelCreditNote",
    "list_expenses": "listExpenses", "get_expense": "getExpense", "create_expense": "createExpense",
    "update_expense": "updateExpense", "delete_expense": "deleteExpense",
    "list_products": "listProducts", "get_product": "getProduct", "create_product": "createProduct",
    "update_product": "updateProduct", "delete_product": "deleteProduct",
    "list_projects": "listProjects", "get_project": "getProject", "create_project": "createProject",
    "update_project": "updateProject", "delete_project": "deleteProject",
    "get_company_profile": "getCompany", "update_company_profile": "updateCompany",
    "list_bank_accounts": "listBankAccounts", "import_bank_statement": "importBankStatement",
    "confirm_bank_import": "confirmBankImport", "list_bank_transactions": "listBankTransactions",
    "suggest_bank_matches": "suggestBankMatches", "match_bank_transaction": "matchBankTransaction",
    "ignore_bank_transaction": "ignoreBankTransaction", "run_bank_reconciliation": "runBankReconciliation",
    "list_bank_alerts": "listBankAlerts",
    "list_webhook_events": "listWebhookEvents", "list_webhooks": "listWebhooks", "create_webhook": "createWebhook",
    "delete_webhook": "deleteWebhook", "list_webhook_deliveries": "listWebhookDeliveries",
    "replay_webhook_delivery": "replayWebhookDelivery",
}


def _params(spec: ToolSpec) -> dict[str, inspect.Parameter]:
    return dict(inspect.signature(spec.fn, eval_str=True).parameters)


def _own_params(spec: ToolSpec) -> tuple[str, ...]:
    return tuple(name for name in _params(spec) if name not in SERVER_PARAMETERS)


def _field(annotation: Any) -> FieldInfo | None:
    if typing.get_origin(annotation) is not typing.Annotated:
        return None
    fields = [m for m in annotation.__metadata__ if isinstance(m, FieldInfo)]
    return fields[-1] if fields else None


ALL = sorted(TOOLS)


@pytest.mark.parametrize("name", sorted(SEED))
def test_seed_tool_is_registered_in_its_toolset_with_the_seed_parameter_names(name: str) -> None:
    toolset, seed_params = SEED[name]
    spec = TOOLS[name]
    assert spec.toolset == toolset
    assert _own_params(spec) == seed_params + SEED_EXTRAS.get(name, ())


@pytest.mark.parametrize("name", sorted(SEED_EXTRAS))
def test_parameters_added_to_a_seed_tool_are_optional(name: str) -> None:
    params = _params(TOOLS[name])
    for extra in SEED_EXTRAS[name]:
        assert params[extra].default is None


@pytest.mark.parametrize(("name", "param"), sorted(SEED_DEFAULTS))
def test_seed_tool_parameter_keeps_the_seed_default(name: str, param: str) -> None:
    assert _params(TOOLS[name])[param].default == SEED_DEFAULTS[(name, param)]


def test_default_toolsets_hold_the_26_seed_tools_and_at_most_14_others() -> None:
    default = {name for name, spec in TOOLS.items() if spec.toolset in DEFAULT_TOOLSETS}
    assert set(SEED) <= default
    assert len(default - set(SEED)) <= 14


def test_every_tool_is_in_exactly_one_declared_toolset_and_every_toolset_has_tools() -> None:
    assert len(ALL_TOOLSETS) == len(set(ALL_TOOLSETS))
    assert {spec.toolset for spec in TOOLS.values()} == set(ALL_TOOLSETS)


def test_destructive_tools_are_outside_the_default_toolsets() -> None:
    assert not [name for name, spec in TOOLS.items() if spec.destructive and spec.toolset in DEFAULT_TOOLSETS]


@pytest.mark.parametrize("name", ALL)
def test_tool_name_is_a_snake_case_verb_phrase(name: str) -> None:
    assert re.fullmatch(r"[a-z]+(_[a-z]+)+", name)


@pytest.mark.parametrize("name", ALL)
def test_tool_has_a_description_for_a_model_and_a_title(name: str) -> None:
    spec = TOOLS[name]
    assert len(spec.description) >= 40
    assert spec.title


@pytest.mark.parametrize("name", ALL)
def test_every_parameter_has_a_type_and_a_field_description(name: str) -> None:
    params = _params(TOOLS[name])
    assert next(iter(params)) == "caller"
    for param_name, param in list(params.items())[1:]:
        assert param.kind is inspect.Parameter.KEYWORD_ONLY, param_name
        field = _field(param.annotation)
        assert field is not None and field.description, f"{name}.{param_name} has no Field description"


@pytest.mark.parametrize("name", ALL)
def test_destructive_tool_has_confirm_defaulting_to_false_and_others_have_none(name: str) -> None:
    spec = TOOLS[name]
    params = _params(spec)
    if spec.destructive:
        field = _field(params["confirm"].annotation)
        assert params["confirm"].default is False
        assert field is not None and str(field.description).startswith("Must be true")
    else:
        assert "confirm" not in params


@pytest.mark.parametrize("name", ALL)
def test_write_tool_declares_idempotency_key_and_read_tool_does_not(name: str) -> None:
    spec = TOOLS[name]
    params = _params(spec)
    if spec.read_only:
        assert "idempotency_key" not in params
        assert not spec.destructive and spec.idempotent
    else:
        field = _field(params["idempotency_key"].annotation)
        assert params["idempotency_key"].default is None
        assert field is not None and any(getattr(m, "max_length", None) == 255 for m in field.metadata)


@pytest.mark.parametrize("name", ALL)
def test_tool_returns_a_pydantic_model(name: str) -> None:
    returned = typing.get_type_hints(TOOLS[name].fn)["return"]
    assert inspect.isclass(returned) and issubclass(returned, BaseModel)


@pytest.mark.parametrize("name", ALL)
def test_sdk_builds_the_input_and_output_schemas_of_the_tool(name: str) -> None:
    meta = func_metadata(TOOLS[name].fn, skip_names=["caller"], structured_output=True)
    schema = meta.arg_model.model_json_schema()
    assert "caller" not in schema.get("properties", {})
    assert meta.output_schema is not None and meta.output_schema["type"] == "object"


def test_every_tool_mirrors_a_declared_rest_route() -> None:
    assert set(MIRRORS) == set(TOOLS)


@pytest.mark.parametrize("name", ALL)
def test_tool_needs_the_same_scope_as_the_rest_route_it_mirrors(name: str) -> None:
    routes = {route.operation_id: route for route in all_routes()}
    route = routes[MIRRORS[name]]
    spec = TOOLS[name]
    assert (spec.action, spec.resource) == (route.action, route.resource)


@pytest.mark.parametrize("name", ALL)
def test_tool_parameter_states_every_rule_the_rest_request_model_declares_on_its_field(name: str) -> None:
    # A parameter named like a field of the mirrored route's body or query model publishes at least its rules
    route = {route.operation_id: route for route in all_routes()}[MIRRORS[name]]
    arguments = checked_arguments(TOOLS[name]).arg_model
    for model in (m for m in (route.body, route.query) if m is not None):
        for field in sorted(set(arguments.model_fields) & set(model.model_fields)):
            assert rules(model, field).items() <= rules(arguments, field).items(), (field, model.__name__)


def test_rules_are_the_constraints_a_request_model_declares_on_a_field() -> None:
    assert rules(ClientFields, "company_name") == {"min_length": 1, "max_length": 200}
    assert rules(ClientFields, "payment_terms") == {"ge": 0, "le": 365}
    assert rules(PaymentCreate, "amount") == {"gt": 0}
    assert rules(ClientFields, "iban") == {}  # kept by its validator type, not declared


def test_update_company_profile_offers_every_writable_field_of_the_profile() -> None:
    assert set(_own_params(TOOLS["update_company_profile"])) == set(WRITABLE_FIELDS)


def test_request_helper_reports_a_broken_rule_as_a_validation_error_naming_the_field() -> None:
    # Given arguments without amounts, When the request model is built, Then the error names total_ht
    with pytest.raises(ValidationFailed) as caught:
        request(InvoiceCreate, client_id="c-1", total_ht=None)
    assert "total_ht" in caught.value.details


def test_request_helper_leaves_out_arguments_that_were_not_given() -> None:
    built = request(InvoiceCreate, client_id="c-1", total_ht=100, notes=None)
    assert built.model_fields_set == {"client_id", "total_ht"}

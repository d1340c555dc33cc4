"""``/mcp`` in-process, through the whole app (``LocalClient``: API-Gateway event, route, bridge, SDK), on both
storage backends: the seed's three calls, both protocol eras (raw JSON-RPC and the SDK's own client), the key
carriers and refusals, scopes, isolation, confirmation, idempotency, toolsets, quotas, batches, prompts and
resources."""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from pathlib import Path
from typing import Any

import anyio
import httpx2
import pytest
from mcp.client import Client
from mcp.client.streamable_http import streamable_http_client
from mcp_types.version import HANDSHAKE_PROTOCOL_VERSIONS, LATEST_HANDSHAKE_VERSION

from app import app as whole_app
from chalicelib.api.local import LocalClient
from chalicelib.auth.models import Principal
from chalicelib.core.errors import NotFound
from chalicelib.mcp import server
from chalicelib.mcp.models import DEFAULT_TOOLSETS
from chalicelib.mcp.registry import Caller, ToolSpec, load_all
from chalicelib.store.deps import Deps
from tests.conftest import unique
from tests.integration.billing_helpers import new_client, new_invoice
from tests.integration.conftest import Tenant
from tests.integration.samples_mcp import INITIALIZE, MCP_HEADERS, MODERN, MODERN_META, Mcp, error_code, text_of

ROOT = Path(__file__).resolve().parents[2]
COMPANY = {"legal_name": "Atelier Dupont SARL", "siren": "732829320", "vat_number": "FR44732829320", "country": "FR",
           "address_line1": "12 rue de la Paix", "postal_code": "75002", "city": "Paris"}
SEED_TOOLS = {
    "list_invoices", "get_invoice", "create_invoice", "update_invoice_status", "search_invoices", "get_invoice_stats",
    "list_clients", "get_client", "create_client", "get_client_balance",
    "list_payments", "create_payment", "get_unpaid_invoices", "get_receivables_summary",
    "get_chart_of_accounts", "get_accounting_entries", "get_trial_balance", "get_tax_summary", "init_accounting",
    "get_cash_flow", "get_dashboard_kpis", "get_top_clients",
    "export_fec", "export_saft", "export_facturx", "backup_all_data",
}


@pytest.fixture
def mcp(tenant: Tenant) -> Mcp:
    return Mcp(tenant.client)


def exact(text: str) -> Any:
    return json.loads(text, parse_float=Decimal)


def modern_headers(method: str, name: str | None = None) -> dict[str, str]:
    return {"MCP-Protocol-Version": MODERN, "Mcp-Method": method, **({"Mcp-Name": name} if name else {})}


# --- the protocol ---------------------------------------------------------------------------------------------


def test_the_seeds_three_calls_answer_like_the_rest_api(mcp: Mcp, tenant: Tenant) -> None:
    # Given an organization with an issued invoice
    new_invoice(tenant.client)
    # When the seed's initialize, tools/list and tools/call are sent
    init = mcp.post(INITIALIZE)
    tools = mcp.tools()
    kpis = mcp.call("get_dashboard_kpis")
    # Then the handshake names the server, the 26 tools are listed, and the KPIs are the REST route's
    assert init.status_code == 200
    assert init.json()["result"]["protocolVersion"] == "2025-03-26"
    assert init.json()["result"]["serverInfo"]["name"] == "cashpilot"
    assert set(tools) >= SEED_TOOLS
    assert kpis["isError"] is False
    rest = tenant.client.get("/api/v1/analytics/kpis").json()["data"]
    assert exact(text_of(kpis)) == rest
    assert kpis["structuredContent"]["revenue_billed"] == rest["revenue_billed"] == Decimal("1200.00")


def test_initialize_negotiates_every_handshake_version(mcp: Mcp) -> None:
    for version in HANDSHAKE_PROTOCOL_VERSIONS:
        params = {**INITIALIZE["params"], "protocolVersion": version}  # type: ignore[dict-item]
        assert mcp.result("initialize", params)["protocolVersion"] == version
    unknown = {**INITIALIZE["params"], "protocolVersion": "1999-01-01"}  # type: ignore[dict-item]
    assert mcp.result("initialize", unknown)["protocolVersion"] == LATEST_HANDSHAKE_VERSION


def test_the_2026_era_needs_no_handshake(mcp: Mcp) -> None:
    discovered = mcp.result("server/discover", {"_meta": MODERN_META}, headers=modern_headers("server/discover"))
    assert MODERN in discovered["supportedVersions"]
    called = mcp.result("tools/call", {"name": "get_dashboard_kpis", "arguments": {}, "_meta": MODERN_META},
                        headers=modern_headers("tools/call", "get_dashboard_kpis"))
    assert called["isError"] is False and called["structuredContent"]["currency"] == "EUR"


class LocalTransport(httpx2.AsyncBaseTransport):
    """Lets the SDK's own HTTP client talk to the app in-process."""

    def __init__(self, client: LocalClient) -> None:
        self.client = client

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        body = await request.aread()
        headers = dict(request.headers.items())
        answer = await anyio.to_thread.run_sync(
            lambda: self.client.request(request.method, request.url.raw_path.decode(), body=body, headers=headers))
        return httpx2.Response(answer.status_code, headers=answer.headers, content=answer.body)


@pytest.mark.parametrize("mode", ["legacy", MODERN])
def test_the_sdks_own_client_works_in_both_eras(mode: str, tenant: Tenant) -> None:
    client_id = new_client(tenant.client, company_name="Dupont SA")

    async def session() -> tuple[str, Any, Any]:
        http = httpx2.AsyncClient(transport=LocalTransport(LocalClient(whole_app)),
                                  headers={"Authorization": f"Bearer {tenant.key}"})
        async with Client(streamable_http_client("http://127.0.0.1:8000/mcp", http_client=http), mode=mode) as c:
            listed = await c.list_tools()
            called = await c.call_tool("get_client", {"client_id": client_id})
            return c.protocol_version, listed, called

    version, listed, called = anyio.run(session)
    assert version == (LATEST_HANDSHAKE_VERSION if mode == "legacy" else MODERN)
    by_name = {tool.name: tool for tool in listed.tools}
    assert by_name["get_client"].input_schema["required"] == ["client_id"]
    assert by_name["get_client"].output_schema is not None
    assert by_name["create_client"].annotations.read_only_hint is False
    assert by_name["get_client"].annotations.read_only_hint is True
    assert called.is_error is False and called.structured_content["client"]["company_name"] == "Dupont SA"


def test_a_batch_is_answered_as_an_array_and_notifications_alone_with_202(mcp: Mcp) -> None:
    answered = mcp.post([{"jsonrpc": "2.0", "id": 7, "method": "ping"},
                         {"jsonrpc": "2.0", "method": "notifications/initialized"},
                         {"jsonrpc": "2.0", "id": 8, "method": "tools/list"}])
    assert answered.status_code == 200
    assert [reply["id"] for reply in answered.json()] == [7, 8]
    silent = mcp.post([{"jsonrpc": "2.0", "method": "notifications/initialized"}])
    assert (silent.status_code, silent.body) == (202, b"")


def test_get_is_405_and_delete_reaches_the_stateless_sdk(tenant: Tenant) -> None:
    got = tenant.client.get("/mcp", headers=MCP_HEADERS)
    assert got.status_code == 405 and got.headers["Allow"] == "POST, DELETE"
    deleted = tenant.client.delete("/mcp", headers=MCP_HEADERS)
    assert deleted.status_code == 405 and deleted.json()["jsonrpc"] == "2.0"  # no session to end
    assert tenant.client.put("/mcp", json={}, headers=MCP_HEADERS).status_code == 405


def test_malformed_json_is_a_parse_error_and_a_foreign_host_is_refused(mcp: Mcp) -> None:
    broken = mcp.post(b"{not json")
    assert broken.status_code == 400 and broken.json()["error"]["code"] == -32700
    assert mcp.rpc("ping", headers={"Host": "attacker.example"}).status_code == 421  # DNS rebinding


def test_the_api_gateway_host_is_accepted_without_configuration(tenant: Tenant, deps: Deps) -> None:
    from functions.mcp import app

    host = "mcp.example.com"
    event = {"resource": "/mcp", "path": "/mcp", "httpMethod": "POST",
             "headers": {**MCP_HEADERS, "Host": host, "X-API-Key": tenant.key},
             "multiValueHeaders": {}, "queryStringParameters": None, "multiValueQueryStringParameters": None,
             "pathParameters": None, "stageVariables": None, "body": json.dumps(INITIALIZE), "isBase64Encoded": False,
             "requestContext": {"resourcePath": "/mcp", "httpMethod": "POST", "path": "/prod/mcp", "stage": "prod",
                                "domainName": host, "requestId": str(uuid.uuid4()),
                                "identity": {"sourceIp": "203.0.113.9"}}}
    answer = app(event, None)
    assert answer["statusCode"] == 200, answer["body"]
    assert json.loads(answer["body"])["result"]["serverInfo"]["name"] == "cashpilot"


# --- authentication, quotas, scopes -------------------------------------------------------------------------------


def test_a_missing_or_bad_key_is_a_jsonrpc_401(anonymous: LocalClient, tenant: Tenant) -> None:
    missing = Mcp(anonymous).post(INITIALIZE)
    assert missing.status_code == 401
    body = missing.json()
    assert body["jsonrpc"] == "2.0" and body["id"] == 1
    assert body["error"]["code"] == -32001 and body["error"]["data"]["error"] == "missing_api_key"
    assert "X-RateLimit-Limit" in missing.headers  # counted against the client IP
    bad = Mcp(anonymous).post(INITIALIZE, headers={"X-API-Key": "cpk_" + "0" * 64})
    assert bad.status_code == 401 and bad.json()["error"]["data"]["error"] == "invalid_api_key"
    key_id = tenant.client.post("/api/v1/api-keys", json={"name": "doomed"}).json()["data"]
    tenant.client.delete(f"/api/v1/api-keys/{key_id['id']}")
    revoked = Mcp(anonymous).post(INITIALIZE, headers={"X-API-Key": key_id["key"]})
    assert revoked.status_code == 401 and revoked.json()["error"]["data"]["error"] == "api_key_revoked"


def test_every_key_carrier_is_accepted(anonymous: LocalClient, tenant: Tenant) -> None:
    mcp = Mcp(anonymous)
    assert mcp.post(INITIALIZE, headers={"X-API-Key": tenant.key}).status_code == 200
    assert mcp.post(INITIALIZE, headers={"Authorization": f"Bearer {tenant.key}"}).status_code == 200
    assert mcp.post(INITIALIZE, path=f"/mcp?api_key={tenant.key}&toolsets=quotes").status_code == 200


def test_the_pipelines_idempotency_header_does_not_interfere(mcp: Mcp) -> None:
    first = mcp.rpc("ping", headers={"Idempotency-Key": "same"})
    second = mcp.rpc("tools/list", headers={"Idempotency-Key": "same"})
    assert first.json()["result"] == {} and "tools" in second.json()["result"]


def test_requests_count_against_the_keys_quota(key_with) -> None:  # type: ignore[no-untyped-def]
    mcp = Mcp(key_with("all", rate_limit=2, rate_window=3600))
    assert [mcp.rpc("ping").status_code for _ in range(2)] == [200, 200]
    refused = mcp.rpc("ping")
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) >= 1
    assert refused.json()["error"]["code"] == -32029
    assert refused.json()["error"]["data"]["error"] == "rate_limit_exceeded"


def test_a_read_only_key_cannot_call_a_write_tool(key_with, tenant: Tenant) -> None:  # type: ignore[no-untyped-def]
    mcp = Mcp(key_with("read"))
    refused = mcp.call("create_client", {"company_name": "Nope SARL"})
    assert error_code(refused) == "insufficient_scope"
    assert "'write' on 'customers'" in text_of(refused)
    assert mcp.call("list_clients")["isError"] is False
    assert tenant.client.get("/api/v1/clients?search=Nope").json()["meta"]["total"] == 0


def test_a_resource_limited_key_reaches_only_its_resources(key_with) -> None:  # type: ignore[no-untyped-def]
    mcp = Mcp(key_with("read", "customers"))
    assert mcp.call("list_clients")["isError"] is False
    assert error_code(mcp.call("list_invoices")) == "insufficient_scope"
    assert error_code(mcp.call("get_tax_summary", {"start_date": "2026-01-01", "end_date": "2026-03-31"})) \
        == "insufficient_scope"


def test_another_organizations_invoice_is_not_found(tenant: Tenant, other_tenant: Tenant) -> None:
    invoice_id = new_invoice(tenant.client)["id"]
    theirs = Mcp(other_tenant.client)
    assert error_code(theirs.call("get_invoice", {"invoice_id": invoice_id})) == "invoice_not_found"
    read = theirs.rpc("resources/read", {"uri": f"cashpilot://invoices/{invoice_id}"}).json()
    assert read["error"]["code"] == -32602 and read["error"]["message"].startswith("invoice_not_found:")
    assert Mcp(tenant.client).call("get_invoice", {"invoice_id": invoice_id})["isError"] is False


def test_concurrent_callers_each_get_their_own_organization(tenant: Tenant, other_tenant: Tenant) -> None:
    mine, theirs = new_client(tenant.client), new_client(other_tenant.client)

    def names(t: Tenant) -> set[str]:
        listed = Mcp(t.client).call("list_clients")["structuredContent"]["clients"]
        return {client["id"] for client in listed}

    with ThreadPoolExecutor(max_workers=8) as pool:
        seen = list(pool.map(names, [tenant, other_tenant] * 8))
    assert all(ids == ({mine} if i % 2 == 0 else {theirs}) for i, ids in enumerate(seen))


# --- tool calls -----------------------------------------------------------------------------------------------


def test_a_destructive_tool_needs_confirm_true(tenant: Tenant) -> None:
    client_id = new_client(tenant.client)
    admin = Mcp(tenant.client, toolsets="admin")
    for arguments in ({"client_id": client_id}, {"client_id": client_id, "confirm": False}):
        assert error_code(admin.call("delete_client", arguments)) == "confirmation_required"
    assert tenant.client.get(f"/api/v1/clients/{client_id}").status_code == 200
    assert admin.call("delete_client", {"client_id": client_id, "confirm": True})["isError"] is False
    assert tenant.client.get(f"/api/v1/clients/{client_id}").status_code == 404


def test_an_idempotency_key_replays_the_first_result(mcp: Mcp, tenant: Tenant) -> None:
    name = unique("Once")
    first = mcp.call("create_client", {"company_name": name, "idempotency_key": "k-1"})
    again = mcp.call("create_client", {"company_name": name, "idempotency_key": "k-1"})
    assert first["isError"] is False and "_meta" not in first
    assert again["structuredContent"] == first["structuredContent"] and text_of(again) == text_of(first)
    assert again["_meta"][server.REPLAYED_META] is True
    assert tenant.client.get(f"/api/v1/clients?search={name}").json()["meta"]["total"] == 1
    other = mcp.call("create_client", {"company_name": name + " bis", "idempotency_key": "k-1"})
    assert error_code(other) == "idempotency_key_reused"
    assert mcp.call("create_client", {"company_name": name, "idempotency_key": "k-2"})["isError"] is False


def test_a_refused_write_is_replayed_too_and_keys_belong_to_one_api_key(mcp: Mcp, key_with) -> None:  # type: ignore[no-untyped-def]
    arguments = {"invoice_id": str(uuid.uuid4()), "amount": 10, "idempotency_key": "pay-1"}
    first = mcp.call("create_payment", arguments)
    assert error_code(first) == "invoice_not_found"
    assert mcp.call("create_payment", arguments)["_meta"][server.REPLAYED_META] is True
    other_key = Mcp(key_with("all")).call("create_client", {"company_name": unique("C"), "idempotency_key": "pay-1"})
    assert other_key["isError"] is False


def test_amounts_are_exact_json_numbers(mcp: Mcp, tenant: Tenant) -> None:
    invoice = new_invoice(tenant.client, total_ht="1028.80", total_ttc="1234.56")
    called = mcp.call("get_invoice", {"invoice_id": invoice["id"]})
    assert '"total_ttc":1234.56' in text_of(called)
    assert exact(text_of(called))["total_ttc"] == Decimal("1234.56")
    assert called["structuredContent"]["total_ttc"] == Decimal("1234.56")  # a JSON number, parsed exactly


def test_an_unexpected_failure_leaks_nothing(deps: Deps, tenant: Tenant) -> None:
    def broken(caller: Caller) -> Any:
        raise RuntimeError("table cashpilot-prod-secret is on fire")

    def missing(caller: Caller) -> Any:
        raise NotFound("no such thing", code="thing_not_found")

    principal = Principal(org_id=tenant.org_id, key_id="k", user_id=None, kind="cpk", scopes=frozenset({"all"}),
                          rate_limit=1, rate_window=1)
    who = server.RequestCaller(deps=deps, principal=principal, request_id="ref-42")
    spec = ToolSpec(name="broken", toolset="x", fn=broken, title="t", description="d", action="read", resource=None)
    crashed = server.run_tool(spec, who, {}).model_dump(by_alias=True)
    assert crashed["isError"] is True
    assert crashed["content"][0]["text"] == "internal_error: an internal error occurred; reference ref-42"
    refused = server.run_tool(ToolSpec(name="m", toolset="x", fn=missing, title="t", description="d", action="read",
                                       resource=None), who, {}).model_dump(by_alias=True)
    assert refused["content"][0]["text"] == "thing_not_found: no such thing"


# --- toolsets -----------------------------------------------------------------------------------------------------


def test_toolsets_select_the_tools(tenant: Tenant) -> None:
    catalogue = load_all()
    default = set(Mcp(tenant.client).tools())
    assert default == {name for name, spec in catalogue.items() if spec.toolset in DEFAULT_TOOLSETS}
    assert len(default) <= 40
    quotes = Mcp(tenant.client, toolsets="quotes,clients")
    assert set(quotes.tools()) == {n for n, s in catalogue.items() if s.toolset in ("quotes", "clients")}
    assert text_of(quotes.call("get_dashboard_kpis")).startswith("Unknown tool")
    assert set(Mcp(tenant.client, toolsets="all").tools()) == set(catalogue)
    unknown = Mcp(tenant.client, toolsets="invoices,bogus").rpc("tools/list")
    assert unknown.status_code == 400
    assert unknown.json()["error"]["data"] == {"error": "unknown_toolset",
                                               "details": {"toolsets": ["bogus"],
                                                           "available": [*server.known_toolsets(), "all"]}}


# --- prompts and resources ----------------------------------------------------------------------------------------


def test_the_four_scenarios_are_prompts_with_arguments(mcp: Mcp) -> None:
    prompts = {p["name"]: p for p in mcp.result("prompts/list")["prompts"]}
    assert set(prompts) == {"month_end_review", "new_client", "collection_follow_up", "tax_preparation"}
    assert {a["name"] for a in prompts["tax_preparation"]["arguments"]} == {"start_date", "end_date"}

    def text(name: str, arguments: dict[str, str]) -> str:
        got = mcp.result("prompts/get", {"name": name, "arguments": arguments})
        return str(got["messages"][0]["content"]["text"])

    assert "start_date 2026-02-01 and end_date 2026-02-28" in text("month_end_review", {"month": "2026-02"})
    assert "create_client" in text("new_client", {"company_name": "Societe Dupont", "city": "Paris"})
    assert "days_overdue 45" in text("collection_follow_up", {"days_overdue": "45"})
    assert "export_saft" in text("tax_preparation", {"start_date": "2026-01-01", "end_date": "2026-03-31"})


def test_resources_read_the_invoice_its_facturx_and_the_fec(mcp: Mcp, tenant: Tenant, key_with) -> None:  # type: ignore[no-untyped-def]
    tenant.client.put("/api/v1/company", json=COMPANY)
    tenant.client.post("/api/v1/accounting/init", json={"country": "FR"})
    invoice = new_invoice(tenant.client)
    templates = {t["uriTemplate"] for t in mcp.result("resources/templates/list")["resourceTemplates"]}
    assert templates == {"cashpilot://invoices/{invoice_id}", "cashpilot://exports/fec/{fiscal_year}",
                         "cashpilot://exports/facturx/{invoice_id}"}

    def read(uri: str, client: Mcp = mcp) -> dict[str, Any]:
        return client.result("resources/read", {"uri": uri})["contents"][0]

    as_json = read(f"cashpilot://invoices/{invoice['id']}")
    assert as_json["mimeType"] == "application/json"
    assert exact(as_json["text"]) == tenant.client.get(f"/api/v1/invoices/{invoice['id']}").json()["data"]
    xml = read(f"cashpilot://exports/facturx/{invoice['id']}")["text"]
    assert xml.startswith("<?xml") and invoice["invoice_number"] in xml
    fec = read("cashpilot://exports/fec/2026")["text"]
    assert fec.startswith("JournalCode|JournalLib|EcritureNum")
    limited = Mcp(key_with("read", "customers")).rpc("resources/read",
                                                     {"uri": f"cashpilot://invoices/{invoice['id']}"}).json()
    assert limited["error"]["message"].startswith("insufficient_scope:")


# --- cold start ---------------------------------------------------------------------------------------------------


def test_no_function_imports_the_sdk_before_its_first_mcp_request() -> None:
    probe = ("import sys; import app, functions.mcp, functions.clients; "
             "print(sorted(m for m in sys.modules if m == 'mcp' or m.startswith(('mcp.', 'mcp_types', 'starlette'))))")
    done = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=120,
                          check=True)
    assert done.stdout.strip() == "[]"

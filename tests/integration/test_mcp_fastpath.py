"""A plain ``tools/call`` is answered without the SDK's app (``chalicelib.mcp.fastpath``) exactly as the SDK answers
it: each request is sent twice through the whole app, once as it comes and once with the SDK's path forced
(``fastpath.sdk_only()``), and the two answers are compared (status, content type, body). ``fastpath.answered()``
tells which path answered; what only the SDK does (the handshake, tool lists, batches, the 2026 entry) shows that the
rest still reaches it."""

from __future__ import annotations

import itertools
import json
import logging
import re
import uuid
from typing import Any

import anyio
import httpx2
import pytest
from mcp.client import Client
from mcp.client.streamable_http import streamable_http_client
from mcp_types.version import HANDSHAKE_PROTOCOL_VERSIONS

from app import app as whole_app
from chalicelib.api.local import LocalClient, LocalResponse
from chalicelib.mcp import bridge, fastpath, server
from tests.integration.billing_helpers import new_client, new_invoice
from tests.integration.conftest import Tenant
from tests.integration.samples_mcp import INITIALIZE, MCP_HEADERS, MODERN, MODERN_META
from tests.integration.test_mcp_endpoint import LocalTransport

_IDS = re.compile(rb"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_TIMES = re.compile(rb"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})?")


def call(name: str, arguments: dict[str, Any] | None = None, **params: Any) -> dict[str, Any]:
    return {"jsonrpc": "2.0", "id": 7, "method": "tools/call",
            "params": {"name": name, "arguments": arguments or {}, **params}}


def send(client: LocalClient, body: Any, headers: dict[str, str] | None = None,
         path: str = "/mcp") -> LocalResponse:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return client.request("POST", path, body=raw, headers={**MCP_HEADERS, **(headers or {})})


def both(client: LocalClient, body: Any, headers: dict[str, str] | None = None,
         path: str = "/mcp") -> tuple[LocalResponse, LocalResponse, bool]:
    """The answer as the request comes, the SDK's answer, and whether the first was answered without the SDK."""
    before = fastpath.answered()
    direct = send(client, body, headers, path)
    answered_directly = fastpath.answered() == before + 1
    with fastpath.sdk_only():
        via_sdk = send(client, body, headers, path)
    assert fastpath.answered() == before + answered_directly  # the forced request did not count
    return direct, via_sdk, answered_directly


def wire(response: LocalResponse, *, volatile: bool = False) -> tuple[int, str, bytes]:
    """Status, content type and body; ``volatile`` blanks what two writes differ in (ids, times)."""
    body = response.body
    if volatile:
        body = _TIMES.sub(b"<time>", _IDS.sub(b"<id>", body))
    return response.status_code, response.headers.get("Content-Type", ""), body


def result_of(response: LocalResponse) -> dict[str, Any]:
    return dict(json.loads(response.body)["result"])


# --- answered directly, as the SDK answers -----------------------------------------------------------------------


def test_a_read_tool_answers_the_sdks_bytes_without_the_sdk(tenant: Tenant) -> None:
    new_invoice(tenant.client)
    new_client(tenant.client)
    for body in (call("list_clients", {"limit": 20}), call("get_invoice_stats"), call("get_dashboard_kpis")):
        direct, via_sdk, answered_directly = both(tenant.client, body)
        assert answered_directly
        assert direct.status_code == 200 and result_of(direct)["isError"] is False
        assert wire(direct) == wire(via_sdk)


def test_exact_amounts_are_written_the_same_on_both_paths(tenant: Tenant) -> None:
    invoice = new_invoice(tenant.client)
    direct, via_sdk, answered_directly = both(tenant.client, call("get_invoice", {"invoice_id": invoice["id"]}))
    assert answered_directly and wire(direct) == wire(via_sdk)
    structured = result_of(direct)["structuredContent"]
    assert json.dumps(structured["total_ttc"]) == json.dumps(json.loads(result_of(direct)["content"][0]["text"])[
        "total_ttc"])
    assert re.search(rb'"total_ttc":\d+\.\d\d[,}]', direct.body)  # 1200.00, not 1200.0


def test_a_write_tool_answers_the_same_and_both_writes_happen(tenant: Tenant) -> None:
    body = call("create_client", {"company_name": "Fast & Fils", "email": "compta@fast.example"})
    direct, via_sdk, answered_directly = both(tenant.client, body)
    assert answered_directly and result_of(direct)["isError"] is False
    assert wire(direct, volatile=True) == wire(via_sdk, volatile=True)
    names = [c["company_name"] for c in tenant.client.get("/api/v1/clients").json()["data"]]
    assert names.count("Fast & Fils") == 2


def test_a_missing_record_is_the_same_not_found_result(tenant: Tenant) -> None:
    direct, via_sdk, answered_directly = both(tenant.client, call("get_client", {"client_id": str(uuid.uuid4())}))
    assert answered_directly and result_of(direct)["isError"] is True
    assert result_of(direct)["content"][0]["text"].startswith("client_not_found: ")
    assert wire(direct) == wire(via_sdk)


def test_a_rule_of_the_service_is_the_same_validation_result(tenant: Tenant) -> None:
    body = call("create_invoice", {"client_id": new_client(tenant.client)})
    direct, via_sdk, answered_directly = both(tenant.client, body)
    assert answered_directly and result_of(direct)["content"][0]["text"].startswith("validation_error: ")
    assert wire(direct) == wire(via_sdk)


def test_arguments_breaking_the_schema_are_the_same_validation_result(tenant: Tenant) -> None:
    invoice_id = new_invoice(tenant.client)["id"]
    for arguments in ({"invoice_id": invoice_id, "amount": 0}, {"invoice_id": invoice_id, "amount": "lots"},
                      {"unexpected": True}, {}):
        direct, via_sdk, answered_directly = both(tenant.client, call("create_payment", arguments))
        assert answered_directly and result_of(direct)["isError"] is True
        assert wire(direct) == wire(via_sdk)


def test_a_key_without_the_scope_gets_the_same_refusal(key_with) -> None:  # type: ignore[no-untyped-def]
    reader = key_with("read")
    direct, via_sdk, answered_directly = both(reader, call("create_client", {"company_name": "Nope"}))
    assert answered_directly and result_of(direct)["content"][0]["text"].startswith("insufficient_scope: ")
    assert wire(direct) == wire(via_sdk)


def test_a_destructive_tool_without_confirm_gets_the_same_refusal(tenant: Tenant) -> None:
    body = call("delete_client", {"client_id": new_client(tenant.client)})
    direct, via_sdk, answered_directly = both(tenant.client, body, path="/mcp?toolsets=all")
    assert answered_directly and result_of(direct)["content"][0]["text"].startswith("confirmation_required: ")
    assert wire(direct) == wire(via_sdk)


@pytest.mark.parametrize("version", [None, *HANDSHAKE_PROTOCOL_VERSIONS])
def test_every_handshake_version_is_answered_the_same(tenant: Tenant, version: str | None) -> None:
    new_client(tenant.client)
    headers = {"MCP-Protocol-Version": version} if version else {}
    direct, via_sdk, answered_directly = both(tenant.client, call("list_clients"), headers)
    assert answered_directly and wire(direct) == wire(via_sdk)


def test_ids_a_progress_token_and_other_accepted_headers_are_answered_the_same(tenant: Tenant) -> None:
    bodies = [{**call("get_dashboard_kpis"), "id": "a-string-id"},
              call("get_dashboard_kpis", _meta={"progressToken": "p-1"})]
    for body in bodies:
        for headers in ({"Accept": "*/*"}, {"Accept": "application/json"},
                        {"Content-Type": "application/json; charset=utf-8"}, {"Origin": "http://localhost:3000"},
                        {"Host": "localhost:8000"}):
            direct, via_sdk, answered_directly = both(tenant.client, body, headers)
            assert answered_directly, headers
            assert wire(direct) == wire(via_sdk)


def test_a_write_answered_directly_is_replayed_by_the_sdk_under_its_idempotency_key(tenant: Tenant) -> None:
    body = call("create_client", {"company_name": "Once SA", "idempotency_key": "fast-once"})
    before = fastpath.answered()
    first = result_of(send(tenant.client, body))
    assert fastpath.answered() == before + 1
    with fastpath.sdk_only():
        replayed = result_of(send(tenant.client, body))
    assert replayed["content"] == first["content"] and replayed["_meta"] == {"io.cashpilot/idempotent-replayed": True}


# --- left to the SDK ------------------------------------------------------------------------------------------------


def test_an_unknown_tool_is_left_to_the_sdk(tenant: Tenant) -> None:
    for body in (call("no_such_tool"), call("delete_client", {"client_id": str(uuid.uuid4())})):  # not a default tool
        direct, via_sdk, answered_directly = both(tenant.client, body)
        assert not answered_directly
        assert result_of(direct)["content"][0]["text"].startswith("Unknown tool: ")
        assert wire(direct) == wire(via_sdk)


@pytest.mark.parametrize("headers", [
    {"Host": "evil.example"}, {"Origin": "https://evil.example"}, {"Accept": "text/event-stream"},
    {"Content-Type": "text/plain"}, {"Content-Type": "Application/JSON"}, {"MCP-Protocol-Version": "2024-01-01"},
], ids=["host", "origin", "accept", "content-type", "content-type-case", "unknown-version"])
def test_requests_the_transport_refuses_are_left_to_the_sdk(tenant: Tenant, headers: dict[str, str]) -> None:
    direct, via_sdk, answered_directly = both(tenant.client, call("get_dashboard_kpis"), headers)
    assert not answered_directly
    assert direct.status_code >= 400 and wire(direct) == wire(via_sdk)


@pytest.mark.parametrize("body", [
    b'{"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": ',
    {"jsonrpc": "1.0", "id": 1, "method": "tools/call", "params": {"name": "get_dashboard_kpis"}},
    {"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"arguments": {}}},
    {"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": "get_dashboard_kpis", "arguments": []}},
    {"jsonrpc": "2.0", "id": 1, "method": "tools/call"},
    {"jsonrpc": "2.0", "method": "tools/call", "params": {"name": "get_dashboard_kpis"}},
    call("get_dashboard_kpis", task={"ttl": 1000}),
    call("get_dashboard_kpis", {"mcp_context": 1}),
], ids=["truncated", "jsonrpc-1.0", "no-name", "arguments-list", "no-params", "notification", "task", "context-name"])
def test_unusual_calls_are_left_to_the_sdk(tenant: Tenant, body: Any) -> None:
    direct, via_sdk, answered_directly = both(tenant.client, body)
    assert not answered_directly and wire(direct) == wire(via_sdk)


def test_the_2026_entry_still_answers_its_calls(tenant: Tenant) -> None:
    body = call("get_dashboard_kpis", _meta=MODERN_META)
    headers = {"MCP-Protocol-Version": MODERN, "Mcp-Method": "tools/call", "Mcp-Name": "get_dashboard_kpis"}
    direct, via_sdk, answered_directly = both(tenant.client, body, headers)
    assert not answered_directly and wire(direct) == wire(via_sdk)
    assert result_of(direct)["resultType"] == "complete"  # only the SDK's 2026 entry writes it


def test_other_methods_and_batches_still_reach_the_sdk(tenant: Tenant) -> None:
    # A selection no server runs for (at most 8 run): only the SDK's path starts one
    pairs = itertools.combinations(("company", "products", "expenses", "credit_notes", "books", "quotes"), 2)
    selection = next(s for s in (server.parse_toolsets(f"projects,{a},{b}") for a, b in pairs)
                     if s not in bridge.running())
    path = f"/mcp?toolsets={','.join(selection)}"
    before = fastpath.answered()
    answered = send(tenant.client, call("list_projects"), path=path)
    assert fastpath.answered() == before + 1 and result_of(answered)["isError"] is False
    assert selection not in bridge.running()
    handshake = send(tenant.client, INITIALIZE, path=path)
    assert result_of(handshake)["serverInfo"]["name"] == "cashpilot" and selection in bridge.running()
    listed = send(tenant.client, {"jsonrpc": "2.0", "id": 2, "method": "tools/list"}, path=path)
    assert "list_projects" in {tool["name"] for tool in result_of(listed)["tools"]}
    batch = send(tenant.client, [call("list_projects"), {"jsonrpc": "2.0", "id": 9, "method": "ping"}], path=path)
    assert [answer["id"] for answer in batch.json()] == [7, 9] and batch.json()[0]["result"]["isError"] is False
    assert send(tenant.client, {"jsonrpc": "2.0", "method": "notifications/initialized"}).status_code == 202
    assert fastpath.answered() == before + 1


def test_the_sdks_own_client_gets_its_calls_answered_directly(tenant: Tenant) -> None:
    client_id = new_client(tenant.client, company_name="Dupont SA")

    async def session() -> tuple[Any, Any]:
        http = httpx2.AsyncClient(transport=LocalTransport(LocalClient(whole_app)),
                                  headers={"Authorization": f"Bearer {tenant.key}"})
        async with Client(streamable_http_client("http://127.0.0.1:8000/mcp", http_client=http), mode="legacy") as c:
            return await c.call_tool("get_client", {"client_id": client_id}), await c.call_tool("get_invoice", {})

    before = fastpath.answered()
    found, refused = anyio.run(session)
    assert fastpath.answered() == before + 2
    assert found.is_error is False and found.structured_content["client"]["company_name"] == "Dupont SA"
    assert refused.is_error is True and refused.content[0].text == "validation_error: invoice_id: Field required"


def test_a_refused_host_is_warned_about_once(tenant: Tenant, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="mcp.server.transport_security"):
        refused = send(tenant.client, call("get_dashboard_kpis"), {"Host": "evil.example"})
    assert refused.status_code == 421
    assert [r.getMessage() for r in caplog.records if "Host" in r.getMessage()] == ["Invalid Host header: evil.example"]

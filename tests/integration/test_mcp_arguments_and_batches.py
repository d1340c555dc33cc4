"""``/mcp`` in-process (raw JSON-RPC and the SDK's own client): a call's arguments are checked by the server after
the scope, and refused as ``validation_error: <field>: <message>``; ``export_fec`` takes a fiscal year as REST
does; JSON-RPC batches exist only in the protocol versions that have them, and are bounded there."""

from __future__ import annotations

import uuid
from typing import Any

import anyio
import httpx2
import pytest
from mcp.client import Client
from mcp.client.streamable_http import streamable_http_client

from app import app as whole_app
from chalicelib.api.local import LocalClient
from chalicelib.mcp import bridge
from tests.integration.billing_helpers import new_client, new_invoice
from tests.integration.conftest import Tenant
from tests.integration.samples_mcp import INITIALIZE, MODERN, MODERN_META, Mcp, error_code, text_of
from tests.integration.test_mcp_endpoint import COMPANY, LocalTransport, modern_headers


@pytest.fixture
def mcp(tenant: Tenant) -> Mcp:
    return Mcp(tenant.client)


def ping(rpc_id: int) -> dict[str, Any]:
    return {"jsonrpc": "2.0", "id": rpc_id, "method": "ping"}


def initialize(version: str, rpc_id: int = 1) -> dict[str, Any]:
    return {**INITIALIZE, "id": rpc_id, "params": {**INITIALIZE["params"], "protocolVersion": version}}  # type: ignore[dict-item]


# --- arguments ----------------------------------------------------------------------------------------------------


def test_an_argument_breaking_the_schema_is_a_validation_error_naming_the_field(mcp: Mcp, tenant: Tenant) -> None:
    invoice_id = new_invoice(tenant.client)["id"]
    refused = mcp.call("create_payment", {"invoice_id": invoice_id, "amount": 0})
    assert text_of(refused) == "validation_error: amount: Input should be greater than 0"
    missing = mcp.call("get_invoice", {})
    assert text_of(missing) == "validation_error: invoice_id: Field required"
    dated = mcp.call("get_tax_summary", {"start_date": "2026-13-01", "end_date": "2026-03-31"})
    assert text_of(dated).startswith("validation_error: start_date: Input should be a valid date")
    assert "Error executing tool" not in text_of(dated)
    assert tenant.client.get(f"/api/v1/invoices/{invoice_id}").json()["data"]["payment_status"] == "unpaid"


def test_the_2026_era_reads_the_same_argument_error(mcp: Mcp) -> None:
    called = mcp.result("tools/call", {"name": "get_invoice", "arguments": {}, "_meta": MODERN_META},
                        headers=modern_headers("tools/call", "get_invoice"))
    assert called["isError"] is True and text_of(called) == "validation_error: invoice_id: Field required"


def test_every_broken_field_is_named_once_with_its_path(mcp: Mcp, tenant: Tenant) -> None:
    client_id = new_client(tenant.client)
    refused = mcp.call("create_invoice", {"client_id": client_id, "tax_rate": "lots",
                                          "items": [{"description": "Audit", "quantity": 1, "unit_price": "x"}]})
    assert error_code(refused) == "validation_error"
    assert "tax_rate: " in text_of(refused) and "items.0.unit_price: " in text_of(refused)
    assert text_of(refused).count("; ") == 1


def test_a_rule_of_the_service_request_reads_like_an_argument_error(mcp: Mcp, tenant: Tenant) -> None:
    refused = mcp.call("create_invoice", {"client_id": new_client(tenant.client)})
    assert error_code(refused) == "validation_error"
    assert "invalid" not in text_of(refused).split(": ", 2)[1]  # "<code>: <field>: <message>", no extra prefix


def test_arguments_sent_as_json_text_are_still_accepted(mcp: Mcp, tenant: Tenant) -> None:
    # Some clients send numbers and lists as JSON inside strings; the SDK's tolerance of it is kept
    new_client(tenant.client)
    listed = mcp.call("list_clients", {"limit": "1"})
    assert listed["isError"] is False and listed["structuredContent"]["count"] == 1


def test_the_scope_is_checked_before_the_arguments(key_with, tenant: Tenant) -> None:  # type: ignore[no-untyped-def]
    reader = Mcp(key_with("read"))
    refused = reader.call("create_payment", {"invoice_id": str(uuid.uuid4()), "amount": -5})
    assert error_code(refused) == "insufficient_scope"
    assert error_code(reader.call("create_client", {})) == "insufficient_scope"
    assert error_code(Mcp(key_with("read", "customers")).call("get_invoice", {})) == "insufficient_scope"
    assert error_code(Mcp(tenant.client).call("get_invoice", {})) == "validation_error"


def test_the_published_input_schema_still_states_the_rules(mcp: Mcp) -> None:
    schema = mcp.tools()["create_payment"]["inputSchema"]
    assert schema["required"] == ["invoice_id", "amount"]
    assert "amount" in schema["properties"]


def test_the_sdks_own_client_reads_the_same_argument_error(tenant: Tenant, key_with) -> None:  # type: ignore[no-untyped-def]
    reader_key = key_with("read").headers["X-API-Key"]

    async def calls() -> tuple[Any, Any]:
        async def one(key: str, arguments: dict[str, Any]) -> Any:
            http = httpx2.AsyncClient(transport=LocalTransport(LocalClient(whole_app)),
                                      headers={"Authorization": f"Bearer {key}"})
            async with Client(streamable_http_client("http://127.0.0.1:8000/mcp", http_client=http)) as client:
                return await client.call_tool("create_payment", arguments)

        bad = {"invoice_id": str(uuid.uuid4()), "amount": 0}
        return await one(tenant.key, bad), await one(reader_key, bad)

    owner, reader = anyio.run(calls)
    assert owner.is_error is True
    assert owner.content[0].text == "validation_error: amount: Input should be greater than 0"
    assert reader.is_error is True and reader.content[0].text.startswith("insufficient_scope: ")


# --- export_fec ---------------------------------------------------------------------------------------------------


def test_export_fec_takes_the_fiscal_year_like_the_rest_route(mcp: Mcp, tenant: Tenant) -> None:
    assert tenant.client.put("/api/v1/company", json=COMPANY).status_code == 200
    tenant.client.post("/api/v1/accounting/init", json={"country": "FR"})
    new_invoice(tenant.client)
    by_year = mcp.call("export_fec", {"fiscal_year": 2026})
    rest = tenant.client.get("/api/v1/exports/fec", params={"fiscal_year": "2026"})
    assert by_year["isError"] is False, text_of(by_year)
    assert by_year["structuredContent"]["content"] == rest.text
    assert by_year["structuredContent"]["file_name"] == "732829320FEC20261231.txt"
    assert by_year["structuredContent"]["line_count"] > 0
    by_dates = mcp.call("export_fec", {"start_date": "2026-01-01", "end_date": "2026-12-31"})
    assert by_dates["structuredContent"]["content"] == rest.text
    assert text_of(mcp.call("export_fec", {})).startswith("validation_error: start_date: is required")
    assert text_of(mcp.call("export_fec", {"fiscal_year": 12})).startswith("validation_error: fiscal_year: ")


# --- batches ------------------------------------------------------------------------------------------------------


def refusal(answer: Any) -> tuple[int, int, str, Any]:
    body = answer.json()
    return answer.status_code, body["error"]["code"], body["error"]["data"]["error"], body["id"]


@pytest.mark.parametrize("version", ["2025-06-18", "2025-11-25", MODERN])
def test_a_batch_is_refused_in_protocol_versions_without_batches(mcp: Mcp, version: str) -> None:
    answer = mcp.post([ping(1), ping(2)], headers={"MCP-Protocol-Version": version})
    assert refusal(answer) == (400, -32600, "batch_not_supported", None)
    assert "batches are not supported in protocol version " + version in answer.json()["error"]["message"]


def test_a_batch_opening_with_a_later_initialize_is_refused(mcp: Mcp) -> None:
    answer = mcp.post([initialize("2025-06-18"), ping(2)])
    assert refusal(answer) == (400, -32600, "batch_not_supported", None)
    assert "2025-06-18" in answer.json()["error"]["message"]


@pytest.mark.parametrize("headers", [{"MCP-Protocol-Version": "2025-03-26"}, {"MCP-Protocol-Version": "2024-11-05"},
                                     {}])
def test_a_batch_is_answered_in_the_versions_that_have_them(mcp: Mcp, headers: dict[str, str]) -> None:
    answer = mcp.post([ping(1), {"jsonrpc": "2.0", "id": 2, "method": "tools/list"}], headers=headers)
    assert answer.status_code == 200
    assert [reply["id"] for reply in answer.json()] == [1, 2]
    opened = mcp.post([initialize("2025-03-26", 5), ping(6)])
    assert [reply["id"] for reply in opened.json()] == [5, 6]


def test_a_batch_holds_at_most_twenty_messages(mcp: Mcp) -> None:
    full = mcp.post([ping(i) for i in range(bridge.MAX_BATCH)])
    assert full.status_code == 200 and len(full.json()) == bridge.MAX_BATCH == 20
    answer = mcp.post([ping(i) for i in range(bridge.MAX_BATCH + 1)], headers={"MCP-Protocol-Version": "2025-03-26"})
    assert refusal(answer) == (400, -32600, "batch_too_large", None)
    assert "at most 20 messages" in answer.json()["error"]["message"]


def test_a_single_message_is_served_in_every_version(mcp: Mcp) -> None:
    for version in ("2025-03-26", "2025-06-18", "2025-11-25"):
        assert mcp.rpc("ping", headers={"MCP-Protocol-Version": version}).status_code == 200

"""A tool result's structured content is its text, byte for byte: the JSON the project's serializer wrote once (money
with its minor units), in a single answer, a batch and a replay alike; the SDK never writes it from floats, and the
placeholder it carries through the SDK never reaches a client."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest

from chalicelib.mcp import wire
from chalicelib.mcp.caller import EXACT_KEY
from tests.integration.billing_helpers import new_client, new_invoice
from tests.integration.conftest import Tenant
from tests.integration.samples_mcp import Mcp, text_of

TRICKY_NAME = 'Société «Alpha» "Nord" \\ / é'


@pytest.fixture
def mcp(tenant: Tenant) -> Mcp:
    return Mcp(tenant.client)


def call(name: str, arguments: dict[str, Any], rpc_id: int = 1) -> dict[str, Any]:
    return {"jsonrpc": "2.0", "id": rpc_id, "method": "tools/call", "params": {"name": name, "arguments": arguments}}


def carries_its_text(raw: bytes, result: dict[str, Any]) -> bool:
    text = text_of(result)
    return (b'"structuredContent":' + text.encode()) in raw and result["structuredContent"] == json.loads(
        text, parse_float=Decimal)


def test_structured_content_is_the_text_written_once(mcp: Mcp, tenant: Tenant) -> None:
    client_id = new_client(tenant.client, company_name=TRICKY_NAME, notes="première ligne\nseconde\tligne")
    new_invoice(tenant.client, client_id, total_ht="1028.80", total_ttc="1234.56")
    answer = mcp.post(call("get_client", {"client_id": client_id}))
    assert answer.status_code == 200
    result = json.loads(answer.body, parse_float=Decimal)["result"]
    assert result["isError"] is False
    assert carries_its_text(answer.body, result)
    assert result["structuredContent"]["client"]["company_name"] == TRICKY_NAME
    assert result["structuredContent"]["recent_invoices"][0]["total_ttc"] == Decimal("1234.56")
    assert '"total_ttc":1234.56' in text_of(result)
    assert EXACT_KEY.encode() not in answer.body


def test_each_answer_of_a_batch_carries_its_own_text(mcp: Mcp, tenant: Tenant) -> None:
    new_client(tenant.client, company_name=TRICKY_NAME)
    answer = mcp.post([call("list_clients", {}, 1), call("get_dashboard_kpis", {}, 2), call("list_clients",
                                                                                           {"limit": 1}, 3)])
    assert answer.status_code == 200
    replies = json.loads(answer.body, parse_float=Decimal)
    assert [reply["id"] for reply in replies] == [1, 2, 3]
    assert [reply["result"]["structuredContent"] == json.loads(text_of(reply["result"]), parse_float=Decimal)
            for reply in replies] == [True, True, True]
    assert replies[2]["result"]["structuredContent"]["count"] == 1
    assert EXACT_KEY.encode() not in answer.body


def test_a_replayed_write_carries_the_first_answers_text(mcp: Mcp) -> None:
    arguments = {"company_name": TRICKY_NAME, "idempotency_key": "structured-replay"}
    first, again = mcp.post(call("create_client", arguments)), mcp.post(call("create_client", arguments))
    first_result = json.loads(first.body, parse_float=Decimal)["result"]
    again_result = json.loads(again.body, parse_float=Decimal)["result"]
    assert again_result["_meta"] == {"io.cashpilot/idempotent-replayed": True}
    assert carries_its_text(first.body, first_result) and carries_its_text(again.body, again_result)
    assert again_result["structuredContent"] == first_result["structuredContent"]
    assert EXACT_KEY.encode() not in again.body


def test_a_failed_call_has_no_structured_content(mcp: Mcp) -> None:
    answer = mcp.post(call("get_client", {"client_id": "00000000-0000-4000-8000-000000000000"}))
    result = json.loads(answer.body)["result"]
    assert result["isError"] is True and "structuredContent" not in result


def test_a_placeholder_written_otherwise_is_still_replaced_by_the_text() -> None:
    text = '{"total":1143.30,"name":"é"}'
    body = json.dumps({"jsonrpc": "2.0", "id": 7, "result": {
        "content": [{"type": "text", "text": text}], "structuredContent": {EXACT_KEY: "not-this-token"},
        "isError": False}}, indent=1).encode()
    answer = wire.Answer(200, {"content-type": "application/json", "content-length": str(len(body))}, body)
    fixed = wire.exact_amounts(answer, {"some-token": text})
    assert (b'"structuredContent":' + text.encode()) in fixed.body
    assert fixed.headers["content-length"] == str(len(fixed.body))
    assert EXACT_KEY.encode() not in fixed.body

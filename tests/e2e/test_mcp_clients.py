"""The real local server's ``/mcp`` driven by real MCP clients over HTTP: the official SDK's client in both
protocol eras, the product guide's three curl commands run verbatim (only the URL and the key change), and the MCP
Inspector's CLI (``npx @modelcontextprotocol/inspector --cli``) when Node.js can fetch it."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path
from typing import Any

import anyio
import httpx2
import pytest
import requests
from mcp.client import Client, ClientSession
from mcp.client.streamable_http import streamable_http_client
from mcp_types.version import HANDSHAKE_PROTOCOL_VERSIONS

from tests.e2e.conftest import ROOT, Server

pytestmark = pytest.mark.e2e

SEED = ROOT.parent / "shared" / "seeds" / "000_97582bffe4fdf1d9.txt"
MODERN = "2026-07-28"
SEED_TOOLS = {
    "list_invoices", "get_invoice", "create_invoice", "update_invoice_status", "search_invoices", "get_invoice_stats",
    "list_clients", "get_client", "create_client", "get_client_balance",
    "list_payments", "create_payment", "get_unpaid_invoices", "get_receivables_summary",
    "get_chart_of_accounts", "get_accounting_entries", "get_trial_balance", "get_tax_summary", "init_accounting",
    "get_cash_flow", "get_dashboard_kpis", "get_top_clients",
    "export_fec", "export_saft", "export_facturx", "backup_all_data",
}
# The guide's three curl commands ("Option 1 : Serveur MCP distant (Streamable HTTP)"), copied verbatim (one long
# line is split in two literals here).
CURL_MCP = (r"""# 1. Initialiser une session (cle dans l'URL)
curl -X POST "https://cashpilot.tech/mcp?api_key=cpk_votre_cle" \
  -H "Content-Type: application/json" \
  -d '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-03-26","capabilities":{},"""
            r""""clientInfo":{"name":"test","version":"1.0"}}}'

# 2. Lister les outils
curl -X POST "https://cashpilot.tech/mcp?api_key=cpk_votre_cle" \
  -H "Content-Type: application/json" \
  -d '{"jsonrpc":"2.0","id":2,"method":"tools/list","params":{}}'

# 3. Appeler un outil
curl -X POST "https://cashpilot.tech/mcp?api_key=cpk_votre_cle" \
  -H "Content-Type: application/json" \
  -d '{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"get_dashboard_kpis","arguments":{}}}'
""")
# What npm prints when it cannot fetch a package (no network, no registry): the Inspector test is skipped then.
FETCH_FAILURE = re.compile(r"ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ETIMEDOUT|ECONNRESET|E404|network|could not determine "
                           r"executable|npm (ERR|error)", re.IGNORECASE)


@pytest.fixture(scope="module")
def key(server: Server) -> str:
    """A key whose quota the suite cannot exhaust (the first-run key allows 100 requests an hour)."""
    created = json.loads(server.manage("create-key", "--name", "mcp-e2e", "--rate-limit", "100000"))
    return str(created["key"])


def exact(text: str) -> Any:
    return json.loads(text, parse_float=Decimal)


def rest_kpis(server: Server, key: str) -> Any:
    response = requests.get(f"{server.api}/analytics/kpis", headers={"X-API-Key": key}, timeout=30)
    assert response.status_code == 200, response.text
    return exact(response.text)["data"]


def http(**headers: str) -> httpx2.AsyncClient:
    return httpx2.AsyncClient(headers=headers, timeout=60)


# --- the official SDK's client --------------------------------------------------------------------------------


def test_sdk_client_handshake_era_lists_tools_and_calls_one(server: Server, key: str) -> None:
    async def run() -> tuple[Any, Any, Any]:
        async with (streamable_http_client(f"{server.base_url}/mcp", http_client=http(**{"X-API-Key": key}))
                    as (read, write), ClientSession(read, write) as session):
            init = await session.initialize()
            return init, await session.list_tools(), await session.call_tool("get_dashboard_kpis", {})

    init, listed, called = anyio.run(run)
    assert init.protocol_version in HANDSHAKE_PROTOCOL_VERSIONS and init.server_info.name == "cashpilot"
    tools = {tool.name: tool for tool in listed.tools}
    assert set(tools) >= SEED_TOOLS and len(tools) <= 40
    for tool in tools.values():
        assert tool.input_schema["type"] == "object" and tool.output_schema is not None and tool.description
        assert tool.annotations is not None and tool.annotations.read_only_hint is not None
    assert tools["create_invoice"].annotations.read_only_hint is False
    assert "client_id" in tools["create_invoice"].input_schema["required"]
    assert called.is_error is False
    assert exact(called.content[0].text) == rest_kpis(server, key)


def test_sdk_client_2026_era_without_handshake(server: Server, key: str) -> None:
    invoice = requests.get(f"{server.api}/invoices?limit=1", headers={"X-API-Key": key}, timeout=30).json()["data"]

    async def run(mode: str) -> tuple[str, Any, Any, Any, Any]:
        transport = streamable_http_client(f"{server.base_url}/mcp", http_client=http(Authorization=f"Bearer {key}"))
        async with Client(transport, mode=mode) as client:
            resource = (await client.read_resource(f"cashpilot://invoices/{invoice[0]['id']}")) if invoice else None
            return (client.protocol_version, await client.list_tools(), await client.call_tool("get_dashboard_kpis",
                                                                                            {}),
                    await client.list_prompts(), resource)

    for mode in (MODERN, "auto"):
        version, listed, called, prompts, resource = anyio.run(run, mode)
        assert version == MODERN
        assert {tool.name for tool in listed.tools} >= SEED_TOOLS
        assert called.is_error is False and exact(called.content[0].text) == rest_kpis(server, key)
        assert {p.name for p in prompts.prompts} == {"month_end_review", "new_client", "collection_follow_up",
                                                     "tax_preparation"}
        if resource is not None:
            assert json.loads(resource.contents[0].text)["id"] == invoice[0]["id"]


def test_the_key_in_the_url_works_and_a_missing_key_is_a_jsonrpc_401(server: Server, key: str) -> None:
    async def run() -> Any:
        async with Client(f"{server.base_url}/mcp?api_key={key}&toolsets=clients", mode="legacy") as client:
            return await client.call_tool("list_clients", {"limit": 5})

    listed = anyio.run(run)
    assert listed.is_error is False and len(listed.structured_content["clients"]) == 5  # the --demo clients
    refused = requests.post(f"{server.base_url}/mcp", json={"jsonrpc": "2.0", "id": 9, "method": "tools/list"},
                            timeout=30)
    assert refused.status_code == 401
    assert refused.json()["id"] == 9 and refused.json()["error"]["data"]["error"] == "missing_api_key"
    assert requests.get(f"{server.base_url}/mcp", headers={"X-API-Key": key}, timeout=30).status_code == 405


def test_keys_in_mcp_urls_never_reach_the_log(server: Server, key: str) -> None:
    requests.post(f"{server.base_url}/mcp?api_key={key}", timeout=30,
                  json={"jsonrpc": "2.0", "id": 1, "method": "ping"})
    mcp_lines = [line for line in server.log().splitlines() if "/mcp?" in line]
    assert mcp_lines and all(key not in line for line in mcp_lines)


# --- the guide's curl commands ---------------------------------------------------------------------------------


@pytest.mark.skipif(not SEED.is_file(), reason=f"the seed document {SEED} is absent (../shared)")
def test_curl_commands_are_verbatim_copies_of_the_seed() -> None:
    assert CURL_MCP in SEED.read_text(encoding="utf-8")


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
def test_the_guides_three_curl_commands(server: Server, tmp_path: Path) -> None:
    commands = [command.replace("https://cashpilot.tech", server.base_url).replace("cpk_votre_cle", server.key)
                for command in CURL_MCP.strip().split("\n\n")]
    outputs = []
    for command in commands:
        done = subprocess.run(["bash", "-c", command], cwd=tmp_path, capture_output=True, text=True, timeout=60,
                              check=True)
        outputs.append(json.loads(done.stdout))
    init, listed, called = outputs
    assert init["id"] == 1 and init["result"]["protocolVersion"] == "2025-03-26"
    assert init["result"]["serverInfo"]["name"] == "cashpilot"
    assert {tool["name"] for tool in listed["result"]["tools"]} >= SEED_TOOLS
    assert called["result"]["isError"] is False
    assert exact(called["result"]["content"][0]["text"]) == rest_kpis(server, server.key)


# --- the MCP Inspector ----------------------------------------------------------------------------------------


def inspector(server: Server, key: str, *args: str) -> Any:
    if shutil.which("npx") is None:
        pytest.skip("npx (Node.js) is not installed")
    command = ["npx", "-y", "@modelcontextprotocol/inspector", "--cli", f"{server.base_url}/mcp?api_key={key}",
               "--transport", "http", *args]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=300)
    except subprocess.TimeoutExpired:
        pytest.skip("the MCP Inspector could not be fetched in time (npx timed out)")
    if done.returncode != 0 and FETCH_FAILURE.search(done.stderr + done.stdout):
        reason = next((line for line in done.stderr.splitlines() if FETCH_FAILURE.search(line)), "npx failed")
        pytest.skip(f"the MCP Inspector could not be fetched: {reason.strip()[:200]}")
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout[done.stdout.index("{"):])


def test_the_mcp_inspector_cli_lists_and_calls_tools(server: Server, key: str) -> None:
    listed = inspector(server, key, "--method", "tools/list")
    assert {tool["name"] for tool in listed["tools"]} >= SEED_TOOLS
    kpis = inspector(server, key, "--method", "tools/call", "--tool-name", "get_dashboard_kpis")
    assert kpis["isError"] is False and exact(kpis["content"][0]["text"]) == rest_kpis(server, key)
    clients = inspector(server, key, "--method", "tools/call", "--tool-name", "list_clients", "--tool-arg", "limit=2")
    assert clients["isError"] is False and len(clients["structuredContent"]["clients"]) == 2

"""The MCP endpoint in the route-table matrices, and a small JSON-RPC client the MCP suites share.

``POST /mcp`` and ``DELETE /mcp`` are public in the route table (``action=None``) because they authenticate by
themselves: a missing or bad key is a 401 with a JSON-RPC error body, not the REST one, and each tool checks its own
scope. ``SELF_AUTHENTICATED`` names them for the matrices that assume "public" means "answers without a key"; the
MCP suites (``test_mcp_endpoint``, ``test_mcp_matrix``) prove their refusals instead. ``REQUESTS`` gives each a
valid request (the seed's ``initialize``) for any matrix that sends one with a key.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from chalicelib.api.local import LocalClient, LocalResponse

if TYPE_CHECKING:
    from tests.integration.matrix import Sample

# The first of the seed's three curl commands (guide, "Option 1 : Serveur MCP distant").
INITIALIZE = {"jsonrpc": "2.0", "id": 1, "method": "initialize",
              "params": {"protocolVersion": "2025-03-26", "capabilities": {},
                         "clientInfo": {"name": "test", "version": "1.0"}}}
SELF_AUTHENTICATED: frozenset[str] = frozenset({"mcpMessage", "mcpEndSession"})


def _sample(body: Any = None) -> Callable[[LocalClient], Sample]:
    def build(owner: LocalClient) -> Sample:
        # imported here: matrix imports this module while it collects the samples
        from tests.integration.matrix import Sample

        return Sample("/mcp", body)

    return build


REQUESTS: dict[str, Callable[[LocalClient], Sample]] = {"mcpMessage": _sample(INITIALIZE), "mcpEndSession": _sample()}
# What an MCP client sends besides the key (the in-process client has no Host of its own).
MCP_HEADERS = {"Host": "127.0.0.1:8000", "Accept": "application/json, text/event-stream",
               "Content-Type": "application/json"}
MODERN = "2026-07-28"
MODERN_META = {"io.modelcontextprotocol/protocolVersion": MODERN, "io.modelcontextprotocol/clientCapabilities": {}}


class Mcp:
    """JSON-RPC over ``/mcp`` through ``LocalClient``: the real route, pipeline of the app, bridge and SDK."""

    def __init__(self, client: LocalClient, toolsets: str | None = None) -> None:
        self.client = client
        self.path = "/mcp" + (f"?toolsets={toolsets}" if toolsets else "")
        self._ids = itertools.count(1)

    def post(self, body: Any, *, headers: dict[str, str] | None = None, path: str | None = None) -> LocalResponse:
        raw = body if isinstance(body, bytes) else json.dumps(body).encode()
        return self.client.request("POST", path or self.path, body=raw, headers={**MCP_HEADERS, **(headers or {})})

    def rpc(self, method: str, params: dict[str, Any] | None = None, **kw: Any) -> LocalResponse:
        return self.post({"jsonrpc": "2.0", "id": next(self._ids), "method": method, "params": params or {}}, **kw)

    def result(self, method: str, params: dict[str, Any] | None = None, **kw: Any) -> dict[str, Any]:
        response = self.rpc(method, params, **kw)
        assert response.status_code == 200, response.text
        body = response.json()
        assert "result" in body, body
        return body["result"]

    def call(self, name: str, arguments: dict[str, Any] | None = None, **kw: Any) -> dict[str, Any]:
        """The ``tools/call`` result (``isError`` set either way)."""
        return self.result("tools/call", {"name": name, "arguments": arguments or {}}, **kw)

    def tools(self) -> dict[str, dict[str, Any]]:
        return {tool["name"]: tool for tool in self.result("tools/list")["tools"]}


def text_of(result: dict[str, Any]) -> str:
    return str(result["content"][0]["text"])


def error_code(result: dict[str, Any]) -> str:
    """The ``<code>`` of an ``isError`` result's ``"<code>: <message>"`` text."""
    assert result.get("isError") is True, result
    return text_of(result).split(":", 1)[0]

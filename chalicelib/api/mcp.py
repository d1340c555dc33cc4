"""The MCP endpoint, ``/mcp``: the official SDK's streamable HTTP transport (stateless, JSON answers, both protocol
eras) behind a Chalice route.

``POST`` carries JSON-RPC messages and ``DELETE`` goes to the SDK too (a stateless server has no session to end,
so it answers 405); ``GET`` (the server-to-client event stream, which a stateless server does not offer) and every
other method are answered 405 by the route table like any undeclared method.

In the route table the operations are public (``action=None``) because they authenticate by themselves, before
the SDK sees anything: the request pipeline's REST answers (error bodies, ``Idempotency-Key`` replays, the
per-IP quota of anonymous requests, which would throttle every user behind one egress IP such as a hosted MCP
connector) do not fit a JSON-RPC endpoint. So this group's blueprint sends ``POST``/``DELETE`` to ``serve``:

1. authenticate the key (``X-API-Key``, ``Authorization: Bearer`` as the Anthropic MCP connector sends its
   ``authorization_token``, or ``?api_key=``); a failure counts against the client IP's quota, as REST does;
2. count the request against the key's quota (the same headers as REST);
3. pick the toolsets (``?toolsets=a,b``, default ``chalicelib.mcp.models.DEFAULT_TOOLSETS``, or ``all``);
4. hand the request, with its caller, to the SDK through ``chalicelib.mcp.bridge`` (imported here, lazily: REST
   cold starts never load the SDK), which answers a plain ``tools/call`` itself, in this thread, as the SDK would
   (``chalicelib.mcp.fastpath``). Per-tool scopes are checked by the server, per call.

Refusals before the SDK are HTTP errors with JSON-RPC error bodies (``chalicelib.mcp.errors``).
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from chalice import Blueprint, Response
from chalice.app import Request

from chalicelib.api.pipeline import client_ip, presented_key
from chalicelib.api.routing import Handler, RouteGroup, RouteSpec, View
from chalicelib.auth.admission import admit
from chalicelib.auth.models import Principal
from chalicelib.mcp import errors
from chalicelib.store.deps import Deps
from chalicelib.wiring import get_deps

PATH = "/mcp"
# Credentials never travel further than this module: the SDK gets the request without them.
_CREDENTIAL_HEADERS = frozenset({"x-api-key", "authorization", "content-length"})


class McpRoutes(RouteGroup):
    """A route group whose MCP operations bypass the REST pipeline (their 405 answers still use it)."""

    def endpoint(self, bp: Blueprint, spec: RouteSpec, handle: Handler) -> View:
        view = self.views[spec.operation_id]
        return _pipeline_endpoint(bp, spec, view, handle) if spec.not_allowed else _endpoint(bp, spec, view)


def _endpoint(bp: Blueprint, spec: RouteSpec, view: View) -> View:
    def endpoint() -> Any:
        return view(bp.current_request)

    endpoint.__name__ = spec.operation_id
    return endpoint


def _pipeline_endpoint(bp: Blueprint, spec: RouteSpec, view: View, handle: Callable[..., Any]) -> View:
    def endpoint(**path_params: str) -> Any:
        return handle(bp, spec, view, path_params)

    endpoint.__name__ = spec.operation_id
    return endpoint


group = McpRoutes("mcp", tag="MCP")
_DESCRIPTION = ("MCP (Model Context Protocol) over streamable HTTP: JSON-RPC 2.0 messages, stateless, JSON answers. "
                "Authenticate with `X-API-Key`, `Authorization: Bearer` or `?api_key=`; choose tools with "
                "`?toolsets=`. The tool contract is `schemas/mcp-tools.json`.")


@group.route("POST", PATH, operation_id="mcpMessage", summary="MCP JSON-RPC messages", action=None, resource=None,
             binary=True, replayable=False, documented=False, description=_DESCRIPTION)
def post(request: Request) -> Response:
    return serve(request)


@group.route("DELETE", PATH, operation_id="mcpEndSession", summary="End an MCP session", action=None,
             resource=None, binary=True, replayable=False, documented=False, description=_DESCRIPTION)
def delete(request: Request) -> Response:
    return serve(request)


def serve(request: Request) -> Response:
    """Authenticate, count, then let the SDK answer; every failure is a JSON-RPC error body."""
    request_id = str(uuid.uuid4())
    started = time.perf_counter()
    headers: dict[str, str | list[str]] = {"X-Request-Id": request_id}
    try:
        deps = get_deps()
        admission = admit(deps, presented_key(request), client_ip(request))
        headers.update(admission.headers)
        assert admission.principal is not None  # a required key: refused callers raised
        principal = admission.principal
        status, body, extra = _delegate(deps, request, principal, request_id)
    except Exception as exc:  # every failure, expected or not, is rendered by the one MCP error module
        status, text, extra = errors.http_refusal(exc, request_id, _rpc_id(request))
        body, extra = text.encode(), {"Content-Type": "application/json", **extra}
    headers.update(extra)
    headers["Server-Timing"] = f"app;dur={(time.perf_counter() - started) * 1000:.1f}"
    text_body = body.decode("utf-8") if _is_text(str(headers.get("Content-Type", ""))) else body
    return Response(body=text_body, status_code=status, headers=headers)


def _delegate(deps: Deps, request: Request, principal: Principal,
              request_id: str) -> tuple[int, bytes, dict[str, str]]:
    # Imported on the first MCP request: the SDK costs ~0.4 s, and the whole app (app.py, tests) holds this route.
    from chalicelib.mcp import bridge, server

    query = {k: v for k, v in (request.query_params or {}).items() if k != "api_key"}
    toolsets = server.parse_toolsets(query.get("toolsets"))
    raw = request.raw_body or b""
    exchange = bridge.Exchange(
        method=request.method, body=raw.encode() if isinstance(raw, str) else raw,
        headers=[(k, str(v)) for k, v in request.headers.items() if k.lower() not in _CREDENTIAL_HEADERS],
        caller=server.RequestCaller(deps=deps, principal=principal, request_id=request_id),
        query_string=urlencode(query), client_ip=client_ip(request),
        scheme=str(request.headers.get("x-forwarded-proto") or "http"))
    answer = bridge.exchange(exchange, toolsets, allowed_hosts(deps, request))
    kept = {_title(k): v for k, v in answer.headers.items() if k not in ("content-length", "date", "server")}
    return answer.status, answer.body, kept


def allowed_hosts(deps: Deps, request: Request) -> tuple[str, ...]:
    """The settings' Host values, plus the host API Gateway itself was called on (its default endpoint, or the
    custom domain it routed the request from): behind API Gateway no other host can reach the function."""
    context = request.context or {}
    hosts = list(deps.settings.mcp_allowed_hosts)
    if context.get("domainName"):
        hosts.append(str(context["domainName"]))
    if context.get("apiId"):
        hosts.append(f"{context['apiId']}.execute-api.{deps.settings.aws_region}.amazonaws.com")
    return tuple(sorted(set(hosts)))


def _rpc_id(request: Request) -> Any:
    """The id of a single JSON-RPC request, so a refusal can answer it (``null`` otherwise)."""
    try:
        message = json.loads(request.raw_body or b"null")
    except (ValueError, UnicodeDecodeError, RecursionError):
        return None
    rpc_id = message.get("id") if isinstance(message, dict) else None
    return rpc_id if isinstance(rpc_id, str | int) and not isinstance(rpc_id, bool) else None


def _is_text(content_type: str) -> bool:
    kind = content_type.split(";")[0].strip().lower()
    return kind.startswith("text/") or kind in ("application/json", "") or kind.endswith("+json")


def _title(name: str) -> str:
    return "-".join(part.capitalize() for part in name.split("-"))


group.seal()

"""A plain ``tools/call`` answered in the view's thread, as the SDK's streamable HTTP app would answer it.

Through the SDK (``chalicelib.mcp.bridge``) a call crosses to the event-loop thread and back, and runs the SDK's
per-request machinery (a transport, memory streams, a task group, a session, a dispatcher): about a millisecond more
than the REST route doing the same. What that machinery does to one JSON-RPC ``tools/call`` of a tool of the
selection is small, and is done here with the SDK's own parts, in the order the SDK applies them:

1. the transport's checks: ``POST``, a body within the SDK's size limit, ``Content-Type: application/json``,
   an ``Accept`` naming JSON (``check_accept_headers``), Host and Origin by the same ``TransportSecuritySettings``
   (``chalicelib.mcp.wire.security``) and the SDK's own validators; the ``MCP-Protocol-Version`` header absent
   (2025-03-26) or one of the handshake versions (any other goes to the SDK's 2026 entry);
2. the body parsed and validated by the SDK's JSON-RPC adapter: one request (not a batch), method ``tools/call``;
   its params checked against the protocol version's surface (``validate_client_request``), then read as
   ``CallToolRequestParams``; the tool looked up in the selection; the arguments read as the SDK tool reads them;
3. the call itself: ``chalicelib.mcp.server.run_tool``, the function the SDK tool's adapter runs (scope, arguments,
   confirmation, idempotency, the tool, the error mapping of ``chalicelib.mcp.errors``), in the same thread;
4. the answer: the result dumped and sieved by the version's surface (``serialize_server_result``), in the
   JSON-RPC response the transport writes (``model_dump_json``, ``200``, ``application/json``), its structured
   content written exactly by ``chalicelib.mcp.wire.exact_amounts``, as the bridge does.

Anything else, or anything this module is not sure of, returns ``None`` before the tool runs, and the SDK answers:
other methods, notifications, batches, bodies that do not parse or validate, unknown tools, params beyond
``name``/``arguments``/``_meta`` (tasks, input responses) or reserved ``_meta`` keys, an argument named like the
adapter's context parameter, refused headers, and any request while OpenTelemetry tracing is configured (the SDK
wraps each message in a span). Tests and the benchmark force the SDK's path with ``sdk_only()``.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from functools import lru_cache
from typing import Any

import pydantic_core
from mcp.server.streamable_http import check_accept_headers
from mcp.server.transport_security import DEFAULT_MAX_REQUEST_BODY_SIZE, TransportSecurityMiddleware
from mcp.shared.exceptions import MCPError
from mcp_types import (
    DEFAULT_NEGOTIATED_VERSION,
    INTERNAL_ERROR,
    CallToolRequestParams,
    JSONRPCError,
    JSONRPCRequest,
    JSONRPCResponse,
    jsonrpc_message_adapter,
)
from mcp_types.methods import serialize_server_result, validate_client_request
from mcp_types.version import HANDSHAKE_PROTOCOL_VERSIONS
from opentelemetry.trace import ProxyTracerProvider, get_tracer_provider
from pydantic import ValidationError
from starlette.datastructures import Headers
from starlette.requests import Request

from chalicelib.mcp import server
from chalicelib.mcp.registry import ToolSpec
from chalicelib.mcp.wire import REQUEST_TIMEOUT, Answer, Exchange, asgi_headers, exact_amounts, security, too_long

log = logging.getLogger("cashpilot.mcp")
METHOD = "tools/call"
PARAMS = frozenset({"name", "arguments", "_meta"})
RESERVED_META = "io.modelcontextprotocol/"  # the 2026 envelope's keys, and the protocol's own
_sdk_only: ContextVar[bool] = ContextVar("cashpilot_mcp_sdk_only", default=False)
_probing: ContextVar[bool] = ContextVar("cashpilot_mcp_probing", default=False)
_count_lock = threading.Lock()
_answered = 0


class _QuietWhileProbing(logging.Filter):
    """The SDK's validators warn about a refused Host or Origin; the request then goes to the SDK, which warns once."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not _probing.get()


logging.getLogger("mcp.server.transport_security").addFilter(_QuietWhileProbing())


@contextmanager
def sdk_only() -> Iterator[None]:
    """Within this block (this thread or task), every request goes through the SDK's app."""
    token = _sdk_only.set(True)
    try:
        yield
    finally:
        _sdk_only.reset(token)


def sdk_forced() -> bool:
    return _sdk_only.get()


def answered() -> int:
    """How many requests this process answered here (for tests and diagnostics)."""
    return _answered


def answer(request: Exchange, toolsets: tuple[str, ...], hosts: tuple[str, ...]) -> Answer | None:
    """The SDK's answer to ``request`` if it is a plain ``tools/call`` (the tool run here), else ``None``."""
    started = time.monotonic()
    call = _plain_call(request, toolsets, hosts)
    if call is None:
        return None
    rpc_id, version, spec, arguments = call
    _counted()
    who = request.caller
    try:
        result = server.run_tool(spec, who, arguments)
        if time.monotonic() - started > REQUEST_TIMEOUT:  # the bridge gives up on such a request, after its tool
            raise too_long()
        body = _response(rpc_id, version, result.model_dump(by_alias=True, mode="json", exclude_none=True))
        return exact_amounts(Answer(200, {"content-type": "application/json", "content-length": str(len(body))},
                                    body), who.exact)
    finally:
        who.exact.clear()


def _plain_call(request: Exchange, toolsets: tuple[str, ...],
                hosts: tuple[str, ...]) -> tuple[Any, str, ToolSpec, dict[str, Any]] | None:
    """The id, protocol version, tool and arguments of a call the SDK would run as it is; ``None`` otherwise."""
    if request.method != "POST" or len(request.body) > DEFAULT_MAX_REQUEST_BODY_SIZE or not _untraced():
        return None
    try:
        headers = Headers(raw=asgi_headers(request))
    except UnicodeEncodeError:  # the bridge cannot hand such headers to the SDK either
        return None
    version = headers.get("mcp-protocol-version", DEFAULT_NEGOTIATED_VERSION)
    if version not in HANDSHAKE_PROTOCOL_VERSIONS or not _accepted(headers, hosts):
        return None
    message = _message(request.body)
    if message is None or not _plain_params(message.params):
        return None
    try:
        validate_client_request(METHOD, version, message.params)
        params = CallToolRequestParams.model_validate(message.params, by_name=False)
        arguments = server.sdk_arguments(params.arguments or {})
    except (ValidationError, ValueError, KeyError):
        return None
    spec = _catalogue(toolsets).get(params.name)
    if spec is None or server.CONTEXT_PARAM in arguments:
        return None  # the SDK's own answer ("Unknown tool"), or its context overriding the argument
    return message.id, version, spec, arguments


def _counted() -> None:
    global _answered
    with _count_lock:
        _answered += 1


def _untraced() -> bool:
    """No OpenTelemetry tracer provider is installed (the SDK's spans are no-ops)."""
    return isinstance(get_tracer_provider(), ProxyTracerProvider)


def _accepted(headers: Headers, hosts: tuple[str, ...]) -> bool:
    """The transport's header checks pass: content type, Accept (JSON answers), Host and Origin."""
    content_type = headers.get("content-type", "")
    if content_type.partition(";")[0].rstrip() != "application/json":  # passes both of the SDK's checks
        return False
    if not check_accept_headers(Request({"type": "http", "headers": headers.raw}))[0]:
        return False
    guard = _guard(hosts)
    if not guard.settings.enable_dns_rebinding_protection:
        return True
    token = _probing.set(True)
    try:
        return guard._validate_host(headers.get("host")) and guard._validate_origin(headers.get("origin"))
    finally:
        _probing.reset(token)


def _message(body: bytes) -> JSONRPCRequest | None:
    try:
        raw = pydantic_core.from_json(body)
    except ValueError:
        return None
    if not isinstance(raw, dict):  # a batch, or not a message: the bridge and the SDK answer it
        return None
    try:
        message = jsonrpc_message_adapter.validate_python(raw, by_name=False)
    except ValidationError:
        return None
    return message if isinstance(message, JSONRPCRequest) and message.method == METHOD else None


def _plain_params(params: Mapping[str, Any] | None) -> bool:
    if not isinstance(params, dict) or not params.keys() <= PARAMS:
        return False
    meta = params.get("_meta")
    return meta is None or (isinstance(meta, dict) and not any(str(key).startswith(RESERVED_META) for key in meta))


def _response(rpc_id: Any, version: str, result: dict[str, Any]) -> bytes:
    """The JSON-RPC response the SDK's runner and JSON transport write for this result."""
    try:
        shaped = serialize_server_result(METHOD, version, result)
    except ValidationError:
        log.exception("handler for %r returned an invalid result", METHOD)
        error = MCPError(code=INTERNAL_ERROR, message="Handler returned an invalid result").error
        return JSONRPCError(jsonrpc="2.0", id=rpc_id, error=error).model_dump_json(
            by_alias=True, exclude_unset=True).encode()
    return JSONRPCResponse(jsonrpc="2.0", id=rpc_id, result=shaped).model_dump_json(
        by_alias=True, exclude_unset=True).encode()


@lru_cache(maxsize=16)
def _catalogue(toolsets: tuple[str, ...]) -> dict[str, ToolSpec]:
    """The tools the SDK server of this selection registers (``chalicelib.mcp.server.build_server``)."""
    return {spec.name: spec for spec in server.selected(toolsets)}


@lru_cache(maxsize=16)
def _guard(hosts: tuple[str, ...]) -> TransportSecurityMiddleware:
    return TransportSecurityMiddleware(security(hosts))

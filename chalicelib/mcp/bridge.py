"""The Chalice <-> ASGI bridge: hands one HTTP request to the SDK's streamable HTTP app and returns its answer.

Chalice views are synchronous; the SDK's app (``streamable_http_app(stateless_http=True, json_response=True)``) is
a Starlette ASGI app whose session manager must run, once, inside a task group for as long as requests are
served. So each process keeps one event loop in a daemon thread, and each request is submitted to it with
``asyncio.run_coroutine_threadsafe`` and awaited from the view's thread, which meanwhile runs the request's tool
calls (``chalicelib.mcp.handoff``).

Selected toolsets change the tool list, so there is one server and app per distinct selection (and set of allowed
hosts), built on first use and kept in a small LRU cache; an evicted app stops once its last request is answered.
Nothing else survives between requests: the caller rides in the ASGI scope of its own request. A single
``tools/call`` the SDK would run as it is does not come here: ``chalicelib.mcp.fastpath`` answers it in the view's
thread, with the same tool call and the same answer.

The SDK answers one JSON-RPC message per POST. A JSON array (a batch) exists only up to the 2025-03-26 revision
(2025-06-18 removed it): in those versions (the ``MCP-Protocol-Version`` header, else the ``protocolVersion`` of an
``initialize`` in the batch, else 2025-03-26 as the transport says for a request without the header) it is split
here into at most ``MAX_BATCH`` single calls whose answers are joined into an array again (``202`` when every
message was a notification); in later versions, or past that size, it is refused whole (``-32600``).
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
from collections import OrderedDict
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

from mcp.server import MCPServer
from mcp_types.version import HANDSHAKE_PROTOCOL_VERSIONS
from starlette.types import ASGIApp, Message

from chalicelib.core.errors import BadRequest, Unavailable
from chalicelib.core.serialization import dumps
from chalicelib.mcp import fastpath
from chalicelib.mcp.caller import SCOPE_KEY
from chalicelib.mcp.server import build_server
from chalicelib.mcp.wire import (
    PATH,
    REQUEST_TIMEOUT,
    Answer,
    Exchange,
    asgi_headers,
    exact_amounts,
    security,
    too_long,
)

log = logging.getLogger("cashpilot.mcp")
MAX_SERVERS = 8
MAX_BATCH = 20
BATCH_REMOVED_IN = "2025-06-18"
ASSUMED_VERSION = "2025-03-26"  # what the transport tells a server to assume when the header is absent
# Protocol versions that know batches: the handshake versions before the revision that removed them.
BATCH_VERSIONS = frozenset(v for v in HANDSHAKE_PROTOCOL_VERSIONS if v < BATCH_REMOVED_IN)
# The SDK logs every stateless request at INFO ("Terminating session: None"); its warnings and errors still show.
logging.getLogger("mcp").setLevel(logging.WARNING)


@dataclass
class _Served:
    """A running server: its ASGI app, and how many requests hold it (an evicted one stops when none does)."""

    server: MCPServer
    app: ASGIApp
    stop: asyncio.Event = field(default_factory=asyncio.Event)
    busy: int = 0


_lock = threading.Lock()
_loop: asyncio.AbstractEventLoop | None = None
_served: OrderedDict[tuple[tuple[str, ...], tuple[str, ...]], _Served] = OrderedDict()


def _event_loop() -> asyncio.AbstractEventLoop:
    global _loop
    if _loop is None:
        loop = asyncio.new_event_loop()
        threading.Thread(target=loop.run_forever, name="cashpilot-mcp", daemon=True).start()
        _loop = loop
    return _loop


def _start(toolsets: tuple[str, ...], hosts: tuple[str, ...]) -> _Served:
    server = build_server(toolsets)
    server.streamable_http_app(streamable_http_path=PATH, stateless_http=True, json_response=True,
                               transport_security=security(hosts))
    # The session manager's own ASGI entry (the SDK's way to mount it in another framework): the request is
    # already routed here, so the Starlette app around it, its router and middleware, would only add layers.
    app = server.session_manager.handle_request
    loop = _event_loop()
    started = threading.Event()
    served = _Served(server=server, app=app)

    async def run() -> None:
        async with server.session_manager.run():
            started.set()
            await served.stop.wait()
            while served.busy:  # let the requests still holding it finish
                await asyncio.sleep(0.05)

    asyncio.run_coroutine_threadsafe(run(), loop)
    if not started.wait(REQUEST_TIMEOUT):
        raise Unavailable("the MCP server did not start", code="mcp_unavailable")
    return served


def _acquire(toolsets: tuple[str, ...], hosts: tuple[str, ...]) -> _Served:
    key = (toolsets, hosts)
    with _lock:
        served = _served.get(key)
        if served is None:
            served = _served[key] = _start(toolsets, hosts)
            while len(_served) > MAX_SERVERS:
                _, evicted = _served.popitem(last=False)
                _event_loop().call_soon_threadsafe(evicted.stop.set)
        _served.move_to_end(key)
        served.busy += 1
        return served


def exchange(request: Exchange, toolsets: tuple[str, ...], hosts: tuple[str, ...]) -> Answer:
    """The SDK's answer to ``request``, with the tools of ``toolsets``, accepting the ``hosts`` Host values (a plain
    ``tools/call`` is answered the same way without the SDK's app: ``chalicelib.mcp.fastpath``)."""
    direct = None if fastpath.sdk_forced() else fastpath.answer(request, toolsets, hosts)
    if direct is not None:
        return direct
    batch = _batch(request)
    served = _acquire(toolsets, hosts)
    try:
        if batch is None:
            return _call(served.app, request)
        return _join([_call(served.app, replace(request, body=json.dumps(message).encode())) for message in batch])
    finally:
        with _lock:
            served.busy -= 1


def _batch(request: Exchange) -> list[Any] | None:
    """The messages of a batch the protocol version allows (``None`` for anything else: the SDK answers it)."""
    if request.method != "POST" or not request.body.lstrip().startswith(b"["):
        return None
    try:
        messages = json.loads(request.body)
    except ValueError:
        return None  # the SDK answers the parse error
    if not isinstance(messages, list) or not messages:
        return None  # the SDK answers an empty array as an invalid request
    version = _protocol_version(request, messages)
    if version not in BATCH_VERSIONS:
        raise BadRequest(f"JSON-RPC batches are not supported in protocol version {version} (removed in "
                         f"{BATCH_REMOVED_IN}): send one message per request", code="batch_not_supported",
                         details={"protocol_version": version})
    if len(messages) > MAX_BATCH:
        raise BadRequest(f"a JSON-RPC batch holds at most {MAX_BATCH} messages, not {len(messages)}: send fewer per "
                         "request", code="batch_too_large", details={"limit": MAX_BATCH, "messages": len(messages)})
    return messages


def _protocol_version(request: Exchange, messages: list[Any]) -> str:
    header = request.header("mcp-protocol-version")
    if header is not None:
        return header.strip()
    for message in messages:
        if isinstance(message, dict) and message.get("method") == "initialize":
            params = message.get("params")
            asked = params.get("protocolVersion") if isinstance(params, dict) else None
            return str(asked) if asked is not None else ASSUMED_VERSION
    return ASSUMED_VERSION


def _join(answers: list[Answer]) -> Answer:
    replies = [json.loads(a.body, parse_float=Decimal) for a in answers
               if a.body and a.headers.get("content-type", "").startswith("application/json")]
    if not replies:
        return Answer(202, {}, b"")
    return Answer(200, {"content-type": "application/json"}, dumps(replies).encode())


def _call(app: ASGIApp, request: Exchange) -> Answer:
    started: list[Future[Answer]] = []

    def start() -> Future[Answer]:
        started.append(asyncio.run_coroutine_threadsafe(_asgi(app, request), _event_loop()))
        return started[0]

    try:
        # While it waits, this thread runs the tools' blocking work (chalicelib.mcp.handoff).
        return exact_amounts(request.caller.inbox.serve(start, REQUEST_TIMEOUT), request.caller.exact)
    except FutureTimeout as exc:
        started[0].cancel()
        raise too_long() from exc
    finally:
        request.caller.exact.clear()  # the texts of this message's results (a batch sends its messages in turn)


async def _asgi(app: ASGIApp, request: Exchange) -> Answer:
    """Run the ASGI app for one request: the body in one message, then a disconnect once the answer is sent."""
    answered = asyncio.Event()
    pending: list[Message] = [{"type": "http.request", "body": request.body, "more_body": False}]
    answer = Answer(500, {}, b"")

    async def receive() -> Message:
        if pending:
            return pending.pop()
        await answered.wait()
        return {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        if message["type"] == "http.response.start":
            answer.status = int(message["status"])
            answer.headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in message.get("headers", [])}
        elif message["type"] == "http.response.body":
            answer.body += message.get("body", b"")
            if not message.get("more_body"):
                answered.set()

    await app(_scope(request), receive, send)
    answered.set()
    return answer


def _scope(request: Exchange) -> dict[str, Any]:
    host = request.header("host") or ""
    name, _, port = host.rpartition(":") if ":" in host else (host, "", "")
    default_port = 443 if request.scheme == "https" else 80
    headers = asgi_headers(request)
    return {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": request.method,
            "scheme": request.scheme, "path": PATH, "raw_path": PATH.encode(), "root_path": "",
            "query_string": request.query_string.encode("latin-1"), "headers": headers,
            "client": (request.client_ip, 0),
            "server": (name or "localhost", int(port) if port.isdigit() else default_port),
            SCOPE_KEY: request.caller}


def running() -> list[tuple[str, ...]]:
    """The toolset selections served right now (for tests and diagnostics)."""
    with _lock:
        return [key[0] for key in _served]


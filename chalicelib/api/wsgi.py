"""The local HTTP server: the Chalice app behind a WSGI adapter, served by waitress.

``WsgiApp`` turns each WSGI request into the API-Gateway-like call of ``Gateway`` (greedy paths, binary types,
base64 bodies), so the server answers exactly what ``LocalClient`` and a deployed stage answer. waitress parses
HTTP on one event loop and runs the app on a pool of threads, with a real listen backlog and keep-alive, so a few
hundred concurrent clients are served instead of reset.

Access lines go to the ``cashpilot.http`` logger with keys redacted; a client that leaves before its answer is
written costs one line saying so, never a traceback.
"""

from __future__ import annotations

import base64
import logging
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from http import HTTPStatus
from typing import Any
from urllib.parse import quote

from chalice import Chalice
from chalice.local import LocalGatewayException
from waitress import wasyncore
from waitress.channel import ClientDisconnected, HTTPChannel
from waitress.server import create_server

from chalicelib.api.local import Gateway, make_thread_safe, redact

log = logging.getLogger("cashpilot.http")
StartResponse = Callable[..., Any]
_HOP_BY_HOP = frozenset({"connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailers",
                         "transfer-encoding", "upgrade"})
_LEFT = (ClientDisconnected, ConnectionError)
# Sized for a few hundred concurrent clients on loopback: the kernel queues up to BACKLOG connections not yet
# accepted (the stock dev server queued 5 and reset the rest), waitress keeps up to CONNECTION_LIMIT open.
BACKLOG = 2048
CONNECTION_LIMIT = 1000
SWITCH_INTERVAL = 0.0005
# The app is CPU-bound Python: beyond a few workers, more threads only contend for the GIL with waitress's
# event-loop thread (bench_load.py at 200 clients: 4 workers answered most, 8, 32 and 128 fewer). Requests beyond
# the workers wait in waitress's queue, in order, not in the kernel's backlog.
THREADS = 4


def _request_headers(environ: dict[str, Any]) -> dict[str, str]:
    headers = {key[5:].replace("_", "-").title(): value for key, value in environ.items()
               if key.startswith("HTTP_")}
    for key, name in (("CONTENT_TYPE", "Content-Type"), ("CONTENT_LENGTH", "Content-Length")):
        if environ.get(key):
            headers[name] = environ[key]
    return headers


def _target(environ: dict[str, Any]) -> str:
    """The request target as the client sent it (still percent-encoded, like the stock server passed it)."""
    target = environ.get("REQUEST_URI")
    if target and str(target).startswith("/"):
        return str(target)
    path = quote(environ.get("PATH_INFO", "").encode("latin-1"), safe="/;=,:@!$&'()*+~")
    query = environ.get("QUERY_STRING")
    return f"{path}?{query}" if query else path


class _Body:
    """The answer's bytes; once waitress has written them (or failed to), the request's access line."""

    def __init__(self, body: bytes, line: str) -> None:
        self._body = body
        self._line = line

    def __iter__(self) -> Iterator[bytes]:
        return iter([self._body] if self._body else [])

    def close(self) -> None:
        # waitress calls close() in a finally clause: an exception in flight means the client went away.
        if isinstance(sys.exc_info()[1], _LEFT):
            log.info("%s (client closed the connection before the answer was sent)", self._line)
        else:
            log.info("%s", self._line)


class WsgiApp:
    """A WSGI application answering with the Chalice app through ``Gateway``."""

    def __init__(self, app: Chalice) -> None:
        self._gateway = Gateway(make_thread_safe(app))

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        started = time.perf_counter()
        method = str(environ["REQUEST_METHOD"]).upper()
        target = _target(environ)
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length > 0 else None
        try:
            raw = self._gateway.handle_request(method, target, _request_headers(environ), body)
            status = int(raw["statusCode"])
            headers: dict[str, Any] = {**raw.get("headers", {}), **(raw.get("multiValueHeaders") or {})}
            payload = raw.get("body")
            if raw.get("isBase64Encoded") and payload is not None:
                payload = base64.b64decode(payload)
        except LocalGatewayException as exc:  # the gateway's own refusals (authorizers): Chalice renders them
            status, headers, payload = exc.CODE, dict(exc.headers), exc.body
        data = payload.encode() if isinstance(payload, str) else (payload or b"")
        start_response(f"{status} {_reason(status)}", _response_headers(headers, data, head=method == "HEAD"))
        line = (f'{environ.get("REMOTE_ADDR", "-")} "{redact(f"{method} {target}")} '
                f'{environ.get("SERVER_PROTOCOL", "HTTP/1.1")}" {status} {len(data)} '
                f'{(time.perf_counter() - started) * 1000:.1f}ms')
        # HEAD announces the length of the answer GET would send, and sends no body.
        return _Body(b"" if method == "HEAD" else data, line)


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Unknown"


def _response_headers(headers: dict[str, Any], body: bytes, *, head: bool = False) -> list[tuple[str, str]]:
    """The answer's headers; ``Content-Length`` is the body's, except for HEAD, whose route announces the length of
    the body GET would send (the pipeline has already left the body out)."""
    announced = next((str(v) for k, v in headers.items() if k.lower() == "content-length"), None)
    out = [("Content-Type", str(headers.pop("Content-Type", None) or "application/json"))]
    for name, value in headers.items():
        if name.lower() in _HOP_BY_HOP or name.lower() in ("content-length", "content-type"):
            continue
        out += [(name, str(v)) for v in value] if isinstance(value, list) else [(name, str(value))]
    out.append(("Content-Length", announced if head and announced is not None else str(len(body))))
    return out


class _Channel(HTTPChannel):
    """waitress's connection, noting a request whose client left before it could be answered."""

    def service(self) -> None:
        if not self.connected and self.requests:
            self._dropped(self.requests[0], "before the answer")
        super().service()

    def handle_close(self) -> None:
        pending = self.request
        if pending is not None and pending.headers_finished and not pending.completed:
            self._dropped(pending, "in the middle of the request")
            self.request = None
        super().handle_close()

    def _dropped(self, request: Any, when: str) -> None:
        log.info('%s "%s %s" dropped: client closed the connection %s', self.addr[0] if self.addr else "-",
                 request.command, redact(str(getattr(request, "path", "") or "")), when)


class _QuietDisconnects(logging.Filter):
    """waitress reports a client gone mid-answer itself; the access line already says so."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith("Client disconnected while serving")


class LocalServer:
    """A bound, listening server: ``serve_forever()`` in one thread, ``shutdown()`` from any thread."""

    def __init__(self, app: Chalice, host: str, port: int) -> None:
        # create_server binds and listens at once: a busy port raises OSError (EADDRINUSE) here.
        # waitress's stubs lack the event-loop attributes used below (_map, effective_port).
        server: Any = create_server(WsgiApp(app), host=host, port=port, threads=THREADS, backlog=BACKLOG,
                                    connection_limit=CONNECTION_LIMIT, channel_timeout=120, log_socket_errors=False,
                                    expose_tracebacks=False, ident="CashPilot", clear_untrusted_proxy_headers=True,
                                    asyncore_use_poll=True)
        server.channel_class = _Channel
        self._server = server
        self._stopping = threading.Event()
        # waitress reads and writes every socket on one event-loop thread; each socket call releases the GIL, and
        # with the default 5 ms switch interval getting it back from busy workers held the loop to 90-190
        # answers/s at 200 clients. This process only serves, so a short interval is the right trade.
        sys.setswitchinterval(SWITCH_INTERVAL)
        logging.getLogger("waitress").addFilter(_QuietDisconnects())

    @property
    def port(self) -> int:
        return int(self._server.effective_port)

    def serve_forever(self) -> None:
        try:
            while not self._stopping.is_set():
                wasyncore.loop(timeout=1.0, map=self._server._map, use_poll=True, count=1)
        finally:
            self._server.task_dispatcher.shutdown()
            self._server.close()
            wasyncore.close_all(self._server._map)

    def shutdown(self) -> None:
        self._stopping.set()
        self._server.pull_trigger()  # wakes the event loop, which then sees the flag

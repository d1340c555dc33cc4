"""The local HTTP server: the Chalice app behind a WSGI adapter, served by cheroot (CherryPy's HTTP server).

``WsgiApp`` turns each WSGI request into the API-Gateway-like call of ``Gateway`` (greedy paths, binary types,
base64 bodies), so the server answers exactly what ``LocalClient`` and a deployed stage answer. cheroot keeps idle
keep-alive connections in a selector and hands each ready request to a pool of worker threads that read and write
their own sockets, behind a real listen backlog, so a few hundred concurrent clients are queued and served instead
of reset (the stock development server listens with a backlog of 5).

Access lines go to the ``cashpilot.http`` logger with keys redacted; a client that leaves before its answer is
written costs one line saying so, never a traceback.
"""

from __future__ import annotations

import base64
import logging
import socket
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from http import HTTPStatus
from typing import Any
from urllib.parse import quote

from chalice import Chalice
from chalice.local import LocalGatewayException
from cheroot import wsgi as cheroot_wsgi

from chalicelib.api.local import Gateway, make_thread_safe, redact

log = logging.getLogger("cashpilot.http")
StartResponse = Callable[..., Any]
_HOP_BY_HOP = frozenset({"connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailers",
                         "transfer-encoding", "upgrade"})
_LEFT = (ConnectionError, TimeoutError)
# The kernel queues up to BACKLOG connections not yet accepted (the stock dev server queued 5 and reset the rest).
BACKLOG = 2048
# The app is CPU-bound Python (one core's worth under the GIL): a few workers keep it busy while others read and
# write sockets; requests beyond them wait in cheroot's queue, in order (bench_load.py, 200 clients: 8 workers
# answered about as much as the stock server with no connection error and a p99 under a second).
THREADS = 8
IDLE_TIMEOUT_SECONDS = 120


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
    """The answer's bytes; once the server has written them (or failed to), the request's access line."""

    def __init__(self, body: bytes, line: str) -> None:
        self._body = body
        self._line = line

    def __iter__(self) -> Iterator[bytes]:
        return iter([self._body] if self._body else [])

    def close(self) -> None:
        # The server calls close() in a finally clause: an exception in flight means the client went away.
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
        try:
            body = environ["wsgi.input"].read(length) if length > 0 else None
            if body is not None and len(body) < length:
                raise ConnectionResetError("the body ended early")
        except (*_LEFT, ValueError, OSError):
            log.info('%s "%s" dropped: client closed the connection in the middle of the request',
                     environ.get("REMOTE_ADDR", "-"), redact(f"{method} {target}"))
            start_response("400 Bad Request", [("Content-Length", "0"), ("Connection", "close")])
            return []
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


class _Server(cheroot_wsgi.Server):
    """cheroot's server, reporting its errors in one line each (a client gone away is not a server fault)."""

    def error_log(self, msg: str = "", level: int = logging.INFO, traceback: bool = False) -> None:
        log.log(level if level >= logging.WARNING else logging.INFO, "server: %s", redact(msg.strip()))


def _check_free(host: str, port: int) -> None:
    """Raise ``OSError`` (``EADDRINUSE``) when ``host:port`` is taken: cheroot reports a failed bind without its
    errno, and the command line names the cause."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        probe.bind((host, port))


class LocalServer:
    """A bound, listening server: ``serve_forever()`` in one thread, ``shutdown()`` from any thread."""

    def __init__(self, app: Chalice, host: str, port: int) -> None:
        self._server = _Server((host, port), WsgiApp(app), numthreads=THREADS, request_queue_size=BACKLOG,
                               timeout=IDLE_TIMEOUT_SECONDS, server_name="CashPilot")
        _check_free(host, port)
        self._server.prepare()  # binds and listens now
        self._stopped = threading.Event()

    @property
    def port(self) -> int:
        return int(self._server.bind_addr[1])

    def serve_forever(self) -> None:
        try:
            self._server.serve()
        finally:
            self._stopped.set()

    def shutdown(self) -> None:
        self._server.stop()


def serve(app: Chalice, host: str, port: int) -> LocalServer:
    """The production-grade threaded server for ``app``, bound to ``host:port`` and listening (then call
    ``serve_forever``; ``shutdown`` from any thread). A busy port raises ``OSError`` (``EADDRINUSE``) here."""
    return LocalServer(app, host, port)

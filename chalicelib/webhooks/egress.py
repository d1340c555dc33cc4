"""The outbound HTTP sender of webhook deliveries, the real adapter of ``chalicelib.core.egress.Egress``: one POST to
a customer's URL, through the SSRF guard.

``GuardedSender.post`` checks the URL again at send time (a name that resolved to a public address when the
subscription was made may resolve to an internal one now: DNS rebinding), then connects to the first validated
address itself, so no second lookup happens between the check and the connection. The request still names the
host: ``Host`` is the hostname and, for https, the TLS handshake sends it as SNI and verifies the certificate
against it. Redirects are never followed (a 3xx is an answer like any other: following it would reach a URL the
guard never saw), the connection and each read are time-limited and at most ``max_answer`` bytes of the answer are
read, so a receiver can neither hold a worker nor fill its memory.

An attempt that gets no HTTP answer raises ``DeliveryFailed`` with a reason word; everything else, whatever the
status, is an ``Answer``: judging success, retries and ``Retry-After`` is the caller's business. The guard itself
(``check_url``, ``Target``, ``UrlRefused``, resolvers) lives in ``egress_guard`` and is re-exported here.
"""

from __future__ import annotations

import contextlib
import http.client
import socket
import ssl
import threading
import time
from collections.abc import Mapping
from typing import Final
from urllib.parse import quote

from chalicelib.core.egress import Answer, DeliveryFailed
from chalicelib.webhooks.egress_guard import Resolver, Target, UrlRefused, check_url, system_resolver

__all__ = [
    "Answer",
    "DeliveryFailed",
    "GuardedSender",
    "Resolver",
    "Target",
    "UrlRefused",
    "check_url",
    "system_resolver",
]

USER_AGENT: Final = "CashPilot-Webhooks/1"
_READ_CHUNK: Final = 16384
# Headers the sender sets itself: Host names the validated target, Content-Length the body actually sent.
_OWN_HEADERS: Final = frozenset({"host", "content-length", "user-agent", "connection"})


class GuardedSender:
    """POSTs to URLs that pass ``check_url`` at send time, connecting to the validated address only.

    ``local`` allows http and any port to loopback hosts (development and tests); ``resolver`` is the name lookup
    the guard uses; ``connect_timeout`` bounds the TCP connection and the TLS handshake, ``read_timeout`` each wait
    for the answer and ``total_timeout`` the whole exchange after the connection (a receiver trickling bytes);
    ``ssl_context`` verifies certificates (the system's trust store by default).
    """

    def __init__(
        self,
        *,
        local: bool,
        resolver: Resolver = system_resolver,
        connect_timeout: float = 5.0,
        read_timeout: float = 15.0,
        max_answer: int = 65536,
        total_timeout: float = 25.0,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        self.local = local
        self.resolver = resolver
        self.connect_timeout = connect_timeout
        self.read_timeout = read_timeout
        self.max_answer = max_answer
        self.total_timeout = total_timeout
        self._ssl_context = ssl_context  # the system's trust store is loaded on the first https delivery (~50 ms)

    def ssl_context(self) -> ssl.SSLContext:
        if self._ssl_context is None:
            self._ssl_context = ssl.create_default_context()
        return self._ssl_context

    def check(self, url: str) -> None:
        """Raise ``UrlRefused`` (422 ``url_not_allowed``) unless ``url`` may receive deliveries."""
        check_url(url, local=self.local, resolver=self.resolver)

    def post(self, url: str, body: bytes, headers: Mapping[str, str]) -> Answer:
        """Send one POST; raise DeliveryFailed when no HTTP answer comes back."""
        started = time.perf_counter()
        try:
            target = check_url(url, local=self.local, resolver=self.resolver)
        except UrlRefused as refused:
            raise DeliveryFailed("url_not_allowed", duration_ms=_since(started), detail=refused.message) from None
        try:
            status, answer_headers, answer_body = self._exchange(target, body, headers)
        except TimeoutError as error:  # before OSError: socket.timeout is an OSError
            raise DeliveryFailed("timeout", duration_ms=_since(started), detail=str(error)) from None
        except ssl.SSLError as error:  # before OSError: certificate and handshake failures
            raise DeliveryFailed("tls", duration_ms=_since(started), detail=str(error)) from None
        except (OSError, ValueError, http.client.HTTPException) as error:  # ValueError: a header http.client refuses
            raise DeliveryFailed("connection", duration_ms=_since(started), detail=repr(error)) from None
        return Answer(status, answer_body, _since(started), answer_headers)

    def _exchange(self, target: Target, body: bytes, headers: Mapping[str, str]) -> tuple[int, dict[str, str], bytes]:
        connection = http.client.HTTPConnection(target.host, target.port, timeout=self.read_timeout)
        cut = threading.Event()
        timer: threading.Timer | None = None
        try:
            sock = self._connect(target)
            connection.sock = sock  # http.client uses a socket already set instead of connecting
            # The read timeout bounds each wait; this bounds the whole exchange (a receiver trickling bytes).
            timer = threading.Timer(self.total_timeout, _cut, (sock, cut))
            timer.daemon = True
            timer.start()
            connection.request("POST", _wire_path(target.path), body=body,
                               headers=_request_headers(target, body, headers))
            response = connection.getresponse()
            answer_body = _read_at_most(response, self.max_answer)
            if cut.is_set():
                raise TimeoutError(f"the exchange took longer than {self.total_timeout:g} s")
            return response.status, _answer_headers(response), answer_body
        except (OSError, http.client.HTTPException) as error:
            if cut.is_set() and not isinstance(error, TimeoutError):
                raise TimeoutError(f"the exchange took longer than {self.total_timeout:g} s") from error
            raise
        finally:
            if timer is not None:
                timer.cancel()
            connection.close()

    def _connect(self, target: Target) -> socket.socket:
        """A socket to the first validated address; for https, wrapped in TLS verified against the hostname."""
        sock = socket.create_connection((target.addresses[0], target.port), timeout=self.connect_timeout)
        try:
            if target.scheme == "https":
                sock = self.ssl_context().wrap_socket(sock, server_hostname=target.host)
            sock.settimeout(self.read_timeout)
        except BaseException:
            sock.close()
            raise
        return sock


def _cut(sock: socket.socket, cut: threading.Event) -> None:
    cut.set()
    with contextlib.suppress(OSError):  # already closed: the exchange ended meanwhile
        sock.shutdown(socket.SHUT_RDWR)  # wakes the blocked read in the sending thread


def _wire_path(path: str) -> str:
    """The path as sent: characters outside ASCII percent-encoded (``http.client`` refuses them), the rest kept."""
    return quote(path, safe="/%?=&;:@!$'()*+,~-._[]#")


def _request_headers(target: Target, body: bytes, given: Mapping[str, str]) -> dict[str, str]:
    headers = {name: value for name, value in given.items() if name.lower() not in _OWN_HEADERS}
    if not any(name.lower() == "content-type" for name in headers):
        headers["Content-Type"] = "application/json"
    headers["Host"] = _host_header(target)
    headers["Content-Length"] = str(len(body))
    headers["User-Agent"] = USER_AGENT
    headers["Connection"] = "close"  # one request per connection: the next attempt checks the URL again
    return headers


def _host_header(target: Target) -> str:
    host = f"[{target.host}]" if ":" in target.host else target.host
    default = 443 if target.scheme == "https" else 80
    return host if target.port == default else f"{host}:{target.port}"


def _read_at_most(response: http.client.HTTPResponse, limit: int) -> bytes:
    """Up to ``limit`` bytes of the answer's body; the rest is left unread (the connection is closed after)."""
    chunks: list[bytes] = []
    remaining = limit
    while remaining > 0:
        chunk = response.read(min(remaining, _READ_CHUNK))
        if not chunk:
            break
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)


def _answer_headers(response: http.client.HTTPResponse) -> dict[str, str]:
    headers: dict[str, str] = {}
    for name, value in response.getheaders():
        key = name.lower()
        headers[key] = f"{headers[key]}, {value}" if key in headers else value
    return headers


def _since(started: float) -> int:
    return round((time.perf_counter() - started) * 1000)

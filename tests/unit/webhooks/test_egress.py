"""The guarded sender against real HTTP and HTTPS servers on 127.0.0.1.

Every connection the sender opens goes through ``socket.create_connection``; the ``connections`` fixture records
the addresses and fails a test that would leave loopback, so nothing here reaches the network.
"""

from __future__ import annotations

import ipaddress
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import trustme

from chalicelib.webhooks.egress import USER_AGENT, DeliveryFailed, GuardedSender, check_url
from tests.unit.webhooks.resolvers import resolving

HUGE = 1_000_000


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


class Receiver(ThreadingHTTPServer):
    """A webhook receiver: records each request and answers by path (/slow, /redirect, /huge, /busy, else 200)."""

    daemon_threads = True

    def __init__(self, tls: ssl.SSLContext | None = None) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.tls = tls
        self.requests: list[Received] = []
        self.redirect_to = "http://127.0.0.1:9/"

    @property
    def port(self) -> int:
        return int(self.server_address[1])

    def finish_request(self, request: Any, client_address: Any) -> None:
        if self.tls is None:
            super().finish_request(request, client_address)
            return
        with self.tls.wrap_socket(request, server_side=True) as secured:
            super().finish_request(secured, client_address)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Clients hang up on purpose here (timeouts, truncated answers, refused certificates)."""


class _Handler(BaseHTTPRequestHandler):
    server: Receiver

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        self.server.requests.append(Received(self.path, dict(self.headers.items()), body))
        if self.path == "/slow":
            time.sleep(2.0)
        if self.path == "/redirect":
            self._answer(302, b"", Location=self.server.redirect_to)
        elif self.path == "/huge":
            self._answer(200, b"x" * HUGE)
        elif self.path == "/busy":
            self._answer(429, b"slow down", **{"Retry-After": "120"})
        else:
            self._answer(200, b'{"ok":true}')

    def _answer(self, status: int, body: bytes, **headers: str) -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the tests read the recorded requests instead."""


@contextmanager
def serving(tls: ssl.SSLContext | None = None) -> Iterator[Receiver]:
    server = Receiver(tls)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with serving() as server:
        yield server


@pytest.fixture
def elsewhere() -> Iterator[Receiver]:
    with serving() as server:
        yield server


@pytest.fixture(autouse=True)
def connections(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, int]]:
    """The addresses the sender connects to; a non-loopback one fails the test before any packet leaves."""
    opened: list[tuple[str, int]] = []
    create_connection = socket.create_connection

    def loopback_only(address: tuple[str, int], *args: Any, **kwargs: Any) -> socket.socket:
        assert ipaddress.ip_address(address[0]).is_loopback, f"the test tried to reach {address}"
        opened.append(address)
        return create_connection(address, *args, **kwargs)

    monkeypatch.setattr(socket, "create_connection", loopback_only)
    return opened


def local_sender(**options: Any) -> GuardedSender:
    return GuardedSender(local=True, resolver=resolving({"localhost": ["127.0.0.1"]}), **options)


def failure(post: Callable[[], object]) -> DeliveryFailed:
    with pytest.raises(DeliveryFailed) as failed:
        post()
    return failed.value


def test_the_body_and_headers_arrive_as_sent_with_the_hostname_as_host(
    receiver: Receiver, connections: list[tuple[str, int]]
) -> None:
    body = b'{"type":"invoice.paid","data":{"id":"inv_1"}}'
    headers = {"webhook-id": "msg_1", "webhook-timestamp": "1773567000", "webhook-signature": "v1,abc="}
    answer = local_sender().post(f"http://localhost:{receiver.port}/hooks/in?token=t1", body, headers)

    assert (answer.status, answer.body) == (200, b'{"ok":true}')
    assert answer.duration_ms >= 0
    [received] = receiver.requests
    assert (received.path, received.body) == ("/hooks/in?token=t1", body)
    assert received.headers["Host"] == f"localhost:{receiver.port}"
    assert received.headers["Content-Type"] == "application/json"
    assert received.headers["Content-Length"] == str(len(body))
    assert received.headers["User-Agent"] == USER_AGENT
    assert {name: received.headers[name] for name in headers} == headers
    assert connections == [("127.0.0.1", receiver.port)]


def test_a_given_content_type_is_kept_and_a_given_host_is_replaced(receiver: Receiver) -> None:
    headers = {"content-type": "application/cloudevents+json", "Host": "internal.example", "Content-Length": "1"}
    local_sender().post(f"http://127.0.0.1:{receiver.port}/", b"{}", headers)
    [received] = receiver.requests
    assert received.headers["content-type"] == "application/cloudevents+json"
    assert received.headers["Host"] == f"127.0.0.1:{receiver.port}"
    assert received.headers["Content-Length"] == "2"


def test_a_redirect_is_returned_and_not_followed(receiver: Receiver, elsewhere: Receiver) -> None:
    receiver.redirect_to = f"http://127.0.0.1:{elsewhere.port}/target"
    answer = local_sender().post(f"http://127.0.0.1:{receiver.port}/redirect", b"{}", {})
    assert answer.status == 302
    assert answer.headers["location"] == receiver.redirect_to
    assert elsewhere.requests == []


def test_answer_headers_have_lower_cased_names(receiver: Receiver) -> None:
    answer = local_sender().post(f"http://127.0.0.1:{receiver.port}/busy", b"{}", {})
    assert (answer.status, answer.body, answer.headers["retry-after"]) == (429, b"slow down", "120")


def test_a_receiver_slower_than_the_read_timeout_is_a_timeout(receiver: Receiver) -> None:
    sender = local_sender(connect_timeout=0.3, read_timeout=0.3)
    failed = failure(lambda: sender.post(f"http://127.0.0.1:{receiver.port}/slow", b"{}", {}))
    assert failed.reason == "timeout"
    assert 250 <= failed.duration_ms < 1500


def test_a_huge_answer_is_truncated_to_max_answer(receiver: Receiver) -> None:
    answer = local_sender(max_answer=1000).post(f"http://127.0.0.1:{receiver.port}/huge", b"{}", {})
    assert (answer.status, answer.body) == (200, b"x" * 1000)


def test_a_closed_port_is_a_connection_failure() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    failed = failure(lambda: local_sender().post(f"http://127.0.0.1:{port}/", b"{}", {}))
    assert failed.reason == "connection"


def test_a_url_the_guard_refuses_fails_without_connecting(connections: list[tuple[str, int]]) -> None:
    sender = local_sender()
    for url in ("http://10.0.0.1/", "https://169.254.169.254/", "https://93.184.215.14:22/"):
        with pytest.raises(DeliveryFailed) as failed:
            sender.post(url, b"{}", {})
        assert failed.value.reason == "url_not_allowed"
    assert connections == []


class Rebinding:
    """A DNS answer that changes: public when the subscription is checked, then ``later`` for every lookup."""

    def __init__(self, later: str) -> None:
        self.later = later
        self.lookups = 0

    def __call__(self, host: str, port: int) -> list[str]:
        self.lookups += 1
        return ["93.184.215.14"] if self.lookups == 1 else [self.later]


@pytest.mark.parametrize("later", ["127.0.0.1", "10.0.0.7"])
def test_a_name_rebound_to_an_internal_address_after_the_check_is_refused_at_send_time(
    later: str, receiver: Receiver, connections: list[tuple[str, int]]
) -> None:
    url = f"https://hooks.example.com:{receiver.port}/in"
    resolver = Rebinding(later)
    assert check_url(url, local=False, resolver=resolver).addresses == ("93.184.215.14",)

    failed = failure(lambda: GuardedSender(local=False, resolver=resolver).post(url, b"{}", {}))
    assert failed.reason == "url_not_allowed"
    assert resolver.lookups == 2
    assert connections == []
    assert receiver.requests == []


@pytest.fixture(scope="module")
def authority() -> trustme.CA:
    return trustme.CA()


def tls_server_context(authority: trustme.CA, name: str, names_seen: list[str | None]) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert(name).configure_cert(context)

    def record(_sock: ssl.SSLObject, server_name: str | None, _context: ssl.SSLContext) -> None:
        names_seen.append(server_name)

    context.sni_callback = record
    return context


def trusting(authority: trustme.CA) -> ssl.SSLContext:
    context = ssl.create_default_context()
    authority.configure_trust(context)
    return context


def hooks_test_sender(authority: trustme.CA) -> GuardedSender:
    return GuardedSender(
        local=True, resolver=resolving({"hooks.test": ["127.0.0.1"]}), ssl_context=trusting(authority)
    )


def test_https_connects_to_the_pinned_address_and_verifies_the_hostname(
    authority: trustme.CA, connections: list[tuple[str, int]]
) -> None:
    names_seen: list[str | None] = []
    with serving(tls_server_context(authority, "hooks.test", names_seen)) as server:
        answer = hooks_test_sender(authority).post(f"https://hooks.test:{server.port}/in", b'{"a":1}', {})
        assert (answer.status, answer.body) == (200, b'{"ok":true}')
        [received] = server.requests
    assert received.headers["Host"] == f"hooks.test:{server.port}"
    assert received.body == b'{"a":1}'
    assert names_seen == ["hooks.test"]
    assert connections == [("127.0.0.1", server.port)]


def test_https_to_a_server_whose_certificate_names_another_host_is_a_tls_failure(authority: trustme.CA) -> None:
    with serving(tls_server_context(authority, "other.test", [])) as server:
        failed = failure(lambda: hooks_test_sender(authority).post(f"https://hooks.test:{server.port}/", b"{}", {}))
        assert server.requests == []
    assert failed.reason == "tls"


def test_https_to_a_certificate_from_an_untrusted_authority_is_a_tls_failure(authority: trustme.CA) -> None:
    with serving(tls_server_context(authority, "hooks.test", [])) as server:
        sender = GuardedSender(local=True, resolver=resolving({"hooks.test": ["127.0.0.1"]}))
        failed = failure(lambda: sender.post(f"https://hooks.test:{server.port}/", b"{}", {}))
        assert server.requests == []
    assert failed.reason == "tls"


def test_a_receiver_trickling_its_answer_is_cut_at_the_total_timeout() -> None:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    stop = threading.Event()

    def trickle() -> None:
        conn, _ = listener.accept()
        with conn:
            conn.recv(65536)
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n")
            while not stop.is_set():  # a byte every 0.1 s: each read is quick, the whole never ends
                try:
                    conn.sendall(b"x")
                except OSError:
                    return
                time.sleep(0.1)

    thread = threading.Thread(target=trickle, daemon=True)
    thread.start()
    url = f"http://localhost:{listener.getsockname()[1]}/slow"
    started = time.monotonic()
    failed = failure(lambda: local_sender(read_timeout=1.0, total_timeout=0.8).post(url, b"{}", {}))
    stop.set()
    listener.close()
    assert failed.reason == "timeout" and time.monotonic() - started < 3


def test_a_path_outside_ascii_is_sent_percent_encoded(receiver: Receiver) -> None:
    url = f"http://localhost:{receiver.port}/caf\u00e9?q=\u00e9t\u00e9"
    assert local_sender().post(url, b"{}", {}).status == 200
    assert receiver.requests[-1].path == "/caf%C3%A9?q=%C3%A9t%C3%A9"

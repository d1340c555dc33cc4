"""The local server as an HTTP server: many concurrent clients, keep-alive, any method, clients that leave early."""

from __future__ import annotations

import http.client
import json
import socket
import struct
import threading
import time
from collections import Counter
from urllib.parse import urlparse

import pytest

from tests.conftest import unique
from tests.e2e.conftest import Server

pytestmark = pytest.mark.e2e


def _connection(server: Server) -> http.client.HTTPConnection:
    url = urlparse(server.base_url)
    return http.client.HTTPConnection(url.hostname or "127.0.0.1", url.port, timeout=30)


def _lines_with(server: Server, marker: str, wait: float = 5) -> list[str]:
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        lines = [line for line in server.log().splitlines() if marker in line]
        if lines:
            time.sleep(0.3)  # let any further line about the same request arrive
            return [line for line in server.log().splitlines() if marker in line]
        time.sleep(0.05)
    return []


def test_a_hundred_concurrent_connections_are_all_answered(server: Server, roomy_key: str) -> None:
    created = _connection(server)
    created.request("POST", "/api/v1/clients", body=json.dumps({"company_name": "Concurrent SAS"}),
                    headers={"X-API-Key": roomy_key, "Content-Type": "application/json"})
    client_id = json.loads(created.getresponse().read())["data"]["id"]
    start = threading.Barrier(100)
    errors: list[BaseException] = []
    statuses: Counter[int] = Counter()
    lock = threading.Lock()

    def worker(n: int) -> None:
        conn = _connection(server)
        headers = {"X-API-Key": roomy_key, "Content-Type": "application/json"}
        try:
            start.wait(timeout=30)
            for i in range(3):
                if (n + i) % 3:
                    conn.request("GET", "/api/v1/clients?limit=5", headers=headers)
                else:
                    conn.request("PATCH", f"/api/v1/clients/{client_id}", body=json.dumps({"city": f"C{n}"}),
                                 headers=headers)
                response = conn.getresponse()
                response.read()
                with lock:
                    statuses[response.status] += 1
        except (OSError, http.client.HTTPException) as exc:
            with lock:
                errors.append(exc)
        finally:
            conn.close()

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(100)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    assert sum(statuses.values()) == 300
    # concurrent PATCHes of one client may be refused as concurrent updates (409); nothing else is acceptable
    assert set(statuses) <= {200, 409} and statuses[200] >= 200


@pytest.mark.parametrize("method", ["TRACE", "PROPFIND", "FOO"])
def test_any_undeclared_method_on_a_known_path_is_the_json_405(server: Server, method: str) -> None:
    conn = _connection(server)
    conn.request(method, "/api/v1/clients", headers={"X-API-Key": server.key})
    response = conn.getresponse()
    body = json.loads(response.read())
    assert response.status == 405
    assert response.getheader("Content-Type") == "application/json"
    assert response.getheader("Allow") == "GET, POST"
    assert body["error"] == "method_not_allowed" and body["details"] == {"allowed": ["GET", "POST"]}
    assert method in body["message"]


def test_an_unknown_method_on_an_unknown_path_is_the_json_404(server: Server) -> None:
    conn = _connection(server)
    conn.request("FOO", "/nowhere/at-all")
    response = conn.getresponse()
    body = json.loads(response.read())
    assert response.status == 404 and response.getheader("Content-Type") == "application/json"
    assert body["error"] == "not_found" and "/api/v1/clients" in body["details"]["available_resources"]


def test_one_connection_carries_many_requests(server: Server) -> None:
    conn = _connection(server)
    ports = set()
    for _ in range(5):
        conn.request("GET", "/api/v1/clients", headers={"X-API-Key": server.key})
        response = conn.getresponse()
        response.read()
        assert response.status == 200 and response.getheader("Connection") != "close"
        assert conn.sock is not None
        ports.add(conn.sock.getsockname()[1])
    assert len(ports) == 1


def test_head_sends_the_headers_and_no_body_on_a_connection_that_stays_usable(server: Server) -> None:
    conn = _connection(server)
    conn.request("GET", "/api/v1/clients", headers={"X-API-Key": server.key})
    get = conn.getresponse()
    get_body = get.read()
    conn.request("HEAD", "/api/v1/clients", headers={"X-API-Key": server.key})
    head = conn.getresponse()
    assert head.read() == b""
    announced = int(head.getheader("Content-Length") or -1)
    # HEAD answers what its route answers (the GET's answer, or the 405 while HEAD is refused), minus the body
    assert announced == len(get_body) if head.status == 200 else announced > 0
    conn.request("GET", "/api/v1/clients", headers={"X-API-Key": server.key})
    after = conn.getresponse()
    assert after.status == 200 and after.read() == get_body  # no stray body bytes were left on the connection


def _reset(sock: socket.socket) -> None:
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))  # close with a reset
    sock.close()


def test_a_client_leaving_without_reading_its_answer_costs_one_line_and_no_traceback(server: Server) -> None:
    marker = unique("left")
    url = urlparse(server.base_url)
    sock = socket.create_connection((url.hostname, url.port), timeout=10)
    # a 240 kB answer: more than the socket buffers hold, so the server is still writing when the reset comes
    sock.sendall(f"GET /openapi.json?m={marker} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
    sock.recv(100)
    _reset(sock)
    lines = _lines_with(server, marker)
    assert len(lines) == 1 and '" 200 ' in lines[0]
    assert "Traceback" not in server.log() and "BrokenPipeError" not in server.log()


def test_a_client_leaving_in_the_middle_of_its_body_costs_one_line_and_no_traceback(server: Server) -> None:
    marker = unique("half")
    url = urlparse(server.base_url)
    sock = socket.create_connection((url.hostname, url.port), timeout=10)
    sock.sendall(f"POST /api/v1/clients/{marker} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                 f"Content-Length: 1000\r\n\r\n{{\"company_name\":".encode())
    time.sleep(0.5)  # the server has read the headers and waits for the rest of the body
    _reset(sock)
    lines = _lines_with(server, marker)
    assert len(lines) == 1 and "closed the connection" in lines[0]
    assert "Traceback" not in server.log() and "ConnectionResetError" not in server.log()

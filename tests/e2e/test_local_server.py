"""The real local server over HTTP, driven the way the product guide's Python examples do."""

from __future__ import annotations

import json
import time

import pytest
import requests

from tests.e2e.conftest import Server

pytestmark = pytest.mark.e2e


def headers(server: Server) -> dict[str, str]:
    return {"X-API-Key": server.key, "Content-Type": "application/json"}


def test_first_run_prints_a_working_key_and_the_urls(server: Server) -> None:
    text = server.log()
    assert f"{server.base_url}/api/v1" in text
    assert f"{server.base_url}/mcp?api_key={server.key}" in text
    response = requests.get(f"{server.api}/clients?page=1&limit=50", headers=headers(server), timeout=10)
    assert response.status_code == 200
    data = response.json()
    assert data["meta"]["total"] == len(data["data"]) >= 5  # the --demo clients
    for client in data["data"]:
        assert f"{client['company_name']} - {client['email']}"


def test_crm_sync_creates_then_updates_by_email(server: Server) -> None:
    contacts = [
        {"company_name": "Societe Alpha", "email": "contact@alpha-e2e.fr", "city": "Paris"},
        {"company_name": "Entreprise Beta", "email": "info@beta-e2e.be", "city": "Bruxelles"},
    ]
    for round_ in range(2):
        for contact in contacts:
            resp = requests.get(f"{server.api}/clients?search={contact['email']}", headers=headers(server),
                                timeout=10)
            existing = resp.json()["data"]
            if len(existing) == 0:
                assert round_ == 0
                created = requests.post(f"{server.api}/clients", headers=headers(server), json=contact, timeout=10)
                assert created.status_code == 201
            else:
                assert round_ == 1 and len(existing) == 1
                patched = requests.patch(f"{server.api}/clients/{existing[0]['id']}", headers=headers(server),
                                         json={**contact, "city": "Lille"}, timeout=10)
                assert patched.status_code == 200 and patched.json()["data"]["city"] == "Lille"


def test_crud_and_errors_over_http(server: Server) -> None:
    h = headers(server)
    created = requests.post(f"{server.api}/clients", headers=h, json={"company_name": "HTTP SAS",
                                                                     "vat_number": "FR40303265045"}, timeout=10)
    assert created.status_code == 201
    client_id = created.json()["data"]["id"]
    assert requests.get(f"{server.api}/clients/{client_id}", headers=h, timeout=10).json()["data"]["company_name"] \
        == "HTTP SAS"
    bad = requests.post(f"{server.api}/clients", headers=h, json={"company_name": "X", "email": "nope"}, timeout=10)
    assert bad.status_code == 422 and "email" in bad.json()["details"]
    assert requests.delete(f"{server.api}/clients/{client_id}", headers=h, timeout=10).json() == {"success": True}
    unknown = requests.get(f"{server.api}/nothing-here", headers=h, timeout=10)
    assert unknown.status_code == 404 and unknown.json()["details"]["available_resources"]
    not_allowed = requests.put(f"{server.api}/clients", headers=h, json={}, timeout=10)
    assert not_allowed.status_code == 405 and not_allowed.headers["Allow"] == "GET, POST"


def test_every_carrier_and_rate_headers_over_http(server: Server) -> None:
    for kwargs in ({"headers": {"X-API-Key": server.key}},
                   {"headers": {"Authorization": f"Bearer {server.key}"}},
                   {"params": {"api_key": server.key}}):
        response = requests.get(f"{server.api}/clients", timeout=10, **kwargs)  # type: ignore[arg-type]
        assert response.status_code == 200
        assert int(response.headers["X-RateLimit-Limit"]) == 10_000  # the first local key (README)
        assert "RateLimit-Policy" in response.headers and "RateLimit" in response.headers
    assert requests.get(f"{server.api}/clients", timeout=10).status_code == 401


def test_the_key_never_appears_in_the_request_log(server: Server) -> None:
    marker = "redaction-check"
    requests.get(f"{server.api}/clients", params={"api_key": server.key, "search": marker}, timeout=10)
    deadline = time.monotonic() + 5
    while marker not in server.log() and time.monotonic() < deadline:
        time.sleep(0.05)
    request_lines = [line for line in server.log().splitlines() if marker in line]
    assert request_lines, "the request must be logged"
    assert all(server.key not in line and "api_key=[REDACTED]" in line for line in request_lines)


def test_organizations_created_by_the_cli_are_isolated(server: Server) -> None:
    created = json.loads(server.manage("create-org", "--name", "Other", "--email", "other@example.com"))
    theirs = {"X-API-Key": created["key"], "Content-Type": "application/json"}
    mine = requests.post(f"{server.api}/clients", headers=headers(server), json={"company_name": "Mine"},
                         timeout=10).json()["data"]
    for method in ("GET", "PATCH", "DELETE"):
        response = requests.request(method, f"{server.api}/clients/{mine['id']}", headers=theirs,
                                    json={"city": "x"}, timeout=10)
        assert response.status_code == 404
    assert requests.get(f"{server.api}/clients", headers=theirs, timeout=10).json()["meta"]["total"] == 0


def test_docs_and_openapi_are_served_offline(server: Server) -> None:
    assert requests.get(f"{server.base_url}/openapi.json", timeout=10).json()["openapi"].startswith("3.1")
    page = requests.get(f"{server.base_url}/docs", timeout=10)
    assert page.status_code == 200 and "swagger-ui-bundle.js" in page.text
    assert requests.get(f"{server.base_url}/docs/swagger-ui-bundle.js", timeout=10).status_code == 200


def test_a_subscribed_receiver_hears_a_new_client_within_seconds(server: Server) -> None:
    from standardwebhooks.webhooks import Webhook

    from tests.integration.webhook_receiver import receiving

    with receiving() as receiver:
        made = requests.post(f"{server.api}/webhooks", headers=headers(server), timeout=10,
                             json={"url": receiver.url, "events": ["client.created"]})
        assert made.status_code == 201, made.text
        secret = made.json()["data"]["secret"]
        created = requests.post(f"{server.api}/clients", headers=headers(server), timeout=10,
                                json={"company_name": "Domaine E2E", "email": "cave@e2e-hooks.fr"})
        assert created.status_code == 201
        [request] = receiver.wait_for(1, timeout=15)  # the local dispatch, not the next minute's job
    body = Webhook(secret).verify(request.body, request.headers)
    assert body["event"] == "client.created" and body["data"]["id"] == created.json()["data"]["id"]
    log = requests.get(f"{server.api}/webhooks/{made.json()['data']['id']}/deliveries", headers=headers(server),
                       timeout=10).json()
    assert log["data"][0]["status"] == "delivered" and log["data"][0]["response_code"] == 200

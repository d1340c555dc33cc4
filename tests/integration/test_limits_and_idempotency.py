"""Rate limits (per key, per IP without a key) and Idempotency-Key replay, on both storage backends."""

from __future__ import annotations

import pytest

from chalicelib.api.local import LocalClient
from chalicelib.core.clock import FixedClock, epoch
from chalicelib.core.settings import Settings
from chalicelib.store.deps import Deps
from tests.integration.conftest import Tenant


def test_every_answer_carries_rate_limit_headers(key_with, clock: FixedClock) -> None:  # type: ignore[no-untyped-def]
    client = key_with("read", rate_limit=5, rate_window=60)
    response = client.get("/api/v1/clients")
    window_end = epoch(clock.now()) - epoch(clock.now()) % 60 + 60
    assert response.headers["X-RateLimit-Limit"] == "5"
    assert response.headers["X-RateLimit-Remaining"] == "4"
    assert response.headers["X-RateLimit-Reset"] == str(window_end)
    assert response.headers["RateLimit-Policy"] == '"default";q=5;w=60'
    assert response.headers["RateLimit"] == f'"default";r=4;t={window_end - epoch(clock.now())}'
    error = client.get("/api/v1/clients/not-there")
    assert error.status_code == 404 and error.headers["X-RateLimit-Remaining"] == "3"


def test_quota_exhausted_is_429_with_retry_after_until_the_window_ends(key_with, clock: FixedClock) -> None:  # type: ignore[no-untyped-def]
    client = key_with("read", rate_limit=3, rate_window=60)
    assert [client.get("/api/v1/clients").status_code for _ in range(3)] == [200, 200, 200]
    refused = client.get("/api/v1/clients")
    assert refused.status_code == 429
    assert refused.json()["error"] == "rate_limit_exceeded"
    assert int(refused.headers["Retry-After"]) == 60 - epoch(clock.now()) % 60
    assert refused.headers["X-RateLimit-Remaining"] == "0"
    clock.advance(int(refused.headers["Retry-After"]))
    assert client.get("/api/v1/clients").status_code == 200


def test_quotas_are_per_key(key_with) -> None:  # type: ignore[no-untyped-def]
    first, second = key_with("read", rate_limit=1), key_with("read", rate_limit=1)
    assert first.get("/api/v1/clients").status_code == 200
    assert first.get("/api/v1/clients").status_code == 429
    assert second.get("/api/v1/clients").status_code == 200


def test_default_quotas_follow_the_key_kind(deps: Deps, tenant: Tenant) -> None:
    defaults = Settings()
    assert (defaults.rate_limit_cpk, defaults.rate_window_cpk) == (100, 3600)
    assert (defaults.rate_limit_mch, defaults.rate_window_mch) == (1000, 60)
    assert (defaults.rate_limit_anonymous, defaults.rate_window_anonymous) == (60, 60)


def test_anonymous_requests_are_limited_per_ip(deps: Deps, anonymous: LocalClient) -> None:
    limited = deps.settings.model_copy(update={"rate_limit_anonymous": 2})
    object.__setattr__(deps, "settings", limited)
    assert anonymous.get("/health").status_code == 200
    assert anonymous.get("/api/v1/clients").status_code == 401
    third = anonymous.get("/health")
    assert third.status_code == 429 and "Retry-After" in third.headers


def test_idempotent_post_replays_the_first_answer(api: LocalClient) -> None:
    headers = {"Idempotency-Key": "8e03978e-40d5-43e8-bc93-6894a57f9324"}
    first = api.post("/api/v1/clients", json={"company_name": "Once"}, headers=headers)
    again = api.post("/api/v1/clients", json={"company_name": "Once"}, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert api.get("/api/v1/clients").json()["meta"]["total"] == 1


def test_quoted_structured_field_key_is_the_same_key(api: LocalClient) -> None:
    api.post("/api/v1/clients", json={"company_name": "Q"}, headers={"Idempotency-Key": '"abc-1"'})
    api.post("/api/v1/clients", json={"company_name": "Q"}, headers={"Idempotency-Key": "abc-1"})
    assert api.get("/api/v1/clients").json()["meta"]["total"] == 1


def test_same_key_with_another_body_is_422(api: LocalClient) -> None:
    headers = {"Idempotency-Key": "k-1"}
    api.post("/api/v1/clients", json={"company_name": "A"}, headers=headers)
    response = api.post("/api/v1/clients", json={"company_name": "B"}, headers=headers)
    assert response.status_code == 422
    assert response.json()["error"] == "idempotency_key_reused"
    assert api.get("/api/v1/clients").json()["meta"]["total"] == 1


def test_same_key_in_another_organization_is_independent(tenant: Tenant, other_tenant: Tenant) -> None:
    headers = {"Idempotency-Key": "shared-key"}
    a = tenant.client.post("/api/v1/clients", json={"company_name": "A"}, headers=headers)
    b = other_tenant.client.post("/api/v1/clients", json={"company_name": "A"}, headers=headers)
    assert a.status_code == b.status_code == 201
    assert a.json()["data"]["id"] != b.json()["data"]["id"]


def test_key_expires_after_its_retention(api: LocalClient, clock: FixedClock, deps: Deps) -> None:
    headers = {"Idempotency-Key": "k-ttl"}
    api.post("/api/v1/clients", json={"company_name": "A"}, headers=headers)
    clock.advance(deps.settings.idempotency_ttl_seconds + 1)
    again = api.post("/api/v1/clients", json={"company_name": "A"}, headers=headers)
    assert again.status_code == 201 and "Idempotent-Replayed" not in again.headers
    assert api.get("/api/v1/clients").json()["meta"]["total"] == 2


def test_a_request_refused_by_validation_does_not_consume_its_key(api: LocalClient) -> None:
    headers = {"Idempotency-Key": "k-bad"}
    assert api.post("/api/v1/clients", json={"email": "x"}, headers=headers).status_code == 422
    corrected = api.post("/api/v1/clients", json={"company_name": "Fixed"}, headers=headers)
    assert corrected.status_code == 201
    replay = api.post("/api/v1/clients", json={"company_name": "Fixed"}, headers=headers)
    assert replay.headers.get("Idempotent-Replayed") == "true"


def test_concurrent_duplicate_is_409(api: LocalClient, deps: Deps, tenant: Tenant) -> None:
    from chalicelib.auth import idempotency

    body = b'{"company_name": "Race"}'
    fingerprint = idempotency.fingerprint("POST", "/api/v1/clients", body)
    claim = idempotency.new_claim(tenant.org_id, tenant.boot.key.id, "k-race")
    assert idempotency.begin(deps.store, deps.clock, claim, fingerprint) is None
    response = api.request("POST", "/api/v1/clients", body=body, headers={"Idempotency-Key": "k-race",
                                                                          "Content-Type": "application/json"})
    assert response.status_code == 409
    assert response.json()["error"] == "idempotency_in_progress"


@pytest.mark.parametrize("key", ["", "x" * 256])
def test_malformed_idempotency_key_is_400(api: LocalClient, key: str) -> None:
    response = api.post("/api/v1/clients", json={"company_name": "A"}, headers={"Idempotency-Key": key})
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_idempotency_key"


def test_one_key_on_two_resources_is_two_requests(api: LocalClient) -> None:
    first = api.post("/api/v1/api-keys", json={"name": "a"}).json()["data"]["id"]
    second = api.post("/api/v1/api-keys", json={"name": "b"}).json()["data"]["id"]
    headers = {"Idempotency-Key": "rotate-1"}
    rotated = api.post(f"/api/v1/api-keys/{first}/rotate", json={}, headers=headers)
    other = api.post(f"/api/v1/api-keys/{second}/rotate", json={}, headers=headers)
    assert rotated.status_code == 201
    assert other.status_code == 422 and other.json()["error"] == "idempotency_key_reused"
    assert api.get(f"/api/v1/api-keys/{second}").json()["data"]["replaced_by"] is None


def test_a_key_spends_one_quota_through_rest_and_mcp_alike(key_with) -> None:  # type: ignore[no-untyped-def]
    from tests.integration.samples_mcp import Mcp

    client = key_with("all", rate_limit=3, rate_window=60)
    mcp = Mcp(client)
    assert client.get("/api/v1/clients").headers["X-RateLimit-Remaining"] == "2"
    listed = mcp.rpc("tools/list")
    assert listed.status_code == 200 and listed.headers["X-RateLimit-Remaining"] == "1"
    assert client.get("/api/v1/clients").headers["X-RateLimit-Remaining"] == "0"
    refused = mcp.rpc("tools/list")
    assert refused.status_code == 429 and refused.json()["error"]["data"]["error"] == "rate_limit_exceeded"
    assert client.get("/api/v1/clients").status_code == 429

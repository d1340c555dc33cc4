"""Authentication carriers, key lifecycle (create, list, revoke, rotate, expiry) and key administration."""

from __future__ import annotations

from datetime import timedelta

import pytest

from app import app as whole_app
from chalicelib.api.local import LocalClient
from chalicelib.auth.keys import hash_secret
from chalicelib.auth.repository import get_api_key_by_hash
from chalicelib.core.clock import FixedClock, iso
from chalicelib.store.deps import Deps
from tests.integration.conftest import Tenant


def test_key_is_accepted_from_each_carrier(tenant: Tenant, anonymous: LocalClient) -> None:
    assert anonymous.get("/api/v1/clients", headers={"X-API-Key": tenant.key}).status_code == 200
    assert anonymous.get("/api/v1/clients", headers={"Authorization": f"Bearer {tenant.key}"}).status_code == 200
    assert anonymous.get("/api/v1/clients", headers={"authorization": f"bearer {tenant.key}"}).status_code == 200
    assert anonymous.get(f"/api/v1/clients?api_key={tenant.key}").status_code == 200


@pytest.mark.parametrize(("headers", "code"), [
    ({}, "missing_api_key"),
    ({"X-API-Key": "cpk_" + "0" * 64}, "invalid_api_key"),
    ({"X-API-Key": "garbage"}, "invalid_api_key"),
    ({"Authorization": "Basic dXNlcjpwYXNz"}, "missing_api_key"),
    ({"Authorization": "Bearer "}, "missing_api_key"),
])
def test_missing_or_unknown_key_is_401_with_a_clear_code(anonymous: LocalClient, headers: dict[str, str],
                                                         code: str) -> None:
    response = anonymous.get("/api/v1/clients", headers=headers)
    assert response.status_code == 401
    assert response.json()["error"] == code


def test_created_key_is_shown_once_and_stored_hashed(api: LocalClient, deps: Deps) -> None:
    response = api.post("/api/v1/api-keys", json={"name": "zapier", "scopes": ["read", "write"]})
    assert response.status_code == 201
    created = response.json()["data"]
    assert created["key"].startswith("cpk_") and len(created["key"]) == 4 + 64
    assert created["key_prefix"] == created["key"][:12]
    stored = get_api_key_by_hash(deps.store, hash_secret(created["key"]))
    assert stored is not None and created["key"] not in stored.model_dump_json()
    listed = api.get("/api/v1/api-keys").json()
    assert listed["meta"]["total"] == 2
    assert all("key" not in k and "key_hash" not in k for k in listed["data"])
    assert api.get(f"/api/v1/api-keys/{created['id']}").json()["data"]["name"] == "zapier"


def test_monchai_tokens_get_their_prefix_and_default_quota(api: LocalClient) -> None:
    created = api.post("/api/v1/api-keys", json={"kind": "mch", "scopes": ["customers"]}).json()["data"]
    assert created["key"].startswith("mch_")
    assert (created["rate_limit"], created["rate_window"]) == (1000, 60)
    default = api.post("/api/v1/api-keys", json={}).json()["data"]
    assert default["scopes"] == ["read"]


def test_unknown_scope_is_422(api: LocalClient) -> None:
    response = api.post("/api/v1/api-keys", json={"scopes": ["read", "superuser"]})
    assert response.status_code == 422
    assert "scopes" in response.json()["details"]


def test_new_key_works_and_revoked_key_is_refused_at_once(api: LocalClient, anonymous: LocalClient) -> None:
    created = api.post("/api/v1/api-keys", json={"scopes": ["read"]}).json()["data"]
    assert anonymous.get("/api/v1/clients", headers={"X-API-Key": created["key"]}).status_code == 200
    revoked = api.delete(f"/api/v1/api-keys/{created['id']}")
    assert revoked.status_code == 200
    assert revoked.json()["data"]["status"] == "revoked"
    response = anonymous.get("/api/v1/clients", headers={"X-API-Key": created["key"]})
    assert response.status_code == 401
    assert response.json()["error"] == "api_key_revoked"


def test_key_past_its_expiry_is_refused(api: LocalClient, anonymous: LocalClient, clock: FixedClock) -> None:
    expires = iso(clock.now() + timedelta(hours=1))
    created = api.post("/api/v1/api-keys", json={"expires_at": expires}).json()["data"]
    assert anonymous.get("/api/v1/clients", headers={"X-API-Key": created["key"]}).status_code == 200
    clock.advance(3601)
    response = anonymous.get("/api/v1/clients", headers={"X-API-Key": created["key"]})
    assert response.status_code == 401
    assert response.json()["error"] == "api_key_expired"


def test_expiry_in_the_past_is_422(api: LocalClient, clock: FixedClock) -> None:
    response = api.post("/api/v1/api-keys", json={"expires_at": iso(clock.now() - timedelta(days=1))})
    assert response.status_code == 422
    assert "expires_at" in response.json()["details"]


def test_rotation_keeps_the_old_key_for_the_grace_period(api: LocalClient, anonymous: LocalClient,
                                                         clock: FixedClock) -> None:
    old = api.post("/api/v1/api-keys", json={"name": "ci", "scopes": ["read"]}).json()["data"]
    response = api.post(f"/api/v1/api-keys/{old['id']}/rotate", json={"grace_period_days": 2})
    assert response.status_code == 201
    new = response.json()["data"]
    assert new["key"] != old["key"] and new["scopes"] == ["read"] and new["name"] == "ci"
    assert api.get(f"/api/v1/api-keys/{old['id']}").json()["data"]["replaced_by"] == new["id"]
    clock.advance(86400)
    for secret in (old["key"], new["key"]):
        assert anonymous.get("/api/v1/clients", headers={"X-API-Key": secret}).status_code == 200
    clock.advance(86401)
    assert anonymous.get("/api/v1/clients", headers={"X-API-Key": old["key"]}).status_code == 401
    assert anonymous.get("/api/v1/clients", headers={"X-API-Key": new["key"]}).status_code == 200
    assert api.post(f"/api/v1/api-keys/{old['id']}/rotate", json={}).status_code == 409


def test_last_used_at_is_recorded(api: LocalClient, anonymous: LocalClient, clock: FixedClock) -> None:
    created = api.post("/api/v1/api-keys", json={}).json()["data"]
    assert created["last_used_at"] is None
    anonymous.get("/api/v1/clients", headers={"X-API-Key": created["key"]})
    assert api.get(f"/api/v1/api-keys/{created['id']}").json()["data"]["last_used_at"] == iso(clock.now())


def test_key_administration_needs_the_all_scope(key_with) -> None:  # type: ignore[no-untyped-def]
    writer = key_with("read", "write", "delete")
    assert writer.get("/api/v1/api-keys").status_code == 403
    assert writer.post("/api/v1/api-keys", json={}).status_code == 403


def test_keys_of_another_organization_are_not_found(api: LocalClient, other_tenant: Tenant) -> None:
    theirs = other_tenant.client.post("/api/v1/api-keys", json={}).json()["data"]
    assert api.get(f"/api/v1/api-keys/{theirs['id']}").status_code == 404
    assert api.delete(f"/api/v1/api-keys/{theirs['id']}").status_code == 404
    assert api.post(f"/api/v1/api-keys/{theirs['id']}/rotate", json={}).status_code == 404
    assert theirs["id"] not in {k["id"] for k in api.get("/api/v1/api-keys").json()["data"]}


def test_public_routes_need_no_key(anonymous: LocalClient) -> None:
    for path in ("/", "/health", "/api/v1", "/openapi.json", "/docs"):
        assert anonymous.get(path).status_code == 200, path


def test_whole_app_has_every_group(deps: Deps) -> None:
    paths = set(whole_app.routes)
    assert {"/api/v1/clients", "/api/v1/api-keys", "/health", "/{proxy+}"} <= paths

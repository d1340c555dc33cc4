"""Regressions found in review: secrets never replayed, hostile input never a 500, HEAD/OPTIONS answered by us."""

from __future__ import annotations

import base64
import json

import pytest

from chalicelib.api.local import LocalClient, redact
from chalicelib.store.deps import Deps
from tests.integration.conftest import Tenant


def test_a_new_key_is_never_replayed_by_its_idempotency_key(api: LocalClient, deps: Deps, tenant: Tenant) -> None:
    headers = {"Idempotency-Key": "key-once"}
    first = api.post("/api/v1/api-keys", json={"name": "ci"}, headers=headers)
    assert first.status_code == 201
    again = api.post("/api/v1/api-keys", json={"name": "ci"}, headers=headers)
    assert again.status_code == 409 and again.json()["error"] == "idempotency_replay_unavailable"
    assert first.json()["data"]["key"] not in again.text
    records = deps.store.query(f"ORG#{tenant.org_id}#IDEMPOTENCY").items
    assert records and all(first.json()["data"]["key"] not in json.dumps(record) for record in records)
    assert api.get("/api/v1/api-keys").json()["meta"]["total"] == 2


def test_idempotency_records_belong_to_the_calling_key(tenant: Tenant, key_with) -> None:  # type: ignore[no-untyped-def]
    other_key = key_with("all")
    headers = {"Idempotency-Key": "shared"}
    mine = tenant.client.post("/api/v1/clients", json={"company_name": "A"}, headers=headers)
    theirs = other_key.post("/api/v1/clients", json={"company_name": "A"}, headers=headers)
    assert mine.status_code == theirs.status_code == 201
    assert "Idempotent-Replayed" not in theirs.headers
    assert mine.json()["data"]["id"] != theirs.json()["data"]["id"]


@pytest.mark.parametrize("expires_at", ["2027-01-01T00:00:00", "2027-01-01", "9999-12-31T23:59:59-14:00"])
def test_expiry_without_offset_or_absurd_is_422(api: LocalClient, expires_at: str) -> None:
    response = api.post("/api/v1/api-keys", json={"expires_at": expires_at})
    assert response.status_code == 422 and "expires_at" in response.json()["details"]
    assert api.get("/api/v1/api-keys").status_code == 200


def test_expiry_with_an_offset_is_stored_in_utc(api: LocalClient) -> None:
    created = api.post("/api/v1/api-keys", json={"expires_at": "2027-01-01T02:00:00+02:00"}).json()["data"]
    assert created["expires_at"] == "2027-01-01T00:00:00.000Z"


@pytest.mark.parametrize("body", [b'{"company_name":"a","payment_terms":1e10000000}', b"[" * 100000,
                                  b'{"a":' * 100000, b'{"company_name":"a","payment_terms":' + b"9" * 5000 + b"}"])
def test_absurd_numbers_and_deep_nesting_are_400(api: LocalClient, body: bytes) -> None:
    response = api.request("POST", "/api/v1/clients", body=body, headers={"Content-Type": "application/json"})
    assert response.status_code in (400, 422), response.text


@pytest.mark.parametrize("cursor", [base64.urlsafe_b64encode(b"[" * 1500).decode(), "offset:%C2%B2",
                                    base64.urlsafe_b64encode(b'{"pk":"","sk":""}').decode()])
def test_crafted_cursors_are_400(api: LocalClient, cursor: str) -> None:
    for path in ("/api/v1/clients", "/api/v1/clients?search=a", "/api/v1/api-keys", "/api/v1/invoices?status=sent"):
        sep = "&" if "?" in path else "?"
        response = api.get(f"{path}{sep}cursor={cursor}")
        assert response.status_code == 400, (path, response.text)


def test_head_and_options_are_answered_by_the_api(api: LocalClient) -> None:
    options = api.request("OPTIONS", "/api/v1/clients")
    assert options.status_code == 204 and set(options.headers["Allow"].split(", ")) == {"GET", "POST", "OPTIONS"}
    head = api.request("HEAD", "/api/v1/clients/x")  # answered as GET is: no such client
    assert head.status_code == 404 and "X-Request-Id" in head.headers and head.body == b""
    post_only = api.request("HEAD", "/api/v1/accounting/init")
    assert post_only.status_code == 405 and post_only.headers["Allow"] == "POST"
    unknown = api.request("HEAD", "/no/such/path")
    assert unknown.status_code == 404


def test_a_name_that_folds_long_is_stored_on_both_backends(api: LocalClient) -> None:
    response = api.post("/api/v1/clients", json={"company_name": "\ufdfa" * 200})
    assert response.status_code == 201, response.text
    assert api.get("/api/v1/clients?sort=company_name").json()["meta"]["total"] == 1


def test_keys_are_redacted_however_they_are_written() -> None:
    key = "cpk_" + "ab" * 32
    for line in (f"GET /api/v1/clients?api_key={key}", f"GET /x?api%5Fkey={key}", f"GET /x?API_KEY={key}&a=1",
                 f"GET /v1/{key}/x", f"Bearer mch_{'1' * 64}"):
        assert "ab" * 32 not in redact(line) and "1" * 64 not in redact(line)

"""The error contract: one body shape, 404 listing resources, 405 with Allow, never a 500 for client input."""

from __future__ import annotations

import pytest

from chalicelib.api.local import LocalClient
from chalicelib.api.registry import all_routes


@pytest.mark.parametrize("path", ["/nope", "/api/v2/clients", "/api/v1/unknown/deep/path", "/api/v1/invoicez"])
def test_unknown_route_is_404_listing_the_resources(api: LocalClient, path: str) -> None:
    for method in ("GET", "POST", "DELETE"):
        response = api.request(method, path)
        assert response.status_code == 404
        body = response.json()
        assert body["error"] == "not_found"
        assert "/api/v1/clients" in body["details"]["available_resources"]
        assert set(body) == {"error", "message", "details"}


def test_every_path_answers_405_with_allow_for_undeclared_methods(api: LocalClient) -> None:
    declared: dict[str, set[str]] = {}
    for route in all_routes():
        if not route.not_allowed and route.method != "HEAD":  # HEAD answers wherever GET does, unlisted
            declared.setdefault(route.path, set()).add(route.method)
    for path, methods in declared.items():
        if "{proxy+}" in path:
            continue
        concrete = path.replace("{client_id}", "x").replace("{key_id}", "x").replace("{asset}", "x")
        for method in {"GET", "POST", "PUT", "PATCH", "DELETE"} - methods:
            response = api.request(method, concrete)
            assert response.status_code == 405, (method, path)
            assert set(response.headers["Allow"].split(", ")) == methods
            assert response.json()["error"] == "method_not_allowed"
            assert response.headers["X-Request-Id"] and "X-RateLimit-Limit" in response.headers


@pytest.mark.parametrize("body", [b"\xff\xfe", b"{\"company_name\": " + b"9" * 5000 + b"}", b"{" * 10000,
                                  b'{"company_name": {"$ne": null}}', b'{"company_name": "\\u0000"}'])
def test_hostile_bodies_never_cause_a_500(api: LocalClient, body: bytes) -> None:
    response = api.request("POST", "/api/v1/clients", body=body, headers={"Content-Type": "application/json"})
    assert 400 <= response.status_code < 500, response.text
    assert set(response.json()) == {"error", "message", "details"}


@pytest.mark.parametrize("query", ["search=" + "a" * 300, "limit=1e3", "page=-5", "limit=%00", "cursor=" + "A" * 40])
def test_hostile_query_strings_never_cause_a_500(api: LocalClient, query: str) -> None:
    response = api.get(f"/api/v1/clients?{query}")
    assert 400 <= response.status_code < 500, response.text


def test_every_answer_has_a_request_id(api: LocalClient) -> None:
    ok, error = api.get("/api/v1/clients"), api.get("/api/v1/clients/x")
    assert ok.headers["X-Request-Id"] and error.headers["X-Request-Id"]
    assert ok.headers["X-Request-Id"] != error.headers["X-Request-Id"]

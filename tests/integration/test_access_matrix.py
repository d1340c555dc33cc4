"""Scope and tenant-isolation matrices over every route of the table (both storage backends)."""

from __future__ import annotations

import pytest

from chalicelib.api.local import LocalClient
from chalicelib.api.registry import all_routes
from chalicelib.api.routing import RouteSpec
from chalicelib.auth.scopes import ACTIONS, ADMIN, RESOURCES, allows
from tests.integration.conftest import Tenant
from tests.integration.matrix import REQUESTS, Sample
from tests.integration.samples_mcp import SELF_AUTHENTICATED

PROTECTED = [r for r in all_routes() if r.action is not None and r.method != "HEAD"]
# HEAD on a GET path runs the GET view: the same key and scope, the same status, no body.
HEADS = [r for r in all_routes() if r.action is not None and r.method == "HEAD"]
# Public in the table but authenticating by themselves (the MCP endpoint answers a missing key with a JSON-RPC 401):
# their refusals are proven by test_mcp_endpoint.py and test_mcp_matrix.py.
PUBLIC = [r for r in all_routes() if r.action is None and r.operation_id not in SELF_AUTHENTICATED]
# Path parameters that name no stored item of an organization (an event type): their isolation is shown by the
# route's own tests (test_webhooks_api.py: another organization's samples never show this one's events).
NOT_OWNED = {"listHookSamples"}
WITH_PATH_IDS = [r for r in PROTECTED if "{" in r.path and r.operation_id not in NOT_OWNED]


def _ids(routes: list[RouteSpec]) -> list[str]:
    return [f"{r.method} {r.path}" for r in routes]


def _call(client: LocalClient, route: RouteSpec, owner: LocalClient) -> tuple[int, dict]:  # type: ignore[type-arg]
    return _send(client, route, REQUESTS[route.operation_id](owner))


def _send(client: LocalClient, route: RouteSpec, sample: Sample) -> tuple[int, dict]:  # type: ignore[type-arg]
    response = client.request(route.method, sample.path, json_body=sample.body)
    is_json = response.headers.get("Content-Type", "").startswith("application/json")
    return response.status_code, response.json() if is_json else {"file": len(response.body)}


def _refused_scope_sets(route: RouteSpec) -> list[tuple[str, ...]]:
    """Key scope sets that must NOT be allowed on this route."""
    candidates = [(a,) for a in sorted(ACTIONS)] + [(a, r) for a in sorted(ACTIONS) for r in sorted(RESOURCES)]
    candidates += [(r,) for r in sorted(RESOURCES)]
    assert route.action is not None
    return [c for c in candidates if not allows(frozenset(c), route.action, route.resource)]


def test_every_route_has_a_matrix_entry() -> None:
    assert {r.operation_id for r in PROTECTED} <= set(REQUESTS)


def test_every_protected_route_declares_a_known_scope() -> None:
    for route in PROTECTED:
        assert route.action in ACTIONS
        assert route.resource is None or route.resource in RESOURCES | {ADMIN}


@pytest.mark.parametrize("route", PROTECTED, ids=_ids(PROTECTED))
def test_route_refuses_every_key_without_its_scope(route: RouteSpec, key_with, api: LocalClient) -> None:  # type: ignore[no-untyped-def]
    sample = REQUESTS[route.operation_id](api)  # refused requests change nothing, so one sample serves them all
    for scopes in _refused_scope_sets(route):
        status, body = _send(key_with(*scopes), route, sample)
        assert status == 403, (scopes, body)
        assert body["error"] == "insufficient_scope"


@pytest.mark.parametrize("route", HEADS, ids=_ids(HEADS))
def test_head_is_protected_like_its_get_and_answers_without_a_body(route: RouteSpec, key_with, anonymous: LocalClient,  # type: ignore[no-untyped-def]
                                                                   api: LocalClient) -> None:
    sample = REQUESTS[route.operation_id.removesuffix("Head")](api)
    assert anonymous.request("HEAD", sample.path).status_code == 401
    for scopes in _refused_scope_sets(route)[:3]:
        assert key_with(*scopes).request("HEAD", sample.path).status_code == 403, scopes
    scopes = ("all",) if route.resource == ADMIN else (route.action,) + ((route.resource,) if route.resource else ())
    client = key_with(*scopes)
    got, head = client.request("GET", sample.path), client.request("HEAD", sample.path)
    assert head.status_code == got.status_code < 400 and head.body == b""
    if got.status_code == 200:
        assert head.headers["Content-Type"] == got.headers["Content-Type"]


@pytest.mark.parametrize("route", PROTECTED, ids=_ids(PROTECTED))
def test_route_accepts_the_least_key_that_has_its_scope(route: RouteSpec, key_with, api: LocalClient) -> None:  # type: ignore[no-untyped-def]
    assert route.action is not None
    scopes = ("all",) if route.resource == ADMIN else (route.action,) + ((route.resource,) if route.resource else ())
    status, body = _call(key_with(*scopes), route, api)
    assert status < 300, (scopes, body)


@pytest.mark.parametrize("route", PROTECTED, ids=_ids(PROTECTED))
def test_route_refuses_a_missing_key(route: RouteSpec, anonymous: LocalClient, api: LocalClient) -> None:
    status, body = _call(anonymous, route, api)
    assert status == 401 and body["error"] == "missing_api_key"


@pytest.mark.parametrize("route", WITH_PATH_IDS, ids=_ids(WITH_PATH_IDS))
def test_another_organization_gets_404_on_this_route(route: RouteSpec, tenant: Tenant,
                                                     other_tenant: Tenant) -> None:
    status, body = _call(other_tenant.client, route, tenant.client)
    assert status == 404, body


def test_another_organizations_lists_never_show_our_data(tenant: Tenant, other_tenant: Tenant) -> None:
    for route in [r for r in PROTECTED if r.list_response and "{" not in r.path]:
        REQUESTS["createClient"](tenant.client)
        path = REQUESTS[route.operation_id](tenant.client).path  # sets up what the list needs (e.g. the books)
        mine = tenant.client.get(path).json()
        theirs = other_tenant.client.get(path).json()  # 404 (e.g. books not initialized) shows nothing either
        my_ids = {item["id"] for item in mine["data"] if "id" in item}
        assert my_ids.isdisjoint({item["id"] for item in theirs.get("data", []) if "id" in item}), route.path


@pytest.mark.parametrize("route", PUBLIC, ids=_ids(PUBLIC))
def test_public_routes_answer_without_a_key(route: RouteSpec, anonymous: LocalClient) -> None:
    path = route.path.replace("{proxy+}", "no/such/route").replace("{asset}", "swagger-ui.css")
    response = anonymous.request(route.method, path)
    assert response.status_code < 500
    assert response.status_code != 401

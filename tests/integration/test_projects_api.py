"""``/api/v1/projects`` end to end through the real app, on both storage backends, including the guard that keeps
a client with projects from being deleted."""

from __future__ import annotations

import dataclasses
import json
from decimal import Decimal
from typing import Any, cast

import pytest

from chalicelib.api.local import LocalClient
from chalicelib.billing.clients.repository import refs_sk
from chalicelib.billing.clients.service import delete_client
from chalicelib.billing.projects.models import ProjectCreate
from chalicelib.billing.projects.service import create_project
from chalicelib.core.clock import FixedClock
from chalicelib.core.errors import ValidationFailed
from chalicelib.store.deps import Deps
from chalicelib.store.port import Operation, Store
from chalicelib.webhooks.outbox import events_of
from tests.conftest import unique
from tests.integration.conftest import Tenant

BASE = "/api/v1/projects"


def new_client(api: LocalClient) -> str:
    response = api.post("/api/v1/clients", json={"company_name": unique("Client")})
    assert response.status_code == 201, response.text
    return str(response.json()["data"]["id"])


def create(api: LocalClient, **fields: object) -> dict[str, Any]:
    response = api.post(BASE, json={"name": unique("Project"), **fields})
    assert response.status_code == 201, response.text
    return response.json()["data"]


def listed(api: LocalClient, **params: object) -> dict[str, Any]:
    response = api.get(BASE, params=params)
    assert response.status_code == 200, response.text
    return response.json()


def refs(deps: Deps, tenant: Tenant, client_id: str) -> int:
    item = deps.store.get(f"ORG#{tenant.org_id}", refs_sk(client_id))
    return int(item["count"]) if item else 0


def test_create_returns_201_with_the_stored_project(api: LocalClient) -> None:
    client_id = new_client(api)
    response = api.post(BASE, json={"name": "Refonte du site", "client_id": client_id, "description": "Phase 1",
                                    "budget_hours": "37.5", "hourly_rate": 80, "start_date": "2026-04-01",
                                    "end_date": "2026-06-30", "status": "on_hold"})
    assert response.status_code == 201, response.text
    data = response.json()["data"]
    assert data["name"] == "Refonte du site" and data["client_id"] == client_id
    assert data["budget_hours"] == Decimal("37.5") and data["hourly_rate"] == 80 and data["budget_amount"] == 3000
    assert data["start_date"] == "2026-04-01" and data["end_date"] == "2026-06-30"
    assert data["status"] == "on_hold" and data["currency"] == "EUR"
    assert data["id"] and data["created_at"].endswith("Z")
    assert api.get(f"{BASE}/{data['id']}").json()["data"] == data


def test_defaults_and_budget_amount_left_null_without_both_factors(api: LocalClient) -> None:
    data = create(api, budget_hours=10)
    assert data["status"] == "active" and data["currency"] == "EUR" and data["client_id"] is None
    assert data["hourly_rate"] is None and data["budget_amount"] is None
    assert create(api, hourly_rate=50)["budget_amount"] is None


def test_budget_amount_is_rounded_half_up_to_the_currency_unit(api: LocalClient) -> None:
    euros = create(api, budget_hours="0.125", hourly_rate="0.20")
    assert '"budget_amount":0.03' in api.get(f"{BASE}/{euros['id']}").text
    francs = create(api, budget_hours="1.5", hourly_rate="15001", currency="XOF")
    assert '"budget_amount":22502' in api.get(f"{BASE}/{francs['id']}").text


def test_missing_name_is_422_naming_the_field(api: LocalClient) -> None:
    response = api.post(BASE, json={"description": "no name"})
    assert response.status_code == 422
    assert response.json()["error"] == "validation_error" and "name" in response.json()["details"]


@pytest.mark.parametrize(("field", "value"), [
    ("name", ""),
    ("name", "x" * 201),
    ("budget_hours", -1),
    ("budget_hours", "1.23456"),
    ("hourly_rate", -5),
    ("hourly_rate", "80.001"),
    ("currency", "euros"),
    ("status", "paused"),
    ("start_date", "2026-13-01"),
    ("end_date", "tomorrow"),
    ("description", "bell\x07"),
])
def test_invalid_field_is_422_naming_that_field(api: LocalClient, field: str, value: object) -> None:
    response = api.post(BASE, json={"name": "Valid", field: value})
    assert response.status_code == 422, response.text
    assert field in response.json()["details"]


def test_end_date_before_start_date_is_422_naming_end_date(api: LocalClient) -> None:
    response = api.post(BASE, json={"name": "P", "start_date": "2026-05-02", "end_date": "2026-05-01"})
    assert response.status_code == 422
    assert list(response.json()["details"]) == ["end_date"]
    assert create(api, start_date="2026-05-02", end_date="2026-05-02")["end_date"] == "2026-05-02"


def test_a_patch_is_checked_against_the_stored_dates(api: LocalClient) -> None:
    data = create(api, start_date="2026-05-01", end_date="2026-05-31")
    response = api.patch(f"{BASE}/{data['id']}", json={"start_date": "2026-06-01"})
    assert response.status_code == 422 and list(response.json()["details"]) == ["end_date"]
    assert api.get(f"{BASE}/{data['id']}").json()["data"] == data


@pytest.mark.parametrize("client_id", ["not-a-uuid", "00000000-0000-4000-8000-000000000000"])
def test_unknown_client_is_422_naming_client_id(api: LocalClient, client_id: str) -> None:
    response = api.post(BASE, json={"name": "P", "client_id": client_id})
    assert response.status_code == 422
    assert list(response.json()["details"]) == ["client_id"]
    assert listed(api)["meta"]["total"] == 0


def test_another_organizations_client_is_422(api: LocalClient, other_tenant: Tenant) -> None:
    theirs = new_client(other_tenant.client)
    response = api.post(BASE, json={"name": "P", "client_id": theirs})
    assert response.status_code == 422 and "client_id" in response.json()["details"]
    mine = create(api)
    response = api.patch(f"{BASE}/{mine['id']}", json={"client_id": theirs})
    assert response.status_code == 422 and "client_id" in response.json()["details"]


def test_unknown_fields_are_refused(api: LocalClient) -> None:
    response = api.post(BASE, json={"name": "P", "budget_amount": 5, "owner": "x"})
    assert response.status_code == 422
    assert set(response.json()["details"]) == {"owner"}


def test_patch_changes_only_the_fields_sent(api: LocalClient) -> None:
    data = create(api, description="Keep", budget_hours=10, hourly_rate=50)
    response = api.patch(f"{BASE}/{data['id']}", json={"hourly_rate": 60, "status": "completed"})
    assert response.status_code == 200, response.text
    patched = response.json()["data"]
    assert patched["hourly_rate"] == 60 and patched["status"] == "completed" and patched["budget_amount"] == 600
    assert patched["description"] == "Keep" and patched["name"] == data["name"]


@pytest.mark.parametrize("field", ["name", "currency", "status"])
def test_patch_cannot_clear_a_required_field(api: LocalClient, field: str) -> None:
    data = create(api)
    response = api.patch(f"{BASE}/{data['id']}", json={field: None})
    assert response.status_code == 422
    assert response.json()["details"] == {field: ["cannot be cleared"]}


def test_patch_with_null_clears_an_optional_field(api: LocalClient) -> None:
    data = create(api, description="x", budget_hours=3, hourly_rate=10, end_date="2026-12-31")
    patched = api.patch(f"{BASE}/{data['id']}", json={"budget_hours": None, "end_date": None}).json()["data"]
    assert patched["budget_hours"] is None and patched["end_date"] is None and patched["budget_amount"] is None
    assert patched["description"] == "x"


def test_put_replaces_every_field(api: LocalClient) -> None:
    data = create(api, description="x", status="on_hold", hourly_rate=10)
    response = api.put(f"{BASE}/{data['id']}", json={"name": "Renamed"})
    assert response.status_code == 200, response.text
    replaced = response.json()["data"]
    assert replaced["name"] == "Renamed" and replaced["description"] is None
    assert replaced["status"] == "active" and replaced["hourly_rate"] is None
    assert replaced["created_at"] == data["created_at"]


def test_put_accepts_the_read_only_fields_a_get_returned(api: LocalClient) -> None:
    data = create(api, client_id=new_client(api), budget_hours=2, hourly_rate=100)
    as_sent = json.loads(api.get(f"{BASE}/{data['id']}").text)["data"]
    response = api.put(f"{BASE}/{data['id']}", json={**as_sent, "budget_hours": 3})
    assert response.status_code == 200, response.text
    assert response.json()["data"]["budget_amount"] == 300 and response.json()["data"]["id"] == data["id"]


def test_delete_answers_success_and_the_project_is_gone(api: LocalClient) -> None:
    data = create(api)
    response = api.delete(f"{BASE}/{data['id']}")
    assert response.status_code == 200 and response.json() == {"success": True}
    assert api.get(f"{BASE}/{data['id']}").status_code == 404
    assert api.delete(f"{BASE}/{data['id']}").status_code == 404
    assert listed(api)["meta"]["total"] == 0


@pytest.mark.parametrize("project_id", ["not-a-uuid", "00000000-0000-4000-8000-000000000000"])
def test_unknown_or_malformed_id_is_404(api: LocalClient, project_id: str) -> None:
    for method in ("GET", "PATCH", "PUT", "DELETE"):
        response = api.request(method, f"{BASE}/{project_id}", json_body={"name": "x"})
        assert response.status_code == 404, (method, response.text)
        assert response.json()["error"] == "project_not_found"


def test_another_organization_gets_404_and_an_empty_list(api: LocalClient, other_tenant: Tenant) -> None:
    data = create(api, client_id=new_client(api))
    other = other_tenant.client
    for method in ("GET", "PATCH", "PUT", "DELETE"):
        assert other.request(method, f"{BASE}/{data['id']}", json_body={"name": "x"}).status_code == 404, method
    assert other.get(BASE).json()["data"] == []
    assert other.get(BASE, params={"client_id": data["client_id"]}).json()["data"] == []
    assert api.get(f"{BASE}/{data['id']}").json()["data"] == data


# --- the client guard -----------------------------------------------------------------------------------------------


def test_a_client_with_a_project_cannot_be_deleted_until_the_project_is(api: LocalClient) -> None:
    client_id = new_client(api)
    project = create(api, client_id=client_id)
    response = api.delete(f"/api/v1/clients/{client_id}")
    assert response.status_code == 409 and response.json()["error"] == "client_has_documents"
    assert api.delete(f"{BASE}/{project['id']}").status_code == 200
    assert api.delete(f"/api/v1/clients/{client_id}").status_code == 200


def test_moving_a_project_moves_the_guard_to_the_new_client(api: LocalClient, deps: Deps, tenant: Tenant) -> None:
    first, second = new_client(api), new_client(api)
    project = create(api, client_id=first)
    assert refs(deps, tenant, first) == 1
    assert api.patch(f"{BASE}/{project['id']}", json={"client_id": second}).status_code == 200
    assert refs(deps, tenant, first) == 0 and refs(deps, tenant, second) == 1
    assert api.delete(f"/api/v1/clients/{first}").status_code == 200
    assert api.delete(f"/api/v1/clients/{second}").status_code == 409


def test_detaching_a_project_frees_its_client(api: LocalClient, deps: Deps, tenant: Tenant) -> None:
    patched_client, replaced_client = new_client(api), new_client(api)
    patched = create(api, client_id=patched_client)
    replaced = create(api, client_id=replaced_client)
    assert api.patch(f"{BASE}/{patched['id']}", json={"client_id": None}).status_code == 200
    assert api.put(f"{BASE}/{replaced['id']}", json={"name": "No client"}).status_code == 200
    assert refs(deps, tenant, patched_client) == 0 and refs(deps, tenant, replaced_client) == 0
    assert api.delete(f"/api/v1/clients/{patched_client}").status_code == 200
    assert api.delete(f"/api/v1/clients/{replaced_client}").status_code == 200


def test_updates_that_keep_the_client_do_not_count_it_twice(api: LocalClient, deps: Deps, tenant: Tenant) -> None:
    client_id = new_client(api)
    project = create(api, client_id=client_id)
    create(api, client_id=client_id)
    api.patch(f"{BASE}/{project['id']}", json={"status": "completed"})
    api.put(f"{BASE}/{project['id']}", json={"name": "Same client", "client_id": client_id})
    assert refs(deps, tenant, client_id) == 2


def test_a_refused_change_leaves_the_guard_untouched(api: LocalClient, deps: Deps, tenant: Tenant) -> None:
    client_id = new_client(api)
    project = create(api, client_id=client_id)
    response = api.patch(f"{BASE}/{project['id']}", json={"client_id": unique("nope")})
    assert response.status_code == 422
    assert refs(deps, tenant, client_id) == 1
    assert api.get(f"{BASE}/{project['id']}").json()["data"]["client_id"] == client_id


# --- listing --------------------------------------------------------------------------------------------------------


def test_list_pages_and_counts_from_the_counter(api: LocalClient, clock: FixedClock) -> None:
    for _ in range(5):
        create(api)
        clock.advance(1)
    first = listed(api, limit=2)
    assert len(first["data"]) == 2 and first["meta"]["total"] == 5 and first["meta"]["next_cursor"]
    rest = [p["id"] for page in (2, 3) for p in listed(api, limit=2, page=page)["data"]]
    assert len({p["id"] for p in first["data"]} | set(rest)) == 5


def test_cursor_walk_visits_every_project_once(api: LocalClient, clock: FixedClock) -> None:
    ids = set()
    for _ in range(7):
        ids.add(create(api)["id"])
        clock.advance(1)
    seen: list[str] = []
    cursor = None
    while True:
        body = listed(api, limit=3, **({"cursor": cursor} if cursor else {}))
        seen += [p["id"] for p in body["data"]]
        cursor = body["meta"]["next_cursor"]
        if not cursor:
            break
    assert len(seen) == 7 and set(seen) == ids


def test_list_is_newest_first_by_default_and_sortable_by_name(api: LocalClient, clock: FixedClock) -> None:
    names = ["Charlie", "alpha", "Bravo"]
    for name in names:
        create(api, name=name)
        clock.advance(1)
    assert [p["name"] for p in listed(api)["data"]] == list(reversed(names))
    assert [p["name"] for p in listed(api, sort="created_at")["data"]] == names
    assert [p["name"] for p in listed(api, sort="name")["data"]] == ["alpha", "Bravo", "Charlie"]
    assert [p["name"] for p in listed(api, sort="-name")["data"]] == ["Charlie", "Bravo", "alpha"]


@pytest.mark.parametrize("query", ["limit=0", "limit=101", "page=0", "sort=budget", "status=paused",
                                   "cursor=%%%"])
def test_bad_list_parameters_are_4xx_naming_the_parameter(api: LocalClient, query: str) -> None:
    response = api.get(f"{BASE}?{query}")
    assert response.status_code in (400, 422), response.text
    if response.status_code == 422:
        assert query.split("=")[0] in response.json()["details"]


def test_filters_by_client_and_status(api: LocalClient, clock: FixedClock) -> None:
    acme, other = new_client(api), new_client(api)
    a1 = create(api, client_id=acme)
    clock.advance(1)
    a2 = create(api, client_id=acme, status="completed")
    clock.advance(1)
    o1 = create(api, client_id=other, status="completed")
    create(api)
    assert [p["id"] for p in listed(api, client_id=acme)["data"]] == [a2["id"], a1["id"]]
    assert [p["id"] for p in listed(api, status="completed")["data"]] == [o1["id"], a2["id"]]
    both = listed(api, client_id=acme, status="completed")
    assert [p["id"] for p in both["data"]] == [a2["id"]] and both["meta"]["total"] == 1
    assert listed(api, client_id=unique("none"))["data"] == []


def test_search_ignores_accents_and_case_over_name_and_description(api: LocalClient) -> None:
    site = create(api, name="Refonte du site", description="Développement Éléphant")
    create(api, name="Audit", description="Comptabilité")
    for term in ("REFONTE", "developpement", "éléphant", "du site"):
        body = listed(api, search=term)
        assert [p["id"] for p in body["data"]] == [site["id"]], term
        assert body["meta"]["total"] == 1
    assert listed(api, search="zzz")["data"] == []


def test_filtered_lists_paginate_by_page_and_by_cursor(api: LocalClient, clock: FixedClock) -> None:
    matching = set()
    for i in range(5):
        matching.add(create(api, name=f"Match {i}", status="on_hold")["id"])
        create(api, name=f"Other {i}")
        clock.advance(1)
    first = listed(api, status="on_hold", limit=2, sort="name")
    assert first["meta"]["total"] == 5 and [p["name"] for p in first["data"]] == ["Match 0", "Match 1"]
    assert [p["name"] for p in listed(api, status="on_hold", limit=2, sort="name", page=3)["data"]] == ["Match 4"]
    seen = [p["id"] for p in first["data"]]
    cursor = first["meta"]["next_cursor"]
    while cursor:
        body = listed(api, status="on_hold", limit=2, sort="name", cursor=cursor)
        seen += [p["id"] for p in body["data"]]
        cursor = body["meta"]["next_cursor"]
    assert len(seen) == 5 and set(seen) == matching


# --- events -------------------------------------------------------------------------------------------------------


def test_every_change_records_an_event_in_the_outbox(api: LocalClient, deps: Deps, tenant: Tenant) -> None:
    client_id = new_client(api)
    data = create(api, client_id=client_id, budget_hours=1, hourly_rate="99.90")
    api.patch(f"{BASE}/{data['id']}", json={"status": "completed"})
    api.delete(f"{BASE}/{data['id']}")
    events = events_of(deps.store, tenant.org_id, "project", data["id"])
    assert [e.type for e in events] == ["project.created", "project.updated", "project.deleted"]
    assert events[0].payload["budget_amount"] == "99.90" and events[0].payload["client_id"] == client_id
    assert events[1].payload["changed"] == ["status"]
    assert events[2].payload == {"id": data["id"], "name": data["name"], "client_id": client_id}


def test_a_refused_write_records_no_event(api: LocalClient, deps: Deps, tenant: Tenant) -> None:
    data = create(api)
    api.patch(f"{BASE}/{data['id']}", json={"client_id": "00000000-0000-4000-8000-000000000000"})
    api.patch(f"{BASE}/{data['id']}", json={"start_date": "2026-02-01", "end_date": "2026-01-01"})
    assert [e.type for e in events_of(deps.store, tenant.org_id, "project", data["id"])] == ["project.created"]


class _ClientDeletedFirst:
    """A store on which a concurrent deletion of one client commits just before the next transaction."""

    def __init__(self, deps: Deps, org_id: str, client_id: str) -> None:
        self._deps, self._org_id, self._client_id = deps, org_id, client_id

    def transact(self, operations: list[Operation]) -> None:
        delete_client(self._deps, self._org_id, self._client_id)
        self._deps.store.transact(operations)

    def __getattr__(self, name: str) -> object:
        return getattr(self._deps.store, name)


def test_a_client_deleted_meanwhile_is_422_and_leaves_no_project(api: LocalClient, deps: Deps,
                                                                  tenant: Tenant) -> None:
    client_id = new_client(api)
    racing = dataclasses.replace(deps, store=cast(Store, _ClientDeletedFirst(deps, tenant.org_id, client_id)))
    with pytest.raises(ValidationFailed) as refused:
        create_project(racing, tenant.org_id, ProjectCreate(name="Late", client_id=client_id))
    assert list(refused.value.details) == ["client_id"]
    assert refs(deps, tenant, client_id) == 0
    assert listed(api)["meta"]["total"] == 0 and listed(api)["data"] == []

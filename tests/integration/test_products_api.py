"""``/api/v1/products`` end to end through the real app, on both storage backends."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest

from chalicelib.api.local import LocalClient
from chalicelib.core.clock import FixedClock
from chalicelib.store.deps import Deps
from chalicelib.webhooks.outbox import events_of
from tests.conftest import unique
from tests.integration.conftest import Tenant

BASE = "/api/v1/products"
WIDGET = {"product_name": "Bouteille Côtes du Rhône", "sku": "CDR-75", "description": "Rouge, 75 cl",
          "category": "Vins", "unit_price": "12.50", "purchase_price": 6.2, "tax_rate": 20, "unit": "bouteille",
          "stock_quantity": 48, "min_stock_level": 12, "currency": "EUR"}


def create(api: LocalClient, **fields: object) -> dict[str, Any]:
    response = api.post(BASE, json={"product_name": unique("Product"), **fields})
    assert response.status_code == 201, response.text
    return response.json()["data"]


def listed(api: LocalClient, **params: object) -> dict[str, Any]:
    response = api.get(BASE, params=params)
    assert response.status_code == 200, response.text
    return response.json()


def test_create_returns_201_with_the_stored_product(api: LocalClient) -> None:
    response = api.post(BASE, json=WIDGET)
    assert response.status_code == 201, response.text
    data = response.json()["data"]
    assert data["product_name"] == "Bouteille Côtes du Rhône"
    assert data["sku"] == "CDR-75" and data["category"] == "Vins" and data["unit"] == "bouteille"
    assert data["unit_price"] == Decimal("12.50") and data["purchase_price"] == Decimal("6.2")
    assert data["tax_rate"] == 20
    assert data["stock_quantity"] == 48 and data["min_stock_level"] == 12
    assert data["is_active"] is True and data["low_stock"] is False
    assert data["id"] and data["created_at"].endswith("Z") and data["updated_at"] == data["created_at"]
    assert api.get(f"{BASE}/{data['id']}").json()["data"] == data


def test_defaults_follow_the_original_product(api: LocalClient) -> None:
    data = create(api, product_name="Conseil")
    assert data["unit_price"] == 0 and data["tax_rate"] == 20 and data["unit"] == "pièce"
    assert data["stock_quantity"] == 0 and data["is_active"] is True and data["currency"] == "EUR"
    assert data["sku"] is None and data["purchase_price"] is None and data["min_stock_level"] is None
    assert data["low_stock"] is False


def test_money_goes_out_as_exact_json_numbers(api: LocalClient) -> None:
    data = create(api, unit_price="1234567890123.45", tax_rate="5.5", stock_quantity="0.0001")
    response = api.get(f"{BASE}/{data['id']}")
    assert '"unit_price":1234567890123.45' in response.text
    assert '"tax_rate":5.5' in response.text and '"stock_quantity":0.0001' in response.text


def test_missing_product_name_is_422_naming_the_field(api: LocalClient) -> None:
    response = api.post(BASE, json={"sku": "X"})
    assert response.status_code == 422
    assert response.json()["error"] == "validation_error"
    assert "product_name" in response.json()["details"]


@pytest.mark.parametrize(("field", "value"), [
    ("product_name", ""),
    ("product_name", "x" * 201),
    ("unit_price", -1),
    ("unit_price", "12.345"),
    ("unit_price", "abc"),
    ("purchase_price", -0.01),
    ("tax_rate", 101),
    ("tax_rate", "-5"),
    ("stock_quantity", "1.23456"),
    ("min_stock_level", -1),
    ("unit", "u" * 31),
    ("category", "c" * 101),
    ("currency", "euro"),
    ("is_active", "maybe"),
    ("description", "bad\x00text"),
])
def test_invalid_field_is_422_naming_that_field(api: LocalClient, field: str, value: object) -> None:
    response = api.post(BASE, json={"product_name": "Valid", field: value})
    assert response.status_code == 422, response.text
    assert field in response.json()["details"]


def test_unknown_fields_are_refused_and_nothing_is_stored(api: LocalClient) -> None:
    response = api.post(BASE, json={"product_name": "X", "user_id": "u", "supplier_hack": 1})
    assert response.status_code == 422
    assert set(response.json()["details"]) == {"supplier_hack", "user_id"}  # a server-set field is unknown too
    assert listed(api)["meta"]["total"] == 0


def test_negative_stock_is_allowed_and_counts_as_low(api: LocalClient) -> None:
    data = create(api, stock_quantity=-2, min_stock_level=0)
    assert data["stock_quantity"] == -2 and data["low_stock"] is True


def test_low_stock_is_computed_from_stock_and_threshold(api: LocalClient) -> None:
    data = create(api, stock_quantity=5, min_stock_level=5)
    assert data["low_stock"] is True
    assert api.patch(f"{BASE}/{data['id']}", json={"stock_quantity": 6}).json()["data"]["low_stock"] is False
    assert api.patch(f"{BASE}/{data['id']}", json={"min_stock_level": None}).json()["data"]["low_stock"] is False


def test_patch_changes_only_the_fields_sent(api: LocalClient, clock: FixedClock) -> None:
    data = create(api, unit_price=10, category="Vins", sku=unique("SKU"))
    clock.advance(60)
    response = api.patch(f"{BASE}/{data['id']}", json={"unit_price": "11.90"})
    assert response.status_code == 200, response.text
    patched = response.json()["data"]
    assert patched["unit_price"] == Decimal("11.90")
    assert patched["category"] == "Vins" and patched["sku"] == data["sku"]
    assert patched["created_at"] == data["created_at"] and patched["updated_at"] > data["updated_at"]


@pytest.mark.parametrize("field", ["product_name", "unit_price", "tax_rate", "unit", "stock_quantity",
                                   "is_active", "currency"])
def test_patch_cannot_clear_a_required_field(api: LocalClient, field: str) -> None:
    data = create(api)
    response = api.patch(f"{BASE}/{data['id']}", json={field: None})
    assert response.status_code == 422
    assert response.json()["details"] == {field: ["cannot be cleared"]}
    assert api.get(f"{BASE}/{data['id']}").json()["data"] == data


def test_patch_with_null_clears_an_optional_field(api: LocalClient) -> None:
    data = create(api, category="Vins", purchase_price=3)
    patched = api.patch(f"{BASE}/{data['id']}", json={"category": None, "purchase_price": None}).json()["data"]
    assert patched["category"] is None and patched["purchase_price"] is None


def test_put_replaces_every_field_with_defaults_for_those_left_out(api: LocalClient) -> None:
    data = create(api, category="Vins", unit_price=9, unit="kg", is_active=False)
    response = api.put(f"{BASE}/{data['id']}", json={"product_name": "Renamed"})
    assert response.status_code == 200, response.text
    replaced = response.json()["data"]
    assert replaced["product_name"] == "Renamed"
    assert replaced["category"] is None and replaced["unit_price"] == 0 and replaced["unit"] == "pièce"
    assert replaced["is_active"] is True and replaced["created_at"] == data["created_at"]


def test_put_accepts_the_read_only_fields_a_get_returned(api: LocalClient) -> None:
    data = create(api, sku=unique("SKU"), stock_quantity="1.5", min_stock_level=3, unit_price="9.90")
    as_sent = json.loads(api.get(f"{BASE}/{data['id']}").text)["data"]
    response = api.put(f"{BASE}/{data['id']}", json={**as_sent, "stock_quantity": 10})
    assert response.status_code == 200, response.text
    assert response.json()["data"]["stock_quantity"] == 10 and response.json()["data"]["low_stock"] is False
    assert response.json()["data"]["id"] == data["id"]


def test_put_without_product_name_is_422_and_changes_nothing(api: LocalClient) -> None:
    data = create(api, category="Vins")
    assert api.put(f"{BASE}/{data['id']}", json={"category": "Bières"}).status_code == 422
    assert api.get(f"{BASE}/{data['id']}").json()["data"] == data


def test_delete_answers_success_and_the_product_is_gone(api: LocalClient) -> None:
    data = create(api)
    response = api.delete(f"{BASE}/{data['id']}")
    assert response.status_code == 200 and response.json() == {"success": True}
    assert api.get(f"{BASE}/{data['id']}").status_code == 404
    assert api.delete(f"{BASE}/{data['id']}").status_code == 404
    assert listed(api)["meta"]["total"] == 0


@pytest.mark.parametrize("product_id", ["not-a-uuid", "00000000-0000-4000-8000-000000000000"])
def test_unknown_or_malformed_id_is_404(api: LocalClient, product_id: str) -> None:
    for method in ("GET", "PATCH", "PUT", "DELETE"):
        response = api.request(method, f"{BASE}/{product_id}", json_body={"product_name": "x"})
        assert response.status_code == 404, (method, response.text)
        assert response.json()["error"] == "product_not_found"


def test_another_organization_gets_404_and_an_empty_list(api: LocalClient, other_tenant: Tenant) -> None:
    data = create(api, sku="SHARED-1")
    other = other_tenant.client
    for method in ("GET", "PATCH", "PUT", "DELETE"):
        response = other.request(method, f"{BASE}/{data['id']}", json_body={"product_name": "stolen"})
        assert response.status_code == 404, method
    assert other.get(BASE).json()["data"] == []
    assert api.get(f"{BASE}/{data['id']}").json()["data"] == data


# --- SKU uniqueness -----------------------------------------------------------------------------------------------


def test_a_sku_is_unique_in_the_organization_ignoring_case(api: LocalClient) -> None:
    create(api, sku="VIN-001")
    for sku in ("VIN-001", "vin-001", " Vin-001 "):
        response = api.post(BASE, json={"product_name": "Copy", "sku": sku})
        assert response.status_code == 409, sku
        assert response.json()["error"] == "sku_exists"
    assert listed(api)["meta"]["total"] == 1


def test_another_organization_may_use_the_same_sku(api: LocalClient, other_tenant: Tenant) -> None:
    create(api, sku="VIN-002")
    assert other_tenant.client.post(BASE, json={"product_name": "Theirs", "sku": "VIN-002"}).status_code == 201


def test_products_without_sku_do_not_collide(api: LocalClient) -> None:
    create(api)
    create(api, sku="")
    assert listed(api)["meta"]["total"] == 2


def test_changing_a_sku_frees_the_old_one_and_takes_the_new_one(api: LocalClient) -> None:
    first = create(api, sku="OLD-1")
    create(api, sku="TAKEN-1")
    response = api.patch(f"{BASE}/{first['id']}", json={"sku": "TAKEN-1"})
    assert response.status_code == 409 and response.json()["error"] == "sku_exists"
    assert api.get(f"{BASE}/{first['id']}").json()["data"]["sku"] == "OLD-1"

    assert api.patch(f"{BASE}/{first['id']}", json={"sku": "NEW-1"}).status_code == 200
    assert api.post(BASE, json={"product_name": "Reuses old", "sku": "OLD-1"}).status_code == 201
    assert api.post(BASE, json={"product_name": "Wants new", "sku": "NEW-1"}).status_code == 409


def test_changing_only_the_case_of_a_sku_keeps_it(api: LocalClient) -> None:
    data = create(api, sku="case-1")
    response = api.patch(f"{BASE}/{data['id']}", json={"sku": "CASE-1"})
    assert response.status_code == 200 and response.json()["data"]["sku"] == "CASE-1"
    assert api.post(BASE, json={"product_name": "Copy", "sku": "case-1"}).status_code == 409


def test_clearing_a_sku_on_put_or_patch_frees_it(api: LocalClient) -> None:
    patched = create(api, sku="FREE-1")
    replaced = create(api, sku="FREE-2")
    assert api.patch(f"{BASE}/{patched['id']}", json={"sku": None}).status_code == 200
    assert api.put(f"{BASE}/{replaced['id']}", json={"product_name": "No sku"}).status_code == 200
    assert api.post(BASE, json={"product_name": "A", "sku": "FREE-1"}).status_code == 201
    assert api.post(BASE, json={"product_name": "B", "sku": "FREE-2"}).status_code == 201


def test_deleting_a_product_frees_its_sku(api: LocalClient) -> None:
    data = create(api, sku="GONE-1")
    assert api.delete(f"{BASE}/{data['id']}").status_code == 200
    assert api.post(BASE, json={"product_name": "Again", "sku": "GONE-1"}).status_code == 201


def test_a_refused_sku_records_no_event_and_changes_no_count(api: LocalClient, deps: Deps,
                                                              tenant: Tenant) -> None:
    create(api, sku="DUP-1")
    other = create(api)
    assert api.patch(f"{BASE}/{other['id']}", json={"sku": "DUP-1", "unit_price": 99}).status_code == 409
    assert [e.type for e in events_of(deps.store, tenant.org_id, "product", other["id"])] == ["product.created"]
    assert api.get(f"{BASE}/{other['id']}").json()["data"]["unit_price"] == 0
    assert listed(api)["meta"]["total"] == 2


# --- listing --------------------------------------------------------------------------------------------------------


def test_list_envelope_counts_from_the_counter_and_pages(api: LocalClient, clock: FixedClock) -> None:
    for _ in range(5):
        create(api)
        clock.advance(1)
    first = listed(api, page=1, limit=2)
    assert len(first["data"]) == 2 and first["meta"]["total"] == 5 and first["meta"]["page"] == 1
    third = listed(api, page=3, limit=2)
    assert len(third["data"]) == 1 and third["meta"]["next_cursor"] is None
    second = listed(api, page=2, limit=2)
    ids = [p["id"] for body in (first, second, third) for p in body["data"]]
    assert len(set(ids)) == 5


def test_cursor_walk_visits_every_product_once(api: LocalClient, clock: FixedClock) -> None:
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
    names = ["Chardonnay", "alsace", "Bourgogne", "Épernay"]
    for name in names:
        create(api, product_name=name)
        clock.advance(1)
    assert [p["product_name"] for p in listed(api)["data"]] == list(reversed(names))
    assert [p["product_name"] for p in listed(api, sort="created_at")["data"]] == names
    by_name = [p["product_name"] for p in listed(api, sort="product_name")["data"]]
    assert by_name == ["alsace", "Bourgogne", "Chardonnay", "Épernay"]
    assert [p["product_name"] for p in listed(api, sort="-product_name")["data"]] == list(reversed(by_name))


@pytest.mark.parametrize("query", ["limit=0", "limit=101", "page=0", "sort=unit_price", "is_active=maybe",
                                   "low_stock=perhaps", "cursor=%%%"])
def test_bad_list_parameters_are_4xx_naming_the_parameter(api: LocalClient, query: str) -> None:
    response = api.get(f"{BASE}?{query}")
    assert response.status_code in (400, 422), response.text
    if response.status_code == 422:
        assert query.split("=")[0] in response.json()["details"]


def test_search_ignores_accents_and_case_over_name_sku_and_description(api: LocalClient) -> None:
    wine = create(api, **WIDGET)
    create(api, product_name="Bière blonde", sku="BB-33", description="33 cl")
    for term in ("cotes du rhone", "CÔTES", "cdr-75", "rouge, 75"):
        body = listed(api, search=term)
        assert [p["id"] for p in body["data"]] == [wine["id"]], term
        assert body["meta"]["total"] == 1
    assert listed(api, search="zzz")["data"] == []


def test_filters_by_category_active_flag_and_low_stock(api: LocalClient) -> None:
    red = create(api, category="Vins", stock_quantity=2, min_stock_level=5)
    white = create(api, category="vins", stock_quantity=50, min_stock_level=5, is_active=False)
    beer = create(api, category="Bières", stock_quantity=0)
    assert {p["id"] for p in listed(api, category="VINS")["data"]} == {red["id"], white["id"]}
    assert {p["id"] for p in listed(api, is_active="false")["data"]} == {white["id"]}
    assert {p["id"] for p in listed(api, is_active="true")["data"]} == {red["id"], beer["id"]}
    assert {p["id"] for p in listed(api, low_stock="true")["data"]} == {red["id"]}
    assert {p["id"] for p in listed(api, low_stock="false")["data"]} == {white["id"], beer["id"]}
    combined = listed(api, category="vins", is_active="true", low_stock="true")
    assert [p["id"] for p in combined["data"]] == [red["id"]] and combined["meta"]["total"] == 1


def test_filtered_lists_keep_the_requested_order(api: LocalClient, clock: FixedClock) -> None:
    for name in ("Gamma", "alpha", "Beta"):
        create(api, product_name=name, category="Vins")
        clock.advance(1)
    assert [p["product_name"] for p in listed(api, category="vins", sort="product_name")["data"]] == \
        ["alpha", "Beta", "Gamma"]
    assert [p["product_name"] for p in listed(api, category="vins")["data"]] == ["Beta", "alpha", "Gamma"]


def test_filtered_lists_paginate_by_page_and_by_cursor(api: LocalClient, clock: FixedClock) -> None:
    matching = set()
    for i in range(5):
        matching.add(create(api, product_name=f"Match {i}", category="Vins")["id"])
        create(api, product_name=f"Other {i}")
        clock.advance(1)
    first = listed(api, category="vins", limit=2)
    assert first["meta"]["total"] == 5 and len(first["data"]) == 2 and first["meta"]["page"] == 1
    third = listed(api, category="vins", limit=2, page=3)
    assert len(third["data"]) == 1 and third["meta"]["next_cursor"] is None
    seen = [p["id"] for p in first["data"]]
    cursor = first["meta"]["next_cursor"]
    while cursor:
        body = listed(api, category="vins", limit=2, cursor=cursor)
        assert body["meta"]["page"] is None
        seen += [p["id"] for p in body["data"]]
        cursor = body["meta"]["next_cursor"]
    assert len(seen) == 5 and set(seen) == matching


@pytest.mark.parametrize("cursor", ["offset:abc", "not-an-offset", "offset:²"])
def test_a_filtered_list_refuses_a_cursor_it_did_not_issue(api: LocalClient, cursor: str) -> None:
    create(api, category="Vins")
    response = api.get(BASE, params={"category": "vins", "cursor": cursor})
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_cursor"


# --- events -------------------------------------------------------------------------------------------------------


def test_every_change_records_an_event_in_the_outbox(api: LocalClient, deps: Deps, tenant: Tenant) -> None:
    data = create(api, sku=unique("SKU"), unit_price="3.10")
    api.patch(f"{BASE}/{data['id']}", json={"stock_quantity": 4})
    api.put(f"{BASE}/{data['id']}", json={"product_name": "Renamed"})
    api.delete(f"{BASE}/{data['id']}")
    events = events_of(deps.store, tenant.org_id, "product", data["id"])
    assert [e.type for e in events] == ["product.created", "product.updated", "product.updated", "product.deleted"]
    assert events[0].payload["unit_price"] == "3.10" and events[0].payload["id"] == data["id"]
    assert events[1].payload["changed"] == ["stock_quantity"]
    assert events[3].payload["product_name"] == "Renamed"
    json.dumps([e.payload for e in events])  # payloads are plain JSON

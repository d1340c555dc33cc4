"""``/api/v1/expenses`` end to end through the real app, on both storage backends, receipts included."""

from __future__ import annotations

import base64
import dataclasses
import json
import uuid
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from chalicelib.api.apps import build_app
from chalicelib.api.local import LocalClient, LocalResponse
from chalicelib.billing.expenses.models import CATEGORIES, MAX_RECEIPT_BYTES
from chalicelib.core.clock import FixedClock
from chalicelib.core.serialization import dumps
from chalicelib.store.blobs import S3BlobStore
from chalicelib.store.deps import Deps
from chalicelib.store.port import Item, Operation, Page, Store
from chalicelib.webhooks.outbox import events_of, list_events
from chalicelib.wiring import using
from tests.conftest import unique
from tests.integration.conftest import Tenant

BASE = "/api/v1/expenses"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(range(64))
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(range(64))
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n" + bytes(range(256))
HEIC = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + bytes(range(64))
FILES = {"image/png": PNG, "image/jpeg": JPEG, "application/pdf": PDF, "image/heic": HEIC}


def money(value: Any) -> Decimal:
    """A wire amount as an exact Decimal, whether the JSON parser gave a float, an int or a Decimal."""
    return Decimal(str(value))


def create(api: LocalClient, **fields: Any) -> dict[str, Any]:
    response = api.post(BASE, json={"expense_date": "2026-03-01", "amount": "12.00", **fields})
    assert response.status_code == 201, response.text
    return response.json()["data"]


def new_client(api: LocalClient) -> str:
    return str(api.post("/api/v1/clients", json={"company_name": unique("Client")}).json()["data"]["id"])


def upload(api: LocalClient, expense_id: str, data: bytes = PNG, content_type: str = "image/png",
           headers: dict[str, str] | None = None) -> LocalResponse:
    return api.request("PUT", f"{BASE}/{expense_id}/receipt", body=data,
                       headers={"Content-Type": content_type, **(headers or {})})


def download(api: LocalClient, expense_id: str, accept: str | None) -> LocalResponse:
    return api.get(f"{BASE}/{expense_id}/receipt", headers={"Accept": accept} if accept else {})


def receipt_files(tmp_path: Path, org_id: str, expense_id: str) -> list[Path]:
    """The receipt files of an expense in the test's FileBlobStore (``deps`` keeps blobs in tmp_path/blobs)."""
    folder = tmp_path / "blobs" / "org" / org_id / "expenses" / expense_id / "receipt"
    return sorted(p for p in folder.iterdir() if p.is_file()) if folder.exists() else []


def ids(body: dict[str, Any]) -> list[str]:
    return [e["id"] for e in body["data"]]


# --- amounts -------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("amount", "rate", "ht", "tax"), [
    ("120.00", "20", "100.00", "20.00"),
    ("10.00", "5.5", "9.48", "0.52"),
    ("100", "21", "82.64", "17.36"),
    ("50.00", "0", "50.00", "0.00"),
])
def test_amount_tax_included_and_rate_give_amount_ht_and_tax(api: LocalClient, amount: str, rate: str, ht: str,
                                                              tax: str) -> None:
    data = create(api, amount=amount, tax_rate=rate)
    assert (money(data["amount"]), money(data["amount_ht"]), money(data["tax_amount"])) == (
        Decimal(amount), Decimal(ht), Decimal(tax))
    assert money(data["tax_rate"]) == Decimal(rate)


@pytest.mark.parametrize(("ht", "rate", "tax", "amount"), [
    ("100.00", "20", "20.00", "120.00"),
    ("9.99", "5.5", "0.55", "10.54"),
    ("33.33", "2.1", "0.70", "34.03"),
])
def test_amount_ht_and_rate_give_tax_and_amount(api: LocalClient, ht: str, rate: str, tax: str,
                                                amount: str) -> None:
    response = api.post(BASE, json={"expense_date": "2026-03-01", "amount_ht": ht, "tax_rate": rate})
    assert response.status_code == 201, response.text
    data = response.json()["data"]
    assert (money(data["amount"]), money(data["amount_ht"]), money(data["tax_amount"])) == (
        Decimal(amount), Decimal(ht), Decimal(tax))


def test_amounts_go_out_as_exact_json_numbers_with_cents(api: LocalClient) -> None:
    response = api.post(BASE, json={"expense_date": "2026-03-01", "amount": 120, "tax_rate": 20})
    assert '"amount":120.00' in response.text and '"amount_ht":100.00' in response.text
    assert '"tax_amount":20.00' in response.text


def test_tax_rate_defaults_to_zero_percent(api: LocalClient) -> None:
    data = create(api, amount="42.50")
    assert money(data["tax_rate"]) == 0
    assert money(data["amount_ht"]) == Decimal("42.50") and money(data["tax_amount"]) == 0


def test_three_consistent_amounts_are_kept_as_sent(api: LocalClient) -> None:
    data = create(api, amount="10.00", amount_ht="8.50", tax_amount="1.50", tax_rate=20)
    assert (money(data["amount"]), money(data["amount_ht"]), money(data["tax_amount"])) == (
        Decimal("10.00"), Decimal("8.50"), Decimal("1.50"))


def test_three_amounts_that_do_not_add_up_are_422_naming_them(api: LocalClient) -> None:
    response = api.post(BASE, json={"expense_date": "2026-03-01", "amount": "120.00", "amount_ht": "100.00",
                                    "tax_amount": "19.99", "tax_rate": 20})
    assert response.status_code == 422
    body = response.json()
    assert body["error"] == "inconsistent_amounts"
    assert set(body["details"]) == {"amount", "amount_ht", "tax_amount"}
    assert api.get(BASE).json()["meta"]["total"] == 0


@pytest.mark.parametrize(("sent", "expected"), [
    ({"amount": "50.00", "amount_ht": "45.00"}, ("50.00", "45.00", "5.00")),
    ({"amount": "50.00", "tax_amount": "4.00"}, ("50.00", "46.00", "4.00")),
    ({"amount_ht": "45.00", "tax_amount": "9.00"}, ("54.00", "45.00", "9.00")),
])
def test_two_amounts_give_the_third(api: LocalClient, sent: dict[str, str], expected: tuple[str, ...]) -> None:
    response = api.post(BASE, json={"expense_date": "2026-03-01", "tax_rate": 20, **sent})
    assert response.status_code == 201, response.text
    data = response.json()["data"]
    assert tuple(money(data[k]) for k in ("amount", "amount_ht", "tax_amount")) == tuple(map(Decimal, expected))


@pytest.mark.parametrize(("sent", "field"), [
    ({"amount": "10.00", "amount_ht": "12.00"}, "amount_ht"),
    ({"amount": "10.00", "tax_amount": "12.00"}, "tax_amount"),
])
def test_a_part_larger_than_the_total_is_422(api: LocalClient, sent: dict[str, str], field: str) -> None:
    response = api.post(BASE, json={"expense_date": "2026-03-01", **sent})
    assert response.status_code == 422
    assert field in response.json()["details"]


def test_neither_amount_nor_amount_ht_is_422_naming_both(api: LocalClient) -> None:
    response = api.post(BASE, json={"expense_date": "2026-03-01", "tax_amount": "2.00", "tax_rate": 20})
    assert response.status_code == 422
    assert {"amount", "amount_ht"} <= set(response.json()["details"])


def test_currency_without_minor_unit_rounds_to_units(api: LocalClient) -> None:
    data = create(api, amount="1180", tax_rate=18, currency="xof")
    assert data["currency"] == "XOF"
    assert (money(data["amount_ht"]), money(data["tax_amount"])) == (Decimal("1000"), Decimal("180"))
    response = api.post(BASE, json={"expense_date": "2026-03-01", "amount": "10.50", "currency": "XOF"})
    assert response.status_code == 422 and "amount" in response.json()["details"]


# --- fields ----------------------------------------------------------------------------------------------------------


def test_create_returns_201_with_every_field(api: LocalClient) -> None:
    client_id = new_client(api)
    response = api.post(BASE, json={"expense_date": "2026-02-27", "amount": "59.90", "tax_rate": "20",
                                    "category": "software", "supplier": "Atlassian", "description": "Jira",
                                    "reference": "INV-77", "payment_method": "card", "client_id": client_id,
                                    "refacturable": True})
    assert response.status_code == 201, response.text
    data = response.json()["data"]
    assert data["expense_date"] == "2026-02-27"
    assert (data["category"], data["supplier"], data["description"], data["reference"]) == (
        "software", "Atlassian", "Jira", "INV-77")
    assert (data["payment_method"], data["client_id"], data["refacturable"]) == ("card", client_id, True)
    assert data["receipt"] is None and data["currency"] == "EUR"
    assert data["id"] and data["created_at"].endswith("Z") and data["updated_at"] == data["created_at"]
    assert api.get(f"{BASE}/{data['id']}").json()["data"] == data


def test_expense_is_dated_by_its_expense_date_not_by_creation(api: LocalClient) -> None:
    data = create(api, expense_date="2025-12-31")
    assert data["expense_date"] == "2025-12-31"
    assert data["created_at"].startswith("2026-03-15")


def test_date_is_accepted_as_an_alias_of_expense_date(api: LocalClient) -> None:
    response = api.post(BASE, json={"date": "2026-01-15", "amount": "10.00"})
    assert response.status_code == 201, response.text
    data = response.json()["data"]
    assert data["expense_date"] == "2026-01-15" and "date" not in data


def test_sending_both_date_and_expense_date_is_422(api: LocalClient) -> None:
    response = api.post(BASE, json={"date": "2026-01-15", "expense_date": "2026-01-16", "amount": "10.00"})
    assert response.status_code == 422


def test_missing_expense_date_is_422_naming_it(api: LocalClient) -> None:
    response = api.post(BASE, json={"amount": "10.00"})
    assert response.status_code == 422
    assert "expense_date" in response.json()["details"]


def test_category_defaults_to_general_and_accepts_the_sixteen_categories(api: LocalClient) -> None:
    assert len(CATEGORIES) == 16
    assert create(api)["category"] == "general"
    for category in CATEGORIES:
        assert create(api, category=category.upper())["category"] == category


def test_unknown_category_is_422_listing_the_allowed_values(api: LocalClient) -> None:
    response = api.post(BASE, json={"expense_date": "2026-03-01", "amount": "1.00", "category": "fun"})
    assert response.status_code == 422
    message = " ".join(response.json()["details"]["category"])
    assert all(f"'{category}'" in message for category in CATEGORIES)


@pytest.mark.parametrize(("field", "value"), [
    ("supplier", "x" * 201),
    ("description", "x" * 1001),
    ("reference", "x" * 101),
    ("payment_method", "bitcoin"),
    ("currency", "euro"),
    ("tax_rate", 101),
    ("tax_rate", -1),
    ("amount", "-5.00"),
    ("amount", "1.005"),
    ("amount", "abc"),
    ("expense_date", "2026-02-30"),
    ("refacturable", "maybe"),
    ("supplier", "bad\x00name"),
])
def test_invalid_field_is_422_naming_that_field(api: LocalClient, field: str, value: object) -> None:
    response = api.post(BASE, json={"expense_date": "2026-03-01", "amount": "1.00", field: value})
    assert response.status_code == 422, response.text
    assert field in response.json()["details"]


def test_unknown_fields_are_refused_and_read_only_fields_ignored(api: LocalClient) -> None:
    response = api.post(BASE, json={"expense_date": "2026-03-01", "amount": "1.00", "receipt_url": "http://x"})
    assert response.status_code == 422 and set(response.json()["details"]) == {"receipt_url"}
    data = create(api, id="00000000-0000-4000-8000-000000000000", receipt={"file_name": "x"})
    assert data["id"] != "00000000-0000-4000-8000-000000000000" and data["receipt"] is None


def test_blank_optional_text_is_stored_as_null(api: LocalClient) -> None:
    data = create(api, supplier="  ", description="", payment_method="")
    assert data["supplier"] is None and data["description"] is None and data["payment_method"] is None


# --- the client guard ------------------------------------------------------------------------------------------------


def test_client_id_must_be_a_client_of_the_organization(api: LocalClient, other_tenant: Tenant) -> None:
    foreign = new_client(other_tenant.client)
    for client_id in (str(uuid.uuid4()), "not-a-uuid", foreign):
        response = api.post(BASE, json={"expense_date": "2026-03-01", "amount": "1.00", "client_id": client_id})
        assert response.status_code == 422, client_id
        assert "client_id" in response.json()["details"]


def test_a_client_with_an_expense_cannot_be_deleted_until_the_expense_goes(api: LocalClient) -> None:
    client_id = new_client(api)
    expense = create(api, client_id=client_id)
    response = api.delete(f"/api/v1/clients/{client_id}")
    assert response.status_code == 409
    assert response.json()["error"] == "client_has_documents"
    assert api.delete(f"{BASE}/{expense['id']}").status_code == 200
    assert api.delete(f"/api/v1/clients/{client_id}").status_code == 200


def test_moving_an_expense_between_clients_moves_the_guard(api: LocalClient) -> None:
    first, second = new_client(api), new_client(api)
    expense = create(api, client_id=first)
    moved = api.patch(f"{BASE}/{expense['id']}", json={"client_id": second})
    assert moved.status_code == 200 and moved.json()["data"]["client_id"] == second
    assert api.delete(f"/api/v1/clients/{second}").status_code == 409
    assert api.delete(f"/api/v1/clients/{first}").status_code == 200
    assert api.patch(f"{BASE}/{expense['id']}", json={"client_id": None}).json()["data"]["client_id"] is None
    assert api.delete(f"/api/v1/clients/{second}").status_code == 200


def test_moving_an_expense_to_an_unknown_client_is_422_and_changes_nothing(api: LocalClient) -> None:
    client_id = new_client(api)
    expense = create(api, client_id=client_id)
    response = api.patch(f"{BASE}/{expense['id']}", json={"client_id": str(uuid.uuid4())})
    assert response.status_code == 422 and "client_id" in response.json()["details"]
    assert api.get(f"{BASE}/{expense['id']}").json()["data"]["client_id"] == client_id


# --- update and delete -----------------------------------------------------------------------------------------------


def test_patch_changes_only_the_fields_sent(api: LocalClient) -> None:
    data = create(api, supplier="SNCF", category="travel", amount="120.00", tax_rate=10)
    patched = api.patch(f"{BASE}/{data['id']}", json={"description": "Paris-Lyon"}).json()["data"]
    assert patched["description"] == "Paris-Lyon"
    assert {k: patched[k] for k in ("supplier", "category", "amount", "amount_ht", "expense_date")} == {
        k: data[k] for k in ("supplier", "category", "amount", "amount_ht", "expense_date")}
    assert patched["updated_at"] >= data["updated_at"]


def test_patch_of_the_amount_recomputes_from_the_stored_rate(api: LocalClient) -> None:
    data = create(api, amount="120.00", tax_rate=20)
    patched = api.patch(f"{BASE}/{data['id']}", json={"amount": "60.00"}).json()["data"]
    assert (money(patched["amount_ht"]), money(patched["tax_amount"])) == (Decimal("50.00"), Decimal("10.00"))


def test_patch_of_the_rate_keeps_the_amount_paid(api: LocalClient) -> None:
    data = create(api, amount="110.00", tax_rate=20)
    patched = api.patch(f"{BASE}/{data['id']}", json={"tax_rate": 10}).json()["data"]
    assert money(patched["amount"]) == Decimal("110.00")
    assert (money(patched["amount_ht"]), money(patched["tax_amount"])) == (Decimal("100.00"), Decimal("10.00"))


def test_patch_of_other_fields_keeps_amounts_sent_explicitly(api: LocalClient) -> None:
    data = create(api, amount="10.00", amount_ht="9.00", tax_amount="1.00", tax_rate=20)
    patched = api.patch(f"{BASE}/{data['id']}", json={"supplier": "Bakery"}).json()["data"]
    assert (money(patched["amount_ht"]), money(patched["tax_amount"])) == (Decimal("9.00"), Decimal("1.00"))


def test_patch_with_null_clears_an_optional_field_but_not_a_required_one(api: LocalClient) -> None:
    data = create(api, supplier="X")
    assert api.patch(f"{BASE}/{data['id']}", json={"supplier": None}).json()["data"]["supplier"] is None
    for field in ("expense_date", "date", "amount", "category", "tax_rate"):
        response = api.patch(f"{BASE}/{data['id']}", json={field: None})
        assert response.status_code == 422, field
        assert "cannot be cleared" in response.json()["message"]


def test_patch_accepts_the_date_alias(api: LocalClient) -> None:
    data = create(api)
    assert api.patch(f"{BASE}/{data['id']}", json={"date": "2026-04-02"}).json()["data"]["expense_date"] == (
        "2026-04-02")


def test_put_replaces_every_field(api: LocalClient) -> None:
    data = create(api, supplier="Old", description="Old", category="meals", amount="30.00", tax_rate=10)
    response = api.put(f"{BASE}/{data['id']}", json={"date": "2026-03-05", "amount_ht": "100.00", "tax_rate": 20})
    assert response.status_code == 200, response.text
    replaced = response.json()["data"]
    assert replaced["supplier"] is None and replaced["description"] is None and replaced["category"] == "general"
    assert money(replaced["amount"]) == Decimal("120.00") and replaced["expense_date"] == "2026-03-05"
    assert replaced["created_at"] == data["created_at"] and replaced["id"] == data["id"]


def test_put_accepts_the_read_only_fields_a_get_returned(api: LocalClient) -> None:
    data = create(api, supplier="Old")
    upload(api, data["id"])
    current = json.loads(api.get(f"{BASE}/{data['id']}").text, parse_float=Decimal)["data"]
    response = api.request("PUT", f"{BASE}/{data['id']}", body=dumps({**current, "supplier": "New"}),
                           headers={"Content-Type": "application/json"})
    assert response.status_code == 200, response.text
    assert response.json()["data"]["supplier"] == "New"
    assert response.json()["data"]["receipt"] == current["receipt"]


def test_delete_answers_success_and_the_expense_is_gone(api: LocalClient) -> None:
    data = create(api)
    response = api.delete(f"{BASE}/{data['id']}")
    assert response.status_code == 200 and response.json() == {"success": True}
    assert api.get(f"{BASE}/{data['id']}").status_code == 404
    assert api.delete(f"{BASE}/{data['id']}").status_code == 404
    assert api.get(BASE).json()["meta"]["total"] == 0


@pytest.mark.parametrize("expense_id", ["not-a-uuid", "00000000-0000-4000-8000-000000000000"])
def test_unknown_or_malformed_id_is_404(api: LocalClient, expense_id: str) -> None:
    for method in ("GET", "PATCH", "PUT", "DELETE"):
        response = api.request(method, f"{BASE}/{expense_id}", json_body={"date": "2026-01-01", "amount": 1})
        assert response.status_code == 404, (method, response.text)
        assert response.json()["error"] == "expense_not_found"
    for method in ("GET", "DELETE"):
        assert api.request(method, f"{BASE}/{expense_id}/receipt").json()["error"] == "expense_not_found"
    assert upload(api, expense_id).json()["error"] == "expense_not_found"


def test_another_organization_gets_404_everywhere(api: LocalClient, other_tenant: Tenant) -> None:
    data = create(api)
    upload(api, data["id"])
    theirs = other_tenant.client
    for method in ("GET", "PATCH", "PUT", "DELETE"):
        response = theirs.request(method, f"{BASE}/{data['id']}", json_body={"date": "2026-01-01", "amount": 1})
        assert response.status_code == 404, method
    assert download(theirs, data["id"], "image/png").status_code == 404
    assert upload(theirs, data["id"]).status_code == 404
    assert theirs.delete(f"{BASE}/{data['id']}/receipt").status_code == 404
    assert theirs.get(BASE).json()["data"] == []
    assert download(api, data["id"], "image/png").body == PNG


# --- listing ---------------------------------------------------------------------------------------------------------


def test_list_is_newest_expense_date_first_whatever_the_creation_order(api: LocalClient,
                                                                       clock: FixedClock) -> None:
    for day in ("2026-03-10", "2026-01-05", "2026-03-20", "2026-02-14"):
        create(api, expense_date=day)
        clock.advance(1)
    dates = [e["expense_date"] for e in api.get(BASE).json()["data"]]
    assert dates == ["2026-03-20", "2026-03-10", "2026-02-14", "2026-01-05"]
    oldest_first = [e["expense_date"] for e in api.get(BASE, params={"sort": "expense_date"}).json()["data"]]
    assert oldest_first == list(reversed(dates))


def test_date_range_includes_both_boundary_days(api: LocalClient) -> None:
    made = {day: create(api, expense_date=day)["id"]
            for day in ("2026-02-28", "2026-03-01", "2026-03-15", "2026-03-31", "2026-04-01")}
    body = api.get(BASE, params={"start_date": "2026-03-01", "end_date": "2026-03-31"}).json()
    assert ids(body) == [made["2026-03-31"], made["2026-03-15"], made["2026-03-01"]]
    assert body["meta"]["total"] == 3
    only_start = api.get(BASE, params={"start_date": "2026-03-31"}).json()
    assert set(ids(only_start)) == {made["2026-03-31"], made["2026-04-01"]}
    only_end = api.get(BASE, params={"end_date": "2026-02-28"}).json()
    assert ids(only_end) == [made["2026-02-28"]]
    one_day = api.get(BASE, params={"start_date": "2026-03-15", "end_date": "2026-03-15"}).json()
    assert ids(one_day) == [made["2026-03-15"]]


def test_end_date_before_start_date_is_422(api: LocalClient) -> None:
    response = api.get(BASE, params={"start_date": "2026-03-02", "end_date": "2026-03-01"})
    assert response.status_code == 422 and "end_date" in response.json()["details"]


class RecordingStore:
    """The real store, remembering the queries it was asked (a fake wrapper, not a mock)."""

    def __init__(self, inner: Store) -> None:
        self.inner = inner
        self.queries: list[tuple[str, dict[str, Any]]] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def query(self, pk: str, **kwargs: Any) -> Page:
        self.queries.append((pk, kwargs))
        return self.inner.query(pk, **kwargs)


def test_a_date_range_is_read_as_a_key_range(api: LocalClient, deps: Deps) -> None:
    create(api, expense_date="2026-03-01")
    recording = RecordingStore(deps.store)
    with using(dataclasses.replace(deps, store=recording)):
        api.get(BASE, params={"start_date": "2026-03-01", "end_date": "2026-03-31"})
    [kwargs] = [kw for pk, kw in recording.queries if pk.endswith("#EXPENSES")]
    assert kwargs["index"] == "gsi1"
    assert kwargs["start"] == "2026-03-01" and kwargs["end"].startswith("2026-03-31")


def test_filters_by_category_client_and_supplier(api: LocalClient) -> None:
    client_id = new_client(api)
    travel = create(api, category="travel", supplier="SNCF Voyageurs", client_id=client_id)["id"]
    meals = create(api, category="meals", supplier="Café de la Gare")["id"]
    other = create(api, category="travel", supplier="Air France")["id"]
    assert set(ids(api.get(BASE, params={"category": "travel"}).json())) == {travel, other}
    assert ids(api.get(BASE, params={"client_id": client_id}).json()) == [travel]
    assert ids(api.get(BASE, params={"supplier": "CAFE"}).json()) == [meals]
    both = api.get(BASE, params={"category": "travel", "supplier": "sncf"}).json()
    assert ids(both) == [travel] and both["meta"]["total"] == 1
    assert api.get(BASE, params={"category": "rent"}).json()["data"] == []
    assert api.get(BASE, params={"client_id": str(uuid.uuid4())}).json()["data"] == []
    assert api.get(BASE, params={"category": "nope"}).status_code == 422


def test_search_ignores_accents_and_case_over_supplier_description_and_reference(api: LocalClient) -> None:
    target = create(api, supplier="Société Générale", description="Frais bancaires", reference="REF-ÉTÉ-42")["id"]
    create(api, supplier="Orange", description="Box internet", reference="F123")
    for term in ("societe", "GÉNÉRALE", "frais BANCAIRES", "ref-ete-42", "été"):
        body = api.get(BASE, params={"search": term}).json()
        assert ids(body) == [target], term
        assert body["meta"]["total"] == 1
    assert api.get(BASE, params={"search": "zzz"}).json()["data"] == []


def test_pages_and_cursor_walk_visit_every_expense_once(api: LocalClient) -> None:
    made = {create(api, expense_date=f"2026-01-{day:02d}")["id"] for day in range(1, 8)}
    first = api.get(BASE, params={"page": 1, "limit": 3}).json()
    second = api.get(BASE, params={"page": 2, "limit": 3}).json()
    assert first["meta"]["total"] == 7 and len(first["data"]) == 3 and first["meta"]["next_cursor"]
    assert set(ids(first)).isdisjoint(ids(second)) and len(second["data"]) == 3
    seen: list[str] = []
    cursor = None
    while True:
        body = api.get(BASE, params={"limit": 3, **({"cursor": cursor} if cursor else {})}).json()
        seen += ids(body)
        cursor = body["meta"]["next_cursor"]
        if not cursor:
            break
    assert len(seen) == 7 and set(seen) == made


def test_filtered_lists_paginate_their_matches_by_page_and_cursor(api: LocalClient) -> None:
    for day in range(1, 6):
        create(api, expense_date=f"2026-03-{day:02d}", category="office")
    create(api, expense_date="2026-03-03", category="rent")
    first = api.get(BASE, params={"category": "office", "limit": 2}).json()
    assert first["meta"]["total"] == 5 and len(first["data"]) == 2
    rest = api.get(BASE, params={"category": "office", "limit": 10, "cursor": first["meta"]["next_cursor"]}).json()
    assert len(rest["data"]) == 3 and set(ids(rest)).isdisjoint(ids(first))
    third = api.get(BASE, params={"category": "office", "limit": 2, "page": 3}).json()
    assert len(third["data"]) == 1 and third["meta"]["next_cursor"] is None


@pytest.mark.parametrize("query", ["limit=0", "limit=101", "page=0", "sort=amount", "start_date=yesterday",
                                   "cursor=%%%", "category=office&cursor=abc"])
def test_bad_list_parameters_are_4xx(api: LocalClient, query: str) -> None:
    response = api.get(f"{BASE}?{query}")
    assert response.status_code in (400, 422), response.text


# --- receipts --------------------------------------------------------------------------------------------------------


def test_receipt_upload_download_and_delete_round_trip(api: LocalClient, tenant: Tenant, tmp_path: Path) -> None:
    expense = create(api)
    response = upload(api, expense["id"], headers={"Content-Disposition": 'attachment; filename="ticket.png"'})
    assert response.status_code == 200, response.text
    receipt = response.json()["data"]["receipt"]
    assert receipt == {"file_name": "ticket.png", "content_type": "image/png", "size": len(PNG),
                       "uploaded_at": receipt["uploaded_at"]}
    assert api.get(f"{BASE}/{expense['id']}").json()["data"]["receipt"] == receipt

    file = download(api, expense["id"], "image/png")
    assert file.status_code == 200 and file.body == PNG
    assert file.headers["Content-Type"] == "image/png"
    assert 'filename="ticket.png"' in file.headers["Content-Disposition"]
    assert file.headers["X-Content-Type-Options"] == "nosniff"
    assert len(receipt_files(tmp_path, tenant.org_id, expense["id"])) == 1

    deleted = api.delete(f"{BASE}/{expense['id']}/receipt")
    assert deleted.status_code == 200 and deleted.json() == {"success": True}
    assert api.get(f"{BASE}/{expense['id']}").json()["data"]["receipt"] is None
    assert download(api, expense["id"], "image/png").json()["error"] == "receipt_not_found"
    assert api.delete(f"{BASE}/{expense['id']}/receipt").status_code == 404
    assert receipt_files(tmp_path, tenant.org_id, expense["id"]) == []


@pytest.mark.parametrize("content_type", sorted(FILES))
def test_each_receipt_type_comes_back_byte_for_byte_with_its_type(api: LocalClient, content_type: str) -> None:
    expense = create(api)
    response = upload(api, expense["id"], FILES[content_type], content_type)
    assert response.status_code == 200, response.text
    for accept in (content_type, "*/*", f"text/html, {content_type};q=0.9"):
        file = download(api, expense["id"], accept)
        assert file.body == FILES[content_type], accept
        assert file.headers["Content-Type"] == content_type


def test_download_without_accept_for_the_file_answers_its_metadata(api: LocalClient) -> None:
    expense = create(api)
    upload(api, expense["id"], PDF, "application/pdf")
    for accept in (None, "application/json", "image/png"):
        response = download(api, expense["id"], accept)
        assert response.status_code == 200, accept
        assert response.json()["data"]["content_type"] == "application/pdf"
        assert response.json()["data"]["size"] == len(PDF)


def test_receipt_name_comes_from_the_query_else_a_default(api: LocalClient) -> None:
    expense = create(api)
    named = api.request("PUT", f"{BASE}/{expense['id']}/receipt", params={"file_name": "../../facture mars.pdf"},
                        body=PDF, headers={"Content-Type": "application/pdf"})
    assert named.json()["data"]["receipt"]["file_name"] == "facture mars.pdf"
    assert upload(api, expense["id"], JPEG, "image/jpeg").json()["data"]["receipt"]["file_name"] == "receipt.jpg"


def test_receipt_can_be_sent_as_base64_json(api: LocalClient) -> None:
    expense = create(api)
    body = {"file_name": "scan.pdf", "content_type": "application/pdf",
            "content_base64": base64.b64encode(PDF).decode()}
    response = api.put(f"{BASE}/{expense['id']}/receipt", json=body)
    assert response.status_code == 200, response.text
    assert response.json()["data"]["receipt"]["file_name"] == "scan.pdf"
    assert download(api, expense["id"], "application/pdf").body == PDF
    bad = api.put(f"{BASE}/{expense['id']}/receipt", json={**body, "content_base64": "!!not base64!!"})
    assert bad.status_code == 422 and "content_base64" in bad.json()["details"]


@pytest.mark.parametrize("content_type", ["text/plain", "image/gif", "application/octet-stream", ""])
def test_a_receipt_of_another_type_is_415_listing_the_allowed_types(api: LocalClient, content_type: str) -> None:
    expense = create(api)
    response = upload(api, expense["id"], b"GIF89a....", content_type)
    assert response.status_code == 415, response.text
    assert response.json()["error"] == "unsupported_media_type"
    assert set(response.json()["details"]["allowed"]) == set(FILES)


def test_an_empty_receipt_is_422(api: LocalClient) -> None:
    expense = create(api)
    response = upload(api, expense["id"], b"")
    assert response.status_code == 422 and response.json()["error"] == "empty_receipt"


def test_a_receipt_over_10_mib_is_refused_with_receipt_too_large(api: LocalClient, tenant: Tenant,
                                                                 tmp_path: Path) -> None:
    expense = create(api)
    response = upload(api, expense["id"], PNG + b"\x00" * (MAX_RECEIPT_BYTES - len(PNG) + 1))
    assert response.status_code == 422 and response.json()["error"] == "receipt_too_large"
    assert receipt_files(tmp_path, tenant.org_id, expense["id"]) == []
    assert upload(api, expense["id"], PNG + b"\x00" * (MAX_RECEIPT_BYTES - len(PNG))).status_code == 200


def test_a_file_whose_content_is_not_its_declared_type_is_422(api: LocalClient) -> None:
    expense = create(api)
    response = upload(api, expense["id"], b"<html><script>alert(1)</script>", "image/png")
    assert response.status_code == 422 and response.json()["error"] == "receipt_content_mismatch"


def test_a_new_receipt_replaces_the_previous_file(api: LocalClient, tenant: Tenant, tmp_path: Path) -> None:
    expense = create(api)
    upload(api, expense["id"], PNG)
    upload(api, expense["id"], PDF, "application/pdf")
    assert download(api, expense["id"], "application/pdf").body == PDF
    [only] = receipt_files(tmp_path, tenant.org_id, expense["id"])
    assert only.read_bytes() == PDF


def test_deleting_the_expense_deletes_its_receipt_file(api: LocalClient, tenant: Tenant, tmp_path: Path) -> None:
    expense = create(api)
    upload(api, expense["id"])
    assert api.delete(f"{BASE}/{expense['id']}").status_code == 200
    assert receipt_files(tmp_path, tenant.org_id, expense["id"]) == []


class RacingStore(RecordingStore):
    """The real store, where another writer changes the expense just before the next ``races`` transactions
    commit (``delete``: removes it instead)."""

    def __init__(self, inner: Store, pk: str, sk: str, races: int = 1, delete: bool = False) -> None:
        super().__init__(inner)
        self.key = (pk, sk)
        self.races = races
        self.delete = delete

    def transact(self, operations: Sequence[Operation]) -> None:
        if self.races > 0:
            self.races -= 1
            item: Item | None = self.inner.get(*self.key)
            assert item is not None
            if self.delete:
                self.inner.delete(*self.key)
            else:
                self.inner.put({**item, "version": item["version"] + 1, "description": "changed meanwhile"})
        self.inner.transact(operations)


def test_an_upload_racing_another_change_is_applied_to_the_expense_as_it_now_is(api: LocalClient, deps: Deps,
                                                                                tenant: Tenant,
                                                                                tmp_path: Path) -> None:
    expense = create(api)
    upload(api, expense["id"], PNG)
    racing = RacingStore(deps.store, f"ORG#{tenant.org_id}", f"EXPENSE#{expense['id']}")
    with using(dataclasses.replace(deps, store=racing)):
        response = upload(api, expense["id"], PDF, "application/pdf")
    assert response.status_code == 200, response.text
    assert download(api, expense["id"], "application/pdf").body == PDF
    assert api.get(f"{BASE}/{expense['id']}").json()["data"]["description"] == "changed meanwhile"  # not lost
    [only] = receipt_files(tmp_path, tenant.org_id, expense["id"])
    assert only.read_bytes() == PDF


def test_an_upload_whose_expense_is_deleted_meanwhile_drops_its_own_file(api: LocalClient, deps: Deps,
                                                                         tenant: Tenant, tmp_path: Path) -> None:
    expense = create(api)
    upload(api, expense["id"], PNG)
    racing = RacingStore(deps.store, f"ORG#{tenant.org_id}", f"EXPENSE#{expense['id']}", delete=True)
    with using(dataclasses.replace(deps, store=racing)):
        response = upload(api, expense["id"], PDF, "application/pdf")
    assert response.status_code == 404 and response.json()["error"] == "expense_not_found"
    assert [f.read_bytes() for f in receipt_files(tmp_path, tenant.org_id, expense["id"])] == [PNG]


def test_receipts_round_trip_through_s3(api: LocalClient, deps: Deps, tenant: Tenant) -> None:
    with mock_aws():
        s3 = boto3.client("s3", region_name="eu-west-3")
        bucket = f"cp-{uuid.uuid4().hex[:10]}"
        s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": "eu-west-3"})
        with using(dataclasses.replace(deps, blobs=S3BlobStore(s3, bucket))):
            expense = create(api)
            assert upload(api, expense["id"], PDF, "application/pdf").status_code == 200
            [stored] = s3.list_objects_v2(Bucket=bucket)["Contents"]
            assert stored["Key"].startswith(f"org/{tenant.org_id}/expenses/{expense['id']}/receipt/")
            head = s3.head_object(Bucket=bucket, Key=stored["Key"])
            assert head["ContentType"] == "application/pdf" and head["ContentLength"] == len(PDF)
            assert download(api, expense["id"], "application/pdf").body == PDF
            assert upload(api, expense["id"], JPEG, "image/jpeg").status_code == 200
            [replaced] = s3.list_objects_v2(Bucket=bucket)["Contents"]
            assert replaced["Key"] != stored["Key"]
            assert api.delete(f"{BASE}/{expense['id']}").status_code == 200
            assert s3.list_objects_v2(Bucket=bucket).get("Contents", []) == []


# --- the Lambda proxy path -------------------------------------------------------------------------------------------

_BINARY_TYPES = build_app("probe", []).api.binary_types


def _lambda_case(content_type: str) -> Any:
    # API Gateway passes receipts as bytes only for the app's binary types.
    assert content_type in _BINARY_TYPES, f"{content_type} must be a binary type (chalicelib/api/apps.py)"
    return content_type


def _proxy_event(method: str, expense_id: str, key: str, content_type: str, data: bytes | None) -> dict[str, Any]:
    """The API Gateway (REST, v1) proxy event for the receipt route, encoded the way API Gateway encodes it."""
    headers = {"X-API-Key": key, "Accept": content_type}
    binary = data is not None and content_type in _BINARY_TYPES
    if data is not None:
        headers["Content-Type"] = content_type
    path = f"{BASE}/{expense_id}/receipt"
    resource = BASE + "/{expense_id}/receipt"
    body = None if data is None else base64.b64encode(data).decode() if binary else data.decode("utf-8", "replace")
    return {"resource": resource, "path": path, "httpMethod": method, "headers": headers,
            "multiValueHeaders": {k: [v] for k, v in headers.items()}, "queryStringParameters": None,
            "multiValueQueryStringParameters": None, "pathParameters": {"expense_id": expense_id},
            "stageVariables": None, "body": body, "isBase64Encoded": binary,
            "requestContext": {"resourcePath": resource, "httpMethod": method, "path": f"/dev{path}",
                               "requestId": str(uuid.uuid4()), "identity": {"sourceIp": "203.0.113.7"},
                               "stage": "dev"}}


@pytest.mark.parametrize("content_type", [_lambda_case(t) for t in sorted(FILES)])
def test_receipts_survive_the_lambda_proxy_path(api: LocalClient, tenant: Tenant, content_type: str) -> None:
    from functions.expenses import app

    expense = create(api)
    put = app(_proxy_event("PUT", expense["id"], tenant.key, content_type, FILES[content_type]), None)
    assert put["statusCode"] == 200, put["body"]
    got = json.loads(json.dumps(app(_proxy_event("GET", expense["id"], tenant.key, content_type, None), None)))
    assert got["statusCode"] == 200 and got["isBase64Encoded"]
    assert base64.b64decode(got["body"]) == FILES[content_type]


# --- events ----------------------------------------------------------------------------------------------------------


def test_every_change_records_an_event_in_the_outbox(api: LocalClient, deps: Deps, tenant: Tenant) -> None:
    expense = create(api)
    upload(api, expense["id"])
    api.patch(f"{BASE}/{expense['id']}", json={"supplier": "Fnac"})
    api.delete(f"{BASE}/{expense['id']}/receipt")
    api.delete(f"{BASE}/{expense['id']}")
    events = events_of(deps.store, tenant.org_id, "expense", expense["id"])
    assert [e.type for e in events] == ["expense.created", "expense.receipt_attached", "expense.updated",
                                        "expense.updated", "expense.deleted"]
    assert events[0].payload["amount"] == "12.00"
    assert events[1].payload["receipt"]["content_type"] == "image/png"
    assert events[2].payload["changed"] == ["supplier"] and events[3].payload["changed"] == ["receipt"]


def test_a_refused_write_records_no_event(api: LocalClient, deps: Deps, tenant: Tenant) -> None:
    before = len(list_events(deps.store, tenant.org_id)[0])
    api.post(BASE, json={"expense_date": "2026-03-01", "amount": "10", "amount_ht": "9", "tax_amount": "2"})
    expense = create(api)
    upload(api, expense["id"], b"", "image/png")
    assert len(list_events(deps.store, tenant.org_id)[0]) == before + 1

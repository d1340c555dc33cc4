"""``/api/v1/clients`` end to end through the real app, on both storage backends."""

from __future__ import annotations

import pytest

from chalicelib.api.local import LocalClient
from chalicelib.core.clock import FixedClock
from chalicelib.store.deps import Deps
from chalicelib.webhooks.outbox import events_of, list_events
from tests.conftest import unique
from tests.integration.conftest import Tenant

ALPHA = {"company_name": "Société Alpha", "contact_name": "Élodie Martin", "email": "contact@alpha.fr",
         "city": "Paris", "postal_code": "75001", "country": "FR", "vat_number": "FR40303265045",
         "phone": "+33 1 23 45 67 89"}


def create(api: LocalClient, **fields: object) -> dict:  # type: ignore[type-arg]
    response = api.post("/api/v1/clients", json={"company_name": unique("Client"), **fields})
    assert response.status_code == 201, response.text
    return response.json()["data"]  # type: ignore[no-any-return]


def test_create_returns_201_with_the_stored_client(api: LocalClient) -> None:
    response = api.post("/api/v1/clients", json=ALPHA)
    assert response.status_code == 201
    data = response.json()["data"]
    assert data["company_name"] == "Société Alpha"
    assert data["email"] == "contact@alpha.fr"
    assert data["vat_number"] == "FR40303265045"
    assert data["preferred_currency"] == "EUR"
    assert data["notes"] is None
    assert data["id"] and data["created_at"].endswith("Z")
    assert api.get(f"/api/v1/clients/{data['id']}").json()["data"] == data


def test_missing_company_name_is_422_naming_the_field(api: LocalClient) -> None:
    response = api.post("/api/v1/clients", json={"email": "a@b.fr"})
    assert response.status_code == 422
    body = response.json()
    assert body["error"] == "validation_error"
    assert "company_name" in body["details"]


@pytest.mark.parametrize(("field", "value"), [
    ("email", "not-an-email"),
    ("vat_number", "FR00000000000"),
    ("vat_number", "BE0123456789"),
    ("iban", "FR7630006000011234567890188"),
    ("phone", "call me maybe"),
    ("preferred_currency", "euro"),
    ("payment_terms", -1),
    ("payment_terms", True),
    ("payment_terms", "30"),
    ("company_name", ""),
    ("company_name", "x" * 201),
])
def test_invalid_field_is_422_naming_that_field(api: LocalClient, field: str, value: object) -> None:
    response = api.post("/api/v1/clients", json={"company_name": "Valid", field: value})
    assert response.status_code == 422, response.text
    assert field in response.json()["details"]


def test_unknown_fields_are_refused_not_stored(api: LocalClient) -> None:
    response = api.post("/api/v1/clients", json={"company_name": "X", "org_id_hack": "other", "is_admin": True})
    assert response.status_code == 422
    assert set(response.json()["details"]) == {"org_id_hack", "is_admin"}
    assert api.get("/api/v1/clients").json()["meta"]["total"] == 0


def test_client_cannot_choose_its_id_or_timestamps(api: LocalClient) -> None:
    data = create(api, id="00000000-0000-4000-8000-000000000000", created_at="2000-01-01T00:00:00Z")
    assert data["id"] != "00000000-0000-4000-8000-000000000000"
    assert not data["created_at"].startswith("2000")


def test_blank_optional_fields_are_stored_as_null(api: LocalClient) -> None:
    data = create(api, email="", contact_name="   ", vat_number="")
    assert data["email"] is None and data["contact_name"] is None and data["vat_number"] is None


def test_vat_number_is_stored_compact(api: LocalClient) -> None:
    assert create(api, vat_number="fr 40 303 265 045")["vat_number"] == "FR40303265045"


def test_body_that_is_not_json_is_400(api: LocalClient) -> None:
    response = api.request("POST", "/api/v1/clients", body="{not json",
                           headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_json"


@pytest.mark.parametrize("payload", ["[1, 2]", "\"text\"", "42", "null"])
def test_body_that_is_not_an_object_is_422(api: LocalClient, payload: str) -> None:
    response = api.request("POST", "/api/v1/clients", body=payload, headers={"Content-Type": "application/json"})
    assert response.status_code == 422


def test_form_encoded_body_is_415(api: LocalClient) -> None:
    response = api.request("POST", "/api/v1/clients", body="company_name=x",
                           headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert response.status_code == 415
    assert response.json()["error"] == "unsupported_media_type"


def test_patch_changes_only_the_fields_sent(api: LocalClient) -> None:
    data = create(api, email="old@x.fr", city="Lyon")
    response = api.patch(f"/api/v1/clients/{data['id']}", json={"email": "new@x.fr"})
    assert response.status_code == 200
    patched = response.json()["data"]
    assert patched["email"] == "new@x.fr"
    assert patched["city"] == "Lyon"
    assert patched["company_name"] == data["company_name"]


def test_patch_with_null_clears_an_optional_field_but_not_the_name(api: LocalClient) -> None:
    data = create(api, city="Lyon")
    assert api.patch(f"/api/v1/clients/{data['id']}", json={"city": None}).json()["data"]["city"] is None
    response = api.patch(f"/api/v1/clients/{data['id']}", json={"company_name": None})
    assert response.status_code == 422
    assert "cannot be cleared" in response.json()["message"]


def test_put_replaces_every_field(api: LocalClient) -> None:
    data = create(api, city="Lyon", email="a@b.fr")
    response = api.put(f"/api/v1/clients/{data['id']}", json={"company_name": "Renamed"})
    assert response.status_code == 200
    replaced = response.json()["data"]
    assert replaced["company_name"] == "Renamed"
    assert replaced["city"] is None and replaced["email"] is None
    assert replaced["created_at"] == data["created_at"]


def test_put_accepts_the_read_only_fields_a_get_returned(api: LocalClient) -> None:
    data = create(api, city="Lyon")
    response = api.put(f"/api/v1/clients/{data['id']}", json={**data, "city": "Nantes"})
    assert response.status_code == 200
    assert response.json()["data"]["city"] == "Nantes"
    assert response.json()["data"]["id"] == data["id"]


def test_put_without_company_name_is_422_and_changes_nothing(api: LocalClient) -> None:
    data = create(api, city="Lyon")
    assert api.put(f"/api/v1/clients/{data['id']}", json={"city": "Nice"}).status_code == 422
    assert api.get(f"/api/v1/clients/{data['id']}").json()["data"]["city"] == "Lyon"


def test_delete_answers_success_and_the_client_is_gone(api: LocalClient) -> None:
    data = create(api)
    response = api.delete(f"/api/v1/clients/{data['id']}")
    assert response.status_code == 200
    assert response.json() == {"success": True}
    assert api.get(f"/api/v1/clients/{data['id']}").status_code == 404
    assert api.delete(f"/api/v1/clients/{data['id']}").status_code == 404


def test_delete_is_refused_while_documents_refer_to_the_client(api: LocalClient, deps: Deps,
                                                                tenant: Tenant) -> None:
    from chalicelib.billing.clients.repository import refs_sk

    data = create(api)
    deps.store.increment(f"ORG#{tenant.org_id}", refs_sk(data["id"]), "count", 1)
    response = api.delete(f"/api/v1/clients/{data['id']}")
    assert response.status_code == 409
    assert response.json()["error"] == "client_has_documents"
    assert api.get(f"/api/v1/clients/{data['id']}").status_code == 200
    assert api.get("/api/v1/clients").json()["meta"]["total"] == 1


@pytest.mark.parametrize("client_id", ["not-a-uuid", "00000000-0000-4000-8000-000000000000"])
def test_unknown_or_malformed_id_is_404(api: LocalClient, client_id: str) -> None:
    for method in ("GET", "PATCH", "PUT", "DELETE"):
        response = api.request(method, f"/api/v1/clients/{client_id}", json_body={"company_name": "x"})
        assert response.status_code == 404, (method, response.text)
        assert response.json()["error"] == "client_not_found"


def test_list_envelope_counts_from_the_counter(api: LocalClient) -> None:
    for _ in range(3):
        create(api)
    body = api.get("/api/v1/clients?page=1&limit=2").json()
    assert len(body["data"]) == 2
    assert body["meta"] == {"page": 1, "limit": 2, "total": 3, "next_cursor": body["meta"]["next_cursor"]}
    assert body["meta"]["next_cursor"]
    second = api.get("/api/v1/clients?page=2&limit=2").json()
    assert len(second["data"]) == 1
    assert {c["id"] for c in body["data"]}.isdisjoint({c["id"] for c in second["data"]})


def test_list_is_newest_first_by_default_and_sortable_by_name(api: LocalClient, clock: FixedClock) -> None:
    names = ["Charlie", "alpha", "Bravo"]
    for name in names:
        create(api, company_name=name)
        clock.advance(1)
    newest = [c["company_name"] for c in api.get("/api/v1/clients").json()["data"]]
    assert newest == list(reversed(names))
    by_name = [c["company_name"] for c in api.get("/api/v1/clients?sort=company_name").json()["data"]]
    assert by_name == ["alpha", "Bravo", "Charlie"]
    by_name_desc = [c["company_name"] for c in api.get("/api/v1/clients?sort=-company_name").json()["data"]]
    assert by_name_desc == ["Charlie", "Bravo", "alpha"]


def test_cursor_walk_visits_every_client_once(api: LocalClient, clock: FixedClock) -> None:
    ids = set()
    for _ in range(7):
        ids.add(create(api)["id"])
        clock.advance(1)
    seen: list[str] = []
    cursor = None
    while True:
        query = "?limit=3" + (f"&cursor={cursor}" if cursor else "")
        body = api.get(f"/api/v1/clients{query}").json()
        seen += [c["id"] for c in body["data"]]
        cursor = body["meta"]["next_cursor"]
        if not cursor:
            break
    assert len(seen) == 7 and set(seen) == ids


def test_page_past_the_end_is_empty_not_an_error(api: LocalClient) -> None:
    create(api)
    body = api.get("/api/v1/clients?page=9&limit=10").json()
    assert body["data"] == [] and body["meta"]["total"] == 1 and body["meta"]["next_cursor"] is None


@pytest.mark.parametrize("query", ["limit=0", "limit=101", "page=0", "page=abc", "sort=name", "cursor=%%%"])
def test_bad_list_parameters_are_4xx_naming_the_parameter(api: LocalClient, query: str) -> None:
    response = api.get(f"/api/v1/clients?{query}")
    assert response.status_code in (400, 422), response.text
    if response.status_code == 422:
        assert query.split("=")[0] in response.json()["details"]


def test_search_ignores_accents_and_case_over_name_contact_and_email(api: LocalClient) -> None:
    alpha = create(api, **{k: v for k, v in ALPHA.items() if k != "company_name"}, company_name="Société Alpha")
    create(api, company_name="Beta SPRL", email="info@beta.be", contact_name="Jean Dupont")
    for term in ("societe", "SOCIÉTÉ ALPHA", "elodie", "contact@alpha.fr", "ALPHA.FR"):
        body = api.get("/api/v1/clients", params={"search": term}).json()
        assert [c["id"] for c in body["data"]] == [alpha["id"]], term
        assert body["meta"]["total"] == 1
    assert api.get("/api/v1/clients", params={"search": "zzz"}).json()["data"] == []


def test_search_with_punctuation_is_safe(api: LocalClient) -> None:
    create(api, company_name="A, (B) & C")
    body = api.get("/api/v1/clients", params={"search": ", (b) &"}).json()
    assert body["meta"]["total"] == 1


def test_search_paginates_its_matches(api: LocalClient) -> None:
    for i in range(5):
        create(api, company_name=f"Match {i}")
    create(api, company_name="Other")
    first = api.get("/api/v1/clients", params={"search": "match", "limit": 2}).json()
    assert first["meta"]["total"] == 5 and len(first["data"]) == 2
    rest = api.get("/api/v1/clients", params={"search": "match", "limit": 10,
                                              "cursor": first["meta"]["next_cursor"]}).json()
    assert len(rest["data"]) == 3


def test_every_change_records_an_event_in_the_outbox(api: LocalClient, deps: Deps, tenant: Tenant) -> None:
    data = create(api)
    api.patch(f"/api/v1/clients/{data['id']}", json={"city": "Gent"})
    api.delete(f"/api/v1/clients/{data['id']}")
    types = [e.type for e in events_of(deps.store, tenant.org_id, "client", data["id"])]
    assert types == ["customer.created", "customer.updated", "customer.deleted"]
    all_types = [e.type for e in list_events(deps.store, tenant.org_id)[0]]
    assert "organization.created" in all_types


def test_a_refused_write_records_no_event(api: LocalClient, deps: Deps, tenant: Tenant) -> None:
    before = len(list_events(deps.store, tenant.org_id)[0])
    api.post("/api/v1/clients", json={"email": "bad"})
    assert len(list_events(deps.store, tenant.org_id)[0]) == before

"""``/api/v1/company`` end to end through the real app, on both storage backends."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from chalicelib.api.local import LocalClient
from chalicelib.auth.repository import get_organization
from chalicelib.company.service import get_company
from chalicelib.store.deps import Deps
from chalicelib.webhooks.outbox import events_of
from tests.integration.conftest import Tenant

BASE = "/api/v1/company"
ACME = {"legal_name": "ACME Vins SAS", "trade_name": "ACME", "legal_form": "SAS", "siren": "732 829 320",
        "siret": "732 829 320 00074", "vat_number": "FR 44 732829320", "address_line1": "12 rue des Chais",
        "postal_code": "33000", "city": "Bordeaux", "country": "FR", "currency": "EUR",
        "iban": "FR76 3000 6000 0112 3456 7890 189", "bic": "bnpafrpp", "email": "Compta@ACME.fr",
        "phone": "+33 5 56 00 00 00", "website": "https://acme.example.fr", "fiscal_year_start": "07-01"}


def replace(api: LocalClient, **fields: Any) -> dict[str, Any]:
    response = api.put(BASE, json=fields)
    assert response.status_code == 200, response.text
    return response.json()["data"]


def current(api: LocalClient) -> dict[str, Any]:
    response = api.get(BASE)
    assert response.status_code == 200, response.text
    return response.json()["data"]


def book_an_entry(deps: Deps, org_id: str) -> None:
    deps.store.put({"pk": f"ORG#{org_id}#LEDGERHEADS", "sk": "2026-01-01", "entity": "ledger_head"})


def test_never_set_profile_is_the_default_built_from_the_organization(api: LocalClient, tenant: Tenant) -> None:
    data = current(api)
    assert data["legal_name"] == tenant.boot.organization.name
    assert data["currency"] == "EUR" and data["country"] == "FR"
    assert data["fiscal_year_start"] == "01-01" and data["accounting_country"] == "FR"
    assert data["version"] == 0 and data["updated_at"] is None
    assert data["siren"] is None and data["iban"] is None and data["vat_number"] is None


def test_put_then_get_round_trip_with_compact_identifiers(api: LocalClient) -> None:
    data = replace(api, **ACME)
    assert data["siren"] == "732829320" and data["siret"] == "73282932000074"
    assert data["vat_number"] == "FR44732829320"
    assert data["iban"] == "FR7630006000011234567890189" and data["bic"] == "BNPAFRPP"
    assert data["email"] == "Compta@acme.fr" and data["fiscal_year_start"] == "07-01"
    assert data["accounting_country"] == "FR" and data["version"] == 1 and data["updated_at"].endswith("Z")
    assert current(api) == data


def test_put_replaces_every_field_and_accepts_what_get_returned(api: LocalClient) -> None:
    replace(api, **ACME)
    again = replace(api, **current(api))  # read-only fields sent back unchanged are tolerated
    assert again["version"] == 2 and again["siren"] == "732829320"
    data = replace(api, legal_name="ACME Vins SAS")
    assert data["siren"] is None and data["iban"] is None and data["fiscal_year_start"] == "01-01"
    assert data["currency"] == "EUR" and data["version"] == 3


@pytest.mark.parametrize(("field", "fields"), [
    ("legal_name", {"legal_name": ""}),
    ("siren", {"siren": "732829321"}),
    ("siret", {"siret": "73282932000075"}),
    ("siret", {"siren": "732829320", "siret": "40483304800022"}),
    ("vat_number", {"siren": "732829320", "vat_number": "FR45732829320"}),
    ("vat_number", {"siren": "732829320", "vat_number": "FR40303265045"}),
    ("vat_number", {"country": "DE", "vat_number": "123456789"}),
    ("iban", {"iban": "FR7630006000011234567890188"}),
    ("bic", {"bic": "BNPAXXPP"}),
    ("national_id", {"country": "BE", "national_id": "0403.170.702"}),
    ("currency", {"currency": "EURO"}),
    ("currency", {"currency": "ABC"}),
    ("fiscal_year_start", {"fiscal_year_start": "02-29"}),
    ("fiscal_year_start", {"fiscal_year_start": "13-01"}),
    ("country", {"country": "ZZ"}),
    ("accounting_country", {"accounting_country": "DE"}),
    ("email", {"email": "compta@"}),
])
def test_each_invalid_field_is_a_422_naming_it(api: LocalClient, field: str, fields: dict[str, Any]) -> None:
    response = api.put(BASE, json={"legal_name": "ACME", **fields})
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["error"] == "validation_error"
    assert list(body["details"]) == [field], body
    assert body["details"][field][0]


def test_rules_are_named_in_the_messages(api: LocalClient) -> None:
    siret = api.put(BASE, json={"legal_name": "X", "siren": "732829320", "siret": "40483304800022"}).json()
    assert "must start with the SIREN 732829320" in siret["details"]["siret"][0]
    vat = api.put(BASE, json={"legal_name": "X", "siren": "732829320", "vat_number": "FR40303265045"}).json()
    assert "FR44732829320" in vat["details"]["vat_number"][0]
    luhn = api.put(BASE, json={"legal_name": "X", "siren": "732829321"}).json()
    assert "Luhn" in luhn["details"]["siren"][0]


def test_belgian_and_ohada_companies(api: LocalClient) -> None:
    be = replace(api, legal_name="Brasserie SA", country="BE", national_id="0403.170.701",
                 vat_number="BE 0403.170.701")
    assert be["national_id"] == "0403170701" and be["vat_number"] == "BE0403170701"
    assert be["accounting_country"] == "BE"
    sn = replace(api, legal_name="Dakar SARL", country="sn", currency="xof", national_id="SN-DKR-2020-B-1234",
                 vat_number="NINEA 0012345 2G3")
    assert sn["country"] == "SN" and sn["currency"] == "XOF" and sn["accounting_country"] == "OHADA"
    assert sn["vat_number"] == "NINEA 0012345 2G3"


def test_put_makes_its_currency_the_organizations(api: LocalClient, deps: Deps, tenant: Tenant) -> None:
    before = get_organization(deps.store, tenant.org_id)
    assert before is not None and before.currency == "EUR"
    replace(api, legal_name="Dakar SARL", country="SN", currency="XOF")
    org = get_organization(deps.store, tenant.org_id)
    assert org is not None and org.currency == "XOF" and org.version == before.version + 1
    assert org.name == before.name
    # a currency left out stays the organization's
    assert replace(api, legal_name="Dakar SARL", country="SN")["currency"] == "XOF"
    assert get_company(deps, tenant.org_id).currency == "XOF"


def test_frozen_settings_are_refused_once_the_books_hold_entries(api: LocalClient, deps: Deps,
                                                                  tenant: Tenant) -> None:
    replace(api, **ACME)
    book_an_entry(deps, tenant.org_id)
    response = api.put(BASE, json={**ACME, "currency": "USD", "fiscal_year_start": "01-01",
                                   "accounting_country": "BE"})
    assert response.status_code == 409, response.text
    body = response.json()
    assert body["error"] == "books_in_use"
    assert set(body["details"]) == {"currency", "fiscal_year_start", "accounting_country"}
    one = api.put(BASE, json={**ACME, "fiscal_year_start": "04-01"}).json()
    assert one["error"] == "books_in_use" and list(one["details"]) == ["fiscal_year_start"]
    # other fields still change
    data = replace(api, **{**ACME, "city": "Libourne", "iban": None, "trade_name": "ACME Libourne"})
    assert (data["city"], data["iban"], data["trade_name"]) == ("Libourne", None, "ACME Libourne")
    org = get_organization(deps.store, tenant.org_id)
    assert org is not None and org.currency == "EUR"


def test_a_default_profile_is_frozen_too_once_booked(api: LocalClient, deps: Deps, tenant: Tenant) -> None:
    book_an_entry(deps, tenant.org_id)
    assert replace(api, legal_name="Booked SAS", siren="732829320")["version"] == 1
    response = api.put(BASE, json={"legal_name": "Booked SAS", "currency": "XOF"})
    assert response.status_code == 409 and list(response.json()["details"]) == ["currency"]


def test_a_failed_put_leaves_the_previous_profile_and_organization(api: LocalClient, deps: Deps,
                                                                   tenant: Tenant) -> None:
    before = replace(api, **ACME)
    org_before = get_organization(deps.store, tenant.org_id)
    assert api.put(BASE, json={**ACME, "currency": "USD", "iban": "FR7630006000011234567890188"}).status_code == 422
    book_an_entry(deps, tenant.org_id)
    assert api.put(BASE, json={**ACME, "currency": "USD", "city": "Paris"}).status_code == 409
    assert current(api) == before
    assert get_organization(deps.store, tenant.org_id) == org_before
    assert [e.type for e in events_of(deps.store, tenant.org_id, "company", tenant.org_id)] == ["company.updated"]


def test_each_change_records_a_company_updated_event(api: LocalClient, deps: Deps, tenant: Tenant) -> None:
    replace(api, **ACME)
    replace(api, **{**ACME, "city": "Libourne"})
    events = events_of(deps.store, tenant.org_id, "company", tenant.org_id)
    assert [e.type for e in events] == ["company.updated", "company.updated"]
    assert events[1].payload["city"] == "Libourne" and events[1].payload["changed"] == ["city"]
    assert "legal_name" in events[0].payload["changed"] and "currency" not in events[0].payload["changed"]


def test_another_tenant_sees_its_own_default(tenant: Tenant, other_tenant: Tenant) -> None:
    replace(tenant.client, **ACME)
    theirs = current(other_tenant.client)
    assert theirs["legal_name"] == other_tenant.boot.organization.name and theirs["version"] == 0
    assert theirs["siren"] is None


def test_concurrent_replacements_all_apply_one_after_the_other(api: LocalClient, deps: Deps,
                                                               tenant: Tenant) -> None:
    statuses: list[int] = []

    def worker(n: int) -> None:
        statuses.append(api.put(BASE, json={**ACME, "city": f"City {n}"}).status_code)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert statuses == [200] * 4
    assert current(api)["version"] == 4
    assert len(events_of(deps.store, tenant.org_id, "company", tenant.org_id)) == 4


MENTIONS = {"late_payment_penalty": "Pénalités : trois fois le taux d'intérêt légal.", "recovery_indemnity": "60.00",
            "early_payment_discount": "Escompte de 1 % pour paiement à 8 jours.", "vat_exempt": True,
            "vat_exemption_text": "TVA non applicable - article 293 B du CGI"}


def test_legal_mentions_round_trip_and_fall_back_to_their_defaults(api: LocalClient) -> None:
    default = current(api)
    assert default["recovery_indemnity"] == 40 and default["vat_exempt"] is False
    assert default["early_payment_discount"] == "Pas d'escompte pour paiement anticipé."
    data = replace(api, **ACME, **MENTIONS)
    assert {name: data[name] for name in MENTIONS} == {**MENTIONS, "recovery_indemnity": 60}
    assert current(api) == data
    again = replace(api, **ACME)  # left out: the usual wording again, as every other field
    assert again["vat_exempt"] is False and again["recovery_indemnity"] == 40
    assert again["vat_exemption_text"] == "TVA non applicable, art. 293 B du CGI"


def test_recovery_indemnity_under_40_euros_is_a_422(api: LocalClient) -> None:
    response = api.put(BASE, json={"legal_name": "ACME", "recovery_indemnity": "30"})
    assert response.status_code == 422 and list(response.json()["details"]) == ["recovery_indemnity"]


def test_a_profile_stored_before_the_legal_mentions_still_loads(api: LocalClient, deps: Deps,
                                                                tenant: Tenant) -> None:
    replace(api, **ACME)
    stored = deps.store.get(f"ORG#{tenant.org_id}", "COMPANY")
    assert stored is not None
    old = {name: value for name, value in stored.items() if name not in MENTIONS}
    deps.store.put(old)
    data = current(api)
    assert data["siren"] == "732829320" and data["version"] == 1
    assert data["recovery_indemnity"] == 40 and data["vat_exempt"] is False
    assert data["late_payment_penalty"].startswith("En cas de retard de paiement")
    assert replace(api, **{**data, "vat_exempt": True})["version"] == 2  # and it is written back whole


def test_patch_changes_only_the_fields_sent_and_checks_the_whole_profile(api: LocalClient) -> None:
    assert api.put(BASE, json=ACME).status_code == 200
    patched = api.patch(BASE, json={"city": "Lyon", "trade_name": None})
    assert patched.status_code == 200, patched.text
    profile = patched.json()["data"]
    assert (profile["city"], profile["trade_name"], profile["siren"]) == ("Lyon", None, "732829320")
    assert profile == api.get(BASE).json()["data"]
    refused = api.patch(BASE, json={"siret": "73282932000074", "siren": "552100554"})
    assert refused.status_code == 422 and "siret" in refused.json()["details"]
    assert api.patch(BASE, json={"legal_name": None}).status_code == 422
    assert api.get(BASE).json()["data"]["siren"] == "732829320"

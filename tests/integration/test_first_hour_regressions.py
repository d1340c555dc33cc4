"""Defects a new user met in the first hour, each pinned by the behaviour that replaced it: rates written as
accountants write them, bounded dates, HEAD and wrong methods, products of other organizations, input rules,
and concurrent writers of one organization."""

from __future__ import annotations

import json
import threading
from typing import Any

import pytest

from chalicelib.api.local import LocalClient
from tests.conftest import unique
from tests.integration.billing_helpers import new_client
from tests.integration.conftest import Tenant

COMPANY = {"legal_name": "Atelier Éléonore SARL", "siren": "732829320", "vat_number": "FR44732829320",
           "address_line1": "12 rue de l'Église", "postal_code": "75011", "city": "Paris", "country": "FR"}


def books(api: LocalClient) -> str:
    assert api.put("/api/v1/company", json=COMPANY).status_code == 200
    assert api.post("/api/v1/accounting/init", json={"country": "FR"}).status_code == 201
    return new_client(api, company_name="Client Taux")


def issue_with_rates(api: LocalClient, client_id: str, *rates: str) -> dict[str, Any]:
    items = [{"description": f"Ligne {rate}", "quantity": 1, "unit_price": "100.00", "tax_rate": rate}
             for rate in rates]
    response = api.post("/api/v1/invoices", json={"client_id": client_id, "date": "2026-03-02", "status": "sent",
                                                  "items": items})
    assert response.status_code == 201, response.text
    return response.json()["data"]  # type: ignore[no-any-return]


# --- rates in labels --------------------------------------------------------------------------------------------


def test_vat_lines_of_the_journal_fec_and_saft_write_rates_as_accountants_do(api: LocalClient) -> None:
    issue_with_rates(api, books(api), "20", "10", "5.5")
    labels = {line["description"] for line in api.get("/api/v1/accounting/entries",
                                                      params={"limit": 100}).json()["data"]}
    vat_labels = sorted(label for label in labels if label.startswith("TVA"))
    assert [label.split(" Facture")[0] for label in vat_labels] == ["TVA 10 %", "TVA 20 %", "TVA 5,5 %"]
    fec = api.get("/api/v1/exports/fec", params={"fiscal_year": 2026}).text
    saft = api.get("/api/v1/exports/saft", params={"start_date": "2026-01-01", "end_date": "2026-12-31"}).text
    for text in (fec, saft):
        assert "E+" not in text
        assert "TVA 20 %" in text and "TVA 5,5 %" in text
    assert "TVA collectée 20 %" in saft and "TVA collectée 5,5 %" in saft


# --- bounded dates ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("path", "params", "field"), [
    ("/api/v1/exports/saft", {"start_date": "0001-01-01", "end_date": "2000-01-01"}, "start_date"),
    ("/api/v1/accounting/trial-balance", {"date": "0001-01-01"}, "date"),
    ("/api/v1/accounting/trial-balance", {"start_date": "0001-01-01"}, "start_date"),
    ("/api/v1/accounting/tax-summary", {"start_date": "0001-01-01", "end_date": "2000-01-01"}, "start_date"),
    ("/api/v1/accounting/income-statement", {"start_date": "0001-01-01"}, "start_date"),
    ("/api/v1/accounting/balance-sheet", {"date": "9999-12-31"}, "date"),
    ("/api/v1/invoices", {"start_date": "0001-01-01"}, "start_date"),
    ("/api/v1/analytics/kpis", {"month": "0001-01"}, "month"),
])
def test_very_old_or_far_dates_are_refused_naming_the_field_once_books_exist(
        api: LocalClient, path: str, params: dict[str, str], field: str | None) -> None:
    issue_with_rates(api, books(api), "20")
    response = api.get(path, params=params)
    assert response.status_code in (400, 422), response.text
    if field:
        assert field in response.json()["details"], response.text


def test_the_general_ledger_refuses_a_date_before_1900(api: LocalClient) -> None:
    issue_with_rates(api, books(api), "20")
    response = api.get("/api/v1/accounting/ledger/411", params={"start_date": "0001-01-01"})
    assert response.status_code == 422 and "start_date" in response.json()["details"], response.text


@pytest.mark.parametrize("value", ["2026-01-01T00:00:00Z", "2026-01-01T10:00:00", "20260101", "1767225600"])
def test_a_date_field_given_a_date_time_or_a_number_is_refused_not_cut(api: LocalClient, value: str) -> None:
    client_id = new_client(api)
    body = {"client_id": client_id, "date": value, "total_ht": "10.00", "tax_rate": 20, "total_ttc": "12.00"}
    response = api.post("/api/v1/invoices", json=body)
    assert response.status_code == 422 and "date" in response.json()["details"], response.text
    listed = api.get("/api/v1/invoices", params={"start_date": value})
    assert listed.status_code == 422 and "start_date" in listed.json()["details"], listed.text
    assert api.get("/api/v1/invoices").json()["meta"]["total"] == 0


# --- methods ----------------------------------------------------------------------------------------------------


def test_head_answers_like_get_without_a_body(api: LocalClient) -> None:
    new_client(api)
    got = api.get("/api/v1/clients")
    head = api.request("HEAD", "/api/v1/clients")
    assert head.status_code == 200 and head.body == b""
    assert head.headers["Content-Length"] == str(len(got.body))
    assert head.headers["Content-Type"] == got.headers["Content-Type"]
    assert api.request("HEAD", "/api/v1/clients/" + "0" * 8).status_code == 404


def test_head_needs_the_same_key_and_scope_as_get(anonymous: LocalClient, key_with: Any) -> None:
    assert anonymous.request("HEAD", "/api/v1/clients").status_code == 401
    assert key_with("read", "orders").request("HEAD", "/api/v1/clients").status_code == 403


def test_a_wrong_method_with_a_valid_key_counts_on_that_key_not_on_the_anonymous_quota(key_with: Any) -> None:
    api = key_with("all", rate_limit=5, rate_window=3600)
    answers = [api.put("/api/v1/clients", json={}) for _ in range(3)]
    assert [a.status_code for a in answers] == [405, 405, 405]
    assert {a.headers["X-RateLimit-Limit"] for a in answers} == {"5"}
    assert [a.headers["X-RateLimit-Remaining"] for a in answers] == ["4", "3", "2"]
    assert answers[0].json()["error"] == "method_not_allowed" and answers[0].headers["Allow"] == "GET, POST"


# --- products of the organization -------------------------------------------------------------------------------


def product(api: LocalClient) -> str:
    response = api.post("/api/v1/products", json={"product_name": unique("Produit"), "unit_price": "10.00"})
    assert response.status_code == 201, response.text
    return str(response.json()["data"]["id"])


def line_with(product_id: str) -> list[dict[str, Any]]:
    return [{"description": "Ok", "quantity": 1, "unit_price": "10.00", "tax_rate": 20},
            {"description": "Produit", "quantity": 1, "unit_price": "10.00", "tax_rate": 20, "product_id": product_id}]


@pytest.mark.parametrize("kind", ["other_organization", "random_uuid", "not_an_id"])
def test_an_invoice_or_quote_line_refuses_a_product_that_is_not_the_organizations(
        api: LocalClient, other_tenant: Tenant, kind: str) -> None:
    foreign = {"other_organization": product(other_tenant.client),
               "random_uuid": "1b4e28ba-2fa1-11d2-883f-0016d3cca427", "not_an_id": "abc"}[kind]
    client_id = new_client(api)
    for path in ("/api/v1/invoices", "/api/v1/quotes"):
        response = api.post(path, json={"client_id": client_id, "items": line_with(foreign)})
        assert response.status_code == 422, response.text
        assert "items[1].product_id" in response.json()["details"]
    assert api.get("/api/v1/invoices").json()["meta"]["total"] == 0
    assert api.get("/api/v1/quotes").json()["meta"]["total"] == 0


def test_an_invoice_line_takes_a_product_of_the_organization_and_a_patch_rechecks_it(
        api: LocalClient, other_tenant: Tenant) -> None:
    client_id = new_client(api)
    created = api.post("/api/v1/invoices", json={"client_id": client_id, "items": line_with(product(api))})
    assert created.status_code == 201, created.text
    invoice_id = created.json()["data"]["id"]
    patched = api.patch(f"/api/v1/invoices/{invoice_id}", json={"items": line_with(product(other_tenant.client))})
    assert patched.status_code == 422 and "items[1].product_id" in patched.json()["details"]


# --- input rules ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["\u200b", "\u200b\u200d\ufeff", "Alpha\u202eSAS", "\u2066Beta\u2069"])
def test_a_name_of_invisible_characters_or_with_bidi_overrides_is_refused(api: LocalClient, name: str) -> None:
    response = api.post("/api/v1/clients", json={"company_name": name})
    assert response.status_code == 422 and "company_name" in response.json()["details"], response.text
    assert api.get("/api/v1/clients").json()["meta"]["total"] == 0


def test_accents_and_ordinary_unicode_names_are_kept(api: LocalClient) -> None:
    response = api.post("/api/v1/clients", json={"company_name": "Société Générale d'Études – Ñandú 日本"})
    assert response.status_code == 201, response.text


@pytest.mark.parametrize("field", ["organization_id", "org_id", "user_id"])
def test_server_set_fields_are_refused_like_any_unknown_field(api: LocalClient, other_tenant: Tenant,
                                                              field: str) -> None:
    response = api.post("/api/v1/clients", json={"company_name": "Alpha", field: other_tenant.org_id})
    assert response.status_code == 422 and field in response.json()["details"], response.text
    assert api.get("/api/v1/clients").json()["meta"]["total"] == 0


def test_read_only_fields_sent_back_on_put_are_ignored(api: LocalClient) -> None:
    created = api.post("/api/v1/clients", json={"company_name": "Alpha"}).json()["data"]
    replaced = api.put(f"/api/v1/clients/{created['id']}", json={**created, "company_name": "Alpha 2",
                                                                 "id": "x", "created_at": "2000-01-01"})
    assert replaced.status_code == 200 and replaced.json()["data"]["id"] == created["id"]


def test_a_json_body_over_one_megabyte_is_413_before_it_is_parsed(api: LocalClient) -> None:
    big = json.dumps({"company_name": "Alpha", "notes": "x" * (1024 * 1024)})
    response = api.post("/api/v1/clients", body=big, headers={"Content-Type": "application/json"})
    assert response.status_code == 413 and response.json()["error"] == "payload_too_large"
    broken = "{" * (1024 * 1024 + 10)  # would be a JSON error if it were parsed
    assert api.post("/api/v1/clients", body=broken, headers={"Content-Type": "application/json"}).status_code == 413
    assert api.get("/api/v1/clients").json()["meta"]["total"] == 0


# --- concurrent writers -----------------------------------------------------------------------------------------


@pytest.fixture
def backend() -> str:
    """SQLite: the embedded store serialises writers; DynamoDB's retries are covered by the billing suites."""
    return "sqlite"


def test_many_concurrent_writers_of_one_organization_all_succeed_with_gapless_numbers(api: LocalClient) -> None:
    client_id = books(api)
    statuses: list[int] = []
    numbers: list[str] = []
    lock = threading.Lock()

    def issue() -> None:
        for _ in range(2):
            response = api.post("/api/v1/invoices", json={"client_id": client_id, "date": "2026-03-02",
                                                          "status": "sent", "total_ht": "100.00", "tax_rate": 20,
                                                          "total_ttc": "120.00"})
            with lock:
                statuses.append(response.status_code)
                if response.status_code == 201:
                    numbers.append(response.json()["data"]["invoice_number"])

    threads = [threading.Thread(target=issue) for _ in range(40)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert statuses.count(201) == 80, sorted(set(statuses))
    assert sorted(numbers) == [f"INV-2026-{n:04d}" for n in range(1, 81)]
    assert api.get("/api/v1/accounting/verify").json()["data"]["valid"] is True


@pytest.mark.parametrize(("tool", "arguments", "field"), [
    ("get_tax_summary", {"start_date": "0001-01-01", "end_date": "2000-01-01"}, "start_date"),
    ("get_income_statement", {"start_date": "0001-01-01"}, "start_date"),
    ("get_general_ledger", {"account_code": "411", "start_date": "0001-01-01"}, "start_date"),
    ("export_saft", {"start_date": "0001-01-01", "end_date": "2000-01-01"}, "start_date"),
    ("get_trial_balance", {"date": "2026-01-01T00:00:00Z"}, "date"),
])
def test_mcp_tools_refuse_out_of_range_dates_and_date_times_naming_the_field(
        tenant: Tenant, tool: str, arguments: dict[str, Any], field: str) -> None:
    from tests.integration.samples_mcp import Mcp, text_of

    issue_with_rates(tenant.client, books(tenant.client), "20")
    text = text_of(Mcp(tenant.client, toolsets="all").call(tool, arguments))
    assert text.startswith(f"validation_error: {field}: "), text


# --- money with its minor units ---------------------------------------------------------------------------------


def test_amounts_are_written_with_the_currencys_minor_units_in_rest_and_mcp(tenant: Tenant) -> None:
    from tests.integration.samples_mcp import Mcp

    api = tenant.client
    client_id = books(api)
    response = api.post("/api/v1/invoices", json={"client_id": client_id, "date": "2026-03-02", "status": "sent",
                                                  "items": [{"description": "Rond", "quantity": 1, "unit_price": 1350,
                                                             "tax_rate": 20}]})
    assert response.status_code == 201
    kpis = api.get("/api/v1/analytics/kpis", params={"month": "2026-03"}).text
    assert '"revenue_billed_ht":1350.00' in kpis and '"expenses":0.00' in kpis, kpis
    assert '"total_unpaid":1620.00' in api.get("/api/v1/payments/unpaid").text
    rest = api.get("/api/v1/accounting/trial-balance").text
    assert '"total_debit":1620.00' in rest and '"total_credit":1620.00' in rest, rest
    summary = api.get("/api/v1/accounting/tax-summary", params={"start_date": "2026-03-01",
                                                                 "end_date": "2026-03-31"}).text
    assert '"revenue_ht":1350.00' in summary and '"vat_credit":0.00' in summary, summary
    answer = Mcp(tenant.client).rpc("tools/call", {"name": "get_trial_balance", "arguments": {}}).text
    assert '"total_debit":1620.00' in answer.replace(" ", "").replace("\\", ""), answer


def test_amounts_of_a_currency_without_minor_units_are_written_without_decimals(api: LocalClient) -> None:
    client_id = new_client(api, preferred_currency="XOF")
    created = api.post("/api/v1/invoices", json={"client_id": client_id, "status": "sent", "total_ht": 10000,
                                                 "tax_rate": 18, "total_ttc": 11800})
    assert created.status_code == 201, created.text
    assert '"total_ttc":11800,' in created.text and '"balance_due":11800,' in created.text, created.text


@pytest.mark.parametrize("resource", ["clients", "products", "projects"])
def test_concurrent_patches_of_one_record_all_succeed_and_none_is_lost(api: LocalClient, resource: str) -> None:
    body = {"clients": {"company_name": "Alpha"}, "products": {"product_name": "Alpha", "unit_price": "1.00"},
            "projects": {"name": "Alpha"}}[resource]
    created = api.post(f"/api/v1/{resource}", json=body).json()["data"]
    field = "notes" if resource == "clients" else "description"
    statuses: list[int] = []

    def patch(n: int) -> None:
        statuses.append(api.patch(f"/api/v1/{resource}/{created['id']}", json={field: f"change {n}"}).status_code)

    threads = [threading.Thread(target=patch, args=(n,)) for n in range(30)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert statuses == [200] * 30
    assert api.get(f"/api/v1/{resource}/{created['id']}").json()["data"][field] in {f"change {n}" for n in range(30)}


def test_a_restore_reads_a_backup_larger_than_the_ordinary_body_limit(api: LocalClient) -> None:
    padded = json.dumps({"format": "cashpilot-backup", "padding": "x" * (2 * 1024 * 1024)})
    read = api.post("/api/v1/imports/backup", body=padded, headers={"Content-Type": "application/json"})
    assert read.status_code in (400, 409, 422), read.text  # read and judged, not refused for its size
    huge = json.dumps({"format": "cashpilot-backup", "padding": "x" * (7 * 1000 * 1000)})
    refused = api.post("/api/v1/imports/backup", body=huge, headers={"Content-Type": "application/json"})
    assert refused.status_code == 413 and refused.json()["error"] == "payload_too_large"

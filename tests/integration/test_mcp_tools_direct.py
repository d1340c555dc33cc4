"""MCP tools called directly (``spec.fn(Caller(deps, principal), ...)``, without the protocol, after the server's
argument validation): each answers the same JSON as the REST route over the same service, and refuses what the
service refuses."""

from __future__ import annotations

import json
import threading
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from typing import Any

import pytest
from pydantic import BaseModel

from chalicelib.auth.service import authenticate
from chalicelib.billing.invoices.models import LineIn
from chalicelib.core.errors import Conflict, NotFound, ValidationFailed
from chalicelib.core.serialization import dumps
from chalicelib.exports.service import ExportFile
from chalicelib.mcp.registry import Caller, load_all
from chalicelib.mcp.server import checked_arguments
from chalicelib.mcp.tools import exports as export_tools
from chalicelib.store.deps import Deps
from tests.integration.billing_helpers import new_client, new_invoice, pay
from tests.integration.conftest import Tenant

TOOLS = load_all()
COMPANY = {"legal_name": "Atelier Éléonore SARL", "siren": "732829320", "vat_number": "FR44732829320",
           "address_line1": "12 rue de l'Église", "postal_code": "75011", "city": "Paris", "country": "FR",
           "iban": "FR7630006000011234567890189", "bic": "BNPAFRPP"}


@pytest.fixture
def caller(deps: Deps, tenant: Tenant) -> Caller:
    return Caller(deps, authenticate(deps, tenant.key))


def call(caller: Caller, name: str, **arguments: Any) -> Any:
    """The tool's answer as the JSON a client reads (money as exact decimals, like the REST answers). The
    arguments are first validated by the tool's argument model, as the server does before calling the function."""
    spec = TOOLS[name]
    result = spec.fn(caller, **checked_arguments(spec).validate_arguments(arguments))
    assert isinstance(result, BaseModel)
    return json.loads(dumps(result), parse_float=Decimal)


def rest(tenant: Tenant, path: str, **params: Any) -> Any:
    response = tenant.client.get(path, params=params) if params else tenant.client.get(path)
    assert response.status_code == 200, response.text
    return response.json()


def test_invoice_reads_answer_what_the_rest_routes_answer(caller: Caller, tenant: Tenant) -> None:
    # Given a client with a sent invoice and a draft
    client_id = new_client(tenant.client, company_name="Dupont SA")
    sent = new_invoice(tenant.client, client_id, notes="maintenance annuelle")
    new_invoice(tenant.client, client_id, status="draft")
    # When/Then the tools answer the REST data
    assert call(caller, "list_invoices")["invoices"] == rest(tenant, "/api/v1/invoices", limit=50)["data"]
    listed = call(caller, "list_invoices", status="sent", client_id=client_id)
    assert listed["invoices"] == rest(tenant, "/api/v1/invoices", status="sent", client_id=client_id,
                                      limit=50)["data"]
    assert listed["count"] == 1 and listed["next_cursor"] is None
    assert call(caller, "get_invoice", invoice_id=sent["id"]) == rest(tenant, f"/api/v1/invoices/{sent['id']}")["data"]
    found = call(caller, "search_invoices", query="maintenance")
    assert [inv["id"] for inv in found["invoices"]] == [sent["id"]] and found["count"] == 1
    assert call(caller, "get_invoice_stats", months=3) == rest(tenant, "/api/v1/invoices/stats", months=3)["data"]


def test_list_invoices_pages_with_the_cursor_it_answers(caller: Caller, tenant: Tenant) -> None:
    client_id = new_client(tenant.client)
    ids = {new_invoice(tenant.client, client_id)["id"] for _ in range(3)}
    first = call(caller, "list_invoices", limit=2)
    second = call(caller, "list_invoices", limit=2, cursor=first["next_cursor"])
    assert first["total"] == 3 and first["count"] == 2 and second["next_cursor"] is None
    assert {inv["id"] for inv in first["invoices"] + second["invoices"]} == ids


def test_create_invoice_with_lines_computes_the_totals_like_rest(caller: Caller, tenant: Tenant) -> None:
    client_id = new_client(tenant.client)
    lines = [LineIn(description="Audit", quantity=Decimal(2), unit_price=Decimal("450.00")),
             LineIn(description="Livre", quantity=Decimal(1), unit_price=Decimal("30.00"), tax_rate=Decimal("5.5"))]
    created = call(caller, "create_invoice", client_id=client_id, date="2026-03-02", due_date="2026-04-01",
                   items=lines, status="sent")
    assert created["created"] is True
    invoice = created["invoice"]
    assert (invoice["total_ht"], invoice["total_vat"], invoice["total_ttc"]) == (
        Decimal("930.00"), Decimal("181.65"), Decimal("1111.65"))
    assert invoice["invoice_number"].startswith("INV-2026-") and invoice["status"] == "sent"
    detail = rest(tenant, f"/api/v1/invoices/{invoice['id']}")["data"]
    assert invoice == {name: value for name, value in detail.items() if name not in ("client", "payments")}


def test_create_invoice_checks_stated_totals_and_names_the_missing_field(caller: Caller, tenant: Tenant) -> None:
    client_id = new_client(tenant.client)
    with pytest.raises(ValidationFailed) as missing:
        call(caller, "create_invoice", client_id=client_id)
    assert "total_ht" in missing.value.details
    with pytest.raises(ValidationFailed):
        call(caller, "create_invoice", client_id=client_id, total_ht=Decimal("100"), total_ttc=Decimal("150"))
    stated = call(caller, "create_invoice", invoice_number="F-100", client_id=client_id, date="2026-02-08",
                  due_date="2026-03-08", total_ht=Decimal("1000"), total_ttc=Decimal("1200"))
    assert stated["invoice"]["invoice_number"] == "F-100" and stated["invoice"]["tax_rate"] == Decimal("20")


def test_update_invoice_status_enforces_transitions_and_paid_records_a_payment(caller: Caller,
                                                                              tenant: Tenant) -> None:
    invoice = new_invoice(tenant.client)
    updated = call(caller, "update_invoice_status", invoice_id=invoice["id"], status="paid")
    assert updated["updated"] is True and updated["invoice"]["payment_status"] == "paid"
    assert len(call(caller, "list_payments", invoice_id=invoice["id"])["payments"]) == 1
    with pytest.raises(Conflict) as refused:
        call(caller, "update_invoice_status", invoice_id=invoice["id"], status="draft")
    assert refused.value.code == "invalid_status_transition"


def test_client_tools_answer_what_the_rest_routes_answer(caller: Caller, tenant: Tenant) -> None:
    created = call(caller, "create_client", company_name="Société Martin", contact_name="Jean Martin",
                   email="jean@martin.fr", city="Lyon")
    client_id = created["client"]["id"]
    assert created["created"] is True
    invoice = new_invoice(tenant.client, client_id)
    pay(tenant.client, invoice["id"], "200.00")
    assert call(caller, "list_clients", search="martin")["clients"] == rest(
        tenant, "/api/v1/clients", search="martin", limit=50)["data"]
    detail = call(caller, "get_client", client_id=client_id)
    assert detail["client"] == rest(tenant, f"/api/v1/clients/{client_id}")["data"]
    assert [inv["id"] for inv in detail["recent_invoices"]] == [invoice["id"]]
    assert detail["recent_invoices"][0]["balance_due"] == Decimal("1000.00")
    balance = call(caller, "get_client_balance", client_id=client_id)
    assert balance == rest(tenant, f"/api/v1/clients/{client_id}/balance")["data"]
    assert (balance["total_invoiced"], balance["total_paid"], balance["outstanding"]) == (
        Decimal("1200.00"), Decimal("200.00"), Decimal("1000.00"))


def test_payment_tools_answer_what_the_rest_routes_answer(caller: Caller, tenant: Tenant) -> None:
    invoice = new_invoice(tenant.client, due_date="2026-03-05")
    recorded = call(caller, "create_payment", invoice_id=invoice["id"], amount=Decimal("500.00"),
                    payment_date="2026-03-10", reference="VIR-1")
    assert recorded["created"] is True and recorded["invoice_payment_status"] == "partial"
    assert recorded["receipt_number"] == recorded["payment"]["receipt_number"]
    assert call(caller, "list_payments")["payments"] == rest(tenant, "/api/v1/payments", limit=50)["data"]
    unpaid = call(caller, "get_unpaid_invoices", days_overdue=5)
    expected = rest(tenant, "/api/v1/payments/unpaid", days_overdue=5)
    assert unpaid["invoices"] == expected["data"] and unpaid["summary"] == expected["summary"]
    assert unpaid["summary"]["total_unpaid"] == Decimal("700.00")
    summary = call(caller, "get_receivables_summary")
    assert summary == rest(tenant, "/api/v1/payments/receivables")["data"]
    assert call(caller, "get_payment", payment_id=recorded["payment"]["id"]) == rest(
        tenant, f"/api/v1/payments/{recorded['payment']['id']}")["data"]


def test_payment_above_the_balance_is_refused(caller: Caller, tenant: Tenant) -> None:
    invoice = new_invoice(tenant.client)
    with pytest.raises(ValidationFailed):
        call(caller, "create_payment", invoice_id=invoice["id"], amount=Decimal("5000.00"))


def test_analytics_tools_answer_what_the_rest_routes_answer(caller: Caller, tenant: Tenant) -> None:
    invoice = new_invoice(tenant.client)
    pay(tenant.client, invoice["id"], "1200.00")
    assert call(caller, "get_dashboard_kpis") == rest(tenant, "/api/v1/analytics/kpis")["data"]
    assert call(caller, "get_cash_flow", months=3) == rest(tenant, "/api/v1/analytics/cash-flow", months=3)["data"]
    top = call(caller, "get_top_clients", limit=5)
    assert top["top_clients"] == rest(tenant, "/api/v1/analytics/top-clients", limit=5)["data"]


def test_accounting_tools_answer_what_the_rest_routes_answer(caller: Caller, tenant: Tenant) -> None:
    with pytest.raises(NotFound):
        call(caller, "get_trial_balance")
    initialized = call(caller, "init_accounting", country="fr")
    assert initialized["initialized"] is True and initialized["country"] == "FR"
    assert call(caller, "init_accounting", country="FR")["already_initialized"] is True
    invoice = new_invoice(tenant.client)
    pay(tenant.client, invoice["id"], "1200.00")
    chart = call(caller, "get_chart_of_accounts", category="expense")
    assert chart["accounts"] == rest(tenant, "/api/v1/accounting/chart", category="expense")["data"]
    assert chart["count"] == len(chart["accounts"]) > 0
    entries = call(caller, "get_accounting_entries", account_code="411")
    assert entries["entries"] == rest(tenant, "/api/v1/accounting/entries", account_code="411")["data"]
    assert call(caller, "get_trial_balance", date="2026-03-31") == rest(
        tenant, "/api/v1/accounting/trial-balance", date="2026-03-31")["data"]
    tax = call(caller, "get_tax_summary", start_date="2026-01-01", end_date="2026-03-31")
    assert tax == rest(tenant, "/api/v1/accounting/tax-summary", start_date="2026-01-01",
                       end_date="2026-03-31")["data"]
    assert tax["tva_collected"] == tax["output_vat"] == Decimal("200.00")


def test_export_tools_answer_the_files_the_rest_routes_answer(caller: Caller, tenant: Tenant) -> None:
    assert tenant.client.put("/api/v1/company", json=COMPANY).status_code == 200
    call(caller, "init_accounting", country="FR")
    invoice = new_invoice(tenant.client)
    pay(tenant.client, invoice["id"], "1200.00")
    fec = call(caller, "export_fec", start_date="2026-01-01", end_date="2026-03-31")
    rest_fec = tenant.client.get("/api/v1/exports/fec", params={"start_date": "2026-01-01",
                                                                "end_date": "2026-03-31"})
    assert fec["content"] == rest_fec.text and fec["file_name"] == "732829320FEC20261231.txt"
    assert fec["line_count"] == len(rest_fec.text.split("\r\n")) - 1 > 0 and fec["download_url"] is None
    saft = call(caller, "export_saft", start_date="2026-01-01", end_date="2026-03-31")
    assert saft["content"] == tenant.client.get("/api/v1/exports/saft", params={
        "start_date": "2026-01-01", "end_date": "2026-03-31"}).text
    facturx = call(caller, "export_facturx", invoice_id=invoice["id"], profile="EN16931")
    assert facturx["profile"] == "EN16931" and facturx["xml"] == tenant.client.get(
        f"/api/v1/exports/facturx/{invoice['id']}", params={"profile": "EN16931"}).text


def test_backup_all_data_answers_the_rest_backup_document(caller: Caller, tenant: Tenant) -> None:
    new_invoice(tenant.client)
    document = call(caller, "backup_all_data")
    assert document == rest(tenant, "/api/v1/exports/backup")["data"]
    assert document["stats"]["invoices"] == 1 and len(document["records"]["invoices"]) == 1


def test_a_file_above_the_inline_limit_is_stored_and_answered_as_a_download_url(caller: Caller,
                                                                                 deps: Deps) -> None:
    chunks = [b"x" * 99 + b"\n"] * 3000  # 300 kB, 3000 lines
    delivered = export_tools._deliver(caller, ExportFile("big.txt", "text/plain; charset=utf-8", iter(chunks)))
    assert delivered.content is None and delivered.download_url and delivered.size == 300_000
    assert delivered.newlines == 3000
    stored = [key for key in _blob_keys(deps) if key.endswith("/big.txt")]
    assert len(stored) == 1 and deps.blobs.get(stored[0]) == b"".join(chunks)


def _blob_keys(deps: Deps) -> list[str]:
    root = deps.settings.data_dir / "blobs"
    return [str(path.relative_to(root)) for path in root.rglob("*") if path.is_file()]


def test_delete_invoice_removes_a_draft_and_refuses_an_issued_invoice(caller: Caller, tenant: Tenant) -> None:
    draft = new_invoice(tenant.client, status="draft")
    assert call(caller, "delete_invoice", invoice_id=draft["id"], confirm=True) == {"success": True,
                                                                                   "id": draft["id"]}
    assert tenant.client.get(f"/api/v1/invoices/{draft['id']}").status_code == 404
    issued = new_invoice(tenant.client)
    with pytest.raises(Conflict):
        call(caller, "delete_invoice", invoice_id=issued["id"], confirm=True)


def test_update_company_profile_changes_only_the_fields_given(caller: Caller, tenant: Tenant) -> None:
    assert tenant.client.put("/api/v1/company", json=COMPANY).status_code == 200
    updated = call(caller, "update_company_profile", city="Lyon", postal_code="69002")
    assert (updated["city"], updated["siren"], updated["iban"]) == ("Lyon", "732829320", COMPANY["iban"])
    assert updated == rest(tenant, "/api/v1/company")["data"]
    assert call(caller, "update_company_profile", trade_name="")["trade_name"] is None



def test_concurrent_profile_changes_of_different_fields_all_land(caller: Caller, tenant: Tenant) -> None:
    assert tenant.client.put("/api/v1/company", json=COMPANY).status_code == 200
    changes = {"city": "Lyon", "postal_code": "69002", "legal_form": "SAS", "trade_name": "Éléonore",
               "address_line2": "Bâtiment B", "website": "https://eleonore.example", "bic": "AGRIFRPP"}
    ready = threading.Barrier(len(changes))

    def change(name: str, value: str) -> None:
        ready.wait()
        call(caller, "update_company_profile", **{name: value})

    with ThreadPoolExecutor(len(changes)) as pool:
        list(pool.map(change, changes, changes.values()))
    profile = rest(tenant, "/api/v1/company")["data"]
    assert {name: profile[name] for name in changes} == changes
    assert profile["version"] == 1 + len(changes)


def test_update_company_profile_sets_the_legal_mentions_and_keeps_them(caller: Caller, tenant: Tenant) -> None:
    assert tenant.client.put("/api/v1/company", json=COMPANY).status_code == 200
    updated = call(caller, "update_company_profile", vat_exempt=True, recovery_indemnity=45.5,
                   early_payment_discount="Escompte de 1 % à 8 jours.")
    assert (updated["vat_exempt"], updated["recovery_indemnity"]) == (True, Decimal("45.50"))
    kept = call(caller, "update_company_profile", city="Lyon")
    assert kept["early_payment_discount"] == "Escompte de 1 % à 8 jours." and kept["vat_exempt"] is True
    assert kept["vat_exemption_text"] == "TVA non applicable, art. 293 B du CGI"
    with pytest.raises(ValidationFailed):
        call(caller, "update_company_profile", recovery_indemnity=30)

def test_quote_tools_create_send_and_convert_a_quote(caller: Caller, tenant: Tenant) -> None:
    client_id = new_client(tenant.client)
    quote = call(caller, "create_quote", client_id=client_id, total_ht=Decimal("500"), tax_rate=Decimal("20"))
    assert quote["quote_number"].startswith("QUO-") and quote["total_ttc"] == Decimal("600.00")
    assert call(caller, "update_quote_status", quote_id=quote["id"], status="sent")["status"] == "sent"
    converted = call(caller, "convert_quote_to_invoice", quote_id=quote["id"])
    assert converted["quote"]["status"] == "accepted" and converted["invoice"]["total_ttc"] == Decimal("600.00")
    assert call(caller, "list_quotes")["quotes"] == rest(tenant, "/api/v1/quotes", limit=50)["data"]

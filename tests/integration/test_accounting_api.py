"""The books through the API: init, automatic posting of every business change, reversals, lock date, the
hash chain, and the reports (trial balance, VAT summary, ledger, income statement, balance sheet)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from chalicelib.api.local import LocalClient
from chalicelib.ledger import repository as ledger_repo
from chalicelib.store.deps import Deps
from tests.integration.billing_helpers import new_client, new_invoice, pay
from tests.integration.conftest import Tenant

ACC = "/api/v1/accounting"


def init(api: LocalClient, country: str = "FR") -> dict[str, Any]:
    response = api.post(f"{ACC}/init", json={"country": country})
    assert response.status_code in (200, 201), response.text
    return response.json()["data"]  # type: ignore[no-any-return]


def lines(api: LocalClient, **params: Any) -> list[dict[str, Any]]:
    response = api.get(f"{ACC}/entries", params={"limit": 500, "order": "asc", **params})
    assert response.status_code == 200, response.text
    return response.json()["data"]  # type: ignore[no-any-return]


def entries(api: LocalClient, **params: Any) -> dict[str, list[dict[str, Any]]]:
    grouped: dict[str, list[dict[str, Any]]] = {}
    for line in lines(api, **params):
        grouped.setdefault(line["entry_number"], []).append(line)
    return dict(sorted(grouped.items()))  # in number (posting) order


def balance_of(api: LocalClient, account: str, **params: Any) -> Decimal:
    data = api.get(f"{ACC}/trial-balance", params=params).json()["data"]
    return sum((row["balance"] for row in data["accounts"] if row["account_code"] == account), Decimal("0"))


def expense(api: LocalClient, **fields: Any) -> dict[str, Any]:
    body = {"expense_date": "2026-03-05", "amount_ht": "100.00", "tax_rate": 20, "category": "travel",
            "supplier": "SNCF", **fields}
    response = api.post("/api/v1/expenses", json=body)
    assert response.status_code == 201, response.text
    return response.json()["data"]  # type: ignore[no-any-return]


# --- init -----------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("country, client_account, vat_account, default_rate",
                         [("FR", "411", "44571", Decimal("20")), ("BE", "400", "4510", Decimal("21")),
                          ("OHADA", "411", "4431", Decimal("18"))])
def test_init_loads_the_full_chart_journals_mappings_and_percent_rates(api: LocalClient, country: str,
                                                                     client_account: str, vat_account: str,
                                                                     default_rate: Decimal) -> None:
    response = api.post(f"{ACC}/init", json={"country": country.lower()})
    assert response.status_code == 201, response.text
    data = response.json()["data"]
    assert data["initialized"] is True and data["country"] == country
    assert data["journals"] == ["VE", "AC", "BQ", "OD", "AN"]
    assert data["mappings"]["client"] == client_account and data["mappings"]["vat_output"] == vat_account
    defaults = [r for r in data["vat_rates"] if r["is_default"] and r["kind"] == "output"]
    assert [r["rate"] for r in defaults] == [default_rate]
    chart = api.get(f"{ACC}/chart").json()
    assert chart["meta"]["total"] == data["accounts_loaded"] > 200
    codes = {a["account_code"]: a for a in chart["data"]}
    assert codes[client_account]["account_type"] == "asset" and codes[vat_account]["account_type"] == "liability"
    revenue = api.get(f"{ACC}/chart", params={"category": "revenue"}).json()["data"]
    assert revenue and all(a["account_category"] == "revenue" and a["account_code"][0] in "78" for a in revenue)


def test_init_again_answers_already_initialized_and_refuses_a_country_switch_once_entries_exist(
        api: LocalClient) -> None:
    init(api, "FR")
    again = api.post(f"{ACC}/init", json={"country": "FR"})
    assert again.status_code == 200 and again.json()["data"]["already_initialized"] is True
    assert api.post(f"{ACC}/init", json={"country": "BE"}).status_code == 201  # no entries yet: may switch
    new_invoice(api)
    refused = api.post(f"{ACC}/init", json={"country": "FR"})
    assert refused.status_code == 409 and refused.json()["error"] == "books_in_use"


def test_init_refuses_an_unknown_country_naming_the_field(api: LocalClient) -> None:
    response = api.post(f"{ACC}/init", json={"country": "DE"})
    assert response.status_code == 422 and "country" in response.json()["details"]


def test_reports_before_init_say_accounting_is_not_initialized(api: LocalClient) -> None:
    response = api.get(f"{ACC}/trial-balance")
    assert response.status_code == 404 and response.json()["error"] == "accounting_not_initialized"


def test_init_posts_the_documents_issued_before_it(api: LocalClient) -> None:
    invoice = new_invoice(api)
    assert pay(api, invoice["id"], "1200.00").status_code == 201
    new_invoice(api, status="draft")
    data = init(api)
    assert data["documents_posted"] == 2
    journals = sorted(group[0]["journal_code"] for group in entries(api).values())
    assert journals == ["BQ", "VE"]
    assert init(api)["documents_posted"] == 0  # idempotent


# --- posting --------------------------------------------------------------------------------------------------------


def test_issued_invoice_posts_a_balanced_sales_entry_on_the_client_auxiliary_account(api: LocalClient) -> None:
    init(api)
    client = new_client(api, company_name="Atelier Dupont")
    invoice = new_invoice(api, client, items=[{"description": "Audit", "quantity": 2, "unit_price": "500",
                                               "tax_rate": 20},
                                              {"description": "Livre", "quantity": 1, "unit_price": "100",
                                               "tax_rate": "5.5"}], total_ht=None, tax_rate=None, total_ttc=None)
    [entry] = entries(api).values()
    assert {line["journal_code"] for line in entry} == {"VE"}
    by_account = {(line["account_code"], line["description"][:3]): line for line in entry}
    client_line = by_account[("411", "Fac")]
    assert client_line["debit"] == Decimal(invoice["total_ttc"]) and client_line["aux_name"] == "Atelier Dupont"
    assert sum(line["debit"] for line in entry) == sum(line["credit"] for line in entry) == Decimal("1305.50")
    vat = sorted(line["credit"] for line in entry if line["account_code"] == "44571")
    assert vat == [Decimal("5.50"), Decimal("200.00")]
    assert all(line["reference"] == invoice["invoice_number"] for line in entry)


def test_a_draft_invoice_posts_nothing(api: LocalClient) -> None:
    init(api)
    new_invoice(api, status="draft")
    assert lines(api) == []


def test_a_full_payment_posts_the_bank_once(api: LocalClient) -> None:
    init(api)
    invoice = new_invoice(api)
    assert pay(api, invoice["id"], "1200.00").status_code == 201
    bank = [group for group in entries(api).values() if group[0]["journal_code"] == "BQ"]
    assert len(bank) == 1
    assert balance_of(api, "512") == Decimal("1200.00") and balance_of(api, "411") == Decimal("0")


def test_marking_an_invoice_paid_posts_one_bank_entry(api: LocalClient) -> None:
    init(api)
    invoice = new_invoice(api)
    assert api.patch(f"/api/v1/invoices/{invoice['id']}", json={"status": "paid"}).status_code == 200
    assert [g[0]["journal_code"] for g in entries(api).values()] == ["VE", "BQ"]


def test_paying_a_draft_issues_and_pays_it_in_one_chain(api: LocalClient) -> None:
    init(api)
    invoice = new_invoice(api, status="draft")
    assert pay(api, invoice["id"], "1200.00").status_code == 201
    numbers = list(entries(api))
    assert [g[0]["journal_code"] for g in entries(api).values()] == ["VE", "BQ"]
    assert numbers == ["2026-000001", "2026-000002"]


def test_cancelling_an_invoice_posts_a_reversing_entry_and_never_touches_the_original(api: LocalClient) -> None:
    init(api)
    invoice = new_invoice(api)
    [original] = entries(api).values()
    assert api.patch(f"/api/v1/invoices/{invoice['id']}", json={"status": "cancelled"}).status_code == 200
    groups = list(entries(api).values())
    assert groups[0] == original
    reversal = groups[1]
    assert {line["journal_code"] for line in reversal} == {"OD"}
    assert sorted((line["account_code"], line["debit"], line["credit"]) for line in reversal) == sorted(
        (line["account_code"], line["credit"], line["debit"]) for line in original)
    assert balance_of(api, "411") == balance_of(api, "706") == balance_of(api, "44571") == Decimal("0")


def test_deleting_a_payment_reverses_its_bank_entry(api: LocalClient) -> None:
    init(api)
    invoice = new_invoice(api)
    payment = pay(api, invoice["id"], "1200.00").json()["data"]
    assert api.delete(f"/api/v1/payments/{payment['id']}").status_code == 200
    assert [g[0]["journal_code"] for g in entries(api).values()] == ["VE", "BQ", "OD"]
    assert balance_of(api, "512") == Decimal("0") and balance_of(api, "411") == Decimal("1200.00")


def test_an_expense_posts_to_its_category_account_with_deductible_vat(api: LocalClient) -> None:
    init(api)
    expense(api)
    [entry] = entries(api).values()
    got = {(line["account_code"], line["debit"], line["credit"]) for line in entry}
    assert got == {("6251", Decimal("100.00"), Decimal("0")), ("44566", Decimal("20.00"), Decimal("0")),
                   ("512", Decimal("0"), Decimal("120.00"))}
    assert {line["journal_code"] for line in entry} == {"AC"}


def test_changing_a_posted_expense_reverses_and_posts_it_again_and_a_note_change_does_not(api: LocalClient) -> None:
    init(api)
    spent = expense(api)
    assert api.patch(f"/api/v1/expenses/{spent['id']}", json={"description": "Paris"}).status_code == 200
    assert len(entries(api)) == 1  # only the label changed
    assert api.patch(f"/api/v1/expenses/{spent['id']}", json={"amount_ht": "200.00"}).status_code == 200
    assert [g[0]["journal_code"] for g in entries(api).values()] == ["AC", "OD", "AC"]
    assert balance_of(api, "6251") == Decimal("200.00")
    assert api.delete(f"/api/v1/expenses/{spent['id']}").status_code == 200
    assert balance_of(api, "6251") == balance_of(api, "512") == Decimal("0")


def test_a_credit_note_posts_to_sales_and_its_cancellation_reverses_it(api: LocalClient) -> None:
    init(api)
    invoice = new_invoice(api)
    response = api.post("/api/v1/credit-notes", json={"invoice_id": invoice["id"], "reason": "Remise",
                                                      "total_ht": "100.00", "tax_rate": 20})
    assert response.status_code == 201, response.text
    assert balance_of(api, "411") == Decimal("1080.00") and balance_of(api, "44571") == Decimal("-180.00")
    note = response.json()["data"]
    assert api.post(f"/api/v1/credit-notes/{note['id']}/cancel").status_code == 200
    assert balance_of(api, "411") == Decimal("1200.00")
    assert [g[0]["journal_code"] for g in entries(api).values()] == ["VE", "VE", "OD"]


# --- integrity ------------------------------------------------------------------------------------------------------


def test_nothing_posts_on_or_before_the_lock_date_and_the_document_is_left_unchanged(api: LocalClient) -> None:
    init(api)
    assert api.patch(f"{ACC}/settings", json={"lock_date": "2026-03-31"}).status_code == 200
    invoice = new_invoice(api, status="draft")
    response = api.patch(f"/api/v1/invoices/{invoice['id']}", json={"status": "sent"})
    assert response.status_code == 409 and response.json()["error"] == "period_locked"
    assert api.get(f"/api/v1/invoices/{invoice['id']}").json()["data"]["status"] == "draft"
    assert lines(api) == []
    back = api.patch(f"{ACC}/settings", json={"lock_date": "2026-01-31"})
    assert back.status_code == 422 and "lock_date" in back.json()["details"]


def test_a_document_in_another_currency_than_the_books_is_refused_without_partial_state(api: LocalClient) -> None:
    init(api)
    body = {"client_id": new_client(api), "date": "2026-03-01", "due_date": "2026-03-31", "total_ht": "10.00",
            "tax_rate": 20, "total_ttc": "12.00", "status": "sent", "currency": "USD"}
    response = api.post("/api/v1/invoices", json=body)
    assert response.status_code == 409 and response.json()["error"] == "currency_not_in_books"
    assert api.get("/api/v1/invoices").json()["meta"]["total"] == 0


def test_entry_numbers_are_continuous_and_the_chain_verifies(api: LocalClient) -> None:
    init(api)
    for _ in range(3):
        invoice = new_invoice(api)
        pay(api, invoice["id"], "600.00")
    numbers = sorted(int(n.split("-")[1]) for n in entries(api))
    assert numbers == list(range(1, 7))
    report = api.get(f"{ACC}/verify").json()["data"]
    assert report["valid"] is True and report["checked_entries"] == 6 and report["first_break"] is None


def test_verify_reports_the_first_altered_entry(api: LocalClient, deps: Deps, tenant: Tenant) -> None:
    init(api)
    for _ in range(3):
        new_invoice(api)
    fiscal_year = ledger_repo.heads(deps.store, tenant.org_id)[0]["fiscal_year"]
    item = deps.store.get(f"ORG#{tenant.org_id}#LEDGER#{fiscal_year}", "E#000000002")
    assert item is not None
    item["lines"][0]["debit"] = "1.00"
    deps.store.put(item)
    report = api.get(f"{ACC}/verify").json()["data"]
    assert report["valid"] is False
    assert report["first_break"]["number"] == 2 and "altered" in report["first_break"]["reason"]


def test_verify_reports_a_missing_entry(api: LocalClient, deps: Deps, tenant: Tenant) -> None:
    init(api)
    for _ in range(2):
        new_invoice(api)
    fiscal_year = ledger_repo.heads(deps.store, tenant.org_id)[0]["fiscal_year"]
    deps.store.delete(f"ORG#{tenant.org_id}#LEDGER#{fiscal_year}", "E#000000002")
    report = api.get(f"{ACC}/verify").json()["data"]
    assert report["valid"] is False and report["first_break"]["number"] == 2


# --- reports --------------------------------------------------------------------------------------------------------


def test_trial_balance_is_balanced_and_cut_off_at_the_date(api: LocalClient) -> None:
    init(api)
    new_invoice(api, date="2026-01-10", due_date="2026-02-10")
    new_invoice(api, date="2026-03-01")
    january = api.get(f"{ACC}/trial-balance", params={"date": "2026-01-31"}).json()["data"]
    assert january["balanced"] is True and january["total_debit"] == Decimal("1200.00")
    march = api.get(f"{ACC}/trial-balance", params={"date": "2026-03-01"}).json()["data"]
    assert march["total_debit"] == march["total_credit"] == Decimal("2400.00")
    period = api.get(f"{ACC}/trial-balance", params={"date": "2026-03-31", "start_date": "2026-02-01"}).json()
    assert period["data"]["total_debit"] == Decimal("1200.00")


def test_tax_summary_reads_vat_by_rate_from_the_vat_accounts(api: LocalClient) -> None:
    init(api)
    new_invoice(api)  # 1000 HT, 200 VAT
    cancelled = new_invoice(api)
    api.patch(f"/api/v1/invoices/{cancelled['id']}", json={"status": "cancelled"})
    expense(api, tax_rate="5.5", amount_ht="100.00")
    data = api.get(f"{ACC}/tax-summary", params={"start_date": "2026-03-01", "end_date": "2026-03-31"}).json()["data"]
    assert data["tva_collected"] == data["output_vat"] == Decimal("200.00")
    assert data["tva_deductible"] == data["estimated_input_vat"] == Decimal("5.50")
    assert data["tva_due"] == data["vat_payable"] == Decimal("194.50")
    assert data["revenue_ht"] == Decimal("1000.00")
    assert data["invoice_count"] == 1 and data["expense_count"] == 1
    rates = {row["rate"]: row for row in data["by_rate"]}
    assert rates[Decimal("20")]["output_base"] == Decimal("1000.00")
    assert rates[Decimal("5.5")]["input_vat"] == Decimal("5.50")
    missing = api.get(f"{ACC}/tax-summary", params={"start_date": "2026-03-01"})
    assert missing.status_code == 422 and "end_date" in missing.json()["details"]


def test_general_ledger_runs_a_balance_from_the_opening(api: LocalClient) -> None:
    init(api)
    first = new_invoice(api, date="2026-01-10", due_date="2026-02-10")
    pay(api, first["id"], "1200.00", payment_date="2026-02-01")
    new_invoice(api, date="2026-03-01")
    ledger = api.get(f"{ACC}/ledger/411", params={"start_date": "2026-02-01", "end_date": "2026-03-31"}).json()
    data = ledger["data"]
    assert data["opening_balance"] == Decimal("1200.00")
    assert [line["balance"] for line in data["lines"]] == [Decimal("0.00"), Decimal("1200.00")]
    assert data["closing_balance"] == Decimal("1200.00")
    assert api.get(f"{ACC}/ledger/999999").status_code == 404


def test_income_statement_and_balance_sheet_agree(api: LocalClient) -> None:
    init(api)
    invoice = new_invoice(api)
    pay(api, invoice["id"], "1200.00")
    expense(api)
    income = api.get(f"{ACC}/income-statement", params={"start_date": "2026-01-01",
                                                        "end_date": "2026-12-31"}).json()["data"]
    assert income["revenue"]["total"] == Decimal("1000.00") and income["expenses"]["total"] == Decimal("100.00")
    assert income["net_income"] == Decimal("900.00")
    sheet = api.get(f"{ACC}/balance-sheet", params={"date": "2026-12-31"}).json()["data"]
    assert sheet["balanced"] is True and sheet["current_result"] == Decimal("900.00")
    assert sheet["total_assets"] == Decimal("1100.00")  # bank 1200 - 120, plus 20 of VAT to recover


def test_books_are_isolated_between_organizations(api: LocalClient, other_tenant: Tenant) -> None:
    init(api)
    new_invoice(api)
    other = other_tenant.client
    assert other.get(f"{ACC}/trial-balance").status_code == 404
    init(other)
    assert lines(other) == [] and other.get(f"{ACC}/trial-balance").json()["data"]["accounts"] == []


def test_entry_pages_keep_the_total_counted_on_the_first_page_and_refuse_a_forged_cursor(api: LocalClient) -> None:
    init(api)
    for _ in range(3):
        new_invoice(api)  # 3 lines each
    first = api.get(f"{ACC}/entries", params={"limit": 4}).json()
    assert first["meta"]["total"] == 9 and len(first["data"]) == 4
    seen = list(first["data"])
    cursor = first["meta"]["next_cursor"]
    while cursor:
        page = api.get(f"{ACC}/entries", params={"limit": 4, "cursor": cursor}).json()
        assert page["meta"]["total"] == 9
        seen += page["data"]
        cursor = page["meta"]["next_cursor"]
    assert len({row["id"] for row in seen}) == 9
    forged = api.get(f"{ACC}/entries", params={"cursor": "x1~abc"})
    assert forged.status_code == 400 and forged.json()["error"] == "invalid_cursor"

"""``/api/v1/bank`` end to end through the real app, on both storage backends: accounts, statement import
(preview, confirm, duplicates, all-or-nothing), matching to invoices and expenses, ignore, unmatch, alerts."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from chalicelib.api.local import LocalClient
from chalicelib.banking import imports
from chalicelib.core.errors import Conflict
from chalicelib.store.deps import Deps
from chalicelib.store.port import ConditionFailed, Operation, Store
from chalicelib.webhooks.outbox import list_events
from tests.integration.bank_files import new_iban, statement_csv, upload_body
from tests.integration.billing_helpers import new_client, new_invoice
from tests.integration.conftest import Tenant

BASE = "/api/v1/bank"


def money(value: Any) -> Decimal:
    return Decimal(str(value))


def new_account(api: LocalClient, **fields: Any) -> dict[str, Any]:
    response = api.post(f"{BASE}/accounts", json={"name": "Compte courant", "iban": new_iban(), **fields})
    assert response.status_code == 201, response.text
    return response.json()["data"]  # type: ignore[no-any-return]


def preview(api: LocalClient, data: bytes, account_id: str | None = None, filename: str = "releve.csv"
            ) -> dict[str, Any]:
    query = f"?filename={filename}" + (f"&account_id={account_id}" if account_id else "")
    response = api.request("POST", f"{BASE}/imports{query}", body=data, headers={"Content-Type": "text/csv"})
    assert response.status_code == 201, response.text
    return response.json()["data"]  # type: ignore[no-any-return]


def imported(api: LocalClient, data: bytes, account_id: str) -> dict[str, Any]:
    record = preview(api, data, account_id)
    response = api.post(f"{BASE}/imports/{record['id']}/confirm")
    assert response.status_code == 200, response.text
    return response.json()["data"]  # type: ignore[no-any-return]


def transactions(api: LocalClient, **params: Any) -> list[dict[str, Any]]:
    response = api.get(f"{BASE}/transactions", params={"limit": 100, **params})
    assert response.status_code == 200, response.text
    return response.json()["data"]  # type: ignore[no-any-return]


MARCH = statement_csv(("10/03/2026", "VIR SEPA RECU /DE SARL DUPONT /MOTIF FA-2026-0001", "1 200,00"),
                      ("11/03/2026", "FRAIS TENUE DE COMPTE", "-8,50"),
                      ("12/03/2026", "PRLV SEPA EDF", "-64,20"))


# --- accounts -----------------------------------------------------------------------------------------------------


def test_account_has_the_opening_balance_and_the_chart_bank_account(api: LocalClient) -> None:
    account = new_account(api, opening_balance="1500.00", opening_date="2026-01-01")
    assert money(account["balance"]) == Decimal("1500.00") and account["ledger_account"] == "512"
    assert account["transaction_count"] == 0


def test_invalid_iban_is_refused_naming_the_field(api: LocalClient) -> None:
    response = api.post(f"{BASE}/accounts", json={"name": "x", "iban": "FR76 0000 0000 0000"})
    assert response.status_code == 422
    assert "iban" in response.json()["details"]


def test_one_account_per_iban(api: LocalClient) -> None:
    iban = new_iban()
    new_account(api, iban=iban)
    response = api.post(f"{BASE}/accounts", json={"name": "again", "iban": iban[:4] + " " + iban[4:]})
    assert response.status_code == 409 and response.json()["error"] == "iban_exists"


def test_list_gives_the_total_balance_per_currency(api: LocalClient) -> None:
    new_account(api, opening_balance="100.00")
    new_account(api, opening_balance="250.50")
    new_account(api, opening_balance="10.00", currency="USD")
    body = api.get(f"{BASE}/accounts").json()
    totals = {t["currency"]: money(t["balance"]) for t in body["meta"]["totals"]}
    assert totals == {"EUR": Decimal("350.50"), "USD": Decimal("10.00")}


def test_account_with_transactions_keeps_its_iban_and_cannot_be_deleted(api: LocalClient) -> None:
    account = new_account(api)
    imported(api, MARCH, account["id"])
    assert api.patch(f"{BASE}/accounts/{account['id']}", json={"iban": new_iban()}).status_code == 409
    assert api.delete(f"{BASE}/accounts/{account['id']}").status_code == 409
    assert api.patch(f"{BASE}/accounts/{account['id']}", json={"name": "Pro"}).json()["data"]["name"] == "Pro"


def test_empty_account_is_deleted_and_frees_its_iban(api: LocalClient) -> None:
    account = new_account(api)
    assert api.delete(f"{BASE}/accounts/{account['id']}").status_code == 200
    assert api.get(f"{BASE}/accounts/{account['id']}").status_code == 404
    new_account(api, iban=account["iban"])


# --- import -------------------------------------------------------------------------------------------------------


def test_preview_books_nothing_and_confirm_books_every_line(api: LocalClient) -> None:
    account = new_account(api, opening_balance="1000.00")
    record = preview(api, MARCH, account["id"])
    assert record["status"] == "parsed" and record["format"] == "csv" and record["transaction_count"] == 3
    assert record["duplicates"] == 0 and money(record["credits"]) == Decimal("1200.00")
    assert money(record["debits"]) == Decimal("72.70") and len(record["rows"]) == 3
    assert transactions(api) == []
    done = api.post(f"{BASE}/imports/{record['id']}/confirm").json()["data"]
    assert done["status"] == "confirmed" and done["booked"] == 3
    listed = transactions(api, account_id=account["id"])
    assert [money(t["amount"]) for t in listed] == [Decimal("-64.20"), Decimal("-8.50"), Decimal("1200.00")]
    assert all(t["status"] == "unmatched" for t in listed)
    after = api.get(f"{BASE}/accounts/{account['id']}").json()["data"]
    assert money(after["balance"]) == Decimal("2127.30") and after["transaction_count"] == 3


def test_account_is_found_by_the_files_iban(api: LocalClient) -> None:
    account = new_account(api)
    data = f"IBAN : {account['iban']}\n".encode() + MARCH
    assert preview(api, data)["account_id"] == account["id"]


def test_reimporting_the_same_file_books_nothing_twice(api: LocalClient) -> None:
    account = new_account(api)
    imported(api, MARCH, account["id"])
    again = preview(api, MARCH, account["id"])
    assert again["duplicates"] == 3 and again["to_book"] == 0 and all(r["duplicate"] for r in again["rows"])
    assert api.post(f"{BASE}/imports/{again['id']}/confirm").json()["data"]["booked"] == 0
    assert len(transactions(api, account_id=account["id"])) == 3


def test_an_overlapping_period_books_only_the_new_lines(api: LocalClient) -> None:
    account = new_account(api)
    imported(api, MARCH, account["id"])
    later = statement_csv(("12/03/2026", "PRLV SEPA EDF", "-64,20"), ("13/03/2026", "CB CARREFOUR", "-42,10"),
                          ("13/03/2026", "CB CARREFOUR", "-42,10"))
    record = imported(api, later, account["id"])
    assert record["duplicates"] == 1 and record["booked"] == 2
    assert len(transactions(api, account_id=account["id"])) == 5


def test_unreadable_file_answers_422_naming_the_line(api: LocalClient) -> None:
    account = new_account(api)
    data = statement_csv(("10/03/2026", "OK", "1,00"), ("99/99/2026", "BAD DATE", "2,00"))
    response = api.request("POST", f"{BASE}/imports?filename=x.csv&account_id={account['id']}", body=data,
                           headers={"Content-Type": "text/csv"})
    assert response.status_code == 422, response.text
    assert "line" in response.json()["message"]


def test_json_and_multipart_uploads_are_accepted(api: LocalClient) -> None:
    account = new_account(api)
    response = api.post(f"{BASE}/imports?account_id={account['id']}", json=upload_body(MARCH))
    assert response.status_code == 201 and response.json()["data"]["transaction_count"] == 3
    boundary = "XyZ"
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"mars.csv\"\r\n"
            f"Content-Type: text/csv\r\n\r\n").encode() + MARCH + f"\r\n--{boundary}--\r\n".encode()
    response = api.request("POST", f"{BASE}/imports?account_id={account['id']}", body=body,
                           headers={"Content-Type": f"multipart/form-data; boundary={boundary}"})
    assert response.status_code == 201, response.text
    assert response.json()["data"]["filename"] == "mars.csv"


def test_a_discarded_preview_is_gone(api: LocalClient) -> None:
    record = preview(api, MARCH, new_account(api)["id"])
    assert api.delete(f"{BASE}/imports/{record['id']}").status_code == 200
    assert api.get(f"{BASE}/imports/{record['id']}").status_code == 404
    assert api.post(f"{BASE}/imports/{record['id']}/confirm").status_code == 404


def test_confirm_without_an_account_asks_for_one(api: LocalClient) -> None:
    record = preview(api, MARCH)
    assert any("account_id" in w for w in record["warnings"])
    response = api.post(f"{BASE}/imports/{record['id']}/confirm")
    assert response.status_code == 422 and response.json()["error"] == "account_required"
    account = new_account(api)
    assert api.post(f"{BASE}/imports/{record['id']}/confirm?account_id={account['id']}").status_code == 200


class _FailingStore:
    """The real store, whose n-th transaction fails as a lost race would (an infrastructure fault injected)."""

    def __init__(self, store: Store, fail_at: int) -> None:
        self._store, self._left = store, fail_at

    def transact(self, operations: list[Operation]) -> None:
        self._left -= 1
        if self._left == 0:
            raise ConditionFailed(index=0)
        self._store.transact(operations)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)


def test_a_confirm_that_fails_midway_books_nothing_and_can_be_run_again(api: LocalClient, deps: Deps,
                                                                        tenant: Tenant) -> None:
    account = new_account(api, opening_balance="10.00")
    rows = [(f"{1 + n % 28:02d}/02/2026", f"CB ACHAT {n}", f"-{n + 1},00") for n in range(150)]
    record = preview(api, statement_csv(*rows), account["id"])
    failing = Deps(settings=deps.settings, store=_FailingStore(deps.store, fail_at=4),  # type: ignore[arg-type]
                   blobs=deps.blobs, clock=deps.clock, new_id=deps.new_id)
    with pytest.raises(Conflict):
        imports.confirm_import(failing, tenant.org_id, record["id"])
    assert transactions(api, account_id=account["id"]) == []
    assert money(api.get(f"{BASE}/accounts/{account['id']}").json()["data"]["balance"]) == Decimal("10.00")
    assert api.get(f"{BASE}/imports/{record['id']}").json()["data"]["status"] == "parsed"
    done = api.post(f"{BASE}/imports/{record['id']}/confirm").json()["data"]
    assert done["booked"] == 150 and len(transactions(api, account_id=account["id"], limit=100)) == 100
    assert api.get(f"{BASE}/accounts/{account['id']}").json()["data"]["transaction_count"] == 150


# --- matching -----------------------------------------------------------------------------------------------------


def _credit(api: LocalClient, amount: str = "1 200,00", label: str = "VIR SEPA RECU DUPONT") -> dict[str, Any]:
    account = new_account(api)
    imported(api, statement_csv(("10/03/2026", label, amount)), account["id"])
    return transactions(api, account_id=account["id"])[0]


def _bank_lines(api: LocalClient, account: str) -> list[dict[str, Any]]:
    return [e for e in api.get("/api/v1/accounting/entries", params={"journal": "BQ", "limit": 100}).json()["data"]
            if e["account_code"] == account]


def test_credit_matched_to_an_invoice_records_the_payment_and_posts_once(api: LocalClient) -> None:
    api.post("/api/v1/accounting/init", json={"country": "FR"})
    invoice = new_invoice(api)
    txn = _credit(api)
    response = api.post(f"{BASE}/transactions/{txn['id']}/match", json={"invoice_ids": [invoice["id"]]})
    assert response.status_code == 200, response.text
    matched = response.json()["data"]
    assert matched["status"] == "matched" and matched["payment_id"] and matched["matched_by"] == "manual"
    assert api.get(f"/api/v1/invoices/{invoice['id']}").json()["data"]["status"] == "paid"
    assert len(_bank_lines(api, "512")) == 1
    again = api.post(f"{BASE}/transactions/{txn['id']}/match", json={"invoice_ids": [invoice["id"]]})
    assert again.status_code == 409 and len(_bank_lines(api, "512")) == 1


def test_unmatch_reverses_the_payment_and_reopens_the_invoice(api: LocalClient) -> None:
    api.post("/api/v1/accounting/init", json={"country": "FR"})
    invoice = new_invoice(api)
    txn = _credit(api)
    api.post(f"{BASE}/transactions/{txn['id']}/match", json={"invoice_ids": [invoice["id"]]})
    response = api.post(f"{BASE}/transactions/{txn['id']}/unmatch")
    assert response.status_code == 200 and response.json()["data"]["status"] == "unmatched"
    assert api.get(f"/api/v1/invoices/{invoice['id']}").json()["data"]["status"] == "sent"
    assert api.get("/api/v1/payments", params={"invoice_id": invoice["id"]}).json()["data"] == []


def test_a_partial_credit_leaves_the_invoice_partially_paid(api: LocalClient) -> None:
    invoice = new_invoice(api)
    txn = _credit(api, amount="500,00")
    api.post(f"{BASE}/transactions/{txn['id']}/match", json={"invoice_ids": [invoice["id"]]})
    got = api.get(f"/api/v1/invoices/{invoice['id']}").json()["data"]
    assert got["payment_status"] == "partial" and money(got["balance_due"]) == Decimal("700.00")


def test_one_credit_pays_two_invoices_of_a_client(api: LocalClient) -> None:
    client = new_client(api)
    first, second = new_invoice(api, client), new_invoice(api, client, total_ht="500.00", total_ttc="600.00")
    txn = _credit(api, amount="1 800,00")
    body = {"invoice_ids": [first["id"], second["id"]], "amounts": ["1200.00", "600.00"]}
    assert api.post(f"{BASE}/transactions/{txn['id']}/match", json=body).status_code == 200
    assert {api.get(f"/api/v1/invoices/{i['id']}").json()["data"]["status"] for i in (first, second)} == {"paid"}


def test_amounts_that_do_not_add_up_are_refused(api: LocalClient) -> None:
    invoice = new_invoice(api)
    txn = _credit(api)
    response = api.post(f"{BASE}/transactions/{txn['id']}/match",
                        json={"invoice_ids": [invoice["id"]], "amounts": ["100.00"]})
    assert response.status_code == 422 and response.json()["error"] == "amounts_mismatch"


def test_a_debit_cannot_pay_an_invoice_and_a_credit_cannot_pay_an_expense(api: LocalClient) -> None:
    invoice = new_invoice(api)
    account = new_account(api)
    imported(api, MARCH, account["id"])
    debit = transactions(api, account_id=account["id"], search="edf")[0]
    response = api.post(f"{BASE}/transactions/{debit['id']}/match", json={"invoice_ids": [invoice["id"]]})
    assert response.status_code == 422 and response.json()["error"] == "wrong_direction"


def test_debit_matched_to_an_expense_once(api: LocalClient) -> None:
    account = new_account(api)
    imported(api, MARCH, account["id"])
    debit = transactions(api, account_id=account["id"], search="edf")[0]
    other = transactions(api, account_id=account["id"], search="frais")[0]
    expense = api.post("/api/v1/expenses", json={"expense_date": "2026-03-12", "amount": "64.20",
                                                 "supplier": "EDF"}).json()["data"]
    response = api.post(f"{BASE}/transactions/{debit['id']}/match", json={"expense_id": expense["id"]})
    assert response.status_code == 200 and response.json()["data"]["matched"][0]["id"] == expense["id"]
    twice = api.post(f"{BASE}/transactions/{other['id']}/match", json={"expense_id": expense["id"]})
    assert twice.status_code == 409 and twice.json()["error"] == "expense_already_matched"
    assert api.post(f"{BASE}/transactions/{debit['id']}/unmatch").status_code == 200
    assert api.post(f"{BASE}/transactions/{other['id']}/match", json={"expense_id": expense["id"]}).status_code == 200


def test_ignore_with_an_account_posts_the_fee_and_unmatch_reverses_it(api: LocalClient) -> None:
    api.post("/api/v1/accounting/init", json={"country": "FR"})
    account = new_account(api)
    imported(api, MARCH, account["id"])
    fee = transactions(api, account_id=account["id"], search="frais")[0]
    response = api.post(f"{BASE}/transactions/{fee['id']}/ignore", json={"ledger_account": "627",
                                                                          "reason": "frais"})
    assert response.status_code == 200 and response.json()["data"]["status"] == "ignored"
    lines = _bank_lines(api, "627")
    assert len(lines) == 1 and money(lines[0]["debit"]) == Decimal("8.50")
    assert api.post(f"{BASE}/transactions/{fee['id']}/unmatch").status_code == 200
    balance = api.get("/api/v1/accounting/trial-balance").json()["data"]
    row = [r for r in balance["accounts"] if r["account_code"] == "627"]
    assert not row or money(row[0]["balance"]) == 0


def test_ignore_to_an_unknown_account_is_refused(api: LocalClient) -> None:
    api.post("/api/v1/accounting/init", json={"country": "FR"})
    txn = _credit(api)
    response = api.post(f"{BASE}/transactions/{txn['id']}/ignore", json={"ledger_account": "999999"})
    assert response.status_code == 422 and response.json()["error"] == "unknown_account"
    assert api.get(f"{BASE}/transactions/{txn['id']}").json()["data"]["status"] == "unmatched"


def test_status_filter_and_search(api: LocalClient) -> None:
    account = new_account(api)
    imported(api, MARCH, account["id"])
    fee = transactions(api, search="FRAIS")[0]
    api.post(f"{BASE}/transactions/{fee['id']}/ignore", json={})
    assert [t["id"] for t in transactions(api, status="ignored")] == [fee["id"]]
    assert len(transactions(api, status="unmatched")) == 2
    assert len(transactions(api, start_date="2026-03-11", end_date="2026-03-11")) == 1


# --- reconciliation ----------------------------------------------------------------------------------------------


def test_reconciliation_matches_the_exact_payment_and_suggests_the_close_one(api: LocalClient) -> None:
    client = new_client(api, company_name="SARL Dupont")
    exact = new_invoice(api, client, date="2026-03-10", due_date="2026-03-10")
    account = new_account(api)
    number = exact["invoice_number"]
    imported(api, statement_csv(("10/03/2026", f"VIR SEPA RECU SARL DUPONT {number}", "1 200,00")), account["id"])
    result = api.post(f"{BASE}/reconciliation/run").json()["data"]
    assert result["auto_matched"] == 1, result
    assert result["matches"][0]["score"]["total"] >= 70
    assert api.get(f"/api/v1/invoices/{exact['id']}").json()["data"]["status"] == "paid"
    assert transactions(api, status="matched")[0]["matched_by"] == "auto"


def test_suggestions_carry_the_score_parts(api: LocalClient) -> None:
    invoice = new_invoice(api, date="2026-03-10", due_date="2026-04-09")
    txn = _credit(api, label="VIREMENT RECU")
    found = api.get(f"{BASE}/transactions/{txn['id']}/suggestions").json()["data"]
    assert found and found[0]["documents"][0]["id"] == invoice["id"]
    assert found[0]["score"]["amount"] == 50 and found[0]["score"]["date"] == 30


# --- alerts -------------------------------------------------------------------------------------------------------


def test_booking_raises_low_balance_and_large_expense_alerts_once(api: LocalClient, deps: Deps,
                                                                  tenant: Tenant) -> None:
    account = new_account(api, opening_balance="2000.00")
    imported(api, statement_csv(("14/03/2026", "VIR FOURNISSEUR", "-6 000,00")), account["id"])
    found = api.get(f"{BASE}/alerts").json()["data"]
    kinds = {(a["kind"], a["severity"]) for a in found}
    assert kinds == {("low_balance", "critical"), ("large_expense", "warning")}
    assert len([e for e in list_events(deps.store, tenant.org_id, limit=1000)[0] if e.type == "bank.alert"]) == 2
    assert api.post("/api/v1/bank/reconciliation/run").status_code == 200
    from chalicelib.banking.alerts import evaluate

    assert evaluate(deps, tenant.org_id) == []  # raised once


def test_alert_settings_are_kept_and_checked(api: LocalClient) -> None:
    assert money(api.get(f"{BASE}/alert-settings").json()["data"]["low_balance"]) == Decimal("1000")
    body = {"low_balance": "300", "large_expense": "2000", "overdue_warning_days": 10, "overdue_critical_days": 20}
    assert api.put(f"{BASE}/alert-settings", json=body).status_code == 200
    assert api.get(f"{BASE}/alert-settings").json()["data"]["overdue_critical_days"] == 20
    bad = api.put(f"{BASE}/alert-settings", json={"overdue_warning_days": 30, "overdue_critical_days": 10})
    assert bad.status_code == 422 and "overdue_critical_days" in bad.json()["details"]


def test_overdue_invoices_raise_alerts_by_lateness(api: LocalClient, deps: Deps, tenant: Tenant) -> None:
    from chalicelib.banking.alerts import evaluate

    new_invoice(api, date="2026-01-01", due_date="2026-01-31")  # 43 days late on 2026-03-15
    new_invoice(api, date="2026-03-01", due_date="2026-03-10")  # 5 days late
    raised = {a.severity for a in evaluate(deps, tenant.org_id) if a.kind == "overdue_invoice"}
    assert raised == {"critical", "info"}

"""Matrix samples of the ``bank`` routes: a valid request per operation, with the account, import or transaction
it needs (statements sent in the JSON form of the upload)."""

from __future__ import annotations

from collections.abc import Callable

from chalicelib.api.local import LocalClient
from tests.integration.bank_files import new_iban, statement_csv, upload_body
from tests.integration.matrix import Sample

BASE = "/api/v1/bank"


def account(owner: LocalClient) -> str:
    response = owner.post(f"{BASE}/accounts", json={"name": "Compte courant", "iban": new_iban()})
    assert response.status_code == 201, response.text
    return str(response.json()["data"]["id"])


def preview(owner: LocalClient, data: bytes | None = None) -> str:
    account_id = account(owner)
    body = upload_body(data or statement_csv(("10/03/2026", "VIR SEPA RECU DUPONT", "1 200,00"),
                                             ("11/03/2026", "FRAIS TENUE DE COMPTE", "-8,50")))
    response = owner.post(f"{BASE}/imports?account_id={account_id}", json=body)
    assert response.status_code == 201, response.text
    return str(response.json()["data"]["id"])


def transaction(owner: LocalClient) -> str:
    import_id = preview(owner)
    assert owner.post(f"{BASE}/imports/{import_id}/confirm").status_code == 200
    listed = owner.get(f"{BASE}/transactions", params={"search": "frais"}).json()["data"]
    return str(listed[0]["id"])


def ignored(owner: LocalClient) -> str:
    txn_id = transaction(owner)
    assert owner.post(f"{BASE}/transactions/{txn_id}/ignore", json={}).status_code == 200
    return txn_id


def expense(owner: LocalClient) -> str:
    body = {"expense_date": "2026-03-11", "amount": "8.50", "supplier": "Banque"}
    return str(owner.post("/api/v1/expenses", json=body).json()["data"]["id"])


REQUESTS: dict[str, Callable[[LocalClient], Sample]] = {
    "listBankAccounts": lambda o: Sample(f"{BASE}/accounts"),
    "getBankBalance": lambda o: Sample(f"{BASE}/balance"),
    "createBankAccount": lambda o: Sample(f"{BASE}/accounts", {"name": "Livret", "iban": new_iban()}),
    "getBankAccount": lambda o: Sample(f"{BASE}/accounts/{account(o)}"),
    "updateBankAccount": lambda o: Sample(f"{BASE}/accounts/{account(o)}", {"name": "Renamed"}),
    "deleteBankAccount": lambda o: Sample(f"{BASE}/accounts/{account(o)}"),
    "importBankStatement": lambda o: Sample(f"{BASE}/imports?account_id={account(o)}", upload_body(
        statement_csv(("10/03/2026", "CB CARREFOUR", "-42,10")))),
    "getBankImport": lambda o: Sample(f"{BASE}/imports/{preview(o)}"),
    "confirmBankImport": lambda o: Sample(f"{BASE}/imports/{preview(o)}/confirm"),
    "discardBankImport": lambda o: Sample(f"{BASE}/imports/{preview(o)}"),
    "listBankTransactions": lambda o: Sample(f"{BASE}/transactions"),
    "getBankTransaction": lambda o: Sample(f"{BASE}/transactions/{transaction(o)}"),
    "suggestBankMatches": lambda o: Sample(f"{BASE}/transactions/{transaction(o)}/suggestions"),
    "matchBankTransaction": lambda o: Sample(f"{BASE}/transactions/{transaction(o)}/match",
                                             {"expense_id": expense(o)}),
    "unmatchBankTransaction": lambda o: Sample(f"{BASE}/transactions/{ignored(o)}/unmatch"),
    "ignoreBankTransaction": lambda o: Sample(f"{BASE}/transactions/{transaction(o)}/ignore", {}),
    "runBankReconciliation": lambda o: Sample(f"{BASE}/reconciliation/run"),
    "listBankAlerts": lambda o: Sample(f"{BASE}/alerts"),
    "getBankAlertSettings": lambda o: Sample(f"{BASE}/alert-settings"),
    "putBankAlertSettings": lambda o: Sample(f"{BASE}/alert-settings", {"low_balance": "500"}),
}

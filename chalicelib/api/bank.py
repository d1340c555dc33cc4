"""Routes of ``/api/v1/bank``: thin adapters over ``chalicelib.banking`` (accounts, statement imports,
transactions, reconciliation, alerts). Scope resource ``banking``.

The statement upload takes the raw file as the body (name in ``?filename=``), ``multipart/form-data`` with the file
in a part that has a file name (the first such part), or JSON ``{filename, content_base64}`` for clients that can
only send JSON.
"""

from __future__ import annotations

import json
from email.parser import BytesParser
from email.policy import HTTP
from typing import Any

from pydantic import ValidationError

from chalicelib.api.errors import from_validation
from chalicelib.api.routing import RouteGroup
from chalicelib.api.views import Ctx, Reply, deleted
from chalicelib.banking import accounts, alerts, imports, matches, reconcile, transactions
from chalicelib.banking.models import (
    AlertOut,
    AlertQuery,
    AlertSettings,
    BankAccountCreate,
    BankAccountList,
    BankAccountOut,
    BankAccountPatch,
    BankTransactionOut,
    IgnoreRequest,
    ImportOut,
    ImportQuery,
    MatchRequest,
    ReconciliationResult,
    StatementUploadBody,
    SuggestionOut,
    SuggestionQuery,
    TransactionListQuery,
)
from chalicelib.core.errors import BadRequest
from chalicelib.store.pagination import Listing

group = RouteGroup("bank", tag="Bank")
route = group.route
BANK = {"resource": "banking"}
BASE = "/api/v1/bank"
ACCOUNT = BASE + "/accounts/{account_id}"
IMPORT = BASE + "/imports/{import_id}"
TXN = BASE + "/transactions/{transaction_id}"


@route("GET", BASE + "/accounts", operation_id="listBankAccounts", summary="List bank accounts", action="read",
       **BANK, response=BankAccountOut, list_response=True,
       description="Every account with its balance (opening balance + booked transactions); `meta.totals` holds "
                   "the total balance per currency.")
def list_accounts(ctx: Ctx) -> Any:
    found = accounts.list_accounts(ctx.deps, ctx.org_id)
    meta = {"page": 1, "limit": len(found.accounts), "total": len(found.accounts), "next_cursor": None,
            "totals": found.totals}
    return Reply({"data": found.accounts, "meta": meta})


@route("GET", BASE + "/balance", operation_id="getBankBalance", summary="Total balance per currency",
       action="read", **BANK, response=BankAccountList)
def get_balance(ctx: Ctx) -> Any:
    return accounts.list_accounts(ctx.deps, ctx.org_id)


@route("POST", BASE + "/accounts", operation_id="createBankAccount", summary="Add a bank account", action="write",
       **BANK, body=BankAccountCreate, response=BankAccountOut, status=201,
       description="The IBAN is checked (schwifty); one account per IBAN (409 `iban_exists`).")
def create_account(ctx: Ctx) -> Any:
    return accounts.create_account(ctx.deps, ctx.org_id, ctx.body)


@route("GET", ACCOUNT, operation_id="getBankAccount", summary="Get a bank account", action="read", **BANK,
       response=BankAccountOut)
def get_account(ctx: Ctx) -> Any:
    return accounts.get_account(ctx.deps, ctx.org_id, ctx.path["account_id"])


@route("PATCH", ACCOUNT, operation_id="updateBankAccount", summary="Update a bank account", action="write", **BANK,
       body=BankAccountPatch, response=BankAccountOut)
def update_account(ctx: Ctx) -> Any:
    return accounts.update_account(ctx.deps, ctx.org_id, ctx.path["account_id"], ctx.body)


@route("DELETE", ACCOUNT, operation_id="deleteBankAccount", summary="Delete a bank account without transactions",
       action="delete", **BANK)
def delete_account(ctx: Ctx) -> Any:
    accounts.delete_account(ctx.deps, ctx.org_id, ctx.path["account_id"])
    return deleted()


@route("POST", BASE + "/imports", operation_id="importBankStatement", summary="Upload a statement (preview)",
       action="write", **BANK, query=ImportQuery, response=ImportOut, status=201,
       description="Body: the file (CSV, XLSX, XLS, PDF, camt.053, OFX, CFONB 120, MT940 or CODA; at most 10 MiB) "
                   "with `?filename=`, or multipart/form-data. Answers the preview (`status: parsed`); nothing is "
                   "booked before `confirm`. A file that cannot be read answers 422 naming the line and the "
                   "reason (`pdf_has_no_text` for a scan).")
def import_statement(ctx: Ctx) -> Any:
    data, name = _upload(ctx)
    return imports.preview_import(ctx.deps, ctx.org_id, data, ctx.query.filename or name, ctx.query.account_id)


@route("GET", IMPORT, operation_id="getBankImport", summary="Get a statement import", action="read", **BANK,
       response=ImportOut)
def get_import(ctx: Ctx) -> Any:
    return imports.get_import(ctx.deps, ctx.org_id, ctx.path["import_id"])


@route("POST", IMPORT + "/confirm", operation_id="confirmBankImport", summary="Book a previewed statement",
       action="write", **BANK, query=ImportQuery, response=ImportOut,
       description="Books every transaction that is not a duplicate, all or nothing; `?account_id=` when the "
                   "preview found no account.")
def confirm_import(ctx: Ctx) -> Any:
    return imports.confirm_import(ctx.deps, ctx.org_id, ctx.path["import_id"], ctx.query.account_id)


@route("DELETE", IMPORT, operation_id="discardBankImport", summary="Discard a preview", action="delete", **BANK)
def discard_import(ctx: Ctx) -> Any:
    imports.discard_import(ctx.deps, ctx.org_id, ctx.path["import_id"])
    return deleted()


@route("GET", BASE + "/transactions", operation_id="listBankTransactions", summary="List bank transactions",
       action="read", **BANK, query=TransactionListQuery, response=BankTransactionOut, list_response=True,
       description="Newest first. Filters: `account_id`, `status` (unmatched, matched, ignored), "
                   "`start_date`/`end_date`, `search`. Paginated with `page`/`limit` or `cursor`.")
def list_transactions(ctx: Ctx) -> Listing:
    return transactions.list_transactions(ctx.deps, ctx.org_id, ctx.query)


@route("GET", TXN, operation_id="getBankTransaction", summary="Get a bank transaction", action="read", **BANK,
       response=BankTransactionOut)
def get_transaction(ctx: Ctx) -> Any:
    return transactions.get_transaction(ctx.deps, ctx.org_id, ctx.path["transaction_id"])


@route("GET", TXN + "/suggestions", operation_id="suggestBankMatches", summary="Candidate documents, scored",
       action="read", **BANK, query=SuggestionQuery, response=SuggestionOut, list_response=True,
       description="Invoices (for a credit) or expenses (for a debit), best first, with the score's parts: "
                   "amount 50/40/20, date 30/25/20/10, reference 20/10, name +5.")
def suggestions(ctx: Ctx) -> Any:
    found = reconcile.suggestions(ctx.deps, ctx.org_id, ctx.path["transaction_id"], ctx.query.limit)
    return Listing(items=found, page=1, limit=len(found), total=len(found), next_cursor=None)


@route("POST", TXN + "/match", operation_id="matchBankTransaction", summary="Match to invoices or an expense",
       action="write", **BANK, body=MatchRequest, response=BankTransactionOut,
       description="A credit with `invoice_ids` (and `amounts`) records the payment and posts it once; a debit with "
                   "`expense_id` links the expense.")
def match(ctx: Ctx) -> Any:
    return matches.match(ctx.deps, ctx.org_id, ctx.path["transaction_id"], ctx.body)


@route("POST", TXN + "/unmatch", operation_id="unmatchBankTransaction", summary="Undo a match or an ignore",
       action="write", **BANK, response=BankTransactionOut,
       description="Deletes the payment the match recorded (its entry is reversed, the invoices reopen), or reverses "
                   "the ignore's entry.")
def unmatch(ctx: Ctx) -> Any:
    return matches.unmatch(ctx.deps, ctx.org_id, ctx.path["transaction_id"])


@route("POST", TXN + "/ignore", operation_id="ignoreBankTransaction", summary="Ignore (fees, transfers...)",
       action="write", **BANK, body=IgnoreRequest, response=BankTransactionOut,
       description="With `ledger_account`, posts a BQ entry between the bank account and that account.")
def ignore(ctx: Ctx) -> Any:
    return matches.ignore(ctx.deps, ctx.org_id, ctx.path["transaction_id"], ctx.body)


@route("POST", BASE + "/reconciliation/run", operation_id="runBankReconciliation", summary="Reconcile",
       action="write", **BANK, query=ImportQuery, response=ReconciliationResult,
       description="Scores every unmatched transaction (of `?account_id=`, or all) against the open invoices and "
                   "expenses, books the matches scoring 70 or more and answers the suggestions (50 to 69).")
def run_reconciliation(ctx: Ctx) -> Any:
    return reconcile.run(ctx.deps, ctx.org_id, ctx.query.account_id)


@route("GET", BASE + "/alerts", operation_id="listBankAlerts", summary="List bank alerts", action="read", **BANK,
       query=AlertQuery, response=AlertOut, list_response=True)
def list_alerts(ctx: Ctx) -> Listing:
    return alerts.list_alerts(ctx.deps, ctx.org_id, ctx.query)


@route("GET", BASE + "/alert-settings", operation_id="getBankAlertSettings", summary="Alert thresholds",
       action="read", **BANK, response=AlertSettings)
def get_alert_settings(ctx: Ctx) -> Any:
    return alerts.get_settings(ctx.deps, ctx.org_id)


@route("PUT", BASE + "/alert-settings", operation_id="putBankAlertSettings", summary="Set the alert thresholds",
       action="write", **BANK, body=AlertSettings, response=AlertSettings)
def put_alert_settings(ctx: Ctx) -> Any:
    return alerts.put_settings(ctx.deps, ctx.org_id, ctx.body)


group.seal()


def _upload(ctx: Ctx) -> tuple[bytes, str | None]:
    raw = ctx.request.raw_body or b""
    data = raw.encode() if isinstance(raw, str) else raw
    content_type = str(ctx.request.headers.get("content-type") or "")
    if content_type.lower().startswith("application/json"):
        return _json_upload(data)
    if not content_type.lower().startswith("multipart/form-data"):
        return data, None
    message = BytesParser(policy=HTTP).parsebytes(b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + data)
    for part in message.iter_parts():
        if part.get_filename():
            return bytes(part.get_payload(decode=True) or b""), part.get_filename()
    raise BadRequest("the multipart body has no file part (a part with a filename)", code="file_missing",
                     details={"file": ["required"]})



def _json_upload(data: bytes) -> tuple[bytes, str | None]:
    try:
        parsed = json.loads(data or b"{}")
        body = StatementUploadBody.model_validate(parsed)
    except (ValueError, UnicodeDecodeError) as exc:
        if isinstance(exc, ValidationError):
            raise from_validation(exc) from exc
        raise BadRequest(f"the body is not valid JSON: {exc}", code="invalid_json") from exc
    return body.content_base64, body.filename

"""Tools of the ``banking`` toolset: bank accounts, statement import (preview, confirm), unmatched transactions,
suggestions, match, ignore, reconciliation and alerts; thin adapters over ``chalicelib.banking`` as the
``/api/v1/bank`` routes are."""

from __future__ import annotations

import base64
import binascii
from typing import Annotated

from pydantic import BaseModel, Field

from chalicelib.banking import accounts, alerts, imports, matches, reconcile, transactions
from chalicelib.banking.models import (
    AlertOut,
    AlertQuery,
    BankAccountList,
    BankTransactionOut,
    IgnoreRequest,
    ImportOut,
    MatchRequest,
    ReconciliationResult,
    SuggestionOut,
    TransactionListQuery,
)
from chalicelib.core.errors import field_error
from chalicelib.core.money import PositiveAmount
from chalicelib.mcp.models import Cursor, IdempotencyKey, like, page_fields, request
from chalicelib.mcp.registry import Caller, tool

TOOLSET = "banking"
RESOURCE = "banking"

TransactionId = Annotated[str, Field(min_length=1, max_length=64,
                                     description="The bank transaction's `id` (from list_bank_transactions).")]
AccountId = Annotated[str | None, Field(default=None, max_length=64, description="The bank account's `id` (from "
                                                                                 "list_bank_accounts).")]


class TransactionList(BaseModel):
    transactions: list[BankTransactionOut]
    count: int = Field(description="Transactions in this answer.")
    total: int = Field(description="Transactions matching the filters, all pages together.")
    next_cursor: str | None = Field(description="Pass it as `cursor` for the next page; null on the last page.")


class Suggestions(BaseModel):
    suggestions: list[SuggestionOut]


class AlertList(BaseModel):
    alerts: list[AlertOut]
    count: int
    total: int
    next_cursor: str | None


@tool("list_bank_accounts", toolset=TOOLSET, title="List bank accounts", action="read", resource=RESOURCE)
def list_bank_accounts(caller: Caller) -> BankAccountList:
    """List the bank accounts with their balance (opening balance + booked transactions) and the total balance per
    currency."""
    return accounts.list_accounts(caller.deps, caller.org_id)


@tool("import_bank_statement", toolset=TOOLSET, title="Preview a bank statement", action="write", resource=RESOURCE)
def import_bank_statement(caller: Caller, *,
                          content_base64: Annotated[str, Field(min_length=1, max_length=14_000_000,
                                                               description="The statement file, base64-encoded (CSV, "
                                                                           "XLSX, XLS, PDF, camt.053, OFX, CFONB 120, "
                                                                           "MT940 or CODA; at most 10 MiB).")],
                          filename: Annotated[str | None, Field(max_length=255, description="File name (its "
                                                                "extension helps).")] = None,
                          account_id: AccountId = None, idempotency_key: IdempotencyKey = None) -> ImportOut:
    """Read a statement file and answer its preview (format, account, period, balances, transaction count,
    duplicates, first rows, warnings). Nothing is booked until confirm_bank_import."""
    try:
        data = base64.b64decode(content_base64, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise field_error("content_base64", "not valid base64") from exc
    return imports.preview_import(caller.deps, caller.org_id, data, filename, account_id)


@tool("confirm_bank_import", toolset=TOOLSET, title="Book a previewed statement", action="write", resource=RESOURCE)
def confirm_bank_import(caller: Caller, *,
                        import_id: Annotated[str, Field(min_length=1, max_length=64,
                                                        description="The preview's `id`.")],
                        account_id: AccountId = None, idempotency_key: IdempotencyKey = None) -> ImportOut:
    """Book the transactions of a previewed statement that are not duplicates, all or nothing."""
    return imports.confirm_import(caller.deps, caller.org_id, import_id, account_id)


@tool("list_bank_transactions", toolset=TOOLSET, title="List bank transactions", action="read", resource=RESOURCE)
def list_bank_transactions(caller: Caller, *, account_id: AccountId = None,
                           status: Annotated[str | None, Field(default=None, pattern="^(unmatched|matched|ignored)$",
                                                               description="unmatched (default), matched or "
                                                                           "ignored.")] = "unmatched",
                           search: Annotated[str | None, like(TransactionListQuery, "search",
                                                              "Words of the label or counterparty.")] = None,
                           limit: Annotated[int, like(TransactionListQuery, "limit", "Per page, at most 100.")] = 50,
                           cursor: Cursor = None) -> TransactionList:
    """List bank transactions, newest first; by default the unmatched ones (those waiting for reconciliation).
    Amounts are signed: > 0 money in."""
    query = request(TransactionListQuery, account_id=account_id, status=status, search=search, limit=limit,
                    cursor=cursor)
    listing = transactions.list_transactions(caller.deps, caller.org_id, query)
    return TransactionList(transactions=listing.items, **page_fields(listing))


@tool("suggest_bank_matches", toolset=TOOLSET, title="Suggest matches", action="read", resource=RESOURCE)
def suggest_bank_matches(caller: Caller, *, transaction_id: TransactionId) -> Suggestions:
    """Candidate invoices (for a credit) or expenses (for a debit) of a transaction, best first, each with its
    score's parts (amount 50/40/20, date 30/25/20/10, reference 20/10, name +5; 70 or more matches automatically)."""
    return Suggestions(suggestions=reconcile.suggestions(caller.deps, caller.org_id, transaction_id))


@tool("match_bank_transaction", toolset=TOOLSET, title="Match a bank transaction", action="write",
      resource=RESOURCE)
def match_bank_transaction(caller: Caller, *, transaction_id: TransactionId,
                           invoice_ids: Annotated[list[str] | None, like(MatchRequest, "invoice_ids",
                                                                         "Invoices a credit pays.")] = None,
                           amounts: Annotated[list[PositiveAmount] | None, like(
                               MatchRequest, "amounts", "Amount per invoice (default: what each still owes).")]
                           = None,
                           expense_id: Annotated[str | None, like(MatchRequest, "expense_id",
                                                                  "The expense a debit paid.")] = None,
                           idempotency_key: IdempotencyKey = None) -> BankTransactionOut:
    """Match a credit to invoices (records the payment and posts it once) or a debit to an expense."""
    data = request(MatchRequest, invoice_ids=invoice_ids, amounts=amounts, expense_id=expense_id)
    return matches.match(caller.deps, caller.org_id, transaction_id, data)


@tool("ignore_bank_transaction", toolset=TOOLSET, title="Ignore a bank transaction", action="write",
      resource=RESOURCE)
def ignore_bank_transaction(caller: Caller, *, transaction_id: TransactionId,
                            ledger_account: Annotated[str | None, like(IgnoreRequest, "ledger_account",
                                                                       "Account to post it to (627 bank fees...).")]
                            = None,
                            reason: Annotated[str | None, like(IgnoreRequest, "reason", "Why.")] = None,
                            idempotency_key: IdempotencyKey = None) -> BankTransactionOut:
    """Mark a transaction as needing no document (bank fees, interest, own transfers); with `ledger_account` it
    is posted between the bank account and that account."""
    data = request(IgnoreRequest, ledger_account=ledger_account, reason=reason)
    return matches.ignore(caller.deps, caller.org_id, transaction_id, data)


@tool("run_bank_reconciliation", toolset=TOOLSET, title="Reconcile bank transactions", action="write",
      resource=RESOURCE)
def run_bank_reconciliation(caller: Caller, *, account_id: AccountId = None,
                            idempotency_key: IdempotencyKey = None) -> ReconciliationResult:
    """Score every unmatched transaction against open invoices and expenses, book the matches scoring 70 or more,
    and answer the suggestions (50 to 69) to confirm with match_bank_transaction."""
    return reconcile.run(caller.deps, caller.org_id, account_id)


@tool("list_bank_alerts", toolset=TOOLSET, title="List bank alerts", action="read", resource=RESOURCE)
def list_bank_alerts(caller: Caller, *,
                     severity: Annotated[str | None, Field(default=None, pattern="^(info|warning|critical)$",
                                                           description="Only this severity.")] = None,
                     limit: Annotated[int, like(AlertQuery, "limit", "Per page, at most 100.")] = 50,
                     cursor: Cursor = None) -> AlertList:
    """Bank alerts, newest first: low balance, large expense, overdue invoices."""
    listing = alerts.list_alerts(caller.deps, caller.org_id, request(AlertQuery, severity=severity, limit=limit,
                                                                     cursor=cursor))
    return AlertList(alerts=listing.items, **page_fields(listing))

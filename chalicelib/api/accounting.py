"""Routes of ``/api/v1/accounting``: thin adapters over ``chalicelib.ledger`` (setup, settings, reports, checks).

Accounting routes name no resource scope: they need a key without resource limits (``read`` for reports,
``write`` for init and settings).
"""

from __future__ import annotations

from typing import Any

from chalicelib.api.routing import RouteGroup
from chalicelib.api.views import Ctx, Reply
from chalicelib.ledger import queries, service
from chalicelib.ledger.models import (
    BalanceSheet,
    ChartAccountOut,
    ChartQuery,
    DateQuery,
    EntriesQuery,
    EntryRow,
    GeneralLedger,
    IncomeStatement,
    InitRequest,
    InitResult,
    OptionalPeriodQuery,
    PeriodQuery,
    SettingsOut,
    SettingsPatch,
    TaxSummary,
    TrialBalance,
    TrialBalanceQuery,
    Verification,
)
from chalicelib.ledger.verify import verify_books
from chalicelib.store.pagination import Listing

group = RouteGroup("accounting", tag="Accounting")
route = group.route
OPEN: dict[str, str | None] = {"resource": None}  # no resource scope: a key without resource limits
BASE = "/api/v1/accounting"


@route("POST", BASE + "/init", operation_id="initAccounting", summary="Initialize the books", action="write", **OPEN,
       body=InitRequest, response=InitResult, status=201,
       description="Loads the country's full chart (FR: PCG, BE: PCMN, OHADA: SYSCOHADA révisé), the journals VE, "
                   "AC, BQ, OD and AN, the default posting mappings and VAT rates, then posts the documents issued "
                   "before. 201 when it initialized; 200 with `already_initialized` when it already was (in that "
                   "country); 409 `books_in_use` when asked to switch country once entries exist.")
def init_accounting(ctx: Ctx) -> Any:
    # Imported on use: init posts the documents issued before it, which reads billing; the reports of this
    # function should not load billing at cold start.
    from chalicelib.bookkeeping import init as bookkeeping

    result, created = bookkeeping.init_accounting(ctx.deps, ctx.org_id, ctx.body.country)
    return result if created else Reply({"data": result}, status=200)


@route("GET", BASE + "/settings", operation_id="getAccountingSettings", summary="Accounting settings",
       action="read", **OPEN, response=SettingsOut)
def get_settings(ctx: Ctx) -> Any:
    return service.get_settings(ctx.deps, ctx.org_id)


@route("PATCH", BASE + "/settings", operation_id="updateAccountingSettings", summary="Change accounting settings",
       action="write", **OPEN, body=SettingsPatch, response=SettingsOut,
       description="`lock_date` (only forward: nothing is posted on or before it), `mappings` (merged; each code "
                   "must be in the chart) and `vat_rates` (replaced; percentages).")
def update_settings(ctx: Ctx) -> Any:
    return service.update_settings(ctx.deps, ctx.org_id, ctx.body)


@route("GET", BASE + "/chart", operation_id="getChartOfAccounts", summary="Chart of accounts", action="read", **OPEN,
       query=ChartQuery, response=ChartAccountOut, list_response=True,
       description="Every account with its type (`category`: asset, liability, equity, revenue, expense) and class.")
def chart(ctx: Ctx) -> Any:
    accounts = queries.chart_of_accounts(ctx.deps, ctx.org_id, ctx.query)
    return Listing(items=accounts, page=None, limit=len(accounts), total=len(accounts), next_cursor=None)


@route("GET", BASE + "/entries", operation_id="getAccountingEntries", summary="Journal lines", action="read", **OPEN,
       query=EntriesQuery, response=EntryRow, list_response=True,
       description="Lines of posted entries by date (newest first; `order=asc` for oldest first), filtered by "
                   "`start_date`, `end_date`, `account_code` and `journal`; `limit` up to 500 (default 100), "
                   "`cursor` for the next page.")
def entries(ctx: Ctx) -> Any:
    return queries.list_entries(ctx.deps, ctx.org_id, ctx.query)


@route("GET", BASE + "/trial-balance", operation_id="getTrialBalance", summary="Trial balance", action="read", **OPEN,
       query=TrialBalanceQuery, response=TrialBalance,
       description="Debit, credit and balance of every account up to `date` (default today), or over "
                   "[`start_date`, `date`]; read from balances maintained at posting.")
def trial_balance(ctx: Ctx) -> Any:
    return queries.trial_balance(ctx.deps, ctx.org_id, ctx.query.date, ctx.query.start_date)


@route("GET", BASE + "/tax-summary", operation_id="getTaxSummary", summary="VAT summary of a period",
       action="read", **OPEN, query=PeriodQuery, response=TaxSummary,
       description="VAT collected and deductible by rate from the VAT accounts, VAT due (`vat_payable` = "
                   "`tva_due`) or credit, revenue and purchases, and document counts.")
def tax_summary(ctx: Ctx) -> Any:
    return queries.tax_summary(ctx.deps, ctx.org_id, ctx.query.start_date, ctx.query.end_date)


@route("GET", BASE + "/ledger/{account_code}", operation_id="getGeneralLedger", summary="General ledger of an "
       "account", action="read", **OPEN, query=OptionalPeriodQuery, response=GeneralLedger,
       description="Opening balance, lines with running balance and closing balance over the period (default: the "
                   "current fiscal year to date).")
def general_ledger(ctx: Ctx) -> Any:
    return queries.general_ledger(ctx.deps, ctx.org_id, ctx.path["account_code"], ctx.query.start_date,
                                  ctx.query.end_date)


@route("GET", BASE + "/income-statement", operation_id="getIncomeStatement", summary="Income statement",
       action="read", **OPEN, query=OptionalPeriodQuery, response=IncomeStatement)
def income_statement(ctx: Ctx) -> Any:
    return queries.income_statement(ctx.deps, ctx.org_id, ctx.query.start_date, ctx.query.end_date)


@route("GET", BASE + "/balance-sheet", operation_id="getBalanceSheet", summary="Balance sheet", action="read", **OPEN,
       query=DateQuery, response=BalanceSheet)
def balance_sheet(ctx: Ctx) -> Any:
    return queries.balance_sheet(ctx.deps, ctx.org_id, ctx.query.date)


@route("GET", BASE + "/verify", operation_id="verifyLedger", summary="Verify the books' inalterability",
       action="read", **OPEN, response=Verification,
       description="Recomputes every fiscal year's hash chain and numbering; reports the first break.")
def verify(ctx: Ctx) -> Any:
    return verify_books(ctx.deps, ctx.org_id)


group.seal()

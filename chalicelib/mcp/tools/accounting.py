"""Tools of the ``accounting`` toolset (the seed's five: chart, journal lines, trial balance, VAT summary,
initialization) and of the ``books`` toolset (statements, general ledger, integrity check, settings): thin adapters
over ``chalicelib.ledger``, as the ``/api/v1/accounting`` routes are. They name no resource scope, like those
routes: the key must not be limited to resources."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, Field

from chalicelib.bookkeeping import init as bookkeeping
from chalicelib.core.models import Day
from chalicelib.ledger import queries, service
from chalicelib.ledger.models import (
    AccountType,
    BalanceSheet,
    ChartAccountOut,
    ChartQuery,
    EntriesQuery,
    EntryRow,
    GeneralLedger,
    IncomeStatement,
    InitResult,
    SettingsOut,
    SettingsPatch,
    TaxSummary,
    TrialBalance,
    VatRateIn,
    Verification,
)
from chalicelib.ledger.verify import verify_books
from chalicelib.mcp.models import Cursor, EndDate, IdempotencyKey, StartDate, like, page_fields, request
from chalicelib.mcp.registry import Caller, tool

TOOLSET = "accounting"
BOOKS = "books"

AccountCode = Annotated[str, Field(min_length=1, max_length=20, pattern=r"^[0-9]+$",
                                   description="Account number of the chart, digits only (411, 512, 706000...).")]


def _upper(value: Any) -> Any:
    return value.strip().upper() if isinstance(value, str) else value


class ChartOfAccounts(BaseModel):
    accounts: list[ChartAccountOut]
    count: int


class EntryList(BaseModel):
    entries: list[EntryRow] = Field(description="Journal lines; the lines of one entry share `entry_number`.")
    count: int = Field(description="Lines in this answer.")
    total: int = Field(description="Lines matching the filters, all pages together.")
    next_cursor: str | None = Field(description="Pass it as `cursor` for the next page; null on the last page.")


@tool("get_chart_of_accounts", toolset=TOOLSET, title="Chart of accounts", action="read", resource=None)
def get_chart_of_accounts(caller: Caller, *,
                          category: Annotated[AccountType | None,
                                              Field(description="Only accounts of this type.")] = None
                          ) -> ChartOfAccounts:
    """The organization's chart of accounts (French PCG, Belgian PCMN or SYSCOHADA, as chosen by
    `init_accounting`), each with its name, type (`account_type`, also in
    `account_category`: asset, liability, equity, revenue, expense) and class. Use `category` to list e.g. the
    expense accounts. Fails with `accounting_not_initialized` until `init_accounting` has run.
    """
    accounts = queries.chart_of_accounts(caller.deps, caller.org_id, request(ChartQuery, category=category))
    return ChartOfAccounts(accounts=accounts, count=len(accounts))


@tool("get_accounting_entries", toolset=TOOLSET, title="Journal lines", action="read", resource=None)
def get_accounting_entries(caller: Caller, *, start_date: StartDate = None, end_date: EndDate = None,
                           account_code: Annotated[str | None,
                                                   like(EntriesQuery, "account_code",
                                                        "Only lines on this account (digits, e.g. 411 or "
                                                        "706000).")] = None,
                           limit: Annotated[int, like(EntriesQuery, "limit", "Lines per page, at most 500.")]
                           = 100,
                           cursor: Cursor = None) -> EntryList:
    """Lines of the posted journal entries (écritures), newest first: journal (VE sales, AC purchases, BQ bank, OD
    miscellaneous, AN opening), entry number, date, account, label, piece reference, debit and credit (decimals in
    the books' currency). Entries are posted automatically when invoices are issued, payments recorded, expenses
    entered. Filter by date range and account. Returns `{entries, count, total, next_cursor}`.
    """
    query = request(EntriesQuery, start_date=start_date, end_date=end_date, account_code=account_code, limit=limit,
                    cursor=cursor)
    listing = queries.list_entries(caller.deps, caller.org_id, query)
    return EntryList(entries=listing.items, **page_fields(listing))


@tool("get_trial_balance", toolset=TOOLSET, title="Trial balance", action="read", resource=None)
def get_trial_balance(caller: Caller, *,
                      date: Annotated[Day | None, Field(description="Cut-off day, included (YYYY-MM-DD). "
                                                                        "Default: today.")] = None) -> TrialBalance:
    """Trial balance (balance des comptes) at a cut-off day: for every account with movements up to that day (since
    the books began), total debit, total credit and balance (debit − credit), ordered by account number, plus the
    grand totals and `balanced` (total debit equals total credit). Amounts are decimals in the books' `currency`.
    """
    return queries.trial_balance(caller.deps, caller.org_id, date, None)


@tool("get_tax_summary", toolset=TOOLSET, title="VAT summary", action="read", resource=None)
def get_tax_summary(caller: Caller, *,
                    start_date: Annotated[Day, Field(description="First day of the period (YYYY-MM-DD).")],
                    end_date: Annotated[Day, Field(description="Last day of the period, included.")]
                    ) -> TaxSummary:
    """VAT of a period, read from the books' VAT accounts: VAT collected (`output_vat` = `tva_collected`),
    deductible VAT (`estimated_input_vat` = `tva_deductible`, exact despite its name), VAT due (`vat_payable` =
    `tva_due`) or the credit to carry forward (`vat_credit`), a breakdown by rate (`by_rate`), revenue excluding
    VAT, purchases, and document counts. Amounts are decimals in the books' currency; rates are percentages.
    For a quarter give its first and last day (Q1 2026: 2026-01-01 to 2026-03-31).
    """
    return queries.tax_summary(caller.deps, caller.org_id, start_date, end_date)


@tool("init_accounting", toolset=TOOLSET, title="Initialize the books", action="write", resource=None,
      idempotent=True)
def init_accounting(caller: Caller, *,
                    country: Annotated[Literal["FR", "BE", "OHADA"], BeforeValidator(_upper),
                                       Field(description="FR (French PCG), BE (Belgian PCMN) or OHADA (SYSCOHADA, "
                                                         "West and Central Africa).")],
                    idempotency_key: IdempotencyKey = None) -> InitResult:
    """Set up double-entry accounting for a country: loads the full chart of accounts, the journals (VE, AC, BQ,
    OD, AN), the default posting rules and VAT rates, then posts the documents issued before. Run it once before
    using the other accounting tools. Calling it again with the same country changes nothing and answers
    `already_initialized: true`; switching country is refused once entries exist (`books_in_use`).
    Returns `{initialized, already_initialized, country, accounts_loaded, journals, vat_rates, ...}`.
    """
    result, _created = bookkeeping.init_accounting(caller.deps, caller.org_id, country)
    return result


# --- the books toolset ------------------------------------------------------------------------------------------


@tool("get_income_statement", toolset=BOOKS, title="Income statement", action="read", resource=None)
def get_income_statement(caller: Caller, *,
                         start_date: Annotated[Day | None, Field(description="First day. Default: the start "
                                                                                 "of the current fiscal year.")]
                         = None,
                         end_date: Annotated[Day | None, Field(description="Last day. Default: today.")] = None
                         ) -> IncomeStatement:
    """Income statement (compte de résultat) of a period: revenue and expense accounts with their totals, and the
    net income (revenue − expenses). Amounts are decimals in the books' currency.
    """
    return queries.income_statement(caller.deps, caller.org_id, start_date, end_date)


@tool("get_balance_sheet", toolset=BOOKS, title="Balance sheet", action="read", resource=None)
def get_balance_sheet(caller: Caller, *,
                      date: Annotated[Day | None, Field(description="Day of the balance sheet. Default: today.")]
                      = None) -> BalanceSheet:
    """Balance sheet (bilan) at a day: assets, liabilities and equity by account, the current result not yet
    closed into equity, the totals and whether they balance. Amounts are decimals in the books' currency.
    """
    return queries.balance_sheet(caller.deps, caller.org_id, date)


@tool("verify_ledger", toolset=BOOKS, title="Verify the books", action="read", resource=None)
def verify_ledger(caller: Caller) -> Verification:
    """Check that the posted entries were never altered: recomputes every fiscal year's hash chain and numbering
    and reports `valid` and the first break found (fiscal year, entry number, reason), if any.
    """
    return verify_books(caller.deps, caller.org_id)


@tool("get_general_ledger", toolset=BOOKS, title="General ledger of an account", action="read", resource=None)
def get_general_ledger(caller: Caller, *, account_code: AccountCode,
                       start_date: Annotated[Day | None, Field(description="First day. Default: the start of "
                                                                               "the current fiscal year.")] = None,
                       end_date: Annotated[Day | None, Field(description="Last day. Default: today.")] = None,
                       cursor: Cursor = None) -> GeneralLedger:
    """General ledger (grand livre) of one account over a period: opening balance, every line (date, journal,
    entry number, reference, label, debit, credit, running balance) and the closing balance. Up to 500 lines per
    answer; pass `next_cursor` back as `cursor` for more (running balances then restart from the line).
    """
    return queries.general_ledger(caller.deps, caller.org_id, account_code, start_date, end_date, cursor=cursor)


@tool("get_accounting_settings", toolset=BOOKS, title="Accounting settings", action="read", resource=None)
def get_accounting_settings(caller: Caller) -> SettingsOut:
    """The accounting settings: country, lock date (nothing can be posted on or before it), posting mappings
    (which account each kind of posting uses) and VAT rates (percent, kind, account)."""
    return service.get_settings(caller.deps, caller.org_id)


@tool("update_accounting_settings", toolset=BOOKS, title="Change accounting settings", action="write",
      resource=None, idempotent=True)
def update_accounting_settings(caller: Caller, *,
                               lock_date: Annotated[Day | None,
                                                    Field(description="New lock date: nothing can be posted on or "
                                                                      "before it. It only moves forward.")] = None,
                               mappings: Annotated[dict[str, str] | None,
                                                   Field(description="Posting keys to account codes (e.g. "
                                                                     "{\"revenue.service\": \"706\"}), merged "
                                                                     "into the current mappings; each code must be "
                                                                     "in the chart.")] = None,
                               vat_rates: Annotated[list[VatRateIn] | None,
                                                    like(SettingsPatch, "vat_rates",
                                                         "Replaces every VAT rate: rate in percent, kind "
                                                         "output|input, account, is_default.")]
                               = None,
                               idempotency_key: IdempotencyKey = None) -> SettingsOut:
    """Change the accounting settings; only what you pass changes. Read them first with
    `get_accounting_settings`. Returns the settings as they now are.
    """
    patch = request(SettingsPatch, lock_date=lock_date, mappings=mappings, vat_rates=vat_rates)
    return service.update_settings(caller.deps, caller.org_id, patch)

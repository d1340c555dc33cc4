"""Reading the books: the chart, the journal's lines, balances at a date (from the maintained buckets), the trial
balance, the VAT summary, the general ledger of an account, the income statement and the balance sheet.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterator
from decimal import Decimal

from chalicelib.auth.calendar import org_today
from chalicelib.auth.repository import get_organization
from chalicelib.company.models import fiscal_year_bounds
from chalicelib.company.service import get_company
from chalicelib.core.errors import NotFound, field_error
from chalicelib.ledger import counts, lines
from chalicelib.ledger import repository as repo
from chalicelib.ledger.accounts import accounts_of
from chalicelib.ledger.models import (
    JOURNAL_NAMES,
    AccountBalance,
    AccountingSettings,
    BalanceSheet,
    ChartAccountOut,
    ChartQuery,
    EntriesQuery,
    EntryRow,
    GeneralLedger,
    IncomeStatement,
    LedgerLine,
    RateSummary,
    StatementSection,
    TaxSummary,
    TrialBalance,
)
from chalicelib.ledger.service import require_settings
from chalicelib.store.deps import Deps
from chalicelib.store.pagination import Listing, QueryFn, all_items, count_all, fetch_page, without_total
from chalicelib.store.port import Item, Page

ZERO = Decimal("0")
Totals = dict[str, tuple[Decimal, Decimal]]  # account -> (debit, credit)


def _today(deps: Deps, org_id: str) -> dt.date:
    return org_today(deps, org_id)


def _currency(deps: Deps, org_id: str) -> str:
    org = get_organization(deps.store, org_id)
    return org.currency if org else "EUR"


# --- chart -------------------------------------------------------------------------------------------------------


def chart_of_accounts(deps: Deps, org_id: str, query: ChartQuery) -> list[ChartAccountOut]:
    settings = require_settings(deps, org_id)
    return [ChartAccountOut(account_code=a.code, account_name=a.name, account_type=a.type, account_category=a.type,
                            account_class=a.account_class, parent_code=a.parent_code)
            for a in accounts_of(deps.store, settings)
            if (query.category is None or a.type == query.category)
            and (query.account_class is None or a.account_class == query.account_class)]


# --- the journal's lines ------------------------------------------------------------------------------------------


def row(line_ref: lines.LineRef, line: Item, entry: Item, currency: str) -> EntryRow:
    return EntryRow(currency=currency, id=f"{entry['id']}:{line_ref.line_no}", entry_id=entry["id"],
                    entry_number=f"{line_ref.fiscal_year[:4]}-{line_ref.number:06d}",
                    fiscal_year=line_ref.fiscal_year, journal_code=line_ref.journal,
                    journal_name=JOURNAL_NAMES[line_ref.journal], transaction_date=line_ref.entry_date,
                    account_code=line_ref.account, account_name=line["account_name"],
                    aux_account=line.get("aux_account"), aux_name=line.get("aux_name"), debit=Decimal(line["debit"]),
                    credit=Decimal(line["credit"]), description=line["label"], reference=entry["piece_ref"],
                    piece_date=entry["piece_date"], source_type=entry["source_type"], source_id=entry["source_id"],
                    validated_at=entry["validated_at"])


def _of_journal(fetch: QueryFn, journal: str) -> QueryFn:
    """``fetch`` keeping the lines of one journal: each call reads on until it has ``limit`` of them or none is
    left, and its cursor resumes after the last line read (every line read was kept or passed over)."""
    def read(limit: int, cursor: str | None) -> Page:
        kept: list[Item] = []
        while True:
            page = fetch(limit - len(kept), cursor)
            kept += [item for item in page.items if lines.ref(item).journal == journal]
            cursor = page.next_cursor
            if len(kept) >= limit or cursor is None:
                return Page(items=kept, next_cursor=cursor)
    return read


def list_entries(deps: Deps, org_id: str, query: EntriesQuery) -> Listing:
    """Lines of the journal by date (newest first by default), of one account and/or journal, within a date range.
    ``total`` comes from the line counts; only the account-and-journal listing counts by reading its lines."""
    require_settings(deps, org_id)
    start = query.start_date.isoformat() if query.start_date else None
    end = query.end_date.isoformat() if query.end_date else None

    def fetch(limit: int, cursor: str | None) -> Page:
        return lines.query_lines(deps.store, org_id, account=query.account_code, journal=query.journal,
                                 start=start, end=end, limit=limit, cursor=cursor, forward=query.order == "asc")

    chosen = _of_journal(fetch, query.journal) if query.account_code and query.journal else fetch
    page, number = fetch_page(chosen, without_total(query))
    total = counts.line_total(deps.store, org_id, account=query.account_code, journal=query.journal,
                              start=query.start_date, end=query.end_date)
    currency = _currency(deps, org_id)
    return Listing(items=[row(r, line, entry, currency) for r, line, entry in lines.joined(deps.store, org_id,
                                                                                            page.items)],
                   page=number, limit=query.limit, total=count_all(chosen) if total is None else total,
                   next_cursor=page.next_cursor)


# --- balances ------------------------------------------------------------------------------------------------------


def _sum(items: Iterator[Item], into: dict[str, list[int]]) -> None:
    for item in items:
        into[item["account"]][0 if item["side"] == "D" else 1] += int(item["units"])


def balances_at(deps: Deps, org_id: str, day: dt.date) -> Totals:
    """Cumulative debit and credit of every account up to ``day`` included: whole years before it, whole months of
    its year before its month, then its month's days; the cost depends on the calendar, not on the entries."""
    units: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    y, m = day.year, day.month
    _sum(repo.balance_items(deps.store, org_id, "Y#", f"Y#{y - 1:04d}~"), units)
    if m > 1:
        _sum(repo.balance_items(deps.store, org_id, f"M#{y:04d}-01", f"M#{y:04d}-{m - 1:02d}~"), units)
    _sum(repo.balance_items(deps.store, org_id, f"D#{day.isoformat()[:7]}-01", f"D#{day.isoformat()}~"), units)
    return {account: (repo.from_units(d), repo.from_units(c)) for account, (d, c) in units.items() if d or c}


def movements(deps: Deps, org_id: str, start: dt.date | None, end: dt.date) -> Totals:
    """Debit and credit of every account between ``start`` and ``end`` included (all history when no start)."""
    closing = balances_at(deps, org_id, end)
    if start is None:
        return closing
    opening = balances_at(deps, org_id, start - dt.timedelta(days=1))
    moved = {account: (d - opening.get(account, (ZERO, ZERO))[0], c - opening.get(account, (ZERO, ZERO))[1])
             for account, (d, c) in closing.items()}
    return {account: dc for account, dc in moved.items() if dc != (ZERO, ZERO)}


def _rows(settings: AccountingSettings, deps: Deps, totals: Totals) -> list[AccountBalance]:
    accounts = {a.code: a for a in accounts_of(deps.store, settings)}
    rows = []
    for code in sorted(totals):
        debit, credit = totals[code]
        known = accounts.get(code)
        rows.append(AccountBalance(account_code=code, account_name=known.name if known else code,
                                   account_type=known.type if known else None, total_debit=debit,
                                   total_credit=credit, balance=debit - credit))
    return rows


def trial_balance(deps: Deps, org_id: str, day: dt.date | None, start: dt.date | None = None) -> TrialBalance:
    settings = require_settings(deps, org_id)
    cutoff = day or _today(deps, org_id)
    if start is not None and start > cutoff:
        raise field_error("start_date", "must not be after date")
    rows = _rows(settings, deps, movements(deps, org_id, start, cutoff))
    debit = sum((r.total_debit for r in rows), ZERO)
    credit = sum((r.total_credit for r in rows), ZERO)
    return TrialBalance(accounts=rows, total_debit=debit, total_credit=credit, balanced=debit == credit,
                        cutoff_date=cutoff, start_date=start, currency=_currency(deps, org_id))


# --- VAT ------------------------------------------------------------------------------------------------------------


def _lines(deps: Deps, org_id: str, *, account: str | None = None, journal: str | None = None,
           start: dt.date, end: dt.date) -> Iterator[Item]:
    return all_items(lambda cursor: lines.query_lines(deps.store, org_id, account=account, journal=journal,
                                                     start=start.isoformat(), end=end.isoformat(), limit=1000,
                                                     cursor=cursor))


def tax_summary(deps: Deps, org_id: str, start: dt.date, end: dt.date) -> TaxSummary:
    """VAT collected and deductible by rate, read from the VAT accounts' lines of the period (reversals included,
    so a cancelled invoice nets to zero), with the revenue and purchases of the period from the balances."""
    settings = require_settings(deps, org_id)
    if end < start:
        raise field_error("end_date", "must not be before start_date")
    by_rate: dict[Decimal, list[Decimal]] = defaultdict(lambda: [ZERO, ZERO, ZERO, ZERO])
    vat_accounts: set[tuple[str, str]] = {(rate.account, rate.kind) for rate in settings.vat_rates}
    vat_accounts |= {(settings.mappings[key], kind) for key, kind in (("vat_output", "output"), ("vat_input", "input"))
                     if key in settings.mappings}
    output = input_ = ZERO
    for account, kind in sorted(vat_accounts):
        for item in _lines(deps, org_id, account=account, start=start, end=end):
            amount = Decimal(item["credit"]) - Decimal(item["debit"])
            base = Decimal(item["vat_base"]) if item.get("vat_base") is not None else ZERO
            rate = Decimal(item["vat_rate"]) if item.get("vat_rate") is not None else ZERO
            slot = by_rate[rate.normalize()]
            if kind == "output":
                output += amount
                slot[0] += base
                slot[1] += amount
            else:
                input_ -= amount
                slot[2] += base
                slot[3] -= amount
    moved = movements(deps, org_id, start, end)
    types = {a.code: a.type for a in accounts_of(deps.store, settings)}
    revenue = sum((c - d for code, (d, c) in moved.items() if types.get(code) == "revenue"), ZERO)
    purchases = sum((d - c for code, (d, c) in moved.items() if types.get(code) == "expense"), ZERO)
    counts = _document_counts(deps, org_id, start, end)
    due = output - input_
    return TaxSummary(period={"start": start, "end": end}, currency=_currency(deps, org_id), revenue_ht=revenue,
                      output_vat=output, total_expenses=purchases + input_, estimated_input_vat=input_,
                      vat_payable=max(due, ZERO), tva_collected=output, tva_deductible=input_, tva_due=max(due, ZERO),
                      vat_credit=max(-due, ZERO), invoice_count=counts["invoice"],
                      credit_note_count=counts["credit_note"], expense_count=counts["expense"],
                      by_rate=[RateSummary(rate=rate, output_base=v[0], output_vat=v[1], input_base=v[2],
                                           input_vat=v[3]) for rate, v in sorted(by_rate.items())],
                      tax_rates=settings.vat_rates)


def _document_counts(deps: Deps, org_id: str, start: dt.date, end: dt.date) -> dict[str, int]:
    """Documents whose posting in the period still stands (a reversal in the period cancels its count)."""
    net: dict[str, dict[str, int]] = {"invoice": defaultdict(int), "credit_note": defaultdict(int),
                                      "expense": defaultdict(int)}
    for journal in ("VE", "AC", "OD"):
        keys = dict.fromkeys(lines.ref(item).entry_key for item in _lines(deps, org_id, journal=journal,
                                                                          start=start, end=end))
        for entry in lines.entries_by_key(deps.store, org_id, keys).values():
            if entry["source_type"] in net:
                net[entry["source_type"]][entry["source_id"]] += -1 if journal == "OD" else 1
    return {kind: sum(1 for n in ids.values() if n > 0) for kind, ids in net.items()}


# --- general ledger and statements ------------------------------------------------------------------------------------


def general_ledger(deps: Deps, org_id: str, account: str, start: dt.date | None, end: dt.date | None,
                   limit: int = 500, cursor: str | None = None) -> GeneralLedger:
    settings = require_settings(deps, org_id)
    accounts = {a.code: a for a in accounts_of(deps.store, settings)}
    if account not in accounts and not lines.query_lines(deps.store, org_id, account=account, journal=None,
                                                         start=None, end=None, limit=1, cursor=None).items:
        raise NotFound(f"account {account} is not in the chart and has no lines", code="account_not_found")
    end = end or _today(deps, org_id)
    start = start or _fiscal_year_start(deps, org_id, end)
    if end < start:
        raise field_error("end_date", "must not be before start_date")
    before = balances_at(deps, org_id, start - dt.timedelta(days=1)).get(account, (ZERO, ZERO))
    period = movements(deps, org_id, start, end).get(account, (ZERO, ZERO))
    opening = before[0] - before[1]
    page = lines.query_lines(deps.store, org_id, account=account, journal=None, start=start.isoformat(),
                             end=end.isoformat(), limit=limit, cursor=cursor)
    running = opening if cursor is None else None
    rows = []
    for line_ref, line, entry in lines.joined(deps.store, org_id, page.items):
        debit, credit = Decimal(line["debit"]), Decimal(line["credit"])
        if running is not None:
            running += debit - credit
        rows.append(LedgerLine(entry_id=entry["id"], entry_number=f"{line_ref.fiscal_year[:4]}-{line_ref.number:06d}",
                               journal_code=line_ref.journal, date=line_ref.entry_date, reference=entry["piece_ref"],
                               description=line["label"], aux_account=line.get("aux_account"), debit=debit,
                               credit=credit, balance=running if running is not None else debit - credit))
    known = accounts.get(account)
    return GeneralLedger(account_code=account, account_name=known.name if known else account,
                         account_type=known.type if known else None, start_date=start, end_date=end,
                         opening_balance=opening, total_debit=period[0], total_credit=period[1],
                         closing_balance=opening + period[0] - period[1], lines=rows, next_cursor=page.next_cursor,
                         currency=_currency(deps, org_id))


def _fiscal_year_start(deps: Deps, org_id: str, day: dt.date) -> dt.date:
    return fiscal_year_bounds(get_company(deps, org_id).fiscal_year_start, day)[0]


def _section(rows: list[AccountBalance], sign: int) -> StatementSection:
    return StatementSection(total=sum((sign * r.balance for r in rows), ZERO), accounts=rows)


def income_statement(deps: Deps, org_id: str, start: dt.date | None, end: dt.date | None) -> IncomeStatement:
    settings = require_settings(deps, org_id)
    end = end or _today(deps, org_id)
    start = start or _fiscal_year_start(deps, org_id, end)
    if end < start:
        raise field_error("end_date", "must not be before start_date")
    rows = _rows(settings, deps, movements(deps, org_id, start, end))
    revenue = _section([r for r in rows if r.account_type == "revenue"], -1)
    expenses = _section([r for r in rows if r.account_type == "expense"], 1)
    return IncomeStatement(start_date=start, end_date=end, currency=_currency(deps, org_id), revenue=revenue,
                           expenses=expenses, net_income=revenue.total - expenses.total)


def balance_sheet(deps: Deps, org_id: str, day: dt.date | None) -> BalanceSheet:
    settings = require_settings(deps, org_id)
    day = day or _today(deps, org_id)
    rows = _rows(settings, deps, balances_at(deps, org_id, day))
    assets = _section([r for r in rows if r.account_type == "asset"], 1)
    liabilities = _section([r for r in rows if r.account_type == "liability"], -1)
    equity = _section([r for r in rows if r.account_type == "equity"], -1)
    result = (sum((-r.balance for r in rows if r.account_type == "revenue"), ZERO)
              - sum((r.balance for r in rows if r.account_type == "expense"), ZERO))
    unknown = sum((r.balance for r in rows if r.account_type is None), ZERO)
    total_assets = assets.total + unknown
    other_side = liabilities.total + equity.total + result
    return BalanceSheet(date=day, currency=_currency(deps, org_id), assets=assets, liabilities=liabilities,
                        equity=equity, current_result=result, total_assets=total_assets,
                        total_liabilities_and_equity=other_side, balanced=total_assets == other_side)

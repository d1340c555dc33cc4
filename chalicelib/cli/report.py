"""``manage.py report``: the trial balance, an account's general ledger and the VAT summary as tables.

Each command checks its flags, calls one query of the books (``chalicelib.ledger.queries``) and maps the answer
to rows; the figures are the service's, rounded to the books' currency only for printing. Only what these need is
imported: the queries, the store and ``rich``'s table, never the HTTP app, the exports or the cloud SDKs.
"""

from __future__ import annotations

import argparse
from datetime import date
from decimal import Decimal

from chalicelib.cli.common import open_deps, org_id_of
from chalicelib.cli.errors import CliError
from chalicelib.cli.render import Cell, Column, Table, write
from chalicelib.core.money import quantize, rate_text
from chalicelib.ledger.models import GeneralLedger, LedgerLine, TaxSummary, TrialBalance
from chalicelib.ledger.queries import general_ledger, tax_summary, trial_balance
from chalicelib.store.deps import Deps

PAGE = 1000  # general-ledger lines read per query (the store's largest page)


def _dates(args: argparse.Namespace, start_flag: str, end_flag: str) -> tuple[date | None, date | None]:
    """(start, end) from ``--period`` or from the two flags named; a period given with either flag is refused."""
    start, end = getattr(args, start_flag[2:].replace("-", "_")), getattr(args, end_flag[2:].replace("-", "_"))
    if args.period is None:
        if start and end and end < start:
            raise CliError(f"report {args.report}: {end_flag} is before {start_flag}")
        return start, end
    if start or end:
        raise CliError(f"report {args.report}: give --period, or {start_flag} and {end_flag}, not both")
    first, last = args.period
    return first, last


def _open(args: argparse.Namespace) -> tuple[Deps, str]:
    deps = open_deps(args, existing=True)
    return deps, org_id_of(args, deps)


def _amount(value: Decimal, currency: str) -> Decimal:
    rounded = quantize(value, currency)
    return rounded.copy_abs() if rounded.is_zero() else rounded  # never "-0.00"


# --- trial balance ------------------------------------------------------------------------------------------------


def trial_balance_table(result: TrialBalance) -> Table:
    cur = result.currency
    rows: list[tuple[Cell, ...]] = [
        (a.account_code, a.account_name, _amount(a.total_debit, cur), _amount(a.total_credit, cur),
         _amount(a.balance, cur)) for a in result.accounts]
    span = f"from {result.start_date} to {result.cutoff_date}" if result.start_date else f"at {result.cutoff_date}"
    return Table(title=f"Trial balance {span} ({cur})",
                 columns=(Column("account_code", "Account"), Column("account_name", "Name"),
                          Column("debit", "Debit", True), Column("credit", "Credit", True),
                          Column("balance", "Balance", True)),
                 rows=rows,
                 total=("Total", "", _amount(result.total_debit, cur), _amount(result.total_credit, cur),
                        _amount(result.total_debit - result.total_credit, cur)),
                 caption="balanced" if result.balanced else "NOT BALANCED: total debit and total credit differ",
                 extra={"currency": cur, "start_date": str(result.start_date or ""),
                        "date": str(result.cutoff_date), "balanced": str(result.balanced).lower()})


def cmd_trial_balance(args: argparse.Namespace) -> int:
    start, cutoff = _dates(args, "--start-date", "--date")
    deps, org_id = _open(args)
    write([trial_balance_table(trial_balance(deps, org_id, cutoff, start))], args.format)
    return 0


# --- general ledger -----------------------------------------------------------------------------------------------


def ledger_table(first: GeneralLedger, lines: list[LedgerLine]) -> Table:
    """The ledger of ``first`` (its first page) with every line of the period; the running balance runs on from
    the opening balance across the pages."""
    cur = first.currency
    running = first.opening_balance
    rows: list[tuple[Cell, ...]] = [("", "", "", "", "Opening balance", "", "", _amount(running, cur))]
    for line in lines:
        running += line.debit - line.credit
        rows.append((str(line.date), line.entry_number, line.journal_code, line.reference, line.description,
                     _amount(line.debit, cur), _amount(line.credit, cur), _amount(running, cur)))
    return Table(title=f"Ledger {first.account_code} {first.account_name} from {first.start_date} to "
                       f"{first.end_date} ({cur})",
                 columns=(Column("date", "Date"), Column("entry_number", "Entry"), Column("journal", "Journal"),
                          Column("reference", "Reference"), Column("description", "Description"),
                          Column("debit", "Debit", True), Column("credit", "Credit", True),
                          Column("balance", "Balance", True)),
                 rows=rows,
                 total=("", "", "", "", "Total and closing balance", _amount(first.total_debit, cur),
                        _amount(first.total_credit, cur), _amount(first.closing_balance, cur)),
                 extra={"currency": cur, "account_code": first.account_code, "account_name": first.account_name,
                        "start_date": str(first.start_date), "end_date": str(first.end_date)})


def cmd_ledger(args: argparse.Namespace) -> int:
    start, end = _dates(args, "--start-date", "--end-date")
    deps, org_id = _open(args)
    first = page = general_ledger(deps, org_id, args.account, start, end, limit=PAGE)
    lines = list(page.lines)
    while page.next_cursor:
        page = general_ledger(deps, org_id, args.account, first.start_date, first.end_date, limit=PAGE,
                              cursor=page.next_cursor)
        lines.extend(page.lines)
    write([ledger_table(first, lines)], args.format)
    return 0


# --- VAT ----------------------------------------------------------------------------------------------------------


def vat_tables(result: TaxSummary) -> list[Table]:
    cur = result.currency
    amounts = [(_amount(r.output_base, cur), _amount(r.output_vat, cur), _amount(r.input_base, cur),
                _amount(r.input_vat, cur)) for r in result.by_rate]
    by_rate: list[tuple[Cell, ...]] = [(rate_text(r.rate), *figures) for r, figures in zip(result.by_rate, amounts,
                                                                                            strict=True)]
    sums = tuple(_amount(sum((figures[n] for figures in amounts), Decimal(0)), cur) for n in range(4))
    span = f"from {result.period['start']} to {result.period['end']}"
    rates = Table(title=f"VAT by rate {span} ({cur})",
                  columns=(Column("rate", "Rate"), Column("output_base", "Sales base", True),
                           Column("output_vat", "VAT collected", True), Column("input_base", "Purchases base", True),
                           Column("input_vat", "VAT deductible", True)),
                  rows=by_rate, total=("Total", *sums),
                  extra={"currency": cur, "start_date": str(result.period["start"]),
                         "end_date": str(result.period["end"])})
    summary = Table(title=f"VAT return {span} ({cur})",
                    columns=(Column("item", "Item"), Column("value", "Amount", True)),
                    rows=[("Revenue excluding VAT", _amount(result.revenue_ht, cur)),
                          ("Expenses including deductible VAT", _amount(result.total_expenses, cur)),
                          ("VAT collected", _amount(result.tva_collected, cur)),
                          ("VAT deductible", _amount(result.tva_deductible, cur)),
                          ("VAT due", _amount(result.tva_due, cur)),
                          ("VAT credit to carry forward", _amount(result.vat_credit, cur)),
                          ("Invoices", result.invoice_count), ("Credit notes", result.credit_note_count),
                          ("Expenses", result.expense_count)],
                    extra={"currency": cur})
    return [rates, summary]


def cmd_vat(args: argparse.Namespace) -> int:
    start, end = _dates(args, "--start-date", "--end-date")
    if start is None or end is None:
        raise CliError("report vat needs --period, or --start-date and --end-date")
    deps, org_id = _open(args)
    write(vat_tables(tax_summary(deps, org_id, start, end)), args.format)
    return 0

"""The arguments of ``manage.py report``: the trial balance, an account's general ledger and the VAT summary.

Standard library only, like the rest of the parser: the report's modules are imported when it runs.
"""

from __future__ import annotations

import argparse

from chalicelib.cli.periods import PERIOD_HELP, day, period

FORMATS = ("table", "json", "csv")
_COMMAND = "chalicelib.cli.report:"


def _options(common: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """What every report takes besides --data-dir: the organization and the output format."""
    options = argparse.ArgumentParser(add_help=False, parents=[common])
    options.add_argument("--org", help="organization id (default: the local one)")
    options.add_argument("--format", choices=FORMATS, default="table",
                         help="table (default, aligned columns), json (amounts as exact numbers) or csv")
    return options


def _trial_balance(kinds: argparse._SubParsersAction, options: argparse.ArgumentParser) -> None:
    t = kinds.add_parser("trial-balance", parents=[options], help="debit, credit and balance of every account",
                         description="Every account's debit, credit and balance up to --date (default today), "
                                     "from --start-date when given (a period's movements), with the totals.")
    t.add_argument("--date", type=day, help="last day included (YYYY-MM-DD; default today)")
    t.add_argument("--start-date", type=day, help="only movements from this day (YYYY-MM-DD)")
    t.add_argument("--period", type=period,
                   help=f"instead of --start-date and --date: the movements of {PERIOD_HELP}")
    t.set_defaults(func=_COMMAND + "cmd_trial_balance")


def _ledger(kinds: argparse._SubParsersAction, options: argparse.ArgumentParser) -> None:
    g = kinds.add_parser("ledger", parents=[options], help="the lines of one account with a running balance",
                         description="The general ledger of ACCOUNT: opening balance, every line of the period "
                                     "with its running balance, totals and closing balance.")
    g.add_argument("account", metavar="ACCOUNT", help="account code, e.g. 411000 or 512")
    g.add_argument("--start-date", type=day, help="first day (YYYY-MM-DD; default the start of the fiscal year)")
    g.add_argument("--end-date", type=day, help="last day (YYYY-MM-DD; default today)")
    g.add_argument("--period", type=period, help=f"instead of --start-date and --end-date: {PERIOD_HELP}")
    g.set_defaults(func=_COMMAND + "cmd_ledger")


def _vat(kinds: argparse._SubParsersAction, options: argparse.ArgumentParser) -> None:
    v = kinds.add_parser("vat", parents=[options], help="VAT collected and deductible by rate, and what is due",
                         description="VAT collected and deductible by rate over a period, the revenue and "
                                     "purchases of the period, and the VAT due or the credit to carry forward.")
    v.add_argument("--start-date", type=day, help="first day (YYYY-MM-DD)")
    v.add_argument("--end-date", type=day, help="last day (YYYY-MM-DD)")
    v.add_argument("--period", type=period,
                   help=f"instead of --start-date and --end-date: {PERIOD_HELP}, e.g. 2026-Q1 for January to March")
    v.set_defaults(func=_COMMAND + "cmd_vat")


REPORTS = {"trial-balance": _trial_balance, "ledger": _ledger, "vat": _vat}


def add_report_parser(sub: argparse._SubParsersAction, common: argparse.ArgumentParser,
                      kind: str | None = None) -> None:
    """``report`` and its reports; with the ``kind`` about to be parsed, that report's arguments alone (the others
    are not needed to parse it, and building them is time a short command would spend for nothing)."""
    options = _options(common)
    report = sub.add_parser("report", help="print the trial balance, an account's ledger or the VAT summary",
                            description="Reports of the books, read from the same queries as the API's.")
    kinds = report.add_subparsers(dest="report", required=True, metavar="{" + ",".join(REPORTS) + "}")
    for name, build in REPORTS.items():
        if kind not in REPORTS or kind == name:
            build(kinds, options)

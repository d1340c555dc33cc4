"""``python manage.py <command>``: run the local server, create organizations and keys, load demo data, write the
legal exports to files, print the books' reports, run a scheduled job.

Every mistake the user can fix ends in one ``error:`` line on stderr naming the flag to use, and exit code 2
(argparse's own errors included); no traceback.

Parsing loads the standard library only: each command's module (and with it the app, the exports, the server) is
imported when that command runs, so a short command such as ``report`` pays for what it uses and no more.
"""

from __future__ import annotations

import argparse
import gc
import importlib
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import NoReturn

from chalicelib.auth.scopes import SCOPES
from chalicelib.cli.errors import CliError
from chalicelib.cli.periods import day as _day
from chalicelib.cli.report_parser import add_report_parser
from chalicelib.core.errors import DomainError

COUNTRIES = ("FR", "BE", "OHADA")
# Commands that only read and print: no log lines (they print their result and nothing else), and the process ends
# as soon as that is written (see ``run``).
QUIET = frozenset({"report"})
_FLAG_FIELDS = frozenset({"start_date", "end_date", "fiscal_year", "org", "name", "email", "password", "scopes",
                          "rate_limit", "rate_window", "country", "date"})


class _Parser(argparse.ArgumentParser):
    """argparse with a one-line error (its usage block is what ``--help`` is for)."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"error: {self.prog}: {message} (see --help)\n")


def _scopes(text: str) -> list[str]:
    scopes = [s.strip() for s in text.split(",") if s.strip()]
    unknown = set(scopes) - SCOPES
    if unknown:
        raise argparse.ArgumentTypeError(f"unknown scopes {sorted(unknown)}; choose among {sorted(SCOPES)}")
    return scopes


def _serve_parser(sub: argparse._SubParsersAction, common: _Parser) -> None:
    s = sub.add_parser("serve", parents=[common],
                       help="run REST + MCP on a loopback port and the scheduled jobs; set up an organization on "
                            "first run")
    s.add_argument("--host", default="127.0.0.1")
    s.add_argument("--port", type=int, default=8000)
    s.add_argument("--demo", action="store_true", help="load a realistic demo year (once)")
    s.add_argument("--country", choices=COUNTRIES, default="FR", help="books and demo data of --demo (default FR)")
    s.add_argument("--org-name", default="My company")
    s.add_argument("--email", default="owner@example.com", help="owner's e-mail (first run)")
    s.add_argument("--password", help="owner's password on first run (default: CASHPILOT_OWNER_PASSWORD, else a "
                                      "random one, printed once)")
    s.add_argument("--no-jobs", action="store_true", help="do not run the scheduled jobs in the server")
    s.add_argument("--exit-after", type=float, help="stop serving after this many seconds")
    s.set_defaults(func="chalicelib.cli.serve:cmd_serve")


def parser(argv: list[str] | None = None) -> argparse.ArgumentParser:
    """The whole command line; for the ``QUIET`` command ``argv`` starts with, that command's arguments alone
    (building all of them is a measurable part of a short command's start)."""
    p = _Parser(prog="manage.py", description="CashPilot administration")
    common = _Parser(add_help=False)
    common.add_argument("--data-dir", type=Path,
                        help="data folder of the embedded store (default ./.cashpilot, or CASHPILOT_DATA_DIR)")
    sub = p.add_subparsers(dest="command", required=True)
    if argv and argv[0] in QUIET:
        add_report_parser(sub, common, argv[1] if len(argv) > 1 else None)
        return p
    _serve_parser(sub, common)
    o = sub.add_parser("create-org", parents=[common], help="create an organization, its owner and an all-scopes key")
    o.add_argument("--name", required=True)
    o.add_argument("--email", required=True)
    o.add_argument("--password", help="owner's password (stored as an Argon2id hash)")
    o.add_argument("--kind", choices=["cpk", "mch"], default="cpk")
    o.set_defaults(func="chalicelib.cli.commands:cmd_create_org")
    k = sub.add_parser("create-key", parents=[common], help="create an API key (the secret is printed once)")
    k.add_argument("--org", help="organization id (default: the local one)")
    k.add_argument("--name", default="cli")
    k.add_argument("--kind", choices=["cpk", "mch"], default="cpk")
    k.add_argument("--scopes", type=_scopes, default=["all"], help="comma-separated, e.g. read,write")
    k.add_argument("--rate-limit", type=int, help="requests per window (default 100/h cpk, 1000/min mch)")
    k.add_argument("--rate-window", type=int, help="window in seconds")
    k.set_defaults(func="chalicelib.cli.commands:cmd_create_key")
    d = sub.add_parser("demo", parents=[common], help="load a realistic demo year into an organization (once)")
    d.add_argument("--org", help="organization id (default: the local one)")
    d.add_argument("--country", choices=COUNTRIES, default="FR", help="books and demo data (default FR)")
    d.set_defaults(func="chalicelib.cli.commands:cmd_demo")
    e = sub.add_parser("export", parents=[common], help="write the FEC or the SAF-T to a file (streamed)")
    e.add_argument("format", choices=["fec", "saft"])
    e.add_argument("--org", help="organization id (default: the local one)")
    e.add_argument("--fiscal-year", type=int, help="the fiscal year closing in that year")
    e.add_argument("--start-date", type=_day, help="first day (YYYY-MM-DD)")
    e.add_argument("--end-date", type=_day, help="last day (YYYY-MM-DD)")
    e.add_argument("--output", type=Path, default=Path("."), help="a file, or a folder for the legal file name")
    e.set_defaults(func="chalicelib.cli.commands:cmd_export")
    j = sub.add_parser("run-job", parents=[common], help="run a scheduled job now and print its result")
    j.add_argument("name", help="the job's name (see the schedule table, chalicelib/jobs)")
    j.add_argument("--org", help="run for this organization only (default: every organization)")
    j.set_defaults(func="chalicelib.cli.commands:cmd_run_job")
    b = sub.add_parser("import-statement", parents=[common],
                       help="preview a bank statement file (CSV, XLSX, XLS, PDF, camt.053, OFX, CFONB, MT940, CODA) "
                            "and book it")
    b.add_argument("file", type=Path)
    b.add_argument("--org", help="organization id (default: the local one)")
    b.add_argument("--account", help="bank account id (default: the account with the file's IBAN)")
    b.add_argument("--yes", action="store_true", help="book without asking")
    b.set_defaults(func="chalicelib.cli.bank:cmd_import_statement")
    add_report_parser(sub, common)
    return p


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _domain_line(exc: DomainError) -> str:
    """The service's message, with the flags its field errors are about (``start_date`` is ``--start-date``)."""
    fields = [name for name in exc.details if name in _FLAG_FIELDS and isinstance(exc.details[name], list)]
    flags = [f"--{name.replace('_', '-')}: {'; '.join(map(str, exc.details[name]))}" for name in fields]
    # a field error's message is "field: problem", which the flag now says
    message = "" if any(exc.message.startswith(f"{name}:") for name in fields) else exc.message
    return _one_line(" ".join([message, *flags, f"({exc.code})"]))


def _command(path: str) -> Callable[[argparse.Namespace], int]:
    """The command function ``module:function`` names, imported now (see the module's docstring)."""
    module, _, function = path.partition(":")
    # Importing builds hundreds of model classes and allocates without making garbage: the cyclic collector would
    # walk them over and over for nothing (a tenth of a short command's time). It runs again once they are loaded
    # (unless it was off already: see ``run``).
    collecting = gc.isenabled()
    gc.disable()
    try:
        command: Callable[[argparse.Namespace], int] = getattr(importlib.import_module(module), function)
    finally:
        if collecting:
            gc.enable()
    return command


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = parser(argv).parse_args(argv)
    if args.command not in QUIET:
        import logging

        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    try:
        return int(_command(args.func)(args))
    except CliError as exc:
        print(f"error: {_one_line(str(exc))}", file=sys.stderr)
    except DomainError as exc:
        print(f"error: {_domain_line(exc)}", file=sys.stderr)
    return 2


def run() -> NoReturn:
    """``manage.py``'s entry point: ``main`` on the process's arguments, then exit with its code.

    A read-only command (``QUIET``) ends the process at once once its output is flushed: it holds no open write
    and no thread, and the interpreter's orderly teardown of the few hundred modules it loaded (freeing every
    object, one by one) would cost it a tenth of its running time."""
    argv = sys.argv[1:]
    quiet = bool(argv) and argv[0] in QUIET
    if quiet:
        # A short-lived reader: the cyclic collector would only walk the objects it loads (it frees nothing that
        # the exit does not), and pydantic's plugin discovery would read the metadata of every installed package
        # (the project has no pydantic plugin).
        gc.disable()
        os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    code = main(argv)
    if quiet:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    sys.exit(code)

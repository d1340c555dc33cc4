"""``manage.py import-statement FILE``: preview a bank statement file, then book it (``--yes``, or on the answer
to the question when run at a terminal), with a progress bar while the transactions are written."""

from __future__ import annotations

import argparse
import json
import sys

from chalicelib.cli.common import CliError, open_deps, org_id_of, progress


def cmd_import_statement(args: argparse.Namespace) -> int:
    # loaded by this command alone: `manage.py --help` and the other commands start without it
    from chalicelib.banking.imports import confirm_import, discard_import, preview_import

    if not args.file.is_file():
        raise CliError(f"import-statement: no file {args.file}")
    deps = open_deps(args, existing=True)
    org_id = org_id_of(args, deps)
    with progress(f"read {args.file.name}"):
        record = preview_import(deps, org_id, args.file.read_bytes(), args.file.name, args.account)
    summary = record.model_dump(mode="json", exclude={"rows"})
    print(json.dumps({"preview": summary}, indent=2, default=str))
    book = args.yes or (sys.stdin.isatty() and record.to_book > 0 and input(
        f"book {record.to_book} transactions ({record.duplicates} duplicates left out)? [y/N] ").strip().lower()
        in ("y", "yes", "o", "oui"))
    if not book:
        discard_import(deps, org_id, record.id)
        print("nothing booked (pass --yes to book)")
        return 0
    with progress(f"book {record.to_book} transactions", total=max(record.to_book, 1)) as advance:
        done = confirm_import(deps, org_id, record.id, args.account, on_batch=advance)
    print(json.dumps({"booked": done.booked, "duplicates": done.duplicates, "import_id": done.id,
                      "account_id": done.account_id}))
    return 0

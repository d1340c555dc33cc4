"""The commands other than ``serve``: organizations and keys, demo data, legal exports, jobs on demand."""

from __future__ import annotations

import argparse
import json
from datetime import date

from chalicelib.auth.models import ApiKeyCreate, Principal
from chalicelib.auth.service import create_api_key, create_organization
from chalicelib.cli import local_state
from chalicelib.cli.common import CliError, local_org_id, open_deps, org_id_of, progress
from chalicelib.company.models import fiscal_year_bounds
from chalicelib.company.service import get_company
from chalicelib.store.deps import Deps


def cmd_create_org(args: argparse.Namespace) -> int:
    """Create an organization; the first one of a data folder becomes its local organization (what ``serve``,
    ``create-key``, ``demo`` and ``export`` use without --org)."""
    deps = open_deps(args, existing=False)
    first = local_org_id(deps) is None
    boot = create_organization(deps, name=args.name, owner_email=args.email, password=args.password,
                               key_kind=args.kind)
    if first:
        local_state.write(deps.settings.data_dir, {"org_id": boot.organization.id, "owner_email": args.email})
    print(json.dumps({"organization_id": boot.organization.id, "user_id": boot.user.id, "key": boot.key.key},
                     indent=2))
    return 0


def cmd_create_key(args: argparse.Namespace) -> int:
    deps = open_deps(args, existing=True)
    org_id = org_id_of(args, deps)
    owner = Principal(org_id=org_id, key_id="cli", user_id=None, kind=args.kind, scopes=frozenset({"all"}),
                      rate_limit=1, rate_window=1)
    created = create_api_key(deps, owner, ApiKeyCreate(name=args.name, kind=args.kind, scopes=args.scopes,
                                                       rate_limit=args.rate_limit, rate_window=args.rate_window))
    print(json.dumps({"id": created.id, "key": created.key, "scopes": created.scopes,
                      "rate_limit": created.rate_limit, "rate_window": created.rate_window}, indent=2))
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    # loaded by this command alone: `manage.py --help` and the other commands start without it
    from chalicelib.cli.demo import load_demo

    deps = open_deps(args, existing=True)
    print(load_demo(deps, org_id_of(args, deps), args.country).summary())
    return 0


def _period(args: argparse.Namespace) -> None:
    if args.fiscal_year is not None and (args.start_date or args.end_date):
        raise CliError(f"export {args.format}: give --fiscal-year, or --start-date and --end-date, not both")
    if args.fiscal_year is None and (args.start_date is None or args.end_date is None):
        raise CliError(f"export {args.format} needs --fiscal-year or --start-date and --end-date")
    if args.start_date and args.end_date and args.end_date < args.start_date:
        raise CliError(f"export {args.format}: --end-date is before --start-date")


def _fiscal_year(deps: Deps, org_id: str, year: int) -> tuple[date, date]:
    """The fiscal year closing in ``year``, from the company profile's fiscal-year start."""
    start = get_company(deps, org_id).fiscal_year_start
    bounds = fiscal_year_bounds(start, date(year, 12, 31))
    return bounds if bounds[1].year == year else fiscal_year_bounds(start, date(year, 1, 1))


def cmd_export(args: argparse.Namespace) -> int:
    """Write the FEC or SAF-T of an organization to a file, streamed (no size limit, no HTTP timeout)."""
    # loaded by this command alone: `manage.py --help` and the other commands start without it
    from chalicelib.exports.service import fec_export, saft_export

    _period(args)
    deps = open_deps(args, existing=True)
    org_id = org_id_of(args, deps)
    if args.format == "fec":
        export = fec_export(deps, org_id, args.start_date, args.end_date, args.fiscal_year)
    else:
        start, end = (_fiscal_year(deps, org_id, args.fiscal_year) if args.fiscal_year is not None
                      else (args.start_date, args.end_date))
        export = saft_export(deps, org_id, start, end)
    target = args.output if args.output.suffix else args.output / export.file_name
    target.parent.mkdir(parents=True, exist_ok=True)
    size = 0
    with progress(f"export {args.format} → {target.name}", in_bytes=True) as advance, target.open("wb") as out:
        for chunk in export.chunks:
            out.write(chunk)
            size += len(chunk)
            advance(len(chunk))
    print(f"wrote {target} ({size} bytes)")
    return 0


def cmd_run_job(args: argparse.Namespace) -> int:
    """Run one scheduled job now, for every organization or for --org only; prints its result as JSON."""
    # loaded by this command alone: `manage.py --help` and the other commands start without it
    from chalicelib.jobs import SCHEDULES, job

    try:
        schedule = job(args.name)
    except KeyError:
        names = ", ".join(s.name for s in SCHEDULES)
        raise CliError(f"unknown job {args.name!r}: choose among {names}") from None
    deps = open_deps(args, existing=True)
    org_id = org_id_of(args, deps) if args.org else None
    with progress(f"job {schedule.name}"):
        result = schedule.run(deps, org_id)
    print(json.dumps({"job": schedule.name, "result": result}, default=str))
    return 0

"""``python manage.py <command>``: run the local server, create organizations and keys, load demo data, write the
legal exports to files."""

from __future__ import annotations

import argparse
import json
import logging
import threading
from datetime import date
from pathlib import Path

from chalicelib.auth.models import ApiKeyCreate, Principal
from chalicelib.auth.scopes import SCOPES
from chalicelib.auth.service import Bootstrap, create_api_key, create_organization
from chalicelib.cli import local_state
from chalicelib.core.container import Deps, build_deps, install_deps
from chalicelib.core.settings import Settings


def _settings(args: argparse.Namespace) -> Settings:
    overrides = {"data_dir": args.data_dir} if getattr(args, "data_dir", None) else {}
    return Settings(**overrides)


def _deps(args: argparse.Namespace) -> Deps:
    deps = build_deps(_settings(args))
    install_deps(deps)
    return deps


def _connection_help(base_url: str, key: str) -> str:
    mcp_url = f"{base_url}/mcp?api_key={key}"
    claude = {"mcpServers": {"cashpilot": {"type": "http", "url": f"{base_url}/mcp",
                                           "headers": {"X-API-Key": key}}}}
    vscode = {"servers": {"cashpilot": {"type": "http", "url": f"{base_url}/mcp", "headers": {"X-API-Key": key}}}}
    return "\n".join([
        f"  API key (shown once, keep it): {key}",
        f"  REST API:  {base_url}/api/v1",
        f"  MCP URL:   {mcp_url}",
        f"  API docs:  {base_url}/docs",
        "  Try it:    curl -H 'X-API-Key: " + key + f"' {base_url}/api/v1/clients",
        "  Claude Desktop / Claude Code (.mcp.json):",
        "    " + json.dumps(claude),
        "  VS Code (.vscode/mcp.json):",
        "    " + json.dumps(vscode),
    ])


def _bootstrap(deps: Deps, args: argparse.Namespace) -> Bootstrap:
    boot = create_organization(deps, name=args.org_name, owner_email=args.email, key_name="local")
    local_state.write(deps.settings.data_dir, {"org_id": boot.organization.id, "owner_email": args.email})
    return boot


def cmd_serve(args: argparse.Namespace) -> int:
    from app import app
    from chalicelib.api.local import serve

    deps = _deps(args)
    base_url = f"http://{args.host}:{args.port}"
    state = local_state.read(deps.settings.data_dir)
    print(f"CashPilot: data in {deps.settings.data_dir.resolve()} ({deps.settings.storage_backend})")
    if state is None:
        boot = _bootstrap(deps, args)
        state = {"org_id": boot.organization.id}
        print(f"First run: created organization '{args.org_name}' and owner {args.email}.")
        print(_connection_help(base_url, boot.key.key))
        if args.demo:
            from chalicelib.cli.demo import load_demo

            print(f"  Demo data: {load_demo(deps, boot.organization.id)} clients loaded.")
    else:
        print(f"Organization {state['org_id']} already set up; its key was printed on first run.")
        print("  New key: python manage.py create-key  (keys are stored hashed and cannot be shown again)")
        print(f"  REST API: {base_url}/api/v1   MCP: {base_url}/mcp?api_key=<key>   Docs: {base_url}/docs")
    server = serve(app, args.host, args.port)
    if args.exit_after:
        # A safety stop for servers started by tests and scripts: they end even if nobody stops them.
        timer = threading.Timer(args.exit_after, server.shutdown)
        timer.daemon = True
        timer.start()
    print(f"Serving on {base_url} (Ctrl-C to stop)", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        print("stopped")
    return 0


def cmd_create_org(args: argparse.Namespace) -> int:
    deps = _deps(args)
    boot = create_organization(deps, name=args.name, owner_email=args.email, password=args.password,
                               key_kind=args.kind)
    print(json.dumps({"organization_id": boot.organization.id, "user_id": boot.user.id, "key": boot.key.key},
                     indent=2))
    return 0


def _org_id(args: argparse.Namespace, deps: Deps) -> str:
    org_id = args.org or (local_state.read(deps.settings.data_dir) or {}).get("org_id")
    if not org_id:
        raise SystemExit("no organization: pass --org or run `manage.py serve` once")
    return str(org_id)


def cmd_create_key(args: argparse.Namespace) -> int:
    deps = _deps(args)
    org_id = _org_id(args, deps)
    owner = Principal(org_id=org_id, key_id="cli", user_id=None, kind=args.kind, scopes=frozenset({"all"}),
                      rate_limit=1, rate_window=1)
    created = create_api_key(deps, owner, ApiKeyCreate(name=args.name, kind=args.kind, scopes=args.scopes,
                                                       rate_limit=args.rate_limit, rate_window=args.rate_window))
    print(json.dumps({"id": created.id, "key": created.key, "scopes": created.scopes,
                      "rate_limit": created.rate_limit, "rate_window": created.rate_window}, indent=2))
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from chalicelib.cli.demo import load_demo

    deps = _deps(args)
    print(f"{load_demo(deps, _org_id(args, deps))} demo clients created")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    """Write the FEC or SAF-T of an organization to a file, streamed (no size limit, no HTTP timeout)."""
    from chalicelib.core.errors import DomainError
    from chalicelib.exports.service import fec_export, saft_export

    deps = _deps(args)
    org_id = _org_id(args, deps)
    try:
        export = (fec_export(deps, org_id, args.start_date, args.end_date, args.fiscal_year) if args.format == "fec"
                  else saft_export(deps, org_id, args.start_date, args.end_date))
        target = args.output if args.output.suffix else args.output / export.file_name
        target.parent.mkdir(parents=True, exist_ok=True)
        size = 0
        with target.open("wb") as out:
            for chunk in export.chunks:
                out.write(chunk)
                size += len(chunk)
    except DomainError as exc:
        print(f"error: {exc.code}: {exc.message}")
        return 2
    print(f"wrote {target} ({size} bytes)")
    return 0


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (YYYY-MM-DD)") from exc


def _scopes(text: str) -> list[str]:
    scopes = [s.strip() for s in text.split(",") if s.strip()]
    unknown = set(scopes) - SCOPES
    if unknown:
        raise argparse.ArgumentTypeError(f"unknown scopes {sorted(unknown)}; choose among {sorted(SCOPES)}")
    return scopes


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="manage.py", description="CashPilot administration")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--data-dir", type=Path,
                        help="data folder of the embedded store (default ./.cashpilot, or CASHPILOT_DATA_DIR)")
    sub = p.add_subparsers(dest="command", required=True)
    s = sub.add_parser("serve", parents=[common],
                       help="run REST + MCP on a loopback port; set up an organization on first run")
    s.add_argument("--host", default="127.0.0.1")
    s.add_argument("--port", type=int, default=8000)
    s.add_argument("--demo", action="store_true", help="load realistic demo data on first run")
    s.add_argument("--org-name", default="My company")
    s.add_argument("--email", default="owner@example.com", help="owner's e-mail (first run)")
    s.add_argument("--exit-after", type=float, help="stop serving after this many seconds")
    s.set_defaults(func=cmd_serve)
    o = sub.add_parser("create-org", parents=[common], help="create an organization, its owner and an all-scopes key")
    o.add_argument("--name", required=True)
    o.add_argument("--email", required=True)
    o.add_argument("--password", help="owner's password (stored as an Argon2id hash)")
    o.add_argument("--kind", choices=["cpk", "mch"], default="cpk")
    o.set_defaults(func=cmd_create_org)
    k = sub.add_parser("create-key", parents=[common], help="create an API key (the secret is printed once)")
    k.add_argument("--org", help="organization id (default: the local one)")
    k.add_argument("--name", default="cli")
    k.add_argument("--kind", choices=["cpk", "mch"], default="cpk")
    k.add_argument("--scopes", type=_scopes, default=["all"], help="comma-separated, e.g. read,write")
    k.add_argument("--rate-limit", type=int, help="requests per window (default 100/h cpk, 1000/min mch)")
    k.add_argument("--rate-window", type=int, help="window in seconds")
    k.set_defaults(func=cmd_create_key)
    d = sub.add_parser("demo", parents=[common], help="load demo data into an organization")
    d.add_argument("--org", help="organization id (default: the local one)")
    d.set_defaults(func=cmd_demo)
    e = sub.add_parser("export", parents=[common], help="write the FEC or the SAF-T to a file (streamed)")
    e.add_argument("format", choices=["fec", "saft"])
    e.add_argument("--org", help="organization id (default: the local one)")
    e.add_argument("--fiscal-year", type=int, help="FEC: the fiscal year closing in that year")
    e.add_argument("--start-date", type=_day, help="first day (YYYY-MM-DD)")
    e.add_argument("--end-date", type=_day, help="last day (YYYY-MM-DD)")
    e.add_argument("--output", type=Path, default=Path("."), help="a file, or a folder for the legal file name")
    e.set_defaults(func=cmd_export)
    return p


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    args = parser().parse_args(argv)
    return int(args.func(args))

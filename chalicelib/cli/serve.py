"""``manage.py serve``: the local server (REST + MCP), the first-run setup and the in-process job scheduler."""

from __future__ import annotations

import argparse
import errno
import json
import os
import secrets
import threading
from typing import Any

from chalicelib.auth.service import Bootstrap, create_organization
from chalicelib.cli import local_state
from chalicelib.cli.common import CliError, local_org_id, open_deps
from chalicelib.store.deps import Deps

# The key printed on the first local run is for a person trying the product: the README's walk-through and an MCP
# session stay far below it. Keys created later keep the published defaults (100/h cpk, 1000/min mch).
FIRST_KEY_RATE_LIMIT = 10_000
FIRST_KEY_RATE_WINDOW = 3600


def connection_help(base_url: str, key: str) -> str:
    mcp_url = f"{base_url}/mcp"
    claude_code = {"mcpServers": {"cashpilot": {"type": "http", "url": mcp_url, "headers": {"X-API-Key": key}}}}
    # Claude Desktop's configuration file starts local (stdio) servers only: mcp-remote bridges to the HTTP one.
    claude_desktop = {"mcpServers": {"cashpilot": {"command": "npx", "args": [
        "mcp-remote", mcp_url, "--header", f"X-API-Key:{key}"]}}}
    vscode = {"servers": {"cashpilot": {"type": "http", "url": mcp_url, "headers": {"X-API-Key": key}}}}
    return "\n".join([
        f"  API key (shown once, keep it): {key}",
        f"    limit: {FIRST_KEY_RATE_LIMIT} requests/hour (keys made with create-key: 100/hour unless --rate-limit)",
        f"  REST API:  {base_url}/api/v1",
        f"  MCP URL:   {mcp_url}?api_key={key}",
        f"  API docs:  {base_url}/docs",
        "  Try it:    curl -H 'X-API-Key: " + key + f"' {base_url}/api/v1/clients",
        "  Claude Code (.mcp.json):",
        "    " + json.dumps(claude_code),
        "  Claude Desktop (claude_desktop_config.json):",
        "    " + json.dumps(claude_desktop),
        "  VS Code (.vscode/mcp.json):",
        "    " + json.dumps(vscode),
    ])


def owner_password(args: argparse.Namespace) -> tuple[str, bool]:
    """The first owner's password: ``--password``, else ``CASHPILOT_OWNER_PASSWORD``, else a random one (then
    ``True``: it is printed once, like the key)."""
    given = args.password or os.environ.get("CASHPILOT_OWNER_PASSWORD")
    return (given, False) if given else (secrets.token_urlsafe(12), True)


def _bootstrap(deps: Deps, args: argparse.Namespace, password: str) -> Bootstrap:
    # the demo catalogue loads only on a first run
    from chalicelib.cli.demo.catalogue import COUNTRIES

    # A demo organization keeps its books in its country's currency and time zone (OHADA: XOF, Abidjan).
    country = COUNTRIES[args.country if args.demo else "FR"]
    boot = create_organization(deps, name=args.org_name, owner_email=args.email, key_name="local", password=password,
                               currency=country.currency, timezone=country.timezone,
                               key_rate_limit=FIRST_KEY_RATE_LIMIT, key_rate_window=FIRST_KEY_RATE_WINDOW)
    local_state.write(deps.settings.data_dir, {"org_id": boot.organization.id, "owner_email": args.email})
    return boot


def _set_up(deps: Deps, args: argparse.Namespace, base_url: str) -> None:
    org_id = local_org_id(deps)
    if org_id is None:
        password, generated = owner_password(args)
        boot = _bootstrap(deps, args, password)
        print(f"First run: created organization '{args.org_name}' and owner {args.email}.")
        shown = password if generated else "the one given with --password / CASHPILOT_OWNER_PASSWORD"
        print(f"  Owner sign-in (session, /api/auth/session/): {args.email} / {shown}"
              + (" (shown once)" if generated else ""))
        print(connection_help(base_url, boot.key.key))
        if args.demo:
            # the demo loads only when asked for
            from chalicelib.cli.demo import load_demo

            print(f"  Demo data: {load_demo(deps, boot.organization.id, args.country).summary()}")
        return
    if local_state.read(deps.settings.data_dir) is None:
        local_state.write(deps.settings.data_dir, {"org_id": org_id})
    print(f"Organization {org_id} already set up; its key was printed when it was created.")
    print("  New key: .venv/bin/python manage.py create-key  (keys are stored hashed and cannot be shown again)")
    print(f"  REST API: {base_url}/api/v1   MCP: {base_url}/mcp?api_key=<key>   Docs: {base_url}/docs")
    if args.demo:
        # the demo loads only when asked for
        from chalicelib.cli.demo import load_demo

        print(f"  Demo data: {load_demo(deps, org_id, args.country).summary()}")


def _listen(args: argparse.Namespace) -> Any:
    # the whole app and the server load when serving, not for the other commands
    from app import app
    from chalicelib.api.wsgi import serve

    try:
        return serve(app, args.host, args.port)
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise CliError(f"port {args.port} on {args.host} is already in use: pass --port with a free one") from exc
        raise CliError(f"cannot listen on {args.host}:{args.port} ({exc.strerror}): check --host and --port") from exc


def cmd_serve(args: argparse.Namespace) -> int:
    # loaded by this command alone: the other commands start without the scheduler
    from chalicelib.cli.scheduler import LocalScheduler
    from chalicelib.jobs import SCHEDULES
    from chalicelib.wiring import install_deps, with_webhook_dispatch

    server = _listen(args)  # first: a busy port leaves the data folder as it was
    deps = with_webhook_dispatch(open_deps(args, existing=False))
    install_deps(deps)
    base_url = f"http://{args.host}:{args.port}"
    print(f"CashPilot: data in {deps.settings.data_dir.resolve()} ({deps.settings.storage_backend})")
    _set_up(deps, args, base_url)
    scheduler = LocalScheduler(deps, SCHEDULES)
    if not args.no_jobs:
        scheduler.start()
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
    finally:
        scheduler.stop()
    return 0

"""What every command shares: its one-line errors, the data folder it opens, the organization it works on, and its
progress bar."""

from __future__ import annotations

import argparse
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from chalicelib.auth.repository import get_organization, organization_ids
from chalicelib.cli import local_state
from chalicelib.cli.errors import CliError
from chalicelib.core.settings import Settings
from chalicelib.store.deps import Deps
from chalicelib.wiring import build_deps, install_deps

__all__ = ["CliError", "local_org_id", "open_deps", "org_id_of", "progress", "settings_of"]

ORG_HINT = "pass --org ORG_ID, or run `manage.py serve` or `manage.py create-org` once"


def settings_of(args: argparse.Namespace) -> Settings:
    overrides = {"data_dir": args.data_dir} if getattr(args, "data_dir", None) else {}
    return Settings(**overrides)


def open_deps(args: argparse.Namespace, *, existing: bool) -> Deps:
    """The collaborators on the command's data folder. ``existing``: the command reads data, so a folder that is
    not there is a mistake (a typo in --data-dir), reported without creating it."""
    settings = settings_of(args)
    if existing and settings.storage_backend == "sqlite" and not settings.sqlite_path.exists():
        raise CliError(f"no CashPilot data in {settings.data_dir}: pass --data-dir of an existing installation "
                       "(`manage.py serve` or `manage.py create-org` creates one)")
    deps = build_deps(settings)
    install_deps(deps)
    return deps


def local_org_id(deps: Deps) -> str | None:
    """The organization of this installation: the one recorded by the first ``serve`` or ``create-org``, else the
    only organization of the store (a folder made before ``create-org`` recorded itself)."""
    state = local_state.read(deps.settings.data_dir) if deps.settings.data_dir.exists() else None
    if state and state.get("org_id"):
        return str(state["org_id"])
    ids = organization_ids(deps.store)
    return ids[0] if len(ids) == 1 else None


def org_id_of(args: argparse.Namespace, deps: Deps) -> str:
    org_id = getattr(args, "org", None) or local_org_id(deps)
    if not org_id:
        raise CliError(f"no organization: {ORG_HINT}")
    if get_organization(deps.store, org_id) is None:
        raise CliError(f"organization {org_id} not found in {deps.settings.data_dir}: check --org or --data-dir")
    return str(org_id)


@contextmanager
def progress(description: str, total: float | None = None, *, in_bytes: bool = False
             ) -> Iterator[Callable[[float], None]]:
    """A progress bar on stderr while the block runs (with ``total``: steps done of it; ``in_bytes``: bytes
    written; neither: a spinner); yields ``advance(amount)``. Gone once done (transient), so the command's own
    output stays what scripts read."""
    from rich.console import Console
    from rich.progress import BarColumn, DownloadColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    columns = ([TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed:.0f}/{task.total:.0f}")]
               if total is not None else [SpinnerColumn(), TextColumn("{task.description}")])
    if in_bytes:
        columns.append(DownloadColumn())
    console = Console(stderr=True)
    # Drawn only on a terminal: piped or captured output (scripts, logs, tests) gets the result lines alone.
    with Progress(*columns, TimeElapsedColumn(), console=console, transient=True,
                  disable=not console.is_terminal) as bar:
        task = bar.add_task(description, total=total)
        yield lambda amount: bar.advance(task, amount)

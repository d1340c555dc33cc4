"""Generated, committed files (the OpenAPI document, the deployment template, the MCP tool contract).

One way to render them as YAML and one way to write them or check them for drift, so every generator behaves
the same: ``--check`` writes nothing, prints the diff and exits 1 when the committed file is stale.
"""

from __future__ import annotations

import argparse
import difflib
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml


class _Dumper(yaml.SafeDumper):
    """YAML without anchors or aliases: CloudFormation and several OpenAPI tools refuse them."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def to_yaml(data: Any, header: str = "") -> str:
    """Stable YAML text: keys in construction order, fixed width, unicode kept."""
    return header + yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, default_flow_style=False,
                              width=110, indent=2)


def drift(target: Path, fresh: str) -> list[str]:
    """The unified diff between ``target`` and ``fresh`` (empty when they are equal)."""
    current = target.read_text(encoding="utf-8") if target.exists() else ""
    if current == fresh:
        return []
    return list(difflib.unified_diff(current.splitlines(keepends=True), fresh.splitlines(keepends=True),
                                     fromfile=f"{target} (committed)", tofile=f"{target} (generated)"))


def write_or_check(target: Path, fresh: str, *, check: bool, regenerate: str) -> int:
    """Write ``fresh`` to ``target``, or with ``check`` report drift; returns the process exit code."""
    if not check:
        target.write_text(fresh, encoding="utf-8")
        print(f"wrote {target}")
        return 0
    diff = drift(target, fresh)
    if diff:
        sys.stderr.writelines(diff[:200])
        print(f"{target} is out of date: run {regenerate}", file=sys.stderr)
        return 1
    print(f"{target} is up to date")
    return 0


def generator_main(argv: list[str] | None, *, description: str | None, target: Path, render: Callable[[], str],
                   regenerate: str) -> int:
    """The command line every generator shares: ``[--check] [--output FILE]``."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--check", action="store_true",
                        help="write nothing; exit 1 when the committed file differs from a fresh generation")
    parser.add_argument("--output", type=Path, default=target, help=f"file to write or check ({target})")
    args = parser.parse_args(argv)
    return write_or_check(args.output, render(), check=args.check, regenerate=regenerate)

"""Writes the committed route index, ``chalicelib/api/route_index.py``, from the route groups.

Run ``python schemas/generate_routes.py`` after adding, removing or renaming a route, and commit the result (the
whole app registers its routes from it without importing the groups). With ``--check`` it writes nothing and
exits 1 when the committed file differs from a fresh generation (the tests run that).
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET = ROOT / "chalicelib" / "api" / "route_index.py"
if str(ROOT) not in sys.path:  # run as a script, this file's folder is on sys.path instead of the root
    sys.path.insert(0, str(ROOT))


def render() -> str:
    from chalicelib.api.registry import render_route_index

    return render_route_index()


def check(target: Path = TARGET) -> list[str]:
    """The unified diff between ``target`` and a fresh generation (empty when they are equal)."""
    from chalicelib.core.artifacts import drift

    return drift(target, render())


def main(argv: list[str] | None = None) -> int:
    from chalicelib.core.artifacts import generator_main

    return generator_main(argv, description=__doc__.splitlines()[0] if __doc__ else None, target=TARGET,
                          render=render, regenerate="python schemas/generate_routes.py")


if __name__ == "__main__":
    sys.exit(main())

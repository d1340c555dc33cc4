"""What the local installation remembers between runs: its default organization (never a secret)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

FILE = "local.json"


def read(data_dir: Path) -> dict[str, Any] | None:
    path = data_dir / FILE
    return json.loads(path.read_text()) if path.exists() else None


def write(data_dir: Path, state: dict[str, Any]) -> None:
    data_dir.mkdir(parents=True, exist_ok=True)
    (data_dir / FILE).write_text(json.dumps(state, indent=2) + "\n")

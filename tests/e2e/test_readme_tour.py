"""The README's 5-minute tour, run as it is written against a fresh local server (no demo data): only the lines
that set the key and the base URL are given this server's values."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest

from tests.e2e.conftest import ROOT, Server, start_server

pytestmark = pytest.mark.e2e


def tour_script() -> str:
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## A 5-minute tour", 1)[1].split("\n## ", 1)[0]
    match = re.search(r"```bash\n(.*?)```", section, re.S)
    assert match, "the README's tour has a bash block"
    return match.group(1)


def localized(script: str, server: Server) -> str:
    for line, value in (("KEY=cpk_your_key", f"KEY={server.key}"), ("BASE=http://127.0.0.1:8000",
                                                                     f"BASE={server.base_url}")):
        assert line in script, f"the tour sets {line.split('=')[0]}"
        script = script.replace(line, value, 1)
    return script


@pytest.fixture(scope="module")
def fresh_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    yield from start_server(tmp_path_factory.mktemp("tour-data"), demo=False)


def test_the_readme_tour_runs_as_written(fresh_server: Server, tmp_path: Path) -> None:
    done = subprocess.run(["bash", "-euo", "pipefail", "-c", localized(tour_script(), fresh_server)], cwd=tmp_path,
                          capture_output=True, text=True, timeout=120, check=False,
                          env={"PATH": f"{Path(sys.executable).parent}:/usr/local/bin:/usr/bin:/bin"})
    assert done.returncode == 0, done.stdout + done.stderr
    out = done.stdout
    assert re.search(r"^INV-\d{4}-0001$", out, re.M) and re.search(r"^REC-\d{4}-000001$", out, re.M), out
    assert re.search(r"^paid$", out, re.M) and re.search(r"^True$", out, re.M), out
    assert re.search(r"^VE 44571 0\.00 180\.00 TVA 20 % Facture INV-\d{4}-0001", out, re.M), out
    assert re.search(r"^VE 44571 0\.00 3\.30 TVA 5,5 % Facture", out, re.M), out
    assert re.search(r"^BQ 512 1143\.30 0\.00 ", out, re.M), out
    fec = list(tmp_path.glob("732829320FEC*.txt"))
    assert len(fec) == 1 and "|" in fec[0].read_text(encoding="utf-8").splitlines()[0], out
    raw = out.strip().splitlines()[-1]
    mcp = json.loads(raw, parse_float=Decimal)["result"]
    assert mcp["isError"] is False and mcp["structuredContent"]["total_debit"] == Decimal("2286.60"), out
    assert '"total_debit":2286.60' in raw, raw  # money keeps its minor units in structured content too

"""The OpenAPI contract against the real server: schemathesis generates requests for every operation of
``/openapi.json`` (its examples, the coverage of each parameter's edges, including methods the path does not
declare, and random fuzzing), and checks that nothing answers a server error and that every documented answer
conforms to its documented schema. Bounded: 25 examples per operation and phase, a fixed seed."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.e2e.conftest import Server

pytestmark = pytest.mark.e2e
EXAMPLES_PER_OPERATION = 25


def _schemathesis() -> str:
    found = shutil.which("st", path=str(Path(sys.executable).parent))
    if found is None:
        pytest.skip("schemathesis is not installed (it is in requirements-dev.txt)")
    return found


def test_every_operation_conforms_to_the_contract_and_never_answers_a_server_error(server: Server,
                                                                                  tmp_path: Path) -> None:
    key = json.loads(server.manage("create-key", "--name", "contract", "--rate-limit", "1000000",
                                   "--rate-window", "3600"))["key"]
    report = tmp_path / "schemathesis.xml"
    run = subprocess.run(
        [_schemathesis(), "run", f"{server.base_url}/openapi.json", "--header", f"X-API-Key: {key}",
         "--checks", "not_a_server_error,response_schema_conformance", "--max-examples",
         str(EXAMPLES_PER_OPERATION), "--phases", "examples,coverage,fuzzing", "--seed", "20261206",
         "--generation-database", "none", "--request-timeout", "20", "--no-color", "--warnings", "off",
         "--report", "junit", "--report-junit-path", str(report)],
        capture_output=True, text=True, timeout=900, check=False, cwd=tmp_path)  # its cache stays out of the clone
    summary = run.stdout[-6000:]
    assert run.returncode == 0, summary
    tested = re.search(r"Tested: ([0-9]+)", run.stdout)
    assert tested and int(tested.group(1)) >= 80, summary  # every operation of the document was exercised
    assert "Traceback" not in server.log()

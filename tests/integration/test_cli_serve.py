"""``manage.py serve`` as a real process on a loopback port: first run, a folder made by create-org, a busy port."""

from __future__ import annotations

import json
import re
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from chalicelib.auth.keys import hash_secret
from chalicelib.auth.repository import get_api_key_by_hash, organization_ids
from chalicelib.cli.main import main
from chalicelib.core.settings import Settings
from chalicelib.wiring import build_deps, install_deps

ROOT = Path(__file__).resolve().parents[2]
KEY = re.compile(r"API key \(shown once, keep it\): (cpk_[0-9a-f]{64})")


@pytest.fixture
def data_dir(tmp_path: Path) -> Iterator[Path]:
    yield tmp_path / "data"
    install_deps(None)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def serve(data_dir: Path, port: int, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "manage.py", "serve", "--port", str(port), "--data-dir", str(data_dir),
                           "--exit-after", "0.5", *extra], cwd=ROOT, capture_output=True, text=True, timeout=60)


def test_serve_on_a_busy_port_says_so_in_one_line_and_leaves_no_folder(data_dir: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        done = serve(data_dir, busy.getsockname()[1])
    assert done.returncode == 2, done.stderr
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: ") and "already in use" in lines[0] and "--port" in lines[0]
    assert not data_dir.exists()


def test_first_run_prints_a_key_for_trying_the_product_and_both_claude_snippets(data_dir: Path) -> None:
    done = serve(data_dir, _free_port())
    assert done.returncode == 0, done.stderr
    match = KEY.search(done.stdout)
    assert match, done.stdout
    key = get_api_key_by_hash(build_deps(Settings(data_dir=data_dir)).store, hash_secret(match.group(1)))
    assert key is not None and (key.rate_limit, key.rate_window) == (10_000, 3600)
    assert "Claude Code (.mcp.json):" in done.stdout and "Claude Desktop / Claude Code" not in done.stdout
    desktop = done.stdout.split("Claude Desktop (claude_desktop_config.json):")[1].splitlines()[1]
    assert json.loads(desktop)["mcpServers"]["cashpilot"] == {
        "command": "npx", "args": ["mcp-remote", re.search(r"http://\S+/mcp", desktop).group(0),  # type: ignore[union-attr]
                                   "--header", f"X-API-Key:{match.group(1)}"]}
    again = serve(data_dir, _free_port())
    assert again.returncode == 0 and "First run" not in again.stdout
    assert ".venv/bin/python manage.py create-key" in again.stdout


def test_keys_created_later_keep_the_published_default(data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert serve(data_dir, _free_port()).returncode == 0
    assert main(["create-key", "--data-dir", str(data_dir)]) == 0
    created = json.loads(capsys.readouterr().out)
    assert (created["rate_limit"], created["rate_window"]) == (100, 3600)


def test_serve_on_a_folder_made_by_create_org_uses_that_organization(
        data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["create-org", "--name", "Domaine", "--email", "a@b.fr", "--data-dir", str(data_dir)]) == 0
    org_id = json.loads(capsys.readouterr().out)["organization_id"]
    done = serve(data_dir, _free_port())
    assert done.returncode == 0, done.stderr
    assert f"Organization {org_id} already set up" in done.stdout and "My company" not in done.stdout
    assert organization_ids(build_deps(Settings(data_dir=data_dir)).store) == [org_id]


def test_serve_adopts_the_only_organization_of_a_folder_without_local_state(data_dir: Path,
                                                                            capsys: pytest.CaptureFixture[str]) -> None:
    main(["create-org", "--name", "Domaine", "--email", "a@b.fr", "--data-dir", str(data_dir)])
    org_id = json.loads(capsys.readouterr().out)["organization_id"]
    (data_dir / "local.json").unlink()
    done = serve(data_dir, _free_port())
    assert f"Organization {org_id} already set up" in done.stdout
    assert json.loads((data_dir / "local.json").read_text())["org_id"] == org_id

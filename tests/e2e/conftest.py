"""Starts the real local server (``manage.py serve``) on a free loopback port with its own data folder."""

from __future__ import annotations

import json
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
KEY_LINE = re.compile(r"API key \(shown once, keep it\): (cpk_[0-9a-f]{64})")


@dataclass
class Server:
    base_url: str
    key: str
    data_dir: Path
    process: subprocess.Popen[bytes]
    log_path: Path

    @property
    def api(self) -> str:
        return f"{self.base_url}/api/v1"

    def log(self) -> str:
        """Everything the server printed so far (stdout and stderr)."""
        return self.log_path.read_text(errors="replace")

    def manage(self, *args: str) -> str:
        done = subprocess.run([sys.executable, "manage.py", *args, "--data-dir", str(self.data_dir)], cwd=ROOT,
                              capture_output=True, text=True, timeout=60, check=True)
        return done.stdout


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_until_serving(log_path: Path, process: subprocess.Popen[bytes]) -> str:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        text = log_path.read_text(errors="replace")
        if "Serving on" in text:
            match = KEY_LINE.search(text)
            assert match, "the first run must print an API key:\n" + text
            return match.group(1)
        assert process.poll() is None, "the server exited:\n" + text
        time.sleep(0.1)
    raise AssertionError("the server did not start:\n" + log_path.read_text(errors="replace"))


def start_server(data_dir: Path, *, demo: bool = True) -> Iterator[Server]:
    """``manage.py serve`` on a free loopback port with ``data_dir``, until the generator is closed."""
    log_path = data_dir / "server.log"
    port = _free_port()
    with log_path.open("wb") as log_file:
        process = subprocess.Popen(
            [sys.executable, "-u", "manage.py", "serve", "--port", str(port), "--data-dir", str(data_dir),
             *(["--demo"] if demo else []), "--exit-after", "900"],
            cwd=ROOT, stdout=log_file, stderr=subprocess.STDOUT,
        )
    try:
        key = _wait_until_serving(log_path, process)
        yield Server(base_url=f"http://127.0.0.1:{port}", key=key, data_dir=data_dir, process=process,
                     log_path=log_path)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    yield from start_server(tmp_path_factory.mktemp("cashpilot-data"))


@pytest.fixture(scope="module")
def roomy_key(server: Server) -> str:
    """A key whose quota the concurrency tests cannot exhaust (the first-run key allows 10 000 requests an hour)."""
    created = json.loads(server.manage("create-key", "--name", "load", "--rate-limit", "1000000",
                                       "--rate-window", "3600"))
    return str(created["key"])

"""Install pip into a virtualenv created without it, from pip's wheel on PyPI (stdlib only).

Debian's python3 ships without ensurepip unless python3-venv is installed; a pip wheel is itself runnable, so it
can install itself.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import urllib.parse
import urllib.request
from pathlib import Path

INDEX = "https://pypi.org/pypi/pip/json"


def main(target_python: str) -> int:
    with urllib.request.urlopen(INDEX, timeout=60) as response:
        release = json.load(response)
    wheel = next(f for f in release["urls"] if f["packagetype"] == "bdist_wheel")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / wheel["filename"]
        # Mirrors of the index may answer relative file URLs.
        with urllib.request.urlopen(urllib.parse.urljoin(INDEX, wheel["url"]), timeout=120) as response:
            path.write_bytes(response.read())
        return subprocess.call([target_python, f"{path}/pip", "install", "--quiet", "pip<26.3"])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))

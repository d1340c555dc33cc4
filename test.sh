#!/usr/bin/env bash
# Install the development dependencies and run every check: lint, types, contracts and the whole test suite.
set -euo pipefail
cd "$(dirname "$0")"
bash scripts/venv.sh dev
.venv/bin/ruff check .
.venv/bin/mypy
.venv/bin/python -m pytest -n 2 "$@"

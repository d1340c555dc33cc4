#!/usr/bin/env bash
# Set up (virtualenv, dependencies, data folder) and serve CashPilot on http://127.0.0.1:8000.
# The first run creates an organization, its owner and an API key, and prints them. Options: --demo, --port N,
# --host H, --data-dir DIR (or CASHPILOT_DATA_DIR).
set -euo pipefail
cd "$(dirname "$0")"
bash scripts/venv.sh runtime
exec .venv/bin/python manage.py serve "$@"

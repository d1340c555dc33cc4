#!/usr/bin/env bash
# Creates .venv (even where Debian's python3 ships without ensurepip) and installs the pinned requirements when
# they changed. Usage: scripts/venv.sh [runtime|dev]
set -euo pipefail
cd "$(dirname "$0")/.."
want="${1:-runtime}"
req=requirements.txt
[ "$want" = dev ] && req=requirements-dev.txt
PY="${PYTHON:-python3}"

if [ ! -x .venv/bin/python ]; then
  if ! "$PY" -m venv .venv 2>/dev/null; then
    # Debian without python3-venv: make the venv without pip, then install pip from its PyPI wheel.
    rm -rf .venv
    "$PY" -m venv --without-pip .venv
    "$PY" scripts/bootstrap_pip.py .venv/bin/python
  fi
fi
if [ ! -x .venv/bin/pip ]; then
  "$PY" scripts/bootstrap_pip.py .venv/bin/python
fi
stamp=".venv/.installed-$want"
digest=$(cat requirements*.txt | sha256sum | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$digest" ]; then
  .venv/bin/python -m pip install --quiet --disable-pip-version-check 'pip<26.3'
  .venv/bin/python -m pip install --quiet --disable-pip-version-check -r "$req"
  echo "$digest" > "$stamp"
fi

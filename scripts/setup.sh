#!/usr/bin/env bash
# Create .venv and install techgap with the pinned versions in requirements.lock (the versions the
# checked-in figures were drawn with: byte-identical outputs need the same matplotlib and FreeType).
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -c requirements.lock -e ".[test]"

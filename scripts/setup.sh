#!/usr/bin/env bash
# Create .venv and install techgap with the pinned versions of requirements.lock (the versions the checked-in
# figures were drawn with: byte-identical outputs need the same matplotlib, FreeType and numpy).
# The lock is installed with uv (from PyPI, pinned in the lock too): it resolves and installs the ~100 packages in
# seconds where pip takes a minute or more. pip does it when uv cannot be had or fails.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ] || ! .venv/bin/python -c "import sys" >/dev/null 2>&1; then
  rm -rf .venv  # none yet, or one copied from another folder whose interpreter path no longer exists
  "$PYTHON" -m venv .venv
fi
if [ ! -x .venv/bin/uv ]; then
  .venv/bin/python -m pip install --quiet --disable-pip-version-check "$(grep '^uv==' requirements.lock)" || true
fi
# --compile-bytecode: write each package's .pyc once, at install. uv leaves compiling to the first import by
# default, and where PYTHONDONTWRITEBYTECODE is set (as on this project's machines) nothing ever writes them: every
# Python process (each Snakemake job, each test's subprocess) then compiled pandas, matplotlib and the rest from
# source again, about 3 s of CPU each. (pip compiles at install by default.)
if [ -x .venv/bin/uv ] && .venv/bin/uv pip install --quiet --compile-bytecode --python .venv/bin/python -c requirements.lock -e ".[test]"; then
  exit 0
fi
echo "setup: installing with pip (uv was not available or failed)" >&2
.venv/bin/python -m pip install --quiet --disable-pip-version-check -c requirements.lock -e ".[test]"

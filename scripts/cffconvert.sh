#!/usr/bin/env bash
# Run cffconvert (e.g. `bash scripts/cffconvert.sh --validate -i CITATION.cff`) from an environment of its own:
# cffconvert 2.0.0 requires jsonschema<4 and cannot share .venv with Snakemake and frictionless (jsonschema 4).
# The environment is made once under build/tools/cffconvert with the versions of requirements-cffconvert.lock
# (remade when the lock changes); it needs PyPI the first time, like scripts/setup.sh.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
LOCK="$ROOT/requirements-cffconvert.lock"
TOOL="$ROOT/build/tools/cffconvert"
PYTHON="${PYTHON:-python3}"
mkdir -p "$ROOT/build/tools"
exec 9>"$ROOT/build/tools/.cffconvert.lock"
flock 9  # two runs at once: one makes the environment, the other waits for it
WANT="$(sha256sum "$LOCK" | cut -d' ' -f1)"
if [ "$(cat "$TOOL/.made-from" 2>/dev/null)" != "$WANT" ]; then
  rm -rf "$TOOL"
  "$PYTHON" -m venv "$TOOL"
  "$TOOL/bin/python" -m pip install --quiet --disable-pip-version-check --no-deps -r "$LOCK" >&2
  echo "$WANT" >"$TOOL/.made-from"
fi
exec 9>&-
exec "$TOOL/bin/cffconvert" "$@"

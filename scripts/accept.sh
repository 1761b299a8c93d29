#!/usr/bin/env bash
# Accept an intended change of outputs: rebuild everything from a clean state so the checked-in
# tables and figures (figures/) become the new baseline, then show what changed. Commit the result.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
rm -rf figures data/processed
.venv/bin/snakemake --cores "${CORES:-2}" --quiet
.venv/bin/python -m techgap readme  # the README's item table is generated from the manifest
git status --short figures || true

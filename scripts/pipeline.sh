#!/usr/bin/env bash
# Set up (if needed) and build every figure, table, the claims ledger, the manifest and the page.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/snakemake --cores "${CORES:-2}" "$@"

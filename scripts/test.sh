#!/usr/bin/env bash
# Set up (if needed) and run the test suite: ruff and snakefmt, unit tests, the bad-input corpus, the refresh
# faults, an end-to-end Snakemake run on a copy of the project compared with the checked-in
# outputs, and the reviewers' page in headless Chromium.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
if ! command -v chromium >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
  # The page test needs a real browser; Debian's chromium is the one this project tests with. Without its
  # dependencies' recommended packages (37 packages instead of 229 on Debian 12): the pages carry their own font.
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null) \
    || echo "warning: could not install chromium; the browser test will fail in CI" >&2
fi
.venv/bin/ruff check src tests benchmarks
.venv/bin/ruff format --check src tests benchmarks
.venv/bin/snakefmt --check Snakefile rules/
# (not `snakemake --lint`: it asks every rule for a conda environment or container; jobs run in the venv)
exec .venv/bin/pytest "$@"

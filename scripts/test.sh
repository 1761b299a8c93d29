#!/usr/bin/env bash
# Set up (if needed) and run the test suite: ruff and snakefmt, unit tests, the bad-input corpus, the refresh
# faults, an end-to-end Snakemake run on a copy of the project compared with the checked-in
# outputs, and the reviewers' page in headless Chromium.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
if ! command -v chromium-headless-shell >/dev/null 2>&1 && ! command -v chromium >/dev/null 2>&1 \
  && command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
  # The page tests need a real browser: Debian's Chromium as its headless shell, which is what playwright drives
  # headless. On a bare Debian 12 it needs 131 packages (170 MB), the full browser 239 (233 MB: GTK, D-Bus,
  # systemd). Without recommended packages: the pages carry their own font.
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    chromium-headless-shell >/dev/null) \
    || echo "warning: could not install chromium-headless-shell; the browser tests will fail in CI" >&2
fi
.venv/bin/ruff check src tests benchmarks
.venv/bin/ruff format --check src tests benchmarks
.venv/bin/snakefmt --check Snakefile rules/
# (not `snakemake --lint`: it asks every rule for a conda environment or container; jobs run in the venv)
# The tests copy the project about a thousand times (a few MB each, 90 MB for a built one to change and rebuild).
# On this project's machines, whose disk is ext4 mounted with online discard, creating and removing those files
# costs about 60 of the suite's 370 CPU-seconds, and the suite is CPU-bound: with them in memory (tmpfs) it takes
# a sixth less time. So pytest's temporary folders go to /dev/shm when it and the machine have room for a run (it
# peaks at about 2.5 GB), and are removed when the run ends; elsewhere they stay in the system's temporary folder.
# To keep them for a look after a failure, run .venv/bin/pytest yourself.
room_kb=4194304
if [ -d /dev/shm ] && [ -w /dev/shm ] && [ "$(df -Pk /dev/shm | awk 'NR == 2 {print $4}')" -ge "$room_kb" ] \
  && [ "$(awk '/^MemAvailable:/ {print $2}' /proc/meminfo 2>/dev/null || echo 0)" -ge "$room_kb" ]; then
  in_memory=$(mktemp -d /dev/shm/techgap-tests.XXXXXX)
  trap 'rm -rf "$in_memory"' EXIT
  set -- --basetemp "$in_memory" "$@"  # a --basetemp of the caller's comes later and wins
fi
.venv/bin/pytest "$@"

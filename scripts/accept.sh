#!/usr/bin/env bash
# Accept an intended change of outputs: rebuild everything from a clean state, record the change in CHANGELOG.md
# (date, the vintages that arrived, the item editions that changed, the values revised, why), then show what
# changed. Commit the result.
#
#   bash scripts/accept.sh                  # the latest edition moved with new data
#   bash scripts/accept.sh "why"            # the message; needed when the report edition changed
#
# What was accepted before is the record in CHANGELOG.md (each item edition's fingerprint); the build keeps the
# accepted files in build/accepted/ to compare with (docs/review.md). Look at figures/review.html before accepting.
set -euo pipefail
cd "$(dirname "$0")/.."
MESSAGE="${1:-}"
bash scripts/setup.sh
rm -rf figures data/processed
.venv/bin/snakemake --cores "${CORES:-2}" --quiet
# The entry (or "nothing to accept"); stops here, having accepted nothing, if the report edition changed without a why.
.venv/bin/python -m techgap changelog --message "$MESSAGE"
# CHANGELOG.md changed: the review page is made again and now says there is nothing to review.
.venv/bin/snakemake --cores "${CORES:-2}" --quiet
.venv/bin/python -m techgap readme  # the README's item table is generated from the manifest
git status --short figures CHANGELOG.md README.md || true

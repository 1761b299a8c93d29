# ruff: noqa: B018, F821 - a vulture whitelist is bare expressions naming what is used
"""Names vulture (60 % confidence, `[tool.vulture]` in pyproject.toml) cannot see used, each with the reason.
Everything else it reports is dead code: tests/test_dead_code.py fails on it."""

from techgap import logs, workflow

# The Snakemake files' two calls into techgap (they are not Python that vulture reads):
workflow.start_run  # rules/common.smk, when Snakemake reads the workflow: settings, run lock, plan
logs.run_summary  # the Snakefile's onsuccess: and onerror:


# openpyxl's public attributes, set to keep a formula-like text a text, the header row in view and the
# document's dates fixed.
_.data_type
_.properties
_.freeze_panes

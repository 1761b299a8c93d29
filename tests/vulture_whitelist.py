# ruff: noqa: B018, F821 - a vulture whitelist is bare expressions naming what is used
"""Names vulture (60 % confidence, `[tool.vulture]` in pyproject.toml) cannot see used, each with the reason.
Everything else it reports is dead code: tests/test_dead_code.py fails on it."""

from techgap import logs, model, provenance, texts, workflow
from techgap.render import checks

# The Snakemake files' two calls into techgap (they are not Python that vulture reads):
workflow.start_run  # rules/common.smk, when Snakemake reads the workflow: settings, run lock, plan
logs.run_summary  # the Snakefile's onsuccess: and onerror:

# Checks the tests run over the whole project: no stray number in a configured text, one colour per entity
# across the build's logs.
texts.stray_numbers, checks.inconsistent_colors

# Fields of pydantic models: validated on load and read by iteration or model_dump (the provenance page, the
# plan), never by attribute.
provenance.Document.read_from, provenance.Document.author, provenance.Provenance.request
model.Strict.model_config  # read by pydantic: the one base of every model read from a file

# openpyxl's public attributes, set to keep a formula-like text a text, the header row in view and the
# document's dates fixed.
_.data_type
_.properties
_.freeze_panes

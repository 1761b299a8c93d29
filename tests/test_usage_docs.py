"""docs/usage.md says what really happens: the steps a fresh clone runs, and a settings example that runs."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

from conftest import ROOT, fork, snakemake

USAGE = (ROOT / "docs" / "usage.md").read_text(encoding="utf-8")


def _job_stats(output: str) -> dict[str, int]:
    table = output.split("Job stats:", 1)[1].split("\n\n", 1)[0]
    return {name: int(count) for name, count in re.findall(r"^(\w+)\s+(\d+)\s*$", table, flags=re.M)}


def test_the_steps_usage_md_counts_are_the_steps_snakemake_plans(built_project: Path, tmp_path: Path) -> None:
    root = fork(built_project, tmp_path / "project")
    stats = _job_stats(snakemake(root, "-n", "--forceall").stdout)  # everything, as on a fresh clone
    done = re.findall(r"`(\d+) of (\d+) steps \(100%\) done` on a fresh clone", USAGE)
    assert done == [(str(stats["total"]), str(stats["total"]))]
    groups = sum(count for name, count in stats.items() if name.startswith("build_"))
    assert f"everything, {stats['total']} steps: the font, one build job per group of items ({groups} groups)" in USAGE
    for rule in ("claims", "report", "drift", "manifest", "package", "review", "all"):
        assert stats.get(rule) == 1, rule
        assert f"{rule}" in USAGE.split("everything, ", 1)[1].split("\n", 1)[0]
    assert f"(kept in `build/`): {stats['total'] - stats['font']} steps" in USAGE


def _settings_examples() -> dict[str, set[str]]:
    """Every `snakemake --config …` a reader can copy from the README or a guide, with the files that give it."""
    found: dict[str, set[str]] = {}
    for path in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        for command in re.findall(r"`(snakemake --config [^`]*)`", path.read_text(encoding="utf-8")):
            found.setdefault(command, set()).add(path.name)
    return found


def test_every_settings_example_in_the_docs_is_the_one_this_file_runs() -> None:
    """An example the test below does not run may break a build (the README's `--config min_year=2000` did)."""
    examples = _settings_examples()
    assert len(examples) == 1, f"settings examples not run by a test: {examples}"
    assert {"README.md", "usage.md"} <= next(iter(examples.values()))


def test_the_settings_example_in_usage_md_runs(built_project: Path, tmp_path: Path) -> None:
    """`snakemake --config 'vintages={"isscc": ...}'`, as docs/usage.md gives it: accepted, and the latest edition
    it draws reads that vintage (built for one item's record, to keep the test short)."""
    command = re.search(r"`(snakemake --config 'vintages=\{[^`]*\}')`", USAGE)
    assert command, "docs/usage.md gives no --config example"
    argv = shlex.split(command.group(1))[1:]
    pinned = json.loads(argv[1].split("=", 1)[1])
    root = fork(built_project, tmp_path / "project")
    for source_id, vintage in pinned.items():
        assert (root / "data" / "raw" / source_id / vintage).is_dir(), "the example pins a vintage that exists"

    planned = _job_stats(snakemake(root, "-n", *argv).stdout)
    assert planned["total"] > 0
    snakemake(root, "figures/latest/fig05/fig05.meta.json", *argv)  # a target after --config would be read as a setting
    record = json.loads((root / "figures" / "latest" / "fig05" / "fig05.meta.json").read_text(encoding="utf-8"))
    assert record["vintages"]["isscc"] == pinned["isscc"]


def test_min_and_max_year_are_documented_as_a_typo_guard_not_a_display_range() -> None:
    config = (ROOT / "config" / "config.yaml").read_text(encoding="utf-8")
    assert "typo" in config.split("max_year:", 1)[0] and "not a display range" in config.split("max_year:", 1)[0]
    assert "`min_year` and `max_year` are not a display range" in USAGE
    assert "snakemake --config min_year=2000` does not" in USAGE.replace("\n", " ")


def test_the_jobs_run_in_the_venv_and_no_file_claims_a_conda_environment() -> None:
    """usage.md says the jobs run with Snakemake's own interpreter (the venv); a conda file or directive coming back
    would be a claim nothing exercises (an `envs/techgap.yaml` once said jobs found techgap through a PYTHONPATH
    nothing set)."""
    workflow = [ROOT / "Snakefile", *sorted((ROOT / "rules").glob("*.smk"))]
    directives = [
        f"{p.name}: {m}" for p in workflow for m in re.findall(r"^\s*(conda|container):", p.read_text(encoding="utf-8"), re.M)
    ]
    assert not directives, directives
    assert not (ROOT / "envs").exists() and not (ROOT / "workflow" / "envs").exists()
    profile = (ROOT / "profiles" / "default" / "config.yaml").read_text(encoding="utf-8")
    assert "use-conda" not in profile and "software-deployment-method" not in profile and "sdm" not in profile
    assert "There is no conda environment" in USAGE and "scripts/setup.sh" in USAGE


def test_the_table_of_chart_kinds_in_docs_figures_md_is_made_from_the_models() -> None:
    from techgap.cli import KINDS_DOC, kinds_part, with_generated_part

    text = (ROOT / KINDS_DOC[0]).read_text(encoding="utf-8")
    assert with_generated_part(text, KINDS_DOC, kinds_part()) == text, "run `python -m techgap kinds`"


def test_the_table_of_data_terms_in_docs_data_terms_md_is_made_from_provenance() -> None:
    """The checked-in table against the checked-in provenance: a new vintage whose title or licence differs
    makes this fail until `python -m techgap data-terms` has rewritten it."""
    from techgap.cli import TERMS_DOC, terms_part, with_generated_part
    from techgap.config import load_project

    text = (ROOT / TERMS_DOC[0]).read_text(encoding="utf-8")
    assert with_generated_part(text, TERMS_DOC, terms_part(load_project(ROOT))) == text, "run `python -m techgap data-terms`"

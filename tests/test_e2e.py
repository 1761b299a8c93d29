"""End to end: Snakemake builds the whole project in a temporary copy; its tables must equal the
checked-in ones, its figures must be byte-identical (deterministic output), a second run must have
nothing to do, and a change reruns exactly what depends on it."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from conftest import ROOT, add_vintage, copy_project, set_checksum, snapshot_dir, tree_digest

pytestmark = pytest.mark.e2e


def snakemake(root: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    result = subprocess.run(
        [sys.executable, "-m", "snakemake", "--cores", "2", *args], cwd=root, capture_output=True, text=True, timeout=600
    )
    if check and result.returncode != 0:
        raise AssertionError(f"snakemake {' '.join(args)} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
    return result


def planned_jobs(root: Path) -> set[str]:
    """Rules a dry run would execute (from Snakemake's job-stats table), 'all' excluded."""
    out = snakemake(root, "-n").stdout
    if "Nothing to be done" in out:
        return set()
    table = out.split("Job stats:", 1)[1]
    jobs = set(re.findall(r"^(\w+)\s+\d+\s*$", table, flags=re.M))
    return jobs - {"all", "total"}


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("e2e") / "project"
    root.mkdir()
    copy_project(root, with_figures=False)
    snakemake(root, "--quiet")
    return root


def fork(built: Path, tmp_path: Path) -> Path:
    """A copy of the built project, Snakemake's metadata and file times included."""
    target = tmp_path / "fork"
    shutil.copytree(built, target, symlinks=True)
    return target


def readable_diff(item: str, old: pd.DataFrame, new: pd.DataFrame) -> str:
    if list(old.columns) != list(new.columns):
        return f"{item}: columns {list(old.columns)} -> {list(new.columns)}"
    if len(old) != len(new):
        return f"{item}: {len(old)} rows -> {len(new)} rows"
    lines = []
    for column in old.columns:
        changed = ~((old[column] == new[column]) | (old[column].isna() & new[column].isna()))
        for row in changed[changed].index[:5]:
            lines.append(f"{item}: row {row + 2}, column {column}: {old.at[row, column]!r} -> {new.at[row, column]!r}")
    return "\n".join(lines)


def test_tables_match_the_checked_in_ones(built: Path) -> None:
    checked_in = sorted((ROOT / "figures").rglob("*.csv"))
    assert len(checked_in) >= 28  # 27 items + the claims ledger
    problems = []
    for path in checked_in:
        relative = path.relative_to(ROOT)
        rebuilt = built / relative
        if not rebuilt.exists():
            problems.append(f"{relative}: not rebuilt")
            continue
        old = pd.read_csv(path, dtype=str, keep_default_na=False)
        new = pd.read_csv(rebuilt, dtype=str, keep_default_na=False)
        if not old.equals(new):
            problems.append(readable_diff(str(relative), old, new))
    assert not problems, "outputs differ from the checked-in tables (regenerate with `bash scripts/accept.sh`):\n" + "\n".join(
        problems
    )


def test_figures_and_manifest_are_byte_identical(built: Path) -> None:
    """Two clean builds (the checked-in one and this one) give the same bytes."""
    checked_in = {p.relative_to(ROOT): p for p in (ROOT / "figures").rglob("*") if p.is_file()}
    rebuilt = {p.relative_to(built): p for p in (built / "figures").rglob("*") if p.is_file()}
    assert set(checked_in) == set(rebuilt)
    differ = [str(k) for k, p in checked_in.items() if p.read_bytes() != rebuilt[k].read_bytes()]
    assert not differ, f"{len(differ)} file(s) differ from the checked-in build, e.g. {differ[:5]}"


def test_second_run_has_nothing_to_do(built: Path) -> None:
    assert planned_jobs(built) == set()


def test_every_job_log_says_what_the_job_wrote(built: Path) -> None:
    logs = sorted((built / "logs").rglob("*.log"))
    assert len(logs) >= 25  # a build job per group, font, claims, report, drift, manifest
    silent = [str(p.relative_to(built)) for p in logs if "wrote" not in p.read_text(encoding="utf-8")]
    assert not silent, f"logs that do not say what their job wrote: {silent}"


def test_a_dry_run_with_other_settings_plans_reruns_and_leaves_the_next_run_with_nothing_to_do(built: Path, tmp_path) -> None:
    root = fork(built, tmp_path)
    out = snakemake(root, "-n", "--config", "min_year=2015").stdout
    assert "build_isscc" in out  # the year range is a setting of every build job
    assert planned_jobs(root) == set()  # the dry run's settings did not become the real run's


def test_new_raw_vintage_reruns_only_its_dependents(built: Path, tmp_path: Path) -> None:
    root = fork(built, tmp_path)

    def revise(folder: Path) -> None:
        payload = folder / "data.csv"
        text = payload.read_text(encoding="utf-8")
        payload.write_text(text.replace(",2023,isscc_accepted_papers,59,", ",2023,isscc_accepted_papers,60,"), encoding="utf-8")

    add_vintage(root, "isscc", revise)
    # gap01/gap02 read ISSCC too; the annotated report shows the ledger's verdicts
    assert planned_jobs(root) == {"build_isscc", "build_gaps", "claims", "drift", "manifest", "package", "report"}


def test_item_config_change_reruns_only_that_group(built: Path, tmp_path: Path) -> None:
    root = fork(built, tmp_path)
    items = root / "config" / "items.yaml"
    items.write_text(
        items.read_text(encoding="utf-8").replace(
            "ylabel: {zh: 入選論文數 (篇), en: Accepted papers}", "ylabel: {zh: 入選論文 (篇), en: Papers accepted}"
        ),
        encoding="utf-8",
    )
    # Only that group's job, the manifest and the data package (it describes the item tables): the ledger and
    # the drift report read raw data, not items.
    assert planned_jobs(root) == {"build_isscc", "manifest", "package"}


def test_source_config_change_reruns_only_that_source(built: Path, tmp_path: Path) -> None:
    root = fork(built, tmp_path)
    sources = root / "config" / "sources.yaml"
    text = sources.read_text(encoding="utf-8")
    start = text.index("isscc:")
    block_end = text.index("\n", text.index("isscc_accepted_papers:", start) + 1)
    sources.write_text(text[:block_end] + "\n      min: 0" + text[block_end:], encoding="utf-8")
    assert planned_jobs(root) == {"build_isscc", "build_gaps", "claims", "drift", "manifest", "package", "report"}


def test_conversion_rate_change_reruns_only_the_ledger(built: Path, tmp_path: Path) -> None:
    root = fork(built, tmp_path)
    config = root / "config" / "config.yaml"
    config.write_text(config.read_text(encoding="utf-8").replace("    value: 7.0", "    value: 6.9"), encoding="utf-8")
    assert planned_jobs(root) == {"claims", "manifest", "report"}


def test_plotting_code_change_reruns_drawing_but_no_standalone_normalize(built: Path, tmp_path: Path) -> None:
    root = fork(built, tmp_path)
    charts = root / "src" / "techgap" / "render" / "charts.py"
    charts.write_text(charts.read_text(encoding="utf-8") + "\n# a changed plotting module\n", encoding="utf-8")
    jobs = planned_jobs(root)
    assert "normalize" not in jobs
    assert {"build_isscc", "build_nbs_rd", "build_semi_wwsems", "manifest"} <= jobs


def test_a_module_with_a_new_file_time_but_the_same_content_reruns_nothing(built: Path, tmp_path: Path) -> None:
    """Switching to another branch and back gives modules new file times, not new content."""
    root = fork(built, tmp_path)
    for module in (root / "src" / "techgap").rglob("*.py"):
        later = module.stat().st_mtime + 3600
        os.utime(module, (later, later))
    assert planned_jobs(root) == set()


def test_an_output_deleted_by_hand_is_made_again_with_the_same_bytes(built: Path, tmp_path: Path) -> None:
    """Snakemake reruns a job for a missing output only when something downstream needs that file; the
    manifest reads each item's record, not its drawings, so `all` asks for missing outputs by name."""
    root = fork(built, tmp_path)
    figure = root / "figures" / "latest" / "fig01" / "fig01_en.png"
    expected = figure.read_bytes()
    figure.unlink()
    assert planned_jobs(root) == {"build_nbs_rd", "manifest", "package"}
    snakemake(root, "--quiet")
    assert figure.read_bytes() == expected
    shutil.rmtree(root / "data" / "processed" / "isscc")  # derived tables too
    assert planned_jobs(root) == {"build_isscc", "manifest", "package"}


def test_bad_raw_file_stops_the_run_and_loses_nothing(built: Path, tmp_path: Path) -> None:
    root = fork(built, tmp_path)
    folder = snapshot_dir(root, "isscc")
    payload = folder / "data.csv"
    payload.write_text(
        payload.read_text(encoding="utf-8").replace(",2023,isscc_accepted_papers,59,", ",2023,isscc_accepted_papers,fifty-nine,"),
        encoding="utf-8",
    )
    set_checksum(folder)
    before = tree_digest(root / "figures", root / "data")
    result = snakemake(root, "--quiet", check=False)
    assert result.returncode != 0
    # whichever job that reads ISSCC ran first (its group's, the gap analysis's, the ledger's or the
    # drift report's) logs the error; Snakemake then stops
    log = "\n".join(p.read_text(encoding="utf-8") for p in (root / "logs").rglob("*.log"))
    assert "data.csv" in log and "field 'value'" in log and "'fifty-nine'" in log and "line " in log
    assert tree_digest(root / "figures", root / "data") == before


def test_gap_in_a_yearly_series_stops_before_anything_is_written(built: Path, tmp_path: Path) -> None:
    """nbs_rd without China's 2015 R&D: normalize accepts it, fig01 cannot be drawn without that
    year; the processed table and the figure stay as they were."""
    root = fork(built, tmp_path)
    folder = snapshot_dir(root, "nbs_rd")
    payload = folder / "data.csv"
    lines = payload.read_text(encoding="utf-8").splitlines(keepends=True)
    payload.write_text("".join(line for line in lines if not line.startswith("China,2015,rd_expenditure,")), encoding="utf-8")
    set_checksum(folder)
    # what the failing job writes (fig02 also reads nbs_rd, a series without the gap, and may be redrawn)
    items = [root / "figures" / edition / "fig01" for edition in ("report", "latest")] + [root / "data" / "processed" / "nbs_rd"]
    before = tree_digest(*items)
    result = snakemake(root, "--quiet", check=False)
    assert result.returncode != 0
    log = (root / "logs" / "build" / "nbs_rd.log").read_text(encoding="utf-8")
    assert "2015" in log and "fig01" in log and "field 'period'" in log
    # the item files and tables stay (the drift report does not depend on them: if its job ran before
    # Snakemake stopped, it flags the vintage edited in place, whose checksum no longer matches the history)
    assert tree_digest(*items) == before

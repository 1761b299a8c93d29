"""End to end: Snakemake builds the whole project once per session in a temporary copy (conftest.built_project);
its tables must equal the checked-in ones, its files must be byte-identical, a second run must have nothing to do,
every change reruns what depends on it, a bad input stops the run and loses nothing, and a moved copy builds and
reports from its own folder."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest
from conftest import ROOT, add_vintage, fork, planned_jobs, snakemake, snapshot_dir, tree_digest

pytestmark = pytest.mark.e2e

BUILD_JOBS_OF_ISSCC = {"build_isscc", "build_gaps"}  # fig05, and the gap analysis that reads ISSCC too
# the ledger, drift, the data package, and the review page (it reads drift and every item's record)
READS_EVERY_VINTAGE = {"claims", "drift", "report", "manifest", "package", "review"}


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


# --- the build from a clean copy --------------------------------------------------------------------------------


def test_tables_match_the_checked_in_ones(built_project: Path) -> None:
    checked_in = sorted((ROOT / "figures").rglob("*.csv"))
    assert len(checked_in) >= 28  # the items + the claims ledger
    problems = []
    for path in checked_in:
        relative = path.relative_to(ROOT)
        rebuilt = built_project / relative
        if not rebuilt.exists():
            problems.append(f"{relative}: not rebuilt")
            continue
        old = pd.read_csv(path, dtype=str, keep_default_na=False)
        new = pd.read_csv(rebuilt, dtype=str, keep_default_na=False)
        if not old.equals(new):
            problems.append(readable_diff(str(relative), old, new))
    assert not problems, "outputs differ from the checked-in tables (accept with `bash scripts/accept.sh`):\n" + "\n".join(
        problems
    )


def test_figures_and_manifest_are_byte_identical(built_project: Path) -> None:
    """A clean build here gives the checked-in bytes: every file under figures/."""
    checked_in = {p.relative_to(ROOT): p for p in (ROOT / "figures").rglob("*") if p.is_file()}
    rebuilt = {p.relative_to(built_project): p for p in (built_project / "figures").rglob("*") if p.is_file()}
    assert set(checked_in) == set(rebuilt)
    differ = [str(k) for k, p in checked_in.items() if p.read_bytes() != rebuilt[k].read_bytes()]
    assert not differ, f"{len(differ)} file(s) differ from the checked-in build, e.g. {differ[:5]}"


def test_second_run_has_nothing_to_do(built_project: Path) -> None:
    assert planned_jobs(built_project) == set()


def test_every_job_log_says_what_the_job_wrote(built_project: Path) -> None:
    logs = sorted((built_project / "logs").rglob("*.log"))
    assert len(logs) >= 25  # a build job per group, font, claims, report, drift, manifest
    silent = [str(p.relative_to(built_project)) for p in logs if "wrote" not in p.read_text(encoding="utf-8")]
    assert not silent, f"logs that do not say what their job wrote: {silent}"


def declared_inputs(root: Path) -> dict[str, set[str]]:
    """Each job's declared inputs (by its log file), from a dry run that plans every job."""
    out = snakemake(root, "-n", "--forceall").stdout
    inputs = {}
    for block in out.split("\nrule ")[1:]:
        found = dict(re.findall(r"^\s+(input|log): (.*)$", block, flags=re.M))
        if "log" in found:
            inputs[found["log"].strip()] = {part.strip() for part in found.get("input", "").split(",")}
    return inputs


def test_every_job_declares_the_code_it_ran(built_project: Path) -> None:
    """Each job's log names the techgap modules it ran; each of their files is one of the job's inputs, so a change
    to any of them reruns it (the claims ledger and the drift report included)."""
    declared = declared_inputs(built_project)
    assert {"logs/claims.log", "logs/drift.log", "logs/report.log", "logs/manifest.log", "logs/package.log"} <= set(declared)
    assert "logs/font.log" in declared and "logs/build/isscc.log" in declared
    checked = 0
    for log_path, inputs in declared.items():
        log = (built_project / log_path).read_text(encoding="utf-8")
        ran = re.search(r"ran the modules: (.*)$", log, flags=re.M)
        assert ran, f"{log_path} does not say which modules its job ran"
        for module in ran.group(1).split():
            path = "src/" + module.replace(".", "/")
            files = {f"{path}.py", f"{path}/__init__.py"}
            assert files & inputs, f"{log_path}: the job ran {module} but does not declare {path}.py as an input"
            checked += 1
    assert checked > 100


def test_a_comment_added_to_any_module_reruns_every_job_that_imports_it(built_project: Path, tmp_path: Path) -> None:
    root = fork(built_project, tmp_path / "fork")
    provenance = root / "src" / "techgap" / "provenance.py"  # read by the claims ledger and the drift report too
    provenance.write_text(provenance.read_text(encoding="utf-8") + "\n# a comment\n", encoding="utf-8")
    jobs = planned_jobs(root)
    assert {"claims", "drift", "report", "manifest", "package", "font", "build_isscc", "build_gaps"} <= jobs


def test_a_module_with_a_new_file_time_but_the_same_content_reruns_nothing(built_project: Path, tmp_path: Path) -> None:
    """Switching to another branch and back gives modules new file times, not new content."""
    root = fork(built_project, tmp_path / "fork")
    for module in (root / "src" / "techgap").rglob("*.py"):
        later = module.stat().st_mtime + 3600
        os.utime(module, (later, later))
    assert planned_jobs(root) == set()


def test_a_dry_run_with_other_settings_plans_reruns_and_leaves_the_next_run_with_nothing_to_do(
    built_project: Path, tmp_path
) -> None:
    root = fork(built_project, tmp_path / "fork")
    assert "build_isscc" in planned_jobs(root, "--config", "min_year=2000")  # settings reach every job
    assert planned_jobs(root) == set()  # the dry run's settings did not become the real run's


def test_a_new_vintage_reruns_the_jobs_that_read_it(built_project: Path, tmp_path: Path) -> None:
    root = fork(built_project, tmp_path / "fork")

    def revise(folder: Path) -> None:
        payload = folder / "data.csv"
        text = payload.read_text(encoding="utf-8")
        payload.write_text(text.replace(",2023,isscc_accepted_papers,59,", ",2023,isscc_accepted_papers,60,"), encoding="utf-8")

    add_vintage(root, "isscc", revise)
    assert planned_jobs(root) == BUILD_JOBS_OF_ISSCC | READS_EVERY_VINTAGE


def test_an_item_config_change_reruns_the_build_jobs_and_the_manifest_not_the_ledger(built_project: Path, tmp_path: Path) -> None:
    root = fork(built_project, tmp_path / "fork")
    items = root / "config" / "items.yaml"
    items.write_text(
        items.read_text(encoding="utf-8").replace(
            "ylabel: {zh: 入選論文數 (篇), en: Accepted papers}", "ylabel: {zh: 入選論文 (篇), en: Papers}"
        ),
        encoding="utf-8",
    )
    jobs = planned_jobs(root)
    assert "build_isscc" in jobs and "manifest" in jobs
    assert not jobs & {"claims", "drift", "report"}  # they read the raw data and config/claims.yaml, not items


def test_an_output_deleted_by_hand_is_made_again_with_the_same_bytes(built_project: Path, tmp_path: Path) -> None:
    """Snakemake reruns a job for a missing output only when something downstream needs that file; the manifest
    reads each item's record, not its drawings, so `all` asks for missing outputs by name."""
    root = fork(built_project, tmp_path / "fork")
    figure = root / "figures" / "latest" / "fig15" / "fig15_en.png"
    expected = figure.read_bytes()
    figure.unlink()
    # the job remakes the record the manifest, the package and the review page read
    assert planned_jobs(root) == {"build_eiu_china_chip_lag", "manifest", "package", "review"}
    snakemake(root, str(figure.relative_to(root)), "--quiet")  # the job alone (the plan above is what `all` runs)
    assert figure.read_bytes() == expected
    shutil.rmtree(root / "data" / "processed" / "isscc")  # derived tables too
    assert planned_jobs(root) == {"build_isscc", "manifest", "package", "review"}


# --- bad input stops the run, nothing is lost ------------------------------------------------------------------


def test_a_bad_value_in_a_new_vintage_stops_the_run_and_loses_nothing(built_project: Path, tmp_path: Path) -> None:
    root = fork(built_project, tmp_path / "fork")

    def spoil(folder: Path) -> None:
        payload = folder / "data.csv"
        text = payload.read_text(encoding="utf-8")
        payload.write_text(
            text.replace(",2023,isscc_accepted_papers,59,", ",2023,isscc_accepted_papers,fifty-nine,"), encoding="utf-8"
        )

    add_vintage(root, "isscc", spoil)
    before = tree_digest(root / "figures", root / "data" / "processed")
    # the job that draws fig05 (a plain `snakemake` runs it beside the gap analysis, which reads ISSCC too)
    result = snakemake(root, "figures/latest/fig05/fig05.meta.json", "--quiet", check=False)
    assert result.returncode != 0
    log = (root / "logs" / "build" / "isscc.log").read_text(encoding="utf-8")
    assert "data.csv" in log and "field 'value'" in log and "'fifty-nine'" in log and "line " in log
    assert tree_digest(root / "figures", root / "data" / "processed") == before


def test_a_gap_in_a_yearly_series_stops_before_anything_is_written(built_project: Path, tmp_path: Path) -> None:
    """A new nbs_rd vintage without China's 2015 R&D: normalize accepts it, fig01 cannot be drawn without that year;
    its files and the processed tables stay as they were."""
    root = fork(built_project, tmp_path / "fork")

    def drop_2015(folder: Path) -> None:
        payload = folder / "data.csv"
        lines = payload.read_text(encoding="utf-8").splitlines(keepends=True)
        payload.write_text("".join(line for line in lines if not line.startswith("China,2015,rd_expenditure,")), encoding="utf-8")

    add_vintage(root, "nbs_rd", drop_2015)
    items = [root / "figures" / edition / "fig01" for edition in ("report", "latest")] + [root / "data" / "processed" / "nbs_rd"]
    before = tree_digest(*items)
    # the job that draws fig01 (a plain `snakemake` runs it among every other job that reads nbs_rd)
    result = snakemake(root, "figures/latest/fig01/fig01.meta.json", "--quiet", check=False)
    assert result.returncode != 0
    log = (root / "logs" / "build" / "nbs_rd.log").read_text(encoding="utf-8")
    assert "2015" in log and "fig01" in log and "field 'period'" in log
    assert tree_digest(*items) == before


def test_an_in_place_edit_of_a_pinned_vintage_stops_the_build_naming_the_file(built_project: Path, tmp_path: Path) -> None:
    """The issue's attack: a value of the pinned oecd_msti vintage edited in place, its provenance's sha256 fixed to
    match. Snakemake stops before any job runs, naming the payload and both checksums; the report edition stays."""
    import hashlib

    root = fork(built_project, tmp_path / "fork")
    folder = snapshot_dir(root, "oecd_msti")
    payload = folder / "data.csv"
    text = payload.read_text(encoding="utf-8")
    edited = re.sub(
        r"^(Korea,2021,gerd_pct_gdp,)([0-9.]+),", lambda m: f"{m.group(1)}{float(m.group(2)) + 1:.3f},", text, count=1, flags=re.M
    )
    assert edited != text
    payload.write_text(edited, encoding="utf-8")
    provenance = folder / "provenance.yaml"
    digest = hashlib.sha256(payload.read_bytes()).hexdigest()
    provenance.write_text(
        re.sub(r"(?m)^sha256: .*$", f"sha256: {digest}", provenance.read_text(encoding="utf-8")), encoding="utf-8"
    )
    before = tree_digest(root / "figures" / "report")
    result = snakemake(root, "--quiet", check=False)
    assert result.returncode != 0
    said = result.stdout + result.stderr
    assert f"data/raw/oecd_msti/{folder.name}/data.csv" in said and digest in said and "the payload was edited" in said
    assert tree_digest(root / "figures" / "report") == before


# --- a moved copy ----------------------------------------------------------------------------------------------


def test_a_moved_copy_builds_and_reports_from_its_own_folder(built_project: Path, tmp_path: Path) -> None:
    first = fork(built_project, tmp_path / "first")
    moved = tmp_path / "elsewhere" / "moved"
    moved.parent.mkdir()
    shutil.move(first, moved)
    assert planned_jobs(moved) == set()  # nothing the build keeps names the folder it was made in
    for folder in ("build", "figures"):
        for path in (moved / folder).rglob("*"):
            if path.is_file() and path.suffix in {".json", ".csv", ".md", ".html", ".svg", ".txt"}:
                assert str(built_project) not in path.read_text(encoding="utf-8", errors="replace"), path
                assert str(tmp_path / "first") not in path.read_text(encoding="utf-8", errors="replace"), path
    (moved / "figures" / "latest" / "fig15" / "fig15_en.png").unlink()
    result = snakemake(moved, "figures/latest/fig15/fig15_en.png", "--quiet")
    assert str(built_project) not in result.stdout
    log = (moved / "logs" / "build" / "eiu_china_chip_lag.log").read_text(encoding="utf-8")
    assert f"({moved}/src/techgap)" in log and f"{moved}/figures/latest/fig15" in log  # its own code, its own folder
    assert (moved / "figures" / "latest" / "fig15" / "fig15_en.png").read_bytes() == (
        built_project / "figures" / "latest" / "fig15" / "fig15_en.png"
    ).read_bytes()

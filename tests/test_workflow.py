"""What the Snakefile declares (techgap.workflow): the plan is computed from the validated project on every run,
holds no absolute path, names the whole package as every job's code, passes the settings as a file named after
its content, and refuses raw data that differ from what was recorded."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
from pathlib import Path

import pytest
from conftest import snapshot_dir

from techgap.config import load_project, load_yaml
from techgap.errors import InputError
from techgap.provenance import checksum_log
from techgap.workflow import code_files, settings_file, workflow_plan


def test_the_plan_names_each_groups_snapshots_outputs_and_captions(project_root: Path):
    groups = workflow_plan(load_project(project_root))["groups"]
    job = next(job for job in groups.values() if "figures/report/tab07/tab07_en.png" in job["outputs"])
    assert "figures/latest/tab07/tab07.meta.json" in job["records"]
    assert "figures/report/tab07/tab07_en.svg" in job["outputs"]
    assert any(path.startswith("data/raw/semi_wwsems/") and path.endswith("/provenance.yaml") for path in job["raw"])
    labels = job["report"]["figures/latest/tab07/tab07_zh.png"]["labels"]
    assert (labels["item"], labels["edition"], labels["language"]) == ("tab07", "latest", "zh")
    assert "figures/latest/tab07/tab07.csv" not in job["report"]  # only PNGs go into the report


def test_the_plan_holds_no_absolute_path(project_root: Path):
    text = json.dumps(workflow_plan(load_project(project_root)))
    assert str(project_root) not in text
    assert not re.search(r'"/', text), "a path in the plan starts at the file system's root"


def test_a_new_vintage_is_read_by_the_next_plan(project_root: Path):
    folder = project_root / "data" / "raw" / "semi_wwsems"
    newest = snapshot_dir(project_root, "semi_wwsems")
    shutil.copytree(newest, folder / "2099-01-01")
    from techgap.provenance import record_checksum

    record_checksum(project_root / "data" / "raw", "semi_wwsems", "2099-01-01")
    groups = workflow_plan(load_project(project_root))["groups"]
    job = next(job for job in groups.values() if "figures/latest/tab07/tab07.csv" in job["outputs"])
    assert "data/raw/semi_wwsems/2099-01-01/provenance.yaml" in job["raw"]


def test_every_job_runs_the_whole_package_as_its_code(workflow_root: Path):
    files = code_files(workflow_root)
    package = workflow_root / "src" / "techgap"
    on_disk = {
        p.relative_to(workflow_root).as_posix() for p in package.rglob("*") if p.is_file() and "__pycache__" not in p.parts
    }
    assert set(files) == on_disk
    assert "src/techgap/render/charts.py" in files and "src/techgap/workflow.py" in files
    assert all(not Path(f).is_absolute() for f in files)


def test_settings_reach_the_jobs_as_a_file_named_after_their_content(tmp_path: Path):
    settings = {"min_year": 1990, "max_year": 2030, "nested": {"b": 1, "a": 2}}
    first = settings_file(tmp_path, settings)
    assert not Path(first).is_absolute()
    assert json.loads((tmp_path / first).read_text(encoding="utf-8")) == settings
    assert settings_file(tmp_path, {"nested": {"a": 2, "b": 1}, "max_year": 2030, "min_year": 1990}) == first  # order
    other = settings_file(tmp_path, {**settings, "min_year": 2000})
    assert other != first
    assert (tmp_path / first).is_file()  # a dry run with other settings leaves the real run's input as it was
    digest = hashlib.sha256((tmp_path / first).read_bytes()).hexdigest()[:16]
    assert Path(first).stem == digest


def edit_payload(root: Path, source_id: str, vintage: str) -> Path:
    """An in-place edit of a recorded vintage, its provenance's sha256 fixed to match (the attack of the issue)."""
    folder = root / "data" / "raw" / source_id / vintage
    payload = folder / "data.csv"
    lines = payload.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[1] = re.sub(r",(\d+(?:\.\d+)?),", lambda m: f",{float(m.group(1)) + 1:g},", lines[1], count=1)
    payload.write_text("".join(lines), encoding="utf-8")
    provenance = folder / "provenance.yaml"
    digest = hashlib.sha256(payload.read_bytes()).hexdigest()
    provenance.write_text(re.sub(r"^sha256: .*$", f"sha256: {digest}", provenance.read_text(encoding="utf-8"), flags=re.M))
    return payload


def test_an_in_place_edit_of_a_pinned_vintage_stops_the_plan_naming_the_file_and_both_checksums(project_root: Path):
    pin = load_yaml(project_root / "config" / "config.yaml")["report_vintages"]["oecd_msti"]
    vintage = str(pin["vintage"])
    recorded = pin["sha256"]
    payload = edit_payload(project_root, "oecd_msti", vintage)
    with pytest.raises(InputError) as caught:
        workflow_plan(load_project(project_root))
    message = str(caught.value)
    assert f"data/raw/oecd_msti/{vintage}" in message
    assert recorded in message and hashlib.sha256(payload.read_bytes()).hexdigest() in message
    assert "techgap checksums" in message or "new vintage" in message


def test_rewriting_the_checksum_history_as_well_is_stopped_by_the_report_pin(project_root: Path):
    pin = load_yaml(project_root / "config" / "config.yaml")["report_vintages"]["oecd_msti"]
    vintage = str(pin["vintage"])
    payload = edit_payload(project_root, "oecd_msti", vintage)
    log = checksum_log(project_root / "data" / "raw", "oecd_msti")
    provenance_digest = hashlib.sha256((payload.parent / "provenance.yaml").read_bytes()).hexdigest()
    payload_digest = hashlib.sha256(payload.read_bytes()).hexdigest()
    lines = [
        f"{vintage} data.csv {payload_digest} {provenance_digest}" if line.startswith(vintage) else line
        for line in log.read_text(encoding="utf-8").splitlines()
    ]
    log.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        workflow_plan(load_project(project_root))
    assert caught.value.field == "report_vintages.oecd_msti.sha256"
    assert "config.yaml" in str(caught.value) and payload_digest in str(caught.value)


def test_an_unrecorded_vintage_stops_the_plan_saying_how_to_record_it(project_root: Path):
    newest = snapshot_dir(project_root, "isscc")
    shutil.copytree(newest, newest.parent / "2099-01-01")
    with pytest.raises(InputError, match=r"techgap checksums isscc 2099-01-01"):
        workflow_plan(load_project(project_root))


def test_a_recorded_vintage_whose_folder_is_gone_stops_the_plan(project_root: Path):
    folder = project_root / "data" / "raw" / "isscc"
    newest = snapshot_dir(project_root, "isscc")
    shutil.copytree(newest, folder / "2099-01-01")
    from techgap.provenance import record_checksum

    record_checksum(project_root / "data" / "raw", "isscc", "2099-01-01")
    shutil.rmtree(folder / "2099-01-01")
    with pytest.raises(InputError, match="folder is gone"):
        workflow_plan(load_project(project_root))

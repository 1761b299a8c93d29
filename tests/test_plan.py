"""The workflow's plan (techgap.plan): made once for a set of inputs and read after that, made again when any
input changes, never kept for a config that fails its checks."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest

from techgap import plan
from techgap.config import load_yaml
from techgap.errors import InputError
from techgap.stamps import SETTINGS_ENV, write_stamp_text

SCHEMA = Path("workflow/schemas/config.schema.json")


@pytest.fixture
def root(project_root: Path, monkeypatch) -> Path:
    monkeypatch.delenv(SETTINGS_ENV, raising=False)  # the copy's config/config.yaml is the only setting
    return project_root


@pytest.fixture
def config(root: Path) -> dict:
    return load_yaml(root / "config" / "config.yaml")


@pytest.fixture
def counted(monkeypatch) -> list[int]:
    """How many times the plan was computed (not read)."""
    calls: list[int] = []
    compute = plan.workflow_plan

    def counting(project):
        calls.append(1)
        return compute(project)

    monkeypatch.setattr(plan, "workflow_plan", counting)
    return calls


def plans(root: Path) -> list[Path]:
    return sorted((root / plan.PLAN_DIR).glob("*.json"))


def load(root: Path, config: dict) -> dict:
    return plan.load_plan(root, config, root / SCHEMA)


def test_the_plan_is_computed_once_and_read_while_its_inputs_stay(root, config, counted):
    first = load(root, config)
    second = load(root, config)
    assert counted == [1]
    assert second == first
    assert len(plans(root)) == 1


def test_the_plan_names_each_groups_snapshots_outputs_and_captions(root, config):
    groups = load(root, config)["groups"]
    job = next(job for job in groups.values() if "figures/report/tab07/tab07_en.png" in job["outputs"])
    assert "figures/latest/tab07/tab07.meta.json" in job["records"]
    assert "figures/report/tab07/tab07_en.svg" in job["outputs"]
    assert any(path.startswith("data/raw/semi_wwsems/") and path.endswith("/provenance.yaml") for path in job["raw"])
    labels = job["report"]["figures/latest/tab07/tab07_zh.png"]["labels"]
    assert (labels["item"], labels["edition"], labels["language"]) == ("tab07", "latest", "zh")
    assert "figures/latest/tab07/tab07.csv" not in job["report"]  # only PNGs go into the report
    assert json.loads(job["settings_text"]) == job["specs"]


def new_vintage(root: Path, source_id: str) -> str:
    """A copy of the source's newest vintage under a later date (the data stay valid)."""
    folder = root / "data" / "raw" / source_id
    newest = sorted(p for p in folder.iterdir() if p.is_dir())[-1]
    shutil.copytree(newest, folder / "2099-01-01")
    return f"data/raw/{source_id}/2099-01-01"


def test_a_new_vintage_makes_a_new_plan_that_reads_it(root, config, counted):
    before = load(root, config)
    added = new_vintage(root, "semi_wwsems")
    after = load(root, config)
    assert counted == [1, 1]
    job = next(job for job in after["groups"].values() if "figures/latest/tab07/tab07.csv" in job["outputs"])
    assert f"{added}/provenance.yaml" in job["raw"]  # the latest edition reads the newest vintage
    assert not any(path.startswith(added) for job in before["groups"].values() for path in job["raw"])
    assert len(plans(root)) == 1  # the plan for the earlier inputs is gone


@pytest.mark.parametrize(
    "change",
    [
        "config file",
        "provenance",
        "code",
        "setting",
    ],
)
def test_any_change_to_an_input_makes_the_plan_again(root, config, counted, change):
    load(root, config)
    if change == "config file":
        with (root / "config" / "items.yaml").open("a", encoding="utf-8") as out:
            out.write("\n# a comment is a change too\n")
    elif change == "provenance":
        provenance = sorted((root / "data" / "raw" / "isscc").glob("*/provenance.yaml"))[-1]
        provenance.write_text(provenance.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    elif change == "code":
        module = root / "src" / "techgap" / "layout.py"
        module.write_text(module.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    else:
        config = {**config, "min_year": config["min_year"] + 1}
    again = load(root, config)
    assert counted == [1, 1]
    if change == "setting":
        assert again["year_range"]["min_year"] == config["min_year"]


def test_a_refused_setting_or_config_leaves_no_plan(root, config, counted):
    with pytest.raises(InputError) as caught:
        load(root, {**config, "min_year": "abc"})
    assert caught.value.field == "min_year"
    (root / "config" / "items.yaml").write_text("items: [unclosed\n", encoding="utf-8")
    with pytest.raises(InputError, match="items.yaml"):
        load(root, config)
    assert plans(root) == []


def test_a_damaged_plan_is_made_again_and_replaced(root, config, counted):
    first = load(root, config)
    (kept,) = plans(root)
    kept.write_text('{"groups": ', encoding="utf-8")  # e.g. a disk that filled up (writes are atomic otherwise)
    assert load(root, config) == first
    assert counted == [1, 1]
    assert json.loads(kept.read_text(encoding="utf-8")) == first


def test_a_read_only_build_folder_still_gives_the_plan(root, config, monkeypatch):
    def refuse(path, data):
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr(plan, "keep", refuse)
    assert load(root, config)["groups"]
    assert plans(root) == []


def test_a_modules_content_changes_the_code_stamp_of_the_jobs_that_run_it_and_no_other(root, config):
    before = load(root, config)["code"]
    digests = json.loads(before["build"])
    # every drawing module is in the build's stamp, named by path, with the sha256 of its bytes
    charts = root / "src" / "techgap" / "render" / "charts.py"
    assert digests["src/techgap/render/charts.py"] == hashlib.sha256(charts.read_bytes()).hexdigest()
    assert "src/techgap/render/techgap.mplstyle" in digests and "src/techgap/page.py" not in digests
    charts.write_text(charts.read_text(encoding="utf-8") + "\n# a changed plotting module\n", encoding="utf-8")
    after = load(root, config)["code"]
    assert {kind for kind in before if before[kind] != after[kind]} == {"build"}
    # the stamp is the jobs' input: a new text is a new file name, which Snakemake's input trigger sees
    assert write_stamp_text(root, "code/build", before["build"]) != write_stamp_text(root, "code/build", after["build"])


def test_a_code_list_naming_no_file_stops_the_plan(root, config, monkeypatch):
    monkeypatch.setitem(plan.JOB_CODE, "drift", ["src/techgap/drift.py", "src/techgap/drfit.py"])
    with pytest.raises(FileNotFoundError, match=r"JOB_CODE\['drift'\].*src/techgap/drfit.py"):
        load(root, config)
    assert plans(root) == []

"""The bad-input corpus (tests/bad_inputs/, described in cases.yaml).

Every malformed payload is planted in a copy of the project that already has good outputs; normalize
must exit 2 with an error naming the file, the line and the field and saying what was expected, and
must leave raw data, processed tables and figures byte-identical. Two legitimately odd payloads must
be accepted on purpose, and a gap in a series a figure needs must stop that figure."""

from __future__ import annotations

import copy
import hashlib
import math
import re
from pathlib import Path

import pandas as pd
import pytest
import yaml
from conftest import ROOT, plant_payload, snapshot_dir, tree_digest

import techgap.config
from techgap.cli import main

CORPUS = Path(__file__).resolve().parent / "bad_inputs"
CASES = yaml.safe_load((CORPUS / "cases.yaml").read_text(encoding="utf-8"))
NEGATIVE = CASES["negative"]
POSITIVE = CASES["positive"]
RENDER = CASES["render"]


GOOD_TABLES: dict[str, bytes] = {}  # source -> its processed table from the real payload
CONFIG_YAML: dict[tuple[str, str], object] = {}  # (file name, sha256) -> parsed config/*.yaml


@pytest.fixture(autouse=True)
def _config_parsed_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """Speed only: every case's project copy has the same config/*.yaml bytes, so parse each once.
    The real load_yaml still parses every other file (provenance.yaml included) every time."""
    real = techgap.config.load_yaml

    def load_yaml(path: str | Path) -> object:
        path = Path(path)
        if path.parent.name != "config":
            return real(path)
        key = (path.name, hashlib.sha256(path.read_bytes()).hexdigest())
        if key not in CONFIG_YAML:
            CONFIG_YAML[key] = real(path)
        return copy.deepcopy(CONFIG_YAML[key])

    monkeypatch.setattr(techgap.config, "load_yaml", load_yaml)


class NoExpected(AssertionError):
    """The error is right in every other respect but does not say what was expected."""


def _param(case: dict) -> object:
    marks = []
    if case.get("xfail"):
        only = {"raises": NoExpected} if case.get("xfail_check") == "expected" else {}
        marks.append(pytest.mark.xfail(reason=case["xfail"], strict=True, **only))
    return pytest.param(case, id=case["name"], marks=marks)


def normalize(root: Path, source: str) -> int:
    """The Snakemake rule's command, run in-process."""
    return main(["--root", str(root), "normalize", source, str(root / "data" / "processed" / f"{source}.parquet")])


def outputs(root: Path) -> tuple[Path, ...]:
    return root / "data" / "raw", root / "data" / "processed", root / "figures"


def with_good_outputs(root: Path, source: str) -> None:
    """What a project has before the bad file arrives: the source's processed table (made by the
    real normalize from the real payload, once per source and test run) and a figure."""
    table = root / "data" / "processed" / f"{source}.parquet"
    if source not in GOOD_TABLES:
        assert normalize(root, source) == 0, f"the real {source} payload must normalize"
        GOOD_TABLES[source] = table.read_bytes()
    table.parent.mkdir(parents=True, exist_ok=True)
    table.write_bytes(GOOD_TABLES[source])
    figure = root / "figures" / "x" / "x.png"
    figure.parent.mkdir(parents=True, exist_ok=True)
    figure.write_bytes(b"\x89PNG\r\n\x1a\n an earlier good figure")


def payload_in_error(root: Path, source: str) -> str:
    """The payload's path as the pipeline names it (load_project resolves the root)."""
    return str(snapshot_dir(root.resolve(), source) / "data.csv")


# --- the corpus itself ---------------------------------------------------------------------------

def test_corpus_is_complete_and_each_case_changes_the_real_payload() -> None:
    names = [c["name"] for c in NEGATIVE + POSITIVE + RENDER]
    assert len(names) == len(set(names)), "case names must be unique"
    files = [c["file"] for c in NEGATIVE + POSITIVE + RENDER]
    on_disk = sorted(p.name for p in CORPUS.iterdir() if p.name != "cases.yaml")
    assert sorted(files) == on_disk, "every corpus file is used by exactly one case, and every case's file exists"
    assert len(NEGATIVE) >= 32
    for case in NEGATIVE + POSITIVE + RENDER:
        real = snapshot_dir(ROOT, case["source"]) / "data.csv"
        assert real.is_file(), f"{case['name']}: unknown source {case['source']}"
        assert (CORPUS / case["file"]).read_bytes() != real.read_bytes(), f"{case['name']}: the file is the real payload"
        assert case.get("description"), f"{case['name']}: say what went wrong"
    for case in NEGATIVE:
        assert {"line", "field", "message"} <= case.keys(), case["name"]


# --- rejected, named, nothing lost ---------------------------------------------------------------

@pytest.mark.parametrize("case", [_param(c) for c in NEGATIVE])
def test_bad_input_is_rejected_and_nothing_is_lost(case: dict, project_root: Path, capsys: pytest.CaptureFixture) -> None:
    source = case["source"]
    with_good_outputs(project_root, source)
    plant_payload(project_root, source, (CORPUS / case["file"]).read_bytes(), fix_checksum=case.get("fix_checksum", True))
    capsys.readouterr()
    before = tree_digest(*outputs(project_root))

    status = normalize(project_root, source)
    err = capsys.readouterr().err

    assert status == 2, f"normalize accepted the bad input (exit {status}); stderr: {err!r}"
    where = payload_in_error(project_root, source)
    if case["line"] is not None:
        where += f", line {case['line']}"
    if case["field"] is not None:
        where += f", field '{case['field']}'"
    assert f"error: {where}: " in err, f"expected the error to start with {where!r}; got {err!r}"
    assert case["message"] in err
    assert tree_digest(*outputs(project_root)) == before, "a failed normalize changed, added or removed a file"
    if not re.search(r"\(expected .+\)", err):
        raise NoExpected(f"the error does not say what was expected: {err!r}")


# --- accepted on purpose -------------------------------------------------------------------------

@pytest.mark.parametrize("case", [_param(c) for c in POSITIVE])
def test_odd_but_legitimate_input_is_accepted(case: dict, project_root: Path, capsys: pytest.CaptureFixture) -> None:
    source = case["source"]
    data = (CORPUS / case["file"]).read_bytes()
    plant_payload(project_root, source, data)
    assert normalize(project_root, source) == 0, capsys.readouterr().err

    frame = pd.read_parquet(project_root / "data" / "processed" / f"{source}.parquet")
    assert len(frame) == data.count(b"\n") - 1, "every row of the payload is in the processed table"
    row = frame[(frame["entity_code"] == case["entity_code"]) & (frame["period"] == case["period"])
                & (frame["indicator"] == case["indicator"])]
    assert len(row) == 1
    value = float(row["value"].iloc[0])
    if case["value"] is None:
        assert math.isnan(value)
        assert row["flag"].iloc[0] == "missing"
    else:
        assert value == case["value"]


# --- caught when a figure needs the series -------------------------------------------------------

@pytest.mark.parametrize("case", [_param(c) for c in RENDER])
def test_gap_in_a_series_a_figure_needs_stops_the_figure(case: dict, project_root: Path) -> None:
    from techgap.config import load_project
    from techgap.entities import EntityRegistry
    from techgap.render.items import check_required, item_rows, resolved_item

    project = load_project(project_root)
    item = resolved_item(project, project.item(case["item"]), "report")
    registry = EntityRegistry(project.entities)
    source = case["source"]

    assert normalize(project_root, source) == 0
    good = pd.read_parquet(project.processed_dir / f"{source}.parquet")
    check_required(item, item_rows(item, {source: good}, registry))  # the real payload is complete

    plant_payload(project_root, source, (CORPUS / case["file"]).read_bytes())
    assert normalize(project_root, source) == 0, "the gap is legal in the table; the figure needs it"
    frame = pd.read_parquet(project.processed_dir / f"{source}.parquet")
    with pytest.raises(ValueError, match=re.escape(case["message"])) as excinfo:
        check_required(item, item_rows(item, {source: frame}, registry))
    assert f"item {item.id}" in str(excinfo.value)


# --- provenance ----------------------------------------------------------------------------------

def test_provenance_without_licence_is_rejected(project_root: Path, capsys: pytest.CaptureFixture) -> None:
    source = "isscc"
    with_good_outputs(project_root, source)
    provenance = snapshot_dir(project_root, source) / "provenance.yaml"
    text = provenance.read_text(encoding="utf-8")
    assert re.search(r"^licence: ", text, flags=re.M)
    provenance.write_text(re.sub(r"^licence: .*\n", "", text, flags=re.M), encoding="utf-8")
    capsys.readouterr()
    before = tree_digest(*outputs(project_root))

    assert normalize(project_root, source) == 2
    err = capsys.readouterr().err
    named = snapshot_dir(project_root.resolve(), source) / "provenance.yaml"
    assert f"error: {named}, field 'licence': missing required field" in err
    assert tree_digest(*outputs(project_root)) == before

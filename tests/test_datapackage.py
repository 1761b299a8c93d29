"""The published data: figures/data/series.csv and .parquet (every normalized series), figures/datapackage.json
(a Frictionless data package of every item table and the series table) and CITATION.cff. These tests check
properties of the committed outputs and of the code that writes them, never particular values of the data."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest
import yaml
from conftest import ROOT, copy_project

import techgap
from techgap.config import load_project
from techgap.datapackage import COLUMNS, PACKAGE_FILE, SERIES_CSV, SERIES_PARQUET, descriptions, package_json, table_schema
from techgap.errors import InputError
from techgap.gaps import ROW_COLUMNS
from techgap.normalize import PROCESSED_COLUMNS
from techgap.paths import EDITIONS
from techgap.provenance import load_provenance
from techgap.selection import ITEM_DATA_COLUMNS
from techgap.series import series_parquet_bytes, series_vintages

FIGURES = ROOT / "figures"
PANDAS_TO_TABLE_SCHEMA = {"string": "string", "float64": "number", "bool": "boolean", "int64": "integer"}


@pytest.fixture(scope="module")
def package() -> dict:
    return json.loads((FIGURES / PACKAGE_FILE).read_text(encoding="utf-8"))


def tables(package: dict) -> list[dict]:
    return [resource for resource in package["resources"] if resource.get("type") == "table"]


def csv_header(path: Path) -> list[str]:
    with open(path, encoding="utf-8", newline="") as handle:
        return next(csv.reader(handle))


def provenance_licences(paths: list[str]) -> list[dict[str, str]]:
    """The licence entries a resource citing these provenance files must carry: each file's terms and page."""
    found = set()
    for path in paths:
        provenance = load_provenance(ROOT / path)
        found.add((provenance.licence.strip(), provenance.url))
    return [{"title": title, "path": url} for title, url in sorted(found)]


def validation_errors(descriptor: Path) -> list[tuple[str | None, str, str]]:
    """(resource, error type, message) of every error frictionless finds; package-level errors have no resource."""
    from frictionless import validate

    return errors_of(validate(descriptor))


def errors_of(report) -> list[tuple[str | None, str, str]]:  # noqa: ANN001
    found = [(None, error.type, error.message) for error in report.errors]
    return found + [(task.name, error.type, error.message) for task in report.tasks for error in task.errors]


# --- the committed package ---------------------------------------------------------------------------------


def test_the_committed_package_passes_frictionless_validation(package: dict) -> None:
    from frictionless import validate

    report = validate(FIGURES / PACKAGE_FILE)
    errors = errors_of(report)
    assert report.valid and not errors, "frictionless validate figures/datapackage.json:\n" + "\n".join(map(str, errors[:20]))
    assert sorted(task.name for task in report.tasks) == sorted(r["name"] for r in package["resources"])  # all looked at


def test_the_frictionless_command_says_valid() -> None:
    """What the README tells a reader to run."""
    frictionless = Path(sys.executable).parent / "frictionless"
    result = subprocess.run(
        [str(frictionless), "validate", "figures/datapackage.json"], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]


def copy_package(target: Path, package: dict, resource: dict) -> Path:
    """figures/datapackage.json cut to one of its resources, and that resource's file, as published alone."""
    destination = target / resource["path"]
    destination.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(FIGURES / resource["path"], destination)
    (target / PACKAGE_FILE).write_text(json.dumps({**package, "resources": [resource]}, ensure_ascii=False), encoding="utf-8")
    return target / PACKAGE_FILE


def _add_column(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.assign(undeclared="x")


def _text_in_value(frame: pd.DataFrame) -> pd.DataFrame:
    frame.loc[0, "value"] = "about 5"
    return frame


def _unknown_unit(frame: pd.DataFrame) -> pd.DataFrame:
    frame.loc[0, "unit"] = "furlongs per fortnight"
    return frame


@pytest.mark.parametrize(
    ("change", "error"),
    [(_add_column, "extra-label"), (_text_in_value, "type-error"), (_unknown_unit, "constraint-error")],
    ids=["a column not in the schema", "text in a number field", "a unit not in the schema"],
)
def test_a_broken_table_fails_validation(package: dict, tmp_path: Path, change, error: str) -> None:
    resource = next(r for r in tables(package) if r["name"] != "series" and "value" in csv_header(FIGURES / r["path"]))
    descriptor = copy_package(tmp_path / "figures", package, resource)
    assert validation_errors(descriptor) == []  # the copy, published alone, is valid
    path = tmp_path / "figures" / resource["path"]
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    path.write_text(change(frame).to_csv(index=False, lineterminator="\n"), encoding="utf-8")
    errors = validation_errors(descriptor)
    assert {name for name, _, _ in errors} == {resource["name"]}
    assert error in {kind for _, kind, _ in errors}
    assert "hash-count" in {kind for _, kind, _ in errors}  # the file is no longer the one described


def test_every_item_table_of_both_editions_is_a_resource(package: dict) -> None:
    item_tables = {p.relative_to(FIGURES).as_posix() for edition in EDITIONS for p in (FIGURES / edition).glob("*/*.csv")}
    assert item_tables  # the build has drawn items
    paths = [resource["path"] for resource in package["resources"]]
    assert len(paths) == len(set(paths))
    assert set(paths) == item_tables | {SERIES_CSV, SERIES_PARQUET}
    names = [resource["name"] for resource in package["resources"]]
    assert len(names) == len(set(names))


def test_resource_paths_stay_inside_figures(package: dict) -> None:
    for resource in package["resources"]:
        path = Path(resource["path"])
        assert not path.is_absolute() and ".." not in path.parts, resource["path"]
        assert (FIGURES / path).is_file(), resource["path"]


def test_each_schema_is_its_csv_header_and_every_field_is_described(package: dict) -> None:
    for resource in tables(package):
        fields = resource["schema"]["fields"]
        assert [field["name"] for field in fields] == csv_header(FIGURES / resource["path"]), resource["name"]
        for field in fields:
            assert field["description"].strip(), (resource["name"], field["name"])
            assert field["type"] == COLUMNS[field["name"]].type


def test_the_units_of_each_table_are_in_its_schema(package: dict) -> None:
    for resource in tables(package):
        frame = pd.read_csv(FIGURES / resource["path"], dtype=str, keep_default_na=False)
        if "unit" not in frame:
            continue
        unit = next(field for field in resource["schema"]["fields"] if field["name"] == "unit")
        assert unit["constraints"]["enum"] == sorted(set(frame["unit"]) - {""}), resource["name"]


def test_period_is_text_in_every_schema_and_in_the_parquet(package: dict) -> None:
    periods = [field for resource in tables(package) for field in resource["schema"]["fields"] if field["name"] == "period"]
    assert len(periods) == len(tables(package))  # every table has a period
    assert {field["type"] for field in periods} == {"string"}
    assert str(pq.read_schema(FIGURES / SERIES_PARQUET).field("period").type) == "string"


def test_licences_are_those_of_the_provenance_files_each_item_table_cites(package: dict) -> None:
    for resource in tables(package):
        if resource["name"] == "series":
            continue
        meta = json.loads((FIGURES / resource["path"]).with_suffix(".meta.json").read_text(encoding="utf-8"))
        assert meta["sources"], resource["name"]
        assert resource["licenses"] == provenance_licences([record["provenance"] for record in meta["sources"]])
        cited = {(record["title"], record["url"], record["source"], record["vintage"]) for record in meta["sources"]}
        assert {(s["title"], s["path"], s["source"], s["vintage"]) for s in resource["sources"]} == cited


def test_the_series_table_cites_every_source_it_holds(package: dict) -> None:
    series = pd.read_parquet(FIGURES / SERIES_PARQUET)
    held = sorted(set(zip(series["source"], series["vintage"], strict=True)))
    expected = provenance_licences([f"data/raw/{source}/{vintage}/provenance.yaml" for source, vintage in held])
    for name in ("series", "series-parquet"):
        resource = next(r for r in package["resources"] if r["name"] == name)
        assert resource["licenses"] == expected
        assert [(s["source"], s["vintage"]) for s in resource["sources"]] == held


def test_the_package_json_is_canonical(package: dict) -> None:
    """Two-space indent, UTF-8 text (no \\u escapes), final newline; version from pyproject.toml."""
    text = (FIGURES / PACKAGE_FILE).read_bytes()
    assert text == package_json(package)
    assert "中國推動技術自主之現況與影響".encode() in text
    assert package["version"] == tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]


# --- the series table ---------------------------------------------------------------------------------------


def test_the_series_table_holds_each_sources_vintage_of_the_latest_edition() -> None:
    project = load_project(ROOT)
    series = pd.read_parquet(FIGURES / SERIES_PARQUET)
    assert list(series.columns) == list(PROCESSED_COLUMNS)
    assert dict(series.groupby("source")["vintage"].unique().map(list)) == {s: [v] for s, v in series_vintages(project).items()}
    assert series.equals(series.sort_values(["source", "line"], kind="stable").reset_index(drop=True))


def test_series_csv_and_parquet_hold_the_same_table() -> None:
    parquet = pd.read_parquet(FIGURES / SERIES_PARQUET)
    text = pd.read_csv(FIGURES / SERIES_CSV, dtype={c: str for c, t in PROCESSED_COLUMNS.items() if t == "string"})
    assert list(text.columns) == list(parquet.columns)
    for column, dtype in PROCESSED_COLUMNS.items():
        if dtype == "float64":
            pd.testing.assert_series_equal(text[column], parquet[column], rtol=1e-9, check_dtype=False)
        elif dtype == "string":
            assert text[column].fillna("").tolist() == parquet[column].fillna("").tolist(), column
        else:
            assert text[column].tolist() == parquet[column].tolist(), column
    raw = (FIGURES / SERIES_CSV).read_bytes()
    assert b"\r\n" not in raw and raw.endswith(b"\n") and not raw.startswith(b"\xef\xbb\xbf")


def test_parquet_bytes_carry_no_time_or_pandas_version() -> None:
    table = pd.read_parquet(FIGURES / SERIES_PARQUET).astype(PROCESSED_COLUMNS)
    first, second = series_parquet_bytes(table, descriptions()), series_parquet_bytes(table.copy(), descriptions())
    assert first == second
    schema = pq.read_schema(io.BytesIO(first))
    assert schema.metadata is None or b"pandas" not in schema.metadata
    assert {field.name: field.metadata[b"description"].decode() for field in schema} == {
        column: COLUMNS[column].description for column in PROCESSED_COLUMNS
    }


def test_the_package_command_writes_the_committed_files_again(tmp_path: Path) -> None:
    """In a copy of the project (another folder, another process): the same bytes as the committed files."""
    root = copy_project(tmp_path, with_figures=True)
    for relative in (SERIES_CSV, SERIES_PARQUET, PACKAGE_FILE):
        (root / "figures" / relative).unlink()
    env = {**os.environ, "PYTHONPATH": str(root / "src")}
    result = subprocess.run(
        [sys.executable, "-m", "techgap", "--root", str(root), "--log", str(tmp_path / "package.log"), "package"],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    for relative in (SERIES_CSV, SERIES_PARQUET, PACKAGE_FILE):
        assert (root / "figures" / relative).read_bytes() == (FIGURES / relative).read_bytes(), relative
    assert "wrote 3 files" in (tmp_path / "package.log").read_text(encoding="utf-8")


# --- descriptions and types, written once ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "columns", [list(PROCESSED_COLUMNS), ITEM_DATA_COLUMNS, ROW_COLUMNS], ids=["processed", "item tables", "gap tables"]
)
def test_every_column_techgap_publishes_is_described(columns: list[str]) -> None:
    missing = [column for column in columns if not COLUMNS.get(column) or not COLUMNS[column].description.strip()]
    assert not missing


def test_the_processed_columns_types_follow_their_dtypes() -> None:
    assert {c: COLUMNS[c].type for c in PROCESSED_COLUMNS} == {c: PANDAS_TO_TABLE_SCHEMA[t] for c, t in PROCESSED_COLUMNS.items()}


def test_a_column_without_a_description_stops_the_package() -> None:
    with pytest.raises(InputError, match="no_such_column"):
        table_schema(["period", "no_such_column"], [], "figures/latest/x/x.csv")
    schema = table_schema(["period", "unit"], ["percent"], "x.csv")
    assert [f["name"] for f in schema["fields"]] == ["period", "unit"]
    assert schema["fields"][1]["constraints"] == {"enum": ["percent"]}


# --- the citation ---------------------------------------------------------------------------------------------


def citation() -> dict:
    return yaml.safe_load((ROOT / "CITATION.cff").read_text(encoding="utf-8"))


def test_citation_changelog_pyproject_and_package_name_one_version(package: dict) -> None:
    version = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]
    cff = citation()
    assert str(cff["version"]) == version == package["version"] == techgap.__version__
    heading = re.search(
        rf"^## {re.escape(version)} — (\d{{4}}-\d{{2}}-\d{{2}})$", (ROOT / "CHANGELOG.md").read_text("utf-8"), re.M
    )
    assert heading, f"CHANGELOG.md has no heading for version {version}"
    released = cff["date-released"]
    assert isinstance(released, dt.date) and released.isoformat() == heading.group(1)
    assert cff["license"] == "MIT"
    assert any(ref["title"] == "中國推動技術自主之現況與影響" and ref["year"] == 2023 for ref in cff["references"])


def cffconvert(*args: str) -> subprocess.CompletedProcess:
    """cffconvert from its own environment (scripts/cffconvert.sh makes it once: its jsonschema<4 cannot join .venv)."""
    return subprocess.run(
        ["bash", str(ROOT / "scripts" / "cffconvert.sh"), *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHON": sys.executable},
        timeout=600,
    )


def test_citation_is_valid_per_cffconvert(tmp_path: Path) -> None:
    result = cffconvert("--validate", "-i", str(ROOT / "CITATION.cff"))
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    broken = tmp_path / "CITATION.cff"
    broken.write_text(re.sub(r"^title: .*\n", "", (ROOT / "CITATION.cff").read_text("utf-8"), flags=re.M), encoding="utf-8")
    assert cffconvert("--validate", "-i", str(broken)).returncode != 0  # the check can fail

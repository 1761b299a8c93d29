"""Normalized tables: harmonized codes, typed columns, explicit units, preferred documents, and
the same bytes on every run."""

from __future__ import annotations

import pandas as pd
import pytest
from conftest import ROOT

from techgap.config import load_project
from techgap.io import write_parquet
from techgap.normalize import PROCESSED_COLUMNS, check_document_conflicts, mark_preferred, normalize_source


@pytest.fixture(scope="module")
def project():
    return load_project(ROOT)


def test_taiwan_is_twn_whatever_the_source_calls_it(project):
    msti = normalize_source(project, "oecd_msti")
    assert "TWN" in set(msti["entity_code"])  # 'Chinese Taipei'
    most = normalize_source(project, "tw_most_rd_survey")
    assert set(most["entity_code"]) == {"TWN"}  # '臺灣'
    assert set(msti.loc[msti["entity_code"] == "TWN", "entity"]) == {"Taiwan"}


def test_schema_is_typed_and_units_explicit(project):
    frame = normalize_source(project, "nbs_rd")
    assert list(frame.columns) == list(PROCESSED_COLUMNS)
    assert frame["value"].dtype == "float64"
    assert frame["preferred"].dtype == "bool" and frame["line"].dtype == "int64"
    text_columns = [c for c, t in PROCESSED_COLUMNS.items() if t == "string"]
    assert all(pd.api.types.is_string_dtype(frame[c]) for c in text_columns)
    units = frame.groupby("indicator")["unit"].unique().to_dict()
    assert list(units["rd_expenditure"]) == ["100 million RMB"]
    assert list(units["rd_intensity_gdp"]) == ["percent of GDP"]
    assert (frame["vintage"] == "2026-11-27").all() and (frame["source"] == "nbs_rd").all()


def test_final_communique_is_preferred_over_preliminary(project):
    frame = normalize_source(project, "nbs_rd")
    rows = frame[(frame["indicator"] == "rd_expenditure") & (frame["period"] == "2022")]
    assert len(rows) == 2  # both facts are kept
    preferred = rows[rows["preferred"]]
    assert preferred["value"].tolist() == [30782.9] and preferred["flag"].tolist() == [""]
    assert rows.loc[~rows["preferred"], "flag"].tolist() == ["preliminary"]


def test_parquet_is_byte_identical_across_runs(project, tmp_path):
    first, second = tmp_path / "a.parquet", tmp_path / "b.parquet"
    write_parquet(first, normalize_source(project, "semi_wwsems"))
    write_parquet(second, normalize_source(project, "semi_wwsems"))
    assert first.read_bytes() == second.read_bytes()
    assert pd.read_parquet(first)["entity_code"].isin(["CHN", "TWN", "WORLD"]).any()


def test_every_source_normalizes(project):
    for source_id in project.sources_with_vintages():
        frame = normalize_source(project, source_id)
        assert len(frame) > 0 and frame["entity_code"].notna().all() and (frame["unit"] != "").all()


def test_a_declared_preference_holds_where_a_rounded_headline_agrees_with_the_table_value():
    """tab07's World 2023Q3: SEMI's headline 25.6 rounds the table's 25.59 (they agree at one decimal), so no
    conflict is raised, but the declaration that prefers the table value is honoured; without one, the first
    document in provenance order wins."""
    from techgap.config import DocumentConflict

    frame = pd.DataFrame(
        {
            "entity_code": ["WORLD", "WORLD"],
            "category": ["", ""],
            "indicator": ["billings", "billings"],
            "period": ["2023Q3", "2023Q3"],
            "value": [25.6, 25.59],
            "document": ["headline", "table"],
            "_line": [2, 3],
        }
    )
    declared = [DocumentConflict(documents=["table", "headline"], preferred="table", why="the headline rounds the table")]
    resolved = check_document_conflicts(ROOT / "data.csv", frame, declared, "config/sources.yaml")
    assert mark_preferred(frame, ["headline", "table"], resolved).tolist() == [False, True]
    undeclared = check_document_conflicts(ROOT / "data.csv", frame, [], "config/sources.yaml")
    assert mark_preferred(frame, ["headline", "table"], undeclared).tolist() == [True, False]

"""Real recorded answers (World Bank API v2 JSON, OECD SDMX-CSV 1.0 and 2.0 with labels) replayed through the
refresh's own HTTP stack, normalized and drawn: the whole path an analyst's `refresh` + `snakemake` takes,
on bytes a real server sent.

No real recording holds a series the report's items draw (see docs/refresh.md: none was found for MSTI, the
World Bank's FDI or R&D series, or Comtrade by partner), so each test declares, in a temporary copy, a source
for the recording's own indicator and an item that draws it, as an analyst would add one. The expected
values are read from the recording itself, not from anything the pipeline wrote."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pandas as pd
import pytest
import yaml
from fixtures.replay import ReplayServer, Reply
from test_refresh import VINTAGE, add_test_source, edit_config, run
from test_refresh_oecd_real import register_entities

from techgap.build import build_group
from techgap.config import load_project
from techgap.provenance import read_checksum_history

FIXTURES = Path(__file__).resolve().parent / "fixtures"
SOURCE = "api_real"
ITEM = "zz_real"


def recorded(fixture: Path) -> dict:
    origin = yaml.safe_load(fixture.with_suffix(".provenance.yaml").read_text(encoding="utf-8"))
    assert origin["real"] is True and len(origin["origin"]["commit"]) == 40
    return origin


def worldbank_values(fixture: Path) -> dict[tuple[str, str], float]:
    """(ISO3, year) -> value, straight from the recorded JSON."""
    _, records = json.loads(fixture.read_text(encoding="utf-8"))
    return {(r["countryiso3code"], r["date"]): float(r["value"]) for r in records if r["value"] is not None}


def sdmx_values(fixture: Path, measure: str, areas: list[str]) -> dict[tuple[str, str], float]:
    """(REF_AREA, year) -> OBS_VALUE of the cells with a value, from the recorded CSV (percentages, UNIT_MULT 0);
    a labelled answer ('CODE: Label' cells) is read by its codes."""
    frame = pd.read_csv(fixture, dtype=str, keep_default_na=False)
    frame.columns = [c.split(":")[0] for c in frame.columns]
    frame = frame.apply(lambda col: col.str.split(":").str[0].str.strip())
    frame = frame[(frame["MEASURE"] == measure) & frame["REF_AREA"].isin(areas) & (frame["OBS_VALUE"] != "")]
    return {(r.REF_AREA, r.TIME_PERIOD): float(r.OBS_VALUE) for r in frame.itertuples()}


def declare_item(root: Path, indicator: str, entities: list[str], unit_label: str) -> None:
    """An item drawing the replayed source, both editions (the report edition pinned to the new vintage)."""
    item = {
        "id": ITEM,
        "kind": "figure",
        "title": {"zh": "測試：實際 API 回應", "en": "Test: a real API answer"},
        "sources": [SOURCE],
        "group": SOURCE,
        "chart": "grouped_bar",
        "spec": {
            "data": [{"source": SOURCE, "indicator": indicator, "entities": entities}],
            "entities": list(entities),  # a copy: one list twice would be dumped as a YAML anchor, which is refused
            "ylabel": {"zh": unit_label, "en": unit_label},
        },
        "status": "reproduced",
        "status_reason": "Drawn from the API answer ({periods}); missing: {missing}.",
    }
    with open(root / "config" / "items.yaml", "a", encoding="utf-8") as handle:
        handle.write("\n" + yaml.safe_dump([item], allow_unicode=True, sort_keys=False))


def replay_and_build(root: Path, fixture: Path, headers: dict[str, str]) -> pd.DataFrame:
    path = urlsplit(recorded(fixture)["request"]["url"]).path
    with ReplayServer() as server:
        server.route(lambda seen: seen.path == path, Reply(200, fixture.read_bytes(), headers, gzip=True))
        [result] = run(root, server, SOURCE)
    assert result.status == "new", result.message
    # the report edition is pinned to the refreshed vintage, with its recorded payload checksum
    sha = read_checksum_history(root / "data" / "raw", SOURCE)[VINTAGE][0].payload_sha256
    edit_config(root, lambda data: data["report_vintages"].update({SOURCE: {"vintage": VINTAGE, "sha256": sha}}))
    build_group(load_project(root), SOURCE)
    return pd.read_csv(root / "figures" / "latest" / ITEM / f"{ITEM}.csv", dtype={"period": str})


def assert_drawn(root: Path, drawn: pd.DataFrame, expected: dict[tuple[str, str], float]) -> None:
    got = {(r.entity_code, r.period): r.value for r in drawn.itertuples() if pd.notna(r.value)}
    assert got.keys() == expected.keys()
    for cell, value in expected.items():
        assert got[cell] == pytest.approx(value, rel=1e-9), cell
    assert set(drawn["vintage"]) == {VINTAGE} and set(drawn["source"]) == {SOURCE}
    folder = root / "figures" / "latest" / ITEM
    for lang in ("zh", "en"):
        for fmt in ("png", "svg"):
            assert (folder / f"{ITEM}_{lang}.{fmt}").stat().st_size > 5000
    meta = json.loads((folder / f"{ITEM}.meta.json").read_text(encoding="utf-8"))
    assert f"retrieved {VINTAGE}" in meta["texts"]["source_line"]["en"] and meta["warnings"] == []
    # the report edition, pinned to the same vintage, draws the same values
    report = pd.read_csv(root / "figures" / "report" / ITEM / f"{ITEM}.csv", dtype={"period": str})
    pd.testing.assert_series_equal(report["value"], drawn["value"])


WORLDBANK = {
    "wdi_sp_pop_totl_usa_jpn_2022_2023.json": ("SP.POP.TOTL", "persons"),
    "wdi_sp_pop_grow_usa_jpn_2022_2023.json": ("SP.POP.GROW", "percent"),
    "wdi_sp_pop_0014_to_zs_usa_jpn_2022_2023.json": ("SP.POP.0014.TO.ZS", "percent"),
}


@pytest.mark.parametrize("name", list(WORLDBANK))
def test_a_real_world_bank_answer_is_refreshed_and_drawn(project_root: Path, name: str) -> None:
    fixture = FIXTURES / "worldbank" / name
    code, unit = WORLDBANK[name]
    url = recorded(fixture)["request"]["url"]
    query = dict(parse_qsl(urlsplit(url).query))
    add_test_source(
        project_root,
        SOURCE,
        "worldbank",
        url.split("?")[0],
        {code: "recorded"},
        unit,
        params={"format": "json", "date": query["date"]},
        expect_entities=["USA", "JPN"],
        expect_years=[query["date"].replace(":", "-")],
    )
    declare_item(project_root, "recorded", ["USA", "JPN"], unit)
    drawn = replay_and_build(project_root, fixture, {"Content-Type": "application/json;charset=utf-8"})
    assert_drawn(project_root, drawn, worldbank_values(fixture))


OECD = {
    # fixture: (indicator map, measure to draw, the indicator it becomes, areas, unit, labelled)
    "gov_debt_pct_gdp_2007_2023.csv": (
        {"GGD.PT_B1GQ._Z": "debt_pct_gdp"},
        "GGD",
        "debt_pct_gdp",
        ["USA", "JPN", "KOR"],
        "percent",
    ),
    "gov_trust_2021_labels.csv": (
        {"TRUST_NG.PT_RESP._Z": "trust_pct"},
        "TRUST_NG",
        "trust_pct",
        ["JPN", "KOR", "GBR"],
        "percent",
    ),
}


@pytest.mark.parametrize("name", list(OECD))
def test_a_real_oecd_answer_is_refreshed_and_drawn(project_root: Path, name: str) -> None:
    fixture = FIXTURES / "oecd" / name
    indicator_map, measure, indicator, areas, unit = OECD[name]
    origin = recorded(fixture)
    parts = urlsplit(origin["request"]["url"])
    frame = pd.read_csv(fixture, dtype=str, keep_default_na=False)
    register_entities(
        project_root, {cell.split(":")[0].strip() for cell in frame[[c for c in frame.columns if c.startswith("REF_AREA")][0]]}
    )
    add_test_source(
        project_root,
        SOURCE,
        "oecd_sdmx",
        f"{parts.scheme}://{parts.netloc}{parts.path}",
        indicator_map,
        unit,
        params=dict(parse_qsl(parts.query)),
    )
    declare_item(project_root, indicator, areas, unit)
    drawn = replay_and_build(project_root, fixture, {"Content-Type": origin["response"]["headers"]["Content-Type"]})
    assert_drawn(project_root, drawn, sdmx_values(fixture, measure, areas))

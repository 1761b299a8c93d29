"""drift.md's GERD cross-check: OECD MSTI against the World Bank's GB.XPD.RSDV.GD.ZS on the vintages in
use, listing economy-years that differ by more than rounding; one line when there is nothing to compare."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
from fixtures.plant import plant_api_vintage

from techgap.config import load_project
from techgap.drift import gerd_cross_check

MSTI_NAMES = {"Korea": ("KOR", "KR"), "Japan": ("JPN", "JP")}


def msti_values(root: Path) -> dict[tuple[str, str], float]:
    """GERD % of GDP of Korea and Japan, 2019-2020, read from the raw MSTI vintage."""
    [folder] = sorted((root / "data" / "raw" / "oecd_msti").iterdir())
    raw = pd.read_csv(folder / "data.csv", dtype=str, keep_default_na=False)
    rows = raw[raw["entity"].isin(MSTI_NAMES) & raw["period"].isin(["2019", "2020"]) & (raw["indicator"] == "gerd_pct_gdp")]
    return {(MSTI_NAMES[r.entity][0], r.period): float(r.value) for r in rows.itertuples()}


def worldbank_answer(values: dict[tuple[str, str], float], tmp_path: Path) -> Path:
    """A World Bank API v2 answer (the layout of tests/fixtures/worldbank) holding ``values``."""
    iso2 = {iso3: two for iso3, two in MSTI_NAMES.values()}
    records = [
        {
            "indicator": {"id": "GB.XPD.RSDV.GD.ZS", "value": "Research and development expenditure (% of GDP)"},
            "country": {"id": iso2[code], "value": code},
            "countryiso3code": code,
            "date": year,
            "value": value,
            "unit": "",
            "obs_status": "",
            "decimal": 1,
        }
        for (code, year), value in sorted(values.items())
    ]
    meta = {"page": 1, "pages": 1, "per_page": 2000, "total": len(records), "sourceid": "2", "lastupdated": "2027-01-30"}
    path = tmp_path / "gerd_answer.json"
    path.write_text(json.dumps([meta, records]), encoding="utf-8")
    return path


def test_economy_years_that_differ_by_more_than_rounding_are_listed(project_root: Path, tmp_path: Path) -> None:
    msti = msti_values(project_root)
    assert len(msti) == 4
    stated = {key: round(value, 2) for key, value in msti.items()}  # the World Bank rounds: agreement
    stated[("KOR", "2020")] = round(msti[("KOR", "2020")] + 0.3, 2)  # a real disagreement
    plant_api_vintage(project_root, "worldbank_wdi", str(worldbank_answer(stated, tmp_path)), "2027-02-01")
    section = gerd_cross_check(load_project(project_root))
    assert "worldbank_wdi 2027-02-01" in section
    assert "4 economy-years in both; 1 differ by more than 0.05 percentage points" in section
    [row] = [line for line in section.splitlines() if line.startswith("| KOR")]
    cells = [c.strip() for c in row.strip("|").split("|")]
    assert cells[:2] == ["KOR", "2020"] and abs(float(cells[4]) - (msti[("KOR", "2020")] - stated[("KOR", "2020")])) < 1e-3
    assert not any(line.startswith("| JPN") for line in section.splitlines())


def test_without_a_world_bank_vintage_it_says_so_in_one_line(project_root: Path) -> None:
    shutil.rmtree(project_root / "data" / "raw" / "worldbank_wdi")
    section = gerd_cross_check(load_project(project_root))
    body = [line for line in section.splitlines()[1:] if line.strip()]
    assert body == ["Not compared: no vintage of worldbank_wdi (run `techgap refresh worldbank_wdi`)."]

"""Partial items that gained data from documents new to the project (issue 17, round 4b): the latest
edition draws the newer documents' values, the report edition still shows the report's. Expected numbers
are typed from the documents (cited per test), not read from program output. Every edition is built on
explicitly named vintages, so the tests do not depend on which vintages the real data hold."""

from __future__ import annotations

import pandas as pd
import pytest
from conftest import ROOT

from techgap.config import load_project
from techgap.entities import EntityRegistry
from techgap.normalize import normalize_source
from techgap.render.items import item_rows, resolved_item

TRENDFORCE = "trendforce_foundry"
VINTAGE_WITH_TRENDFORCE_2025 = "2026-11-29"


@pytest.fixture(scope="module")
def project():
    return load_project(ROOT)


def item_of(project, item_id: str):
    return next(i for i in project.items if i.id == item_id)


def rows_of(project, item_id: str, edition: str, vintages: dict[str, str]) -> pd.DataFrame:
    frames = {s: normalize_source(project, s, v) for s, v in vintages.items()}
    return item_rows(resolved_item(project, item_of(project, item_id), edition), frames, EntityRegistry(project.entities))


def values_by_key(rows: pd.DataFrame, *fields: str) -> dict[tuple, float]:
    return {tuple(r[f] for f in fields): float(r["value"]) for _, r in rows.iterrows()}


# ------------------------------------------------------------------ fig20: TrendForce foundry capacity


def test_fig20_latest_draws_trendforces_2030_forecast(project):
    rows = rows_of(project, "fig20", "latest", {TRENDFORCE: VINTAGE_WITH_TRENDFORCE_2025})
    # CNA 2025-11-20: 2030 美國先進製程 28%, 台灣 55%; CNA 2025-11-23: 中國成熟製程 52% (2030),
    # 台灣成熟製程 自2021年的54% 降至2030年的26%
    assert values_by_key(rows, "entity_code", "category", "period") == {
        ("USA", "advanced", "2030f"): 28,
        ("TWN", "advanced", "2030f"): 55,
        ("CHN", "mature_28nm_and_older", "2030f"): 52,
        ("TWN", "mature_28nm_and_older", "2021"): 54,
        ("TWN", "mature_28nm_and_older", "2030f"): 26,
    }
    assert set(rows["document"]) == {"cna_2025_11_20_trendforce_2030", "cna_2025_11_23_trendforce_mature"}


def test_fig20_latest_panels_are_the_node_classes_the_newest_release_gives(project):
    spec = resolved_item(project, item_of(project, "fig20"), "latest").spec
    assert [p["indicator"] for p in spec["panels"]] == ["advanced", "mature_28nm_and_older"]


@pytest.mark.parametrize("vintage", ["2026-11-28", VINTAGE_WITH_TRENDFORCE_2025])
def test_fig20_report_edition_keeps_the_december_2023_release(project, vintage):
    rows = rows_of(project, "fig20", "report", {TRENDFORCE: vintage})
    drawn = values_by_key(rows, "entity_code", "category", "period")
    # TrendForce 2023-12-14: 2023 Taiwan 46, China 26, Korea 12, US 6, Japan 2; 2027 Taiwan 41, Korea 10;
    # advanced 2023 68/12/11/8, 2027 Taiwan 60, US 17; China mature 39% by 2027
    assert {k: v for k, v in drawn.items() if k[1] != "euv_7nm_and_below"} == {
        ("TWN", "total", "2023"): 46,
        ("CHN", "total", "2023"): 26,
        ("KOR", "total", "2023"): 12,
        ("USA", "total", "2023"): 6,
        ("JPN", "total", "2023"): 2,
        ("TWN", "total", "2027f"): 41,
        ("KOR", "total", "2027f"): 10,
        ("TWN", "advanced_16_14nm_and_below", "2023"): 68,
        ("USA", "advanced_16_14nm_and_below", "2023"): 12,
        ("KOR", "advanced_16_14nm_and_below", "2023"): 11,
        ("CHN", "advanced_16_14nm_and_below", "2023"): 8,
        ("TWN", "advanced_16_14nm_and_below", "2027f"): 60,
        ("USA", "advanced_16_14nm_and_below", "2027f"): 17,
        ("CHN", "mature_28nm_and_older", "2027f"): 39,
    }
    assert set(rows["document"]) == {"trendforce_2023_12_14_foundry_capacity"}

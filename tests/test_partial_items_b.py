"""Partial items that gained data from documents new to the project (issue 17, round 4b): the latest
edition draws the newer documents' values, the report edition still shows the report's. Expected numbers
are typed from the documents (cited per test), not read from program output. Every edition is built on
explicitly named vintages, so the tests do not depend on which vintages the real data hold."""

from __future__ import annotations

import pandas as pd
import pytest
from conftest import ROOT

from techgap.build import build_group
from techgap.config import load_project
from techgap.entities import EntityRegistry
from techgap.normalize import normalize_source
from techgap.render.items import item_rows, resolved_item
from techgap.render.style import color_for

TRENDFORCE = "trendforce_foundry"
VINTAGE_WITH_TRENDFORCE_2025 = "2026-11-29"
PHARMA50 = "pharmexec_pharma50_2023"
VINTAGE_WITH_PHARMA50_2025 = "2026-11-29"


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


# ------------------------------------------------------------------ fig12: Pharm Exec Pharma 50


def test_fig12_latest_draws_the_2025_pharma_50s_top_ten(project):
    rows = rows_of(project, "fig12", "latest", {PHARMA50: VINTAGE_WITH_PHARMA50_2025})
    # 2025全球制药企业50强 (i.cgeinc.com repost), 销售收入 in 亿美元: 强生 557.45, 艾伯维 544.84, 默沙东 543.14,
    # 罗氏 524.57, 辉瑞 519.53, 阿斯利康 509.46, 诺华 501.91, 百时美施贵宝 478.21, 赛诺菲 442.43, 诺和诺德 421.22
    assert values_by_key(rows, "entity_code", "period") == pytest.approx(
        {
            ("JNJ", "2024"): 55.745,
            ("ABBVIE", "2024"): 54.484,
            ("MSD", "2024"): 54.314,
            ("ROCHE", "2024"): 52.457,
            ("PFIZER", "2024"): 51.953,
            ("ASTRAZENECA", "2024"): 50.946,
            ("NOVARTIS", "2024"): 50.191,
            ("BMS", "2024"): 47.821,
            ("SANOFI", "2024"): 44.243,
            ("NOVO_NORDISK", "2024"): 42.122,
        }
    )
    assert set(rows["document"]) == {"cgeinc_pharmexec_2025"}


def test_fig12_latest_top_ten_has_no_chinese_company(project):
    frame = normalize_source(project, PHARMA50, VINTAGE_WITH_PHARMA50_2025)
    ranks = frame[(frame["indicator"] == "pharma50_rank") & (frame["period"] == "2024")]
    chinese = ranks[ranks["category"] == "China"]
    # the same repost: 云南白药(33)、中国生物制药(39)、华东医药(41)、百济神州(44)、恒瑞医药(46)、石药集团(48)
    assert sorted(chinese["value"]) == [33, 39, 41, 44, 46, 48]
    top_ten_countries = set(ranks.loc[ranks["value"] <= 10, "category"])
    assert top_ten_countries == {"United States", "Switzerland", "United Kingdom", "France", "Denmark"}


@pytest.mark.parametrize("vintage", ["2026-11-27", VINTAGE_WITH_PHARMA50_2025])
def test_fig12_report_edition_keeps_the_2023_pharma_50(project, vintage):
    rows = rows_of(project, "fig12", "report", {PHARMA50: vintage})
    # siatit repost of the 2023 Pharma 50: 辉瑞 913.03 ... 葛兰素史克 382.54 (亿美元)
    assert set(rows["period"]) == {"2022"} and len(rows) == 10
    drawn = values_by_key(rows, "entity_code")
    assert drawn[("PFIZER",)] == pytest.approx(91.303) and drawn[("GSK",)] == pytest.approx(38.254)
    assert "NOVO_NORDISK" not in set(rows["entity_code"])


def test_a_company_from_a_country_without_a_colour_matches_its_countrys_key():
    # the country key of a ranked bar chart is drawn in color_for(country); the company's bar must match it
    assert color_for("NOVO_NORDISK", "DNK") == color_for("DNK")
    assert color_for("SOME_NEW_COMPANY") == color_for("SOME_NEW_COMPANY", None)


# ------------------------------------------------------------------ both items, as built: the data CSVs


@pytest.mark.parametrize(
    ("source", "vintage", "item_id", "expected"),
    [
        # CNA 2025-11-20 and 2025-11-23 on TrendForce's November 2025 forecast
        (TRENDFORCE, VINTAGE_WITH_TRENDFORCE_2025, "fig20", {("USA", "2030f"): 28, ("TWN", "2021"): 54, ("CHN", "2030f"): 52}),
        # the 2025 Pharma 50 repost: 强生 557.45, 诺和诺德 421.22 (亿美元)
        (PHARMA50, VINTAGE_WITH_PHARMA50_2025, "fig12", {("JNJ", "2024"): 55.745, ("NOVO_NORDISK", "2024"): 42.122}),
    ],
)
def test_the_built_latest_data_csv_holds_the_new_documents_values(project_root, source, vintage, item_id, expected):
    config = project_root / "config" / "config.yaml"
    text = config.read_text(encoding="utf-8")
    assert "\nvintages: {}\n" in text  # pin the latest edition to the vintage under test, not to whatever is newest
    config.write_text(text.replace("\nvintages: {}\n", f"\nvintages: {{{source}: {vintage}}}\n"), encoding="utf-8")
    build_group(load_project(project_root), source)
    latest = pd.read_csv(project_root / "figures" / "latest" / item_id / f"{item_id}.csv", dtype={"period": str})
    drawn = {(r.entity_code, r.period): r.value for r in latest.itertuples()}
    assert {key: drawn.get(key) for key in expected} == pytest.approx(expected)
    report = pd.read_csv(project_root / "figures" / "report" / item_id / f"{item_id}.csv", dtype={"period": str})
    assert not set(report["document"]) & set(latest["document"])  # the report edition keeps the report's documents

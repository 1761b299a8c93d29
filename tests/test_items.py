"""Each item's data in its report edition: the rows, units and key values it draws, checked against
the numbers printed in the report or its sources (written here by hand from those documents, not
from program output). The report edition reads the vintages pinned in config, so new vintages do
not change what these tests see."""

from __future__ import annotations

import pytest
from conftest import ROOT
from drawing import context

from techgap.config import load_project
from techgap.editions import edition_item
from techgap.entities import EntityRegistry
from techgap.normalize import normalize_source
from techgap.provenance import load_provenance
from techgap.render.items import item_rows
from techgap.render.tables import build_matrix, build_rank_share, build_yoy
from techgap.selection import check_required


def names_as_codes(lang: str):
    """A drawing context that names each entity by its code (the tables below are checked by code)."""
    ctx = context(lang)
    return ctx.__class__(lang=lang, name=lambda code: code, plotting=ctx.plotting)


@pytest.fixture(scope="module")
def project():
    return load_project(ROOT)


@pytest.fixture(scope="module")
def frames(project):
    pins = project.settings.report_pins()
    # API sources an item's latest edition may read (fig16, fig21, ...) have no report pin: the report edition never reads them
    return {s: normalize_source(project, s, pins[s]) for s in sorted({s for i in project.items for s in i.sources if s in pins})}


@pytest.fixture(scope="module")
def published(project, frames):
    """Each pinned vintage's documents with their publication dates (its provenance), as the build reads them."""
    pins = project.settings.report_pins()
    return {
        s: {d.id: d.published for d in load_provenance(project.raw_dir / s / pins[s] / "provenance.yaml").documents}
        for s in frames
    }


@pytest.fixture(scope="module")
def rows(project, frames, published):
    registry = EntityRegistry(project.entities)
    return {
        item.id: item_rows(edition_item(project, item, "report"), frames, registry, published)
        for item in project.items
        if item.renders and not item.is_analysis
    }


def value(frame, entity, period, indicator=None, category=None):
    keep = (frame["entity_code"] == entity) & (frame["period"] == period)
    if indicator is not None:
        keep &= frame["indicator"] == indicator
    if category is not None:
        keep &= frame["category"] == category
    found = frame.loc[keep, "value"]
    assert len(found) == 1, f"{len(found)} rows for {entity} {period} {indicator} {category}"
    return float(found.iloc[0])


def test_every_item_of_the_report_is_configured_in_report_order(project):
    ids = [i.id for i in project.items if not i.is_analysis]
    assert len(ids) == 28
    assert ids[:3] == ["tab01", "fig01", "fig02"] and ids[-3:] == ["tab07", "fig20", "fig21"]
    assert sorted(ids) == sorted([f"tab0{n}" for n in range(1, 8)] + [f"fig{n:02d}" for n in range(1, 22)])


def test_tab01_lists_the_26_dated_actions(rows):
    frame = rows["tab01"]
    events = frame[frame["indicator"] == "us_tech_control_action"]
    assert len(events) == 26
    assert events["period"].min() == "2018-04-16" and events["period"].max() == "2023-08-09"
    assert set(events["unit"]) == {"event"}
    assert value(frame, "USA", "2019-05-15", "entities_named") == 69


def test_fig01_china_rd_levels_and_growth_computed_from_them(rows, project):
    frame = rows["fig01"]
    levels = frame[frame["indicator"] == "rd_expenditure"]
    assert list(levels["period"]) == [str(y) for y in range(2010, 2023)]
    assert set(levels["unit"]) == {"100 million RMB"}
    assert value(frame, "CHN", "2022", "rd_expenditure") == pytest.approx(30782.9)  # final communique, Sept 2023
    growth = frame[frame["indicator"] == "rd_expenditure_growth_yoy_computed"].set_index("period")["value"]
    # NBS states 23.0% (2011), 10.6% (2016) and 10.1% (2022) in its communiques.
    assert growth["2011"] == pytest.approx(23.0, abs=0.05)
    assert growth["2016"] == pytest.approx(10.6, abs=0.05)
    assert growth["2022"] == pytest.approx(10.1, abs=0.05)
    fig01 = edition_item(project, project.item("fig01"), "report")
    check_required(fig01.id, fig01.spec.require_complete, frame, "nbs_rd")


def test_fig01_refuses_a_gap_in_the_yearly_series(rows, project):
    frame = rows["fig01"]
    holed = frame[~((frame["indicator"] == "rd_expenditure") & (frame["period"] == "2015"))]
    fig01 = edition_item(project, project.item("fig01"), "report")
    with pytest.raises(ValueError, match="2015"):
        check_required(fig01.id, fig01.spec.require_complete, holed, "nbs_rd")


def test_fig02_six_msti_series_2010_2021(rows):
    frame = rows["fig02"]
    assert set(frame["entity_code"]) == {"KOR", "JPN", "TWN", "USA", "CHN", "OECD_TOTAL"}
    assert set(frame["unit"]) == {"percent of GDP"}
    assert frame.groupby("entity_code")["period"].nunique().eq(12).all()
    assert value(frame, "KOR", "2021") == pytest.approx(4.93, abs=0.005)  # the report's 4.93%
    assert value(frame, "TWN", "2021") == pytest.approx(3.7749, abs=1e-4)  # 'Chinese Taipei' in MSTI


def test_fig03_natural_sciences_share(rows):
    frame = rows["fig03"]
    assert value(frame, "CHN", "2022") == 19373 and value(frame, "USA", "2022") == 17610
    assert set(frame["unit"]) == {"Share (fractional count)"}


@pytest.mark.parametrize(
    ("item", "prefix", "count", "share"), [("tab02", "top10pct", 54405, 28.9), ("tab03", "top1pct", 5516, 29.3)]
)
def test_tab02_tab03_china_leads_2019_2021(rows, item, prefix, count, share):
    frame = rows[item]
    assert value(frame, "CHN", "2019-2021", f"{prefix}_papers_count") == count
    assert value(frame, "CHN", "2019-2021", f"{prefix}_papers_share") == share
    assert value(frame, "CHN", "2019-2021", f"{prefix}_papers_rank") == 1
    assert set(frame["period"]) == {"1999-2001", "2009-2011", "2019-2021"}
    assert frame.groupby("period")["entity_code"].nunique().eq(6).all()


def test_fig04_six_value_chain_segments(rows):
    frame = rows["fig04"]
    shares = frame.set_index("category")["value"].to_dict()
    assert shares == {"ic_design": 16, "eda": 1, "fabrication": 16, "equipment": 2, "materials": 13, "assembly_test": 38}
    assert set(frame["unit"]) == {"percent"}


def test_fig05_isscc_papers(rows):
    frame = rows["fig05"]
    assert value(frame, "CHN", "2023") == 59
    assert value(frame, "CHN", "2022") == 29  # Nikkei Asia: 14.5% of 200, not the report's 45
    assert value(frame, "KOR", "2022") == 41
    assert set(frame["unit"]) == {"papers"}
    # the report (data as of August 2023) ends with the 2023 conference
    assert frame["period"].min() == "2013" and frame["period"].max() == "2023"


def test_fig06_fig07_ai_index_points(rows):
    assert value(rows["fig06"], "CHN", "2021") == pytest.approx(39.78)
    assert set(rows["fig06"]["entity_code"]) == {"CHN", "EU_UK", "USA", "IND"}
    assert value(rows["fig07"], "USA", "2022") == pytest.approx(54.2)


def test_fig08_macropolo_shares(rows):
    frame = rows["fig08"]
    assert value(frame, "CHN", "2019", "china_undergrad_ai_talent_work_location_share") == 34
    assert value(frame, "USA", "2019", "china_undergrad_ai_talent_work_location_share") == 56
    assert value(frame, "EUROPE", "2019", "top_ai_researchers_work_location_share") == pytest.approx(10.2)


def test_tab04_ten_holders_with_ranks_and_shares(rows, project):
    frame = rows["tab04"]
    ranks = frame[frame["indicator"] == "rank_valid_global_5g_patent_families"]
    assert sorted(ranks["value"]) == list(range(1, 11))
    assert value(frame, "HUAWEI", "2022", "share_valid_global_5g_patent_families") == pytest.approx(14.59)
    assert value(frame, "ZTE", "2022", "share_valid_global_5g_patent_families") == pytest.approx(8.14)
    table = build_rank_share(edition_item(project, project.item("tab04"), "report").spec, frame, names_as_codes("en"))
    assert list(table.iloc[:, 1]) == [
        "HUAWEI",
        "QUALCOMM",
        "SAMSUNG",
        "ZTE",
        "LG",
        "NOKIA",
        "ERICSSON",
        "DATANG",
        "OPPO",
        "XIAOMI",
    ]


def test_fig09_delloro_ex_china(rows):
    frame = rows["fig09"]
    assert {c: value(frame, c, "2022") for c in ("NOKIA", "ERICSSON", "HUAWEI")} == {"NOKIA": 20, "ERICSSON": 18, "HUAWEI": 18}


def test_fig10_pharma_rd(rows):
    frame = rows["fig10"]
    assert value(frame, "CHN_IND_PHARMA", "2012", "rd_expenditure") == pytest.approx(283.3)
    assert value(frame, "CHN_IND_PHARMA", "2021", "rd_intensity_revenue") == pytest.approx(3.19)


def test_fig11_top_ten_life_sciences(rows):
    frame = rows["fig11"]
    assert len(frame) == 10
    assert value(frame, "USA", "2022") == 8395 and value(frame, "NLD", "2022") == 316


def test_fig12_top_ten_pharma(rows):
    frame = rows["fig12"]
    assert len(frame) == 10 and set(frame["unit"]) == {"USD billion"}
    assert frame.sort_values("value").iloc[-1]["entity_code"] == "PFIZER"


def test_fig13_tab05_c919_suppliers(rows, project):
    fig = rows["fig13"]
    assert set(fig["category"]) == {"機體", "航空電子設備", "電力系統", "零組件", "材料"}
    assert value(fig, "USA", "2021", category="機體") == 9
    tab = rows["tab05"]
    assert value(tab, "WORLD", "2021", "c919_suppliers", "Total") == 82
    assert value(tab, "CHN", "2021", "c919_jv_suppliers", "Total") == 7
    table = build_matrix(edition_item(project, project.item("tab05"), "report").spec, tab, names_as_codes("zh"))
    assert table.iloc[-1].tolist() == ["總計", "48 (6)", "26 (8)", "6 (3)", "14 (7)", "82 (12)"]


def test_tab06_44_technologies_china_leads_37(rows):
    frame = rows["tab06"]
    leaders = frame[frame["indicator"] == "tech_leader"]
    assert len(leaders) == 44
    assert (leaders["entity_code"] == "CHN").sum() == 37
    risk = frame[(frame["indicator"] == "monopoly_risk") & (frame["entity_code"] == "CHN")]["value"]
    assert (risk.value_counts().sort_index().tolist()) == [14, 15, 8]  # low, medium, high as the text says


def test_fig15_fig18_fig19_stated_facts(rows):
    assert sorted(rows["fig15"]["value"]) == [10, 20, 20]
    assert value(rows["fig18"], "USA", "2018-2022") == -2
    assert set(rows["fig18"]["unit"]) == {"percentage points"}
    assert value(rows["fig19"], "TWN", "2022") == 35000


def test_fig16_fig17_import_shares(rows):
    assert value(rows["fig16"], "TWN", "2022") == pytest.approx(2.8)
    assert value(rows["fig16"], "CHN", "2012") == pytest.approx(19.0)
    assert value(rows["fig17"], "TWN", "2022") == pytest.approx(8.85)
    assert value(rows["fig17"], "USA", "2019") == pytest.approx(5.91)


def test_tab07_recomputes_year_on_year(rows, project):
    frame = rows["tab07"]
    assert value(frame, "CHN", "2023Q3", "semi_equipment_billings") == pytest.approx(11.06)
    assert value(frame, "WORLD", "2022Q3", "semi_equipment_billings") == pytest.approx(28.75)
    tab07 = edition_item(project, project.item("tab07"), "report")
    table = build_yoy(tab07.spec, frame, names_as_codes("en")).set_index("Region")
    # 11.06 / 7.78 - 1 = +42.2%; 25.59 / 28.75 - 1 = -11.0%; 2.50 / 2.61 - 1 = -4.2% (the report prints -5)
    assert table.loc["CHN", "YoY change (%)"] == "42"
    assert table.loc["WORLD", "YoY change (%)"] == "−11"  # with a minus sign, not a hyphen
    assert table.loc["NORTH_AMERICA", "YoY change (%)"] == "−4"


def test_fig20_trendforce_december_release(rows):
    frame = rows["fig20"]
    assert value(frame, "TWN", "2023", category="total") == 46
    assert value(frame, "TWN", "2027f", category="total") == 41
    assert value(frame, "CHN", "2027f", category="mature_28nm_and_older") == 39
    assert set(frame["document"]) == {"trendforce_2023_12_14_foundry_capacity"}


def test_fig21_unctad_inflows(rows, published):
    frame = rows["fig21"]
    assert value(frame, "CHN", "2022") == 189 and value(frame, "USA", "2022") == 285
    assert set(frame["unit"]) == {"USD billion"}
    # as printed: only what UNCTAD had published by the report's August 2023 cut-off (WIR 2023 of July, not
    # the January 2024 monitor that gives the EU's 2022 inflows, nor WIR 2024)
    dates = published["unctad_wir_fdi"]
    assert max(dates[d] for d in frame["document"]) <= "2023-08"
    assert "EU27" not in set(frame["entity_code"])


def test_unavailable_items_draw_nothing(project):
    fig14 = project.item("fig14")
    assert fig14.status == "unavailable" and not fig14.renders and "no table of values was found" in fig14.status_reason

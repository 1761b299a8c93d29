"""Items whose latest edition draws documents new to the project (fig19, fig02, fig03, fig07, fig20, fig12): the
latest edition draws the newer documents' values, measures of different kinds in panels of their own, while the
report edition still shows the report's. Expected numbers are typed from the documents (cited per test), not read
from program output. Every edition is built on explicitly named vintages, so the tests do not depend on which
vintages the real data hold."""

from __future__ import annotations

import json
import shutil

import matplotlib.pyplot as plt
import pandas as pd
import pytest
from conftest import ROOT, copy_project, pin_report_vintage
from drawing import context, draw

from techgap import cli
from techgap.config import load_project
from techgap.editions import edition_item, edition_sources
from techgap.entities import EntityRegistry
from techgap.errors import InputError
from techgap.normalize import normalize_source
from techgap.provenance import load_provenance
from techgap.render.items import item_rows
from techgap.texts import source_line

JOBS_104 = "job_bank_104_semiconductor"
VINTAGE_WITH_104_RELEASES = "2026-11-28"
TRENDFORCE = "trendforce_foundry"
VINTAGE_WITH_TRENDFORCE_2025 = "2026-11-29"
PHARMA50 = "pharmexec_pharma50_2023"
VINTAGE_WITH_PHARMA50_2025 = "2026-11-29"


@pytest.fixture(scope="module")
def project():
    return load_project(ROOT)


def rows_of(project, item_id: str, edition: str, vintages: dict[str, str]) -> pd.DataFrame:
    frames = {s: normalize_source(project, s, v) for s, v in vintages.items()}
    return item_rows(edition_item(project, project.item(item_id), edition), frames, EntityRegistry(project.entities), {})


def values_by_key(rows: pd.DataFrame, *fields: str) -> dict[tuple, float]:
    return {tuple(r[f] for f in fields): float(r["value"]) for _, r in rows.iterrows()}


# ------------------------------------------------------------------ fig19 and fig02


def test_fig19_latest_draws_104s_second_quarter_averages(project):
    rows = rows_of(project, "fig19", "latest", {JOBS_104: VINTAGE_WITH_104_RELEASES})
    drawn = dict(zip(rows["period"], rows["value"], strict=True))
    # NOWnews 2023-07-05 (2.3萬, 1.9萬), the 2021 white paper report (27,701), 大紀元 2024-08-28 (2.6萬; and 3.8萬 for
    # 2022Q2, where the 2023 white paper gives 3.7萬: the later release is the declared preference in sources.yaml)
    assert drawn == {"2020Q2": 19000, "2021Q2": 27701, "2022Q2": 38000, "2023Q2": 23000, "2024Q2": 26000}
    assert set(rows["entity_code"]) == {"TWN"}
    assert "ndc2023_s4_semi_jobs_text" not in set(rows["document"])


def test_fig19_report_edition_keeps_the_reports_sentence(project):
    rows = rows_of(project, "fig19", "report", {JOBS_104: project.settings.report_pins()[JOBS_104]})
    # the report: 「2022年平均每月徵人需求…達 3.5 萬人」
    assert list(zip(rows["period"], rows["value"], strict=True)) == [("2022", 35000)]


def test_fig19_latest_labels_each_bar_with_its_quarter(project):
    item = edition_item(project, project.item("fig19"), "latest")
    assert item.spec.label_field == "period"


def test_two_passages_of_one_document_are_named_once_in_the_source_line(project):
    vintage = project.settings.report_pins()["eiu_china_chip_lag"]
    provenance = load_provenance(ROOT / "data" / "raw" / "eiu_china_chip_lag" / vintage / "provenance.yaml")
    rows = pd.DataFrame({"source": ["eiu_china_chip_lag"] * 2, "document": ["ndc2023_s4_chips_text", "ndc2023_fig15_source"]})
    for lang in ("zh", "en"):
        line = source_line(rows, {"eiu_china_chip_lag": provenance}, lang)
        assert line.count("中國推動技術自主之現況與影響") == 1, line


def test_fig02_latest_extends_china_with_nbs_communiques(project):
    rows = rows_of(project, "fig02", "latest", {"oecd_msti": "2026-11-27", "nbs_rd": "2026-11-27"})
    china_nbs = rows[(rows["entity_code"] == "CHN") & (rows["source"] == "nbs_rd")]
    # 2022年全国科技经费投入统计公报: 2.54%; 2023年公报: 2.65%
    assert dict(zip(china_nbs["period"], china_nbs["value"], strict=True)) == {"2022": 2.54, "2023": 2.65}
    assert set(rows.loc[rows["source"] == "nbs_rd", "entity_code"]) == {"CHN"}
    msti_china = rows[(rows["entity_code"] == "CHN") & (rows["source"] == "oecd_msti")]
    assert max(msti_china["period"]) == "2021"  # MSTI's newest Chinese value in that vintage; NBS does not replace it


def test_fig02_report_edition_reads_msti_only(project):
    pins = project.settings.report_pins()
    rows = rows_of(project, "fig02", "report", {"oecd_msti": pins["oecd_msti"], "ndc_report_text": pins["ndc_report_text"]})
    assert set(rows["source"]) == {"oecd_msti"}
    assert max(rows["period"]) == "2021"


def test_a_selection_limited_to_the_latest_edition_is_not_read_by_the_report_edition(project):
    fig02 = project.item("fig02")
    assert "nbs_rd" not in edition_sources(project, fig02, "report")
    assert "nbs_rd" in edition_sources(project, fig02, "latest")


# ------------------------------------------------------------------ fig03 and fig07

NEW_VINTAGE = "2026-11-29"
REPORT_VINTAGES = {"nature_index": "2026-11-27", "ai_index_2023_public_data": "2026-11-28"}


@pytest.fixture(scope="module")
def root(tmp_path_factory):
    """A copy of the project with fig03 and fig07 built: the latest edition pinned to NEW_VINTAGE, the report
    edition to the report's vintages."""
    target = tmp_path_factory.mktemp("partial_a") / "project"
    target.mkdir()
    copy_project(target, with_figures=False)
    config = target / "config" / "config.yaml"
    text = config.read_text(encoding="utf-8")
    pins = ", ".join(f"{source}: {NEW_VINTAGE}" for source in REPORT_VINTAGES)
    config.write_text(text.replace("vintages: {}", f"vintages: {{{pins}}}", 1), encoding="utf-8")
    for source, vintage in REPORT_VINTAGES.items():
        pin_report_vintage(target, source, vintage)
    for item_id in ("fig03", "fig07"):
        assert cli.main(["--root", str(target), "render", item_id]) == 0
    yield target
    shutil.rmtree(target, ignore_errors=True)


def data_csv(root, item_id: str, edition: str) -> pd.DataFrame:
    return pd.read_csv(root / "figures" / edition / item_id / f"{item_id}.csv", dtype={"period": str})


def values(frame: pd.DataFrame, indicator: str) -> dict[tuple[str, str], float]:
    rows = frame[frame["indicator"] == indicator]
    return {(c, p): v for c, p, v in zip(rows["entity_code"], rows["period"], rows["value"], strict=True)}


def reason(root, item_id: str, edition: str) -> str:
    return json.loads((root / "figures" / edition / item_id / f"{item_id}.meta.json").read_text(encoding="utf-8"))["reason"]


# The report's Figure 3 data as found before this round: ORDO News on the 2020 Annual Tables (2019) and
# Nature's "China overtakes United States" (2022), both natural-science Share.
NATURAL_SCIENCE_SHARE = {
    ("JPN", "2019"): 3024.32,
    ("FRA", "2019"): 2238.55,
    ("CAN", "2019"): 1602.09,
    ("CHE", "2019"): 1487.88,
    ("KOR", "2019"): 1435.23,
    ("AUS", "2019"): 1259.95,
    ("CHN", "2022"): 19373,
    ("USA", "2022"): 17610,
}


def test_fig03_latest_draws_the_research_leaders_share_beside_the_natural_science_share(root):
    latest = data_csv(root, "fig03", "latest")
    # Nature, "Nature Index 2025 Research Leaders" (2025-06): China 32,122 and the United States 22,083 (2024); 145
    # natural- and health-science journals. The earlier release's China 23,171.84 (2023; Springer Nature, Research
    # Leaders 2024, 2024-06-18) is not drawn: each release counts its own set of journals, the newest one is drawn.
    assert values(latest, "nature_index_share_overall_natural_plus_health") == {("CHN", "2024"): 32122, ("USA", "2024"): 22083}
    assert values(latest, "nature_index_share_natural_sciences") == NATURAL_SCIENCE_SHARE
    assert "natural- and health-science journals" in reason(root, "fig03", "latest")


def test_fig03_report_edition_is_unchanged(root):
    report = data_csv(root, "fig03", "report")
    assert set(report["indicator"]) == {"nature_index_share_natural_sciences"}
    assert values(report, "nature_index_share_natural_sciences") == NATURAL_SCIENCE_SHARE
    assert reason(root, "fig03", "report") == (
        "Nature Index overall Share by country and year was not found in any stored copy; "
        "drawn: the natural-science Share values found, for 2019, 2022: for 2019 only the countries ranked 5-10 (a "
        "news summary of the Annual Tables whose excerpt cut off ranks 1-4, so the leaders of that year are missing), "
        "for 2022 China and the United States (Nature's news report)."
    )


# AI Index 2023 chapter 1 (third-party summary): authors of 2022 large language and multimodal models
AUTHOR_SHARES_2022 = {("USA", "2022"): 54.2, ("GBR", "2022"): 21.9, ("CHN_INSTITUTIONS", "2022"): 8.0}


def test_fig07_latest_draws_the_notable_models_the_ai_index_states_for_later_years(root):
    latest = data_csv(root, "fig07", "latest")
    # AI Index 2024, chapter 1 highlights: "In 2023, 61 notable AI models originated from U.S.-based institutions,
    # far outpacing the European Union's 21 and China's 15." AI Index 2025, Research and Development: "In 2024,
    # U.S.-based institutions produced 40 notable AI models, significantly surpassing China's 15 and Europe's
    # combined total of three."
    assert values(latest, "notable_ml_models") == {
        ("USA", "2023"): 61,
        ("EU27", "2023"): 21,
        ("CHN", "2023"): 15,
        ("USA", "2024"): 40,
        ("CHN", "2024"): 15,
        ("EUROPE", "2024"): 3,
    }
    assert values(latest, "llm_multimodal_author_share") == AUTHOR_SHARES_2022
    assert "notable AI models by country" in reason(root, "fig07", "latest")


def test_fig07_report_edition_is_unchanged(root):
    report = data_csv(root, "fig07", "report")
    assert set(report["indicator"]) == {"llm_multimodal_author_share"}
    assert values(report, "llm_multimodal_author_share") == AUTHOR_SHARES_2022


# --- drawing: two measures are never one series --------------------------------------------------------------


def _rows(records):
    frame = pd.DataFrame(records, columns=["entity_code", "indicator", "period", "value", "unit"])
    for column in ("flag", "category", "label", "label_en"):
        frame[column] = ""
    frame["source"] = "test"
    return frame


def _entity_lines(drawing) -> list:
    from matplotlib.lines import Line2D

    return [artist for _, artist in drawing.entities if isinstance(artist, Line2D)]


NAMES = {"EU27": "EU-27"}
LABELS = {"narrow": {"zh": "窄", "en": "narrow"}, "broad": {"zh": "寬", "en": "broad"}}


def test_two_labelled_measures_get_panels_of_their_own_not_one_chart():
    rows = _rows(
        [
            ("CHN", "narrow", "2022", 19373, "Share"),
            ("USA", "narrow", "2022", 17610, "Share"),
            ("CHN", "broad", "2023", 23172, "Share"),
            ("CHN", "broad", "2024", 32122, "Share"),
            ("USA", "broad", "2024", 22083, "Share"),
        ]
    )
    drawing = draw("grouped_bar", rows, {"x": "entity", "measure_labels": LABELS}, names=NAMES)
    fig = drawing.figure
    titles = [ax.get_title(loc="left") for ax in fig.axes]
    assert titles == ["2022 only · narrow", "2023 only · broad", "2024 only · broad"]
    assert not _entity_lines(drawing)
    # one measure, one scale; two measures in one unit ('Share' of different journal sets) are not comparable
    narrow, broad_2023, broad_2024 = (ax.get_xlim() for ax in fig.axes)
    assert broad_2023 == broad_2024 and narrow != broad_2023
    plt.close(fig)
    unlabelled = draw("grouped_bar", rows, {"x": "entity"}, names=NAMES).figure
    assert len(unlabelled.axes) == 1  # without labels both measures' periods are set side by side in one chart
    plt.close(unlabelled)


def test_panels_of_different_units_do_not_share_a_scale_but_panels_of_one_unit_do():
    rows = _rows(
        [
            ("USA", "narrow", "2022", 20.0, "percent"),
            ("CHN", "narrow", "2022", 8.0, "percent"),
            ("USA", "broad", "2023", 61, "count"),
            ("CHN", "broad", "2023", 15, "count"),
            ("USA", "broad", "2024", 40, "count"),
            ("EU27", "broad", "2024", 3, "count"),
        ]
    )
    fig = draw("ranked_bar", rows, {"measure_labels": LABELS}, names=NAMES).figure
    percent, counts_2023, counts_2024 = (ax.get_xlim() for ax in fig.axes)
    assert counts_2023 == counts_2024 and counts_2023[1] >= 61
    assert percent[1] < 40  # its own scale, not the counts'
    plt.close(fig)


def test_a_drawn_measure_without_a_label_is_a_config_error_naming_the_field():
    rows = _rows([("CHN", "narrow", "2022", 1, "Share"), ("CHN", "other", "2023", 2, "Share")])
    with pytest.raises(InputError, match=r"spec\.measure_labels.*other|other.*spec\.measure_labels"):
        draw("grouped_bar", rows, {"x": "entity", "measure_labels": {"narrow": LABELS["narrow"]}}, names=NAMES)
    plt.close("all")


# ------------------------------------------------------------------ fig20: TrendForce foundry capacity


def test_fig20_latest_draws_trendforces_2030_forecast(project):
    rows = rows_of(project, "fig20", "latest", {TRENDFORCE: VINTAGE_WITH_TRENDFORCE_2025})
    # CNA 2025-11-20: 2030 美國先進製程 28%, 台灣 55%; CNA 2025-11-23: 中國成熟製程 52% (2030),
    # 台灣成熟製程 自2021年的54% 降至2030年的26%
    assert values_by_key(rows, "entity_code", "category", "period") == {
        ("USA", "advanced", "2030f"): 28,
        ("TWN", "advanced", "2030f"): 55,
        ("CHN", "mature_28nm_and_older", "2030f"): 52,
        ("TWN", "mature_28nm_and_older", "2030f"): 26,
    }  # Taiwan's 2021 base (54) is older than the report edition's 2023: the latest edition never goes back
    assert set(rows["document"]) == {"cna_2025_11_20_trendforce_2030", "cna_2025_11_23_trendforce_mature"}


def test_fig20_latest_panels_are_the_node_classes_the_newest_release_gives(project):
    spec = edition_item(project, project.item("fig20"), "latest").spec
    assert [p.indicator for p in spec.panels] == ["advanced", "mature_28nm_and_older"]


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
    # the country key of a ranked bar chart is drawn in the country's colour; the company's bar must match it
    in_denmark = context(country=lambda code: "DNK" if code == "NOVO_NORDISK" else None)
    assert "DNK" not in in_denmark.plotting.entities  # a country without a colour of its own
    assert in_denmark.color("NOVO_NORDISK") == in_denmark.color("DNK")
    assert in_denmark.color("SOME_NEW_COMPANY") == context().color("SOME_NEW_COMPANY")


def _provenance(source_id: str, publisher: str, titles: list[str]):
    from techgap.provenance import Provenance

    documents = [
        {"id": f"{source_id}_{i}", "title": t, "publisher": publisher, "url": "https://example.org/", "locator": "p. 1"}
        for i, t in enumerate(titles)
    ]
    return Provenance.model_validate(
        {
            "source_id": source_id,
            "title": f"{source_id} title",
            "publisher": f"{publisher} (a long parenthesised description of who compiled what)",
            "url": "https://example.org/",
            "retrieved": "2026-11-28",
            "licence": "l",
            "locator": "l",
            "method": "transcribed",
            "format": "techgap-long-csv",
            "payload": "data.csv",
            "sha256": "0" * 64,
            "documents": documents,
        }
    )


def test_a_source_line_too_long_for_three_lines_names_publishers_and_leaves_the_documents_to_the_page():
    """fig20 latest had four lines of citations under the chart, gap01 twelve; the full list is on the page."""
    from techgap.texts import SOURCE_LINE_BUDGET

    long_title = "A press release with a very long title about capacity shares by region and node class " * 2
    provenances = {s: _provenance(s, p, [long_title, long_title + "2"]) for s, p in [("a", "TrendForce"), ("b", "SEMI")]}
    rows = pd.DataFrame({"source": ["a", "a", "b"], "document": ["a_0", "a_1", "b_0"]})
    for lang in ("zh", "en"):
        line = source_line(rows, provenances, lang)
        assert len(line) <= SOURCE_LINE_BUDGET[lang] and long_title[:30] not in line
        assert "TrendForce" in line and "SEMI" in line and "parenthesised" not in line
    assert source_line(rows, provenances, "en") == (
        "Source: TrendForce (2 documents; retrieved 2026-11-28); SEMI (1 document; retrieved 2026-11-28)."
    )
    # a new release still shows: the publisher's newest document is named
    with_dates = _provenance("b", "SEMI", [long_title]).model_dump()
    with_dates["documents"] = [{**with_dates["documents"][0], "title": "Q2 release", "published": "2099-06"}]
    dated = {**provenances, "b": type(provenances["b"]).model_validate(with_dates)}
    assert "SEMI (1 document; newest: Q2 release (2099-06); retrieved 2026-11-28)" in source_line(rows, dated, "en")
    twice = {**provenances, "c": _provenance("c", "TrendForce", [long_title])}  # two sources, one publisher
    rows_twice = pd.DataFrame({"source": ["a", "a", "b", "c"], "document": ["a_0", "a_1", "b_0", "c_0"]})
    assert source_line(rows_twice, twice, "en").startswith("Source: TrendForce (3 documents; retrieved 2026-11-28); SEMI")
    many = {
        s: _provenance(s, f"Publisher {s} " + "x" * 60, [long_title]).model_copy(update={"title": long_title}) for s in "cdefgh"
    }
    rows = pd.DataFrame({"source": list("cdefgh"), "document": [f"{s}_0" for s in "cdefgh"]})
    line = source_line(rows, many, "en")
    assert line.endswith("(each document, date and locator: the sources on the page).") and "retrieved" not in line
    short = source_line(rows.iloc[:1], {"c": _provenance("c", "P", ["Short"])}, "en")
    assert short == "Source: P, Short (retrieved 2026-11-28)."  # a short line stays as it is


def test_a_compact_source_line_counts_each_document_under_its_own_publisher_in_both_languages():
    """tab07 latest: the zh line said 'SEMI (4 份文件)' while the en line named SEMI's 3 documents and NDC's table
    apart; a source may cite another publisher's document (the report's own table), which is that publisher's."""
    from techgap.provenance import Provenance

    long_title = "A press release with a very long title about equipment billings by region and quarter " * 2
    semi = _provenance("semi", "SEMI", [long_title, long_title + "2"]).model_dump()
    semi["documents"][1]["publisher"] = "國家發展委員會 (National Development Council, Taiwan)"
    provenances = {"semi": Provenance.model_validate(semi)}
    rows = pd.DataFrame({"source": ["semi", "semi"], "document": ["semi_0", "semi_1"]})
    lines = {lang: source_line(rows, provenances, lang) for lang in ("en", "zh")}
    assert lines["en"] == "Source: SEMI (1 document; retrieved 2026-11-28); 國家發展委員會 (1 document; retrieved 2026-11-28)."
    assert "SEMI (1 份文件" in lines["zh"] and "國家發展委員會 (1 份文件" in lines["zh"]

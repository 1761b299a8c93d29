"""Editions: the report edition never moves when new data arrive; the latest edition takes the new
data in, with texts made from them; item config naming things that do not exist is refused.

Every test that needs a vintage makes its own in a temporary copy, dated after whatever the real data
hold, so the tests do not depend on which vintages the project happens to have."""

from __future__ import annotations

import json
import re
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest
import yaml
from conftest import ROOT, add_vintage, snapshot_dir

from techgap.build import build_group
from techgap.config import load_project
from techgap.editions import edition_item
from techgap.entities import EntityRegistry
from techgap.errors import InputError
from techgap.kinds import GroupedBarSpec, PeriodRange, RankShareTableSpec, Selection
from techgap.model import stray_numbers
from techgap.selection import resolve_periods, select
from techgap.texts import fill, missing_cells


def add_document(folder: Path, document: dict) -> None:
    provenance = folder / "provenance.yaml"
    body = yaml.safe_load(provenance.read_text(encoding="utf-8"))
    body["documents"].insert(0, document)
    provenance.write_text(yaml.safe_dump(body, allow_unicode=True, sort_keys=False), encoding="utf-8")


def append_rows(folder: Path, rows: list[str]) -> None:
    with open(folder / "data.csv", "a", encoding="utf-8") as handle:
        handle.write("".join(rows))


def files_of(root: Path, edition: str, item: str) -> dict[str, bytes]:
    folder = root / "figures" / edition / item
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def next_quarter(period: str) -> str:
    year, quarter = int(period[:4]), int(period[5])
    return f"{year + quarter // 4}Q{quarter % 4 + 1}"


# Documents a test adds: an id no real release can have, so a real next release never collides with one.
TEST_DOCUMENT = "test_only_{}"


def add_semi_quarter(root: Path) -> tuple[str, dict[str, float]]:
    """The quarter after the newest one the SEMI vintage holds, with values derived from that quarter's fullest
    table (each region 10% up, rounded; Total their sum), entered under the regions' English names as an analyst
    would enter a new release."""
    registry = EntityRegistry(load_project(root).entities)
    payload = pd.read_csv(snapshot_dir(root, "semi_wwsems") / "data.csv", dtype={"period": str})
    billings = payload[payload["period"].str.fullmatch(r"\d{4}Q[1-4]") & (payload["indicator"] == "semi_equipment_billings")]
    newest = max(billings["period"], key=lambda p: (int(p[:4]), int(p[5])))
    period = next_quarter(newest)
    quarter = billings[billings["period"] == newest]
    fullest = quarter[quarter["document"] == quarter["document"].value_counts().index[0]]
    codes = registry.codes_for(fullest["entity"])
    values = {
        registry.name(code, "en"): round(float(value) * 1.1, 2)
        for code, value in zip(codes, fullest["value"], strict=True)
        if code != "WORLD"
    }
    values[registry.name("WORLD", "en")] = round(sum(values.values()), 2)
    document = TEST_DOCUMENT.format(f"semi_release_{period.lower()}")

    def edit(folder: Path) -> None:
        append_rows(
            folder,
            [
                f"{region},{period},semi_equipment_billings,{value},USD billion,,,,,{document},\n"
                for region, value in values.items()
            ],
        )
        add_document(
            folder,
            {
                "id": document,
                "title": f"Test release on {period} billings",
                "publisher": "SEMI (test)",
                "url": "https://www.semi.org/",
                "published": "2099-06-04",
                "locator": "table 'Billings by region'",
            },
        )

    add_vintage(root, "semi_wwsems", edit)
    return period, values


def test_a_new_semi_quarter_reaches_the_latest_edition_and_not_the_report(project_root, built_project):
    report_before = files_of(built_project, "report", "tab07")  # as the session's build drew it, before the new vintage
    period, values = add_semi_quarter(project_root)
    build_group(load_project(project_root), "semi_wwsems")
    assert files_of(project_root, "report", "tab07") == report_before
    latest = pd.read_csv(project_root / "figures" / "latest" / "tab07" / "tab07.csv", dtype=str)
    year_before = f"{int(period[:4]) - 1}{period[4:]}"
    # the newest quarter, and the same quarter a year before where the data hold it (an analyst may have skipped
    # quarters: the README's checklist run added 2024Q3 after 2023Q3, so the next quarter's year before is missing)
    payload = pd.read_csv(snapshot_dir(project_root, "semi_wwsems") / "data.csv", dtype={"period": str})
    held = set(payload.loc[payload["indicator"] == "semi_equipment_billings", "period"])
    assert set(latest["period"]) == {period} | ({year_before} & held)
    billings = latest[latest["indicator"] == "semi_equipment_billings"]  # (the year-on-year rows are techgap's)
    assert billings.loc[billings["period"] == period, "document"].unique().tolist() == [
        TEST_DOCUMENT.format(f"semi_release_{period.lower()}")
    ]
    meta = json.loads((project_root / "figures" / "latest" / "tab07" / "tab07.meta.json").read_text(encoding="utf-8"))
    assert period in meta["added_periods"] and meta["same_as_report"] is False
    # the new release is named (in full, or as the newest of a publisher's documents in a compact line)
    assert f"Test release on {period} billings (2099-06-04)" in meta["texts"]["source_line"]["en"]
    table = (project_root / "figures" / "latest" / "tab07" / "tab07_en.md").read_text(encoding="utf-8")
    assert f"| China | {values['China']:,.2f} |" in table  # the new quarter's value is in the table, not only in the data


def add_isscc_year(root: Path) -> tuple[str, dict[str, int]]:
    """The conference year after the newest one the ISSCC vintage holds, with counts derived from the newest
    year's (one more paper each), as the README's checklist enters a new announcement by hand."""
    payload = pd.read_csv(snapshot_dir(root, "isscc") / "data.csv", dtype={"period": str})
    papers = payload[(payload["indicator"] == "isscc_accepted_papers") & payload["period"].str.fullmatch(r"\d{4}")]
    newest = max(papers["period"])
    year = str(int(newest) + 1)
    counts = {
        entity: int(value) + 1
        for entity, value in zip(
            papers.loc[papers["period"] == newest, "entity"], papers.loc[papers["period"] == newest, "value"], strict=True
        )
    }
    document = TEST_DOCUMENT.format(f"isscc_{year}_press_kit")

    def edit(folder: Path) -> None:
        append_rows(
            folder,
            [
                f"{entity},{year},isscc_accepted_papers,{value},papers,,,,,{document},conference year\n"
                for entity, value in counts.items()
            ],
        )
        add_document(
            folder,
            {
                "id": document,
                "title": f"ISSCC {year} press kit (test)",
                "publisher": "ISSCC (test)",
                "url": "https://www.isscc.org/",
                "published": "2099-11-20",
                "locator": "p. 3",
            },
        )
        provenance = folder / "provenance.yaml"  # the checklist: retrieved is the new vintage's date
        text = provenance.read_text(encoding="utf-8")
        provenance.write_text(re.sub(r"(?m)^retrieved: .*$", f"retrieved: '{folder.name}'", text), encoding="utf-8")

    folder = add_vintage(root, "isscc", edit)
    return year, counts, folder


def test_a_new_isscc_year_reaches_the_latest_edition_and_not_the_report(project_root, built_project):
    project = load_project(project_root)
    report_before = files_of(built_project, "report", "fig05")  # as the session's build drew it, before the new vintage
    year, counts, folder = add_isscc_year(project_root)
    build_group(load_project(project_root), project.item("fig05").render_group)

    assert files_of(project_root, "report", "fig05") == report_before
    latest = pd.read_csv(project_root / "figures" / "latest" / "fig05" / "fig05.csv", dtype={"period": str})
    new_year = latest[latest["period"] == year]
    registry = EntityRegistry(project.entities)
    codes = registry.codes_for(pd.Series(list(counts)))
    expected = dict(zip(codes, counts.values(), strict=True))
    drawn = dict(zip(new_year["entity_code"], new_year["value"], strict=True))
    assert drawn == {code: value for code, value in expected.items() if code in drawn}
    assert set(drawn) == set(expected) & {"USA", "CHN", "KOR", "TWN", "JPN"}  # the countries fig05 draws
    meta = json.loads((project_root / "figures" / "latest" / "fig05" / "fig05.meta.json").read_text(encoding="utf-8"))
    assert year in meta["added_periods"] and meta["vintages"]["isscc"] == folder.name
    source_line = meta["texts"]["source_line"]["en"]
    assert f"newest: ISSCC (test), ISSCC {year} press kit (test) (2099-11-20)" in source_line
    assert f"retrieved {folder.name}" in source_line
    assert year in meta["texts"]["subtitle"]["en"]  # the years in the subtitle come from the data


def test_texts_follow_the_data_when_a_vintage_revises_a_value(project_root, built_project):
    """NBS revises its final 2022 figure in a new vintage: the latest edition's note and status reason
    say the new number; the report edition (pinned) keeps the old text byte for byte."""
    report_before = files_of(built_project, "report", "fig01")  # as the session's build drew it, before the new vintage

    def revise(folder: Path) -> None:
        payload = folder / "data.csv"
        text = payload.read_text(encoding="utf-8")
        assert "China,2022,rd_expenditure,30782.9," in text
        payload.write_text(
            text.replace("China,2022,rd_expenditure,30782.9,", "China,2022,rd_expenditure,30811.5,").replace(
                "China,2022,rd_expenditure_growth_yoy,10.1,", "China,2022,rd_expenditure_growth_yoy,10.2,"
            ),
            encoding="utf-8",
        )

    folder = add_vintage(project_root, "nbs_rd", revise)
    build_group(load_project(project_root), "nbs_rd")
    assert files_of(project_root, "report", "fig01") == report_before
    meta = json.loads((project_root / "figures" / "latest" / "fig01" / "fig01.meta.json").read_text(encoding="utf-8"))
    assert "30,811.5" in meta["texts"]["note"]["en"] and "+10.2%" in meta["texts"]["note"]["en"]
    assert "30,782.9" not in json.dumps(meta, ensure_ascii=False)
    revised = {(r["indicator"], r["period"]): (r["report"], r["latest"]) for r in meta["revised"]}
    assert set(revised) == {("rd_expenditure", "2022"), ("rd_expenditure_growth_yoy_computed", "2022")}
    assert revised["rd_expenditure", "2022"] == (30782.9, 30811.5)
    assert (
        f"retrieved {yaml.safe_load((folder / 'provenance.yaml').read_text())['retrieved']})"
        in meta["texts"]["source_line"]["en"]
    )


def edit_items(root: Path, old: str, new: str) -> None:
    path = root / "config" / "items.yaml"
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    path.write_text(text.replace(old, new), encoding="utf-8")


FIG02_ENTITIES = "        entities: [KOR, JPN, TWN, USA, CHN, OECD_TOTAL]\n        periods: {report:"


def test_a_misspelt_entity_fails_naming_the_item_and_the_field(project_root):
    edit_items(project_root, FIG02_ENTITIES, FIG02_ENTITIES.replace("OECD_TOTAL]", "OECD_TOTAL, GER]"))
    with pytest.raises(InputError) as caught:
        load_project(project_root)
    message = str(caught.value)
    assert "item fig02" in message and "'GER'" in message and "field 'spec.data[0].entities'" in message
    assert "items.yaml" in message


@pytest.mark.parametrize(
    ("old", "new", "field"),
    [
        (
            "indicator: gerd_pct_gdp\n        entities: [KOR",
            "indicator: gerd_pct_gpd\n        entities: [KOR",
            "spec.data[0].indicator",
        ),
        (
            "      - source: oecd_msti\n        indicator: gerd_pct_gdp",
            "      - source: oecd_mstj\n        indicator: gerd_pct_gdp",
            "spec.data[0].source",
        ),
        (
            "to: 2021}, latest: {from: 2010, to: latest}}\n",
            "to: 2021}, latest: {from: 2010, to: latset}}\n",
            "spec.data[0].periods.to",
        ),
        ("  group: oecd_msti\n  chart: line", "  group: oecd_msti\n  chart: lines", "chart"),
    ],
)
def test_other_misspelt_references_fail_naming_the_field(project_root, old, new, field):
    edit_items(project_root, old, new)
    with pytest.raises(InputError, match=re.escape(f"field '{field}'")):
        load_project(project_root)


def test_an_entity_without_rows_warns_in_the_latest_edition_and_stops_the_report_edition(project_root):
    # Israel is a known entity, but MSTI in the project has no row for it.
    edit_items(
        project_root,
        FIG02_ENTITIES,
        "        entities: {report: [KOR, JPN, TWN, USA, CHN, OECD_TOTAL], latest: [KOR, JPN, TWN, USA, CHN, "
        "OECD_TOTAL, ISR]}\n        periods: {report:",
    )
    build_group(load_project(project_root), "oecd_msti")
    meta = json.loads((project_root / "figures" / "latest" / "fig02" / "fig02.meta.json").read_text(encoding="utf-8"))
    assert meta["warnings"] == ["item fig02: entity ISR requested in spec.data[0].entities has no rows in oecd_msti"]
    edit_items(
        project_root, "latest: [KOR, JPN, TWN, USA, CHN, OECD_TOTAL, ISR]}", "latest: [KOR, JPN, TWN, USA, CHN, OECD_TOTAL]}"
    )
    edit_items(
        project_root, "{report: [KOR, JPN, TWN, USA, CHN, OECD_TOTAL]", "{report: [KOR, JPN, TWN, USA, CHN, OECD_TOTAL, ISR]"
    )
    before = files_of(project_root, "report", "fig02")
    with pytest.raises(InputError, match="entity ISR .*the report edition must draw every entity it names") as caught:
        build_group(load_project(project_root), "oecd_msti")
    assert "items.yaml" in str(caught.value) and "item fig02" in str(caught.value)
    assert files_of(project_root, "report", "fig02") == before


def test_the_report_edition_needs_a_pinned_vintage(project_root):
    config = project_root / "config" / "config.yaml"
    config.write_text(re.sub(r"(?m)^  semi_wwsems: .*\n", "", config.read_text(encoding="utf-8")), encoding="utf-8")
    with pytest.raises(InputError, match="the report edition reads semi_wwsems but no vintage is pinned"):
        build_group(load_project(project_root), "semi_wwsems")


# ------------------------------------------------------------------ texts

YEAR = re.compile(r"(?<!\d)(?:19|20)\d\d(?!\d)")
# a span of years ("近 7 年", "over seven years", "10-year"): the latest edition may draw another span
YEAR_SPAN = re.compile(
    r"近\s*\d+\s*年|\b(?:\d+|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve)[ -]years?\b", re.IGNORECASE
)


def test_no_latest_edition_title_names_a_year():
    """The latest edition moves with the data, so its caption names no year and no span of years (the report's
    captions do; `latest_title` gives such an item a caption of its own, its periods as {first}, {last} or
    {periods}, and the subtitle names the periods drawn). fig19's said "seven years" over five quarters."""
    stale = []
    project = load_project(ROOT)
    for item in project.items:
        title = edition_item(project, item, "latest").title
        stale += [
            f"{item.id} ({lang}): {text}"
            for lang, text in title.model_dump().items()
            if YEAR.search(text) or YEAR_SPAN.search(text)
        ]
    assert not stale, "latest-edition titles naming a year (add a latest_title):\n" + "\n".join(stale)


# a caption's periods (a year, a span, a quarter, a placeholder), with the word joining it to the one before
CAPTION_PERIOD = re.compile(
    r"(?:(?:相較|與|至|\bvs\b|\bto\b|\band\b)\s*)?(?:\{[a-z_]+\}|\d{4}(?:-\d{4}|Q\d|\s*年第\s*\d\s*季)?)(?:\s*年)?"
)


def periods_marked(title: str) -> str:
    """A caption with each run of periods as one §, without spaces and punctuation."""
    return re.sub(r"§+", "§", re.sub(r"[\s,.，。（）()]+", "", CAPTION_PERIOD.sub("§", title)))


def periods_only_changed(report: str, latest: str) -> bool:
    """The latest caption is the report's with its periods replaced in place, or left out."""
    marked, new = periods_marked(report), periods_marked(latest)
    return marked == new or ("§" not in new and marked.replace("§", "") == new)


def test_the_latest_caption_differs_from_the_report_caption_alike_in_both_languages():
    """tab07's latest zh caption moved the quarters to the end in brackets while the en one only replaced them:
    where a latest_title changes nothing but the periods in one language, it changes nothing else in the other."""
    uneven = []
    project = load_project(ROOT)
    for item in project.items:
        report, latest = (edition_item(project, item, edition).title for edition in ("report", "latest"))
        if periods_only_changed(report.zh, latest.zh) != periods_only_changed(report.en, latest.en):
            uneven.append(f"{item.id}: {report.zh} / {latest.zh} ; {report.en} / {latest.en}")
    assert not uneven, "latest captions reworded in one language only:\n" + "\n".join(uneven)


def test_a_caption_with_its_periods_moved_is_reworded():
    report = "表 7 2023 年第 3 季主要半導體市場設備出貨金額統計"
    assert periods_only_changed(report, "表 7 {last} 主要半導體市場設備出貨金額統計")
    assert not periods_only_changed(report, "表 7 主要半導體市場設備出貨金額統計（{last} 與 {first}）")
    assert periods_only_changed("Figure 18. Change in shares, 2018 to 2022", "Figure 18. Change in shares")
    assert not periods_only_changed("Figure 19. Openings over seven years", "Figure 19. Openings, {first} to {last}")


def test_the_year_scan_finds_a_caption_year():
    assert YEAR.search("圖 7 2022 年全球新發布之大型語言和多模態模型")
    assert not YEAR.search("表 4 有效全球 5G 專利家族排名前 10 企業占比") and not YEAR.search("C919 suppliers")
    assert YEAR_SPAN.search("圖 19 近 7 年導體產業徵才趨勢") and YEAR_SPAN.search("job openings over seven years")
    assert not YEAR_SPAN.search("Figure 19. Semiconductor job openings per month, {first} to {last}")


def test_the_number_scan_catches_a_hand_written_number():
    assert stray_numbers("EU inflows were negative in {eu_period} (-150).") == ["150"]
    assert stray_numbers("NeurIPS 2019 authors; {share}%", ["NeurIPS 2019"]) == []


def test_a_placeholder_nothing_defines_is_an_error_naming_item_and_field():
    with pytest.raises(InputError, match=r"field 'spec.note': item fig09: text names \{nokai\}"):
        fill("Nokia ~{nokai}", {"nokia": "20"}, "fig09", "spec.note")


def test_missing_names_ranked_entities_without_a_value():
    """tab04's latest reason said 'shares missing: none' over a table of five '—' cells."""
    rows = pd.DataFrame(
        [
            ("B", "rank", "2024Q1", 2.0),
            ("A", "rank", "2024Q1", 1.0),
            ("C", "rank", "2024Q1", 3.0),
            ("A", "share", "2024Q1", 12.4),
        ],
        columns=["entity_code", "indicator", "period", "value"],
    )
    spec = {"data": [{"source": "s", "indicator": ["rank", "share"]}], "rank_indicator": "rank", "value_indicator": "share"}
    item = SimpleNamespace(spec=RankShareTableSpec.model_validate(spec))
    assert missing_cells(rows, item, lambda code: f"<{code}>", "en") == "<B> 2024Q1; <C> 2024Q1"
    complete = pd.concat([rows, rows.assign(indicator="share").iloc[[0, 2]]])
    assert missing_cells(complete, item, lambda code: code, "en") == "none"


# ------------------------------------------------------------------ period tokens


def frame(rows: list[tuple[str, str, float]]) -> pd.DataFrame:
    out = pd.DataFrame(rows, columns=["entity_code", "period", "value"])
    out["indicator"], out["category"], out["document"], out["preferred"] = "x", "", "d", True
    return out


def resolved(data: pd.DataFrame, **selection) -> object:
    return resolve_periods(data, Selection.model_validate({"source": "s", "indicator": "x", **selection}))


def test_latest_tokens_resolve_to_the_newest_period_with_enough_coverage():
    data = frame([("A", "2021", 1), ("B", "2021", 2), ("A", "2022", 3), ("B", "2022", 4), ("A", "2023", 5)])
    entities = ["A", "B"]
    up_to = resolved(data, entities=entities, periods={"from": 2021, "to": "latest"})
    assert isinstance(up_to, PeriodRange) and (up_to.first, up_to.last) == (2021, 2023)
    strict = resolved(data, entities=entities, min_coverage=1.0, periods={"from": 2021, "to": "latest"})
    assert (strict.first, strict.last) == (2021, 2022)
    assert resolved(data, entities=entities, min_coverage=1.0, periods=["latest", "latest-1y"]) == ["2022", "2021"]
    assert resolved(data, entities=entities, periods={"latest": 2}) == ["2022", "2023"]


def test_latest_quarter_and_the_same_quarter_a_year_before():
    data = frame([("A", "2023", 9), ("A", "2023Q3", 1), ("A", "2024Q1", 2), ("A", "2023Q1", 3)])
    selection = Selection.model_validate(
        {"source": "s", "indicator": "x", "period_shape": "quarter", "periods": ["latest", "latest-1y"]}
    )
    rows = select({"s": data}, selection)
    assert sorted(rows["period"]) == ["2023Q1", "2024Q1"]


def test_published_by_keeps_only_documents_out_by_that_date():
    """The report edition draws what its authors could read: a document of a later month, or undated, is left out; a
    date of a coarser precision is compared at it (a document of "2023" is out by 2023-08)."""
    data = frame([("A", "2021", 1), ("B", "2021", 2), ("C", "2021", 3), ("D", "2021", 4), ("E", "2021", 5)])
    data["document"] = ["july", "year", "january", "undated", "august"]
    dates = {"s": {"july": "2023-07-05", "year": "2023", "january": "2024-01", "undated": None, "august": "2023-08-31"}}
    selection = Selection.model_validate({"source": "s", "indicator": "x", "published_by": "2023-08"})
    assert sorted(select({"s": data}, selection, dates)["entity_code"]) == ["A", "B", "E"]
    day = Selection.model_validate({"source": "s", "indicator": "x", "published_by": "2023-07-04"})
    assert sorted(select({"s": data}, day, dates)["entity_code"]) == ["B"]
    with pytest.raises(ValueError, match="published_by"):
        Selection.model_validate({"source": "s", "indicator": "x", "published_by": "August 2023"})


def test_forecast_years_are_not_the_latest_data():
    data = frame([("A", "2023", 1), ("A", "2027f", 2)])
    assert resolved(data, periods=["latest"]) == ["2023"]


def test_without_periods_asked_for_a_missing_cell_is_one_of_the_grid_drawn():
    """fig16's latest edition draws every year some document gives: its reason said "missing: none" under a chart
    whose Taiwan 2023 bar is n/a. The cells expected are every period drawn for every entity asked for."""
    rows = pd.DataFrame(
        [("A", "x", "2012", 1.0), ("B", "x", "2012", 2.0), ("A", "x", "2023", 3.0)],
        columns=["entity_code", "indicator", "period", "value"],
    )
    item = SimpleNamespace(
        spec=GroupedBarSpec.model_validate({"data": [{"source": "s", "indicator": "x", "entities": ["A", "B"]}]})
    )
    assert missing_cells(rows, item, lambda code: code, "en") == "B 2023"


def test_a_year_before_asked_for_as_latest_1y_and_absent_is_a_missing_cell():
    """tab07's latest edition after a new quarter without the same quarter a year before: its table showed that
    quarter's column empty while its reason said "missing: none"."""
    rows = pd.DataFrame(
        [("A", "s", "x", "2026Q1", 1.0), ("B", "s", "x", "2026Q1", 2.0)],
        columns=["entity_code", "source", "indicator", "period", "value"],
    )
    selection = {"source": "s", "indicator": "x", "entities": ["A", "B"], "periods": ["latest", "latest-1y"]}
    item = SimpleNamespace(spec=GroupedBarSpec.model_validate({"data": [selection]}))
    assert missing_cells(rows, item, lambda code: code, "en") == "A 2025Q1; B 2025Q1"


def test_a_long_list_of_periods_reads_as_its_span_and_a_list_of_missing_cells_says_how_many():
    """tab01's subtitle read '2018-04-16…2023-08-09 (25)' over 26 events (25 dates): a caption gives the span only."""
    from techgap import periods

    dates = [f"2018-0{month}-01" for month in range(1, 10)]
    assert periods.compact(dates, count=False) == "2018-01-01 – 2018-09-01"
    assert periods.compact(dates) == "2018-01-01 – 2018-09-01 (9)"  # not every period between is missing
    assert periods.compact(["2019", "2020", "2021"]) == "2019-2021" and periods.compact(["2019", "2021"]) == "2019, 2021"


def test_a_caption_names_the_years_drawn_not_years_written_by_hand():
    """fig06: the report's caption read 2010-2021 over a drawing of 2021 alone; a title's years are `{periods}`
    (or `{first}`, `{last}`), filled from the rows drawn like every other text."""
    from types import SimpleNamespace

    from techgap.kinds import RankedBarSpec
    from techgap.model import Bilingual
    from techgap.texts import edition_texts

    rows = pd.DataFrame(
        {
            "entity_code": ["CHN", "USA"],
            "period": ["2021", "2021"],
            "value": [1.0, 2.0],
            "source": ["s", "s"],
            "flag": ["", ""],
            "indicator": ["x", "x"],
        }
    )
    item = SimpleNamespace(
        id="figx",
        edition="report",
        title=Bilingual(zh="圖 6 {periods} 年 AI 論文", en="Figure 6. AI papers, {periods}"),
        spec=RankedBarSpec.model_validate({}),
        facts={},
        source_note=None,
        status_reason="",
    )
    made = edition_texts(item, rows, {}, {}, lambda code, lang: code)
    assert made["title"].en == "Figure 6. AI papers, 2021" and made["title"].zh == "圖 6 2021 年 AI 論文"

"""Every drawing is checked as a reviewer would (src/techgap/render/checks.py) when the build saves it: texts on the
canvas, none overlapping, none too small, no missing glyph, no mathtext, every value on an axis or in a label; and
one colour per entity across all items. The session's build (conftest.built_project) must show no finding; each
check is also shown to fail on a deliberately broken figure; the shapes follow the data."""

from __future__ import annotations

import json
import re

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from conftest import ROOT
from drawing import context as plain_context
from drawing import draw as draw_kind
from drawing import plotting

from techgap.config import load_project
from techgap.entities import EntityRegistry
from techgap.normalize import normalize_source
from techgap.paths import EDITIONS
from techgap.render import checks, tables
from techgap.render.items import context, draw_prepared, edition_inputs, prepare_edition
from techgap.render.layout import Drawing
from techgap.render.style import apply_style


@pytest.fixture(scope="module")
def project():
    project = load_project(ROOT)
    apply_style(project.plotting)
    return project


@pytest.fixture(scope="module")
def registry(project):
    return EntityRegistry(project.entities)


@pytest.fixture(scope="module")
def item_data(project, registry):
    """Both editions of the table items, prepared exactly as the build prepares them (texts included)."""
    from techgap.editions import item_snapshots
    from techgap.provenance import load_provenance

    items = [project.item(item_id) for item_id in ("tab02", "tab05", "tab06", "tab07")]
    pairs = sorted({pair for item in items for pair in item_snapshots(project, item)})
    frames = {(s, v): normalize_source(project, s, v) for s, v in pairs}
    provenances = {(s, v): load_provenance(project.raw_dir / s / v / "provenance.yaml") for s, v in pairs}
    out = {}
    for item in items:
        for edition in EDITIONS:
            edition_frames, edition_provenance, published, _ = edition_inputs(project, item, edition, frames, provenances)
            prepared = prepare_edition(project, item, edition, edition_frames, registry, edition_provenance, published)
            out[f"{item.id}_{edition}"] = (prepared, prepared.rows)
    return out


def test_every_drawing_of_the_build_passes_every_check(built_project):
    """The build checks each drawing of both editions in both languages as it saves it (render/items.py:
    check_drawing) and records what it finds as warnings of the item's edition: the real data's have none."""
    records = sorted((built_project / "figures").glob("*/*/*.meta.json"))
    assert len(records) >= 56
    warnings = [w for path in records for w in json.loads(path.read_text(encoding="utf-8"))["warnings"]]
    assert warnings == []


def test_the_build_records_what_a_check_finds_as_a_warning(project, registry, item_data):
    """A drawing that fails a check gives its edition a warning naming the item, the edition, the language and the
    problem (here: a text deliberately pushed off the canvas)."""
    from techgap.render.items import check_drawing

    prepared, _ = item_data["tab07_report"]
    ctx = context(project, registry, "en")
    drawing = draw_prepared(prepared, ctx)
    assert check_drawing(drawing, prepared, ctx.color) == []
    drawing.figure.text(0.95, 0.5, "a note that runs off the right edge of the figure")
    drawing.laid_out = False
    found = check_drawing(drawing, prepared, ctx.color)
    plt.close(drawing.figure)
    assert any("outside" in problem and "a note that runs off" in problem for problem in found)


# --- each check fails on a broken figure --------------------------------------------------------------------


@pytest.fixture
def blank():
    apply_style(plotting())
    fig = plt.figure(figsize=(6, 3))
    yield Drawing(fig)
    plt.close(fig)


def test_a_text_off_the_canvas_is_found(blank):
    blank.figure.text(0.9, 0.5, "a note that runs off the right edge of the figure")
    assert checks.texts_outside_canvas(blank)


def test_overlapping_texts_are_found(blank):
    blank.figure.text(0.2, 0.5, "data label 42")
    blank.figure.text(0.22, 0.5, "legend entry")
    assert checks.overlapping_texts(blank)


def test_text_below_the_minimum_size_is_found(blank):
    blank.figure.text(0.1, 0.5, "tiny n/a", fontsize=6)
    ax = blank.figure.add_subplot()
    ax.annotate("12", (0.5, 0.5), fontsize=6.5)
    found = checks.small_texts(blank)
    assert len(found) == 2 and "6 pt" in found[0] and "6.5 pt" in found[1]


def test_a_figure_too_wide_for_a_page_is_found(blank):
    blank.figure.set_size_inches(12, 3)
    assert checks.too_wide(blank, dpi=150)


def test_a_character_no_font_has_is_found(blank):
    blank.figure.text(0.1, 0.5, "share \ue000 of world")  # a private-use code point: drawn as a box
    with pytest.warns(UserWarning, match="missing from font"):  # matplotlib agrees
        found = checks.missing_glyphs(blank)
    assert len(found) == 1 and "U+E000" in found[0]


def test_a_text_parsed_as_mathtext_is_found(blank):
    blank.figure.text(0.1, 0.5, "US$1.4 bn and US$2 bn", parse_math=True)
    assert checks.mathtext_texts(blank)


def test_a_value_outside_the_axis_is_found(blank):
    ax = blank.figure.add_subplot()
    ax.bar([0, 1], [120, -150])
    ax.set_ylim(0, 150)  # the y axis starting at 0 hides the negative value
    ax.annotate("-150", (1, -150))  # a label at the hidden bar is clipped with it, and does not count
    blank.values_on(ax, "y")
    found = checks.values_not_shown(blank, [120, -150])
    assert len(found) == 1 and "-150" in found[0]


def test_a_value_in_a_table_cell_counts_as_shown(blank):
    blank.figure.text(0.1, 0.5, "United States  2018-2022  -2")
    assert checks.values_not_shown(blank, [-2.0]) == []
    assert checks.values_not_shown(blank, [-3.0])


def test_an_entity_not_in_its_own_colour_is_found():
    """Lines as drawn pass; China's line recoloured in Taiwan's colour is found, naming both colours."""
    records = [("CHN", "2020", 1.0), ("CHN", "2021", 2.0), ("USA", "2020", 2.0), ("USA", "2021", 2.5)]
    rows = _rows([{"entity_code": c, "period": p, "value": v} for c, p, v in records])
    drawing = draw_kind("line", rows, {"entities": ["CHN", "USA"], "format": "{:g}"})
    own = plain_context().color
    assert checks.colours_not_their_own(drawing, own) == []
    china = [artist for code, artist in drawing.entities if code == "CHN"]
    assert china
    for artist in china:
        artist.set_color(own("TWN"))
    found = checks.colours_not_their_own(drawing, own)
    plt.close(drawing.figure)
    assert len(found) == 1 and found[0].startswith("CHN is drawn in") and own("TWN").lower() in found[0]
    assert own("CHN").lower() in found[0]


# --- the shapes follow the data -----------------------------------------------------------------------------


def _rows(records, **defaults):
    frame = pd.DataFrame(records)
    columns = {"indicator": "x", "flag": "", "category": "", "label": "", "label_en": "", "unit": "count", "source": "test"}
    for column, value in {**columns, **defaults}.items():
        if column not in frame:
            frame[column] = value
    return frame


NAMES = {"EU27": "EU-27"}
LEVEL_AND_GROWTH = {
    "bar_indicator": "level",
    "line_indicator": "growth",
    "bar_label": {"zh": "水準", "en": "Level"},
    "line_label": {"zh": "成長率 (%)", "en": "Growth (%)"},
}


def test_a_yearly_grid_with_many_holes_is_drawn_as_lines_with_gaps(project):
    rows = _rows(
        [
            {"entity_code": c, "period": p, "value": v}
            for c, p, v in [("CHN", "2013", 5), ("CHN", "2016", 9), ("USA", "2013", 70), ("USA", "2014", 80), ("USA", "2017", 90)]
        ]
    )
    drawing = draw_kind("grouped_bar", rows, {"x": "period", "entities": ["USA", "CHN"]})
    ax = drawing.figure.axes[0]
    assert not ax.patches  # no bars
    usa = next(artist for code, artist in drawing.entities if code == "USA" and artist.get_linestyle() == "-")
    assert list(usa.get_xdata()) == [2013, 2014, 2015, 2016, 2017] and np.isnan(usa.get_ydata()[2])
    plt.close(drawing.figure)


def test_a_negative_value_is_inside_the_axis(project):
    rows = _rows(
        [
            {"entity_code": c, "period": p, "value": v}
            for c, p, v in [("USA", "2021", 367), ("USA", "2022", 285), ("EU27", "2021", 100), ("EU27", "2022", -150)]
        ]
    )
    drawing = draw_kind("grouped_bar", rows, {"x": "period", "entities": ["USA", "EU27"]}, names=NAMES)
    assert drawing.figure.axes[0].patches and drawing.figure.axes[0].get_ylim()[0] < -150
    assert checks.values_not_shown(drawing, rows["value"]) == []
    plt.close(drawing.figure)


def test_one_value_is_a_table_not_a_chart(project):
    rows = _rows([{"entity_code": "USA", "period": "2018-2022", "value": -2.0}], unit="percentage points")
    drawing = draw_kind("indicator_bars", rows, {"label_field": "entity", "ylabel": {"zh": "百分點", "en": "pp"}})
    assert not drawing.value_axes  # a table: no value axis
    assert any(t.get_text() == "−2" for t in drawing.figure.texts) and checks.overlapping_texts(drawing) == []
    plt.close(drawing.figure)


def test_bar_panels_in_one_unit_share_a_scale(project):
    """Equal values draw equal bars in every panel (fig08: the US's 56% and 60% came out one length)."""
    records = [("a", "USA", 56), ("a", "CHN", 20), ("b", "USA", 60), ("b", "CHN", 10), ("b", "TWN", 90)]
    rows = _rows([{"indicator": i, "entity_code": c, "period": "2019", "value": v} for i, c, v in records], unit="%")
    panels = [{"indicator": i, "title": {"zh": i, "en": i}} for i in ("a", "b")]
    drawing = draw_kind("bar_panels", rows, {"panels": panels})
    first, second = (ax for ax in drawing.figure.axes if ax.patches)
    assert first.get_xlim() == second.get_xlim() and first.get_xlim()[1] > 90
    plt.close(drawing.figure)


def test_entities_seen_in_one_period_each_get_a_panel_per_period(project):
    rows = _rows(
        [
            {"entity_code": c, "period": p, "value": v}
            for c, p, v in [("CHN", "2022", 19373), ("USA", "2022", 17610), ("TWN", "2019", 500), ("EU27", "2019", 900)]
        ]
    )
    fig = draw_kind("grouped_bar", rows, {"x": "entity"}, names=NAMES).figure
    assert [ax.get_title(loc="left") for ax in fig.axes] == ["2019 only", "2022 only"]
    assert fig.axes[0].get_xlim() == fig.axes[1].get_xlim()  # one value scale
    plt.close(fig)


def test_many_years_per_entity_become_lines_and_few_stay_bars(project):
    yearly = _rows(
        [
            {"entity_code": c, "period": str(y), "value": float(y - 2000 + i)}
            for i, c in enumerate(["CHN", "USA"])
            for y in range(2015, 2024)
        ]
    )
    fig = draw_kind("grouped_bar", yearly, {"x": "entity"}).figure
    assert not fig.axes[0].patches and len([line for line in fig.axes[0].lines if line.get_linestyle() == "-"]) == 2
    plt.close(fig)
    two = yearly[yearly["period"].isin(["2019", "2022"])]
    fig = draw_kind("grouped_bar", two, {"x": "entity"}).figure
    assert len(fig.axes[0].patches) == 4
    plt.close(fig)


def test_level_and_growth_are_two_aligned_panels_without_a_second_axis(project):
    rows = _rows(
        [
            {"entity_code": "CHN", "period": str(y), "value": v, "indicator": i}
            for y, v, i in [
                (2020, 100, "level"),
                (2021, 110, "level"),
                (2022, 121, "level"),
                (2021, 10, "growth"),
                (2022, 10, "growth"),
            ]
        ]
    )
    fig = draw_kind("bar_line", rows, LEVEL_AND_GROWTH).figure
    top, bottom = fig.axes
    assert top.get_shared_x_axes().joined(top, bottom) and len(fig.axes) == 2
    low, high = bottom.get_ylim()
    assert low > 0 and high < 20  # the growth axis spans the growth values, not an invented range
    plt.close(fig)


def test_a_dollar_sign_in_a_note_is_drawn_as_written(project):
    rows = _rows([{"entity_code": c, "period": "2022", "value": v} for c, v in [("CHN", 2.0), ("USA", 1.4)]])
    drawing = draw_kind("ranked_bar", rows, {"note": {"zh": "註：US$1.4 bn", "en": "Note: US$1.4 bn and $2 bn"}})
    assert any("Note: US$1.4 bn and $2 bn" in t.get_text() for t in drawing.figure.texts)
    assert checks.mathtext_texts(drawing) == []
    plt.close(drawing.figure)


def test_a_company_takes_its_countrys_colour_and_a_fallback_is_never_reserved(project, registry):
    ctx = context(project, registry, "en")
    colours = project.plotting.entities
    assert ctx.color("HUAWEI") == colours["CHN"]
    assert ctx.color("PFIZER") == colours["USA"]
    assert not set(project.plotting.neutrals) & set(colours.values())
    assert ctx.color("SOME_NEW_COMPANY") in project.plotting.neutrals
    assert len({colours[c] for c in ("DEU", "CHE", "FRA", "CAN", "CHN", "TWN", "USA", "JPN", "KOR", "EU27")}) == 10


def test_tables_right_align_numbers_and_name_the_total_in_chinese(item_data, registry):
    prepared, rows = item_data["tab05_report"]
    item = prepared.drawn
    ctx = plain_context("zh")
    display = tables.build_matrix(item.spec, rows, ctx)
    assert display.iloc[-1, 0] == "總計" and display.attrs["total_rows"] == [len(display) - 1]
    markdown = tables.to_markdown(item, display, ctx)
    assert "|---|---:|---:|---:|---:|---:|" in markdown
    assert tables.is_numeric_column(pd.Series(["48 (6)", "9", "—"])) and not tables.is_numeric_column(pd.Series(["機體"]))


def test_windows_tables_have_a_spanning_header(item_data, registry):
    prepared, rows = item_data["tab02_report"]
    item = prepared.drawn
    display = tables.build_windows(item.spec, rows, plain_context("en"))
    assert [c[0] for c in display.columns][::4] == ["1999-2001", "2009-2011", "2019-2021"]
    assert tables.flat_columns(display)[0] == "1999-2001 Rank"


def test_a_domain_is_shown_once_per_group_and_numbers_are_right_aligned(item_data, registry):
    prepared, rows = item_data["tab06_report"]
    item = prepared.drawn
    ctx = plain_context("zh")
    display = tables.build_tech(item.spec, rows, ctx)
    fig = tables.draw_table(item, display, ctx).figure
    drawn = [t.get_text() for t in fig.texts]
    for domain in display.iloc[:, 0].unique():
        assert drawn.count(domain) == 1
    plt.close(fig)
    prepared, rows = item_data["tab07_report"]
    item = prepared.drawn
    fig = tables.draw_table(item, tables.build_yoy(item.spec, rows, ctx), ctx).figure
    cell = next(t for t in fig.texts if t.get_text() == "11.06")
    assert cell.get_horizontalalignment() == "right"
    assert any(t.get_text().startswith("單位：十億美元；%") for t in fig.texts)  # the unit line under the caption
    plt.close(fig)


def test_the_subtitle_is_drawn_under_the_title(project):
    rows = _rows([{"entity_code": c, "period": "2022", "value": v} for c, v in [("CHN", 2.0), ("USA", 1.4)]])
    spec = {"subtitle": {"zh": "占比 (%)，2022 年", "en": "Share (%), 2022"}, "ylabel": {"zh": "不用", "en": "unused"}}
    fig = draw_kind("ranked_bar", rows, spec).figure
    title = next(t for t in fig.texts if t.get_text() == "Test figure")
    subtitle = next(t for t in fig.texts if t.get_text() == "Share (%), 2022")
    renderer = fig.canvas.get_renderer()
    assert subtitle.get_window_extent(renderer).y1 <= title.get_window_extent(renderer).y0
    assert not any(t.get_text() == "unused" for t in fig.texts)
    plt.close(fig)


def test_a_row_marked_missing_is_not_drawn_and_is_named_in_the_notes(project):
    rows = _rows(
        [
            {"entity_code": c, "period": "2022", "value": v, "flag": f, "source": "s"}
            for c, v, f in [("CHN", 2.0, ""), ("USA", np.nan, "missing"), ("TWN", 1.0, "")]
        ]
    )
    fig = draw_kind("ranked_bar", rows, {}).figure
    assert len(fig.axes[0].patches) == 2
    assert any("No value in the data drawn: United States 2022." in t.get_text() for t in fig.texts)
    plt.close(fig)


def test_a_long_level_series_keeps_its_labels_apart(project):
    rows = _rows(
        [{"entity_code": "CHN", "period": str(y), "value": 30000.0 + 10 * y, "indicator": "level"} for y in range(2000, 2024)]
    )
    drawing = draw_kind("bar_line", rows, LEVEL_AND_GROWTH)
    assert checks.overlapping_texts(drawing) == [] and checks.values_not_shown(drawing, rows["value"]) == []
    plt.close(drawing.figure)


# --- issue 27: what a reviewer read wrong in single figures -------------------------------------------------


def _left_titles(fig):
    return [ax.get_title(loc="left") for ax in fig.axes]


def test_panels_of_two_measures_in_one_unit_get_scales_of_their_own(project):
    """fig03: natural-science Share and Share over natural- and health-science journals are both 'Share' but not
    one measure: their panels must not share an axis. Panels of one measure keep one scale."""
    records = [("a", "2019", "JPN", 3000), ("a", "2022", "CHN", 19000), ("a", "2022", "USA", 17000)]
    records += [("b", "2024", "CHN", 32000), ("b", "2024", "USA", 22000)]
    rows = _rows([{"indicator": i, "period": p, "entity_code": c, "value": v} for i, p, c, v in records], unit="Share")
    spec = {"x": "entity", "measure_labels": {"a": {"zh": "甲", "en": "natural"}, "b": {"zh": "乙", "en": "natural+health"}}}
    fig = draw_kind("grouped_bar", rows, spec).figure
    first, second, third = fig.axes
    assert first.get_xlim() == second.get_xlim()  # one measure: one scale
    assert third.get_xlim() != first.get_xlim() and third.get_xlim()[1] > 32000 > first.get_xlim()[1]
    plt.close(fig)


def test_a_legend_key_shows_the_entitys_colour_plainly_when_its_first_bar_is_preliminary(project):
    """fig21 report: the US and China keys were hatched (their first bars are preliminary) beside solid 2022 bars; a
    key is the entity's plain colour, and the hatch has its own key."""
    records = [("2019", "USA", 251, "preliminary"), ("2022", "USA", 285, ""), ("2019", "CHN", 140, "preliminary")]
    rows = _rows([{"period": p, "entity_code": c, "value": v, "flag": f} for p, c, v, f in records])
    fig = draw_kind("grouped_bar", rows, {"x": "period", "entities": ["USA", "CHN"]}).figure
    legend = next(ax.get_legend() for ax in fig.axes if ax.get_legend() is not None)
    keys = dict(zip([t.get_text() for t in legend.get_texts()], legend.legend_handles, strict=True))
    assert [keys[name].get_hatch() for name in ("United States", "China")] == [None, None]
    assert sum(1 for handle in keys.values() if handle.get_hatch()) == 1  # the key that says what hatching means
    plt.close(fig)


def test_each_measure_is_written_its_own_way(project):
    """fig07 latest: shares with one decimal ('8.0', not '8' beside '54.2') and model counts as whole numbers."""
    records = [("share", "2022", "USA", 54.2), ("share", "2022", "CHN", 8.0), ("count", "2023", "USA", 61.0)]
    rows = _rows([{"indicator": i, "period": p, "entity_code": c, "value": v} for i, p, c, v in records])
    labels = {"share": {"zh": "甲", "en": "share"}, "count": {"zh": "乙", "en": "count"}}
    spec = {"measure_labels": labels, "format": "{:.1f}", "measure_formats": {"count": "{:,.0f}"}}
    fig = draw_kind("ranked_bar", rows, spec).figure
    shown = {t.get_text() for ax in fig.axes for t in ax.texts}
    assert {"54.2", "8.0", "61"} <= shown and "61.0" not in shown
    plt.close(fig)


def test_a_panel_from_an_excerpt_says_what_the_excerpt_holds(project):
    """fig03: six countries ranked 5-10 must not read as a ranking of the leaders: the panel drawn from that
    document alone carries the document's note in its title; a panel from another document does not."""
    records = [("2019", "JPN", 3000, "excerpt"), ("2019", "KOR", 1400, "excerpt"), ("2022", "CHN", 19000, "news")]
    rows = _rows([{"period": p, "entity_code": c, "value": v, "document": d} for p, c, v, d in records])
    spec = {"x": "entity", "document_notes": {"excerpt": {"zh": "僅第 5–10 名", "en": "ranks 5–10 only"}}}
    fig = draw_kind("grouped_bar", rows, spec).figure
    assert _left_titles(fig) == ["2019 only · ranks 5–10 only", "2022 only"]
    plt.close(fig)


def test_a_panel_with_one_value_is_a_bar_on_the_shared_axis(project):
    """fig20: a panel with a single value drew it as floating text without an axis; it is a bar, on the scale the
    other panels of the same unit use, and the panel check passes."""
    records = [("all", "TWN", "2023", 46), ("all", "CHN", "2023", 26), ("mature", "CHN", "2027f", 39)]
    rows = _rows([{"category": k, "entity_code": c, "period": p, "value": v} for k, c, p, v in records], unit="percent")
    panels = [{"indicator": k, "title": {"zh": k, "en": k}} for k in ("all", "mature")]
    drawing = draw_kind("panels", rows, {"panels": panels, "panel_field": "category", "entities": ["TWN", "CHN"]})
    all_ax, mature_ax = drawing.figure.axes
    assert len(mature_ax.patches) == 1 and mature_ax.axison
    assert mature_ax.get_xlim() == all_ax.get_xlim()
    assert checks.panels_without_data(drawing) == [] and checks.values_not_shown(drawing, rows["value"]) == []
    plt.close(drawing.figure)


def test_a_panel_with_no_value_is_left_out_and_named(project):
    rows = _rows([{"category": "all", "entity_code": c, "period": "2023", "value": v} for c, v in [("TWN", 46), ("CHN", 26)]])
    panels = [{"indicator": k, "title": {"zh": k, "en": k}} for k in ("all", "mature")]
    drawing = draw_kind("panels", rows, {"panels": panels, "panel_field": "category"})
    assert len(drawing.figure.axes) == 1
    assert any("No value in the data drawn" in t.get_text() and "mature" in t.get_text() for t in drawing.figure.texts)
    plt.close(drawing.figure)


def test_a_panel_without_data_is_found(blank):
    """The check: a chart's panel that holds only text (or nothing) is reported; a blank cell left over in a grid
    of panels (gap01's odd number of pairs) is not a panel."""
    data_ax, text_ax, spare_ax = blank.figure.subplots(1, 3)
    spare_ax.axis("off")
    data_ax.barh([0], [5])
    blank.values_on(data_ax, "x")
    text_ax.axis("off")
    text_ax.text(0.1, 0.5, "China 2027: 39")
    text_ax.set_title("Mature", loc="left")
    found = checks.panels_without_data(blank)
    assert len(found) == 1 and "Mature" in found[0]


def test_a_caption_year_that_no_drawn_period_covers_is_found():
    """fig06: a caption reading 2010-2021 over a drawing of 2021 alone."""
    found = checks.caption_years_not_drawn(["Figure 6. Share of AI papers, 2010-2021"], ["2021"])
    assert len(found) == 1 and "2010" in found[0] and "2021" not in found[0].split("names")[1]
    assert checks.caption_years_not_drawn(["Table 7. Billings, 2023Q3 vs 2022Q3"], ["2022Q3", "2023Q3"]) == []
    assert checks.caption_years_not_drawn(["圖 20 2023 and 2027 forecast"], ["2023", "2027f"]) == []
    assert checks.caption_years_not_drawn(["Top papers 2019-2021"], ["2019-2021"]) == []


def test_a_stated_range_is_one_bar_from_its_low_to_its_high_end(project):
    """fig15: 'lags 10-20 years' was two bars (10 and 20) beside the report's ~20; it is one bar from 10 to 20."""
    records = [("point", 20, "approx"), ("low", 10, ""), ("high", 20, "")]
    rows = _rows([{"entity_code": "CHN", "period": "2023", "indicator": i, "value": v, "flag": f} for i, v, f in records])
    spec = {
        "labels": {"point": {"zh": "約", "en": "about"}},
        "ranges": [{"low": "low", "high": "high", "label": {"zh": "區間", "en": "range"}}],
    }
    drawing = draw_kind("indicator_bars", rows, spec)
    ax = drawing.figure.axes[0]
    spans = sorted((round(p.get_x(), 6), round(p.get_x() + p.get_width(), 6)) for p in ax.patches)
    assert spans == [(0.0, 20.0), (10.0, 20.0)]
    assert sorted(t.get_text() for t in ax.get_yticklabels()) == ["about", "range"]
    assert any(t.get_text() == "10–20" for t in ax.texts)
    assert checks.values_not_shown(drawing, rows["value"]) == [] and checks.overlapping_texts(drawing) == []
    plt.close(drawing.figure)


def test_an_empty_slot_among_grouped_bars_is_marked_missing(project):
    """fig16: Taiwan's empty 2023 slot read as nothing at all; it is marked."""
    records = [("TWN", "2022", 2.8), ("CHN", "2022", 16.5), ("CHN", "2023", 13.9)]
    rows = _rows([{"entity_code": c, "period": p, "value": v} for c, p, v in records])
    drawing = draw_kind("grouped_bar", rows, {"x": "period", "entities": ["TWN", "CHN"]})
    marks = [t for t in drawing.figure.axes[0].texts if t.get_text() == "n/a"]
    assert len(marks) == 1 and checks.overlapping_texts(drawing) == []
    plt.close(drawing.figure)


def test_a_line_end_hidden_under_another_marker_names_its_entity(project):
    """fig05: Taiwan's last point (12 in 2021) lay under Japan's; its end label names it."""
    records = [("TWN", "2020", 22), ("TWN", "2021", 12), ("JPN", "2020", 12), ("JPN", "2021", 12), ("JPN", "2023", 10)]
    rows = _rows([{"entity_code": c, "period": p, "value": v} for c, p, v in records])
    drawing = draw_kind("line", rows, {"entities": ["JPN", "TWN"], "format": "{:g}"})
    assert sorted(label.get_text() for label in drawing.end_labels) == ["10", "Taiwan 12"]
    plt.close(drawing.figure)


def test_companies_of_different_countries_name_them_on_the_axis_not_in_a_legend(project):
    """fig09: a colour key of three countries for three companies repeated the axis."""
    rows = _rows([{"entity_code": c, "period": "2022", "value": v} for c, v in [("NOKIA", 20), ("HUAWEI", 18)]])
    countries = {"NOKIA": "FIN", "HUAWEI": "CHN"}
    names = {"NOKIA": "Nokia", "HUAWEI": "Huawei", "FIN": "Finland"}
    drawing = draw_kind("ranked_bar", rows, {}, names=names, country=countries.get)
    ax = drawing.figure.axes[0]
    assert ax.get_legend() is None
    assert {t.get_text() for t in ax.get_yticklabels()} | {t.get_text() for t in ax.get_xticklabels()} >= {
        "Nokia (Finland)",
        "Huawei (China)",
    }
    plt.close(drawing.figure)


def test_a_period_key_looks_like_its_bars(project):
    """fig20 latest: the one period drawn was a forecast, its bars hatched, its key solid grey."""
    rows = _rows(
        [
            {"category": "all", "entity_code": c, "period": "2030f", "value": v, "flag": "forecast"}
            for c, v in [("TWN", 40), ("CHN", 30)]
        ]
    )
    drawing = draw_kind(
        "panels", rows, {"panels": [{"indicator": "all", "title": {"zh": "全", "en": "all"}}], "panel_field": "category"}
    )
    ax = drawing.figure.axes[0]
    keys = ax.get_legend().get_patches()
    assert [key.get_hatch() for key in keys] == [bar.get_hatch() for bar in ax.patches[:1]] and keys[0].get_hatch()
    plt.close(drawing.figure)


def test_negative_values_carry_a_minus_sign_not_a_hyphen(project):
    """A reviewer's minor: '-4.2' printed with a hyphen; the axes' ticks and the value labels use U+2212."""
    rows = _rows([{"entity_code": c, "period": "2023", "value": v} for c, v in [("CHN", 42.2), ("JPN", -28.6), ("KOR", -19.5)]])
    drawing = draw_kind("ranked_bar", rows, {"format": "{:.1f}"})
    texts = [t.get_text() for ax in drawing.figure.axes for t in ax.texts]
    ticks = [t.get_text() for ax in drawing.figure.axes for t in ax.get_xticklabels() + ax.get_yticklabels()]
    assert "−28.6" in texts and not [t for t in texts + ticks if re.search(r"(?<![\w.])-\d", t)]
    plt.close(drawing.figure)

"""Gap trajectories (techgap.gaps, techgap.render.gap_render) on synthetic series with known answers, and
on a copy of the project's real data."""

from __future__ import annotations

import math
import re
import types
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import add_vintage, snapshot_dir
from drawing import context as plain_context
from drawing import plotting

from techgap import gaps, periods
from techgap.config import load_project
from techgap.editions import edition_item
from techgap.errors import InputError
from techgap.kinds import AnalysisSpec, GapMultiplesSpec, GapTableSpec
from techgap.model import Bilingual
from techgap.normalize import normalize_source
from techgap.render.style import apply_style

NAMES = {"CHN": "China", "USA": "United States", "TWN": "Taiwan"}


def frame(source: str, indicator: str, series: dict[str, dict[str, float]], unit: str = "units") -> pd.DataFrame:
    """A processed long frame holding ``series`` ({entity code: {period: value}}), one document, all preferred."""
    records = []
    for code, values in series.items():
        for period, value in values.items():
            records.append(
                {
                    "entity": NAMES.get(code, code),
                    "entity_code": code,
                    "category": "",
                    "indicator": indicator,
                    "period": period,
                    "value": float(value),
                    "unit": unit,
                    "flag": "",
                    "source": source,
                    "document": f"{source}_doc",
                    "preferred": True,
                    "vintage": "2000-01-01",
                }
            )
    out = pd.DataFrame.from_records(records)
    out["line"] = np.arange(2, len(out) + 2)
    return out


def spec(*pairs: dict, breaks: list[dict] | None = None, **settings) -> AnalysisSpec:
    return AnalysisSpec.model_validate({"settings": settings, "pairs": list(pairs), "breaks": breaks or []})


def pair(pair_id: str = "p", source: str = "s", indicator: str = "x", comparator: str = "USA", **extra) -> dict:
    return {
        "id": pair_id,
        "label": {"zh": "指標", "en": "Indicator"},
        "measure": {"zh": "倍數", "en": "multiple"},
        "basis": {"zh": "基礎", "en": "basis"},
        "comparator": comparator,
        "series": [{"source": source, "indicator": indicator}],
        **extra,
    }


def years(first: int, values: list[float]) -> dict[str, float]:
    return {str(first + i): v for i, v in enumerate(values)}


def summary_of(frames: dict, the_spec: dict) -> pd.Series:
    rows = gaps.gap_rows(frames, the_spec)
    return gaps.summarize(rows, the_spec).iloc[0]


def converging(crossover: float, growth: float, first: int, n: int, noise: list[float] | None = None) -> dict:
    """China / US = growth ** (t - crossover): parity exactly at ``crossover``; US constant at 100."""
    noise = noise or [1.0] * n
    china = {str(first + i): 100 * growth ** (first + i - crossover) * noise[i] for i in range(n)}
    return {"s": frame("s", "x", {"CHN": china, "USA": {p: 100 for p in china}})}


# --- periods -------------------------------------------------------------------------------------------------


def test_period_positions_years_quarters_windows_and_forecasts():
    assert periods.time("2021") == 2021.0
    assert periods.time("2023Q3") == 2023.625
    assert periods.time("2019-2021") == 2020.0
    assert periods.time("2020-02") == pytest.approx(2020 + 1.5 / 12)
    assert periods.time("2027f") is None
    assert gaps.period_kind("2027f") is None
    assert periods.time_label(2030.2, "year") == "2031"
    assert periods.time_label(2030.0, "year") == "2030"
    assert periods.time_label(2023.63, "quarter") == "2023Q4"
    assert periods.time_label(2023.625, "quarter") == "2023Q3"


# --- synthetic series with known answers ---------------------------------------------------------------------


def test_overtaking_in_a_given_year():
    frames = {"s": frame("s", "x", {"CHN": years(2015, [10, 20, 30, 40, 50]), "USA": years(2015, [35] * 5)})}
    summary = summary_of(frames, spec(pair()))
    assert (summary["first_ahead"], summary["behind_before"]) == ("2018", "2017")
    assert (summary["ahead_since"], summary["periods_since"]) == (2, 2)
    assert summary["outcome"] == "overtook"
    assert summary["latest_ratio"] == pytest.approx(50 / 35)


def test_always_ahead_is_not_an_overtake():
    frames = {"s": frame("s", "x", {"CHN": years(2015, [50, 60, 70]), "USA": years(2015, [35] * 3)})}
    summary = summary_of(frames, spec(pair()))
    assert pd.isna(summary["first_ahead"])
    assert summary["outcome"] == "ahead"


def test_converging_pair_has_its_known_crossover_and_the_interval_contains_it():
    frames = converging(crossover=2030.0, growth=1.1, first=2015, n=8)
    summary = summary_of(frames, spec(pair()))
    assert summary["outcome"] == "converging"
    assert summary["trend_pct_per_year"] == pytest.approx(10.0)
    assert summary["crossover"] == pytest.approx(2030.0)
    assert summary["crossover_low"] <= 2030.0 + 1e-9 and summary["crossover_high"] >= 2030.0 - 1e-9
    assert periods.time_label(summary["crossover"], "year") == "2030"


def test_noisy_converging_pair_interval_contains_the_true_crossover_and_widens_with_the_noise():
    noise = [1.03, 0.97, 1.02, 0.99, 1.04, 0.96, 1.01, 0.98, 1.03, 0.97]
    quiet = summary_of(converging(crossover=2030.0, growth=1.08, first=2014, n=10, noise=noise), spec(pair()))
    louder = [1 + 2 * (v - 1) for v in noise]
    loud = summary_of(converging(crossover=2030.0, growth=1.08, first=2014, n=10, noise=louder), spec(pair()))
    assert quiet["outcome"] == loud["outcome"] == "converging"
    assert quiet["crossover_low"] < 2030.0 < quiet["crossover_high"]
    assert loud["crossover_high"] - loud["crossover_low"] > quiet["crossover_high"] - quiet["crossover_low"] > 0.1
    wider = summary_of(converging(crossover=2030.0, growth=1.08, first=2014, n=10, noise=noise), spec(pair(), level=0.95))
    assert wider["crossover_low"] < quiet["crossover_low"] and wider["crossover_high"] > quiet["crossover_high"]


def test_the_parity_interval_is_where_the_trend_lines_band_holds_parity():
    """Fieller's interval (solved in closed form) and statsmodels' band of the line (a separate computation) agree:
    at each end of the interval one edge of the band is at parity, inside it the band holds parity."""
    noise = [1.05, 0.94, 1.03, 0.99, 1.06, 0.95, 1.02, 0.97, 1.04, 0.96]
    frames = converging(crossover=2030.0, growth=1.08, first=2014, n=10, noise=noise)
    the_spec = spec(pair())
    rows = gaps.gap_rows(frames, the_spec)
    summary = gaps.summarize(rows, the_spec).iloc[0]
    ends = np.array([summary["crossover_low"], summary["crossover_high"], summary["crossover"]])
    low, high = gaps.trend_band(rows["time"].to_numpy(), rows["ratio"].to_numpy(), the_spec.settings, ends)
    assert high[0] == pytest.approx(1, abs=1e-6)  # early end: the band's top just reaches parity
    assert low[1] == pytest.approx(1, abs=1e-6)  # late end: its bottom just reaches it
    assert low[2] < 1 < high[2]


def test_a_slope_not_clear_of_zero_leaves_the_parity_year_unbounded():
    wobble = [0.8, 1.3, 1.3, 0.75, 0.8, 1.35, 1.3, 0.9]
    frames = converging(crossover=2040.0, growth=1.02, first=2015, n=8, noise=wobble)
    the_spec = spec(pair(), horizon_years=40)
    summary = summary_of(frames, the_spec)
    assert summary["outcome"] == "converging" and summary["trend_slope"] > 0
    assert math.isinf(summary["crossover_low"]) and math.isinf(summary["crossover_high"])
    from techgap.render import gap_render

    table = gap_render.build_gap_table(fake_item(the_spec).spec, gaps.analyse(frames, the_spec), context())
    assert "too uncertain to bound the year" in table.iloc[0]["Overtook in / trend line at parity (80% interval)"]


def test_diverging_pair_is_not_within_the_horizon():
    frames = {"s": frame("s", "x", {"CHN": years(2012, [50, 48, 46, 45, 44, 42]), "USA": years(2012, [100] * 6)})}
    summary = summary_of(frames, spec(pair()))
    assert summary["outcome"] == "not_within"
    assert summary["trend_slope"] < 0
    assert "not rising" in summary["reason"]
    assert pd.isna(summary["crossover"])


def test_slow_convergence_beyond_the_horizon_reads_not_within():
    frames = converging(crossover=2060.0, growth=1.02, first=2015, n=8)  # last 2022, parity 38 years later
    summary = summary_of(frames, spec(pair()))
    assert summary["outcome"] == "not_within"
    assert summary["reason"] == "not within 15 years at the current trend"
    assert summary_of(frames, spec(pair(), horizon_years=40))["outcome"] == "converging"


def test_a_break_splits_the_series_and_only_the_newest_segment_makes_the_trend():
    before = {str(y): 100 * 1.3 ** (y - 2030) for y in range(2010, 2018)}  # steep before the break
    after = {str(y): 100 * 1.05 ** (y - 2030) * 0.5 for y in range(2018, 2024)}  # gentle after it, 6 points
    frames = {"s": frame("s", "x", {"CHN": before | after, "USA": {p: 100 for p in before | after}})}
    the_break = [{"source": "s", "indicator": "x", "period": "2018", "why": {"zh": "改", "en": "new method"}}]
    rows = gaps.gap_rows(frames, spec(pair(), breaks=the_break))
    assert list(rows.loc[rows["segment"] == 1, "period"]) == [str(y) for y in range(2018, 2024)]
    summary = gaps.summarize(rows, spec(pair(), breaks=the_break)).iloc[0]
    assert summary["trend_from"] == "2018"
    assert summary["trend_pct_per_year"] == pytest.approx(5.0)
    unbroken = summary_of(frames, spec(pair()))
    assert unbroken["trend_pct_per_year"] > 10  # without the break the steep segment dominates


def test_too_few_points_after_a_break_give_no_trend():
    values = years(2012, [10, 20, 30, 40, 50, 60, 70, 80])
    frames = {"s": frame("s", "x", {"CHN": values, "USA": {p: 100 for p in values}})}
    the_break = [{"source": "s", "indicator": "x", "period": "2017", "why": {"zh": "改", "en": "new list"}}]
    summary = summary_of(frames, spec(pair(), breaks=the_break))
    assert summary["outcome"] == "behind_no_trend"
    assert summary["reason"] == "3 periods after the break (a trend needs 5)"
    assert pd.isna(summary["trend_slope"])


def test_fewer_than_five_points_are_never_extrapolated():
    frames = {"s": frame("s", "x", {"CHN": years(2015, [10, 20, 30, 40]), "USA": years(2015, [100] * 4)})}
    summary = summary_of(frames, spec(pair()))
    assert summary["outcome"] == "behind_no_trend"
    assert pd.isna(summary["crossover"]) and pd.isna(summary["trend_slope"])
    assert summary["reason"] == "4 periods (a trend needs 5)"


def test_a_single_common_period_is_left_out_with_the_reason():
    frames = {"s": frame("s", "x", {"CHN": {"2022": 5, "2023": 6, "2027f": 9}, "USA": {"2022": 4, "2027f": 3}})}
    summary = summary_of(frames, spec(pair()))
    assert summary["outcome"] == "left_out"
    assert summary["reason"] == "1 period with both values (2022)"
    # no trend from one period, but its ratio is shown (gap02 printed "—" over a ratio the data hold)
    assert summary["latest_ratio"] == 5 / 4 and summary["last_period"] == "2022"


def test_window_limits_the_trend_to_the_last_periods():
    values = years(2000, [10 * 1.2**i for i in range(12)])
    frames = {"s": frame("s", "x", {"CHN": values, "USA": {p: 1000 for p in values}})}
    summary = summary_of(frames, spec(pair(), window=6))
    assert (summary["trend_points"], summary["trend_from"], summary["trend_to"]) == (6, "2006", "2011")


def test_periods_after_the_last_period_are_not_read_and_the_window_ends_before_them():
    """The report edition's pinned vintages may hold periods after the report (ISSCC's 2024 and 2026 papers): with
    `last_period`, they are not in the rows at all, so the trend window ends at the last period kept."""
    values = years(2010, [10 * 1.2**i for i in range(12)])  # 2010-2021
    frames = {"s": frame("s", "x", {"CHN": values, "USA": {p: 1000 for p in values}})}
    capped = AnalysisSpec.model_validate({"settings": {"window": 6}, "pairs": [pair()], "last_period": "2018"})
    rows = gaps.gap_rows(frames, capped)
    assert list(rows["period"]) == [str(y) for y in range(2010, 2019)]
    summary = gaps.summarize(rows, capped).iloc[0]
    assert (summary["trend_points"], summary["trend_from"], summary["trend_to"]) == (6, "2013", "2018")
    assert list(gaps.gap_rows(frames, spec(pair()))["period"])[-1] == "2021"  # without it, every period


def test_a_pair_without_common_periods_is_left_out_in_an_edition_with_a_last_period():
    """gerd_ppp_usa in the report edition: the release in use has no PPP amounts, so the pair has no period to cap."""
    frames = {"s": frame("s", "x", {"CHN": {"2020": 5.0}, "USA": {"2021": 4.0}})}
    capped = AnalysisSpec.model_validate({"settings": {}, "pairs": [pair()], "last_period": "2023"})
    summary = gaps.summarize(gaps.gap_rows(frames, capped), capped).iloc[0]
    assert summary["outcome"] == "left_out" and summary["reason"] == "0 periods with both values"
    from techgap.render import gap_render

    table = gap_render.build_gap_table(fake_item(capped).spec, gaps.analyse(frames, capped), context())
    assert table.iloc[0, -1].endswith("[s]")  # the table names the source it read, though it held no common period


def test_quarters_are_fractional_years_and_mixed_kinds_are_refused():
    quarters = {f"{2020 + i // 4}Q{i % 4 + 1}": 50 + 10 * i for i in range(8)}
    frames = {"s": frame("s", "x", {"CHN": quarters | {"2021": 999}, "USA": {p: 100 for p in quarters} | {"2021": 5}})}
    with pytest.raises(InputError, match="mixes period kinds"):
        gaps.gap_rows(frames, spec(pair()))
    summary = summary_of(frames, spec(pair(period_kind="quarter")))
    assert summary["first_ahead"] == "2021Q3"  # 110 > 100 (2021Q2 is level at 100); the annual 2021 row is not used
    assert summary["periods"] == 8


WHEN = "Overtook in / trend line at parity (80% interval)"


def when_cell(frames: dict, the_spec: AnalysisSpec, lang: str = "en") -> str:
    from techgap.render import gap_render

    table = gap_render.build_gap_table(fake_item(the_spec).spec, gaps.analyse(frames, the_spec), context(lang))
    return table.iloc[0, 5]


def test_a_series_that_crosses_back_and_forth_says_how_often_it_was_ahead():
    china = years(2015, [80, 110, 90, 120, 95, 105])
    frames = {"s": frame("s", "x", {"CHN": china, "USA": {p: 100 for p in china}})}
    summary = summary_of(frames, spec(pair()))
    assert (summary["first_ahead"], summary["ahead_since"], summary["periods_since"]) == ("2016", 3, 5)
    assert when_cell(frames, spec(pair())) == "first ahead in 2016; ahead in 3 of the 5 years with data since"
    assert when_cell(frames, spec(pair()), "zh") == "2016 首度領先；此後有資料之 5 期中 3 期領先"


def test_windows_years_apart_name_the_two_windows_the_crossing_lies_between():
    windows = {"1999-2001": 40, "2009-2011": 70, "2019-2021": 150}
    frames = {"s": frame("s", "x", {"CHN": windows, "USA": {p: 100 for p in windows}})}
    assert when_cell(frames, spec(pair())) == "behind in 2009-2011, ahead in 2019-2021: crossed between these windows"


def test_a_trend_that_does_not_fit_the_latest_periods_is_not_extended():
    from techgap.render import gap_render

    china = years(2012, [50, 70, 95, 130, 170, 210, 250, 90])  # far ahead, then behind in the last year
    frames = {"s": frame("s", "x", {"CHN": china, "USA": {p: 100 for p in china}})}
    the_spec = spec(pair())
    summary = summary_of(frames, the_spec)
    assert summary["outcome"] == "trend_misfit" and pd.isna(summary["crossover"])
    assert "nothing is projected" in when_cell(frames, the_spec)
    assert "trend line at parity in" not in when_cell(frames, the_spec)
    apply_style(plotting())
    drawing = gap_render.draw_gap_multiples(fake_item(the_spec, "gap01", ncols=2), gaps.analyse(frames, the_spec), context())
    (ax,) = [ax for ax in drawing.figure.axes if ax.axison]
    data_lines = [line for line in ax.get_lines() if line.get_xydata()[:, 0].max() > 1]  # not the axis-spanning parity line
    assert max(line.get_xydata()[:, 0].max() for line in data_lines) == periods.time("2019")  # nothing drawn after
    assert not any(line.get_marker() == "D" for line in data_lines) and not ax.collections  # no crossover, no band
    assert any("does not fit the latest periods" in " ".join(text.get_text().split()) for text in ax.texts)


def test_the_first_listed_series_wins_and_units_must_match():
    primary = frame("a", "x", {"CHN": {"2020": 60}, "USA": {"2020": 100}}, unit="USD million")
    fallback = pd.concat(
        [
            frame("b", "y", {"CHN": {"2019": 50, "2020": 1}, "USA": {"2019": 100, "2020": 1}}, unit="USD billion"),
            frame("b", "z", {"CHN": {"2018": 40}, "USA": {"2018": 100}}, unit="USD billion").assign(
                unit=["USD billion", "USD million"]
            ),
        ],
        ignore_index=True,
    )
    the_pair = pair(series=[{"source": "a", "indicator": "x"}, {"source": "b", "indicator": ["y", "z"]}])
    rows = gaps.gap_rows({"a": primary, "b": fallback}, spec(the_pair))
    assert list(rows["period"]) == ["2019", "2020"]  # 2018's values are in different units: no ratio
    assert list(rows["source"]) == ["b", "a"]
    assert list(rows["ratio"]) == pytest.approx([0.5, 0.6])


def test_rows_trace_back_to_the_processed_lines():
    frames = {"s": frame("s", "x", {"CHN": years(2015, [10, 20]), "USA": years(2015, [30, 40])})}
    rows = gaps.gap_rows(frames, spec(pair()))
    source = frames["s"].set_index("line")
    for _, row in rows.iterrows():
        assert source.loc[row["china_line"], "value"] == row["china_value"]
        assert source.loc[row["comparator_line"], "value"] == row["comparator_value"]
        assert source.loc[row["china_line"], "document"] == row["china_document"]


def test_two_preferred_values_for_one_period_are_an_error_naming_the_line():
    doubled = frame("s", "x", {"CHN": {"2020": 1, "2021": 2}, "USA": {"2020": 3, "2021": 4}})
    doubled = pd.concat([doubled, doubled.iloc[[0]].assign(line=9)], ignore_index=True)
    with pytest.raises(InputError, match="several preferred rows for 2020") as caught:
        gaps.gap_rows({"s": doubled}, spec(pair()))
    assert caught.value.line is not None


def test_a_bad_setting_of_the_analysis_names_the_file_and_field(project_root: Path):
    path = project_root / "config" / "analysis.yaml"
    text = path.read_text(encoding="utf-8")
    assert "    min_points: 5" in text
    path.write_text(text.replace("    min_points: 5", "    min_points: 3", 1), encoding="utf-8")
    with pytest.raises(InputError) as caught:
        load_project(project_root)
    assert caught.value.field == "spec.analysis.settings.min_points" and "analysis.yaml" in str(caught.value)


# --- rendering -----------------------------------------------------------------------------------------------


def fake_item(analysis: AnalysisSpec, item_id: str = "gap02", **extra) -> types.SimpleNamespace:
    model = GapTableSpec if item_id == "gap02" else GapMultiplesSpec
    return types.SimpleNamespace(
        id=item_id,
        title=Bilingual(zh="分析", en="Analysis $1"),
        source_line={"zh": "資料來源", "en": "Source"},
        spec=model(analysis=analysis, note=Bilingual(zh="註", en="note"), subtitle=Bilingual(zh="副", en="sub"), **extra),
    )


def context(lang: str = "en"):
    return plain_context(lang, names=NAMES)


def test_gap_table_shows_fixed_decimals_and_the_projection():
    from techgap.render import gap_render

    frames = converging(crossover=2030.0, growth=1.1, first=2015, n=8)
    the_spec = spec(pair())
    table = gap_render.build_gap_table(fake_item(the_spec).spec, gaps.analyse(frames, the_spec), context())
    row = table.iloc[0]
    assert row["Latest ratio"] == f"{1.1 ** (2022 - 2030):.2f} (2022)"
    assert row["Trend per year"] == "+10.0% (2015–2022)"
    assert row["Overtook in / trend line at parity (80% interval)"] == "trend line at parity in 2030 (2030–2030)"
    zh = gap_render.build_gap_table(fake_item(the_spec).spec, gaps.analyse(frames, the_spec), context("zh"))
    assert list(zh.columns)[0] == "指標"


def test_dollar_signs_in_the_gap_table_are_drawn_as_written():
    import matplotlib.pyplot as plt

    from techgap.render import tables

    apply_style(plotting())
    display = pd.DataFrame({"Indicator": ["GERD (US$ bn)"], "Comparator": ["$6"]})
    drawing = tables.draw_table(fake_item(spec(pair())), display, context())
    drawn = [text.get_text() for text in drawing.figure.texts]
    plt.close(drawing.figure)
    assert "GERD (US$ bn)" in drawn and "$6" in drawn and not any("\\$" in text for text in drawn)


def test_small_multiples_draw_one_panel_per_pair_with_periods():
    from techgap.render import gap_render

    apply_style(plotting())
    frames = converging(crossover=2030.0, growth=1.1, first=2015, n=8)
    frames["t"] = frame("t", "x", {"CHN": {"2022": 5}, "USA": {"2022": 4}})
    the_spec = spec(pair(), pair("q", source="t"), pair("r", source="t", comparator="TWN"))
    fig = gap_render.draw_gap_multiples(fake_item(the_spec, "gap01", ncols=2), gaps.analyse(frames, the_spec), context()).figure
    drawn = [ax for ax in fig.axes if ax.axison]
    assert len(drawn) == 1  # q has one period, r none: both left out of the figure
    assert drawn[0].get_yscale() == "log"
    # the edition's CSV and source line read the same pairs: those with a trajectory
    kept = gaps.analyse(frames, the_spec).with_trajectories()
    assert list(kept.summary["pair"]) == ["p"] and set(kept.rows["pair"]) == {"p"}
    assert any(abs(line.get_ydata()[0] - 1) < 1e-12 and len(set(line.get_ydata())) == 1 for line in drawn[0].get_lines())


# --- the project's data and config ---------------------------------------------------------------------------


def real_frames(root: Path) -> tuple[AnalysisSpec, dict[str, pd.DataFrame]]:
    """The gap table's analysis block and the newest table of every source it reads."""
    project = load_project(root)
    analysis = edition_item(project, project.item("gap02"), "latest").spec.analysis
    frames = {s: normalize_source(project, s) for s in analysis.sources()}
    return analysis, frames


def test_config_items_read_every_source_of_their_pairs(project_root: Path):
    project = load_project(project_root)
    items = [item for item in project.items if item.is_analysis]
    assert {i.id for i in items} == {"gap01", "gap02"}
    for item in items:
        assert item.status == "analysis" and item.group == "gaps"
        analysis = edition_item(project, item, "latest").spec.analysis
        assert set(analysis.sources()) - {"caict_5g_sep"} <= set(item.sources)
        assert set(item.sources) <= set(project.sources)


def test_a_new_isscc_vintage_changes_the_gap_table(project_root: Path):
    from techgap.render import gap_render

    analysis, frames = real_frames(project_root)
    the_spec = fake_item(analysis).spec
    before = gap_render.build_gap_table(the_spec, gaps.analyse(frames, analysis), context())
    payload = pd.read_csv(snapshot_dir(project_root, "isscc") / "data.csv", dtype={"period": str})
    year = str(int(max(payload.loc[payload["period"].str.fullmatch(r"\d{4}"), "period"])) + 1)  # after the newest

    def add_year(folder: Path) -> None:
        with open(folder / "data.csv", "a", encoding="utf-8") as out:
            out.write(
                f"China (incl. Hong Kong & Macau),{year},isscc_accepted_papers,50,papers,,,,,chosun_biz_2025_11_26,test\n"
                f"United States,{year},isscc_accepted_papers,80,papers,,,,,chosun_biz_2025_11_26,test\n"
            )

    add_vintage(project_root, "isscc", add_year)
    analysis, frames = real_frames(project_root)
    after = gap_render.build_gap_table(the_spec, gaps.analyse(frames, analysis), context())
    changed = after.compare(before)
    isscc = after[after["Indicator"] == "ISSCC accepted papers"].iloc[0]
    assert isscc["Latest ratio"] == f"{50 / 80:.2f} ({year})"
    was_row = before[before["Indicator"] == "ISSCC accepted papers"].iloc[0]
    was = was_row["Periods (n)"]
    count = int(re.search(r"\((\d+)\)$", was).group(1))
    assert isscc["Periods (n)"].endswith(f"({count + 1})")  # one more period with both values
    overtook = re.fullmatch(r"overtook in (\d{4})", was_row["Overtook in / trend line at parity (80% interval)"])
    assert overtook, "the test needs a pair China overtook cleanly"
    ahead = sum(int(p) >= int(overtook[1]) for p in gaps.gap_rows(frames, analysis).query("pair == 'isscc_papers_usa'")["period"])
    assert isscc["Overtook in / trend line at parity (80% interval)"].startswith(
        f"first ahead in {overtook[1]}; ahead in {ahead - 1} of the {ahead} years with data since"
    )
    assert set(changed.index) == {int(after.index[after["Indicator"] == "ISSCC accepted papers"][0])}


def test_gap_rows_are_deterministic_on_the_real_data(project_root: Path):
    analysis, frames = real_frames(project_root)
    first = gaps.summarize(gaps.gap_rows(frames, analysis), analysis)
    second = gaps.summarize(gaps.gap_rows(frames, analysis), analysis)
    pd.testing.assert_frame_equal(first, second)
    assert not math.isnan(first.set_index("pair").loc["gerd_pct_gdp_usa", "trend_slope"])

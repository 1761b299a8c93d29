"""Chart kinds. Items choose a kind and its parameters in config/items.yaml; a chart draws only the
rows it is given — a missing value is shown as missing (a gap, or a line in the notes), never filled.

The shape follows the data, not the item: a trend needs at least two periods of a series, or the rows
are shown as a small table; a time series with many holes is drawn as lines with markers, so a gap is
a gap; a bar chart with long labels turns horizontal. So an edition with more data gets the richer chart.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from techgap.errors import InputError
from techgap.render.data import period_order
from techgap.render.style import NOT_FINAL_FLAGS, NOT_FINAL_HATCH, color_for, text

# Text sizes (points). checks.py holds the minimums these must respect.
TITLE_PT = 13
SUBTITLE_PT = 9.5
PANEL_TITLE_PT = 9.5
FOOTER_PT = 8
DATA_LABEL_PT = 7.5
MAX_WIDTH_IN = 9.3  # 1,395 px at savefig.dpi 150
MARGIN_IN = 0.15
BLOCK_GAP_IN = 0.08
MISSING_SHARE_FOR_LINES = 0.25  # more holes than this in a period x entity grid: lines with markers, not bars
MAX_LABELLED_POINTS = 14  # more bars or points than this in one row: label the first and the last only
MAX_PERIODS_AS_BARS = 3  # more years than this side by side per entity: lines
MAX_PERIOD_GROUPS = 8  # more years than this as bar groups: lines (the labels would collide)
LONG_LABEL_CHARS = 12  # a category label longer than this (CJK counted double) turns bars horizontal

FLAG_NAMES = {
    "provisional": {"zh": "暫定值", "en": "provisional"},
    "estimated": {"zh": "估計值", "en": "estimate"},
    "preliminary": {"zh": "初估值", "en": "preliminary"},
    "forecast": {"zh": "預測值", "en": "forecast"},
}
WORDS = {
    "hollow": {"zh": "空心點：{}", "en": "Hollow marker: {}"},
    "hatched": {"zh": "斜線：{}", "en": "Hatched: {}"},
    "no_value": {"zh": "未查得數值：{}。", "en": "No value found: {}."},
    "only": {"zh": "僅 {} 年", "en": "{} only"},
    "as_table": {
        "zh": "註：查得之數值不足以構成時間序列 (每一序列少於 2 期)，故以表列出。",
        "en": "Note: the values found do not make a time series (fewer than 2 periods per series), "
        "so they are listed as a table.",
    },
    "value": {"zh": "數值", "en": "Value"},
    "period": {"zh": "期間", "en": "Period"},
    "item": {"zh": "項目", "en": "Item"},
    "approx": {"zh": "約 {}", "en": "~{}"},
    "list_sep": {"zh": "、", "en": ", "},
    "panel_sep": {"zh": "；", "en": "; "},
}


def _no_country(code: str) -> str | None:
    return None


@dataclass(frozen=True)
class Context:
    lang: str
    name: Callable[[str], str]  # entity code -> display name in lang
    country: Callable[[str], str | None] = _no_country  # company/institution code -> its economy's code

    def t(self, value: object) -> str:
        return text(value, self.lang)

    def w(self, key: str) -> str:
        return WORDS[key][self.lang]

    def color(self, code: str) -> str:
        return color_for(code, self.country(code))


# --- text blocks: wrapped to the figure width, measured, never clipped -------------------------------

_WRAP_TOKENS = re.compile(r"[\u2e80-\u9fff\uf900-\uffef]|[^\s\u2e80-\u9fff\uf900-\uffef]+\s*|\s+")
_NO_LINE_START = set("，。、；：！？）」』,.;:!?)%")


_WIDTHS: dict[tuple[float, str, float, str], float] = {}


def text_width_px(renderer, value: str, size: float, weight: str = "normal") -> float:
    """A text's width in pixels on an Agg renderer. Cached: both editions and languages draw many of the
    same texts, and laying out CJK text (ft2font.set_text) is most of the cost of a measurement."""
    from matplotlib.font_manager import FontProperties

    if not value:
        return 0.0
    key = (renderer.dpi, value, size, weight)
    width = _WIDTHS.get(key)
    if width is None:
        width = renderer.get_text_width_height_descent(value, FontProperties(size=size, weight=weight), ismath=False)[0]
        _WIDTHS[key] = width
    return width


def wrap(value: str, size: float, width_px: float, renderer, weight: str = "normal") -> str:
    """Break text into lines no wider than width_px: between words, or between any two CJK characters; a
    token that may not start a line (closing punctuation) stays on the line before. Each line is as long
    as fits (a greedy fill). Where a line breaks is first estimated from the widths of its tokens (each
    distinct token measured once), then confirmed by measuring the line itself: a line costs about two
    measurements of its own length, not one per token or a bisection over the whole paragraph (a long
    source line took seconds that way)."""
    lines: list[str] = []
    for paragraph in value.split("\n"):
        tokens = _WRAP_TOKENS.findall(paragraph)
        widths = [text_width_px(renderer, token, size, weight) for token in tokens]
        if sum(widths) <= width_px * 1.05 and text_width_px(renderer, paragraph, size, weight) <= width_px:
            lines.append(paragraph)
            continue

        def fits(start: int, end: int, tokens: list[str] = tokens) -> bool:
            return text_width_px(renderer, "".join(tokens[start:end]).rstrip(), size, weight) <= width_px

        start = 0
        while start < len(tokens):
            end = _longest_fit(start, _estimated_end(widths, start, width_px), len(tokens), fits)
            while end < len(tokens) and not _may_start_line(tokens, start, end):
                end += 1
            lines.append("".join(tokens[start:end]).rstrip())
            start = end
            while start < len(tokens) and not tokens[start].strip():
                start += 1  # a line never starts with the space it was broken at
    return "\n".join(lines)


def _estimated_end(widths: list[float], start: int, width_px: float) -> int:
    """The end of the longest run of tokens from ``start`` whose widths sum to at most width_px."""
    total, end = 0.0, start
    while end < len(widths) and total + widths[end] <= width_px:
        total += widths[end]
        end += 1
    return end


def _longest_fit(start: int, guess: int, count: int, fits) -> int:
    """The largest end in (start, count] with fits(start, end), at least start + 1 (a token wider than the
    line gets a line of its own), searched outward from the estimate ``guess``; widths grow with the end."""
    end = min(max(guess, start + 1), count)
    if fits(start, end):
        while end < count and fits(start, end + 1):
            end += 1
        return end
    end -= 1
    while end > start + 1 and not fits(start, end):
        end -= 1
    return max(end, start + 1)


def _may_start_line(tokens: list[str], start: int, index: int) -> bool:
    token = tokens[index]
    return bool("".join(tokens[start:index]).strip()) and bool(token.strip()) and token[0] not in _NO_LINE_START


def compose(fig, item: Any, ctx: Context, *, body_height: float, subtitle: str, notes: Iterable[str]) -> float:
    """Title and subtitle above a body of body_height inches, the 資料來源 / Source line and notes
    below it, each block sized from its wrapped text; resizes the figure to fit. Returns the body's
    bottom edge in inches from the bottom of the figure."""
    from matplotlib.font_manager import FontProperties

    renderer = fig.canvas.get_renderer()
    width_px = (fig.get_figwidth() - 2 * MARGIN_IN) * fig.dpi * 0.98  # hinting makes widths vary a little
    header = [(ctx.t(item.title), TITLE_PT, "#000000", "title"), (subtitle, SUBTITLE_PT, "#444444", "subtitle")]
    footer_lines = [ctx.t(item.source_line), *notes]
    footer = [("\n".join(wrap(line, FOOTER_PT, width_px, renderer) for line in footer_lines if line), FOOTER_PT, "#333333")]

    def height_in(block: str, size: float) -> float:
        if not block:
            return 0.0
        line = renderer.get_text_width_height_descent("國Ag", FontProperties(size=size), ismath=False)[1]
        return (block.count("\n") + 1) * line * 1.35 / fig.dpi

    header = [(wrap(s, size, width_px, renderer), size, color, role) for s, size, color, role in header if s]
    header_in = sum(height_in(s, size) + BLOCK_GAP_IN for s, size, _, _ in header)
    footer_in = sum(height_in(s, size) + BLOCK_GAP_IN for s, size, _ in footer if s)
    total = MARGIN_IN + header_in + body_height + BLOCK_GAP_IN + footer_in + MARGIN_IN * 0.6
    fig.set_size_inches(fig.get_figwidth(), total)
    y = total - MARGIN_IN
    for block, size, color, role in header:
        artist = fig.text(
            MARGIN_IN, y, block, transform=fig.dpi_scale_trans, ha="left", va="top", fontsize=size, color=color, linespacing=1.35
        )
        if role == "subtitle":
            artist.techgap_subtitle_wrap = (size, width_px)  # how replace_subtitle wraps another subtitle
        y -= height_in(block, size) + BLOCK_GAP_IN
    y = MARGIN_IN * 0.6
    for block, size, color in footer:
        if block:
            fig.text(
                MARGIN_IN,
                y,
                block,
                transform=fig.dpi_scale_trans,
                ha="left",
                va="bottom",
                fontsize=size,
                color=color,
                linespacing=1.35,
            )
            y += height_in(block, size) + BLOCK_GAP_IN
    return y


def replace_subtitle(fig, subtitle: str) -> bool:
    """Put another subtitle into a finished figure, wrapped as ``compose`` wraps it. Only when it takes as
    many lines as the one it replaces, so that nothing else in the figure would have moved: then the figure
    is the one ``compose`` would have made with it (True). Otherwise the figure is left as it was (False)."""
    artist = next((t for t in fig.texts if hasattr(t, "techgap_subtitle_wrap")), None)
    if artist is None:
        return False
    size, width_px = artist.techgap_subtitle_wrap
    wrapped = wrap(subtitle, size, width_px, fig.canvas.get_renderer())
    if wrapped.count("\n") != artist.get_text().count("\n"):
        return False
    artist.set_text(wrapped)
    return True


def new_figure(spec: dict, *, nrows: int = 1, ncols: int = 1, body_height: float | None = None, **subplot_kw):
    """A figure whose axes constrained layout places inside the body that ``finish`` leaves free."""
    import matplotlib.pyplot as plt

    width = min(float(spec.get("width", 8.0)), MAX_WIDTH_IN)
    fig = plt.figure(figsize=(width, body_height or 3.6), layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=False, **subplot_kw)
    return fig, [ax for row in axes for ax in row]


def finish(fig, item: Any, ctx: Context, spec: dict, *, notes: Iterable[str] = (), missing: Iterable[str] = ()) -> None:
    """Caption and subtitle on top, the 資料來源 / Source line and notes at the bottom, as in the report;
    the axes get the body between them; then value labels that collide are moved apart. ``missing``
    (cells the chart has no value for) and the cells the source marks missing (``spec['missing_cells']``)
    make one "No value found" sentence, each cell named once."""
    body = fig.get_figheight()
    subtitle = ctx.t(spec.get("subtitle")) or ctx.t(spec.get("ylabel"))
    cells = list(dict.fromkeys([*spec.get("missing_cells", []), *missing]))
    all_notes = [ctx.t(spec.get("note")), *notes, _missing_note(ctx, cells)]
    bottom = compose(fig, item, ctx, body_height=body, subtitle=subtitle, notes=[n for n in all_notes if n])
    height = fig.get_figheight()
    engine = fig.get_layout_engine()
    if engine is None:  # a figure laid out by hand (e.g. the gap analysis): keep its axes in the body
        fig.subplots_adjust(bottom=bottom / height + 0.02, top=(bottom + body) / height - 0.02)
    else:
        engine.set(rect=(0.0, bottom / height, 1.0, body / height), w_pad=0.06, h_pad=0.06)
    lay_out(fig)
    if lift_titles_over_legends(fig):
        lay_out(fig)  # again: the lifted titles take room (a second pass otherwise moves gap01 by under 1.5 px)
    spread_labels(fig)
    # Freeze: the saved file keeps exactly the checked layout. None (not "none", which leaves a
    # placeholder engine) also spares each savefig a dry draw of the whole figure.
    fig.set_layout_engine(None)
    # The layout solver's result can differ in the last bits from run to run (a grid of many panels);
    # positions rounded to 1e-5 of the figure (well under a pixel) give the same bytes every time.
    for ax in fig.axes:
        ax.set_position([round(v, 5) for v in ax.get_position().bounds])


def lay_out(fig) -> None:
    """Run the figure's layout engine: it measures what it needs (tick labels, titles, legends) itself, so
    no dry draw of every artist is needed first (one was per pass, the cost of a third of a saved image)."""
    engine = fig.get_layout_engine()
    if engine is not None:
        engine.execute(fig)


def lift_titles_over_legends(fig) -> bool:
    """A panel title sits above the legend placed over its axes (the same lift for every panel, so
    the titles of side-by-side panels stay aligned). True when a title was lifted."""
    renderer = fig.canvas.get_renderer()
    heights = [ax.get_legend().get_window_extent(renderer).height for ax in fig.axes if ax.get_legend() is not None]
    if not heights:
        return False
    pad = max(heights) * 72 / fig.dpi + 6
    for ax in fig.axes:
        for loc in ("left", "center"):
            title = ax.get_title(loc=loc)
            if title:
                ax.set_title(title, loc=loc, pad=pad, fontsize=PANEL_TITLE_PT)
    return True


def spread_labels(fig) -> None:
    """Move end-of-line value labels in one axes apart vertically so that none overlaps another."""
    renderer = fig.canvas.get_renderer()
    for ax in fig.axes:
        labels = [a for a in ax.texts if getattr(a, "techgap_spread", False)]
        boxes = sorted(((a.get_window_extent(renderer), a) for a in labels), key=lambda pair: pair[0].y0)
        previous_top = None
        for box, label in boxes:
            if previous_top is not None and box.y0 < previous_top + 1:
                shift_px = previous_top + 1 - box.y0
                dx, dy = label.xyann
                label.xyann = (dx, dy + shift_px * 72 / fig.dpi)
                previous_top = box.y1 + shift_px
            else:
                previous_top = box.y1


# --- shared pieces -------------------------------------------------------------------------------------


def _is_year(period: str) -> bool:
    return bool(re.fullmatch(r"\d{4}", str(period)))


def _not_final(flag: object) -> bool:
    return str(flag) in NOT_FINAL_FLAGS


def _flags_note(ctx: Context, rows: pd.DataFrame, key: str) -> str:
    flags = [f for f in NOT_FINAL_FLAGS if f in set(rows["flag"].astype(str))]
    return ctx.w(key).format(ctx.w("list_sep").join(FLAG_NAMES[f][ctx.lang] for f in flags)) if flags else ""


def _value_text(value: float, fmt: str, flag: object, ctx: Context) -> str:
    shown = fmt.format(value)
    return ctx.w("approx").format(shown) if str(flag) == "approx" else shown


def _entity_order(rows: pd.DataFrame, spec: dict) -> list[str]:
    present = list(dict.fromkeys(rows["entity_code"]))
    wanted = [c for c in spec.get("entities", []) if c in present]
    return wanted + [c for c in present if c not in wanted]


def _tag(artists, code: str) -> None:
    """Mark artists as drawing an entity, so checks can verify its colour across items."""
    for artist in artists:
        artist.techgap_entity = code


def _mark_value_axis(ax, axis: str) -> None:
    """Remember which axis carries values (checks test them) and print its ticks with thousands separators."""
    from matplotlib.ticker import StrMethodFormatter

    ax.techgap_value_axis = axis
    (ax.yaxis if axis == "y" else ax.xaxis).set_major_formatter(StrMethodFormatter("{x:,g}"))


def _label_width(label: str) -> int:
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in label)


def _legend_above(ax, handles=None, labels=None) -> None:
    if handles is None:
        handles, labels = ax.get_legend_handles_labels()
    if handles:
        ax.legend(
            handles,
            labels,
            loc="lower left",
            bbox_to_anchor=(0, 1.0),
            ncol=min(len(handles), 6),
            fontsize=8.5,
            handlelength=1.5,
            columnspacing=1.2,
            borderaxespad=0.3,
        )


def _not_final_handle(ctx: Context, rows: pd.DataFrame, *, hatched: bool):
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    label = _flags_note(ctx, rows, "hatched" if hatched else "hollow")
    if not label:
        return None
    if hatched:
        return Patch(facecolor="white", edgecolor="#555555", hatch=NOT_FINAL_HATCH, label=label)
    return Line2D([], [], marker="o", linestyle="none", markerfacecolor="white", markeredgecolor="#555555", label=label)


def _include_zero_and_values(ax, values: np.ndarray, axis: str = "y", pad: float = 0.15) -> None:
    """Value-axis limits that include zero and every value, with room for the value labels."""
    finite = values[np.isfinite(values)]
    low = min(0.0, float(finite.min())) if len(finite) else 0.0
    high = max(0.0, float(finite.max())) if len(finite) else 1.0
    span = (high - low) or 1.0
    limits = (low - span * pad if low < 0 else 0.0, high + span * pad if high > 0 else 0.0)
    (ax.set_ylim if axis == "y" else ax.set_xlim)(*limits)


def _missing_note(ctx: Context, missing: list[str]) -> str:
    return ctx.w("no_value").format(ctx.w("list_sep").join(missing)) if missing else ""


# --- lines ------------------------------------------------------------------------------------------------


def _series_have_trend(rows: pd.DataFrame) -> bool:
    """At least one series with two or more periods: otherwise there is no line or trend to draw."""
    return bool(len(rows)) and int(rows.groupby(["entity_code", "indicator"])["period"].nunique().max()) >= 2


def _time_axis(periods: list[str]) -> tuple[list, dict[str, float]]:
    """Years on a numeric axis (so a missing year leaves a gap); other periods evenly spaced."""
    if periods and all(_is_year(p) for p in periods):
        years = [int(p) for p in periods]
        full = list(range(min(years), max(years) + 1))
        return full, {p: float(p) for p in periods}
    return list(range(len(periods))), {p: float(i) for i, p in enumerate(periods)}


def _plot_lines(ax, rows: pd.DataFrame, ctx: Context, spec: dict, fmt: str) -> None:
    periods = sorted(rows["period"].unique())
    grid, position = _time_axis(periods)
    for code in _entity_order(rows, spec):
        series = rows[rows["entity_code"] == code].drop_duplicates("period").set_index("period")
        xs = np.array(grid, dtype=float)
        values = np.full(len(grid), np.nan)
        for period, row in series.iterrows():
            values[grid.index(int(position[period]))] = row["value"]
        color = ctx.color(code)
        line = ax.plot(xs, values, color=color, label=ctx.name(code), marker="o", markersize=4.5)
        _tag(line, code)
        hollow = series[series["flag"].map(_not_final)]
        if len(hollow):
            _tag(_open_markers(ax, hollow, position, color, marker="o", size=5.5), code)
        _mark_other_source_points(ax, series, position, color, ctx, spec)
        last = series.loc[max(series.index, key=lambda p: position[p])]
        label = ax.annotate(
            _value_text(last["value"], fmt, last["flag"], ctx),
            (position[last.name], last["value"]),
            xytext=(5, 0),
            textcoords="offset points",
            fontsize=DATA_LABEL_PT,
            va="center",
            color=color,
        )
        label.techgap_spread = True
    labelled = [position[p] for p in periods]
    ax.set_xticks(
        labelled if len(labelled) <= 13 else labelled[::2], [p for p in periods] if len(labelled) <= 13 else periods[::2]
    )
    ax.set_xlim(min(labelled) - 0.5, max(labelled) + max(1.0, 0.08 * (max(labelled) - min(labelled) + 1)))
    ax.margins(y=0.12)
    _mark_value_axis(ax, "y")


def _mark_other_source_points(ax, series: pd.DataFrame, position: dict[str, float], color: str, ctx: Context, spec: dict) -> None:
    """Points a line takes from another source than its own (spec `source_marks: {source: label}`) get a
    square marker and one legend entry per source, so a mix of releases is labelled on the figure."""
    for source, label in spec.get("source_marks", {}).items():
        points = series[series["source"] == source]
        if points.empty:
            continue
        legend = ctx.t(label) if not missing_label_seen(ax, f"source:{source}") else None
        _tag(_open_markers(ax, points, position, color, marker="s", size=6, label=legend), source)


def _open_markers(ax, points: pd.DataFrame, position: dict[str, float], color: str, *, marker: str, size: float, label=None):
    """White-filled markers in the series' colour over some of its points (not final; another source)."""
    return ax.plot(
        [position[p] for p in points.index],
        points["value"],
        linestyle="none",
        marker=marker,
        markersize=size,
        markerfacecolor="white",
        markeredgecolor=color,
        markeredgewidth=1.5,
        label=label,
    )


def draw_line(item: Any, rows: pd.DataFrame, ctx: Context, spec: dict):
    """One line per entity over periods; a missing year is a gap in the line."""
    if not _series_have_trend(rows):
        return draw_value_table(item, rows, ctx, spec)
    fig, (ax,) = new_figure(spec)
    fmt = spec.get("format", "{:.2f}")
    _plot_lines(ax, rows, ctx, spec, fmt)
    values = rows["value"].to_numpy(dtype=float)
    if spec.get("ymin") is not None and spec["ymin"] <= np.nanmin(values):  # never cut a value off
        ax.set_ylim(bottom=spec["ymin"])
    handles, labels = ax.get_legend_handles_labels()
    extra = _not_final_handle(ctx, rows, hatched=False)
    if extra is not None:
        handles, labels = handles + [extra], labels + [extra.get_label()]
    _legend_above(ax, handles, labels)
    finish(fig, item, ctx, spec)
    return fig


# --- level and growth: two aligned panels -----------------------------------------------------------------


def draw_bar_line(item: Any, rows: pd.DataFrame, ctx: Context, spec: dict):
    """A level as bars (top panel) and its growth or intensity as a line (bottom panel), sharing the
    period axis: no second y axis, no invented range."""
    bars = rows[rows["indicator"] == spec["bar_indicator"]]
    line = rows[rows["indicator"] == spec["line_indicator"]].dropna(subset=["value"])
    if bars["period"].nunique() < 2:
        return draw_value_table(item, rows, ctx, spec)
    fig, (top, bottom) = new_figure(spec, nrows=2, body_height=4.4, sharex=True, height_ratios=[3, 2])
    periods = sorted(set(bars["period"]) | set(line["period"]))
    grid, position = _time_axis(periods)
    code = bars["entity_code"].iloc[0]
    color = ctx.color(code)
    fmt = spec.get("format", "{:,.0f}")
    xs = [position[p] for p in bars["period"]]
    values = bars["value"].to_numpy(dtype=float)
    hatches = [NOT_FINAL_HATCH if _not_final(f) else None for f in bars["flag"]]
    drawn = top.bar(xs, values, width=0.62, color=color, hatch=hatches, edgecolor="white", linewidth=0.5)
    _tag(drawn, code)
    labelled = _labelled_positions(xs)
    for x, value, flag in zip(xs, values, bars["flag"], strict=True):
        if x not in labelled:
            continue
        top.annotate(
            _value_text(value, fmt, flag, ctx),
            (x, value),
            xytext=(0, 2),
            textcoords="offset points",
            ha="center",
            va="bottom" if value >= 0 else "top",
            fontsize=DATA_LABEL_PT,
        )
    _include_zero_and_values(top, values)
    top.set_title(ctx.t(spec["bar_label"]), fontsize=PANEL_TITLE_PT, loc="left")
    _mark_value_axis(top, "y")
    line_values = np.full(len(grid), np.nan)
    for _, row in line.iterrows():
        line_values[grid.index(int(position[row["period"]]))] = row["value"]
    drawn = bottom.plot(grid, line_values, color=color, marker="o", markersize=4.5)
    _tag(drawn, code)
    labelled = _labelled_positions([position[p] for p in line["period"]])
    for _, row in line.iterrows():
        if position[row["period"]] not in labelled:
            continue
        bottom.annotate(
            _value_text(row["value"], "{:.1f}", row["flag"], ctx),
            (position[row["period"]], row["value"]),
            xytext=(0, 5),
            textcoords="offset points",
            ha="center",
            fontsize=DATA_LABEL_PT,
            color=color,
        )
    bottom.margins(y=0.35)
    bottom.set_title(ctx.t(spec["line_label"]), fontsize=PANEL_TITLE_PT, loc="left")
    _mark_value_axis(bottom, "y")
    ticks = [position[p] for p in periods]
    bottom.set_xticks(ticks, periods)
    bottom.set_xlim(min(ticks) - 0.6, max(ticks) + 0.6)
    handle = _not_final_handle(ctx, rows, hatched=True)
    if handle is not None:
        _legend_above(top, [handle], [handle.get_label()])
    finish(fig, item, ctx, {**spec, "ylabel": spec.get("ylabel") or ""})
    return fig


def _labelled_positions(xs: list[float]) -> set[float]:
    """Every point gets its value label while they fit side by side; beyond that only the first and the last."""
    return set(xs) if len(xs) <= MAX_LABELLED_POINTS else {min(xs), max(xs)}


# --- bars ---------------------------------------------------------------------------------------------------


def _category_label(rows: pd.DataFrame, category: str, ctx: Context) -> str:
    if ctx.lang == "zh":
        return category
    english = rows.loc[rows["category"] == category, "label_en"]
    english = english[english != ""]
    return english.iloc[0] if len(english) else category


def _grouped_bars(
    ax, rows: pd.DataFrame, ctx: Context, spec: dict, x_dim: str, x_order: list[str], series: list[str], series_dim: str, fmt: str
) -> list[str]:
    """Vertical bars: one group per x, one bar per series; an empty slot where no value exists.
    Returns the missing cells, described for the notes."""
    width = 0.8 / max(len(series), 1)
    missing = []
    all_values = []
    for position, key in enumerate(series):
        offsets = np.arange(len(x_order)) - 0.4 + width * (position + 0.5)
        for offset, x_key in zip(offsets, x_order, strict=True):
            cell = rows[(rows[x_dim] == x_key) & (rows[series_dim] == key)]
            code = key if series_dim == "entity_code" else x_key
            if cell.empty:
                missing.append(_cell_name(ctx, rows, x_dim, x_key, series_dim, key))
                continue
            value, flag = float(cell["value"].iloc[0]), cell["flag"].iloc[0]
            all_values.append(value)
            bar = ax.bar(
                [offset],
                [value],
                width=width * 0.92,
                color=ctx.color(code),
                edgecolor="white",
                linewidth=0.5,
                hatch=NOT_FINAL_HATCH if _not_final(flag) else None,
                label=ctx.name(key) if series_dim == "entity_code" and not missing_label_seen(ax, key) else None,
            )
            _tag(bar, code)
            ax.annotate(
                _value_text(value, fmt, flag, ctx),
                (offset, value),
                xytext=(0, 2 if value >= 0 else -2),
                textcoords="offset points",
                ha="center",
                va="bottom" if value >= 0 else "top",
                fontsize=DATA_LABEL_PT,
            )
    if x_dim == "entity_code":
        ticks = [ctx.name(v) for v in x_order]
    elif x_dim == "category":
        ticks = [_category_label(rows, v, ctx) for v in x_order]
    else:
        ticks = list(x_order)
    ax.set_xticks(np.arange(len(x_order)), ticks)
    _include_zero_and_values(ax, np.array(all_values, dtype=float))
    ax.axhline(0, color="#444444", linewidth=0.8)
    _mark_value_axis(ax, "y")
    return missing


def missing_label_seen(ax, key: str) -> bool:
    seen = ax.__dict__.setdefault("techgap_legend_keys", set())
    if key in seen:
        return True
    seen.add(key)
    return False


def _cell_name(ctx: Context, rows: pd.DataFrame, x_dim: str, x_key: str, series_dim: str, key: str) -> str:
    def name(dim: str, value: str) -> str:
        if dim == "entity_code":
            return ctx.name(value)
        if dim == "category":
            return _category_label(rows, value, ctx)
        return str(value)

    return f"{name(series_dim, key)} {name(x_dim, x_key)}"


def _period_grid_missing_share(rows: pd.DataFrame) -> float:
    cells = rows["period"].nunique() * rows["entity_code"].nunique()
    return 1 - rows.drop_duplicates(["period", "entity_code"]).shape[0] / cells if cells else 0.0


def draw_grouped_bar(item: Any, rows: pd.DataFrame, ctx: Context, spec: dict):
    """Bars grouped by period (one bar per entity), by entity (one bar per period) or by category
    (one bar per entity). A yearly grid with many holes is drawn as lines instead; entities that each
    have one period only get one panel per period, never periods mixed in one series."""
    x_dim = {"entity": "entity_code"}.get(spec.get("x", "period"), spec.get("x", "period"))
    fmt = spec.get("format", "{:g}")
    if x_dim == "entity_code" and spec.get("measure_labels") and rows["indicator"].nunique() > 1:
        return draw_period_panels(item, rows, ctx, spec)  # two measures: never one bar series or line
    years = all(_is_year(p) for p in rows["period"])
    many_years = rows["period"].nunique() > MAX_PERIOD_GROUPS
    if x_dim == "period" and years and (_period_grid_missing_share(rows) > MISSING_SHARE_FOR_LINES or many_years):
        return draw_line(item, rows, ctx, {**spec, "format": fmt})
    if x_dim == "entity_code" and years and rows["period"].nunique() > MAX_PERIODS_AS_BARS:
        return draw_line(item, rows, ctx, {**spec, "format": fmt})  # a trend per entity reads better as lines
    if x_dim == "entity_code":
        per_entity = rows.groupby("entity_code")["period"].nunique()
        if rows["period"].nunique() > 1 and int(per_entity.max()) < 2:
            return draw_period_panels(item, rows, ctx, spec)
        if rows["period"].nunique() == 1:
            return draw_ranked_bar(item, rows, ctx, spec)
    fig, (ax,) = new_figure(spec)
    if x_dim == "entity_code":
        x_order = _entity_order(rows, spec)
        series, series_dim = sorted(rows["period"].unique()), "period"
    else:
        x_order = list(dict.fromkeys(rows["category"])) if x_dim == "category" else sorted(rows["period"].unique())
        series, series_dim = _entity_order(rows, spec), "entity_code"
    missing = _grouped_bars(ax, rows, ctx, spec, x_dim, x_order, series, series_dim, fmt)
    handles, labels = ax.get_legend_handles_labels()
    extra = _not_final_handle(ctx, rows, hatched=True)
    if extra is not None:
        handles, labels = handles + [extra], labels + [extra.get_label()]
    _legend_above(ax, handles, labels)
    finish(fig, item, ctx, spec, missing=missing)
    return fig


def _hbars(ax, rows: pd.DataFrame, labels: list[str], ctx: Context, fmt: str, colors: list[str] | None = None) -> None:
    """Horizontal bars, first row on top, value labels outside the bar end (left of it when negative)."""
    values = rows["value"].to_numpy(dtype=float)
    y = np.arange(len(values))[::-1]
    colors = colors or [ctx.color(c) for c in rows["entity_code"]]
    hatches = [NOT_FINAL_HATCH if _not_final(f) else None for f in rows["flag"]]
    for yi, value, color, hatch, code in zip(y, values, colors, hatches, rows["entity_code"], strict=True):
        bar = ax.barh([yi], [value], color=color, hatch=hatch, edgecolor="white", linewidth=0.5, height=0.7)
        _tag(bar, code)
    for yi, value, flag in zip(y, values, rows["flag"], strict=True):
        ax.annotate(
            _value_text(value, fmt, flag, ctx),
            (value, yi),
            xytext=(3 if value >= 0 else -3, 0),
            textcoords="offset points",
            va="center",
            ha="left" if value >= 0 else "right",
            fontsize=DATA_LABEL_PT,
        )
    ax.set_yticks(y, labels)
    ax.set_ylim(-0.6, len(values) - 0.4)
    ax.grid(axis="x")
    ax.grid(axis="y", visible=False)
    ax.axvline(0, color="#444444", linewidth=0.8)
    _include_zero_and_values(ax, values, axis="x", pad=0.18)
    _mark_value_axis(ax, "x")


def _country_legend(ax, rows: pd.DataFrame, ctx: Context) -> None:
    """When bars are companies or institutions coloured by their country, say which colour is which."""
    from matplotlib.patches import Patch

    countries = [ctx.country(c) for c in rows["entity_code"]]
    if not all(countries):  # economies name themselves; a key is needed only when every bar is a company
        return
    seen = list(dict.fromkeys(c for c in countries if c))
    handles = [Patch(color=ctx.color(c), label=ctx.name(c)) for c in seen]
    _legend_above(ax, handles, [h.get_label() for h in handles])


def _row_labels(rows: pd.DataFrame, ctx: Context, spec: dict) -> list[str]:
    field = spec.get("label_field", "entity")
    out = []
    for _, row in rows.iterrows():
        if field == "label":
            out.append(row["label"] if ctx.lang == "zh" else (row["label_en"] or row["label"]))
        elif field == "entity":
            out.append(ctx.name(row["entity_code"]))
        elif field == "period":
            out.append(str(row["period"]))
        else:
            out.append(ctx.t(spec["labels"][row["indicator"]]))
    return out


def _single_period_title(ax, rows: pd.DataFrame, ctx: Context) -> None:
    periods = rows["period"].unique()
    if len(periods) == 1:
        ax.set_title(ctx.w("only").format(periods[0]), fontsize=PANEL_TITLE_PT, loc="left")


def draw_ranked_bar(item: Any, rows: pd.DataFrame, ctx: Context, spec: dict):
    """Entities sorted by value, largest first; horizontal when there are many or their names are long.
    Two measures labelled in the spec (`measure_labels`) get panels of their own."""
    if spec.get("measure_labels") and rows["indicator"].nunique() > 1:
        return draw_period_panels(item, rows, ctx, spec)
    ordered = rows.sort_values("value", ascending=False, kind="stable").reset_index(drop=True)
    labels = _row_labels(ordered, ctx, {**spec, "label_field": spec.get("label_field", "entity")})
    fmt = spec.get("format", "{:g}")
    both_languages = labels + [str(v) for column in ("entity", "entity_zh") if column in ordered for v in ordered[column]]
    horizontal = (
        spec.get("horizontal")
        or len(labels) > 6  # the same orientation in zh and en
        or max(map(_label_width, both_languages), default=0) > LONG_LABEL_CHARS
    )
    if horizontal:
        fig, (ax,) = new_figure(spec, body_height=max(1.6, 0.32 * len(labels) + 0.9))
        _hbars(ax, ordered, labels, ctx, fmt)
    else:
        fig, (ax,) = new_figure(spec)
        x = np.arange(len(ordered))
        values = ordered["value"].to_numpy(dtype=float)
        for xi, (_, row) in zip(x, ordered.iterrows(), strict=True):
            bar = ax.bar(
                [xi],
                [row["value"]],
                color=ctx.color(row["entity_code"]),
                width=0.6,
                hatch=NOT_FINAL_HATCH if _not_final(row["flag"]) else None,
                edgecolor="white",
                linewidth=0.5,
            )
            _tag(bar, row["entity_code"])
            ax.annotate(
                _value_text(row["value"], fmt, row["flag"], ctx),
                (xi, row["value"]),
                xytext=(0, 2 if row["value"] >= 0 else -2),
                textcoords="offset points",
                ha="center",
                va="bottom" if row["value"] >= 0 else "top",
                fontsize=DATA_LABEL_PT,
            )
        ax.set_xticks(x, labels)
        _include_zero_and_values(ax, values)
        _mark_value_axis(ax, "y")
    _single_period_title(ax, ordered, ctx)
    _country_legend(ax, ordered, ctx)
    finish(fig, item, ctx, spec)
    return fig


def draw_period_panels(item: Any, rows: pd.DataFrame, ctx: Context, spec: dict):
    """One panel of horizontal bars per period, on one value scale: for entities observed in one period
    each, which a single bar series would set side by side as if comparable in time. With
    `measure_labels` (indicator -> label), each measure gets panels of its own, titled by period and
    measure, so two measures are never read as one series; panels share a scale only when their unit does."""
    panels = _measure_period_panels(item, rows, spec)
    counts = [len(subset) for _, _, subset in panels]
    one_unit = "unit" not in rows or rows["unit"].nunique() <= 1
    fig, axes = new_figure(
        spec,
        nrows=len(panels),
        body_height=0.32 * sum(counts) + 0.75 * len(panels),
        sharex=one_unit,
        height_ratios=[c + 1.2 for c in counts],
    )
    fmt = spec.get("format", "{:g}")
    for ax, (period, indicator, subset) in zip(axes, panels, strict=True):
        subset = subset.sort_values("value", ascending=False, kind="stable")
        _hbars(ax, subset, [ctx.name(c) for c in subset["entity_code"]], ctx, fmt)
        title = ctx.w("only").format(period)
        if indicator is not None:
            title += " · " + ctx.t(spec["measure_labels"][indicator])
        ax.set_title(title, fontsize=PANEL_TITLE_PT, loc="left")
        if not one_unit:  # one scale per unit: panels of the same unit stay comparable
            same_unit = rows[rows["unit"] == subset["unit"].iloc[0]]
            _include_zero_and_values(ax, same_unit["value"].to_numpy(dtype=float), axis="x", pad=0.18)
    if one_unit:
        _include_zero_and_values(axes[0], rows["value"].to_numpy(dtype=float), axis="x", pad=0.18)
    finish(fig, item, ctx, spec)
    return fig


def _measure_period_panels(item: Any, rows: pd.DataFrame, spec: dict) -> list[tuple[str, str | None, pd.DataFrame]]:
    """(period, measure, rows) per panel: one panel per period, or, when the spec labels measures, one per
    measure and period, measures in the order the labels list them."""
    labels = spec.get("measure_labels") or {}
    if not labels:
        return [(period, None, rows[rows["period"] == period]) for period in sorted(rows["period"].unique())]
    unlabelled = sorted(set(rows["indicator"]) - set(labels))
    if unlabelled:
        raise InputError(
            "config/items.yaml",
            f"item {item.id}: the drawn indicator {unlabelled[0]} has no panel label",
            field="spec.measure_labels",
            expected="a label {zh, en} for every indicator the item draws",
        )
    panels = []
    for indicator in (i for i in labels if i in set(rows["indicator"])):
        of_measure = rows[rows["indicator"] == indicator]
        panels += [(p, indicator, of_measure[of_measure["period"] == p]) for p in sorted(of_measure["period"].unique())]
    return panels


def draw_indicator_bars(item: Any, rows: pd.DataFrame, ctx: Context, spec: dict):
    """Horizontal bars, one per row, labelled by the row's own label, its entity, or a per-indicator
    label from the spec: for figures that carry a handful of stated facts. One row is a table."""
    if len(rows) < 2:
        return draw_value_table(item, rows, ctx, spec)
    label_field = spec.get("label_field", "indicator")
    if label_field == "period":  # bars labelled by period read top to bottom in time order
        rows = rows.sort_values("period", key=lambda s: s.map(period_order), kind="stable")
    rows = rows.reset_index(drop=True)
    labels = _row_labels(rows, ctx, {**spec, "label_field": label_field})
    fig, (ax,) = new_figure(spec, body_height=max(1.6, 0.34 * len(rows) + 0.8))
    _hbars(ax, rows, labels, ctx, spec.get("format", "{:g}"))
    finish(fig, item, ctx, spec)
    return fig


def draw_bar_panels(item: Any, rows: pd.DataFrame, ctx: Context, spec: dict):
    """One horizontal bar panel per indicator, entities sorted by value."""
    panels = spec["panels"]
    longest = max(len(rows[rows["indicator"] == p["indicator"]]) for p in panels)
    fig, axes = new_figure(spec, nrows=len(panels), body_height=(0.3 * longest + 0.8) * len(panels))
    fmt = spec.get("format", "{:g}")
    for ax, panel in zip(axes, panels, strict=True):
        subset = rows[rows["indicator"] == panel["indicator"]].sort_values("value", ascending=False, kind="stable")
        _hbars(ax, subset, [ctx.name(c) for c in subset["entity_code"]], ctx, fmt)
        ax.set_title(ctx.t(panel["title"]), fontsize=PANEL_TITLE_PT, loc="left")
    finish(fig, item, ctx, spec)
    return fig


def draw_panels(item: Any, rows: pd.DataFrame, ctx: Context, spec: dict):
    """Side-by-side panels (e.g. all, advanced and mature nodes), one row per entity and one bar per
    period in it, coloured by entity; forecasts hatched. A panel with fewer than two values lists them
    instead of drawing a lone bar; what was not published is named in the notes."""
    panels = spec["panels"]
    field = spec.get("panel_field", "indicator")
    periods = [p for p in spec.get("periods", sorted(rows["period"].unique())) if p in set(rows["period"])]
    entities = _entity_order(rows, spec)
    fig, axes = new_figure(
        spec, ncols=len(panels), body_height=0.42 * len(entities) * max(len(periods), 1) ** 0.5 + 1.0, sharey=True
    )
    fmt = spec.get("format", "{:g}")
    labels = spec.get("series_labels", {})
    missing_by_panel = []
    height = 0.8 / max(len(periods), 1)
    for ax, panel in zip(axes, panels, strict=True):
        subset = rows[rows[field] == panel["indicator"]]
        ax.set_title(
            wrap(
                ctx.t(panel["title"]),
                PANEL_TITLE_PT,
                ax.get_position().width * fig.get_figwidth() * fig.dpi * 0.95,
                fig.canvas.get_renderer(),
            ),
            fontsize=PANEL_TITLE_PT,
            loc="left",
        )
        missing = [
            f"{ctx.name(c)} {ctx.t(labels.get(p, p))}"
            for c in entities
            for p in periods
            if subset[(subset["entity_code"] == c) & (subset["period"] == p)].empty
        ]
        if missing and len(subset) >= 2:  # a panel drawn as text already says what it holds
            missing_by_panel.append(f"{ctx.t(panel['title'])}: {ctx.w('list_sep').join(missing)}")
        if len(subset) < 2:
            _text_panel(ax, subset, ctx, labels, fmt)
            continue
        values = []
        for row_index, code in enumerate(entities):
            for slot, period in enumerate(periods):
                cell = subset[(subset["entity_code"] == code) & (subset["period"] == period)]
                if cell.empty:
                    continue
                value, flag = float(cell["value"].iloc[0]), cell["flag"].iloc[0]
                values.append(value)
                y = len(entities) - 1 - row_index + 0.4 - height * (slot + 0.5)
                bar = ax.barh(
                    [y],
                    [value],
                    height=height * 0.92,
                    color=ctx.color(code),
                    edgecolor="white",
                    linewidth=0.5,
                    hatch=NOT_FINAL_HATCH if _not_final(flag) or slot > 0 else None,
                    alpha=1.0 if slot == 0 else 0.75,
                )
                _tag(bar, code)
                ax.annotate(
                    _value_text(value, fmt, flag, ctx),
                    (value, y),
                    xytext=(3, 0),
                    textcoords="offset points",
                    va="center",
                    ha="left",
                    fontsize=DATA_LABEL_PT,
                )
        ax.grid(axis="x")
        ax.grid(axis="y", visible=False)
        _include_zero_and_values(ax, np.array(values), axis="x", pad=0.22)
        _mark_value_axis(ax, "x")
    axes[0].set_yticks(np.arange(len(entities))[::-1], [ctx.name(c) for c in entities])
    axes[0].set_ylim(-0.6, len(entities) - 0.4)
    _period_legend(axes[0], periods, labels, ctx)
    note = ctx.w("no_value").format(ctx.w("panel_sep").join(missing_by_panel)) if missing_by_panel else ""
    finish(fig, item, ctx, spec, notes=[note])
    return fig


def _period_legend(ax, periods: list[str], labels: dict, ctx: Context) -> None:
    from matplotlib.patches import Patch

    handles = [
        Patch(
            facecolor="#777777",
            alpha=1.0 if i == 0 else 0.75,
            hatch=None if i == 0 else NOT_FINAL_HATCH,
            edgecolor="white",
            label=ctx.t(labels.get(p, p)),
        )
        for i, p in enumerate(periods)
    ]
    _legend_above(ax, handles, [h.get_label() for h in handles])


def _text_panel(ax, subset: pd.DataFrame, ctx: Context, labels: dict, fmt: str) -> None:
    """A panel with too few values for bars: the values themselves, as text."""
    ax.axis("off")
    lines = [
        f"{ctx.name(r['entity_code'])} {ctx.t(labels.get(r['period'], r['period']))}: "
        f"{_value_text(r['value'], fmt, r['flag'], ctx)}"
        for _, r in subset.iterrows()
    ]
    ax.text(0.02, 0.55, "\n".join(lines), transform=ax.transAxes, ha="left", va="center", fontsize=9, linespacing=1.5)


# --- too little for a chart: the values as a small table ----------------------------------------------------


def draw_value_table(item: Any, rows: pd.DataFrame, ctx: Context, spec: dict):
    """The rows as a small table (item, period, value) when they cannot carry the chart the report drew."""
    from techgap.render.tables import draw_display

    fmt = spec.get("format", "{:g}")
    label_field = spec.get("label_field", "entity" if "labels" not in spec else "indicator")
    display = pd.DataFrame(
        {
            ctx.w("item"): _row_labels(rows, ctx, {**spec, "label_field": label_field}),
            ctx.w("period"): rows["period"].astype(str).tolist(),
            (ctx.t(spec.get("ylabel")) or ctx.w("value")): [
                _value_text(v, fmt, f, ctx) for v, f in zip(rows["value"], rows["flag"], strict=True)
            ],
        }
    )
    notes = [ctx.w("as_table"), _missing_note(ctx, spec.get("missing_cells", []))]
    return draw_display(item, display, ctx, {**spec, "unit_line": None}, notes=notes)


def without_missing(draw: Callable[..., Any]) -> Callable[..., Any]:
    """Rows a source marks missing (or gives no value for) are not drawn; the notes name them.
    Values techgap derives (a growth rate with no previous year) are simply left out."""

    def drawn(item: Any, rows: pd.DataFrame, ctx: Context, spec: dict):
        empty = rows["value"].isna() | (rows["flag"].astype(str) == "missing")
        named = rows[empty & (rows["source"] != "techgap")]
        names = [f"{ctx.name(r['entity_code'])} {r['period']}" for _, r in named.iterrows()]
        if names:
            spec = {**spec, "missing_cells": names}
        return draw(item, rows[~empty].reset_index(drop=True), ctx, spec)

    drawn.__doc__ = draw.__doc__
    return drawn


CHARTS: dict[str, Callable[..., Any]] = {
    name: without_missing(draw)
    for name, draw in {
        "indicator_bars": draw_indicator_bars,
        "bar_panels": draw_bar_panels,
        "line": draw_line,
        "bar_line": draw_bar_line,
        "grouped_bar": draw_grouped_bar,
        "ranked_bar": draw_ranked_bar,
        "panels": draw_panels,
    }.items()
}

"""Chart kinds. Items choose a kind and its parameters in config/items.yaml (techgap.kinds holds what each kind
accepts); a chart draws only the rows it is given — a missing value is shown as missing (a gap, or a line in the
notes), never filled.

The shape follows the data, not the item: a trend needs at least two periods of a series, or the rows are shown
as a small table; a time series with many holes is drawn as lines with markers, so a gap is a gap; a bar chart
with long labels turns horizontal. So an edition with more data gets the richer chart."""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from techgap import periods
from techgap.errors import InputError
from techgap.kinds import (
    BarLineSpec,
    BarPanelsSpec,
    GroupedBarSpec,
    IndicatorBarsSpec,
    LineSpec,
    MeasurePanelsSpec,
    PanelsSpec,
    RankedBarSpec,
)
from techgap.model import Bilingual, Strict
from techgap.numbers import minus_sign
from techgap.render import draws
from techgap.render.layout import (
    DATA_LABEL_PT,
    PANEL_TITLE_PT,
    Context,
    Drawing,
    finish,
    missing_note,
    new_figure,
    wrap,
)
from techgap.render.tables import draw_display

MISSING_SHARE_FOR_LINES = 0.25  # more holes than this in a period x entity grid: lines with markers, not bars
MAX_LABELLED_POINTS = 14  # more bars or points than this in one row: label the first and the last only
MAX_PERIODS_AS_BARS = 3  # more years than this side by side per entity: lines
MAX_PERIOD_GROUPS = 8  # more years than this as bar groups: lines (the labels would collide)
LONG_LABEL_CHARS = 12  # a category label longer than this (CJK counted double) turns bars horizontal
# Points a source marks as not final are drawn hollow (lines) or hatched (bars), with a legend entry.
NOT_FINAL_FLAGS = ("provisional", "estimated", "preliminary", "forecast")
NOT_FINAL_HATCH = "////"
FLAG_NAMES = {
    "provisional": {"zh": "暫定值", "en": "provisional"},
    "estimated": {"zh": "估計值", "en": "estimate"},
    "preliminary": {"zh": "初估值", "en": "preliminary"},
    "forecast": {"zh": "預測值", "en": "forecast"},
}


def as_kind(spec: Strict, model: type[Strict]) -> Any:
    """``spec`` read as another kind's spec: the keys both kinds have, the other kind's defaults for the rest
    (a grouped bar chart whose data call for lines is drawn by the line chart with the same entities and format)."""
    shared = {name: getattr(spec, name) for name in model.model_fields if name in type(spec).model_fields}
    return model.model_construct(**shared)


# --- shared pieces ---------------------------------------------------------------------------------------------


def _not_final(flag: object) -> bool:
    return str(flag) in NOT_FINAL_FLAGS


def _flags_note(ctx: Context, rows: pd.DataFrame, key: str) -> str:
    flags = [f for f in NOT_FINAL_FLAGS if f in set(rows["flag"].astype(str))]
    return ctx.w(key).format(ctx.w("list_sep").join(FLAG_NAMES[f][ctx.lang] for f in flags)) if flags else ""


def _value_text(value: float, fmt: str, flag: object, ctx: Context) -> str:
    shown = minus_sign(fmt.format(value))
    return ctx.w("approx").format(shown) if str(flag) == "approx" else shown


def _entity_order(rows: pd.DataFrame, wanted: list[str]) -> list[str]:
    present = list(dict.fromkeys(rows["entity_code"]))
    first = [c for c in wanted if c in present]
    return first + [c for c in present if c not in first]


def _mark_value_axis(drawing: Drawing, ax: Any, axis: str) -> None:
    """Record which axis carries values (the checks test them) and print its ticks with thousands separators."""
    from matplotlib.ticker import StrMethodFormatter

    drawing.values_on(ax, axis)
    (ax.yaxis if axis == "y" else ax.xaxis).set_major_formatter(StrMethodFormatter("{x:,g}"))


def _label_width(label: str) -> int:
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in label)


def _legend_above(ax: Any, handles: list, labels: list) -> None:
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


def _not_final_handle(ctx: Context, rows: pd.DataFrame, *, hatched: bool) -> Any:
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    label = _flags_note(ctx, rows, "hatched" if hatched else "hollow")
    if not label:
        return None
    palette = ctx.palette
    if hatched:
        return Patch(facecolor=palette.background, edgecolor=palette.key, hatch=NOT_FINAL_HATCH, label=label)
    return Line2D(
        [], [], marker="o", linestyle="none", markerfacecolor=palette.background, markeredgecolor=palette.key, label=label
    )


def _include_zero_and_values(ax: Any, values: np.ndarray, axis: str = "y", pad: float = 0.15) -> None:
    """Value-axis limits that include zero and every value, with room for the value labels."""
    finite = values[np.isfinite(values)]
    low = min(0.0, float(finite.min())) if len(finite) else 0.0
    high = max(0.0, float(finite.max())) if len(finite) else 1.0
    span = (high - low) or 1.0
    limits = (low - span * pad if low < 0 else 0.0, high + span * pad if high > 0 else 0.0)
    (ax.set_ylim if axis == "y" else ax.set_xlim)(*limits)


def _row_labels(rows: pd.DataFrame, ctx: Context, label_field: str, labels: Mapping[str, Bilingual]) -> list[str]:
    out = []
    for _, row in rows.iterrows():
        if label_field == "label":
            out.append(row["label"] if ctx.lang == "zh" else (row["label_en"] or row["label"]))
        elif label_field == "entity":
            out.append(ctx.name(row["entity_code"]))
        elif label_field == "period":
            out.append(str(row["period"]))
        else:
            out.append(ctx.t(labels[row["indicator"]]))
    return out


def _single_period_title(ax: Any, rows: pd.DataFrame, ctx: Context) -> None:
    found = rows["period"].unique()
    if len(found) == 1:
        ax.set_title(ctx.w("only").format(found[0]), fontsize=PANEL_TITLE_PT, loc="left")


# --- too little for a chart: the values as a small table ---------------------------------------------------------


def draw_value_table(item: Any, rows: pd.DataFrame, ctx: Context, spec: Any, missing: list[str]) -> Drawing:
    """The rows as a small table (item, period, value) when they cannot carry the chart the report drew."""
    labels = getattr(spec, "labels", {})
    label_field = getattr(spec, "label_field", "indicator" if labels else "entity")
    display = pd.DataFrame(
        {
            ctx.w("item"): _row_labels(rows, ctx, label_field, labels),
            ctx.w("period"): rows["period"].astype(str).tolist(),
            (ctx.t(spec.ylabel) or ctx.w("value")): [
                _value_text(v, spec.format, f, ctx) for v, f in zip(rows["value"], rows["flag"], strict=True)
            ],
        }
    )
    notes = [ctx.w("as_table"), missing_note(ctx, missing)]
    return draw_display(item, display, ctx, subtitle=ctx.t(spec.subtitle), note=ctx.t(spec.note), notes=notes)


def without_missing(draw: Callable[..., Drawing]) -> Callable[..., Drawing]:
    """Rows a source marks missing (or gives no value for) are not drawn; the notes name them. Values techgap
    derives (a growth rate with no previous year) are simply left out."""

    @functools.wraps(draw)
    def drawn(item: Any, rows: pd.DataFrame, ctx: Context) -> Drawing:
        empty = rows["value"].isna() | (rows["flag"].astype(str) == "missing")
        named = rows[empty & (rows["source"] != "techgap")]
        names = [f"{ctx.name(r['entity_code'])} {r['period']}" for _, r in named.iterrows()]
        return draw(item, rows[~empty].reset_index(drop=True), ctx, item.spec, names)

    return drawn


# --- bars ----------------------------------------------------------------------------------------------------------


def _hbars(
    drawing: Drawing, ax: Any, rows: pd.DataFrame, labels: list[str], ctx: Context, fmt: str, lows: list[float] | None = None
) -> None:
    """Horizontal bars, first row on top, value labels outside the bar end (left of it when negative). With
    `lows`, a bar whose low is not None spans a range from its low to its value, labelled "low–high"."""
    values = rows["value"].to_numpy(dtype=float)
    lows = lows if lows is not None else [None] * len(values)
    y = np.arange(len(values))[::-1]
    colors = [ctx.color(c) for c in rows["entity_code"]]
    hatches = [NOT_FINAL_HATCH if _not_final(f) else None for f in rows["flag"]]
    for yi, value, low, color, hatch, code in zip(y, values, lows, colors, hatches, rows["entity_code"], strict=True):
        start = 0.0 if low is None else low
        bar = ax.barh(
            [yi],
            [value - start],
            left=start,
            color=color,
            hatch=hatch,
            edgecolor=ctx.palette.background,
            linewidth=0.5,
            height=0.7,
        )
        drawing.entity(bar, code)
    for yi, value, low, flag in zip(y, values, lows, rows["flag"], strict=True):
        text = _value_text(value, fmt, flag, ctx)
        if low is not None:
            text = ctx.w("range").format(fmt.format(low), text)
        ax.annotate(
            text,
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
    ax.axvline(0, color=ctx.palette.axis, linewidth=0.8)
    _include_zero_and_values(ax, values, axis="x", pad=0.18)
    _mark_value_axis(drawing, ax, "x")


def _one_bar_per_country(rows: pd.DataFrame, ctx: Context) -> bool:
    """Every bar a company or institution, each of a different economy: a colour key would list the bars again."""
    countries = [ctx.country(c) for c in rows["entity_code"]]
    return bool(countries) and all(countries) and len(set(countries)) == len(countries)


def _with_country(labels: list[str], rows: pd.DataFrame, ctx: Context) -> list[str]:
    """Bar labels that name each company's economy ("Nokia (Finland)"), in place of a legend that would repeat
    the axis one entry per bar."""
    return [f"{label} ({ctx.name(ctx.country(code))})" for label, code in zip(labels, rows["entity_code"], strict=True)]


def _country_legend(ax: Any, rows: pd.DataFrame, ctx: Context) -> None:
    """When bars are companies or institutions coloured by their country, say which colour is which (where a
    country colours more than one bar; otherwise the bar labels name it)."""
    from matplotlib.patches import Patch

    countries = [ctx.country(c) for c in rows["entity_code"]]
    if not all(countries) or _one_bar_per_country(rows, ctx):  # economies name themselves
        return
    seen = list(dict.fromkeys(c for c in countries if c))
    handles = [Patch(color=ctx.color(c), label=ctx.name(c)) for c in seen]
    _legend_above(ax, handles, [h.get_label() for h in handles])


@draws(RankedBarSpec)
@without_missing
def draw_ranked_bar(item: Any, rows: pd.DataFrame, ctx: Context, spec: RankedBarSpec, missing: list[str]) -> Drawing:
    """Entities sorted by value, largest first; horizontal when there are many or their names are long. Two
    measures labelled in the spec (`measure_labels`) get panels of their own."""
    if spec.measure_labels and rows["indicator"].nunique() > 1:
        return draw_period_panels(item, rows, ctx, spec, missing)
    ordered = rows.sort_values("value", ascending=False, kind="stable").reset_index(drop=True)
    labels = _row_labels(ordered, ctx, spec.label_field, spec.labels)
    if spec.label_field == "entity" and _one_bar_per_country(ordered, ctx):
        labels = _with_country(labels, ordered, ctx)
    both_languages = labels + [str(v) for column in ("entity", "entity_zh") if column in ordered for v in ordered[column]]
    horizontal = (
        spec.horizontal
        or len(labels) > 6  # the same orientation in zh and en
        or max(map(_label_width, both_languages), default=0) > LONG_LABEL_CHARS
    )
    if horizontal:
        drawing, (ax,) = new_figure(spec.width, body_height=max(1.6, 0.32 * len(labels) + 0.9))
        _hbars(drawing, ax, ordered, labels, ctx, spec.format)
    else:
        drawing, (ax,) = new_figure(spec.width)
        x = np.arange(len(ordered))
        values = ordered["value"].to_numpy(dtype=float)
        for xi, (_, row) in zip(x, ordered.iterrows(), strict=True):
            bar = ax.bar(
                [xi],
                [row["value"]],
                color=ctx.color(row["entity_code"]),
                width=0.6,
                hatch=NOT_FINAL_HATCH if _not_final(row["flag"]) else None,
                edgecolor=ctx.palette.background,
                linewidth=0.5,
            )
            drawing.entity(bar, row["entity_code"])
            ax.annotate(
                _value_text(row["value"], spec.format, row["flag"], ctx),
                (xi, row["value"]),
                xytext=(0, 2 if row["value"] >= 0 else -2),
                textcoords="offset points",
                ha="center",
                va="bottom" if row["value"] >= 0 else "top",
                fontsize=DATA_LABEL_PT,
            )
        ax.set_xticks(x, labels)
        _include_zero_and_values(ax, values)
        _mark_value_axis(drawing, ax, "y")
    _single_period_title(ax, ordered, ctx)
    _country_legend(ax, ordered, ctx)
    return finish(drawing, item, ctx, spec, missing=missing)


def draw_period_panels(item: Any, rows: pd.DataFrame, ctx: Context, spec: MeasurePanelsSpec, missing: list[str]) -> Drawing:
    """One panel of horizontal bars per period: for entities observed in one period each, which a single bar
    series would set side by side as if comparable in time. With `measure_labels` (indicator -> label), each
    measure gets panels of its own, titled by period and measure, so two measures are never read as one series.
    Panels share a value scale only when they draw one measure in one unit. A panel drawn from one document
    that `document_notes` describes says so in its title (an excerpt that holds ranks 5-10 only is not a
    ranking of the leaders)."""
    panels = _measure_period_panels(item, rows, spec.measure_labels or {})
    counts = [len(subset) for _, _, subset in panels]
    scales = [_scale_key(subset, indicator) for _, indicator, subset in panels]
    drawing, axes = new_figure(
        spec.width,
        nrows=len(panels),
        body_height=0.32 * sum(counts) + 0.75 * len(panels),
        sharex=len(set(scales)) == 1,
        height_ratios=[c + 1.2 for c in counts],
    )
    notes = spec.document_notes
    for ax, (period, indicator, subset), scale in zip(axes, panels, scales, strict=True):
        subset = subset.sort_values("value", ascending=False, kind="stable")
        fmt = spec.measure_formats.get(indicator, spec.format)
        _hbars(drawing, ax, subset, [ctx.name(c) for c in subset["entity_code"]], ctx, fmt)
        title = ctx.w("only").format(period)
        if indicator is not None:
            title += " · " + ctx.t(spec.measure_labels[indicator])
        documents = set(subset["document"]) if "document" in subset else set()
        if len(documents) == 1 and next(iter(documents)) in notes:
            title += " · " + ctx.t(notes[next(iter(documents))])
        ax.set_title(title, fontsize=PANEL_TITLE_PT, loc="left")
        same_scale = [s for _, _, s in (p for p, k in zip(panels, scales, strict=True) if k == scale)]
        _include_zero_and_values(ax, pd.concat(same_scale)["value"].to_numpy(dtype=float), axis="x", pad=0.18)
    return finish(drawing, item, ctx, spec, missing=missing)


def _scale_key(subset: pd.DataFrame, indicator: str | None) -> tuple[str, str | None]:
    """Panels with the same key share a value scale: the same unit and, where measures are labelled, the same
    measure (two measures in one unit, such as Shares over different sets of journals, are not one scale)."""
    unit = str(subset["unit"].iloc[0]) if "unit" in subset and len(subset) else ""
    return unit, indicator


def _measure_period_panels(
    item: Any, rows: pd.DataFrame, labels: Mapping[str, Bilingual]
) -> list[tuple[str, str | None, pd.DataFrame]]:
    """(period, measure, rows) per panel: one panel per period, or, when the spec labels measures, one per
    measure and period, measures in the order the labels list them."""
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


@draws(IndicatorBarsSpec)
@without_missing
def draw_indicator_bars(item: Any, rows: pd.DataFrame, ctx: Context, spec: IndicatorBarsSpec, missing: list[str]) -> Drawing:
    """Horizontal bars, one per row, labelled by the row's own label, its entity, or a per-indicator label from
    the spec: for figures that carry a handful of stated facts. One row is a table."""
    if len(rows) < 2:
        return draw_value_table(item, rows, ctx, spec, missing)
    if spec.label_field == "period":  # bars labelled by period read top to bottom in time order
        rows = rows.sort_values("period", key=lambda s: s.map(periods.order), kind="stable")
    rows = rows.reset_index(drop=True)
    rows, range_labels, lows = _ranges_as_one_bar(rows, spec, ctx)
    labels = [
        given if given is not None else _row_labels(rows.iloc[[k]], ctx, spec.label_field, spec.labels)[0]
        for k, given in enumerate(range_labels)
    ]
    drawing, (ax,) = new_figure(spec.width, body_height=max(1.6, 0.34 * len(rows) + 0.8))
    _hbars(drawing, ax, rows, labels, ctx, spec.format, lows)
    if any(low is not None for low in lows):
        _include_zero_and_values(
            ax, np.array([*rows["value"], *(v for v in lows if v is not None)], dtype=float), axis="x", pad=0.25
        )
    return finish(drawing, item, ctx, spec, missing=missing)


def _ranges_as_one_bar(
    rows: pd.DataFrame, spec: IndicatorBarsSpec, ctx: Context
) -> tuple[pd.DataFrame, list[str | None], list[float | None]]:
    """A range a source states ("10-20 years") is one bar from its low to its high end, not two bars: the rows of
    each `ranges` pair (same entity and period) become one row, at the high row's value, with the low kept and the
    pair's label (None for the other rows)."""
    keep = list(range(len(rows)))
    lows: dict[int, float] = {}
    names: dict[int, str] = {}
    for pair in spec.ranges:
        for i in [i for i in keep if rows.at[i, "indicator"] == pair.high]:
            match = [
                j
                for j in keep
                if rows.at[j, "indicator"] == pair.low
                and rows.at[j, "entity_code"] == rows.at[i, "entity_code"]
                and rows.at[j, "period"] == rows.at[i, "period"]
            ]
            if match:
                keep.remove(match[0])
                lows[i] = float(rows.at[match[0], "value"])
                names[i] = ctx.t(pair.label)
    return rows.loc[keep].reset_index(drop=True), [names.get(i) for i in keep], [lows.get(i) for i in keep]


@draws(BarPanelsSpec)
@without_missing
def draw_bar_panels(item: Any, rows: pd.DataFrame, ctx: Context, spec: BarPanelsSpec, missing: list[str]) -> Drawing:
    """One horizontal bar panel per indicator, entities sorted by value."""
    longest = max(len(rows[rows["indicator"] == p.indicator]) for p in spec.panels)
    drawing, axes = new_figure(spec.width, nrows=len(spec.panels), body_height=(0.3 * longest + 0.8) * len(spec.panels))
    for ax, panel in zip(axes, spec.panels, strict=True):
        subset = rows[rows["indicator"] == panel.indicator].sort_values("value", ascending=False, kind="stable")
        _hbars(drawing, ax, subset, [ctx.name(c) for c in subset["entity_code"]], ctx, spec.format)
        ax.set_title(ctx.t(panel.title), fontsize=PANEL_TITLE_PT, loc="left")
    if rows["unit"].nunique() == 1:  # panels in one unit share one scale, so equal values draw equal bars
        low = min(ax.get_xlim()[0] for ax in axes)
        high = max(ax.get_xlim()[1] for ax in axes)
        for ax in axes:
            ax.set_xlim(low, high)
    return finish(drawing, item, ctx, spec, missing=missing)


@draws(PanelsSpec)
@without_missing
def draw_panels(item: Any, rows: pd.DataFrame, ctx: Context, spec: PanelsSpec, missing: list[str]) -> Drawing:
    """Side-by-side panels (e.g. all, advanced and mature nodes), one row per entity and one bar per period in
    it, coloured by entity; forecasts hatched. Every panel with a value is drawn as bars on an axis, a single
    value too; panels in one unit share one scale. A panel with no value at all is not drawn: the notes name it,
    as they name every cell that was not published."""
    field = spec.panel_field
    present = set(rows["period"])
    wanted = spec.periods if spec.periods is not None else sorted(rows["period"].unique())
    shown = [p for p in wanted if p in present]
    entities = _entity_order(rows, spec.entities)
    drawn_panels = [panel for panel in spec.panels if not rows[rows[field] == panel.indicator].empty]
    empty_panels = [ctx.t(panel.title) for panel in spec.panels if panel not in drawn_panels]
    drawing, axes = new_figure(
        spec.width,
        ncols=max(len(drawn_panels), 1),
        body_height=0.42 * len(entities) * max(len(shown), 1) ** 0.5 + 1.0,
        sharey=True,
    )
    fig = drawing.figure
    labels = spec.series_labels
    missing_by_panel = []
    height = 0.8 / max(len(shown), 1)
    for ax, panel in zip(axes, drawn_panels, strict=True):
        subset = rows[rows[field] == panel.indicator]
        ax.set_title(
            wrap(
                ctx.t(panel.title),
                PANEL_TITLE_PT,
                ax.get_position().width * fig.get_figwidth() * fig.dpi * 0.95,
                fig.canvas.get_renderer(),
            ),
            fontsize=PANEL_TITLE_PT,
            loc="left",
        )
        absent = [
            f"{ctx.name(c)} {ctx.t(labels.get(p, p))}"
            for c in entities
            for p in shown
            if subset[(subset["entity_code"] == c) & (subset["period"] == p)].empty
        ]
        if absent:
            missing_by_panel.append(f"{ctx.t(panel.title)}: {ctx.w('list_sep').join(absent)}")
        for row_index, code in enumerate(entities):
            for slot, period in enumerate(shown):
                cell = subset[(subset["entity_code"] == code) & (subset["period"] == period)]
                if cell.empty:
                    continue
                value, flag = float(cell["value"].iloc[0]), cell["flag"].iloc[0]
                y = len(entities) - 1 - row_index + 0.4 - height * (slot + 0.5)
                bar = ax.barh(
                    [y],
                    [value],
                    height=height * 0.92,
                    color=ctx.color(code),
                    edgecolor=ctx.palette.background,
                    linewidth=0.5,
                    **_period_style(slot, _not_final(flag)),
                )
                drawing.entity(bar, code)
                ax.annotate(
                    _value_text(value, spec.format, flag, ctx),
                    (value, y),
                    xytext=(3, 0),
                    textcoords="offset points",
                    va="center",
                    ha="left",
                    fontsize=DATA_LABEL_PT,
                )
        ax.grid(axis="x")
        ax.grid(axis="y", visible=False)
        _mark_value_axis(drawing, ax, "x")
    for ax, panel in zip(axes, drawn_panels, strict=True):  # one unit: one scale, so equal shares draw equal bars
        subset = rows[rows[field] == panel.indicator]
        same_unit = rows[rows["unit"] == subset["unit"].iloc[0]] if "unit" in rows else subset
        _include_zero_and_values(ax, same_unit["value"].to_numpy(dtype=float), axis="x", pad=0.22)
    axes[0].set_yticks(np.arange(len(entities))[::-1], [ctx.name(c) for c in entities])
    axes[0].set_ylim(-0.6, len(entities) - 0.4)
    forecast = {p: all(_not_final(f) for f in rows.loc[rows["period"] == p, "flag"]) for p in shown}
    _period_legend(axes[0], shown, forecast, labels, ctx)
    if empty_panels:
        missing_by_panel.append(ctx.w("list_sep").join(empty_panels))
    note = ctx.w("no_value").format(ctx.w("panel_sep").join(missing_by_panel)) if missing_by_panel else ""
    return finish(drawing, item, ctx, spec, notes=[note], missing=missing)


def _period_style(slot: int, not_final: bool) -> dict[str, Any]:
    """How a panel bar shows its period: the first period solid, later ones lighter and hatched; a forecast
    (not final) hatched in any slot. The legend keys use the same style, so each key looks like its bars."""
    return {"hatch": NOT_FINAL_HATCH if not_final or slot > 0 else None, "alpha": 1.0 if slot == 0 else 0.75}


def _period_legend(
    ax: Any, shown: list[str], forecast: Mapping[str, bool], labels: Mapping[str, Bilingual], ctx: Context
) -> None:
    from matplotlib.patches import Patch

    handles = [
        Patch(
            facecolor=ctx.palette.period_key,
            edgecolor=ctx.palette.background,
            label=ctx.t(labels.get(p, p)),
            **_period_style(i, forecast[p]),
        )
        for i, p in enumerate(shown)
    ]
    _legend_above(ax, handles, [h.get_label() for h in handles])


# --- lines -----------------------------------------------------------------------------------------------------------


def _series_have_trend(rows: pd.DataFrame) -> bool:
    """At least one series with two or more periods: otherwise there is no line or trend to draw."""
    return bool(len(rows)) and int(rows.groupby(["entity_code", "indicator"])["period"].nunique().max()) >= 2


def _time_axis(labels: list[str]) -> tuple[list, dict[str, float]]:
    """Years on a numeric axis (so a missing year leaves a gap); other periods evenly spaced."""
    if labels and all(periods.is_year(p) for p in labels):
        years = [int(p) for p in labels]
        full = list(range(min(years), max(years) + 1))
        return full, {p: float(p) for p in labels}
    return list(range(len(labels))), {p: float(i) for i, p in enumerate(labels)}


def _hidden_ends(rows: pd.DataFrame, position: dict[str, float], codes: list[str]) -> set[str]:
    """Entities whose last point lies on another series' point (same period, a value within 2% of the value
    range): one marker hides the other, so the end label names the entity."""
    values = rows["value"].to_numpy(dtype=float)
    tolerance = 0.02 * (float(np.nanmax(values) - np.nanmin(values)) or 1.0)
    hidden = set()
    for code in codes:
        series = rows[rows["entity_code"] == code]
        last = series.loc[series["period"].map(position).idxmax()]
        others = rows[(rows["entity_code"] != code) & (rows["period"] == last["period"])]
        if ((others["value"] - last["value"]).abs() <= tolerance).any():
            hidden.add(code)
    return hidden


def _plot_lines(drawing: Drawing, ax: Any, rows: pd.DataFrame, ctx: Context, spec: LineSpec) -> None:
    labels = sorted(rows["period"].unique())
    grid, position = _time_axis(labels)
    hidden = _hidden_ends(rows, position, _entity_order(rows, spec.entities))
    for code in _entity_order(rows, spec.entities):
        series = rows[rows["entity_code"] == code].drop_duplicates("period").set_index("period")
        xs = np.array(grid, dtype=float)
        values = np.full(len(grid), np.nan)
        for period, row in series.iterrows():
            values[grid.index(int(position[period]))] = row["value"]
        color = ctx.color(code)
        line = ax.plot(xs, values, color=color, label=ctx.name(code), marker="o", markersize=4.5)
        drawing.entity(line, code)
        hollow = series[series["flag"].map(_not_final)]
        if len(hollow):
            drawing.entity(_open_markers(ax, hollow, position, color, ctx, marker="o", size=5.5), code)
        _mark_other_source_points(drawing, ax, series, position, code, ctx, spec.source_marks)
        last = series.loc[max(series.index, key=lambda p: position[p])]
        text = _value_text(last["value"], spec.format, last["flag"], ctx)
        label = ax.annotate(
            f"{ctx.name(code)} {text}" if code in hidden else text,
            (position[last.name], last["value"]),
            xytext=(5, 0),
            textcoords="offset points",
            fontsize=DATA_LABEL_PT,
            va="center",
            color=color,
        )
        drawing.end_labels.append(label)
    ticks = [position[p] for p in labels]
    ax.set_xticks(ticks if len(ticks) <= 13 else ticks[::2], list(labels) if len(ticks) <= 13 else labels[::2])
    ax.set_xlim(min(ticks) - 0.5, max(ticks) + max(1.0, 0.08 * (max(ticks) - min(ticks) + 1)))
    ax.margins(y=0.12)
    _mark_value_axis(drawing, ax, "y")


def _mark_other_source_points(
    drawing: Drawing,
    ax: Any,
    series: pd.DataFrame,
    position: dict[str, float],
    code: str,
    ctx: Context,
    marks: Mapping[str, Bilingual],
) -> None:
    """Points a line takes from another source than its own (`source_marks: {source: label}`) get a square marker
    in the entity's colour and one legend entry per source, so a mix of releases is labelled on the figure."""
    for source, label in marks.items():
        points = series[series["source"] == source]
        if points.empty:
            continue
        legend = ctx.t(label) if drawing.first_in_legend(ax, f"source:{source}") else None
        drawing.entity(_open_markers(ax, points, position, ctx.color(code), ctx, marker="s", size=6, label=legend), code)


def _open_markers(
    ax: Any,
    points: pd.DataFrame,
    position: dict[str, float],
    color: str,
    ctx: Context,
    *,
    marker: str,
    size: float,
    label: str | None = None,
) -> Any:
    """White-filled markers in the series' colour over some of its points (not final; another source)."""
    return ax.plot(
        [position[p] for p in points.index],
        points["value"],
        linestyle="none",
        marker=marker,
        markersize=size,
        markerfacecolor=ctx.palette.background,
        markeredgecolor=color,
        markeredgewidth=1.5,
        label=label,
    )


@draws(LineSpec)
@without_missing
def draw_line(item: Any, rows: pd.DataFrame, ctx: Context, spec: LineSpec, missing: list[str]) -> Drawing:
    """One line per entity over periods; a missing year is a gap in the line."""
    if not _series_have_trend(rows):
        return draw_value_table(item, rows, ctx, spec, missing)
    drawing, (ax,) = new_figure(spec.width)
    _plot_lines(drawing, ax, rows, ctx, spec)
    values = rows["value"].to_numpy(dtype=float)
    if spec.ymin is not None and spec.ymin <= np.nanmin(values):  # never cut a value off
        ax.set_ylim(bottom=spec.ymin)
    handles, labels = ax.get_legend_handles_labels()
    extra = _not_final_handle(ctx, rows, hatched=False)
    if extra is not None:
        handles, labels = handles + [extra], labels + [extra.get_label()]
    _legend_above(ax, handles, labels)
    return finish(drawing, item, ctx, spec, missing=missing)


# --- level and growth: two aligned panels ------------------------------------------------------------------------


def _labelled_positions(xs: list[float]) -> set[float]:
    """Every point gets its value label while they fit side by side; beyond that only the first and the last."""
    return set(xs) if len(xs) <= MAX_LABELLED_POINTS else {min(xs), max(xs)}


@draws(BarLineSpec)
@without_missing
def draw_bar_line(item: Any, rows: pd.DataFrame, ctx: Context, spec: BarLineSpec, missing: list[str]) -> Drawing:
    """A level as bars (top panel) and its growth or intensity as a line (bottom panel), sharing the period axis:
    no second y axis, no invented range."""
    bars = rows[rows["indicator"] == spec.bar_indicator]
    line = rows[rows["indicator"] == spec.line_indicator].dropna(subset=["value"])
    if bars["period"].nunique() < 2:
        return draw_value_table(item, rows, ctx, spec, missing)
    drawing, (top, bottom) = new_figure(spec.width, nrows=2, body_height=4.4, sharex=True, height_ratios=[3, 2])
    shown = sorted(set(bars["period"]) | set(line["period"]))
    grid, position = _time_axis(shown)
    code = bars["entity_code"].iloc[0]
    color = ctx.color(code)
    xs = [position[p] for p in bars["period"]]
    values = bars["value"].to_numpy(dtype=float)
    hatches = [NOT_FINAL_HATCH if _not_final(f) else None for f in bars["flag"]]
    drawing.entity(
        top.bar(xs, values, width=0.62, color=color, hatch=hatches, edgecolor=ctx.palette.background, linewidth=0.5), code
    )
    labelled = _labelled_positions(xs)
    for x, value, flag in zip(xs, values, bars["flag"], strict=True):
        if x not in labelled:
            continue
        top.annotate(
            _value_text(value, spec.format, flag, ctx),
            (x, value),
            xytext=(0, 2),
            textcoords="offset points",
            ha="center",
            va="bottom" if value >= 0 else "top",
            fontsize=DATA_LABEL_PT,
        )
    _include_zero_and_values(top, values)
    top.set_title(ctx.t(spec.bar_label), fontsize=PANEL_TITLE_PT, loc="left")
    _mark_value_axis(drawing, top, "y")
    line_values = np.full(len(grid), np.nan)
    for _, row in line.iterrows():
        line_values[grid.index(int(position[row["period"]]))] = row["value"]
    drawing.entity(bottom.plot(grid, line_values, color=color, marker="o", markersize=4.5), code)
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
    bottom.set_title(ctx.t(spec.line_label), fontsize=PANEL_TITLE_PT, loc="left")
    _mark_value_axis(drawing, bottom, "y")
    ticks = [position[p] for p in shown]
    bottom.set_xticks(ticks, shown)
    bottom.set_xlim(min(ticks) - 0.6, max(ticks) + 0.6)
    handle = _not_final_handle(ctx, rows, hatched=True)
    if handle is not None:
        _legend_above(top, [handle], [handle.get_label()])
    return finish(drawing, item, ctx, spec, missing=missing)


# --- grouped bars --------------------------------------------------------------------------------------------


def _category_label(rows: pd.DataFrame, category: str, ctx: Context) -> str:
    if ctx.lang == "zh":
        return category
    english = rows.loc[rows["category"] == category, "label_en"]
    english = english[english != ""]
    return english.iloc[0] if len(english) else category


def _cell_name(ctx: Context, rows: pd.DataFrame, x_dim: str, x_key: str, series_dim: str, key: str) -> str:
    def name(dim: str, value: str) -> str:
        if dim == "entity_code":
            return ctx.name(value)
        if dim == "category":
            return _category_label(rows, value, ctx)
        return str(value)

    return f"{name(series_dim, key)} {name(x_dim, x_key)}"


def _grouped_bars(
    drawing: Drawing,
    ax: Any,
    rows: pd.DataFrame,
    ctx: Context,
    x_dim: str,
    x_order: list[str],
    series: list[str],
    series_dim: str,
    fmt: str,
) -> list[str]:
    """Vertical bars: one group per x, one bar per series; an empty slot where no value exists. Returns the
    missing cells, described for the notes."""
    width = 0.8 / max(len(series), 1)
    absent = []
    all_values = []
    for slot, key in enumerate(series):
        offsets = np.arange(len(x_order)) - 0.4 + width * (slot + 0.5)
        for offset, x_key in zip(offsets, x_order, strict=True):
            cell = rows[(rows[x_dim] == x_key) & (rows[series_dim] == key)]
            code = key if series_dim == "entity_code" else x_key
            if cell.empty:  # an empty slot is marked, so it reads as missing, not as zero or as a narrower group
                absent.append(_cell_name(ctx, rows, x_dim, x_key, series_dim, key))
                ax.annotate(
                    ctx.w("no_value_short"),
                    (offset, 0),
                    xytext=(0, 3),
                    textcoords="offset points",
                    ha="center",
                    va="bottom",
                    rotation="vertical" if ctx.lang == "en" else "horizontal",  # Chinese runs top to bottom as it is
                    fontsize=DATA_LABEL_PT,
                    color=ctx.palette.key,
                )
                continue
            value, flag = float(cell["value"].iloc[0]), cell["flag"].iloc[0]
            all_values.append(value)
            bar = ax.bar(
                [offset],
                [value],
                width=width * 0.92,
                color=ctx.color(code),
                edgecolor=ctx.palette.background,
                linewidth=0.5,
                hatch=NOT_FINAL_HATCH if _not_final(flag) else None,
            )
            drawing.entity(bar, code)
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
    ax.axhline(0, color=ctx.palette.axis, linewidth=0.8)
    _mark_value_axis(drawing, ax, "y")
    return absent


def _period_grid_missing_share(rows: pd.DataFrame) -> float:
    cells = rows["period"].nunique() * rows["entity_code"].nunique()
    return 1 - rows.drop_duplicates(["period", "entity_code"]).shape[0] / cells if cells else 0.0


@draws(GroupedBarSpec)
@without_missing
def draw_grouped_bar(item: Any, rows: pd.DataFrame, ctx: Context, spec: GroupedBarSpec, missing: list[str]) -> Drawing:
    """Bars grouped by period (one bar per entity), by entity (one bar per period) or by category (one bar per
    entity). A yearly grid with many holes is drawn as lines instead; entities that each have one period only get
    one panel per period, never periods mixed in one series."""
    x_dim = "entity_code" if spec.x == "entity" else spec.x
    if x_dim == "entity_code" and spec.measure_labels and rows["indicator"].nunique() > 1:
        return draw_period_panels(item, rows, ctx, spec, missing)  # two measures: never one bar series or line
    years = all(periods.is_year(p) for p in rows["period"])
    many_years = rows["period"].nunique() > MAX_PERIOD_GROUPS
    if x_dim == "period" and years and (_period_grid_missing_share(rows) > MISSING_SHARE_FOR_LINES or many_years):
        return draw_line.__wrapped__(item, rows, ctx, as_kind(spec, LineSpec), missing)
    if x_dim == "entity_code" and years and rows["period"].nunique() > MAX_PERIODS_AS_BARS:
        return draw_line.__wrapped__(item, rows, ctx, as_kind(spec, LineSpec), missing)  # a trend reads better as lines
    if x_dim == "entity_code":
        per_entity = rows.groupby("entity_code")["period"].nunique()
        if rows["period"].nunique() > 1 and int(per_entity.max()) < 2:
            return draw_period_panels(item, rows, ctx, spec, missing)
        if rows["period"].nunique() == 1:
            return draw_ranked_bar.__wrapped__(item, rows, ctx, as_kind(spec, RankedBarSpec), missing)
    drawing, (ax,) = new_figure(spec.width)
    if x_dim == "entity_code":
        x_order = _entity_order(rows, spec.entities)
        series, series_dim = sorted(rows["period"].unique()), "period"
    else:
        x_order = list(dict.fromkeys(rows["category"])) if x_dim == "category" else sorted(rows["period"].unique())
        series, series_dim = _entity_order(rows, spec.entities), "entity_code"
    absent = _grouped_bars(drawing, ax, rows, ctx, x_dim, x_order, series, series_dim, spec.format)
    from matplotlib.patches import Patch

    # one plain key per entity drawn, in its colour: a hatched (not final) bar has a key of its own below
    drawn = [key for key in series if (rows["entity_code"] == key).any()] if series_dim == "entity_code" else []
    handles = [Patch(color=ctx.color(key), label=ctx.name(key)) for key in drawn]
    labels = [handle.get_label() for handle in handles]
    extra = _not_final_handle(ctx, rows, hatched=True)
    if extra is not None:
        handles, labels = handles + [extra], labels + [extra.get_label()]
    _legend_above(ax, handles, labels)
    return finish(drawing, item, ctx, spec, missing=[*missing, *absent])

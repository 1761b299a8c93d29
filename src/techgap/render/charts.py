"""Chart kinds. Items choose a kind and its parameters in config/items.yaml; a chart draws only the
rows it is given — a missing value is shown as missing, never filled."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from techgap.render.style import color_for, text


@dataclass(frozen=True)
class Context:
    lang: str
    name: Callable[[str], str]  # entity code -> display name in lang

    def t(self, value: object) -> str:
        return text(value, self.lang)


MISSING_LABEL = {"zh": "無資料", "en": "n/a"}


def new_figure(item: Any, ctx: Context, spec: dict, *, ncols: int = 1, height: float | None = None):
    import matplotlib.pyplot as plt

    width = spec.get("width", 8.0 if ncols == 1 else 4.2 * ncols)
    fig, axes = plt.subplots(1, ncols, figsize=(width, height or spec.get("height", 4.8)), squeeze=False)
    return fig, list(axes[0])


def finish(fig, item: Any, ctx: Context, spec: dict) -> None:
    """Caption on top, the 資料來源 / Source line and notes at the bottom, as in the report."""
    fig.suptitle(ctx.t(item.title), x=0.01, ha="left", fontsize=13)
    lines = [ctx.t(item.source_line)]
    if spec.get("note"):
        lines.append(ctx.t(spec["note"]))
    footer = "\n".join(lines)
    n_lines = footer.count("\n") + 1
    bottom = min(0.12 + 0.045 * n_lines, 0.4)
    top = 0.86 if len(fig.axes) == 1 or spec.get("bar_indicator") else 0.8  # panels carry their own titles
    left = spec.get("left", 0.09)
    fig.subplots_adjust(left=left, right=0.97, top=top, bottom=bottom, wspace=0.28 + (left - 0.09) * 2)
    fig.text(0.01, 0.01, footer, ha="left", va="bottom", fontsize=8, color="#333333", wrap=True)


def label_margin(labels: list[str], fig_width: float) -> float:
    """Left margin (figure fraction) that fits the longest tick label of a horizontal bar chart;
    CJK characters count double."""
    widest = max((sum(2 if ord(ch) > 0x2E80 else 1 for ch in label) for label in labels), default=0)
    inches = 0.3 + 0.075 * widest
    return min(0.5, max(0.09, inches / fig_width))


def _legend(ax, ncol: int = 6) -> None:
    handles, labels = ax.get_legend_handles_labels()
    if handles:
        ax.legend(handles, labels, loc="upper left", bbox_to_anchor=(0, 1.02), ncol=min(ncol, len(labels)),
                  fontsize=8, handlelength=1.5, columnspacing=1.0)


def _pivot(rows: pd.DataFrame, index: str, columns: str) -> pd.DataFrame:
    return rows.pivot_table(index=index, columns=columns, values="value", aggfunc="first", sort=False)


def draw_line(item: Any, rows: pd.DataFrame, ctx: Context, spec: dict):
    """One line per entity over periods; gaps stay gaps."""
    fig, (ax,) = new_figure(item, ctx, spec)
    periods = sorted(rows["period"].unique())
    table = _pivot(rows, "period", "entity_code").reindex(periods)
    x = np.arange(len(periods))
    order = [c for c in spec.get("entities", table.columns) if c in table.columns]
    for position, code in enumerate(order):
        values = table[code].to_numpy(dtype=float)
        ax.plot(x, values, marker="o", color=color_for(code, position), label=ctx.name(code))
        last = np.flatnonzero(~np.isnan(values))
        if len(last):
            ax.annotate(f"{values[last[-1]]:.2f}", (x[last[-1]], values[last[-1]]), xytext=(4, 0),
                        textcoords="offset points", fontsize=7, va="center", color=color_for(code, position))
    ax.set_xticks(x, periods, rotation=0 if len(periods) < 14 else 45)
    ax.set_ylabel(ctx.t(spec.get("ylabel")))
    if spec.get("ymin") is not None:
        ax.set_ylim(bottom=spec["ymin"])
    _legend(ax)
    finish(fig, item, ctx, spec)
    return fig


def draw_bar_line(item: Any, rows: pd.DataFrame, ctx: Context, spec: dict):
    """Bars for a level, a line on the right axis for its growth (the report's fig 1 / fig 10 form)."""
    fig, (ax,) = new_figure(item, ctx, spec)
    bars = rows[rows["indicator"] == spec["bar_indicator"]].set_index("period")["value"]
    line = rows[rows["indicator"] == spec["line_indicator"]].set_index("period")["value"]
    periods = sorted(set(bars.index) | set(line.index))
    x = np.arange(len(periods))
    bar_values = bars.reindex(periods).to_numpy(dtype=float)
    ax.bar(x, bar_values, color="#1f4e99", width=0.6, label=ctx.t(spec["bar_label"]))
    for xi, value in zip(x, bar_values, strict=True):
        if not np.isnan(value):
            ax.annotate(f"{value:,.0f}" if value >= 100 else f"{value:.1f}", (xi, value), xytext=(0, 2),
                        textcoords="offset points", ha="center", fontsize=7)
    ax.set_ylabel(ctx.t(spec["bar_label"]))
    ax.set_xticks(x, periods)
    ax.set_ylim(0, np.nanmax(bar_values) * 1.65)  # bars in the lower part, the growth line above them
    right = ax.twinx()
    right.spines["right"].set_visible(True)
    right.grid(False)
    line_values = line.reindex(periods).to_numpy(dtype=float)
    right.plot(x, line_values, color="#c8102e", marker="o", label=ctx.t(spec["line_label"]))
    for xi, value in zip(x, line_values, strict=True):
        if not np.isnan(value):
            right.annotate(f"{value:.1f}", (xi, value), xytext=(0, 5), textcoords="offset points", ha="center",
                           fontsize=7, color="#c8102e")
    right.set_ylabel(ctx.t(spec["line_label"]), color="#c8102e")
    top = max(np.nanmax(line_values), 1.0) if np.isfinite(line_values).any() else 1.0
    right.set_ylim(-top * 1.1, top * 1.2)
    handles = ax.get_legend_handles_labels()[0] + right.get_legend_handles_labels()[0]
    labels = ax.get_legend_handles_labels()[1] + right.get_legend_handles_labels()[1]
    ax.legend(handles, labels, loc="upper left", fontsize=8)
    finish(fig, item, ctx, spec)
    return fig


def _grouped(ax, rows: pd.DataFrame, ctx: Context, spec: dict, x_dim: str, series_dim: str, x_order=None,
             series_order=None, value_format: str = "{:g}") -> None:
    table = _pivot(rows, x_dim, series_dim)
    x_labels = list(x_order if x_order is not None else sorted(table.index))
    series = list(series_order if series_order is not None else table.columns)
    table = table.reindex(index=x_labels, columns=series)
    n = max(len(series), 1)
    width = 0.8 / n
    x = np.arange(len(x_labels))
    ymax = np.nanmax(table.to_numpy(dtype=float)) if table.notna().any().any() else 1.0
    for position, key in enumerate(series):
        values = table[key].to_numpy(dtype=float)
        offsets = x - 0.4 + width * (position + 0.5)
        code = key if series_dim == "entity_code" else ""
        label = ctx.name(key) if series_dim == "entity_code" else ctx.t(spec.get("series_labels", {}).get(key, key))
        color = color_for(code, position) if code else spec.get("series_colors", {}).get(key, color_for("", position))
        ax.bar(offsets, np.nan_to_num(values), width=width * 0.95, color=color, label=label)
        for xi, value in zip(offsets, values, strict=True):
            if np.isnan(value):
                ax.text(xi, ymax * 0.01, MISSING_LABEL[ctx.lang], ha="center", va="bottom", rotation=90,
                        fontsize=6, color="#888888")
            else:
                ax.annotate(value_format.format(value), (xi, value), xytext=(0, 2), textcoords="offset points",
                            ha="center", fontsize=6.5)
    if x_dim == "entity_code":
        tick_labels = [ctx.name(v) for v in x_labels]
    elif x_dim == "category":
        tick_labels = [_category_label(rows, v, ctx) for v in x_labels]
    else:
        tick_labels = x_labels
    ax.set_xticks(x, tick_labels)
    ax.set_ylim(0, ymax * 1.15)


def _category_label(rows: pd.DataFrame, category: str, ctx: Context) -> str:
    if ctx.lang == "zh":
        return category
    english = rows.loc[rows["category"] == category, "label_en"]
    english = english[english != ""]
    return english.iloc[0] if len(english) else category


def draw_grouped_bar(item: Any, rows: pd.DataFrame, ctx: Context, spec: dict):
    """Bars grouped by period (one bar per entity), by entity (one bar per period) or by category
    (one bar per entity)."""
    fig, (ax,) = new_figure(item, ctx, spec)
    x_dim = {"entity": "entity_code"}.get(spec.get("x", "period"), spec.get("x", "period"))
    series_dim = "period" if x_dim == "entity_code" else "entity_code"
    x_order = spec.get("entities") if x_dim == "entity_code" else None
    if x_dim == "category":
        x_order = list(dict.fromkeys(rows["category"]))
    if series_dim == "entity_code":
        series_order = [c for c in spec.get("entities", []) if c in set(rows["entity_code"])]
    else:
        series_order = sorted(rows["period"].unique())
    _grouped(ax, rows, ctx, spec, x_dim, series_dim, x_order, series_order or None, spec.get("format", "{:g}"))
    ax.set_ylabel(ctx.t(spec.get("ylabel")))
    _legend(ax)
    finish(fig, item, ctx, spec)
    return fig


def draw_ranked_bar(item: Any, rows: pd.DataFrame, ctx: Context, spec: dict):
    """Entities sorted by value, largest first (horizontal when ``horizontal: true``)."""
    fig, (ax,) = new_figure(item, ctx, spec)
    ordered = rows.sort_values("value", ascending=False, kind="stable")
    labels = [ctx.name(c) if spec.get("label_field", "entity") == "entity" else ctx.t({"zh": zh, "en": en})
              for c, zh, en in zip(ordered["entity_code"], ordered["label"], ordered["label_en"], strict=True)]
    values = ordered["value"].to_numpy(dtype=float)
    colors = [color_for(c, i) if spec.get("color_by_entity", True) else "#1f4e99"
              for i, c in enumerate(ordered["entity_code"])]
    fmt = spec.get("format", "{:g}")
    if spec.get("horizontal"):
        spec["left"] = label_margin(labels, fig.get_figwidth())
        y = np.arange(len(values))[::-1]
        ax.barh(y, values, color=colors)
        ax.set_yticks(y, labels)
        for yi, value in zip(y, values, strict=True):
            ax.annotate(fmt.format(value), (value, yi), xytext=(3, 0), textcoords="offset points", va="center", fontsize=7)
        ax.grid(axis="x")
        ax.grid(axis="y", visible=False)
        ax.set_xlabel(ctx.t(spec.get("ylabel")))
    else:
        x = np.arange(len(values))
        ax.bar(x, values, color=colors)
        ax.set_xticks(x, labels, rotation=spec.get("rotation", 0))
        for xi, value in zip(x, values, strict=True):
            ax.annotate(fmt.format(value), (xi, value), xytext=(0, 2), textcoords="offset points", ha="center", fontsize=7)
        ax.set_ylabel(ctx.t(spec.get("ylabel")))
    finish(fig, item, ctx, spec)
    return fig


def draw_panels(item: Any, rows: pd.DataFrame, ctx: Context, spec: dict):
    """Side-by-side grouped bars, one panel per indicator (e.g. advanced vs mature nodes)."""
    panels = spec["panels"]
    fig, axes = new_figure(item, ctx, spec, ncols=len(panels))
    field = spec.get("panel_field", "indicator")
    for ax, panel in zip(axes, panels, strict=True):
        subset = rows[rows[field] == panel["indicator"]]
        x_order = list(spec["entities"])  # every panel shows every region: a gap reads as "not published"
        series_order = list(spec["periods"])
        _grouped(ax, subset, ctx, spec, "entity_code", "period", x_order, series_order, spec.get("format", "{:g}"))
        ax.set_title(ctx.t(panel["title"]), fontsize=10, loc="center")
        ax.set_ylabel(ctx.t(spec.get("ylabel")))
        ax.tick_params(axis="x", labelsize=7.5, rotation=25)
        _legend(ax)
    finish(fig, item, ctx, spec)
    return fig


def _bars(ax, labels: list[str], values: np.ndarray, colors: list[str], fmt: str) -> None:
    y = np.arange(len(values))[::-1]
    ax.barh(y, values, color=colors)
    ax.set_yticks(y, labels)
    for yi, value in zip(y, values, strict=True):
        ax.annotate(fmt.format(value), (value, yi), xytext=(3 if value >= 0 else -3, 0), textcoords="offset points",
                    va="center", ha="left" if value >= 0 else "right", fontsize=7.5)
    ax.grid(axis="x")
    ax.grid(axis="y", visible=False)
    ax.axvline(0, color="#444444", linewidth=0.8)
    low, high = min(0.0, float(np.nanmin(values))), max(0.0, float(np.nanmax(values)))
    pad = (high - low) * 0.15 or 1.0
    ax.set_xlim(low - (pad if low < 0 else 0), high + pad)


def draw_indicator_bars(item: Any, rows: pd.DataFrame, ctx: Context, spec: dict):
    """Horizontal bars, one per row, labelled by the row's own label, its entity, or a per-indicator
    label from the spec: for figures that carry a handful of stated facts."""
    fig, (ax,) = new_figure(item, ctx, spec, height=spec.get("height", 3.8))
    field = spec.get("label_field", "indicator")
    labels = []
    for _, row in rows.iterrows():
        if field == "label":
            labels.append(row["label"] if ctx.lang == "zh" else (row["label_en"] or row["label"]))
        elif field == "entity":
            labels.append(ctx.name(row["entity_code"]))
        else:
            labels.append(ctx.t(spec["labels"][row["indicator"]]))
    values = rows["value"].to_numpy(dtype=float)
    colors = ["#c8102e" if flag == "approx" else "#1f4e99" for flag in rows["flag"]]
    spec["left"] = label_margin(labels, fig.get_figwidth())
    _bars(ax, labels, values, colors, spec.get("format", "{:g}"))
    ax.set_xlabel(ctx.t(spec.get("ylabel")))
    finish(fig, item, ctx, spec)
    return fig


def draw_bar_panels(item: Any, rows: pd.DataFrame, ctx: Context, spec: dict):
    """One horizontal bar panel per indicator, entities sorted by value."""
    panels = spec["panels"]
    fig, axes = new_figure(item, ctx, spec, ncols=len(panels), height=spec.get("height", 3.8))
    names = [ctx.name(c) for c in rows["entity_code"]]
    spec["left"] = label_margin(names, fig.get_figwidth() / len(panels))
    for ax, panel in zip(axes, panels, strict=True):
        subset = rows[rows["indicator"] == panel["indicator"]].sort_values("value", ascending=False, kind="stable")
        _bars(ax, [ctx.name(c) for c in subset["entity_code"]], subset["value"].to_numpy(dtype=float),
              [color_for(c, i) for i, c in enumerate(subset["entity_code"])], spec.get("format", "{:g}"))
        ax.set_title(ctx.t(panel["title"]), fontsize=10, loc="center")
        ax.set_xlabel(ctx.t(spec.get("ylabel")))
    finish(fig, item, ctx, spec)
    return fig


CHARTS: dict[str, Callable[..., Any]] = {
    "indicator_bars": draw_indicator_bars,
    "bar_panels": draw_bar_panels,
    "line": draw_line,
    "bar_line": draw_bar_line,
    "grouped_bar": draw_grouped_bar,
    "ranked_bar": draw_ranked_bar,
    "panels": draw_panels,
}

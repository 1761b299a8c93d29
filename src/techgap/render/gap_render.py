"""Drawing techgap's gap analysis: gap01 (small multiples of the China/comparator ratio) and gap02 (the gap
table). Both start from the rows ``techgap.gaps.gap_rows`` builds (the CSV beside the items) and the
analysis block in the item's spec; every number shown is computed from those rows."""

from __future__ import annotations

import math
from itertools import pairwise
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.ticker import MaxNLocator

from techgap import gaps, periods
from techgap.kinds import GapMultiplesSpec, GapTableSpec, PairSpec
from techgap.numbers import minus_sign
from techgap.render import draws
from techgap.render.layout import DATA_LABEL_PT, MAX_WIDTH_IN, Context, Drawing, finish, new_figure, wrap
from techgap.render.tables import draw_table

CHINA = "CHN"
TICK_PT = 8
PANEL_TITLE_PT = 8.5
PANEL_HEIGHT_IN = 2.7
PANEL_MARGIN_IN = 0.75  # tick labels and padding beside each panel
# A trend is extended ahead only where it describes the data: not where the project says it does not (trend_misfit)
PROJECTED_OUTCOMES = {"converging", "not_within"}

HEAD = {
    "indicator": {"zh": "指標", "en": "Indicator"},
    "comparator": {"zh": "比較對象", "en": "Comparator"},
    "periods": {"zh": "期間 (期數)", "en": "Periods (n)"},
    "latest": {"zh": "最新比值", "en": "Latest ratio"},
    "trend": {"zh": "趨勢 (每年)", "en": "Trend per year"},
    "when": {"zh": "超越時點 / 趨勢線達對等 ({level} 區間)", "en": "Overtook in / trend line at parity ({level} interval)"},
    "basis": {"zh": "資料基礎與來源", "en": "Data basis and sources"},
}
WORDS = {
    "overtook": {"zh": "{period} 超越", "en": "overtook in {period}"},
    "recrossed": {
        # n counts the periods with data since (a quarterly series may miss quarters), not the calendar's
        "zh": "{period} 首度領先；此後有資料之 {n} 期中 {k} 期領先",
        "en": "first ahead in {period}; ahead in {k} of the {n} {unit} with data since",
    },
    "windows": {
        "zh": "{before} 落後、{period} 領先：於兩期間之間超越",
        "en": "behind in {before}, ahead in {period}: crossed between these windows",
    },
    "projected": {"zh": "趨勢線 {at} 達對等 ({low}–{high})", "en": "trend line at parity in {at} ({low}–{high})"},
    "unbounded": {
        "zh": "趨勢線 {at} 達對等 (斜率過於不確定，無法界定區間)",
        "en": "trend line at parity in {at} (its slope is too uncertain to bound the year)",
    },
    "beyond": {"zh": "{horizon} 年後", "en": "after {horizon}"},
    "parity": {"zh": "對等 = 1", "en": "parity = 1"},
    "break": {"zh": "斷層", "en": "break"},
    "trend": {"zh": "趨勢", "en": "trend"},
    "misfit": {"zh": "趨勢不符近期數據，不作延伸", "en": "the trend does not fit the latest periods: not extended"},
}
UNITS = {"year": "years", "quarter": "quarters", "month": "months", "window": "windows"}


def _words(key: str, ctx: Context, **values: object) -> str:
    return WORDS[key][ctx.lang].format(**values)


NEAR_PARITY = 0.7  # a ratio between this and 1 has its label under the point, clear of the parity line


def _ratio(value: float) -> str:
    return minus_sign(f"{value:.2f}")


def _percent(value: float) -> str:
    return minus_sign(f"{value:+.1f}%")


# --- gap02: the table ----------------------------------------------------------------------------------------


def crossing_words(summary: pd.Series, ctx: Context) -> str:
    """When China got ahead, said for what the periods can show: a clean overtake, a first crossing followed by
    re-crossings ("first ahead in 2018Q1; ahead in 9 of the 21 quarters with data since"), or, for windows years apart, the
    two windows the crossing lies between; empty if China never got ahead from behind."""
    if pd.isna(summary["first_ahead"]):
        return ""
    if summary["period_kind"] == "window":
        return _words("windows", ctx, before=summary["behind_before"], period=summary["first_ahead"])
    if summary["ahead_since"] == summary["periods_since"]:
        return _words("overtook", ctx, period=summary["first_ahead"])
    return _words(
        "recrossed",
        ctx,
        period=summary["first_ahead"],
        k=int(summary["ahead_since"]),
        n=int(summary["periods_since"]),
        unit=UNITS[summary["period_kind"]],
    )


def parity_words(summary: pd.Series, ctx: Context, settings: Any) -> str:
    """The year the trend line reaches parity and its interval (a converging pair only)."""
    kind = summary["period_kind"]
    at = periods.time_label(summary["crossover"], kind)
    if math.isinf(summary["crossover_low"]):
        return _words("unbounded", ctx, at=at)
    high = summary["crossover_high"]
    horizon = periods.time_label(periods.time(summary["last_period"]) + settings.horizon_years, kind)
    high_text = _words("beyond", ctx, horizon=horizon) if math.isinf(high) else periods.time_label(high, kind)
    return _words("projected", ctx, at=at, low=periods.time_label(summary["crossover_low"], kind), high=high_text)


def _when(summary: pd.Series, ctx: Context, settings: Any) -> str:
    """The 'overtook in / trend line at parity' cell: the crossing, the parity year, or the reason there is none."""
    reason = summary["reason_zh"] if ctx.lang == "zh" else summary["reason"]
    parts = [crossing_words(summary, ctx)]
    if summary["outcome"] == "converging":
        parts.append(parity_words(summary, ctx, settings))
    parts.append(reason or "")
    return ("；" if ctx.lang == "zh" else "; ").join(part for part in parts if part)


def _span(first: str, last: str) -> str:
    return first if first == last else f"{first} – {last}"


def build_gap_table(spec: GapTableSpec, result: gaps.GapAnalysis, ctx: Context) -> pd.DataFrame:
    """gap02: one row per configured pair (left-out pairs last, with the reason), numbers with fixed decimals."""
    analysis = spec.analysis
    summaries = result.summary
    labels = {pair.id: pair for pair in analysis.pairs} | {pair.id: pair for pair in analysis.left_out}
    records = []
    for _, summary in summaries.iterrows():
        pair = labels[summary["pair"]]
        has_rows = pd.notna(summary["latest_ratio"])  # a left-out pair with one period still has its ratio
        basis = ctx.t(pair.basis.model_dump()) if hasattr(pair, "basis") else ""
        # a configured pair without rows names the sources it reads (a left-out pair's summary names its own)
        configured = pair.series if isinstance(pair, PairSpec) else []
        sources = summary["sources"] or ", ".join(dict.fromkeys(series.source for series in configured))
        records.append(
            {
                HEAD["indicator"][ctx.lang]: ctx.t(pair.label.model_dump()),
                HEAD["comparator"][ctx.lang]: ctx.name(pair.comparator),
                HEAD["periods"][ctx.lang]: f"{_span(summary['first_period'], summary['last_period'])} ({summary['periods']})"
                if has_rows
                else f"({summary['periods']})",
                HEAD["latest"][ctx.lang]: f"{_ratio(summary['latest_ratio'])} ({summary['last_period']})" if has_rows else "—",
                HEAD["trend"][
                    ctx.lang
                ]: f"{_percent(summary['trend_pct_per_year'])} ({summary['trend_from']}–{summary['trend_to']})"
                if pd.notna(summary["trend_slope"])
                else "—",
                HEAD["when"][ctx.lang].format(level=f"{analysis.settings.level:.0%}"): _when(summary, ctx, analysis.settings),
                HEAD["basis"][ctx.lang]: f"{basis} [{sources}]" if basis else f"[{sources}]",
            }
        )
    return pd.DataFrame.from_records(records)


@draws(GapTableSpec)
def draw_gap_table(item: Any, result: gaps.GapAnalysis, ctx: Context) -> Drawing:
    """The gap table drawn as every other table is (tables.draw_table): measured columns, long cells wrapped to
    them, the source line and note wrapped to the figure width; `$` is drawn as written (text.parse_math off)."""
    return draw_table(item, build_gap_table(item.spec, result, ctx), ctx)


# --- gap01: small multiples ----------------------------------------------------------------------------------


def _log_ticks(low: float, high: float) -> list[float]:
    candidates = [m * 10.0**e for e in range(-3, 3) for m in (1, 2, 5)]
    return [t for t in candidates if low <= t <= high]


def _broken_at_missing_periods(labels: list[str], times: np.ndarray, ratios: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The points of a line with a gap (NaN, which matplotlib does not join) wherever periods are missing between
    two neighbours."""
    xs, ys = [times[0]], [ratios[0]]
    for (before, label), at, ratio in zip(pairwise(labels), times[1:], ratios[1:], strict=True):
        if periods.missing_between(before, label):
            xs.append(np.nan)
            ys.append(np.nan)
        xs.append(at)
        ys.append(ratio)
    return np.array(xs, dtype=float), np.array(ys, dtype=float)


def _panel(
    drawing: Drawing,
    ax: Any,
    pair: PairSpec,
    pair_rows: pd.DataFrame,
    summary: pd.Series,
    ctx: Context,
    settings: Any,
    label_px: float,
) -> None:
    times = pair_rows["time"].to_numpy(dtype=float)
    ratios = pair_rows["ratio"].to_numpy(dtype=float)
    last = times[-1]
    ax.set_yscale("log")
    china = ctx.color(CHINA)
    # The line joins neighbouring periods only: where periods are missing between two points it breaks (a straight
    # line across years without data drew a trend nobody measured).
    line_x, line_y = _broken_at_missing_periods(list(pair_rows["period"]), times, ratios)
    ax.plot(line_x, line_y, color=china, marker="o", markersize=3.5, linewidth=1.2)
    converging = summary["outcome"] == "converging"
    # under its point where the parity label sits above the parity line, or where a label above the point would run
    # into the parity line (a ratio just under 1: gap01's 0.83 and 0.89 were struck through)
    below = converging or NEAR_PARITY < ratios[-1] < 1
    ax.annotate(
        f"{_ratio(ratios[-1])} ({pair_rows['period'].iloc[-1]})",
        (last, ratios[-1]),
        xytext=(3, -5 if below else 5),
        textcoords="offset points",
        fontsize=DATA_LABEL_PT,
        va="top" if below else "bottom",
        color=china,
    )
    x_high = last
    if pd.notna(summary["trend_slope"]):
        trend = pair_rows[pair_rows["in_trend"]]
        # A log-linear trend is a straight line on the log axis: drawn from its two ends. (Drawn through many
        # nearly collinear points, the stroke's joins turned last-bit differences into different pixels.)
        fit_times = np.array([trend["time"].iloc[0], last])
        ax.plot(
            fit_times, gaps.trend_ratios(summary, fit_times), color=ctx.palette.trend, linewidth=0.9, linestyle="-", alpha=0.7
        )
        if summary["outcome"] in PROJECTED_OUTCOMES:
            x_high = last + settings.horizon_years
            ahead = np.linspace(last, x_high, 40)
            low, high = gaps.trend_band(trend["time"].to_numpy(), trend["ratio"].to_numpy(), settings, ahead)
            ax.fill_between(ahead, low, high, color=china, alpha=0.15, linewidth=0)
            ends = np.array([last, x_high])
            ax.plot(ends, gaps.trend_ratios(summary, ends), color=china, linestyle="--", linewidth=1.0)
        if summary["outcome"] == "trend_misfit":
            ax.annotate(
                str(wrap(_words("misfit", ctx), DATA_LABEL_PT, label_px, ax.figure.canvas.get_renderer())),
                (0.98, 0.03),
                xycoords="axes fraction",
                fontsize=DATA_LABEL_PT,
                ha="right",
                va="bottom",
                color=ctx.palette.trend,
            )
        if converging:
            if math.isfinite(summary["crossover_low"]):
                high = summary["crossover_high"] if math.isfinite(summary["crossover_high"]) else x_high
                ax.plot([summary["crossover_low"], high], [1, 1], color=china, linewidth=4, alpha=0.5, solid_capstyle="butt")
            ax.plot([summary["crossover"]], [1], marker="D", color=china, markersize=5)
            # wrapped to a third of the panel: left of a crossover beyond the panel's first third, it stays inside
            label = wrap(parity_words(summary, ctx, settings), DATA_LABEL_PT, label_px, ax.figure.canvas.get_renderer())
            ax.annotate(
                str(label),
                (summary["crossover"], 1),
                # above parity and left of the crossover: the ratio approaches from below and the projection
                # leaves upwards to the right, so nothing is drawn there (centred, the words sat on both)
                xytext=(-6, 7),
                textcoords="offset points",
                fontsize=DATA_LABEL_PT,
                ha="right",
                va="bottom",
                color=china,
            )
    if pd.notna(summary["first_ahead"]):
        at = float(pair_rows.loc[pair_rows["period"] == summary["first_ahead"], "time"].iloc[0])
        ax.axvline(at, color=china, linestyle=":", linewidth=1)
        early = at - times[0] < 0.3 * (x_high - times[0])  # a label left of an early line would cover the ticks
        # At the foot of the dotted line, not on the parity line: the ratio crosses parity right there (the words
        # crossed the ratio's line), while the limits leave room under the smallest ratio.
        ax.annotate(
            str(wrap(crossing_words(summary, ctx), DATA_LABEL_PT, label_px, ax.figure.canvas.get_renderer())),
            (at, 0),
            xycoords=ax.get_xaxis_transform(),
            xytext=(3 if early else -3, 3),
            textcoords="offset points",
            fontsize=DATA_LABEL_PT,
            ha="left" if early else "right",
            va="bottom",
            color=china,
        )
    for start in pair_rows.loc[pair_rows["segment"].diff() > 0, "time"]:
        ax.axvline(start - 0.5, color=ctx.palette.break_, linestyle="-.", linewidth=0.8)
        ax.annotate(
            _words("break", ctx),
            (start - 0.5, 1),
            xytext=(2, 12),
            textcoords="offset points",
            fontsize=DATA_LABEL_PT,
            color=ctx.palette.break_,
        )
    ax.axhline(1, color=ctx.palette.parity, linewidth=0.9, linestyle="--")
    shown = np.concatenate([ratios, [1.0]])
    bottom, top = float(shown.min()) / 1.6, float(shown.max()) * 1.8
    if converging:
        top *= 2.5  # room for the crossover label above the parity line
    ax.set_ylim(bottom, top)
    drawing.values_on(ax, "y")  # every ratio of the pair lies within these limits (checks.values_not_shown)
    ax.set_yticks(_log_ticks(bottom, top), [f"{t:g}" for t in _log_ticks(bottom, top)])
    ax.minorticks_off()
    span = x_high - times[0]
    ax.set_xlim(times[0] - 0.05 * span - 0.5, x_high + 0.25 * span + 0.5)  # room for the direct labels
    ax.xaxis.set_major_locator(MaxNLocator(nbins=5, integer=True))
    ax.tick_params(labelsize=TICK_PT)


def _panel_title(ax: Any, pair: PairSpec, ctx: Context, width_px: float) -> None:
    """What is compared, against whom, and the measure, wrapped to the panel's width."""
    renderer = ax.figure.canvas.get_renderer()
    head = wrap(f"{ctx.t(pair.label.model_dump())} — {ctx.name(pair.comparator)}", PANEL_TITLE_PT, width_px, renderer)
    measure = wrap(ctx.t(pair.measure.model_dump()), PANEL_TITLE_PT, width_px, renderer)
    ax.set_title(str(f"{head}\n{measure}"), fontsize=PANEL_TITLE_PT, loc="left", linespacing=1.3)


@draws(GapMultiplesSpec)
def draw_gap_multiples(item: Any, result: gaps.GapAnalysis, ctx: Context) -> Drawing:
    """gap01: one panel per pair with at least two periods: the ratio on a log scale, parity at 1, the first
    overtake marked, the recent trend and, where China is behind, its projection with the 80% band and the
    crossover interval on the parity line. Laid out by layout.new_figure/finish (source line below the axes)."""
    spec = item.spec
    analysis = spec.analysis
    drawn = result.with_trajectories()  # as the edition's CSV and source line (items.prepare_edition)
    rows, summaries = drawn.rows, drawn.summary.set_index("pair")
    pairs = [pair for pair in analysis.pairs if pair.id in summaries.index]
    nrows = max(1, math.ceil(len(pairs) / spec.ncols))
    drawing, flat = new_figure(MAX_WIDTH_IN, nrows=nrows, ncols=spec.ncols, body_height=PANEL_HEIGHT_IN * nrows)
    fig = drawing.figure
    panel_px = (fig.get_figwidth() / spec.ncols - PANEL_MARGIN_IN) * fig.dpi
    for ax, pair in zip(flat, pairs, strict=False):
        pair_rows = rows[rows["pair"] == pair.id].sort_values("time")
        _panel(drawing, ax, pair, pair_rows, summaries.loc[pair.id], ctx, analysis.settings, label_px=panel_px / 3)
        _panel_title(ax, pair, ctx, panel_px)
    for ax in flat[len(pairs) :]:
        ax.axis("off")
    return finish(drawing, item, ctx, spec)

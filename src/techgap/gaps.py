"""Gap trajectories: China's value as a multiple of a comparator's, per indicator and period, when China
overtook, the trend of the ratio and, where China is still behind, when the trend would reach parity.

Pure analysis (no drawing, no file writes). Method, in brief (docs/gaps.md has the full text):
- ratio = China / comparator in each period both have, on the same source, indicator and unit;
- the trend is an ordinary least-squares line through log(ratio) against time over the last ``window``
  periods of the newest segment (a declared break splits a series; only the segment after it is used),
  never from fewer than ``min_points`` periods;
- the fit is statsmodels' OLS with autocorrelation-consistent (HAC) errors, intervals from Student's t;
- the year the trend line reaches parity is where that line reaches log(ratio) = 0, with Fieller's interval;
  it is projected only when it lies after the last period (a line at parity before a period in which China
  is still behind does not describe the data) and within ``horizon_years`` of it (else "not within N years
  at the current trend").
Time is measured in years: a year is its number, a quarter its middle (2023Q3 -> 2023.625), a month its
middle, a window such as 2019-2021 its middle year (2020). Forecast periods (2027f) are not observations
and are dropped."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from techgap import compare, periods
from techgap.errors import InputError
from techgap.kinds import AnalysisSpec, BreakSpec, GapSettings, PairSpec, SeriesSpec

ROW_COLUMNS = [
    "pair",
    "period",
    "period_kind",
    "time",
    "segment",
    "in_trend",
    "china",
    "comparator",
    "china_value",
    "comparator_value",
    "unit",
    "ratio",
    "source",
    "indicator",
    "vintage",
    "china_document",
    "china_line",
    "comparator_document",
    "comparator_line",
]


# --- periods as time -----------------------------------------------------------------------------------------


def period_kind(period: str) -> str | None:
    """year, quarter, month or window: the shapes a trend is fitted through; None for a forecast or other shapes."""
    shape = periods.shape(period)
    return shape if shape in periods.TIMED_SHAPES else None


# --- rows ----------------------------------------------------------------------------------------------------


def _series_rows(frames: dict[str, pd.DataFrame], pair: PairSpec, series: SeriesSpec) -> pd.DataFrame:
    """China and comparator side by side per period for one source, first listed indicator winning."""
    if series.source not in frames:
        raise KeyError(f"gap pair {pair.id}: source {series.source!r} was not loaded (add it to the item's sources)")
    frame = frames[series.source]
    keep = (
        frame["preferred"] & frame["indicator"].isin(series.indicator) & frame["entity_code"].isin([pair.china, pair.comparator])
    )
    if series.category is not None:
        keep &= frame["category"] == series.category
    rows = frame[keep]
    wide = []
    for indicator in series.indicator:
        sides = {}
        for role, code in (("china", pair.china), ("comparator", pair.comparator)):
            side = rows[(rows["indicator"] == indicator) & (rows["entity_code"] == code)]
            twice = side["period"][side["period"].duplicated()]
            if len(twice):
                raise InputError(
                    Path("data/raw") / series.source / str(side["vintage"].iloc[0]),
                    f"gap pair {pair.id}: {code} {indicator} has several preferred rows for {twice.iloc[0]}",
                    line=int(side.loc[twice.index[0], "line"]) + 1,
                    field="period",
                    expected="one preferred value per period (set category in config/analysis.yaml)",
                )
            sides[role] = side.set_index("period")[["value", "unit", "document", "line", "vintage"]].add_prefix(f"{role}_")
        both = sides["china"].join(sides["comparator"], how="inner")
        both = both[both["china_unit"] == both["comparator_unit"]]
        both["indicator"] = indicator
        wide.append(both)
    out = pd.concat(wide)
    out = out[~out.index.duplicated(keep="first")]  # the first listed indicator wins a period
    out["source"] = series.source
    return out


def pair_rows(
    frames: dict[str, pd.DataFrame],
    pair: PairSpec,
    breaks: list[BreakSpec],
    settings: GapSettings,
    last_period: str | None = None,
) -> pd.DataFrame:
    """One row per period China and the comparator both have, up to ``last_period`` when given: values, ratio,
    time, segment and whether the period is in the trend window. The first listed series wins a period."""
    parts = [_series_rows(frames, pair, series) for series in pair.series]
    both = pd.concat(parts)
    both = both[~both.index.duplicated(keep="first")].rename_axis("period").reset_index()
    both["period"] = both["period"].astype(str)
    both["period_kind"] = both["period"].map(period_kind)
    both = both[both["period_kind"].notna()]  # forecasts are not observations
    if last_period is not None:  # before the trend window is chosen: a later period is not in the data at all
        cutoff = periods.end(last_period)
        # a boolean mask, not a list: an empty list would select no columns instead of no rows
        both = both[both["period"].map(lambda p: periods.end(p) <= cutoff).astype(bool)]
    kinds = sorted(set(both["period_kind"]))
    if pair.period_kind is not None:
        both = both[both["period_kind"] == pair.period_kind]
    elif len(kinds) > 1:
        raise InputError(
            "config/analysis.yaml",
            f"gap pair {pair.id} mixes period kinds {kinds}",
            field="period_kind",
            expected="period_kind: one of year, quarter, month, window",
        )
    both["time"] = both["period"].map(periods.time).astype(float)
    both = both.dropna(subset=["time"]).sort_values("time", kind="stable").reset_index(drop=True)
    both["ratio"] = [compare.ratio(c, k) for c, k in zip(both["china_value"], both["comparator_value"], strict=True)]
    both["segment"] = _segments(both, pair, breaks)
    both["in_trend"] = _in_trend(both, settings)
    both["pair"] = pair.id
    both["china"] = pair.china
    both["comparator"] = pair.comparator
    both["unit"] = both["china_unit"]
    both["vintage"] = both["china_vintage"]
    return both[ROW_COLUMNS]


def _segments(rows: pd.DataFrame, pair: PairSpec, breaks: list[BreakSpec]) -> pd.Series:
    """0 before the first declared break that applies to the pair, 1 after it, and so on."""
    starts = sorted(
        periods.time(b.period) for b in breaks if any(b.source == s.source and b.indicator in s.indicator for s in pair.series)
    )
    return pd.Series([sum(t >= start for start in starts) for t in rows["time"]], index=rows.index, dtype="int64")


def _in_trend(rows: pd.DataFrame, settings: GapSettings) -> pd.Series:
    """The last ``window`` periods of the newest segment, if there are at least ``min_points`` of them."""
    flags = pd.Series(False, index=rows.index)
    if rows.empty:
        return flags
    newest = rows.index[rows["segment"] == rows["segment"].max()][-settings.window :]
    if len(newest) >= settings.min_points:
        flags[newest] = True
    return flags


def gap_rows(frames: dict[str, pd.DataFrame], analysis: AnalysisSpec) -> pd.DataFrame:
    """The item's tidy rows (the CSV beside gap01/gap02): per pair and period the China value, the
    comparator value and the ratio, with source, documents, vintage and lines so every number traces back."""
    parts = [pair_rows(frames, pair, analysis.breaks, analysis.settings, analysis.last_period) for pair in analysis.pairs]
    rows = pd.concat(parts, ignore_index=True)
    rows["china_line"] = rows["china_line"].astype("Int64")
    rows["comparator_line"] = rows["comparator_line"].astype("Int64")
    return rows


# --- trend and crossover -------------------------------------------------------------------------------------


# Every number the analysis hands to a drawing or a file is rounded to this many significant digits: far
# below a pixel or a printed digit, far above the last-bit differences of exp, log and sums between CPUs
# (numpy's SIMD paths and BLAS kernels differ by machine), which would otherwise reach the figures' bytes.
STATED_DIGITS = 10


def stated(values: float | np.ndarray) -> float | np.ndarray:
    """``values`` rounded to STATED_DIGITS significant digits (infinities and NaN unchanged)."""
    if np.ndim(values) == 0:
        value = float(values)
        return float(f"{value:.{STATED_DIGITS}g}") if math.isfinite(value) else value
    return np.array([stated(v) for v in np.ravel(values)], dtype=float).reshape(np.shape(values))


@dataclass(frozen=True)
class TrendFit:
    """The trend of a pair: OLS of log(ratio) on time centred at ``centre``, with heteroskedasticity- and
    autocorrelation-consistent (HAC, Newey-West) covariance of (level, slope)."""

    centre: float
    level: float  # log ratio of the line at the centre
    slope: float  # change of the log ratio per year
    covariance: np.ndarray  # 2x2, of (level, slope)
    critical: float  # Student t quantile of the two-sided interval (n - 2 degrees of freedom)
    results: Any  # statsmodels' results, for the band


def design_matrix(offsets: np.ndarray) -> np.ndarray:
    """The trend's regressors: a constant and the time from the centre, one row per point."""
    return np.column_stack([np.ones_like(offsets), offsets])


def fit_trend(time: np.ndarray, ratio: np.ndarray, settings: GapSettings) -> TrendFit:
    """The log-linear trend through the points, by statsmodels. A handful of yearly points of a ratio that moves
    slowly are autocorrelated (residuals of neighbouring years alike): plain OLS errors would be too narrow, so the
    covariance is HAC with ``settings.hac_lags`` lags, and intervals use Student's t, not the normal."""
    # statsmodels and scipy.stats take seconds to import: imported here, only the jobs that fit a trend pay for them
    # (every build job imports this module through the item renderer).
    from scipy.stats import t as student_t
    from statsmodels.regression.linear_model import OLS

    x = np.asarray(time, dtype=float)
    centre = float(x.mean())
    results = OLS(np.log(np.asarray(ratio, dtype=float)), design_matrix(x - centre)).fit(
        cov_type="HAC", cov_kwds={"maxlags": settings.hac_lags}, use_t=True
    )
    level, slope = (float(v) for v in results.params)
    critical = float(student_t.ppf(0.5 + settings.level / 2, results.df_resid))
    return TrendFit(centre, level, slope, np.asarray(results.cov_params()), critical, results)


def parity_interval(fit: TrendFit) -> tuple[float, float]:
    """Fieller's interval of the year the trend line reaches parity (log ratio 0): the years x at which
    level + slope * (x - centre) is within ``critical`` standard errors of 0. It is bounded only where the slope
    is itself distinguishable from 0; otherwise the data do not bound the year: (-inf, inf)."""
    var_level, covar, var_slope = fit.covariance[0, 0], fit.covariance[0, 1], fit.covariance[1, 1]
    t2 = fit.critical**2
    # (level + slope d)^2 <= t2 (var_level + 2 d covar + d^2 var_slope), a quadratic a d^2 + 2 b d + c <= 0
    a = fit.slope**2 - t2 * var_slope
    b = fit.level * fit.slope - t2 * covar
    c = fit.level**2 - t2 * var_level
    if a <= 0:
        return -math.inf, math.inf
    root = math.sqrt(max(b * b - a * c, 0.0))
    return fit.centre + (-b - root) / a, fit.centre + (-b + root) / a


def trend_ratios(summary: Mapping[str, float], at: np.ndarray) -> np.ndarray:
    """The trend line of a summary (see ``summarize_pair``) as ratios at the times ``at``, rounded."""
    times = np.asarray(at, dtype=float)
    return stated(np.exp(summary["trend_level"] + summary["trend_slope"] * (times - summary["trend_centre"])))


def trend_band(time: np.ndarray, ratio: np.ndarray, settings: GapSettings, at: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The ``level`` confidence band of the trend line (not of single observations) at the times ``at``, as
    ratios: statsmodels' prediction of the mean with the HAC covariance."""
    fit = fit_trend(time, ratio, settings)
    band = fit.results.get_prediction(design_matrix(np.asarray(at, dtype=float) - fit.centre)).conf_int(alpha=1 - settings.level)
    return stated(np.exp(band[:, 0])), stated(np.exp(band[:, 1]))


SUMMARY_COLUMNS = [
    "pair",
    "china",
    "comparator",
    "periods",
    "first_period",
    "last_period",
    "period_kind",
    "latest_ratio",
    "first_ahead",
    "behind_before",
    "ahead_since",
    "periods_since",
    "ahead_now",
    "trend_points",
    "trend_from",
    "trend_to",
    "trend_centre",
    "trend_level",
    "trend_slope",
    "trend_pct_per_year",
    "crossover",
    "crossover_low",
    "crossover_high",
    "outcome",
    "reason",
    "reason_zh",
    "sources",
    "documents",
]


def summarize_pair(rows: pd.DataFrame, pair_id: str, settings: GapSettings) -> dict:
    """One pair's summary from its rows (see ``pair_rows``). ``outcome`` is one of: overtook (ahead in the
    latest period), ahead (ahead in every period), converging (a crossover within the horizon), not_within
    (no crossover within the horizon at the current trend), trend_misfit (the trend line
    reaches parity no later than the last period although China is still behind in it), behind_no_trend (fewer than min_points) or
    left_out (fewer than two periods)."""
    rows = rows.sort_values("time", kind="stable")
    out = {column: None for column in SUMMARY_COLUMNS}
    out.update(
        pair=pair_id,
        periods=len(rows),
        sources=", ".join(dict.fromkeys(rows["source"])),
        documents=", ".join(dict.fromkeys(list(rows["china_document"]) + list(rows["comparator_document"]))),
    )
    if len(rows) < 2:
        only = f" ({rows['period'].iloc[0]})" if len(rows) else ""
        out.update(
            outcome="left_out",
            reason=f"{len(rows)} period{'' if len(rows) == 1 else 's'} with both values{only}",
            reason_zh=f"雙方皆有數值的期間僅 {len(rows)} 個{only}",
        )
        if len(rows):  # no trend from one period, but its ratio is a fact the table shows
            only_period = rows["period"].iloc[0]
            out.update(first_period=only_period, last_period=only_period, latest_ratio=float(rows["ratio"].iloc[0]))
        return out
    out.update(
        china=rows["china"].iloc[0],
        comparator=rows["comparator"].iloc[0],
        first_period=rows["period"].iloc[0],
        last_period=rows["period"].iloc[-1],
        period_kind=rows["period_kind"].iloc[0],
        latest_ratio=float(rows["ratio"].iloc[-1]),
        ahead_now=bool(rows["ratio"].iloc[-1] > 1),
    )
    out.update(_crossing(rows))
    trend = rows[rows["in_trend"]]
    fit = None
    if len(trend):
        fit = fit_trend(trend["time"].to_numpy(), trend["ratio"].to_numpy(), settings)
        out.update(
            trend_points=len(trend),
            trend_from=trend["period"].iloc[0],
            trend_to=trend["period"].iloc[-1],
            trend_centre=stated(fit.centre),
            trend_level=stated(fit.level),
            trend_slope=stated(fit.slope),
            trend_pct_per_year=stated(100 * math.expm1(fit.slope)),
        )
    out["outcome"], out["reason"], out["reason_zh"] = _outcome(rows, fit, out, settings)
    return out


def _crossing(rows: pd.DataFrame) -> dict:
    """When China first got ahead after being behind (compare.first_overtake, on time-ordered positions:
    period labels of different kinds do not sort), the period before it, and in how many of the periods since
    (that one included) it was ahead: a series that crosses back and forth is not 'overtook in' its first crossing."""
    position = compare.first_overtake(
        pd.Series(rows["comparator_value"].to_numpy(), index=rows["time"].to_numpy()),
        pd.Series(rows["china_value"].to_numpy(), index=rows["time"].to_numpy()),
    )
    if position is None:
        return {}
    since = rows[rows["time"] >= position]
    return {
        "first_ahead": since["period"].iloc[0],
        "behind_before": rows.loc[rows["time"] < position, "period"].iloc[-1],
        "ahead_since": int((since["ratio"] > 1).sum()),
        "periods_since": len(since),
    }


def _outcome(rows: pd.DataFrame, fit: TrendFit | None, out: dict, settings: GapSettings) -> tuple[str, str, str]:
    """(outcome, reason in English, reason in Chinese)."""
    years = f"{settings.horizon_years:g}"
    if (rows["ratio"] > 1).all():
        return "ahead", "ahead in every period with both values", "各期皆領先"
    if out["ahead_now"]:
        return "overtook", "", ""
    if fit is None:
        newest = int((rows["segment"] == rows["segment"].max()).sum())
        after_en, after_zh = (" after the break", "斷層後") if rows["segment"].max() > 0 else ("", "")
        return (
            "behind_no_trend",
            f"{newest} period{'' if newest == 1 else 's'}{after_en} (a trend needs {settings.min_points})",
            f"{after_zh}僅 {newest} 期（推估趨勢需 {settings.min_points} 期）",
        )
    last = float(rows["time"].iloc[-1])
    horizon = last + settings.horizon_years
    if out["trend_slope"] <= 0:
        return (
            "not_within",
            f"not within {years} years at the current trend (the ratio is not rising)",
            f"依目前趨勢 {years} 年內不會追上（比值未上升）",
        )
    crossing = stated(out["trend_centre"] - out["trend_level"] / out["trend_slope"])
    if crossing <= last:  # the line says parity is behind us while the latest period is still below it
        at = periods.time_label(crossing, out["period_kind"])
        return (
            "trend_misfit",
            f"the trend line is at parity by {at}, yet China is still behind in {out['last_period']}: "
            "the trend does not describe the latest periods, so nothing is projected",
            f"趨勢線於 {at} 已達對等，但中國在 {out['last_period']} 仍落後：趨勢不符近期數據，不作推估",
        )
    if crossing > horizon:
        return "not_within", f"not within {years} years at the current trend", f"依目前趨勢 {years} 年內不會追上"
    low, high = parity_interval(fit)
    out.update(crossover=crossing, crossover_low=stated(low), crossover_high=stated(high) if high <= horizon else math.inf)
    return "converging", "", ""


def summarize(rows: pd.DataFrame, analysis: AnalysisSpec) -> pd.DataFrame:
    """One row per configured pair, in configuration order (left-out pairs last, with their reason)."""
    records = [summarize_pair(rows[rows["pair"] == pair.id], pair.id, analysis.settings) for pair in analysis.pairs]
    for pair in analysis.left_out:
        record = {column: None for column in SUMMARY_COLUMNS}
        record.update(
            pair=pair.id,
            comparator=pair.comparator,
            periods=0,
            outcome="left_out",
            reason=pair.why.en,
            reason_zh=pair.why.zh,
            sources=", ".join(pair.sources),
        )
        records.append(record)
    return pd.DataFrame.from_records(records, columns=SUMMARY_COLUMNS)


def long_view(rows: pd.DataFrame) -> pd.DataFrame:
    """The gap analysis's rows as long rows (the ratio per pair and period, with both documents), so texts,
    source lines and edition comparisons work on them as on any item's rows."""
    parts = []
    for side in ("china", "comparator"):
        parts.append(
            pd.DataFrame(
                {
                    "entity_code": rows["china"],
                    "entity": rows["china"],
                    "entity_zh": rows["china"],
                    "category": rows["pair"],
                    "indicator": "ratio",
                    "period": rows["period"],
                    "value": rows["ratio"],
                    "unit": "ratio",
                    "label": "",
                    "label_en": "",
                    "flag": "",
                    "source": rows["source"],
                    "document": rows[f"{side}_document"],
                    "vintage": rows["vintage"],
                    "line": rows[f"{side}_line"],
                }
            )
        )
    return pd.concat(parts, ignore_index=True)


@dataclass(frozen=True)
class GapAnalysis:
    """One edition's gap analysis: the pair rows (the CSV beside gap01/gap02) and one summary row per pair, made
    once and read by both drawings in both languages."""

    rows: pd.DataFrame
    summary: pd.DataFrame

    def with_trajectories(self) -> GapAnalysis:
        """Only the pairs with a trajectory (two periods or more: every outcome but left_out), rows and summary."""
        kept = self.summary.loc[self.summary["outcome"] != "left_out", "pair"]
        return GapAnalysis(
            self.rows[self.rows["pair"].isin(kept)].reset_index(drop=True),
            self.summary[self.summary["pair"].isin(kept)].reset_index(drop=True),
        )


def analyse(frames: dict[str, pd.DataFrame], analysis: AnalysisSpec) -> GapAnalysis:
    """The pair rows of ``frames`` (``gap_rows``) and their summary (``summarize``)."""
    rows = gap_rows(frames, analysis)
    return GapAnalysis(rows, summarize(rows, analysis))

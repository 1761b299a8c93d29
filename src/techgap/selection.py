"""The rows an item draws: selected from the processed tables by its typed data selections (techgap.kinds),
with the series the report computes derived from them (growth, shares, changes, scaled units), checked for
the gaps a figure cannot have, and written out as the tidy CSV beside the item."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from techgap import compare, periods
from techgap.errors import InputError
from techgap.kinds import (
    ChangeStep,
    DeriveStep,
    NewestPeriods,
    PeriodRange,
    RequireComplete,
    ScaleStep,
    Selection,
    ShareStep,
    YoyStep,
)

ITEMS_FILE = Path("config/items.yaml")
ITEM_DATA_COLUMNS = [
    "entity_code",
    "entity",
    "entity_zh",
    "category",
    "indicator",
    "period",
    "value",
    "unit",
    "label",
    "label_en",
    "flag",
    "source",
    "document",
    "vintage",
    "line",
]
Published = Mapping[str, Mapping[str, str | None]]  # source -> document id -> publication date


# --- periods a selection asks for ------------------------------------------------------------------------------


def eligible_periods(candidates: pd.DataFrame, selection: Selection) -> list[str]:
    """Periods a `latest` token may resolve to, oldest first: those where at least `min_coverage` of the
    requested entities have a value (any entity when none is requested). Forecast years count only where
    `period_shape` asks for them."""
    present = candidates[candidates["value"].notna()]
    needed = 1
    if selection.entities:
        needed = max(1, math.ceil(selection.min_coverage * len(selection.entities)))
    counts = present.groupby("period")["entity_code"].nunique()
    forecasts_wanted = "forecast" in (selection.period_shape or [])
    eligible = [p for p, n in counts.items() if n >= needed and (not periods.is_forecast(p) or forecasts_wanted)]
    return sorted(eligible, key=periods.order)


def resolve_periods(candidates: pd.DataFrame, selection: Selection) -> list[str] | PeriodRange | None:
    """The selection's periods with `latest` tokens replaced by periods the data hold: `{from: 2010, to:
    latest}`, `[latest, latest-1y]`, `{latest: 4}` (the four newest)."""
    wanted = selection.periods
    uses_latest = (
        isinstance(wanted, NewestPeriods)
        or (isinstance(wanted, PeriodRange) and wanted.last == "latest")
        or (isinstance(wanted, list) and any(periods.LATEST.match(p) for p in wanted))
    )
    if not uses_latest:
        return wanted
    eligible = eligible_periods(candidates, selection)
    if not eligible:
        return []
    newest = eligible[-1]
    if isinstance(wanted, NewestPeriods):
        return eligible[-wanted.latest :]
    if isinstance(wanted, PeriodRange):
        return wanted.model_copy(update={"last": int(newest[:4])})
    return [periods.resolve_latest(p, newest) if periods.LATEST.match(p) else p for p in wanted]


def period_in(column: pd.Series, wanted: list[str] | PeriodRange | None) -> pd.Series:
    """Rows whose period is in the list, or whose leading year lies in the range."""
    if wanted is None:
        return pd.Series(True, index=column.index)
    if isinstance(wanted, PeriodRange):
        year = pd.to_numeric(column.str[:4], errors="coerce")
        return (year >= wanted.first) & (year <= int(wanted.last))
    return column.isin(wanted)


def newest_document(candidates: pd.DataFrame, published: Mapping[str, str | None]) -> str | None:
    """The document published last among those the candidate rows cite (`document: newest`)."""
    documents = [d for d in dict.fromkeys(candidates["document"]) if d]
    dated = [(published.get(d) or "", position, d) for position, d in enumerate(documents)]
    return max(dated)[2] if dated else None


def out_by(date: str | None, bound: str) -> bool:
    """Whether a document published on ``date`` was out by ``bound`` (each YYYY, YYYY-MM or YYYY-MM-DD), compared at
    the coarser of the two (a document of "2023" is out by 2023-08); an undated document never is."""
    if not date:
        return False
    common = min(len(date), len(bound))
    return date[:common] <= bound[:common]


def select(frames: Mapping[str, pd.DataFrame], selection: Selection, published: Published | None = None) -> pd.DataFrame:
    """Rows of one source matching the selection's indicators, entities, periods, category and document."""
    frame = frames[selection.source]
    keep = frame["indicator"].isin(selection.indicator)
    if selection.entities is not None:
        keep &= frame["entity_code"].isin(selection.entities)
    if selection.category is not None:
        keep &= frame["category"].isin(selection.category)
    if selection.period_shape is not None:
        shapes = set(selection.period_shape)
        keep &= frame["period"].map(lambda p: periods.shape(p) in shapes).astype(bool)
    if selection.published_by is not None:
        dates = (published or {}).get(selection.source, {})
        keep &= frame["document"].map(lambda d: out_by(dates.get(d), selection.published_by)).astype(bool)
    documents = selection.document
    if documents == ["newest"]:
        newest = newest_document(frame[keep], (published or {}).get(selection.source, {}))
        documents = [newest] if newest is not None else None
    if documents is not None:
        keep &= frame["document"].isin(documents)
    elif selection.preferred_only:
        keep &= frame["preferred"]
    candidates = frame[keep]
    rows = candidates[period_in(candidates["period"], resolve_periods(candidates, selection))].copy()
    if selection.entities is not None:
        order = {code: i for i, code in enumerate(selection.entities)}
        rows = rows.sort_values(
            ["entity_code", "period"], key=lambda s: s.map(order) if s.name == "entity_code" else s, kind="stable"
        )
    return rows


def selected_rows(
    selections: Sequence[Selection], frames: Mapping[str, pd.DataFrame], published: Published | None = None
) -> pd.DataFrame:
    """The rows the selections match (those whose source is loaded), in source order (may be empty)."""
    parts = [select(frames, selection, published) for selection in selections if selection.source in frames]
    rows = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
    if not rows.empty:
        rows = rows.sort_values(["source", "line"], kind="stable").reset_index(drop=True)  # source order
    return rows


# --- derived series --------------------------------------------------------------------------------------------


def _growth_on_a_year_before(group: pd.DataFrame) -> np.ndarray:
    """Each row's value against the same period a year before (2023Q3 against 2022Q3), from compare.growth; NaN
    where the rows hold no value a year before (or it is zero)."""
    levels = list(zip(group["period"], group["value"].astype("float64"), strict=True))
    values = dict(levels)
    out = []
    for period, value in levels:
        before = values.get(periods.shift_years(period, 1), math.nan)
        out.append(compare.growth(value, before) if before and not math.isnan(before) and not math.isnan(value) else math.nan)
    return np.array(out, dtype="float64")


def derive_yoy(rows: pd.DataFrame, indicator: str, new_indicator: str) -> pd.DataFrame:
    """Year-on-year growth computed from the levels (not copied from the source), one row per level: a yearly series
    through compare.yoy_growth (a year without the year before gets none), any other period against the same period
    a year before (tab07's quarters)."""
    out = []
    for _code, group in rows[rows["indicator"] == indicator].groupby("entity_code", sort=False):
        derived = group.copy()
        derived["indicator"] = new_indicator
        if all(periods.is_year(p) for p in group["period"]):
            series = group.set_index(group["period"].astype(int))["value"]
            derived["value"] = compare.yoy_growth(series).reindex(group["period"].astype(int)).to_numpy()
            derived["document"] = f"compare.yoy_growth({indicator})"
        else:
            derived["value"] = _growth_on_a_year_before(group)
            derived["document"] = f"compare.growth({indicator}, a year before)"
        derived["unit"] = "percent"
        derived["source"] = "techgap"
        derived["flag"] = ""
        derived["line"] = pd.NA
        out.append(derived)
    return pd.concat(out) if out else rows.iloc[0:0]


def _derived_like(group: pd.DataFrame, indicator: str, unit: str, how: str) -> pd.DataFrame:
    """Rows computed from source rows keep their source, document and vintage (so the source line cites what
    they were computed from) and say how in `label_en`."""
    derived = group.copy()
    derived["indicator"] = indicator
    derived["unit"] = unit
    derived["label"] = how
    derived["label_en"] = how
    derived["line"] = pd.NA
    return derived


def derive_share(rows: pd.DataFrame, indicator: str, total: str, new_indicator: str) -> pd.DataFrame:
    """Each entity's value as a percentage of the ``total`` entity's value of the same category and period
    (imports from a partner over imports from the world). No total, no share."""
    source = rows[rows["indicator"] == indicator]
    totals = source[source["entity_code"] == total].set_index(["category", "period"])["value"]
    parts = source[source["entity_code"] != total]
    keys = pd.MultiIndex.from_frame(parts[["category", "period"]])
    denominator = totals.reindex(keys).to_numpy(dtype=float)
    derived = _derived_like(parts, new_indicator, "percent", f"share: {indicator} / {total} * 100")
    derived["value"] = parts["value"].to_numpy(dtype=float) / denominator * 100
    return derived[~np.isnan(denominator)]


def derive_change(rows: pd.DataFrame, indicator: str, base: str, new_indicator: str) -> pd.DataFrame:
    """Per entity (and category), the newest period's value minus the ``base`` period's, in percentage points,
    labelled by the window 'base-newest' (the report's '2018-2022')."""
    out = []
    source = rows[(rows["indicator"] == indicator) & rows["value"].notna()]
    for _key, group in source.groupby(["entity_code", "category"], sort=False, dropna=False):
        by_period = group.set_index("period")
        newest = max(by_period.index, key=periods.order)
        if base not in by_period.index or newest == base:
            continue
        derived = _derived_like(by_period.loc[[newest]].reset_index(), new_indicator, "percentage points", f"change: {indicator}")
        derived["value"] = float(by_period.at[newest, "value"]) - float(by_period.at[base, "value"])
        derived["period"] = f"{base}-{newest}"
        flags = [str(f) for f in by_period.loc[[base, newest], "flag"] if str(f)]
        derived["flag"] = flags[0] if flags else ""  # a provisional endpoint makes the change provisional
        out.append(derived)
    return pd.concat(out, ignore_index=True) if out else rows.iloc[0:0]


def derive_scale(rows: pd.DataFrame, indicator: str, factor: float, unit: str, new_indicator: str) -> pd.DataFrame:
    """The values times ``factor`` in ``unit`` (USD -> USD billion: factor 1e-9)."""
    derived = _derived_like(rows[rows["indicator"] == indicator], new_indicator, unit, f"{indicator} x {factor:g}")
    derived["value"] = derived["value"].astype(float) * float(factor)
    return derived


def source_indicator(step: DeriveStep) -> str:
    """The indicator a derive step computes from."""
    if isinstance(step, YoyStep):
        return step.yoy
    if isinstance(step, ShareStep):
        return step.share
    if isinstance(step, ChangeStep):
        return step.change
    return step.scale


def apply_derive(rows: pd.DataFrame, step: DeriveStep) -> pd.DataFrame:
    """One derive step. `yoy` adds growth rates beside the levels; `share`, `change` and `scale` replace the rows
    they are computed from, which the figure does not draw. A step whose input has no rows (an API source not
    yet refreshed) changes nothing."""
    indicator = source_indicator(step)
    if rows.empty or not (rows["indicator"] == indicator).any():
        return rows
    if isinstance(step, YoyStep):
        return pd.concat([rows, derive_yoy(rows, indicator, step.name)], ignore_index=True)
    if isinstance(step, ShareStep):
        derived = derive_share(rows, indicator, step.of, step.name)
    elif isinstance(step, ChangeStep):
        derived = derive_change(rows, indicator, step.base, step.name)
    else:
        assert isinstance(step, ScaleStep)
        derived = derive_scale(rows, indicator, step.factor, step.unit, step.name)
    return pd.concat([rows[rows["indicator"] != indicator], derived], ignore_index=True)


def share_totals(steps: Sequence[DeriveStep]) -> set[str]:
    """Entities a `share` step divides by and does not draw (the World row of import shares)."""
    return {step.of for step in steps if isinstance(step, ShareStep)}


# --- checks on what is drawn ----------------------------------------------------------------------------------


def check_required(item_id: str, needs: Sequence[RequireComplete], rows: pd.DataFrame, source: str) -> None:
    """A yearly series the figure needs must have no gaps (bad input, not a partial figure). ``source``: the one
    named when the series has no row at all."""
    for need in needs:
        subset = rows[(rows["indicator"] == need.indicator) & (rows["entity_code"] == need.entity)]
        have = set(subset["period"])
        last = need.last if need.last != "latest" else max((int(p[:4]) for p in have), default=0)
        missing = [str(y) for y in range(need.first, last + 1) if str(y) not in have]
        if missing:
            source = subset["source"].iloc[0] if len(subset) else source
            vintage = subset["vintage"].iloc[0] if len(subset) else "?"
            raise InputError(
                Path("data/raw") / source / vintage,
                f"item {item_id}: {need.entity} {need.indicator} has no value for {', '.join(missing)} "
                "(a gap in a yearly series)",
                field="period",
                expected=f"every year {need.first}-{need.last}",
            )


def absent_entities(item_id: str, selections: Sequence[Selection], steps: Sequence[DeriveStep], rows: pd.DataFrame) -> list[str]:
    """Warnings: entities a selection asks for that have no row in the vintage in use (a share's total is used,
    not drawn)."""
    warnings = []
    consumed = share_totals(steps)
    for number, selection in enumerate(selections):
        got = set(rows.loc[rows["source"] == selection.source, "entity_code"]) if len(rows) else set()
        for code in selection.entities or []:
            if code not in got and code not in consumed:
                warnings.append(
                    f"item {item_id}: entity {code} requested in spec.data[{number}].entities has no rows in {selection.source}"
                )
    return warnings


def with_zh_names(rows: pd.DataFrame, names_zh: Mapping[str, str]) -> pd.DataFrame:
    rows = rows.copy()
    rows["entity_zh"] = rows["entity_code"].map(names_zh).fillna(rows["entity"])
    return rows


def tidy(rows: pd.DataFrame) -> pd.DataFrame:
    """The CSV written beside a figure: the rows it draws, sorted, in fixed columns."""
    rows = rows.copy()
    for column in ITEM_DATA_COLUMNS:
        if column not in rows:
            rows[column] = ""
    rows["line"] = rows["line"].astype("Int64")
    out = rows[ITEM_DATA_COLUMNS].copy()
    return out.sort_values(["indicator", "category", "entity_code", "period", "document"], kind="stable").reset_index(drop=True)

"""Select the rows an item shows from processed tables, and derive what the report computes."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from techgap import compare

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


PERIOD_SHAPES = {
    "year": re.compile(r"^\d{4}$"),
    "quarter": re.compile(r"^\d{4}Q[1-4]$"),
    "half": re.compile(r"^\d{4}H[12]$"),
    "forecast": re.compile(r"^\d{4}f$"),
    "window": re.compile(r"^\d{4}-\d{4}$"),
    "month": re.compile(r"^\d{4}-\d{2}$"),
    "date": re.compile(r"^\d{4}-\d{2}-\d{2}$"),
    "part_year": re.compile(r"^\d{4}Q1-Q3$"),
}
LATEST_TOKEN = re.compile(r"^latest(?:-(?P<back>\d+)y)?$")
DEFAULT_MIN_COVERAGE = 0.5


def period_shape(period: str) -> str:
    for shape, pattern in PERIOD_SHAPES.items():
        if pattern.match(period):
            return shape
    raise ValueError(f"period {period!r} has no known shape")


def period_end(period: str) -> tuple[int, int, int]:
    """When a period ends, for ordering periods of different shapes (2023 after 2023Q3)."""
    shape = period_shape(period)
    year = int(period[:4])
    if shape == "quarter":
        return (year, 3 * int(period[5]), 31)
    if shape == "half":
        return (year, 6 * int(period[5]), 30)
    if shape == "part_year":
        return (year, 9, 30)
    if shape == "window":
        return (int(period[5:9]), 12, 31)
    if shape == "month":
        return (year, int(period[5:7]), 31)
    if shape == "date":
        return (year, int(period[5:7]), int(period[8:10]))
    return (year, 12, 31)  # year and forecast year


def period_order(period: str) -> tuple[tuple[int, int, int], str]:
    """A total order of periods: by when they end, then by label (2009-2011 and 2011 both end in 2011;
    without the label, their order would follow Python's string hashing and change from run to run)."""
    return (period_end(period), period)


def shift_years(period: str, years: int) -> str:
    """The same period ``years`` earlier: 2024Q1 -> 2023Q1, 2019-2021 -> 2018-2020."""
    shape = period_shape(period)
    if shape == "window":
        return f"{int(period[:4]) - years}-{int(period[5:9]) - years}"
    return f"{int(period[:4]) - years}{period[4:]}"


def eligible_periods(candidates: pd.DataFrame, spec: Mapping[str, Any]) -> list[str]:
    """Periods a `latest` token may resolve to, oldest first: those where at least `min_coverage` of
    the requested entities have a value (any entity when none is requested). Forecast years count
    only where `period_shape` asks for them."""
    present = candidates[candidates["value"].notna()]
    entities = spec.get("entities")
    needed = 1
    if entities:
        needed = max(1, math.ceil(float(spec.get("min_coverage", DEFAULT_MIN_COVERAGE)) * len(entities)))
    counts = present.groupby("period")["entity_code"].nunique()
    shapes = spec.get("period_shape")
    periods = [
        p
        for p, n in counts.items()
        if n >= needed and (period_shape(p) != "forecast" or (shapes and "forecast" in _as_list(shapes)))
    ]
    return sorted(periods, key=period_order)


def resolve_periods(candidates: pd.DataFrame, spec: Mapping[str, Any]) -> Any:
    """The spec's `periods` with `latest` tokens replaced by periods the data hold:
    `{from: 2010, to: latest}`, `[latest, latest-1y]`, `{latest: 4}` (the four newest)."""
    wanted = spec.get("periods")
    tokens = _tokens(wanted)
    if not tokens:
        return wanted
    eligible = eligible_periods(candidates, spec)
    if not eligible:
        return []
    newest = eligible[-1]
    if isinstance(wanted, Mapping):
        if "latest" in wanted:
            return eligible[-int(wanted["latest"]) :]
        resolved = dict(wanted)
        if str(wanted.get("to")) == "latest":
            resolved["to"] = int(newest[:4])
        return resolved
    out = []
    for period in wanted:
        match = LATEST_TOKEN.match(str(period))
        out.append(shift_years(newest, int(match.group("back") or 0)) if match else str(period))
    return out


def _tokens(wanted: Any) -> bool:
    if isinstance(wanted, Mapping):
        return "latest" in wanted or str(wanted.get("to")) == "latest"
    if isinstance(wanted, list):
        return any(LATEST_TOKEN.match(str(p)) for p in wanted)
    return False


def _as_list(value: Any) -> list:
    return value if isinstance(value, list) else [value]


def period_in(periods: pd.Series, wanted: Any) -> pd.Series:
    """``wanted`` is a list of period labels, or {from: YYYY, to: YYYY} on the leading year."""
    if wanted is None:
        return pd.Series(True, index=periods.index)
    if isinstance(wanted, Mapping):
        year = pd.to_numeric(periods.str[:4], errors="coerce")
        keep = pd.Series(True, index=periods.index)
        if "from" in wanted:
            keep &= year >= int(wanted["from"])
        if "to" in wanted:
            keep &= year <= int(wanted["to"])
        return keep
    return periods.isin([str(p) for p in wanted])


def newest_document(candidates: pd.DataFrame, published: Mapping[str, str | None]) -> str | None:
    """The document published last among those the candidate rows cite (`document: newest`)."""
    documents = [d for d in dict.fromkeys(candidates["document"]) if d]
    dated = [(published.get(d) or "", position, d) for position, d in enumerate(documents)]
    return max(dated)[2] if dated else None


def select(
    frames: Mapping[str, pd.DataFrame], spec: Mapping[str, Any], published: Mapping[str, Mapping[str, str | None]] | None = None
) -> pd.DataFrame:
    """Rows of one source matching the spec's indicator(s), entities, periods, category, document."""
    frame = frames[spec["source"]]
    indicators = spec["indicator"] if isinstance(spec["indicator"], list) else [spec["indicator"]]
    keep = frame["indicator"].isin(indicators)
    if spec.get("entities") is not None:
        keep &= frame["entity_code"].isin(spec["entities"])
    if spec.get("category") is not None:
        keep &= frame["category"].isin(_as_list(spec["category"]))
    if spec.get("period_shape") is not None:
        shapes = set(_as_list(spec["period_shape"]))
        keep &= frame["period"].map(lambda p: period_shape(p) in shapes).astype(bool)
    document = spec.get("document")
    if document == "newest":
        document = newest_document(frame[keep], (published or {}).get(spec["source"], {}))
    if document is not None:
        keep &= frame["document"].isin(_as_list(document))
    elif spec.get("preferred_only", True):
        keep &= frame["preferred"]
    candidates = frame[keep]
    rows = candidates[period_in(candidates["period"], resolve_periods(candidates, spec))].copy()
    if spec.get("entities") is not None:
        order = {code: i for i, code in enumerate(spec["entities"])}
        rows = rows.sort_values(
            ["entity_code", "period"], key=lambda s: s.map(order) if s.name == "entity_code" else s, kind="stable"
        )
    return rows


def with_zh_names(rows: pd.DataFrame, names_zh: Mapping[str, str]) -> pd.DataFrame:
    rows = rows.copy()
    rows["entity_zh"] = rows["entity_code"].map(names_zh).fillna(rows["entity"])
    return rows


def derive_yoy(rows: pd.DataFrame, indicator: str, new_indicator: str) -> pd.DataFrame:
    """Year-on-year growth computed from the levels (not copied from the source)."""
    out = []
    for _code, group in rows[rows["indicator"] == indicator].groupby("entity_code", sort=False):
        series = group.set_index(group["period"].astype(int))["value"]
        growth = compare.yoy_growth(series)
        derived = group.copy()
        derived["indicator"] = new_indicator
        derived["value"] = growth.reindex(group["period"].astype(int)).to_numpy()
        derived["unit"] = "percent"
        derived["source"] = "techgap"
        derived["document"] = f"compare.yoy_growth({indicator})"
        derived["flag"] = ""
        derived["line"] = pd.NA
        out.append(derived)
    return pd.concat(out) if out else rows.iloc[0:0]


def _derived_like(group: pd.DataFrame, indicator: str, unit: str, how: str) -> pd.DataFrame:
    """Rows computed from source rows keep their source, document and vintage (so the source line
    cites what they were computed from) and say how in `label_en`."""
    derived = group.copy()
    derived["indicator"] = indicator
    derived["unit"] = unit
    derived["label"] = how
    derived["label_en"] = how
    derived["line"] = pd.NA
    return derived


def derive_share(rows: pd.DataFrame, indicator: str, total: str, new_indicator: str) -> pd.DataFrame:
    """Each entity's value as a percentage of the ``total`` entity's value of the same category and
    period (imports from a partner over imports from the world). No total, no share."""
    source = rows[rows["indicator"] == indicator]
    totals = source[source["entity_code"] == total].set_index(["category", "period"])["value"]
    parts = source[source["entity_code"] != total]
    keys = pd.MultiIndex.from_frame(parts[["category", "period"]])
    denominator = totals.reindex(keys).to_numpy(dtype=float)
    derived = _derived_like(parts, new_indicator, "percent", f"share: {indicator} / {total} * 100")
    derived["value"] = parts["value"].to_numpy(dtype=float) / denominator * 100
    return derived[~np.isnan(denominator)]


def derive_change(rows: pd.DataFrame, indicator: str, base: str, new_indicator: str) -> pd.DataFrame:
    """Per entity (and category), the newest period's value minus the ``base`` period's, in percentage
    points, labelled by the window 'base-newest' (the report's '2018-2022')."""
    out = []
    source = rows[(rows["indicator"] == indicator) & rows["value"].notna()]
    for _key, group in source.groupby(["entity_code", "category"], sort=False, dropna=False):
        by_period = group.set_index("period")
        newest = max(by_period.index, key=period_order)
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


def tidy(rows: pd.DataFrame) -> pd.DataFrame:
    """The CSV written beside a figure: the rows it draws, sorted, in fixed columns."""
    rows = rows.copy()
    for column in ITEM_DATA_COLUMNS:
        if column not in rows:
            rows[column] = ""
    rows["line"] = rows["line"].astype("Int64")
    out = rows[ITEM_DATA_COLUMNS].copy()
    return out.sort_values(["indicator", "category", "entity_code", "period", "document"], kind="stable").reset_index(drop=True)

"""Select the rows an item shows from processed tables, and derive what the report computes."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from techgap import compare

ITEM_DATA_COLUMNS = ["entity_code", "entity", "entity_zh", "category", "indicator", "period", "value", "unit",
                     "label", "label_en", "flag", "source", "document", "vintage", "line"]


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


def select(frames: Mapping[str, pd.DataFrame], spec: Mapping[str, Any]) -> pd.DataFrame:
    """Rows of one source matching the spec's indicator(s), entities, periods, category, document."""
    frame = frames[spec["source"]]
    indicators = spec["indicator"] if isinstance(spec["indicator"], list) else [spec["indicator"]]
    keep = frame["indicator"].isin(indicators) & period_in(frame["period"], spec.get("periods"))
    if spec.get("entities") is not None:
        keep &= frame["entity_code"].isin(spec["entities"])
    if spec.get("category") is not None:
        categories = spec["category"] if isinstance(spec["category"], list) else [spec["category"]]
        keep &= frame["category"].isin(categories)
    if spec.get("document") is not None:
        documents = spec["document"] if isinstance(spec["document"], list) else [spec["document"]]
        keep &= frame["document"].isin(documents)
    elif spec.get("preferred_only", True):
        keep &= frame["preferred"]
    rows = frame[keep].copy()
    if spec.get("entities") is not None:
        order = {code: i for i, code in enumerate(spec["entities"])}
        rows = rows.sort_values(["entity_code", "period"], key=lambda s: s.map(order) if s.name == "entity_code" else s,
                                kind="stable")
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


def tidy(rows: pd.DataFrame) -> pd.DataFrame:
    """The CSV written beside a figure: the rows it draws, sorted, in fixed columns."""
    rows = rows.copy()
    for column in ITEM_DATA_COLUMNS:
        if column not in rows:
            rows[column] = ""
    rows["line"] = rows["line"].astype("Int64")
    out = rows[ITEM_DATA_COLUMNS].copy()
    return out.sort_values(["indicator", "category", "entity_code", "period", "document"], kind="stable").reset_index(drop=True)

"""Pure comparison functions the report argues with. No I/O; each has one job and is tested on
hand-worked cases."""

from __future__ import annotations

import math
from collections.abc import Mapping

import pandas as pd


def share(part: float, total: float) -> float:
    """Part as a percentage of total."""
    if total == 0:
        raise ZeroDivisionError("share of a zero total")
    return 100.0 * part / total


def shares(values: Mapping[str, float] | pd.Series, total: float | None = None) -> pd.Series:
    """Each value as a percentage of ``total`` (default: their sum)."""
    series = pd.Series(values, dtype="float64")
    denominator = float(series.sum()) if total is None else float(total)
    if denominator == 0:
        raise ZeroDivisionError("shares of a zero total")
    return 100.0 * series / denominator


def ratio(numerator: float, denominator: float) -> float:
    """numerator / denominator, e.g. China's R&D as a multiple of the US's."""
    if denominator == 0:
        raise ZeroDivisionError("ratio to zero")
    return numerator / denominator


def growth(current: float, previous: float) -> float:
    """Percentage change from ``previous`` to ``current``."""
    if previous == 0:
        raise ZeroDivisionError("growth from zero")
    return 100.0 * (current / previous - 1.0)


def yoy_growth(series: pd.Series) -> pd.Series:
    """Year-on-year % growth of a series indexed by consecutive integer years. A year whose previous
    year is absent gets NaN rather than growth over a longer gap."""
    values = series.astype("float64").sort_index()
    years = pd.Index(values.index.astype(int))
    values.index = years
    previous = values.reindex(years - 1).to_numpy()
    out = 100.0 * (values.to_numpy() / previous - 1.0)
    return pd.Series(out, index=years, name="yoy_growth")


def cagr(first: float, last: float, years: float) -> float:
    """Compound annual growth rate in % over ``years`` years."""
    if years <= 0:
        raise ValueError("CAGR needs a positive number of years")
    if first <= 0 or last < 0:
        raise ValueError("CAGR needs a positive start value and a non-negative end value")
    return 100.0 * ((last / first) ** (1.0 / years) - 1.0)


def difference(a: float, b: float) -> float:
    """a - b, e.g. a gap in percentage points between two shares."""
    return a - b


def rank(values: Mapping[str, float] | pd.Series, entity: str, *, descending: bool = True) -> int:
    """1-based rank of ``entity`` among ``values`` (ties share the best rank)."""
    series = pd.Series(values, dtype="float64").dropna()
    if entity not in series.index:
        raise KeyError(entity)
    ranks = series.rank(ascending=not descending, method="min")
    return int(ranks[entity])


def first_overtake(leader: pd.Series, challenger: pd.Series) -> object | None:
    """The first period in which ``challenger`` exceeds ``leader`` after not exceeding it, looking only
    at periods both series have. None if it never does (or always did)."""
    both = pd.concat([leader.rename("leader"), challenger.rename("challenger")], axis=1).dropna().sort_index()
    ahead = both["challenger"] > both["leader"]
    for position in range(1, len(ahead)):
        if ahead.iloc[position] and not ahead.iloc[:position].any():
            return both.index[position]
        if ahead.iloc[position] and not ahead.iloc[position - 1]:
            return both.index[position]
    return None


def convert(value: float, rate: float) -> float:
    """Divide a value in one currency by units-per-USD (e.g. RMB at 7.0 per USD)."""
    if rate <= 0 or math.isnan(rate):
        raise ValueError("conversion rate must be positive")
    return value / rate

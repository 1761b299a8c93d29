"""Periods: the one home of the period grammar every part of techgap reads and writes.

A period is a string of one of these shapes (data/raw/README.md):

| shape     | example      | ends         | as a time in years (gap analysis) |
|-----------|--------------|--------------|-----------------------------------|
| year      | 2023         | 2023-12-31   | 2023                              |
| quarter   | 2023Q3       | 2023-09-30   | 2023.625 (its middle)             |
| half      | 2023H1       | 2023-06-30   | —                                 |
| part_year | 2023Q1-Q3    | 2023-09-30   | —                                 |
| forecast  | 2027f        | 2027-12-31   | — (not an observation)            |
| window    | 2019-2021    | 2021-12-31   | 2020 (its middle year)            |
| month     | 2023-04      | 2023-04-30   | 2023.292 (its middle)             |
| date      | 2023-04-16   | 2023-04-16   | —                                 |

A configuration may also name periods relative to the data: `latest` (the newest period the data hold) and
`latest-Ny` (the same period N years earlier)."""

from __future__ import annotations

import calendar
import math
import re
from collections.abc import Iterable

SHAPES = {
    "year": re.compile(r"^(?P<year>\d{4})$"),
    "quarter": re.compile(r"^(?P<year>\d{4})Q(?P<quarter>[1-4])$"),
    "half": re.compile(r"^(?P<year>\d{4})H(?P<half>[12])$"),
    "part_year": re.compile(r"^(?P<year>\d{4})Q1-Q3$"),
    "forecast": re.compile(r"^(?P<year>\d{4})f$"),
    "window": re.compile(r"^(?P<year>\d{4})-(?P<last>\d{4})$"),
    "month": re.compile(r"^(?P<year>\d{4})-(?P<month>\d{2})$"),
    "date": re.compile(r"^(?P<year>\d{4})-(?P<month>\d{2})-(?P<day>\d{2})$"),
}
# What a data file may write, for messages: one example per shape.
WRITTEN = "YYYY, YYYYQ1-4, YYYYf, YYYYH1/2, YYYYQ1-Q3, YYYY-YYYY, YYYY-MM or YYYY-MM-DD"
LATEST = re.compile(r"^latest(?:-(?P<back>\d+)y)?$")
# Shapes whose position in time the gap analysis uses (a trend through years, quarters, months or windows).
TIMED_SHAPES = ("year", "quarter", "month", "window")


def shape(period: str) -> str | None:
    """The period's shape (a key of SHAPES), or None when the text is not a period."""
    for name, pattern in SHAPES.items():
        if pattern.match(str(period)):
            return name
    return None


def problem(period: str) -> tuple[str, str] | None:
    """(what is wrong, what was expected) when ``period`` is not a valid period, else None: a known shape, a real
    month and day, a window that runs forwards."""
    name = shape(period)
    if name is None:
        return "period is not in a known format", WRITTEN
    parts = SHAPES[name].match(period).groupdict()
    if name == "window" and int(parts["last"]) <= int(parts["year"]):
        return "period window does not run forwards", "YYYY-YYYY with the first year before the last, e.g. 1999-2001"
    if "month" in parts and not 1 <= int(parts["month"]) <= 12:
        return "month out of range", "01-12"
    if "day" in parts:
        year, month, day = int(parts["year"]), int(parts["month"]), int(parts["day"])
        if not 1 <= day <= 31:
            return "day out of range", "01-31"
        if day > calendar.monthrange(year, month)[1]:
            return "period is not a real calendar date", "a date that exists, e.g. 2018-02-28"
    return None


def years(period: str) -> tuple[int, int]:
    """The first and last calendar year the period touches."""
    name = shape(period)
    if name is None:
        raise ValueError(f"period {period!r} has no known shape")
    parts = SHAPES[name].match(period).groupdict()
    return int(parts["year"]), int(parts.get("last") or parts["year"])


def end(period: str) -> tuple[int, int, int]:
    """When a period ends (year, month, day), for ordering periods of different shapes (2023 after 2023Q3)."""
    name = shape(period)
    if name is None:
        raise ValueError(f"period {period!r} has no known shape")
    parts = SHAPES[name].match(period).groupdict()
    year = int(parts["year"])
    if name == "quarter":
        return (year, 3 * int(parts["quarter"]), 31)
    if name == "half":
        return (year, 6 * int(parts["half"]), 30)
    if name == "part_year":
        return (year, 9, 30)
    if name == "window":
        return (int(parts["last"]), 12, 31)
    if name == "month":
        return (year, int(parts["month"]), 31)
    if name == "date":
        return (year, int(parts["month"]), int(parts["day"]))
    return (year, 12, 31)  # year and forecast year


def order(period: str) -> tuple[tuple[int, int, int], str]:
    """A total order of periods: by when they end, then by label (2009-2011 and 2011 both end in 2011)."""
    return (end(period), period)


def ordered(periods: Iterable[str]) -> list[str]:
    """The distinct periods, oldest first."""
    return sorted(set(periods), key=order)


def is_year(period: str) -> bool:
    return shape(period) == "year"


def is_forecast(period: str) -> bool:
    return shape(period) == "forecast"


def shift_years(period: str, count: int) -> str:
    """The same period ``count`` years earlier: 2024Q1 -> 2023Q1, 2019-2021 -> 2018-2020."""
    if shape(period) == "window":
        first, last = years(period)
        return f"{first - count}-{last - count}"
    return f"{int(period[:4]) - count}{period[4:]}"


def resolve_latest(token: str, newest: str) -> str:
    """`latest` or `latest-Ny` as a period, given the newest period the data hold."""
    match = LATEST.match(token)
    if match is None:
        raise ValueError(f"{token!r} is not latest or latest-Ny")
    return shift_years(newest, int(match.group("back") or 0))


def time(period: str) -> float | None:
    """A period's position in years (see the table above); None for shapes the gap analysis does not place."""
    name = shape(period)
    if name not in TIMED_SHAPES:
        return None
    parts = SHAPES[name].match(period).groupdict()
    year = int(parts["year"])
    if name == "quarter":
        return year + (int(parts["quarter"]) - 0.5) / 4
    if name == "month":
        return year + (int(parts["month"]) - 0.5) / 12
    if name == "window":
        return (year + int(parts["last"])) / 2
    return float(year)


# Years between neighbouring periods of the shapes that come at a fixed step (windows do not).
STEPS = {"year": 1.0, "quarter": 0.25, "month": 1 / 12}


def missing_between(earlier: str, later: str) -> bool:
    """Whether a period of the same shape falls between two periods, so that a line drawn straight across would hide
    it (2014 and 2020; 2017Q3 and 2018Q1). Windows, and periods of different shapes, have no fixed step."""
    name = shape(earlier)
    if name != shape(later) or name not in STEPS:
        return False
    return time(later) - time(earlier) > 1.5 * STEPS[name]


def time_label(at: float, name: str) -> str:
    """The first period of shape ``name`` (year or quarter) whose position is at or after ``at``: a crossover
    reads as the first year, or quarter, in which a trend is at parity."""
    if name == "quarter":
        index = math.ceil((at - 0.125) * 4 - 1e-9)  # quarters sit at year + 0.125, 0.375, ...
        return f"{index // 4}Q{index % 4 + 1}"
    return str(math.ceil(at - 1e-9))


MAX_LISTED = 8


def compact(periods: list[str], *, count: bool = True) -> str:
    """'2010-2023' for a run of three or more consecutive years, else the periods listed; a long list as its first
    and last period and, with ``count``, how many there are (a list of cells that have no value must say that not
    every period between is one; a caption's span of dated events need not count them)."""
    if not periods:
        return ""
    if all(is_year(p) for p in periods):
        numbers = sorted(int(p) for p in periods)
        if len(numbers) > 2 and numbers == list(range(numbers[0], numbers[-1] + 1)):
            return f"{numbers[0]}-{numbers[-1]}"
    if len(periods) > MAX_LISTED:
        return f"{periods[0]} – {periods[-1]}" + (f" ({len(periods)})" if count else "")
    return ", ".join(periods)

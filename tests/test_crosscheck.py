"""cross_check_gerd on small frames shaped like data/processed tables."""

from __future__ import annotations

import pandas as pd
import pytest

from techgap.crosscheck import CROSS_CHECK_COLUMNS, cross_check_gerd


def frame(rows: list[tuple], vintage: str) -> pd.DataFrame:
    """rows: (entity_code, period, value) or (entity_code, period, value, indicator, preferred)."""
    full = [row if len(row) == 5 else (*row, "gerd_pct_gdp", True) for row in rows]
    return pd.DataFrame(
        [
            {"entity_code": e, "period": p, "value": v, "indicator": i, "preferred": pref, "vintage": vintage}
            for e, p, v, i, pref in full
        ]
    )


def test_only_disagreements_beyond_rounding_are_listed() -> None:
    msti = frame(
        [
            ("KOR", "2021", 4.93),
            ("JPN", "2021", 3.30),
            ("USA", "2021", 3.46),
            ("TWN", "2021", 3.78),
            ("OECD_TOTAL", "2021", 2.72),
        ],
        "2026-11-27",
    )
    wb = frame(
        [("KOR", "2021", 4.91), ("JPN", "2021", 3.27), ("USA", "2021", 3.59), ("OECD_MEMBERS", "2021", 2.89)], "2027-01-15"
    )
    result = cross_check_gerd(msti, wb)
    assert list(result.columns) == CROSS_CHECK_COLUMNS
    # KOR differs by 0.02 and JPN by 0.03 (rounding); TWN and the OECD aggregates have no counterpart
    assert result[["entity_code", "period"]].values.tolist() == [["USA", "2021"]]
    assert result["difference_pp"].iloc[0] == pytest.approx(-0.13)
    assert result[["msti_vintage", "worldbank_vintage"]].values.tolist() == [["2026-11-27", "2027-01-15"]]


def test_tolerance_is_inclusive_and_configurable() -> None:
    msti = frame([("KOR", "2020", 4.80), ("KOR", "2021", 4.93)], "a")
    wb = frame([("KOR", "2020", 4.75), ("KOR", "2021", 4.83)], "b")
    assert cross_check_gerd(msti, wb)["period"].tolist() == ["2021"]  # 0.05 is rounding, 0.10 is not
    assert cross_check_gerd(msti, wb, tolerance_pp=0.2).empty
    assert cross_check_gerd(msti, wb, tolerance_pp=0.01)["period"].tolist() == ["2020", "2021"]


def test_missing_values_other_indicators_and_non_preferred_rows_are_ignored() -> None:
    msti = frame(
        [
            ("KOR", "2021", float("nan")),
            ("JPN", "2021", 3.30, "gerd_usd_current_ppp_million", True),
            ("USA", "2021", 9.99, "gerd_pct_gdp", False),
            ("USA", "2021", 3.46, "gerd_pct_gdp", True),
        ],
        "a",
    )
    wb = frame([("KOR", "2021", 1.0), ("JPN", "2021", 1.0), ("USA", "2021", 3.47)], "b")
    assert cross_check_gerd(msti, wb).empty

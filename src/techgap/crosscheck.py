"""Cross-checks between two sources of the same series, for the drift report or the claims ledger.

The World Bank's GB.XPD.RSDV.GD.ZS (worldbank_wdi) is UNESCO's GERD as a share of GDP; OECD MSTI
publishes the same ratio for its members and partners. The two should agree to rounding; where they
do not, one of them has revised, rebased or defined the economy differently, and a reader of fig02
should know."""

from __future__ import annotations

import pandas as pd

GERD_INDICATOR = "gerd_pct_gdp"
CROSS_CHECK_COLUMNS = ["entity_code", "period", "msti", "worldbank", "difference_pp", "msti_vintage", "worldbank_vintage"]


def _series(frame: pd.DataFrame, name: str) -> pd.DataFrame:
    """One value per economy and year: the preferred row of the indicator, missing values left out."""
    rows = frame[(frame["indicator"] == GERD_INDICATOR) & frame["value"].notna()]
    if "preferred" in rows:
        rows = rows[rows["preferred"].astype(bool)]
    rows = rows.drop_duplicates(["entity_code", "period"], keep="first")
    vintage = rows["vintage"] if "vintage" in rows else pd.Series("", index=rows.index)
    return pd.DataFrame(
        {
            "entity_code": rows["entity_code"].astype(str),
            "period": rows["period"].astype(str),
            name: rows["value"].astype(float),
            f"{name}_vintage": vintage.astype(str),
        }
    )


def compared_economy_years(msti: pd.DataFrame, wb: pd.DataFrame) -> int:
    """How many economy-years both sources state GERD as % of GDP for (what cross_check_gerd compares)."""
    return len(_series(msti, "msti").merge(_series(wb, "worldbank"), on=["entity_code", "period"], how="inner"))


def cross_check_gerd(msti: pd.DataFrame, wb: pd.DataFrame, tolerance_pp: float = 0.05) -> pd.DataFrame:
    """Economy-years where MSTI and the World Bank state GERD as % of GDP differently by more than
    ``tolerance_pp`` percentage points (rounding). Only economy-years both sources have are compared;
    aggregates with different codes (OECD_TOTAL vs the World Bank's OECD_MEMBERS) are not the same
    economy and are not compared. Returns CROSS_CHECK_COLUMNS, sorted by economy and year."""
    both = _series(msti, "msti").merge(_series(wb, "worldbank"), on=["entity_code", "period"], how="inner")
    both["difference_pp"] = both["msti"] - both["worldbank"]
    disagree = both[both["difference_pp"].abs() > tolerance_pp + 1e-9]
    return disagree.sort_values(["entity_code", "period"]).reset_index(drop=True)[CROSS_CHECK_COLUMNS]

"""Derived values are rows of an item's data: `derive: yoy` on quarters (tab07) as on years (fig01), and the
year-on-year table prints the rows its derive step computed, never a number of its own."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from techgap import compare
from techgap.errors import InputError
from techgap.kinds import YoyStep, YoyTableSpec
from techgap.render.tables import build_yoy, yoy_indicator
from techgap.selection import apply_derive


def _rows(values: dict[tuple[str, str], float], indicator: str = "billings") -> pd.DataFrame:
    return pd.DataFrame(
        [
            {"entity_code": code, "period": period, "indicator": indicator, "value": value, "unit": "USD billion", "line": n}
            for n, ((code, period), value) in enumerate(values.items(), start=2)
        ]
    )


STEP = YoyStep.model_validate({"yoy": "billings", "as": "billings_yoy"})


def test_quarters_are_compared_with_the_same_quarter_a_year_before():
    rows = _rows({("CHN", "2022Q3"): 7.78, ("CHN", "2023Q3"): 11.06, ("CHN", "2023Q2"): 9.0, ("KOR", "2023Q3"): 3.85})
    derived = apply_derive(rows, STEP)
    changes = derived[derived["indicator"] == "billings_yoy"].set_index(["entity_code", "period"])["value"]
    assert changes[("CHN", "2023Q3")] == compare.growth(11.06, 7.78)  # not against 2023Q2, the quarter before
    assert math.isnan(changes[("CHN", "2023Q2")]) and math.isnan(changes[("CHN", "2022Q3")])  # no 2022Q2, no 2021Q3
    assert math.isnan(changes[("KOR", "2023Q3")])  # no KOR 2022Q3
    made = derived[derived["indicator"] == "billings_yoy"]
    assert set(made["unit"]) == {"percent"} and set(made["source"]) == {"techgap"} and made["line"].isna().all()
    assert len(derived) == 2 * len(rows)  # the levels stay, one change beside each


def test_years_keep_their_computation():
    rows = _rows({("CHN", "2010"): 7062.6, ("CHN", "2011"): 8687.0, ("CHN", "2013"): 11846.6})
    derived = apply_derive(rows, STEP)
    made = derived[derived["indicator"] == "billings_yoy"]
    expected = compare.yoy_growth(pd.Series([7062.6, 8687.0, 11846.6], index=[2010, 2011, 2013]))
    np.testing.assert_array_equal(made["value"].to_numpy(), expected.to_numpy())  # 2013 has no 2012: none
    assert set(made["document"]) == {"compare.yoy_growth(billings)"}


def _spec(**overrides) -> YoyTableSpec:
    body = {
        "value_indicator": "billings",
        "current": "2023Q3",
        "previous": "2022Q3",
        "entities": ["CHN", "KOR"],
        "derive": [{"yoy": "billings", "as": "billings_yoy"}],
        **overrides,
    }
    return YoyTableSpec.model_validate(body)


class _Ctx:
    lang = "en"

    @staticmethod
    def name(code: str) -> str:
        return code


def test_the_table_prints_the_derived_rows_not_a_computation_of_its_own():
    rows = apply_derive(_rows({("CHN", "2022Q3"): 7.78, ("CHN", "2023Q3"): 11.06, ("KOR", "2023Q3"): 3.85}), STEP)
    rows.loc[(rows["indicator"] == "billings_yoy") & (rows["entity_code"] == "CHN") & (rows["period"] == "2023Q3"), "value"] = 7.0
    table = build_yoy(_spec(), rows, _Ctx()).set_index("Region")
    assert table.loc["CHN", "YoY change (%)"] == "7"  # what the data row says
    assert table.loc["KOR", "YoY change (%)"] == "—"  # no value a year before: no change, as in the data


def test_a_yoy_table_without_its_derive_step_is_refused():
    with pytest.raises(InputError) as caught:
        yoy_indicator(_spec(derive=[]))
    assert caught.value.field == "spec.derive" and "derive: [{yoy: billings" in str(caught.value)


def test_a_yoy_table_compares_with_the_same_period_a_year_before():
    rows = apply_derive(_rows({("CHN", "2023Q2"): 9.0, ("CHN", "2023Q3"): 11.06}), STEP)
    with pytest.raises(InputError) as caught:
        build_yoy(_spec(previous="2023Q2"), rows, _Ctx())
    assert caught.value.field == "spec.previous" and "expected 2022Q3" in str(caught.value)

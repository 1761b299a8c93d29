"""The comparison functions on hand-worked cases."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from techgap import compare


def test_share_and_shares():
    assert compare.share(59, 198) == pytest.approx(29.797, abs=1e-3)  # ISSCC 2023: 59 of 198 = 29.8%
    out = compare.shares({"a": 1, "b": 3})
    assert out.to_dict() == {"a": 25.0, "b": 75.0}
    assert compare.shares({"a": 1}, total=4)["a"] == 25.0
    with pytest.raises(ZeroDivisionError):
        compare.share(1, 0)


def test_ratio_and_convert():
    assert compare.ratio(620.1, 709.71) == pytest.approx(0.8737, abs=1e-4)
    assert compare.convert(30870, 7.0) == pytest.approx(4410.0)  # the report's USD 441 bn
    with pytest.raises(ValueError):
        compare.convert(1, 0)


def test_growth_and_yoy():
    assert compare.growth(11.06, 7.78) == pytest.approx(42.16, abs=0.01)
    series = pd.Series({2010: 100.0, 2011: 110.0, 2013: 121.0})
    out = compare.yoy_growth(series)
    assert out[2011] == pytest.approx(10.0)
    assert math.isnan(out[2010]) and math.isnan(out[2013])  # 2012 is missing: no growth across a gap


def test_cagr():
    assert compare.cagr(100, 121, 2) == pytest.approx(10.0)
    with pytest.raises(ValueError):
        compare.cagr(0, 10, 2)
    with pytest.raises(ValueError):
        compare.cagr(10, 20, 0)


def test_difference():
    assert compare.difference(19373, 17610) == 1763


def test_rank_with_ties():
    values = {"USA": 69, "KOR": 41, "CHN": 29, "TWN": 29}
    assert compare.rank(values, "USA") == 1
    assert compare.rank(values, "CHN") == 3 and compare.rank(values, "TWN") == 3
    assert compare.rank(values, "USA", descending=False) == 4
    with pytest.raises(KeyError):
        compare.rank(values, "JPN")


def test_first_overtake():
    us = pd.Series({2020: 71, 2022: 69, 2023: 40, 2024: 52})
    cn = pd.Series({2020: 23, 2022: 29, 2023: 59, 2024: 69})
    assert compare.first_overtake(us, cn) == 2023
    assert compare.first_overtake(cn, us) is None  # the US was ahead from the start
    assert compare.first_overtake(us, pd.Series({2020: 10, 2022: 10})) is None

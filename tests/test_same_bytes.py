"""Same bytes on any machine: the gap analysis computes with exp, log, sums and quantiles, whose last bits
differ between CPUs (numpy's SIMD paths, BLAS kernels). Its drawings must not show those bits: drawn from
values nudged by one unit in the last place, up or down, they are the same bytes."""

from __future__ import annotations

import numpy as np
import pytest

from techgap.config import load_project
from techgap.editions import item_snapshots
from techgap.normalize import normalize_source
from techgap.provenance import load_provenance
from techgap.render.items import render_items

GAP_ITEMS = ("gap01",)  # the gap table prints fixed decimals; the small multiples draw the computed trends


def nudged(values: np.ndarray, direction: float) -> np.ndarray:
    """Each non-zero value moved to the next float towards ``direction`` (a zero stays exactly zero: noise
    is relative)."""
    if direction == 0:
        return values
    return np.where(values != 0, np.nextafter(values, values * (1 + direction) + direction), values)


@pytest.fixture(scope="module")
def gap_inputs():
    project = load_project(".")
    items = [project.item(item_id) for item_id in GAP_ITEMS]
    pairs = sorted({pair for item in items for pair in item_snapshots(project, item)})
    frames = {(s, v): normalize_source(project, s, v) for s, v in pairs}
    provenances = {(s, v): load_provenance(project.raw_dir / s / v / "provenance.yaml") for s, v in pairs}
    return project, items, frames, provenances


def drawings(gap_inputs, direction: float) -> dict[str, bytes]:
    project, items, frames, provenances = gap_inputs
    moved = {}
    for key, frame in frames.items():
        frame = frame.copy()
        frame["value"] = nudged(frame["value"].to_numpy(dtype=float), direction)
        moved[key] = frame
    files = render_items(project, items, moved, provenances)
    return {path: data for path, data in files.items() if path.endswith((".png", ".svg", ".csv", ".md"))}


def test_nudging_the_last_bit_of_the_inputs_changes_no_byte_of_the_gap_items(gap_inputs):
    exact = drawings(gap_inputs, 0)
    assert any(path.endswith(".png") for path in exact)
    for direction in (1, -1):
        moved = drawings(gap_inputs, direction)
        changed = sorted(path for path in exact if moved[path] != exact[path])
        assert not changed, f"one unit in the last place ({direction:+d}) changed {changed}"


def test_the_nudge_really_moves_the_values():
    values = np.array([0.0, 1.0, 2.5, -3.0])
    up, down = nudged(values, 1), nudged(values, -1)
    assert up[0] == down[0] == 0.0
    assert all(up[1:] != values[1:]) and all(down[1:] != values[1:])
    assert np.allclose(up, values, rtol=1e-15, atol=0) and np.allclose(down, values, rtol=1e-15, atol=0)

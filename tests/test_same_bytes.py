"""Same bytes on any machine: the gap analysis computes with exp, log, sums and quantiles, whose last bits differ
between CPUs (numpy's SIMD paths, BLAS kernels). Its drawings must not show those bits: drawn from values nudged by
one unit in the last place, up or down, they are the same bytes."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pytest

from techgap.config import load_project
from techgap.editions import item_snapshots
from techgap.entities import EntityRegistry
from techgap.io import figure_bytes
from techgap.normalize import normalize_source
from techgap.provenance import load_provenance
from techgap.render.items import context, draw_prepared, edition_inputs, prepare_edition
from techgap.render.style import apply_style


def nudged(values: np.ndarray, direction: float) -> np.ndarray:
    """Each non-zero value moved to the next float towards ``direction`` (a zero stays exactly zero: noise is
    relative)."""
    if direction == 0:
        return values
    return np.where(values != 0, np.nextafter(values, values * (1 + direction) + direction), values)


@pytest.fixture(scope="module")
def gap_figure():
    """What drawing gap01 (the small multiples of the computed trends) takes: the project and its inputs."""
    project = load_project(".")
    apply_style(project.plotting)
    item = project.item("gap01")
    pairs = sorted(item_snapshots(project, item))
    frames = {(s, v): normalize_source(project, s, v) for s, v in pairs}
    provenances = {(s, v): load_provenance(project.raw_dir / s / v / "provenance.yaml") for s, v in pairs}
    return project, item, frames, provenances


def drawn(gap_figure, direction: float) -> dict[str, bytes]:
    project, item, frames, provenances = gap_figure
    moved = {key: frame.assign(value=nudged(frame["value"].to_numpy(dtype=float), direction)) for key, frame in frames.items()}
    inputs, edition_provenance, published, _ = edition_inputs(project, item, "latest", moved, provenances)
    registry = EntityRegistry(project.entities)
    prepared = prepare_edition(project, item, "latest", inputs, registry, edition_provenance, published)
    drawing = draw_prepared(prepared, context(project, registry, "en"))
    files = {fmt: figure_bytes(drawing.figure, fmt, salt="gap01-en") for fmt in ("png", "svg")}
    plt.close(drawing.figure)
    return files


def test_nudging_the_last_bit_of_the_inputs_changes_no_byte_of_the_gap_figure(gap_figure):
    exact = drawn(gap_figure, 0)
    for direction in (1, -1):
        moved = drawn(gap_figure, direction)
        changed = sorted(fmt for fmt in exact if moved[fmt] != exact[fmt])
        assert not changed, f"one unit in the last place ({direction:+d}) changed the {changed} bytes"


def test_the_nudge_really_moves_the_values():
    values = np.array([0.0, 1.0, 2.5, -3.0])
    up, down = nudged(values, 1), nudged(values, -1)
    assert up[0] == down[0] == 0.0
    assert all(up[1:] != values[1:]) and all(down[1:] != values[1:])
    assert np.allclose(up, values, rtol=1e-15, atol=0) and np.allclose(down, values, rtol=1e-15, atol=0)

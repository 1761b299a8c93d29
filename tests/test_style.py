"""The project's one style: the font extracted from the Noto Sans CJK collection is the face matplotlib uses, the
palette of config/plotting.yaml reaches matplotlib, and no colour is written in the code."""

from __future__ import annotations

import re
from pathlib import Path

from conftest import ROOT
from drawing import plotting


def test_the_project_font_is_the_face_matplotlib_finds():
    from matplotlib import font_manager

    from techgap.render.style import FONT_NAME, apply_style, font_path

    apply_style(plotting())
    path = font_manager.findfont(font_manager.FontProperties(family=FONT_NAME), fallback_to_default=False)
    assert Path(path).resolve() == font_path().resolve()


def test_the_palette_of_the_plotting_config_reaches_matplotlib():
    import matplotlib
    from matplotlib.colors import to_hex

    from techgap.render.style import apply_style

    palette = plotting().chart
    apply_style(plotting())
    assert to_hex(matplotlib.rcParams["axes.edgecolor"]) == palette.axis
    assert to_hex(matplotlib.rcParams["grid.color"]) == palette.grid
    assert to_hex(matplotlib.rcParams["figure.facecolor"]) == palette.background


def test_no_colour_is_written_in_the_code():
    """Colours live in config/plotting.yaml, where a designer edits them (the style sheet has no colour either)."""
    colour = re.compile(r"#[0-9a-fA-F]{6}\b|#[0-9a-fA-F]{3}\b|\b(?:white|black)\b['\"]")
    files = sorted((ROOT / "src" / "techgap").rglob("*.py")) + [ROOT / "src" / "techgap" / "render" / "techgap.mplstyle"]
    found = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for path in files
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if colour.search(line) and "pattern" not in line
    ]
    assert not found, "\n".join(found)


def test_gridlines_are_drawn_under_the_bars():
    """fig03, fig20: the grid was drawn over the bars (matplotlib's default puts it above patches)."""
    import matplotlib.pyplot as plt

    from techgap.render.style import apply_style

    apply_style(plotting())
    fig, ax = plt.subplots()
    bars = ax.bar(["a", "b"], [3, 5])
    fig.canvas.draw()
    assert any(line.get_visible() for line in ax.yaxis.get_gridlines())
    assert ax.yaxis.get_zorder() < bars[0].get_zorder()  # the grid is drawn with its axis
    plt.close(fig)

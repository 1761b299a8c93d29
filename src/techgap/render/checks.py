"""Checks a drawn figure must pass before anyone reads it: every text on the canvas, no two texts on
top of each other, nothing too small to read, no glyph missing from the font, nothing parsed as
mathtext, no value off the axis, one colour per entity. Each returns what it found wrong (empty when
the figure is fine), so tests and the build can call them on a figure without saving it.

Thresholds (points at 100%; savefig.dpi is 150, so 8 pt is 16.7 px high):
- body text (titles, notes, ticks, legends, table cells): at least MIN_TEXT_PT = 8;
- value labels on bars and lines (annotations): at least MIN_DATA_LABEL_PT = 7;
- texts may touch but not overlap: boxes are shrunk by OVERLAP_TOLERANCE_PX before comparing;
- a figure is at most MAX_WIDTH_PX = 1400 px wide at the saved dpi.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from functools import cache
from itertools import combinations

import numpy as np

MIN_TEXT_PT = 8.0
MIN_DATA_LABEL_PT = 7.0
OVERLAP_TOLERANCE_PX = 1.0
CANVAS_TOLERANCE_PX = 1.0
MAX_WIDTH_PX = 1400
_NUMBER = re.compile(r"-?\d[\d,]*(?:\.\d+)?")


def _prepared(fig):
    """Lay the figure out (as saving it would) once, and return its renderer."""
    if not getattr(fig, "techgap_laid_out", False):
        fig.draw_without_rendering()
        fig.techgap_laid_out = True
    return fig.canvas.get_renderer()


def _axis_texts(axis) -> list:
    if not axis.get_visible():  # e.g. the shared x axis of a twin
        return []
    ticks = axis._update_ticks()  # the ticks that are drawn (inside the view limits), not every tick object
    labels = [t.label1 for t in ticks if t.label1.get_visible()] + [t.label2 for t in ticks if t.label2.get_visible()]
    return labels + [axis.label, axis.get_offset_text()]


def visible_texts(fig) -> list:
    """Every text artist that is drawn, legends counted as one box each (their texts are inside it)."""
    from matplotlib.text import Annotation

    texts = list(fig.texts)
    boxes = list(fig.legends)
    for ax in fig.axes:
        if not ax.get_visible():
            continue
        texts += list(ax.texts) + [ax.title, ax._left_title, ax._right_title]
        if ax.axison:
            texts += _axis_texts(ax.xaxis) + _axis_texts(ax.yaxis)
        if ax.get_legend() is not None:
            boxes.append(ax.get_legend())
        for table in ax.tables:
            texts += [cell.get_text() for cell in table.get_celld().values()]
    renderer = fig.canvas.get_renderer()
    shown = [
        t for t in texts if t.get_visible() and t.get_text().strip() and (not isinstance(t, Annotation) or t._check_xy(renderer))
    ]  # an annotation off its axes is not drawn
    return shown + [legend for legend in boxes if legend.get_visible()]


def _describe(artist) -> str:
    if hasattr(artist, "get_text"):
        return repr(artist.get_text()[:40])
    return "legend [" + ", ".join(t.get_text() for t in artist.get_texts())[:60] + "]"


def texts_outside_canvas(fig) -> list[str]:
    renderer = _prepared(fig)
    width, height = fig.bbox.width, fig.bbox.height
    found = []
    for artist in visible_texts(fig):
        box = artist.get_window_extent(renderer)
        tol = CANVAS_TOLERANCE_PX
        if box.x0 < -tol or box.y0 < -tol or box.x1 > width + tol or box.y1 > height + tol:
            found.append(
                f"{_describe(artist)} at ({box.x0:.0f}, {box.y0:.0f})-({box.x1:.0f}, {box.y1:.0f}) "
                f"is outside the {width:.0f}x{height:.0f} px canvas"
            )
    return found


def overlapping_texts(fig) -> list[str]:
    renderer = _prepared(fig)
    boxes = [(artist, artist.get_window_extent(renderer).padded(-OVERLAP_TOLERANCE_PX)) for artist in visible_texts(fig)]
    found = []
    for (a, box_a), (b, box_b) in combinations(boxes, 2):
        if box_a.width > 0 and box_b.width > 0 and box_a.overlaps(box_b):
            found.append(f"{_describe(a)} overlaps {_describe(b)}")
    return found


def small_texts(fig) -> list[str]:
    from matplotlib.text import Annotation

    found = []
    for artist in visible_texts(fig):
        if not hasattr(artist, "get_fontsize"):
            continue
        minimum = MIN_DATA_LABEL_PT if isinstance(artist, Annotation) else MIN_TEXT_PT
        if artist.get_fontsize() < minimum:
            found.append(f"{_describe(artist)} is {artist.get_fontsize():g} pt (minimum {minimum:g})")
    legends = [a for a in visible_texts(fig) if not hasattr(a, "get_fontsize")]
    for legend in legends:
        for text in legend.get_texts():
            if text.get_fontsize() < MIN_TEXT_PT:
                found.append(f"legend text {text.get_text()!r} is {text.get_fontsize():g} pt (minimum {MIN_TEXT_PT:g})")
    return found


def too_wide(fig, dpi: float | None = None) -> list[str]:
    from matplotlib import rcParams

    dpi = dpi or rcParams["savefig.dpi"]
    width = fig.get_figwidth() * (fig.dpi if dpi == "figure" else dpi)
    return [f"figure is {width:.0f} px wide (maximum {MAX_WIDTH_PX})"] if width > MAX_WIDTH_PX else []


@cache
def _cmap(path: str) -> frozenset[int]:
    from fontTools.ttLib import TTFont

    font = TTFont(path, fontNumber=0, lazy=True)
    return frozenset(font.getBestCmap())


def _font_cmaps() -> list[frozenset[int]]:
    """The character maps of the font families matplotlib falls back through, in order."""
    from matplotlib import font_manager, rcParams

    cmaps = []
    for family in rcParams["font.family"]:
        try:
            path = font_manager.findfont(font_manager.FontProperties(family=family), fallback_to_default=False)
        except ValueError:
            continue
        cmaps.append(_cmap(path))
    return cmaps


def missing_glyphs(fig) -> list[str]:
    _prepared(fig)
    cmaps = _font_cmaps()
    found = []
    texts = [t for a in visible_texts(fig) for t in (a.get_texts() if not hasattr(a, "get_fontsize") else [a])]
    for text in texts:
        missing = sorted({ch for ch in text.get_text() if not ch.isspace() and not any(ord(ch) in c for c in cmaps)})
        if missing:
            shown = ", ".join(f"U+{ord(ch):04X}" for ch in missing)
            found.append(f"{_describe(text)} has characters no font provides ({shown}): drawn as boxes")
    return found


def mathtext_texts(fig) -> list[str]:
    """Texts that matplotlib would parse as mathtext ("US$1.4 bn" drawn as "US1.4*bn")."""
    _prepared(fig)
    texts = [t for a in visible_texts(fig) for t in (a.get_texts() if not hasattr(a, "get_fontsize") else [a])]
    return [f"{_describe(t)} is parsed as mathtext" for t in texts if t._preprocess_math(t.get_text())[1]]


def _shown_as_text(fig, value: float) -> bool:
    for artist in visible_texts(fig):
        for text in artist.get_texts() if not hasattr(artist, "get_fontsize") else [artist]:
            for match in _NUMBER.findall(text.get_text().replace("−", "-")):
                decimals = len(match.split(".")[1]) if "." in match else 0
                if abs(float(match.replace(",", "")) - value) <= 0.5 * 10**-decimals + 1e-9:
                    return True
    return False


def values_not_shown(fig, values: Iterable[float]) -> list[str]:
    """Values that lie outside the limits of every value axis; in a figure without one (a table),
    values that appear in no text. A label alone does not count where there is an axis: the mark is
    what a reader compares."""
    _prepared(fig)
    limits = []
    for ax in fig.axes:
        axis = getattr(ax, "techgap_value_axis", None)
        if axis is not None and ax.get_visible():
            low, high = sorted(ax.get_ylim() if axis == "y" else ax.get_xlim())
            limits.append((low, high))
    found = []
    for value in values:
        if not np.isfinite(value):
            continue
        if any(low <= value <= high for low, high in limits) if limits else _shown_as_text(fig, float(value)):
            continue
        where = f"outside every value axis {[(round(lo, 3), round(hi, 3)) for lo, hi in limits]}" if limits else "in no text"
        found.append(f"value {value:g} is {where}")
    return found


def entity_colors(fig) -> dict[str, set[str]]:
    """The colours each entity is drawn in (artists the charts tagged with their entity)."""
    from matplotlib.colors import to_hex
    from matplotlib.lines import Line2D

    colors: dict[str, set[str]] = {}
    for artist in fig.findobj(lambda a: hasattr(a, "techgap_entity")):
        if isinstance(artist, Line2D):
            color = artist.get_color() if artist.get_linestyle() not in ("None", "none", "") else artist.get_markeredgecolor()
        else:
            color = artist.get_facecolor()
        colors.setdefault(artist.techgap_entity, set()).add(to_hex(color, keep_alpha=False))
    return colors


def inconsistent_colors(colors_by_figure: Mapping[str, Mapping[str, set[str]]]) -> list[str]:
    """Entities drawn in more than one colour across the given figures (name -> entity -> colours)."""
    seen: dict[str, dict[str, list[str]]] = {}
    for figure, colors in colors_by_figure.items():
        for code, shades in colors.items():
            for shade in shades:
                seen.setdefault(code, {}).setdefault(shade, []).append(figure)
    return [
        f"{code} is drawn in {len(shades)} colours: " + "; ".join(f"{s} in {', '.join(f)}" for s, f in shades.items())
        for code, shades in sorted(seen.items())
        if len(shades) > 1
    ]


def drawn_values(item, rows) -> list[float]:
    """The values of an item's rows that its figure must show: all but those a table prints as words
    (tab06's leader mark and risk level)."""
    coded = {item.spec[key] for key in ("leader_indicator", "risk_indicator") if key in item.spec}
    return [float(v) for v in rows.loc[~rows["indicator"].isin(coded), "value"]]


def check_figure(fig, values: Iterable[float] = ()) -> list[str]:
    """Every single-figure check at once (the build can refuse a figure that fails one)."""
    return (
        texts_outside_canvas(fig)
        + overlapping_texts(fig)
        + small_texts(fig)
        + too_wide(fig)
        + missing_glyphs(fig)
        + mathtext_texts(fig)
        + values_not_shown(fig, values)
    )

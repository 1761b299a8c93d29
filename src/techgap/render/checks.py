"""Checks a drawn figure must pass before anyone reads it: every text on the canvas, no two texts on top of each
other, nothing too small to read, no glyph missing from the font, nothing parsed as mathtext, no value off the
axis, no panel without data, no caption year that no period drawn covers, one colour per entity. Each takes a
Drawing (render/layout.py: the figure and what its draw function recorded about it) and returns what it found
wrong (empty when the figure is fine). matplotlib's public API only.

Thresholds (points at 100%; savefig.dpi is 150, so 8 pt is 16.7 px high):
- body text (titles, notes, ticks, legends, table cells): at least MIN_TEXT_PT = 8;
- value labels on bars and lines (annotations): at least MIN_DATA_LABEL_PT = 7;
- texts may touch but not overlap: boxes are shrunk by OVERLAP_TOLERANCE_PX before comparing;
- a figure is at most MAX_WIDTH_PX = 1400 px wide at the saved dpi.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from functools import cache
from itertools import combinations
from typing import Any

import numpy as np

from techgap.render.layout import Drawing

MIN_TEXT_PT = 8.0
MIN_DATA_LABEL_PT = 7.0
OVERLAP_TOLERANCE_PX = 1.0
CANVAS_TOLERANCE_PX = 1.0
MAX_WIDTH_PX = 1400
_NUMBER = re.compile(r"-?\d[\d,]*(?:\.\d+)?")


def _renderer(drawing: Drawing) -> Any:
    """The figure laid out as saving it would (drawn once without output), and its renderer."""
    fig = drawing.figure
    if not drawing.laid_out:
        fig.draw_without_rendering()
        drawing.laid_out = True
    return fig.canvas.get_renderer()


def _tick_labels(axis: Any) -> list:
    """The tick labels that are drawn: visible, with text, at a tick inside the view limits."""
    if not axis.get_visible():
        return []
    low, high = sorted(axis.get_view_interval())
    shown = []
    for tick in axis.get_major_ticks() + axis.get_minor_ticks():
        location = tick.get_loc()
        if location is None or not low - 1e-9 * (abs(low) + 1) <= location <= high + 1e-9 * (abs(high) + 1):
            continue
        shown += [label for label in (tick.label1, tick.label2) if label.get_visible()]
    return shown + [axis.label, axis.get_offset_text()]


def _annotation_drawn(annotation: Any) -> bool:
    """matplotlib draws an annotation whose point lies in data coordinates only while the point is inside its axes
    (annotation_clip None means: clip when xycoords is 'data')."""
    clip = annotation.get_annotation_clip()
    if clip is False or (clip is None and annotation.xycoords != "data") or annotation.axes is None:
        return True
    x, y = annotation.axes.transData.transform(annotation.xy)
    return bool(annotation.axes.bbox.contains(x, y))


def visible_texts(drawing: Drawing) -> list:
    """Every text artist that is drawn, legends counted as one box each (their texts are inside it)."""
    from matplotlib.legend import Legend
    from matplotlib.text import Annotation, Text

    fig = drawing.figure
    texts = list(fig.texts)
    boxes = list(fig.legends)
    for ax in fig.axes:
        if not ax.get_visible():
            continue
        children = ax.get_children()
        texts += [c for c in children if isinstance(c, Text) and c not in (ax.xaxis.label, ax.yaxis.label)]
        if ax.axison:
            texts += _tick_labels(ax.xaxis) + _tick_labels(ax.yaxis)
        boxes += [c for c in children if isinstance(c, Legend)]
        for table in ax.tables:
            texts += [cell.get_text() for cell in table.get_celld().values()]
    shown = [
        t
        for t in dict.fromkeys(texts)
        if t.get_visible() and t.get_text().strip() and (not isinstance(t, Annotation) or _annotation_drawn(t))
    ]
    return shown + [legend for legend in boxes if legend.get_visible()]


def _all_texts(drawing: Drawing) -> list:
    """The visible texts with each legend's texts in place of the legend."""
    return [t for a in visible_texts(drawing) for t in (a.get_texts() if not hasattr(a, "get_fontsize") else [a])]


def _describe(artist: Any) -> str:
    if hasattr(artist, "get_text"):
        return repr(artist.get_text()[:40])
    return "legend [" + ", ".join(t.get_text() for t in artist.get_texts())[:60] + "]"


def texts_outside_canvas(drawing: Drawing) -> list[str]:
    renderer = _renderer(drawing)
    width, height = drawing.figure.bbox.width, drawing.figure.bbox.height
    found = []
    for artist in visible_texts(drawing):
        box = artist.get_window_extent(renderer)
        tol = CANVAS_TOLERANCE_PX
        if box.x0 < -tol or box.y0 < -tol or box.x1 > width + tol or box.y1 > height + tol:
            found.append(
                f"{_describe(artist)} at ({box.x0:.0f}, {box.y0:.0f})-({box.x1:.0f}, {box.y1:.0f}) "
                f"is outside the {width:.0f}x{height:.0f} px canvas"
            )
    return found


def overlapping_texts(drawing: Drawing) -> list[str]:
    renderer = _renderer(drawing)
    boxes = [(artist, artist.get_window_extent(renderer).padded(-OVERLAP_TOLERANCE_PX)) for artist in visible_texts(drawing)]
    found = []
    for (a, box_a), (b, box_b) in combinations(boxes, 2):
        if box_a.width > 0 and box_b.width > 0 and box_a.overlaps(box_b):
            found.append(f"{_describe(a)} overlaps {_describe(b)}")
    return found


def small_texts(drawing: Drawing) -> list[str]:
    from matplotlib.text import Annotation

    _renderer(drawing)
    found = []
    for artist in visible_texts(drawing):
        if not hasattr(artist, "get_fontsize"):
            continue
        minimum = MIN_DATA_LABEL_PT if isinstance(artist, Annotation) else MIN_TEXT_PT
        if artist.get_fontsize() < minimum:
            found.append(f"{_describe(artist)} is {artist.get_fontsize():g} pt (minimum {minimum:g})")
    for legend in (a for a in visible_texts(drawing) if not hasattr(a, "get_fontsize")):
        for text in legend.get_texts():
            if text.get_fontsize() < MIN_TEXT_PT:
                found.append(f"legend text {text.get_text()!r} is {text.get_fontsize():g} pt (minimum {MIN_TEXT_PT:g})")
    return found


def too_wide(drawing: Drawing, dpi: float | None = None) -> list[str]:
    from matplotlib import rcParams

    fig = drawing.figure
    dpi = dpi or rcParams["savefig.dpi"]
    width = fig.get_figwidth() * (fig.dpi if dpi == "figure" else dpi)
    return [f"figure is {width:.0f} px wide (maximum {MAX_WIDTH_PX})"] if width > MAX_WIDTH_PX else []


@cache
def _cmap(path: str) -> frozenset[int]:
    """The characters a font file maps, read by FreeType through matplotlib (the font that draws them)."""
    from matplotlib.ft2font import FT2Font

    return frozenset(FT2Font(path).get_charmap())


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


def missing_glyphs(drawing: Drawing) -> list[str]:
    _renderer(drawing)
    cmaps = _font_cmaps()
    found = []
    for text in _all_texts(drawing):
        missing = sorted({ch for ch in text.get_text() if not ch.isspace() and not any(ord(ch) in c for c in cmaps)})
        if missing:
            shown = ", ".join(f"U+{ord(ch):04X}" for ch in missing)
            found.append(f"{_describe(text)} has characters no font provides ({shown}): drawn as boxes")
    return found


def mathtext_texts(drawing: Drawing) -> list[str]:
    """Texts that matplotlib would parse as mathtext ("US$1.4 bn" drawn as "US1.4*bn")."""
    from matplotlib.cbook import is_math_text

    _renderer(drawing)
    return [
        f"{_describe(t)} is parsed as mathtext" for t in _all_texts(drawing) if t.get_parse_math() and is_math_text(t.get_text())
    ]


def _shown_as_text(drawing: Drawing, value: float) -> bool:
    for text in _all_texts(drawing):
        for match in _NUMBER.findall(text.get_text().replace("−", "-")):
            decimals = len(match.split(".")[1]) if "." in match else 0
            if abs(float(match.replace(",", "")) - value) <= 0.5 * 10**-decimals + 1e-9:
                return True
    return False


def values_not_shown(drawing: Drawing, values: Iterable[float]) -> list[str]:
    """Values that lie outside the limits of every value axis; in a figure without one (a table), values that
    appear in no text. A label alone does not count where there is an axis: the mark is what a reader compares."""
    _renderer(drawing)
    limits = []
    for ax, axis in drawing.value_axes:
        if ax.get_visible():
            low, high = sorted(ax.get_ylim() if axis == "y" else ax.get_xlim())
            limits.append((low, high))
    found = []
    for value in values:
        if not np.isfinite(value):
            continue
        if any(low <= value <= high for low, high in limits) if limits else _shown_as_text(drawing, float(value)):
            continue
        where = f"outside every value axis {[(round(lo, 3), round(hi, 3)) for lo, hi in limits]}" if limits else "in no text"
        found.append(f"value {value:g} is {where}")
    return found


def entity_colors(drawing: Drawing) -> dict[str, set[str]]:
    """The colours each entity is drawn in (the artists its draw function recorded)."""
    from matplotlib.colors import to_hex
    from matplotlib.lines import Line2D

    colors: dict[str, set[str]] = {}
    for code, artist in drawing.entities:
        if isinstance(artist, Line2D):
            color = artist.get_color() if artist.get_linestyle() not in ("None", "none", "") else artist.get_markeredgecolor()
        else:
            color = artist.get_facecolor()
        colors.setdefault(code, set()).add(to_hex(color, keep_alpha=False))
    return colors


def colours_not_their_own(drawing: Drawing, own: Callable[[str], str]) -> list[str]:
    """Entities drawn in a colour other than their own (``own``: the drawing context's, from config/plotting.yaml):
    checked in every drawing, so an entity has one colour in every item and language."""
    from matplotlib.colors import to_hex

    found = []
    for code, shades in sorted(entity_colors(drawing).items()):
        expected = to_hex(own(code), keep_alpha=False)
        others = sorted(shades - {expected})
        if others:
            found.append(f"{code} is drawn in {', '.join(others)}, not in its own colour {expected}")
    return found


def panels_without_data(drawing: Drawing) -> list[str]:
    """Panels of a chart that draw nothing: no bar, line, marker, image or table, only text (a value written
    into an empty panel, or an axis left blank). A figure without a value axis (a table image) has no panels."""
    if not drawing.value_axes:
        return []
    found = []
    for ax in drawing.figure.axes:
        if not ax.get_visible() or (not ax.axison and not ax.texts):  # hidden, or a blank cell left over in a grid
            continue
        lines = [line for line in ax.lines if np.isfinite(np.asarray(line.get_ydata(), dtype=float)).any()]
        if ax.patches or lines or ax.collections or ax.images or ax.tables:
            continue
        title = next((t for t in (ax.get_title(loc="left"), ax.get_title(), ax.get_title(loc="right")) if t), "")
        found.append(f"panel {title[:40]!r} draws no data (only text or nothing)")
    return found


_YEAR = re.compile(r"(?<!\d)(?:19|20)\d\d(?!\d)")


def caption_years_not_drawn(captions: Iterable[str], drawn_periods: Iterable[str]) -> list[str]:
    """Years a title or subtitle names that no period drawn touches (a caption reading 2010-2021 over a chart of
    2021 alone)."""
    from techgap import periods

    years: set[int] = set()
    for period in drawn_periods:
        if periods.shape(period) is not None:
            first, last = periods.years(period)
            years.update(range(first, last + 1))
    if not years:
        return []
    found = []
    for caption in captions:
        stray = sorted({int(y) for y in _YEAR.findall(caption)} - years)
        if stray:
            found.append(f"caption {caption[:60]!r} names {', '.join(map(str, stray))}, which no period drawn covers")
    return found


def drawn_values(item: Any, rows: Any) -> list[float]:
    """The values of an item's rows that its figure must show: all but those a table prints as words (tab06's
    leader mark and risk level)."""
    coded = {getattr(item.spec, key) for key in ("leader_indicator", "risk_indicator") if hasattr(item.spec, key)}
    return [float(v) for v in rows.loc[~rows["indicator"].isin(coded), "value"]]


CHECKS = (texts_outside_canvas, overlapping_texts, small_texts, too_wide, missing_glyphs, mathtext_texts, panels_without_data)

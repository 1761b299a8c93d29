"""Faster per-glyph loops for matplotlib's text drawing, with the same output.

Text is most of what a figure costs here (the gap figures' source lines run to 1,500 characters, the
tables are all text). matplotlib 3.11 draws text glyph by glyph in Python, and two of those loops do
work that does not depend on the glyph:

- the Agg renderer builds the same rotation matrix with numpy, and sets the font's size again, for every
  glyph; here the matrix is made once per (slant, extend) and the size is set when the font or size
  changes (each glyph still gets its own position, as before);
- the SVG renderer loads every glyph's outline and re-quotes its id, although it writes an outline only
  for glyphs it has not written yet; here only new glyphs are loaded, and ids are remembered.

Each replacement is installed only over the exact matplotlib code it was written against (a digest of
that function's source): with any other version matplotlib keeps its own loops (slower, same output).
``tests/test_glyphs.py`` checks that the bytes of PNG and SVG figures are the same either way.
"""

from __future__ import annotations

import hashlib
import inspect
import math
from collections import OrderedDict
from typing import Any

# sha256 of the source of the matplotlib functions each replacement stands in for (the function and the
# helpers it calls), in the matplotlib version of requirements.lock
AGG_GLYPH_LOOP = "ccc4749c9809539465c335a8e206cf42043d8e98199a2909cde208f6b463cab8"
SVG_GLYPH_LOOP = "eba65e27b47859ff387689b4439c2878ace2a9866eff6d314b5a75ddd3f6517c"

_installed: dict[str, Any] = {}


def source_digest(*functions: Any) -> str:
    try:
        return hashlib.sha256("".join(inspect.getsource(f) for f in functions).encode("utf-8")).hexdigest()
    except (OSError, TypeError):  # no source to compare: treat as unknown code
        return ""


def _svg_functions() -> tuple[Any, ...]:
    from matplotlib import _text_helpers
    from matplotlib.textpath import TextToPath

    return (TextToPath.get_glyphs_with_font, TextToPath._get_glyph_repr, _text_helpers.layout)


def draw_agg_glyphs(self: Any, gc: Any, x: float, y: float, angle: float, glyphs: Any, boxes: Any) -> None:
    """RendererAgg._draw_text_glyphs_and_boxes, with the per-glyph constants computed once."""
    import numpy as np
    from matplotlib.backends.backend_agg import get_hinting_flag
    from matplotlib.ft2font import RenderMode

    cos = math.cos(math.radians(angle))
    sin = math.sin(math.radians(angle))
    load_flags = get_hinting_flag()
    antialiased = gc.get_antialiased()
    mode = RenderMode.NORMAL if antialiased else RenderMode.MONO
    height = self.height
    bitmap_bottom = int(height)
    matrices: dict[tuple[float, float], Any] = {}
    sized = None
    for font, size, glyph_index, slant, extend, dx, dy in glyphs:  # dy is upwards
        if sized is None or sized[0] is not font or sized[1] != size:
            font.set_size(size, self.dpi)
            sized = (font, size)
        matrix = matrices.get((slant, extend))
        if matrix is None:
            rotation = 0x10000 * np.array([[cos, -sin], [sin, cos]])
            matrix = matrices[(slant, extend)] = (rotation @ [[extend, extend * slant], [0, 1]]).round().astype(int)
        # FreeType's y is upwards; the delta is in 1/64 px
        font._set_transform(matrix, [round(0x40 * (x + dx * cos - dy * sin)), round(0x40 * (height - y + dx * sin + dy * cos))])
        bitmap = font._render_glyph(glyph_index, load_flags, mode)
        buffer = bitmap.buffer
        if not antialiased:
            buffer *= 0xFF
        # draw_text_image's y is downwards and names the bitmap's bottom side
        self._renderer.draw_text_image(buffer, bitmap.left, bitmap_bottom - bitmap.top + buffer.shape[0], 0, gc)
    boxes = list(boxes)
    if boxes:  # mathtext rules and TeX boxes: matplotlib's own code, with no glyphs left to draw
        _installed["agg"](self, gc, x, y, angle, (), boxes)


def glyphs_with_font(
    self: Any,
    font: Any,
    s: str,
    glyph_map: Any = None,
    return_new_glyphs_only: bool = False,
    *,
    features: Any = None,
    language: Any = None,
) -> tuple[list, Any, list]:
    """TextToPath.get_glyphs_with_font, loading only the glyphs whose outline is not in ``glyph_map`` yet."""
    from matplotlib.ft2font import LoadFlags

    if glyph_map is None:
        glyph_map = OrderedDict()
    glyph_map_new = OrderedDict() if return_new_glyphs_only else glyph_map
    placed = []
    for item in font._layout(s, LoadFlags.NO_HINTING, features=features, language=language):
        repr_ = glyph_id(item.ft_object, item.glyph_index)
        if repr_ not in glyph_map and repr_ not in glyph_map_new:
            item.ft_object.load_glyph(item.glyph_index, flags=LoadFlags.NO_HINTING)
            glyph_map_new[repr_] = item.ft_object.get_path()
        placed.append((repr_, item.x, item.y, 1.0))
    return placed, glyph_map_new, []


_glyph_ids: dict[tuple[str, int], str] = {}


def glyph_id(font: Any, glyph: int) -> str:
    """TextToPath._get_glyph_repr, remembered per (font name, glyph)."""
    import urllib.parse

    key = (font.postscript_name, glyph)
    found = _glyph_ids.get(key)
    if found is None:
        found = _glyph_ids[key] = urllib.parse.quote(f"{key[0]}-{glyph:x}")
    return found


def install() -> dict[str, bool]:
    """Put the faster loops in place where matplotlib's code is the one they mirror. Returns which were."""
    from matplotlib.backends.backend_agg import RendererAgg
    from matplotlib.textpath import TextToPath

    done = {}
    if "agg" not in _installed and source_digest(RendererAgg._draw_text_glyphs_and_boxes) == AGG_GLYPH_LOOP:
        _installed["agg"] = RendererAgg._draw_text_glyphs_and_boxes
        RendererAgg._draw_text_glyphs_and_boxes = draw_agg_glyphs
    done["agg"] = "agg" in _installed
    if "svg" not in _installed and source_digest(*_svg_functions()) == SVG_GLYPH_LOOP:
        _installed["svg"] = TextToPath.get_glyphs_with_font
        TextToPath.get_glyphs_with_font = glyphs_with_font
    done["svg"] = "svg" in _installed
    return done


def uninstall() -> None:
    """matplotlib's own loops again (for tests that compare both)."""
    from matplotlib.backends.backend_agg import RendererAgg
    from matplotlib.textpath import TextToPath

    if "agg" in _installed:
        RendererAgg._draw_text_glyphs_and_boxes = _installed.pop("agg")
    if "svg" in _installed:
        TextToPath.get_glyphs_with_font = _installed.pop("svg")

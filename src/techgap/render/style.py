"""The project's one visual style: the CJK font, the style sheet (techgap.mplstyle: sizes, spines, no mathtext)
and the chart colours of config/plotting.yaml set over it."""

from __future__ import annotations

import os
from pathlib import Path

from techgap.config import Plotting

FONT_NAME = "Noto Sans CJK TC"
FONT_FILE = "NotoSansCJKtc-Regular.otf"
STYLE_FILE = Path(__file__).with_name("techgap.mplstyle")
TC_FACE_INDEX = 3  # JP, KR, SC, TC, HK, ... in the Noto Sans CJK collection


def font_path(cache_dir: str | Path | None = None) -> Path:
    """The Traditional Chinese face of Noto Sans CJK (OFL-1.1, from the PyPI package noto-cjk-sans-otc) as a
    single OTF: loading one face is ~300x faster than the whole collection."""
    cache = Path(cache_dir or os.environ.get("TECHGAP_FONT_DIR", "build/fonts"))
    target = cache / FONT_FILE
    if not target.exists():
        extract_font(target)
    return target


def extract_font(target: Path) -> Path:
    import noto_cjk_sans_otc
    from fontTools.ttLib import TTCollection

    from techgap.io import atomic_path

    collection = Path(noto_cjk_sans_otc.__file__).with_name("NotoSansCJK-Regular.ttc")
    # fontTools stamps 'head.modified' with the clock on save unless told not to: the extracted face must be the
    # same bytes on every machine (the page's web font and the drawn glyphs derive from it)
    face = TTCollection(str(collection), recalcTimestamp=False).fonts[TC_FACE_INDEX]
    if face["name"].getDebugName(4) != FONT_NAME:
        raise RuntimeError(f"face {TC_FACE_INDEX} of {collection} is not {FONT_NAME}")
    with atomic_path(target) as tmp:
        face.save(str(tmp))
    return target


def apply_style(plotting: Plotting, font_dir: str | Path | None = None) -> None:
    """Agg, the project's font and style sheet, and the palette's colours; the same settings every time."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib import font_manager

    font_file = str(font_path(font_dir))
    if font_file not in {entry.fname for entry in font_manager.fontManager.ttflist}:
        font_manager.fontManager.addfont(font_file)
    plt.style.use(str(STYLE_FILE))
    palette = plotting.chart
    matplotlib.rcParams.update(
        {
            "font.family": [FONT_NAME, "DejaVu Sans"],
            "axes.unicode_minus": True,  # the font has U+2212; texts use it too (layout.minus_sign)
            "figure.facecolor": palette.background,
            "axes.facecolor": palette.background,
            "axes.edgecolor": palette.axis,
            "grid.color": palette.grid,
        }
    )

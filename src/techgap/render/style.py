"""The project's one visual style: the CJK font, the style sheet, entity colours, bilingual text."""

from __future__ import annotations

import os
from pathlib import Path

FONT_NAME = "Noto Sans CJK TC"
FONT_FILE = "NotoSansCJKtc-Regular.otf"
STYLE_FILE = Path(__file__).with_name("techgap.mplstyle")
TC_FACE_INDEX = 3  # JP, KR, SC, TC, HK, ... in the Noto Sans CJK collection

# Colours follow the entity, so China is the same red in every figure.
ENTITY_COLORS = {
    "CHN": "#c8102e", "USA": "#1f4e99", "TWN": "#2a9d8f", "KOR": "#7b3fa0", "JPN": "#e07b00",
    "DEU": "#555555", "GBR": "#8c6d31", "FRA": "#4f8fc0", "OECD_TOTAL": "#999999", "OECD_MEMBERS": "#bbbbbb",
    "EUROPE": "#4f8fc0", "NORTH_AMERICA": "#1f4e99", "REST_OF_WORLD": "#aaaaaa", "WORLD": "#333333",
}
PALETTE = ["#1f4e99", "#c8102e", "#2a9d8f", "#e07b00", "#7b3fa0", "#8c6d31", "#4f8fc0", "#555555",
           "#d4a017", "#6a994e", "#bc4749", "#999999"]


def font_path(cache_dir: str | Path | None = None) -> Path:
    """The Traditional Chinese face of Noto Sans CJK (OFL-1.1, from the PyPI package
    noto-cjk-sans-otc) as a single OTF: loading one face is ~300x faster than the whole collection."""
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
    face = TTCollection(str(collection)).fonts[TC_FACE_INDEX]
    if face["name"].getDebugName(4) != FONT_NAME:
        raise RuntimeError(f"face {TC_FACE_INDEX} of {collection} is not {FONT_NAME}")
    with atomic_path(target) as tmp:
        face.save(str(tmp))
    return target


_applied = False


def apply_style(font_dir: str | Path | None = None) -> None:
    global _applied
    if _applied:
        return
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib import font_manager

    font_manager.fontManager.addfont(str(font_path(font_dir)))
    plt.style.use(str(STYLE_FILE))
    matplotlib.rcParams["font.family"] = [FONT_NAME, "DejaVu Sans"]
    matplotlib.rcParams["axes.unicode_minus"] = False
    _applied = True


def color_for(code: str, position: int) -> str:
    return ENTITY_COLORS.get(code, PALETTE[position % len(PALETTE)])


def text(value: object, lang: str) -> str:
    """Pick the language from a {zh, en} mapping (or a Bilingual model); plain strings pass through."""
    if value is None:
        return ""
    if isinstance(value, dict):
        extra = set(value) - {"zh", "en"}
        if extra:  # e.g. an unquoted comma in a YAML flow mapping split the text
            raise ValueError(f"bilingual text has unexpected keys {sorted(extra)}: {value}")
        return str(value.get(lang, value.get("en", "")))
    if hasattr(value, lang):
        return str(getattr(value, lang))
    return str(value)

"""The project's one visual style: the CJK font, the style sheet, entity colours, bilingual text."""

from __future__ import annotations

import functools
import io
import os
import zlib
from pathlib import Path
from typing import Any

from techgap.render import glyphs

FONT_NAME = "Noto Sans CJK TC"
FONT_FILE = "NotoSansCJKtc-Regular.otf"
STYLE_FILE = Path(__file__).with_name("techgap.mplstyle")
TC_FACE_INDEX = 3  # JP, KR, SC, TC, HK, ... in the Noto Sans CJK collection

# Colours follow the entity, so China is the same red in every figure. Companies and institutions take
# their country's colour (`country:` in config/entities.yaml); anything else gets a grey that no
# reserved entity uses, chosen from its code so it is the same in every item.
ENTITY_COLORS = {
    "CHN": "#c8102e",
    "TWN": "#1b9e8f",
    "USA": "#1f4e99",
    "JPN": "#e07b00",
    "KOR": "#7b3fa0",
    "EU27": "#d4a017",
    "EU_UK": "#d4a017",
    "EUROPE": "#d4a017",
    "DEU": "#3c3c3c",
    "CHE": "#b04a7a",
    "FRA": "#5aa0d8",
    "CAN": "#8fb339",
    "GBR": "#8c6d31",
    "ITA": "#3f8f4f",
    "FIN": "#4d7c8a",
    "SWE": "#9a8c3a",
    "AUS": "#e3a0b8",
    "NLD": "#f26b38",
    "IND": "#6b4226",
    "ESP": "#a37dc2",
    "NORTH_AMERICA": "#4a6fb5",
    "ASIA_PACIFIC": "#5e9c76",
    "DEVELOPING_ASIA": "#5e9c76",
    "OECD_TOTAL": "#8a8a8a",
    "OECD_MEMBERS": "#8a8a8a",
    "REST_OF_WORLD": "#a6a6a6",
    "WORLD": "#2b2b2b",
}
NEUTRALS = ["#9e9e9e", "#7d7d7d", "#b8b8b8", "#6e6e6e", "#c4c4c4"]
MEASURE_COLORS = ("#1f4e99", "#5f5f5f")  # a measure that belongs to no entity (fig01's level and growth)
# Points a source marks as not final are drawn hollow (lines) or hatched (bars), with a legend entry.
NOT_FINAL_FLAGS = ("provisional", "estimated", "preliminary", "forecast")
NOT_FINAL_HATCH = "////"


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
    # fontTools stamps 'head.modified' with the clock on save unless told not to: the extracted face
    # must be the same bytes on every machine (the page's web font and the drawn glyphs derive from it)
    face.recalcTimestamp = False
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

    font_file = font_path(font_dir)
    font_manager.fontManager.addfont(str(font_file))
    read_font_from_memory(font_file)
    glyphs.install()
    plt.style.use(str(STYLE_FILE))
    matplotlib.rcParams["font.family"] = [FONT_NAME, "DejaVu Sans"]
    matplotlib.rcParams["axes.unicode_minus"] = False
    _applied = True


class _FontsFromMemory:
    """Stands in for the ft2font module inside matplotlib's font loader: FT2Font gets an in-memory copy of
    the files in ``files``, every other font is opened from disk as usual."""

    def __init__(self, module: Any, files: dict[str, bytes]) -> None:
        self._module = module
        self._files = files

    def __getattr__(self, name: str) -> Any:
        return getattr(self._module, name)

    def FT2Font(self, filename: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: N802 (the name it stands in for)
        data = self._files.get(filename) if isinstance(filename, str) else None
        return self._module.FT2Font(io.BytesIO(data) if data is not None else filename, *args, **kwargs)


def read_font_from_memory(font_file: Path) -> bool:
    """Have matplotlib read the project's font from memory, not through the file.

    matplotlib hands FreeType a Python file object, so every glyph FreeType loads costs a seek and a read
    call on the file: about a quarter of a whole build's time (measured with py-spy on the 2-core machine),
    as each text is measured, laid out and drawn glyph by glyph. FT2Font takes any binary file object; an
    in-memory copy of the 16 MB face gives the same glyphs (the same bytes in every figure) without the
    system calls. Returns False, and leaves matplotlib as it is, where its font loader is not the one this
    was written for (then fonts are read from disk: slower, same output)."""
    from matplotlib import font_manager, ft2font

    loader = getattr(font_manager, "_get_font", None)
    unwrapped = getattr(loader, "__wrapped__", None)
    if unwrapped is None or getattr(font_manager, "ft2font", None) is not ft2font:
        return False
    files = {os.path.realpath(font_file): Path(font_file).read_bytes()}
    stand_in = _FontsFromMemory(ft2font, files)

    @functools.lru_cache(64)
    def get_font(font_filepaths: tuple, **options: Any) -> Any:
        font_manager.ft2font = stand_in  # only while matplotlib builds this font (one thread per process here)
        try:
            return unwrapped(font_filepaths, **options)
        finally:
            font_manager.ft2font = ft2font

    font_manager._get_font = get_font
    if hasattr(os, "register_at_fork"):  # FT2Font objects must not cross a fork (as matplotlib's own cache)
        os.register_at_fork(after_in_child=get_font.cache_clear)
    return True


def color_for(code: str, country: str | None = None) -> str:
    """The entity's colour, else its country's, else a neutral grey fixed by its country (so a company's bar
    matches its country's key) or, for an entity without a country, by its code."""
    if code in ENTITY_COLORS:
        return ENTITY_COLORS[code]
    if country in ENTITY_COLORS:
        return ENTITY_COLORS[country]
    return NEUTRALS[zlib.crc32((country or code).encode("utf-8")) % len(NEUTRALS)]


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

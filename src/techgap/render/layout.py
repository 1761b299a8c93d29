"""The frame every figure and table image shares: text measured and wrapped to the figure's width, the caption
and subtitle on top, the 資料來源 / Source line and notes at the bottom, the body between them laid out by
matplotlib's constrained layout; and the Drawing a draw function returns (the figure, and what the checks in
render/checks.py need to know about it, instead of marks on matplotlib's artists)."""

from __future__ import annotations

import re
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from techgap.config import ChartPalette, Plotting
from techgap.model import Bilingual

# Text sizes (points). checks.py holds the minimums these must respect.
TITLE_PT = 13
SUBTITLE_PT = 9.5
PANEL_TITLE_PT = 9.5
FOOTER_PT = 8
DATA_LABEL_PT = 7.5
MAX_WIDTH_IN = 9.3  # 1,395 px at savefig.dpi 150
MARGIN_IN = 0.15
BLOCK_GAP_IN = 0.08
LINE_SPACING = 1.35

# The words the frame and the charts write into notes and labels.
WORDS = {
    "hollow": {"zh": "空心點：{}", "en": "Hollow marker: {}"},
    "hatched": {"zh": "斜線：{}", "en": "Hatched: {}"},
    # not "found": a cell may be in another release the project holds but the item does not draw (fig20)
    "no_value": {"zh": "所繪資料中無數值：{}。", "en": "No value in the data drawn: {}."},
    "only": {"zh": "僅 {} 年", "en": "{} only"},
    "range": {"zh": "{}–{}", "en": "{}–{}"},
    "no_value_short": {"zh": "無\n數\n值", "en": "n/a"},
    "as_table": {
        "zh": "註：查得之數值不足以構成時間序列 (每一序列少於 2 期)，故以表列出。",
        "en": "Note: the values found do not make a time series (fewer than 2 periods per series), "
        "so they are listed as a table.",
    },
    "value": {"zh": "數值", "en": "Value"},
    "period": {"zh": "期間", "en": "Period"},
    "item": {"zh": "項目", "en": "Item"},
    "approx": {"zh": "約 {}", "en": "~{}"},
    "list_sep": {"zh": "、", "en": ", "},
    "panel_sep": {"zh": "；", "en": "; "},
}


@dataclass(frozen=True)
class Context:
    """What a drawing needs besides its rows: the language, entity names and colours, the palette."""

    lang: str
    name: Callable[[str], str]  # entity code -> display name in lang
    plotting: Plotting
    country: Callable[[str], str | None] = lambda code: None  # company/institution code -> its economy's code

    @property
    def palette(self) -> ChartPalette:
        return self.plotting.chart

    def t(self, value: Bilingual | dict | str | None) -> str:
        """The text in this language: a Bilingual, a {zh, en} mapping, or a plain string as it is."""
        if value is None:
            return ""
        if isinstance(value, Bilingual):
            return value.in_language(self.lang)
        if isinstance(value, dict):
            return str(value.get(self.lang, value.get("en", "")))
        return str(value)

    def w(self, key: str) -> str:
        return WORDS[key][self.lang]

    def color(self, code: str) -> str:
        """The entity's colour, else its country's, else a neutral fixed by its country (so a company's bar
        matches its country's key) or, for an entity without a country, by its code."""
        colours = self.plotting.entities
        if code in colours:
            return colours[code]
        country = self.country(code)
        if country in colours:
            return colours[country]
        neutrals = self.plotting.neutrals
        return neutrals[zlib.crc32((country or code).encode("utf-8")) % len(neutrals)]


@dataclass
class Drawing:
    """A figure (or table image) and what its checks need: which artists draw which entity, which axes carry
    values, the value labels at the ends of lines (spread apart by ``finish``), and a table's Markdown."""

    figure: Any
    entities: list[tuple[str, Any]] = field(default_factory=list)
    value_axes: list[tuple[Any, str]] = field(default_factory=list)
    end_labels: list[Any] = field(default_factory=list)
    legend_keys: set[tuple[int, str]] = field(default_factory=set)
    markdown: str | None = None
    laid_out: bool = False  # drawn once without output, as saving does (render/checks.py)

    def entity(self, artists: Iterable[Any], code: str) -> None:
        """Record that ``artists`` draw entity ``code`` (its colour is checked across items)."""
        self.entities += [(code, artist) for artist in artists]

    def values_on(self, ax: Any, axis: str) -> None:
        """Record that ``ax``'s ``axis`` ('x' or 'y') carries the values (every value must lie within it)."""
        self.value_axes.append((ax, axis))

    def first_in_legend(self, ax: Any, key: str) -> bool:
        """True the first time ``key`` is met on ``ax``: only that artist gets a legend entry."""
        if (id(ax), key) in self.legend_keys:
            return False
        self.legend_keys.add((id(ax), key))
        return True


# --- text blocks: wrapped to the figure width, measured, never clipped -------------------------------------------

_WRAP_TOKENS = re.compile(r"[\u2e80-\u9fff\uf900-\uffef]|[^\s\u2e80-\u9fff\uf900-\uffef]+\s*|\s+")
_CJK = re.compile(r"[\u2e80-\u9fff\uf900-\uffef]")
_NO_LINE_START = set("，。、；：！？）」』,.;:!?)%")
_WIDTHS: dict[tuple[float, str, float, str], float] = {}


def words_of(text: str) -> list[str]:
    """The tokens a text may break between: words, or single CJK characters."""
    return [token.strip() for token in _WRAP_TOKENS.findall(text) if token.strip()]


def text_width_px(renderer: Any, value: str, size: float, weight: str = "normal") -> float:
    """A text's width in pixels on an Agg renderer. Remembered: both editions and languages measure many of the
    same texts, and laying out CJK text is most of the cost of a measurement."""
    from matplotlib.font_manager import FontProperties

    if not value:
        return 0.0
    key = (renderer.dpi, value, size, weight)
    width = _WIDTHS.get(key)
    if width is None:
        width = renderer.get_text_width_height_descent(value, FontProperties(size=size, weight=weight), ismath=False)[0]
        _WIDTHS[key] = width
    return width


def wrap(value: str, size: float, width_px: float, renderer: Any, weight: str = "normal") -> str:
    """Break text into lines no wider than width_px: between words, or between any two CJK characters; a token
    that may not start a line (closing punctuation) stays on the line before. Each line is as long as fits (a
    greedy fill): where a line breaks is first estimated from the widths of its tokens, then confirmed by
    measuring the line itself."""
    lines: list[str] = []
    for paragraph in value.split("\n"):
        tokens = _WRAP_TOKENS.findall(paragraph)
        widths = [text_width_px(renderer, token, size, weight) for token in tokens]
        if sum(widths) <= width_px * 1.05 and text_width_px(renderer, paragraph, size, weight) <= width_px:
            lines.append(paragraph)
            continue

        def fits(start: int, end: int, tokens: list[str] = tokens) -> bool:
            return text_width_px(renderer, "".join(tokens[start:end]).rstrip(), size, weight) <= width_px

        breaks: list[tuple[int, int]] = []
        start = 0
        while start < len(tokens):
            end = _longest_fit(start, _estimated_end(widths, start, width_px), len(tokens), fits)
            while end < len(tokens) and not _may_start_line(tokens, start, end):
                end += 1
            breaks.append((start, end))
            start = end
            while start < len(tokens) and not tokens[start].strip():
                start += 1  # a line never starts with the space it was broken at
        lines += ["".join(tokens[s:e]).rstrip() for s, e in _without_orphan(tokens, breaks, fits)]
    return "\n".join(lines)


def _without_orphan(tokens: list[str], breaks: list[tuple[int, int]], fits: Callable[[int, int], bool]) -> list[tuple[int, int]]:
    """A paragraph's last line is never one CJK character alone (a word such as 延伸 cut in two, its last
    character orphaned): the line before gives it its last character(s), as many as a line may start with, where
    the longer last line still fits."""
    if len(breaks) < 2:
        return breaks
    (start, end), (last_start, last_end) = breaks[-2], breaks[-1]
    last = [token for token in tokens[last_start:last_end] if token.strip()]
    if not last or not _CJK.fullmatch(last[0]) or any(token[0] not in _NO_LINE_START for token in last[1:]):
        return breaks
    for new_end in range(end - 1, start + 1, -1):  # the line before keeps at least two tokens
        if _CJK.fullmatch(tokens[new_end]) and _may_start_line(tokens, start, new_end) and fits(new_end, last_end):
            return [*breaks[:-2], (start, new_end), (new_end, last_end)]
    return breaks


def _estimated_end(widths: list[float], start: int, width_px: float) -> int:
    """The end of the longest run of tokens from ``start`` whose widths sum to at most width_px."""
    total, end = 0.0, start
    while end < len(widths) and total + widths[end] <= width_px:
        total += widths[end]
        end += 1
    return end


def _longest_fit(start: int, guess: int, count: int, fits: Callable[[int, int], bool]) -> int:
    """The largest end in (start, count] with fits(start, end), at least start + 1 (a token wider than the line
    gets a line of its own), searched outward from the estimate ``guess``; widths grow with the end."""
    end = min(max(guess, start + 1), count)
    if fits(start, end):
        while end < count and fits(start, end + 1):
            end += 1
        return end
    end -= 1
    while end > start + 1 and not fits(start, end):
        end -= 1
    return max(end, start + 1)


def _may_start_line(tokens: list[str], start: int, index: int) -> bool:
    token = tokens[index]
    return bool("".join(tokens[start:index]).strip()) and bool(token.strip()) and token[0] not in _NO_LINE_START


def compose(fig: Any, item: Any, ctx: Context, *, body_height: float, subtitle: str, notes: Iterable[str]) -> float:
    """Title and subtitle above a body of body_height inches, the 資料來源 / Source line and notes below it, each
    block sized from its wrapped text; resizes the figure to fit. Returns the body's bottom edge in inches from
    the bottom of the figure."""
    from matplotlib.font_manager import FontProperties

    renderer = fig.canvas.get_renderer()
    width_px = (fig.get_figwidth() - 2 * MARGIN_IN) * fig.dpi * 0.98  # hinting makes widths vary a little
    palette = ctx.palette
    header = [(ctx.t(item.title), TITLE_PT, palette.title), (subtitle, SUBTITLE_PT, palette.subtitle)]
    footer_lines = [ctx.t(item.source_line), *notes]
    footer = "\n".join(wrap(line, FOOTER_PT, width_px, renderer) for line in footer_lines if line)

    def height_in(block: str, size: float) -> float:
        if not block:
            return 0.0
        line = renderer.get_text_width_height_descent("國Ag", FontProperties(size=size), ismath=False)[1]
        return (block.count("\n") + 1) * line * LINE_SPACING / fig.dpi

    header = [(wrap(text, size, width_px, renderer), size, color) for text, size, color in header if text]
    header_in = sum(height_in(text, size) + BLOCK_GAP_IN for text, size, _ in header)
    footer_in = height_in(footer, FOOTER_PT) + BLOCK_GAP_IN if footer else 0.0
    total = MARGIN_IN + header_in + body_height + BLOCK_GAP_IN + footer_in + MARGIN_IN * 0.6
    fig.set_size_inches(fig.get_figwidth(), total)
    y = total - MARGIN_IN
    for block, size, color in header:
        fig.text(
            MARGIN_IN,
            y,
            block,
            transform=fig.dpi_scale_trans,
            ha="left",
            va="top",
            fontsize=size,
            color=color,
            linespacing=LINE_SPACING,
        )
        y -= height_in(block, size) + BLOCK_GAP_IN
    y = MARGIN_IN * 0.6
    if footer:
        fig.text(
            MARGIN_IN,
            y,
            footer,
            transform=fig.dpi_scale_trans,
            ha="left",
            va="bottom",
            fontsize=FOOTER_PT,
            color=palette.footer,
            linespacing=LINE_SPACING,
        )
        y += height_in(footer, FOOTER_PT) + BLOCK_GAP_IN
    return y


def new_figure(
    width_in: float, *, nrows: int = 1, ncols: int = 1, body_height: float | None = None, **subplot_kw: Any
) -> tuple[Drawing, list[Any]]:
    """A drawing whose axes constrained layout places inside the body that ``finish`` leaves free."""
    import matplotlib.pyplot as plt

    fig = plt.figure(figsize=(min(width_in, MAX_WIDTH_IN), body_height or 3.6), layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=False, **subplot_kw)
    return Drawing(fig), [ax for row in axes for ax in row]


def missing_note(ctx: Context, missing: list[str]) -> str:
    return ctx.w("no_value").format(ctx.w("list_sep").join(missing)) if missing else ""


def finish(
    drawing: Drawing, item: Any, ctx: Context, spec: Any, *, notes: Iterable[str] = (), missing: Iterable[str] = ()
) -> Drawing:
    """Caption and subtitle on top, the 資料來源 / Source line and notes at the bottom, as in the report; the
    axes get the body between them; then value labels at the ends of lines that collide are moved apart.
    ``missing`` (cells the chart has no value for) make one "No value found" sentence, each cell named once."""
    fig = drawing.figure
    body = fig.get_figheight()
    subtitle = ctx.t(getattr(spec, "subtitle", None)) or ctx.t(getattr(spec, "ylabel", None))
    cells = list(dict.fromkeys(missing))
    all_notes = [ctx.t(getattr(spec, "note", None)), *notes, missing_note(ctx, cells)]
    bottom = compose(fig, item, ctx, body_height=body, subtitle=subtitle, notes=[n for n in all_notes if n])
    height = fig.get_figheight()
    engine = fig.get_layout_engine()
    if engine is None:  # a figure laid out by hand: keep its axes in the body
        fig.subplots_adjust(bottom=bottom / height + 0.02, top=(bottom + body) / height - 0.02)
    else:
        engine.set(rect=(0.0, bottom / height, 1.0, body / height), w_pad=0.06, h_pad=0.06)
    lay_out(fig)
    if lift_titles_over_legends(fig):
        lay_out(fig)  # again: the lifted titles take room
    spread_labels(drawing)
    # Freeze: the saved file keeps exactly the checked layout; None (not "none", which leaves a placeholder
    # engine) also spares each savefig a dry draw of the whole figure.
    fig.set_layout_engine(None)
    # The layout solver (kiwisolver) orders its work by memory address, so its result differs in the last bits
    # from run to run; positions rounded to 1e-5 of the figure (0.014 px) are the same every time.
    for ax in fig.axes:
        ax.set_position([round(v, 5) for v in ax.get_position().bounds])
    return drawing


def lay_out(fig: Any) -> None:
    """Run the figure's layout engine: it measures what it needs (tick labels, titles, legends) itself."""
    engine = fig.get_layout_engine()
    if engine is not None:
        engine.execute(fig)


def lift_titles_over_legends(fig: Any) -> bool:
    """A panel title sits above the legend placed over its axes (the same lift for every panel, so the titles of
    side-by-side panels stay aligned). True when a title was lifted."""
    renderer = fig.canvas.get_renderer()
    heights = [ax.get_legend().get_window_extent(renderer).height for ax in fig.axes if ax.get_legend() is not None]
    if not heights:
        return False
    pad = max(heights) * 72 / fig.dpi + 6
    for ax in fig.axes:
        for loc in ("left", "center"):
            title = ax.get_title(loc=loc)
            if title:
                ax.set_title(title, loc=loc, pad=pad, fontsize=PANEL_TITLE_PT)
    return True


def spread_labels(drawing: Drawing) -> None:
    """Move the value labels at the ends of lines apart vertically, per axes, so that none overlaps another."""
    fig = drawing.figure
    renderer = fig.canvas.get_renderer()
    for ax in fig.axes:
        labels = [label for label in drawing.end_labels if label.axes is ax]
        boxes = sorted(((label.get_window_extent(renderer), label) for label in labels), key=lambda pair: pair[0].y0)
        previous_top = None
        for box, label in boxes:
            if previous_top is not None and box.y0 < previous_top + 1:
                shift_px = previous_top + 1 - box.y0
                dx, dy = label.xyann
                label.xyann = (dx, dy + shift_px * 72 / fig.dpi)
                previous_top = box.y1 + shift_px
            else:
                previous_top = box.y1

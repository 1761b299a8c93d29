"""Table items: a display table per language built from the item's tidy rows, written as Markdown and drawn as an
image with the caption and the 資料來源 / Source line."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from techgap import periods
from techgap.errors import InputError
from techgap.escaping import markdown_line, markdown_text
from techgap.kinds import (
    MatrixTableSpec,
    RankShareTableSpec,
    TechTableSpec,
    TimelineTableSpec,
    WindowsTableSpec,
    YoyStep,
    YoyTableSpec,
)
from techgap.numbers import minus_sign
from techgap.render import draws
from techgap.render.layout import (
    MARGIN_IN,
    MAX_WIDTH_IN,
    Context,
    Drawing,
    compose,
    text_width_px,
    words_of,
    wrap,
)

HEAD = {
    "rank": {"zh": "排名", "en": "Rank"},
    "holder": {"zh": "專利權人", "en": "Patent holder"},
    "share": {"zh": "全球專利族占比 (%)", "en": "Share of global patent families (%)"},
    "region": {"zh": "區域", "en": "Region"},
    "yoy": {"zh": "年增率 (%)", "en": "YoY change (%)"},
    "country": {"zh": "國家", "en": "Country"},
    "count": {"zh": "論文數", "en": "Papers"},
    "pct": {"zh": "占比 (%)", "en": "Share (%)"},
    "system": {"zh": "系統", "en": "System"},
    "domain": {"zh": "領域", "en": "Domain"},
    "technology": {"zh": "科技", "en": "Technology"},
    "leader": {"zh": "領先國家", "en": "Leading country"},
    "risk": {"zh": "技術壟斷風險", "en": "Monopoly risk"},
    "date": {"zh": "日期", "en": "Date"},
    "action": {"zh": "措施", "en": "Action"},
    "entities": {"zh": "實體數", "en": "Entities named"},
    "total": {"zh": "總計", "en": "Total"},
}
ITEMS_FILE = "config/items.yaml"
TOTAL_CATEGORIES = {"Total", "總計", "合計"}  # how sources name a totals row
TOTAL_ENTITIES = {"WORLD"}
RISK = {3: {"zh": "高", "en": "High"}, 2: {"zh": "中", "en": "Medium"}, 1: {"zh": "低", "en": "Low"}}


def _h(key: str, ctx: Context) -> str:
    return HEAD[key][ctx.lang]


def _fmt(value: float, digits: int) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return "—"
    return minus_sign(f"{value:,.{digits}f}")


def build_rank_share(spec: RankShareTableSpec, rows: pd.DataFrame, ctx: Context) -> pd.DataFrame:
    ranks = rows[rows["indicator"] == spec.rank_indicator].set_index("entity_code")["value"]
    shares = rows[rows["indicator"] == spec.value_indicator].set_index("entity_code")["value"]
    codes = ranks.sort_values(kind="stable").index
    return pd.DataFrame(
        {
            _h("rank", ctx): [int(ranks[c]) for c in codes],
            _h("holder", ctx): [ctx.name(c) for c in codes],
            _h("share", ctx): [_fmt(shares.get(c, np.nan), 2) for c in codes],
        }
    )


def build_windows(spec: WindowsTableSpec, rows: pd.DataFrame, ctx: Context) -> pd.DataFrame:
    """NISTEP tables: per 3-year window, rank / country / count / share, windows side by side."""
    blocks = []
    for window in spec.windows:
        part = rows[rows["period"] == window]
        rank = part[part["indicator"] == spec.rank_indicator].set_index("entity_code")["value"]
        count = part[part["indicator"] == spec.count_indicator].set_index("entity_code")["value"]
        pct = part[part["indicator"] == spec.share_indicator].set_index("entity_code")["value"]
        codes = rank.sort_values(kind="stable").index
        blocks.append(
            pd.DataFrame(
                {
                    (window, _h("rank", ctx)): [str(int(rank[c])) for c in codes],
                    (window, _h("country", ctx)): [ctx.name(c) for c in codes],
                    (window, _h("count", ctx)): [_fmt(count.get(c, np.nan), 0) for c in codes],
                    (window, _h("pct", ctx)): [_fmt(pct.get(c, np.nan), 1) for c in codes],
                }
            )
        )
    return pd.concat(blocks, axis=1).fillna("")  # columns: (window, field), drawn as a spanning header


def yoy_indicator(spec: YoyTableSpec) -> str:
    """The indicator that holds the year-on-year change of ``spec.value_indicator``: the item's `derive: yoy` step
    computes it into the item's rows, so its CSV (and the export) carries every change the table prints."""
    for step in spec.derive:
        if isinstance(step, YoyStep) and step.yoy == spec.value_indicator:
            return step.name
    raise InputError(
        ITEMS_FILE,
        f"a table_yoy table prints the year-on-year change of {spec.value_indicator}, which no derive step computes",
        field="spec.derive",
        expected=f"derive: [{{yoy: {spec.value_indicator}, as: {spec.value_indicator}_yoy_computed}}], so the item's "
        "data carry the changes it prints",
    )


def build_yoy(spec: YoyTableSpec, rows: pd.DataFrame, ctx: Context) -> pd.DataFrame:
    """Two periods side by side and the year-on-year change, computed by the item's `derive: yoy` step (not copied
    from a source) and read from its rows."""
    current, previous = spec.current, spec.previous
    if periods.shift_years(current, 1) != previous:
        raise InputError(
            ITEMS_FILE,
            f"a table_yoy table compares a period with the same period a year before, not {current} with {previous}",
            field="spec.previous",
            expected=f"{periods.shift_years(current, 1)} (or latest-1y with current: latest)",
        )
    values = rows[rows["indicator"] == spec.value_indicator].pivot_table(
        index="entity_code", columns="period", values="value", aggfunc="first"
    )
    changes = rows[(rows["indicator"] == yoy_indicator(spec)) & (rows["period"] == current)]
    change = changes.drop_duplicates("entity_code").set_index("entity_code")["value"]
    order = [c for c in spec.entities if c in values.index]
    out = pd.DataFrame(
        {
            _h("region", ctx): [ctx.name(c) for c in order],
            current: [_fmt(values.loc[c].get(current, np.nan), 2) for c in order],
            previous: [_fmt(values.loc[c].get(previous, np.nan), 2) for c in order],
            _h("yoy", ctx): [_fmt(float(change.get(c, np.nan)), 0) for c in order],
        }
    )
    out.attrs["total_rows"] = [i for i, c in enumerate(order) if c in TOTAL_ENTITIES]
    return out


def build_matrix(spec: MatrixTableSpec, rows: pd.DataFrame, ctx: Context) -> pd.DataFrame:
    """Counts by category (rows) and entity (columns), with a bracketed second indicator."""
    main = rows[rows["indicator"] == spec.value_indicator]
    extra = rows[rows["indicator"] == spec.bracket_indicator]
    categories = list(dict.fromkeys(main["category"]))
    labels = main.drop_duplicates("category").set_index("category")
    out = {
        _h("system", ctx): [
            _h("total", ctx)
            if c in TOTAL_CATEGORIES
            else labels.loc[c, "label_en"]
            if ctx.lang == "en" and labels.loc[c, "label_en"]
            else c
            for c in categories
        ]
    }
    for code in spec.entities:
        column = []
        for category in categories:
            value = main[(main["category"] == category) & (main["entity_code"] == code)]["value"]
            bracket = extra[(extra["category"] == category) & (extra["entity_code"] == code)]["value"]
            cell = _fmt(float(value.iloc[0]), 0) if len(value) else "—"
            if len(bracket):
                cell += f" ({float(bracket.iloc[0]):.0f})"
            column.append(cell)
        out[ctx.name(code)] = column
    display = pd.DataFrame(out)
    display.attrs["total_rows"] = [i for i, c in enumerate(categories) if c in TOTAL_CATEGORIES]
    display.attrs["total_columns"] = [i + 1 for i, code in enumerate(spec.entities) if code in TOTAL_ENTITIES]
    return display


def build_tech(spec: TechTableSpec, rows: pd.DataFrame, ctx: Context) -> pd.DataFrame:
    leader = rows[rows["indicator"] == spec.leader_indicator]
    risk = rows[rows["indicator"] == spec.risk_indicator].set_index(["category", "label"])["value"]
    records = []
    for _, row in leader.iterrows():
        level = int(risk.get((row["category"], row["label"]), 0))
        domain = row["category"].split(" / ")[0]
        records.append(
            {
                _h("domain", ctx): domain if ctx.lang == "zh" else spec.domains_en.get(domain, domain),
                _h("technology", ctx): row["label"] if ctx.lang == "zh" else (row["label_en"] or row["label"]),
                _h("leader", ctx): ctx.name(row["entity_code"]),
                _h("risk", ctx): RISK.get(level, {"zh": "—", "en": "—"})[ctx.lang],
            }
        )
    display = pd.DataFrame(records)
    display.attrs["group_column"] = 0  # the domain, shown once per group of technologies
    return display


def build_timeline(spec: TimelineTableSpec, rows: pd.DataFrame, ctx: Context) -> pd.DataFrame:
    events = rows[rows["indicator"] == spec.event_indicator].sort_values("period", kind="stable")
    counts = rows[rows["indicator"] == spec.count_indicator].set_index(["period", "category"])["value"]
    return pd.DataFrame(
        {
            _h("date", ctx): events["period"].tolist(),
            _h("action", ctx): [
                (r["label"] if ctx.lang == "zh" else (r["label_en"] or r["label"])) for _, r in events.iterrows()
            ],
            _h("entities", ctx): [_fmt(counts.get((r["period"], r["category"]), np.nan), 0) for _, r in events.iterrows()],
        }
    )


def table_kind(build: Callable[[Any, pd.DataFrame, Context], pd.DataFrame], model: type) -> Callable[..., Drawing]:
    """The drawing of a table kind: its display table (``build``) as an image and as Markdown."""

    @draws(model)
    def draw(item: Any, rows: pd.DataFrame, ctx: Context) -> Drawing:
        display = build(item.spec, rows, ctx)
        return draw_table(item, display, ctx)

    draw.__doc__ = build.__doc__
    return draw


def draw_table(item: Any, display: pd.DataFrame, ctx: Context) -> Drawing:
    """A table item: its display table drawn, with its Markdown."""
    spec = item.spec
    subtitle = ctx.t(spec.subtitle) or ctx.t(getattr(spec, "unit_line", None))
    drawing = draw_display(item, display, ctx, subtitle=subtitle, note=ctx.t(spec.note))
    drawing.markdown = to_markdown(item, display, ctx)
    return drawing


for _build, _model in (
    (build_rank_share, RankShareTableSpec),
    (build_windows, WindowsTableSpec),
    (build_yoy, YoyTableSpec),
    (build_matrix, MatrixTableSpec),
    (build_tech, TechTableSpec),
    (build_timeline, TimelineTableSpec),
):
    table_kind(_build, _model)


# --- Markdown ------------------------------------------------------------------------------------------------------


def _cell(value: object) -> str:
    return markdown_text(value)  # no HTML, link or extra cell from a label, name or header


def flat_columns(display: pd.DataFrame) -> list[str]:
    """Column names on one line: a spanning header joins its columns' names ("2019-2021 Rank")."""
    return [" ".join(str(part) for part in c) if isinstance(c, tuple) else str(c) for c in display.columns]


def to_markdown(item: Any, display: pd.DataFrame, ctx: Context) -> str:
    lines = [f"### {markdown_text(ctx.t(item.title))}", ""]
    unit_line = getattr(item.spec, "unit_line", None)
    if unit_line:
        lines += [markdown_line(ctx.t(unit_line)), ""]
    numeric = [is_numeric_column(display.iloc[:, i]) for i in range(display.shape[1])]
    lines.append("| " + " | ".join(_cell(c) for c in flat_columns(display)) + " |")
    lines.append("|" + "|".join("---:" if n else "---" for n in numeric) + "|")
    for _, row in display.iterrows():
        lines.append("| " + " | ".join(_cell(v) for v in row) + " |")
    lines += ["", markdown_line(ctx.t(item.source_line))]
    if item.spec.note:
        lines += ["", markdown_line(ctx.t(item.spec.note))]
    return "\n".join(lines) + "\n"


# --- the table as an image -------------------------------------------------------------------------------------------

_NUMBER = re.compile(r"^[-−+]?[\d,]*\.?\d+( \(\d+\))?$|^[~約]\s?[-−+]?[\d,]*\.?\d+$")
_EMPTY = {"", "—", "-"}

CELL_PT = 8.5  # every table text, header and body (>= 8 pt at 100%)
ROW_PAD_IN = 0.07
COL_PAD_IN = 0.12
ASCENT_EM = 0.95  # from the top of a line to its baseline, in ems (Noto Sans CJK: ascender 0.88 plus leading)


def is_numeric_column(column: pd.Series) -> bool:
    """A column whose every filled cell is a number (right-aligned, like figures in print)."""
    cells = [str(v).strip() for v in column if str(v).strip() not in _EMPTY]
    return bool(cells) and all(_NUMBER.match(v) for v in cells)


def _header_rows(display: pd.DataFrame) -> tuple[list[str] | None, list[str]]:
    """(spanning header per column or None, column header per column)."""
    if isinstance(display.columns, pd.MultiIndex) or any(isinstance(c, tuple) for c in display.columns):
        return [str(c[0]) for c in display.columns], [str(c[1]) for c in display.columns]
    return None, [str(c) for c in display.columns]


def _column_widths(
    cells: list[list[str]], heads: list[str], renderer: Any, dpi: float, available_in: float, numeric: list[bool]
) -> list[float]:
    """Natural widths (widest cell, in inches); text columns shrink (and wrap) when the table is too wide, each no
    narrower than 0.9 in or its longest word (a word is never broken, so it must fit)."""

    def inches(px: float) -> float:
        return px * 1.03 / dpi + 2 * COL_PAD_IN  # hinting slack

    natural, floor = [], []
    for j, head in enumerate(heads):
        column = [head] + [row[j] for row in cells]
        natural.append(inches(max(text_width_px(renderer, value, CELL_PT) for value in column)))
        words = [word for value in column for word in words_of(value)]
        floor.append(max([0.9] + [inches(text_width_px(renderer, word, CELL_PT)) for word in words]))
    excess = sum(natural) - available_in
    shrinkable = [j for j in range(len(heads)) if not numeric[j]]
    if excess > 0 and shrinkable:
        room = sum(max(natural[j] - floor[j], 0.0) for j in shrinkable)
        share = min(1.0, excess / room) if room > 0 else 0.0
        for j in shrinkable:  # each column gives up the same share of what it has above its floor
            natural[j] -= max(natural[j] - floor[j], 0.0) * share
    return natural


def draw_display(item: Any, display: pd.DataFrame, ctx: Context, *, subtitle: str, note: str, notes: list[str] = ()) -> Drawing:
    """A table image drawn as text in measured columns: spanning headers, numbers right-aligned, long text wrapped
    to its column, a group shown once, totals tinted; caption, subtitle, source and notes."""
    import matplotlib.pyplot as plt

    palette = ctx.palette
    fig = plt.figure(figsize=(MAX_WIDTH_IN, 2.0))
    renderer = fig.canvas.get_renderer()
    spans, heads = _header_rows(display)
    cells = [[str(v) for v in row] for row in display.itertuples(index=False)]
    numeric = [is_numeric_column(display.iloc[:, j]) for j in range(display.shape[1])]
    group_column = display.attrs.get("group_column")
    totals = set(display.attrs.get("total_rows", []))
    total_columns = set(display.attrs.get("total_columns", []))
    widths = _column_widths(cells, heads, renderer, fig.dpi, MAX_WIDTH_IN - 2 * MARGIN_IN, numeric)
    table_width = sum(widths)
    fig.set_size_inches(min(MAX_WIDTH_IN, max(table_width + 2 * MARGIN_IN, 5.5)), 2.0)

    def wrapped(value: str, j: int) -> str:
        if numeric[j]:  # a number is never broken across lines
            return value
        return wrap(value, CELL_PT, (widths[j] - 2 * COL_PAD_IN) * fig.dpi, renderer)

    line_in = CELL_PT / 72 * 1.3
    shown = []
    previous_group = None
    for row in cells:
        out = []
        for j, value in enumerate(row):
            if j == group_column and value == previous_group:
                value = ""
            out.append(wrapped(value, j))
        if group_column is not None:
            previous_group = row[group_column]
        shown.append(out)
    head_cells = [wrapped(h, j) for j, h in enumerate(heads)]
    head_in = max(h.count("\n") + 1 for h in head_cells) * line_in + 2 * ROW_PAD_IN
    span_in = line_in + 2 * ROW_PAD_IN if spans else 0.0
    row_in = [max(c.count("\n") + 1 for c in row) * line_in + 2 * ROW_PAD_IN for row in shown]
    body = span_in + head_in + sum(row_in)
    all_notes = [n for n in [note, *notes] if n]
    bottom = compose(fig, item, ctx, body_height=body, subtitle=subtitle, notes=all_notes)
    left = MARGIN_IN
    edges = np.concatenate([[left], left + np.cumsum(widths)])
    transform = fig.dpi_scale_trans
    y = bottom + body

    def rule(at: float, color: str, width: float, start: float = edges[0], end: float = edges[-1]) -> None:
        fig.add_artist(plt.Line2D([start, end], [at, at], transform=transform, color=color, linewidth=width))

    def shade(top: float, height: float, start: float = edges[0], end: float = edges[-1]) -> None:
        """Emphasis by a tint behind the cells (the bundled CJK face has no bold weight)."""
        fig.add_artist(
            plt.Rectangle(
                (start, top - height),
                end - start,
                height,
                transform=transform,
                facecolor=palette.table_shade,
                edgecolor="none",
                zorder=0,
            )
        )

    def put(value: str, j: int, top: float, color: str) -> None:
        ha = "right" if numeric[j] else "left"
        x = edges[j + 1] - COL_PAD_IN if ha == "right" else edges[j] + COL_PAD_IN
        for k, line in enumerate(value.split("\n")):  # one text per line, on a common baseline across the row
            baseline = top - ROW_PAD_IN - CELL_PT / 72 * ASCENT_EM - k * line_in
            fig.text(x, baseline, line, transform=transform, ha=ha, va="baseline", fontsize=CELL_PT, color=color)

    rule(y, palette.table_rule, 1.2)
    if spans:
        for label in dict.fromkeys(spans):
            columns = [j for j, s in enumerate(spans) if s == label]
            first, last = columns[0], columns[-1]
            fig.text(
                (edges[first] + edges[last + 1]) / 2,
                y - ROW_PAD_IN,
                label,
                transform=transform,
                ha="center",
                va="top",
                fontsize=CELL_PT,
            )
            rule(
                y - span_in + 0.02, palette.table_group_rule, 0.8, edges[first] + COL_PAD_IN / 2, edges[last + 1] - COL_PAD_IN / 2
            )
        y -= span_in
    for j in total_columns:
        shade(y, head_in + sum(row_in), edges[j], edges[j + 1])
    for j, head in enumerate(head_cells):
        put(head, j, y, palette.table_head)
    y -= head_in
    rule(y, palette.table_rule, 0.9)
    for i, (row, height) in enumerate(zip(shown, row_in, strict=True)):
        starts_group = group_column is not None and row[group_column] != "" and i > 0
        if i in totals:
            shade(y, height)
            rule(y, palette.table_rule, 0.9)
        elif starts_group:
            rule(y, palette.table_group_rule, 0.7)
        elif i > 0:
            rule(y, palette.table_light_rule, 0.5)
        for j, value in enumerate(row):
            put(value, j, y, palette.table_text)
        y -= height
    rule(y, palette.table_rule, 1.2)
    return Drawing(fig)

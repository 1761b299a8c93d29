"""Table items: a display table per language built from the item's tidy rows, written as Markdown
and drawn as an image with the caption and the 資料來源 / Source line."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from techgap import compare
from techgap.render.charts import Context

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
}
RISK = {3: {"zh": "高", "en": "High"}, 2: {"zh": "中", "en": "Medium"}, 1: {"zh": "低", "en": "Low"}}


def _h(key: str, ctx: Context) -> str:
    return HEAD[key][ctx.lang]


def _fmt(value: float, digits: int) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return "—"
    return f"{value:,.{digits}f}"


def build_rank_share(item: Any, rows: pd.DataFrame, ctx: Context) -> pd.DataFrame:
    spec = item.spec
    ranks = rows[rows["indicator"] == spec["rank_indicator"]].set_index("entity_code")["value"]
    shares = rows[rows["indicator"] == spec["value_indicator"]].set_index("entity_code")["value"]
    codes = ranks.sort_values(kind="stable").index
    return pd.DataFrame({
        _h("rank", ctx): [int(ranks[c]) for c in codes],
        _h("holder", ctx): [ctx.name(c) for c in codes],
        _h("share", ctx): [_fmt(shares.get(c, np.nan), 2) for c in codes],
    })


def build_windows(item: Any, rows: pd.DataFrame, ctx: Context) -> pd.DataFrame:
    """NISTEP tables: per 3-year window, rank / country / count / share, windows side by side."""
    spec = item.spec
    blocks = []
    for window in spec["windows"]:
        part = rows[rows["period"] == window]
        rank = part[part["indicator"] == spec["rank_indicator"]].set_index("entity_code")["value"]
        count = part[part["indicator"] == spec["count_indicator"]].set_index("entity_code")["value"]
        pct = part[part["indicator"] == spec["share_indicator"]].set_index("entity_code")["value"]
        codes = rank.sort_values(kind="stable").index
        blocks.append(pd.DataFrame({
            f"{window} {_h('rank', ctx)}": [int(rank[c]) for c in codes],
            f"{window} {_h('country', ctx)}": [ctx.name(c) for c in codes],
            f"{window} {_h('count', ctx)}": [_fmt(count.get(c, np.nan), 0) for c in codes],
            f"{window} {_h('pct', ctx)}": [_fmt(pct.get(c, np.nan), 1) for c in codes],
        }))
    return pd.concat(blocks, axis=1).fillna("")


def build_yoy(item: Any, rows: pd.DataFrame, ctx: Context) -> pd.DataFrame:
    """Two periods side by side and the year-on-year change computed here, not copied."""
    spec = item.spec
    current, previous = spec["current"], spec["previous"]
    values = rows[rows["indicator"] == spec["value_indicator"]].pivot_table(
        index="entity_code", columns="period", values="value", aggfunc="first")
    order = [c for c in spec["entities"] if c in values.index]
    out = pd.DataFrame({
        _h("region", ctx): [ctx.name(c) for c in order],
        current: [_fmt(values.loc[c].get(current, np.nan), 2) for c in order],
        previous: [_fmt(values.loc[c].get(previous, np.nan), 2) for c in order],
        _h("yoy", ctx): [_fmt(compare.growth(values.loc[c, current], values.loc[c, previous]), 0)
                         if not np.isnan(values.loc[c].get(current, np.nan)) and not np.isnan(values.loc[c].get(previous, np.nan))
                         else "—" for c in order],
    })
    return out


def build_matrix(item: Any, rows: pd.DataFrame, ctx: Context) -> pd.DataFrame:
    """Counts by category (rows) and entity (columns), with a bracketed second indicator."""
    spec = item.spec
    main = rows[rows["indicator"] == spec["value_indicator"]]
    extra = rows[rows["indicator"] == spec["bracket_indicator"]]
    categories = list(dict.fromkeys(main["category"]))
    labels = main.drop_duplicates("category").set_index("category")
    out = {_h("system", ctx): [labels.loc[c, "label_en"] if ctx.lang == "en" and labels.loc[c, "label_en"] else c
                                for c in categories]}
    for code in spec["entities"]:
        column = []
        for category in categories:
            value = main[(main["category"] == category) & (main["entity_code"] == code)]["value"]
            bracket = extra[(extra["category"] == category) & (extra["entity_code"] == code)]["value"]
            cell = _fmt(float(value.iloc[0]), 0) if len(value) else "—"
            if len(bracket):
                cell += f" ({float(bracket.iloc[0]):.0f})"
            column.append(cell)
        out[ctx.name(code)] = column
    return pd.DataFrame(out)


def build_tech(item: Any, rows: pd.DataFrame, ctx: Context) -> pd.DataFrame:
    spec = item.spec
    leader = rows[rows["indicator"] == spec["leader_indicator"]]
    risk = rows[rows["indicator"] == spec["risk_indicator"]].set_index(["category", "label"])["value"]
    records = []
    domains_en = spec.get("domains_en", {})
    for _, row in leader.iterrows():
        level = int(risk.get((row["category"], row["label"]), 0))
        domain = row["category"].split(" / ")[0]
        records.append({
            _h("domain", ctx): domain if ctx.lang == "zh" else domains_en.get(domain, domain),
            _h("technology", ctx): row["label"] if ctx.lang == "zh" else (row["label_en"] or row["label"]),
            _h("leader", ctx): ctx.name(row["entity_code"]),
            _h("risk", ctx): RISK.get(level, {"zh": "—", "en": "—"})[ctx.lang],
        })
    return pd.DataFrame(records)


def build_timeline(item: Any, rows: pd.DataFrame, ctx: Context) -> pd.DataFrame:
    spec = item.spec
    events = rows[rows["indicator"] == spec["event_indicator"]].sort_values("period", kind="stable")
    counts = rows[rows["indicator"] == spec["count_indicator"]].set_index(["period", "category"])["value"]
    return pd.DataFrame({
        _h("date", ctx): events["period"].tolist(),
        _h("action", ctx): [(r["label"] if ctx.lang == "zh" else (r["label_en"] or r["label"])) for _, r in events.iterrows()],
        _h("entities", ctx): [_fmt(counts.get((r["period"], r["category"]), np.nan), 0) for _, r in events.iterrows()],
    })


BUILDERS = {
    "table_rank_share": build_rank_share,
    "table_windows": build_windows,
    "table_yoy": build_yoy,
    "table_matrix": build_matrix,
    "table_tech": build_tech,
    "table_timeline": build_timeline,
}


def build(item: Any, rows: pd.DataFrame, ctx: Context) -> pd.DataFrame:
    return BUILDERS[item.chart](item, rows, ctx)


def _cell(value: object) -> str:
    return str(value).replace("|", "\\|").replace("\n", " ")


def to_markdown(item: Any, display: pd.DataFrame, ctx: Context) -> str:
    lines = [f"### {ctx.t(item.title)}", ""]
    if item.spec.get("unit_line"):
        lines += [ctx.t(item.spec["unit_line"]), ""]
    lines.append("| " + " | ".join(_cell(c) for c in display.columns) + " |")
    lines.append("|" + "|".join("---" for _ in display.columns) + "|")
    for _, row in display.iterrows():
        lines.append("| " + " | ".join(_cell(v) for v in row) + " |")
    lines += ["", ctx.t(item.source_line)]
    if item.spec.get("note"):
        lines += ["", ctx.t(item.spec["note"])]
    return "\n".join(lines) + "\n"


def draw(item: Any, display: pd.DataFrame, ctx: Context):
    import matplotlib.pyplot as plt

    n_rows = len(display) + 1
    row_height = 0.24
    footer = 0.55 + (0.2 if item.spec.get("note") else 0)
    width = item.spec.get("width", max(6.0, 1.3 * len(display.columns)))
    height = 0.8 + footer + row_height * n_rows
    fig = plt.figure(figsize=(width, height))
    ax = fig.add_axes([0.02, footer / height, 0.96, row_height * n_rows / height])
    ax.axis("off")
    table = ax.table(cellText=display.astype(str).to_numpy(), colLabels=[str(c) for c in display.columns],
                     bbox=[0, 0, 1, 1], cellLoc="center", colLoc="center")
    table.auto_set_font_size(False)
    table.set_fontsize(item.spec.get("fontsize", 8))
    widths = item.spec.get("col_widths")
    for (row, col), cell in table.get_celld().items():
        if widths:
            cell.set_width(widths[col])
        cell.set_edgecolor("#bbbbbb")
        if row == 0:
            cell.set_facecolor("#e8eef7")
            cell.set_text_props(color="#000000")
    fig.suptitle(ctx.t(item.title), x=0.01, y=1 - 0.12 / height, ha="left", va="top", fontsize=13)
    lines = [ctx.t(item.source_line)] + ([ctx.t(item.spec["note"])] if item.spec.get("note") else [])
    fig.text(0.01, 0.06 / height, "\n".join(lines), ha="left", va="bottom", fontsize=8, color="#333333", wrap=True)
    return fig

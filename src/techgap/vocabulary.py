"""The presentation vocabulary: what an item status and a claim verdict are called, shown as and mean, in both
languages. Every page, table and report reads them from here (how text is made safe to publish is in
techgap.escaping; the badges' colours are in config/plotting.yaml)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Term:
    symbol: str  # shown with the word: colour is never the only signal
    zh: str
    en: str
    meaning: str  # what stands behind it, in one English sentence


# What stands behind an item's figure or table (config/items.yaml `status`).
STATUSES = {
    "reproduced": Term("✓", "重現", "reproduced", "drawn from the cited source's own data, every value checked against it"),
    "transcribed": Term(
        "◇", "轉錄", "transcribed", "the report's own numbers, confirmed in part or not at all (the reason says which)"
    ),
    "partial": Term("◐", "部分", "partial", "drawn from what could honestly be found; the reason says what is missing"),
    "unavailable": Term("○", "無資料", "unavailable", "nothing drawn: no source holds the data"),
    "analysis": Term("★", "分析", "analysis", "techgap's own analysis beyond the report"),
}

# A claim's verdict (docs/ledger.md), strongest evidence first.
VERDICTS = {
    "supported": Term("✓", "有據", "supported", "a document other than the report confirms the number"),
    "consistent": Term("≈", "一致", "consistent", "checked only with computations using the report's own numbers; they agree"),
    "revised": Term("↻", "已修訂", "revised", "the cited release agrees, a later release of the same series differs"),
    "contradicted": Term("×", "不符", "contradicted", "the data say otherwise"),
    "uncheckable": Term("·", "未查核", "not checked", "the data to check the number are not in the project"),
}


@dataclass(frozen=True)
class Words:
    zh: str
    en: str


# The pages' own words (labels, list headings, notes), shown in the reader's language like the terms above.
LABELS = {
    "report": Words("報告版", "report"),
    "latest": Words("最新版", "latest"),
    "updated": Words("（已更新）", "(updated)"),
    "periods": Words("期間", "Periods"),
    "vintages": Words("資料版本", "Vintages"),
    "data": Words("資料", "Data"),
    "added_periods": Words("新增期間：", "Added periods:"),
    "revised_values": Words("修訂數值", "Revised values"),
    "entity": Words("對象", "entity"),
    "indicator": Words("指標", "indicator"),
    "period": Words("期間", "period"),
    "same_as_report": Words(
        "與報告版相同：最新資料未比報告所用資料更新。",
        "Same as the report edition: the newest data are no newer than the report's.",
    ),
    "differs": Words(
        "與報告版不同（未列出新增期間或修訂數值）。",
        "Differs from the report edition (no added periods or revised values listed).",
    ),
    "sources_as_report": Words("來源：同報告版。", "Sources: as in the report edition."),
    "sources": Words("來源", "Sources"),
    "documents": Words("份文件", "documents"),
    "published": Words("發布", "published"),
    "retrieved": Words("擷取", "retrieved"),
    "vintage": Words("版本", "vintage"),
    "provenance": Words("來源紀錄", "provenance"),
    "build_warnings": Words("建置警告：", "Build warnings:"),
    "all": Words("全部", "all"),
    "language": Words("語言：", "Language:"),
}

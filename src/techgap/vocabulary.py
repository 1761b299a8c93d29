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
    "consistent": Term("≈", "一致", "consistent", "only the report's own tables or text give the number, and they agree"),
    "revised": Term("↻", "已修訂", "revised", "the cited release agrees, a later release of the same series differs"),
    "contradicted": Term("×", "不符", "contradicted", "the data say otherwise"),
    "uncheckable": Term("·", "未查核", "not checked", "the data to check the number are not in the project"),
}

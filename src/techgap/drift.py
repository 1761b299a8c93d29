"""Drift report: what changed between a source's vintage in use and the vintage before it —
values added, removed, revised and become missing — and which items and claims those values touch.
Loud about what matters: revisions by more than a configurable factor or with a sign change, and raw
vintages edited in place (found from each source's checksum history), are listed first.
It depends only on data and config (never on git state), so a committed drift.md stays true."""

from __future__ import annotations

import numpy as np
import pandas as pd

from techgap import switches
from techgap.claims import Claim, _selectors
from techgap.config import Project
from techgap.crosscheck import compared_economy_years, cross_check_gerd
from techgap.kinds import KINDS
from techgap.normalize import normalized_table
from techgap.provenance import checksum_history_problems, list_vintages, provenance_corrections, resolve_vintage

KEY = ["entity_code", "category", "indicator", "period", "document"]
COLUMNS = [
    "source",
    "old_vintage",
    "new_vintage",
    "change",
    "entity_code",
    "category",
    "indicator",
    "period",
    "document",
    "old_value",
    "new_value",
    "alarm",
    "items",
    "claims",
]
CHANGES = ("added", "removed", "revised", "became missing")


def previous_vintage(project: Project, source_id: str) -> tuple[str | None, str]:
    current = resolve_vintage(project.raw_dir, source_id, project.settings.vintages)
    vintages = list_vintages(project.raw_dir, source_id)
    earlier = [v for v in vintages if v < current]
    return (earlier[-1] if earlier else None), current


def diff_frames(old: pd.DataFrame, new: pd.DataFrame) -> pd.DataFrame:
    """Rows added, removed and revised (API vintages carry no document: compare on the rest)."""
    key = [k for k in KEY if not (k == "document" and (set(old[k]) == {"api"} or set(new[k]) == {"api"}))]
    merged = old[key + ["value"]].merge(new[key + ["value"]], on=key, how="outer", suffixes=("_old", "_new"), indicator=True)
    merged["change"] = merged["_merge"].map({"left_only": "removed", "right_only": "added", "both": "revised"}).astype(object)
    became_missing = (merged["change"] == "revised") & merged["value_old"].notna() & merged["value_new"].isna()
    merged.loc[became_missing, "change"] = "became missing"
    same = (merged["change"] == "revised") & (
        (merged["value_old"] == merged["value_new"]) | (merged["value_old"].isna() & merged["value_new"].isna())
    )
    out = merged[~same].rename(columns={"value_old": "old_value", "value_new": "new_value"})
    if "document" not in out:
        out["document"] = ""
    return out.drop(columns="_merge").sort_values(["change"] + key, kind="stable").reset_index(drop=True)


def revision_alarms(changes: pd.DataFrame, factor: float) -> pd.Series:
    """Why a revision deserves a look before anything else: the value moved by more than ``factor`` (either
    way) or changed sign. Empty text for ordinary changes."""
    old = changes["old_value"].to_numpy(dtype=float)
    new = changes["new_value"].to_numpy(dtype=float)
    revised = (changes["change"] == "revised").to_numpy() & ~np.isnan(old) & ~np.isnan(new)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.abs(new) / np.abs(old)
    sign = revised & (np.sign(old) * np.sign(new) < 0)
    big = revised & ~sign & ((ratio > factor) | (ratio < 1 / factor))  # 0 -> x is an infinite ratio
    text = np.where(sign, "sign change", "")
    shown = [
        f"×{r:.3g}" if np.isfinite(r) and r >= 1 else (f"÷{1 / r:.3g}" if np.isfinite(r) and r > 0 else "from or to zero")
        for r in ratio[big]
    ]
    text[big] = shown
    return pd.Series(text, index=changes.index, dtype=object)


def items_by_series(project: Project) -> dict[tuple[str, str], str]:
    """{(source, indicator): the items that draw it, ';'-joined in config order}, from both editions of every
    item (`data` may be an edition switch). Made once per drift report, not once per changed row."""
    ids: dict[tuple[str, str], list[str]] = {}
    for item in project.items:
        for _which, spec in switches.variants(item.spec):
            for selection in getattr(KINDS[item.chart].model_validate(spec), "data", []):
                for indicator in selection.indicator:
                    ids.setdefault((selection.source, indicator), []).append(item.id)
    return {key: ";".join(dict.fromkeys(found)) for key, found in ids.items()}


def touched_claims(claims: list[Claim], source_id: str, row: pd.Series) -> str:
    ids = []
    for claim in claims:
        for s in _selectors(claim):
            if (
                s.source == source_id
                and s.indicator == row["indicator"]
                and s.entity in (None, row["entity_code"])
                and s.period in (None, row["period"])
            ):
                ids.append(claim.id)
                break
    return ";".join(ids)


def drift(project: Project, claims: list[Claim], tables: dict | None = None) -> pd.DataFrame:
    parts = []
    items_of = items_by_series(project)
    for source_id in project.sources_with_vintages():
        old_vintage, new_vintage = previous_vintage(project, source_id)
        if old_vintage is None:
            continue
        changes = diff_frames(
            normalized_table(project, source_id, old_vintage, tables), normalized_table(project, source_id, new_vintage, tables)
        )
        if changes.empty:
            continue
        changes.insert(0, "source", source_id)
        changes.insert(1, "old_vintage", old_vintage)
        changes.insert(2, "new_vintage", new_vintage)
        changes["alarm"] = revision_alarms(changes, project.settings.drift_alarm_factor)
        changes["items"] = [items_of.get((source_id, i), "") for i in changes["indicator"]]
        changes["claims"] = [touched_claims(claims, source_id, row) for _, row in changes.iterrows()]
        parts.append(changes[COLUMNS])
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=COLUMNS)


def to_markdown(
    report: pd.DataFrame, edited: list[str] | None = None, factor: float = 10, corrections: list[str] | None = None
) -> str:
    """drift.md: what to look at first (large revisions, sign changes, edited vintages), then the recorded
    corrections of provenance, then every change."""
    edited = edited or []
    lines = ["# Drift between vintages", "", "## Look first", ""]
    alarms = report[report["alarm"].fillna("") != ""] if "alarm" in report else report.iloc[:0]
    lines += [f"- **Edited raw vintage**: {problem}" for problem in edited]
    for _, row in alarms.iterrows():
        lines.append(
            f"- **{row['alarm']}**: {row['source']} {row['entity_code']} {row['indicator']} {row['period']}: "
            f"{row['old_value']:g} → {row['new_value']:g} ({row['old_vintage']} → {row['new_vintage']})"
        )
    if not edited and alarms.empty:
        lines.append(f"Nothing: no revision by more than ×{factor:g} or with a sign change, no raw vintage edited in place.")
    lines.append("")
    if corrections:
        lines += ["## Corrected provenance", "", "Recorded in data/checksums/ when a provenance.yaml was corrected:", ""]
        lines += [f"- {correction}" for correction in corrections] + [""]
    if report.empty:
        lines += ["No source has a newer vintage with changed values than the one before it.", ""]
    for source_id, rows in report.groupby("source", sort=True):
        counts = rows["change"].value_counts()
        lines += [
            f"## {source_id}: {rows['old_vintage'].iloc[0]} → {rows['new_vintage'].iloc[0]}",
            "",
            " · ".join(f"{k}: {counts.get(k, 0)}" for k in CHANGES),
            "",
            "| change | entity | indicator | period | old | new | alarm | items | claims |",
            "|---|---|---|---|---|---|---|---|---|",
        ]
        for _, row in rows.iterrows():
            old = "" if pd.isna(row["old_value"]) else f"{row['old_value']:g}"
            new = "" if pd.isna(row["new_value"]) else f"{row['new_value']:g}"
            lines.append(
                f"| {row['change']} | {row['entity_code']} | {row['indicator']} | {row['period']} | {old} | "
                f"{new} | {row['alarm']} | {row['items']} | {row['claims']} |"
            )
        lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n"


def corrected_provenance(project: Project) -> list[str]:
    """Each recorded correction of a vintage's provenance.yaml, with why (data/checksums/<source>.log)."""
    return [
        f"{source_id}/{vintage}: {why}"
        for source_id in sorted(project.sources)
        for vintage, why in provenance_corrections(project.raw_dir, source_id)
    ]


def edited_vintages(project: Project) -> list[str]:
    """Raw vintages whose payload or provenance no longer matches the checksum history recorded when they
    were added (data/checksums/<source>.log), or that were never recorded there."""
    return [problem for source_id in sorted(project.sources) for problem in checksum_history_problems(project.raw_dir, source_id)]


GERD_SOURCES = ("oecd_msti", "worldbank_wdi")
GERD_TOLERANCE_PP = 0.05  # MSTI and the World Bank round differently; more than this is not rounding


def gerd_cross_check(project: Project, tables: dict | None = None) -> str:
    """drift.md's closing section: where OECD MSTI and the World Bank (UNESCO) state GERD as % of GDP
    differently by more than rounding, on the vintages in use; one line when either has no vintage."""
    lines = ["## Cross-check: GERD as % of GDP, OECD MSTI vs World Bank", ""]
    missing = [s for s in GERD_SOURCES if not list_vintages(project.raw_dir, s)]
    if missing:
        hint = f"run `techgap refresh {' '.join(missing)}`"
        return "\n".join(lines + [f"Not compared: no vintage of {', '.join(missing)} ({hint}).", ""])
    vintages = {s: resolve_vintage(project.raw_dir, s, project.settings.vintages) for s in GERD_SOURCES}
    msti, wb = (normalized_table(project, s, vintages[s], tables) for s in GERD_SOURCES)
    compared = compared_economy_years(msti, wb)
    disagree = cross_check_gerd(msti, wb, GERD_TOLERANCE_PP)
    lines.append(
        f"oecd_msti {vintages['oecd_msti']} vs worldbank_wdi {vintages['worldbank_wdi']}: {compared} economy-years in both; "
        f"{len(disagree)} differ by more than {GERD_TOLERANCE_PP:g} percentage points (aggregates are not compared: "
        "MSTI's OECD total and the World Bank's OECD members are different groups)."
    )
    lines.append("")
    if disagree.empty:
        return "\n".join(lines)
    lines += ["| entity | year | MSTI | World Bank | difference (pp) |", "|---|---|---|---|---|"]
    for _, row in disagree.iterrows():
        values = f"{row['msti']:.3f} | {row['worldbank']:.3f} | {row['difference_pp']:+.3f}"
        lines.append(f"| {row['entity_code']} | {row['period']} | {values} |")
    return "\n".join(lines + [""])


def write_drift(project: Project, tables: dict | None = None) -> pd.DataFrame:
    """figures/drift.csv and drift.md. ``tables``: long tables already made (normalize.normalized_table)."""
    from techgap.claims import load_claims
    from techgap.io import write_csv, write_text

    tables = {} if tables is None else tables
    report = drift(project, load_claims(project.root / "config" / "claims.yaml", project), tables)
    markdown = to_markdown(report, edited_vintages(project), project.settings.drift_alarm_factor, corrected_provenance(project))
    markdown += "\n" + gerd_cross_check(project, tables)
    write_csv(project.figures_dir / "drift.csv", report)
    write_text(project.figures_dir / "drift.md", markdown)
    return report

"""Drift report: what changed between a source's vintage in use and the vintage before it —
values added, removed and revised — and which items and claims those values touch."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pandas as pd

from techgap.claims import Claim, _selectors
from techgap.config import Project
from techgap.normalize import normalize_source
from techgap.provenance import list_vintages, resolve_vintage

KEY = ["entity_code", "category", "indicator", "period", "document"]
COLUMNS = ["source", "old_vintage", "new_vintage", "change", "entity_code", "category", "indicator", "period",
           "document", "old_value", "new_value", "items", "claims"]


def previous_vintage(project: Project, source_id: str) -> tuple[str | None, str]:
    current = resolve_vintage(project.raw_dir, source_id, project.settings.vintages)
    vintages = list_vintages(project.raw_dir, source_id)
    earlier = [v for v in vintages if v < current]
    return (earlier[-1] if earlier else None), current


def diff_frames(old: pd.DataFrame, new: pd.DataFrame) -> pd.DataFrame:
    """Rows added, removed and revised (API vintages carry no document: compare on the rest)."""
    key = [k for k in KEY if not (k == "document" and (set(old[k]) == {"api"} or set(new[k]) == {"api"}))]
    merged = old[key + ["value"]].merge(new[key + ["value"]], on=key, how="outer", suffixes=("_old", "_new"),
                                        indicator=True)
    merged["change"] = merged["_merge"].map({"left_only": "removed", "right_only": "added", "both": "revised"})
    same = (merged["change"] == "revised") & (
        (merged["value_old"] == merged["value_new"]) | (merged["value_old"].isna() & merged["value_new"].isna()))
    out = merged[~same].rename(columns={"value_old": "old_value", "value_new": "new_value"})
    if "document" not in out:
        out["document"] = ""
    return out.drop(columns="_merge").sort_values(["change"] + key, kind="stable").reset_index(drop=True)


def touched_items(project: Project, source_id: str, indicator: str) -> str:
    ids = []
    for item in project.items:
        for selection in item.spec.get("data", []):
            indicators = selection["indicator"] if isinstance(selection["indicator"], list) else [selection["indicator"]]
            if selection["source"] == source_id and indicator in indicators:
                ids.append(item.id)
    return ";".join(dict.fromkeys(ids))


def touched_claims(claims: list[Claim], source_id: str, row: pd.Series) -> str:
    ids = []
    for claim in claims:
        for s in _selectors(claim):
            if (s.source == source_id and s.indicator == row["indicator"]
                    and s.entity in (None, row["entity_code"]) and s.period in (None, row["period"])):
                ids.append(claim.id)
                break
    return ";".join(ids)


def drift(project: Project, claims: list[Claim]) -> pd.DataFrame:
    parts = []
    for source_id in project.sources_with_vintages():
        old_vintage, new_vintage = previous_vintage(project, source_id)
        if old_vintage is None:
            continue
        changes = diff_frames(normalize_source(project, source_id, old_vintage),
                              normalize_source(project, source_id, new_vintage))
        if changes.empty:
            continue
        changes.insert(0, "source", source_id)
        changes.insert(1, "old_vintage", old_vintage)
        changes.insert(2, "new_vintage", new_vintage)
        changes["items"] = [touched_items(project, source_id, i) for i in changes["indicator"]]
        changes["claims"] = [touched_claims(claims, source_id, row) for _, row in changes.iterrows()]
        parts.append(changes[COLUMNS])
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=COLUMNS)


def changed_checked_in_tables(root: Path) -> list[str]:
    """Item tables that differ from the committed version (git), i.e. baselines to regenerate."""
    try:
        out = subprocess.run(["git", "status", "--porcelain", "--", "figures"], cwd=root, capture_output=True,
                             text=True, timeout=30, check=True).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    changed = []
    for line in out.splitlines():
        status, path = line[:2], line[3:]
        if "M" in status and path.endswith(".csv") and path.count("/") == 2:  # figures/<item>/<item>.csv
            changed.append(path)
    return sorted(changed)


def to_markdown(report: pd.DataFrame, changed_tables: list[str]) -> str:
    lines = ["# Drift between vintages", ""]
    if report.empty:
        lines += ["No source has a newer vintage with changed values than the one before it.", ""]
    for source_id, rows in report.groupby("source", sort=True):
        counts = rows["change"].value_counts()
        lines += [f"## {source_id}: {rows['old_vintage'].iloc[0]} → {rows['new_vintage'].iloc[0]}", "",
                  " · ".join(f"{k}: {counts.get(k, 0)}" for k in ("added", "removed", "revised")), "",
                  "| change | entity | indicator | period | old | new | items | claims |",
                  "|---|---|---|---|---|---|---|---|"]
        for _, row in rows.iterrows():
            old = "" if pd.isna(row["old_value"]) else f"{row['old_value']:g}"
            new = "" if pd.isna(row["new_value"]) else f"{row['new_value']:g}"
            lines.append(f"| {row['change']} | {row['entity_code']} | {row['indicator']} | {row['period']} | {old} | "
                         f"{new} | {row['items']} | {row['claims']} |")
        lines.append("")
    lines += ["## Checked-in tables that now differ", ""]
    lines += [f"- {path}" for path in changed_tables] or ["None."]
    return "\n".join(lines) + "\n"


def write_drift(project: Project) -> pd.DataFrame:
    from techgap.claims import load_claims
    from techgap.io import write_csv, write_text

    report = drift(project, load_claims(project.root / "config" / "claims.yaml", project))
    write_csv(project.figures_dir / "drift.csv", report)
    write_text(project.figures_dir / "drift.md", to_markdown(report, changed_checked_in_tables(project.root)))
    return report

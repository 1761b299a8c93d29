"""Drift report: what changed between a source's vintage in use and the vintage before it —
values added, removed, revised and become missing — and which items and claims those values touch.
Loud about what matters: revisions by a configurable factor or more or with a sign change, values gone, and raw
vintages edited in place (found from each source's checksum history), are listed first.
It depends only on data and config (never on git state), so a committed drift.md stays true."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from techgap import switches
from techgap.claims import Claim, _selectors
from techgap.config import Project
from techgap.crosscheck import compared_economy_years, cross_check_gerd
from techgap.escaping import markdown_text
from techgap.kinds import KINDS
from techgap.logs import LOUD_CHANGE, get_logger
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

log = get_logger(__name__)


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


VALUE_GONE = "value gone"
RATIO_TOLERANCE = 1e-9


def revision_alarms(changes: pd.DataFrame, factor: float) -> pd.Series:
    """Why a change deserves a look before anything else (a loud change): the value moved by ``factor`` or more
    (either way: ×10 and ÷10 included), changed sign, or is gone (removed, or became missing). Empty text for
    ordinary changes. A revision from or to zero has no ratio: it is named as such ('from zero', 'to zero');
    -0 is 0."""
    old = changes["old_value"].to_numpy(dtype=float)
    new = changes["new_value"].to_numpy(dtype=float)
    change = changes["change"].to_numpy(dtype=object)
    revised = (change == "revised") & ~np.isnan(old) & ~np.isnan(new)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.abs(new) / np.abs(old)
    sign = revised & (np.sign(old) * np.sign(new) < 0)
    # ×factor and beyond, either way (a tolerance for 5.9/59 not being 1/10 in binary); 0 -> x is an infinite ratio
    big = revised & ~sign & ((ratio >= factor * (1 - RATIO_TOLERANCE)) | (ratio <= (1 + RATIO_TOLERANCE) / factor))
    text = np.full(len(changes), "", dtype=object)  # object: a fixed-width string array cut 'from zero' short
    text[sign] = "sign change"
    text[big] = [_ratio_text(o, n, r) for o, n, r in zip(old[big], new[big], ratio[big], strict=True)]
    text[((change == "removed") & ~np.isnan(old)) | (change == "became missing")] = VALUE_GONE
    return pd.Series(text, index=changes.index, dtype=object)


def _ratio_text(old: float, new: float, ratio: float) -> str:
    if old == 0:
        return "from zero"
    if new == 0:
        return "to zero"
    return f"×{ratio:.3g}" if ratio >= 1 else f"÷{1 / ratio:.3g}"


def number(value: object) -> str:
    """A value as drift.md shows it: '%g', empty when missing, and 0 for -0."""
    if value is None or pd.isna(value):
        return ""
    value = float(value)
    return f"{0.0 if value == 0 else value:g}"


def items_by_series(project: Project) -> dict[tuple[str, str], str]:
    """{(source, indicator): the items that draw it, ';'-joined in config order}, from both editions of every
    item (`data` may be an edition switch; the gap analysis's pairs' series too). Made once per drift report, not
    once per changed row."""
    ids: dict[tuple[str, str], list[str]] = {}
    for item in project.items:
        for _which, spec in switches.variants(item.spec):
            model = KINDS[item.chart].model_validate(spec)
            selections = list(getattr(model, "data", []))
            analysis = getattr(model, "analysis", None)  # the gap analysis reads its pairs' series
            selections += [series for pair in analysis.pairs for series in pair.series] if analysis is not None else []
            for selection in selections:
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


def drift(project: Project, claims: list[Claim], tables: dict | None = None, sources: list[str] | None = None) -> pd.DataFrame:
    """Each source's (or each of ``sources``') changes from the vintage before the one in use to that one."""
    parts = []
    items_of = items_by_series(project)
    for source_id in project.sources_with_vintages():
        if sources is not None and source_id not in sources:
            continue
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


def newest_first(report: pd.DataFrame) -> list[tuple[str, pd.DataFrame]]:
    """The report's rows per source, the source with the newest vintage first (then by name)."""
    groups = list(report.groupby("source", sort=True))
    return sorted(groups, key=lambda pair: pair[1]["new_vintage"].iloc[0], reverse=True)


def loud(report: pd.DataFrame) -> pd.DataFrame:
    """The loud changes: the rows with an alarm."""
    return report[report["alarm"].fillna("") != ""] if "alarm" in report else report.iloc[:0]


def source_summary(rows: pd.DataFrame) -> str:
    """One line for one source's changes: its vintages, the count of each kind of change, the loud ones, the items."""
    counts = rows["change"].value_counts()
    changes = ", ".join(f"{counts[k]} {k}" for k in CHANGES if counts.get(k, 0))
    alarms = len(loud(rows))
    items = ";".join(dict.fromkeys(i for found in rows["items"].fillna("") for i in str(found).split(";") if i))
    return (
        f"**{rows['new_vintage'].iloc[0]}** {rows['source'].iloc[0]} (after {rows['old_vintage'].iloc[0]}): {changes}"
        + (f"; **{alarms} loud**" if alarms else "")
        + (f"; items {items}" if items else "")
    )


def loud_text(row: pd.Series) -> str:
    """A loud change as plain text (the drift job's warnings, an item's warnings): what, from, to, which vintages."""
    return (
        f"{row['source']} {row['entity_code']} {row['indicator']} {row['period']}: "
        f"{number(row['old_value']) or 'no value'} → {number(row['new_value']) or 'no value'} "
        f"({row['alarm']}; vintage {row['new_vintage']} against {row['old_vintage']})"
    )


def loud_line(row: pd.Series) -> str:
    """A loud change as a line of drift.md's 'Look first'."""
    return (
        f"**{markdown_text(row['alarm'])}**: {markdown_text(row['source'])} {markdown_text(row['entity_code'])} "
        f"{markdown_text(row['indicator'])} {markdown_text(row['period'])}: "
        f"{number(row['old_value']) or 'no value'} → {number(row['new_value']) or 'no value'} "
        f"({row['old_vintage']} → {row['new_vintage']})"
    )


def to_markdown(
    report: pd.DataFrame, edited: list[str] | None = None, factor: float = 10, corrections: list[str] | None = None
) -> str:
    """drift.md: one line per source, the newest vintage first; what to look at first (large revisions, sign
    changes, values gone, edited vintages); the recorded corrections of provenance; then every change, the
    newest vintage's first."""
    edited = edited or []
    by_source = newest_first(report)
    lines = ["# Drift between vintages", "", "## Newest first", ""]
    if by_source:
        lines += ["Each source's newest vintage against the one before it, the newest first:", ""]
        lines += [f"- {source_summary(rows)}" for _, rows in by_source]
    else:
        lines.append("No source has a newer vintage with changed values than the one before it.")
    lines += ["", "## Look first", ""]
    alarms = loud(report)
    lines += [f"- **Edited raw vintage**: {markdown_text(problem)}" for problem in edited]
    lines += [f"- {loud_line(row)}" for _, row in alarms.iterrows()]
    if not edited and alarms.empty:
        lines.append(
            f"Nothing: no revision by ×{factor:g} or more or with a sign change, no value gone, no raw vintage edited in place."
        )
    lines.append("")
    if corrections:
        lines += ["## Corrected provenance", "", "Recorded in data/checksums/ when a provenance.yaml was corrected:", ""]
        lines += [f"- {markdown_text(correction)}" for correction in corrections] + [""]
    for source_id, rows in by_source:
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
            cells = [row["change"], row["entity_code"], row["indicator"], row["period"]]
            cells += [number(row["old_value"]), number(row["new_value"]), row["alarm"], row["items"], row["claims"]]
            lines.append("| " + " | ".join(markdown_text(cell) for cell in cells) + " |")
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
    """figures/drift.csv and drift.md. ``tables``: long tables already made (normalize.normalized_table). Every loud
    change and every edited vintage is also logged as a warning, so the build's summary line counts them."""
    from techgap.claims import load_claims
    from techgap.io import write_csv, write_text

    tables = {} if tables is None else tables
    report = drift(project, load_claims(project.root / "config" / "claims.yaml", project), tables)
    edited = edited_vintages(project)
    markdown = to_markdown(report, edited, project.settings.drift_alarm_factor, corrected_provenance(project))
    markdown += "\n" + gerd_cross_check(project, tables)
    write_csv(project.figures_dir / "drift.csv", report)
    write_text(project.figures_dir / "drift.md", markdown)
    for problem in edited:
        log.warning("%s raw vintage edited in place: %s", LOUD_CHANGE, problem)
    for _, row in loud(report).iterrows():
        log.warning("%s %s; items: %s", LOUD_CHANGE, loud_text(row), row["items"] or "none")
    return report


def read_drift(path: Path) -> pd.DataFrame | None:
    """figures/drift.csv as the drift job wrote it (text cells), or None before the first build."""
    return pd.read_csv(path, dtype=str, keep_default_na=False) if Path(path).is_file() else None


def loud_changes_by_item(drift_csv: Path) -> dict[str, list[str]]:
    """The loud changes in drift.csv (the drift job's table) by the item they touch, as warnings for that item's
    latest edition on the page and in the manifest (the drift job's log and the build summary count them too)."""
    report = read_drift(drift_csv)
    if report is None:
        return {}
    for column in ("old_value", "new_value"):
        report[column] = pd.to_numeric(report[column], errors="coerce")
    found: dict[str, list[str]] = {}
    for _, row in loud(report).iterrows():
        for item_id in filter(None, str(row["items"]).split(";")):
            found.setdefault(item_id, []).append(f"{LOUD_CHANGE} {loud_text(row)}")
    return found

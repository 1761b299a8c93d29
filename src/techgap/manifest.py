"""figures/manifest.json (every item, built or not, with its honest status) and figures/index.html,
the one page reviewers open from disk."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd

from techgap.config import ItemSpec, Project
from techgap.drift import loud_changes_by_item
from techgap.editions import edition_item
from techgap.io import write_json
from techgap.paths import EDITIONS, LANGS, item_outputs
from techgap.provenance import load_provenance


def item_record(project: Project, item: ItemSpec, chapters: Any = None) -> dict[str, Any]:
    """One item with both editions, from the records the build wrote beside the files."""
    rel = project.figures_dir.relative_to(project.root)
    editions: dict[str, Any] = {}
    for edition in EDITIONS:
        record: dict[str, Any] = {"files": {lang: [] for lang in LANGS}, "data": None}
        if item.renders:
            outputs = item_outputs(item, edition, rel)
            meta = json.loads((project.root / outputs[1]).read_text(encoding="utf-8"))
            record["data"] = outputs[0]
            for path in outputs[2:]:
                record["files"][Path(path).stem.rsplit("_", 1)[1]].append(path)
            record.update({k: v for k, v in meta.items() if k not in ("id", "edition", "texts")})
            record["texts"] = meta.get("texts", {})
        else:
            resolved = edition_item(project, item, edition)
            record.update(
                {
                    "status": resolved.status,
                    "reason": str(resolved.status_reason),
                    "vintages": {},
                    "periods": [],
                    "warnings": [],
                    "sources": [],
                    "alt": {},
                }
            )
            if edition == "latest":  # the comparison is of what is drawn: nothing, in either edition
                record.update({"same_as_report": True, "added_periods": [], "removed_periods": [], "revised": []})
        editions[edition] = record
    chapter = None
    if chapters is not None:
        key = chapters.items[item.id]
        chapter = {"key": key, "zh": chapters.chapters[key].zh, "en": chapters.chapters[key].en}
    return {
        "id": item.id,
        "kind": item.kind,
        "chapter": chapter,
        # the report edition's caption as drawn: years in it are filled from the periods drawn
        "title": editions["report"].get("texts", {}).get("title") or {"zh": item.title.zh, "en": item.title.en},
        # the report edition's status and reason at the item level too, for readers that want one per item
        "status": editions["report"]["status"],
        "reason": editions["report"].get("reason", ""),
        "editions": editions,
    }


def documents_by_publisher(provenance: Any) -> dict[str, int]:
    """How many of the vintage's documents each publisher issued, most first (empty for an API vintage)."""
    counts: dict[str, int] = {}
    for document in provenance.documents:
        counts[document.publisher] = counts.get(document.publisher, 0) + 1
    return dict(sorted(counts.items(), key=lambda pair: (-pair[1], pair[0])))


def build_manifest(project: Project) -> dict[str, Any]:
    from techgap.chapters import load_chapters

    chapters = load_chapters(project)
    items = [item_record(project, item, chapters) for item in project.items]
    loud = loud_changes_by_item(project.figures_dir / "drift.csv")
    for item in items:  # a loud change between vintages is a warning of the latest edition it reaches
        latest = item["editions"]["latest"]
        latest["warnings"] = list(latest.get("warnings") or []) + loud.get(item["id"], [])
    sources: dict[str, Any] = {}
    for item in items:
        for edition, record in item["editions"].items():
            for source_id, vintage in record.get("vintages", {}).items():
                entry = sources.setdefault(source_id, {"vintages": {}})
                entry["vintages"][edition] = vintage
    for source_id, entry in sorted(sources.items()):
        vintage = entry["vintages"].get("latest") or entry["vintages"]["report"]
        prov = load_provenance(project.raw_dir / source_id / vintage / "provenance.yaml")
        entry.update(
            {
                "title": prov.title,
                "publisher": prov.publisher,
                "url": prov.url,
                "licence": prov.licence,
                "method": prov.method,
                # what the vintage holds, by publisher: a source named after a study may hold only the
                # report's sentences citing it (e.g. eiu_china_chip_lag: the NDC report's text)
                "documents_from": documents_by_publisher(prov),
                "provenance": {e: f"data/raw/{source_id}/{v}/provenance.yaml" for e, v in entry["vintages"].items()},
            }
        )
    summary: dict[str, Any] = {}
    for edition in EDITIONS:
        counts: dict[str, int] = {}
        for item in items:
            status = item["editions"][edition]["status"]
            counts[status] = counts.get(status, 0) + 1
        summary[edition] = counts
    summary["warnings"] = sum(len(i["editions"][e].get("warnings", [])) for i in items for e in EDITIONS)
    summary["latest_differs"] = sorted(i["id"] for i in items if not i["editions"]["latest"].get("same_as_report", True))
    return {"items": items, "sources": dict(sorted(sources.items())), "summary": summary}


def edition_summary(record: dict[str, Any]) -> str:
    """What the latest edition adds to the report's: periods added, values revised, or nothing."""
    if record.get("same_as_report", True):
        return "same data as the report edition: the sources hold nothing newer"
    parts = []
    if record.get("added_periods"):
        parts.append("adds " + ", ".join(record["added_periods"]))
    if record.get("removed_periods"):
        parts.append("drops " + ", ".join(record["removed_periods"]))
    if record.get("revised"):
        parts.append(f"{len(record['revised'])} value(s) revised")
    return "; ".join(parts) or "differs from the report edition"


def write_manifest(project: Project) -> None:
    manifest = build_manifest(project)
    from techgap.page import provenance_corrections_by_file, provenance_texts, write_page

    claims_path = project.figures_dir / "claims.csv"
    claims = pd.read_csv(claims_path, dtype=str, keep_default_na=False) if claims_path.exists() else None
    provenance = provenance_texts(project.root, manifest)  # read (and checked) before anything is written
    corrections = provenance_corrections_by_file(project.root, provenance)
    write_json(project.figures_dir / "manifest.json", manifest)
    report_page = project.figures_dir / "report.html"  # the annotated report uses the page's font too
    other_pages = (report_page.read_text(encoding="utf-8"),) if report_page.is_file() else ()
    write_page(
        project.figures_dir, manifest, claims, provenance, project.plotting, corrections=corrections, other_pages=other_pages
    )


README_START, README_END = "<!-- items:start -->", "<!-- items:end -->"


def status_table(manifest: dict[str, Any]) -> str:
    """The README's table of items, from the manifest (so the two cannot disagree)."""
    lines = ["| id | caption | status (report edition) | reason | latest edition |", "|---|---|---|---|---|"]
    for item in manifest["items"]:
        report, latest = item["editions"]["report"], item["editions"]["latest"]
        reason = str(report.get("reason", "")).replace("|", "\\|")
        lines.append(f"| {item['id']} | {item['title']['zh']} | {report['status']} | {reason} | {edition_summary(latest)} |")
    return "\n".join(lines)


def readme_with_table(readme: str, manifest: dict[str, Any]) -> str:
    head, _, rest = readme.partition(README_START)
    _, _, tail = rest.partition(README_END)
    return f"{head}{README_START}\n{status_table(manifest)}\n{README_END}{tail}"


def statuses_by_edition(manifest_path: Path) -> dict[str, dict[str, int]]:
    """How many items of each status each edition has, as the manifest of the build records them."""
    summary = json.loads(Path(manifest_path).read_text(encoding="utf-8"))["summary"]
    return {edition: summary[edition] for edition in EDITIONS}

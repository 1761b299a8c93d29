"""figures/manifest.json (every item, built or not, with its honest status) and figures/index.html,
the one page reviewers open from disk."""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import Any

import pandas as pd

from techgap.config import ItemSpec, Project
from techgap.editions import edition_item
from techgap.io import write_json, write_text
from techgap.layout import EDITIONS, LANGS, item_outputs
from techgap.provenance import load_provenance


def item_record(project: Project, item: ItemSpec) -> dict[str, Any]:
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
            resolved = edition_item(item, edition)
            record.update({"status": resolved.status, "reason": str(resolved.status_reason), "vintages": {},
                           "periods": [], "warnings": [], "sources": [], "alt": {}})
        editions[edition] = record
    return {"id": item.id, "kind": item.kind, "chapter": None,
            "title": {"zh": item.title.zh, "en": item.title.en}, "editions": editions}


def build_manifest(project: Project) -> dict[str, Any]:
    items = [item_record(project, item) for item in project.items]
    sources: dict[str, Any] = {}
    for item in items:
        for edition, record in item["editions"].items():
            for source_id, vintage in record.get("vintages", {}).items():
                entry = sources.setdefault(source_id, {"vintages": {}})
                entry["vintages"][edition] = vintage
    for source_id, entry in sorted(sources.items()):
        vintage = entry["vintages"].get("latest") or entry["vintages"]["report"]
        prov = load_provenance(project.raw_dir / source_id / vintage / "provenance.yaml")
        entry.update({"title": prov.title, "publisher": prov.publisher, "url": prov.url, "licence": prov.licence,
                      "method": prov.method,
                      "provenance": {e: f"data/raw/{source_id}/{v}/provenance.yaml" for e, v in entry["vintages"].items()}})
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


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def claims_section(claims: pd.DataFrame) -> list[str]:
    counts = claims["status"].value_counts()
    parts = ['<section id="claims"><h2>Claims ledger 數據查核</h2>',
             "<p>" + " · ".join(f"{k}: {counts.get(k, 0)}" for k in ("supported", "contradicted", "uncheckable"))
             + ' — <a href="claims.csv">claims.csv</a> · <a href="claims.md">claims.md</a></p>',
             "<table><tr><th>id</th><th>quote</th><th>stated</th><th>computed</th><th>status</th></tr>"]
    for _, row in claims.iterrows():
        computed = "" if pd.isna(row["computed"]) else f"{row['computed']:.6g}"
        stated = f"{row['comparison'].replace('==', '')} {row['stated']:g} {row['unit']}"
        parts.append(f"<tr><td>{_e(row['id'])}</td><td>{_e(row['quote'])}</td><td>{_e(stated)}</td>"
                     f"<td>{_e(computed)}</td><td class=\"{_e(row['status'])}\">{_e(row['status'])}</td></tr>")
    parts.append("</table></section>")
    return parts


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


def render_index(manifest: dict[str, Any], claims: pd.DataFrame | None = None) -> str:
    """A static page: every item in report order, both editions, status, sources, data."""
    parts = [
        "<!DOCTYPE html>",
        '<html lang="zh-Hant"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        "<title>techgap — 中國推動技術自主之現況與影響: figures and tables</title>",
        "<style>body{font-family:'Noto Sans CJK TC','Noto Sans TC','PingFang TC','Microsoft JhengHei',"
        "'Heiti TC',sans-serif;margin:2em auto;max-width:1100px;padding:0 1em;color:#222}"
        "section{border-top:1px solid #ccc;padding:1em 0}img{max-width:100%;border:1px solid #eee}"
        ".status{font-weight:bold}small{color:#555}"
        "table{border-collapse:collapse;font-size:12px}td,th{border:1px solid #ddd;padding:2px 4px}</style>",
        "</head><body>",
        "<h1>中國推動技術自主之現況與影響 — regenerated figures and tables</h1>",
        "<p>Every item of the report (NDC, 2023) in report order, in two editions: as the report printed it "
        "(report) and on the newest data (latest).</p>",
    ]
    for item in manifest["items"]:
        parts.append(f'<section id="{_e(item["id"])}">')
        parts.append(f"<h2>{_e(item['title']['zh'])}<br><small lang=\"en\">{_e(item['title']['en'])}</small></h2>")
        for edition, record in item["editions"].items():
            parts.append(f"<h3>{_e(edition)}</h3>")
            reason = f": {record['reason']}" if record.get("reason") else ""
            parts.append(f'<p class="status">{_e(record["status"])}{_e(reason)}</p>')
            if edition == "latest":
                parts.append(f"<p><small>{_e(edition_summary(record))}</small></p>")
            for warning in record.get("warnings", []):
                parts.append(f"<p><small>warning: {_e(warning)}</small></p>")
            for lang in ("zh", "en"):
                for path in record["files"][lang]:
                    rel = Path(path).relative_to("figures").as_posix()
                    if path.endswith(".png"):
                        alt = record.get("alt", {}).get(lang, item["id"])
                        parts.append(f'<a href="{_e(rel)}"><img src="{_e(rel)}" alt="{_e(alt)}" loading="lazy"></a>')
        parts.append("</section>")
    if claims is not None:
        parts += claims_section(claims)
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def write_manifest(project: Project) -> None:
    manifest = build_manifest(project)
    write_json(project.figures_dir / "manifest.json", manifest)
    claims_path = project.figures_dir / "claims.csv"
    claims = pd.read_csv(claims_path) if claims_path.exists() else None
    write_text(project.figures_dir / "index.html", render_index(manifest, claims))


README_START, README_END = "<!-- items:start -->", "<!-- items:end -->"


def status_table(manifest: dict[str, Any]) -> str:
    """The README's table of items, from the manifest (so the two cannot disagree)."""
    lines = ["| id | caption | status (report edition) | reason | latest edition |", "|---|---|---|---|---|"]
    for item in manifest["items"]:
        report, latest = item["editions"]["report"], item["editions"]["latest"]
        reason = str(report.get("reason", "")).replace("|", "\\|")
        lines.append(f"| {item['id']} | {item['title']['zh']} | {report['status']} | {reason} | "
                     f"{edition_summary(latest)} |")
    return "\n".join(lines)


def readme_with_table(readme: str, manifest: dict[str, Any]) -> str:
    head, _, rest = readme.partition(README_START)
    _, _, tail = rest.partition(README_END)
    return f"{head}{README_START}\n{status_table(manifest)}\n{README_END}{tail}"

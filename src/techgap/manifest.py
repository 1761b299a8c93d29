"""figures/manifest.json (every item, built or not, with its honest status) and figures/index.html,
the one page reviewers open from disk."""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

import pandas as pd

from techgap.config import ItemSpec, Project
from techgap.io import write_json, write_text
from techgap.layout import LANGS, item_outputs
from techgap.provenance import Provenance, load_provenance, resolve_vintage


def source_record(project: Project, source_id: str) -> tuple[str, Provenance]:
    vintage = resolve_vintage(project.raw_dir, source_id, project.settings.vintages)
    return vintage, load_provenance(project.raw_dir / source_id / vintage / "provenance.yaml")


def item_record(project: Project, item: ItemSpec) -> dict[str, Any]:
    rel = project.figures_dir.relative_to(project.root)
    files: dict[str, list[str]] = {lang: [] for lang in LANGS}
    data = None
    if item.renders:
        outputs = item_outputs(item, rel)
        data = outputs[0]
        for path in outputs[1:]:
            lang = Path(path).stem.rsplit("_", 1)[1]
            files[lang].append(path)
    status = item.status if item.status == "reproduced" else f"{item.status}: {item.status_reason}"
    return {
        "id": item.id,
        "kind": item.kind,
        "title": {"zh": item.title.zh, "en": item.title.en},
        "files": files,
        "data": data,
        "sources": list(item.sources),
        "status": status,
        "note": item.status_reason if item.status == "reproduced" else "",
    }


def build_manifest(project: Project) -> dict[str, Any]:
    sources = {}
    for source_id in sorted({s for item in project.items for s in item.sources}):
        vintage, prov = source_record(project, source_id)
        sources[source_id] = {
            "title": prov.title,
            "publisher": prov.publisher,
            "url": prov.url,
            "retrieved": prov.retrieved,
            "vintage": vintage,
            "method": prov.method,
            "licence": prov.licence,
            "provenance": f"data/raw/{source_id}/{vintage}/provenance.yaml",
            "documents": [{"id": d.id, "title": d.title, "publisher": d.publisher, "url": d.url,
                           "published": d.published} for d in prov.documents],
        }
    return {"items": [item_record(project, item) for item in project.items], "sources": sources}


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


def render_index(manifest: dict[str, Any], claims: pd.DataFrame | None = None) -> str:
    """A static page: every item in report order, both captions, the image, status, sources, data."""
    parts = [
        "<!DOCTYPE html>",
        '<html lang="zh-Hant"><head><meta charset="utf-8">',
        "<title>techgap — 中國推動技術自主之現況與影響: figures and tables</title>",
        "<style>body{font-family:'Noto Sans CJK TC','Noto Sans TC','PingFang TC','Microsoft JhengHei','Heiti TC',"
        "sans-serif;margin:2em auto;max-width:1100px;"
        "color:#222}section{border-top:1px solid #ccc;padding:1em 0}img{max-width:100%;border:1px solid #eee}"
        ".status{font-weight:bold}.reproduced{color:#2a7d2a}.partial{color:#b36b00}.unavailable{color:#b00020}"
        ".pair{display:grid;grid-template-columns:1fr 1fr;gap:1em}small{color:#555}"
        "table{border-collapse:collapse;font-size:12px}td,th{border:1px solid #ddd;padding:2px 4px}</style>",
        "</head><body>",
        "<h1>中國推動技術自主之現況與影響 — regenerated figures and tables</h1>",
        "<p>Every item of the report (NDC, 2023) in report order, regenerated from cited, versioned data. "
        "Status, sources and the data behind each item are given with it.</p>",
    ]
    for item in manifest["items"]:
        status_kind = item["status"].split(":", 1)[0]
        parts.append(f'<section id="{_e(item["id"])}">')
        parts.append(f"<h2>{_e(item['title']['zh'])}<br><small>{_e(item['title']['en'])}</small></h2>")
        parts.append(f'<p class="status {status_kind}">{_e(item["status"])}</p>')
        if item.get("note"):
            parts.append(f"<p><small>{_e(item['note'])}</small></p>")
        pngs = [f for lang in ("zh", "en") for f in item["files"][lang] if f.endswith(".png")]
        if pngs:
            parts.append('<div class="pair">')
            for path in pngs:
                rel = Path(path).relative_to("figures").as_posix()
                parts.append(f'<a href="{_e(rel)}"><img src="{_e(rel)}" alt="{_e(item["id"])}" loading="lazy"></a>')
            parts.append("</div>")
        links = []
        if item["data"]:
            links.append(f'<a href="{_e(Path(item["data"]).relative_to("figures").as_posix())}">data (CSV)</a>')
        for lang in ("zh", "en"):
            for path in item["files"][lang]:
                if path.endswith(".md") or path.endswith(".svg"):
                    rel = Path(path).relative_to("figures").as_posix()
                    links.append(f'<a href="{_e(rel)}">{_e(Path(path).name)}</a>')
        if links:
            parts.append("<p>" + " · ".join(links) + "</p>")
        parts.append("<ul>")
        for source_id in item["sources"]:
            src = manifest["sources"][source_id]
            parts.append(f'<li><a href="{_e(src["url"])}">{_e(src["title"])}</a> — {_e(src["publisher"])}; '
                         f"retrieved {_e(src['retrieved'])}, vintage {_e(src['vintage'])} "
                         f'(<a href="../{_e(src["provenance"])}">provenance</a>)</li>')
        parts.append("</ul></section>")
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
    lines = ["| id | caption | status | reason / note |", "|---|---|---|---|"]
    for item in manifest["items"]:
        status, _, reason = item["status"].partition(": ")
        note = (reason or item.get("note", "")).replace("|", "\\|")
        lines.append(f"| {item['id']} | {item['title']['zh']} | {status} | {note} |")
    return "\n".join(lines)


def readme_with_table(readme: str, manifest: dict[str, Any]) -> str:
    head, _, rest = readme.partition(README_START)
    _, _, tail = rest.partition(README_END)
    return f"{head}{README_START}\n{status_table(manifest)}\n{README_END}{tail}"

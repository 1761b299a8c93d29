"""figures/review.html: what a reviewer looks at before accepting a change of the outputs.

For every item edition whose files differ from the accepted ones (the record in CHANGELOG.md, techgap.changelog):
the accepted drawing beside the new one (one language at a time, with a switch), the values that changed (the
item's data CSV), the texts that changed (its meta JSON: title, subtitle, source line, note, status, reason,
warnings) and the rows of figures/drift.csv behind the change, the newest vintage first. Unchanged item editions
are left out; when nothing changed the page says so, and is then the same bytes on every machine (it is committed).

The accepted files are read from build/accepted/ (techgap.changelog keeps that copy); the page links its drawings
relatively (../build/accepted/...), so it works opened from disk in the project folder. It uses the reviewers'
page's styles, badges and vocabulary (techgap.page, techgap.vocabulary) and runs no script.
"""

from __future__ import annotations

import os
from pathlib import Path, PurePosixPath
from urllib.parse import quote

import pandas as pd

from techgap.changelog import (
    ACCEPTED_DIR,
    CHANGELOG_FILE,
    Comparison,
    accepted_record,
    changed_outputs,
    compare_output,
    keep_accepted_copies,
    output_name,
    read_entries,
    read_record,
)
from techgap.config import Project
from techgap.drift import COLUMNS as DRIFT_CSV_COLUMNS
from techgap.drift import read_drift
from techgap.io import write_text
from techgap.logs import get_logger
from techgap.page import EDITION_NAMES, LANG_TAGS, LANGS, badge_html, bilingual, esc, head_html, png_size
from techgap.vocabulary import STATUSES

REVIEW_FILE = "review.html"
# The page's own Chinese words use only characters of index.html and provenance.html, which the subset web font
# (figures/assets/techgap-cjk.woff2, cut to those pages) holds; a test checks it.
# The drift report's columns that tell one row from another (two documents or categories of one cell are two rows),
# the newest vintage first; the alarm is shown in a column of its own, the items and claims it names are not.
DRIFT_COLUMNS = ("new_vintage", *(c for c in DRIFT_CSV_COLUMNS if c not in ("new_vintage", "alarm", "items", "claims")))
STATE_WORDS = {"changed": ("已變更", "changed"), "new": ("新增", "new"), "removed": ("已去除", "removed")}
REVIEW_CSS = """main,header.top{max-width:92rem}
.pair{display:grid;grid-template-columns:repeat(2,minmax(0,1fr));gap:1rem;margin:.6rem 0 1rem}
.pair figure{margin:0}
.pair figcaption{font-weight:bold;color:var(--text)}
.review-item{border-top:1px solid var(--rule);margin-top:1.5rem}
tr.loud td{background:var(--warning-background)}
td.text{min-width:16rem;white-space:pre-wrap}
@media (max-width:800px){.pair{grid-template-columns:minmax(0,1fr)}}
"""

log = get_logger(__name__)


def _href(path: str) -> str:
    return quote(PurePosixPath(path).as_posix(), safe="/.")


def _table(label: str, header: list[tuple[str, bool]], rows: list[tuple[str, list[tuple[str, bool]]]]) -> str:
    """A table; ``header``: (text, numeric); ``rows``: (the row's class, its cells as (html, numeric))."""
    number = ' class="num"'
    head = "".join(f'<th scope="col"{number if num else ""}>{esc(text)}</th>' for text, num in header)
    body = []
    for cls, cells in rows:
        tds = "".join(f"<td{number if num else ''}>{cell}</td>" for cell, num in cells)
        body.append((f'<tr class="{cls}">' if cls else "<tr>") + tds + "</tr>")
    return (
        f'<div class="table-wrap" role="region" tabindex="0" aria-label="{esc(label)}"><table lang="en">'
        f"<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table></div>"
    )


def drawings_html(comparison: Comparison, item: str, accepted_href: str, current_href: str) -> str:
    """The accepted and the new PNG side by side, one block per language (the switch shows one)."""
    parts = []
    for lang in LANGS:
        name = f"{item}_{lang}.png"
        cells = []
        for (zh, en), folder, href in (
            (("已接受", "Accepted"), comparison.accepted_dir, accepted_href),
            (("新版", "New"), comparison.current_dir, current_href),
        ):
            caption = esc(zh if lang == "zh" else en)
            path = None if folder is None else folder / name
            if path is not None and path.is_file():
                size = png_size(path)
                dims = f' width="{size[0]}" height="{size[1]}"' if size else ""
                src = esc(f"{href}/{_href(name)}")
                image = f'<a href="{src}"><img src="{src}" alt="{caption}: {esc(name)}"{dims} loading="lazy"></a>'
            else:
                image = '<p class="muted small" lang="en">No drawing.</p>'
            cells.append(f"<figure><figcaption>{caption}</figcaption>{image}</figure>")
        parts.append(f'<div class="pair l-{lang}" lang="{LANG_TAGS[lang]}">{"".join(cells)}</div>')
    return "\n".join(parts)


def values_html(values: pd.DataFrame) -> str:
    if values.empty:
        return '<p class="small" lang="en">No value changed.</p>'
    rows = [
        (
            "",
            [
                (esc(r["change"]), False),
                (esc(r["key"]), False),
                (esc(r["column"]), False),
                (esc(r["accepted"]), True),
                (esc(r["new"]), True),
            ],
        )
        for r in values.to_dict(orient="records")
    ]
    header = [("change", False), ("row", False), ("column", False), ("accepted", True), ("new", True)]
    return _table("Values that changed", header, rows)


def texts_html(texts: list[dict[str, str]]) -> str:
    if not texts:
        return '<p class="small" lang="en">No text changed.</p>'
    rows = []
    for text in texts:
        cls = f"l-{text['lang']}" if text["lang"] else ""
        lang = f' lang="{LANG_TAGS[text["lang"]]}"' if text["lang"] else ""
        cells = [(esc(text["field"]), False), (esc(text["lang"] or "—"), False)]
        cells += [(f'<span{lang} class="text">{esc(text[k])}</span>', False) for k in ("accepted", "new")]
        rows.append((cls, cells))
    return _table("Texts that changed", [("text", False), ("language", False), ("accepted", False), ("new", False)], rows)


def behind(drift: pd.DataFrame, item: str, vintages: dict[str, str], accepted: dict[str, str] | None = None) -> pd.DataFrame:
    """The drift rows that name ``item`` for the vintages its edition reads, the newest vintage first; when the accepted
    edition's vintages are known (``accepted``), only those of sources whose vintage changed since: the vintages the
    accepted edition already read are not behind this change."""
    if drift.empty:
        return drift
    if accepted is not None:
        vintages = {source: vintage for source, vintage in vintages.items() if accepted.get(source) != vintage}
    named = drift["items"].map(lambda found: item in str(found).split(";")).astype(bool)
    read = [vintages.get(s) == v for s, v in zip(drift["source"], drift["new_vintage"], strict=True)]
    mine = drift[named & pd.Series(read, index=drift.index, dtype=bool)]
    return mine.sort_values("new_vintage", ascending=False, kind="stable")


def _accepted_vintages(comparison: Comparison) -> dict[str, str] | None:
    """The vintages the accepted edition read, when its record is on this machine."""
    if not comparison.compared:
        return None
    return read_record(comparison.accepted_dir, comparison.change.item).get("vintages") or {}


def drift_html(rows: pd.DataFrame) -> str:
    if rows.empty:
        return (
            '<p class="small" lang="en">No row of figures/drift.csv names this item for a vintage it reads that the '
            "accepted edition did not: the change comes from code, configuration or a pinned vintage.</p>"
        )
    header = [(c.replace("_", " "), c in ("old_value", "new_value")) for c in DRIFT_COLUMNS] + [("alarm", False)]
    body = []
    for r in rows.to_dict(orient="records"):
        cells = [(esc(r[c]), c in ("old_value", "new_value")) for c in DRIFT_COLUMNS]
        alarm = str(r.get("alarm") or "")
        cells.append((f"<strong>⚠ {esc(alarm)}</strong>" if alarm else "", False))
        body.append(("loud" if alarm else "", cells))
    return _table("Drift rows behind the change", header, body)


def comparison_html(comparison: Comparison, project: Project, titles: dict[str, dict[str, str]], drift: pd.DataFrame) -> str:
    change = comparison.change
    item, edition = change.item, change.edition
    record = read_record(comparison.current_dir, item) or read_record(comparison.accepted_dir, item)
    title = titles.get(item) or (record.get("texts") or {}).get("title") or {"zh": item, "en": item}
    zh, en = EDITION_NAMES.get(edition, (edition, edition))
    state_zh, state_en = STATE_WORDS[change.state]
    figures = project.figures_dir
    accepted_href = _href(os.path.relpath(project.root / ACCEPTED_DIR / edition / item, figures))
    parts = [
        f'<section class="review-item" id="{esc(edition)}-{esc(item)}">',
        f'<h2><span class="muted">{esc(item)}</span> {bilingual(title.get("zh", item), title.get("en", item))}</h2>',
        f"<p>{bilingual(zh, en)} · {bilingual(state_zh, state_en)} · {badge_html(record.get('status'), STATUSES, 's')}</p>",
    ]
    if change.state == "changed" and not comparison.compared:
        parts.append(
            '<p class="warnings" lang="en">The accepted files of this item edition are not on this machine (build/accepted/ '
            f"holds no copy with fingerprint {esc(change.accepted)}), so only the new files are shown. A build of the "
            "accepted outputs keeps that copy: check out the commit that accepted them and run snakemake.</p>"
        )
    parts.append(drawings_html(comparison, item, accepted_href, _href(f"{edition}/{item}")))
    if comparison.compared:
        parts += [f"<h3>{bilingual('變更的數值', 'Values that changed')}</h3>", values_html(comparison.values)]
        parts += [f"<h3>{bilingual('變更的文字', 'Texts that changed')}</h3>", texts_html(comparison.texts or [])]
    vintages = record.get("vintages") or {}
    accepted = _accepted_vintages(comparison)
    parts += [
        f"<h3>{bilingual('造成變更的資料修訂', 'Drift behind the change')}</h3>",
        drift_html(behind(drift, item, vintages, accepted)),
    ]
    parts.append("</section>")
    return "\n".join(parts)


def summary_html(comparisons: list[Comparison], drift: pd.DataFrame) -> str:
    rows = []
    for c in comparisons:
        change = c.change
        zh, en = EDITION_NAMES.get(change.edition, (change.edition, change.edition))
        vintages = read_record(c.current_dir, change.item).get("vintages") or {}
        loud = behind(drift, change.item, vintages, _accepted_vintages(c))
        loud = loud[loud["alarm"].fillna("") != ""] if "alarm" in loud else loud
        values = "not compared" if c.values is None else str(len(c.values))
        texts = "not compared" if c.texts is None else ", ".join(sorted({t["field"] for t in c.texts})) or "none"
        rows.append(
            (
                "loud" if len(loud) else "",
                [
                    (f'<a href="#{esc(change.edition)}-{esc(change.item)}">{esc(output_name(change.output))}</a>', False),
                    (bilingual(zh, en) + " · " + bilingual(*STATE_WORDS[change.state]), False),
                    (esc(values), True),
                    (esc(texts), False),
                    (f"<strong>⚠ {len(loud)}</strong>" if len(loud) else "0", True),
                ],
            )
        )
    header = [
        ("item edition", False),
        ("change", False),
        ("values changed", True),
        ("texts changed", False),
        ("loud drift", True),
    ]
    return _table("Changed item editions", header, rows)


def render_review(project: Project, drift: pd.DataFrame | None = None) -> str:
    """The page (and, as a side effect, the accepted copies of the item editions that are as accepted)."""
    entries = read_entries(project.root)
    record = accepted_record(entries)
    order = [item.id for item in project.items]
    titles = {item.id: {"zh": item.title.zh, "en": item.title.en} for item in project.items}
    drift = drift if drift is not None else pd.DataFrame(columns=DRIFT_CSV_COLUMNS)
    parts = [
        head_html("techgap — outputs to review", project.plotting, REVIEW_CSS),
        "<body>",
        '<input type="radio" name="lang" id="lang-zh" class="visually-hidden" checked>',
        '<input type="radio" name="lang" id="lang-en" class="visually-hidden">',
        '<header class="top">',
        f"<h1>{bilingual('審查變更的輸出', 'Outputs to review', sep='<br>')}</h1>",
        '<p lang="en">Every item edition whose files differ from the accepted ones: the outputs recorded in '
        f"<code>{CHANGELOG_FILE}</code> when a change was accepted (<code>bash scripts/accept.sh [message]</code>). For "
        "each, the accepted drawing beside the new one, the values and texts that changed and the drift rows behind the "
        'change, the newest vintage first. How it works: <code>docs/review.md</code>. <a href="index.html">All figures</a> · '
        '<a href="drift.md">drift report</a>.</p>',
        '<div class="switch" role="group" aria-label="Language"><span lang="en">Language:</span>'
        '<label for="lang-zh" lang="zh-Hant">中文</label><label for="lang-en" lang="en">English</label></div>',
        "</header>",
        "<main>",
    ]
    if not record:
        parts.append(
            f'<p lang="en"><strong>No accepted outputs recorded yet</strong>: {CHANGELOG_FILE} names none. Run '
            "<code>bash scripts/accept.sh</code> to record the outputs as they are.</p>"
        )
    else:
        changes = changed_outputs(project.figures_dir, record, order)
        if not changes:
            parts.append(
                f'<p lang="en"><strong>Nothing to review</strong>: all {len(record)} item editions under figures/ are the '
                f"ones accepted in {CHANGELOG_FILE}.</p>"
            )
        else:
            comparisons = [compare_output(project.root, project.figures_dir, change) for change in changes]
            parts += [
                f"<h2>{bilingual('概要', 'Summary')}</h2>",
                f'<p lang="en">{len(comparisons)} of {len(set(record) | {c.change.output for c in comparisons})} item '
                "editions differ from the accepted ones. Accept them with <code>bash scripts/accept.sh 'why'</code> "
                "(the report edition needs a reason), then commit.</p>",
                summary_html(comparisons, drift),
            ]
            parts += [comparison_html(c, project, titles, drift) for c in comparisons]
    parts += ["</main>", "</body></html>"]
    return "\n".join(parts) + "\n"


def write_review(project: Project) -> Path:
    """figures/review.html. First keeps build/accepted/ up to date with every item edition that is as accepted."""
    record = accepted_record(read_entries(project.root))
    copied = keep_accepted_copies(project.root, project.figures_dir, record)
    if copied:
        log.info("kept a copy of %d accepted item edition(s) in %s", len(copied), ACCEPTED_DIR)
    target = project.figures_dir / REVIEW_FILE
    write_text(target, render_review(project, read_drift(project.figures_dir / "drift.csv")))
    return target

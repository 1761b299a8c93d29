"""The reviewers' page: figures/index.html (every item, both editions, the claims ledger),
figures/provenance.html (every provenance file used, readable when figures/ is published alone) and
figures/assets/techgap-cjk.woff2 (the CJK font cut down to the characters the two pages use).

Everything shown comes from the manifest, the claims table, the provenance texts and the items' Markdown
tables; every text is HTML-escaped, and only http/https URLs become links. The page runs no script."""

from __future__ import annotations

import html
import io
import math
import re
import struct
from collections import Counter
from collections.abc import Iterable
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import quote, urlsplit

import pandas as pd
import yaml
from pydantic import ValidationError

from techgap import __version__
from techgap.config import Plotting
from techgap.escaping import html_text, safe_url
from techgap.io import write_bytes, write_text
from techgap.numbers import minus_sign
from techgap.provenance import Provenance, provenance_corrections
from techgap.vocabulary import LABELS, STATUSES, VERDICTS, Term

PAGE_FILE = "index.html"
PLOTTING_FILE = "config/plotting.yaml"  # the colours of the pages
PROVENANCE_FILE = "provenance.html"
FONT_ASSET = "assets/techgap-cjk.woff2"
FONT_FAMILY = "techgap CJK"
EDITIONS = ("report", "latest")
LANGS = ("zh", "en")
LANG_TAGS = {"zh": "zh-Hant", "en": "en"}
TOP_LINKS = (
    ("drift.md", "資料修訂", "Drift report"),
    ("claims.md", "數據查核", "Claims ledger (Markdown)"),
    ("claims.csv", "數據查核 CSV", "Claims ledger (CSV)"),
    ("manifest.json", "清單", "Manifest (JSON)"),
    ("report.html", "附註報告", "Annotated report"),
    (PROVENANCE_FILE, "來源紀錄", "Provenance files"),
)
# The ledger's columns a reader of the page needs, in this order (the rest are in claims.csv and claims.md, which
# the page links): the table then fits a 1440 px screen without a sideways scroll.
CLAIM_PAGE_COLUMNS = ("id", "quote", "status", "stated", "unit", "computed", "later", "detail")
ZH_CLAIM_COLUMNS = {"quote", "section"}  # copied from the report, in Chinese
SOURCES_SHOWN_OPEN = 4
HTML_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")
CSS_CLASS_WORD = re.compile(r"^[a-z][a-z_]{0,31}$")
FONT_NAME_IDS = (0, 1, 2, 3, 4, 5, 6, 13, 14)  # keep copyright and the OFL licence notice in the subset


FONT_STACK = (
    f"'{FONT_FAMILY}','Noto Sans CJK TC','Noto Sans TC','Source Han Sans TC','PingFang TC',"
    "'Microsoft JhengHei','Heiti TC',sans-serif"
)
BASE_CSS = f"""@font-face{{font-family:'{FONT_FAMILY}';src:url('{FONT_ASSET}') format('woff2');font-display:swap}}
*{{box-sizing:border-box}}
html{{-webkit-text-size-adjust:100%;text-size-adjust:100%}}
body{{margin:0;font-family:{FONT_STACK};font-size:17px;line-height:1.6;color:var(--text);background:var(--background)}}
main,header.top,footer{{max-width:62rem;margin:0 auto;padding:0 1rem}}
h1{{font-size:1.6rem;line-height:1.3;margin:1.2rem 0 .5rem}}
h2{{font-size:1.35rem;line-height:1.35;margin:2rem 0 .6rem;padding-top:.6rem;border-top:3px solid var(--text)}}
h3{{font-size:1.15rem;line-height:1.4;margin:1.6rem 0 .4rem}}
h4{{font-size:1rem;margin:1rem 0 .3rem}}
h5{{font-size:.95rem;margin:.6rem 0 .3rem}}
a{{color:var(--link)}}
a:focus-visible,input:focus-visible+label,summary:focus-visible{{outline:3px solid var(--link);outline-offset:2px}}
p,li,dd,dt,pre,code,h1,h2,h3,h4,h5{{overflow-wrap:anywhere}}
.muted{{color:var(--muted)}}
.nw{{white-space:nowrap}}
.small{{font-size:.9rem}}
img{{max-width:100%;height:auto;border:1px solid var(--border);display:block}}
figure{{margin:.6rem 0 1rem}}
figcaption{{font-size:.9rem;color:var(--muted)}}
.item{{border-top:1px solid var(--rule);margin-top:1.5rem}}
.edition{{margin:.8rem 0 1.2rem;padding:.2rem 0 .2rem .9rem;border-left:4px solid var(--border)}}
.meta{{margin:.2rem 0;font-size:.9rem}}
.meta dt{{font-weight:bold;display:inline}}
.meta dd{{display:inline;margin:0 .8rem 0 .3rem}}
.warnings{{background:var(--warning-background);border:1px solid var(--warning-border);color:var(--text);
padding:.4rem .8rem;list-style:none}}
.badge{{display:inline-block;border-radius:.3rem;padding:0 .45rem;font-size:.85rem;font-weight:bold;white-space:nowrap}}
.table-wrap{{overflow-x:auto;max-width:100%;margin:.4rem 0}}
table{{border-collapse:collapse;font-size:.9rem}}
th,td{{border:1px solid var(--border);padding:.25rem .5rem;vertical-align:top;text-align:left;overflow-wrap:normal}}
.table-block td,.table-block th{{min-width:4.5em}}
th{{background:var(--head-background)}}
td.num,th.num{{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}}
tr.total td{{font-weight:bold;border-top:2px solid var(--text)}}
.toc-summary td,.toc-summary th{{text-align:right}}
.toc-summary th:first-child,.toc-summary td:first-child{{text-align:left}}
ol.toc{{padding-left:0;list-style:none}}
ol.toc li{{margin:.3rem 0}}
ul.links{{list-style:none;padding:0;display:flex;flex-wrap:wrap;gap:.3rem 1.2rem}}
.switch{{display:flex;flex-wrap:wrap;gap:.4rem;align-items:center;margin:.6rem 0}}
.switch label,.filter label{{border:1px solid var(--muted);border-radius:.3rem;padding:.15rem .6rem;cursor:pointer;
background:var(--background)}}
.visually-hidden{{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}}
summary{{cursor:pointer;font-size:.9rem;margin:.3rem 0}}
@media (min-width:1200px){{main,header.top,footer{{max-width:96rem}}
.editions{{display:grid;grid-template-columns:repeat(2,minmax(0,1fr));gap:0 1.5rem;align-items:start}}}}
pre{{white-space:pre-wrap;background:var(--code-background);border:1px solid var(--border);padding:.6rem;font-size:.85rem}}
"""
LANG_SWITCH_CSS = """#lang-zh:checked~main .l-en,#lang-zh:checked~header .l-en{display:none}
#lang-en:checked~main .l-zh,#lang-en:checked~header .l-zh{display:none}
#lang-both:checked~header label[for=lang-both],#lang-zh:checked~header label[for=lang-zh],
#lang-en:checked~header label[for=lang-en]{background:var(--text);color:var(--background)}
"""
CLAIMS_CSS = """.claims td{min-width:5rem;overflow-wrap:anywhere}
.claims td[data-label=quote],.claims td[data-label=note]{min-width:18rem}
.claims td[data-label=detail]{min-width:14rem}
.claims td[data-label=status]{white-space:nowrap}
.filter label{display:inline-block;margin:.2rem .4rem .2rem 0}
.filter input:checked+label{background:var(--text);color:var(--background)}
@media (max-width:700px){
table.cards,.cards thead,.cards tbody,.cards tr,.cards td{display:block}
.cards thead{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0)}
.cards tr{border:1px solid var(--rule);margin:.6rem 0}
.cards td[data-label]{min-width:0}
.cards td:empty{display:none}
.cards td{border:0;border-top:1px solid var(--light-rule)}
.cards td::before{content:attr(data-label) ": ";font-weight:bold}
}
"""


class PageError(ValueError):
    """The manifest or an item's table cannot be shown as it is; the message says where and why."""


def esc(value: object) -> str:
    return html_text(value)


def external_link(url: object, text_html: str) -> str:
    """A link for http(s) URLs; any other URL is shown as escaped text, never as a link."""
    href = safe_url(url)
    if href:
        return f'<a href="{esc(href)}" rel="noreferrer">{text_html}</a>'
    if url:
        return f'{text_html} <span class="muted small">(not linked: <code>{esc(url)}</code>)</span>'
    return text_html


def local_href(path: str, figures_dir_name: str, where: str) -> str:
    """A manifest path (relative to the project root, e.g. figures/report/fig01/fig01_zh.png) as a link
    relative to the page; anything that could leave figures/ is refused."""
    pure = PurePosixPath(path)
    if pure.is_absolute() or ".." in pure.parts or "\\" in path or not pure.parts or pure.parts[0] != figures_dir_name:
        raise PageError(f"manifest: {where}: path {path!r} must lie under {figures_dir_name}/ (no '..', no absolute path)")
    return quote(PurePosixPath(*pure.parts[1:]).as_posix(), safe="/")


def html_id(value: str, where: str) -> str:
    if not isinstance(value, str) or not HTML_ID.match(value):
        raise PageError(f"manifest: {where}: id {value!r} must match {HTML_ID.pattern}")
    return value


def css_word(value: object) -> str:
    text = str(value)
    return text if CSS_CLASS_WORD.match(text) else "other"


def lang_span(lang: str, text: str, tag: str = "span", extra_class: str = "") -> str:
    classes = f"l-{lang} {extra_class}".strip()
    return f'<{tag} lang="{LANG_TAGS[lang]}" class="{classes}">{esc(text)}</{tag}>'


def bilingual(zh: str, en: str, tag: str = "span", sep: str = " ") -> str:
    return lang_span("zh", zh, tag) + sep + lang_span("en", en, tag)


def label(key: str, tag: str = "span") -> str:
    """One of the pages' own words (techgap.vocabulary.LABELS) in both languages; the switch shows the reader's."""
    words = LABELS[key]
    return bilingual(words.zh, words.en, tag)


def dates_unbroken(text_html: str) -> str:
    """Dates (2026-11-28, 2024-08) in escaped text kept on one line: a hyphen is a place a line may break."""
    return DATE.sub(lambda m: f'<span class="nw">{m.group(0)}</span>', text_html)


DATE = re.compile(r"(?<![\w-])\d{4}-\d{2}(?:-\d{2})?(?![\w-])")


def badge_html(status: object, terms: dict[str, Term], prefix: str) -> str:
    """A status or verdict as symbol and word in both languages (colour is never the only signal); an unknown one
    as itself."""
    term = terms.get(str(status))
    if term is None:
        return f'<span class="badge {prefix}-other"><span lang="en">{esc(status)}</span></span>'
    return (
        f'<span class="badge {prefix}-{css_word(status)}"><span aria-hidden="true">{esc(term.symbol)}</span> '
        f"{bilingual(term.zh, term.en)}</span>"
    )


CSS_VARIABLE = re.compile(r"var\(--([a-z][a-z0-9-]*)\)")


def css_variables(plotting: Plotting, stylesheet: str, *, every_colour: bool = False) -> str:
    """`:root{--text:...;...}`: config/plotting.yaml's page colours as CSS custom properties, for ``stylesheet``, which
    uses them as var(--text) and never a colour of its own. The names are the stylesheet's: one it uses that `page:`
    lacks is refused, naming the key. ``every_colour``: the stylesheet is the pages' whole one (index, provenance and
    review pages), so a colour it does not use is no page's (a typo, or left over) and is refused too."""
    from techgap.errors import InputError

    defined = {name.replace("_", "-"): name for name in plotting.page}
    used = set(CSS_VARIABLE.findall(stylesheet))
    missing = sorted(used - set(defined))
    if missing:
        raise InputError(
            PLOTTING_FILE,
            f"the pages' stylesheet uses var(--{missing[0]}), which has no colour",
            field=f"page.{missing[0].replace('-', '_')}",
            expected="a #rrggbb colour under page: for every var(--name) of the pages' stylesheets",
        )
    unused = sorted(set(defined) - used) if every_colour else []
    if unused:
        raise InputError(
            PLOTTING_FILE,
            f"page colour {defined[unused[0]]} is used by no page: the stylesheets have no var(--{unused[0]})",
            field=f"page.{defined[unused[0]]}",
            expected="only the colours the pages' stylesheets use: " + ", ".join(sorted(n.replace("-", "_") for n in used)),
        )
    return ":root{" + ";".join(f"--{name}:{plotting.page[key]}" for name, key in defined.items()) + "}\n"


def badge_css(plotting: Plotting) -> str:
    """The badges' colours (config/plotting.yaml), and the row marks of the claims table."""
    rules = []
    for prefix, badges in (("s", plotting.statuses), ("c", plotting.verdicts)):
        rules += [f".{prefix}-{name}{{color:{b.text};background:{b.background}}}" for name, b in badges.items()]
        rules.append(f".{prefix}-other{{color:var(--text);background:var(--light-rule)}}")
    rules += [f".claims tr.r-{name} td:first-child{{border-left:6px solid {b.text}}}" for name, b in plotting.verdicts.items()]
    return "\n".join(rules) + "\n"


NUMBER = re.compile(r"^-?\d+(?:\.\d+)?$")


def format_value(value: object) -> str:
    """A cell as a reader sees it: a decimal to 6 significant digits (the CSV keeps every digit), a minus sign."""
    if value is None:
        return ""
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        value = f"{value:.10g}"
    text = str(value)
    if not NUMBER.match(text):  # text (a quote stays as the report prints it)
        return text
    if "." in text:
        shown = f"{float(text):.6g}"
        text = shown if "e" not in shown else text
    return minus_sign(text)


def period_span(periods: Iterable[object]) -> str:
    """'2010–2015, 2017, 2019–2022' for years; other periods (2023Q3, 2019-2021) listed as they are."""
    values = [str(p) for p in periods]
    if not values or not all(v.isdigit() for v in values):
        return ", ".join(values)
    years = sorted({int(v) for v in values})
    runs: list[list[int]] = []
    for year in years:
        if runs and year == runs[-1][-1] + 1:
            runs[-1].append(year)
        else:
            runs.append([year])
    return ", ".join(str(r[0]) if len(r) == 1 else f"{r[0]}–{r[-1]}" for r in runs)


def png_size(path: Path) -> tuple[int, int] | None:
    """Width and height from a PNG's header, so the page reserves the image's space before it loads."""
    with open(path, "rb") as handle:
        head = handle.read(24)
    if len(head) < 24 or head[:8] != b"\x89PNG\r\n\x1a\n":
        return None
    return struct.unpack(">II", head[16:24])


# --- Markdown pipe tables (as techgap.render.tables.to_markdown writes them) ---------------------------

NUMBER = re.compile(r"^[+\-−–]?(\d{1,3}(,\d{3})+|\d+)(\.\d+)?\s*%?$")
BLANK_CELLS = {"", "—", "–", "-", "n/a", "…", "..", "NA"}
SEPARATOR = re.compile(r"^\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?$")
BOLD = re.compile(r"\*\*(.+?)\*\*")


def split_row(line: str) -> list[str]:
    inner = line.strip()
    inner = inner[1:] if inner.startswith("|") else inner
    inner = inner[:-1] if inner.endswith("|") and not inner.endswith("\\|") else inner
    return [cell.strip().replace("\\|", "|") for cell in re.split(r"(?<!\\)\|", inner)]


def inline_markdown(text: str) -> str:
    return BOLD.sub(r"<strong>\1</strong>", esc(text))


def numeric_columns(rows: list[list[str]], width: int) -> set[int]:
    numeric = set()
    for col in range(width):
        cells = [BOLD.sub(r"\1", row[col]) for row in rows]
        filled = [c for c in cells if c not in BLANK_CELLS]
        if filled and all(NUMBER.match(c) for c in filled):
            numeric.add(col)
    return numeric


def table_html(header: list[str], rows: list[list[str]], label: str) -> str:
    numeric = numeric_columns(rows, len(header))

    def cls(col: int) -> str:
        return ' class="num"' if col in numeric else ""

    parts = [
        f'<div class="table-wrap" role="region" tabindex="0" aria-label="{esc(label)}"><table>',
        "<thead><tr>"
        + "".join(f'<th scope="col"{cls(i)}>{inline_markdown(h)}</th>' for i, h in enumerate(header))
        + "</tr></thead><tbody>",
    ]
    for row in rows:
        total = ' class="total"' if row and row[0].startswith("**") else ""
        parts.append(f"<tr{total}>" + "".join(f"<td{cls(i)}>{inline_markdown(c)}</td>" for i, c in enumerate(row)) + "</tr>")
    parts.append("</tbody></table></div>")
    return "".join(parts)


def markdown_to_html(text: str, source: str) -> str:
    """The item's Markdown (a heading, paragraphs, one or more pipe tables) as HTML. A row whose cell count
    differs from its header is an error naming the file and line."""
    lines = text.splitlines()
    out: list[str] = []
    heading = ""
    i = 0
    while i < len(lines):
        line = lines[i].strip()
        if not line:
            i += 1
        elif line.startswith("#"):
            heading = line.lstrip("#").strip()
            out.append(f"<h5>{inline_markdown(heading)}</h5>")
            i += 1
        elif line.startswith("|") and i + 1 < len(lines) and SEPARATOR.match(lines[i + 1].strip()):
            header = split_row(line)
            rows: list[list[str]] = []
            i += 2
            while i < len(lines) and lines[i].strip().startswith("|"):
                row = split_row(lines[i])
                if len(row) != len(header):
                    raise PageError(
                        f"{source}, line {i + 1}: table row has {len(row)} cells, expected {len(header)} as in the header"
                    )
                rows.append(row)
                i += 1
            out.append(table_html(header, rows, heading or source))
        else:
            paragraph = []
            while i < len(lines) and lines[i].strip() and not lines[i].strip().startswith(("|", "#")):
                paragraph.append(lines[i].strip())
                i += 1
            out.append(f'<p class="small">{inline_markdown(" ".join(paragraph))}</p>')
    return "\n".join(out)


# --- one item --------------------------------------------------------------------------------------------


class PageContext:
    """What every part of the page needs: where files are, and which provenance files can be linked."""

    def __init__(self, figures_dir: Path, provenance: dict[str, str]):
        self.figures_dir = figures_dir
        self.anchors = provenance_anchors(provenance)

    def href(self, path: str, where: str) -> str:
        return local_href(path, self.figures_dir.name, where)

    def read_markdown(self, path: str, where: str) -> str:
        self.href(path, where)  # refuses paths outside figures/
        target = self.figures_dir.parent / path
        if not target.is_file():
            raise PageError(f"manifest: {where}: table file {path} does not exist")
        return markdown_to_html(target.read_text(encoding="utf-8"), path)


def provenance_anchors(provenance: dict[str, str]) -> dict[str, str]:
    anchors: dict[str, str] = {}
    for path in sorted(provenance):
        anchor = "p-" + re.sub(r"[^A-Za-z0-9_-]", "-", path)
        if anchor in anchors.values():
            raise PageError(f"provenance: two files map to the same anchor {anchor}: rename one")
        anchors[path] = anchor
    return anchors


def files_by_suffix(files: list[str]) -> dict[str, str]:
    return {PurePosixPath(f).suffix.lstrip("."): f for f in files}


def image_html(ctx: PageContext, png: str, alt: str, where: str) -> str:
    href = ctx.href(png, where)
    target = ctx.figures_dir.parent / png
    size = png_size(target) if target.is_file() else None
    dims = f' width="{size[0]}" height="{size[1]}"' if size else ""
    return f'<a href="{esc(href)}"><img src="{esc(href)}" alt="{esc(alt)}"{dims} loading="lazy"></a>'


def language_block(ctx: PageContext, item: dict[str, Any], edition: dict[str, Any], lang: str, where: str) -> str:
    files = files_by_suffix(edition.get("files", {}).get(lang, []))
    if not files:
        return ""
    title = ((edition.get("texts") or {}).get("title") or item["title"])[lang]  # the edition's own (latest_title)
    alt = (edition.get("alt") or {}).get(lang) or title
    links = [
        f'<a href="{esc(ctx.href(files[s], where))}">{s.upper() if s != "md" else "Markdown"}</a>'
        for s in ("png", "svg", "md")
        if s in files
    ]
    tag = LANG_TAGS[lang]
    if item["kind"] == "table" and "md" in files:
        body = ctx.read_markdown(files["md"], where)
        label = "表格圖檔" if lang == "zh" else "Table as image"
        return f'<div lang="{tag}" class="l-{lang} table-block">{body}<p class="small">{label}: {" · ".join(links)}</p></div>'
    image = image_html(ctx, files["png"], alt, where) if "png" in files else ""
    return f'<figure lang="{tag}" class="l-{lang}">{image}<figcaption>{esc(title)} — {" · ".join(links)}</figcaption></figure>'


def sources_html(ctx: PageContext, sources: list[dict[str, Any]]) -> str:
    if not sources:
        return ""
    parts = ['<ul class="sources small">']
    for src in sources:
        title = external_link(src.get("url"), esc(src.get("title") or src.get("source")))
        facts = [esc(src.get("publisher") or "")]
        for key in ("published", "retrieved", "vintage"):
            if src.get(key):
                facts.append(f'{label(key)} <span class="nw">{esc(src[key])}</span>')
        prov = src.get("provenance")
        if prov in ctx.anchors:
            facts.append(f'<a href="{PROVENANCE_FILE}#{ctx.anchors[prov]}">{label("provenance")}</a>')
        elif prov:
            facts.append(f"provenance {esc(prov)} (not included)")
        doc = f' <span class="muted">[{esc(src["document"])}]</span>' if src.get("document") else ""
        parts.append(f'<li lang="en">{title}{doc} — {"; ".join(f for f in facts if f)}</li>')
    parts.append("</ul>")
    if len(sources) > SOURCES_SHOWN_OPEN:  # a long list of documents would bury the next item
        zh = f"{LABELS['sources'].zh}（{len(sources)} {LABELS['documents'].zh}）"
        words = bilingual(zh, f"{LABELS['sources'].en} ({len(sources)} {LABELS['documents'].en})")
        return f"<details><summary>{words}</summary>{''.join(parts)}</details>"
    return "".join(parts)


def latest_changes_html(edition: dict[str, Any]) -> str:
    """What the latest edition adds to the report's: nothing (say so), new periods, revised values."""
    if edition.get("same_as_report"):
        return f'<p class="meta">{label("same_as_report")}</p>'
    parts = []
    added = edition.get("added_periods") or []
    if added:
        parts.append(f'<p class="meta">{label("added_periods")} {esc(period_span(added))}</p>')
    revised = edition.get("revised") or []
    if revised:
        rows = "".join(
            f"<tr><td>{named(r.get('names'), r.get('entity'))}</td><td>{named(r.get('label'), r.get('indicator'))}</td>"
            f"<td>{esc(r.get('period'))}</td>"
            f'<td class="num">{esc(format_value(r.get("report")))}</td>'
            f'<td class="num">{esc(format_value(r.get("latest")))}</td></tr>'
            for r in revised
        )
        head = "".join(f'<th scope="col">{label(key)}</th>' for key in ("entity", "indicator", "period"))
        head += "".join(f'<th scope="col" class="num">{label(key)}</th>' for key in ("report", "latest"))
        parts.append(
            f'<p class="meta">{label("revised_values")} ({len(revised)}):</p>'
            '<div class="table-wrap" role="region" tabindex="0" aria-label="Revised values"><table>'
            f"<thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table></div>"
        )
    if not parts:
        parts.append(f'<p class="meta">{label("differs")}</p>')
    return "".join(parts)


def named(names: object, code: object) -> str:
    """An entity's or indicator's name in both languages where the build recorded one, else its code."""
    if isinstance(names, dict) and names.get("zh") and names.get("en"):
        return bilingual(str(names["zh"]), str(names["en"]))
    return esc(code)


EDITION_NAMES = {"report": ("報告版", "Report edition"), "latest": ("最新版", "Latest edition")}


def edition_html(
    ctx: PageContext, item: dict[str, Any], name: str, edition: dict[str, Any], report: dict[str, Any] | None = None
) -> str:
    where = f"item {item['id']}, edition {name}"
    zh, en = EDITION_NAMES.get(name, (name, name))
    parts = [
        f'<div class="edition" id="{esc(item["id"])}-{esc(css_word(name))}">',
        f"<h4>{bilingual(zh, en)} {badge_html(edition.get('status'), STATUSES, 's')}</h4>",
    ]
    if edition.get("reason"):
        parts.append(f'<p lang="en">{esc(edition["reason"])}</p>')
    if name == "latest":
        parts.append(latest_changes_html(edition))
    meta = []
    if edition.get("periods"):
        meta.append(f"<dt>{label('periods')}</dt><dd>{esc(period_span(edition['periods']))}</dd>")
    if edition.get("vintages"):
        vintages = ", ".join(f'{esc(k)} <span class="nw">{esc(v)}</span>' for k, v in sorted(edition["vintages"].items()))
        meta.append(f"<dt>{label('vintages')}</dt><dd>{vintages}</dd>")
    if edition.get("data"):
        meta.append(f'<dt>{label("data")}</dt><dd><a href="{esc(ctx.href(edition["data"], where))}">CSV</a></dd>')
    if meta:
        parts.append(f'<dl class="meta">{"".join(meta)}</dl>')
    if edition.get("warnings"):
        parts.append('<ul class="warnings" lang="en">' + "".join(f"<li>⚠ {esc(w)}</li>" for w in edition["warnings"]) + "</ul>")
    if not (name == "latest" and edition.get("same_as_report")):
        parts += [language_block(ctx, item, edition, lang, where) for lang in LANGS]
    if report is not None and edition is not report and edition.get("sources") == report.get("sources"):
        parts.append(f'<p class="meta">{label("sources_as_report")}</p>')
    else:
        parts.append(sources_html(ctx, edition.get("sources") or []))
    parts.append("</div>")
    return "\n".join(p for p in parts if p)


def item_editions(item: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    editions = item.get("editions") or {}
    order = [e for e in EDITIONS if e in editions] + sorted(e for e in editions if e not in EDITIONS)
    return [(name, editions[name]) for name in order]


def is_analysis(item: dict[str, Any]) -> bool:
    return any(e.get("status") == "analysis" for _, e in item_editions(item))


def item_html(ctx: PageContext, item: dict[str, Any]) -> str:
    item_id = html_id(item.get("id", ""), "item")
    parts = [
        f'<section class="item" id="{item_id}">',
        f'<h3><span class="muted">{esc(item_id)}</span> {bilingual(item["title"]["zh"], item["title"]["en"], sep="<br>")}</h3>',
    ]
    report = (item.get("editions") or {}).get("report")
    # side by side on a wide screen (CSS), one after the other on a narrow one
    parts.append('<div class="editions">')
    parts += [edition_html(ctx, item, name, edition, report) for name, edition in item_editions(item)]
    parts.append("</div>")
    parts.append(f'<p class="small"><a href="#contents">{bilingual("回到目錄", "Back to contents")}</a></p>')
    parts.append("</section>")
    return "\n".join(parts)


# --- the whole page ----------------------------------------------------------------------------------------


def status_counts(items: list[dict[str, Any]]) -> dict[str, Counter]:
    counts: dict[str, Counter] = {}
    for item in items:
        for name, edition in item_editions(item):
            counts.setdefault(name, Counter())[str(edition.get("status"))] += 1
    return counts


def summary_html(items: list[dict[str, Any]]) -> str:
    counts = status_counts(items)
    editions = [e for e in EDITIONS if e in counts] + sorted(e for e in counts if e not in EDITIONS)
    statuses = [s for s in STATUSES if any(counts[e][s] for e in editions)]
    statuses += sorted({s for e in editions for s in counts[e]} - set(statuses))
    head = "".join(f'<th scope="col">{bilingual(*EDITION_NAMES.get(e, (e, e)))}</th>' for e in editions)
    rows = []
    for status in statuses:
        cells = "".join(f'<td data-edition="{esc(e)}" data-status="{esc(status)}">{counts[e][status]}</td>' for e in editions)
        rows.append(f'<tr><th scope="row">{badge_html(status, STATUSES, "s")}</th>{cells}</tr>')
    warnings = sum(len(e.get("warnings") or []) for item in items for _, e in item_editions(item))
    return (
        f'<div class="table-wrap"><table class="toc-summary"><thead><tr><th scope="col">{bilingual("狀態", "Status")}</th>'
        f"{head}</tr></thead><tbody>{''.join(rows)}</tbody></table></div>"
        f'<p class="small">{label("build_warnings")} <span data-warnings>{warnings}</span></p>'
    )


def chapter_key(item: dict[str, Any]) -> str | None:
    chapter = item.get("chapter")
    return chapter.get("key") if chapter else None


def toc_entry(item: dict[str, Any]) -> str:
    badges = []
    for name, edition in item_editions(item):
        extra = ""
        if name == "latest" and edition.get("same_as_report") is False:
            extra = f' <span class="small">{label("updated")}</span>'
        badge = badge_html(edition.get("status"), STATUSES, "s")
        words = LABELS.get(name)
        edition_name = bilingual(f"{words.zh}：", f"{words.en}:") if words else esc(f"{name}:")
        # the "updated" mark may wrap: in both languages the whole run is wider than a phone
        badges.append(f'<span class="nw"><span class="small">{edition_name}</span> {badge}</span>{extra}')
    return (
        f'<li><a href="#{esc(item["id"])}">{lang_span("zh", item["title"]["zh"])} '
        f"{lang_span('en', item['title']['en'])}</a><br>{' '.join(badges)}</li>"
    )


def toc_html(report_items: list[dict[str, Any]], analysis_items: list[dict[str, Any]], has_claims: bool) -> str:
    parts = [
        '<nav aria-label="Contents" id="contents">',
        f"<h2>{bilingual('目錄', 'Contents')}</h2>",
        summary_html(report_items + analysis_items),
        '<ol class="toc">',
    ]
    current = None
    for item in report_items:
        if chapter_key(item) != current and item.get("chapter"):
            current = chapter_key(item)
            chapter = bilingual(item["chapter"]["zh"], item["chapter"]["en"])
            parts.append(f'<li class="chapter-entry"><strong>{chapter}</strong></li>')
        parts.append(toc_entry(item))
    parts.append("</ol>")
    if analysis_items:
        parts.append(
            f'<p><a href="#analysis">{bilingual("techgap 自行分析", "techgap analysis (beyond the report)")}</a></p>'
            '<ol class="toc">' + "".join(toc_entry(i) for i in analysis_items) + "</ol>"
        )
    if has_claims:
        parts.append(f'<p><a href="#claims">{bilingual("數據查核", "Claims ledger")}</a></p>')
    parts.append("</nav>")
    return "\n".join(parts)


def items_html(ctx: PageContext, items: list[dict[str, Any]]) -> str:
    parts = []
    current = None
    for item in items:
        if item.get("chapter") and chapter_key(item) != current:
            current = chapter_key(item)
            chapter_id = "ch-" + re.sub(r"[^A-Za-z0-9_-]", "-", str(current))
            parts.append(f'<h2 id="{esc(chapter_id)}">{bilingual(item["chapter"]["zh"], item["chapter"]["en"], sep="<br>")}</h2>')
        parts.append(item_html(ctx, item))
    return "\n".join(parts)


def claims_html(claims: pd.DataFrame) -> tuple[str, str]:
    """The ledger as a table (status as colour, symbol and word) with a CSS-only status filter; returns
    (css, html)."""
    columns = [c for c in CLAIM_PAGE_COLUMNS if c in claims.columns]
    statuses = list(VERDICTS) + sorted({str(s) for s in claims.get("status", [])} - set(VERDICTS))
    counts = Counter(str(s) for s in claims.get("status", []))
    filters = [
        '<input type="radio" name="claim-filter" id="cf-all" class="visually-hidden" checked>'
        f'<label for="cf-all">{label("all")} ({len(claims)})</label>'
    ]
    filter_css = []
    for status in statuses:
        word = css_word(status)
        if status not in VERDICTS or not counts[status]:
            continue
        term = VERDICTS[status]
        filters.append(
            f'<input type="radio" name="claim-filter" id="cf-{word}" class="visually-hidden">'
            f'<label for="cf-{word}">{esc(term.symbol)} {bilingual(term.zh, term.en)} ({counts[status]})</label>'
        )
        filter_css.append(f"#cf-{word}:checked~.table-wrap tbody tr:not(.r-{word}){{display:none}}")
    header = "".join(f'<th scope="col">{esc(c)}</th>' for c in columns)
    rows = []
    for record in claims.to_dict(orient="records"):
        status = str(record.get("status", ""))
        cells = []
        for column in columns:
            value = record[column]
            if column == "status":
                content = badge_html(status, VERDICTS, "c")
            else:
                content = esc(format_value(value))
            lang = ' lang="zh-Hant"' if column in ZH_CLAIM_COLUMNS else ""
            cells.append(f'<td data-label="{esc(column)}"{lang}>{content}</td>')
        row_class = f"r-{css_word(status)}"
        rows.append(f'<tr class="{row_class}">{"".join(cells)}</tr>')
    return "\n".join(filter_css) + "\n", "\n".join(
        [
            f'<section id="claims" class="claims"><h2>{bilingual("數據查核", "Claims ledger")}</h2>',
            '<p lang="zh-Hant" class="l-zh">報告中每一則數字陳述皆與資料核對：報告所述與計算所得並列，附說明（所有欄位：'
            '<a href="claims.csv">claims.csv</a>、<a href="claims.md">claims.md</a>）。</p>'
            '<p lang="en" class="l-en">Every numeric statement of the report checked against the data: '
            'stated vs computed, with the detail (every column: <a href="claims.csv">claims.csv</a>, '
            '<a href="claims.md">claims.md</a>).</p>',
            # closed at first: the ledger's rows would make the page longer than every figure together
            "<details><summary>"
            + bilingual(
                f"顯示 {len(claims)} 則陳述，可依查核結果篩選", f"Show the {len(claims)} statements, with a filter by verdict"
            )
            + "</summary>",
            '<div class="filter" role="group" aria-label="Filter claims by status">' + "".join(filters),
            '<div class="table-wrap" role="region" tabindex="0" aria-label="Claims ledger">',
            f'<table class="cards"><thead><tr>{header}</tr></thead><tbody>',  # one card per row on a phone
            "\n".join(rows),
            "</tbody></table></div></div></details></section>",
        ]
    )


def head_html(title: str, plotting: Plotting, extra_css: str = "") -> str:
    badges = badge_css(plotting)
    colours = css_variables(plotting, BASE_CSS + LANG_SWITCH_CSS + CLAIMS_CSS + badges + extra_css, every_colour=True)
    css = BASE_CSS + LANG_SWITCH_CSS + CLAIMS_CSS + colours + badges + extra_css
    return "\n".join(
        [
            "<!DOCTYPE html>",
            '<html lang="en"><head><meta charset="utf-8">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            # No script may run, whatever a provenance file or a label holds; images and the font from files only.
            "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; img-src 'self' file:; "
            "font-src 'self' file:; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'\">",
            '<meta name="referrer" content="no-referrer">',
            f"<title>{esc(title)}</title>",
            f"<style>{css}</style>",
            "</head>",
        ]
    )


def render_index(
    figures_dir: Path, manifest: dict[str, Any], claims: pd.DataFrame | None, provenance: dict[str, str], plotting: Plotting
) -> str:
    ctx = PageContext(figures_dir, provenance)
    items = manifest.get("items", [])
    report_items = [i for i in items if not is_analysis(i)]
    analysis_items = [i for i in items if is_analysis(i)]
    links = " ".join(f'<li><a href="{esc(href)}">{bilingual(zh, en)}</a></li>' for href, zh, en in TOP_LINKS)
    claims_css, claims_body = claims_html(claims) if claims is not None else ("", "")
    parts = [
        head_html("techgap — 中國推動技術自主之現況與影響: figures and tables", plotting, claims_css),
        "<body>",
        # one language at a time (English first; the switch shows Chinese or both), so the page stays short
        '<input type="radio" name="lang" id="lang-both" class="visually-hidden">',
        '<input type="radio" name="lang" id="lang-zh" class="visually-hidden">',
        '<input type="radio" name="lang" id="lang-en" class="visually-hidden" checked>',
        '<header class="top">',
        '<h1><span lang="zh-Hant">中國推動技術自主之現況與影響</span><br><span lang="en">China\'s push for '
        "technological self-reliance: figures and tables regenerated</span></h1>",
        '<p lang="zh-Hant" class="l-zh">報告（國家發展委員會，2023）的每一張圖表，依報告順序，以有出處、有版本的資料重新製作：'
        "<strong>報告版</strong>使用與報告相符的資料版本，<strong>最新版</strong>使用最新資料，各附狀態、來源與資料。</p>",
        '<p lang="en" class="l-en">Every item of the report (National Development Council, Taiwan, 2023) in report order, '
        "regenerated from cited, versioned data: the <strong>report edition</strong> on the vintages that match the "
        "report, and the <strong>latest edition</strong> on the newest data, each with its status, sources and data.</p>",
        f'<p lang="zh-Hant" class="l-zh small">引用方式：techgap {esc(__version__)}（專案中的 <code>CITATION.cff</code>），'
        "並註明所用版本（報告版或最新版；各圖表列有其資料版本）；這些產出每次經接受的變更皆記於 <code>CHANGELOG.md</code>。</p>",
        f'<p lang="en" class="l-en small">How to cite: techgap {esc(__version__)} (<code>CITATION.cff</code> in the project), '
        "naming the edition you used (report or latest; each item lists its vintages); every accepted change of "
        "these outputs is recorded in <code>CHANGELOG.md</code>.</p>",
        f'<div class="switch" role="group" aria-label="Language">{label("language")}'
        '<label for="lang-both"><span lang="zh-Hant">中文</span> + <span lang="en">English</span></label>'
        '<label for="lang-zh" lang="zh-Hant">中文</label><label for="lang-en" lang="en">English</label></div>',
        f'<ul class="links">{links}</ul>',
        "</header>",
        "<main>",
        toc_html(report_items, analysis_items, claims is not None),
        items_html(ctx, report_items),
    ]
    if analysis_items:
        parts += [
            f'<h2 id="analysis">{bilingual("techgap 自行分析", "techgap analysis (beyond the report)")}</h2>',
            bilingual(
                "報告未含：techgap 以相同資料所作之分析。", "Not in the report: techgap's own analysis of the same data.", tag="p"
            ),
            "\n".join(item_html(ctx, i) for i in analysis_items),
        ]
    if claims is not None:
        parts.append(claims_body)
    else:
        parts.append('<section id="claims"><h2>Claims ledger</h2><p lang="en">The claims ledger was not built.</p></section>')
    parts += ["</main>", "</body></html>"]
    return "\n".join(parts) + "\n"


def render_provenance(provenance: dict[str, str], plotting: Plotting, corrections: dict[str, list[str]] | None = None) -> str:
    """provenance.html: every provenance file as written; under each, the corrections recorded for it."""
    anchors = provenance_anchors(provenance)
    corrections = corrections or {}
    parts = [
        head_html("techgap — provenance files", plotting),
        "<body>",
        '<header class="top">',
        '<h1><span lang="zh-Hant">來源紀錄</span><br><span lang="en">Provenance files</span></h1>',
        '<p lang="en">Every provenance file the figures were built from, as written, so that sources, documents, '
        f'retrieval dates and checksums can be read from <code>figures/</code> alone. <a href="{PAGE_FILE}">Back to the '
        "figures</a>.</p>",
        '<ul class="small">',
    ]
    parts += [f'<li><a href="#{anchors[p]}"><code>{esc(p)}</code></a></li>' for p in sorted(provenance)]
    parts += ["</ul></header>", "<main>"]
    for path in sorted(provenance):
        parts.append(f'<section id="{anchors[path]}"><h2><code>{esc(path)}</code></h2>')
        for why in corrections.get(path, []):
            source_id = PurePosixPath(path).parts[2]
            parts.append(
                f'<p class="small">{bilingual("更正紀錄", "Corrected")} (<code>data/checksums/{esc(source_id)}.log</code>): '
                f'<span lang="en">{dates_unbroken(esc(why))}</span></p>'
            )
        parts.append(provenance_summary(provenance[path]))
        parts.append(
            f'<details><summary lang="en">The file as written</summary><pre>{esc(provenance[path])}</pre></details></section>'
        )
    parts += ["</main>", "</body></html>"]
    return "\n".join(parts) + "\n"


def provenance_summary(text: str) -> str:
    """A provenance file for reading: what it is (title, publisher with its link, retrieved, licence, method, the API
    request a refresh made), its documents as a table (who published and wrote each, where it was read), the research
    notes folded away. The file itself follows as written; a text that is not a valid provenance (the page never
    fails on a file) shows only there."""
    try:
        found = Provenance.model_validate(yaml.safe_load(text))
    except (yaml.YAMLError, ValidationError):
        return ""
    about = [
        ("title", esc(found.title)),
        ("url", external_link(found.url, esc(found.url))),
        ("publisher", esc(found.publisher)),
        ("retrieved", esc(found.retrieved)),
        ("licence", esc(found.licence)),
        ("method", esc(found.method)),
        ("locator", esc(found.locator)),
        ("sha256", esc(found.sha256)),
    ]
    if found.request is not None:
        asked = "; ".join(f"{key}={value}" for key, value in sorted(found.request.params.items()))
        about.append(("request", f"<code>{esc(asked)}</code>" if asked else "—"))
    rows = [f"<dt>{key}</dt><dd>{dates_unbroken(value)}</dd>" for key, value in about if value]
    parts = [f'<dl class="meta" lang="en">{"".join(rows)}</dl>']
    if found.documents:
        columns = ("id", "title", "publisher (author)", "published", "locator", "read at")
        head = "".join(f'<th scope="col">{c}</th>' for c in columns)
        body = []
        for document in found.documents:
            publisher = esc(document.publisher) + (f" ({esc(document.author)})" if document.author else "")
            # a copy elsewhere (a repost) is named by its host, so a reader sees at once that it is not the publisher's
            read_at = (
                external_link(document.read_from, esc(urlsplit(document.read_from).hostname or document.read_from))
                if document.read_from
                else ""
            )
            cells = [
                esc(document.id),
                external_link(document.url, dates_unbroken(esc(document.title))),
                publisher,
                dates_unbroken(esc(document.published or "")),
                dates_unbroken(esc(document.locator)),
                read_at,
            ]
            body.append(
                "<tr>" + "".join(f'<td data-label="{c}">{cell}</td>' for c, cell in zip(columns, cells, strict=True)) + "</tr>"
            )
        parts.append(  # one card per document on a phone, as the claims ledger
            f'<div class="table-wrap"><table class="cards" lang="en"><thead><tr>{head}</tr></thead>'
            f"<tbody>{''.join(body)}</tbody></table></div>"
        )
    if found.notes:
        parts.append(f'<details><summary lang="en">Research notes</summary><p lang="en">{esc(found.notes)}</p></details>')
    return "\n".join(parts)


# --- the web font -----------------------------------------------------------------------------------------


def page_characters(*pages: str) -> str:
    """Every character a reader can see on the pages (entities decoded), plus printable ASCII."""
    chars = {chr(c) for c in range(0x20, 0x7F)}
    for page in pages:
        chars |= set(html.unescape(re.sub(r"<[^>]*>", " ", page)))
        chars |= set(page)
    return "".join(sorted(c for c in chars if c.isprintable()))


def subset_font(font_file: Path, characters: str) -> bytes:
    """The font cut down to ``characters``, as WOFF2 (needs the brotli package). Same input, same bytes:
    fontTools keeps the font's own head.modified unless asked to recalculate it. Kept beside the font,
    named by a digest of everything that makes it (the font, the characters, fontTools and brotli
    versions): cutting and compressing the 16 MB face takes seconds, and the page's characters rarely
    change between builds."""
    cached = Path(font_file).with_name(f"page-subset-{_subset_key(Path(font_file), characters)}.woff2")
    if cached.exists():
        return cached.read_bytes()
    data = _cut_font(Path(font_file), characters)
    from techgap.io import write_bytes

    try:
        write_bytes(cached, data)
    except OSError:  # a font in a read-only folder: the page is still written, only not cached
        pass
    return data


def _subset_key(font_file: Path, characters: str) -> str:
    import hashlib
    from importlib.metadata import version

    digest = hashlib.sha256()
    with font_file.open("rb") as handle:
        digest.update(hashlib.file_digest(handle, "sha256").digest())
    for part in (characters, version("fonttools"), version("brotli"), repr(FONT_NAME_IDS)):
        digest.update(b"\0" + part.encode("utf-8"))
    return digest.hexdigest()[:20]


def _cut_font(font_file: Path, characters: str) -> bytes:
    from fontTools import subset

    options = subset.Options(flavor="woff2", name_IDs=list(FONT_NAME_IDS), hinting=False, recalc_timestamp=False)
    font = subset.load_font(str(font_file), options)
    subsetter = subset.Subsetter(options)
    subsetter.populate(text=characters)
    subsetter.subset(font)
    buffer = io.BytesIO()
    subset.save_font(font, buffer, options)
    return buffer.getvalue()


def provenance_paths(manifest: dict[str, Any]) -> list[str]:
    """Every provenance file the manifest cites (per edition's sources, and per source's editions)."""
    paths = {
        src["provenance"]
        for item in manifest.get("items", [])
        for _, edition in item_editions(item)
        for src in edition.get("sources") or []
        if src.get("provenance")
    }
    for source in (manifest.get("sources") or {}).values():
        recorded = source.get("provenance")
        paths |= set(recorded.values()) if isinstance(recorded, dict) else ({recorded} if recorded else set())
    return sorted(paths)


def provenance_texts(project_root: Path, manifest: dict[str, Any]) -> dict[str, str]:
    """{path: YAML text} of every provenance file the manifest cites, read from data/raw/ only."""
    texts = {}
    for path in provenance_paths(manifest):
        pure = PurePosixPath(path)
        if pure.is_absolute() or ".." in pure.parts or pure.parts[:2] != ("data", "raw") or pure.name != "provenance.yaml":
            raise PageError(f"manifest: provenance path {path!r} must be data/raw/<source>/<vintage>/provenance.yaml")
        texts[path] = (Path(project_root) / path).read_text(encoding="utf-8")
    return texts


def provenance_corrections_by_file(project_root: Path, paths: Iterable[str]) -> dict[str, list[str]]:
    """{provenance path: why it was corrected, each recorded correction} from data/checksums/<source>.log."""
    raw_dir = Path(project_root) / "data" / "raw"
    by_source: dict[str, list[tuple[str, str]]] = {}
    found = {}
    for path in paths:
        _, _, source_id, vintage, _ = PurePosixPath(path).parts  # as provenance_texts checked
        if source_id not in by_source:
            by_source[source_id] = provenance_corrections(raw_dir, source_id)
        whys = [why for corrected, why in by_source[source_id] if corrected == vintage]
        if whys:
            found[path] = whys
    return found


def write_page(
    figures_dir: Path,
    manifest: dict[str, Any],
    claims: pd.DataFrame | None,
    provenance: dict[str, str],
    plotting: Plotting,
    font_file: Path | None = None,
    corrections: dict[str, list[str]] | None = None,
    other_pages: tuple[str, ...] = (),
) -> list[Path]:
    """Write figures/index.html, figures/provenance.html and figures/assets/techgap-cjk.woff2. Both pages
    are rendered (and every item's table read) before anything is written. The font holds the characters of both
    pages and of ``other_pages`` (the annotated report, which uses the same font file)."""
    figures_dir = Path(figures_dir)
    index = render_index(figures_dir, manifest, claims, provenance, plotting)
    provenance_page = render_provenance(provenance, plotting, corrections)
    if font_file is None:
        from techgap.render.style import font_path

        font_file = font_path()
    font = subset_font(Path(font_file), page_characters(index, provenance_page, *other_pages))
    targets = [figures_dir / PAGE_FILE, figures_dir / PROVENANCE_FILE, figures_dir / FONT_ASSET]
    write_bytes(targets[2], font)
    write_text(targets[1], provenance_page)
    write_text(targets[0], index)
    return targets

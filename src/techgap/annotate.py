"""The annotated report: the report's full text in its sections, every statement of the claims ledger marked
in place by its verdict (colour and a symbol), with the computed value, the documents behind it and, where
the computation was rerun on the newest data, what the sentence would say today.

    techgap annotate    # reads figures/claims.csv and claims_checks.csv

writes figures/report.html (self-contained, no script, works opened from disk) and figures/report.md.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import pandas as pd

from techgap.config import Plotting, Project
from techgap.escaping import html_text, markdown_prose, safe_url
from techgap.numbers import minus_sign
from techgap.page import FONT_ASSET, FONT_FAMILY, FONT_STACK, css_variables
from techgap.provenance import Document, list_vintages, open_snapshot, resolve_vintage
from techgap.vocabulary import VERDICTS

REPORT_SOURCE = "ndc_report"
SYMBOLS = {verdict: term.symbol for verdict, term in VERDICTS.items()}
HEADING = re.compile(r"^(?:[壹貳參肆伍陸柒]、|[一二三四五六七八九十]+、|\([一二三四五六七八九十]+\)|（[一二三四五六七八九十]+）)")
PARAGRAPH_END = ("。", "：", ":")
SHORT_LINE = 20  # a line this short ends its paragraph (the extraction wraps full lines at ~33 characters)
# A figure's or table's caption in the report's text ("圖 7 …", "表 2 …"): the key is its printed number.
CAPTION = re.compile(r"^([圖表])\s*(\d+)(?!\d)")
# A caption is its number followed by its title: the title's first characters, then most of it (the report's caption
# may word it otherwise than the item, e.g. fig08's) — a mention in prose ("如圖 7 所示") is not one.
CAPTION_LEAD_CHARS = 2
CAPTION_SIMILARITY = 0.5
COMPARISON_WORDS = {"==": "", ">": "more than ", ">=": "at least ", "<": "less than ", "<=": "at most "}


@dataclass
class Section:
    heading: str
    level: int  # 0: front matter, 1: 壹, 2: 一、, 3: (一)
    paragraphs: list[str] = field(default_factory=list)


def heading_level(line: str) -> int:
    if re.match(r"^[壹貳參肆伍陸柒]、", line):
        return 1
    if re.match(r"^[一二三四五六七八九十]+、", line):
        return 2
    return 3


def report_text(project: Project) -> str:
    """The report's text from its raw snapshot (checksum verified), at the vintage config pins or the newest."""
    vintage = resolve_vintage(project.raw_dir, REPORT_SOURCE, project.settings.vintages)
    snapshot = open_snapshot(project.raw_dir, REPORT_SOURCE, vintage)
    return snapshot.payload_path.read_text(encoding="utf-8")


def load_report_text(project: Project) -> list[Section]:
    return split_sections(report_text(project))


def _join(left: str, right: str) -> str:
    """Join two wrapped lines: no space inside Chinese text, one space between Latin words."""
    if left and right and left[-1].isascii() and left[-1].isalnum() and right[0].isascii() and right[0].isalnum():
        return left + " " + right
    return left + right


def split_sections(text: str) -> list[Section]:
    """Headings start sections; wrapped lines are joined into paragraphs. A paragraph ends at 。 or ：, or at a
    short line (a table row, a figure label) unless the next line follows without a blank line."""
    sections = [Section("", 0)]
    current = ""
    lines = text.splitlines()
    for number, raw in enumerate(lines):
        line = raw.strip()
        if not line:
            continue
        if HEADING.match(line) and len(line) < 40:
            if current:
                sections[-1].paragraphs.append(current)
                current = ""
            sections.append(Section(line, heading_level(line)))
            continue
        current = _join(current, line)
        follows = number + 1 < len(lines) and lines[number + 1].strip() != ""
        if line.endswith(PARAGRAPH_END) or (len(line) < SHORT_LINE and not follows):
            sections[-1].paragraphs.append(current)
            current = ""
    if current:
        sections[-1].paragraphs.append(current)
    return [s for s in sections if s.heading or s.paragraphs]


def quote_pattern(quote: str) -> re.Pattern[str]:
    """The quote found whatever the whitespace (the extraction breaks lines and spaces numbers freely)."""
    chars = [re.escape(c) for c in quote if not c.isspace()]
    return re.compile(r"\s*".join(chars))


@dataclass
class Mark:
    statement: str
    section: int
    paragraph: int
    start: int
    end: int
    nested: bool = False  # overlaps an earlier mark: shown as a symbol at that mark's end


def locate(sections: list[Section], quotes: Mapping[str, str]) -> tuple[list[Mark], list[str]]:
    """Where each statement's quote is in the text: the first occurrence not already marked. Statements whose
    quote is not found are returned separately (they are listed at the end of the page)."""
    marks: list[Mark] = []
    missing: list[str] = []
    taken: dict[tuple[int, int], list[tuple[int, int]]] = {}
    for statement_id, quote in quotes.items():
        pattern = quote_pattern(quote)
        first_overlap: Mark | None = None
        placed = False
        for s_index, section in enumerate(sections):
            for p_index, paragraph in enumerate(section.paragraphs):
                for found in pattern.finditer(paragraph):
                    spans = taken.setdefault((s_index, p_index), [])
                    if any(found.start() < e and s < found.end() for s, e in spans):
                        first_overlap = first_overlap or Mark(statement_id, s_index, p_index, found.start(), found.end(), True)
                        continue
                    spans.append((found.start(), found.end()))
                    marks.append(Mark(statement_id, s_index, p_index, found.start(), found.end()))
                    placed = True
                    break
                if placed:
                    break
            if placed:
                break
        if not placed:
            if first_overlap is not None:
                marks.append(first_overlap)
            else:
                missing.append(statement_id)
    return marks, missing


def document_index(project: Project, sources: Iterable[str]) -> dict[str, Document]:
    """Every document of the given sources (newest vintage), by id."""
    out: dict[str, Document] = {}
    for source_id in sorted(set(sources)):
        if not source_id or source_id not in project.sources:
            continue
        vintage = list_vintages(project.raw_dir, source_id)[-1]
        for document in open_snapshot(project.raw_dir, source_id, vintage).provenance.documents:
            out.setdefault(document.id, document)
    return out


def _e(value: object) -> str:
    return html_text(value)


def _number(value: object) -> str:
    return "" if value is None or pd.isna(value) else minus_sign(f"{float(value):,.6g}")


def safe_link(url: str, text: str) -> str:
    """A link only to http(s) addresses a browser would follow (escaping.safe_url); anything else as text."""
    href = safe_url(url)
    if href:
        return f'<a href="{_e(href)}" rel="noopener">{_e(text)}</a>'
    return _e(text)


def check_lines(rows: pd.DataFrame) -> list[tuple[str, str]]:
    """(verdict, one sentence) per check of a statement, in words: what the report says, what the data give."""
    out = []
    for _, row in rows.iterrows():
        words = COMPARISON_WORDS.get(str(row["comparison"]), f"{row['comparison']} ")
        parts = [f"The report says {words}{stated_words(row['stated'], str(row['unit']))}"]
        if not pd.isna(row["computed"]):
            parts.append(f"the data give {_number(row['computed'])}")
        if not pd.isna(row["later"]):
            parts.append(f"a later release gives {_number(row['later'])}")
        if not pd.isna(row["today"]):
            parts.append(f"the newest data ({row['today_label']}) give {_number(row['today'])} {row['unit']}")
        sentence = "; ".join(parts) + "."
        if isinstance(row["detail"], str) and row["detail"]:
            sentence += f" {row['detail'][:1].upper()}{row['detail'][1:]}."
        out.append((str(row["status"]), f"{sentence} (check {row['id']})"))
    return out


def stated_words(stated: float, unit: str) -> str:
    """A stated number with its unit as a sentence reads it: a year as a year ('2018 (start)'), a date the ledger
    keeps as month×100+day as the report prints it ('04/16 (2018)'), anything else as value and unit."""
    if unit.startswith("year ") or unit == "year":
        return f"{stated:g}{unit[4:]}"
    if unit.startswith("month×100+day"):
        return f"{int(stated) // 100:02d}/{int(stated) % 100:02d}{unit[len('month×100+day') :]}"
    return f"{stated:g} {unit}"


def documents_of(rows: pd.DataFrame) -> list[str]:
    ids: list[str] = []
    for column in ("documents", "later_documents"):
        for value in rows[column].fillna(""):
            ids += [d for d in str(value).split(";") if d and d not in ids]
    return ids


def note_html(statement: pd.Series, rows: pd.DataFrame, documents: Mapping[str, Document]) -> str:
    verdict = statement["status"]
    items = [
        f'<li id="n-{_e(statement["id"])}" class="v-{_e(verdict)}"><span class="sym" aria-hidden="true">'
        f"{SYMBOLS[verdict]}</span> <b>{_e(VERDICTS[verdict].en)}</b> "
        f'<a href="#s-{_e(statement["id"])}">{_e(statement["id"])}</a>'
        f' <span lang="zh-Hant">「{_e(statement["quote"])}」</span><ul lang="en">'
    ]
    for status, line in check_lines(rows):
        items.append(f'<li class="v-{_e(status)}"><span class="sym" aria-hidden="true">{SYMBOLS[status]}</span> {_e(line)}</li>')
    for document_id in documents_of(rows):
        document = documents.get(document_id)
        if document is None:
            items.append(f"<li>document {_e(document_id)}</li>")
            continue
        items.append(
            f"<li>document: {safe_link(document.url, document.title)} ({_e(document.publisher)}"
            f"{', ' + _e(document.published) if document.published else ''}) — {_e(document.locator)}</li>"
        )
    items.append("</ul></li>")
    return "".join(items)


def paragraph_html(text: str, marks: list[Mark], verdicts: Mapping[str, str]) -> str:
    out, cursor = [], 0
    inline = sorted((m for m in marks if not m.nested), key=lambda m: m.start)
    nested = [m for m in marks if m.nested]
    for mark in inline:
        out.append(_e(text[cursor : mark.start]))
        verdict = verdicts[mark.statement]
        extra = "".join(
            f'<a class="sym v-{_e(verdicts[n.statement])}" href="#n-{_e(n.statement)}" id="s-{_e(n.statement)}" '
            f'title="{_e(n.statement)}: {_e(VERDICTS[verdicts[n.statement]].en)}">{SYMBOLS[verdicts[n.statement]]}</a>'
            for n in nested
            if mark.start < n.end and n.start < mark.end
        )
        out.append(
            f'<mark class="v-{_e(verdict)}" id="s-{_e(mark.statement)}"><a href="#n-{_e(mark.statement)}" '
            f'title="{_e(mark.statement)}: {_e(VERDICTS[verdict].en)}">{_e(text[mark.start : mark.end])}<span class="sym">'
            f"{SYMBOLS[verdict]}</span></a></mark>{extra}"
        )
        cursor = mark.end
    out.append(_e(text[cursor:]))
    return "".join(out)


def style(plotting: Plotting) -> str:
    """The page's CSS: its colours are config/plotting.yaml's (the verdicts' badge colours, the page palette)."""
    marks = "".join(
        f".v-{verdict}{{background:{colours.background}}}mark.v-{verdict}{{border-bottom-color:{colours.text}}}"
        for verdict, colours in plotting.verdicts.items()
    )
    stylesheet = (
        f"@font-face{{font-family:'{FONT_FAMILY}';src:url('{FONT_ASSET}') format('woff2');font-display:swap}}\n"
        + f"body{{font-family:{FONT_STACK};max-width:52em;"
        + """
margin:2em auto;padding:0 1em;line-height:1.7;color:var(--text);background:var(--background)}
p,li,a{overflow-wrap:anywhere}
nav.contents ol{padding-left:1.2em}nav.contents li{margin:.15em 0}.caption-link{font-size:.85em}
mark{padding:0 .1em;border-bottom:2px solid var(--muted)}mark a{color:inherit;text-decoration:none}
.sym{font-weight:bold;margin-left:.15em}
ul.notes{font-size:.85em;border-left:3px solid var(--border);margin:.3em 0 1.2em;padding-left:1.2em}
ul.notes ul{padding-left:1.2em}.legend li{list-style:none}
"""
        + marks
    )
    return css_variables(plotting, stylesheet) + stylesheet


def render_html(
    sections: list[Section],
    statements: pd.DataFrame,
    checks: pd.DataFrame,
    documents: Mapping[str, Document],
    summary: str,
    plotting: Plotting,
    captions: Mapping[str, str] | None = None,
) -> str:
    """``captions``: caption_items(project), to link each caption of the report to the item regenerating it."""
    captions = captions or {}
    quotes = dict(zip(statements["id"], statements["quote"], strict=True))
    verdicts = dict(zip(statements["id"], statements["status"], strict=True))
    marks, missing = locate(sections, quotes)
    by_paragraph: dict[tuple[int, int], list[Mark]] = {}
    for mark in marks:
        by_paragraph.setdefault((mark.section, mark.paragraph), []).append(mark)
    rows_of = {key: rows for key, rows in checks.groupby("statement", sort=False)}
    statement_rows = statements.set_index("id", drop=False)
    parts = [
        "<!DOCTYPE html>",
        '<html lang="zh-Hant"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        "<title>中國推動技術自主之現況與影響 — annotated (techgap claims ledger)</title>",
        f"<style>{style(plotting)}</style></head><body>",
        '<header lang="en"><h1 lang="zh-Hant">中國推動技術自主之現況與影響</h1>',
        "<p>The report's full text (國家發展委員會, 2023), every numeric statement of the techgap claims ledger "
        "marked in place by its verdict. Each mark links to its note: the checks, the values computed from the "
        "project's data, the documents and locators behind them.</p>",
        f'<p><b>{_e(summary)}</b> — <a href="claims.csv">claims.csv</a> · <a href="claims_checks.csv">'
        'claims_checks.csv</a> · <a href="index.html">index</a></p><ul class="legend">',
    ]
    for verdict, term in VERDICTS.items():
        parts.append(f'<li><mark class="v-{verdict}">{term.symbol} {_e(term.en)}</mark> {_e(term.meaning)}</li>')
    parts.append("</ul>")
    chapters = contents(sections)
    parts.append('<nav class="contents" aria-label="Contents"><h2 lang="en">Contents</h2><ol>')
    parts += [f'<li><a href="#sec-{i}">{_e(heading)}</a></li>' for i, heading in chapters]
    parts.append("</ol></nav></header><main>")
    printed = printed_contents(sections)
    for s_index, section in enumerate(sections):
        if s_index in printed:
            parts.append(f'<p class="printed-contents" id="sec-{s_index}">{_e(section.heading)}</p>')
        elif section.heading:
            level = min(section.level + 1, 4)
            parts.append(f'<h{level} id="sec-{s_index}">{_e(section.heading)}</h{level}>')
        for p_index, paragraph in enumerate(section.paragraphs):
            here = by_paragraph.get((s_index, p_index), [])
            link = caption_links(paragraph, captions)
            parts.append(f"<p>{paragraph_html(paragraph, here, verdicts)}{link}</p>")
            if here:
                ordered = sorted(here, key=lambda m: (m.start, m.nested))
                parts.append(
                    '<ul class="notes" lang="en">'
                    + "".join(note_html(statement_rows.loc[m.statement], rows_of[m.statement], documents) for m in ordered)
                    + "</ul>"
                )
    if missing:
        parts.append('<section lang="en"><h2>Statements not located in the text</h2><ul class="notes">')
        for statement_id in missing:
            parts.append(note_html(statement_rows.loc[statement_id], rows_of[statement_id], documents))
        parts.append("</ul></section>")
    parts.append("</main></body></html>")
    return "\n".join(parts) + "\n"


def printed_contents(sections: list[Section]) -> set[int]:
    """The sections that are lines of the report's own printed contents: a chapter heading (壹、) whose numeral is seen
    again later, where the chapter itself begins. They are shown as the lines they are, not as empty headings."""
    last = {section.heading[:1]: i for i, section in enumerate(sections) if section.heading and section.level == 1}
    return {i for i, section in enumerate(sections) if section.heading and section.level == 1 and last[section.heading[:1]] != i}


def contents(sections: list[Section]) -> list[tuple[int, str]]:
    """(section index, heading) of the chapters (壹、) and their parts (一、) for the contents list. The report's
    own printed contents come first in its text as headings too; a chapter numeral seen again later is the
    chapter itself, so only its last occurrence is listed."""
    numeral = {i: section.heading[:1] for i, section in enumerate(sections) if section.heading and section.level == 1}
    chapters = {mark: i for i, mark in numeral.items()}  # each numeral's last occurrence
    start = min(chapters.values(), default=0)  # the body begins with its first chapter
    listed = []
    for i, section in enumerate(sections[start:], start=start):
        if section.level == 1 and chapters[numeral[i]] == i or section.level == 2 and section.heading:
            listed.append((i, section.heading))
    return listed


def caption_links(paragraph: str, captions: Mapping[str, str]) -> str:
    """Links from the report's captions in a paragraph ("圖 7 2022 年全球…"), wherever they stand (the extracted
    text runs a caption into the source line before it), to the items that regenerate them on the index page.
    ``captions``: item id -> its caption without spaces (caption_items). Each place the paragraph names a caption's
    number is that caption where its title follows (CAPTION_LEAD_CHARS, CAPTION_SIMILARITY); the report's two
    figures numbered 20 are told apart by their titles."""
    compact = re.sub(r"\s+", "", paragraph)
    found = []
    for item_id, caption in captions.items():
        number = CAPTION.match(caption)
        if number is None:
            continue
        title = caption[number.end() :]
        for place in re.finditer(rf"{re.escape(number.group(0))}(?!\d)", compact):
            if not title and place.start():  # a title that starts with a {field} has nothing to compare: a caption
                continue  # only where its number opens the paragraph, never a mention in prose ("如圖 19 所示")
            text = compact[place.end() : place.end() + len(title)]
            similar = difflib.SequenceMatcher(None, title, text, autojunk=False).ratio()
            if text[:CAPTION_LEAD_CHARS] == title[:CAPTION_LEAD_CHARS] and similar >= CAPTION_SIMILARITY:
                found.append((place.start(), item_id))
                break
    links = [f'<a href="index.html#{_e(item_id)}">{_e(item_id)}</a>' for _, item_id in sorted(found)]
    return f' <span class="caption-link" lang="en">regenerated: {", ".join(links)}</span>' if links else ""


def caption_items(project: Project) -> dict[str, str]:
    """Each item's caption as the report prints it, without spaces ("圖7近年中國研發支出費用及年增率"), by item id: from
    the items' report titles (a title's {fields} end it)."""
    found = {}
    for item in project.items:
        compact = re.sub(r"\s+", "", item.title.zh.split("{", 1)[0])
        if CAPTION.match(compact):
            found[item.id] = compact
    return found


def _md(text: object) -> str:
    return markdown_prose(text)  # every Markdown syntax character of the report's text escaped


def render_markdown(sections: list[Section], statements: pd.DataFrame, checks: pd.DataFrame, summary: str) -> str:
    quotes = dict(zip(statements["id"], statements["quote"], strict=True))
    verdicts = dict(zip(statements["id"], statements["status"], strict=True))
    marks, missing = locate(sections, quotes)
    by_paragraph: dict[tuple[int, int], list[Mark]] = {}
    for mark in marks:
        by_paragraph.setdefault((mark.section, mark.paragraph), []).append(mark)
    rows_of = {key: rows for key, rows in checks.groupby("statement", sort=False)}
    lines = [
        "# 中國推動技術自主之現況與影響 — annotated",
        "",
        summary,
        "",
        " · ".join(f"{term.symbol} {term.en}" for term in VERDICTS.values()),
        "",
    ]
    printed = printed_contents(sections)
    for s_index, section in enumerate(sections):
        if s_index in printed:
            lines += [_md(section.heading), ""]
        elif section.heading:
            lines += ["#" * min(section.level + 1, 4) + " " + _md(section.heading), ""]
        for p_index, paragraph in enumerate(section.paragraphs):
            here = sorted((m for m in by_paragraph.get((s_index, p_index), []) if not m.nested), key=lambda m: m.start)
            text, cursor = [], 0
            for mark in here:
                text.append(_md(paragraph[cursor : mark.start]))
                text.append(
                    f"**{_md(paragraph[mark.start : mark.end])}**【{SYMBOLS[verdicts[mark.statement]]} {mark.statement}】"
                )
                cursor = mark.end
            text.append(_md(paragraph[cursor:]))
            lines += ["".join(text), ""]
            for mark in sorted(by_paragraph.get((s_index, p_index), []), key=lambda m: m.start):
                term = VERDICTS[verdicts[mark.statement]]
                lines.append(f"- {term.symbol} **{term.en}** {mark.statement}")
                lines += [f"  - {SYMBOLS[status]} {_md(line)}" for status, line in check_lines(rows_of[mark.statement])]
            if by_paragraph.get((s_index, p_index)):
                lines.append("")
    if missing:
        lines += ["## Statements not located in the text", ""]
        lines += [f"- {SYMBOLS[verdicts[s]]} {s}: {_md(quotes[s])}" for s in missing]
    return "\n".join(lines) + "\n"


def write_annotated_report(project: Project, statements: pd.DataFrame | None = None, checks: pd.DataFrame | None = None) -> None:
    """figures/report.html and report.md from the ledger (by default figures/claims.csv and claims_checks.csv)."""
    from techgap.claims import summary_line
    from techgap.io import write_text

    if statements is None:
        statements = pd.read_csv(project.figures_dir / "claims.csv", dtype={"today_label": str})
    if checks is None:
        checks = pd.read_csv(project.figures_dir / "claims_checks.csv", dtype={"today_label": str})
    sections = load_report_text(project)
    sources = {s for value in checks["sources"].fillna("") for s in str(value).split(";") if s}
    summary = summary_line(statements)
    write_text(
        project.figures_dir / "report.html",
        render_html(
            sections, statements, checks, document_index(project, sources), summary, project.plotting, caption_items(project)
        ),
    )
    write_text(project.figures_dir / "report.md", render_markdown(sections, statements, checks, summary))

"""The annotated report: the report's text split into its sections, each statement marked where its quote
is (whatever the line breaks), colour and symbol per verdict, hostile text escaped and only http(s) links;
the page built from the project's ledger, parsed as HTML and opened from disk in headless Chromium."""

from __future__ import annotations

import os
import shutil
from html.parser import HTMLParser

import pandas as pd
import pytest
from conftest import CHROMIUM, CHROMIUM_ARGS, ROOT
from drawing import plotting

from techgap.annotate import (
    SYMBOLS,
    caption_links,
    check_lines,
    contents,
    document_index,
    load_report_text,
    locate,
    render_html,
    render_markdown,
    split_sections,
    stated_words,
)
from techgap.claims import CHECK_COLUMNS, STATEMENT_COLUMNS, build_ledger, summary_line
from techgap.config import load_project
from techgap.provenance import Document

TEXT = """ 壹、前言

中國在 2001 年進出口貿易總額僅 5,097 億美元，全球占比 4%，至 2022

年已達 6.3 兆美元。

貳、政策

一、中國製造 2025

<script>alert(1)</script> 共有 5 家企業 & 9 個部門。
"""


class Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)


def parse(page: str) -> Collector:
    collector = Collector()
    collector.feed(page)
    return collector


def fixture_ledger():
    statements = pd.DataFrame(
        [
            {
                "id": "trade_2022",
                "section": "壹",
                "quote": "至 2022年已達 6.3 兆美元",
                "status": "supported",
                "checks": 1,
                "checked": 1,
                "stated": 6300,
                "comparison": "==",
                "unit": "USD billion",
                "computed": 6301.0,
                "detail": "",
                "documents": "wto",
            },
            {
                "id": "firms",
                "section": "貳",
                "quote": "<script>alert(1)</script> 共有 5 家企業",
                "status": "contradicted",
                "checks": 1,
                "checked": 1,
                "stated": 5,
                "comparison": "==",
                "unit": "firms",
                "computed": 4.0,
                "detail": "report says == 5, data give 4",
                "documents": "evil",
            },
            {
                "id": "missing",
                "section": "貳",
                "quote": "不在本文中的句子 7 項",
                "status": "uncheckable",
                "checks": 1,
                "checked": 0,
                "stated": 7,
                "comparison": "==",
                "unit": "items",
                "computed": float("nan"),
                "detail": "missing: a document",
                "documents": "",
            },
        ]
    ).reindex(columns=STATEMENT_COLUMNS)
    checks = statements.rename(columns={"id": "statement"}).assign(
        id=lambda f: f["statement"] + "_c",
        later=float("nan"),
        later_documents="",
        today=float("nan"),
        today_label="",
        tolerance=0.0,
    )
    documents = {
        "wto": Document(
            id="wto", title="World Trade Statistical Review", publisher="WTO", url="https://www.wto.org/", locator="table A4"
        ),
        "evil": Document(id="evil", title="<b>bold</b>", publisher="x", url="javascript:alert(1)", locator="p. 1"),
    }
    return statements, checks.reindex(columns=CHECK_COLUMNS), documents


def test_sections_and_paragraphs_follow_the_headings():
    sections = split_sections(TEXT)
    assert [s.heading for s in sections] == ["壹、前言", "貳、政策", "一、中國製造 2025"]
    assert [s.level for s in sections] == [1, 1, 2]
    assert sections[0].paragraphs == ["中國在 2001 年進出口貿易總額僅 5,097 億美元，全球占比 4%，至 2022年已達 6.3 兆美元。"]


def test_quotes_are_found_whatever_the_line_breaks():
    sections = split_sections(TEXT)
    marks, missing = locate(sections, {"a": "至 2022 年已達 6.3兆美元", "b": "全球占比 4%", "c": "沒有這句"})
    assert missing == ["c"]
    found = {m.statement: sections[m.section].paragraphs[m.paragraph][m.start : m.end] for m in marks}
    assert found == {"a": "至 2022年已達 6.3 兆美元", "b": "全球占比 4%"}


def test_marks_carry_verdict_symbol_and_escape_hostile_text():
    statements, checks, documents = fixture_ledger()
    page = render_html(split_sections(TEXT), statements, checks, documents, summary_line(statements), plotting())
    parsed = parse(page)
    assert ("script", {}) not in parsed.tags and "<script>alert" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    marks = {a["id"]: a["class"] for tag, a in parsed.tags if tag == "mark" and a.get("id")}
    assert marks == {"s-trade_2022": "v-supported", "s-firms": "v-contradicted"}
    hrefs = [a["href"] for tag, a in parsed.tags if tag == "a" and a.get("href")]
    assert "https://www.wto.org/" in hrefs and not [h for h in hrefs if h.startswith("javascript")]
    assert "&lt;b&gt;bold&lt;/b&gt;" in page  # the title is shown, as text, without a link
    assert SYMBOLS["contradicted"] in page and SYMBOLS["supported"] in page
    assert "Statements not located in the text" in page and "不在本文中的句子" in page
    assert parsed.tags[0] == ("html", {"lang": "zh-Hant"})


def test_the_page_has_contents_and_the_pages_font():
    statements, checks, documents = fixture_ledger()
    page = render_html(split_sections(TEXT), statements, checks, documents, summary_line(statements), plotting())
    parsed = parse(page)
    contents = [a["href"] for tag, a in parsed.tags if tag == "a" and a.get("href", "").startswith("#sec-")]
    ids = {a["id"] for tag, a in parsed.tags if tag in ("h2", "h3") and a.get("id")}
    assert len(contents) == 3 and {h[1:] for h in contents} <= ids  # 壹, 貳 and 一、 each reachable
    assert "url('assets/techgap-cjk.woff2')" in page  # the index page's font file, which holds this page's text


def test_the_contents_list_the_chapters_not_the_reports_printed_contents():
    """The report's own contents page comes first in its text as headings: listed once, the chapters themselves."""
    text = "壹、前言\n\n貳、政策\n\n摘要\n\n壹、前言\n\n正文第一段。\n\n貳、政策\n\n一、中國製造 2025\n\n正文第二段。\n"
    sections = split_sections(text)
    listed = contents(sections)
    assert [heading for _, heading in listed] == ["壹、前言", "貳、政策", "一、中國製造 2025"]
    assert all(index >= 2 for index, _ in listed)  # the chapters in the body, after the printed contents
    # the printed contents are shown as its lines, not as headings with nothing under them
    statements, checks, documents = fixture_ledger()
    page = render_html(sections, statements, checks, documents, summary_line(statements), plotting())
    headings = [a.get("id") for tag, a in parse(page).tags if tag in ("h2", "h3") and a.get("id")]
    assert headings == [f"sec-{index}" for index, _ in listed]
    assert '<p class="printed-contents" id="sec-0">壹、前言</p>' in page


def test_notes_say_in_words_what_the_report_says_and_the_data_give():
    """'report > 0 papers — computed 19' was ledger jargon."""
    _, checks, _ = fixture_ledger()
    checks.loc[1, "comparison"] = ">"
    lines = dict(check_lines(checks))
    assert lines["supported"] == "The report says 6300 USD billion; the data give 6,301. (check trade_2022_c)"
    assert lines["contradicted"].startswith("The report says more than 5 firms; the data give 4. Report says")
    # a year is a year, and a date kept as month×100+day reads as the report prints it ('416 month×100+day' did not)
    assert stated_words(2018, "year") == "2018" and stated_words(2015, "year (start)") == "2015 (start)"
    assert stated_words(416, "month×100+day (2018)") == "04/16 (2018)"


def test_a_caption_links_to_the_item_that_regenerates_it():
    captions = {
        "fig07": "圖7近年中國研發支出費用及年增率",
        "fig20": "圖20半導體製造產業市占率變化預測",
        "fig21": "圖20近年全球FDI流向",
        "fig08": "圖8中國頂尖AI人才畢業後工作地點及全球頂尖AI研究人員工作地點",
    }
    assert 'href="index.html#fig07"' in caption_links("圖 7  近年中國研發支出", captions)
    assert caption_links("如圖 7 所示，中國研發支出持續成長。", captions) == ""  # a mention in prose
    assert 'href="index.html#fig21"' in caption_links("圖 20 近年全球 FDI 流向", captions)  # the second 圖 20
    both = caption_links("資料來源：TrendForce。圖 20 半導體製造產業市占率 圖 20 近年全球 FDI", captions)
    assert both.index("fig20") < both.index("fig21")
    # a caption the report words otherwise than its item, run into the source line before it by the extraction
    run_in = "資料來源：MacroPolo, June 9, 2020.圖 8 中國 AI 人才畢業後工作地點及美國 AI 人才獲得學士學位的國家"
    assert 'href="index.html#fig08"' in caption_links(run_in, captions)
    assert caption_links("圖 8 顯示美國吸引各國人才", captions) == ""  # its number alone is not its caption
    # a title that starts with a {field} ("圖 19 {periods} 年…") leaves only its number: a caption line, not prose
    fielded = {"fig19": "圖19"}
    assert 'href="index.html#fig19"' in caption_links("圖 19 近 7 年導體產業徵才趨勢", fielded)
    assert caption_links("如圖 19 所示，徵才數逐年增加。", fielded) == ""


def test_markdown_marks_each_statement_and_escapes_markup():
    statements, checks, _ = fixture_ledger()
    text = render_markdown(split_sections(TEXT), statements, checks, summary_line(statements))
    assert f"**至 2022年已達 6.3 兆美元**【{SYMBOLS['supported']} trade_2022】" in text
    assert "\\<script\\>" in text and "<script>" not in text
    assert "## 壹、前言" in text


# ── the page from the project's ledger ───────────────────────────────────────────────────────────────


@pytest.fixture(scope="module")
def project_page(tmp_path_factory):
    project = load_project(ROOT)
    ledger = build_ledger(project)
    sources = {s for v in ledger.checks["sources"].fillna("") for s in str(v).split(";") if s}
    page = render_html(
        load_report_text(project),
        ledger.statements,
        ledger.checks,
        document_index(project, sources),
        summary_line(ledger.statements),
        project.plotting,
    )
    path = tmp_path_factory.mktemp("report") / "report.html"
    path.write_text(page, encoding="utf-8")
    shutil.copytree(ROOT / "figures" / "assets", path.parent / "assets")  # the pages' font, as in figures/
    return path, ledger


def test_the_whole_report_is_shown_with_every_statement_marked(project_page):
    path, ledger = project_page
    parsed = parse(path.read_text(encoding="utf-8"))
    marked = {a["id"][2:] for tag, a in parsed.tags if tag == "mark" and a.get("id", "").startswith("s-")}
    assert marked == set(ledger.statements["id"])
    text = "".join(parsed.text)
    for heading in ("壹、前言", "參、中國技術自主現況", "伍、結論與建議", "(三) 就全球高階人才議題進一步研析"):
        assert heading in text
    assert "資料來源：OECD，中國國家統計局" in text  # figure notes are part of the text, too
    assert not [t for t, _ in parsed.tags if t == "script"]
    external = [a["href"] for t, a in parsed.tags if t == "a" and a.get("href") and ":" in a["href"]]
    assert all(h.startswith(("http://", "https://")) for h in external)


def test_page_opens_from_disk_in_chromium(project_page):
    if CHROMIUM is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed: scripts/test.sh installs Debian's chromium")
        pytest.skip("chromium is not installed (scripts/test.sh installs it)")
    from playwright.sync_api import sync_playwright

    path, ledger = project_page
    errors: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page()
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.route("http*://**", lambda route: route.abort())  # nothing may be fetched from the network
        page.goto(path.as_uri(), wait_until="load")
        colours = page.evaluate(
            "() => Object.fromEntries([...document.querySelectorAll('mark[id]')].map("
            "m => [m.className, getComputedStyle(m).backgroundColor]))"
        )
        dangling = page.evaluate(
            "() => [...document.querySelectorAll('a[href^=\"#\"]')]"
            ".filter(a => !document.getElementById(a.getAttribute('href').slice(1))).length"
        )
        symbols = page.evaluate("() => [...document.querySelectorAll('mark[id] .sym')].map(s => s.textContent)")
        browser.close()
    assert errors == []
    assert dangling == 0
    verdicts = set(ledger.statements["status"])
    assert set(colours) == {f"v-{v}" for v in verdicts}
    assert len(set(colours.values())) == len(verdicts)  # one colour per verdict ...
    assert set(symbols) == {SYMBOLS[v] for v in verdicts}  # ... and one symbol, so colour is not alone


def test_long_urls_break_so_the_page_fits_a_phone(tmp_path):
    """report.html scrolled sideways at 390 px: footnotes 9 and 10 print URLs longer than a phone is wide."""
    if CHROMIUM is None:
        pytest.skip("chromium is not installed (scripts/test.sh installs it)")
    from playwright.sync_api import sync_playwright

    statements, checks, documents = fixture_ledger()
    url = "https://www.example.org/" + "/".join(f"aratherlongpathsegment{n}" for n in range(6))  # no hyphen to break at
    text = TEXT + f"\n9 Nature Index, “Leading 100 academic institutions” {url}\n"
    documents = {k: Document(**{**d.model_dump(), "title": url}) for k, d in documents.items()}
    path = tmp_path / "report.html"
    path.write_text(render_html(split_sections(text), statements, checks, documents, "", plotting()), encoding="utf-8")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 390, "height": 800})
        page.route("http*://**", lambda route: route.abort())
        page.goto(path.as_uri(), wait_until="load")
        width = page.evaluate("() => document.documentElement.scrollWidth")
        browser.close()
    assert width <= 390

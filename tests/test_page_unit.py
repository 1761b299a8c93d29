"""The reviewers' page built from a sample v2 manifest (tests/fixtures/page/, real outputs and ledger rows;
make_fixture.py says how): escaping, links only for http(s), WCAG AA contrast of every status colour,
tables from the items' Markdown, editions, the provenance page, the subset font, deterministic bytes."""

from __future__ import annotations

import copy
import io
import json
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest
from drawing import plotting

from techgap import page as page_mod
from techgap.escaping import safe_url
from techgap.page import PageError, markdown_to_html, write_page
from techgap.vocabulary import STATUSES, VERDICTS

FIXTURE = Path(__file__).parent / "fixtures" / "page"
STAND_INS = {"gap01": "fig16"}  # the analysis stand-in borrows fig16's images


def sample_inputs() -> tuple[dict, pd.DataFrame, dict[str, str]]:
    manifest = json.loads((FIXTURE / "manifest.json").read_text(encoding="utf-8"))
    claims = pd.read_csv(FIXTURE / "claims.csv")
    provenance = json.loads((FIXTURE / "provenance.json").read_text(encoding="utf-8"))
    return manifest, claims, provenance


def manifest_paths(manifest: dict) -> list[str]:
    paths = []
    for item in manifest["items"]:
        for edition in item["editions"].values():
            paths += [p for lang in ("zh", "en") for p in edition["files"][lang]]
            if edition["data"]:
                paths.append(edition["data"])
    return paths


def sample_site(root: Path, manifest: dict) -> Path:
    """A project folder whose figures/ holds the sample's files where the manifest says (SVGs and table
    images are not in the fixture: the page only links them)."""
    for path in manifest_paths(manifest):
        name = Path(path).name
        for stand_in, real in STAND_INS.items():
            name = name.replace(stand_in, real)
        if (FIXTURE / "files" / name).exists():
            target = root / path
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(FIXTURE / "files" / name, target)
    return root / "figures"


class Collector(HTMLParser):
    """Every element's tag and attributes, and the visible text."""

    def __init__(self) -> None:
        super().__init__()
        self.elements: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self.styles: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))
        self._in_style = tag == "style"

    def handle_endtag(self, tag):
        self._in_style = False

    def handle_data(self, data):
        (self.styles if self._in_style else self.text).append(data)


def parse(html_text: str) -> Collector:
    collector = Collector()
    collector.feed(html_text)
    return collector


@pytest.fixture(scope="module")
def font_file() -> Path:
    from techgap.render.style import font_path

    return font_path()


@pytest.fixture(scope="module")
def built(tmp_path_factory, font_file) -> dict:
    manifest, claims, provenance = sample_inputs()
    root = tmp_path_factory.mktemp("site")
    figures = sample_site(root, manifest)
    written = write_page(figures, manifest, claims, provenance, plotting(), font_file=font_file)
    return {
        "figures": figures,
        "written": written,
        "manifest": manifest,
        "claims": claims,
        "provenance": provenance,
        "index": (figures / "index.html").read_text(encoding="utf-8"),
        "prov_page": (figures / "provenance.html").read_text(encoding="utf-8"),
    }


def render(manifest: dict, claims: pd.DataFrame | None, provenance: dict[str, str], root: Path) -> str:
    figures = sample_site(root, manifest)
    return page_mod.render_index(figures, manifest, claims, provenance, plotting())


def test_write_page_writes_the_three_fixed_files(built):
    figures = built["figures"]
    assert built["written"] == [figures / "index.html", figures / "provenance.html", figures / "assets" / "techgap-cjk.woff2"]
    assert all(p.is_file() and p.stat().st_size > 0 for p in built["written"])
    assert (figures / "assets" / "techgap-cjk.woff2").read_bytes()[:4] == b"wOF2"


# --- links and escaping ----------------------------------------------------------------------------------

HOSTILE_URLS = [
    "javascript:alert(1)",
    " JaVaScRiPt:alert(1)",
    "java\tscript:alert(1)",
    "javascript\n:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "vbscript:msgbox(1)",
    "//evil.example/x",
    "file:///etc/passwd",
    "https:alert(1)",
    "http://",
    "\x00https://ok.example/",
]


@pytest.mark.parametrize("url", HOSTILE_URLS)
def test_safe_url_refuses_everything_but_http_and_https(url):
    assert safe_url(url) is None


@pytest.mark.parametrize("url", ["https://www.stats.gov.cn/", "http://example.org/a?b=1&c=2#x", "HTTPS://EXAMPLE.ORG/"])
def test_safe_url_keeps_http_and_https(url):
    assert safe_url(url) == url


def test_javascript_url_in_provenance_is_plain_escaped_text(tmp_path):
    manifest, claims, provenance = sample_inputs()
    source = manifest["items"][0]["editions"]["report"]["sources"][0]
    source["url"] = "javascript:alert(document.cookie)"
    source["title"] = 'Evil "title" <b>'
    page = render(manifest, claims, provenance, tmp_path)
    doc = parse(page)
    hrefs = [a.get("href") or "" for tag, a in doc.elements if tag == "a"]
    assert not any("javascript" in h.lower() for h in hrefs)
    assert "javascript:alert(document.cookie)" in "".join(doc.text)  # shown, as text
    assert "Evil &quot;title&quot; &lt;b&gt;" in page
    assert "<b>" not in page


def test_every_link_and_source_on_the_page_is_http_or_local(built):
    for page in (built["index"], built["prov_page"]):
        for tag, attrs in parse(page).elements:
            for name in ("href", "src"):
                value = attrs.get(name)
                if value is None:
                    continue
                scheme = re.match(r"^([A-Za-z][A-Za-z0-9+.-]*):", value)
                assert scheme is None or scheme.group(1).lower() in ("http", "https"), (tag, value)
                assert ".." not in value.split("/"), value


def test_hostile_text_everywhere_is_escaped(tmp_path):
    manifest, claims, provenance = sample_inputs()
    attack = "<script>alert(1)</script><img src=x onerror=alert(2)>\"'"
    item = manifest["items"][0]
    item["title"] = {"zh": attack, "en": attack}
    item["chapter"]["zh"] = attack
    edition = item["editions"]["report"]
    edition["reason"] = attack
    edition["warnings"] = [attack]
    edition["alt"] = {"zh": attack, "en": attack}
    edition["vintages"] = {"nbs_rd": attack}
    claims.loc[0, "quote"] = attack
    claims.loc[0, "detail"] = attack
    claims.loc[1, "status"] = attack
    provenance[next(iter(provenance))] = attack
    page = render(manifest, claims, provenance, tmp_path)
    doc = parse(page)
    assert not [tag for tag, _ in doc.elements if tag == "script"]
    assert not [a for tag, a in doc.elements if any(k.startswith("on") for k in a)]
    assert [a.get("alt") for tag, a in doc.elements if tag == "img"][0] == attack  # attribute holds the text, escaped
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    prov_page = page_mod.render_provenance(provenance, plotting())
    assert "<script>" not in prov_page and "&lt;script&gt;" in prov_page


def test_a_path_leaving_figures_is_refused(tmp_path):
    manifest, claims, provenance = sample_inputs()
    manifest["items"][0]["editions"]["report"]["files"]["zh"][0] = "figures/../../etc/passwd.png"
    with pytest.raises(PageError, match=r"item fig01, edition report: path .*etc/passwd.* must lie under figures/"):
        render(manifest, claims, provenance, tmp_path)


def test_an_item_id_that_is_not_a_plain_word_is_refused(tmp_path):
    manifest, claims, provenance = sample_inputs()
    manifest["items"][0]["id"] = 'x" onmouseover="alert(1)'
    with pytest.raises(PageError, match="id .* must match"):
        render(manifest, claims, provenance, tmp_path)


# --- contrast --------------------------------------------------------------------------------------------


def luminance(hex_colour: str) -> float:
    """WCAG 2.x relative luminance of an sRGB colour."""
    channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_contrast_helper_matches_known_wcag_values():
    assert contrast("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)  # the classic just-failing grey
    assert contrast("#b36b00", "#ffffff") < 4.5  # the old page's 'partial' colour (issue 12: 4.18:1)


def css_rules(page: str) -> list[tuple[str, dict[str, str]]]:
    """(selector, declarations) of the page's CSS, with each var(--name) replaced by the value :root gives it."""
    css = "".join(parse(page).styles)
    rules = []
    for selectors, body in re.findall(r"([^{}]+)\{([^{}]*)\}", css):
        decls = dict(d.split(":", 1) for d in body.split(";") if ":" in d)
        rules.append((selectors.strip(), {k.strip(): v.strip() for k, v in decls.items()}))
    variables = {k: v for sel, d in rules if sel == ":root" for k, v in d.items()}
    return [
        (sel, {k: re.sub(r"var\((--[a-z-]+)\)", lambda m: variables[m.group(1)], v) for k, v in d.items()}) for sel, d in rules
    ]


def test_every_status_colour_meets_wcag_aa(built):
    rules = css_rules(built["index"])
    badges = [(sel, d["color"], d["background"]) for sel, d in rules if re.fullmatch(r"\.[sc]-[a-z_]+", sel)]
    shown = {sel for sel, _, _ in badges}
    used = set(re.findall(r'class="badge ([sc]-[a-z_]+)"', built["index"]))
    assert {f".{u}" for u in used} <= shown  # every badge on the page has its colours in the CSS
    assert {".s-reproduced", ".s-partial", ".s-unavailable", ".s-analysis", ".s-transcribed", ".c-contradicted"} <= shown
    failing = [(sel, fg, bg, round(contrast(fg, bg), 2)) for sel, fg, bg in badges if contrast(fg, bg) < 4.5]
    assert failing == []


def test_text_and_link_colours_meet_wcag_aa_on_white(built):
    colours = {d["color"] for sel, d in css_rules(built["index"]) if "color" in d and "background" not in d}
    colours = {c for c in colours if c.startswith("#") and len(c) == 7}
    assert colours  # body, links, muted text
    assert [c for c in colours if contrast(c, "#ffffff") < 4.5] == []


def test_a_status_is_never_told_by_colour_alone(built):
    doc = parse(built["index"])
    badge_text = re.findall(
        r'<span class="badge [sc]-([a-z_]+)"><span aria-hidden="true">(.)</span> '
        r'<span lang="zh-Hant" class="l-zh">([^<]+)</span> <span lang="en" class="l-en">([^<]+)<',
        built["index"],
    )
    assert badge_text
    for word, symbol, zh, en in badge_text:
        assert symbol.strip() and zh.strip() and en.strip()
        if word != "other":
            assert (zh, en) == ({**STATUSES, **VERDICTS}[word].zh, {**STATUSES, **VERDICTS}[word].en)
    assert doc  # parsed


# --- tables from Markdown --------------------------------------------------------------------------------


def test_markdown_table_becomes_an_html_table_with_numbers_right_aligned():
    md = (FIXTURE / "files" / "tab02_en.md").read_text(encoding="utf-8")
    html_text = markdown_to_html(md, "tab02_en.md")
    doc = parse(html_text)
    header_cells = [a for tag, a in doc.elements if tag == "th"]
    lines = [line for line in md.splitlines() if line.startswith("|")]
    expected_columns = lines[0].count("|") - 1
    assert len(header_cells) == expected_columns
    assert sum(1 for tag, _ in doc.elements if tag == "tr") == len(lines) - 1  # header + rows, no separator row
    first_row = [c.strip() for c in lines[2].strip("|").split("|")]
    tds = re.findall(r"<td( class=\"num\")?>([^<]*)</td>", html_text)[: len(first_row)]
    assert [text for _, text in tds] == [html_escape(c) for c in first_row]
    for num_class, text in tds:
        assert bool(num_class) == bool(re.fullmatch(r"[\d,.]+", text))
    assert "Source" in "".join(doc.text)


def html_escape(text: str) -> str:
    import html

    return html.escape(text, quote=True)


def test_markdown_cells_keep_escaped_pipes_and_escape_html():
    md = "### T\n\n| a | b |\n|---|---|\n| x \\| y | <i>1</i> |\n| **Total** | 1,234.5 |\n"
    out = markdown_to_html(md, "t.md")
    assert "<td>x | y</td>" in out
    assert "&lt;i&gt;1&lt;/i&gt;" in out
    assert '<tr class="total"><td><strong>Total</strong></td>' in out


def test_a_ragged_markdown_row_names_file_and_line():
    md = "### T\n\n| a | b |\n|---|---|\n| 1 | 2 |\n| 3 |\n"
    with pytest.raises(PageError, match=r"t\.md, line 6: table row has 1 cells, expected 2"):
        markdown_to_html(md, "t.md")


def test_table_items_are_html_tables_with_the_image_as_a_link(built):
    doc = parse(built["index"])
    srcs = [a["src"] for tag, a in doc.elements if tag == "img"]
    assert not any("tab0" in s for s in srcs)  # tables are not shown as images
    hrefs = [a.get("href", "") for tag, a in doc.elements if tag == "a"]
    assert "report/tab04/tab04_zh.png" in hrefs and "report/tab04/tab04_en.md" in hrefs
    tab04_md = (FIXTURE / "files" / "tab04_en.md").read_text(encoding="utf-8")
    first_holder = re.search(r"^\| 1 \| ([^|]+) \|", tab04_md, re.M).group(1).strip()
    assert f"<td>{first_holder}</td>" in built["index"]


# --- items, editions, contents ---------------------------------------------------------------------------


def section(page: str, item_id: str) -> str:
    match = re.search(rf'<section class="item" id="{item_id}">(.*?)</section>', page, re.S)
    assert match, item_id
    return match.group(1)


def test_figures_have_descriptive_alt_text_per_language(built):
    doc = parse(built["index"])
    images = [a for tag, a in doc.elements if tag == "img"]
    fig01 = built["manifest"]["items"][0]["editions"]["report"]
    alts = {a["alt"] for a in images if "report/fig01/" in a["src"]}
    assert alts == {fig01["alt"]["zh"], fig01["alt"]["en"]}
    assert all(a.get("width") and a.get("height") for a in images)


def test_every_language_block_says_its_language(built):
    doc = parse(built["index"])
    for tag, attrs in doc.elements:
        classes = (attrs.get("class") or "").split()
        if "l-zh" in classes:
            assert attrs.get("lang") == "zh-Hant", (tag, attrs)
        if "l-en" in classes:
            assert attrs.get("lang") == "en", (tag, attrs)
    figures = [a for tag, a in doc.elements if tag == "figure"]
    assert figures and all(a.get("lang") in ("zh-Hant", "en") for a in figures)
    tables = [a for tag, a in doc.elements if tag == "div" and "table-block" in (a.get("class") or "")]
    assert tables and all(a.get("lang") in ("zh-Hant", "en") for a in tables)


def test_latest_edition_says_same_as_report_or_what_changed(built, tmp_path):
    page = built["index"]
    assert "Same as the report edition" in section(page, "tab02")
    assert "latest/tab02/tab02_zh" not in page  # nothing shown twice when nothing changed
    assert "Sources: as in the report edition." in section(page, "tab02")
    fig01 = section(page, "fig01")
    added = built["manifest"]["items"][0]["editions"]["latest"]["added_periods"]
    assert f"Added periods:</span> {added[0]}" in fig01
    assert "latest/fig01/fig01_zh.png" in fig01
    manifest, claims, provenance = sample_inputs()
    revised = {"entity": "CHN", "indicator": "rd_expenditure", "period": "2021", "report": 27956.3, "latest": 27864.0}
    manifest["items"][0]["editions"]["latest"]["revised"] = [revised]
    revised_page = section(render(manifest, claims, provenance, tmp_path), "fig01")
    assert "Revised values</span> (1)" in revised_page
    assert '<td class="num">27956.3</td><td class="num">27864</td>' in revised_page


def test_unavailable_items_show_their_reason_and_no_image(built):
    fig14 = section(built["index"], "fig14")
    assert "<img" not in fig14
    reason = built["manifest"]["items"][3]["editions"]["report"]["reason"]
    assert html_escape(reason) in fig14


def test_contents_count_statuses_per_edition(built):
    expected: dict[tuple[str, str], int] = {}
    for item in built["manifest"]["items"]:
        for name, edition in item["editions"].items():
            expected[(name, edition["status"])] = expected.get((name, edition["status"]), 0) + 1
    shown = {
        (e, s): int(n) for e, s, n in re.findall(r'<td data-edition="([a-z]+)" data-status="([a-z]+)">(\d+)</td>', built["index"])
    }
    assert {k: v for k, v in shown.items() if v} == expected
    warnings = sum(len(e["warnings"]) for i in built["manifest"]["items"] for e in i["editions"].values())
    assert f"<span data-warnings>{warnings}</span>" in built["index"]


def test_analysis_items_come_after_the_reports_items(built):
    page = built["index"]
    ids = re.findall(r'<section class="item" id="([^"]+)">', page)
    assert ids == ["fig01", "tab02", "tab04", "fig14", "fig18", "gap01"]
    assert page.index('id="analysis"') < page.index('id="gap01"') and page.index('id="fig18"') < page.index('id="analysis"')


def test_top_links_reach_drift_claims_manifest_report_and_provenance(built):
    hrefs = {a.get("href") for tag, a in parse(built["index"]).elements if tag == "a"}
    assert {"drift.md", "claims.md", "claims.csv", "manifest.json", "report.html", "provenance.html"} <= hrefs


def test_source_links_go_to_the_document_and_to_its_provenance(built):
    fig01 = section(built["index"], "fig01")
    source = built["manifest"]["items"][0]["editions"]["report"]["sources"][0]
    assert f'<a href="{source["url"]}" rel="noreferrer">' in fig01
    anchor = re.search(r'href="provenance\.html#([^"]+)"', fig01).group(1)
    assert f'<section id="{anchor}">' in built["prov_page"]
    assert source["retrieved"] in fig01 and source["vintage"] in fig01


def test_provenance_page_shows_every_file_escaped(built):
    prov_page = built["prov_page"]
    for path, text in built["provenance"].items():
        assert html_escape(text) in prov_page, path


# --- claims ledger ---------------------------------------------------------------------------------------


def test_claims_table_has_the_readers_columns_with_status_badges(built):
    """The page shows what a reader compares (the quote, the verdict, stated against computed, the detail) and links
    the ledger's files for every column; more columns pushed the numbers behind a sideways scroll at 1440 px."""
    claims = built["claims"]
    match = re.search(r'<section id="claims".*?</section>', built["index"], re.S)
    assert match
    ledger = match.group(0)
    headers = re.findall(r'<th scope="col">([^<]+)</th>', ledger)
    assert headers == ["id", "quote", "status", "stated", "unit", "computed", "detail"]  # the fixture has no 'later'
    assert 'href="claims.csv"' in ledger and "<details>" in ledger
    rows = re.findall(r'<tr class="r-([a-z]+)">', ledger)
    assert rows == list(claims["status"])
    contradicted = claims[claims["status"] == "contradicted"].iloc[0]
    assert html_escape(contradicted["detail"]) in ledger
    for status, count in claims["status"].value_counts().items():
        assert f'for="cf-{status}">' in ledger and f"{VERDICTS[status].en}</span> ({count})" in ledger
        assert f"#cf-{status}:checked~.table-wrap tbody tr:not(.r-{status}){{display:none}}" in built["index"]


def test_page_without_claims_says_so(tmp_path):
    manifest, _, provenance = sample_inputs()
    page = render(manifest, None, provenance, tmp_path)
    assert "The claims ledger was not built." in page


# --- font and determinism --------------------------------------------------------------------------------


def test_subset_font_covers_every_character_of_the_pages(built):
    from fontTools.ttLib import TTFont

    font = TTFont(io.BytesIO((built["figures"] / "assets" / "techgap-cjk.woff2").read_bytes()))
    cmap = font.getBestCmap()
    visible = set("".join(parse(built["index"]).text) + "".join(parse(built["prov_page"]).text))
    missing = sorted(c for c in visible if c.isprintable() and not c.isspace() and ord(c) not in cmap)
    assert missing == []
    assert "中" in visible and len(cmap) < 3000  # a subset, not the 44,000-glyph font
    assert "Open Font License" in font["name"].getDebugName(13)


def test_pages_and_font_are_byte_identical_on_a_second_build(built, tmp_path, font_file):
    manifest, claims, provenance = sample_inputs()
    figures = sample_site(tmp_path, copy.deepcopy(manifest))
    fresh = tmp_path / "fonts" / font_file.name  # no cut kept beside this one: the font is cut again
    fresh.parent.mkdir()
    fresh.symlink_to(font_file.resolve())
    written = write_page(figures, manifest, claims, provenance, plotting(), font_file=fresh)
    assert list(fresh.parent.glob("page-subset-*.woff2"))  # it was cut here, not read from the first build's
    for path in written:
        assert path.read_bytes() == (built["figures"] / path.relative_to(figures)).read_bytes(), path.name


def test_a_cut_font_is_kept_and_reused_only_for_the_same_characters(tmp_path, font_file, monkeypatch):
    font = tmp_path / font_file.name
    font.symlink_to(font_file.resolve())
    first = page_mod.subset_font(font, "中文 ABC")
    kept = list(tmp_path.glob("page-subset-*.woff2"))
    assert len(kept) == 1 and kept[0].read_bytes() == first

    def no_cut(*args):
        raise AssertionError("cut again although the same characters were cut before")

    monkeypatch.setattr(page_mod, "_cut_font", no_cut)
    assert page_mod.subset_font(font, "中文 ABC") == first
    with pytest.raises(AssertionError, match="cut again"):
        page_mod.subset_font(font, "中文 ABCD")  # one more character: another font


def test_a_font_in_a_read_only_folder_is_cut_without_keeping_it(tmp_path, font_file, monkeypatch):
    font = tmp_path / font_file.name
    font.symlink_to(font_file.resolve())

    def refuse(target, data):
        raise PermissionError(13, "Permission denied", str(target))

    monkeypatch.setattr("techgap.io.write_bytes", refuse)
    assert page_mod.subset_font(font, "中文")[:4] == b"wOF2"
    assert not list(tmp_path.glob("page-subset-*"))


def test_nothing_is_written_when_an_item_table_is_broken(tmp_path, font_file):
    manifest, claims, provenance = sample_inputs()
    figures = sample_site(tmp_path, manifest)
    (figures / "index.html").write_text("previous page", encoding="utf-8")
    (figures / "report" / "tab04" / "tab04_zh.md").write_text("| a | b |\n|---|---|\n| 1 |\n", encoding="utf-8")
    with pytest.raises(PageError, match=r"figures/report/tab04/tab04_zh\.md, line 3"):
        write_page(figures, manifest, claims, provenance, plotting(), font_file=font_file)
    assert (figures / "index.html").read_text(encoding="utf-8") == "previous page"
    assert not (figures / "provenance.html").exists() and not (figures / "assets").exists()


def test_provenance_texts_reads_every_cited_file_and_only_from_data_raw(tmp_path):
    manifest, _, provenance = sample_inputs()
    for path, text in provenance.items():
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_text(text, encoding="utf-8")
    cited = {s["provenance"] for i in manifest["items"] for e in i["editions"].values() for s in e["sources"]}
    for path in cited - set(provenance):
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_text(f"title: {path}\n", encoding="utf-8")
    texts = page_mod.provenance_texts(tmp_path, manifest)
    assert set(texts) == cited and all(texts[p] == provenance[p] for p in provenance)
    manifest["items"][0]["editions"]["report"]["sources"][0]["provenance"] = "data/raw/../../etc/provenance.yaml"
    with pytest.raises(PageError, match="must be data/raw/<source>/<vintage>/provenance.yaml"):
        page_mod.provenance_texts(tmp_path, manifest)


def test_a_long_list_of_sources_is_folded_but_complete(tmp_path):
    manifest, claims, provenance = sample_inputs()
    report = manifest["items"][0]["editions"]["report"]
    report["sources"] = [dict(report["sources"][0], document=f"doc_{n}", title=f"Document {n}") for n in range(7)]
    fig01 = section(render(manifest, claims, provenance, tmp_path), "fig01")
    assert "Sources (7 documents)</span></summary>" in fig01 and "來源（7 份文件）" in fig01
    assert all(f"Document {n}</a>" in fig01 for n in range(7))


def test_the_provenance_page_shows_each_recorded_correction_under_its_file_escaped():
    _, _, provenance = sample_inputs()
    corrected, other = sorted(provenance)[:2]
    attack = 'retrieved: was a day late <script>alert("x")</script>'
    page = page_mod.render_provenance(provenance, plotting(), {corrected: [attack, "and a title"]})
    sections = {m.group(1): m.group(2) for m in re.finditer(r"<section id=\"([^\"]+)\">(.*?)</section>", page, re.S)}
    anchors = page_mod.provenance_anchors(provenance)
    source_id = corrected.split("/")[2]
    shown = sections[anchors[corrected]]
    assert f"<code>data/checksums/{source_id}.log</code>" in shown
    assert "retrieved: was a day late &lt;script&gt;" in shown and "and a title" in shown and "<script>" not in page
    assert shown.index("Corrected") < shown.index("<pre>")  # above the file it corrects
    assert "Corrected" not in sections[anchors[other]]
    assert "Corrected" not in page_mod.render_provenance(provenance, plotting())


def test_corrections_are_read_per_provenance_file_from_the_checksum_history(project_root):
    from techgap.provenance import record_correction

    raw = project_root / "data" / "raw"
    corrected = "data/raw/isscc/2026-11-27/provenance.yaml"
    untouched = "data/raw/nbs_rd/2026-11-27/provenance.yaml"
    before = page_mod.provenance_corrections_by_file(project_root, [corrected, untouched])
    text = (project_root / corrected).read_text(encoding="utf-8")
    (project_root / corrected).write_text(text.replace("\nretrieved: ", "\nretrieved:  ", 1), encoding="utf-8")
    record_correction(raw, "isscc", "2026-11-27", "a second space")
    after = page_mod.provenance_corrections_by_file(project_root, [corrected, untouched])
    assert after[corrected] == before.get(corrected, []) + ["a second space"]
    assert after.get(untouched) == before.get(untouched)


def test_each_edition_is_captioned_with_its_own_title(tmp_path):
    """fig07's latest image (2022-2024) was captioned with the report's title ('released in 2022'): a figure's
    caption is the title its edition drew (the record's texts), not the item's."""
    manifest, claims, provenance = sample_inputs()
    item = next(i for i in manifest["items"] if i["kind"] != "table" and "latest" in i["editions"])
    latest = item["editions"]["latest"]
    latest["texts"] = {**latest.get("texts", {}), "title": {"zh": "最新標題", "en": "The latest edition's own title"}}
    page = render(manifest, claims, provenance, tmp_path)
    captions = re.findall(r"<figcaption>(.*?) — ", page)
    assert "The latest edition&#x27;s own title" in captions and "最新標題" in captions
    assert html_escape(item["title"]["en"]) in captions  # the report edition keeps the item's


def test_provenance_page_shows_documents_as_a_table_and_folds_the_notes():
    """Each document's row says who published and wrote it and where it was read: a copy elsewhere (a repost) is
    named by its host; an API snapshot's summary shows what the refresh asked for."""
    text = (
        "source_id: s\ntitle: A source\npublisher: P\nurl: https://example.org/\nretrieved: 2026-11-27\n"
        "licence: quoted\nlocator: per document\nmethod: transcribed\nformat: techgap-long-csv\npayload: data.csv\n"
        f"sha256: {'ab' * 32}\nnotes: long research notes\ndocuments:\n- id: d1\n  title: The report\n  publisher: Q\n"
        "  author: A. Writer\n  url: https://example.org/d1\n  published: 2023-04\n  locator: table 2\n"
        "  read_from: https://repost.example.net/p/1\n"
    )
    page = page_mod.render_provenance({"data/raw/s/2026-11-27/provenance.yaml": text}, plotting())
    row = re.search(r'<tr><td data-label="id">d1</td>.*?</tr>', page).group(0)
    assert '<a href="https://example.org/d1" rel="noreferrer">The report</a>' in row and "table 2" in row
    assert '<td data-label="publisher (author)">Q (A. Writer)</td>' in row
    assert '<a href="https://repost.example.net/p/1" rel="noreferrer">repost.example.net</a>' in row
    assert re.search(r"<details><summary[^>]*>Research notes</summary><p[^>]*>long research notes</p></details>", page)
    assert '<dt>retrieved</dt><dd><span class="nw">2026-11-27</span></dd>' in page
    assert "<details><summary" in page and html_escape(text) in page  # the file as written, folded

    api = text.replace("method: transcribed", "method: api").replace("format: techgap-long-csv", "format: sdmx-csv")
    api += "request:\n  params: {startPeriod: '2010', dimensionAtObservation: AllDimensions}\n"
    page = page_mod.render_provenance({"data/raw/s/2026-11-27/provenance.yaml": api}, plotting())
    assert "<dt>request</dt><dd><code>dimensionAtObservation=AllDimensions; startPeriod=2010</code></dd>" in page


def test_a_file_that_is_not_a_valid_provenance_is_shown_only_as_written():
    text = "source_id: s\ntitle: A source without the rest\n"
    page = page_mod.render_provenance({"data/raw/s/2026-11-27/provenance.yaml": text}, plotting())
    assert '<dl class="meta"' not in page and html_escape(text) in page


def test_the_page_says_how_to_cite_an_edition(built):
    from techgap import __version__

    assert f"How to cite: techgap {__version__} (<code>CITATION.cff</code> in the project), naming the edition" in built["index"]


def test_the_page_colours_are_the_names_the_stylesheets_use():
    """config/plotting.yaml's `page:` colours are the pages' var(--name)s: one the stylesheets use but the file lacks,
    or one no page uses (a typo, a leftover), stops the page's job naming the key."""
    from techgap.annotate import style
    from techgap.errors import InputError

    colours = plotting().page
    assert page_mod.css_variables(plotting(), "a{color:var(--muted)}").startswith(":root{--text:")
    without_muted = plotting().model_copy(update={"page": {k: v for k, v in colours.items() if k != "muted"}})
    for build in (lambda p: page_mod.head_html("t", p), style):
        with pytest.raises(InputError, match=r"uses var\(--muted\), which has no colour") as caught:
            build(without_muted)
        assert caught.value.field == "page.muted" and caught.value.path == "config/plotting.yaml"
    typo = plotting().model_copy(update={"page": {**colours, "mutde": "#4b5563"}})
    with pytest.raises(InputError, match="page colour mutde is used by no page") as caught:
        page_mod.head_html("t", typo)
    assert caught.value.field == "page.mutde"
    assert style(typo)  # the annotated report's stylesheet uses only some of the colours


class ZhMode(HTMLParser):
    """The page as the Chinese switch shows it (every .l-en hidden): the text of each badge, term list label,
    contents entry's edition label and claims filter label, and any English left outside the items' own data."""

    WATCHED = ("badge", "dt", "label", "small")

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[tuple[str, bool, str | None]] = []  # (tag, hidden, watched kind)
        self.watched: list[tuple[str, str]] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        classes = (attrs.get("class") or "").split()
        hidden = (self.stack and self.stack[-1][1]) or "l-en" in classes
        kind = next((k for k in ("badge", "small") if k in classes), "dt" if tag == "dt" else None)
        if tag == "label" and (attrs.get("for") or "").startswith("cf-"):  # the claims filter (not the language names)
            kind = "label"
        if kind and not (self.stack and self.stack[-1][2]):
            self.watched.append((kind, ""))
        inherited = self.stack[-1][2] if self.stack else None
        self.stack.append((tag, hidden, kind or inherited))

    def handle_endtag(self, tag):
        while self.stack:
            if self.stack.pop()[0] == tag:
                break

    def handle_data(self, data):
        if self.stack and self.stack[-1][2] and not self.stack[-1][1]:
            kind, text = self.watched[-1]
            self.watched[-1] = (kind, text + data)


def test_the_chinese_switch_shows_every_badge_and_label_in_chinese(built, tmp_path):
    """index.html in Chinese still showed 'reproduced', 'report:', 'Periods', 'Vintages', 'Added periods:' and the
    like in English: the vocabulary has both languages, the switch shows one."""
    manifest, claims, provenance = sample_inputs()
    revised = {"entity": "CHN", "indicator": "x", "period": "2021", "report": 1.0, "latest": 2.0}
    manifest["items"][0]["editions"]["latest"]["revised"] = [revised]
    parser = ZhMode()
    parser.feed(render(manifest, claims, provenance, tmp_path))
    shown = [(kind, text.strip()) for kind, text in parser.watched if kind != "small" or text.strip().endswith((":", "："))]
    assert any(kind == "badge" for kind, _ in shown) and any(kind == "dt" for kind, _ in shown)
    latin = [(kind, text) for kind, text in shown if re.search(r"[A-Za-z]{2,}", re.sub(r"\d+|CSV", "", text))]
    assert latin == []


def test_the_pages_words_are_the_vocabularys_in_both_languages():
    from techgap.vocabulary import LABELS

    assert all(re.search(r"[\u4e00-\u9fff]", w.zh) and re.search(r"[A-Za-z]", w.en) for w in LABELS.values())


def test_the_contents_list_is_not_numbered_twice(built):
    """The contents' chapters carry their own numbers ('3. The state of…'); an ordered list's own numbers doubled
    them ('3. 3.')."""
    rules = dict(css_rules(built["index"]))
    assert rules["ol.toc"].get("list-style") == "none"


def test_a_revised_value_shows_the_names_recorded_for_it(tmp_path):
    """tab07's revised values showed 'WORLD' and 'semi_equipment_billings_yoy_computed'."""
    manifest, claims, provenance = sample_inputs()
    revised = {
        "entity": "WORLD",
        "indicator": "semi_equipment_billings_yoy_computed",
        "period": "2023Q3",
        "report": -10.99,
        "latest": -10.96,
        "names": {"zh": "全球", "en": "World"},
        "label": {"zh": "年增率 (%)", "en": "YoY change (%)"},
    }
    manifest["items"][0]["editions"]["latest"]["revised"] = [revised]
    fig01 = section(render(manifest, claims, provenance, tmp_path), "fig01")
    assert "YoY change (%)" in fig01 and "年增率 (%)" in fig01 and ">World<" in fig01
    assert "semi_equipment_billings_yoy_computed" not in fig01 and "WORLD" not in fig01


def test_dates_on_the_provenance_page_are_kept_on_one_line():
    """provenance.html broke 'retrieved 2026-11-' / '28' at the hyphen."""
    text = (
        "source_id: s\ntitle: T\npublisher: P\nurl: https://example.org/\nretrieved: '2026-11-28'\nlicence: quoted\n"
        "locator: per document\nmethod: transcribed\nformat: techgap-long-csv\npayload: data.csv\n"
        f"sha256: {'ab' * 32}\ndocuments:\n- {{id: d, title: Release of 2024-08-28, publisher: P, url: https://example.org/d,"
        " locator: p. 1, published: '2024-08'}\n"
    )
    shown = page_mod.provenance_summary(text)
    for date in ("2026-11-28", "2024-08-28", "2024-08"):
        assert f'<span class="nw">{date}</span>' in shown

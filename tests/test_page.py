"""The reviewers' page in a real headless Chromium (Debian's, driven by playwright), built by
techgap.page.write_page from the sample v2 manifest and real outputs in tests/fixtures/page/, at a desktop
(1440 px) and a phone (390 px) width: no horizontal overflow, every image loads, the subset web font is the
one used, no console errors (the page's Content-Security-Policy included), every local link resolves.
Set TECHGAP_SCREENSHOTS=<folder> to keep full-page screenshots of both widths."""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest
from conftest import CHROMIUM, CHROMIUM_ARGS
from drawing import plotting
from test_page_unit import sample_inputs, sample_site

from techgap.page import FONT_FAMILY, write_page

WIDTHS = (1440, 390)

LOAD_ALL_IMAGES = (
    "() => Promise.all([...document.images].map(i => { i.loading = 'eager'; return i.decode().catch(() => null); }))"
)
FONT_STATE = """async (family) => {
  await document.fonts.ready;
  const faces = [...document.fonts].filter(f => f.family.replace(/["']/g, '') === family);
  return {faces: faces.map(f => f.status), check: document.fonts.check(`16px "${family}"`, '中國研發')};
}"""
OVERFLOW = """() => ({doc: document.documentElement.scrollWidth, view: window.innerWidth,
  wide: [...document.querySelectorAll('body *')].filter(e => {
    const r = e.getBoundingClientRect();
    return r.width > 0 && r.right > window.innerWidth + 1 && !e.closest('.table-wrap');
  }).slice(0, 5).map(e => e.tagName + '.' + e.className)})"""


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    manifest, claims, provenance = sample_inputs()
    root = tmp_path_factory.mktemp("browser")
    figures = sample_site(root, manifest)
    write_page(figures, manifest, claims, provenance, plotting())
    return figures / "index.html"


def platform_fonts(page, selector: str) -> list[dict]:
    """The fonts Chromium actually drew the element's text with (DevTools protocol)."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("DOM.enable")
    cdp.send("CSS.enable")
    root = cdp.send("DOM.getDocument")["root"]["nodeId"]
    node = cdp.send("DOM.querySelector", {"nodeId": root, "selector": selector})["nodeId"]
    return cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]


@pytest.fixture(scope="module", params=WIDTHS, ids=[f"{w}px" for w in WIDTHS])
def browsed(request, site) -> dict:
    if CHROMIUM is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed: scripts/test.sh installs Debian's chromium")
        pytest.skip("chromium is not installed (scripts/test.sh installs it)")
    from playwright.sync_api import sync_playwright

    width = request.param
    errors: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": width, "height": 900})
        page.on("console", lambda m: errors.append(m.text) if m.type in ("error", "warning") else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("requestfailed", lambda r: errors.append(f"failed: {r.url}"))
        page.goto(site.as_uri(), wait_until="load")
        page.evaluate(LOAD_ALL_IMAGES)
        result = {
            "width": width,
            "images": page.evaluate("() => [...document.images].map(i => [i.getAttribute('src'), i.complete, i.naturalWidth])"),
            "links": page.evaluate("() => [...document.querySelectorAll('a[href]')].map(a => a.href)"),
            "font": page.evaluate(FONT_STATE, FONT_FAMILY),
            "overflow": page.evaluate(OVERFLOW),
            "body_font_px": page.evaluate("() => parseFloat(getComputedStyle(document.body).fontSize)"),
            "img_width": page.evaluate("() => Math.max(...[...document.images].map(i => i.getBoundingClientRect().width))"),
        }
        result["zh_visible_at_first"] = page.evaluate(
            "() => [...document.querySelectorAll('main .l-zh')].filter(e => e.offsetParent !== null).length"
        )
        result["edition_tops"] = page.evaluate(
            "() => [...document.querySelectorAll('.editions')].filter(g => g.children.length === 2)"
            ".map(g => [...g.children].map(e => Math.round(e.getBoundingClientRect().top)))"
        )
        page.click("label[for=lang-en]")
        result["zh_visible_in_en_mode"] = page.evaluate(
            "() => [...document.querySelectorAll('main .l-zh')].filter(e => e.offsetParent !== null).length"
        )
        page.click("#claims summary")  # the ledger's table is closed at first
        page.click("label[for=cf-contradicted]")
        result["claim_rows_shown"] = page.evaluate(
            "() => [...document.querySelectorAll('#claims tbody tr')].filter(r => r.offsetParent !== null).map(r => r.className)"
        )
        page.click("label[for=lang-both]")
        result["overflow_both_languages"] = page.evaluate(OVERFLOW)  # the widest mode: both languages at once
        page.click("label[for=cf-all]")
        shots = os.environ.get("TECHGAP_SCREENSHOTS")
        if shots:
            Path(shots).mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(Path(shots) / f"page_{width}px.png"), full_page=True)
            page.evaluate("() => window.scrollTo(0, 0)")
            page.screenshot(path=str(Path(shots) / f"page_{width}px_top.png"))
        result["errors"] = list(errors)  # before the DevTools CSS domain, which itself logs a file: origin error
        result["h1_fonts"] = platform_fonts(page, "h1 span[lang=zh-Hant]")
        browser.close()
    return result


def test_no_console_errors(browsed):
    assert browsed["errors"] == []


def test_no_horizontal_overflow(browsed):
    for mode in ("overflow", "overflow_both_languages"):
        overflow = browsed[mode]
        assert overflow["doc"] <= overflow["view"], (mode, overflow)
        assert overflow["wide"] == [], (mode, overflow)


def test_every_image_loads(browsed):
    images = browsed["images"]
    assert len(images) == 8  # fig01 report + latest, fig18, gap01; zh and en each
    assert [src for src, complete, width in images if not complete or width == 0] == []


def test_the_subset_web_font_is_used(browsed):
    assert browsed["font"]["faces"] == ["loaded"]
    assert browsed["font"]["check"] is True
    used = browsed["h1_fonts"]
    assert used and all(f["isCustomFont"] for f in used), used  # drawn with the web font, not a system font


def test_readable_text_and_images_fill_the_column(browsed):
    assert browsed["body_font_px"] >= 16
    columns = 2 if browsed["width"] >= 1200 else 1  # the editions side by side on a wide screen
    assert browsed["img_width"] >= min((browsed["width"] - 60) / columns - 40, 900)


def test_one_language_at_first_and_the_editions_side_by_side_on_a_wide_screen(browsed):
    """index.html was 111,257 px tall at 1440 px: both languages shown and the editions stacked."""
    assert browsed["zh_visible_at_first"] == 0
    tops = browsed["edition_tops"]
    assert tops, "no item with both editions in the sample"
    if browsed["width"] >= 1200:
        assert all(report == latest for report, latest in tops)
    else:
        assert all(report < latest for report, latest in tops)


def test_language_switch_and_claims_filter_work_without_script(browsed):
    assert browsed["zh_visible_in_en_mode"] == 0
    rows = browsed["claim_rows_shown"]
    assert rows and set(rows) == {"r-contradicted"}


def test_every_local_link_resolves(browsed, site):
    local = [urlparse(href) for href in browsed["links"] if href.startswith("file:")]
    targets = [Path(unquote(u.path)) for u in local]
    assert any(t.suffix == ".csv" for t in targets) and any(t.name == "provenance.html" for t in targets)
    built_elsewhere = {"drift.md", "claims.md", "claims.csv", "manifest.json", "report.html"}  # other rules write these
    not_in_fixture = {".svg"}  # the fixture holds the PNGs, tables' Markdown and CSVs, not the SVGs or table images
    missing = [
        str(t)
        for t in targets
        if not t.exists()
        and t.name not in built_elsewhere
        and t.suffix not in not_in_fixture
        and not (t.suffix == ".png" and t.name.startswith("tab"))
    ]
    assert missing == []


def test_provenance_documents_read_on_a_phone_without_a_sideways_scroll(site):
    """provenance.html's document tables are cards on a phone (as the claims ledger): no table scrolls sideways at
    390 px, and each cell says which column it is."""
    if CHROMIUM is None:
        pytest.skip("chromium is not installed (scripts/test.sh installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 390, "height": 900})
        page.goto((site.parent / "provenance.html").as_uri(), wait_until="load")
        tables = page.evaluate("() => [...document.querySelectorAll('.table-wrap')].map(w => [w.scrollWidth, w.clientWidth])")
        label = page.evaluate("() => getComputedStyle(document.querySelector('table.cards td'), '::before').content")
        width = page.evaluate("() => document.documentElement.scrollWidth")
        browser.close()
    assert tables and all(scroll <= client + 1 for scroll, client in tables), tables
    assert label == '"id: "' and width <= 390

"""The reviewers' page, opened from disk in a real headless Chromium: it loads without console
errors, every image loads, every data and source link resolves."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest
from conftest import ROOT

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="module")
def page_report():
    if CHROMIUM is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed: scripts/test.sh installs Debian's chromium")
        pytest.skip("chromium is not installed (scripts/test.sh installs it)")
    from playwright.sync_api import sync_playwright

    index = ROOT / "figures" / "index.html"
    errors: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page()
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("requestfailed", lambda r: errors.append(f"failed: {r.url}"))
        page.goto(index.as_uri(), wait_until="load")
        page.evaluate("() => Promise.all([...document.images].map(i => i.loading === 'lazy' ? "
                      "(i.loading = 'eager', i.decode().catch(() => null)) : i.decode().catch(() => null)))")
        images = page.evaluate("() => [...document.images].map(i => [i.getAttribute('src'), i.complete, i.naturalWidth])")
        links = page.evaluate("() => [...document.querySelectorAll('a[href]')].map(a => a.href)")
        sections = page.evaluate("() => [...document.querySelectorAll('section[id]')].map(s => s.id)")
        browser.close()
    return {"errors": errors, "images": images, "links": links, "sections": sections, "index": index}


def test_page_has_no_console_errors(page_report):
    assert page_report["errors"] == []


def test_every_image_loads(page_report):
    images = page_report["images"]
    assert len(images) >= 2 * 27  # zh and en image of every drawn item
    broken = [src for src, complete, width in images if not complete or width == 0]
    assert broken == []


def test_every_local_link_resolves(page_report):
    local = [urlparse(href) for href in page_report["links"] if href.startswith("file:")]
    assert any(u.path.endswith(".csv") for u in local)
    missing = [u.path for u in local if not Path(unquote(u.path)).exists()]
    assert missing == []


def test_items_appear_in_report_order_with_the_ledger(page_report):
    sections = page_report["sections"]
    assert sections[:3] == ["tab01", "fig01", "fig02"]
    assert "fig14" in sections and sections[-1] == "claims"

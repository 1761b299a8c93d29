"""figures/review.html on a real build: the outputs accepted (a changelog record made here, with a given date), a new
ISSCC vintage revising China's 2023 count by ÷10, Snakemake run again. The page lists only the item editions that
changed, with the accepted drawing beside the new one (one language at a time), the values and texts that changed and
the drift rows behind the change, the newest vintage first; when nothing changed it says so, with the same bytes
whether or not the accepted copies are on the machine. Nothing here reads git or the clock."""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
from pathlib import Path
from urllib.parse import unquote

import pytest
from conftest import CHROMIUM, CHROMIUM_ARGS, add_vintage, fork, planned_jobs, snakemake

from techgap.changelog import ACCEPTED_DIR, accept
from techgap.config import load_project
from techgap.review import REVIEW_FILE, STATE_WORDS, render_review, texts_html

DAY = dt.date(2031, 5, 17)
INTRO = "# Changelog\n\n## 0.1.0 — 2026-12-07\n\nFirst citable version.\n"


def _revise_isscc(vintage: Path) -> None:
    payload = vintage / "data.csv"
    text = payload.read_text(encoding="utf-8")
    assert text.count(",2023,isscc_accepted_papers,59,") == 1
    payload.write_text(text.replace(",2023,isscc_accepted_papers,59,", ",2023,isscc_accepted_papers,5.9,"), encoding="utf-8")


@pytest.fixture(scope="module")
def reviewed(built_project: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    root = fork(built_project, tmp_path_factory.mktemp("review") / "fork")
    (root / "CHANGELOG.md").write_text(INTRO, encoding="utf-8")
    project = load_project(root)
    accept(root, project.figures_dir, project.raw_dir, "the outputs as built", DAY)
    snakemake(root, "--quiet")  # the changelog is a new input: the review is made again, the accepted copies kept
    page = root / "figures" / REVIEW_FILE
    nothing = page.read_bytes()
    copies = root / ACCEPTED_DIR
    assert (copies / "latest" / "fig05" / "fig05_zh.png").is_file()
    kept = copies.with_name("accepted-aside")
    copies.rename(kept)  # the same page without the accepted copies on the machine
    nothing_without_copies = render_review(load_project(root)).encode("utf-8")
    kept.rename(copies)
    no_rerun = planned_jobs(root)  # the copies the review job keeps are no input: nothing reruns
    vintage = add_vintage(root, "isscc", _revise_isscc)
    result = snakemake(root, "figures/review.html")  # the jobs the page reads (the ledger and the manifest do not run)
    return {
        "root": root,
        "nothing": nothing,
        "nothing_without_copies": nothing_without_copies,
        "no_rerun": no_rerun,
        "html": page.read_text(encoding="utf-8"),
        "vintage": vintage.name,
        "summary": result.stdout + result.stderr,
    }


def _section(html: str, anchor: str) -> str:
    start = html.index(f'<section class="review-item" id="{anchor}">')
    return html[start : html.index("</section>", start)]


def test_when_nothing_changed_the_page_says_so_with_the_same_bytes_on_any_machine(reviewed):
    nothing = reviewed["nothing"].decode("utf-8")
    assert (
        "<strong>Nothing to review</strong>: all " in nothing and "item editions under figures/ are the ones accepted" in nothing
    )
    body = nothing.split("<body>", 1)[1]
    assert "<img" not in body and "review-item" not in body
    assert reviewed["nothing"] == reviewed["nothing_without_copies"]
    assert str(reviewed["root"]) not in nothing and "2031" not in nothing  # no path, no date


def test_keeping_the_accepted_copies_reruns_nothing(reviewed):
    assert reviewed["no_rerun"] == set()


def test_only_the_changed_item_editions_are_listed(reviewed):
    sections = re.findall(r'<section class="review-item" id="([^"]+)">', reviewed["html"])
    assert sections == ["latest-fig05", "latest-gap01", "latest-gap02"]  # the report edition reads the pinned vintage


def test_the_accepted_drawing_is_beside_the_new_one_one_language_at_a_time(reviewed):
    figures = reviewed["root"] / "figures"
    fig05 = _section(reviewed["html"], "latest-fig05")
    for lang in ("zh", "en"):
        pair = re.search(rf'<div class="pair l-{lang}"[^>]*>(.*?)</div>', fig05).group(1)
        accepted, new = re.findall(r'<img src="([^"]+)"', pair)
        assert accepted == f"../build/accepted/latest/fig05/fig05_{lang}.png" and new == f"latest/fig05/fig05_{lang}.png"
        old_file, new_file = (figures / unquote(accepted)).resolve(), figures / new
        assert old_file.is_file() and new_file.is_file()
        assert old_file.read_bytes() != new_file.read_bytes()
        assert pair.index("Accepted" if lang == "en" else "已接受") < pair.index("New" if lang == "en" else "新版")
    head = reviewed["html"].split("</head>", 1)[0]
    assert '<input type="radio" name="lang" id="lang-zh" class="visually-hidden" checked>' in reviewed["html"]
    assert "#lang-zh:checked~main .l-en" in head and "lang-both" not in reviewed["html"].split("</head>", 1)[1]


def test_the_values_that_changed_come_from_the_items_csv(reviewed):
    fig05 = _section(reviewed["html"], "latest-fig05")
    values = fig05.split("Values that changed", 1)[1].split("</table>", 1)[0]
    rows = re.findall(
        r"<tr><td>(\w+)</td><td>([^<]*)</td><td>(\w+)</td><td class=\"num\">([^<]*)</td><td class=\"num\">([^<]*)</td>", values
    )
    assert rows == [("revised", "CHN isscc_accepted_papers 2023", "value", "59", "5.9")]
    gap01 = _section(reviewed["html"], "latest-gap01")
    assert re.search(r"<td>isscc_papers_usa [^<]*2023[^<]*</td><td>china_value</td><td class=\"num\">59</td>", gap01)


def test_the_drift_rows_behind_the_change_are_shown_newest_vintage_first_loud_ones_marked(reviewed):
    fig05 = _section(reviewed["html"], "latest-fig05")
    drift = fig05.split("Drift behind the change", 1)[1]
    assert re.search(rf'<tr class="loud"><td>{reviewed["vintage"]}</td><td>isscc</td>.*?<strong>⚠ ÷10</strong>', drift)
    gap01 = _section(reviewed["html"], "latest-gap01").split("Drift behind the change", 1)[1]
    vintages = re.findall(r"<tr(?: class=\"loud\")?><td>(\d{4}-\d{2}-\d{2})</td><td>(\w+)</td>", gap01)
    # gap01 reads five sources; only ISSCC's vintage is new since the accepted edition: the drift of the vintages
    # the accepted edition already read (MSTI's, Nature Index's, NISTEP's) is not behind this change
    assert vintages and set(vintages) == {(reviewed["vintage"], "isscc")}, vintages
    header = re.findall(r"<th[^>]*>([^<]+)</th>", gap01.split("</tr>", 1)[0])
    assert {"category", "document"} <= set(header), header  # a cell of two documents is two rows, told apart
    summary = reviewed["html"].split("Changed item editions", 1)[1].split("</table>", 1)[0]
    assert '<tr class="loud"><td><a href="#latest-fig05">latest/fig05</a>' in summary


def test_the_build_summary_counts_the_loud_change(reviewed):
    assert "1 of them loud change between vintages (look first: figures/drift.md)" in reviewed["summary"]


def test_texts_that_changed_are_shown_per_language_behind_the_switch():
    html = texts_html(
        [
            {"field": "subtitle", "lang": "zh", "accepted": "2013-2023", "new": "2013-2026"},
            {"field": "status", "lang": "", "accepted": "partial", "new": "reproduced"},
            {"field": "note", "lang": "en", "accepted": "<b>", "new": ""},
        ]
    )
    rows = re.findall(r"<tr( class=\"[^\"]+\")?><td>(\w+)</td>", html)
    assert rows == [(' class="l-zh"', "subtitle"), ("", "status"), (' class="l-en"', "note")]
    assert "&lt;b&gt;" in html and "<b>" not in html


def test_without_an_accepted_record_the_page_says_to_record_one(built_project, tmp_path):
    root = tmp_path / "project"
    root.mkdir()
    for name in ("config", "figures"):
        os.symlink(built_project / name, root / name)
    (root / "data").mkdir()
    os.symlink(built_project / "data" / "raw", root / "data" / "raw")
    html = render_review(load_project(root))
    assert "<strong>No accepted outputs recorded yet</strong>" in html and "bash scripts/accept.sh" in html


def test_the_pages_own_chinese_words_are_in_the_subset_web_font(built_project):
    from techgap.page import page_characters

    figures = built_project / "figures"
    pages = [(figures / name).read_text(encoding="utf-8") for name in ("index.html", "provenance.html")]
    chars = set(page_characters(*pages))
    source = (Path(__file__).resolve().parents[1] / "src" / "techgap" / "review.py").read_text(encoding="utf-8")
    words = set(re.findall(r"[\u4e00-\u9fff]+", source)) | {zh for zh, _ in STATE_WORDS.values()}
    missing = {w: "".join(c for c in w if c not in chars) for w in words}
    assert {w: m for w, m in missing.items() if m} == {}


def test_the_changed_page_in_a_browser_loads_every_drawing_and_switches_language(reviewed):
    if CHROMIUM is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed: scripts/test.sh installs Debian's chromium")
        pytest.skip("chromium is not installed (scripts/test.sh installs it)")
    from playwright.sync_api import sync_playwright

    errors: list[str] = []
    visible = "(cls) => [...document.querySelectorAll('main .' + cls)].filter(e => e.offsetParent !== null).length"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1440, "height": 900})
        page.on("console", lambda m: errors.append(m.text) if m.type in ("error", "warning") else None)
        page.on("requestfailed", lambda r: errors.append(f"failed: {r.url}"))
        page.goto((reviewed["root"] / "figures" / REVIEW_FILE).as_uri(), wait_until="load")
        page.evaluate(
            "() => Promise.all([...document.images].map(i => { i.loading = 'eager'; return i.decode().catch(() => null); }))"
        )
        images = page.evaluate("() => [...document.images].map(i => [i.getAttribute('src'), i.complete, i.naturalWidth])")
        zh_mode = (page.evaluate(visible, "l-zh"), page.evaluate(visible, "l-en"))
        page.click("label[for=lang-en]")
        en_mode = (page.evaluate(visible, "l-zh"), page.evaluate(visible, "l-en"))
        browser.close()
    assert errors == []
    assert len(images) == 12 and [src for src, complete, width in images if not complete or width == 0] == []  # 3 x 2 langs x 2
    assert zh_mode[0] > 0 and zh_mode[1] == 0
    assert en_mode[0] == 0 and en_mode[1] > 0


def test_a_deleted_accepted_copy_is_said_not_compared(reviewed, tmp_path):
    root = reviewed["root"]
    aside = tmp_path / "aside"
    shutil.move(root / ACCEPTED_DIR / "latest" / "fig05", aside)
    try:
        html = render_review(load_project(root))
    finally:
        shutil.move(aside, root / ACCEPTED_DIR / "latest" / "fig05")
    fig05 = _section(html, "latest-fig05")
    assert "The accepted files of this item edition are not on this machine" in fig05
    assert "Values that changed" not in fig05 and "../build/accepted" not in fig05

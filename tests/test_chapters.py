"""Report chapters: every item has one, and each chapter's caption renders in `snakemake --report`."""

from __future__ import annotations

from html import escape
from types import SimpleNamespace

import pytest
from conftest import ROOT

from techgap.chapters import load_chapters
from techgap.config import load_project
from techgap.errors import InputError


def _render_rst(path, snakemake) -> str:
    """What Snakemake's report does with a caption: Jinja, then docutils to HTML."""
    from docutils.core import publish_parts
    from jinja2 import Environment

    text = Environment(autoescape=False).from_string(path.read_text(encoding="utf-8")).render(snakemake=snakemake)  # noqa: S701 - rst
    return publish_parts(text, writer="html", settings_overrides={"halt_level": 2, "report_level": 2})["html_body"]


def test_every_item_has_a_chapter_with_a_caption_file(project_root):
    project = load_project(project_root)
    chapters = load_chapters(project)
    for item in project.items:
        assert (ROOT / chapters.caption(item.id)).is_file()
    assert chapters.category("fig01").startswith("參、")
    assert chapters.category("tab01").startswith("壹、")


def test_an_item_without_a_chapter_is_named(project_root):
    path = project_root / "config" / "chapters.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("  fig05: ch3_status\n", ""), encoding="utf-8")
    with pytest.raises(InputError, match="fig05 has no chapter"):
        load_chapters(load_project(project_root))


def test_an_unknown_chapter_key_is_named(project_root):
    path = project_root / "config" / "chapters.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("fig05: ch3_status", "fig05: ch9"), encoding="utf-8")
    with pytest.raises(InputError) as caught:
        load_chapters(load_project(project_root))
    assert caught.value.field == "items.fig05"


def test_chapter_captions_list_the_jobs_items_with_status(project_root):
    project = load_project(project_root)
    chapters = load_chapters(project)
    item = project.item("tab03")
    params = {"specs": {"items": {item.id: item.model_dump(mode="json")}}}
    html = _render_rst(ROOT / chapters.caption("tab03"), SimpleNamespace(params=params, config={}))
    assert escape(item.title.en, quote=False) in html and item.title.zh in html
    assert f"<em>{item.status}</em>: {escape(item.status_reason, quote=False)}" in html
    for key in chapters.chapters:  # every caption renders without a job's params too
        assert "<h1" in _render_rst(ROOT / "workflow" / "report" / f"{key}.rst", SimpleNamespace(params={}, config={}))


def test_workflow_description_shows_pinned_vintages():
    html = _render_rst(
        ROOT / "workflow" / "report" / "workflow.rst",
        SimpleNamespace(config={"min_year": 1990, "max_year": 2030, "vintages": {"oecd_msti": "2026-11-27"}}),
    )
    assert "oecd_msti" in html and "2026-11-27" in html
    html = _render_rst(ROOT / "workflow" / "report" / "workflow.rst", SimpleNamespace(config={}))
    assert "No vintage pinned" in html

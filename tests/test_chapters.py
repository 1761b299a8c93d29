"""Report chapters: every item has one, and each chapter's caption renders in `snakemake --report`."""

from __future__ import annotations

import json
import re
from html import escape, unescape
from types import SimpleNamespace

import pytest
from conftest import ROOT, fork, snakemake

from techgap.chapters import PLACEHOLDER, item_caption, load_chapters, read_record, write_item_captions
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


def _render_caption(text: str) -> tuple[str, list]:
    """A caption as Snakemake renders it (Jinja, then docutils), and the problems docutils reported."""
    from docutils.core import publish_parts
    from jinja2 import Environment

    rst = Environment(autoescape=False).from_string(text).render(snakemake=SimpleNamespace(params={}, config={}))  # noqa: S701
    parts = publish_parts(rst, writer="html", settings_overrides={"report_level": 2, "halt_level": 5, "warning_stream": False})
    return parts["html_body"], re.findall(r'class="system-message"', parts["html_body"])


def test_every_caption_is_filled_from_its_editions_record(built_project):
    """The captions `snakemake --report` shows: the edition's status and reason as built, no `{field}` left."""
    project = load_project(built_project)
    chapters = load_chapters(project)
    written = write_item_captions(project, chapters)
    assert set(written) == {(item.id, edition) for item in project.items if item.renders for edition in ("report", "latest")}
    for (item_id, edition), relative in written.items():
        record = json.loads((built_project / "figures" / edition / item_id / f"{item_id}.meta.json").read_text(encoding="utf-8"))
        html, problems = _render_caption((built_project / relative).read_text(encoding="utf-8"))
        assert problems == [], f"{item_id} {edition}: docutils reported a problem"
        text = unescape(re.sub(r"<[^>]+>", "", html))
        assert not PLACEHOLDER.search(text), f"{item_id} {edition} keeps a template field: {PLACEHOLDER.search(text)[0]}"
        assert " ".join(record["reason"].split()) in " ".join(text.split()), f"{item_id} {edition}: its reason is not shown"
        assert record["status"] in text and record["texts"]["title"]["en"] in text
        assert chapters.chapters[chapters.items[item_id]].en in text  # under its chapter's description


def test_a_configured_reason_with_template_fields_is_shown_filled(built_project):
    """tab07's latest reason is configured with {periods} and {missing}; its caption shows what they were filled with."""
    project = load_project(built_project)
    configured = project.item("tab07").status_reason["latest"]
    assert "{periods}" in configured and "{missing}" in configured
    record = read_record(built_project, project.item("tab07"), "latest")
    caption = item_caption("Chapter\n=======\n", project.item("tab07"), "latest", record, "reproduced")
    html, _ = _render_caption(caption)
    assert "{periods}" not in html and ", ".join(record["periods"]) in html


def test_an_item_not_built_yet_says_so_without_template_fields(project_root):
    project = load_project(project_root)
    item = project.item("tab07")
    html, problems = _render_caption(item_caption("Chapter\n=======\n", item, "latest", None, "reproduced"))
    assert problems == [] and "not built yet" in html and "<em>reproduced</em>" in html
    assert not PLACEHOLDER.search(html)


def test_texts_in_a_caption_stay_text(project_root):
    """A reason is put in the caption as text: no Jinja, no reStructuredText markup, whatever it holds."""
    project = load_project(project_root)
    item = project.item("tab03")
    hostile = "{{ 7*7 }} {% if true %}x{% endif %} *bold* `code` name_ |sub| back\\slash {#c#}"
    record = {"status": "reproduced", "reason": hostile, "periods": ["2019-2021"], "texts": {"title": item.title.model_dump()}}
    html, problems = _render_caption(item_caption("Chapter\n=======\n", item, "report", record, "reproduced"))
    assert problems == []
    assert escape(hostile, quote=False) in html


def test_captions_are_rewritten_only_when_their_text_changes(built_project, tmp_path):
    root = fork(built_project, tmp_path / "project")
    project = load_project(root)
    chapters = load_chapters(project)
    written = write_item_captions(project, chapters)
    path = root / written[("fig05", "latest")]
    before = path.stat().st_mtime_ns
    write_item_captions(project, chapters)
    assert path.stat().st_mtime_ns == before
    record_path = root / "figures" / "latest" / "fig05" / "fig05.meta.json"
    record = json.loads(record_path.read_text(encoding="utf-8"))
    record["reason"] = "A reason the next build gave."
    record_path.write_text(json.dumps(record), encoding="utf-8")
    write_item_captions(project, chapters)
    assert "A reason the next build gave." in path.read_text(encoding="utf-8")


def test_snakemake_report_captions_hold_no_template_field(built_project, tmp_path):
    """The real thing: `snakemake --report` on a fork of the session's build; every figure's caption is filled."""
    import zipfile

    root = fork(built_project, tmp_path / "project")
    snakemake(root, "--report", str(tmp_path / "report.zip"))
    with zipfile.ZipFile(tmp_path / "report.zip") as archive:
        page = next(archive.read(n).decode("utf-8") for n in archive.namelist() if n.endswith("report.html"))
    captions = [json.loads(f'"{c}"') for c in re.findall(r'"caption": "((?:[^"\\]|\\.)*)"', page)]
    assert len(captions) >= 4 * sum(1 for item in load_project(root).items if item.renders)  # zh/en x report/latest
    for caption in captions:
        assert not PLACEHOLDER.search(unescape(re.sub(r"<[^>]+>", "", caption))), caption
    record = json.loads((root / "figures" / "latest" / "tab07" / "tab07.meta.json").read_text(encoding="utf-8"))
    assert any(escape(record["reason"], quote=False) in caption for caption in captions)


def test_workflow_description_shows_pinned_vintages():
    html = _render_rst(
        ROOT / "workflow" / "report" / "workflow.rst",
        SimpleNamespace(config={"min_year": 1990, "max_year": 2030, "vintages": {"oecd_msti": "2026-11-27"}}),
    )
    assert "oecd_msti" in html and "2026-11-27" in html
    html = _render_rst(ROOT / "workflow" / "report" / "workflow.rst", SimpleNamespace(config={}))
    assert "No vintage pinned" in html

"""A latest edition that would draw the report's figure (its sources hold nothing newer) takes over the
report edition's drawing with its own subtitle: the same bytes as drawing it afresh, at a fraction of the cost."""

from __future__ import annotations

import dataclasses
import shutil

import matplotlib.pyplot as plt
import pytest

from techgap.config import load_project
from techgap.editions import item_snapshots
from techgap.entities import EntityRegistry
from techgap.normalize import normalize_source
from techgap.provenance import load_provenance
from techgap.render import items
from techgap.render.charts import replace_subtitle
from techgap.render.style import apply_style


def only_the_report_vintage(root, source_id: str) -> None:
    """Leave the source with the vintage the report edition pins: the latest edition has nothing newer."""
    project = load_project(root)
    pinned = project.settings.report_vintages[source_id]
    for folder in (root / "data" / "raw" / source_id).iterdir():
        if folder.is_dir() and folder.name != pinned:
            shutil.rmtree(folder)


def inputs(root, item_id: str):
    apply_style()
    project = load_project(root)
    item = project.item(item_id)
    pairs = item_snapshots(project, item)
    frames = {(s, v): normalize_source(project, s, v) for s, v in pairs}
    provenances = {(s, v): load_provenance(project.raw_dir / s / v / "provenance.yaml") for s, v in pairs}
    return project, item, frames, EntityRegistry(project.entities), provenances


def build(root, item_id: str) -> dict[str, bytes]:
    project, item, frames, registry, provenances = inputs(root, item_id)
    return items.build_item(project, item, frames, registry, provenances, project.figures_dir)


@pytest.fixture
def tab01_root(project_root):
    only_the_report_vintage(project_root, "us_tech_controls")  # tab01's one source
    return project_root


def test_the_latest_edition_reuses_the_report_drawing_and_writes_what_a_fresh_drawing_writes(tab01_root, monkeypatch):
    drawn = []
    draw = items.draw_prepared

    def counting(prepared, ctx):
        drawn.append(ctx.lang)
        return draw(prepared, ctx)

    monkeypatch.setattr(items, "draw_prepared", counting)
    reused = build(tab01_root, "tab01")
    assert drawn == ["zh", "en"]  # the report edition's two drawings only

    monkeypatch.setattr(items, "draws_alike", lambda one, other: False)
    drawn.clear()
    fresh = build(tab01_root, "tab01")
    assert drawn == ["zh", "en", "zh", "en"]
    assert reused.keys() == fresh.keys()
    assert [path for path in fresh if reused[path] != fresh[path]] == []
    for ext in ("png", "svg"):  # the subtitle names the edition, so the editions' images still differ
        report, latest = (file(fresh, f"figures/{e}/tab01/tab01_en.{ext}") for e in ("report", "latest"))
        assert report != latest
    assert b"latest edition" in file(fresh, "figures/latest/tab01/tab01.meta.json")


def file(files: dict[str, bytes], relative: str) -> bytes:
    (data,) = [data for path, data in files.items() if path.replace("\\", "/").endswith(relative)]
    return data


def report_drawing(root, item_id: str, lang: str = "en"):
    project, item, frames, registry, provenances = inputs(root, item_id)
    edition_frames, edition_provenance, published, _ = items.edition_inputs(project, item, "report", frames, provenances)
    prepared = items.prepare_edition(project, item, "report", edition_frames, registry, edition_provenance, published)
    return prepared, items.draw_prepared(prepared, items.context(registry, lang))[0]


def test_a_subtitle_that_would_take_more_lines_is_not_put_in(tab01_root):
    prepared, fig = report_drawing(tab01_root, "tab01")
    subtitle = next(t for t in fig.texts if hasattr(t, "techgap_subtitle_wrap"))
    before = subtitle.get_text()
    assert before.startswith(prepared.drawn.spec["subtitle"]["en"].split(" ")[0])
    assert replace_subtitle(fig, "a much longer subtitle " * 30) is False  # would push the body down
    assert subtitle.get_text() == before
    assert replace_subtitle(fig, before.replace("report edition", "latest edition")) is True
    assert subtitle.get_text().endswith("latest edition")
    plt.close(fig)


def test_editions_with_any_other_difference_are_not_alike(tab01_root):
    prepared, fig = report_drawing(tab01_root, "tab01")
    plt.close(fig)
    assert items.draws_alike(prepared, prepared)
    other_subtitle = {**prepared.drawn.spec, "subtitle": {"zh": "其他", "en": "other"}}
    assert items.draws_alike(
        prepared, dataclasses.replace(prepared, drawn=dataclasses.replace(prepared.drawn, spec=other_subtitle))
    )
    revised = prepared.rows.copy()
    revised.loc[revised.index[0], "value"] = revised["value"].iloc[0] + 1
    assert not items.draws_alike(prepared, dataclasses.replace(prepared, rows=revised))
    note = {**prepared.drawn.spec, "note": {"zh": "註", "en": "a note"}}
    assert not items.draws_alike(prepared, dataclasses.replace(prepared, drawn=dataclasses.replace(prepared.drawn, spec=note)))
    source = {"zh": "資料來源：其他", "en": "Source: another release"}
    assert not items.draws_alike(
        prepared, dataclasses.replace(prepared, drawn=dataclasses.replace(prepared.drawn, source_line=source))
    )

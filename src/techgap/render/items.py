"""Render items: for each edition, the tidy CSV behind it, a record of what was built (meta JSON), then the
figure (or table) in Traditional Chinese and English as PNG and SVG — all from processed tables.

Everything is drawn in memory first; files are written only when every item of the job has been validated and
drawn, so a failure writes nothing."""

from __future__ import annotations

import json
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from techgap import gaps, periods, selection, switches, texts
from techgap.config import ItemSpec, Project
from techgap.editions import EditionItem, edition_item, edition_sources, edition_vintages
from techgap.entities import EntityRegistry
from techgap.errors import InputError
from techgap.io import csv_bytes, figure_bytes
from techgap.kinds import GapSpec
from techgap.logs import get_logger
from techgap.model import Bilingual
from techgap.paths import EDITIONS, FIGURE_FORMATS, LANGS, item_dir, item_outputs
from techgap.provenance import Provenance
from techgap.render import checks, drawer
from techgap.render.layout import Context, Drawing

ITEMS_FILE = Path("config/items.yaml")
log = get_logger("render")


@dataclass(frozen=True)
class DrawnItem:
    """What a draw function sees: the edition's item with every text filled from the data."""

    id: str
    kind: str
    chart: str
    title: Bilingual
    source_line: dict[str, str]
    spec: Any  # the chart kind's model, its texts filled and its `latest` tokens resolved


@dataclass
class PreparedEdition:
    """One edition of one item ready to draw: its rows, the CSV, the drawn item, its texts and warnings."""

    item: EditionItem
    rows: pd.DataFrame  # long rows (entity, indicator, period, value): what the editions are compared on
    data: pd.DataFrame  # the CSV written beside the item (the gap analysis: its pair rows)
    drawn: DrawnItem
    made: dict[str, Any]
    warnings: list[str]
    gap: gaps.GapAnalysis | None = None  # a gap item's analysis, which its drawings read


@dataclass
class EditionBuild:
    item_id: str
    edition: str
    rows: pd.DataFrame
    data: pd.DataFrame
    meta: dict[str, Any]
    files: dict[str, bytes] = field(default_factory=dict)


def item_rows(
    item: EditionItem, frames: Mapping[str, pd.DataFrame], registry: EntityRegistry, published: selection.Published
) -> pd.DataFrame:
    """The rows an edition of an item draws, in source order, after its derive steps, with Chinese names."""
    rows = selection.selected_rows(item.selections, frames, published)
    for step in item.spec.derive:
        rows = selection.apply_derive(rows, step)
    if rows.empty:
        raise InputError(
            ITEMS_FILE,
            f"item {item.id}: its data selection matched no rows",
            field="spec.data",
            expected="selections that match rows of the vintages in use",
        )
    names_zh = {code: registry.name(code, "zh") for code in rows["entity_code"].unique()}
    return selection.with_zh_names(rows, names_zh)


def resolve_tokens(spec: Any, rows: pd.DataFrame) -> Any:
    """Drawing parameters that name periods (`current: latest`, `previous: latest-1y`) resolved to the periods the
    rows hold; panels that list no periods get the rows' own; forecast years say so in every legend."""
    observed = [p for p in set(rows.loc[rows["value"].notna(), "period"]) if not periods.is_forecast(p)]
    newest = max(observed, key=periods.order) if observed else None
    update: dict[str, Any] = {}
    for name in type(spec).model_fields:
        value = getattr(spec, name)
        if isinstance(value, str) and periods.LATEST.match(value) and newest is not None:
            update[name] = periods.resolve_latest(value, newest)
    if "periods" in type(spec).model_fields and spec.periods is None:
        update["periods"] = sorted(set(rows["period"]), key=periods.order)
    if "series_labels" in type(spec).model_fields:
        labels = dict(spec.series_labels)
        for period in sorted(set(rows["period"])):
            if periods.is_forecast(period) and period not in labels:
                labels[period] = Bilingual(zh=f"{period[:4]} 年 (預測)", en=f"{period[:4]} (forecast)")
        update["series_labels"] = labels
    return spec.model_copy(update=update) if update else spec


def alt_text(
    item: EditionItem, rows: pd.DataFrame, registry: EntityRegistry, lang: str, subtitle: str, title: str | None = None
) -> str:
    """A description a screen reader can read: what is drawn, for whom, over which periods."""
    codes = list(dict.fromkeys(rows["entity_code"]))
    names = [registry.name(c, lang) for c in codes[:8]]
    more = len(codes) - len(names)
    kind = {"figure": {"zh": "圖", "en": "Chart"}, "table": {"zh": "表", "en": "Table"}}[item.kind][lang]
    who = ("、" if lang == "zh" else ", ").join(names) + (f" (+{more})" if more > 0 else "")
    return f"{kind}: {title if title is not None else item.title.in_language(lang)} — {subtitle}; {who}"


def prepare_edition(
    project: Project,
    item: ItemSpec,
    edition: str,
    frames: Mapping[str, pd.DataFrame],
    registry: EntityRegistry,
    provenances: Mapping[str, Provenance],
    published: selection.Published,
    withheld: Collection[str] = (),
) -> PreparedEdition:
    """Select and check the rows of one edition, and make its texts from them."""
    resolved = edition_item(project, item, edition, withheld)
    gap = None
    if isinstance(resolved.spec, GapSpec):
        gap = gaps.analyse(dict(frames), resolved.spec.analysis)
        if resolved.spec.trajectories_only:
            gap = gap.with_trajectories()
        data, rows = gap.rows, gaps.long_view(gap.rows)
    else:
        rows = item_rows(resolved, frames, registry, published)
        data = selection.tidy(rows)
        selection.check_required(resolved.id, resolved.spec.require_complete, rows, resolved.sources[0])
    warnings = selection.absent_entities(resolved.id, resolved.selections, getattr(resolved.spec, "derive", []), rows)
    if warnings and edition == "report":
        raise InputError(
            ITEMS_FILE,
            warnings[0] + " (the report edition must draw every entity it names)",
            field="spec.data.entities",
            expected="entities the pinned report vintage holds",
        )
    made = texts.edition_texts(resolved, rows, frames, provenances, registry.name)
    spec = resolve_tokens(resolved.spec.model_copy(update=made["spec"]), rows)
    drawn = DrawnItem(
        id=item.id, kind=item.kind, chart=item.chart, title=made["title"], source_line=made["source_line"], spec=spec
    )
    return PreparedEdition(resolved, rows, data, drawn, made, warnings, gap)


def built_status(prepared: PreparedEdition) -> str:
    """The edition's status; a coverage switch resolved on whether every requested cell has a value."""
    return switches.for_coverage(prepared.item.status, complete=not texts.missing_by_entity(prepared.rows, prepared.item.spec))


def context(project: Project, registry: EntityRegistry, lang: str) -> Context:
    return Context(lang=lang, name=lambda code: registry.name(code, lang), plotting=project.plotting, country=registry.country)


def draw_prepared(prepared: PreparedEdition, ctx: Context) -> Drawing:
    """The drawing of one language (and, for a table, its Markdown)."""
    drawn_from = prepared.gap if prepared.gap is not None else prepared.rows
    return drawer(prepared.drawn.chart)(prepared.drawn, drawn_from, ctx)


def draw_edition(
    project: Project,
    item: ItemSpec,
    edition: str,
    frames: Mapping[str, pd.DataFrame],
    registry: EntityRegistry,
    provenances: Mapping[str, Provenance],
    published: selection.Published,
    figures_dir: Path,
    withheld: Collection[str] = (),
) -> EditionBuild:
    """One edition of one item, drawn in memory: rows, texts, images, tables and its record."""
    import matplotlib.pyplot as plt

    prepared = prepare_edition(project, item, edition, frames, registry, provenances, published, withheld)
    rows, spec, made = prepared.rows, prepared.drawn.spec, prepared.made
    base = item_dir(item.id, edition, figures_dir)
    build = EditionBuild(item.id, edition, rows, prepared.data, meta={})
    alt = {}
    found = []
    for lang in LANGS:
        ctx = context(project, registry, lang)
        drawing = draw_prepared(prepared, ctx)
        if drawing.markdown is not None:
            build.files[str(base / f"{item.id}_{lang}.md")] = drawing.markdown.encode("utf-8")
        for fmt in FIGURE_FORMATS:
            build.files[str(base / f"{item.id}_{lang}.{fmt}")] = figure_bytes(drawing.figure, fmt, salt=f"{item.id}-{lang}")
            if fmt == "png":  # saving drew the figure: check it as it was drawn, before the SVG is written
                drawing.laid_out = True
                problems = check_drawing(drawing, prepared, ctx.color)
                found += [f"item {item.id} ({edition}, {lang}): {problem}" for problem in problems]
        plt.close(drawing.figure)
        alt[lang] = alt_text(
            prepared.item, rows, registry, lang, spec.subtitle.in_language(lang), prepared.drawn.title.in_language(lang)
        )
    build.meta = {
        "id": item.id,
        "edition": edition,
        "status": built_status(prepared),
        "reason": made["status_reason"],
        "periods": texts.drawn_periods(rows),
        "warnings": prepared.warnings + found,
        "alt": alt,
        "texts": {
            "title": prepared.drawn.title.model_dump(),
            "source_line": made["source_line"],
            "subtitle": spec.subtitle.model_dump(),
            "note": spec.note.model_dump() if spec.note else {},
        },
        "sources": source_records(rows, provenances),
    }
    return build


def check_drawing(drawing: Drawing, prepared: PreparedEdition, own_colour: Callable[[str], str]) -> list[str]:
    """What the figure checks find wrong with a drawing (render/checks.py): texts off the canvas or on top of each
    other, too small, a glyph or mathtext, a value off its axis, an entity not in its own colour (``own_colour``).
    Each is a warning of the item's edition."""
    found = [problem for check in checks.CHECKS for problem in check(drawing)]
    found += checks.colours_not_their_own(drawing, own_colour)
    drawn = prepared.drawn
    captions = [text for bilingual in (drawn.title, drawn.spec.subtitle) if bilingual for text in bilingual.model_dump().values()]
    found += checks.caption_years_not_drawn(captions, texts.drawn_periods(prepared.rows))
    return found + checks.values_not_shown(drawing, checks.drawn_values(drawn, prepared.rows))


def edition_inputs(
    project: Project,
    item: ItemSpec,
    edition: str,
    frames_by_vintage: Mapping[tuple[str, str], pd.DataFrame],
    provenances: Mapping[tuple[str, str], Provenance],
    withheld: Collection[str] = (),
) -> tuple[dict, dict, dict, dict]:
    """The frames, provenance and publication dates one edition of an item reads, and its vintages."""
    vintages = edition_vintages(project, edition, edition_sources(project, item, edition, withheld))
    frames = {s: frames_by_vintage[(s, v)] for s, v in vintages.items()}
    edition_provenance = {s: provenances[(s, v)] for s, v in vintages.items()}
    published = {s: {d.id: d.published for d in p.documents} for s, p in edition_provenance.items()}
    return frames, edition_provenance, published, vintages


def source_records(rows: pd.DataFrame, provenances: Mapping[str, Provenance]) -> list[dict[str, Any]]:
    """The documents behind the rows, with the vintage and provenance file they come from."""
    out = []
    cited = rows[["source", "document", "vintage"]].drop_duplicates()
    for source_id, document, vintage in cited.itertuples(index=False):
        provenance = provenances.get(source_id)
        if provenance is None:
            continue
        doc = next((d for d in provenance.documents if d.id == document), None)
        out.append(
            {
                "source": source_id,
                "document": doc.id if doc else None,
                "title": doc.title if doc else provenance.title,
                "publisher": doc.publisher if doc else provenance.publisher,
                "url": doc.url if doc else provenance.url,
                "published": doc.published if doc else None,
                "retrieved": provenance.retrieved,
                "vintage": vintage,
                "provenance": f"data/raw/{source_id}/{vintage}/provenance.yaml",
            }
        )
    return out


def edition_changes(report: pd.DataFrame, latest: pd.DataFrame) -> dict[str, Any]:
    """How the latest edition differs from the report's: periods added, values revised."""
    key = ["entity_code", "category", "indicator", "period"]
    old = report[key + ["value"]].drop_duplicates(key)
    new = latest[key + ["value"]].drop_duplicates(key)
    both = old.merge(new, on=key, how="outer", suffixes=("_report", "_latest"), indicator=True)
    revised = both[
        (both["_merge"] == "both")
        & ~((both["value_report"] - both["value_latest"]).abs().fillna(0) < 1e-9)
        & ~(both["value_report"].isna() & both["value_latest"].isna())
    ]
    added = sorted(set(new["period"]) - set(old["period"]), key=periods.order)
    removed = sorted(set(old["period"]) - set(new["period"]), key=periods.order)
    same = bool(both["_merge"].eq("both").all()) and revised.empty
    return {
        "same_as_report": same,
        "added_periods": added,
        "removed_periods": removed,
        "revised": [
            {
                "entity": r.entity_code,
                "indicator": r.indicator,
                "period": r.period,
                "category": r.category,
                "report": _num(r.value_report),
                "latest": _num(r.value_latest),
            }
            for r in revised.itertuples(index=False)
        ],
    }


def indicator_labels(project: Project, item: ItemSpec) -> dict[str, Bilingual]:
    """What a reader calls each indicator the item's editions read or derive: `label` of config/sources.yaml's
    indicator, or of the derive step that makes it (config/items.yaml)."""
    labels: dict[str, Bilingual] = {}
    for edition in EDITIONS:
        for source_id in edition_sources(project, item, edition):
            source = project.sources.get(source_id)
            for name, spec in source.indicators.items() if source else ():
                if spec.label is not None:
                    labels[name] = spec.label
        spec = edition_item(project, item, edition).spec
        for step in getattr(spec, "derive", None) or []:
            if step.label is not None:
                labels[step.name] = step.label
    return labels


def _num(value: float) -> float | None:
    return None if pd.isna(value) else float(value)


def build_item(
    project: Project,
    item: ItemSpec,
    frames_by_vintage: Mapping[tuple[str, str], pd.DataFrame],
    registry: EntityRegistry,
    provenances: Mapping[tuple[str, str], Provenance],
    figures_dir: Path,
) -> dict[str, bytes]:
    """Both editions of one item, in memory: {path: bytes}."""
    builds = {
        edition: build_edition(project, item, edition, frames_by_vintage, registry, provenances, figures_dir)
        for edition in EDITIONS
    }
    changes = edition_changes(builds["report"].rows, builds["latest"].rows)
    labels = indicator_labels(project, item)
    for value in changes["revised"]:  # named as a reader knows them, beside the codes
        value["names"] = {lang: registry.name(value["entity"], lang) for lang in LANGS}
        if value["indicator"] in labels:
            value["label"] = labels[value["indicator"]].model_dump()
    builds["latest"].meta.update(changes)
    files: dict[str, bytes] = {}
    for edition, build in builds.items():
        outputs = item_outputs(item, edition, figures_dir)
        files[outputs[0]] = csv_bytes(build.data)
        files[outputs[1]] = (json.dumps(build.meta, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
        files.update(build.files)
    return files


def build_edition(
    project: Project,
    item: ItemSpec,
    edition: str,
    frames_by_vintage: Mapping[tuple[str, str], pd.DataFrame],
    registry: EntityRegistry,
    provenances: Mapping[tuple[str, str], Provenance],
    figures_dir: Path,
) -> EditionBuild:
    """One edition of an item on the vintages it reads, saying where an API vintage gave it nothing to draw."""
    unusable = api_vintages_without_rows(project, item, edition, frames_by_vintage, provenances)
    frames, edition_provenance, published, vintages = edition_inputs(
        project, item, edition, frames_by_vintage, provenances, withheld=set(unusable)
    )
    build = draw_edition(project, item, edition, frames, registry, edition_provenance, published, figures_dir, set(unusable))
    build.meta["vintages"] = vintages
    for source_id, (vintage, requested) in unusable.items():
        names = ", ".join(registry.name(code, "en") for code in requested) or "the rows it selects"
        said = (
            f"The {source_id} vintage {vintage} has no rows this item can draw (it asks for {names}), so this "
            "edition draws what it drew before that source was refreshed."
        )
        build.meta["reason"] = f"{build.meta['reason']} {said}".strip()
        build.meta["warnings"].append(f"item {item.id}: {said}")
    return build


def api_vintages_without_rows(
    project: Project,
    item: ItemSpec,
    edition: str,
    frames_by_vintage: Mapping[tuple[str, str], pd.DataFrame],
    provenances: Mapping[tuple[str, str], Provenance],
) -> dict[str, tuple[str, list[str]]]:
    """{source: (vintage, entities asked for)} for each optional (API) selection that applies but gives the item
    nothing to draw (e.g. an answer without the World row a share needs): the edition then builds as before that
    source's first refresh, and says so."""
    resolved = edition_item(project, item, edition)
    optional = [s for s in resolved.selections if s.optional]
    if not optional:  # most items: nothing to check, no second look at the inputs
        return {}
    frames, _, published, vintages = edition_inputs(project, item, edition, frames_by_vintage, provenances)
    out = {}
    for one in optional:
        rows = selection.selected_rows([one], frames, published)
        for step in resolved.spec.derive:  # e.g. a share of World needs the World row
            rows = selection.apply_derive(rows, step)
        if rows.empty:
            out[one.source] = (vintages[one.source], list(one.entities or []))
    return out


def render_items(
    project: Project,
    items: list[ItemSpec],
    frames_by_vintage: Mapping[tuple[str, str], pd.DataFrame],
    provenances: Mapping[tuple[str, str], Provenance],
) -> dict[str, bytes]:
    """Every file of both editions of ``items``, in memory (nothing is written here)."""
    from techgap.render.style import apply_style

    apply_style(project.plotting)
    registry = EntityRegistry(project.entities)
    files: dict[str, bytes] = {}
    for item in items:
        files.update(build_item(project, item, frames_by_vintage, registry, provenances, project.figures_dir))
    return files

"""Render items: for each edition, the tidy CSV behind it, a record of what was built (meta JSON), then
the figure (or table) in Traditional Chinese and English as PNG and SVG — all from processed tables.

Everything is drawn in memory first; files are written only when every item of the job has been
validated and drawn, so a failure writes nothing."""

from __future__ import annotations

import gc
import json
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from techgap import texts
from techgap.config import ItemSpec, Project
from techgap.editions import applies, edition_item, edition_sources, edition_vintages, for_coverage, for_sources
from techgap.entities import EntityRegistry
from techgap.errors import InputError
from techgap.io import figure_bytes
from techgap.paths import EDITIONS, FIGURE_FORMATS, LANGS, item_dir, item_outputs
from techgap.provenance import Provenance
from techgap.render import data as item_data
from techgap.render.charts import CHARTS, Context, replace_subtitle

ITEMS_FILE = Path("config/items.yaml")
GAP_KINDS = frozenset({"gap_multiples", "gap_table"})  # techgap's own analysis (techgap.gaps)


@dataclass(frozen=True)
class DrawnItem:
    """What a chart function sees: the item with every text resolved for one edition."""

    id: str
    kind: str
    chart: str
    title: Any
    source_line: dict[str, str]
    spec: dict[str, Any]


@dataclass
class KeptDrawing:
    """A report edition's drawing in one language, kept open until the latest edition is drawn."""

    prepared: PreparedEdition
    fig: Any
    markdown: str | None


@dataclass
class EditionBuild:
    item_id: str
    edition: str
    rows: pd.DataFrame  # long rows (entity, indicator, period, value): what the editions are compared on
    data: pd.DataFrame  # the CSV written beside the item
    meta: dict[str, Any]
    files: dict[str, bytes] = field(default_factory=dict)


def gap_long_view(gap_rows: pd.DataFrame) -> pd.DataFrame:
    """The gap analysis's rows as long rows (the ratio per pair and period, with both documents), so
    texts, source lines and edition comparisons work on them like on any item."""
    parts = []
    for side in ("china", "comparator"):
        part = pd.DataFrame(
            {
                "entity_code": gap_rows["china"],
                "entity": gap_rows["china"],
                "entity_zh": gap_rows["china"],
                "category": gap_rows["pair"],
                "indicator": "ratio",
                "period": gap_rows["period"],
                "value": gap_rows["ratio"],
                "unit": "ratio",
                "label": "",
                "label_en": "",
                "flag": "",
                "source": gap_rows["source"],
                "document": gap_rows[f"{side}_document"],
                "vintage": gap_rows["vintage"],
                "line": gap_rows[f"{side}_line"],
            }
        )
        parts.append(part)
    return pd.concat(parts, ignore_index=True)


DERIVE_STEPS = ("yoy", "share", "change", "scale")


def apply_derive(item: ItemSpec, rows: pd.DataFrame, step: Mapping[str, Any], number: int) -> pd.DataFrame:
    """One `derive` step. `yoy` adds growth rates beside the levels; `share` (of: total entity),
    `change` (from: base period) and `scale` (factor, unit) replace the rows they are computed from,
    which the figure does not draw. A step whose input has no rows (an API source not yet refreshed)
    changes nothing."""
    kind = next((k for k in DERIVE_STEPS if k in step), None)
    if kind is None or "as" not in step:
        raise InputError(
            ITEMS_FILE,
            f"item {item.id}: derive step {dict(step)!r} is not one techgap knows",
            field=f"spec.derive[{number}]",
            expected="{yoy: I, as: J}, {share: I, of: TOTAL, as: J}, {change: I, from: PERIOD, as: J} "
            "or {scale: I, factor: F, unit: U, as: J}",
        )
    if rows.empty or not (rows["indicator"] == step[kind]).any():
        return rows
    if kind == "yoy":
        return pd.concat([rows, item_data.derive_yoy(rows, step["yoy"], step["as"])], ignore_index=True)
    if kind == "share":
        derived = item_data.derive_share(rows, step["share"], step["of"], step["as"])
    elif kind == "change":
        derived = item_data.derive_change(rows, step["change"], str(step["from"]), step["as"])
    else:
        derived = item_data.derive_scale(rows, step["scale"], float(step["factor"]), step["unit"], step["as"])
    return pd.concat([rows[rows["indicator"] != step[kind]], derived], ignore_index=True)


def selected_rows(
    item: ItemSpec, frames: Mapping[str, pd.DataFrame], published: Mapping[str, Mapping[str, str | None]] | None = None
) -> pd.DataFrame:
    """The rows the item's selections match, in source order, after its derive steps (may be empty)."""
    selections = [s for s in item.spec.get("data", []) if s["source"] in frames]
    parts = [item_data.select(frames, selection, published) for selection in selections]
    rows = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
    if not rows.empty:
        rows = rows.sort_values(["source", "line"], kind="stable").reset_index(drop=True)  # source order
    for number, step in enumerate(item.spec.get("derive", [])):
        rows = apply_derive(item, rows, step, number)
    return rows


def item_rows(
    item: ItemSpec,
    frames: Mapping[str, pd.DataFrame],
    registry: EntityRegistry,
    published: Mapping[str, Mapping[str, str | None]] | None = None,
) -> pd.DataFrame:
    """The rows an (edition-resolved) item draws, in source order, with derived series appended."""
    rows = selected_rows(item, frames, published)
    if rows.empty:
        raise InputError(
            ITEMS_FILE,
            f"item {item.id}: its data selection matched no rows",
            field="spec.data",
            expected="selections that match rows of the vintages in use",
        )
    names_zh = {code: registry.name(code, "zh") for code in rows["entity_code"].unique()}
    return item_data.with_zh_names(rows, names_zh)


def check_required(item: ItemSpec, rows: pd.DataFrame) -> None:
    """A yearly series the figure needs must have no gaps (bad input, not a partial figure)."""
    for need in item.spec.get("require_complete", []):
        subset = rows[(rows["indicator"] == need["indicator"]) & (rows["entity_code"] == need["entity"])]
        have = set(subset["period"])
        last = int(need["to"]) if str(need["to"]) != "latest" else max((int(p[:4]) for p in have), default=0)
        missing = [str(y) for y in range(int(need["from"]), last + 1) if str(y) not in have]
        if missing:
            source = subset["source"].iloc[0] if len(subset) else item.sources[0]
            vintage = subset["vintage"].iloc[0] if len(subset) else "?"
            raise InputError(
                Path("data/raw") / source / vintage,
                f"item {item.id}: {need['entity']} "
                f"{need['indicator']} has no value for {', '.join(missing)} (a gap in a yearly series)",
                field="period",
                expected=f"every year {need['from']}-{need['to']}",
            )


def absent_entities(item: ItemSpec, rows: pd.DataFrame) -> list[str]:
    """Warnings: entities a selection asks for that have no row in the vintage in use."""
    warnings = []
    consumed = texts.share_totals(item.spec)  # a share's total is used, not drawn
    for number, selection in enumerate(item.spec.get("data", [])):
        got = set(rows.loc[rows["source"] == selection["source"], "entity_code"])
        for code in selection.get("entities") or []:
            if code not in got and code not in consumed:
                warnings.append(
                    f"item {item.id}: entity {code} requested in spec.data[{number}].entities has no "
                    f"rows in {selection['source']}"
                )
    return warnings


def resolved_item(project: Project, item: ItemSpec, edition: str, withheld: Collection[str] = ()) -> ItemSpec:
    """The item as one edition builds it: selections that do not apply left out, source switches resolved
    (``withheld`` sources count as having no vintage)."""
    resolved = edition_item(item, edition)
    spec = for_sources(project, dict(resolved.spec), withheld)
    spec["data"] = [s for s in spec.get("data", []) if applies(project, s, withheld)]
    return resolved.model_copy(
        update={
            "spec": spec,
            "source_note": for_sources(project, resolved.source_note, withheld),
            "status": for_sources(project, resolved.status, withheld),
            "status_reason": for_sources(project, resolved.status_reason, withheld),
        }
    )


def bilingual_texts(
    item: ItemSpec,
    rows: pd.DataFrame,
    frames: Mapping[str, pd.DataFrame],
    provenances: Mapping[str, Provenance],
    registry: EntityRegistry,
    edition: str,
) -> dict[str, Any]:
    """Every text of the item for both languages, filled from the data."""
    spec = item.spec
    out: dict[str, Any] = {"source_line": {}, "spec": {}}
    for lang in LANGS:

        def name(code: str, lang: str = lang) -> str:
            return registry.name(code, lang)

        values = texts.text_values(item, rows, frames, spec, provenances, name, lang)
        line = texts.source_line(rows, provenances, lang)
        if item.source_note:
            line += " " + texts.fill(texts_of(item.source_note, lang), values, item.id, "source_note")
        out["source_line"][lang] = line
        for key in texts.TEXT_FIELDS:
            if spec.get(key) is not None:
                out["spec"].setdefault(key, {})[lang] = texts.fill(texts_of(spec[key], lang), values, item.id, f"spec.{key}")
        made = out["spec"]
        subtitle = next((made[k][lang] for k in ("subtitle", "ylabel", "unit_line") if made.get(k, {}).get(lang)), "")
        label = texts.EDITION_LABEL[edition][lang]
        drawn = values["periods"]
        parts = [p for p in (subtitle, drawn, label) if p]
        out["spec"].setdefault("subtitle", {})[lang] = (" · " if lang == "en" else "・").join(parts)
        if lang == "en":
            out["status_reason"] = texts.fill(str(item.status_reason or ""), values, item.id, "status_reason")
            out["periods"] = values["periods"]
    return out


def resolve_spec_tokens(spec: dict[str, Any], rows: pd.DataFrame) -> dict[str, Any]:
    """Drawing parameters that name periods (`current: latest`, `previous: latest-1y`) resolved to the
    periods the rows hold; a chart that lists its periods (`periods: null`) gets the rows' own."""
    observed = [p for p in set(rows.loc[rows["value"].notna(), "period"]) if item_data.period_shape(p) != "forecast"]
    newest = max(observed, key=item_data.period_order) if observed else None
    out = dict(spec)
    for key, value in spec.items():
        match = item_data.LATEST_TOKEN.match(str(value)) if isinstance(value, str) else None
        if match and newest is not None:
            out[key] = item_data.shift_years(newest, int(match.group("back") or 0))
    if "periods" in out and out["periods"] is None:
        out["periods"] = sorted(set(rows["period"]), key=item_data.period_order)
    labels = dict(out.get("series_labels") or {})
    for period in sorted(set(rows["period"])):  # forecast years say so in every legend
        if item_data.period_shape(period) == "forecast" and period not in labels:
            labels[period] = {"zh": f"{period[:4]} 年 (預測)", "en": f"{period[:4]} (forecast)"}
    if labels:
        out["series_labels"] = labels
    return out


def texts_of(value: Any, lang: str) -> str:
    if isinstance(value, Mapping):
        return str(value.get(lang, value.get("en", "")))
    if hasattr(value, lang):
        return str(getattr(value, lang))
    return str(value)


def alt_text(item: ItemSpec, rows: pd.DataFrame, registry: EntityRegistry, lang: str, subtitle: str) -> str:
    """A description a screen reader can read: what is drawn, for whom, over which periods."""
    codes = list(dict.fromkeys(rows["entity_code"]))
    names = [registry.name(c, lang) for c in codes[:8]]
    more = len(codes) - len(names)
    kind = {"figure": {"zh": "圖", "en": "Chart"}, "table": {"zh": "表", "en": "Table"}}[item.kind][lang]
    who = ("、" if lang == "zh" else ", ").join(names) + (f" (+{more})" if more > 0 else "")
    return f"{kind}: {texts_of(item.title, lang)} — {subtitle}; {who}"


@dataclass
class PreparedEdition:
    """One edition of one item ready to draw: its rows, the CSV, texts and drawing parameters."""

    resolved: ItemSpec
    rows: pd.DataFrame
    data: pd.DataFrame
    drawn: DrawnItem
    made: dict[str, Any]
    warnings: list[str]


def prepare_edition(
    project: Project,
    item: ItemSpec,
    edition: str,
    frames: Mapping[str, pd.DataFrame],
    registry: EntityRegistry,
    provenances: Mapping[str, Provenance],
    published: Mapping[str, Mapping[str, str | None]],
    withheld: Collection[str] = (),
) -> PreparedEdition:
    """Select and check the rows of one edition, and make its texts from them."""
    resolved = resolved_item(project, item, edition, withheld)
    if item.chart in GAP_KINDS:
        from techgap import gaps

        data = gaps.gap_rows(dict(frames), resolved.spec)
        rows = gap_long_view(data)
    else:
        rows = item_rows(resolved, frames, registry, published)
        data = item_data.tidy(rows)
    check_required(resolved, rows)
    warnings = absent_entities(resolved, rows)
    if warnings and edition == "report":
        raise InputError(
            ITEMS_FILE,
            warnings[0] + " (the report edition must draw every entity it names)",
            field="spec.data.entities",
            expected="entities the pinned report vintage holds",
        )
    made = bilingual_texts(resolved, rows, frames, provenances, registry, edition)
    spec = resolve_spec_tokens({**resolved.spec, **made["spec"]}, rows)
    drawn = DrawnItem(
        id=item.id, kind=item.kind, chart=item.chart, title=resolved.title, source_line=made["source_line"], spec=spec
    )
    return PreparedEdition(resolved, rows, data, drawn, made, warnings)


def built_status(prepared: PreparedEdition) -> str:
    """The edition's status; a coverage switch resolved on whether every requested cell has a value."""
    status = prepared.resolved.status
    if isinstance(status, dict):
        return for_coverage(status, complete=not texts.missing_by_entity(prepared.rows, prepared.resolved.spec))
    return status


def context(registry: EntityRegistry, lang: str) -> Context:
    return Context(lang=lang, name=lambda code: registry.name(code, lang), country=registry.country)


def draw_prepared(prepared: PreparedEdition, ctx: Context) -> tuple[Any, str | None]:
    """The figure of one language (and, for a table, its Markdown)."""
    from techgap.render import tables

    drawn, rows, data = prepared.drawn, prepared.rows, prepared.data
    if drawn.chart in GAP_KINDS:
        from techgap.render import gap_render

        if drawn.kind == "table":
            display = gap_render.build_gap_table(drawn, data, ctx)
            return gap_render.draw_gap_table(drawn, display, ctx), tables.to_markdown(drawn, display, ctx)
        return gap_render.draw_gap_multiples(drawn, data, ctx, dict(drawn.spec)), None
    if drawn.kind == "table":
        display = tables.build(drawn, rows, ctx)
        return tables.draw(drawn, display, ctx), tables.to_markdown(drawn, display, ctx)
    return CHARTS[drawn.chart](drawn, rows, ctx, dict(drawn.spec)), None


def draw_edition(
    project: Project,
    item: ItemSpec,
    edition: str,
    frames: Mapping[str, pd.DataFrame],
    registry: EntityRegistry,
    provenances: Mapping[str, Provenance],
    published: Mapping[str, Mapping[str, str | None]],
    figures_dir: Path,
    withheld: Collection[str] = (),
    kept: dict[str, KeptDrawing] | None = None,
) -> EditionBuild:
    """One edition of one item, drawn in memory: rows, texts, images, tables and its record. ``kept`` (shared
    by the two editions of an item): the report edition leaves its open drawings there, and the latest
    edition takes them over where it would draw the same figure (see ``draws_alike``)."""
    import matplotlib.pyplot as plt

    prepared = prepare_edition(project, item, edition, frames, registry, provenances, published, withheld)
    rows, spec, made = prepared.rows, prepared.drawn.spec, prepared.made
    base = item_dir(item.id, edition, figures_dir)
    build = EditionBuild(item.id, edition, rows, prepared.data, meta={})
    alt = {}
    for lang in LANGS:
        ctx = context(registry, lang)
        fig, markdown = reused_drawing(kept.pop(lang, None) if kept is not None else None, prepared, ctx)
        if fig is None:
            fig, markdown = draw_prepared(prepared, ctx)
        if markdown is not None:
            build.files[str(base / f"{item.id}_{lang}.md")] = markdown.encode("utf-8")
        for fmt in FIGURE_FORMATS:
            build.files[str(base / f"{item.id}_{lang}.{fmt}")] = figure_bytes(fig, fmt, salt=f"{item.id}-{lang}")
        if kept is not None and edition == "report":
            kept[lang] = KeptDrawing(prepared, fig, markdown)
        else:
            plt.close(fig)
        alt[lang] = alt_text(prepared.resolved, rows, registry, lang, spec["subtitle"][lang])
    build.meta = {
        "id": item.id,
        "edition": edition,
        "status": built_status(prepared),
        "reason": made["status_reason"],
        "periods": texts.drawn_periods(rows),
        "warnings": prepared.warnings,
        "alt": alt,
        "texts": {
            "title": prepared.resolved.title.model_dump(),
            "source_line": made["source_line"],
            "subtitle": spec["subtitle"],
            "note": spec.get("note") or {},
        },
        "sources": source_records(rows, provenances),
    }
    return build


def reused_drawing(previous: KeptDrawing | None, prepared: PreparedEdition, ctx: Context) -> tuple[Any, str | None]:
    """The report edition's drawing with this edition's subtitle, where that is the figure this edition
    would draw (most latest editions whose sources hold nothing newer): it spares drawing and laying out
    the figure again, a third of an image's cost. (None, None) where it is not; the drawing is closed."""
    import matplotlib.pyplot as plt

    if previous is None:
        return None, None
    if draws_alike(previous.prepared, prepared) and replace_subtitle(previous.fig, ctx.t(prepared.drawn.spec["subtitle"])):
        return previous.fig, previous.markdown
    plt.close(previous.fig)
    return None, None


def draws_alike(one: PreparedEdition, other: PreparedEdition) -> bool:
    """Whether two editions draw the same figure but for the subtitle (which names the edition): the same
    rows and data, title, source line and every drawing parameter."""

    def same(a: Any, b: Any) -> bool:
        if isinstance(a, pd.DataFrame) or isinstance(b, pd.DataFrame):
            return isinstance(a, pd.DataFrame) and isinstance(b, pd.DataFrame) and a.equals(b)
        try:
            return bool(a == b)
        except (TypeError, ValueError):  # values without a plain equality: not taken as the same
            return False

    a, b = one.drawn, other.drawn
    unless_subtitle = [{k: v for k, v in d.spec.items() if k != "subtitle"} for d in (a, b)]
    return (
        (a.id, a.kind, a.chart, a.source_line) == (b.id, b.kind, b.chart, b.source_line)
        and same(a.title, b.title)
        and same(*unless_subtitle)
        and same(one.rows, other.rows)
        and same(one.data, other.data)
    )


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
    added = sorted(set(new["period"]) - set(old["period"]), key=item_data.period_order)
    removed = sorted(set(old["period"]) - set(new["period"]), key=item_data.period_order)
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
    import matplotlib.pyplot as plt

    from techgap.io import csv_bytes

    builds: dict[str, EditionBuild] = {}
    kept: dict[str, KeptDrawing] = {}  # the report's drawings, until the latest edition has been drawn
    try:
        for edition in EDITIONS:
            builds[edition] = build_edition(project, item, edition, frames_by_vintage, registry, provenances, figures_dir, kept)
    finally:
        for drawing in kept.values():
            plt.close(drawing.fig)
    builds["latest"].meta.update(edition_changes(builds["report"].rows, builds["latest"].rows))
    files: dict[str, bytes] = {}
    for edition, build in builds.items():
        outputs = item_outputs(item, edition, figures_dir)
        files[outputs[0]] = csv_bytes(build.data)
        files[outputs[1]] = (json.dumps(build.meta, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
        files.update(build.files)
        assert set(files) >= set(outputs), set(outputs) - set(files)
    return files


def build_edition(
    project: Project,
    item: ItemSpec,
    edition: str,
    frames_by_vintage: Mapping[tuple[str, str], pd.DataFrame],
    registry: EntityRegistry,
    provenances: Mapping[tuple[str, str], Provenance],
    figures_dir: Path,
    kept: dict[str, KeptDrawing],
) -> EditionBuild:
    """One edition of an item on the vintages it reads, saying where an API vintage gave it nothing to draw."""
    unusable = api_vintages_without_rows(project, item, edition, frames_by_vintage, provenances)
    inputs = edition_inputs(project, item, edition, frames_by_vintage, provenances, withheld=set(unusable))
    frames, edition_provenance, published, vintages = inputs
    build = draw_edition(
        project, item, edition, frames, registry, edition_provenance, published, figures_dir, set(unusable), kept
    )
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
    """{source: (vintage, entities asked for)} for each optional (API) selection that applies but gives the
    item nothing to draw (e.g. an answer without the World row a share needs): the edition then builds
    as before that source's first refresh, and says so."""
    resolved = resolved_item(project, item, edition)
    optional = [selection for selection in resolved.spec.get("data", []) if selection.get("optional")]
    if not optional:  # most items: nothing to check, no second look at the inputs
        return {}
    frames, _, published, vintages = edition_inputs(project, item, edition, frames_by_vintage, provenances)
    out = {}
    for selection in optional:
        alone = resolved.model_copy(update={"spec": {**resolved.spec, "data": [selection]}})
        if selected_rows(alone, frames, published).empty:
            out[selection["source"]] = (vintages[selection["source"]], list(selection.get("entities") or []))
    return out


def render_items(
    project: Project,
    items: list[ItemSpec],
    frames_by_vintage: Mapping[tuple[str, str], pd.DataFrame],
    provenances: Mapping[tuple[str, str], Provenance],
) -> dict[str, bytes]:
    """Every file of both editions of ``items``, in memory (nothing is written here)."""
    from techgap.render.style import apply_style

    apply_style()
    registry = EntityRegistry(project.entities)
    files: dict[str, bytes] = {}
    # Everything loaded so far (modules, fonts, the normalized tables) lives as long as the drawing: frozen,
    # the garbage collector stops re-scanning it after each figure's many short-lived artists.
    gc.freeze()
    try:
        for item in items:
            files.update(build_item(project, item, frames_by_vintage, registry, provenances, project.figures_dir))
    finally:
        gc.unfreeze()
    return files

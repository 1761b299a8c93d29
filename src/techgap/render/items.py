"""Render items: for each, the tidy CSV behind it, then the figure (or table) in Traditional
Chinese and English as PNG and SVG — all from processed tables only."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path

import pandas as pd

from techgap.config import ItemSpec, Project
from techgap.entities import EntityRegistry
from techgap.errors import InputError
from techgap.io import save_figure, write_csv, write_text
from techgap.layout import FIGURE_FORMATS, LANGS, item_outputs  # noqa: F401 - re-exported
from techgap.render import data as item_data
from techgap.render.charts import CHARTS, Context


def item_rows(item: ItemSpec, frames: Mapping[str, pd.DataFrame], registry: EntityRegistry) -> pd.DataFrame:
    selections = item.spec.get("data", [])
    parts = [item_data.select(frames, selection) for selection in selections]
    rows = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
    if not rows.empty:
        rows = rows.sort_values(["source", "line"], kind="stable").reset_index(drop=True)  # source order
    for step in item.spec.get("derive", []):
        if "yoy" in step:
            rows = pd.concat([rows, item_data.derive_yoy(rows, step["yoy"], step["as"])], ignore_index=True)
    if rows.empty:
        raise ValueError(f"item {item.id}: its data selection matched no rows")
    names_zh = {code: registry.name(code, "zh") for code in rows["entity_code"].unique()}
    return item_data.with_zh_names(rows, names_zh)


def check_required(item: ItemSpec, rows: pd.DataFrame) -> None:
    """A yearly series the figure needs must have no gaps (bad input, not a partial figure)."""
    for need in item.spec.get("require_complete", []):
        subset = rows[(rows["indicator"] == need["indicator"]) & (rows["entity_code"] == need["entity"])]
        have = set(subset["period"])
        missing = [str(y) for y in range(int(need["from"]), int(need["to"]) + 1) if str(y) not in have]
        if missing:
            source = subset["source"].iloc[0] if len(subset) else item.sources[0]
            vintage = subset["vintage"].iloc[0] if len(subset) else "?"
            raise InputError(Path("data/raw") / source / vintage, f"item {item.id}: {need['entity']} "
                             f"{need['indicator']} has no value for {', '.join(missing)} (a gap in a yearly series)",
                             field="period", expected=f"every year {need['from']}-{need['to']}")


def render_item(item: ItemSpec, frames: Mapping[str, pd.DataFrame], registry: EntityRegistry,
                figures_dir: Path) -> list[str]:
    import matplotlib.pyplot as plt

    from techgap.render import tables

    rows = item_rows(item, frames, registry)
    check_required(item, rows)
    outputs = item_outputs(item, figures_dir)
    write_csv(outputs[0], item_data.tidy(rows))
    for lang in LANGS:
        ctx = Context(lang=lang, name=lambda code, lang=lang: registry.name(code, lang), country=registry.country)
        if item.kind == "table":
            display = tables.build(item, rows, ctx)
            write_text(Path(figures_dir) / item.id / f"{item.id}_{lang}.md", tables.to_markdown(item, display, ctx))
            fig = tables.draw(item, display, ctx)
        else:
            fig = CHARTS[item.chart](item, rows, ctx, dict(item.spec))
        for fmt in FIGURE_FORMATS:
            save_figure(fig, Path(figures_dir) / item.id / f"{item.id}_{lang}.{fmt}", salt=f"{item.id}-{lang}")
        plt.close(fig)
    return outputs


def load_frames(project: Project, source_ids: Iterable[str]) -> dict[str, pd.DataFrame]:
    return {s: pd.read_parquet(project.processed_dir / f"{s}.parquet") for s in sorted(set(source_ids))}


def render_items(project: Project, items: list[ItemSpec], frames: Mapping[str, pd.DataFrame] | None = None) -> list[str]:
    from techgap.render.style import apply_style

    apply_style()
    registry = EntityRegistry(project.entities)
    if frames is None:
        frames = load_frames(project, [s for item in items for s in item.sources])
    written: list[str] = []
    for item in items:
        written += render_item(item, frames, registry, project.figures_dir)
    return written

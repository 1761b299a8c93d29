"""Cross-references in config/items.yaml that pydantic cannot see: the chart an item names exists, and
every source an item's data selections read is one the item declares (and config/sources.yaml knows).
Called once per project load, before any job runs, so a typo is a message and not a KeyError mid-build."""

from __future__ import annotations

import difflib
from collections.abc import Collection

from techgap.config import Project
from techgap.errors import InputError


def _hint(name: str, known: Collection[str]) -> str:
    close = difflib.get_close_matches(name, sorted(known), n=1)
    return f"; did you mean {close[0]!r}?" if close else ""


def known_charts() -> dict[str, Collection[str]]:
    """Chart names by item kind: the renderer's registries."""
    from techgap.render.charts import CHARTS
    from techgap.render.tables import BUILDERS

    return {"figure": CHARTS, "table": BUILDERS}


def check_item_refs(project: Project, charts: dict[str, Collection[str]] | None = None) -> None:
    """Raise InputError (config/items.yaml, field, expected) for an unknown chart name or a data selection
    that reads a source the item does not list in ``sources`` or that is not declared at all.
    ``charts`` (chart names by item kind) defaults to the renderer's registries."""
    charts = known_charts() if charts is None else charts
    items_path = project.root / "config" / "items.yaml"
    for item in project.items:
        names = charts.get(item.kind, ())
        if item.renders and item.chart not in names:
            raise InputError(
                items_path,
                f"{item.kind} item {item.id} names unknown chart {item.chart!r}",
                field=f"{item.id}.chart",
                expected="one of " + ", ".join(sorted(names)) + _hint(item.chart, names),
            )
        for number, selection in enumerate(item.spec.get("data", []), start=1):
            source = selection.get("source") if isinstance(selection, dict) else None
            field = f"{item.id}.spec.data[{number}].source"
            if source not in project.sources:
                raise InputError(
                    items_path,
                    f"item {item.id} reads unknown source {source!r}",
                    field=field,
                    expected="a source declared in config/sources.yaml" + _hint(str(source), project.sources),
                )
            if source not in item.sources:
                raise InputError(
                    items_path,
                    f"item {item.id} reads source {source!r} but does not declare it",
                    field=field,
                    expected=f"{source!r} listed in the item's sources (it is a rerun trigger of the build)",
                )

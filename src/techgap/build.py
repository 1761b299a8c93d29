"""Everything the workflow builds, in one Python process and without Snakemake: the benchmark's
floor, and a quick way to rebuild when Snakemake is not at hand."""

from __future__ import annotations

from pathlib import Path

from techgap.config import Project
from techgap.io import write_parquet
from techgap.normalize import normalize_source


def build_group(project: Project, group: str) -> list[str]:
    """Normalize the group's sources (every check passes before anything is written), write their
    processed tables, then draw the group's items from those same tables."""
    from techgap.entities import EntityRegistry
    from techgap.render.items import check_required, item_rows, render_items

    sources = project.group_sources(group)
    frames = {source_id: normalize_source(project, source_id) for source_id in sources}
    registry = EntityRegistry(project.entities)
    for item in project.groups()[group]:  # a gap an item cannot draw around fails before any write
        check_required(item, item_rows(item, frames, registry))
    for source_id, frame in frames.items():
        write_parquet(project.processed_dir / f"{source_id}.parquet", frame)
    return render_items(project, project.groups()[group], frames)


def build_all(project: Project) -> list[str]:
    """Every output of `snakemake`, in this process: processed tables, items, ledger, drift, manifest."""
    from techgap.claims import write_ledger
    from techgap.drift import write_drift
    from techgap.manifest import write_manifest
    from techgap.render.items import render_items

    frames = {source_id: normalize_source(project, source_id) for source_id in project.sources_with_vintages()}
    for source_id, frame in frames.items():
        write_parquet(project.processed_dir / f"{source_id}.parquet", frame)
    written = render_items(project, [item for item in project.items if item.renders], frames)
    write_ledger(project, frames=frames)
    write_drift(project)
    write_manifest(project)
    return written + [str(Path(project.figures_dir) / name) for name in ("claims.csv", "drift.md", "manifest.json")]

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
    from techgap.render.items import render_items

    sources = project.group_sources(group)
    frames = {source_id: normalize_source(project, source_id) for source_id in sources}
    for source_id, frame in frames.items():
        write_parquet(project.processed_dir / f"{source_id}.parquet", frame)
    return render_items(project, project.groups()[group], frames)


def build_all(project: Project) -> list[str]:
    from techgap.manifest import write_manifest
    from techgap.render.items import render_items

    sources = sorted({s for item in project.items for s in item.sources})
    for source_id in sources:
        write_parquet(project.processed_dir / f"{source_id}.parquet", normalize_source(project, source_id))
    written = render_items(project, [item for item in project.items if item.renders])
    write_manifest(project)
    return written + [str(Path(project.figures_dir) / "manifest.json")]

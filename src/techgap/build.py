"""Everything the workflow builds, in one Python process and without Snakemake: the benchmark's
floor, and a quick way to rebuild when Snakemake is not at hand."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from techgap.config import ItemSpec, Project
from techgap.editions import group_snapshots, item_snapshots, snapshot_owners
from techgap.io import write_bytes, write_parquet
from techgap.normalize import normalize_source
from techgap.paths import processed_path

if TYPE_CHECKING:
    import pandas as pd


def build_snapshots(
    project: Project,
    pairs: list[tuple[str, str]],
    items: list[ItemSpec],
    write: set[tuple[str, str]] | None = None,
    frames: dict[tuple[str, str], pd.DataFrame] | None = None,
) -> list[str]:
    """Normalize the snapshots and draw both editions of the items, all in memory (every check passes
    before anything is written), then write the processed tables and the item files. ``frames``: the
    normalized tables, when the caller has them."""
    from techgap.provenance import load_provenance
    from techgap.render.items import render_items

    frames = frames if frames is not None else {(s, v): normalize_source(project, s, v) for s, v in pairs}
    provenances = {(s, v): load_provenance(project.raw_dir / s / v / "provenance.yaml") for s, v in pairs}
    files = render_items(project, items, frames, provenances)
    written = []
    for (source_id, vintage), frame in frames.items():
        if write is not None and (source_id, vintage) not in write:
            continue  # another group's job writes this table
        target = processed_path(source_id, vintage, project.processed_dir)
        write_parquet(target, frame)
        written.append(str(target))
    for path, data in files.items():
        write_bytes(project.root / path, data)
        written.append(path)
    return written


def build_group(project: Project, group: str) -> list[str]:
    owned = {pair for pair, owner in snapshot_owners(project).items() if owner == group}
    return build_snapshots(project, group_snapshots(project, group), project.groups()[group], write=owned)


def render_only(project: Project, items: list[ItemSpec]) -> list[str]:
    """`techgap render`: draw both editions of ``items`` in both languages, all in memory, and replace their
    files only when every drawing succeeded (a failure leaves earlier outputs as they were). The processed
    tables are Snakemake's outputs, so they are not rewritten here."""
    pairs = sorted({pair for item in items for pair in item_snapshots(project, item)})
    return build_snapshots(project, pairs, items, write=set())


def build_all(project: Project) -> list[str]:
    """Every output of `snakemake`, in this process: processed tables, items, the ledger and the
    annotated report, drift, manifest and page (the same calls the workflow's rules make)."""
    from techgap.annotate import write_annotated_report
    from techgap.claims import build_ledger, write_ledger
    from techgap.drift import write_drift
    from techgap.manifest import write_manifest

    items = [item for item in project.items if item.renders]
    # The tables the items read, as the workflow's build jobs write them (the ledger reads its own in memory).
    pairs = sorted({pair for item in items for pair in item_snapshots(project, item)})
    frames = {(s, v): normalize_source(project, s, v) for s, v in pairs}
    written = build_snapshots(project, pairs, items, frames=frames)
    # the ledger and drift add the vintages they read beyond the items' to `frames`: each is normalized once
    write_ledger(project, build_ledger(project, against_previous_vintage=True, tables=frames))  # `claims --previous`
    write_annotated_report(project)
    write_drift(project, frames)
    write_manifest(project)
    names = ("claims.csv", "claims_checks.csv", "claims.md", "report.html", "drift.csv", "drift.md")
    names += ("manifest.json", "index.html")
    return written + [str(Path(project.figures_dir) / name) for name in names]

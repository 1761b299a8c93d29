"""What the Snakefile declares its rules with, computed from the validated project on every run: the build
groups with the snapshots they read and the files they write, the sources normalized on their own, and the
code every job runs. Nothing is kept between runs, so nothing can be stale and no path is absolute.

rules/common.smk calls one function, `start_run`, when Snakemake reads the workflow."""

from __future__ import annotations

import hashlib
import json
import os
import sys
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from techgap.config import Project
from techgap.errors import InputError
from techgap.model import before_filling

PACKAGE_DIR = Path("src") / "techgap"
SETTINGS_DIR = Path("build") / "settings"


def settings_file(root: str | Path, settings: dict[str, Any]) -> str:
    """The settings Snakemake was given (config/config.yaml with --config and --configfile on top) as a JSON file
    named after its content, relative to the project: every job's settings input, read with `techgap --settings`.
    A changed setting is a new file, which Snakemake's input trigger sees; an unchanged one is never rewritten,
    so a dry run with other settings leaves the real run's inputs as they were."""
    text = json.dumps(settings, sort_keys=True, indent=1, ensure_ascii=False, default=str) + "\n"
    relative = SETTINGS_DIR / f"{hashlib.sha256(text.encode('utf-8')).hexdigest()[:16]}.json"
    target = Path(root) / relative
    if not target.is_file():
        target.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".settings.", suffix=".tmp")
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
        os.chmod(temporary, 0o644)
        os.replace(temporary, target)  # whole or not at all, also when two runs start together
    return relative.as_posix()


def code_files(root: str | Path) -> list[str]:
    """Every file of the techgap package, relative to the project: the code input of every job. A change to
    any of them reruns every job, as OWID's ETL does; coarse, but it cannot miss a module a job imports."""
    root = Path(root)
    files = sorted(path for path in (root / PACKAGE_DIR).rglob("*") if path.is_file() and "__pycache__" not in path.parts)
    return [path.relative_to(root).as_posix() for path in files]


def check_raw_data(project: Project) -> None:
    """Stop before any job runs unless every vintage on disk is as recorded in its checksum history, and the
    report edition's pins name the payloads recorded for their vintages (techgap.provenance)."""
    from techgap.provenance import check_recorded, check_report_pin, list_vintages, read_checksum_history

    for source_id in sorted(project.sources):
        vintages = list_vintages(project.raw_dir, source_id)
        for vintage in read_checksum_history(project.raw_dir, source_id):
            if vintage not in vintages:
                raise InputError(
                    project.raw_dir / source_id / vintage,
                    f"vintage {source_id}/{vintage} is recorded in data/checksums/{source_id}.log but its folder is gone",
                    expected="every recorded vintage on disk: raw vintages are never removed",
                )
        for vintage in vintages:
            check_recorded(project.raw_dir, source_id, vintage)
    for source_id, pin in project.settings.report_vintages.items():
        if source_id in project.sources:
            check_report_pin(project.raw_dir, source_id, pin.vintage, pin.sha256)


def workflow_plan(project: Project) -> dict[str, Any]:
    """Each group's job (the snapshots it reads, the tables and item files it writes, the settings it
    depends on), the sources normalized on their own, and the captions of `snakemake --report`."""
    from techgap.chapters import load_chapters, write_item_captions
    from techgap.editions import available, declared_status, group_snapshots, snapshot_owners
    from techgap.paths import EDITIONS, item_outputs, processed_path
    from techgap.provenance import PROVENANCE_FILE, load_provenance, resolve_vintage

    check_raw_data(project)
    groups = project.groups()
    snapshots = {group: group_snapshots(project, group) for group in groups}
    grouped = {pair for pairs in snapshots.values() for pair in pairs}
    owners = snapshot_owners(project, snapshots)
    newest = {s: resolve_vintage(project.raw_dir, s, project.settings.vintages) for s in project.sources if available(project, s)}
    year_range = {"min_year": project.settings.min_year, "max_year": project.settings.max_year}
    chapters = load_chapters(project)
    captions = write_item_captions(project, chapters)  # build/report/captions/: each item edition's, from its record

    raw_files = {}
    for source_id, vintage in sorted(grouped | set(newest.items())):
        folder = Path("data/raw") / source_id / vintage
        payload = load_provenance(project.raw_dir / source_id / vintage / PROVENANCE_FILE).payload
        raw_files[(source_id, vintage)] = [str(folder / payload), str(folder / PROVENANCE_FILE)]

    def report_entry(item: Any, edition: str, path: str) -> dict[str, Any]:
        """How `snakemake --report` files an item's PNG: under its chapter, labelled, with its edition's caption (the
        chapter, then the item as built: status, reason filled from the data, periods drawn)."""
        return {
            "caption": f"../{captions[(item.id, edition)]}",
            "category": chapters.category(item.id),
            "subcategory": f"{item.id} {before_filling(item.title.en)}",  # a title's {periods} is data
            "labels": {
                "item": item.id,
                "edition": edition,
                "language": Path(path).stem.rsplit("_", 1)[1],
                "status": declared_status(project, item, edition),
            },
        }

    jobs = {}
    for group, items in groups.items():
        outputs, records, report = [], [], {}
        for item in items:
            for edition in EDITIONS:
                files = item_outputs(item, edition)
                outputs += files
                records.append(files[1])  # the record of what was built, which the manifest reads
                report.update({path: report_entry(item, edition, path) for path in files if path.endswith(".png")})
        jobs[group] = {
            "raw": [path for pair in snapshots[group] for path in raw_files[pair]],
            "processed": [str(processed_path(s, v)) for s, v in snapshots[group] if owners[(s, v)] == group],
            "outputs": outputs,
            "records": records,
            "report": report,
            # what the job depends on in config: its sources' specs, the snapshots and its items (a params
            # rerun trigger: editing one item's spec reruns its group only)
            "specs": {
                "sources": {s: project.sources[s].model_dump(mode="json") for s in sorted({s for s, _ in snapshots[group]})},
                "snapshots": [f"{s}/{v}" for s, v in snapshots[group]],
                "items": {item.id: item.model_dump(mode="json") for item in items},
                "settings": year_range,
            },
        }
    return {
        "groups": jobs,
        # newest snapshots no group normalizes (the claims ledger reads them) are normalized on their own
        "other_sources": sorted(s for s, v in newest.items() if (s, v) not in grouped),
        "sources": {s: spec.model_dump(mode="json") for s, spec in project.sources.items()},
        "raw_files": {f"{s}/{v}": files for (s, v), files in raw_files.items()},
        "provenance_files": [files[1] for _, files in sorted(raw_files.items())],
        "year_range": year_range,
        "conversions": {k: v.model_dump(mode="json") for k, v in project.settings.conversions.items()},
    }


def start_run(
    basedir: str | Path,
    config: dict[str, Any],
    configfiles: Sequence[str | Path] = (),
    command_line: Mapping[str, Any] | None = None,
    main_process: bool = True,
) -> dict[str, Any]:
    """Everything rules/common.smk does when Snakemake reads the workflow, in order, and the plan its rules are
    declared with.

    1. The main process takes the folder's run lock (techgap.runlock; Snakemake's records, .snakemake/, are in the
       working directory): a second snakemake started while a run goes stops here, naming the first, before
       Snakemake meets that run's jobs in progress. After an interrupted run it says on stderr how to recover.
    2. Snakemake's ``config`` is rebuilt in place from config/config.yaml read with techgap's strict loader (an
       impossible date or a repeated key is named by file, line and field), with ``configfiles`` (each
       `--configfile`) and ``command_line`` (`--config`) on top, as Snakemake applies them; the schema, the
       settings against each other, then pydantic check it, an error naming the layer that set the refused value.
    3. The result: `workflow_plan` of the project under these settings, with "settings" (the settings file every
       job reads, `settings_file`) and "code" (every job's code input, `code_files`)."""
    from snakemake.utils import update_config

    from techgap.config import load_project
    from techgap.schema import check_settings, settings_layers

    if main_process:
        from techgap.runlock import acquire, leftovers_note

        acquire(Path.cwd())
        note = leftovers_note(Path.cwd(), sys.argv[1:])
        if note:
            print(note, file=sys.stderr)
    layers = settings_layers(Path(basedir) / "config" / "config.yaml", configfiles, command_line)
    overrides = dict(config)
    config.clear()
    config.update(layers[0].values)
    update_config(config, overrides)
    check_settings(config, layers)
    settings = settings_file(basedir, config)
    project = load_project(basedir, json.loads((Path(basedir) / settings).read_text(encoding="utf-8")))
    return {**workflow_plan(project), "settings": settings, "code": code_files(basedir)}

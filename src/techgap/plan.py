"""The workflow's plan: every file list and setting the Snakefile declares its rules with, computed from the
validated project and kept in `build/plan/<digest>.json`.

Building the plan means loading and validating the whole configuration (pydantic), parsing every
snapshot's provenance and resolving both editions' vintages: about a third of a no-op run's own time.
Its inputs are few and known, so the plan is kept under a digest of all of them: the settings given to
Snakemake, every file under config/, the workflow's config schema, the vintage folders under data/raw
with their provenance, and techgap's own code. Any change to one of these builds a new plan (and runs
every check again); with none, the Snakefile reads one JSON file. A plan is only written after every
check passed, so a bad config never leaves one behind.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

PLAN_DIR = Path("build") / "plan"
PLAN_FORMAT = 2  # bump when the plan's shape changes

# The modules each kind of job runs, relative to the project; a "*" names every module of a folder. A
# change to one of them reruns those jobs and no others (test_e2e: a plotting change reruns no normalize).
_NORMALIZE_CODE = [
    "src/techgap/" + m + ".py" for m in ("config", "entities", "errors", "io", "normalize", "parsers", "provenance")
]
JOB_CODE = {
    "normalize": _NORMALIZE_CODE,
    "build": _NORMALIZE_CODE
    + ["src/techgap/render/*.py", "src/techgap/render/techgap.mplstyle"]
    + ["src/techgap/" + m + ".py" for m in ("compare", "texts", "editions", "layout", "gaps", "build")],
    "claims": ["src/techgap/claims.py", "src/techgap/compare.py"],
    "report": ["src/techgap/annotate.py"],
    "manifest": ["src/techgap/manifest.py", "src/techgap/page.py"],
    "drift": ["src/techgap/drift.py", "src/techgap/crosscheck.py"],
}


def plan_digest(root: str | Path, config: dict[str, Any], schema_path: str | Path) -> str:
    """A digest of everything the plan is computed from (see the module's docstring)."""
    root = Path(root)
    digest = hashlib.sha256(f"techgap-plan-{PLAN_FORMAT}\n".encode())
    digest.update(json.dumps(config, sort_keys=True, default=str, ensure_ascii=False).encode("utf-8"))

    def add_file(path: Path) -> None:
        digest.update(f"\n{path.relative_to(root).as_posix()}\n".encode())
        digest.update(path.read_bytes())

    add_file(Path(schema_path))
    for folder in ("config", "src/techgap"):
        for path in sorted((root / folder).rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                add_file(path)
    # The vintage folders (and anything else beside them: a stray file or link is an error the plan reports)
    for entry in sorted((root / "data" / "raw").glob("*/*")):
        kind = "link" if entry.is_symlink() else "dir" if entry.is_dir() else "file"
        digest.update(f"\n{entry.relative_to(root).as_posix()} {kind}\n".encode())
        provenance = entry / "provenance.yaml"
        if kind == "dir" and provenance.is_file():
            add_file(provenance)
    return digest.hexdigest()[:32]


def code_stamp_texts(root: str | Path) -> dict[str, str]:
    """For each kind of job, the sha256 of every module it runs, as a settings stamp's text (techgap.stamps).

    The stamp, not the modules, is the jobs' input: its name changes with the modules' content, which
    Snakemake's input trigger sees. One input instead of ~25 per build job is fewer files for every run,
    a no-op too, to resolve and compare."""
    from techgap.stamps import stamp_text

    root = Path(root)
    texts = {}
    for kind, patterns in JOB_CODE.items():
        paths = sorted({path for pattern in patterns for path in root.glob(pattern) if path.is_file()})
        missing = [pattern for pattern in patterns if not any(path.match(pattern) for path in paths)]
        if missing:
            raise FileNotFoundError(f"techgap.plan.JOB_CODE[{kind!r}] names no file for {', '.join(missing)}")
        digests = {path.relative_to(root).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest() for path in paths}
        texts[kind] = stamp_text(digests)
    return texts


def workflow_plan(project: Any) -> dict[str, Any]:
    """What the Snakefile declares, from the validated project: each group's job (snapshots it reads,
    tables it writes, item files, settings), the sources normalized on their own, and the report's captions."""
    from techgap.chapters import load_chapters
    from techgap.editions import available, edition_item, group_snapshots, snapshot_owners
    from techgap.layout import EDITIONS, item_outputs, processed_path
    from techgap.provenance import PROVENANCE_FILE, load_provenance, resolve_vintage
    from techgap.stamps import stamp_text

    groups = project.groups()
    snapshots = {group: group_snapshots(project, group) for group in groups}
    grouped = {pair for pairs in snapshots.values() for pair in pairs}
    owners = snapshot_owners(project, snapshots)
    newest = {s: resolve_vintage(project.raw_dir, s, project.settings.vintages) for s in project.sources if available(project, s)}
    year_range = {"min_year": project.settings.min_year, "max_year": project.settings.max_year}
    chapters = load_chapters(project)

    raw_files = {}
    for source_id, vintage in sorted(grouped | set(newest.items())):
        folder = Path("data/raw") / source_id / vintage
        payload = load_provenance(project.raw_dir / source_id / vintage / PROVENANCE_FILE).payload
        raw_files[f"{source_id}/{vintage}"] = [str(folder / payload), str(folder / PROVENANCE_FILE)]

    def report_entry(item: Any, edition: str, path: str) -> dict[str, Any]:
        """How `snakemake --report` files an item's PNG: under its chapter, labelled."""
        return {
            "caption": f"../{chapters.caption(item.id)}",
            "category": chapters.category(item.id),
            "subcategory": f"{item.id} {item.title.en}",
            "labels": {
                "item": item.id,
                "edition": edition,
                "language": Path(path).stem.rsplit("_", 1)[1],
                "status": str(edition_item(item, edition).status),
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
        specs = {
            "sources": {s: project.sources[s].model_dump(mode="json") for s in sorted({s for s, _ in snapshots[group]})},
            "snapshots": [f"{s}/{v}" for s, v in snapshots[group]],
            "items": {item.id: item.model_dump(mode="json") for item in items},
            "settings": year_range,
        }
        jobs[group] = {
            "raw": [path for s, v in snapshots[group] for path in raw_files[f"{s}/{v}"]],
            "processed": [str(processed_path(s, v)) for s, v in snapshots[group] if owners[(s, v)] == group],
            "outputs": outputs,
            "records": records,
            "report": report,
            # what the job depends on in config: its sources' specs, the snapshots and its items (the
            # settings stamp's text, so that a no-op run does not serialize them again)
            "specs": specs,
            "settings_text": stamp_text(specs),
        }
    return {
        "figures_dir": str(project.figures_dir),
        "groups": jobs,
        # newest snapshots no group normalizes (the claims ledger reads them) are normalized on their own
        "other_sources": sorted(s for s, v in newest.items() if (s, v) not in grouped),
        "sources": {s: spec.model_dump(mode="json") for s, spec in project.sources.items()},
        "raw_files": raw_files,
        "provenance_files": [files[1] for _, files in sorted(raw_files.items())],
        "year_range": year_range,
        "conversions": {k: v.model_dump(mode="json") for k, v in project.settings.conversions.items()},
        "code": code_stamp_texts(project.root),
    }


def load_plan(root: str | Path, config: dict[str, Any], schema_path: str | Path) -> dict[str, Any]:
    """The plan for these inputs: read when one was made for them, else checked, computed and kept."""
    root = Path(root)
    digest = plan_digest(root, config, schema_path)
    path = root / PLAN_DIR / f"{digest}.json"
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):  # none yet, or unreadable: compute it (a damaged copy is replaced)
        pass
    from techgap.config import load_project
    from techgap.schema import validate_overrides

    validate_overrides(config, Path(schema_path))
    as_jobs_see_it = json.loads(json.dumps(config, default=str, sort_keys=True))  # as in SETTINGS_ENV
    plan = workflow_plan(load_project(root, as_jobs_see_it))
    try:
        keep(path, plan)
    except OSError:  # a read-only checkout still runs, it only plans every time
        pass
    return plan


def keep(path: Path, plan: dict[str, Any]) -> None:
    """Write the plan atomically and remove plans made for earlier inputs."""
    from techgap.stamps import write_atomically

    write_atomically(path, json.dumps(plan, ensure_ascii=False))
    for old in path.parent.glob("*.json"):
        if old != path:
            old.unlink(missing_ok=True)

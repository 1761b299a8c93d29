# Shared helpers: the project's validated configuration and the file lists derived from it.
import functools
import json
import os
import sys
from pathlib import Path

from techgap.config import load_project
from techgap.editions import available, group_snapshots, snapshot_owners
from techgap.provenance import PROVENANCE_FILE, resolve_vintage
from techgap.layout import EDITIONS, item_outputs, processed_path

from techgap.config import SETTINGS_ENV
from techgap.schema import validate_overrides
from techgap.stamps import write_stamp

validate_overrides(
    config,
    Path(workflow.basedir) / "workflow/schemas/config.schema.json",
    accepted_dir=Path(workflow.basedir) / "build/accepted-config",  # a config checked once is not checked again
)
os.environ[SETTINGS_ENV] = json.dumps(config, default=str, sort_keys=True)  # the jobs read the same settings
PROJECT = load_project(workflow.basedir)


envvars:
    "PATH",


# Jobs run `python -m techgap` with the interpreter that runs Snakemake first on PATH. It is set in
# the environment, not in params or the command, so which path started Snakemake (.venv/bin/python
# or python3, activated or not) is not a rerun trigger.
os.environ["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"
# Jobs run with a fixed string-hash seed: a float sum over a set in the gap figure's layout otherwise
# moves a clip box by ~1e-13 px between runs, enough to change the SVG's clip ids (byte-identical outputs).
os.environ.update(PYTHONHASHSEED="0")
GROUPS = PROJECT.groups()
# (source, vintage) snapshots each group's job normalizes: those its items read in either edition.
GROUP_SNAPSHOTS = {group: group_snapshots(PROJECT, group) for group in GROUPS}
GROUPED = {pair for pairs in GROUP_SNAPSHOTS.values() for pair in pairs}
OWNERS = snapshot_owners(PROJECT, GROUP_SNAPSHOTS)  # the one job that writes each processed table
# Newest snapshots no group normalizes (the claims ledger reads them) are normalized on their own.
NEWEST = {s: resolve_vintage(PROJECT.raw_dir, s, PROJECT.settings.vintages) for s in PROJECT.sources if available(PROJECT, s)}
OTHER_SOURCES = sorted(s for s, v in NEWEST.items() if (s, v) not in GROUPED)
FONT = "build/fonts/NotoSansCJKtc-Regular.otf"
# Code is a rerun trigger too: a rule reruns when the modules it runs change.
NORMALIZE_CODE = [f"src/techgap/{m}.py" for m in ("config", "entities", "errors", "io", "normalize", "parsers", "provenance")]
RENDER_CODE = sorted(str(p) for p in Path("src/techgap/render").glob("*.py")) + [
    "src/techgap/render/techgap.mplstyle",
    "src/techgap/compare.py",
    "src/techgap/texts.py",
    "src/techgap/editions.py",
    "src/techgap/layout.py",
    "src/techgap/gaps.py",
]


def settings_stamp(name, value):
    """A settings value as an input file that changes only when the value does (see techgap.stamps:
    params would make every run import pandas)."""
    return write_stamp(workflow.basedir, name, value)


def normalize_settings(wildcards):
    return settings_stamp(f"normalize/{wildcards.source_id}", {"spec": source_spec(wildcards), "years": year_range()})


def raw_files(source_id, vintage):
    """The payload and provenance of one vintage of one source."""
    return list(_raw_files(source_id, vintage))


@functools.cache  # several rules list the same snapshot; its provenance is parsed once per run
def _raw_files(source_id, vintage):
    from techgap.provenance import load_provenance

    folder = Path("data/raw") / source_id / vintage
    provenance = load_provenance(folder / PROVENANCE_FILE)
    return (str(folder / provenance.payload), str(folder / PROVENANCE_FILE))


def snapshot_files(wildcards):
    return raw_files(wildcards.source_id, wildcards.vintage)


def source_spec(wildcards):
    """The source's declared indicators and checks: editing them reruns this source only."""
    return PROJECT.sources[wildcards.source_id].model_dump(mode="json")


def group_raw_files(group):
    return [path for s, v in GROUP_SNAPSHOTS[group] for path in raw_files(s, v)]


def group_processed(group):
    return [str(processed_path(s, v)) for s, v in GROUP_SNAPSHOTS[group] if OWNERS[(s, v)] == group]


def group_outputs(items):
    return [path for item in items for edition in EDITIONS for path in item_outputs(item, edition)]


def group_specs(group, items):
    """What the group's job depends on in config: its sources' specs, the snapshots and its items."""
    return {
        "sources": {s: PROJECT.sources[s].model_dump(mode="json") for s in sorted({s for s, _ in GROUP_SNAPSHOTS[group]})},
        "snapshots": [f"{s}/{v}" for s, v in GROUP_SNAPSHOTS[group]],
        "items": {item.id: item.model_dump(mode="json") for item in items},
        "settings": year_range(),
    }


def all_item_outputs():
    return [path for items in GROUPS.values() for path in group_outputs(items)]


def all_provenance_files():
    pairs = sorted(GROUPED | set(NEWEST.items()))
    return [raw_files(s, v)[1] for s, v in pairs]


def all_raw_files():
    """Every vintage of every source: a new vintage anywhere refreshes the drift report."""
    return sorted(str(p) for p in Path("data/raw").glob("*/*/*") if p.is_file())


def conversion_settings():
    """Currency rates the ledger converts with (e.g. RMB per USD): a change reruns the ledger."""
    return {k: v.model_dump(mode="json") for k, v in PROJECT.settings.conversions.items()}


def year_range():
    return {"min_year": PROJECT.settings.min_year, "max_year": PROJECT.settings.max_year}


def report_or_plain(path):
    """Item PNGs go into `snakemake --report` under their report chapter; every output is update()."""
    from techgap.chapters import load_chapters
    from techgap.editions import edition_item

    global CHAPTERS
    if not str(path).endswith(".png"):
        return update(path)
    if CHAPTERS is None:
        CHAPTERS = load_chapters(PROJECT)
    folder = Path(path).parent
    item = PROJECT.item(folder.name)
    edition = folder.parent.name
    return report(
        update(path),
        caption=f"../{CHAPTERS.caption(item.id)}",
        category=CHAPTERS.category(item.id),
        subcategory=f"{item.id} {item.title.en}",
        labels={
            "item": item.id,
            "edition": edition,
            "language": Path(path).stem.rsplit("_", 1)[1],
            "status": str(edition_item(item, edition).status),
        },
    )


CHAPTERS = None

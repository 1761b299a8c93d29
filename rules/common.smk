# Shared helpers: the project's validated configuration and the file lists derived from it.
import sys
from pathlib import Path

from techgap.config import load_project
from techgap.provenance import PROVENANCE_FILE, resolve_vintage
from techgap.render.items import item_outputs

PROJECT = load_project(workflow.basedir)
PYTHON = sys.executable
SOURCES = sorted({s for item in PROJECT.items for s in item.sources})
GROUPS = PROJECT.groups()
FONT = "build/fonts/NotoSansCJKtc-Regular.otf"
# Code is a rerun trigger too: a rule reruns when the modules it runs change.
NORMALIZE_CODE = [f"src/techgap/{m}.py" for m in ("config", "entities", "errors", "io", "normalize", "parsers", "provenance")]
RENDER_CODE = sorted(str(p) for p in Path("src/techgap/render").glob("*.py")) + [
    "src/techgap/render/techgap.mplstyle",
    "src/techgap/compare.py",
]

wildcard_constraints:
    source_id="|".join(SOURCES),


def vintage_of(wildcards):
    return resolve_vintage(PROJECT.raw_dir, wildcards.source_id, PROJECT.settings.vintages)


def snapshot_files(wildcards):
    """The payload and provenance of the vintage config selects (default: the newest)."""
    from techgap.provenance import load_provenance

    folder = Path("data/raw") / wildcards.source_id / vintage_of(wildcards)
    provenance = load_provenance(folder / PROVENANCE_FILE)
    return {"payload": str(folder / provenance.payload), "provenance": str(folder / PROVENANCE_FILE)}


def source_spec(wildcards):
    """The source's declared indicators and checks: editing them reruns this source only."""
    return PROJECT.sources[wildcards.source_id].model_dump(mode="json")


def group_sources(items):
    return sorted({f"data/processed/{s}.parquet" for item in items for s in item.sources})


def group_outputs(items):
    return [path for item in items for path in item_outputs(item)]


def group_specs(items):
    return {item.id: item.model_dump(mode="json") for item in items}


def all_item_outputs():
    return [path for items in GROUPS.values() for path in group_outputs(items)]


def all_provenance_files():
    return [
        str(Path("data/raw") / s / resolve_vintage(PROJECT.raw_dir, s, PROJECT.settings.vintages) / PROVENANCE_FILE)
        for s in SOURCES
    ]

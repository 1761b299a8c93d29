# Shared helpers: the project's validated configuration and the file lists derived from it.
import os
import sys
from pathlib import Path

from techgap.config import load_project
from techgap.provenance import PROVENANCE_FILE, resolve_vintage
from techgap.layout import item_outputs

PROJECT = load_project(workflow.basedir)
envvars:
    "PATH",


# Jobs run `python -m techgap` with the interpreter that runs Snakemake first on PATH. It is set in
# the environment, not in params or the command, so which path started Snakemake (.venv/bin/python
# or python3, activated or not) is not a rerun trigger.
os.environ["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"
GROUPS = PROJECT.groups()
GROUPED_SOURCES = sorted({s for group in GROUPS for s in PROJECT.group_sources(group)})
# Sources no item draws (the claims ledger reads them) are normalized on their own.
OTHER_SOURCES = sorted(set(PROJECT.sources_with_vintages()) - set(GROUPED_SOURCES))
FONT = "build/fonts/NotoSansCJKtc-Regular.otf"
# Code is a rerun trigger too: a rule reruns when the modules it runs change.
NORMALIZE_CODE = [f"src/techgap/{m}.py" for m in ("config", "entities", "errors", "io", "normalize", "parsers", "provenance")]
RENDER_CODE = sorted(str(p) for p in Path("src/techgap/render").glob("*.py")) + [
    "src/techgap/render/techgap.mplstyle",
    "src/techgap/compare.py",
]



def vintage_of(wildcards):
    return resolve_vintage(PROJECT.raw_dir, wildcards.source_id, PROJECT.settings.vintages)


def raw_files(source_id):
    """The payload and provenance of the vintage config selects (default: the newest)."""
    from techgap.provenance import load_provenance

    vintage = resolve_vintage(PROJECT.raw_dir, source_id, PROJECT.settings.vintages)
    folder = Path("data/raw") / source_id / vintage
    provenance = load_provenance(folder / PROVENANCE_FILE)
    return [str(folder / provenance.payload), str(folder / PROVENANCE_FILE)]


def snapshot_files(wildcards):
    return raw_files(wildcards.source_id)


def source_spec(wildcards):
    """The source's declared indicators and checks: editing them reruns this source only."""
    return PROJECT.sources[wildcards.source_id].model_dump(mode="json")


def group_raw_files(group):
    return [path for s in PROJECT.group_sources(group) for path in raw_files(s)]


def group_outputs(items):
    return [path for item in items for path in item_outputs(item)]


def group_specs(group, items):
    """What the group's job depends on in config: its sources' specs, vintages and its items."""
    return {
        "sources": {
            s: {
                "spec": PROJECT.sources[s].model_dump(mode="json"),
                "vintage": resolve_vintage(PROJECT.raw_dir, s, PROJECT.settings.vintages),
            }
            for s in PROJECT.group_sources(group)
        },
        "items": {item.id: item.model_dump(mode="json") for item in items},
        "settings": year_range(),
    }


def all_item_outputs():
    return [path for items in GROUPS.values() for path in group_outputs(items)]


def all_provenance_files():
    return [raw_files(s)[1] for s in GROUPED_SOURCES]


def claim_tables():
    """Processed tables the claims ledger reads (the claims rule validates the file itself)."""
    from techgap.config import load_yaml

    sources = set()
    for claim in load_yaml(Path(workflow.basedir) / "config" / "claims.yaml") or []:
        for value in ((claim.get("compute") or {}).get("args") or {}).values():
            for selector in value if isinstance(value, list) else [value]:
                if isinstance(selector, dict) and selector.get("source") in PROJECT.sources:
                    sources.add(selector["source"])
    return sorted(f"data/processed/{s}.parquet" for s in sources)


def all_raw_files():
    """Every vintage of every source: a new vintage anywhere refreshes the drift report."""
    return sorted(str(p) for p in Path("data/raw").glob("*/*/*") if p.is_file())


def conversion_settings():
    """Currency rates the ledger converts with (e.g. RMB per USD): a change reruns the ledger."""
    return {k: v.model_dump(mode="json") for k, v in PROJECT.settings.conversions.items()}


def year_range():
    return {"min_year": PROJECT.settings.min_year, "max_year": PROJECT.settings.max_year}

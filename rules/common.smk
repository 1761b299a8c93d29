# Shared helpers: the project's validated configuration and the file lists derived from it.
import json
import os
import sys
from pathlib import Path

# Only light modules here: a no-op run reads the plan and needs neither pydantic nor YAML.
from techgap.plan import load_plan
from techgap.stamps import SETTINGS_ENV, write_stamp, write_stamp_text

os.environ[SETTINGS_ENV] = json.dumps(config, default=str, sort_keys=True)  # the jobs read the same settings
# Every file list below comes from the plan: the validated project's groups, snapshots and outputs. It is
# computed (and the settings checked against the schema, then by pydantic) whenever config/, the
# settings, a vintage or techgap's code changed, and read from build/plan/ otherwise (techgap.plan).
PLAN = load_plan(workflow.basedir, config, Path(workflow.basedir) / "workflow/schemas/config.schema.json")


envvars:
    "PATH",


# Jobs run `python -m techgap` with the interpreter that runs Snakemake first on PATH. It is set in
# the environment, not in params or the command, so which path started Snakemake (.venv/bin/python
# or python3, activated or not) is not a rerun trigger.
os.environ["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"
# Jobs run with a fixed string-hash seed: a float sum over a set in the gap figure's layout otherwise
# moves a clip box by ~1e-13 px between runs, enough to change the SVG's clip ids (byte-identical outputs).
os.environ.update(PYTHONHASHSEED="0")
GROUPS = PLAN["groups"]  # one build job per group of items that read the same sources
OTHER_SOURCES = PLAN["other_sources"]  # newest snapshots no group normalizes (the claims ledger reads them)
FIGURES_DIR = Path(PLAN["figures_dir"])
FONT = "build/fonts/NotoSansCJKtc-Regular.otf"


def code_stamp(kind):
    """The modules a kind of job runs (techgap.plan.JOB_CODE), as one input named after their content: a
    changed module reruns the jobs that run it."""
    return write_stamp_text(workflow.basedir, f"code/{kind}", PLAN["code"][kind])


def settings_stamp(name, value):
    """A settings value as an input file that changes only when the value does (see techgap.stamps:
    params would make every run import pandas)."""
    return write_stamp(workflow.basedir, name, value)


def normalize_settings(wildcards):
    return settings_stamp(f"normalize/{wildcards.source_id}", {"spec": source_spec(wildcards), "years": year_range()})


def raw_files(source_id, vintage):
    """The payload and provenance of one vintage of one source."""
    planned = PLAN["raw_files"].get(f"{source_id}/{vintage}")
    if planned is not None:
        return planned
    from techgap.provenance import PROVENANCE_FILE, load_provenance  # a vintage no edition reads, asked for by name

    folder = Path("data/raw") / source_id / vintage
    return [str(folder / load_provenance(folder / PROVENANCE_FILE).payload), str(folder / PROVENANCE_FILE)]


def snapshot_files(wildcards):
    return raw_files(wildcards.source_id, wildcards.vintage)


def source_spec(wildcards):
    """The source's declared indicators and checks: editing them reruns this source only."""
    return PLAN["sources"][wildcards.source_id]


def all_item_records():
    """Each item edition's record of what was built (meta JSON), which is what the manifest reads. A build
    job writes all its files together, so its records are new whenever any of its drawings is. (Snakemake
    resolves each declared input to its job: 58 records cost a no-op less than all ~400 item files.)"""
    return [path for job in GROUPS.values() for path in job["records"]]


def missing_outputs(wildcards):
    """Declared outputs that are not on disk, e.g. a figure deleted by hand. Snakemake reruns a job for a
    missing output only when a later job or a target needs that very file, and the manifest reads only
    each item's record: without this, `snakemake` left a deleted figure deleted."""
    return [
        str(path) for rule in workflow.rules for path in rule.output if not path.contains_wildcard() and not os.path.exists(path)
    ]


def all_provenance_files():
    return PLAN["provenance_files"]


def all_raw_files():
    """Every vintage of every source: a new vintage anywhere refreshes the drift report."""
    return sorted(str(p) for p in Path("data/raw").glob("*/*/*") if p.is_file())


def checksum_histories():
    """data/checksums/<source>.log: the vintages' recorded checksums and provenance corrections."""
    return sorted(str(p) for p in Path("data/checksums").glob("*.log"))


def conversion_settings():
    """Currency rates the ledger converts with (e.g. RMB per USD): a change reruns the ledger."""
    return PLAN["conversions"]


def year_range():
    return PLAN["year_range"]


def report_or_plain(path, entries):
    """Item PNGs go into `snakemake --report` under their report chapter (``entries``: the plan's, by
    path); every output is update()."""
    entry = entries.get(path)
    if entry is None:
        return update(path)
    return report(update(path), **entry)

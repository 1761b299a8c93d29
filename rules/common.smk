# The project's validated settings and the file lists every rule is declared with (techgap.workflow).
import os
import sys
from pathlib import Path

# Snakemake and its jobs run this project's own code (src/), whichever environment started Snakemake: a
# copied or moved project never runs another folder's techgap.
SRC = str(Path(workflow.basedir) / "src")
sys.path.insert(0, SRC)
os.environ["PYTHONPATH"] = os.pathsep.join([SRC, *filter(None, [os.environ.get("PYTHONPATH")])])
# Jobs run `python -m techgap` with the interpreter that runs Snakemake, first on PATH. Set in the environment,
# not in the command, so which path started Snakemake is not a rerun trigger.
os.environ["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])

# The settings are checked, the folder's run lock taken (one snakemake at a time in this folder: a second one started
# while a run goes stops here, naming the first; after an interrupted run, it says how to recover), and the plan made:
# techgap.workflow.start_run.
# A refused setting or input, or a folder in use, ends the run with techgap's message alone: it names the file, line
# and field (or the run that holds the folder); Snakemake's traceback of this file would only bury it.
from techgap.errors import InputError
from techgap.runlock import FolderInUse
from techgap.workflow import start_run

try:
    PLAN = start_run(
        workflow.basedir,
        config,  # rebuilt in place: config/config.yaml read with techgap's strict loader, --configfile and --config on top
        workflow.config_settings.configfiles,
        workflow.config_settings.config,
        main_process=workflow.is_main_process,
    )
except (InputError, FolderInUse) as error:
    sys.exit(f"techgap: {error}")
SETTINGS = PLAN["settings"]  # every job's settings, passed with `techgap --settings`
GROUPS = PLAN["groups"]  # one build job per group of items that read the same sources
OTHER_SOURCES = PLAN["other_sources"]  # newest snapshots no group normalizes (the claims ledger reads them)
CODE = PLAN["code"]  # every job's code input: the whole techgap package
FONT = "build/fonts/NotoSansCJKtc-Regular.otf"


envvars:
    "PATH",


def snapshot_files(wildcards):
    """The payload and provenance of one vintage of one source."""
    planned = PLAN["raw_files"].get(f"{wildcards.source_id}/{wildcards.vintage}")
    if planned is not None:
        return planned
    from techgap.provenance import PROVENANCE_FILE, load_provenance  # a vintage no edition reads, asked for by name

    folder = Path("data/raw") / wildcards.source_id / wildcards.vintage
    return [str(folder / load_provenance(folder / PROVENANCE_FILE).payload), str(folder / PROVENANCE_FILE)]


def all_item_records():
    """Each item edition's record of what was built (meta JSON), which is what the manifest reads; a build job
    writes all its files together, so its records are new whenever any of its drawings is."""
    return [path for job in GROUPS.values() for path in job["records"]]


def missing_outputs(wildcards):
    """Declared outputs that are not on disk, e.g. a figure deleted by hand. Snakemake reruns a job for a
    missing output only when a later job or a target needs that very file, and the manifest reads only
    each item's record: without this, `snakemake` left a deleted figure deleted."""
    return [
        str(path) for rule in workflow.rules for path in rule.output if not path.contains_wildcard() and not os.path.exists(path)
    ]


def all_raw_files():
    """Every vintage of every source: a new vintage anywhere refreshes the ledger and the drift report."""
    return sorted(str(p) for p in Path("data/raw").glob("*/*/*") if p.is_file())


def checksum_histories():
    """data/checksums/<source>.log: the vintages' recorded checksums and provenance corrections."""
    return sorted(str(p) for p in Path("data/checksums").glob("*.log"))


def report_or_plain(path, entries):
    """Item PNGs go into `snakemake --report` under their report chapter (``entries``: the plan's, by path);
    every output is update(): the job replaces each file atomically, so Snakemake must not delete the last
    good outputs before (or after a failed) run."""
    entry = entries.get(path)
    if entry is None:
        return update(path)
    return report(update(path), **entry)

# techgap: raw snapshots -> normalized tables -> bilingual figures and tables -> ledger, drift, manifest and page.
# Rules are thin: each calls one `python -m techgap` command; the logic lives in src/techgap.
from snakemake.utils import min_version

min_version("8.20")


report: "workflow/report/workflow.rst"


# Settings: config/config.yaml (read in rules/common.smk with techgap's strict loader) with `--config` and
# `--configfile` on top, validated against workflow/schemas/config.schema.json, then by pydantic.
include: "rules/common.smk"
include: "rules/normalize.smk"
include: "rules/build.smk"
include: "rules/report.smk"
include: "rules/package.smk"
include: "rules/refresh.smk"


# `log` lists Snakemake's own log files of this run (.snakemake/log/...); the jobs' logs are under logs/.
onsuccess:
    from techgap.logs import run_summary

    print(run_summary(log, succeeded=True))


onerror:
    from techgap.logs import run_summary

    print(run_summary(log, succeeded=False))


rule all:
    default_target: True
    input:
        "figures/manifest.json",
        "figures/index.html",
        "figures/drift.md",
        "figures/review.html",
        "figures/report.html",
        "figures/datapackage.json",
        "figures/data/series.csv",
        "figures/data/series.parquet",
        missing_outputs,

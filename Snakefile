# techgap: raw snapshots -> normalized tables -> bilingual figures and tables -> manifest and page.
# Rules are thin: each calls one `python -m techgap` command; the logic lives in src/techgap.

from snakemake.utils import min_version

min_version("8.20")


include: "rules/common.smk"
include: "rules/normalize.smk"
include: "rules/build.smk"
include: "rules/report.smk"
include: "rules/refresh.smk"


rule all:
    input:
        "figures/manifest.json",
        "figures/index.html",
        "figures/drift.md",
        "figures/report.html",
    default_target: True

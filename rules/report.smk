# Report: the claims ledger, the annotated report, the drift report, and the manifest with the reviewers' pages.


rule claims:
    input:
        raw=all_raw_files(),  # the ledger reads every source's raw snapshot (cited and newest vintages)
        config=["config/claims.yaml", "config/sources.yaml", "config/entities.yaml"],
        code=CODE,
        settings=SETTINGS,
    output:
        update("figures/claims.csv"),
        update("figures/claims_checks.csv"),
        update("figures/claims.md"),
    log:
        "logs/claims.log",
    shell:
        "python -m techgap --log {log} --settings {input.settings} claims --previous --write"


rule report:
    input:
        statements="figures/claims.csv",
        checks="figures/claims_checks.csv",
        text=sorted(str(p) for p in Path("data/raw/ndc_report").glob("*/*") if p.is_file()),
        provenance=PLAN["provenance_files"],
        code=CODE,
        settings=SETTINGS,
    output:
        update("figures/report.html"),
        update("figures/report.md"),
    log:
        "logs/report.log",
    shell:
        "python -m techgap --log {log} --settings {input.settings} annotate"


rule manifest:
    input:
        item_records=all_item_records(),
        provenance=PLAN["provenance_files"],
        history=checksum_histories(),  # the provenance page shows each recorded correction
        claims="figures/claims.csv",
        drift="figures/drift.csv",  # loud changes are warnings of the latest editions they reach
        annotated="figures/report.html",  # its characters go into the pages' font
        config=["config/items.yaml", "config/analysis.yaml", "config/chapters.yaml"],
        code=CODE,
        settings=SETTINGS,
        font=FONT,
    output:
        update("figures/manifest.json"),
        update("figures/index.html"),
        update("figures/provenance.html"),
        update("figures/assets/techgap-cjk.woff2"),
    log:
        "logs/manifest.log",
    shell:
        "python -m techgap --log {log} --settings {input.settings} manifest"


rule drift:
    input:
        raw=all_raw_files(),
        history=checksum_histories(),
        config=["config/sources.yaml", "config/claims.yaml"],
        code=CODE,
        settings=SETTINGS,
    output:
        update("figures/drift.csv"),
        update("figures/drift.md"),
    log:
        "logs/drift.log",
    shell:
        "python -m techgap --log {log} --settings {input.settings} drift"


# Review: figures/review.html, every item edition whose files differ from the accepted outputs (the record in
# CHANGELOG.md, written by scripts/accept.sh), with the drift rows behind each change. The job also keeps a copy of
# every item edition that is as accepted in build/accepted/ (a cache checked by fingerprint, not an input: the page
# shows it only beside a change, and an input the job itself writes would rerun it once more after every change).
rule review:
    input:
        item_records=all_item_records(),
        item_tables=[path.removesuffix(".meta.json") + ".csv" for path in all_item_records()],
        drift="figures/drift.csv",
        changelog=[path for path in ["CHANGELOG.md"] if os.path.exists(path)],  # the accepted outputs' record
        code=CODE,
        settings=SETTINGS,
    output:
        update("figures/review.html"),
    log:
        "logs/review.log",
    shell:
        "python -m techgap --log {log} --settings {input.settings} review"

# Report: the claims ledger, the manifest of all items (built or not) and the reviewers' page.


rule claims:
    input:
        raw=all_raw_files(),  # the ledger reads every source's raw snapshot (cited and newest vintages)
        claims="config/claims.yaml",
        sources="config/sources.yaml",
        code=code_stamp("claims"),
        conversions=settings_stamp("claims", conversion_settings()),
    output:
        update("figures/claims.csv"),
        update("figures/claims_checks.csv"),
        update("figures/claims.md"),
    log:
        "logs/claims.log",
    conda:
        "../envs/techgap.yaml"
    params:
        conversions=conversion_settings(),
    shell:
        "python -m techgap --log {log} claims --previous --write"


rule report:
    input:
        statements="figures/claims.csv",
        checks="figures/claims_checks.csv",
        text=sorted(str(p) for p in Path("data/raw/ndc_report").glob("*/*") if p.is_file()),
        provenance=all_provenance_files(),
        code=code_stamp("report"),
    output:
        update("figures/report.html"),
        update("figures/report.md"),
    log:
        "logs/report.log",
    conda:
        "../envs/techgap.yaml"
    shell:
        "python -m techgap.annotate > {log} 2>&1"


rule manifest:
    input:
        item_records=all_item_records(),
        provenance=all_provenance_files(),
        history=checksum_histories(),  # the provenance page shows each recorded correction
        claims="figures/claims.csv",
        config=["config/items.yaml", "config/analysis.yaml", "config/chapters.yaml"],
        code=code_stamp("manifest"),
        font=FONT,
    output:
        update("figures/manifest.json"),
        update("figures/index.html"),
        update("figures/provenance.html"),
        update("figures/assets/techgap-cjk.woff2"),
    log:
        "logs/manifest.log",
    conda:
        "../envs/techgap.yaml"
    shell:
        "python -m techgap --log {log} manifest"


rule drift:
    input:
        raw=all_raw_files(),
        history=checksum_histories(),
        sources="config/sources.yaml",
        claims="config/claims.yaml",
        code=code_stamp("drift"),
    output:
        update("figures/drift.csv"),
        update("figures/drift.md"),
    log:
        "logs/drift.log",
    conda:
        "../envs/techgap.yaml"
    shell:
        "python -m techgap --log {log} drift"

# Report: the claims ledger, the manifest of all items (built or not) and the reviewers' page.


rule claims:
    input:
        processed=claim_tables(),
        raw=all_raw_files(),  # earlier vintages: the ledger reports claims whose status changed
        claims="config/claims.yaml",
        code=["src/techgap/claims.py", "src/techgap/compare.py"],
    output:
        update("figures/claims.csv"),
        update("figures/claims.md"),
    params:
        conversions=conversion_settings(),
    log:
        "logs/claims.log",
    conda:
        "../envs/techgap.yaml"
    shell:
        "python -m techgap --log {log} claims"


rule manifest:
    input:
        item_files=all_item_outputs(),
        provenance=all_provenance_files(),
        claims="figures/claims.csv",
        config="config/items.yaml",
        code=["src/techgap/manifest.py"],
    output:
        update("figures/manifest.json"),
        update("figures/index.html"),
    log:
        "logs/manifest.log",
    conda:
        "../envs/techgap.yaml"
    shell:
        "python -m techgap --log {log} manifest"


rule drift:
    input:
        raw=all_raw_files(),
        claims="config/claims.yaml",
        code=["src/techgap/drift.py"],
    output:
        update("figures/drift.csv"),
        update("figures/drift.md"),
    log:
        "logs/drift.log",
    conda:
        "../envs/techgap.yaml"
    shell:
        "python -m techgap --log {log} drift"

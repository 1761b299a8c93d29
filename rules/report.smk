# Report: the manifest of all items (built or not) and the reviewers' page.


rule manifest:
    input:
        item_files=all_item_outputs(),
        provenance=all_provenance_files(),
        config="config/items.yaml",
        code=["src/techgap/manifest.py"],
    output:
        "figures/manifest.json",
        "figures/index.html",
    params:
        python=PYTHON,
    log:
        "logs/manifest.log",
    conda:
        "../envs/techgap.yaml"
    shell:
        "{params.python} -m techgap --log {log} manifest"

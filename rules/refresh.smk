# Refresh: download a new dated vintage from the sources that have an API (OECD SDMX, World Bank).
# Never part of `all`: run it on purpose with `snakemake -c1 refresh`, then rerun `snakemake`.


rule refresh:
    log:
        "logs/refresh.log",
    conda:
        "../envs/techgap.yaml"
    shell:
        "python -m techgap --log {log} refresh"

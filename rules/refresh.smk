# Refresh: download a new dated vintage from the sources that have an API (OECD SDMX, World Bank).
# Never part of `all`: run it on purpose with `snakemake -c1 refresh`, then rerun `snakemake`.


rule refresh:
    params:
        python=PYTHON,
    log:
        "logs/refresh.log",
    conda:
        "../envs/techgap.yaml"
    shell:
        "{params.python} -m techgap --log {log} refresh"

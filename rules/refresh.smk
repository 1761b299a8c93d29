# Refresh: download a new dated vintage from the sources that have an API (OECD SDMX, World Bank, UN Comtrade).
# Never part of `all`: run it on purpose with `snakemake -c1 refresh`, then rerun `snakemake`.


rule refresh:
    input:
        settings=SETTINGS,
    log:
        "logs/refresh.log",
    shell:
        "python -m techgap --log {log} --settings {input.settings} refresh"

# Package: the published data. figures/data/series.csv and .parquet hold every source's normalized series (the
# vintage the latest edition reads); figures/datapackage.json describes them and every item table of both editions
# (Frictionless Data Package: schemas, sources and licences from provenance), with the version from pyproject.toml.


rule package:
    input:
        raw=all_raw_files(),  # every vintage (the provenance files the item records name among them)
        history=checksum_histories(),  # normalizing a vintage checks it against its recorded checksums
        config=["config/sources.yaml", "config/entities.yaml"],
        item_records=all_item_records(),
        item_tables=[path.removesuffix(".meta.json") + ".csv" for path in all_item_records()],
        version="pyproject.toml",
        code=CODE,
        settings=SETTINGS,
    output:
        update("figures/data/series.csv"),
        update("figures/data/series.parquet"),
        update("figures/datapackage.json"),
    log:
        "logs/package.log",
    shell:
        "python -m techgap --log {log} --settings {input.settings} package"

# Normalize: validate one source's raw snapshot (checksum, schema, entities, units, periods) and write its
# tidy long table. A failed check writes nothing. Sources that items draw are normalized inside their group's
# build job (rules/build.smk); this rule serves the others.


rule normalize:
    input:
        unpack(snapshot_files),
        config=["config/sources.yaml", "config/entities.yaml"],
        code=CODE,
        settings=SETTINGS,
    output:
        update("data/processed/{source_id}/{vintage}.parquet"),
    log:
        "logs/normalize/{source_id}/{vintage}.log",
    wildcard_constraints:
        source_id="|".join(OTHER_SOURCES) or "__none__",
        vintage=r"\d{4}-\d{2}-\d{2}",
    shell:
        "python -m techgap --log {log} --settings {input.settings} normalize {wildcards.source_id} {output} --vintage {wildcards.vintage}"

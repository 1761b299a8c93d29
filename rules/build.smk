# Build: one job per group of items that read the same sources. The job validates and normalizes the
# snapshots those items read (nothing is written unless every check passes), writes their processed tables
# and draws both editions of the items (report, latest) in both languages. One process per group pays the
# interpreter, pandas and matplotlib start-up once, while every file stays a declared output.
# Outputs are update() and the default profile keeps incomplete outputs: a failed validation leaves the
# last good tables and figures in place.


rule font:
    input:
        code=CODE,
    output:
        FONT,
    log:
        "logs/font.log",
    shell:
        "python -m techgap --log {log} font {output}"


for _group, _job in GROUPS.items():

    rule:
        name:
            f"build_{_group}"
        input:
            raw=_job["raw"],
            config=["config/items.yaml", "config/analysis.yaml", "config/sources.yaml", "config/entities.yaml"],
            code=CODE,
            settings=SETTINGS,
            font=FONT,
        output:
            processed=[update(path) for path in _job["processed"]],
            item_files=[report_or_plain(path, _job["report"]) for path in _job["outputs"]],
        log:
            f"logs/build/{_group}.log",
        params:
            group=_group,  # bound now: the shell command is formatted when the job runs, after the loop has moved on
        shell:
            "python -m techgap --log {log} --settings {input.settings} build-group {params.group}"

# Build: one job per group of items that read the same sources. The job validates and normalizes
# the snapshots those items read (nothing is written unless every check passes), writes their
# processed tables and draws both editions of the items (report, latest) in both languages. One process per group pays the interpreter, pandas and
# matplotlib start-up once (see benchmarks/results.md), while every file stays a declared output
# with exact rerun triggers: a source's raw snapshot, its config, the items' config and the code.
# Outputs are flagged update() and the default profile sets keep-incomplete: a failed validation
# leaves the last good tables and figures in place.


rule font:
    output:
        FONT,
    log:
        "logs/font.log",
    conda:
        "../envs/techgap.yaml"
    shell:
        "python -m techgap --log {log} font {output}"


for _group, _job in GROUPS.items():

    rule:
        name:
            f"build_{_group}"
        input:
            raw=_job["raw"],
            entities="config/entities.yaml",
            code=code_stamp("build"),
            font=FONT,
            settings=write_stamp_text(workflow.basedir, f"build/{_group}", _job["settings_text"]),
        output:
            # update(): the job replaces each file atomically, so Snakemake must not delete the
            # last good outputs before (or after a failed) run.
            processed=[update(path) for path in _job["processed"]],
            item_files=[report_or_plain(path, _job["report"]) for path in _job["outputs"]],
        log:
            f"logs/build/{_group}.log",
        conda:
            "../envs/techgap.yaml"
        params:
            # Only for the captions of `snakemake --report`: the settings stamp above is the rerun
            # trigger (the profile leaves params out of the triggers; comparing them imports pandas).
            specs=_job["specs"],
            group=_group,
        shell:
            "python -m techgap --log {log} build-group {params.group}"

# Render: one job per render group (items that read the same sources), so a job pays the
# interpreter and matplotlib start-up once for several figures, while every file stays a declared
# output with its own rerun triggers.


rule font:
    output:
        FONT,
    params:
        python=PYTHON,
    log:
        "logs/font.log",
    conda:
        "../envs/techgap.yaml"
    shell:
        "{params.python} -m techgap --log {log} font {output}"


for _group, _items in GROUPS.items():

    rule:
        name:
            f"render_{_group}"
        input:
            processed=group_sources(_items),
            code=RENDER_CODE,
            font=FONT,
        output:
            group_outputs(_items),
        params:
            specs=group_specs(_items),
            group=_group,
            python=PYTHON,
        log:
            f"logs/render/{_group}.log",
        conda:
            "../envs/techgap.yaml"
        shell:
            "{params.python} -m techgap --log {log} render {params.group}"

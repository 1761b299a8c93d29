"""The command line as a user and Snakemake meet it: help, version, status, logs, item selection."""

from __future__ import annotations

import argparse
import re
import shutil
import tomllib
from pathlib import Path

import pandas as pd
import pytest
from conftest import ROOT, plant_payload, snapshot_dir

from techgap import cli
from techgap.config import load_project
from techgap.vocabulary import VERDICTS


def _run(*argv: object) -> int:
    return cli.main([str(a) for a in argv])


def test_version_is_the_installed_packages(capsys):
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]
    with pytest.raises(SystemExit) as stopped:
        _run("--version")
    assert stopped.value.code == 0
    assert capsys.readouterr().out.strip() == f"techgap {declared}"


def _all_actions(parser: argparse.ArgumentParser):
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, subparser in action.choices.items():
                yield from ((f"{name} {a.dest}", a) for a in subparser._actions)
        else:
            yield action.dest, action


def test_every_command_and_argument_has_help():
    parser = cli.build_parser()
    missing = [name for name, action in _all_actions(parser) if not (action.help or "").strip()]
    assert missing == []
    subcommands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    assert {"status", "export", "render", "build-group"} <= set(subcommands.choices)
    assert all(choice.help for choice in subcommands._choices_actions)


def _pin(root: Path, source_id: str, vintage: str) -> None:
    config = root / "config" / "config.yaml"
    text = config.read_text(encoding="utf-8").replace("vintages: {}", f"vintages: {{{source_id}: '{vintage}'}}")
    config.write_text(text, encoding="utf-8")


def _status_rows(output: str, header: str) -> dict[str, list[str]]:
    """The rows of one of the status tables, keyed by their first column."""
    lines = output.splitlines()
    start = next(i for i, line in enumerate(lines) if re.split(r"\s+", line.strip())[: len(header.split())] == header.split())
    rows = {}
    for line in lines[start + 1 :]:
        if not line.strip():
            break
        cells = re.split(r"\s{2,}", line.strip())
        rows[cells[0]] = cells[1:]
    return rows


def test_status_says_which_vintage_is_in_use_and_why(project_root, capsys):
    old = snapshot_dir(project_root, "isscc").name
    newer = "2099-01-01"
    shutil.copytree(project_root / "data" / "raw" / "isscc" / old, project_root / "data" / "raw" / "isscc" / newer)
    shutil.copytree(
        project_root / "data" / "raw" / "nbs_rd" / snapshot_dir(project_root, "nbs_rd").name,
        project_root / "data" / "raw" / "nbs_rd" / newer,
    )
    _pin(project_root, "isscc", old)

    assert _run("--root", project_root, "status") == 0
    output = capsys.readouterr().out
    sources = _status_rows(output, "source vintage why")
    count = str(len(list((project_root / "data" / "raw" / "isscc").iterdir())))
    assert sources["isscc"][:4] == [old, "pinned", newer, count]
    count = str(len(list((project_root / "data" / "raw" / "nbs_rd").iterdir())))
    assert sources["nbs_rd"][:4] == [newer, "newest", "-", count]


def test_status_lists_every_item_with_its_configured_status(project_root, capsys):
    assert _run("--root", project_root, "status") == 0
    from techgap.editions import declared_status

    items = _status_rows(capsys.readouterr().out, "item kind report latest")
    project = load_project(project_root)
    configured = {item.id: [declared_status(project, item, e) for e in ("report", "latest")] for item in project.items}
    assert configured["fig16"][1] == "partial"  # its latest status is a source switch; no API vintage yet
    assert {item_id: cells[1:3] for item_id, cells in items.items()} == configured
    assert items["fig14"][3] == "-"  # an unavailable item is in no render group
    # the comparison above covers an item whose status differs per edition (fig20's report edition reproduces
    # every printed value, its latest does not)
    assert items["fig20"][1:3] == configured["fig20"] and configured["fig20"][0] != configured["fig20"][1]


def test_status_flags_a_pin_to_a_missing_vintage(project_root, capsys):
    _pin(project_root, "isscc", "1999-01-01")
    assert _run("--root", project_root, "status") == 0
    assert _status_rows(capsys.readouterr().out, "source vintage why")["isscc"][:2] == ["1999-01-01", "pinned, MISSING"]


def test_normalize_logs_source_vintage_and_rows(project_root, tmp_path, capsys):
    log = tmp_path / "logs" / "normalize.log"
    out = tmp_path / "isscc.parquet"
    assert _run("--root", project_root, "--log", log, "normalize", "isscc", out) == 0
    rows = len(pd.read_parquet(out))
    vintage = snapshot_dir(project_root, "isscc").name
    text = log.read_text(encoding="utf-8")
    assert f"read isscc vintage {vintage}: {rows} rows" in text
    assert f"wrote {out}" in text
    assert capsys.readouterr().err == ""  # success is quiet on stderr unless -v


def test_verbose_prints_progress_to_stderr(project_root, tmp_path, capsys):
    assert _run("--root", project_root, "-v", "normalize", "isscc", tmp_path / "isscc.parquet") == 0
    assert "read isscc vintage" in capsys.readouterr().err


def test_a_failing_command_leaves_its_traceback_in_the_log(project_root, tmp_path, capsys):
    payload = plant_payload(project_root, "isscc", "entity,period\nUS,2020\n")
    log = tmp_path / "build.log"
    log.write_text("an earlier run's log\n", encoding="utf-8")

    assert _run("--root", project_root, "--log", log, "normalize", "isscc", tmp_path / "out.parquet") == 2
    text = log.read_text(encoding="utf-8")
    assert "an earlier run's log" not in text
    assert "Traceback (most recent call last)" in text
    assert str(payload) in text
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: ") and str(payload) in err[0] and str(log) in err[0]
    assert not (tmp_path / "out.parquet").exists()


def test_an_unexpected_failure_is_logged_with_its_traceback(project_root, tmp_path, capsys, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr("techgap.normalize.normalize_source", broken)
    log = tmp_path / "x.log"
    assert _run("--root", project_root, "--log", log, "normalize", "isscc", tmp_path / "out.parquet") == 1
    assert "RuntimeError: disk on fire" in log.read_text(encoding="utf-8")
    assert "Traceback" in log.read_text(encoding="utf-8")
    err = capsys.readouterr().err
    assert "disk on fire" in err and "Traceback" not in err


def test_render_accepts_an_item_id_or_a_group(project_root):
    project = load_project(project_root)
    assert [item.id for item in cli.items_to_render(project, "fig05")] == ["fig05"]
    group = project.item("tab02").render_group
    assert [item.id for item in cli.items_to_render(project, group)] == [i.id for i in project.groups()[group]]
    assert len(project.groups()[group]) > 1  # tab02 and tab03 read the same source


def test_render_refuses_an_unavailable_or_unknown_item_saying_why(project_root):
    project = load_project(project_root)
    unavailable = next(item for item in project.items if not item.renders)
    with pytest.raises(ValueError, match=f"{unavailable.id} is unavailable"):
        cli.items_to_render(project, unavailable.id)
    with pytest.raises(ValueError, match="unknown item or group 'fig99'.*fig01"):
        cli.items_to_render(project, "fig99")


def test_schema_command_writes_the_generated_schema(tmp_path):
    from techgap.schema import SCHEMA_RELATIVE_PATH, schema_text

    assert _run("--root", tmp_path, "schema") == 0
    assert (tmp_path / SCHEMA_RELATIVE_PATH).read_text(encoding="utf-8") == schema_text()


def _log_file(path: Path, *records: tuple[str, str]) -> None:
    from techgap.logs import FILE_FORMAT

    path.parent.mkdir(parents=True, exist_ok=True)
    import logging

    formatter = logging.Formatter(FILE_FORMAT)
    lines = [
        formatter.format(logging.LogRecord("techgap.cli", getattr(logging, level), __file__, 1, message, None, None))
        for level, message in records
    ]
    path.write_text("\n".join(lines) + "\nTraceback (most recent call last):\n  ERROR in a traceback line\n", encoding="utf-8")


def test_build_summary_counts_items_and_warnings_and_says_where_to_look(tmp_path):
    from techgap.logs import build_summary

    _log_file(tmp_path / "logs" / "build" / "isscc.log", ("INFO", "read isscc"), ("WARNING", "a gap in 2016"))
    _log_file(tmp_path / "logs" / "claims.log", ("DEBUG", "claims done"))
    statuses = {"report": {"partial": 2, "reproduced": 3, "unavailable": 1}, "latest": {"reproduced": 4, "unavailable": 2}}
    line = build_summary(statuses, tmp_path / "logs", ".snakemake/log/run.snakemake.log")
    assert line.startswith(
        "techgap: 6 items x 2 editions: report 2 partial, 3 reproduced, 1 unavailable; "
        "latest 4 reproduced, 2 unavailable; 1 warning"
    )
    assert str(tmp_path / "logs" / "build" / "isscc.log") in line
    assert "figures/index.html" in line and "figures/drift.md" in line
    assert line.endswith("Snakemake's own log: .snakemake/log/run.snakemake.log.")
    assert "Snakemake's own log" not in build_summary(statuses, tmp_path / "logs")


def test_failure_summary_names_each_failing_job_and_its_first_error(tmp_path):
    from techgap.logs import failure_summary

    _log_file(
        tmp_path / "logs" / "build" / "isscc.log", ("ERROR", "data.csv, line 3, field 'value': not a number"), ("ERROR", "second")
    )
    _log_file(tmp_path / "logs" / "manifest.log", ("INFO", "fine"))
    text = failure_summary(tmp_path / "logs")
    assert f"{tmp_path / 'logs' / 'build' / 'isscc.log'}: data.csv, line 3, field 'value': not a number" in text
    assert "second" not in text and "manifest.log" not in text and "traceback line" not in text
    nothing_logged = failure_summary(tmp_path / "empty")  # a run stopped by Ctrl-C or SIGTERM, or Snakemake's own error
    assert "it was stopped (Ctrl-C, a signal), or Snakemake itself failed" in nothing_logged
    assert "failed before" not in nothing_logged and "Read Snakemake's message" in nothing_logged
    assert failure_summary(tmp_path / "empty", ".snakemake/log/x.log").endswith("Read .snakemake/log/x.log.")
    assert failure_summary(tmp_path / "logs", ".snakemake/log/x.log").endswith("the whole run: .snakemake/log/x.log")


def test_a_run_ends_with_the_summary_of_how_it_ended(tmp_path):
    """The Snakefile's onsuccess: and onerror: both call run_summary with Snakemake's logs of the run."""
    from techgap.logs import run_summary

    _log_file(tmp_path / "logs" / "drift.log", ("ERROR", "drift.csv: broken"))
    failed = run_summary([".snakemake/log/a.log", "b.log"], succeeded=False, root=tmp_path)
    assert failed.startswith("techgap: the build failed") and failed.endswith("the whole run: .snakemake/log/a.log, b.log")
    assert run_summary([], succeeded=False, root=tmp_path / "empty").endswith("Read Snakemake's message above.")


def test_main_writes_records_the_summaries_can_read(project_root, tmp_path):
    from techgap.logs import problem_lines

    plant_payload(project_root, "isscc", "entity,period\nUS,2020\n")
    _run("--root", project_root, "--log", tmp_path / "logs" / "n.log", "normalize", "isscc", tmp_path / "o.parquet")
    [(path, message)] = problem_lines(tmp_path / "logs", "ERROR")
    assert path.name == "n.log" and "data.csv" in message


def test_render_writes_nothing_when_a_later_drawing_fails(project_root, monkeypatch):
    from techgap.render import items as render_items_module

    assert _run("--root", project_root, "render", "fig05") == 0
    outputs = sorted(p for p in (project_root / "figures").rglob("*") if p.is_file() and "fig05" in p.parts)
    assert {p.suffix for p in outputs} >= {".csv", ".json", ".png", ".svg"}
    assert {p.parts[-3] for p in outputs} == {"report", "latest"}
    for path in outputs:  # stand-ins for earlier outputs, so any rewrite would show
        path.write_bytes(b"earlier output of " + path.name.encode())
    draw = render_items_module.draw_prepared
    drawn_langs = []

    def fails_in_english(prepared, ctx):
        drawn_langs.append(ctx.lang)
        if ctx.lang == "en":
            raise RuntimeError("font exploded")
        return draw(prepared, ctx)

    monkeypatch.setattr(render_items_module, "draw_prepared", fails_in_english)
    assert _run("--root", project_root, "render", "fig05") == 1
    assert drawn_langs == ["zh", "en"]  # the first language was drawn before the failure
    after = sorted(p for p in (project_root / "figures").rglob("*") if p.is_file() and "fig05" in p.parts)
    assert after == outputs
    assert all(p.read_bytes() == b"earlier output of " + p.name.encode() for p in outputs)


def test_statuses_by_edition_are_read_from_the_manifest(tmp_path):
    from techgap.manifest import statuses_by_edition

    manifest = tmp_path / "manifest.json"
    manifest.write_text(
        '{"items": [], "summary": {"report": {"reproduced": 9}, "latest": {"partial": 1, "reproduced": 8}, "warnings": 3}}',
        encoding="utf-8",
    )
    assert statuses_by_edition(manifest) == {"report": {"reproduced": 9}, "latest": {"partial": 1, "reproduced": 8}}


def test_claims_check_has_a_header_and_filters_by_verdict(capsys):
    checks = pd.DataFrame(
        {
            "status": ["supported", "contradicted", "uncheckable"],
            "id": ["fig01.a", "fig02.b", "fig03.c"],
            "stated": [1.0, 2.0, 3.0],
            "computed": [1.0, 2.5, float("nan")],
            "detail": ["", "off by 25%", "no data"],
        }
    )
    lines = cli.check_lines(checks)
    assert lines[0].split()[:2] == ["verdict", "check"] and len(lines) == 4
    only = cli.check_lines(checks, ["contradicted", "uncheckable"])
    assert [line.split()[1] for line in only[1:-1]] == ["fig02.b", "fig03.c"]
    assert only[-1] == "(2 of 3 checks: contradicted, uncheckable)"
    with pytest.raises(SystemExit):
        cli.build_parser().parse_args(["claims", "--check", "--status", "wrong"])
    assert "invalid choice: 'wrong'" in capsys.readouterr().err
    for shown, stored in ((term.en, key) for key, term in VERDICTS.items()):  # as the pages word it, or as stored
        assert cli.build_parser().parse_args(["claims", "--check", "--status", shown]).status == [stored]
        assert cli.build_parser().parse_args(["claims", "--check", "--status", stored]).status == [stored]


def test_checksums_records_a_provenance_correction_with_its_reason(project_root, capsys):
    provenance = project_root / "data" / "raw" / "isscc" / "2026-11-27" / "provenance.yaml"
    provenance.write_text(provenance.read_text(encoding="utf-8") + "# corrected\n", encoding="utf-8")
    assert _run("--root", project_root, "checksums", "isscc", "2026-11-27", "--correction", "a note was wrong") == 0
    assert "correction of its provenance.yaml is recorded in" in capsys.readouterr().out
    log = (project_root / "data" / "checksums" / "isscc.log").read_text(encoding="utf-8")
    assert log.endswith(" # corrected: a note was wrong\n")
    assert _run("--root", project_root, "checksums", "isscc", "2026-11-27", "--correction", "again") == 2  # nothing new


def _help(*argv: object) -> str:
    import contextlib
    import io

    out = io.StringIO()
    with contextlib.redirect_stdout(out), pytest.raises(SystemExit) as stopped:
        _run(*argv)
    assert stopped.value.code == 0
    return out.getvalue()


def test_refresh_help_lists_the_sources_of_the_projects_config(project_root):
    from techgap.config import load_yaml

    configured = load_yaml(project_root / "config" / "config.yaml")["refresh"]["sources"]
    shown = _help("--root", project_root, "refresh", "--help")
    listed = re.findall(r"^  (\w+)  .*\[(\w+)\]$", shown.split("sources it can refresh", 1)[1], flags=re.M)
    assert listed == [(source_id, body["client"]) for source_id, body in configured.items()]
    for body in configured.values():
        assert body["title"] in shown


def test_refresh_help_follows_the_config_not_a_list_of_its_own(project_root):
    config = project_root / "config" / "config.yaml"
    config.write_text(
        config.read_text(encoding="utf-8").replace("    worldbank_fdi:\n", "    worldbank_fdi_renamed:\n"), encoding="utf-8"
    )
    shown = _help("--root", project_root, "refresh", "--help")
    assert re.search(r"^  worldbank_fdi_renamed  ", shown, flags=re.M)
    assert not re.search(r"^  worldbank_fdi ", shown, flags=re.M)


def test_refresh_help_says_when_the_config_cannot_be_read(project_root):
    config = project_root / "config" / "config.yaml"
    config.write_text(config.read_text(encoding="utf-8") + "max_year: 2031\n", encoding="utf-8")
    shown = _help("--root", project_root, "refresh", "--help")
    assert "could not be read" in shown and "duplicate key 'max_year'" in shown


def test_the_refresh_docs_table_lists_the_configs_sources():
    from techgap.config import load_yaml

    table = (ROOT / "docs" / "refresh.md").read_text(encoding="utf-8").split("## Which sources refresh from an API", 1)[1]
    documented = re.findall(r"^\| `(\w+)` \|", table.split("\n## ", 1)[0], flags=re.M)  # the rows of the section's table
    assert documented == list(load_yaml(ROOT / "config" / "config.yaml")["refresh"]["sources"])


def test_status_with_a_configfile_shows_what_that_run_would_read(project_root, capsys):
    old = sorted(p.name for p in (project_root / "data" / "raw" / "isscc").iterdir())[0]
    mine = project_root / "mine.yaml"
    mine.write_text(f"vintages: {{isscc: '{old}'}}\n", encoding="utf-8")
    assert _run("--root", project_root, "status", "--configfile", mine) == 0
    output = capsys.readouterr().out
    assert output.splitlines()[0] == f"Settings: {project_root / 'config' / 'config.yaml'} + {mine}"
    assert _status_rows(output, "source vintage why")["isscc"][:2] == [old, "pinned"]


def test_status_names_an_impossible_date_in_a_configfile_by_file_line_and_field(project_root, capsys):
    mine = project_root / "mine.yaml"
    mine.write_text("# my pins\nreport_vintages:\n  isscc: {vintage: 2026-02-30, sha256: " + "a" * 64 + "}\n", encoding="utf-8")
    assert _run("--root", project_root, "status", "--configfile", mine) == 2
    err = capsys.readouterr().err
    assert f"error: {mine}, line 3, field 'report_vintages.isscc.vintage': '2026-02-30' is not a real calendar date" in err

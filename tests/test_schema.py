"""The config schema Snakemake validates with is generated from the pydantic model, and it refuses
bad overrides naming the field."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from conftest import ROOT

from techgap.config import load_yaml, settings_from_mapping
from techgap.errors import InputError
from techgap.schema import SCHEMA_FILE, config_schema, schema_text, validate_overrides


@pytest.fixture
def config() -> dict:
    return load_yaml(ROOT / "config" / "config.yaml")


def test_committed_schema_is_the_generated_one():
    assert SCHEMA_FILE.read_text(encoding="utf-8") == schema_text(), "run: python -m techgap schema"


def test_schema_names_its_draft_and_forbids_unknown_keys():
    schema = json.loads(schema_text())
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["additionalProperties"] is False
    assert set(schema["properties"]) == {
        "min_year",
        "max_year",
        "vintages",
        "report_vintages",
        "conversions",
        "refresh",
        "drift_alarm_factor",
    }


def test_the_project_config_passes_and_is_not_modified(config):
    before = json.dumps(config, sort_keys=True, default=str)
    validate_overrides(config)
    assert json.dumps(config, sort_keys=True, default=str) == before


def test_an_unquoted_yaml_date_pin_is_accepted(config):
    validate_overrides({**config, "vintages": {"oecd_msti": dt.date(2026, 11, 27)}})


@pytest.mark.parametrize(
    ("override", "field", "words"),
    [
        ({"min_year": "abc"}, "min_year", "not of type 'integer'"),
        ({"min_yaer": 2050}, "min_yaer", "not allowed"),
        ({"vintages": {"oecd_msti": "1999"}}, "vintages.oecd_msti", "does not match"),
        ({"vintages": {"../etc": "1999-01-01"}}, "vintages", "does not match"),
    ],
)
def test_a_bad_override_is_refused_with_the_field_named(config, override, field, words):
    with pytest.raises(InputError) as caught:
        validate_overrides({**config, **override})
    assert caught.value.field == field
    assert words in str(caught.value)


def test_a_bad_nested_setting_names_its_path(config):
    refresh = {**config["refresh"], "retries": 99}
    with pytest.raises(InputError) as caught:
        validate_overrides({**config, "refresh": refresh})
    assert caught.value.field == "refresh.retries"


def test_a_missing_required_section_is_named(config):
    config.pop("refresh")
    with pytest.raises(InputError) as caught:
        validate_overrides(config)
    assert caught.value.field == "refresh"


def test_schema_defaults_match_the_model():
    schema = config_schema()
    settings = settings_from_mapping({"refresh": {"allowed_hosts": [], "sources": {}}})
    assert schema["properties"]["min_year"]["default"] == settings.min_year
    assert schema["properties"]["max_year"]["default"] == settings.max_year


def test_settings_from_mapping_keeps_pydantics_deeper_checks(config):
    with pytest.raises(InputError) as caught:
        settings_from_mapping({**config, "conversions": {"rmb_per_usd": {"value": -1, "unit": "x", "citation": "y"}}})
    assert caught.value.field == "conversions.rmb_per_usd.value"


# --- settings checked against each other, named by where they were set -------------------------------------------


def _layers(tmp_path, config_text: str | None = None, configfiles: dict[str, str] | None = None, command_line=None):
    from techgap.schema import settings_layers

    base = tmp_path / "config.yaml"
    base.write_text(config_text or (ROOT / "config" / "config.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    files = []
    for name, text in (configfiles or {}).items():
        (tmp_path / name).write_text(text, encoding="utf-8")
        files.append(tmp_path / name)
    return settings_layers(base, files, command_line)


def _checked(layers):
    from techgap.schema import check_settings, merged_settings

    return check_settings(merged_settings(layers), layers)


def test_min_year_after_max_year_names_both_settings_and_where_each_was_set(tmp_path):
    layers = _layers(tmp_path, command_line={"min_year": 2040})
    with pytest.raises(InputError) as caught:
        _checked(layers)
    message = str(caught.value)
    assert "min_year 2040 (from --config) is after max_year 2030" in message
    assert f"max_year 2030 (from {tmp_path / 'config.yaml'}, line " in message
    assert message.startswith(f"--config and {tmp_path / 'config.yaml'}: ")
    assert "guard against typos" in message and "`periods` in config/items.yaml" in message


def test_min_year_after_max_year_in_one_file_names_that_file(tmp_path):
    text = (ROOT / "config" / "config.yaml").read_text(encoding="utf-8").replace("min_year: 1990", "min_year: 2031")
    with pytest.raises(InputError) as caught:
        _checked(_layers(tmp_path, text))
    assert str(caught.value).startswith(f"{tmp_path / 'config.yaml'}: min_year 2031 (from {tmp_path / 'config.yaml'}, line ")


def test_an_impossible_report_vintage_date_is_named_by_file_line_and_field(tmp_path):
    text = (ROOT / "config" / "config.yaml").read_text(encoding="utf-8")
    pinned = next(line for line in text.splitlines() if line.startswith("  isscc: {vintage: "))
    bad = pinned.replace(pinned.split("vintage: ")[1][:10], "2026-02-30")
    text = text.replace(pinned, bad)
    with pytest.raises(InputError) as caught:
        _layers(tmp_path, text)
    assert caught.value.path == str(tmp_path / "config.yaml")
    assert caught.value.line == text.splitlines().index(bad) + 1
    assert caught.value.field == "report_vintages.isscc.vintage"
    assert "'2026-02-30' is not a real calendar date" in str(caught.value)


@pytest.mark.parametrize(
    ("override", "field", "words"),
    [
        (
            "report_vintages:\n  isscc: {vintage: 2026-02-30, sha256: " + "a" * 64 + "}\n",
            "report_vintages.isscc.vintage",
            "not a real",
        ),
        (
            "report_vintages:\n  isscc: {vintage: '2026-02-30', sha256: " + "a" * 64 + "}\n",
            "report_vintages.isscc.vintage",
            "not a real",
        ),
        ("refresh:\n  retries: 99\n", "refresh.retries", "99 is greater than the maximum"),
        ("vintages:\n  oecd_msti: 1999\n", "vintages.oecd_msti", "is not of type 'string'"),
    ],
)
def test_a_bad_value_in_a_configfile_is_named_by_that_file_line_and_field(tmp_path, override, field, words):
    with pytest.raises(InputError) as caught:
        _checked(_layers(tmp_path, configfiles={"mine.yaml": override}))
    assert caught.value.path == str(tmp_path / "mine.yaml")
    assert caught.value.field == field
    assert caught.value.line == 2
    assert words in str(caught.value)


def test_a_value_from_the_command_line_is_named_as_such(tmp_path):
    with pytest.raises(InputError) as caught:
        _checked(_layers(tmp_path, configfiles={"mine.yaml": "min_year: 1980\n"}, command_line={"min_year": "abc"}))
    assert caught.value.path == "--config" and caught.value.field == "min_year" and caught.value.line is None


def test_layers_merge_as_snakemake_merges_them(tmp_path):
    from techgap.schema import merged_settings

    layers = _layers(
        tmp_path,
        configfiles={"a.yaml": "vintages: {isscc: '2026-11-27'}\nrefresh:\n  retries: 1\n"},
        command_line={"max_year": 2031},
    )
    merged = merged_settings(layers)
    assert merged["vintages"] == {"isscc": "2026-11-27"} and merged["max_year"] == 2031
    assert merged["refresh"]["retries"] == 1 and merged["refresh"]["sources"]  # a nested key replaced, its siblings kept
    assert _checked(layers).max_year == 2031


# --- the same in Snakemake: refused before any job, named --------------------------------------------------------


def _dry_run(root, *args):
    from conftest import snakemake

    done = snakemake(root, "-n", *args, check=False, timeout=300)
    return done.returncode, done.stdout + done.stderr


def test_snakemake_names_where_a_refused_setting_was_set(workflow_root):
    config = workflow_root / "config" / "config.yaml"
    text = config.read_text(encoding="utf-8")

    status, said = _dry_run(workflow_root, "--config", "min_year=2040")
    assert status != 0
    assert f"min_year 2040 (from --config) is after max_year 2030 (from {config.resolve()}, line " in said
    assert "techgap: " in said and 'File "' not in said  # the message alone, without Snakemake's traceback lines

    pinned = next(line for line in text.splitlines() if line.startswith("  isscc: {vintage: "))
    bad = pinned.replace(pinned.split("vintage: ")[1][:10], "2026-02-30")
    config.write_text(text.replace(pinned, bad), encoding="utf-8")
    status, said = _dry_run(workflow_root)
    line = text.splitlines().index(pinned) + 1
    assert status != 0
    assert f"{config.resolve()}, line {line}, field 'report_vintages.isscc.vintage': '2026-02-30' is not a real" in said
    config.write_text(text, encoding="utf-8")

    mine = workflow_root / "mine.yaml"
    mine.write_text("report_vintages:\n  isscc: {vintage: '2026-02-30', sha256: " + "a" * 64 + "}\n", encoding="utf-8")
    status, said = _dry_run(workflow_root, "--configfile", str(mine))
    assert status != 0
    assert f"{mine}, line 2, field 'report_vintages.isscc.vintage': " in said and "'2026-02-30' is not a real" in said

    # Unquoted, Snakemake's own loader reads the file first and stops (docs/usage.md says so and what to run instead)
    mine.write_text("report_vintages:\n  isscc: {vintage: 2026-02-30, sha256: " + "a" * 64 + "}\n", encoding="utf-8")
    status, said = _dry_run(workflow_root, "--configfile", str(mine))
    assert status != 0 and "ValueError: day is out of range for month" in said
    assert "day is out of range for month" in (ROOT / "docs" / "usage.md").read_text(encoding="utf-8")

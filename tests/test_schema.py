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

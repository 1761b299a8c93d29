"""The JSON schema of config/config.yaml, generated from the pydantic `Settings` model (one source of
truth), and the check Snakemake runs on its `config` (config.yaml plus `--config`/`--configfile`
overrides) so a bad override is refused with the field named before any job starts.

Regenerate the committed schema after changing `Settings`: `python -m techgap schema`."""

from __future__ import annotations

import copy
import datetime as dt
import json
from pathlib import Path
from typing import Any

from techgap.config import ID_PATTERN, VINTAGE_PATTERN, Settings
from techgap.errors import InputError

SCHEMA_RELATIVE_PATH = Path("workflow") / "schemas" / "config.schema.json"
SCHEMA_FILE = Path(__file__).resolve().parents[2] / SCHEMA_RELATIVE_PATH
DRAFT = "https://json-schema.org/draft/2020-12/schema"
# Where a config value comes from when Snakemake merged it: the file, or the command line.
CONFIG_ORIGIN = "config/config.yaml (or --config/--configfile)"


def config_schema() -> dict[str, Any]:
    """`Settings.model_json_schema()` made usable by `snakemake.utils.validate`: it names its draft
    (else Snakemake warns and guesses), and the patterns pydantic checks in validators (ids, vintage
    dates) are stated in the schema, so a wrong pin is refused at parse time too."""
    schema = Settings.model_json_schema()
    schema = {"$schema": DRAFT, "description": "techgap settings (generated from techgap.config.Settings)", **schema}
    for key in ("vintages", "report_vintages"):
        schema["properties"][key]["propertyNames"] = {"pattern": ID_PATTERN.pattern}
    schema["properties"]["vintages"]["additionalProperties"] = {"type": "string", "pattern": VINTAGE_PATTERN.pattern}
    schema["$defs"]["ReportPin"]["properties"]["vintage"]["pattern"] = VINTAGE_PATTERN.pattern
    schema["$defs"]["RefreshSettings"]["properties"]["sources"]["propertyNames"] = {"pattern": ID_PATTERN.pattern}
    return schema


def schema_text() -> str:
    """The committed file's exact text: sorted keys and a final newline, so regeneration is byte-stable."""
    return json.dumps(config_schema(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def _as_json_values(value: Any) -> Any:
    """YAML reads an unquoted `2026-11-27` as a date; JSON schema knows only strings."""
    if isinstance(value, dict):
        return {key: _as_json_values(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_as_json_values(item) for item in value]
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _field_of(error: Any) -> str:
    """The dotted path of the offending field; for an unknown or missing key, the key itself."""
    path = [str(part) for part in error.absolute_path]
    instance = error.instance if isinstance(error.instance, dict) else {}
    if error.validator == "additionalProperties":
        known = set(error.schema.get("properties", {}))
        path += sorted(str(key) for key in instance if key not in known)[:1]
    elif error.validator == "required":
        path += [key for key in error.validator_value if key not in instance][:1]
    return ".".join(path) or "(top level)"


def validate_overrides(config: dict[str, Any], schema_path: Path = SCHEMA_FILE) -> None:
    """Check Snakemake's merged `config` against the schema; raise InputError naming the field.

    Validates a copy: the caller's dict is left as it was (pydantic fills the defaults later). The
    workflow calls it only when it builds a new plan (techgap.plan), so a no-op run does not import
    jsonschema."""
    values = _as_json_values(copy.deepcopy(config))
    import jsonschema
    from snakemake.exceptions import WorkflowError
    from snakemake.utils import validate

    try:
        validate(values, str(schema_path))
    except WorkflowError as exc:
        error = exc.__context__  # Snakemake raises its error while handling jsonschema's, which has the path
        if not isinstance(error, jsonschema.ValidationError):
            raise
        raise InputError(CONFIG_ORIGIN, f"setting refused: {error.message}", field=_field_of(error)) from None

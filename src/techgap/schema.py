"""The JSON schema of config/config.yaml, generated from the pydantic `Settings` model (one source of
truth), and the check Snakemake runs on its `config` (config.yaml plus `--config`/`--configfile`
overrides) so a bad override is refused with the field named before any job starts.

Settings come in layers, as Snakemake applies them: config/config.yaml, then each `--configfile`, then
`--config`. Each file is read with techgap's strict YAML loader, and an error names the layer that set the
field (the file, its line and the field, or `--config`), not all of them at once.

Regenerate the committed schema after changing `Settings`: `python -m techgap schema`."""

from __future__ import annotations

import copy
import datetime as dt
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from techgap.config import (
    ID_PATTERN,
    VINTAGE_PATTERN,
    Settings,
    load_yaml,
    settings_from_mapping,
    yaml_line,
    year_range_problem,
)
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


# --- where a setting comes from ---------------------------------------------------------------------------------

COMMAND_LINE = "--config"


@dataclass(frozen=True)
class Layer:
    """One source of settings: a YAML file (config/config.yaml or a `--configfile`) or the `--config` values."""

    origin: str  # the file's path, or "--config"
    values: Mapping[str, Any]
    path: Path | None = None  # the file, for line numbers


def _scalars(node: yaml.Node, path: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], yaml.Node, yaml.Node]]:
    """(key path, key node, value node) of every mapping entry under ``node``, depth first; list items are keyed by
    their position. Composed, not constructed: an impossible date is still only text here."""
    out = []
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            here = (*path, str(key.value))
            out.append((here, key, value))
            out += _scalars(value, here)
    elif isinstance(node, yaml.SequenceNode):
        for position, value in enumerate(node.value):
            here = (*path, str(position))
            out.append((here, value, value))
            out += _scalars(value, here)
    return out


def _entries(path: Path) -> list[tuple[tuple[str, ...], yaml.Node, yaml.Node]]:
    try:
        root = yaml.compose(path.read_text(encoding="utf-8"), Loader=yaml.SafeLoader)
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return []
    return _scalars(root) if root is not None else []


def field_at_line(path: Path, line: int, message: str = "") -> str | None:
    """The dotted field whose value (or key) is on ``line`` (1-based) of a YAML file; where a line holds several
    (`isscc: {vintage: 2026-02-30, sha256: ...}`), the one whose text ``message`` quotes, else the first."""
    on_line = [
        (field, value)
        for field, key, value in _entries(path)
        if value.start_mark.line + 1 == line or key.start_mark.line + 1 == line
    ]
    quoted = [field for field, value in on_line if isinstance(value, yaml.ScalarNode) and repr(value.value) in message]
    if quoted:
        return ".".join(quoted[-1])
    return ".".join(on_line[0][0]) if on_line else None


def read_settings_file(path: str | Path) -> dict[str, Any]:
    """A settings file read with techgap's strict loader (no repeated keys, anchors or impossible dates). An error
    names the file, the line and the field."""
    path = Path(path)
    try:
        data = load_yaml(path)
    except InputError as exc:
        field = field_at_line(path, exc.line, exc.reason) if exc.line is not None and exc.field is None else exc.field
        raise InputError(exc.path, exc.reason, line=exc.line, field=field, expected=exc.expected) from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise InputError(path, "settings must be a mapping of setting names to values", expected="min_year: 1990 and so on")
    return data


def settings_layers(
    config_file: str | Path, configfiles: Sequence[str | Path] = (), command_line: Mapping[str, Any] | None = None
) -> list[Layer]:
    """config/config.yaml, each `--configfile` and the `--config` values, in the order Snakemake applies them."""
    layers = [Layer(str(config_file), read_settings_file(config_file), Path(config_file))]
    layers += [Layer(str(path), read_settings_file(path), Path(path)) for path in configfiles]
    if command_line:
        layers.append(Layer(COMMAND_LINE, dict(command_line)))
    return layers


def _update(target: dict[str, Any], values: Mapping[str, Any]) -> None:
    """Snakemake's update_config: mappings are merged key by key, anything else replaced."""
    for key, value in values.items():
        if isinstance(value, Mapping) and isinstance(target.get(key), dict):
            _update(target[key], value)
        else:
            target[key] = copy.deepcopy(value)


def merged_settings(layers: Sequence[Layer]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for layer in layers:
        _update(out, layer.values)
    return out


def _sets(values: Mapping[str, Any], parts: Sequence[str]) -> bool:
    current: Any = values
    for part in parts:
        if isinstance(current, Mapping) and part in current:
            current = current[part]
        elif isinstance(current, list) and part.isdigit() and int(part) < len(current):
            current = current[int(part)]
        else:
            return False
    return True


def origin_of(layers: Sequence[Layer], field: str | None) -> tuple[Layer, int | None]:
    """The layer whose value of ``field`` (dotted) the run uses: the last one that sets it, else the last one that
    sets its nearest parent (a missing key), else config/config.yaml; with the field's line in that file."""
    parts = field.split(".") if field and field != "(top level)" else []
    for depth in range(len(parts), 0, -1):
        for layer in reversed(layers):
            if _sets(layer.values, parts[:depth]):
                line = yaml_line(layer.path, parts[:depth]) if layer.path is not None else None
                return layer, line
    return layers[0], None


def _located(exc: InputError, layers: Sequence[Layer]) -> InputError:
    layer, line = origin_of(layers, exc.field)
    return InputError(layer.origin, exc.reason, line=line, field=exc.field, expected=exc.expected)


def check_settings(config: dict[str, Any], layers: Sequence[Layer]) -> Settings:
    """The settings Snakemake merged, checked against the schema, then against each other and by pydantic; an error
    names the file (or `--config`), line and field the refused value came from."""
    try:
        validate_overrides(config)
    except InputError as exc:
        raise _located(exc, layers) from None
    years = {name: config.get(name, Settings.model_fields[name].default) for name in ("min_year", "max_year")}
    if year_range_problem(*years.values()):
        origins = {}
        for name in years:
            layer, line = origin_of(layers, name)
            set_here = _sets(layer.values, [name])
            origins[name] = (layer.origin if set_here else "the default") + (f", line {line}" if line else "")
        files = list(dict.fromkeys(origin_of(layers, name)[0].origin for name in years))
        raise InputError(
            " and ".join(files), year_range_problem(*years.values(), *origins.values()), expected="min_year <= max_year"
        )
    try:
        return settings_from_mapping(config, CONFIG_ORIGIN)
    except InputError as exc:
        raise _located(exc, layers) from None

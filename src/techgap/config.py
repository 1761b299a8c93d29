"""Typed configuration: the project's YAML files loaded safely and validated with pydantic.

Configuration, not code, says which sources, countries, years and items the pipeline builds."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from techgap.errors import InputError, escaped

ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_]{0,63}$")
VINTAGE_PATTERN = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def check_id(value: str, what: str = "id") -> str:
    """Ids become folder and file names: allow nothing that could escape a folder."""
    if not isinstance(value, str) or not ID_PATTERN.match(value):
        raise ValueError(f"{what} {value!r} must match {ID_PATTERN.pattern}")
    return value


def check_vintage(value: object) -> str:
    """A vintage names a folder: YYYY-MM-DD and a real calendar date (2018-02-30 is not one)."""
    if not isinstance(value, str) or not VINTAGE_PATTERN.match(value):
        raise ValueError(f"vintage {value!r} must be YYYY-MM-DD")
    try:
        dt.date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"vintage {value!r} is not a real calendar date") from None
    return value


class Bilingual(Strict):
    zh: str
    en: str


class Conversion(Strict):
    value: float = Field(gt=0)
    unit: str
    citation: str


class RefreshSource(Strict):
    client: Literal["oecd_sdmx", "worldbank"]
    url: str
    params: dict[str, str] = Field(default_factory=dict)
    headers: dict[str, str] = Field(default_factory=dict)
    indicator_map: dict[str, str]
    title: str
    publisher: str
    licence: str
    locator: str


class RefreshSettings(Strict):
    allowed_hosts: list[str]
    timeout_seconds: float = Field(default=30, gt=0)
    retries: int = Field(default=3, ge=0, le=10)
    backoff_seconds: float = Field(default=2.0, ge=0)
    max_bytes: int = Field(default=50_000_000, gt=0)
    sources: dict[str, RefreshSource]

    @field_validator("sources")
    @classmethod
    def _ids(cls, value: dict[str, RefreshSource]) -> dict[str, RefreshSource]:
        for key in value:
            check_id(key, "refresh source id")
        return value


class Settings(Strict):
    min_year: int = 1990
    max_year: int = 2030
    vintages: dict[str, str] = Field(default_factory=dict)
    conversions: dict[str, Conversion] = Field(default_factory=dict)
    refresh: RefreshSettings
    # drift.md lists first any revision by more than this factor either way (or with a sign change).
    drift_alarm_factor: float = Field(default=10, gt=1)

    @field_validator("vintages", mode="before")
    @classmethod
    def _dates_as_text(cls, value: object) -> object:
        """`oecd_msti: 2026-11-27` unquoted is a YAML date: accept it as the folder name it names."""
        if isinstance(value, dict):
            return {k: v.isoformat() if isinstance(v, dt.date) else v for k, v in value.items()}
        return value

    @field_validator("vintages")
    @classmethod
    def _vintages(cls, value: dict[str, str]) -> dict[str, str]:
        for source_id, vintage in value.items():
            check_id(source_id, "source id")
            check_vintage(vintage)
        return value


class IndicatorSpec(Strict):
    unit: str
    min: float | None = None
    max: float | None = None


class SumCheck(Strict):
    """Rows of ``indicator`` for the parts add up to the row of the total entity (within tolerance)."""

    indicator: str
    total: str
    parts: list[str]
    tolerance: float = 0.05
    document: str | None = None


class DocumentConflict(Strict):
    """Two or more documents give different values for the same fact (beyond rounding): which one the
    figures and claims use, and why. Matches every fact of ``indicator`` (narrowed by entity code, period
    and category when given; every indicator when none is given) whose conflicting documents are all in
    ``documents``."""

    indicator: str | None = None
    entity: str | None = None
    period: str | None = None
    category: str | None = None
    documents: list[str] = Field(min_length=2)
    preferred: str
    why: str = Field(min_length=10)

    @field_validator("period", "entity", mode="before")
    @classmethod
    def _text(cls, value: object) -> object:
        return value.isoformat() if isinstance(value, dt.date) else (value if value is None else str(value))

    @model_validator(mode="after")
    def _preferred_is_listed(self) -> DocumentConflict:
        if self.preferred not in self.documents:
            raise ValueError(f"preferred document {self.preferred!r} is not one of documents {self.documents}")
        return self

    def matches(self, indicator: str, entity: str, period: str, category: str, documents: set[str]) -> bool:
        return (self.indicator in (None, indicator) and self.entity in (None, entity) and self.period in (None, period)
                and self.category in (None, category) and documents <= set(self.documents))


class SourceSpec(Strict):
    title: Bilingual
    indicators: dict[str, IndicatorSpec]
    sum_checks: list[SumCheck] = Field(default_factory=list)
    document_conflicts: list[DocumentConflict] = Field(default_factory=list)


class ItemSpec(Strict):
    id: str
    kind: Literal["figure", "table"]
    title: Bilingual
    source_line: Bilingual
    sources: list[str]
    chart: str
    spec: dict[str, Any] = Field(default_factory=dict)
    status: Literal["reproduced", "partial", "unavailable"]
    status_reason: str = ""
    group: str | None = None

    @field_validator("id")
    @classmethod
    def _id(cls, value: str) -> str:
        return check_id(value, "item id")

    @field_validator("sources")
    @classmethod
    def _sources(cls, value: list[str]) -> list[str]:
        return [check_id(v, "source id") for v in value]

    @model_validator(mode="after")
    def _reason(self) -> ItemSpec:
        if self.status != "reproduced" and not self.status_reason.strip():
            raise ValueError(f"item {self.id}: status {self.status} needs a status_reason")
        if self.group is not None:
            check_id(self.group, "group")
        return self

    @property
    def render_group(self) -> str:
        """Items that read the same sources are built by one job (see rules/build.smk)."""
        return self.group or "__".join(sorted(self.sources))

    @property
    def renders(self) -> bool:
        return self.status != "unavailable"


class EntitySpec(Strict):
    en: str
    zh: str
    kind: Literal["country", "economy", "aggregate", "region", "company", "institution"]
    aliases: list[str] = Field(default_factory=list)


class _RefusedYAML(Exception):
    """A construct the project's YAML may not use; carries the line it starts on."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line


_BASE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class StrictLoader(_BASE_LOADER):  # type: ignore[misc,valid-type]
    """libyaml's safe loader that also refuses aliases (a node constructed twice), merge keys and duplicate
    mapping keys. An alias is refused when it is first met, so an alias bomb is never expanded."""

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        if node in self.constructed_objects or node in self.recursive_objects:
            raise _RefusedYAML(node.start_mark.line + 1, "an alias (*name) repeats an anchored node; write the value out")
        return super().construct_object(node, deep=deep)

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: dict[tuple[str, str], int] = {}
        for key_node, _value in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                raise _RefusedYAML(key_node.start_mark.line + 1, "merge key '<<' is not allowed; write the keys out")
            if not isinstance(key_node, yaml.ScalarNode):
                raise _RefusedYAML(key_node.start_mark.line + 1, "a mapping key must be plain text")
            key = (key_node.tag, key_node.value)
            line = key_node.start_mark.line + 1
            if key in seen:
                raise _RefusedYAML(line, f"duplicate key {escaped(key_node.value)!r} (first on line {seen[key]})")
            seen[key] = line
        return super().construct_mapping(node, deep=deep)

    def construct_yaml_timestamp(self, node: yaml.ScalarNode) -> Any:
        try:
            return super().construct_yaml_timestamp(node)
        except ValueError:  # 2026-02-30 looks like a date to YAML but is not one
            raise _RefusedYAML(node.start_mark.line + 1, f"{node.value!r} is not a real calendar date") from None


StrictLoader.add_constructor("tag:yaml.org,2002:timestamp", StrictLoader.construct_yaml_timestamp)


_MAYBE_ANCHOR = re.compile(r"(?:^|[\s\[{,])[&*]\S", re.M)


def _find_anchor(text: str) -> tuple[int, str] | None:
    """The first anchor (&name) or alias (*name) in the event stream. The events are only read when an '&'
    or '*' starts a token somewhere ('R&D' does not), so most files pay nothing."""
    if not _MAYBE_ANCHOR.search(text):
        return None
    for event in yaml.parse(text, Loader=_BASE_LOADER):
        anchor = getattr(event, "anchor", None)
        if anchor is not None:
            kind = "alias" if isinstance(event, yaml.AliasEvent) else "anchor"
            return event.start_mark.line + 1, f"YAML {kind} {escaped(anchor)!r} is not allowed; write the value out"
    return None


def load_yaml(path: str | Path) -> Any:
    """Safe YAML only: no tags, no object construction (libyaml's safe loader where available), and none of
    the constructs that make a file say something other than what it shows: duplicate keys, anchors, aliases."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(path, f"bytes are not UTF-8 (byte 0x{exc.object[exc.start]:02x})", expected="UTF-8") from None
    try:
        found = _find_anchor(text)
        if found is not None:
            raise _RefusedYAML(*found)
        return yaml.load(text, Loader=StrictLoader)  # noqa: S506 - a SafeLoader
    except _RefusedYAML as exc:
        raise InputError(path, str(exc), line=exc.line,
                         expected="plain YAML: real dates, no anchors, aliases or repeated keys") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        raise InputError(path, f"not valid YAML: {getattr(exc, 'problem', exc)}", line=line) from None


def _validated(path: Path, model: type[BaseModel], data: Any, what: str) -> Any:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"])
        expected = "only the keys this file's format defines (a typo?)" if first["type"] == "extra_forbidden" else None
        raise InputError(path, f"{what}: {first['msg']}", field=field or None, expected=expected) from None


class Project(Strict):
    """Everything the pipeline reads from ``config/``."""

    root: Path
    settings: Settings
    sources: dict[str, SourceSpec]
    items: list[ItemSpec]
    entities: dict[str, EntitySpec]

    @property
    def raw_dir(self) -> Path:
        return self.root / "data" / "raw"

    @property
    def processed_dir(self) -> Path:
        return self.root / "data" / "processed"

    @property
    def figures_dir(self) -> Path:
        return self.root / "figures"

    def item(self, item_id: str) -> ItemSpec:
        for item in self.items:
            if item.id == item_id:
                return item
        raise KeyError(item_id)

    def groups(self) -> dict[str, list[ItemSpec]]:
        out: dict[str, list[ItemSpec]] = {}
        for item in self.items:
            if item.renders:
                out.setdefault(item.render_group, []).append(item)
        return out

    def group_sources(self, group: str) -> list[str]:
        return sorted({s for item in self.groups()[group] for s in item.sources})


def _did_you_mean(name: str, known: Any) -> str:
    import difflib

    close = difflib.get_close_matches(name, list(known), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def load_project(root: str | Path = ".") -> Project:
    root = Path(root).resolve()
    cfg = root / "config"
    settings = _validated(cfg / "config.yaml", Settings, load_yaml(cfg / "config.yaml"), "settings")

    sources_path = cfg / "sources.yaml"
    raw_sources = load_yaml(sources_path) or {}
    sources = {}
    for source_id, body in raw_sources.items():
        try:
            check_id(source_id, "source id")
        except ValueError as exc:
            raise InputError(sources_path, str(exc), field=str(source_id)) from None
        sources[source_id] = _validated(sources_path, SourceSpec, body, f"source {source_id}")

    for source_id in settings.vintages:
        if source_id not in sources:
            raise InputError(cfg / "config.yaml", f"vintages pins unknown source {source_id!r}", field=f"vintages.{source_id}",
                             expected="a source declared in config/sources.yaml" + _did_you_mean(source_id, sources))

    items_path = cfg / "items.yaml"
    items = [_validated(items_path, ItemSpec, body, "item") for body in load_yaml(items_path) or []]
    seen: set[str] = set()
    for item in items:
        if item.id in seen:
            raise InputError(items_path, f"item id {item.id} appears twice", field="id")
        seen.add(item.id)
        for source_id in item.sources:
            if source_id not in sources:
                raise InputError(items_path, f"item {item.id} names unknown source {source_id!r}", field="sources")

    entities_path = cfg / "entities.yaml"
    entities = {
        code: _validated(entities_path, EntitySpec, body, f"entity {code}")
        for code, body in (load_yaml(entities_path) or {}).items()
    }
    return Project(root=root, settings=settings, sources=sources, items=items, entities=entities)

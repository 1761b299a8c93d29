"""Typed configuration: the project's YAML files loaded safely and validated with pydantic.

Configuration, not code, says which sources, countries, years and items the pipeline builds."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from techgap.errors import InputError

ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_]{0,63}$")
VINTAGE_PATTERN = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def check_id(value: str, what: str = "id") -> str:
    """Ids become folder and file names: allow nothing that could escape a folder."""
    if not isinstance(value, str) or not ID_PATTERN.match(value):
        raise ValueError(f"{what} {value!r} must match {ID_PATTERN.pattern}")
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
            if not VINTAGE_PATTERN.match(vintage):
                raise ValueError(f"vintage {vintage!r} of {source_id} must be YYYY-MM-DD")
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


class SourceSpec(Strict):
    title: Bilingual
    indicators: dict[str, IndicatorSpec]
    sum_checks: list[SumCheck] = Field(default_factory=list)


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
    country: str | None = None  # a company's or institution's home economy: it takes that economy's colour


def load_yaml(path: str | Path) -> Any:
    """Safe YAML only: no tags, no object construction (libyaml's safe loader where available)."""
    path = Path(path)
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        with open(path, encoding="utf-8") as handle:
            return yaml.load(handle, Loader=loader)  # noqa: S506 - a SafeLoader
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
        raise InputError(path, f"{what}: {first['msg']}", field=field or None) from None


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

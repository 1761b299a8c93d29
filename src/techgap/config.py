"""Typed configuration: the project's YAML files loaded safely and validated with pydantic.

Configuration, not code, says which sources, countries, years and items the pipeline builds."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, Field, ValidationError, field_validator, model_validator

from techgap import switches, vocabulary
from techgap.errors import InputError, escaped
from techgap.escaping import character_names, invisible_characters
from techgap.kinds import KINDS, Fact, did_you_mean, keys_of
from techgap.model import Bilingual, Strict, bilingual_texts, stray_numbers

ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_]{0,63}$")
VINTAGE_PATTERN = re.compile(r"^\d{4}-\d{2}-\d{2}$")


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


class Conversion(Strict):
    value: float = Field(gt=0)
    unit: str
    citation: str


YEAR_RANGE_PATTERN = re.compile(r"^(\d{4})-(\d{4})$")


class RefreshSource(Strict):
    client: Literal["oecd_sdmx", "worldbank", "comtrade"]
    url: str
    params: dict[str, str] = Field(default_factory=dict)
    headers: dict[str, str] = Field(default_factory=dict)
    indicator_map: dict[str, str]
    # What the request asks for, in the project's entity codes and years: a refresh whose answer lacks
    # one of them fails, naming it, unless it is listed in expected_gaps (known holes of the API).
    expect_entities: list[str] = Field(default_factory=list)
    expect_years: list[str] = Field(default_factory=list)
    expected_gaps: list[str] = Field(default_factory=list)
    pause_seconds: float = Field(default=0, ge=0)  # between the requests of one source (politeness)
    title: str
    publisher: str
    licence: str
    locator: str

    @field_validator("expect_years", mode="before")
    @classmethod
    def _year_ranges(cls, value: object) -> object:
        """'2010-2021' stands for every year from 2010 to 2021."""
        if not isinstance(value, list):
            return value
        years: list[object] = []
        for item in value:
            match = YEAR_RANGE_PATTERN.match(str(item))
            if match and int(match.group(1)) <= int(match.group(2)):
                years.extend(str(y) for y in range(int(match.group(1)), int(match.group(2)) + 1))
            elif match:
                raise ValueError(f"year range {item!r} runs backwards")
            else:
                years.append(str(item))
        return years

    @field_validator("expect_years")
    @classmethod
    def _years(cls, value: list[str]) -> list[str]:
        for year in value:
            if not re.fullmatch(r"\d{4}", year):
                raise ValueError(f"expected year {year!r} must be YYYY or a range YYYY-YYYY")
        return value

    @model_validator(mode="after")
    def _gaps_are_expectations(self) -> RefreshSource:
        unknown = [g for g in self.expected_gaps if g not in self.expect_entities and g not in self.expect_years]
        if unknown:
            raise ValueError(f"expected_gaps {unknown} name neither an expected entity nor an expected year")
        return self


class RefreshSettings(Strict):
    allowed_hosts: list[str]
    timeout_seconds: float = Field(default=30, gt=0)  # connect and per-read timeout
    deadline_seconds: float = Field(default=300, gt=0)  # one source's whole download: retries and pages included
    retries: int = Field(default=3, ge=0, le=10)
    backoff_seconds: float = Field(default=2.0, ge=0)
    max_bytes: int = Field(default=50_000_000, gt=0)  # decoded size
    max_pages: int = Field(default=20, ge=1)
    sources: dict[str, RefreshSource]

    @field_validator("allowed_hosts")
    @classmethod
    def _hosts(cls, value: list[str]) -> list[str]:
        for host in value:
            if not re.fullmatch(r"[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+", host):
                raise ValueError(f"allowed host {host!r} must be a lower-case ASCII host name without port or dot at the end")
        return value

    @field_validator("sources")
    @classmethod
    def _ids(cls, value: dict[str, RefreshSource]) -> dict[str, RefreshSource]:
        for key in value:
            check_id(key, "refresh source id")
        return value


class ReportPin(Strict):
    """The vintage the report edition reads, and its payload's sha256: changing a number of the report
    edition means changing this reviewed line, even if the vintage and its checksum history were edited."""

    vintage: str
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")

    @field_validator("vintage", mode="before")
    @classmethod
    def _date_as_text(cls, value: object) -> object:
        return value.isoformat() if isinstance(value, dt.date) else value

    @field_validator("vintage")
    @classmethod
    def _vintage(cls, value: str) -> str:
        return check_vintage(value)


def year_range_problem(min_year: object, max_year: object, min_from: str = "", max_from: str = "") -> str | None:
    """What is wrong with the years a data file may hold, or None; ``min_from``/``max_from`` say where each value
    was set. Both settings are a guard against typos in data files, not the years a figure shows (each item's
    `periods` in config/items.yaml says that)."""
    if isinstance(min_year, int) and isinstance(max_year, int) and min_year > max_year:
        return (
            f"min_year {min_year}{f' (from {min_from})' if min_from else ''} is after max_year {max_year}"
            f"{f' (from {max_from})' if max_from else ''}: together they only bound the years a data file may hold, "
            "a guard against typos, so no period would pass; the years a figure shows are its `periods` in "
            "config/items.yaml"
        )
    return None


class Settings(Strict):
    # The years a data file's periods may touch: a period outside them is refused as a typo (not a display range).
    min_year: int = 1990
    max_year: int = 2030
    # The latest edition reads each source's newest vintage unless it is pinned here.
    vintages: dict[str, str] = Field(default_factory=dict)
    # The report edition reads exactly these vintages: the data that match the report. A new vintage
    # never changes it; re-pinning here is a deliberate, reviewed change.
    report_vintages: dict[str, ReportPin] = Field(default_factory=dict)
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

    @field_validator("report_vintages")
    @classmethod
    def _report_sources(cls, value: dict[str, ReportPin]) -> dict[str, ReportPin]:
        for source_id in value:
            check_id(source_id, "source id")
        return value

    @model_validator(mode="after")
    def _year_range(self) -> Settings:
        problem = year_range_problem(self.min_year, self.max_year)
        if problem:
            raise ValueError(problem)
        return self

    def report_pins(self) -> dict[str, str]:
        """{source: vintage} the report edition reads."""
        return {source_id: pin.vintage for source_id, pin in self.report_vintages.items()}


class IndicatorSpec(Strict):
    unit: str
    label: Bilingual | None = None  # the indicator as a reader calls it (the page's lists of revised values)
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
        return (
            self.indicator in (None, indicator)
            and self.entity in (None, entity)
            and self.period in (None, period)
            and self.category in (None, category)
            and documents <= set(self.documents)
        )


class SourceSpec(Strict):
    title: Bilingual
    indicators: dict[str, IndicatorSpec]
    sum_checks: list[SumCheck] = Field(default_factory=list)
    document_conflicts: list[DocumentConflict] = Field(default_factory=list)


STATUSES = tuple(vocabulary.STATUSES)
Status = Literal[STATUSES]  # type: ignore[valid-type]

COLOUR = r"^#[0-9a-f]{6}$"


class BadgeColours(Strict):
    text: str = Field(pattern=COLOUR)
    background: str = Field(pattern=COLOUR)


class ChartPalette(Strict):
    """The colours of figures and table images that belong to no entity."""

    background: str = Field(pattern=COLOUR)
    title: str = Field(pattern=COLOUR)
    subtitle: str = Field(pattern=COLOUR)
    footer: str = Field(pattern=COLOUR)
    axis: str = Field(pattern=COLOUR)
    grid: str = Field(pattern=COLOUR)
    key: str = Field(pattern=COLOUR)
    period_key: str = Field(pattern=COLOUR)
    table_text: str = Field(pattern=COLOUR)
    table_head: str = Field(pattern=COLOUR)
    table_rule: str = Field(pattern=COLOUR)
    table_light_rule: str = Field(pattern=COLOUR)
    table_group_rule: str = Field(pattern=COLOUR)
    table_shade: str = Field(pattern=COLOUR)
    parity: str = Field(pattern=COLOUR)
    trend: str = Field(pattern=COLOUR)
    break_: str = Field(alias="break", pattern=COLOUR)


class Plotting(Strict):
    """config/plotting.yaml: every colour of the figures, tables and pages."""

    entities: dict[str, str]
    neutrals: list[str] = Field(min_length=1)
    chart: ChartPalette
    statuses: dict[str, BadgeColours]
    verdicts: dict[str, BadgeColours]
    # The pages' colours by name: `light_rule` is the CSS custom property --light-rule, which the pages' stylesheets
    # use as var(--light-rule) and never a colour of their own. Which names they need: techgap.page.css_variables.
    page: dict[str, str]

    @field_validator("entities", "page")
    @classmethod
    def _named_colours(cls, value: dict[str, str]) -> dict[str, str]:
        for name, colour in value.items():
            if not re.fullmatch(COLOUR, colour):
                raise ValueError(f"colour of {name} {colour!r} is not #rrggbb")
        return value

    @field_validator("neutrals")
    @classmethod
    def _neutrals(cls, value: list[str]) -> list[str]:
        for colour in value:
            if not re.fullmatch(COLOUR, colour):
                raise ValueError(f"neutral colour {colour!r} is not #rrggbb")
        return value

    @model_validator(mode="after")
    def _every_term_has_a_badge(self) -> Plotting:
        for key, terms in (("statuses", vocabulary.STATUSES), ("verdicts", vocabulary.VERDICTS)):
            if set(getattr(self, key)) != set(terms):
                raise ValueError(f"{key} must give colours for exactly {', '.join(terms)}")
        return self


class _ItemFieldError(ValueError):
    """A model check's error that knows the field it is about (pydantic gives a model check's error no location)."""

    def __init__(self, field: str, message: str, expected: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field, self.message, self.expected = field, message, expected


class ItemSpec(Strict):
    """One item of the report (or of techgap's own analysis). Any value in ``spec``, ``status``,
    ``status_reason`` and ``source_note`` may be an edition switch ``{report: ..., latest: ...}``, and
    inside it a source switch ``{if_source: S, then: ..., else: ...}``; a status may also be a coverage
    switch ``{complete: A, incomplete: B}`` (B when a requested cell has no value, see editions.py);
    texts may hold ``{placeholders}`` filled from the data the item draws (see editions.py)."""

    id: str
    kind: Literal["figure", "table"]
    title: Bilingual
    # The latest edition's caption where the report's names periods that the latest edition moves
    # past (its subtitle names the periods drawn, made from data).
    latest_title: Bilingual | None = None
    source_note: Bilingual | dict[str, Any] | None = None
    sources: list[str]
    chart: str
    spec: dict[str, Any] = Field(default_factory=dict)
    facts: dict[str, dict[str, Any]] = Field(default_factory=dict)
    fixed_terms: list[str] = Field(default_factory=list)
    status: Status | dict[str, Any]
    status_reason: str | dict[str, Any] = ""
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
        for name in ("status", "status_reason", "source_note"):  # the item's own values a switch may give
            mistyped = next(switches.mistyped_switches(getattr(self, name), name), None)
            if mistyped is not None:
                raise _ItemFieldError(mistyped[0], mistyped[1], "a switch with exactly its keys (docs/figures.md)")
        statuses = switches.leaves(self.status)
        unknown = [s for s in statuses if s not in STATUSES]
        if unknown:
            raise ValueError(f"item {self.id}: unknown status {unknown[0]!r}; known: {', '.join(STATUSES)}")
        reasons = switches.leaves(self.status_reason)
        if any(s != "reproduced" for s in statuses) and not all(str(r).strip() for r in reasons):
            raise ValueError(f"item {self.id}: a status other than reproduced needs a status_reason")
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

    @property
    def is_analysis(self) -> bool:
        return self.status == "analysis"


class EntitySpec(Strict):
    en: str
    zh: str
    kind: Literal["country", "economy", "aggregate", "region", "company", "institution"]
    aliases: list[str] = Field(default_factory=list)
    country: str | None = None  # a company's or institution's home economy: it takes that economy's colour


PLAIN_YAML = "plain YAML: real dates; no !!binary or other such tags, anchors, aliases or repeated keys"


class _RefusedYAML(Exception):
    """A construct the project's YAML may not use; carries the line it starts on and what is expected there."""

    def __init__(self, line: int, message: str, expected: str = PLAIN_YAML) -> None:
        super().__init__(message)
        self.line = line
        self.expected = expected


_BASE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
# What plain YAML resolves to without a tag: text, numbers, true/false, null, dates, lists and mappings.
_PLAIN_TAGS = frozenset(
    f"tag:yaml.org,2002:{name}" for name in ("str", "int", "float", "bool", "null", "timestamp", "seq", "map")
)


class StrictLoader(_BASE_LOADER):  # type: ignore[misc,valid-type]
    """libyaml's safe loader that also refuses tags beyond plain text, numbers, dates, lists and mappings (!!binary,
    !!set, !!omap, ...), aliases (a node constructed twice), merge keys and duplicate mapping keys. An alias is
    refused when it is first met, so an alias bomb is never expanded."""

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        if node in self.constructed_objects or node in self.recursive_objects:
            raise _RefusedYAML(node.start_mark.line + 1, "an alias (*name) repeats an anchored node; write the value out")
        if node.tag == "tag:yaml.org,2002:value":  # what YAML makes of a bare '='
            raise _RefusedYAML(node.start_mark.line + 1, "a bare '=' is not a value; quote it ('=')")
        if node.tag not in _PLAIN_TAGS:  # !!binary would decode to text no check saw; !!set has no order
            raise _RefusedYAML(
                node.start_mark.line + 1, f"the YAML tag {escaped(node.tag)!r} is not allowed; write the value out"
            )
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

    def construct_scalar(self, node: yaml.ScalarNode) -> Any:
        # Every text of every YAML file (titles, captions, entity names, provenance) reaches figures, tables and
        # pages: a bidi override (U+202E) or a zero-width character there changes what they show, as in a data file.
        value = super().construct_scalar(node)
        hidden = invisible_characters(value, allowed="\n\t")  # a block text's line breaks and tabs are its layout
        if hidden:
            raise _RefusedYAML(
                node.start_mark.line + 1,
                f"an invisible format or control character ({character_names(hidden)}) in {escaped(value)!r}",
                expected="text without bidi controls, zero-width or other invisible characters; delete them or retype the text",
            )
        return value

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


def yaml_line(path: Path, keys: Iterable[str]) -> int | None:
    """The line (1-based) of the deepest of ``keys`` (mapping keys and list positions, outermost first) that the YAML
    file holds: the key's own line where it is there (a misspelt key), else that of the mapping it belongs in (a
    missing one). None where the file cannot be read as YAML."""
    try:
        node = yaml.compose(path.read_text(encoding="utf-8"), Loader=_BASE_LOADER)
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return None
    line = None
    for key in keys:
        if isinstance(node, yaml.MappingNode):
            found = next(((k, v) for k, v in node.value if isinstance(k, yaml.ScalarNode) and k.value == key), None)
            if found is None:
                break
            line, node = found[0].start_mark.line + 1, found[1]
        elif isinstance(node, yaml.SequenceNode) and key.isdigit() and int(key) < len(node.value):
            node = node.value[int(key)]
            line = node.start_mark.line + 1
        else:
            break
    return line


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
        raise InputError(path, str(exc), line=exc.line, expected=exc.expected) from None
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


def _validated_item(path: Path, body: Any) -> ItemSpec:
    """One item of items.yaml or analysis.yaml; an unknown key is named with the item and the nearest valid key."""
    what = f"item {body['id']}" if isinstance(body, dict) and isinstance(body.get("id"), str) else "item"
    try:
        return ItemSpec.model_validate(body)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(part) for part in first["loc"]) or None
        if first["type"] == "extra_forbidden" and len(first["loc"]) == 1:
            key, keys = str(first["loc"][0]), keys_of(ItemSpec)
            raise InputError(
                path, f"{what}: unknown key {key!r}{did_you_mean(key, keys)}", field=field, expected=", ".join(keys)
            ) from None
        if field is None and "ctx" in first and isinstance(first["ctx"].get("error"), _ItemFieldError):
            error = first["ctx"]["error"]  # raised by a model check that knows the field
            raise InputError(path, f"{what}: {error.message}", field=error.field, expected=error.expected) from None
        raise InputError(path, f"{what}: {first['msg']}", field=field) from None


def settings_from_mapping(mapping: Any, origin: str | Path = "config/config.yaml") -> Settings:
    """Settings from an already loaded mapping (Snakemake's merged `config`), with pydantic's deeper checks."""
    return _validated(Path(origin), Settings, mapping, "settings")


class Project(Strict):
    """Everything the pipeline reads from ``config/``."""

    root: Path
    settings: Settings
    sources: dict[str, SourceSpec]
    items: list[ItemSpec]
    entities: dict[str, EntitySpec]
    plotting: Plotting

    @property
    def raw_dir(self) -> Path:
        return self.root / "data" / "raw"

    @property
    def processed_dir(self) -> Path:
        return self.root / "data" / "processed"

    @property
    def figures_dir(self) -> Path:
        return self.root / "figures"

    def sources_with_vintages(self) -> list[str]:
        """Declared sources that have data: an API source has no vintage until its first refresh."""

        def has_vintage(source_id: str) -> bool:
            folder = self.raw_dir / source_id
            return folder.is_dir() and any(p.is_dir() and VINTAGE_PATTERN.match(p.name) for p in folder.iterdir())

        return sorted(s for s in self.sources if has_vintage(s))

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


def analysis_items(path: Path) -> list[dict[str, Any]]:
    """techgap's own analysis items: each item's spec gets the file's shared `analysis` block, and its fixed terms
    the file's shared `fixed_terms`."""
    data = load_yaml(path) or {}
    if not isinstance(data, dict) or not isinstance(data.get("items"), list) or not isinstance(data.get("analysis"), dict):
        raise InputError(path, "needs a top-level 'analysis' mapping and an 'items' list", field="items")
    shared = data.get("fixed_terms", [])
    if not isinstance(shared, list) or not all(isinstance(term, str) for term in shared):
        raise InputError(path, "fixed_terms must be a list of texts", field="fixed_terms", expected='["28 nm", "Top-10%"]')
    out = []
    for body in data["items"]:
        if isinstance(body, dict):
            body = {
                **body,
                "spec": {**(body.get("spec") or {}), "analysis": data["analysis"]},
                "fixed_terms": [*(body.get("fixed_terms") or []), *shared],
            }
        out.append(body)
    return out


@dataclass(frozen=True)
class _Place:
    """Where a body of settings (an item, a source, the whole file) is in its YAML file, so that an error about one of
    its fields names the field's line."""

    path: Path
    keys: tuple[str, ...] = ()  # ("3",) for the fourth item of items.yaml, ("isscc",) for a source
    # A field under shared[0] is written at shared[1]: analysis.yaml's `analysis` block, which every item's spec gets.
    shared: tuple[tuple[str, ...], tuple[str, ...]] | None = None

    def keys_of(self, field: str) -> list[str]:
        parts = re.findall(r"[^.\[\]]+", field)  # spec.data[0].source -> spec, data, 0, source
        if self.shared is not None and tuple(parts[: len(self.shared[0])]) == self.shared[0]:
            return [*self.shared[1], *parts[len(self.shared[0]) :]]
        return [*self.keys, *parts]

    @contextmanager
    def lines(self) -> Iterator[None]:
        try:
            yield
        except InputError as error:
            if error.line is not None or error.field is None or Path(error.path) != self.path:
                raise
            line = yaml_line(self.path, self.keys_of(error.field))
            raise InputError(error.path, error.reason, line=line, field=error.field, expected=error.expected) from None


SNAKEMAKE_SETTINGS_ORIGIN = "config/config.yaml (or --config/--configfile)"


def load_project(root: str | Path = ".", settings: dict[str, Any] | None = None) -> Project:
    """The validated project. Its settings: ``settings`` (Snakemake's merged `config`: config/config.yaml with
    --config and --configfile on top, which the workflow hands every job as a file), else config/config.yaml."""
    root = Path(root).resolve()
    cfg = root / "config"
    if settings is not None:  # no line numbers: a value may come from --config
        settings = settings_from_mapping(settings, SNAKEMAKE_SETTINGS_ORIGIN)
    else:
        with _Place(cfg / "config.yaml").lines():
            settings = _validated(cfg / "config.yaml", Settings, load_yaml(cfg / "config.yaml"), "settings")

    sources_path = cfg / "sources.yaml"
    raw_sources = load_yaml(sources_path) or {}
    sources = {}
    for source_id, body in raw_sources.items():
        with _Place(sources_path).lines():
            try:
                check_id(source_id, "source id")
            except ValueError as exc:
                raise InputError(sources_path, str(exc), field=str(source_id)) from None
        with _Place(sources_path, (str(source_id),)).lines():
            sources[source_id] = _validated(sources_path, SourceSpec, body, f"source {source_id}")

    for source_id in settings.vintages:
        if source_id not in sources:
            raise InputError(
                cfg / "config.yaml",
                f"vintages pins unknown source {source_id!r}",
                field=f"vintages.{source_id}",
                expected="a source declared in config/sources.yaml" + did_you_mean(source_id, sources),
            )

    # The report's items, then techgap's own analysis items (a file of their own), each with its place in its file.
    items_path, analysis_path = cfg / "items.yaml", cfg / "analysis.yaml"
    bodies = [(_Place(items_path, (str(n),)), body) for n, body in enumerate(load_yaml(items_path) or [])]
    if analysis_path.exists():
        shared = analysis_items(analysis_path)
        in_block = (("spec", "analysis"), ("analysis",))
        bodies += [(_Place(analysis_path, ("items", str(n)), in_block), body) for n, body in enumerate(shared)]
    items = []
    seen: set[str] = set()
    for place, body in bodies:
        with place.lines():
            item = _validated_item(place.path, body)
            if item.id in seen:
                raise InputError(place.path, f"item id {item.id} appears twice", field="id")
            seen.add(item.id)
            for source_id in item.sources:
                if source_id not in sources:
                    raise InputError(place.path, f"item {item.id} names unknown source {source_id!r}", field="sources")
        items.append((place, item))

    entities_path = cfg / "entities.yaml"
    entities = {}
    for code, body in (load_yaml(entities_path) or {}).items():
        with _Place(entities_path, (str(code),)).lines():
            entities[code] = _validated(entities_path, EntitySpec, body, f"entity {code}")
    for place, item in items:
        with place.lines():
            check_item(place.path, item, sources, entities)
    for key in ("vintages", "report_vintages"):
        for source_id in getattr(settings, key):
            if source_id not in sources:
                raise InputError(
                    cfg / "config.yaml",
                    f"{key} pins unknown source {source_id!r}",
                    field=f"{key}.{source_id}",
                    expected="a source declared in config/sources.yaml" + did_you_mean(source_id, sources),
                )
    items = [item for _, item in items]
    with _Place(cfg / "plotting.yaml").lines():
        plotting = _validated(cfg / "plotting.yaml", Plotting, load_yaml(cfg / "plotting.yaml"), "plotting")
        unknown = sorted(set(plotting.entities) - set(entities))
        if unknown:
            raise InputError(
                cfg / "plotting.yaml",
                f"a colour for unknown entity {unknown[0]!r}{did_you_mean(unknown[0], entities)}",
                field=f"entities.{unknown[0]}",
                expected="a code of config/entities.yaml",
            )
    return Project(root=root, settings=settings, sources=sources, items=items, entities=entities, plotting=plotting)


def check_item(path: Path, item: ItemSpec, sources: dict[str, SourceSpec], entities: dict[str, EntitySpec]) -> None:
    """The item's spec is valid for its chart kind in every form the build can meet (each edition, each branch of
    a source switch), and every source, indicator and entity it names exists: a typo ('bar_lable', 'GER' for
    DEU) is an error naming the file, the item and the key, not a silently ignored setting."""
    if item.chart not in KINDS:
        raise InputError(
            path,
            f"item {item.id}: unknown chart {item.chart!r}{did_you_mean(item.chart, KINDS)}",
            field="chart",
            expected=", ".join(KINDS),
        )
    model = KINDS[item.chart]
    if model.output != item.kind:
        raise InputError(path, f"item {item.id}: chart {item.chart} draws a {model.output}", field="kind", expected=model.output)
    for which, spec in switches.variants(item.spec):
        typed = _validated_part(path, item, model, spec, "spec", which)
        for number, selection in enumerate(getattr(typed, "data", [])):
            _check_selection(path, item, selection, f"spec.data[{number}]", sources, entities)
        _check_no_stray_numbers(path, item, bilingual_texts(typed, "spec"))
    _check_no_stray_numbers(path, item, [("status_reason", str(reason)) for reason in switches.leaves(item.status_reason)])
    _check_no_stray_numbers(
        path, item, [text for note in switches.leaves(item.source_note) for text in bilingual_texts(note, "source_note")]
    )
    for name, fact in item.facts.items():
        for which, one in switches.variants(fact):
            typed = _validated_part(path, item, Fact, one, f"facts.{name}", which)
            if typed.source and typed.source not in item.sources:
                raise InputError(
                    path,
                    f"item {item.id}: fact {name} reads {typed.source!r}, which the item does not list in sources",
                    field=f"facts.{name}.source",
                    expected=", ".join(item.sources),
                )


def _check_no_stray_numbers(path: Path, item: ItemSpec, texts: Iterable[tuple[str, str]]) -> None:
    """A text a reader sees names no number written by hand (rule: nothing that depends on data is typed in)."""
    for where, text in texts:
        stray = stray_numbers(text, item.fixed_terms)
        if stray:
            raise InputError(
                path,
                f"item {item.id}: {where} names the number {stray[0]} by hand ({text!r})",
                field=where,
                expected="a number from the data as a fact or a built-in ({first}, {last}, {periods}, {missing}, "
                "{retrieved}); a name that holds digits ('NeurIPS 2019') listed in the item's fixed_terms",
            )


def _validated_part(path: Path, item: ItemSpec, model: type[BaseModel], value: Any, where: str, which: str) -> Any:
    try:
        return model.model_validate(value)
    except ValidationError as exc:
        errors = [(error, _readable_loc(error["loc"])) for error in exc.errors()]
    # A mapping meant as a switch but mistyped reaches the model as a plain mapping: where an error lies under one,
    # the switch is what to name (a mapping keyed by names a user chose, such as facts, is left alone otherwise).
    failing = [
        where + _field_path([part for part in at if _form_model(part) is None and not _is_type_form(part)]) for _, at in errors
    ]
    for field, problem in switches.mistyped_switches(value, where):
        if any(f == field or f.startswith((field + ".", field + "[")) for f in failing):
            raise InputError(
                path,
                f"item {item.id}: {problem} ({which})",
                field=field,
                expected="a switch with exactly its keys (docs/figures.md)",
            ) from None
    owner, owner_at = model, 0  # the model whose keys the error's location continues from, and where it starts
    while True:
        first, loc = next(((e, loc) for e, loc in errors if e["type"] == "extra_forbidden"), errors[0])  # a typo explains a gap
        form = _form_index(loc)
        if form is None:
            break
        # A key that takes one of several forms (periods: a list, {from, to} or {latest: N}; derive: a step of
        # several kinds): pydantic reports every form it tried. The form the value fits best is the one meant: the
        # one with the fewest errors, a stray key counting less than a value of another shape.
        tried: dict[str, list[tuple[dict, list[str]]]] = {}
        for error, at in errors:
            if _form_index(at) == form and at[:form] == loc[:form]:
                tried.setdefault(at[form], []).append((error, at))
        ranked = sorted(tried.items(), key=lambda named: _misfit(named[1]))
        if len(ranked) > 1 and _misfit(ranked[0][1]) == _misfit(ranked[1][1]):  # no form fits better than another
            raise InputError(
                path,
                f"item {item.id}: {where + _field_path(loc[:form])} is none of the forms it may take ({which})",
                field=where + _field_path(loc[:form]),
                expected="the forms docs/figures.md gives for this key",
            ) from None
        name, meant = ranked[0]
        owner, owner_at = _form_model(name), form
        errors = [(error, at[:form] + at[form + 1 :]) for error, at in meant]
    field = where + _field_path(loc)
    if first["type"] == "extra_forbidden":
        key = loc[-1] if loc else "?"
        parent = _model_at(owner, loc[owner_at:-1]) if owner is not None else None
        keys = keys_of(parent) if parent is not None else []
        raise InputError(
            path,
            f"item {item.id}: unknown key {key!r} in {where} ({which}){did_you_mean(key, keys)}",
            field=field,
            expected=", ".join(keys) if keys else "the keys this kind defines (docs/figures.md)",
        ) from None
    raise InputError(path, f"item {item.id}: {first['msg']} ({which})", field=field) from None


_TYPE_NAMES = {"int", "str", "float", "bool", "none", "dict", "list"}
_VALIDATED_FORM = re.compile(r"^function-\w+\[.*, (\w+)\]$")  # pydantic's name for a form with a validator


def _readable_loc(loc: tuple[Any, ...]) -> list[str]:
    """pydantic's error location as the YAML's keys, with each form tried named by its model ('PeriodRange')."""
    parts = []
    for part in map(str, loc):
        validated = _VALIDATED_FORM.match(part)
        if validated:
            parts.append(validated.group(1))
        elif not part.startswith("tagged-union"):
            parts.append(part)
    return parts


def _is_type_form(part: str) -> bool:
    return "[" in part or part in _TYPE_NAMES


def _form_index(loc: list[str]) -> int | None:
    """Where in ``loc`` pydantic names the form of a several-form key that it tried (a model or a type); a key
    written in capitals (an entity code) is not one."""
    return next((i for i, part in enumerate(loc) if _form_model(part) is not None or _is_type_form(part)), None)


def _misfit(errors: list[tuple[dict, list[str]]]) -> tuple[int, int]:
    """How badly a value fits a form: errors saying it is not of the form's shape at all, then errors in all."""
    return sum(error["type"].endswith("_type") for error, _ in errors), len(errors)


def _form_model(name: str) -> type[BaseModel] | None:
    import techgap.kinds

    found = getattr(techgap.kinds, name, None)
    return found if isinstance(found, type) and issubclass(found, BaseModel) else None


def _field_path(loc: list[str]) -> str:
    return "".join(f"[{part}]" if part.isdigit() else f".{part}" for part in loc)


def _model_at(model: type[BaseModel], loc: list[str]) -> type[BaseModel] | None:
    """The model that owns the key at ``loc`` inside ``model`` (for listing the keys it accepts)."""
    import typing

    current: Any = model
    for part in loc:
        if part.isdigit():
            continue
        field = next((f for name, f in current.model_fields.items() if (f.alias or name) == part), None)
        if field is None:
            return None
        candidates = [a for a in typing.get_args(field.annotation) or (field.annotation,)]
        nested = [c for c in candidates if isinstance(c, type) and issubclass(c, BaseModel)]
        args = [inner for c in candidates for inner in typing.get_args(c)]
        nested += [a for a in args if isinstance(a, type) and issubclass(a, BaseModel)]
        if not nested:
            return None
        current = nested[0]
    return current


def _check_selection(
    path: Path, item: ItemSpec, selection: Any, where: str, sources: dict[str, SourceSpec], entities: dict[str, EntitySpec]
) -> None:
    if selection.source not in item.sources:
        raise InputError(
            path,
            f"item {item.id}: selection reads {selection.source!r}, which the item does not list in sources",
            field=f"{where}.source",
            expected=", ".join(item.sources),
        )
    for indicator in selection.indicator:
        if indicator not in sources[selection.source].indicators:
            raise InputError(
                path,
                f"item {item.id}: source {selection.source} has no indicator {indicator!r}"
                + did_you_mean(indicator, sources[selection.source].indicators),
                field=f"{where}.indicator",
                expected=", ".join(sorted(sources[selection.source].indicators)),
            )
    for code in selection.entities or []:
        if code not in entities:
            raise InputError(
                path,
                f"item {item.id}: unknown entity code {code!r}{did_you_mean(code, entities)}",
                field=f"{where}.entities",
                expected="a code of config/entities.yaml (e.g. DEU for Germany)",
            )

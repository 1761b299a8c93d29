"""figures/datapackage.json: a Frictionless Data Package (https://specs.frictionlessdata.io/data-package/)
describing what techgap publishes: one resource per item table of both editions and one for the tidy table of
every normalized series (figures/data/series.csv, with its Parquet form), each with a Table Schema, its sources
and its licences from the provenance it cites. Paths are relative to figures/, so the folder can be published
alone. Written with the series table by `techgap package`; nothing in it comes from the clock.

Each column is described once, in COLUMNS; a resource's fields are its CSV header, in order, so a column
without a description stops the build instead of being published undescribed."""

from __future__ import annotations

import hashlib
import json
import tomllib
from pathlib import Path
from typing import Any, NamedTuple

import pandas as pd

from techgap.config import Project
from techgap.errors import InputError
from techgap.paths import EDITIONS, item_outputs
from techgap.provenance import PROVENANCE_FILE, Provenance, load_provenance

PACKAGE_FILE = "datapackage.json"
SERIES_CSV = "data/series.csv"  # relative to figures/
SERIES_PARQUET = "data/series.parquet"


class Column(NamedTuple):
    type: str  # a Table Schema field type
    description: str


_PERIOD = (
    "The period, always text: YYYY, YYYYQn (quarter), YYYYHn (half year), YYYYf (forecast year), YYYY-YYYY "
    "(multi-year window), YYYYQ1-Q3, YYYY-MM or YYYY-MM-DD. Read it as text (e.g. pandas dtype={'period': str}): "
    "a reader that guesses types turns 2010 into a number and cannot hold 2024Q1."
)
_LINE = (
    "The line of the raw payload (data/raw/<source>/<vintage>/) the value was read from, so every number traces "
    "back; empty for a value techgap computed."
)

# Every column techgap publishes, described once. Types are Table Schema types; the processed table's are checked
# against techgap.normalize.PROCESSED_COLUMNS by the tests.
COLUMNS: dict[str, Column] = {
    # the processed long table (techgap.normalize.PROCESSED_COLUMNS) and the item tables (techgap.selection.ITEM_DATA_COLUMNS)
    "entity": Column("string", "The entity's English name (config/entities.yaml)."),
    "entity_code": Column(
        "string",
        "techgap's code for the entity: ISO 3166-1 alpha-3 for economies, upper-case names for aggregates, regions, "
        "companies and institutions (config/entities.yaml).",
    ),
    "entity_zh": Column("string", "The entity's Traditional Chinese name (config/entities.yaml)."),
    "entity_kind": Column("string", "What the entity is: economy, aggregate, region, company or institution."),
    "category": Column(
        "string",
        "A second dimension where the source's table has one (C919 system, technology domain, node class, ...); empty otherwise.",
    ),
    "indicator": Column(
        "string",
        "What is measured: an indicator declared for the source in config/sources.yaml, or one techgap derived "
        "(named after its computation, e.g. rd_expenditure_growth_yoy_computed).",
    ),
    "period": Column("string", _PERIOD),
    "value": Column(
        "number", "The value, in the unit of the row's `unit` column; empty where the source gives none (flag missing)."
    ),
    "unit": Column("string", "The unit of the row's value(s); the field's enum constraint lists the units in this table."),
    "label": Column("string", "Text that belongs to the row as the document prints it (event, technology name); often empty."),
    "label_en": Column("string", "The English form of `label` (the source's own English where it has one)."),
    "flag": Column(
        "string",
        "chart_read (read off a chart image), approx (the document says about/nearly), forecast, preliminary or "
        "missing; empty for a plain value.",
    ),
    "source": Column(
        "string",
        "The source: a folder under data/raw/ whose provenance.yaml says who published the numbers and under "
        "which terms; `techgap` for a value techgap computed.",
    ),
    "document": Column(
        "string",
        "The id of the document the value was read in (the source vintage's provenance.yaml: documents; `api` for a "
        "download), or for a computed value the computation that made it.",
    ),
    "preferred": Column(
        "boolean",
        "Whether this is the value figures and claims use for the fact (entity, category, indicator, period): when "
        "several documents give it, the first in provenance order or the one a declared document conflict prefers.",
    ),
    "vintage": Column("string", "The dated snapshot (data/raw/<source>/<YYYY-MM-DD>/) the value comes from."),
    "line": Column("integer", _LINE),
    # the gap analysis (gap01, gap02: techgap.gaps.ROW_COLUMNS; method in docs/gaps.md)
    "pair": Column("string", "The comparison, an id from config/analysis.yaml: one indicator, China and one comparator."),
    "period_kind": Column("string", "year, quarter, month or window: the kind of period the comparison uses."),
    "time": Column(
        "number", "The period's position in years: a year is its number, a quarter or month its middle, a window its middle."
    ),
    "segment": Column("integer", "0 before the series' first declared break, 1 after it, and so on."),
    "in_trend": Column("boolean", "Whether the trend is fitted on this period (the newest segment's last periods)."),
    "china": Column("string", "China's entity code in the comparison."),
    "comparator": Column("string", "The comparator's entity code (the leader China is compared with)."),
    "china_value": Column("number", "China's value, in the row's `unit`."),
    "comparator_value": Column("number", "The comparator's value, in the row's `unit`."),
    "ratio": Column("number", "china_value divided by comparator_value (dimensionless): 1 is parity, above 1 China is ahead."),
    "china_document": Column("string", "The id of the document China's value was read in (see `document`)."),
    "china_line": Column("integer", "The payload line China's value was read from (see `line`)."),
    "comparator_document": Column("string", "The id of the document the comparator's value was read in (see `document`)."),
    "comparator_line": Column("integer", "The payload line the comparator's value was read from (see `line`)."),
}

# The table's units are listed (and checked by validators) as the enum of its `unit` field.
UNIT_FIELD = "unit"
EDITION_TEXT = {
    "report": "report edition (the report's periods, on the vintages pinned in config/config.yaml: report_vintages)",
    "latest": "latest edition (each source's newest vintage, extended to the newest data)",
}


def descriptions() -> dict[str, str]:
    return {name: column.description for name, column in COLUMNS.items()}


def project_version(root: Path) -> str:
    """The version in pyproject.toml: the version CITATION.cff and the changelog name."""
    return tomllib.loads((Path(root) / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]


def table_schema(header: list[str], units: list[str], where: str | Path) -> dict[str, Any]:
    """A Table Schema with one field per column of ``header``, in order; ``units`` (the table's) as the unit
    field's enum. A column without a description in COLUMNS is an error naming the table."""
    unknown = [name for name in header if name not in COLUMNS]
    if unknown:
        raise InputError(
            where,
            f"column(s) {', '.join(unknown)} have no description",
            expected="every published column described in techgap.datapackage.COLUMNS",
        )
    fields = []
    for name in header:
        field: dict[str, Any] = {"name": name, "type": COLUMNS[name].type, "description": COLUMNS[name].description}
        if name == UNIT_FIELD and units:
            field["constraints"] = {"enum": units}
        fields.append(field)
    return {"fields": fields, "missingValues": [""]}


def csv_header_and_units(data: bytes) -> tuple[list[str], list[str]]:
    """A published CSV's header and the distinct values of its unit column, sorted."""
    import io

    frame = pd.read_csv(io.BytesIO(data), dtype=str, keep_default_na=False)
    units = sorted(set(frame[UNIT_FIELD]) - {""}) if UNIT_FIELD in frame else []
    return list(frame.columns), units


def file_facts(data: bytes) -> dict[str, Any]:
    """What lets a validator check that a file is the one described."""
    return {"bytes": len(data), "hash": "sha256:" + hashlib.sha256(data).hexdigest()}


def licence_entries(provenances: list[Provenance]) -> list[dict[str, str]]:
    """One licence entry per distinct (terms, page) of the provenance files: provenance records each source's
    terms as prose, not as a licence id, so the prose is the title and the source's page (its provenance `url`)
    the path. Sorted: their order means nothing."""
    found = {(p.licence.strip(), p.url) for p in provenances}
    return [{"title": title, "path": url} for title, url in sorted(found)]


def table_resource(name: str, path: str, data: bytes, title: str, description: str) -> dict[str, Any]:
    header, units = csv_header_and_units(data)
    return {
        "name": name,
        "type": "table",
        "profile": "tabular-data-resource",
        "path": path,
        "title": title,
        "description": description,
        "format": "csv",
        "mediatype": "text/csv",
        "encoding": "utf-8",
        **file_facts(data),
        "schema": table_schema(header, units, path),
    }


def _provenance(project: Project, relative: str, cache: dict[str, Provenance]) -> Provenance:
    """A provenance file an item's record names (data/raw/<source>/<vintage>/provenance.yaml), read once."""
    parts = Path(relative).parts
    if len(parts) != 5 or parts[:2] != ("data", "raw") or parts[-1] != PROVENANCE_FILE:
        raise InputError(
            relative, "not a provenance file under data/raw/", expected=f"data/raw/<source>/<vintage>/{PROVENANCE_FILE}"
        )
    if relative not in cache:
        cache[relative] = load_provenance(project.raw_dir / parts[2] / parts[3] / PROVENANCE_FILE)
    return cache[relative]


def item_resources(project: Project, cache: dict[str, Provenance]) -> list[dict[str, Any]]:
    """One resource per item table of each edition, in report order, the report edition first: its data CSV
    described from its header, its sources and licences from the record (meta JSON) the build wrote beside it."""
    figures = project.figures_dir
    relative_root = figures.relative_to(project.root)
    resources = []
    for edition in EDITIONS:
        for item in project.items:
            if not item.renders:
                continue  # nothing drawn, no table
            csv_path, meta_path = (project.root / path for path in item_outputs(item, edition, relative_root)[:2])
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
            title = meta["texts"]["title"]
            resource = table_resource(
                f"{edition}-{item.id}",
                csv_path.relative_to(figures).as_posix(),
                csv_path.read_bytes(),
                f"{title['en']} ({edition} edition)",
                f"{title['zh']}. The data drawn in the {EDITION_TEXT[edition]}. Status {meta['status']}: {meta['reason']}",
            )
            sources, provenances = [], []
            for record in meta["sources"]:
                entry = {
                    "title": record["title"],
                    "path": record["url"],
                    "publisher": record["publisher"],
                    "source": record["source"],
                    "vintage": record["vintage"],
                }
                if entry not in sources:
                    sources.append(entry)  # in the record's order: the order the item cites them
                provenances.append(_provenance(project, record["provenance"], cache))
            resource["sources"] = sources
            resource["licenses"] = licence_entries(provenances)
            resources.append(resource)
    return resources


def series_resources(project: Project, vintages: dict[str, str], csv: bytes, parquet: bytes) -> list[dict[str, Any]]:
    """The tidy table of every normalized series (CSV, with its schema) and the same table as Parquet. Sources
    and licences: every source's provenance of the vintage in the table."""
    provenances = [load_provenance(project.raw_dir / s / v / PROVENANCE_FILE) for s, v in sorted(vintages.items())]
    sources = [
        {"title": p.title, "path": p.url, "publisher": p.publisher, "source": s, "vintage": v}
        for (s, v), p in zip(sorted(vintages.items()), provenances, strict=True)
    ]
    licences = licence_entries(provenances)
    table = table_resource(
        "series",
        SERIES_CSV,
        csv,
        "Every normalized series",
        "One tidy table of every source's normalized data: for each source, the vintage the latest edition reads, "
        "as techgap validated it (the processed tables' columns; `period` is text). Rows: sources in id order, each "
        f"in its payload's order. The same table with full float64 precision: {SERIES_PARQUET}.",
    )
    parquet_resource = {
        "name": "series-parquet",
        "type": "file",
        "path": SERIES_PARQUET,
        "title": "Every normalized series (Parquet)",
        "description": f"The table of {SERIES_CSV} as Parquet, with full float64 precision (the CSV has 10 significant "
        "digits); the fields and their descriptions are those of the `series` resource, the descriptions also in the "
        "Parquet schema's field metadata.",
        "format": "parquet",
        "mediatype": "application/vnd.apache.parquet",
        **file_facts(parquet),
    }
    return [{**table, "sources": sources, "licenses": licences}, {**parquet_resource, "sources": sources, "licenses": licences}]


def build_package(project: Project, vintages: dict[str, str], csv: bytes, parquet: bytes) -> dict[str, Any]:
    """The descriptor. Package-level licences are left out on purpose: every resource carries its own (the code's
    MIT licence is not the data's terms)."""
    cache: dict[str, Provenance] = {}
    resources = series_resources(project, vintages, csv, parquet) + item_resources(project, cache)
    return {
        "profile": "data-package",  # not tabular-data-package: the Parquet file is a plain file resource
        "name": "techgap",
        "title": "techgap: the data behind 中國推動技術自主之現況與影響 (NDC, 2023), regenerated from cited, versioned sources",
        "description": "The figures' and tables' data of 湯士萱 (2023), 中國推動技術自主之現況與影響, National Development "
        "Council, Taiwan, in two editions (report: as the report printed it; latest: on the newest data), and one "
        "table of every normalized series. Every resource lists its sources and their terms (from each source's "
        "provenance.yaml); the code that made them is MIT-licensed (techgap). Cite as in CITATION.cff.",
        "version": project_version(project.root),
        "contributors": [{"title": "techgap contributors", "role": "author"}],
        "keywords": ["China", "technology", "R&D", "semiconductors", "science and technology indicators"],
        "resources": resources,
    }


def package_json(package: dict[str, Any]) -> bytes:
    """Deterministic JSON: fixed key order (as built), UTF-8 without escapes, two-space indent, final newline."""
    return (json.dumps(package, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def write_package(project: Project) -> list[Path]:
    """Write figures/data/series.csv, figures/data/series.parquet and figures/datapackage.json. Everything is
    made before anything is written; each file is then replaced whole (techgap.io.write_bytes)."""
    from techgap.io import write_bytes
    from techgap.logs import get_logger, log_read
    from techgap.series import series_csv_bytes, series_parquet_bytes, series_table, series_vintages

    log = get_logger("package")
    vintages = series_vintages(project)
    table = series_table(project, vintages)
    for source_id, rows in table.groupby("source", sort=True):
        log_read(log, str(source_id), rows)
    csv = series_csv_bytes(table)
    parquet = series_parquet_bytes(table, descriptions())
    package = package_json(build_package(project, vintages, csv, parquet))
    outputs = {SERIES_CSV: csv, SERIES_PARQUET: parquet, PACKAGE_FILE: package}
    for relative, data in outputs.items():
        write_bytes(project.figures_dir / relative, data)
    return [project.figures_dir / relative for relative in outputs]

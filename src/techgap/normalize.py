"""Normalize one source's snapshot into a typed, tidy long table for data/processed/.

Every check runs before anything is written, so a failed validation leaves the last good
processed table and every figure as they were."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import numpy as np
import pandas as pd

from techgap.config import DocumentConflict, Project, RefreshSource, SourceSpec
from techgap.entities import EntityRegistry
from techgap.errors import InputError
from techgap.parsers import (
    _first_bad,
    check_periods,
    read_comtrade_json,
    read_long_csv,
    read_sdmx_csv,
    read_worldbank_json,
)
from techgap.provenance import Snapshot, open_snapshot, resolve_vintage

PROCESSED_COLUMNS = {
    "entity": "string",
    "entity_code": "string",
    "entity_kind": "string",
    "category": "string",
    "indicator": "string",
    "period": "string",
    "value": "float64",
    "unit": "string",
    "label": "string",
    "label_en": "string",
    "flag": "string",
    "source": "string",
    "document": "string",
    "preferred": "bool",
    "vintage": "string",
    "line": "int64",
}
KEY = ["entity_code", "category", "indicator", "period"]
COUNT_UNITS = {"count", "papers", "event", "persons", "rank", "years"}


def read_payload(snapshot: Snapshot, refresh: RefreshSource | None) -> pd.DataFrame:
    fmt = snapshot.provenance.format
    if fmt == "techgap-long-csv":
        return read_long_csv(snapshot.payload_path)
    indicator_map = dict(snapshot.provenance.indicator_map or {})
    if not indicator_map and refresh is not None:
        indicator_map = dict(refresh.indicator_map)
    if fmt == "sdmx-csv":
        return read_sdmx_csv(snapshot.payload_path, indicator_map)
    if fmt == "comtrade-json":
        return read_comtrade_json(snapshot.payload_path, indicator_map)
    return read_worldbank_json(snapshot.payload_path, indicator_map)


def check_indicators_and_units(path: Path, frame: pd.DataFrame, spec: SourceSpec) -> pd.DataFrame:
    known = frame["indicator"].isin(spec.indicators)
    _first_bad(
        path,
        (~known).to_numpy(),
        frame,
        "indicator",
        "indicator is not declared for this source",
        "one of " + ", ".join(sorted(spec.indicators)) + " (declare new ones in config/sources.yaml)",
    )
    expected_unit = frame["indicator"].map({k: v.unit for k, v in spec.indicators.items()})
    api_rows = frame["unit"] == ""
    frame["unit"] = frame["unit"].where(~api_rows, expected_unit)
    wrong = (frame["unit"] != expected_unit).to_numpy()
    if wrong.any():
        position = int(np.flatnonzero(wrong)[0])
        raise InputError(
            path,
            f"unit {frame['unit'].iloc[position]!r} differs from the series' unit",
            line=int(frame["_line"].iloc[position]),
            field="unit",
            expected=repr(expected_unit.iloc[position]),
        )
    for name, indicator in spec.indicators.items():
        rows = (frame["indicator"] == name).to_numpy()
        values = frame["value"].to_numpy()
        if indicator.min is not None:
            _first_bad(
                path,
                rows & (values < indicator.min),
                frame,
                "value",
                f"{name} below its minimum {indicator.min}",
                f">= {indicator.min}",
            )
        if indicator.max is not None:
            _first_bad(
                path,
                rows & (values > indicator.max),
                frame,
                "value",
                f"{name} above its maximum {indicator.max}",
                f"<= {indicator.max}",
            )
        if indicator.unit in COUNT_UNITS:
            _first_bad(path, rows & (values < 0), frame, "value", f"negative {indicator.unit}", ">= 0")
    return frame


def check_entities(path: Path, frame: pd.DataFrame, registry: EntityRegistry) -> pd.Series:
    codes = registry.codes_for(frame["entity"])
    unknown = codes.isna().to_numpy()
    for name in frame.loc[unknown, "entity"].unique():  # few: each distinct unknown name once
        known = registry.lookalike(name)
        if known is not None:
            odd = sorted({f"\\u{ord(c):04x} {unicodedata.name(c, 'unnamed')}" for c in name if not c.isascii()} or {"spacing"})
            position = int(np.flatnonzero((frame["entity"] == name).to_numpy())[0])
            raise InputError(
                path,
                f"entity name {name!r} looks like the known name {known!r} but is not it ({'; '.join(odd)})",
                line=int(frame["_line"].iloc[position]),
                field="entity",
                expected=f"{known!r} typed with plain characters (a look-alike is not added as an alias)",
            )
    _first_bad(
        path, unknown, frame, "entity", "unknown entity name", "a name listed in config/entities.yaml (add it as an alias there)"
    )
    names_per_code = frame.assign(_code=codes).groupby(["document", "_code"])["entity"].nunique()
    doubled = names_per_code[names_per_code > 1]
    if not doubled.empty:
        document, code = doubled.index[0]
        rows = (frame["document"] == document) & (codes == code)
        names = sorted(frame.loc[rows, "entity"].unique())
        second = frame.loc[rows & (frame["entity"] == names[1]), "_line"].iloc[0]
        raise InputError(
            path,
            f"one entity ({code}) appears under two names in document {document}: {names}",
            line=int(second),
            field="entity",
            expected="one name per entity within a document",
        )
    return codes


def check_documents(path: Path, frame: pd.DataFrame, snapshot: Snapshot) -> None:
    if snapshot.provenance.method == "api":
        return
    ids = snapshot.provenance.document_ids()
    unknown = ~frame["document"].isin(ids)
    _first_bad(path, unknown.to_numpy(), frame, "document", "document is not listed in provenance.yaml", ", ".join(ids))


def check_unique(path: Path, frame: pd.DataFrame) -> None:
    duplicated = frame.duplicated(KEY + ["document"], keep="first").to_numpy()
    if duplicated.any():
        position = int(np.flatnonzero(duplicated)[0])
        row = frame.iloc[position]
        first = frame[(frame[KEY + ["document"]] == row[KEY + ["document"]]).all(axis=1)]["_line"].iloc[0]
        raise InputError(
            path,
            f"duplicate row: {row['entity']} {row['indicator']} {row['period']} already on line {first}",
            line=int(row["_line"]),
            field="period",
            expected="one row per entity, period, indicator and category in a document",
        )


def check_sums(path: Path, frame: pd.DataFrame, spec: SourceSpec) -> None:
    for check in spec.sum_checks:
        rows = frame[frame["indicator"] == check.indicator]
        if check.document is not None:
            rows = rows[rows["document"] == check.document]
        for (_document, category, period), group in rows.groupby(["document", "category", "period"]):
            totals = group[group["entity_code"] == check.total]
            parts = group[group["entity_code"].isin(check.parts)]
            if totals.empty or set(parts["entity_code"]) != set(check.parts) or parts["value"].isna().any():
                continue  # only a complete set of parts can be checked against its total
            total = float(totals["value"].iloc[0])
            gap = float(parts["value"].sum()) - total
            if abs(gap) > check.tolerance + 1e-9:
                raise InputError(
                    path,
                    f"{check.indicator} {period}{' ' + category if category else ''}: parts sum to "
                    f"{parts['value'].sum():.4g}, total row says {total:.4g}",
                    line=int(totals["_line"].iloc[0]),
                    field="value",
                    expected=f"parts within {check.tolerance} of the total",
                )


def _decimals(value: float) -> int:
    """Decimal places of the shortest text that gives ``value`` back (16.3 -> 1, 4.930120876 -> 9)."""
    text = repr(float(value))
    if "e" in text or "." not in text:
        return 0
    return len(text.split(".")[1].rstrip("0"))


def _agree(values: list[float]) -> bool:
    """Values agree when they are equal at the precision of the least precise one (4.93 and 4.930120876)."""
    if any(np.isnan(v) for v in values):
        return all(np.isnan(v) for v in values)
    tolerance = 0.5 * 10.0 ** -min(_decimals(v) for v in values) + 1e-9
    return max(values) - min(values) <= tolerance


def check_document_conflicts(
    path: Path, frame: pd.DataFrame, declared: list[DocumentConflict], where: str, repeated: pd.Series | None = None
) -> dict[tuple, str]:
    """The same fact given with different values by two documents is an error unless a declaration says
    which document is preferred and why. Returns the declared preferred document of each fact a declaration
    names, also where the values agree at the coarser one's precision (a rounded headline beside the table
    value it rounds). Only facts read in more than one document are looked at."""
    resolved: dict[tuple, str] = {}
    repeated = frame.duplicated(KEY, keep=False) if repeated is None else repeated
    if not repeated.any():
        return resolved
    for key, group in frame[repeated].groupby(KEY, sort=False, dropna=False):
        values = group["value"].tolist()
        entity, category, indicator, period = key
        documents = set(group["document"])
        match = next((d for d in declared if d.matches(indicator, entity, period, category, documents)), None)
        if _agree(values):
            if match is not None:
                resolved[key] = match.preferred
            continue
        if match is None:
            shown = "; ".join(f"{d}: {v:g} (line {n})" for d, v, n in zip(group["document"], values, group["_line"], strict=True))
            raise InputError(
                path,
                f"documents disagree on {entity} {indicator} {period}{' ' + category if category else ''}: {shown}",
                line=int(group["_line"].iloc[1]),
                field="value",
                expected=f"the same value beyond rounding, or a document_conflicts entry in {where} naming "
                "the documents, the preferred one and why",
            )
        resolved[key] = match.preferred
    return resolved


def mark_preferred(
    frame: pd.DataFrame, document_order: list[str], resolved: dict[tuple, str] | None = None, repeated: pd.Series | None = None
) -> pd.Series:
    """For each fact read in several documents, the first document in provenance order wins, unless a
    declared document conflict names the preferred one. Only facts that appear more than once need ranking."""
    preferred = pd.Series(True, index=frame.index)
    repeated = frame.duplicated(KEY, keep=False) if repeated is None else repeated
    if repeated.any():
        subset = frame[repeated]
        rank = subset["document"].map({d: i for i, d in enumerate(document_order)}).fillna(0)
        if resolved:
            keys = pd.Series(list(zip(*(subset[k] for k in KEY), strict=True)), index=subset.index)
            chosen = keys.map(lambda key: resolved.get(key))  # tuples: a dict lookup per repeated row
            rank = rank.where(chosen != subset["document"], -1)
        order = subset.assign(_rank=rank).sort_values(KEY + ["_rank"], kind="stable")
        preferred[order.index] = ~order.duplicated(KEY, keep="first")
    return preferred


def normalize_snapshot(project: Project, snapshot: Snapshot) -> pd.DataFrame:
    spec = project.sources.get(snapshot.source_id)
    if spec is None:
        raise InputError(project.root / "config" / "sources.yaml", f"source {snapshot.source_id} is not declared")
    refresh = project.settings.refresh.sources.get(snapshot.source_id)
    path = snapshot.payload_path
    frame = read_payload(snapshot, refresh)
    check_periods(path, frame, project.settings.min_year, project.settings.max_year)
    frame = check_indicators_and_units(path, frame, spec)
    registry = EntityRegistry(project.entities)
    codes = check_entities(path, frame, registry)
    frame["entity_code"] = codes
    check_documents(path, frame, snapshot)
    check_unique(path, frame)
    check_sums(path, frame, spec)
    repeated = frame.duplicated(KEY, keep=False)  # facts read in more than one document (computed once: 1M rows)
    resolved = check_document_conflicts(
        path,
        frame,
        [*snapshot.provenance.document_conflicts, *spec.document_conflicts],
        f"config/sources.yaml ({snapshot.source_id}) or the vintage's provenance.yaml",
        repeated,
    )
    positions, codes = pd.factorize(frame["entity_code"])
    frame["entity_kind"] = np.array([registry.kind(c) for c in codes], dtype=object)[positions]
    frame["entity"] = np.array([registry.name(c, "en") for c in codes], dtype=object)[positions]
    frame["source"] = snapshot.source_id
    frame["vintage"] = snapshot.vintage
    frame["preferred"] = mark_preferred(frame, snapshot.provenance.document_ids(), resolved, repeated)
    frame["line"] = frame["_line"]  # where the value sits in the payload, for tracing and source order
    out = frame.reset_index(drop=True)[list(PROCESSED_COLUMNS)]  # payload order, traceable by `line`
    return out.astype(PROCESSED_COLUMNS)


def normalize_source(project: Project, source_id: str, vintage: str | None = None) -> pd.DataFrame:
    vintage = vintage or resolve_vintage(project.raw_dir, source_id, project.settings.vintages)
    return normalize_snapshot(project, open_snapshot(project.raw_dir, source_id, vintage))


def normalized_table(
    project: Project, source_id: str, vintage: str, tables: dict[tuple[str, str], pd.DataFrame] | None = None
) -> pd.DataFrame:
    """One vintage's long table, taken from ``tables`` (the ones a one-process build has made so far) or
    normalized now and added to it: the items, the ledger and the drift report read many of the same
    vintages. Callers must not change the table they get."""
    if tables is None:
        return normalize_source(project, source_id, vintage)
    key = (source_id, vintage)
    if key not in tables:
        tables[key] = normalize_source(project, source_id, vintage)
    return tables[key]

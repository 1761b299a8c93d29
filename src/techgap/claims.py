"""The claims ledger: every numeric statement of the report, computed from processed data by a
named comparison function (never code in YAML) and compared with the stated value."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Literal

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from techgap import compare
from techgap.config import Project, check_id, load_yaml
from techgap.errors import InputError

SELECTOR_KEYS = {"source", "indicator", "entity", "period", "category", "document", "label"}


class Selector(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    source: str
    indicator: str
    entity: str | None = None
    period: str | None = None
    category: str | None = None
    document: str | None = None
    label: str | None = None

    @field_validator("period", mode="before")
    @classmethod
    def _period(cls, value: object) -> object:
        return None if value is None else str(value)

    def describe(self) -> str:
        parts = [f"{k}={v}" for k, v in self.model_dump().items() if v is not None]
        return ", ".join(parts)


# name -> (argument names that are selectors, other allowed args)
FUNCTIONS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "value": (("x",), ()),
    "ratio": (("numerator", "denominator"), ("scale",)),
    "share": (("part", "total"), ()),
    "growth": (("current", "previous"), ()),
    "cagr": (("first", "last"), ("years",)),
    "difference": (("a", "b"), ()),
    "sum": ((), ("of",)),
    "count": (("rows",), ("where",)),
    "rank": (("among",), ("entity",)),
    "convert": (("x",), ("rate",)),
}


class Compute(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    function: str
    args: dict[str, Any]

    @model_validator(mode="after")
    def _known(self) -> Compute:
        if self.function not in FUNCTIONS:
            raise ValueError(f"unknown function {self.function!r}; known: {', '.join(FUNCTIONS)}")
        selectors, others = FUNCTIONS[self.function]
        missing = [a for a in selectors if a not in self.args]
        if self.function == "sum" and "of" not in self.args:
            missing.append("of")
        if missing:
            raise ValueError(f"function {self.function} needs argument(s) {', '.join(missing)}")
        unknown = [a for a in self.args if a not in selectors + others]
        if unknown:
            raise ValueError(f"function {self.function} does not take argument(s) {', '.join(unknown)}")
        for name in selectors:
            Selector.model_validate(self.args[name])
        for item in self.args.get("of", []):
            Selector.model_validate(item)
        return self


class Claim(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    section: str
    quote: str
    stated: float
    unit: str
    tolerance: float = Field(default=0.0, ge=0)
    comparison: Literal["==", ">=", "<=", ">", "<"] = "=="
    compute: Compute | None = None
    uncheckable: str | None = None
    note: str = ""

    @field_validator("id")
    @classmethod
    def _id(cls, value: str) -> str:
        return check_id(value, "claim id")

    @model_validator(mode="after")
    def _one_of(self) -> Claim:
        if (self.compute is None) == (self.uncheckable is None):
            raise ValueError("give either compute or uncheckable")
        return self


def load_claims(path: str | Path, project: Project) -> list[Claim]:
    path = Path(path)
    body = load_yaml(path)
    if not isinstance(body, list):
        raise InputError(path, "claims file must be a YAML list")
    claims, seen = [], set()
    for number, entry in enumerate(body, start=1):
        claim_id = entry.get("id", f"#{number}") if isinstance(entry, dict) else f"#{number}"
        try:
            claim = Claim.model_validate(entry)
        except ValidationError as exc:
            first = exc.errors()[0]
            field = ".".join(str(p) for p in first["loc"]) or None
            message = first["msg"].removeprefix("Value error, ")
            if first["type"] == "missing":
                message = "missing required field"
            raise InputError(path, f"claim {claim_id}: {message}", field=field) from None
        if claim.id in seen:
            raise InputError(path, f"claim {claim.id}: id appears twice", field="id")
        seen.add(claim.id)
        for selector in _selectors(claim):
            if selector.source not in project.sources:
                raise InputError(path, f"claim {claim.id}: unknown series {selector.source!r}", field="compute.args.source")
            if selector.indicator not in project.sources[selector.source].indicators:
                raise InputError(path, f"claim {claim.id}: series {selector.source} has no indicator {selector.indicator!r}",
                                 field="compute.args.indicator")
        if claim.compute and claim.compute.function == "convert":
            rate = claim.compute.args.get("rate")
            if rate not in project.settings.conversions:
                raise InputError(path, f"claim {claim.id}: unknown conversion {rate!r}", field="compute.args.rate")
        claims.append(claim)
    return claims


def claim_sources(claims: list[Claim]) -> set[str]:
    return {s.source for claim in claims for s in _selectors(claim)}


def _selectors(claim: Claim) -> list[Selector]:
    if claim.compute is None:
        return []
    names, _ = FUNCTIONS[claim.compute.function]
    out = [Selector.model_validate(claim.compute.args[n]) for n in names]
    out += [Selector.model_validate(s) for s in claim.compute.args.get("of", [])]
    return out


class Missing(Exception):
    """The data a claim needs are not in the project."""


def match(frames: Mapping[str, pd.DataFrame], selector: Selector) -> pd.DataFrame:
    frame = frames.get(selector.source)
    if frame is None:
        raise Missing(f"series {selector.source} is not built")
    keep = frame["indicator"] == selector.indicator
    if selector.entity is not None:
        keep &= frame["entity_code"] == selector.entity
    if selector.period is not None:
        keep &= frame["period"] == selector.period
    if selector.category is not None:
        keep &= frame["category"] == selector.category
    if selector.label is not None:
        keep &= frame["label"] == selector.label
    if selector.document is not None:
        keep &= frame["document"] == selector.document
    else:
        keep &= frame["preferred"]
    return frame[keep]


def one(frames: Mapping[str, pd.DataFrame], selector: Selector) -> float:
    rows = match(frames, selector)
    if rows.empty:
        raise Missing(f"no value for {selector.describe()}")
    if len(rows) > 1:
        raise ValueError(f"{len(rows)} rows match {selector.describe()}; add period, category or document")
    value = float(rows["value"].iloc[0])
    if math.isnan(value):
        raise Missing(f"value not available for {selector.describe()}")
    return value


def evaluate_compute(compute: Compute, frames: Mapping[str, pd.DataFrame], project: Project) -> float:
    args = compute.args
    s: Callable[[str], float] = lambda name: one(frames, Selector.model_validate(args[name]))  # noqa: E731
    fn = compute.function
    if fn == "value":
        return s("x")
    if fn == "ratio":
        return compare.ratio(s("numerator"), s("denominator")) * float(args.get("scale", 1))
    if fn == "share":
        return compare.share(s("part"), s("total"))
    if fn == "growth":
        return compare.growth(s("current"), s("previous"))
    if fn == "cagr":
        return compare.cagr(s("first"), s("last"), float(args["years"]))
    if fn == "difference":
        return compare.difference(s("a"), s("b"))
    if fn == "sum":
        return float(sum(one(frames, Selector.model_validate(x)) for x in args["of"]))
    if fn == "convert":
        return compare.convert(s("x"), project.settings.conversions[args["rate"]].value)
    if fn == "count":
        rows = match(frames, Selector.model_validate(args["rows"]))
        for field, wanted in (args.get("where") or {}).items():
            column = "entity_code" if field == "entity" else field
            rows = rows[rows[column] == wanted] if column != "value" else rows[rows["value"] == float(wanted)]
        return float(len(rows))
    if fn == "rank":
        rows = match(frames, Selector.model_validate(args["among"]))
        if rows.empty:
            raise Missing(f"no rows for {Selector.model_validate(args['among']).describe()}")
        return float(compare.rank(rows.set_index("entity_code")["value"], args["entity"]))
    raise AssertionError(fn)


def holds(computed: float, stated: float, tolerance: float, comparison: str) -> bool:
    if comparison == "==":
        return abs(computed - stated) <= tolerance + 1e-9
    return {">=": computed >= stated - 1e-9, "<=": computed <= stated + 1e-9, ">": computed > stated,
            "<": computed < stated}[comparison]


def evaluate(claims: list[Claim], frames: Mapping[str, pd.DataFrame], project: Project) -> pd.DataFrame:
    records = []
    for claim in claims:
        record = {"id": claim.id, "section": claim.section, "quote": claim.quote, "stated": claim.stated,
                  "comparison": claim.comparison, "tolerance": claim.tolerance, "unit": claim.unit,
                  "computed": math.nan, "difference": math.nan, "status": "", "detail": "",
                  "function": claim.compute.function if claim.compute else "",
                  "sources": ";".join(sorted({s.source for s in _selectors(claim)}))}
        if claim.compute is None:
            record.update(status="uncheckable", detail=f"missing: {claim.uncheckable}")
        else:
            try:
                value = evaluate_compute(claim.compute, frames, project)
            except Missing as exc:
                record.update(status="uncheckable", detail=f"missing: {exc}")
            except (ValueError, ZeroDivisionError, KeyError) as exc:
                raise InputError(project.root / "config" / "claims.yaml", f"claim {claim.id}: {exc}",
                                 field="compute") from None
            else:
                ok = holds(value, claim.stated, claim.tolerance, claim.comparison)
                record.update(computed=value, difference=value - claim.stated,
                              status="supported" if ok else "contradicted",
                              detail="" if ok else f"report says {claim.comparison} {claim.stated:g}, data give {value:.6g}")
        record["note"] = claim.note
        records.append(record)
    return pd.DataFrame(records)


def compare_vintages(current: pd.DataFrame, previous: pd.DataFrame) -> pd.DataFrame:
    """Claims whose status changed between two ledger runs (e.g. before and after a refresh)."""
    both = current[["id", "status", "computed"]].merge(previous[["id", "status", "computed"]], on="id",
                                                        how="outer", suffixes=("", "_previous"))
    changed = both[(both["status"] != both["status_previous"]) | ~(
        (both["computed"] - both["computed_previous"]).abs().fillna(0) < 1e-9)]
    return changed.reset_index(drop=True)


def to_markdown(ledger: pd.DataFrame, changes: pd.DataFrame | None = None) -> str:
    counts = ledger["status"].value_counts()
    lines = ["# Claims ledger", "",
             "Each numeric statement of the report, recomputed from the project's data. "
             "`supported`: within the stated rounding; `contradicted`: outside it; "
             "`uncheckable`: the data are not in the project.",
             "", " · ".join(f"{k}: {counts.get(k, 0)}" for k in ("supported", "contradicted", "uncheckable")), ""]
    if changes is not None and not changes.empty:
        lines += ["## Changed since the previous vintage", "", "| id | before | now |", "|---|---|---|"]
        for _, row in changes.iterrows():
            lines.append(f"| {row['id']} | {row['status_previous']} ({row['computed_previous']:.6g}) | "
                         f"{row['status']} ({row['computed']:.6g}) |")
        lines.append("")
    lines += ["| id | section | quote | stated | computed | status | detail |", "|---|---|---|---|---|---|---|"]
    for _, row in ledger.iterrows():
        computed = "" if pd.isna(row["computed"]) else f"{row['computed']:.6g}"
        quote = str(row["quote"]).replace("|", "\\|")
        lines.append(f"| {row['id']} | {row['section']} | {quote} | {row['comparison'].replace('==', '')} "
                     f"{row['stated']:g} {row['unit']} | {computed} | {row['status']} | {row['detail']} |")
    return "\n".join(lines) + "\n"


def write_ledger(project: Project, *, check: bool = False, previous: str | None = None,
                 frames: Mapping[str, pd.DataFrame] | None = None) -> pd.DataFrame:
    """Evaluate config/claims.yaml. With ``check``, compute straight from raw data and write nothing;
    otherwise read the processed tables and write figures/claims.csv and claims.md."""
    from techgap.io import write_csv, write_text
    from techgap.normalize import normalize_source

    claims = load_claims(project.root / "config" / "claims.yaml", project)
    sources = sorted(claim_sources(claims))
    if frames is None:
        if check:
            frames = {s: normalize_source(project, s) for s in sources}
        else:
            from techgap.layout import processed_path
            from techgap.provenance import resolve_vintage

            frames = {s: pd.read_parquet(processed_path(s, resolve_vintage(project.raw_dir, s, project.settings.vintages),
                                                        project.processed_dir)) for s in sources}
    ledger = evaluate(claims, frames, project)
    if check:
        return ledger
    changes = None
    if previous and Path(previous).exists():
        changes = compare_vintages(ledger, pd.read_csv(previous))
    else:
        earlier = previous_vintage_frames(project, sources, frames)
        if earlier is not None:
            changes = compare_vintages(ledger, evaluate(claims, earlier, project))
    write_csv(project.figures_dir / "claims.csv", ledger)
    write_text(project.figures_dir / "claims.md", to_markdown(ledger, changes))
    return ledger


def previous_vintage_frames(project: Project, sources: list[str],
                            frames: Mapping[str, pd.DataFrame]) -> dict[str, pd.DataFrame] | None:
    """The same tables with each source at the vintage before the one in use; None when no source
    has an earlier vintage (then there is nothing to compare)."""
    from techgap.normalize import normalize_source
    from techgap.provenance import list_vintages, resolve_vintage

    out, any_earlier = dict(frames), False
    for source_id in sources:
        current = resolve_vintage(project.raw_dir, source_id, project.settings.vintages)
        earlier = [v for v in list_vintages(project.raw_dir, source_id) if v < current]
        if earlier:
            out[source_id] = normalize_source(project, source_id, earlier[-1])
            any_earlier = True
    return out if any_earlier else None

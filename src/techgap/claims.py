"""The claims ledger: every numeric statement of the report, one verdict each.

A statement is a sentence (or table row) of the report, quoted verbatim; each number in it is a check.
A check names a computation (never code in YAML) on the release the report cites, and optionally the
same quantity in later releases. Verdicts, per check and per statement:

- supported: an independent source agrees with the report within its rounding;
- consistent: the number is checked only with computations that read some of the report's own numbers
  (documents whose id starts with ``ndc``), and they agree: the report's arithmetic holds, no other document
  confirms it;
- revised: the release the report cites agrees, a later release (or the newest vintage) differs;
- contradicted: the cited source, or every source found, disagrees;
- uncheckable: the data are not in the project (what is missing, and the document that would settle it).
"""

from __future__ import annotations

import math
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
from pydantic import Field, ValidationError, field_validator, model_validator

from techgap import compare, vocabulary
from techgap.config import Project, check_id, load_yaml
from techgap.errors import InputError
from techgap.escaping import markdown_text
from techgap.model import Strict

VERDICTS = tuple(vocabulary.VERDICTS)  # strongest evidence first
# A statement is as strong as its weakest checked part (one number it states): the first verdict of this order
# found among its parts is the statement's (uncheckable parts do not lower it; they are counted in `checked`).
STATEMENT_ORDER = ("contradicted", "revised", "consistent", "supported")
# Within one part, checks of the same number against several documents: a document other than the report that
# confirms it makes the part supported; an agreeing comparison with the report's own table (consistent) stays
# a check and never lowers it.
PART_ORDER = ("contradicted", "revised", "supported", "consistent")
SELF_REFERENCE_PREFIX = "ndc"  # document ids of the report itself (its text, tables and figure labels)


class Selector(Strict):
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
    "streak": (("rows",), ("threshold", "last")),
}


class Compute(Strict):
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

    def selectors(self) -> list[Selector]:
        names, _ = FUNCTIONS[self.function]
        out = [Selector.model_validate(self.args[n]) for n in names]
        return out + [Selector.model_validate(s) for s in self.args.get("of", [])]


class Today(Strict):
    """The statement's computation rerun for the newest period the project holds: what it would say today."""

    label: str
    compute: Compute


class Check(Strict):
    """One number of a statement."""

    id: str
    stated: float
    unit: str
    tolerance: float = Field(default=0.0, ge=0)
    comparison: Literal["==", ">=", "<=", ">", "<"] = "=="
    compute: Compute | None = None
    cited: str | None = None
    later: list[Compute] = Field(default_factory=list)
    today: Today | None = None
    uncheckable: str | None = None
    # which fact the number states, where two facts of one statement state the same number (first in foundry, first
    # in packaging): each is a part of its own
    fact: str = ""
    note: str = ""

    @field_validator("id")
    @classmethod
    def _id(cls, value: str) -> str:
        return check_id(value, "check id")

    @model_validator(mode="after")
    def _one_of(self) -> Check:
        checkable = self.compute is not None or bool(self.later)
        if checkable == (self.uncheckable is not None):
            raise ValueError("give either compute (or later) or uncheckable")
        if self.compute is None and self.later and not self.cited:
            raise ValueError("name the release the report cites (cited:) when only later releases are in the project")
        return self

    def computes(self) -> list[Compute]:
        out = [self.compute] if self.compute else []
        return out + list(self.later) + ([self.today.compute] if self.today else [])


class Statement(Strict):
    """One statement of the report (a sentence or a table row), quoted verbatim, with its checks."""

    id: str
    section: str
    page: int | None = None
    quote: str
    checks: list[Check] = Field(min_length=1)
    note: str = ""

    @field_validator("id")
    @classmethod
    def _id(cls, value: str) -> str:
        return check_id(value, "statement id")


def load_claims(path: str | Path, project: Project) -> list[Statement]:
    path = Path(path)
    body = load_yaml(path)
    if not isinstance(body, list):
        raise InputError(path, "claims file must be a YAML list of statements")
    statements: list[Statement] = []
    seen_statements: set[str] = set()
    seen_checks: set[str] = set()
    for number, entry in enumerate(body, start=1):
        statement_id = entry.get("id", f"#{number}") if isinstance(entry, dict) else f"#{number}"
        try:
            statement = Statement.model_validate(entry)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"]) or None
            message = first["msg"].removeprefix("Value error, ")
            if first["type"] == "missing":
                message = "missing required field"
            raise InputError(path, f"statement {statement_id}: {message}", field=where) from None
        if statement.id in seen_statements:
            raise InputError(path, f"statement {statement.id}: id appears twice", field="id")
        seen_statements.add(statement.id)
        for number, check in enumerate(statement.checks):
            if check.id in seen_checks:
                raise InputError(
                    path, f"statement {statement.id}: check id {check.id} appears twice", field=f"checks.{number}.id"
                )
            seen_checks.add(check.id)
        check_references(path, statement, project)
        statements.append(statement)
    return statements


def check_references(path: Path, statement: Statement, project: Project) -> None:
    """Every selector names a declared series and indicator; every conversion is configured."""
    for number, check in enumerate(statement.checks):
        where = f"checks.{number}.compute"
        for compute in check.computes():
            for selector in compute.selectors():
                if selector.source not in project.sources:
                    raise InputError(
                        path,
                        f"statement {statement.id}, check {check.id}: unknown series {selector.source!r}",
                        field=f"{where}.args.source",
                    )
                if selector.indicator not in project.sources[selector.source].indicators:
                    raise InputError(
                        path,
                        f"statement {statement.id}, check {check.id}: series {selector.source} has no "
                        f"indicator {selector.indicator!r}",
                        field=f"{where}.args.indicator",
                    )
            if compute.function == "convert" and compute.args.get("rate") not in project.settings.conversions:
                raise InputError(
                    path,
                    f"statement {statement.id}, check {check.id}: unknown conversion {compute.args.get('rate')!r}",
                    field=f"{where}.args.rate",
                )


def claim_sources(statements: list[Statement]) -> set[str]:
    return {s.source for statement in statements for s in _selectors(statement)}


def _selectors(statement: Statement) -> list[Selector]:
    """Every selector of every check of a statement (drift.py reports which statements a revision touches)."""
    return [s for check in statement.checks for compute in check.computes() for s in compute.selectors()]


Claim = Statement  # the name drift.py imports: a ledger entry is a statement


class Missing(Exception):
    """The data a check needs are not in the project."""


def match(frames: Mapping[str, pd.DataFrame], selector: Selector) -> pd.DataFrame:
    frame = frames.get(selector.source)
    if frame is None:
        raise Missing(f"series {selector.source} is not built")
    index = table_index(frame)
    positions = index.positions.get(selector.indicator, _NONE)
    for column, wanted in (
        ("entity_code", selector.entity),
        ("period", selector.period),
        ("category", selector.category),
        ("label", selector.label),
        ("document", selector.document),
    ):
        if wanted is not None:
            positions = positions[index.columns[column][positions] == wanted]
    if selector.document is None:
        positions = positions[index.columns["preferred"][positions]]
    return frame.iloc[positions]


_NONE = np.array([], dtype=np.intp)
_SELECTED_COLUMNS = ("entity_code", "period", "category", "label", "document")


@dataclass
class TableIndex:
    """A table's row positions by indicator, and the columns selectors compare, as plain arrays (missing
    values as None, which equals no selector value)."""

    frame: pd.DataFrame  # kept, so that the id a cached index is found by cannot be reused
    positions: dict[str, np.ndarray]
    columns: dict[str, np.ndarray]


# While a ledger is evaluated (its tables do not change), each table's index, by the table's id; None
# otherwise. A ledger run matches about 900 selectors against a few tables: masking whole pandas columns
# for each was most of its time.
_INDEXES: dict[int, TableIndex] | None = None


def table_index(frame: pd.DataFrame) -> TableIndex:
    cached = _INDEXES.get(id(frame)) if _INDEXES is not None else None
    if cached is not None and cached.frame is frame:
        return cached
    positions = frame.groupby("indicator", sort=False, dropna=False).indices  # {indicator: row positions}
    columns = {c: frame[c].to_numpy(dtype=object, na_value=None) for c in _SELECTED_COLUMNS if c in frame.columns}
    columns["preferred"] = frame["preferred"].to_numpy(dtype=bool, na_value=False)
    built = TableIndex(frame, {k: np.asarray(v, dtype=np.intp) for k, v in positions.items()}, columns)
    if _INDEXES is not None:
        _INDEXES[id(frame)] = built
    return built


def is_the_reports(document: str) -> bool:
    """Whether a document is the report itself (its id starts with ``ndc``)."""
    return document.startswith(SELF_REFERENCE_PREFIX)


@dataclass
class Computed:
    """A computation's value and the documents it was read from."""

    value: float
    documents: set[str] = field(default_factory=set)

    @property
    def self_referential(self) -> bool:
        """Whether the computation read any of the report's own numbers: its agreement then shows the report's
        arithmetic holds, not that another document confirms the number (fn3: NBS's RMB total over the report's
        own USD figure gives the report's exchange rate whatever the true rate)."""
        return any(map(is_the_reports, self.documents))

    def agreement(self) -> str:
        """The detail of a consistent verdict: only the report's numbers, or the report's beside others."""
        if all(map(is_the_reports, self.documents)):
            return "only the report's own numbers are in the project; they agree"
        return "computed with the report's own numbers beside another document's; they agree (no independent confirmation)"


def one(frames: Mapping[str, pd.DataFrame], selector: Selector, documents: set[str]) -> float:
    rows = match(frames, selector)
    if rows.empty:
        raise Missing(f"no value for {selector.describe()}")
    if len(rows) > 1:
        raise ValueError(f"{len(rows)} rows match {selector.describe()}; add period, category or document")
    value = float(rows["value"].iloc[0])
    if math.isnan(value):
        raise Missing(f"value not available for {selector.describe()}")
    documents.add(str(rows["document"].iloc[0]))
    return value


def evaluate_compute(compute: Compute, frames: Mapping[str, pd.DataFrame], project: Project) -> Computed:
    args, documents = compute.args, set()

    def s(name: str) -> float:
        return one(frames, Selector.model_validate(args[name]), documents)

    fn = compute.function
    if fn == "value":
        value = s("x")
    elif fn == "ratio":
        value = compare.ratio(s("numerator"), s("denominator")) * float(args.get("scale", 1))
    elif fn == "share":
        value = compare.share(s("part"), s("total"))
    elif fn == "growth":
        value = compare.growth(s("current"), s("previous"))
    elif fn == "cagr":
        value = compare.cagr(s("first"), s("last"), float(args["years"]))
    elif fn == "difference":
        value = compare.difference(s("a"), s("b"))
    elif fn == "sum":
        value = float(sum(one(frames, Selector.model_validate(x), documents) for x in args["of"]))
    elif fn == "convert":
        value = compare.convert(s("x"), project.settings.conversions[args["rate"]].value)
    elif fn == "count":
        rows = match(frames, Selector.model_validate(args["rows"]))
        for column_name, wanted in (args.get("where") or {}).items():
            column = "entity_code" if column_name == "entity" else column_name
            rows = rows[rows[column] == wanted] if column != "value" else rows[rows["value"] == float(wanted)]
        documents.update(rows["document"].astype(str))
        value = float(len(rows))
    elif fn == "streak":
        rows = match(frames, Selector.model_validate(args["rows"]))
        value = float(streak(rows.set_index("period")["value"], float(args["threshold"]), str(args["last"])))
        read = sorted((p for p in rows["period"] if p <= str(args["last"])), reverse=True)[: int(value) + 1]
        documents.update(rows.loc[rows["period"].isin(read), "document"].astype(str))
    elif fn == "rank":
        rows = match(frames, Selector.model_validate(args["among"]))
        if rows.empty:
            raise Missing(f"no rows for {Selector.model_validate(args['among']).describe()}")
        documents.update(rows["document"].astype(str))
        value = float(compare.rank(rows.set_index("entity_code")["value"], args["entity"]))
    else:
        raise AssertionError(fn)
    return Computed(value, documents)


def streak(values: pd.Series, threshold: float, last: str) -> int:
    """How many consecutive periods, counted back from ``last``, have a value of at least ``threshold``."""
    if last not in values.index:
        raise Missing(f"no value for period {last}")
    count = 0
    for period in sorted((p for p in values.index if p <= last), reverse=True):
        if values[period] < threshold:
            break
        count += 1
    return count


def holds(computed: float, stated: float, tolerance: float, comparison: str) -> bool:
    if comparison == "==":
        return abs(computed - stated) <= tolerance + 1e-9
    return {">=": computed >= stated - 1e-9, "<=": computed <= stated + 1e-9, ">": computed > stated, "<": computed < stated}[
        comparison
    ]


def probe_values(check: Check, computed: float) -> tuple[float, float]:
    """Two values the data could plausibly have given instead. An equality moves by 10 % of its size or 3 x its
    tolerance, whichever is larger; a bound (>=, <, ...) moves by its own size (anywhere between 0 and twice
    the value: a sign change breaks an ordering). Near 0, by 3 x the tolerance or 1."""
    size = max(abs(computed), abs(check.stated))
    if size == 0:
        delta = max(3 * check.tolerance, 1.0)
    elif check.comparison == "==":
        delta = max(0.1 * size, 3 * check.tolerance)
    else:
        delta = max(abs(computed), 3 * check.tolerance)
    return computed - delta, computed + delta


def can_fail(check: Check, computed: float) -> bool:
    """False for a vacuous check: one that no plausible value of the data would break."""
    return not all(holds(value, check.stated, check.tolerance, check.comparison) for value in probe_values(check, computed))


def vacuous_checks(statements: list[Statement], checks: pd.DataFrame) -> list[str]:
    """The ids of the checks that cannot fail (`can_fail`) at the value the data give them: the cited release's,
    else a later one's."""
    by_id = {c.id: c for s in statements for c in s.checks}
    values = checks["computed"].fillna(checks["later"])
    return [i for i, v in zip(checks["id"], values, strict=True) if not math.isnan(v) and not can_fail(by_id[i], v)]


def _evaluate_or_missing(compute: Compute, frames: Mapping[str, pd.DataFrame], project: Project, where: str) -> Computed | str:
    try:
        return evaluate_compute(compute, frames, project)
    except Missing as exc:
        return str(exc)
    except (ValueError, ZeroDivisionError, KeyError) as exc:
        raise InputError(project.root / "config" / "claims.yaml", f"{where}: {exc}", field="compute") from None


def judge_check(
    check: Check,
    statement: Statement,
    frames: Mapping[str, pd.DataFrame],
    project: Project,
    latest_frames: Mapping[str, pd.DataFrame] | None = None,
) -> dict[str, Any]:
    """One check's verdict: the cited release first, then later releases and the newest vintage."""
    record: dict[str, Any] = {
        "statement": statement.id,
        "id": check.id,
        "stated": check.stated,
        "comparison": check.comparison,
        "tolerance": check.tolerance,
        "unit": check.unit,
        "fact": check.fact,
        "computed": math.nan,
        "later": math.nan,
        "today": math.nan,
        "today_label": "",
        "status": "",
        "detail": "",
        "documents": "",
        "later_documents": "",
        "function": check.compute.function if check.compute else "",
        "sources": ";".join(sorted({s.source for c in check.computes() for s in c.selectors()})),
        "note": check.note,
    }
    if check.compute is not None and check.compute.function == "convert":  # the rate's own source, beside the check
        rate = project.settings.conversions[check.compute.args["rate"]]
        said = f"Converted at {rate.value:g} {rate.unit}: {rate.citation}"
        record["note"] = f"{check.note} {said}" if check.note else said
    where = f"statement {statement.id}, check {check.id}"
    if check.uncheckable is not None:
        record.update(status="uncheckable", detail=f"missing: {check.uncheckable}")
        return record
    if check.compute is None:
        return judge_later_only(check, record, frames, project, where)
    cited = _evaluate_or_missing(check.compute, frames, project, where)
    if isinstance(cited, str):
        record.update(status="uncheckable", detail=f"missing: {cited}")
        return record
    record.update(computed=cited.value, documents=";".join(sorted(cited.documents)))
    if latest_frames is not None:
        record.update(today_values(check, latest_frames, project, where))
    ok = holds(cited.value, check.stated, check.tolerance, check.comparison)
    if not ok:
        whose = "the report's own numbers disagree" if cited.self_referential else "the cited source disagrees"
        record.update(
            status="contradicted", detail=f"{whose}: report says {check.comparison} {check.stated:g}, data give {cited.value:.6g}"
        )
        return record
    revision = first_revision(check, cited, frames, project, where, latest_frames)
    if revision is not None:
        record.update(
            status="revised",
            later=revision.value,
            later_documents=";".join(sorted(revision.documents)),
            detail=f"the cited release gives {cited.value:.6g} (as the report says); a later release gives {revision.value:.6g}",
        )
    elif cited.self_referential:
        record.update(status="consistent", detail=cited.agreement())
    else:
        record.update(status="supported")
    return record


def today_values(check: Check, latest_frames: Mapping[str, pd.DataFrame], project: Project, where: str) -> dict[str, Any]:
    """What the sentence would say today: the check's own `today` computation where it has one, else its
    computation rolled forward to the newest years the data hold (nothing when they hold none newer)."""
    if check.today is not None:
        compute, label = check.today.compute, check.today.label
    elif check.compute is not None and (rolled := rolled_forward(check.compute, latest_frames)) is not None:
        compute, label = rolled
    else:
        return {}
    today = _evaluate_or_missing(compute, latest_frames, project, where)
    return {} if isinstance(today, str) else {"today": today.value, "today_label": label}


# Not `difference`: the ledger uses it for orderings among named entities (the US first, China second),
# which a later year can reorder; rolled forward it would answer a question the sentence did not ask.
ROLLABLE = {"value", "ratio", "share", "growth", "cagr", "convert", "sum"}


def rolled_forward(compute: Compute, frames: Mapping[str, pd.DataFrame]) -> tuple[Compute, str] | None:
    """The computation with every selector's year moved forward by the same number of years, as far as all
    of its series reach in `frames` (a growth rate stays a one-year growth rate, a ratio compares the same
    year). Document pins are dropped: today is the preferred value of the newest data. None when a selector
    has no year, or no later year is held for all of them."""
    if compute.function not in ROLLABLE:
        return None
    names, _ = FUNCTIONS[compute.function]
    slots = [(name, None) for name in names] + [("of", i) for i in range(len(compute.args.get("of", [])))]
    selectors = [Selector.model_validate(compute.args[n] if i is None else compute.args[n][i]) for n, i in slots]
    if not selectors or not all(s.period is not None and re.fullmatch(r"\d{4}", s.period) for s in selectors):
        return None
    held = [_years_held(frames, s) for s in selectors]
    shifts = set.intersection(*({year - int(s.period) for year in years} for s, years in zip(selectors, held, strict=True)))
    forward = [shift for shift in shifts if shift > 0]
    if not forward:
        return None
    shift = max(forward)
    args = dict(compute.args)
    for (name, index), selector in zip(slots, selectors, strict=True):
        moved = selector.model_copy(update={"period": str(int(selector.period) + shift), "document": None})
        body = moved.model_dump(exclude_none=True)
        if index is None:
            args[name] = body
        else:
            args[name] = [*args[name][:index], body, *args[name][index + 1 :]]
    periods = sorted({str(int(s.period) + shift) for s in selectors})
    return Compute(function=compute.function, args=args), " vs ".join(reversed(periods))


def _years_held(frames: Mapping[str, pd.DataFrame], selector: Selector) -> set[int]:
    try:
        rows = match(frames, selector.model_copy(update={"period": None, "document": None}))
    except Missing:
        return set()
    rows = rows[rows["period"].astype(str).str.fullmatch(r"\d{4}") & rows["value"].notna()]
    return {int(p) for p in rows["period"]}


def judge_later_only(
    check: Check, record: dict[str, Any], frames: Mapping[str, pd.DataFrame], project: Project, where: str
) -> dict[str, Any]:
    """The release the report cites is not in the project, only later ones: agreement there supports the
    number; a difference leaves it unchecked (a revision or an error: only the cited release would settle it)."""
    values = [v for v in (_evaluate_or_missing(c, frames, project, where) for c in check.later) if not isinstance(v, str)]
    if not values:
        record.update(status="uncheckable", detail=f"missing: {check.cited} (and no later release holds the value)")
        return record
    differing = [v for v in values if not holds(v.value, check.stated, check.tolerance, check.comparison)]
    shown = differing[0] if differing else values[0]
    record.update(later=shown.value, later_documents=";".join(sorted(shown.documents)))
    if differing:  # not "revised": no release the project holds gives the report's number
        record.update(
            status="uncheckable",
            detail=f"the cited release ({check.cited}) is not in the project, so no document shows the report's "
            f"{check.stated:g}; a later release gives {shown.value:.6g}",
        )
    elif all(v.self_referential for v in values):
        record.update(status="consistent", detail=values[0].agreement())
    else:
        record.update(status="supported", detail=f"a later release agrees (the cited one, {check.cited}, is not in the project)")
    return record


def first_revision(
    check: Check,
    cited: Computed,
    frames: Mapping[str, pd.DataFrame],
    project: Project,
    where: str,
    latest_frames: Mapping[str, pd.DataFrame] | None,
) -> Computed | None:
    """The first later value (a later release named in `later`, then the cited computation on the newest
    vintage) that the report's number no longer matches; None when every later value still agrees."""
    candidates = [(compute, frames) for compute in check.later]
    if latest_frames is not None and check.compute is not None:
        candidates.append((check.compute, latest_frames))
    for compute, source_frames in candidates:
        later = _evaluate_or_missing(compute, source_frames, project, where)
        if isinstance(later, str) or later.self_referential:
            continue
        if not holds(later.value, check.stated, check.tolerance, check.comparison):
            return later
    return None


def part_verdict(statuses: list[str]) -> str:
    """The verdict of one number a statement states, from the checks of that number."""
    return next((verdict for verdict in PART_ORDER if verdict in statuses), "uncheckable")


PART = ["stated", "unit", "fact"]  # a part of a statement: the checks of one number it states, of one fact


def part_verdicts(checks: pd.DataFrame | list[dict[str, Any]]) -> dict[tuple[float, str, str], str]:
    """The verdict of each part of a statement, by (stated, unit, fact), from its checks' rows (a frame or records)."""
    records = checks.to_dict("records") if isinstance(checks, pd.DataFrame) else checks
    statuses: dict[tuple[float, str, str], list[str]] = {}
    for check in records:
        statuses.setdefault(part_key(check), []).append(check["status"])
    return {key: part_verdict(found) for key, found in statuses.items()}


def part_key(check: Mapping[str, Any]) -> tuple[float, str, str]:
    """The part a check belongs to: (stated, unit, fact)."""
    return tuple(check[column] for column in PART)


def part_name(stated: float, unit: str, fact: str) -> str:
    """How a detail names a part: '1 rank', or '1 rank (packaging)' where the fact tells two alike apart."""
    return f"{stated:g} {unit}" + (f" ({fact})" if fact else "")


def weakest_part(parts: Collection[str]) -> str:
    """A statement is as strong as its weakest checked part; uncheckable only if every part is."""
    return next((verdict for verdict in STATEMENT_ORDER if verdict in parts), "uncheckable")


def evaluate_checks(
    statements: list[Statement],
    frames: Mapping[str, pd.DataFrame],
    project: Project,
    latest_frames: Mapping[str, pd.DataFrame] | None = None,
) -> pd.DataFrame:
    """One row per check."""
    global _INDEXES
    _INDEXES = {}
    try:
        records = [
            judge_check(check, statement, frames, project, latest_frames)
            for statement in statements
            for check in statement.checks
        ]
    finally:
        _INDEXES = None
    return pd.DataFrame(records, columns=CHECK_COLUMNS)


CHECK_COLUMNS = [
    "statement",
    "id",
    "stated",
    "comparison",
    "tolerance",
    "unit",
    "fact",
    "computed",
    "later",
    "today",
    "today_label",
    "status",
    "detail",
    "documents",
    "later_documents",
    "function",
    "sources",
    "note",
]
STATEMENT_COLUMNS = [
    "id",
    "section",
    "page",
    "quote",
    "status",
    "checks",
    "checked",
    "stated",
    "comparison",
    "unit",
    "computed",
    "later",
    "today",
    "today_label",
    "documents",
    "detail",
    "note",
]


def summarize_statements(statements: list[Statement], checks: pd.DataFrame) -> pd.DataFrame:
    """One row per statement: its verdict, and the numbers of the check that decided it."""
    by_statement: dict[str, list[dict[str, Any]]] = {}
    for check in checks.to_dict("records"):  # plain records: a few hundred small groups, where pandas is slow
        by_statement.setdefault(check["statement"], []).append(check)
    records = []
    for statement in statements:
        rows = by_statement[statement.id]
        parts = part_verdicts(rows)
        verdict = weakest_part(parts.values())
        # the check that decided: one of the weakest part's own (a part's other checks may say less than the part)
        deciding = next(row for row in rows if row["status"] == verdict and parts[part_key(row)] == verdict)
        checked = sum(row["status"] != "uncheckable" for row in rows)
        detail = deciding["detail"]
        if len(parts) > 1 and verdict != "uncheckable" and detail:
            detail = f"{part_name(deciding['stated'], deciding['unit'], deciding['fact'])}: {detail}"
        unchecked = [key for key, part in parts.items() if part == "uncheckable"]
        if 0 < len(unchecked) < len(parts):
            # name the numbers no check could test, so a verdict on the other parts is not read as covering them (a
            # number another check confirms is checked, however many of its checks lack data)
            numbers = ", ".join(part_name(*key) for key in unchecked)
            detail = (detail + "; " if detail else "") + f"{len(unchecked)} of {len(parts)} parts unchecked ({numbers})"
        records.append(
            {
                "id": statement.id,
                "section": statement.section,
                "page": statement.page,
                "quote": statement.quote,
                "status": verdict,
                "checks": len(rows),
                "checked": checked,
                "stated": deciding["stated"],
                "comparison": deciding["comparison"],
                "unit": deciding["unit"],
                "computed": deciding["computed"],
                "later": deciding["later"],
                "today": deciding["today"],
                "today_label": deciding["today_label"],
                "documents": deciding["documents"],
                "detail": detail,
                "note": statement.note,
            }
        )
    return pd.DataFrame(records, columns=STATEMENT_COLUMNS)


def evaluate(
    statements: list[Statement],
    frames: Mapping[str, pd.DataFrame],
    project: Project,
    latest_frames: Mapping[str, pd.DataFrame] | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(statements, checks): the ledger at statement level and at check level."""
    checks = evaluate_checks(statements, frames, project, latest_frames)
    return summarize_statements(statements, checks), checks


def compare_vintages(current: pd.DataFrame, previous: pd.DataFrame) -> pd.DataFrame:
    """Checks whose verdict changed, or whose computed value moved by more than the check's tolerance,
    between two ledger runs (check-level tables, e.g. before and after a refresh)."""
    both = current[["statement", "id", "status", "computed", "tolerance"]].merge(
        previous[["id", "status", "computed"]], on="id", how="outer", suffixes=("", "_previous")
    )
    moved = (both["computed"] - both["computed_previous"]).abs() > both["tolerance"].fillna(0) + 1e-9
    appeared = both["computed"].isna() != both["computed_previous"].isna()
    changed = both[(both["status"] != both["status_previous"]) | moved | appeared]
    return changed.reset_index(drop=True)


def summary_line(statements: pd.DataFrame) -> str:
    counts = statements["status"].value_counts()
    words = (f"{term.en}: {counts.get(key, 0)}" for key, term in vocabulary.VERDICTS.items())  # as every page words them
    return f"{len(statements)} statements — " + " · ".join(words)


def to_markdown(statements: pd.DataFrame, changes: pd.DataFrame | None = None) -> str:
    lines = [
        "# Claims ledger",
        "",
        "Each numeric statement of the report, one verdict per statement (its numbers are checked one by "
        "one in claims_checks.csv). "
        + "; ".join(f"`{term.en}` (status `{key}`): {term.meaning}" for key, term in vocabulary.VERDICTS.items())
        + ".",
        "",
        summary_line(statements),
        "",
    ]
    if changes is not None and not changes.empty:
        lines += ["## Changed since the previous vintage", "", "| statement | check | before | now |", "|---|---|---|---|"]
        for _, row in changes.iterrows():
            lines.append(
                f"| {row['statement']} | {row['id']} | {row['status_previous']} ({_number(row['computed_previous'])}) | "
                f"{row['status']} ({_number(row['computed'])}) |"
            )
        lines.append("")
    lines += ["| id | section | quote | stated | computed | later | status | detail |", "|---|---|---|---|---|---|---|---|"]
    for _, row in statements.iterrows():  # text from claims.yaml escaped: no HTML, link or extra cell from a quote
        section, quote, unit = (markdown_text(row[column]) for column in ("section", "quote", "unit"))
        lines.append(
            f"| {row['id']} | {section} | {quote} | {row['comparison'].replace('==', '')} "
            f"{row['stated']:g} {unit} | {_number(row['computed'])} | {_number(row['later'])} | "
            f"{row['status']} | {markdown_text(str(row['detail']).replace('|', '/'))} |"
        )
    return "\n".join(lines) + "\n"


def _number(value: object) -> str:
    return "" if value is None or pd.isna(value) else f"{float(value):.6g}"


Tables = dict[tuple[str, str], pd.DataFrame]  # (source, vintage) -> long table, see normalize.normalized_table


def ledger_frames(
    project: Project, sources: list[str], *, newest: bool = False, tables: Tables | None = None
) -> dict[str, pd.DataFrame]:
    """Each source's long table: at the vintage the report edition is pinned to (the releases that
    match the report), or at the newest one the latest edition reads."""
    from techgap.normalize import normalized_table
    from techgap.provenance import check_report_pin, resolve_vintage

    pins = project.settings.report_pins() if not newest else project.settings.vintages
    vintages = {s: resolve_vintage(project.raw_dir, s, pins) for s in sources}
    for source_id, vintage in vintages.items():
        if not newest and source_id in pins:
            check_report_pin(project.raw_dir, source_id, vintage, project.settings.report_vintages[source_id].sha256)
    return {s: normalized_table(project, s, v, tables) for s, v in vintages.items()}


def previous_vintage_frames(
    project: Project, sources: list[str], frames: Mapping[str, pd.DataFrame], tables: Tables | None = None
) -> dict[str, pd.DataFrame] | None:
    """The same tables with each source at the vintage before the one in use; None when no source
    has an earlier vintage (then there is nothing to compare)."""
    from techgap.normalize import normalized_table
    from techgap.provenance import list_vintages, resolve_vintage

    out, any_earlier = dict(frames), False
    for source_id in sources:
        current = resolve_vintage(project.raw_dir, source_id, project.settings.vintages)
        earlier = [v for v in list_vintages(project.raw_dir, source_id) if v < current]
        if earlier:
            out[source_id] = normalized_table(project, source_id, earlier[-1], tables)
            any_earlier = True
    return out if any_earlier else None


@dataclass
class Ledger:
    statements: pd.DataFrame
    checks: pd.DataFrame
    changes: pd.DataFrame | None = None


def build_ledger(
    project: Project,
    *,
    frames: Mapping[str, pd.DataFrame] | None = None,
    latest_frames: Mapping[str, pd.DataFrame] | None = None,
    previous: str | Path | None = None,
    against_previous_vintage: bool = False,
    tables: Tables | None = None,
) -> Ledger:
    """Evaluate config/claims.yaml; with ``previous`` (an earlier claims_checks.csv) or
    ``against_previous_vintage``, also list the checks that changed. Writes nothing. ``tables``:
    the long tables a one-process build has made so far (normalize.normalized_table)."""
    statements = load_claims(project.root / "config" / "claims.yaml", project)
    sources = sorted(claim_sources(statements))
    tables = {} if tables is None else tables  # the report's and the newest vintage are often the same one
    frames = frames if frames is not None else ledger_frames(project, sources, tables=tables)
    if latest_frames is None:
        latest_frames = ledger_frames(project, sources, newest=True, tables=tables)
    summary, checks = evaluate(statements, frames, project, latest_frames)
    # A check no plausible value would break says nothing about the report: refused, so an analyst's edit of
    # config/claims.yaml that makes one is caught by the build, not only by the tests.
    vacuous = vacuous_checks(statements, checks)
    if vacuous:
        raise InputError(
            project.root / "config" / "claims.yaml",
            f"check {', '.join(vacuous)} cannot fail: no plausible value of the data would break it",
            field="checks",
            expected="a stated value, comparison and tolerance the data could contradict (not `<= 10` for a rank of 4)",
        )
    changes = None
    if previous is not None:
        if not Path(previous).exists():
            raise InputError(Path(previous), "no such earlier ledger", expected="a claims_checks.csv written by techgap")
        changes = compare_vintages(checks, pd.read_csv(previous))
    elif against_previous_vintage:
        earlier = previous_vintage_frames(project, sources, frames, tables)
        if earlier is not None:
            changes = compare_vintages(checks, evaluate_checks(statements, earlier, project))
        else:
            changes = checks.iloc[0:0].assign(status_previous="", computed_previous=math.nan)
    return Ledger(summary, checks, changes)


def write_ledger(project: Project, ledger: Ledger) -> None:
    """figures/claims.csv (one row per statement), claims_checks.csv (one per check) and claims.md."""
    from techgap.io import write_csv, write_text

    write_csv(project.figures_dir / "claims.csv", ledger.statements)
    write_csv(project.figures_dir / "claims_checks.csv", ledger.checks)
    write_text(project.figures_dir / "claims.md", to_markdown(ledger.statements, ledger.changes))

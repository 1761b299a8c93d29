"""Chart kinds: what each kind of figure or table accepts in an item's `spec:` (config/items.yaml), as one
pydantic model per kind. A key a kind does not define is refused with the item, the key and the nearest valid
key; every value is typed. The models are the registry: the list of kinds, the keys of a data selection and
the table of kinds and keys in docs/figures.md all come from them (`techgap kinds` writes that table).

Any value may differ per edition, written as an edition switch `{report: A, latest: B}`; a text may also
follow whether a source has a vintage yet, `{if_source: S, then: A, else: B}`. Each edition's resolved spec
is validated against the kind's model (see techgap.editions), and drawing reads the typed result.

Light on purpose (pydantic only): config loading validates specs without importing pandas or matplotlib."""

from __future__ import annotations

import difflib
import re
import string
from typing import Annotated, Any, ClassVar, Literal

from pydantic import AfterValidator, BeforeValidator, Field, field_validator, model_validator

from techgap import periods as period_grammar
from techgap.model import Bilingual, Strict


def _as_text(value: object) -> object:
    """YAML reads 2021 as a number; periods, categories and labels are text."""
    return str(value) if isinstance(value, int | float) and not isinstance(value, bool) else value


def _as_list(value: object) -> object:
    return [value] if isinstance(value, str | int | float) and not isinstance(value, bool) else value


Text = Annotated[str, BeforeValidator(_as_text)]
TextList = Annotated[list[Text], BeforeValidator(_as_list)]


def _period_or_token(value: str) -> str:
    if period_grammar.LATEST.match(value) or period_grammar.problem(value) is None:
        return value
    raise ValueError(f"{value!r} is not a period or latest/latest-Ny ({period_grammar.WRITTEN}, latest, latest-1y)")


Period = Text


def _number_format(value: str) -> str:
    """A Python format with one field, the number, and literal text around it ("{:,.1f}", "{:g}%"): a format may
    not name a field or attribute (it would reach into the value's object) and it must write a number."""
    try:
        fields = [(name, spec, conversion) for _, name, spec, conversion in string.Formatter().parse(value) if name is not None]
    except ValueError as exc:  # "{:,.1f": unmatched '{'
        raise ValueError(f"format {value!r}: {exc}") from None
    if len(fields) != 1 or fields[0][0] not in ("", "0") or fields[0][2] or "{" in fields[0][1]:
        raise ValueError(
            f"format {value!r} must hold exactly one field, the number, unnamed: e.g. '{{:,.1f}}' or '{{:g}}%' "
            "(not '{name}', '{0.attribute}', '{!r}' or two fields)"
        )
    if re.search(r"\d{3,}", fields[0][1]):  # a width or precision of hundreds of characters is a typo
        raise ValueError(f"format {value!r}: a width or precision of 100 or more")
    try:
        value.format(1234.5)
    except (ValueError, TypeError) as exc:
        raise ValueError(f"format {value!r} does not write a number: {exc}") from None
    return value


NumberFormat = Annotated[str, AfterValidator(_number_format)]


# --- data selections, derived series, facts ---------------------------------------------------------------


class PeriodRange(Strict):
    """Periods whose first year lies in [from, to]; `to: latest` is the newest year the data hold."""

    first: int = Field(alias="from")
    last: int | Literal["latest"] = Field(alias="to")

    @model_validator(mode="after")
    def _forwards(self) -> PeriodRange:
        if self.last != "latest" and self.first > self.last:
            raise ValueError(f"period range runs backwards: from {self.first} to {self.last}")
        return self


class NewestPeriods(Strict):
    """The N newest periods the selection has (`{latest: 4}`)."""

    latest: int = Field(ge=1)


class Selection(Strict):
    """Rows of one source an item draws."""

    source: str = Field(description="the source (a key of config/sources.yaml) whose rows are selected")
    indicator: TextList = Field(description="one indicator of the source, or a list")
    entities: list[str] | None = Field(default=None, description="entity codes (config/entities.yaml); all when absent")
    periods: list[Period] | PeriodRange | NewestPeriods | None = Field(
        default=None,
        description="a list of periods (`latest`, `latest-1y` allowed), `{from: YYYY, to: YYYY | latest}` or `{latest: N}`",
    )
    category: TextList | None = Field(default=None, description="the category or categories of the rows")
    document: TextList | None = Field(
        default=None, description="only rows of these documents; `newest`: the document published last"
    )
    published_by: str | None = Field(
        default=None,
        pattern=r"^\d{4}(-\d{2}(-\d{2})?)?$",
        description="only rows of documents published by this date (YYYY, YYYY-MM or YYYY-MM-DD; undated ones are left "
        "out): what the report's authors could have read",
    )
    preferred_only: bool = Field(default=True, description="only the preferred document's value where documents disagree")
    period_shape: list[Literal[tuple(period_grammar.SHAPES)]] | None = Field(  # type: ignore[valid-type]
        default=None, description="only periods of these shapes (year, quarter, forecast, ...)"
    )
    min_coverage: float = Field(
        default=0.5, gt=0, le=1, description="`latest` moves to a period once this share of the entities has it"
    )
    optional: bool = Field(default=False, description="skipped while the source has no vintage (an API source)")
    unless_source: str | None = Field(default=None, description="skipped once this source has a vintage")
    editions: list[Literal["report", "latest"]] | None = Field(default=None, description="only in these editions")

    @field_validator("period_shape", mode="before")
    @classmethod
    def _shapes(cls, value: object) -> object:
        return _as_list(value)

    @field_validator("periods")
    @classmethod
    def _periods(cls, value: object) -> object:
        if isinstance(value, list):
            for period in value:
                _period_or_token(period)
        return value


class Step(Strict):
    """What every derive step may say: what a reader calls the indicator it makes."""

    label: Bilingual | None = Field(default=None, description="the new indicator as a reader calls it (the page's lists)")


class YoyStep(Step):
    """Year-on-year growth (%) of an indicator, added beside its levels."""

    yoy: str = Field(description="the indicator whose growth is computed")
    name: str = Field(alias="as", description="the new indicator's name")


class ShareStep(Step):
    """Each entity's value as a percentage of the `of` entity's (the total), replacing the values."""

    share: str = Field(description="the indicator divided")
    of: str = Field(description="the entity that is the total (not drawn)")
    name: str = Field(alias="as", description="the new indicator's name")


class ChangeStep(Step):
    """The newest period's value minus the `from` period's, in percentage points."""

    change: str = Field(description="the indicator whose change is computed")
    base: Period = Field(alias="from", description="the period the change is measured from")
    name: str = Field(alias="as", description="the new indicator's name")


class ScaleStep(Step):
    """The values times `factor`, in `unit`."""

    scale: str = Field(description="the indicator scaled")
    factor: float = Field(description="the factor (1e-9: USD to USD billion)")
    unit: str = Field(description="the new unit")
    name: str = Field(alias="as", description="the new indicator's name")


DeriveStep = YoyStep | ShareStep | ChangeStep | ScaleStep


class RequireComplete(Strict):
    """A yearly series the figure needs whole: a missing year is bad input."""

    entity: str = Field(description="the entity code")
    indicator: str = Field(description="the indicator")
    first: int = Field(alias="from", description="the first year")
    last: int | Literal["latest"] = Field(alias="to", description="the last year; `latest`: the newest the data hold")


class Fact(Strict):
    """One value a text names (`{name}` in a note, subtitle or status reason), selected from the data."""

    source: str | None = Field(default=None, description="a source of the item to read (default: the rows the item draws)")
    indicator: str | None = Field(default=None, description="narrows the rows to one indicator")
    entity: str | None = Field(default=None, description="narrows the rows to one entity code")
    period: Text | None = Field(default=None, description="narrows the rows to one period; `latest`: the newest")
    category: Text | None = Field(default=None, description="narrows the rows to one category")
    document: str | None = Field(default=None, description="narrows the rows to one document (else the preferred one)")
    format: NumberFormat = Field(default="{:g}", description="how the value is written, a Python format")
    scale: float = Field(default=1.0, description="the value times this before it is written")


class Panel(Strict):
    """One panel: the indicator (or category) it draws and its title."""

    indicator: str = Field(description="the indicator (or category) the panel draws")
    title: Bilingual = Field(description="the panel's title")


# --- the kinds -------------------------------------------------------------------------------------------------


class ChartSpec(Strict):
    """Keys every kind accepts."""

    kind: ClassVar[str]
    output: ClassVar[Literal["figure", "table"]]

    note: Bilingual | None = Field(default=None, description="a note under the source line; may name {facts}")
    subtitle: Bilingual | None = Field(default=None, description="the measure and unit under the title; may name {facts}")


class DataSpec(ChartSpec):
    """Kinds that draw selected rows."""

    data: list[Selection] = Field(default_factory=list, description="the rows drawn (see Selection)")
    derive: list[DeriveStep] = Field(default_factory=list, description="series computed from the rows: yoy, share, change, scale")
    require_complete: list[RequireComplete] = Field(default_factory=list, description="yearly series that must have no gap")


class FigureSpec(DataSpec):
    output: ClassVar[Literal["figure", "table"]] = "figure"

    ylabel: Bilingual | None = Field(default=None, description="the value axis's measure (the subtitle when none is given)")
    width: float = Field(default=8.0, gt=0, le=9.3, description="the figure's width in inches (at most 9.3)")
    format: NumberFormat = Field(default="{:g}", description="how value labels are written, a Python format")


class LineSpec(FigureSpec):
    """One line per entity over periods; a missing year is a gap in the line."""

    kind: ClassVar[str] = "line"
    format: NumberFormat = Field(default="{:.2f}", description="how value labels are written, a Python format")
    entities: list[str] = Field(default_factory=list, description="the order of the lines and the legend")
    source_marks: dict[str, Bilingual] = Field(
        default_factory=dict, description="points from another source (key) marked with a square and this legend entry"
    )
    ymin: float | None = Field(default=None, description="the value axis's lower limit (never above a value)")


class BarLineSpec(FigureSpec):
    """A level as bars above and its growth or intensity as a line below, sharing the period axis."""

    kind: ClassVar[str] = "bar_line"
    format: NumberFormat = Field(default="{:,.0f}", description="how the bars' value labels are written")
    bar_indicator: str = Field(description="the indicator drawn as bars")
    line_indicator: str = Field(description="the indicator drawn as a line")
    bar_label: Bilingual = Field(description="the bar panel's title")
    line_label: Bilingual = Field(description="the line panel's title")


class MeasurePanelsSpec(FigureSpec):
    """What a bar chart of several measures needs: each measure in panels of its own, labelled and written its way."""

    measure_labels: dict[str, Bilingual] | None = Field(
        default=None, description="indicator -> label: two measures are drawn in panels of their own, never as one series"
    )
    measure_formats: dict[str, NumberFormat] = Field(
        default_factory=dict, description="indicator -> how its value labels are written in its panels (else `format`)"
    )
    document_notes: dict[str, Bilingual] = Field(
        default_factory=dict,
        description="document -> what its rows are (the ranks an excerpt holds), added to a panel title drawn from it alone",
    )


class GroupedBarSpec(MeasurePanelsSpec):
    """Bars grouped by period, entity or category; lines or panels where the data call for them."""

    kind: ClassVar[str] = "grouped_bar"
    x: Literal["period", "entity", "category"] = Field(default="period", description="what the groups along the x axis are")
    entities: list[str] = Field(default_factory=list, description="the order of entities")


LabelField = Literal["entity", "label", "period", "indicator"]


class RankedBarSpec(MeasurePanelsSpec):
    """Entities sorted by value, largest first; horizontal when many or long."""

    kind: ClassVar[str] = "ranked_bar"
    horizontal: bool = Field(default=False, description="horizontal bars whatever the labels' length")
    label_field: LabelField = Field(default="entity", description="what labels each bar")
    labels: dict[str, Bilingual] = Field(default_factory=dict, description="indicator -> label (label_field: indicator)")


class RangeBar(Strict):
    """A range a source states ("10-20 years"): its two ends are two indicators, drawn as one bar between them."""

    low: str = Field(description="the indicator that holds the range's low end")
    high: str = Field(description="the indicator that holds the range's high end")
    label: Bilingual = Field(description="the bar's label")


class IndicatorBarsSpec(FigureSpec):
    """Horizontal bars, one per row (a handful of stated facts); one row is a table."""

    kind: ClassVar[str] = "indicator_bars"
    label_field: LabelField = Field(default="indicator", description="what labels each bar")
    labels: dict[str, Bilingual] = Field(default_factory=dict, description="indicator -> label (label_field: indicator)")
    ranges: list[RangeBar] = Field(
        default_factory=list,
        description="pairs of indicators that are the two ends of one range, drawn as one bar from low to high",
    )


class BarPanelsSpec(FigureSpec):
    """One horizontal bar panel per indicator, stacked, entities sorted by value."""

    kind: ClassVar[str] = "bar_panels"
    panels: list[Panel] = Field(min_length=1, description="the panels, top to bottom")


class PanelsSpec(FigureSpec):
    """Side-by-side panels, one row per entity, one bar per period."""

    kind: ClassVar[str] = "panels"
    panels: list[Panel] = Field(min_length=1, description="the panels, left to right")
    panel_field: Literal["indicator", "category"] = Field(default="indicator", description="what a panel's `indicator` names")
    periods: list[Period] | None = Field(default=None, description="the periods, in order (all the rows hold when absent)")
    entities: list[str] = Field(default_factory=list, description="the order of the rows")
    series_labels: dict[str, Bilingual] = Field(default_factory=dict, description="period -> legend label")


class TableSpec(DataSpec):
    output: ClassVar[Literal["figure", "table"]] = "table"

    unit_line: Bilingual | None = Field(default=None, description="the unit line under the title")


class RankShareTableSpec(TableSpec):
    """Rank, holder and share."""

    kind: ClassVar[str] = "table_rank_share"
    rank_indicator: str = Field(description="the indicator that holds each holder's rank")
    value_indicator: str = Field(description="the indicator that holds each holder's share (%)")


class WindowsTableSpec(TableSpec):
    """Rank, country, count and share per 3-year window, windows side by side."""

    kind: ClassVar[str] = "table_windows"
    windows: list[Period] = Field(min_length=1, description="the windows (e.g. 2019-2021), left to right")
    rank_indicator: str = Field(description="the indicator that holds each country's rank")
    count_indicator: str = Field(description="the indicator that holds each country's count")
    share_indicator: str = Field(description="the indicator that holds each country's share (%)")


class YoyTableSpec(TableSpec):
    """Two periods side by side and the year-on-year change, computed."""

    kind: ClassVar[str] = "table_yoy"
    current: Period = Field(description="the newer period (`latest` allowed)")
    previous: Period = Field(description="the older period (`latest-1y` allowed)")
    value_indicator: str = Field(description="the indicator compared")
    entities: list[str] = Field(min_length=1, description="the rows, in order")

    @field_validator("current", "previous")
    @classmethod
    def _period(cls, value: str) -> str:
        return _period_or_token(value)


class MatrixTableSpec(TableSpec):
    """Counts by category (rows) and entity (columns), with a bracketed second count."""

    kind: ClassVar[str] = "table_matrix"
    value_indicator: str = Field(description="the count in each cell")
    bracket_indicator: str = Field(description="the second count, shown in brackets")
    entities: list[str] = Field(min_length=1, description="the columns, in order")


class TechTableSpec(TableSpec):
    """Technologies by domain with the leading country and the monopoly risk."""

    kind: ClassVar[str] = "table_tech"
    leader_indicator: str = Field(description="the indicator whose rows name the leading country per technology")
    risk_indicator: str = Field(description="the indicator that holds the monopoly risk (1 low to 3 high)")
    domains_en: dict[str, str] = Field(default_factory=dict, description="domain (as in the data) -> English name")


class TimelineTableSpec(TableSpec):
    """Dated events with the number of entities each names."""

    kind: ClassVar[str] = "table_timeline"
    event_indicator: str = Field(description="the indicator whose rows are the events (label: what happened)")
    count_indicator: str = Field(description="the indicator that holds how many entities an event names")


# --- techgap's gap analysis ----------------------------------------------------------------------------------


class SeriesSpec(Strict):
    """Where a pair's values come from. `indicator` may list several (the same measure in different units such
    as USD billion and USD million): per period the first listed indicator that has both values is used."""

    source: str
    indicator: TextList
    category: str | None = None


class PairSpec(Strict):
    id: str
    label: Bilingual
    measure: Bilingual
    basis: Bilingual
    china: str = "CHN"
    comparator: str
    series: list[SeriesSpec] = Field(min_length=1)
    period_kind: Literal[period_grammar.TIMED_SHAPES] | None = None  # type: ignore[valid-type]


class BreakSpec(Strict):
    source: str
    indicator: str
    period: Period
    why: Bilingual


class LeftOutSpec(Strict):
    """A pair that cannot be formed from any data the project could hold (a definitional reason)."""

    id: str
    label: Bilingual
    comparator: str
    sources: list[str]
    why: Bilingual


class GapSettings(Strict):
    window: int = Field(default=10, ge=5, le=30)
    min_points: int = Field(default=5, ge=5)
    horizon_years: float = Field(default=15, gt=0)
    level: float = Field(default=0.8, gt=0, lt=1, description="two-sided level of the trend's band and parity-year interval")
    hac_lags: int = Field(default=1, ge=0, le=4, description="lags of the autocorrelation-consistent (Newey-West) errors")

    @model_validator(mode="after")
    def _window_holds_min(self) -> GapSettings:
        if self.window < self.min_points:
            raise ValueError(f"window {self.window} is shorter than min_points {self.min_points}")
        return self


class AnalysisSpec(Strict):
    settings: GapSettings = Field(default_factory=GapSettings)
    pairs: list[PairSpec]
    breaks: list[BreakSpec] = Field(default_factory=list)
    left_out: list[LeftOutSpec] = Field(default_factory=list)
    last_period: Period | None = Field(
        default=None, description="the newest period the pairs read (the report edition: none the report could not have seen)"
    )

    @model_validator(mode="after")
    def _unique_ids(self) -> AnalysisSpec:
        ids = [p.id for p in self.pairs] + [p.id for p in self.left_out]
        twice = sorted({i for i in ids if ids.count(i) > 1})
        if twice:
            raise ValueError(f"pair ids appear twice: {twice}")
        return self

    def sources(self) -> list[str]:
        found = [s.source for p in self.pairs for s in p.series] + [s for p in self.left_out for s in p.sources]
        return list(dict.fromkeys(found))


class GapSpec(ChartSpec):
    """Kinds that draw techgap's gap analysis: they read their sources whole and draw the pairs' ratios."""

    analysis: AnalysisSpec = Field(description="config/analysis.yaml's `analysis` block (given to each analysis item)")
    # whether the kind shows only the pairs with a trajectory; its CSV and source line then name only those
    trajectories_only: ClassVar[bool] = False


class GapMultiplesSpec(GapSpec):
    """techgap's gap analysis: one panel per pair, the ratio China / comparator on a log scale."""

    kind: ClassVar[str] = "gap_multiples"
    output: ClassVar[Literal["figure", "table"]] = "figure"
    trajectories_only: ClassVar[bool] = True
    ncols: int = Field(default=2, ge=1, le=3, description="panels per row")


class GapTableSpec(GapSpec):
    """techgap's gap analysis as a table: one row per pair."""

    kind: ClassVar[str] = "gap_table"
    output: ClassVar[Literal["figure", "table"]] = "table"


class NoChartSpec(Strict):
    """An item with nothing to draw (status unavailable)."""

    kind: ClassVar[str] = "none"
    output: ClassVar[Literal["figure", "table"]] = "figure"


def _kinds() -> dict[str, type[Strict]]:
    """Every concrete kind, found from the models themselves (a class that names its `kind`)."""
    found: dict[str, type[Strict]] = {}
    pending: list[type] = [ChartSpec, NoChartSpec]
    while pending:
        model = pending.pop()
        if "kind" in vars(model):
            found[model.kind] = model
        pending += model.__subclasses__()
    return dict(sorted(found.items()))


def keys_of(model: type[Strict]) -> list[str]:
    """The keys a model accepts, as written in YAML (aliases such as `from` and `as` included)."""
    return [field.alias or name for name, field in model.model_fields.items()]


KINDS: dict[str, type[Strict]] = _kinds()


def did_you_mean(name: str, known: Any) -> str:
    close = difflib.get_close_matches(str(name), [str(k) for k in known], n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


# --- the reference table in docs/figures.md ---------------------------------------------------------------------


def _type_name(annotation: Any) -> str:
    """A field's type as a reader writes it in YAML terms."""
    import types
    import typing

    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin is Annotated:
        return _type_name(args[0])
    if origin is Literal:
        return " \\| ".join(f"`{a}`" for a in args)
    if origin in (typing.Union, types.UnionType):
        return " or ".join(_type_name(a) for a in args if a is not type(None)) + (" or null" if type(None) in args else "")
    if origin is list:
        return f"list of {_type_name(args[0])}"
    if origin is dict:
        return f"mapping {_type_name(args[0])} → {_type_name(args[1])}"
    if annotation is Bilingual:
        return "text {zh, en}"
    if isinstance(annotation, type) and issubclass(annotation, Strict):
        return annotation.__name__
    return {str: "text", int: "integer", float: "number", bool: "true/false"}.get(annotation, str(annotation))


def _default(field: Any) -> str:
    from pydantic_core import PydanticUndefined

    if field.is_required():
        return "**required**"
    if field.default_factory is not None:
        value = field.default_factory()
        return "none" if not value else repr(value)
    return "none" if field.default is None or field.default is PydanticUndefined else f"`{field.default}`"


def _rows(model: type[Strict]) -> list[str]:
    rows = []
    for name, field in model.model_fields.items():
        key = field.alias or name
        text = (field.description or "").replace("|", "\\|")
        rows.append(f"| `{key}` | {_type_name(field.annotation)} | {_default(field)} | {text} |")
    return rows


def reference_markdown() -> str:
    """What every chart kind accepts, for docs/figures.md: generated from the models (`techgap kinds`)."""
    lines = [
        "Every kind's keys, generated from its model in `src/techgap/kinds.py` (`techgap kinds` rewrites this part; a "
        "test keeps it current). Any value may be an edition switch `{report: A, latest: B}`; a key not listed for a "
        "kind is refused with the item, the key and the nearest valid one.",
        "",
    ]
    for name, model in KINDS.items():
        lines += [f"### `{name}` ({model.output})", "", " ".join((model.__doc__ or "").split()), ""]
        if model.model_fields:
            lines += ["| key | type | default | what it does |", "|---|---|---|---|", *_rows(model), ""]
    for model in (Selection, YoyStep, ShareStep, ChangeStep, ScaleStep, RequireComplete, Fact, Panel, RangeBar):
        lines += [f"### {model.__name__}", "", " ".join((model.__doc__ or "").split()), ""]
        lines += ["| key | type | default | what it does |", "|---|---|---|---|", *_rows(model), ""]
    return "\n".join(lines)

"""Texts made from data: source lines from provenance, and `{placeholders}` in notes, subtitles and
status reasons filled from the rows an item draws — so a new vintage cannot leave a text stale.

A text in config names no number of its own: every number comes from a fact (a selector over the
item's data, `facts:` in config/items.yaml) or a built-in (`{first}`, `{last}`, `{periods}`,
`{missing}`, `{retrieved}`); `stray_numbers` finds any other digit so a test can refuse it."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from techgap.errors import InputError
from techgap.provenance import Provenance

PLACEHOLDER = re.compile(r"\{([a-z_][a-z0-9_]*)\}")
SOURCE_PREFIX = {"zh": "資料來源：", "en": "Source: "}
RETRIEVED = {"zh": "擷取於 {date}", "en": "retrieved {date}"}
API = {"zh": "API 下載", "en": "API download"}
DOCUMENTS = {"zh": "{n} 份文件 ({first} 至 {last})", "en": "{n} documents ({first} to {last})"}
EDITION_LABEL = {"report": {"zh": "報告版", "en": "report edition"}, "latest": {"zh": "最新資料版", "en": "latest edition"}}
TEXT_FIELDS = ("note", "subtitle", "ylabel", "unit_line")


class TextError(InputError):
    pass


def fill(template: str, values: Mapping[str, str], item_id: str, field: str) -> str:
    """Replace `{name}` by its value; a name nothing defines is a config error naming item and field."""

    def substitute(match: re.Match) -> str:
        name = match.group(1)
        if name not in values:
            raise TextError(
                Path("config/items.yaml"),
                f"item {item_id}: text names {{{name}}}, which no fact or built-in defines",
                field=field,
                expected="a name under the item's facts: or one of " + ", ".join(sorted(BUILTINS)),
            )
        return values[name]

    return PLACEHOLDER.sub(substitute, str(template))


# Numbers that are names, not data: the report's own figure and table numbers, and unit names.
NAME_NUMBERS = re.compile(r"(表|圖|Table|Figure|Fig\.)\s?\d+|100 million RMB")


def stray_numbers(text: str, fixed_terms: list[str] = ()) -> list[str]:
    """Digits in a configured text that no placeholder produces (names such as '16/14 nm' or
    'NeurIPS 2019' are listed per item in `fixed_terms`)."""
    text = NAME_NUMBERS.sub("", PLACEHOLDER.sub("", str(text)))
    for term in sorted(fixed_terms, key=len, reverse=True):
        text = text.replace(term, "")
    return re.findall(r"\d+(?:[.,]\d+)*", text)


# ---------------------------------------------------------------- facts and built-ins


def fact_value(
    name: str, fact: Mapping[str, Any], rows: pd.DataFrame, frames: Mapping[str, pd.DataFrame], item_id: str
) -> tuple[float, str]:
    """The one value a fact selects, and its period: from the item's rows, or from a source's table
    when it names one. `period: latest` takes the newest period the selection has."""
    from techgap.render.data import period_order

    table = frames[fact["source"]] if fact.get("source") else rows
    keep = table["value"].notna()
    for key, column in (
        ("indicator", "indicator"),
        ("entity", "entity_code"),
        ("period", "period"),
        ("category", "category"),
        ("document", "document"),
    ):
        if fact.get(key) is not None and not (key == "period" and str(fact[key]) == "latest"):
            keep &= table[column] == str(fact[key])
    if fact.get("document") is None and "preferred" in table:
        keep &= table["preferred"].astype(bool)
    found = table.loc[keep, ["period", "value"]]
    if str(fact.get("period")) == "latest" and len(found):
        newest = max(found["period"], key=period_order)
        found = found[found["period"] == newest]
    if len(found) != 1:
        raise TextError(
            Path("config/items.yaml"),
            f"item {item_id}: fact {name} selects {len(found)} values",
            field=f"facts.{name}",
            expected="exactly one row (add period, entity, category or document)",
        )
    return float(found["value"].iloc[0]), str(found["period"].iloc[0])


def format_fact(value: float, fact: Mapping[str, Any]) -> str:
    value = value * float(fact.get("scale", 1))
    return str(fact.get("format", "{:g}")).format(value)


def compact_periods(periods: list[str]) -> str:
    """'2010-2023' for a run of consecutive years, else the periods listed."""
    if not periods:
        return ""
    if all(re.fullmatch(r"\d{4}", p) for p in periods):
        years = sorted(int(p) for p in periods)
        if len(years) > 2 and years == list(range(years[0], years[-1] + 1)):
            return f"{years[0]}-{years[-1]}"
    if len(periods) > MAX_LISTED_PERIODS:  # a long or mixed list reads better as its span
        return f"{periods[0]}…{periods[-1]} ({len(periods)})"
    return ", ".join(periods)


MAX_LISTED_PERIODS = 8


def drawn_periods(rows: pd.DataFrame) -> list[str]:
    from techgap.render.data import period_order

    return sorted(set(rows.loc[rows["value"].notna(), "period"]), key=period_order)


def missing_cells(rows: pd.DataFrame, item_spec: Mapping[str, Any], name: Any, lang: str) -> str:
    """Requested entity x period cells without a value, as 'United States 2016, 2018; Korea 2021'."""
    parts = [f"{name(code)} {compact_periods(gaps)}" for code, gaps in missing_by_entity(rows, item_spec)]
    parts += unranked_values(rows, item_spec, name)
    none = {"zh": "無", "en": "none"}[lang]
    return "; ".join(parts) or none


def missing_by_entity(rows: pd.DataFrame, item_spec: Mapping[str, Any]) -> list[tuple[str, list[str]]]:
    """(entity, periods without a value) for every entity a selection requests. The total of a `share`
    step is not drawn and is not counted; after a `change` step the periods are the change's own
    ('2018-2023'), so the cells expected are those."""
    derive = item_spec.get("derive", [])
    totals = share_totals(item_spec)
    changed = any("change" in step and (rows.get("indicator", pd.Series(dtype=str)) == step.get("as")).any() for step in derive)
    have = rows[rows["value"].notna()].groupby("entity_code")["period"].agg(set) if len(rows) else pd.Series(dtype=object)
    out = []
    for selection in item_spec.get("data", []):
        entities = [code for code in selection.get("entities") or [] if code not in totals]
        periods = sorted(set(rows["period"])) if changed else _expected_periods(selection.get("periods"), rows)
        for code in entities if periods else []:
            gaps = [p for p in periods if p not in have.get(code, set())]
            if gaps:
                out.append((code, gaps))
    return out


def share_totals(item_spec: Mapping[str, Any]) -> set[str]:
    """Entities a `share` derive step divides by and does not draw (the World row of import shares)."""
    return {step["of"] for step in item_spec.get("derive", []) if "share" in step and "of" in step}


def unranked_values(rows: pd.DataFrame, item_spec: Mapping[str, Any], name: Any) -> list[str]:
    """For a ranking with values (`rank_indicator`, `value_indicator`): each ranked entity without a
    value in its period, as 'Samsung 2024Q1'."""
    rank, value = item_spec.get("rank_indicator"), item_spec.get("value_indicator")
    if not rank or not value:
        return []
    present = rows[rows["value"].notna()]
    valued = set(present.loc[present["indicator"] == value, ["entity_code", "period"]].itertuples(index=False, name=None))
    ranked = present[present["indicator"] == rank].sort_values(["period", "value"], kind="stable")
    cells = ranked[["entity_code", "period"]].itertuples(index=False, name=None)
    return [f"{name(code)} {period}" for code, period in cells if (code, period) not in valued]


def _expected_periods(wanted: Any, rows: pd.DataFrame) -> list[str]:
    if isinstance(wanted, Mapping) and set(wanted) == {"latest"}:  # the newest N periods the selection drew
        from techgap.render.data import period_order

        return sorted(set(rows["period"]), key=period_order)[-int(wanted["latest"]) :]
    if isinstance(wanted, Mapping) and "from" in wanted and "to" in wanted:
        last = wanted["to"]
        if str(last) == "latest":  # resolved against the data: the newest year drawn
            years = [int(p[:4]) for p in rows.loc[rows["value"].notna(), "period"]]
            last = max(years, default=int(wanted["from"]))
        return [str(y) for y in range(int(wanted["from"]), int(last) + 1)]
    if isinstance(wanted, list):
        return [str(p) for p in wanted if not str(p).startswith("latest")] or sorted(set(rows["period"]))
    return []


BUILTINS = ("first", "last", "periods", "missing", "retrieved")


def text_values(
    item: Any,
    rows: pd.DataFrame,
    frames: Mapping[str, pd.DataFrame],
    resolved_spec: Mapping[str, Any],
    provenances: Mapping[str, Provenance],
    name: Any,
    lang: str,
) -> dict[str, str]:
    periods = drawn_periods(rows)
    retrieved = sorted({provenances[s].retrieved for s in set(rows["source"]) if s in provenances})
    values = {
        "first": periods[0] if periods else "",
        "last": periods[-1] if periods else "",
        "periods": compact_periods(periods),
        "missing": missing_cells(rows, resolved_spec, name, lang),
        "retrieved": retrieved[-1] if retrieved else "",
    }
    for fact_name, fact in item.facts.items():
        value, period = fact_value(fact_name, fact, rows, frames, item.id)
        values[fact_name] = format_fact(value, fact)
        values[f"{fact_name}_period"] = period
    return values


# ---------------------------------------------------------------- source lines


def source_line(rows: pd.DataFrame, provenances: Mapping[str, Provenance], lang: str) -> str:
    """Publisher, document, release date and retrieval date of every document the item's rows cite,
    from provenance (grouped by publisher when a series spans many releases)."""
    entries = []
    for source_id in dict.fromkeys(rows["source"]):
        provenance = provenances.get(source_id)
        if provenance is None:  # derived rows (source 'techgap')
            continue
        cited = set(rows.loc[rows["source"] == source_id, "document"])
        documents = [d for d in provenance.documents if d.id in cited]
        retrieved = RETRIEVED[lang].format(date=provenance.retrieved)
        if not documents:
            entries.append(f"{provenance.publisher}, {provenance.title} ({API[lang]}; {retrieved})")
            continue
        for publisher, group in _by_publisher(documents):
            if len(group) <= 2:
                # two passages of one document (e.g. the report's text and a figure's source line) are cited once
                named = dict.fromkeys(f"{d.title}" + (f" ({d.published})" if d.published else "") for d in group)
                entries.append(f"{publisher}, {'; '.join(named)}")
            else:
                dates = sorted(d.published for d in group if d.published)
                span = DOCUMENTS[lang].format(n=len(group), first=dates[0] if dates else "?", last=dates[-1] if dates else "?")
                entries.append(f"{publisher}, {span}")
        entries[-1] += f" ({retrieved})" if lang == "en" else f"（{retrieved}）"
    if len(entries) > MAX_SOURCE_ENTRIES:  # many sources (an analysis item): one entry per source
        entries = [
            compact_entry(provenances[s], set(rows.loc[rows["source"] == s, "document"]), lang)
            for s in dict.fromkeys(rows["source"])
            if s in provenances
        ]
    separator = "；" if lang == "zh" else "; "
    return SOURCE_PREFIX[lang] + separator.join(entries) + ("。" if lang == "zh" else ".")


MAX_SOURCE_ENTRIES = 4


NEWEST_DOCUMENT = {"zh": "最新：{publisher}, {title} ({published})", "en": "newest: {publisher}, {title} ({published})"}


def compact_entry(provenance: Provenance, cited: set[str], lang: str) -> str:
    """A source in a few words: its title, how many of its documents are cited and the newest of them (so a
    new release shows in the line), when it was retrieved."""
    n_documents = len(cited)
    count = {"zh": f"{n_documents} 份文件", "en": f"{n_documents} document{'s' if n_documents != 1 else ''}"}[lang]
    dated = [d for d in provenance.documents if d.id in cited and d.published]
    if dated:
        newest = max(dated, key=lambda d: str(d.published))
        count += "，" if lang == "zh" else ", "
        count += NEWEST_DOCUMENT[lang].format(publisher=newest.publisher, title=newest.title, published=newest.published)
    return f"{provenance.title} ({count}; {RETRIEVED[lang].format(date=provenance.retrieved)})"


def _by_publisher(documents: list) -> list[tuple[str, list]]:
    groups: dict[str, list] = {}
    for document in documents:
        groups.setdefault(document.publisher, []).append(document)
    return list(groups.items())


def finite(value: float) -> bool:
    return value is not None and not math.isnan(value)

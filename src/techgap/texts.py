"""Texts made from data: source lines from provenance, and `{placeholders}` in notes, subtitles and
status reasons filled from the rows an item draws — so a new vintage cannot leave a text stale.

A text in config names no number of its own: every number comes from a fact (a selector over the
item's data, `facts:` in config/items.yaml) or a built-in (`{first}`, `{last}`, `{periods}`,
`{missing}`, `{retrieved}`); loading the project refuses any other digit (`model.stray_numbers`)."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from techgap import periods
from techgap.errors import InputError
from techgap.kinds import ChangeStep, Fact, NewestPeriods, PeriodRange, Selection
from techgap.model import PLACEHOLDER, Bilingual
from techgap.numbers import minus_sign
from techgap.provenance import Provenance
from techgap.selection import resolve_periods, share_totals

SOURCE_PREFIX = {"zh": "資料來源：", "en": "Source: "}
RETRIEVED = {"zh": "擷取於 {date}", "en": "retrieved {date}"}
API = {"zh": "API 下載", "en": "API download"}
DOCUMENTS = {"zh": "{n} 份文件 ({first} 至 {last})", "en": "{n} documents ({first} to {last})"}
EDITION_LABEL = {"report": {"zh": "報告版", "en": "report edition"}, "latest": {"zh": "最新資料版", "en": "latest edition"}}


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


# ---------------------------------------------------------------- facts and built-ins


def fact_value(name: str, fact: Fact, rows: pd.DataFrame, frames: Mapping[str, pd.DataFrame], item_id: str) -> tuple[float, str]:
    """The one value a fact selects, and its period: from the item's rows, or from a source's table when it names
    one. `period: latest` takes the newest period the selection has."""
    table = frames[fact.source] if fact.source else rows
    keep = table["value"].notna()
    for value, column in (
        (fact.indicator, "indicator"),
        (fact.entity, "entity_code"),
        (fact.period, "period"),
        (fact.category, "category"),
        (fact.document, "document"),
    ):
        if value is not None and not (column == "period" and value == "latest"):
            keep &= table[column] == value
    if fact.document is None and "preferred" in table:
        keep &= table["preferred"].astype(bool)
    found = table.loc[keep, ["period", "value"]]
    if fact.period == "latest" and len(found):
        newest = max(found["period"], key=periods.order)
        found = found[found["period"] == newest]
    if len(found) != 1:
        raise TextError(
            Path("config/items.yaml"),
            f"item {item_id}: fact {name} selects {len(found)} values",
            field=f"facts.{name}",
            expected="exactly one row (add period, entity, category or document)",
        )
    return float(found["value"].iloc[0]), str(found["period"].iloc[0])


def format_fact(value: float, fact: Fact) -> str:
    return minus_sign(fact.format.format(value * fact.scale))


def drawn_periods(rows: pd.DataFrame) -> list[str]:
    return sorted(set(rows.loc[rows["value"].notna(), "period"]), key=periods.order)


def missing_cells(rows: pd.DataFrame, item: Any, name: Callable[[str], str], lang: str) -> str:
    """Requested entity x period cells without a value, as 'United States 2016, 2018; Korea 2021'."""
    parts = [f"{name(code)} {periods.compact(gaps)}" for code, gaps in missing_by_entity(rows, item.spec)]
    parts += unranked_values(rows, item.spec, name)
    none = {"zh": "無", "en": "none"}[lang]
    return "; ".join(parts) or none


def missing_by_entity(rows: pd.DataFrame, spec: Any) -> list[tuple[str, list[str]]]:
    """(entity, periods without a value) for every entity a selection requests. The total of a `share` step is
    not drawn and is not counted; after a `change` step the periods are the change's own ('2018-2023'), so the
    cells expected are those."""
    steps = getattr(spec, "derive", [])
    totals = share_totals(steps)
    indicators = rows.get("indicator", pd.Series(dtype=str))
    changed = any(isinstance(step, ChangeStep) and (indicators == step.name).any() for step in steps)
    have = rows[rows["value"].notna()].groupby("entity_code")["period"].agg(set) if len(rows) else pd.Series(dtype=object)
    out = []
    for selection in getattr(spec, "data", []):
        entities = [code for code in selection.entities or [] if code not in totals]
        expected = sorted(set(rows["period"])) if changed else _expected_periods(selection, rows)
        for code in entities if expected else []:
            gaps = [p for p in expected if p not in have.get(code, set())]
            if gaps:
                out.append((code, gaps))
    return out


def unranked_values(rows: pd.DataFrame, spec: Any, name: Callable[[str], str]) -> list[str]:
    """For a ranking with values (`rank_indicator`, `value_indicator`): each ranked entity without a value in its
    period, as 'Samsung 2024Q1'."""
    rank, value = getattr(spec, "rank_indicator", None), getattr(spec, "value_indicator", None)
    if not rank or not value:
        return []
    present = rows[rows["value"].notna()]
    valued = set(present.loc[present["indicator"] == value, ["entity_code", "period"]].itertuples(index=False, name=None))
    ranked = present[present["indicator"] == rank].sort_values(["period", "value"], kind="stable")
    cells = ranked[["entity_code", "period"]].itertuples(index=False, name=None)
    return [f"{name(code)} {period}" for code, period in cells if (code, period) not in valued]


def _expected_periods(selection: Selection, rows: pd.DataFrame) -> list[str]:
    wanted = selection.periods
    if isinstance(wanted, NewestPeriods):  # the newest N periods the selection drew
        return sorted(set(rows["period"]), key=periods.order)[-wanted.latest :]
    if isinstance(wanted, PeriodRange):
        last = wanted.last
        if last == "latest":  # resolved against the data: the newest year drawn
            years = [int(p[:4]) for p in rows.loc[rows["value"].notna(), "period"]]
            last = max(years, default=wanted.first)
        return [str(y) for y in range(wanted.first, int(last) + 1)]
    if isinstance(wanted, list):  # `latest` tokens resolved by the selection's own rule, on the rows it drew
        mine = rows[rows["source"] == selection.source]  # derived rows (a share, a change) keep their source
        return list(resolve_periods(mine, selection) or []) or sorted(set(rows["period"]))
    return sorted(set(rows["period"]), key=periods.order)  # every period some row has: the grid drawn


BUILTINS = ("first", "last", "periods", "missing", "retrieved")


def text_values(
    item: Any,
    rows: pd.DataFrame,
    frames: Mapping[str, pd.DataFrame],
    provenances: Mapping[str, Provenance],
    name: Callable[[str], str],
    lang: str,
) -> dict[str, str]:
    drawn = drawn_periods(rows)
    retrieved = sorted({provenances[s].retrieved for s in set(rows["source"]) if s in provenances})
    values = {
        "first": drawn[0] if drawn else "",
        "last": drawn[-1] if drawn else "",
        "periods": periods.compact(drawn, count=False),
        "missing": missing_cells(rows, item, name, lang),
        "retrieved": retrieved[-1] if retrieved else "",
    }
    for fact_name, fact in item.facts.items():
        value, period = fact_value(fact_name, fact, rows, frames, item.id)
        values[fact_name] = format_fact(value, fact)
        values[f"{fact_name}_period"] = period
    return values


# Texts of a spec that may name {placeholders}: filled from the data per language.
TEXT_FIELDS = ("note", "subtitle", "ylabel", "unit_line")


def edition_texts(
    item: Any,
    rows: pd.DataFrame,
    frames: Mapping[str, pd.DataFrame],
    provenances: Mapping[str, Provenance],
    name: Callable[[str, str], str],
) -> dict[str, Any]:
    """Every text of one edition of an item, in both languages, filled from the data: the title (a caption's
    years are `{periods}`, `{first}`, `{last}`, never written by hand where the drawing may hold other periods),
    the source line, the spec's texts (TEXT_FIELDS), the subtitle with the periods drawn and the edition, and the
    status reason."""
    langs = ("zh", "en")
    values = {
        lang: text_values(item, rows, frames, provenances, lambda code, lang=lang: name(code, lang), lang) for lang in langs
    }
    source_lines = {}
    for lang in langs:
        line = source_line(rows, provenances, lang)
        if item.source_note:
            # Chinese sentences follow each other without a space (the line ends in a full-width "。")
            line += ("" if lang == "zh" else " ") + fill(item.source_note.in_language(lang), values[lang], item.id, "source_note")
        source_lines[lang] = line
    spec_texts: dict[str, Bilingual] = {}
    for key in TEXT_FIELDS:
        template = getattr(item.spec, key, None)
        if template is not None:
            spec_texts[key] = Bilingual(
                **{lang: fill(template.in_language(lang), values[lang], item.id, f"spec.{key}") for lang in langs}
            )
    subtitle = {}
    for lang in langs:
        given = [spec_texts[k].in_language(lang) for k in ("subtitle", "ylabel", "unit_line") if k in spec_texts]
        first = next((text for text in given if text), "")
        parts = [p for p in (first, values[lang]["periods"], EDITION_LABEL[item.edition][lang]) if p]
        subtitle[lang] = (" · " if lang == "en" else "・").join(parts)
    spec_texts["subtitle"] = Bilingual(**subtitle)
    title = Bilingual(**{lang: fill(item.title.in_language(lang), values[lang], item.id, "title") for lang in langs})
    return {
        "title": title,
        "source_line": source_lines,
        "spec": spec_texts,
        "status_reason": fill(item.status_reason, values["en"], item.id, "status_reason"),
        "periods": values["en"]["periods"],
    }


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
    end = "。" if lang == "zh" else "."
    line = SOURCE_PREFIX[lang] + separator.join(entries) + end
    if len(line) <= SOURCE_LINE_BUDGET[lang]:
        return line
    # Too long for three lines under the figure: per publisher, its document count, its newest document (so a new
    # release still shows in the line) and the retrieval dates; or the publishers alone. Every document, date and
    # locator is one click away (the page's source list).
    cited = {s: set(rows.loc[rows["source"] == s, "document"]) for s in dict.fromkeys(rows["source"]) if s in provenances}
    # One entry per publisher over all sources, each document counted under its own publisher (as in the full line:
    # the report's own table cited by a SEMI source is NDC's document, not SEMI's); an API source under its own.
    by_publisher: dict[str, tuple[list[Any], list[str]]] = {}
    for source_id, ids in cited.items():
        own = [d for d in provenances[source_id].documents if d.id in ids]
        for publisher, group in _by_publisher(own) or [(provenances[source_id].publisher, [])]:
            name = short_publisher(publisher)
            documents, dates = by_publisher.get(name, ([], []))
            by_publisher[name] = ([*documents, *group], [*dates, provenances[source_id].retrieved])
    counted = [
        f"{publisher} ({'; '.join(publisher_words(documents, dates, lang))})"
        for publisher, (documents, dates) in by_publisher.items()
    ]
    line = SOURCE_PREFIX[lang] + separator.join(counted) + end
    if len(line) <= SOURCE_LINE_BUDGET[lang]:
        return line
    return SOURCE_PREFIX[lang] + separator.join(by_publisher) + SEE_THE_PAGE[lang]


MAX_SOURCE_ENTRIES = 4
# What three lines under a figure hold with room for a source note (characters; Chinese glyphs are about twice
# as wide as Latin ones).
SOURCE_LINE_BUDGET = {"en": 300, "zh": 170}
SEE_THE_PAGE = {
    "zh": "（各文件、日期與出處見網頁之資料來源）。",
    "en": " (each document, date and locator: the sources on the page).",
}


def document_count(n: int, lang: str) -> str:
    """'3 documents' ('3 份文件'); an API vintage cites no document."""
    if not n:
        return API[lang]
    return f"{n} 份文件" if lang == "zh" else f"{n} document{'s' if n != 1 else ''}"


NEWEST = {"zh": "最新：{title} ({published})", "en": "newest: {title} ({published})"}


def publisher_words(documents: list[Any], dates: list[str], lang: str) -> list[str]:
    """What a compact source line says of one publisher: how many documents, the newest one, when retrieved."""
    words = [document_count(len(documents), lang)]
    dated = [d for d in documents if d.published]
    if dated:
        newest = max(dated, key=lambda d: str(d.published))
        words.append(NEWEST[lang].format(title=newest.title, published=newest.published))
    words.append(RETRIEVED[lang].format(date=", ".join(sorted(set(dates)))))
    return words


def short_publisher(publisher: str) -> str:
    """A publisher's name without its parenthesised detail ('SEMI (Worldwide … Statistics, …)' -> 'SEMI')."""
    return publisher.split(" (", 1)[0].strip() or publisher


NEWEST_DOCUMENT = {"zh": "最新：{publisher}, {title} ({published})", "en": "newest: {publisher}, {title} ({published})"}


def compact_entry(provenance: Provenance, cited: set[str], lang: str) -> str:
    """A source in a few words: its title, how many of its documents are cited and the newest of them (so a
    new release shows in the line), when it was retrieved."""
    count = document_count(len(cited), lang)
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

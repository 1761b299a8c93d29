"""What the accepted outputs are, what changed since, and the changelog entry that accepts a change.

CHANGELOG.md is the record. Each entry that `bash scripts/accept.sh [message]` writes (`## Accepted — DATE`, with
`(2)`, `(3)`... after the first of a day; newest first) names the vintages that arrived since the entry before it
and, under **Outputs**, each item edition it accepted with a fingerprint of its files (`latest/fig02`
`0123456789abcdef`: the first 16 hex digits of a sha256 over the names and bytes of every file in
figures/latest/fig02/). The newest entry that names an item edition gives its accepted fingerprint. So what is
accepted is known from a committed file, not from git, the clock or a path, and a test can check that every
committed output is one an entry accepted.

The accepted files themselves (to show the accepted drawing beside the new one, and the values that changed) are
kept in build/accepted/<edition>/<item>/ (not committed): a copy is made of every item edition whose files match
the record, and one is used only while it still matches it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from techgap.escaping import markdown_text
from techgap.paths import EDITIONS

CHANGELOG_FILE = "CHANGELOG.md"
ACCEPTED_DIR = Path("build") / "accepted"
DIGITS = 16
REMOVED = "removed"
HEADING = "Accepted"
NO_REASON = "not given"

_ENTRY = re.compile(r"^## (?P<title>.*)$", re.M)
_FIELD = re.compile(r"^- \*\*(?P<name>[^*]+)\*\*(?: \([^)]*\))?:[ ]?(?P<text>.*)$")
_OUTPUT = re.compile(r"`(?P<edition>report|latest)/(?P<item>[A-Za-z0-9][A-Za-z0-9_-]*)` `(?P<digest>[0-9a-f]{16}|removed)`")
_VINTAGE = re.compile(r"`(?P<source>[A-Za-z0-9_-]+)/(?P<vintage>\d{4}-\d{2}-\d{2})`")

# The texts of an item edition's record (<item>.meta.json) a reviewer reads: (label, path in the record).
TEXT_FIELDS = (
    ("title", ("texts", "title")),
    ("subtitle", ("texts", "subtitle")),
    ("source line", ("texts", "source_line")),
    ("note", ("texts", "note")),
    ("status", ("status",)),
    ("reason", ("reason",)),
    ("warnings", ("warnings",)),
)
# What identifies a row of an item's data CSV, in the order shown; the numbers compared.
KEY_COLUMNS = ("pair", "entity_code", "category", "indicator", "segment", "period", "period_kind")
TIE_COLUMNS = ("unit", "source", "document")
VALUE_COLUMNS = ("value", "china_value", "comparator_value", "ratio")


Output = tuple[str, str]  # (edition, item)


def output_name(output: Output) -> str:
    """`latest/fig02`: the item edition's folder under figures/."""
    return f"{output[0]}/{output[1]}"


# --- fingerprints ------------------------------------------------------------------------------------------------


def fingerprint(folder: Path) -> str:
    """The first 16 hex digits of a sha256 over the name and bytes of every file in ``folder`` (sorted by name)."""
    digest = hashlib.sha256()
    for path in sorted(p for p in Path(folder).iterdir() if p.is_file()):
        digest.update(path.name.encode("utf-8") + b"\0" + hashlib.sha256(path.read_bytes()).hexdigest().encode("ascii") + b"\n")
    return digest.hexdigest()[:DIGITS]


def output_fingerprints(figures_dir: Path) -> dict[Output, str]:
    """{(edition, item): fingerprint} of every item edition folder under ``figures_dir`` (figures/<edition>/<item>/)."""
    found = {}
    for edition in EDITIONS:
        folder = Path(figures_dir) / edition
        if folder.is_dir():
            for item_dir in sorted(p for p in folder.iterdir() if p.is_dir()):
                found[(edition, item_dir.name)] = fingerprint(item_dir)
    return found


# --- the record: CHANGELOG.md ------------------------------------------------------------------------------------


@dataclass
class Entry:
    title: str
    fields: dict[str, str] = field(default_factory=dict)  # name -> text (continuation lines joined with newlines)

    @property
    def outputs(self) -> dict[Output, str]:
        return {(m["edition"], m["item"]): m["digest"] for m in _OUTPUT.finditer(self.fields.get("Outputs", ""))}

    @property
    def vintages(self) -> list[tuple[str, str]]:
        return [(m["source"], m["vintage"]) for m in _VINTAGE.finditer(self.fields.get("New vintages", ""))]

    @property
    def why(self) -> str:
        text = self.fields.get("Why", "").strip()
        return "" if text == NO_REASON else text


def parse_entries(text: str) -> list[Entry]:
    """Every `## ` entry of a changelog, in the file's order (newest first), with its `- **Field**:` lines."""
    headings = list(_ENTRY.finditer(text))
    entries = []
    for number, heading in enumerate(headings):
        end = headings[number + 1].start() if number + 1 < len(headings) else len(text)
        entry = Entry(heading["title"].strip())
        current = None
        for line in text[heading.end() : end].splitlines():
            found = _FIELD.match(line)
            if found:
                current = found["name"].strip()
                entry.fields[current] = found["text"]
            elif current is not None and line.startswith("  "):
                entry.fields[current] += "\n" + line.strip()
            else:
                current = None
        entries.append(entry)
    return entries


def read_entries(root: Path) -> list[Entry]:
    path = Path(root) / CHANGELOG_FILE
    return parse_entries(path.read_text(encoding="utf-8")) if path.is_file() else []


def accepted_record(entries: list[Entry]) -> dict[Output, str]:
    """{(edition, item): accepted fingerprint} from the newest entry naming each item edition (without the removed)."""
    record: dict[Output, str] = {}
    for entry in entries:
        for output, digest in entry.outputs.items():
            record.setdefault(output, digest)
    return {output: digest for output, digest in record.items() if digest != REMOVED}


def named_vintages(entries: list[Entry]) -> set[tuple[str, str]]:
    return {pair for entry in entries for pair in entry.vintages}


def vintages_on_disk(raw_dir: Path) -> set[tuple[str, str]]:
    """Every (source, vintage) folder under data/raw/."""
    from techgap.provenance import list_vintages

    raw_dir = Path(raw_dir)
    if not raw_dir.is_dir():
        return set()
    return {(s.name, v) for s in sorted(raw_dir.iterdir()) if s.is_dir() for v in list_vintages(raw_dir, s.name)}


# --- what changed ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OutputChange:
    edition: str
    item: str
    state: str  # changed | new | removed
    accepted: str | None  # the accepted fingerprint (None: new)
    current: str | None  # the fingerprint now (None: removed)

    @property
    def output(self) -> Output:
        return (self.edition, self.item)


def changed_outputs(figures_dir: Path, record: dict[Output, str], order: list[str] | None = None) -> list[OutputChange]:
    """The item editions whose files differ from the accepted ones, new ones and removed ones; report edition first,
    items in ``order`` (the report's), else by id."""
    current = output_fingerprints(figures_dir)
    rank = {item: n for n, item in enumerate(order or [])}
    changes = []
    for output in sorted(set(current) | set(record), key=lambda o: (EDITIONS.index(o[0]), rank.get(o[1], len(rank)), o[1])):
        old, new = record.get(output), current.get(output)
        if old == new:
            continue
        state = "new" if old is None else ("removed" if new is None else "changed")
        changes.append(OutputChange(output[0], output[1], state, old, new))
    return changes


def accepted_copy(root: Path, output: Output, digest: str | None) -> Path | None:
    """build/accepted/<edition>/<item>/ if it holds the files accepted with ``digest``, else None."""
    folder = Path(root) / ACCEPTED_DIR / output[0] / output[1]
    if digest is None or not folder.is_dir() or fingerprint(folder) != digest:
        return None
    return folder


def keep_accepted_copies(root: Path, figures_dir: Path, record: dict[Output, str]) -> list[Output]:
    """Copy to build/accepted/ every item edition whose files are the accepted ones and whose copy is missing or
    stale, so that a later change can be shown beside them. Returns what was copied."""
    copied = []
    for output, digest in sorted(record.items()):
        source = Path(figures_dir) / output[0] / output[1]
        if not source.is_dir() or fingerprint(source) != digest or accepted_copy(root, output, digest) is not None:
            continue
        target = Path(root) / ACCEPTED_DIR / output[0] / output[1]
        temporary = target.with_name(f".{target.name}.copying")
        shutil.rmtree(temporary, ignore_errors=True)
        shutil.copytree(source, temporary)
        shutil.rmtree(target, ignore_errors=True)
        temporary.rename(target)
        copied.append(output)
    return copied


def read_table(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def _number(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return None if math.isnan(value) else value


def value_changes(old: pd.DataFrame, new: pd.DataFrame) -> pd.DataFrame:
    """The values of an item's data CSV that changed: one row per value added, removed or revised, with the row's key
    (`key`: its entity, indicator, period ... joined by spaces), the column (`value`, or a gap table's
    `china_value`, `ratio` ...) and the two values as written. Rows are matched on KEY_COLUMNS (then TIE_COLUMNS, then
    their order, where those are not enough)."""
    key = [c for c in KEY_COLUMNS if c in old.columns and c in new.columns]
    for tie in TIE_COLUMNS:
        if not (old.duplicated(key).any() or new.duplicated(key).any()):
            break
        if tie in old.columns and tie in new.columns:
            key.append(tie)
    old, new = old.copy(), new.copy()
    old["_n"], new["_n"] = old.groupby(key).cumcount(), new.groupby(key).cumcount()
    values = [c for c in VALUE_COLUMNS if c in old.columns or c in new.columns]
    merged = old.merge(new, on=[*key, "_n"], how="outer", suffixes=("_old", "_new"), indicator=True)
    rows = []
    for record in merged.to_dict(orient="records"):
        name = " ".join(str(record[c]) for c in key if str(record[c]))
        for column in values:
            before, after = record.get(f"{column}_old"), record.get(f"{column}_new")
            before = "" if before is None or (isinstance(before, float) and math.isnan(before)) else str(before)
            after = "" if after is None or (isinstance(after, float) and math.isnan(after)) else str(after)
            same_number = _number(before) is not None and _number(before) == _number(after)
            if record["_merge"] == "both" and (before == after or same_number):
                continue
            if not before and not after:
                continue
            change = {"left_only": "removed", "right_only": "added"}.get(record["_merge"], "revised")
            rows.append({"change": change, "key": name, "column": column, "accepted": before, "new": after})
    return pd.DataFrame(rows, columns=["change", "key", "column", "accepted", "new"])


def _pick(record: dict[str, Any], path: tuple[str, ...]) -> Any:
    value: Any = record
    for part in path:
        value = value.get(part) if isinstance(value, dict) else None
    return value


def text_changes(old: dict[str, Any], new: dict[str, Any]) -> list[dict[str, str]]:
    """The texts of an item edition's record (meta JSON) that changed: title, subtitle, source line, note (per
    language), status, reason and warnings, as {field, lang, accepted, new} ('' for a text not there)."""
    found = []
    for label, path in TEXT_FIELDS:
        before, after = _pick(old, path), _pick(new, path)
        if isinstance(before, dict) or isinstance(after, dict):
            for lang in ("zh", "en"):
                a = str((before or {}).get(lang) or "")
                b = str((after or {}).get(lang) or "")
                if a != b:
                    found.append({"field": label, "lang": lang, "accepted": a, "new": b})
        else:
            a = "\n".join(map(str, before)) if isinstance(before, list) else str(before or "")
            b = "\n".join(map(str, after)) if isinstance(after, list) else str(after or "")
            if a != b:
                found.append({"field": label, "lang": "", "accepted": a, "new": b})
    return found


def read_record(folder: Path | None, item: str) -> dict[str, Any]:
    path = None if folder is None else folder / f"{item}.meta.json"
    return json.loads(path.read_text(encoding="utf-8")) if path is not None and path.is_file() else {}


def read_data(folder: Path | None, item: str) -> pd.DataFrame | None:
    path = None if folder is None else folder / f"{item}.csv"
    return read_table(path) if path is not None and path.is_file() else None


@dataclass
class Comparison:
    """One changed item edition: what changed, and whether the accepted files were there to say what."""

    change: OutputChange
    accepted_dir: Path | None  # the accepted copy (None: not on this machine, or the item edition is new)
    current_dir: Path | None
    values: pd.DataFrame | None  # None: not compared (no accepted copy of a changed item edition)
    texts: list[dict[str, str]] | None

    @property
    def compared(self) -> bool:
        return self.values is not None


def compare_output(root: Path, figures_dir: Path, change: OutputChange) -> Comparison:
    current = Path(figures_dir) / change.edition / change.item
    current_dir = current if current.is_dir() else None
    accepted_dir = accepted_copy(root, change.output, change.accepted)
    if change.state == "changed" and accepted_dir is None:
        return Comparison(change, None, current_dir, None, None)
    empty = pd.DataFrame(columns=["entity_code", "period"])
    old = read_data(accepted_dir, change.item)
    new = read_data(current_dir, change.item)
    values = value_changes(old if old is not None else empty, new if new is not None else empty)
    texts = text_changes(read_record(accepted_dir, change.item), read_record(current_dir, change.item))
    return Comparison(change, accepted_dir, current_dir, values, texts)


# --- accepting: the changelog entry ------------------------------------------------------------------------------

MAX_VALUES_LISTED = 40  # per item edition; the rest are counted


def _summary(comparison: Comparison) -> str:
    """What changed in one changed item edition, in a few words."""
    if not comparison.compared:
        return f"{comparison.change.item} (not compared: the accepted files were not on this machine)"
    values = comparison.values
    parts = [f"{n} {kind}" for kind in ("revised", "added", "removed") if (n := int((values["change"] == kind).sum()))]
    words = ", ".join(parts) + (" value(s)" if parts else "")
    texts = sorted({t["field"] for t in comparison.texts or []})
    what = "; ".join(p for p in (words, ("texts: " + ", ".join(texts)) if texts else "") if p)
    return f"{comparison.change.item} ({what or 'drawings only'})"


def edition_summary(comparisons: list[Comparison]) -> str:
    """One edition's changes: each changed item edition with what changed, then the new and the removed ones."""
    if not comparisons:
        return "unchanged"
    parts = [_summary(c) for c in comparisons if c.change.state == "changed"]
    for state in ("new", "removed"):
        items = [c.change.item for c in comparisons if c.change.state == state]
        if items:
            parts.append(f"{state}: {', '.join(items)}")
    return " · ".join(parts)


def entry_title(day: dt.date, titles: list[str]) -> str:
    """`Accepted — DATE`, or `Accepted — DATE (n)` for the n-th entry of a day that has one already: each entry keeps
    a heading (and a link anchor) of its own, and a problem naming an entry names one."""
    title = f"{HEADING} — {day.isoformat()}"
    same_day = sum(1 for t in titles if t == title or t.startswith(f"{title} ("))
    return f"{title} ({same_day + 1})" if same_day else title


def entry_text(
    title: str, why: str, vintages: list[tuple[str, str]], comparisons: list[Comparison], record: dict[Output, str]
) -> str:
    """A changelog entry: its title (`entry_title`), why, the vintages that arrived, the item editions that changed
    (per edition), the values revised, and the fingerprints of the outputs it accepts."""
    lines = [f"## {title}", ""]
    lines.append(f"- **Why**: {markdown_text(why) if why.strip() else NO_REASON}")
    listed = ", ".join(f"`{s}/{v}`" for s, v in vintages) or "none"
    lines.append(f"- **New vintages** ({len(vintages)}): {listed}")
    for edition in EDITIONS:
        mine = [c for c in comparisons if c.change.edition == edition]
        label = "Report edition" if edition == "report" else "Latest edition"
        lines.append(f"- **{label}**: {edition_summary(mine)}")
    revised = [(c, row) for c in comparisons if c.compared for _, row in c.values.iterrows() if row["change"] == "revised"]
    if revised:
        lines.append(f"- **Revised values** ({len(revised)}):")
        by_output: dict[Output, int] = {}
        for comparison, row in revised:
            shown = by_output[comparison.change.output] = by_output.get(comparison.change.output, 0) + 1
            if shown <= MAX_VALUES_LISTED:
                column = "" if row["column"] == "value" else f" {row['column']}"
                lines.append(
                    f"  - {output_name(comparison.change.output)}: {markdown_text(row['key'])}{column}: "
                    f"{markdown_text(row['accepted'])} → {markdown_text(row['new'])}"
                )
        for output, count in by_output.items():
            if count > MAX_VALUES_LISTED:
                lines.append(f"  - {output_name(output)}: and {count - MAX_VALUES_LISTED} more")
    accepted = [c.change for c in comparisons]
    lines.append(f"- **Outputs** ({len(accepted)}; each item edition's folder under figures/ and its fingerprint):")
    for change in accepted:
        lines.append(f"  - `{output_name(change.output)}` `{change.current or REMOVED}`")
    return "\n".join(lines) + "\n"


def insert_entry(changelog: str, entry: str) -> str:
    """The changelog with ``entry`` before its newest entry (after the introduction)."""
    first = _ENTRY.search(changelog)
    if first is None:
        return changelog.rstrip("\n") + "\n\n" + entry
    return changelog[: first.start()] + entry + "\n" + changelog[first.start() :]


class NothingToAccept(Exception):
    """The outputs are the accepted ones and no vintage arrived."""


class WhyNeeded(ValueError):
    """The report edition changed and no message says why."""


def accept(
    root: Path, figures_dir: Path, raw_dir: Path, why: str, day: dt.date, order: list[str] | None = None
) -> tuple[str, list[Comparison]]:
    """The entry accepting the outputs in ``figures_dir`` (compared with the record in CHANGELOG.md and the accepted
    copies in build/accepted/) and the vintages that arrived since the last entry; CHANGELOG.md is written with it.
    Raises NothingToAccept, or WhyNeeded when the report edition changed without a message (it never changes without
    one that says why)."""
    from techgap.io import write_text

    path = Path(root) / CHANGELOG_FILE
    entries = read_entries(root)
    record = accepted_record(entries)
    comparisons = [compare_output(root, figures_dir, change) for change in changed_outputs(figures_dir, record, order)]
    arrived = sorted(vintages_on_disk(raw_dir) - named_vintages(entries))
    if not comparisons and not arrived:
        raise NothingToAccept("nothing to accept: the outputs are the accepted ones and no vintage arrived")
    report = [c.change.item for c in comparisons if c.change.edition == "report"]
    if report and not why.strip():
        raise WhyNeeded(
            f"the report edition changed ({', '.join(report)}): it never changes without a reason; "
            "say why: bash scripts/accept.sh 'why the report edition changed'"
        )
    entry = entry_text(entry_title(day, [e.title for e in entries]), why, arrived, comparisons, record)
    text = path.read_text(encoding="utf-8") if path.is_file() else "# Changelog\n"
    write_text(path, insert_entry(text, entry))
    return entry, comparisons


# --- the checks a test makes on a changelog and its outputs --------------------------------------------------------


def record_problems(root: Path, figures_dir: Path, raw_dir: Path) -> list[str]:
    """Why the changelog does not account for the outputs and vintages: an output changed without an entry, a report
    edition accepted without a reason, a vintage named that is not on disk or on disk and never named."""
    entries = read_entries(root)
    problems = []
    record = accepted_record(entries)
    if not record:
        problems.append(f"{CHANGELOG_FILE} records no accepted outputs (run bash scripts/accept.sh)")
    for change in changed_outputs(figures_dir, record):
        problems.append(
            f"{output_name(change.output)}: {change.state} without a changelog entry "
            f"(files {change.current or 'gone'}, accepted {change.accepted or 'never'})"
        )
    for entry in entries:
        report = [output_name(o) for o in entry.outputs if o[0] == "report"]
        if report and not entry.why:
            problems.append(f"entry '{entry.title}' accepts {', '.join(report)} of the report edition without saying why")
    on_disk, named = vintages_on_disk(raw_dir), named_vintages(entries)
    problems += [f"{s}/{v} is named in {CHANGELOG_FILE} but not under data/raw/" for s, v in sorted(named - on_disk)]
    problems += [f"{s}/{v} arrived without a changelog entry" for s, v in sorted(on_disk - named)]
    return problems

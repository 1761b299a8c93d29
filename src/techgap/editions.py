"""Editions: one item spec, two builds.

`report` is the item as the report printed it — its periods, entities and categories, on the vintages pinned in
`config/config.yaml: report_vintages` — and never moves when new data arrive. `latest` is the same design on the
newest vintage of every source, extended to the newest data (`to: latest`, see techgap.selection). Any value of an
item may be an edition switch `{report: A, latest: B}` (techgap.switches); everything else is shared, so there is
no second copy of an item.

Each (item, edition) is resolved once into an `EditionItem`: every switch resolved, the selections that do not
apply left out, and the spec typed by its chart kind (techgap.kinds). Drawing, texts, manifest and page read it."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from techgap import switches
from techgap.config import ItemSpec, Project
from techgap.errors import InputError
from techgap.kinds import KINDS, ChartSpec, Fact, Selection
from techgap.model import Bilingual
from techgap.provenance import check_report_pin, list_vintages, resolve_vintage

EDITIONS = switches.EDITIONS


@dataclass(frozen=True)
class EditionItem:
    """One item as one edition builds it."""

    id: str
    edition: str
    kind: str  # figure or table
    chart: str
    title: Bilingual
    sources: list[str]
    spec: Any  # the chart kind's model (techgap.kinds), every switch resolved
    facts: dict[str, Fact]
    status: Any  # a status, or a coverage switch {complete, incomplete} only the build can resolve
    status_reason: str
    source_note: Bilingual | None

    @property
    def selections(self) -> list[Selection]:
        return list(getattr(self.spec, "data", []))


def available(project: Project, source_id: str, withheld: Collection[str] = ()) -> bool:
    """Whether a source has any vintage on disk (API sources have none before their first refresh).
    ``withheld``: sources an edition treats as absent (an API vintage with nothing the item can draw)."""
    return source_id not in withheld and bool(list_vintages(project.raw_dir, source_id))


def applies(project: Project, selection: Selection, edition: str, withheld: Collection[str] = ()) -> bool:
    """A selection applies in the editions it names, unless it is `optional` and its source has no vintage, or
    `unless_source` names a source that has one."""
    if selection.editions is not None and edition not in selection.editions:
        return False
    if selection.optional and not available(project, selection.source, withheld):
        return False
    return not (selection.unless_source and available(project, selection.unless_source, withheld))


def edition_item(project: Project, item: ItemSpec, edition: str, withheld: Collection[str] = ()) -> EditionItem:
    """The item as one edition builds it (``withheld`` sources count as having no vintage)."""

    def has_vintage(source_id: str) -> bool:
        return available(project, source_id, withheld)

    def resolved(value: Any) -> Any:
        return switches.for_sources(switches.for_edition(value, edition), has_vintage)

    spec = KINDS[item.chart].model_validate(resolved(item.spec))
    if isinstance(spec, ChartSpec) and hasattr(spec, "data"):
        spec = spec.model_copy(update={"data": [s for s in spec.data if applies(project, s, edition, withheld)]})
    source_note = resolved(item.source_note.model_dump() if isinstance(item.source_note, Bilingual) else item.source_note)
    return EditionItem(
        id=item.id,
        edition=edition,
        kind=item.kind,
        chart=item.chart,
        title=item.latest_title if edition == "latest" and item.latest_title else item.title,
        sources=list(item.sources),
        spec=spec,
        facts={name: Fact.model_validate(resolved(fact)) for name, fact in item.facts.items()},
        status=resolved(item.status),
        status_reason=str(resolved(item.status_reason) or ""),
        source_note=Bilingual.model_validate(source_note) if source_note else None,
    )


def declared_status(project: Project, item: ItemSpec, edition: str) -> str:
    """The status one edition declares, before it is built: a coverage switch, which only the build can resolve,
    shows both branches ('reproduced or partial')."""
    status = switches.for_sources(switches.for_edition(item.status, edition), lambda s: available(project, s))
    if switches.is_coverage_switch(status):
        return f"{status['complete']} or {status['incomplete']}"
    return str(status)


def edition_sources(project: Project, item: ItemSpec, edition: str, withheld: Collection[str] = ()) -> list[str]:
    """Sources one edition of an item reads: those of its selections that apply and of its facts; an item without
    selections (the gap analysis) reads its sources whole."""
    resolved = edition_item(project, item, edition, withheld)
    if not hasattr(resolved.spec, "data"):
        return sorted(s for s in item.sources if available(project, s))
    found = [selection.source for selection in resolved.selections]
    found += [fact.source for fact in resolved.facts.values() if fact.source]
    return sorted(set(found))


def edition_vintages(project: Project, edition: str, source_ids: Iterable[str]) -> dict[str, str]:
    """The vintage each source is read at in one edition; the report edition's pins are checked against their
    recorded payloads."""
    source_ids = sorted(set(source_ids))
    if edition == "latest":
        return {s: resolve_vintage(project.raw_dir, s, project.settings.vintages) for s in source_ids}
    pins = project.settings.report_pins()
    unpinned = [s for s in source_ids if s not in pins]
    if unpinned:
        raise InputError(
            project.root / "config" / "config.yaml",
            f"the report edition reads {', '.join(unpinned)} but no vintage is pinned for it",
            field="report_vintages",
            expected="a vintage (YYYY-MM-DD folder under data/raw/<source>/) and its sha256 per source the report edition reads",
        )
    vintages = {s: resolve_vintage(project.raw_dir, s, pins) for s in source_ids}
    for source_id, vintage in vintages.items():
        check_report_pin(project.raw_dir, source_id, vintage, project.settings.report_vintages[source_id].sha256)
    return vintages


def item_snapshots(project: Project, item: ItemSpec) -> set[tuple[str, str]]:
    """The (source, vintage) pairs one item reads in either edition, plus the newest vintage of each of its
    sources (so the ledger finds every source's newest table)."""
    pairs = set()
    for edition in EDITIONS:
        pairs |= set(edition_vintages(project, edition, edition_sources(project, item, edition)).items())
    newest = edition_vintages(project, "latest", [s for s in item.sources if available(project, s)])
    return pairs | set(newest.items())


def group_snapshots(project: Project, group: str) -> list[tuple[str, str]]:
    return sorted({pair for item in project.groups()[group] for pair in item_snapshots(project, item)})


def snapshot_owners(project: Project, snapshots: Mapping[str, list[tuple[str, str]]] | None = None) -> dict[tuple[str, str], str]:
    """The one group whose job writes each processed table: groups of the report's items before analysis groups
    (which read many sources), then by name. Other groups that read the same snapshot normalize it in memory and
    do not write it. ``snapshots``: each group's group_snapshots, when the caller has them."""
    groups = project.groups()
    order = sorted(groups, key=lambda g: (any(i.is_analysis for i in groups[g]), g))
    owners: dict[tuple[str, str], str] = {}
    for group in order:
        for pair in snapshots[group] if snapshots is not None else group_snapshots(project, group):
            owners.setdefault(pair, group)
    return owners

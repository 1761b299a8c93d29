"""Editions: one item spec, two builds.

`report` is the item as the report printed it — its periods, entities and categories, on the vintages
pinned in `config/config.yaml: report_vintages` — and never moves when new data arrive. `latest` is the
same design on the newest vintage of every source, extended to the newest data (period tokens such as
`to: latest`, see render/data.py). Any value of an item's spec may be an *edition switch*
``{report: A, latest: B}``; everything else is shared, so there is no second copy of an item."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from typing import Any

from techgap.config import ItemSpec, Project
from techgap.errors import InputError
from techgap.paths import EDITIONS
from techgap.provenance import check_report_pin, list_vintages, resolve_vintage

SWITCH_KEYS = frozenset(EDITIONS)


def is_switch(value: object) -> bool:
    return isinstance(value, dict) and set(value) == SWITCH_KEYS


def for_edition(value: Any, edition: str) -> Any:
    """``value`` with every edition switch replaced by the edition's branch, recursively."""
    if edition not in EDITIONS:
        raise ValueError(f"unknown edition {edition!r}; known: {', '.join(EDITIONS)}")
    if is_switch(value):
        return for_edition(value[edition], edition)
    if isinstance(value, dict):
        return {key: for_edition(inner, edition) for key, inner in value.items()}
    if isinstance(value, list):
        return [for_edition(inner, edition) for inner in value]
    return value


def edition_item(item: ItemSpec, edition: str) -> ItemSpec:
    """The item as one edition builds it: every switch resolved."""
    return item.model_copy(
        update={
            "spec": _only_this_editions_selections(for_edition(item.spec, edition), edition),
            "facts": for_edition(item.facts, edition),
            "status": for_edition(item.status, edition),
            "status_reason": for_edition(item.status_reason, edition),
            "source_note": for_edition(item.source_note, edition),
            "title": item.latest_title if edition == "latest" and item.latest_title else item.title,
        }
    )


def _only_this_editions_selections(spec: dict[str, Any], edition: str) -> dict[str, Any]:
    """A selection with `editions: [...]` belongs to those editions only (e.g. another source's newer
    years drawn in the latest edition while the report edition keeps the report's sources)."""
    if "data" not in spec:
        return spec
    return {**spec, "data": [s for s in spec["data"] if edition in s.get("editions", EDITIONS)]}


def selections(item: ItemSpec) -> list[dict[str, Any]]:
    """The item's data selections (after edition resolution)."""
    return list(item.spec.get("data", []))


def available(project: Project, source_id: str, withheld: Collection[str] = ()) -> bool:
    """Whether a source has any vintage on disk (API sources have none before their first refresh).
    ``withheld``: sources an edition treats as absent (an API vintage with nothing the item can draw)."""
    return source_id not in withheld and bool(list_vintages(project.raw_dir, source_id))


SOURCE_SWITCH_KEYS = frozenset({"if_source", "then", "else"})


def for_sources(project: Project, value: Any, withheld: Collection[str] = ()) -> Any:
    """``value`` with every source switch ``{if_source: S, then: A, else: B}`` replaced by A when source
    S has a vintage and B otherwise, recursively: texts that must follow which series is drawn (an API
    series once it has been refreshed, the transcribed one before)."""
    if isinstance(value, dict) and set(value) == SOURCE_SWITCH_KEYS:
        chosen = value["then"] if available(project, value["if_source"], withheld) else value["else"]
        return for_sources(project, chosen, withheld)
    if isinstance(value, dict):
        return {key: for_sources(project, inner, withheld) for key, inner in value.items()}
    if isinstance(value, list):
        return [for_sources(project, inner, withheld) for inner in value]
    return value


COVERAGE_SWITCH_KEYS = frozenset({"complete", "incomplete"})


def for_coverage(value: Any, complete: bool) -> Any:
    """A status given as a coverage switch ``{complete: A, incomplete: B}``: A when every cell the item
    requests has a value, B otherwise (an API answer that covers only part of what the item draws)."""
    if isinstance(value, dict) and set(value) == COVERAGE_SWITCH_KEYS:
        return value["complete" if complete else "incomplete"]
    return value


def declared_status(project: Project, item: ItemSpec, edition: str) -> str:
    """The status one edition declares, before it is built: edition and source switches resolved; a
    coverage switch, which only the build can resolve, shows both branches ('reproduced or partial')."""
    status = for_sources(project, for_edition(item.status, edition))
    if isinstance(status, dict) and set(status) == COVERAGE_SWITCH_KEYS:
        return f"{status['complete']} or {status['incomplete']}"
    return str(status)


def edition_sources(project: Project, item: ItemSpec, edition: str, withheld: Collection[str] = ()) -> list[str]:
    """Sources one edition of an item reads: the sources of its selections that apply (a selection
    marked `optional` is skipped while its source has no vintage; `unless_source` skips a selection
    once the named source has one)."""
    resolved = edition_item(item, edition)
    if not selections(resolved):  # an analysis item reads its sources whole
        return sorted(s for s in item.sources if available(project, s))
    out = []
    for selection in selections(resolved):
        if applies(project, selection, withheld):
            out.append(selection["source"])
    for fact in resolved.facts.values():
        if fact.get("source"):
            out.append(fact["source"])
    return sorted(set(out))


def applies(project: Project, selection: dict[str, Any], withheld: Collection[str] = ()) -> bool:
    if selection.get("optional") and not available(project, selection["source"], withheld):
        return False
    unless = selection.get("unless_source")
    return not (unless and available(project, unless, withheld))


def edition_vintages(project: Project, edition: str, source_ids: Iterable[str]) -> dict[str, str]:
    """The vintage each source is read at in one edition."""
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
            expected="a vintage (YYYY-MM-DD folder under data/raw/<source>/) per source the report edition reads",
        )
    vintages = {s: resolve_vintage(project.raw_dir, s, pins) for s in source_ids}
    for source_id, vintage in vintages.items():
        check_report_pin(project.raw_dir, source_id, vintage, project.settings.report_vintages[source_id].sha256)
    return vintages


def item_vintages(project: Project, item: ItemSpec) -> dict[str, dict[str, str]]:
    """{edition: {source: vintage}} for one item."""
    return {edition: edition_vintages(project, edition, edition_sources(project, item, edition)) for edition in EDITIONS}


def item_snapshots(project: Project, item: ItemSpec) -> set[tuple[str, str]]:
    """The (source, vintage) pairs one item reads in either edition, plus the newest vintage of each
    of its sources (so the ledger finds every source's newest table)."""
    pairs = set()
    for edition in EDITIONS:
        pairs |= set(edition_vintages(project, edition, edition_sources(project, item, edition)).items())
    newest = edition_vintages(project, "latest", [s for s in item.sources if available(project, s)])
    return pairs | set(newest.items())


def group_snapshots(project: Project, group: str) -> list[tuple[str, str]]:
    return sorted({pair for item in project.groups()[group] for pair in item_snapshots(project, item)})


def snapshot_owners(project: Project, snapshots: Mapping[str, list[tuple[str, str]]] | None = None) -> dict[tuple[str, str], str]:
    """The one group whose job writes each processed table: groups of the report's items before
    analysis groups (which read many sources), then by name. Other groups that read the same snapshot
    normalize it in memory and do not write it. ``snapshots``: each group's group_snapshots, when the
    caller has them (the Snakefile does)."""
    groups = project.groups()
    order = sorted(groups, key=lambda g: (any(i.is_analysis for i in groups[g]), g))
    owners: dict[tuple[str, str], str] = {}
    for group in order:
        for pair in snapshots[group] if snapshots is not None else group_snapshots(project, group):
            owners.setdefault(pair, group)
    return owners

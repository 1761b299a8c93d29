"""Switches in an item's configuration: values that depend on the edition, on whether a source has a vintage
yet, or on whether every requested cell has a value. Pure functions over plain values; techgap.editions
resolves them against a project.

- edition switch `{report: A, latest: B}`: A in the report edition, B in the latest;
- source switch `{if_source: S, then: A, else: B}`: A once source S has a vintage (an API series after its
  first refresh), B before;
- coverage switch `{complete: A, incomplete: B}` (a status only): A when every requested cell has a value."""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterator
from typing import Any

EDITIONS = ("report", "latest")
EDITION_KEYS = frozenset(EDITIONS)
SOURCE_SWITCH = ("if_source", "then", "else")
SOURCE_KEYS = frozenset(SOURCE_SWITCH)
COVERAGE_SWITCH = ("complete", "incomplete")
COVERAGE_KEYS = frozenset(COVERAGE_SWITCH)


# Each kind of switch: its name, its keys, and the keys that make a mapping one whatever else it holds ('latest'
# alone does not: `periods: {latest: 4}` is a form of its own).
SWITCH_KINDS = (
    ("an edition switch", EDITIONS, {"report"}),
    ("a source switch", SOURCE_SWITCH, {"if_source"}),
    ("a coverage switch", COVERAGE_SWITCH, COVERAGE_KEYS),
)


def mistyped_switches(value: Any, where: str) -> Iterator[tuple[str, str]]:
    """(field, what is wrong) for each mapping in ``value`` meant as a switch without exactly the switch's keys:
    `{report: A, latest: B, lates: C}`, `{if_source: S, then: A, els: B}`, `{latst: A, report: B}`. A mapping is
    meant as a switch when it holds a key that starts one, or holds some of its keys and a near miss of one it
    lacks; anything else is left to the model of the key it is under."""
    if isinstance(value, list):
        for number, inner in enumerate(value):
            yield from mistyped_switches(inner, f"{where}[{number}]")
        return
    if not isinstance(value, dict):
        return
    keys = {str(key) for key in value}
    for name, ordered, starting in SWITCH_KINDS:
        switch_keys = set(ordered)
        if keys == switch_keys or not keys & switch_keys:
            continue
        missing, extra = sorted(switch_keys - keys), sorted(keys - switch_keys)
        near = {key: difflib.get_close_matches(key, missing, n=1) for key in extra}
        if not keys & starting and not any(near.values()):
            continue
        takes = ", ".join(ordered[:-1]) + " and " + ordered[-1]
        if extra:
            hint = f" (did you mean {near[extra[0]][0]!r}?)" if near[extra[0]] else ""
            yield where, f"unknown key {extra[0]!r} in {name}, which takes exactly {takes}{hint}"
        else:
            yield where, f"{name} takes exactly {takes}; {missing[0]!r} is missing"
        return
    for key, inner in value.items():
        yield from mistyped_switches(inner, f"{where}.{key}" if where else str(key))


def is_edition_switch(value: object) -> bool:
    return isinstance(value, dict) and set(value) == EDITION_KEYS


def is_source_switch(value: object) -> bool:
    return isinstance(value, dict) and set(value) == SOURCE_KEYS


def is_coverage_switch(value: object) -> bool:
    return isinstance(value, dict) and set(value) == COVERAGE_KEYS


def for_edition(value: Any, edition: str) -> Any:
    """``value`` with every edition switch replaced by the edition's branch, recursively."""
    if edition not in EDITIONS:
        raise ValueError(f"unknown edition {edition!r}; known: {', '.join(EDITIONS)}")
    if is_edition_switch(value):
        return for_edition(value[edition], edition)
    if isinstance(value, dict):
        return {key: for_edition(inner, edition) for key, inner in value.items()}
    if isinstance(value, list):
        return [for_edition(inner, edition) for inner in value]
    return value


def for_sources(value: Any, has_vintage: Callable[[str], bool]) -> Any:
    """``value`` with every source switch replaced by its `then` branch where the source has a vintage and its
    `else` branch otherwise, recursively."""
    if is_source_switch(value):
        return for_sources(value["then"] if has_vintage(value["if_source"]) else value["else"], has_vintage)
    if isinstance(value, dict):
        return {key: for_sources(inner, has_vintage) for key, inner in value.items()}
    if isinstance(value, list):
        return [for_sources(inner, has_vintage) for inner in value]
    return value


def for_coverage(value: Any, complete: bool) -> Any:
    """A coverage switch's branch: `complete` when every cell the item requests has a value."""
    if is_coverage_switch(value):
        return value["complete" if complete else "incomplete"]
    return value


def leaves(value: Any) -> list[Any]:
    """Every plain value a switched value can take (each branch of each switch)."""
    if is_source_switch(value):
        return leaves(value["then"]) + leaves(value["else"])
    if is_edition_switch(value) or is_coverage_switch(value):
        return [leaf for inner in value.values() for leaf in leaves(inner)]
    return [value]


def has_source_switch(value: Any) -> bool:
    if is_source_switch(value):
        return True
    if isinstance(value, dict):
        return any(has_source_switch(inner) for inner in value.values())
    if isinstance(value, list):
        return any(has_source_switch(inner) for inner in value)
    return False


def variants(value: Any) -> Iterator[tuple[str, Any]]:
    """(which, value) for each edition and, where source switches appear, each of their branches: every form
    of ``value`` the build can meet, for validating it whole at load time."""
    for edition in EDITIONS:
        resolved = for_edition(value, edition)
        if not has_source_switch(resolved):
            yield f"{edition} edition", resolved
            continue
        for branch, present in (("once the source has a vintage", True), ("before the source has a vintage", False)):
            yield f"{edition} edition, {branch}", for_sources(resolved, lambda _source, present=present: present)

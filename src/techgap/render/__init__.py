"""Drawing: one draw function per chart kind (techgap.kinds), registered with ``@draws``; every draw function
takes the edition's drawn item, its rows and a Context, and returns a Drawing (render/layout.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

DRAWERS: dict[str, Callable[..., Any]] = {}


def draws(*models: type) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register the decorated function as the drawing of each model's kind."""

    def register(function: Callable[..., Any]) -> Callable[..., Any]:
        for model in models:
            DRAWERS[model.kind] = function
        return function

    return register


def drawer(kind: str) -> Callable[..., Any]:
    """The draw function of a chart kind."""
    from techgap.render import charts, gap_render, tables  # noqa: F401 - their functions register themselves

    return DRAWERS[kind]

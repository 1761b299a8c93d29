"""Draw one chart kind on rows made in a test: the typed spec, a drawn item with texts, the project's palette."""

from __future__ import annotations

from typing import Any

import pandas as pd
from conftest import ROOT

from techgap.config import Plotting, load_yaml
from techgap.kinds import KINDS
from techgap.model import Bilingual
from techgap.render import drawer
from techgap.render.items import DrawnItem
from techgap.render.layout import Context, Drawing
from techgap.render.style import apply_style

NAMES = {"CHN": "China", "USA": "United States", "TWN": "Taiwan", "JPN": "Japan", "KOR": "South Korea"}


def plotting() -> Plotting:
    return Plotting.model_validate(load_yaml(ROOT / "config" / "plotting.yaml"))


def context(lang: str = "en", names: dict[str, str] | None = None, country: Any = None) -> Context:
    names = {**NAMES, **(names or {})}
    return Context(
        lang=lang, name=lambda code: names.get(code, code), plotting=plotting(), country=country or (lambda code: None)
    )


def drawn_item(kind: str, spec: dict[str, Any], item_id: str = "test") -> DrawnItem:
    model = KINDS[kind]
    typed = model.model_validate(spec)
    if typed.subtitle is None and "subtitle" in model.model_fields:
        typed = typed.model_copy(update={"subtitle": Bilingual(zh="測試", en="Test")})
    return DrawnItem(
        id=item_id,
        kind=model.output,
        chart=kind,
        title=Bilingual(zh="測試圖", en="Test figure"),
        source_line={"zh": "資料來源：測試。", "en": "Source: test."},
        spec=typed,
    )


def draw(kind: str, rows: pd.DataFrame, spec: dict[str, Any], lang: str = "en", **context_args: Any) -> Drawing:
    apply_style(plotting())
    return drawer(kind)(drawn_item(kind, spec), rows, context(lang, **context_args))


def long_rows(records: list[tuple], columns: tuple[str, ...] = ("entity_code", "period", "value", "flag")) -> pd.DataFrame:
    """Rows as the selection gives them: the named columns, the rest filled as a source's rows would be."""
    frame = pd.DataFrame(records, columns=list(columns))
    defaults = {
        "indicator": "x",
        "category": "",
        "label": "",
        "label_en": "",
        "unit": "USD",
        "source": "api",
        "flag": "",
        "document": "doc",
        "entity": "",
    }
    for column, value in defaults.items():
        if column not in frame:
            frame[column] = value
    return frame

"""A cell the source marks missing and a cell the chart has no bar for make one "No value in the data drawn"
sentence, each cell named once (fig21's latest edition on World Bank data named EU-27 2020 twice)."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from drawing import draw

NAMES = {"USA": "United States", "EU27": "EU-27", "EAP": "East Asia & Pacific"}


def rows(records: list[tuple[str, str, float, str]]) -> pd.DataFrame:
    frame = pd.DataFrame(records, columns=["entity_code", "period", "value", "flag"])
    for column, value in {"indicator": "x", "category": "", "label": "", "label_en": "", "unit": "USD", "source": "api"}.items():
        frame[column] = value
    return frame


def footer(fig) -> str:
    return " ".join(t.get_text().replace("\n", " ") for t in fig.texts)


def test_a_cell_missing_in_the_source_and_without_a_bar_is_named_once_in_one_sentence() -> None:
    data = rows(
        [
            ("USA", "2020", 134.0, ""),
            ("USA", "2021", 367.0, ""),
            ("EU27", "2020", np.nan, "missing"),  # the source sent null: named by the missing-row filter ...
            ("EU27", "2021", 100.0, ""),
            ("EAP", "2020", np.nan, "missing"),
            ("EAP", "2021", np.nan, "missing"),
        ]
    )
    spec = {"x": "period", "entities": ["USA", "EU27"]}
    fig = draw("grouped_bar", data, spec, names=NAMES).figure
    text = footer(fig)
    plt.close(fig)
    # ... and it has no bar in the grouped chart either: still one sentence, each cell once
    assert text.count("No value in the data drawn") == 1
    assert text.count("EU-27 2020") == 1
    assert "East Asia & Pacific 2020" in text and "East Asia & Pacific 2021" in text


def test_a_cell_only_the_chart_lacks_is_still_named() -> None:
    data = rows([("USA", "2020", 134.0, ""), ("USA", "2021", 367.0, ""), ("EU27", "2021", 100.0, "")])
    spec = {"x": "period", "entities": ["USA", "EU27"]}
    fig = draw("grouped_bar", data, spec, names=NAMES).figure
    text = footer(fig)
    plt.close(fig)
    assert text.count("No value in the data drawn") == 1 and "EU-27 2020" in text

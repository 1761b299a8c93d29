"""Partial items that gained data (issue 17, round 4a): fig03 and fig07 draw, in their latest edition,
values from documents new to the project, each measure in panels of its own; the report edition is
unchanged. Expected numbers are typed from the documents (cited per test), not read from program
output. Items are built in a copy of the project whose editions are pinned to named vintages (the latest to the
one that holds the new documents), so the tests do not depend on which vintages the real data hold."""

from __future__ import annotations

import json
import re
import shutil

import matplotlib.pyplot as plt
import pandas as pd
import pytest
from conftest import copy_project

from techgap import cli
from techgap.errors import InputError
from techgap.render.charts import CHARTS, Context

NEW_VINTAGE = "2026-11-29"
REPORT_VINTAGES = {"nature_index": "2026-11-27", "ai_index_2023_public_data": "2026-11-28"}


@pytest.fixture(scope="module")
def root(tmp_path_factory):
    """A copy of the project with fig03 and fig07 built: the latest edition pinned to NEW_VINTAGE, the report
    edition to the report's vintages."""
    target = tmp_path_factory.mktemp("partial_a") / "project"
    target.mkdir()
    copy_project(target, with_figures=False)
    config = target / "config" / "config.yaml"
    text = config.read_text(encoding="utf-8")
    pins = ", ".join(f"{source}: {NEW_VINTAGE}" for source in REPORT_VINTAGES)
    text = text.replace("vintages: {}", f"vintages: {{{pins}}}", 1)
    for source, vintage in REPORT_VINTAGES.items():
        text = re.sub(rf"^  {source}: .*$", f"  {source}: {vintage}", text, flags=re.M)
    config.write_text(text, encoding="utf-8")
    for item_id in ("fig03", "fig07"):
        assert cli.main(["--root", str(target), "render", item_id]) == 0
    yield target
    shutil.rmtree(target, ignore_errors=True)


def data_csv(root, item_id: str, edition: str) -> pd.DataFrame:
    return pd.read_csv(root / "figures" / edition / item_id / f"{item_id}.csv", dtype={"period": str})


def values(frame: pd.DataFrame, indicator: str) -> dict[tuple[str, str], float]:
    rows = frame[frame["indicator"] == indicator]
    return {(c, p): v for c, p, v in zip(rows["entity_code"], rows["period"], rows["value"], strict=True)}


def reason(root, item_id: str, edition: str) -> str:
    return json.loads((root / "figures" / edition / item_id / f"{item_id}.meta.json").read_text(encoding="utf-8"))["reason"]


# The report's Figure 3 data as found before this round: ORDO News on the 2020 Annual Tables (2019) and
# Nature's "China overtakes United States" (2022), both natural-science Share.
NATURAL_SCIENCE_SHARE = {
    ("JPN", "2019"): 3024.32,
    ("FRA", "2019"): 2238.55,
    ("CAN", "2019"): 1602.09,
    ("CHE", "2019"): 1487.88,
    ("KOR", "2019"): 1435.23,
    ("AUS", "2019"): 1259.95,
    ("CHN", "2022"): 19373,
    ("USA", "2022"): 17610,
}


def test_fig03_latest_draws_the_research_leaders_share_beside_the_natural_science_share(root):
    latest = data_csv(root, "fig03", "latest")
    # Springer Nature, Research Leaders 2024 (2024-06-18): China 23,171.84 (2023); Nature, "Nature Index 2025 Research
    # Leaders" (2025-06): China 32,122 and the United States 22,083 (2024); 145 natural- and health-science journals
    assert values(latest, "nature_index_share_overall_natural_plus_health") == {
        ("CHN", "2023"): 23171.84,
        ("CHN", "2024"): 32122,
        ("USA", "2024"): 22083,
    }
    assert values(latest, "nature_index_share_natural_sciences") == NATURAL_SCIENCE_SHARE
    assert "natural- and health-science journals" in reason(root, "fig03", "latest")


def test_fig03_report_edition_is_unchanged(root):
    report = data_csv(root, "fig03", "report")
    assert set(report["indicator"]) == {"nature_index_share_natural_sciences"}
    assert values(report, "nature_index_share_natural_sciences") == NATURAL_SCIENCE_SHARE
    assert reason(root, "fig03", "report") == (
        "Nature Index overall Share by country and year was not found in any stored copy; "
        "drawn: the natural-science Share values found, for 2019, 2022."
    )


# AI Index 2023 chapter 1 (third-party summary): authors of 2022 large language and multimodal models
AUTHOR_SHARES_2022 = {("USA", "2022"): 54.2, ("GBR", "2022"): 21.9, ("CHN_INSTITUTIONS", "2022"): 8.0}


def test_fig07_latest_draws_the_notable_models_the_ai_index_states_for_later_years(root):
    latest = data_csv(root, "fig07", "latest")
    # AI Index 2024, chapter 1 highlights: "In 2023, 61 notable AI models originated from U.S.-based institutions,
    # far outpacing the European Union's 21 and China's 15." AI Index 2025, Research and Development: "In 2024,
    # U.S.-based institutions produced 40 notable AI models, significantly surpassing China's 15 and Europe's
    # combined total of three."
    assert values(latest, "notable_ml_models") == {
        ("USA", "2023"): 61,
        ("EU27", "2023"): 21,
        ("CHN", "2023"): 15,
        ("USA", "2024"): 40,
        ("CHN", "2024"): 15,
        ("EUROPE", "2024"): 3,
    }
    assert values(latest, "llm_multimodal_author_share") == AUTHOR_SHARES_2022
    assert "notable AI models by country" in reason(root, "fig07", "latest")


def test_fig07_report_edition_is_unchanged(root):
    report = data_csv(root, "fig07", "report")
    assert set(report["indicator"]) == {"llm_multimodal_author_share"}
    assert values(report, "llm_multimodal_author_share") == AUTHOR_SHARES_2022


# --- drawing: two measures are never one series --------------------------------------------------------------


class _Item:
    id = "test"
    title = {"zh": "測試圖", "en": "Test figure"}
    source_line = {"zh": "資料來源：測試。", "en": "Source: test."}


def _ctx():
    names = {"CHN": "China", "USA": "United States", "EU27": "EU-27"}
    return Context(lang="en", name=lambda code: names.get(code, code))


def _rows(records):
    frame = pd.DataFrame(records, columns=["entity_code", "indicator", "period", "value", "unit"])
    for column in ("flag", "category", "label", "label_en"):
        frame[column] = ""
    frame["source"] = "test"
    return frame


def _entity_lines(fig) -> list:
    return [line for ax in fig.axes for line in ax.lines if getattr(line, "techgap_entity", None)]


LABELS = {"narrow": {"zh": "窄", "en": "narrow"}, "broad": {"zh": "寬", "en": "broad"}}


def test_two_labelled_measures_get_panels_of_their_own_not_one_chart():
    rows = _rows(
        [
            ("CHN", "narrow", "2022", 19373, "Share"),
            ("USA", "narrow", "2022", 17610, "Share"),
            ("CHN", "broad", "2023", 23172, "Share"),
            ("CHN", "broad", "2024", 32122, "Share"),
            ("USA", "broad", "2024", 22083, "Share"),
        ]
    )
    fig = CHARTS["grouped_bar"](_Item(), rows, _ctx(), {"x": "entity_code", "measure_labels": LABELS})
    titles = [ax.get_title(loc="left") for ax in fig.axes]
    assert titles == ["2022 only · narrow", "2023 only · broad", "2024 only · broad"]
    assert not _entity_lines(fig)
    assert len({ax.get_xlim() for ax in fig.axes}) == 1  # one unit, one scale
    plt.close(fig)
    unlabelled = CHARTS["grouped_bar"](_Item(), rows, _ctx(), {"x": "entity_code"})
    assert len(unlabelled.axes) == 1  # without labels both measures' periods are set side by side in one chart
    plt.close(unlabelled)


def test_panels_of_different_units_do_not_share_a_scale_but_panels_of_one_unit_do():
    rows = _rows(
        [
            ("USA", "narrow", "2022", 20.0, "percent"),
            ("CHN", "narrow", "2022", 8.0, "percent"),
            ("USA", "broad", "2023", 61, "count"),
            ("CHN", "broad", "2023", 15, "count"),
            ("USA", "broad", "2024", 40, "count"),
            ("EU27", "broad", "2024", 3, "count"),
        ]
    )
    fig = CHARTS["ranked_bar"](_Item(), rows, _ctx(), {"measure_labels": LABELS})
    percent, counts_2023, counts_2024 = (ax.get_xlim() for ax in fig.axes)
    assert counts_2023 == counts_2024 and counts_2023[1] >= 61
    assert percent[1] < 40  # its own scale, not the counts'
    plt.close(fig)


def test_a_drawn_measure_without_a_label_is_a_config_error_naming_the_field():
    rows = _rows([("CHN", "narrow", "2022", 1, "Share"), ("CHN", "other", "2023", 2, "Share")])
    with pytest.raises(InputError, match=r"spec\.measure_labels.*other|other.*spec\.measure_labels"):
        CHARTS["grouped_bar"](_Item(), rows, _ctx(), {"x": "entity_code", "measure_labels": {"narrow": LABELS["narrow"]}})
    plt.close("all")

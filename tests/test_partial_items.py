"""Partial items that gained data (issue 17, round 2): the latest edition draws the newer documents'
values, the report edition still shows the report's. Expected numbers are typed from the documents
(cited per test), not read from program output. Both editions are built on explicitly named vintages,
so the test does not depend on which vintages the real data hold."""

from __future__ import annotations

import pandas as pd
import pytest
from conftest import ROOT

from techgap.config import load_project
from techgap.entities import EntityRegistry
from techgap.normalize import normalize_source
from techgap.provenance import load_provenance
from techgap.render.items import item_rows, resolved_item
from techgap.texts import source_line

JOBS_104 = "job_bank_104_semiconductor"
VINTAGE_WITH_104_RELEASES = "2026-11-28"


@pytest.fixture(scope="module")
def project():
    return load_project(ROOT)


def rows_of(project, item_id: str, edition: str, vintages: dict[str, str]) -> pd.DataFrame:
    item = next(i for i in project.items if i.id == item_id)
    frames = {s: normalize_source(project, s, v) for s, v in vintages.items()}
    return item_rows(resolved_item(project, item, edition), frames, EntityRegistry(project.entities))


def test_fig19_latest_draws_104s_second_quarter_averages(project):
    rows = rows_of(project, "fig19", "latest", {JOBS_104: VINTAGE_WITH_104_RELEASES})
    drawn = dict(zip(rows["period"], rows["value"], strict=True))
    # NOWnews 2023-07-05 (2.3萬, 3.7萬, 1.9萬), the 2021 white paper report (27,701), 大紀元 2024-08-28 (2.6萬)
    assert drawn == {"2020Q2": 19000, "2021Q2": 27701, "2022Q2": 37000, "2023Q2": 23000, "2024Q2": 26000}
    assert set(rows["entity_code"]) == {"TWN"}
    assert "ndc2023_s4_semi_jobs_text" not in set(rows["document"])


def test_fig19_report_edition_keeps_the_reports_sentence(project):
    rows = rows_of(project, "fig19", "report", {JOBS_104: project.settings.report_vintages[JOBS_104]})
    # the report: 「2022年平均每月徵人需求…達 3.5 萬人」
    assert list(zip(rows["period"], rows["value"], strict=True)) == [("2022", 35000)]


def test_fig19_latest_labels_each_bar_with_its_quarter(project):
    item = resolved_item(project, next(i for i in project.items if i.id == "fig19"), "latest")
    assert item.spec["label_field"] == "period"


def test_two_passages_of_one_document_are_named_once_in_the_source_line(project):
    vintage = project.settings.report_vintages["eiu_china_chip_lag"]
    provenance = load_provenance(ROOT / "data" / "raw" / "eiu_china_chip_lag" / vintage / "provenance.yaml")
    rows = pd.DataFrame({"source": ["eiu_china_chip_lag"] * 2, "document": ["ndc2023_s4_chips_text", "ndc2023_fig15_source"]})
    for lang in ("zh", "en"):
        line = source_line(rows, {"eiu_china_chip_lag": provenance}, lang)
        assert line.count("中國推動技術自主之現況與影響") == 1, line


def test_fig02_latest_extends_china_with_nbs_communiques(project):
    rows = rows_of(project, "fig02", "latest", {"oecd_msti": "2026-11-27", "nbs_rd": "2026-11-27"})
    china_nbs = rows[(rows["entity_code"] == "CHN") & (rows["source"] == "nbs_rd")]
    # 2022年全国科技经费投入统计公报: 2.54%; 2023年公报: 2.65%
    assert dict(zip(china_nbs["period"], china_nbs["value"], strict=True)) == {"2022": 2.54, "2023": 2.65}
    assert set(rows.loc[rows["source"] == "nbs_rd", "entity_code"]) == {"CHN"}
    msti_china = rows[(rows["entity_code"] == "CHN") & (rows["source"] == "oecd_msti")]
    assert max(msti_china["period"]) == "2021"  # MSTI's newest Chinese value in that vintage; NBS does not replace it


def test_fig02_report_edition_reads_msti_only(project):
    pins = project.settings.report_vintages
    rows = rows_of(project, "fig02", "report", {"oecd_msti": pins["oecd_msti"], "ndc_report_text": pins["ndc_report_text"]})
    assert set(rows["source"]) == {"oecd_msti"}
    assert max(rows["period"]) == "2021"


def test_a_selection_limited_to_the_latest_edition_is_not_read_by_the_report_edition(project):
    from techgap.editions import edition_sources

    fig02 = next(i for i in project.items if i.id == "fig02")
    assert "nbs_rd" not in edition_sources(project, fig02, "report")
    assert "nbs_rd" in edition_sources(project, fig02, "latest")

"""The claims ledger on a small fixture with known supported, contradicted and uncheckable claims,
and malformed claim entries rejected with the claim id and field named."""

from __future__ import annotations

import math

import pandas as pd
import pytest
import yaml
from conftest import ROOT

from techgap.claims import compare_vintages, evaluate, load_claims, to_markdown
from techgap.config import load_project
from techgap.errors import InputError


@pytest.fixture(scope="module")
def project():
    return load_project(ROOT)


def frame(rows):
    out = pd.DataFrame(rows, columns=["entity_code", "indicator", "period", "value"])
    for column, default in (("category", ""), ("label", ""), ("document", "doc"), ("preferred", True)):
        out[column] = default
    return out


FRAMES = {
    "isscc": frame([("CHN", "isscc_accepted_papers", "2022", 29.0), ("USA", "isscc_accepted_papers", "2022", 69.0),
                    ("KOR", "isscc_accepted_papers", "2022", 41.0), ("CHN", "isscc_accepted_papers", "2023", 59.0),
                    ("WORLD", "isscc_accepted_papers", "2023", 198.0)]),
}

FIXTURE = [
    {"id": "china_59", "section": "s", "quote": "59 篇", "stated": 59, "unit": "papers",
     "compute": {"function": "value", "args": {"x": {"source": "isscc", "indicator": "isscc_accepted_papers",
                                                      "entity": "CHN", "period": "2023"}}}},
    {"id": "china_share", "section": "s", "quote": "占 29.8%", "stated": 29.8, "unit": "percent", "tolerance": 0.05,
     "compute": {"function": "share", "args": {
         "part": {"source": "isscc", "indicator": "isscc_accepted_papers", "entity": "CHN", "period": "2023"},
         "total": {"source": "isscc", "indicator": "isscc_accepted_papers", "entity": "WORLD", "period": "2023"}}}},
    {"id": "china_45", "section": "s", "quote": "中國則有 45 篇", "stated": 45, "unit": "papers",
     "compute": {"function": "value", "args": {"x": {"source": "isscc", "indicator": "isscc_accepted_papers",
                                                      "entity": "CHN", "period": "2022"}}}},
    {"id": "china_second", "section": "s", "quote": "第二", "stated": 2, "unit": "rank",
     "compute": {"function": "rank", "args": {"among": {"source": "isscc", "indicator": "isscc_accepted_papers",
                                                         "period": "2022"}, "entity": "CHN"}}},
    {"id": "japan_2021", "section": "s", "quote": "日本", "stated": 12, "unit": "papers",
     "compute": {"function": "value", "args": {"x": {"source": "isscc", "indicator": "isscc_accepted_papers",
                                                      "entity": "JPN", "period": "2021"}}}},
    {"id": "stem", "section": "s", "quote": "65,770 人", "stated": 65770, "unit": "persons",
     "uncheckable": "Taiwan MOE statistics on STEM graduates"},
]


def write(tmp_path, claims):
    path = tmp_path / "claims.yaml"
    path.write_text(yaml.safe_dump(claims, allow_unicode=True), encoding="utf-8")
    return path


def test_fixture_ledger(project, tmp_path):
    claims = load_claims(write(tmp_path, FIXTURE), project)
    ledger = evaluate(claims, FRAMES, project).set_index("id")
    assert ledger.loc["china_59", "status"] == "supported"
    assert ledger.loc["china_share", "computed"] == pytest.approx(29.797, abs=1e-3)
    assert ledger.loc["china_share", "status"] == "supported"
    assert ledger.loc["china_45", "status"] == "contradicted"
    assert "45" in ledger.loc["china_45", "detail"] and "29" in ledger.loc["china_45", "detail"]
    assert ledger.loc["china_second", "computed"] == 3 and ledger.loc["china_second", "status"] == "contradicted"
    assert ledger.loc["japan_2021", "status"] == "uncheckable" and "JPN" in ledger.loc["japan_2021", "detail"]
    assert ledger.loc["stem", "status"] == "uncheckable" and "MOE" in ledger.loc["stem", "detail"]
    assert math.isnan(ledger.loc["stem", "computed"])
    assert "contradicted: 2" in to_markdown(ledger.reset_index())


def test_status_changes_between_two_ledgers(project, tmp_path):
    claims = load_claims(write(tmp_path, FIXTURE[:3]), project)
    before = evaluate(claims, FRAMES, project)
    revised = {"isscc": FRAMES["isscc"].copy()}
    revised["isscc"].loc[revised["isscc"]["period"] == "2022", "value"] = [45.0, 69.0, 41.0]
    after = evaluate(claims, revised, project)
    changes = compare_vintages(after, before)
    assert changes["id"].tolist() == ["china_45"]
    assert changes.iloc[0]["status_previous"] == "contradicted" and changes.iloc[0]["status"] == "supported"


@pytest.mark.parametrize(("mutate", "field", "words"), [
    (lambda c: c["compute"]["args"]["x"].update(source="no_such_series"), "compute.args.source", "unknown series"),
    (lambda c: c["compute"].update(function="evaluate"), "compute", "unknown function"),
    (lambda c: c.pop("stated"), "stated", "missing required field"),
    (lambda c: c["compute"]["args"]["x"].update(indicator="papers_typo"), "compute.args.indicator", "no indicator"),
    (lambda c: c["compute"]["args"].update(y={}), "compute", "does not take"),
])
def test_malformed_claim_is_rejected_naming_id_and_field(project, tmp_path, mutate, field, words):
    import copy

    claim = copy.deepcopy(FIXTURE[0])
    mutate(claim)
    with pytest.raises(InputError) as caught:
        load_claims(write(tmp_path, [claim]), project)
    message = str(caught.value)
    assert "claim china_59" in message and words in message
    assert caught.value.field == field


def test_the_projects_ledger_has_at_least_60_claims_in_every_section(project):
    claims = load_claims(ROOT / "config" / "claims.yaml", project)
    assert len(claims) >= 60
    sections = {c.section.split("、")[0][:2] for c in claims}
    assert {"壹", "參", "肆", "伍"} <= {s[0] for s in sections}


def test_checked_in_ledger_reports_contradictions_with_both_numbers():
    ledger = pd.read_csv(ROOT / "figures" / "claims.csv")
    contradicted = ledger[ledger["status"] == "contradicted"].set_index("id")
    assert contradicted.loc["isscc_2022_china_45", "computed"] == 29
    assert contradicted.loc["isscc_2022_china_45", "stated"] == 45
    assert set(ledger["status"]) == {"supported", "contradicted", "uncheckable"}
    assert ledger.loc[ledger["status"] == "uncheckable", "detail"].str.startswith("missing:").all()

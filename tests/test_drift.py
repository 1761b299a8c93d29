"""The analyst's loop on a simulated refresh: a new OECD vintage arrives (a fixture standing in for
the API's next payload, with one revised value), the drift report lists what was added, removed
and revised with the items and claims it touches, and the rebuilt table no longer matches the
checked-in one until the baselines are regenerated."""

from __future__ import annotations

import pandas as pd
import pytest
from conftest import ROOT
from test_e2e import readable_diff
from test_refresh import SDMX_CODES, TODAY, VINTAGE, FakeResponse, FakeSession

from techgap.build import build_group
from techgap.claims import load_claims, write_ledger
from techgap.config import load_project
from techgap.drift import drift, to_markdown
from techgap.normalize import normalize_source
from techgap.refresh import refresh_sources

OECD_HOST = "sdmx.oecd.org"


@pytest.fixture
def refreshed(project_root):
    """The project after a refresh whose payload revises Korea's 2021 GERD ratio (4.930 -> 4.91)."""
    body = SDMX_CODES.read_bytes().replace(b",KOR,A,G,PT_B1GQ,_Z,_Z,2021,4.930120876,", b",KOR,A,G,PT_B1GQ,_Z,_Z,2021,4.91,")
    project = load_project(project_root)
    session = FakeSession({OECD_HOST: [FakeResponse(200, body)]})
    [result] = refresh_sources(project, ["oecd_msti"], session=session, today=TODAY, sleep=lambda s: None)
    assert result.ok, result.message
    return load_project(project_root)


def test_refresh_adds_a_vintage_beside_the_old_one(refreshed):
    folders = sorted(p.name for p in (refreshed.raw_dir / "oecd_msti").iterdir() if p.is_dir())
    assert folders == ["2026-11-27", VINTAGE]


def test_drift_lists_added_removed_and_revised_rows(refreshed):
    everything = drift(refreshed, load_claims(refreshed.root / "config" / "claims.yaml", refreshed))
    report = everything[everything["source"] == "oecd_msti"]  # other sources may gain vintages of their own
    revised = report[report["change"] == "revised"]
    assert revised[["entity_code", "period", "old_value", "new_value"]].values.tolist() == [
        ["KOR", "2021", pytest.approx(4.930120876), 4.91]]
    assert "fig02" in revised["items"].iloc[0]
    assert "gerd_korea_2021_pct" in revised["claims"].iloc[0].split(";")
    removed = report[report["change"] == "removed"]
    assert set(removed["period"]) == {str(y) for y in range(2010, 2020)}  # the fixture starts in 2020
    added = report[report["change"] == "added"]
    assert set(added["indicator"]) == {"gerd_pct_gdp", "gerd_usd_current_ppp_million"}
    assert "## oecd_msti: 2026-11-27 → 2027-01-15" in to_markdown(report, [])
    assert set(report["change"]) == {"added", "removed", "revised"}, "the fixture makes no value missing"
    assert set(revised["alarm"]) == {""}, "4.930 -> 4.91 is an ordinary revision"


def test_rebuilt_table_differs_from_the_checked_in_one(refreshed):
    build_group(refreshed, "oecd_msti")
    old = pd.read_csv(ROOT / "figures" / "fig02" / "fig02.csv", dtype=str, keep_default_na=False)
    new = pd.read_csv(refreshed.figures_dir / "fig02" / "fig02.csv", dtype=str, keep_default_na=False)
    assert not old.equals(new)
    assert "fig02" in readable_diff("fig02", old, new)


def test_ledger_lists_claims_whose_status_changed_with_the_new_vintage(refreshed):
    """Korea's 2021 ratio moves from 4.930 (the report's 4.93: supported) to 4.91 (contradicted)."""
    frames = {s: normalize_source(refreshed, s) for s in refreshed.sources}
    write_ledger(refreshed, frames=frames)
    ledger = pd.read_csv(refreshed.figures_dir / "claims.csv").set_index("id")
    assert ledger.loc["gerd_korea_2021_pct", "status"] == "contradicted"
    markdown = (refreshed.figures_dir / "claims.md").read_text(encoding="utf-8")
    changed = markdown.split("## Changed since the previous vintage", 1)[1].split("\n\n", 2)[1]
    assert "| gerd_korea_2021_pct | supported (4.93012) | contradicted (4.91) |" in changed


def test_an_older_vintage_is_rebuilt_exactly_when_pinned(refreshed):
    """After the refresh the newest vintage is used; pinning the old one in config brings back the
    exact table the checked-in figure was drawn from."""
    config = refreshed.root / "config" / "config.yaml"
    config.write_text(config.read_text(encoding="utf-8").replace("vintages: {}", "vintages: {oecd_msti: 2026-11-27}"),
                      encoding="utf-8")
    pinned = load_project(refreshed.root)
    assert set(normalize_source(refreshed, "oecd_msti")["vintage"]) == {VINTAGE}
    build_group(pinned, "oecd_msti")
    for name in ("fig02.csv", "fig02_en.svg"):
        assert (pinned.figures_dir / "fig02" / name).read_bytes() == (ROOT / "figures" / "fig02" / name).read_bytes()

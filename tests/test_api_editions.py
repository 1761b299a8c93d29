"""The latest editions of fig16, fig17, fig18 and fig21 draw the API series once a vintage of it exists
(refreshed from recorded or shaped answers, tests/fixtures/*/<name>.provenance.yaml, replayed through the
refresh's own HTTP stack); the report editions keep the report's transcribed values, byte for byte."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
from fixtures.plant import plant_api_vintage
from fixtures.replay import ReplayServer, Reply, Seen
from test_refresh import VINTAGE, edit_config, fast, run

from techgap.build import build_group
from techgap.config import load_project
from techgap.errors import InputError

FIXTURES = Path(__file__).resolve().parent / "fixtures"
PARTNER_ENTITY = {0: "WORLD", 490: "TWN", 156: "CHN", 842: "USA"}


def edition_files(root: Path, edition: str, item_id: str) -> dict[str, bytes]:
    folder = root / "figures" / edition / item_id
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def answers_by_request(fixture: str) -> list[tuple[Callable[[Seen], bool], bytes]]:
    """What the server sends for each request. Comtrade's preview API answers one period per request (the
    refresh asks for each period in turn), so a Comtrade answer is served period by period, in its own
    layout; any other answer is served whole."""
    body = (FIXTURES / fixture).read_bytes()
    answer = json.loads(body)
    if not (isinstance(answer, dict) and "data" in answer):
        return [(lambda seen: True, body)]
    served = []
    for period in sorted({str(row["period"]) for row in answer["data"]}):
        rows = [row for row in answer["data"] if str(row["period"]) == period]
        part = json.dumps({**answer, "count": len(rows), "data": rows}).encode("utf-8")
        served.append((lambda seen, period=period: seen.query.get("period") == [period], part))
    return served


def refresh_from(root: Path, source_id: str, fixture: str, **narrowed) -> None:
    """A refresh of ``source_id`` whose server answers with the recorded (or shaped) body, gzip-encoded:
    the vintage is written by the refresh itself, as on a machine with internet. ``narrowed`` overrides
    the source's request (what it expects) where a shaped answer holds less than the real request asks."""

    def change(data: dict) -> None:
        fast(data)
        source = data["refresh"]["sources"][source_id]
        if "period" in narrowed:
            source["params"]["period"] = narrowed.pop("period")
        source.update(narrowed)

    edit_config(root, change)
    with ReplayServer() as server:
        for match, body in answers_by_request(fixture):
            server.route(match, Reply(200, body, {"Content-Type": "application/json"}, gzip=True))
        [result] = run(root, server, source_id)
    assert result.status == "new", result.message


# What each shaped answer holds, as the request the test's refresh makes (the real request asks for more).
NARROWED = {
    "comtrade/us_imports_shaped_2022.json": {"period": "2022", "expect_years": ["2022"]},
    "comtrade/china_imports_shaped.json": {
        "period": "2012,2017,2018,2019,2022",
        "expect_entities": ["WORLD", "TWN", "USA"],
        "expect_years": ["2012", "2017", "2018", "2019", "2022"],
    },
    "worldbank/fdi_shaped.json": {"expect_entities": ["USA", "CHN", "EU27"], "expect_years": ["2020-2023"]},
}


def build_before_and_after(
    root: Path, built: Path, group: str, item_ids: list[str], answers: list[tuple[str, str]]
) -> dict[str, dict]:
    """Refresh the API sources from the answers and build the group; the report editions as the session's build
    (``built``, made before any refresh) drew them."""
    before = {item_id: edition_files(built, "report", item_id) for item_id in item_ids}
    for source_id, fixture in answers:
        refresh_from(root, source_id, fixture, **NARROWED.get(fixture, {}))
    build_group(load_project(root), group)
    return before


def latest_table(root: Path, item_id: str) -> pd.DataFrame:
    table = pd.read_csv(root / "figures" / "latest" / item_id / f"{item_id}.csv", dtype=str, keep_default_na=False)
    table["value"] = pd.to_numeric(table["value"].where(table["value"] != ""))  # '' is a missing value
    return table


def meta(root: Path, edition: str, item_id: str) -> dict:
    return json.loads((root / "figures" / edition / item_id / f"{item_id}.meta.json").read_text(encoding="utf-8"))


def comtrade_values(fixture: str) -> dict[tuple[str, str], float]:
    """(partner entity, period) -> primaryValue, read from the fixture itself."""
    answer = json.loads((FIXTURES / fixture).read_text(encoding="utf-8"))
    return {(PARTNER_ENTITY[r["partnerCode"]], r["period"]): float(r["primaryValue"]) for r in answer["data"]}


def test_fig16_latest_draws_comtrade_shares_and_the_report_edition_stays(project_root: Path, built_project: Path) -> None:
    fixture = "comtrade/us_imports_shaped_2022.json"
    before = build_before_and_after(
        project_root, built_project, "trade_import_shares", ["fig16", "fig17"], [("comtrade_us_imports", fixture)]
    )
    table = latest_table(project_root, "fig16")
    values = comtrade_values(fixture)
    assert set(table["indicator"]) == {"share_of_us_goods_imports"} and set(table["source"]) == {"comtrade_us_imports"}
    assert set(table["vintage"]) == {VINTAGE} and "WORLD" not in set(table["entity_code"])
    share = table.set_index(["entity_code", "period"])["value"]
    for partner in ("TWN", "CHN"):
        assert share[(partner, "2022")] == pytest.approx(values[(partner, "2022")] / values[("WORLD", "2022")] * 100)
    line = meta(project_root, "latest", "fig16")["texts"]["source_line"]["en"]
    assert "UN Comtrade, US imports by partner" in line and f"retrieved {VINTAGE}" in line
    assert "Opportimes" not in line  # the transcribed shares are no longer drawn
    assert "Shares computed by techgap from UN Comtrade" in line and "The report's own calculation" not in line
    assert meta(project_root, "latest", "fig16")["warnings"] == []
    for item_id in ("fig16", "fig17"):
        assert edition_files(project_root, "report", item_id) == before[item_id]
    assert (project_root / "figures" / "latest" / "fig16" / "fig16_en.svg").is_file()


def test_fig17_and_fig18_latest_draw_china_import_shares_and_their_change(project_root: Path, built_project: Path) -> None:
    fixture = "comtrade/china_imports_shaped.json"
    before = build_before_and_after(
        project_root, built_project, "trade_import_shares", ["fig17"], [("comtrade_china_imports", fixture)]
    )
    values = comtrade_values(fixture)
    share = latest_table(project_root, "fig17").set_index(["entity_code", "period"])["value"]
    assert share[("TWN", "2022")] == pytest.approx(values[("TWN", "2022")] / values[("WORLD", "2022")] * 100)
    assert share[("USA", "2018")] == pytest.approx(values[("USA", "2018")] / values[("WORLD", "2018")] * 100)
    assert "UN Comtrade, China's imports by partner" in meta(project_root, "latest", "fig17")["texts"]["source_line"]["en"]
    assert edition_files(project_root, "report", "fig17") == before["fig17"]

    before18 = build_before_and_after(project_root, built_project, "worldbank_eap_update_2023_04", ["fig18"], [])
    change = latest_table(project_root, "fig18")
    assert set(change["indicator"]) == {"change_in_share_of_china_imports"}
    # Only the US has a 2018 row in the answer: Taiwan's change cannot be computed and is not drawn.
    [(entity, period, value)] = change[["entity_code", "period", "value"]].itertuples(index=False)
    assert (entity, period) == ("USA", "2018-2022")
    assert value == pytest.approx(
        values[("USA", "2022")] / values[("WORLD", "2022")] * 100 - values[("USA", "2018")] / values[("WORLD", "2018")] * 100
    )
    assert "UN Comtrade" in meta(project_root, "latest", "fig18")["texts"]["source_line"]["en"]
    assert edition_files(project_root, "report", "fig18") == before18["fig18"]


def test_fig21_latest_draws_world_bank_fdi_in_billions(project_root: Path, built_project: Path) -> None:
    fixture = "worldbank/fdi_shaped.json"
    before = build_before_and_after(project_root, built_project, "unctad_wir_fdi", ["fig21"], [("worldbank_fdi", fixture)])
    meta_, records = json.loads((FIXTURES / fixture).read_text(encoding="utf-8"))
    usd = {(r["countryiso3code"], r["date"]): r["value"] for r in records}
    table = latest_table(project_root, "fig21")
    assert set(table["source"]) == {"worldbank_fdi"} and set(table["unit"]) == {"USD billion"}
    assert sorted(set(table["period"])) == ["2020", "2021", "2022", "2023"]
    value = table.set_index(["entity_code", "period"])["value"]
    assert value[("USA", "2023")] == pytest.approx(usd[("USA", "2023")] / 1e9)
    assert value[("EU27", "2022")] == pytest.approx(usd[("EUU", "2022")] / 1e9)
    data = meta(project_root, "latest", "fig21")
    assert "World Development Indicators, Foreign direct investment" in data["texts"]["source_line"]["en"]
    note = data["texts"]["note"]["en"]
    assert "World Bank BoP net FDI inflows" in note and "UNCTAD's preliminary" not in note
    eap = table[table["entity_code"] == "WB_EAP_DEVELOPING"]  # all null in the answer: missing rows, not hidden
    assert len(eap) == 4 and eap["value"].isna().all() and set(eap["flag"]) == {"missing"}
    assert edition_files(project_root, "report", "fig21") == before["fig21"]


def test_without_an_api_vintage_the_latest_edition_keeps_the_transcribed_values(built_project: Path) -> None:
    assert not list((built_project / "data" / "raw").glob("comtrade_*")), "the session's build has a Comtrade vintage"
    table = latest_table(built_project, "fig16")
    assert set(table["source"]) == {"trade_import_shares"} and set(table["indicator"]) == {"share_of_us_goods_imports"}
    assert "The report's own calculation" in meta(built_project, "latest", "fig16")["texts"]["source_line"]["en"]


def test_an_unknown_derive_step_is_named_when_the_config_is_loaded(project_root: Path) -> None:
    items = project_root / "config" / "items.yaml"
    text = items.read_text(encoding="utf-8")
    step = "      - {share: imports_from_partner, of: WORLD, as: share_of_us_goods_imports}\n"
    assert text.count(step) >= 1
    items.write_text(text.replace(step, step + "      - {ratio: imports_from_partner, as: x}\n", 1), encoding="utf-8")
    with pytest.raises(InputError) as caught:
        load_project(project_root)
    assert "fig16" in str(caught.value) and "spec.derive[1]" in str(caught.value) and "items.yaml" in str(caught.value)


# ------------------------------------------------------------- the latest status follows the data


def test_the_latest_status_and_reason_follow_the_api_series_once_it_is_drawn(project_root: Path, built_project: Path) -> None:
    fixture = "comtrade/us_imports_shaped_2022.json"
    before = meta(built_project, "latest", "fig16")  # as the session's build drew it, before any API vintage
    assert "independent sources" in before["reason"] and before["status"] == "partial"
    plant_api_vintage(project_root, "comtrade_us_imports", fixture, VINTAGE)
    build_group(load_project(project_root), "trade_import_shares")
    after = meta(project_root, "latest", "fig16")
    assert "UN Comtrade" in after["reason"] and f"retrieved {VINTAGE}" in after["reason"]
    assert "independent sources" not in after["reason"] and "data labels" not in after["reason"]
    assert "independent checks" in before["texts"]["note"]["en"] and "independent checks" not in after["texts"]["note"]["en"]
    assert "Other Asia, nes" in after["texts"]["note"]["en"]  # how Comtrade names Taiwan
    # the answer holds 2022 only: the years before it are named as missing (World, the share's total, is not)
    periods = sorted({period for (partner, period) in comtrade_values(fixture) if partner != "WORLD"})
    assert periods == ["2022"] and after["status"] == "partial"
    assert after["reason"].endswith("missing: Taiwan 2012-2021; China 2012-2021.")


def test_a_coverage_switch_gives_the_complete_status_only_when_no_requested_cell_is_missing() -> None:
    from techgap.switches import for_coverage

    switch = {"complete": "reproduced", "incomplete": "partial"}
    assert for_coverage(switch, complete=True) == "reproduced" and for_coverage(switch, complete=False) == "partial"
    assert for_coverage("transcribed", complete=False) == "transcribed"


def test_missing_cells_skip_the_share_total_and_count_the_change_period() -> None:
    from techgap.kinds import GroupedBarSpec
    from techgap.texts import missing_by_entity

    shares = pd.DataFrame(
        {
            "entity_code": ["TWN", "USA"],
            "source": ["api"] * 2,
            "period": ["2022", "2022"],
            "value": [7.0, float("nan")],
            "indicator": ["share"] * 2,
        }
    )
    spec = {
        "data": [{"source": "api", "entities": ["WORLD", "TWN", "USA"], "periods": ["2022"]}],
        "derive": [{"share": "imports", "of": "WORLD", "as": "share"}],
    }
    spec["data"][0]["indicator"] = "imports"
    assert missing_by_entity(shares, GroupedBarSpec.model_validate(spec)) == [("USA", ["2022"])]
    change = shares.assign(period="2018-2022", indicator="change")
    spec["derive"].append({"change": "share", "from": "2018", "as": "change"})
    spec["data"][0]["periods"] = ["2018", "latest"]
    assert missing_by_entity(change, GroupedBarSpec.model_validate(spec)) == [("USA", ["2018-2022"])]


def test_an_unknown_status_in_a_switch_is_refused(project_root: Path) -> None:
    path = project_root / "config" / "items.yaml"
    text = path.read_text(encoding="utf-8")
    declared = "then: {complete: reproduced, incomplete: partial}, else: partial}"
    path.write_text(text.replace(declared, "then: done, else: partial}", 1), encoding="utf-8")
    with pytest.raises(Exception) as caught:
        load_project(project_root)
    assert "unknown status 'done'" in str(caught.value) and "fig16" in str(caught.value)


def test_techgap_status_shows_both_branches_of_a_coverage_switch_once_the_api_source_has_a_vintage(project_root: Path) -> None:
    from techgap.editions import declared_status

    item = load_project(project_root).item("fig16")
    assert declared_status(load_project(project_root), item, "latest") == "partial"
    plant_api_vintage(project_root, "comtrade_us_imports", "comtrade/us_imports_shaped_2022.json", VINTAGE)
    assert declared_status(load_project(project_root), item, "latest") == "reproduced or partial"
    assert declared_status(load_project(project_root), item, "report") == "transcribed"

"""Real OECD SDMX-CSV answers, recorded by other projects (tests/fixtures/oecd/*.provenance.yaml):

- gov_debt_pct_gdp_2007_2023.csv  SDMX-CSV 1.0, codes only (belgski/Belgium), 5 empty OBS_VALUE cells
- ref_global_gdp_2013_2022.csv    SDMX-CSV 1.0, codes only (belgski/Belgium), UNIT_MULT 3, 6 and 9
- gov_trust_2021_labels.csv       csvfilewithlabels (m-mcmain/m-mcmain.github.io), CRLF line ends

None is MSTI (no recorded MSTI answer was found in a public repository); the parser is tested on what
these real answers hold, and each one is replayed through the refresh's HTTP stack into a vintage."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pandas as pd
import pytest
import yaml
from conftest import tree_digest
from fixtures.replay import ReplayServer, Reply
from test_refresh import VINTAGE, add_test_source, assert_failed_cleanly, clear_network_environment, edit_config, fast, run

from techgap.config import load_project
from techgap.errors import InputError
from techgap.normalize import normalize_source
from techgap.parsers import read_sdmx_csv

OECD = Path(__file__).resolve().parent / "fixtures" / "oecd"
DEBT = OECD / "gov_debt_pct_gdp_2007_2023.csv"
GDP = OECD / "ref_global_gdp_2013_2022.csv"
TRUST = OECD / "gov_trust_2021_labels.csv"

DEBT_MAP = {"GGD.PT_B1GQ._Z": "debt_pct_gdp"}
GDP_MAP = {"B1GQ_V.USD._Z": "gdp_usd_million", "B1GQ_V.XDC._Z": "gdp_xdc_million"}
TRUST_MAP = {"TRUST_NG.PT_RESP._Z": "trust_pct"}


def recorded(path: Path) -> dict:
    return yaml.safe_load(path.with_suffix(".provenance.yaml").read_text(encoding="utf-8"))


def cell(path: Path, entity: str, period: str, column: str, **codes: str) -> str:
    """One cell of the recorded answer, read as plain CSV (not by the parser under test)."""
    raw = pd.read_csv(path, dtype=str, keep_default_na=False)
    hit = raw[(raw["REF_AREA"] == entity) & (raw["TIME_PERIOD"] == period)]
    for name, code in codes.items():
        hit = hit[hit[name] == code]
    [value] = hit[column].tolist()
    return value


@pytest.fixture(autouse=True)
def _no_network_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    clear_network_environment(monkeypatch)


@pytest.fixture
def root(project_root: Path) -> Path:
    edit_config(project_root, fast)
    return project_root


# ------------------------------------------------------------------------------------ the parser


def test_the_real_oecd_answers_are_real_and_cited() -> None:
    for path in (DEBT, GDP, TRUST):
        origin = recorded(path)
        assert origin["real"] is True and origin["request"]["url"].startswith("https://sdmx.oecd.org/public/rest/data/")
        assert len(origin["origin"]["commit"]) == 40 and origin["origin"]["repository"] and origin["origin"]["path"]


def test_codes_only_answer_gives_one_row_per_observation_and_empty_cells_as_missing() -> None:
    frame = read_sdmx_csv(DEBT, DEBT_MAP)
    raw = pd.read_csv(DEBT, dtype=str, keep_default_na=False)
    assert len(frame) == len(raw) == 695
    missing = frame[frame["flag"] == "missing"]
    assert sorted(zip(missing["entity"], missing["period"], strict=True)) == sorted(
        zip(raw.loc[raw["OBS_VALUE"] == "", "REF_AREA"], raw.loc[raw["OBS_VALUE"] == "", "TIME_PERIOD"], strict=True)
    )
    assert missing["value"].isna().all() and ("KOR", "2023") in set(zip(missing["entity"], missing["period"], strict=True))
    value = frame.set_index(["entity", "period"])["value"]
    assert value[("IRL", "2011")] == float(cell(DEBT, "IRL", "2011", "OBS_VALUE"))
    assert set(frame.loc[frame["flag"] != "missing", "flag"]) == {""}  # OBS_STATUS A: normal value


def test_unit_multipliers_of_a_real_answer_scale_to_millions() -> None:
    frame = read_sdmx_csv(GDP, GDP_MAP).set_index(["entity", "period", "indicator"])["value"]
    # UNIT_MULT 9 (billions of yen) -> millions; UNIT_MULT 3 (thousands) -> millions; 6 stays
    jpy = cell(GDP, "JPN", "2022", "OBS_VALUE", UNIT_MEASURE="XDC")
    assert cell(GDP, "JPN", "2022", "UNIT_MULT", UNIT_MEASURE="XDC") == "9"
    assert frame[("JPN", "2022", "gdp_xdc_million")] == pytest.approx(float(jpy) * 1000)
    mhl = cell(GDP, "MHL", "2013", "OBS_VALUE", UNIT_MEASURE="XDC")
    assert cell(GDP, "MHL", "2013", "UNIT_MULT", UNIT_MEASURE="XDC") == "3"
    assert frame[("MHL", "2013", "gdp_xdc_million")] == pytest.approx(float(mhl) / 1000)
    assert frame[("USA", "2022", "gdp_usd_million")] == float(cell(GDP, "USA", "2022", "OBS_VALUE", UNIT_MEASURE="USD"))


def test_a_multiplier_on_an_indicator_that_is_not_in_millions_is_refused_naming_the_line() -> None:
    with pytest.raises(InputError) as caught:
        read_sdmx_csv(GDP, {"B1GQ_V.USD._Z": "gdp_usd"})
    message = str(caught.value)
    assert "ref_global_gdp_2013_2022.csv" in message and "line 2" in message and "UNIT_MULT" in message


def test_labels_answer_with_crlf_reads_codes_not_labels() -> None:
    assert b"\r\n" in TRUST.read_bytes() and TRUST.read_bytes().startswith(b"STRUCTURE,STRUCTURE_ID,STRUCTURE_NAME,ACTION,")
    frame = read_sdmx_csv(TRUST, TRUST_MAP)
    assert len(frame) == 21 and set(frame["period"]) == {"2021"}
    value = frame.set_index("entity")["value"]
    assert value["ISL"] == 50.4 and value["OECD_REP"] == 41.4  # codes, not 'Iceland' / 'OECD average country'


def test_a_real_answer_without_the_requested_measure_is_refused_naming_it() -> None:
    with pytest.raises(InputError) as caught:
        read_sdmx_csv(DEBT, {"G.PT_B1GQ._Z": "gerd_pct_gdp"})
    assert "no series of the requested measures" in str(caught.value) and "G.PT_B1GQ._Z" in str(caught.value)


# ------------------------------------------------------------------- replayed through the refresh


def register_entities(root: Path, codes: set[str]) -> None:
    """The answers' economies that config/entities.yaml does not list (the test needs them, the project does not)."""
    path = root / "config" / "entities.yaml"
    known = set(yaml.safe_load(path.read_text(encoding="utf-8")))
    with open(path, "a", encoding="utf-8") as handle:
        for code in sorted(codes - known):
            handle.write(f"{code}: {{en: {code}, zh: {code}, kind: economy, aliases: []}}\n")


def oecd_source(root: Path, fixture: Path, indicator_map: dict[str, str], unit: str, **extra) -> str:
    url = recorded(fixture)["request"]["url"]
    parts = urlsplit(url)
    register_entities(root, set(pd.read_csv(fixture, dtype=str, keep_default_na=False)["REF_AREA"]))
    add_test_source(
        root,
        "oecd_replay",
        "oecd_sdmx",
        f"{parts.scheme}://{parts.netloc}{parts.path}",
        indicator_map,
        unit,
        params=dict(parse_qsl(parts.query)),
        **extra,
    )
    return parts.path


@pytest.mark.parametrize(
    ("fixture", "indicator_map", "unit", "rows"),
    [(DEBT, DEBT_MAP, "percent", 695), (GDP, GDP_MAP, "USD", 2688), (TRUST, TRUST_MAP, "percent", 21)],
    ids=["codes", "multipliers", "labels"],
)
def test_each_real_oecd_answer_becomes_a_vintage_through_the_http_stack(
    root: Path, fixture: Path, indicator_map: dict, unit: str, rows: int
) -> None:
    path = oecd_source(root, fixture, indicator_map, unit)
    with ReplayServer() as server:
        content_type = {"Content-Type": recorded(fixture)["response"]["headers"]["Content-Type"]}
        server.route(lambda seen: seen.path == path, Reply(200, fixture.read_bytes(), content_type, gzip=True))
        [result] = run(root, server, "oecd_replay")
    assert result.status == "new" and f"({rows} rows)" in result.message, result.message
    [seen] = server.seen
    assert seen.headers.get("Accept-Language") == "en" and "gzip" in seen.headers.get("Accept-Encoding", "")
    folder = root / "data" / "raw" / "oecd_replay" / VINTAGE
    assert (folder / "payload.csv").read_bytes() == fixture.read_bytes()  # the decoded body, byte for byte
    frame = normalize_source(load_project(root), "oecd_replay")
    assert set(frame["vintage"]) == {VINTAGE} and len(frame) == rows


def test_a_real_answer_missing_a_requested_year_fails_naming_it(root: Path) -> None:
    """An economy and a year the request expects but the real answer does not hold are named; nothing is kept."""
    path = oecd_source(root, DEBT, DEBT_MAP, "percent", expect_entities=["KOR", "TWN"], expect_years=["2023", "2024"])
    before = tree_digest(root / "data" / "raw")
    with ReplayServer() as server:
        server.route(lambda seen: seen.path == path, Reply(200, DEBT.read_bytes()))
        [result] = run(root, server, "oecd_replay")
    assert_failed_cleanly(root, result, before, "absent from the answer: entities TWN; years 2024")

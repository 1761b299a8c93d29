"""Refresh from the OECD SDMX, World Bank and UN Comtrade APIs, offline, on recorded answers.

Fixtures (tests/fixtures/<api>/, each with a <name>.provenance.yaml naming repository, path, commit and
the request): real answers recorded by other projects (World Bank: jkkitakita/wbdata-go cassettes and
MkkTO98/MacroForge; Comtrade: ropensci/comtradr and MkkTO98/MacroForge), and, where no real recording
exists (OECD MSTI), answers shaped from the documented layout with the project's own values.

Network behaviour is played by a local server (tests/fixtures/replay.py) through the refresh's own
HTTP stack: requests, urllib3's Retry, gzip decoding, socket reads. Only the TCP destination is
127.0.0.1, after the refresh has checked the URL it prepared."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import os
import re
import shutil
import socket
import time
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest
import requests
import yaml
from conftest import tree_digest
from fixtures.plant import plant_api_vintage
from fixtures.replay import LoopbackAdapter, ReplayServer, Reply, free_port, loopback, self_signed_cert
from urllib3.exceptions import NameResolutionError, NewConnectionError

from techgap import cli
from techgap.config import load_project
from techgap.entities import EntityRegistry
from techgap.errors import InputError
from techgap.normalize import normalize_source
from techgap.parsers import read_comtrade_json, read_sdmx_csv, read_worldbank_json
from techgap.refresh import Deadline, clear_stale_staging, prepare, refresh_sources, retry_policy

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).resolve().parent / "fixtures"
SDMX_CODES = FIXTURES / "oecd" / "msti_shaped_codes.csv"
SDMX_LABELS = FIXTURES / "oecd" / "msti_shaped_labels.csv"
WB = FIXTURES / "worldbank"
CT = FIXTURES / "comtrade"
WB_GERD = WB / "gerd_shaped.json"

MSTI_MAP = {"G.PT_B1GQ._Z": "gerd_pct_gdp", "G.USD_PPP.V": "gerd_usd_current_ppp_million"}
WB_MAP = {"GB.XPD.RSDV.GD.ZS": "gerd_pct_gdp"}
TODAY = dt.date(2027, 1, 15)
VINTAGE = "2027-01-15"
AREAS = {"KOR", "JPN", "TWN", "USA", "CHN", "DEU", "OECD"}
REAL_FIXTURES = sorted(
    p
    for api in ("oecd", "worldbank", "comtrade")
    for p in (FIXTURES / api).glob("*")
    if p.suffix in {".json", ".csv", ".xml"}
    and yaml.safe_load(p.with_suffix(".provenance.yaml").read_text(encoding="utf-8"))["real"]
)


# ---------------------------------------------------------------------------------------- helpers


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def sdmx_both_labels(labels_csv: bytes) -> bytes:
    """labels=both from the csvfilewithlabels layout: 'CODE: Label' in the header and in the cells."""
    rows = list(csv.reader(io.StringIO(labels_csv.decode("utf-8"))))
    header = rows[0]
    is_code = [re.fullmatch(r"[A-Z_]+", name) is not None for name in header]
    pairs = [i for i in range(len(header) - 1) if is_code[i] and not is_code[i + 1]]
    keep = [i for i in range(len(header)) if is_code[i]]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([f"{header[i]}: {header[i + 1]}" if i in pairs else header[i] for i in keep])
    for row in rows[1:]:
        writer.writerow([f"{row[i]}: {row[i + 1]}" if i in pairs and row[i + 1] else row[i] for i in keep])
    return out.getvalue().encode("utf-8")


def sdmx_variants() -> dict[str, bytes]:
    labels = SDMX_LABELS.read_bytes()
    return {"codes": SDMX_CODES.read_bytes(), "labels": labels, "both": sdmx_both_labels(labels)}


def only_rows(body: bytes, keep: str) -> bytes:
    lines = body.decode("utf-8").splitlines(keepends=True)
    return "".join([lines[0]] + [line for line in lines[1:] if keep in line]).encode("utf-8")


def set_cell(body: bytes, line: int, column: str, value: str) -> bytes:
    """The SDMX-CSV with one cell changed (line 1 = header)."""
    lines = body.decode("utf-8").splitlines(keepends=True)
    header = lines[0].rstrip("\n").split(",")
    cells = lines[line - 1].rstrip("\n").split(",")
    cells[header.index(column)] = value
    lines[line - 1] = ",".join(cells) + "\n"
    return "".join(lines).encode("utf-8")


def tidy(frame: pd.DataFrame) -> pd.DataFrame:
    cols = ["entity", "period", "indicator", "value", "flag", "document"]
    return frame[cols].sort_values(["indicator", "entity", "period"]).reset_index(drop=True)


def split_pages(single_page: bytes, per_page: int) -> list[bytes]:
    """A real one-page World Bank answer cut into the pages the API sends for a smaller per_page
    (metadata page/pages/per_page adjusted, records and their order as recorded)."""
    meta, records = json.loads(single_page)
    pages = [records[i : i + per_page] for i in range(0, len(records), per_page)]
    return [
        json.dumps([{**meta, "page": n, "pages": len(pages), "per_page": per_page}, recs]).encode()
        for n, recs in enumerate(pages, start=1)
    ]


def edit_config(root: Path, change) -> None:  # noqa: ANN001
    path = root / "config" / "config.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def fast(data: dict) -> None:
    data["refresh"].update(backoff_seconds=0.01, timeout_seconds=5, deadline_seconds=20)
    for source in data["refresh"]["sources"].values():
        source["pause_seconds"] = 0


def add_test_source(root: Path, source_id: str, client: str, url: str, indicator_map: dict[str, str], unit: str, **extra) -> None:
    """A refresh source for a recorded answer's indicator, declared like the real ones."""

    def change(data: dict) -> None:
        fast(data)
        data["refresh"]["sources"][source_id] = {
            "client": client,
            "url": url,
            "params": extra.pop("params", {}),
            "indicator_map": indicator_map,
            "title": f"test source {source_id}",
            "publisher": "test",
            "licence": "test",
            "locator": "test",
            **extra,
        }

    edit_config(root, change)
    sources = root / "config" / "sources.yaml"
    indicators = "".join(f"    {name}:\n      unit: {unit}\n" for name in sorted(set(indicator_map.values())))
    with open(sources, "a", encoding="utf-8") as handle:
        handle.write(f"{source_id}:\n  title:\n    zh: test\n    en: test\n  indicators:\n{indicators}")


def folders_under(folder: Path) -> list[str]:
    """Every folder below ``folder``, empty ones included (tree_digest sees files only)."""
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_dir())


def hidden_entries(root: Path, source_id: str) -> list[str]:
    folder = root / "data" / "raw" / source_id
    return [p.name for p in folder.iterdir() if p.name.startswith(".")] if folder.exists() else []


# The variables requests (and the refresh) read for proxies and CA certificates; see test_refresh_network.py.
NETWORK_VARIABLES = (
    "HTTPS_PROXY",
    "HTTP_PROXY",
    "ALL_PROXY",
    "NO_PROXY",
    "REQUESTS_CA_BUNDLE",
    "CURL_CA_BUNDLE",
    "SSL_CERT_FILE",
    "SSL_CERT_DIR",
)


def clear_network_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """No proxy or CA variable of the machine running the tests reaches the refresh (either spelling)."""
    for name in NETWORK_VARIABLES:
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)


@pytest.fixture(autouse=True)
def _no_network_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    clear_network_environment(monkeypatch)


@pytest.fixture
def root(project_root: Path) -> Path:
    edit_config(project_root, fast)
    return project_root


def run(root: Path, server: ReplayServer, *source_ids: str, tls: bool = False):  # noqa: ANN201
    return refresh_sources(load_project(root), list(source_ids), adapter=loopback(server, tls), today=TODAY)


def assert_failed_cleanly(root: Path, result, before: dict[str, str], *words: str) -> None:  # noqa: ANN001
    assert result.status == "failed" and result.vintage is None, result.message
    assert result.source_id in result.message and "\n" not in result.message
    for word in words:
        assert word.lower() in result.message.lower(), result.message
    assert tree_digest(root / "data" / "raw") == before
    assert hidden_entries(root, result.source_id) == []


# ------------------------------------------------------------------------- the fixtures themselves


def test_at_least_eight_real_recorded_answers_with_their_origin() -> None:
    assert len(REAL_FIXTURES) >= 8
    for path in REAL_FIXTURES:
        origin = yaml.safe_load(path.with_suffix(".provenance.yaml").read_text(encoding="utf-8"))
        assert origin["origin"]["repository"] and origin["request"]["url"], path
        if "issue" in origin["origin"]:  # a body quoted in an issue thread: the thread is the record
            assert origin["origin"]["issue"].startswith(f"https://github.com/{origin['origin']['repository']}/issues/"), path
            continue
        assert re.fullmatch(r"[0-9a-f]{40}", origin["origin"]["commit"]), path
        assert origin["origin"]["path"], path


# ---------------------------------------------------------------------------------- SDMX-CSV parser


@pytest.mark.parametrize("variant", ["codes", "labels", "both"])
def test_sdmx_variants_give_the_same_tidy_rows(tmp_path: Path, variant: str) -> None:
    variants = sdmx_variants()
    reference = tidy(read_sdmx_csv(write(tmp_path, "codes.csv", variants["codes"]), MSTI_MAP))
    frame = tidy(read_sdmx_csv(write(tmp_path, f"{variant}.csv", variants[variant]), MSTI_MAP))
    pd.testing.assert_frame_equal(frame, reference)
    assert len(frame) == 28 and set(frame["entity"]) == AREAS
    pct = frame[frame["indicator"] == "gerd_pct_gdp"].set_index(["entity", "period"])["value"]
    assert pct[("KOR", "2021")] == 4.930120876 and pct[("TWN", "2020")] == 3.609331556
    usd = frame[frame["indicator"] == "gerd_usd_current_ppp_million"].set_index("entity")
    assert usd.loc["USA", "value"] == pytest.approx(668351.2)  # UNIT_MULT 6: already millions
    missing = frame[frame["flag"] == "missing"]
    assert set(missing["period"]) == {"2022"} and len(missing) == 7 and missing["value"].isna().all()


@pytest.mark.parametrize("token", ["NaN", "nan", "#N/A", "N/A", ""])
def test_sdmx_missing_number_tokens_are_missing_rows(tmp_path: Path, token: str) -> None:
    """SDMX-CSV writes an intentionally missing number as NaN; one such row used to reject the vintage."""
    body = set_cell(SDMX_CODES.read_bytes(), 3, "OBS_VALUE", token)  # KOR 2021
    frame = read_sdmx_csv(write(tmp_path, "p.csv", body), MSTI_MAP)
    row = frame[(frame["entity"] == "KOR") & (frame["period"] == "2021") & (frame["indicator"] == "gerd_pct_gdp")]
    assert row["value"].isna().all() and row["flag"].tolist() == ["missing"]
    assert len(frame) == 28


@pytest.mark.parametrize(("status", "flag"), [("P", "provisional"), ("E", "estimated"), ("B", "break"), ("A", "")])
def test_sdmx_obs_status_becomes_the_flag(tmp_path: Path, status: str, flag: str) -> None:
    body = set_cell(SDMX_CODES.read_bytes(), 3, "OBS_STATUS", status)
    frame = read_sdmx_csv(write(tmp_path, "p.csv", body), MSTI_MAP)
    row = frame[(frame["entity"] == "KOR") & (frame["period"] == "2021") & (frame["indicator"] == "gerd_pct_gdp")]
    assert row["flag"].tolist() == [flag] and row["value"].tolist() == [4.930120876]


def test_sdmx_unknown_obs_status_is_named(tmp_path: Path) -> None:
    with pytest.raises(InputError) as err:
        read_sdmx_csv(write(tmp_path, "p.csv", set_cell(SDMX_CODES.read_bytes(), 3, "OBS_STATUS", "Q")), MSTI_MAP)
    assert err.value.field == "OBS_STATUS" and err.value.line == 3 and "'Q'" in str(err.value)


@pytest.mark.parametrize("mult", ["400", "six", "1.5", "-3"])
def test_sdmx_unit_multiplier_must_be_a_power_of_ten_exponent(tmp_path: Path, mult: str) -> None:
    """UNIT_MULT 400 used to give inf and 'six' 0."""
    body = only_rows(SDMX_CODES.read_bytes(), "USD_PPP")
    body = set_cell(body, 2, "UNIT_MULT", mult)
    with pytest.raises(InputError) as err:
        read_sdmx_csv(write(tmp_path, "p.csv", body), MSTI_MAP)
    assert err.value.field == "UNIT_MULT" and err.value.line == 2 and repr(mult) in str(err.value)


@pytest.mark.parametrize("mult", [0, 3, 9])
def test_sdmx_unit_multiplier_scales_to_millions(tmp_path: Path, mult: int) -> None:
    body = only_rows(SDMX_CODES.read_bytes(), "USD_PPP").decode("utf-8")
    lines = body.splitlines(keepends=True)
    rescaled = [lines[0]]
    for line in lines[1:]:
        cells = line.rstrip("\n").split(",")
        cells[10] = format(Decimal(cells[10]).scaleb(6 - mult).normalize(), "f")
        cells[12] = str(mult)
        rescaled.append(",".join(cells) + "\n")
    original = read_sdmx_csv(write(tmp_path, "a.csv", body.encode()), MSTI_MAP)
    scaled = read_sdmx_csv(write(tmp_path, "b.csv", "".join(rescaled).encode()), MSTI_MAP)
    assert scaled["value"].tolist() == pytest.approx(original["value"].tolist(), rel=1e-12)


def test_sdmx_unit_multiplier_on_a_ratio_is_rejected(tmp_path: Path) -> None:
    body = set_cell(SDMX_CODES.read_bytes(), 3, "UNIT_MULT", "6")
    with pytest.raises(InputError) as err:
        read_sdmx_csv(write(tmp_path, "p.csv", body), MSTI_MAP)
    assert err.value.field == "UNIT_MULT" and err.value.line == 3


def test_sdmx_html_page_is_named_as_such(tmp_path: Path) -> None:
    """The World Bank's real HTTP 400 HTML page, served where CSV was expected: no bare pandas error."""
    html = (WB / "error_invalid_source_http400.xml").read_bytes()
    with pytest.raises(InputError, match="HTML page"):
        read_sdmx_csv(write(tmp_path, "p.csv", html), MSTI_MAP)


# ---------------------------------------------------------------------------- World Bank parser


def test_worldbank_real_single_page_answers_parse() -> None:
    frame = read_worldbank_json(WB / "wdi_sp_pop_totl_usa_jpn_2022_2023.json", {"SP.POP.TOTL": "population"})
    values = frame.set_index(["entity", "period"])["value"]
    assert len(frame) == 4 and values[("JPN", "2023")] == 124516650 and values[("USA", "2022")] == 333996304


@pytest.mark.parametrize("name", ["gdp_jpn_usa_page1_of_3.json", "gdp_jpn_usa_2018_2019_page1_of_2.json"])
def test_worldbank_first_page_alone_is_not_a_vintage(name: str) -> None:
    """Real first pages of multi-page answers; the pages field used never to be read."""
    with pytest.raises(InputError, match=r"incomplete download: the API has \d page") as err:
        read_worldbank_json(WB / name, {"NY.GDP.MKTP.CD": "gdp"})
    assert err.value.field == "pages"


def test_worldbank_all_pages_together_parse(tmp_path: Path) -> None:
    pages = split_pages((WB / "wdi_sp_pop_totl_usa_jpn_2022_2023.json").read_bytes(), 2)
    body = b"[" + b",".join(pages) + b"]"
    frame = read_worldbank_json(write(tmp_path, "p.json", body), {"SP.POP.TOTL": "population"})
    assert len(frame) == 4 and frame["_line"].tolist() == [1, 2, 3, 4]
    with pytest.raises(InputError, match="page"):  # page 2 twice, page 1 missing
        read_worldbank_json(write(tmp_path, "q.json", b"[" + pages[1] + b"," + pages[1] + b"]"), {"SP.POP.TOTL": "population"})


def test_worldbank_null_is_a_missing_row_not_dropped() -> None:
    frame = read_worldbank_json(WB_GERD, WB_MAP)
    row = frame[(frame["entity"] == "CHN") & (frame["period"] == "2024")]
    assert row["value"].isna().all() and row["flag"].tolist() == ["missing"]
    assert len(frame) == 14 and (frame["flag"] == "").sum() == 13


@pytest.mark.parametrize("name", ["error_invalid_indicator.json", "error_invalid_country.json"])
def test_worldbank_real_error_bodies_are_reported(name: str) -> None:
    with pytest.raises(InputError, match="the API returned an error: Invalid value: The provided parameter value"):
        read_worldbank_json(WB / name, WB_MAP)


def test_api_entity_codes_resolve_in_the_registry(tmp_path: Path) -> None:
    registry = EntityRegistry(load_project(ROOT).entities)
    names = pd.Series(["KOR", "OECD", "OED", "EUU", "EAP", "LMY", "WLD", "W00", "S19", "USA", "CHN"])
    assert registry.codes_for(names).tolist() == [
        "KOR",
        "OECD_TOTAL",
        "OECD_MEMBERS",
        "EU27",
        "WB_EAP_DEVELOPING",
        "WB_LOW_MIDDLE_INCOME",
        "WORLD",
        "WORLD",
        "TWN",
        "USA",
        "CHN",
    ]


# ------------------------------------------------------------------------------- Comtrade parser


def test_comtrade_real_answer_gives_imports_by_partner() -> None:
    frame = read_comtrade_json(CT / "chn_arg_deu_total_2010.json", {"M": "imports_from_partner"})
    assert frame[["entity", "category", "period", "indicator"]].values.tolist() == [
        ["ARG", "CHN", "2010", "imports_from_partner"],
        ["DEU", "CHN", "2010", "imports_from_partner"],
    ]
    assert frame["value"].tolist() == [6804128143.0, 74251272075.0]  # the export rows (flow X) are left out
    assert set(frame["flag"]) == {""}


def test_comtrade_value_not_as_reported_is_flagged_estimated() -> None:
    frame = read_comtrade_json(CT / "usa_jpn_total_2023.json", {"M": "imports_from_partner"})
    assert frame[["entity", "category", "value", "flag"]].values.tolist() == [["JPN", "USA", 151580564290.0, "estimated"]]


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (lambda d: d.update(error="Invalid reporterCode"), "returned an error: Invalid reporterCode"),
        (lambda d: d.update(count=5), "reports 5 records but sent 4"),
        (lambda d: d["data"][0].update(cmdCode="85"), "not a total-goods"),
        (lambda d: d["data"][1].pop("primaryValue"), "lacks"),
    ],
)
def test_comtrade_bad_answers_are_named(tmp_path: Path, change, words: str) -> None:  # noqa: ANN001
    data = json.loads((CT / "chn_arg_deu_total_2010.json").read_bytes())
    change(data)
    with pytest.raises(InputError, match=re.escape(words)):
        read_comtrade_json(write(tmp_path, "p.json", json.dumps(data).encode()), {"M": "imports_from_partner"})


# ------------------------------------------------------------------------------- the host check


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("https://sdmx.oecd.org@evil.com/public/rest/data/x", "user info"),
        ("https://sdmx.oecd.org:443@evil.com/", "user info"),
        ("https://evil.com\\@sdmx.oecd.org/", "backslash"),
        ("https://evil.com\\.sdmx.oecd.org/", "backslash"),
        ("https://sdmx.оecd.org/public/rest/data/x", "xn--"),  # Cyrillic о: IDNA-encoded, not the allowed host
        ("https://sdmx.oecd.org:8443/public/rest/data/x", "port 8443"),
        ("https://sdmx.oecd.org./public/rest/data/x", "'sdmx.oecd.org.'"),
        ("http://sdmx.oecd.org/public/rest/data/x", "only https"),
        ("https://sdmx.oecd.org.evil.com/", "sdmx.oecd.org.evil.com"),
    ],
)
def test_host_check_on_the_prepared_url_refuses(url: str, words: str) -> None:
    settings = load_project(ROOT).settings.refresh
    with requests.Session() as session, pytest.raises(ValueError) as err:
        prepare(session, url, None, {}, settings)
    assert words in str(err.value)


@pytest.mark.parametrize("url", ["https://SDMX.OECD.ORG/public/rest/data/x", "https://sdmx.oecd.org:443/public/x"])
def test_host_check_accepts_the_same_host_written_otherwise(url: str) -> None:
    settings = load_project(ROOT).settings.refresh
    with requests.Session() as session:
        prepared = prepare(session, url, {"startPeriod": "2000"}, {}, settings)
    assert prepared.url.lower().startswith("https://sdmx.oecd.org")


@pytest.mark.parametrize(
    "location",
    [
        "https://sdmx.oecd.org@evil.com/x",
        "https://evil.com\\@sdmx.oecd.org/x",
        "//evil.com/x",
        "https://sdmx.oecd.org:8443/x",
        "http://sdmx.oecd.org/x",
    ],
)
def test_a_redirect_is_checked_like_the_first_request(root: Path, location: str) -> None:
    before = tree_digest(root / "data" / "raw")
    with ReplayServer() as server:
        server.route("/", Reply(302, b"", {"Location": location}))
        [result] = run(root, server, "oecd_msti")
    assert_failed_cleanly(root, result, before, "redirect refused")
    assert len(server.seen) == 1  # the refused target is never requested


# --------------------------------------------------------------------- HTTP behaviour, end to end


def msti_body() -> bytes:
    return only_rows(SDMX_CODES.read_bytes(), "PT_B1GQ")


def expect_msti_sample(data: dict) -> None:
    """The shaped MSTI answer covers 2020-2022 (2022 all missing), the shaped GERD answer 2021-2023."""
    data["refresh"]["sources"]["oecd_msti"]["expect_years"] = ["2020", "2021"]
    data["refresh"]["sources"]["worldbank_wdi"]["expect_years"] = ["2021", "2022", "2023"]


def test_gzip_with_content_length_is_decoded_before_counting(root: Path) -> None:
    """requests asks for gzip; Content-Length then counts compressed bytes ('truncated body: 7785 of 1005')."""
    edit_config(root, expect_msti_sample)
    with ReplayServer() as server:
        server.route("/public/rest/data/", Reply(200, msti_body(), {"Content-Type": "application/vnd.sdmx.data+csv"}, gzip=True))
        [result] = run(root, server, "oecd_msti")
    assert result.status == "new", result.message
    assert result.message == f"oecd_msti: new vintage {VINTAGE} (21 rows)"
    assert (root / "data/raw/oecd_msti" / VINTAGE / "payload.csv").read_bytes() == msti_body()
    [seen] = server.seen
    assert "gzip" in seen.headers["Accept-Encoding"] and seen.headers["Accept-Language"] == "en"
    assert seen.headers["Accept"].startswith("application/vnd.sdmx.data+csv")
    assert seen.query["startPeriod"] == ["2000"]


def test_body_shorter_than_content_length_fails_cleanly(root: Path) -> None:
    before = tree_digest(root / "data" / "raw")
    body = msti_body()
    with ReplayServer() as server:
        server.route("/", Reply(200, body, content_length=len(body) + 500))
        [result] = run(root, server, "oecd_msti")
    assert_failed_cleanly(root, result, before, "truncated")


def test_a_dripping_server_is_stopped_by_the_deadline(root: Path) -> None:
    """One byte every 0.2 s never trips a per-read timeout; the download's deadline stops it."""
    edit_config(root, lambda d: d["refresh"].update(deadline_seconds=1.5))
    before = tree_digest(root / "data" / "raw")
    start = time.monotonic()
    with ReplayServer() as server:
        server.route("/", Reply(200, msti_body(), drip_seconds=0.2))
        [result] = run(root, server, "oecd_msti")
    assert time.monotonic() - start < 5
    assert_failed_cleanly(root, result, before, "1.5 s deadline")


def test_429_with_retry_after_is_honoured(root: Path) -> None:
    edit_config(root, expect_msti_sample)
    start = time.monotonic()
    with ReplayServer() as server:
        server.route("/", Reply(429, b"quota", {"Retry-After": "1"}), Reply(200, msti_body()))
        [result] = run(root, server, "oecd_msti")
    assert result.status == "new", result.message
    assert len(server.seen) == 2 and time.monotonic() - start >= 1.0


def test_retry_after_past_the_deadline_ends_the_download_at_once(root: Path) -> None:
    """OECD's hourly quota: waiting an hour inside a refresh helps no one; say so and stop."""
    before = tree_digest(root / "data" / "raw")
    start = time.monotonic()
    with ReplayServer() as server:
        server.route("/", Reply(429, b"quota", {"Retry-After": "3600"}))
        [result] = run(root, server, "oecd_msti")
    assert time.monotonic() - start < 3 and len(server.seen) == 1
    assert_failed_cleanly(root, result, before, "HTTP 429", "retry after 3600 s", "try again later")


def test_503_retries_then_gives_up_naming_the_attempts(root: Path) -> None:
    edit_config(root, lambda d: d["refresh"].update(retries=2))
    before = tree_digest(root / "data" / "raw")
    with ReplayServer() as server:
        server.route("/", Reply(503, b"busy"))
        [result] = run(root, server, "oecd_msti")
    assert len(server.seen) == 3
    assert_failed_cleanly(root, result, before, "HTTP 503", "3 attempt(s)")


def test_refused_connection_is_retried_then_named(root: Path) -> None:
    edit_config(root, lambda d: d["refresh"].update(retries=2))
    before = tree_digest(root / "data" / "raw")
    port = free_port()
    [result] = refresh_sources(load_project(root), ["oecd_msti"], today=TODAY, adapter=lambda retry: LoopbackAdapter(port, retry))
    assert_failed_cleanly(root, result, before, "connection failed after 3 attempt(s)", "connection refused")


@pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl command to make a certificate")
def test_tls_error_is_not_retried(root: Path, tmp_path: Path) -> None:
    before = tree_digest(root / "data" / "raw")
    with ReplayServer(tls_cert=self_signed_cert(tmp_path)) as server:
        server.route("/", Reply(200, msti_body()))
        [result] = run(root, server, "oecd_msti", tls=True)
    assert server.connections == 1
    assert_failed_cleanly(root, result, before, "TLS error (not retried)", "certificate verify failed")


def test_dns_failure_is_not_retried_but_a_refused_connection_is() -> None:
    """On urllib3's own error objects: the policy the adapter runs gives up on DNS at the first error."""
    policy = retry_policy(load_project(ROOT).settings.refresh, Deadline(60))
    dns = NameResolutionError("sdmx.oecd.org", None, socket.gaierror(-2, "Name or service not known"))  # type: ignore[arg-type]
    with pytest.raises(NameResolutionError):
        policy.increment("GET", "/x", error=dns)
    refused = NewConnectionError(None, "Failed to establish a new connection: [Errno 111] Connection refused")  # type: ignore[arg-type]
    assert policy.increment("GET", "/x", error=refused).total == policy.total - 1


def test_the_production_session_runs_the_retry_policy() -> None:
    """Without a test adapter the refresh mounts requests' HTTPAdapter with the same Retry policy."""
    from techgap.refresh import DEFAULT_HEADERS, build_session

    policy = retry_policy(load_project(ROOT).settings.refresh, Deadline(60))
    session = build_session(policy)
    assert session.get_adapter("https://sdmx.oecd.org/x").max_retries is policy
    assert session.headers["Accept-Language"] == DEFAULT_HEADERS["Accept-Language"] == "en"
    assert policy.status_forcelist >= {429, 503} and policy.respect_retry_after_header


def test_404_on_the_pinned_dataflow_says_how_to_find_the_current_version(root: Path) -> None:
    before = tree_digest(root / "data" / "raw")
    with ReplayServer() as server:
        server.route("/", Reply(404, b"NoResultsFound"))
        [result] = run(root, server, "oecd_msti")
    assert_failed_cleanly(root, result, before, "HTTP 404", "superseded", "/public/rest/dataflow/")


def test_html_page_with_status_200_fails_that_source_only(root: Path) -> None:
    """A 200 HTML page used to stop the whole run with a bare pandas message; World Bank was never tried."""
    html = (WB / "error_invalid_source_http400.xml").read_bytes()
    edit_config(root, expect_msti_sample)
    before = tree_digest(root / "data" / "raw" / "oecd_msti")
    with ReplayServer() as server:
        server.route("/public/rest/", Reply(200, html, {"Content-Type": "text/csv"}))
        server.route("/v2/", Reply(200, WB_GERD.read_bytes(), {"Content-Type": "application/json"}))
        oecd, wb = run(root, server, "oecd_msti", "worldbank_wdi")
    assert oecd.status == "failed" and "oecd_msti" in oecd.message and "HTML page" in oecd.message
    assert tree_digest(root / "data" / "raw" / "oecd_msti") == before and hidden_entries(root, "oecd_msti") == []
    assert wb.status == "new", wb.message
    frame = normalize_source(load_project(root), "worldbank_wdi")
    assert set(frame["vintage"]) == {VINTAGE} and len(frame) == 14


def test_html_content_type_is_refused_before_parsing(root: Path) -> None:
    before = tree_digest(root / "data" / "raw")
    with ReplayServer() as server:
        server.route("/", Reply(200, b"<html><body>maintenance</body></html>", {"Content-Type": "text/html"}))
        [result] = run(root, server, "oecd_msti")
    assert_failed_cleanly(root, result, before, "HTML page", "text/html")


def test_oversize_decoded_body_is_refused(root: Path) -> None:
    edit_config(root, lambda d: d["refresh"].update(max_bytes=1000))
    before = tree_digest(root / "data" / "raw")
    with ReplayServer() as server:
        server.route("/", Reply(200, msti_body() * 3, gzip=True))  # small on the wire, large decoded
        [result] = run(root, server, "oecd_msti")
    assert_failed_cleanly(root, result, before, "exceeds the 1000-byte limit")


# --------------------------------------------------------------------------- World Bank pagination

WDI_POP = WB / "wdi_sp_pop_totl_usa_jpn_2022_2023.json"


def pop_source(root: Path, **extra) -> None:
    add_test_source(
        root,
        "worldbank_population",
        "worldbank",
        "https://api.worldbank.org/v2/country/USA;JPN/indicator/SP.POP.TOTL",
        {"SP.POP.TOTL": "population"},
        "persons",
        params={"format": "json", "date": "2022:2023", "per_page": "2"},
        **extra,
    )


def test_worldbank_pages_are_followed_to_the_last(root: Path) -> None:
    pop_source(root, expect_entities=["USA", "JPN"], expect_years=["2022", "2023"])
    page1, page2 = split_pages(WDI_POP.read_bytes(), 2)
    with ReplayServer() as server:
        server.route(lambda s: s.query.get("page") == ["2"], Reply(200, page2))
        server.route("/v2/", Reply(200, page1))
        [result] = run(root, server, "worldbank_population")
    assert result.status == "new" and result.rows == 4, result.message
    assert [s.query.get("page") for s in server.seen] == [None, ["2"]]
    frame = normalize_source(load_project(root), "worldbank_population")
    assert frame.set_index(["entity_code", "period"])["value"][("USA", "2023")] == 336755052


def test_worldbank_missing_page_fails_naming_the_page_count(root: Path) -> None:
    pop_source(root)
    before = tree_digest(root / "data" / "raw")
    page1, _ = split_pages(WDI_POP.read_bytes(), 2)
    with ReplayServer() as server:
        server.route(lambda s: s.query.get("page") == ["2"], Reply(503, b"busy"))
        server.route("/v2/", Reply(200, page1))
        [result] = run(root, server, "worldbank_population")
    assert_failed_cleanly(root, result, before, "page 2 of 2", "HTTP 503")


def test_worldbank_real_first_page_with_no_second_is_not_kept(root: Path) -> None:
    """The real page 1 of 2 (jkkitakita/wbdata-go); page 2 was never recorded, so the server has none."""
    add_test_source(
        root,
        "worldbank_gdp",
        "worldbank",
        "https://api.worldbank.org/v2/countries/JPN;USA/indicators/NY.GDP.MKTP.CD",
        {"NY.GDP.MKTP.CD": "gdp"},
        "USD",
        params={"format": "json", "date": "2018:2019", "per_page": "2"},
    )
    before = tree_digest(root / "data" / "raw")
    with ReplayServer() as server:
        server.route(
            lambda s: "page" not in s.query,
            Reply(
                200, (WB / "gdp_jpn_usa_2018_2019_page1_of_2.json").read_bytes(), {"Content-Length": "543"}, content_length=None
            ),
        )
        [result] = run(root, server, "worldbank_gdp")
    assert_failed_cleanly(root, result, before, "page 2 of 2", "HTTP 404")


# ------------------------------------------------------------------------ coverage of the request


def test_a_requested_economy_absent_from_the_answer_fails_naming_it(root: Path) -> None:
    pop_source(root, expect_entities=["USA", "JPN", "TWN"], expect_years=["2022", "2023", "2024"])
    before = tree_digest(root / "data" / "raw")
    with ReplayServer() as server:
        server.route("/v2/", Reply(200, WDI_POP.read_bytes()))
        [result] = run(root, server, "worldbank_population")
    assert_failed_cleanly(root, result, before, "absent from the answer: entities TWN; years 2024", "expected_gaps")


def test_expected_gaps_let_a_known_hole_through(root: Path) -> None:
    pop_source(root, expect_entities=["USA", "JPN", "TWN"], expect_years=["2022", "2023"], expected_gaps=["TWN"])
    with ReplayServer() as server:
        server.route("/v2/", Reply(200, WDI_POP.read_bytes()))
        [result] = run(root, server, "worldbank_population")
    assert result.status == "new", result.message


def test_expected_gaps_must_name_an_expectation(root: Path) -> None:
    pop_source(root, expect_entities=["USA"], expected_gaps=["TWN"])
    with pytest.raises(InputError, match="expected_gaps"):
        load_project(root)


# ---------------------------------------------------------------------------------- Comtrade, e2e


def test_comtrade_answer_becomes_imports_by_partner_and_a_missing_world_row_is_named(root: Path) -> None:
    with open(root / "config" / "entities.yaml", "a", encoding="utf-8") as handle:
        handle.write("ARG: {en: Argentina, zh: 阿根廷, kind: economy, aliases: []}\n")

    def china(data: dict) -> None:
        source = data["refresh"]["sources"]["comtrade_china_imports"]
        source["params"].update(partnerCode="32,276", period="2010")
        source.update(expect_entities=["ARG", "DEU"], expect_years=["2010"])

    edit_config(root, china)
    body = (CT / "chn_arg_deu_total_2010.json").read_bytes()
    with ReplayServer() as server:
        server.route("/public/v1/preview/C/A/HS", Reply(200, body, {"Content-Type": "application/json"}, gzip=True))
        [result] = run(root, server, "comtrade_china_imports")
    assert result.status == "new", result.message
    assert server.seen[0].query["reporterCode"] == ["156"] and server.seen[0].query["flowCode"] == ["M"]
    frame = normalize_source(load_project(root), "comtrade_china_imports")
    assert frame[["entity_code", "category", "indicator", "unit"]].drop_duplicates().values.tolist() == [
        ["ARG", "CHN", "imports_from_partner", "USD"],
        ["DEU", "CHN", "imports_from_partner", "USD"],
    ]
    assert frame["value"].tolist() == [6804128143.0, 74251272075.0]

    edit_config(root, lambda d: d["refresh"]["sources"]["comtrade_china_imports"].update(expect_entities=["ARG", "DEU", "WORLD"]))
    before = tree_digest(root / "data" / "raw")
    with ReplayServer() as server:
        server.route("/", Reply(200, body))
        [again] = refresh_sources(
            load_project(root), ["comtrade_china_imports"], adapter=loopback(server), today=TODAY + dt.timedelta(days=1)
        )
    assert again.status == "unchanged" and "unchanged" in again.message  # same payload: no new vintage
    assert tree_digest(root / "data" / "raw") == before


def test_comtrade_periods_are_requested_one_at_a_time(root: Path) -> None:
    data = json.loads((CT / "chn_arg_deu_total_2010.json").read_bytes())
    with open(root / "config" / "entities.yaml", "a", encoding="utf-8") as handle:
        handle.write("ARG: {en: Argentina, zh: 阿根廷, kind: economy, aliases: []}\n")
    edit_config(
        root,
        lambda d: d["refresh"]["sources"]["comtrade_china_imports"].update(
            params={**d["refresh"]["sources"]["comtrade_china_imports"]["params"], "period": "2010,2011"},
            expect_entities=["ARG", "DEU"],
            expect_years=["2010", "2011"],
        ),
    )
    before = tree_digest(root / "data" / "raw")
    with ReplayServer() as server:
        server.route(lambda s: s.query.get("period") == ["2010"], Reply(200, json.dumps(data).encode()))
        server.route(
            lambda s: s.query.get("period") == ["2011"], Reply(200, b'{"elapsedTime":"0.1 secs","count":0,"data":[],"error":""}')
        )
        [result] = run(root, server, "comtrade_china_imports")
    assert [s.query["period"] for s in server.seen] == [["2010"], ["2011"]]
    assert_failed_cleanly(root, result, before, "years 2011")


# ------------------------------------------------------------------------- vintages and staging


def test_same_day_refresh_is_refused_and_earlier_vintages_stay(root: Path) -> None:
    edit_config(root, expect_msti_sample)
    old = tree_digest(root / "data" / "raw")
    with ReplayServer() as server:
        server.route("/", Reply(200, msti_body()))
        [first] = run(root, server, "oecd_msti")
        [second] = run(root, server, "oecd_msti")
    assert first.status == "new" and second.status == "failed" and "already exists" in second.message
    after = tree_digest(root / "data" / "raw")
    assert {k: v for k, v in after.items() if VINTAGE not in k} == old
    provenance = yaml.safe_load((root / "data/raw/oecd_msti" / VINTAGE / "provenance.yaml").read_text(encoding="utf-8"))
    assert provenance["method"] == "api" and provenance["sha256"] == hashlib.sha256(msti_body()).hexdigest()
    assert provenance["request"]["headers"]["Accept-Language"] == "en"
    assert oct((root / "data/raw/oecd_msti" / VINTAGE).stat().st_mode & 0o777) == "0o755"


@pytest.mark.parametrize(
    ("reply", "words"),
    [
        (Reply(200, WDI_POP.read_bytes()), "absent from the answer: entities TWN"),  # fails on coverage
        (Reply(200, (WB / "error_invalid_indicator.json").read_bytes()), "returned an error"),  # fails in the parser
        (Reply(503, b"busy"), "HTTP 503"),  # fails in the download, before anything is staged
    ],
    ids=["coverage", "parse", "download"],
)
def test_a_failed_first_refresh_leaves_no_source_folder(root: Path, reply: Reply, words: str) -> None:
    """The first refresh of a source creates data/raw/<source>/ to stage in; a failure used to leave it, empty."""
    pop_source(root, expect_entities=["USA", "JPN", "TWN"], expect_years=["2022", "2023"])
    folder = root / "data" / "raw" / "worldbank_population"
    assert not folder.exists()
    before = tree_digest(root / "data" / "raw")
    folders_before = folders_under(root / "data" / "raw")
    with ReplayServer() as server:
        server.route("/v2/", reply)
        [result] = run(root, server, "worldbank_population")
    assert_failed_cleanly(root, result, before, words)
    assert not folder.exists() and folders_under(root / "data" / "raw") == folders_before


def test_a_failed_refresh_leaves_a_source_folder_it_did_not_create(root: Path) -> None:
    """An empty data/raw/<source>/ that was there before (made by hand, say) is not the refresh's to remove."""
    pop_source(root, expect_entities=["USA", "JPN", "TWN"], expect_years=["2022", "2023"])
    folder = root / "data" / "raw" / "worldbank_population"
    folder.mkdir()
    with ReplayServer() as server:
        server.route("/v2/", Reply(200, WDI_POP.read_bytes()))
        [result] = run(root, server, "worldbank_population")
    assert result.status == "failed" and "TWN" in result.message, result.message
    assert folder.is_dir() and list(folder.iterdir()) == []


def test_a_stale_staging_folder_is_removed_and_reported(root: Path) -> None:
    edit_config(root, expect_msti_sample)
    stale = root / "data/raw/oecd_msti/.2027-01-14.k9x2"
    stale.mkdir()
    (stale / "payload.csv").write_bytes(msti_body()[:300])  # the partial payload of a killed refresh
    os.utime(stale, (time.time() - 3600, time.time() - 3600))
    with ReplayServer() as server:
        server.route("/", Reply(200, msti_body()))
        [result] = run(root, server, "oecd_msti")
    assert result.status == "new" and "removed stale staging folder .2027-01-14.k9x2" in result.message
    assert not stale.exists() and hidden_entries(root, "oecd_msti") == []


def test_a_young_staging_folder_is_reported_not_removed(tmp_path: Path) -> None:
    young = tmp_path / ".2027-01-15.abcd"
    young.mkdir()
    (tmp_path / ".gitkeep").write_text("")
    notes = clear_stale_staging(tmp_path, older_than_seconds=600)
    assert young.exists() and (tmp_path / ".gitkeep").exists()
    assert len(notes) == 1 and "another refresh may be running" in notes[0]


# ------------------------------------------------------------------------------ the CLI summary


def test_cli_prints_one_summary_line_per_source_and_fails_if_any_failed(root: Path, monkeypatch, capsys) -> None:  # noqa: ANN001
    import techgap.refresh as refresh

    edit_config(root, expect_msti_sample)
    with ReplayServer() as server:
        server.route("/public/rest/", Reply(503, b"busy"))
        server.route("/v2/", Reply(200, WB_GERD.read_bytes()))
        original = refresh.refresh_sources
        monkeypatch.setattr(
            refresh, "refresh_sources", lambda project, ids: original(project, ids, adapter=loopback(server), today=TODAY)
        )
        with pytest.raises(SystemExit) as exit_info:
            cli.main(["--root", str(root), "refresh", "oecd_msti", "worldbank_wdi"])
    out = capsys.readouterr().out.splitlines()
    assert exit_info.value.code not in (0, None) and "oecd_msti" in str(exit_info.value.code)
    assert out[0] == "refresh summary:"
    assert re.match(r"  FAILED +refresh of 'oecd_msti' failed: HTTP 503 after 4 attempt\(s\)", out[1]), out
    assert out[2] == f"  NEW       worldbank_wdi: new vintage {VINTAGE} (14 rows)"


# ------------------------------------------------------------------ planting vintages for builds


def test_plant_api_vintage_gives_a_vintage_normalize_reads(project_root: Path) -> None:
    folder = plant_api_vintage(project_root, "worldbank_wdi", "worldbank/gerd_shaped.json", "2027-02-01")
    assert sorted(p.name for p in folder.iterdir()) == ["payload.json", "provenance.yaml"]
    frame = normalize_source(load_project(project_root), "worldbank_wdi")
    assert set(frame["vintage"]) == {"2027-02-01"} and len(frame) == 14


def test_refreshed_msti_vintage_is_read_by_normalize(root: Path) -> None:
    edit_config(root, expect_msti_sample)
    with ReplayServer() as server:
        server.route("/", Reply(200, SDMX_CODES.read_bytes(), gzip=True))
        [result] = run(root, server, "oecd_msti")
    assert result.status == "new", result.message
    project = load_project(root)
    frame = normalize_source(project, "oecd_msti")
    assert set(frame["vintage"]) == {VINTAGE}
    values = frame.set_index(["entity_code", "period", "indicator"])["value"]
    assert values[("KOR", "2021", "gerd_pct_gdp")] == 4.930120876
    assert values[("USA", "2019", "gerd_usd_current_ppp_million")] == pytest.approx(668351.2)
    assert len(normalize_source(project, "oecd_msti", "2026-11-27")) == 84  # the old vintage still reads


def test_refresh_then_build_draws_fig02_from_the_new_vintage(root: Path) -> None:
    """refresh -> normalize -> build, end to end: the item's data file holds the refreshed values."""
    from techgap.build import build_group

    edit_config(root, expect_msti_sample)
    with ReplayServer() as server:
        server.route("/", Reply(200, msti_body(), gzip=True))
        [result] = run(root, server, "oecd_msti")
    assert result.status == "new", result.message
    project = load_project(root)
    build_group(project, project.item("fig02").render_group)
    data = root / "figures" / "latest" / "fig02" / "fig02.csv"  # the report edition stays on its pinned vintage
    table = pd.read_csv(data, dtype=str, keep_default_na=False)
    msti = table[table["source"] == "oecd_msti"]  # the latest edition also continues China with NBS's own values
    assert set(msti["vintage"]) == {VINTAGE}
    assert float(msti.set_index(["entity_code", "period"])["value"][("KOR", "2021")]) == 4.930120876
    assert set(msti["period"]) == {"2020", "2021"}  # the old vintage's 2010-2019 are not drawn
    assert (root / "figures" / "latest" / "fig02" / "fig02_en.svg").is_file()


def test_shaped_us_imports_plant_gives_fig16_shares(project_root: Path) -> None:
    """The shaped answer (tests/fixtures/comtrade/us_imports_shaped_2022.provenance.yaml) planted as a
    vintage: partner rows and the World row of the same reporter and year, so shares can be derived."""
    plant_api_vintage(project_root, "comtrade_us_imports", "comtrade/us_imports_shaped_2022.json", "2027-02-01")
    frame = normalize_source(load_project(project_root), "comtrade_us_imports")
    value = frame.set_index(["entity_code", "category", "period"])["value"]
    assert value[("CHN", "USA", "2022")] / value[("WORLD", "USA", "2022")] * 100 == pytest.approx(16.5, abs=1e-6)
    assert round(value[("TWN", "USA", "2022")] / value[("WORLD", "USA", "2022")] * 100, 1) == 2.8  # the report's label


REPLAYS = {  # real recording -> (client, indicator code, unit, expected status, words in the summary line)
    "worldbank/wdi_sp_pop_totl_usa_jpn_2022_2023.json": ("worldbank", "SP.POP.TOTL", "persons", "new", "(4 rows)"),
    "worldbank/wdi_sp_pop_grow_usa_jpn_2022_2023.json": ("worldbank", "SP.POP.GROW", "percent", "new", "(4 rows)"),
    "worldbank/wdi_sp_pop_0014_to_zs_usa_jpn_2022_2023.json": ("worldbank", "SP.POP.0014.TO.ZS", "percent", "new", "(4 rows)"),
    "worldbank/gdp_jpn_usa_page1_of_3.json": ("worldbank", "NY.GDP.MKTP.CD", "USD", "failed", "page 2 of 3"),
    "worldbank/gdp_jpn_usa_2018_2019_page1_of_2.json": ("worldbank", "NY.GDP.MKTP.CD", "USD", "failed", "page 2 of 2"),
    "worldbank/error_invalid_indicator.json": (
        "worldbank",
        "NY.GDP.MKTP.CD",
        "USD",
        "failed",
        "returned an error: Invalid value",
    ),
    "worldbank/error_invalid_country.json": ("worldbank", "NY.GDP.MKTP.CD", "USD", "failed", "returned an error: Invalid value"),
    "worldbank/error_invalid_source_http400.xml": ("worldbank", "NY.GDP.MKTP.CD", "USD", "failed", "HTTP 400"),
    "worldbank/empty_answer_unknown_iso2.json": ("worldbank", "SP.POP.TOTL", "persons", "failed", "no records at all (total 0"),
    "comtrade/chn_arg_deu_total_2010.json": ("comtrade", "M", "USD", "new", "(2 rows)"),
    "comtrade/usa_jpn_total_2023.json": ("comtrade", "M", "USD", "new", "(1 rows)"),
}


@pytest.mark.parametrize("name", list(REPLAYS))
def test_every_real_recording_replays_through_refresh(root: Path, name: str) -> None:
    """Each real answer, served with its recorded status and headers, ends as a vintage or as a one-line
    failure that names the cause, and a failure leaves data/raw as it was."""
    client, code, unit, status, words = REPLAYS[name]
    recorded = yaml.safe_load((FIXTURES / name).with_suffix(".provenance.yaml").read_text(encoding="utf-8"))
    assert recorded["real"] is True
    url = recorded["request"]["url"].split("?")[0].replace("http://", "https://", 1)  # the refresh speaks https only
    with open(root / "config" / "entities.yaml", "a", encoding="utf-8") as handle:
        handle.write("ARG: {en: Argentina, zh: 阿根廷, kind: economy, aliases: []}\n")
    add_test_source(
        root,
        "api_replay",
        client,
        url,
        {code: "replayed"},
        unit,
        params={"format": "json"} if client == "worldbank" else {"period": "2010"},
    )
    headers = {
        k: str(v) for k, v in recorded["response"]["headers"].items() if k in ("Content-Type", "Content-Length") and k != "note"
    }
    body = (FIXTURES / name).read_bytes()
    before = tree_digest(root / "data" / "raw")
    with ReplayServer() as server:
        server.route(
            lambda s: "page" not in s.query,
            Reply(
                recorded["response"]["status"], body, headers, content_length="auto" if "Content-Length" not in headers else None
            ),
        )
        [result] = run(root, server, "api_replay")
    assert result.status == status and words in result.message, result.message
    if status == "failed":
        assert_failed_cleanly(root, result, before, words)
    else:
        frame = normalize_source(load_project(root), "api_replay")
        assert set(frame["vintage"]) == {VINTAGE} and frame["value"].notna().all()

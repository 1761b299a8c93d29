"""Refresh from the OECD SDMX and World Bank APIs, offline: parsers on recorded-format fixtures, and
every network fault played by a fake session.

Fixtures (tests/fixtures/) are in the APIs' documented formats, with values copied from the project's
own raw vintages, never invented:

* oecd_msti_sdmx.csv: SDMX-CSV 2.0, codes only. GERD % of GDP (G.PT_B1GQ._Z) for 2020-2021 as in
  data/raw/oecd_msti/2026-11-27/data.csv; the 2022 rows have an empty OBS_VALUE (OBS_STATUS M) by
  design, since no 2022 value is on file. GERD in current PPP USD (G.USD_PPP.V, UNIT_MULT 6) for 2019
  as in data/raw/oecd_msti_other_releases (gerd_usd_current_ppp_million).
* oecd_msti_sdmx_labels.csv: the same rows as the "csvfilewithlabels" download (each code column
  followed by its label column). The labels=both variant ('REF_AREA: Reference area' headers,
  'KOR: Korea' cells) is built from it in the tests.
* worldbank_gerd.json: API v2 [metadata, records] for GB.XPD.RSDV.GD.ZS with the values of
  data/raw/worldbank_wdi/2026-11-27/data.csv, one null record (CHN 2024, not reported) and the OECD
  members aggregate (country id OE, countryiso3code OED).
* worldbank_error.json: the API's error body for an invalid parameter.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import re
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit

import pandas as pd
import pytest
import requests
import yaml
from conftest import tree_digest

from techgap.config import Project, load_project
from techgap.entities import EntityRegistry
from techgap.errors import InputError
from techgap.normalize import normalize_source
from techgap.parsers import read_sdmx_csv, read_worldbank_json
from techgap.refresh import refresh_sources

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).resolve().parent / "fixtures"
SDMX_CODES = FIXTURES / "oecd_msti_sdmx.csv"
SDMX_LABELS = FIXTURES / "oecd_msti_sdmx_labels.csv"
WB_JSON = FIXTURES / "worldbank_gerd.json"
WB_ERROR = FIXTURES / "worldbank_error.json"

MSTI_MAP = {"G.PT_B1GQ._Z": "gerd_pct_gdp", "G.USD_PPP.V": "gerd_usd_current_ppp_million"}
WB_MAP = {"GB.XPD.RSDV.GD.ZS": "gerd_pct_gdp"}
TODAY = dt.date(2027, 1, 15)
VINTAGE = "2027-01-15"
OECD_HOST, WB_HOST = "sdmx.oecd.org", "api.worldbank.org"
AREAS = {"KOR", "JPN", "TWN", "USA", "CHN", "DEU", "OECD"}


# ---------------------------------------------------------------------------------------- helpers

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


def rename_header(body: bytes, old: str, new: str) -> bytes:
    head, rest = body.split(b"\n", 1)
    names = head.decode("utf-8").split(",")
    renamed = [new + name[len(old):] if name == old or name.startswith(old + ":") else name for name in names]
    assert renamed != names
    return ",".join(renamed).encode("utf-8") + b"\n" + rest


def only_rows(body: bytes, keep: str) -> bytes:
    """The header and the data lines that contain ``keep`` (a plain subset of a fixture)."""
    lines = body.decode("utf-8").splitlines(keepends=True)
    return "".join([lines[0]] + [line for line in lines[1:] if keep in line]).encode("utf-8")


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def tidy(frame: pd.DataFrame) -> pd.DataFrame:
    cols = ["entity", "period", "indicator", "value", "flag", "document"]
    return frame[cols].sort_values(["indicator", "entity", "period"]).reset_index(drop=True)


class FakeResponse:
    def __init__(self, status: int = 200, body: bytes = b"", headers: dict[str, str] | None = None,
                 content_length: int | None | str = "auto") -> None:
        self.status_code = status
        self.body = body
        self.headers = dict(headers or {})
        if content_length == "auto":
            self.headers["Content-Length"] = str(len(body))
        elif content_length is not None:
            self.headers["Content-Length"] = str(content_length)

    def iter_content(self, chunk_size: int = 1):
        for start in range(0, len(self.body), chunk_size):
            yield self.body[start:start + chunk_size]


class FakeSession:
    """Replays replies per host (the last reply repeats); a reply is a response or an exception to raise."""

    def __init__(self, replies: dict[str, list]) -> None:
        self.replies = {host: list(items) for host, items in replies.items()}
        self.calls: list[tuple[str, dict]] = []

    def get(self, url: str, **kwargs):
        self.calls.append((url, kwargs))
        host = urlsplit(url).hostname
        if host not in self.replies:
            raise AssertionError(f"request to unexpected host {host}: {url}")
        queue = self.replies[host]
        reply = queue.pop(0) if len(queue) > 1 else queue[0]
        if isinstance(reply, BaseException):
            raise reply
        return reply

    @property
    def hosts(self) -> list[str | None]:
        return [urlsplit(url).hostname for url, _ in self.calls]


def with_refresh(project: Project, **changes) -> Project:
    refresh = project.settings.refresh.model_copy(update=changes)
    return project.model_copy(update={"settings": project.settings.model_copy(update={"refresh": refresh})})


def hidden_entries(project: Project, source_id: str) -> list[str]:
    return [p.name for p in (project.raw_dir / source_id).iterdir() if p.name.startswith(".")]


@pytest.fixture
def project(project_root: Path) -> Project:
    return load_project(project_root)


@pytest.fixture
def sleeps() -> list[float]:
    return []


# ---------------------------------------------------------------------------------- parser tests

@pytest.mark.parametrize("variant", ["codes", "labels", "both"])
def test_sdmx_variants_give_the_same_tidy_rows(tmp_path: Path, variant: str) -> None:
    variants = sdmx_variants()
    reference = tidy(read_sdmx_csv(write(tmp_path, "codes.csv", variants["codes"]), MSTI_MAP))
    frame = tidy(read_sdmx_csv(write(tmp_path, f"{variant}.csv", variants[variant]), MSTI_MAP))
    pd.testing.assert_frame_equal(frame, reference)

    assert len(frame) == 28
    assert set(frame["entity"]) == AREAS  # bare codes, no labels left in the cells
    assert set(frame["document"]) == {"api"}
    pct = frame[frame["indicator"] == "gerd_pct_gdp"].set_index(["entity", "period"])["value"]
    assert pct[("KOR", "2021")] == 4.930120876
    assert pct[("TWN", "2020")] == 3.609331556
    assert pct[("OECD", "2021")] == 2.718290447
    usd = frame[frame["indicator"] == "gerd_usd_current_ppp_million"].set_index("entity")
    assert set(usd["period"]) == {"2019"}
    assert usd.loc["USA", "value"] == pytest.approx(668351.2)  # UNIT_MULT 6: already millions
    assert usd.loc["OECD", "value"] == pytest.approx(1564092.2)
    missing = frame[frame["flag"] == "missing"]
    assert set(missing["period"]) == {"2022"} and len(missing) == 7
    assert missing["value"].isna().all()
    assert frame.loc[frame["flag"] == "", "value"].notna().all()


@pytest.mark.parametrize("mult", [0, 3, 9])
def test_sdmx_unit_multiplier_scales_to_millions(tmp_path: Path, mult: int) -> None:
    """The same quantity stated with another UNIT_MULT (value x 10^(6-mult)) gives the same millions."""
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
    body = SDMX_CODES.read_bytes().replace(b"PT_B1GQ,_Z,_Z,2021,4.930120876,A,0,2", b"PT_B1GQ,_Z,_Z,2021,4.930120876,A,6,2")
    with pytest.raises(InputError) as err:
        read_sdmx_csv(write(tmp_path, "p.csv", body), MSTI_MAP)
    assert err.value.field == "UNIT_MULT" and err.value.line == 3


@pytest.mark.parametrize("variant", ["codes", "labels", "both"])
@pytest.mark.parametrize("column", ["OBS_VALUE", "REF_AREA"])
def test_sdmx_schema_change_names_the_column(tmp_path: Path, variant: str, column: str) -> None:
    body = rename_header(sdmx_variants()[variant], column, column.replace("_", "") + "_NEW")
    with pytest.raises(InputError) as err:
        read_sdmx_csv(write(tmp_path, "p.csv", body), MSTI_MAP)
    assert err.value.field == column
    assert repr(column) in str(err.value) and "schema" in str(err.value)


def test_sdmx_without_the_requested_measures_is_rejected(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no series of the requested measures"):
        read_sdmx_csv(write(tmp_path, "p.csv", SDMX_CODES.read_bytes()), {"G.PT_B1GQ.Q": "gerd_pct_gdp"})


def test_worldbank_json_drops_nulls_and_keeps_the_oecd_aggregate() -> None:
    frame = read_worldbank_json(WB_JSON, WB_MAP)
    records = json.loads(WB_JSON.read_text(encoding="utf-8"))[1]
    assert json.loads(WB_JSON.read_text(encoding="utf-8"))[0]["total"] == len(records) == 14
    assert len(frame) == 13  # the null CHN 2024 record is dropped
    assert not ((frame["entity"] == "CHN") & (frame["period"] == "2024")).any()
    assert set(frame["entity"]) == {"CHN", "DEU", "JPN", "KOR", "USA", "OED"}
    assert set(frame["indicator"]) == {"gerd_pct_gdp"} and set(frame["flag"]) == {""}
    values = frame.set_index(["entity", "period"])["value"]
    assert values[("CHN", "2021")] == 2.38165
    assert values[("OED", "2021")] == 2.89422761827735
    assert values[("KOR", "2022")] == 4.84753


def test_api_entity_codes_resolve_in_the_registry(tmp_path: Path) -> None:
    registry = EntityRegistry(load_project(ROOT).entities)
    sdmx = read_sdmx_csv(write(tmp_path, "p.csv", SDMX_CODES.read_bytes()), MSTI_MAP)
    wb = read_worldbank_json(WB_JSON, WB_MAP)
    codes = dict(zip(sdmx["entity"], registry.codes_for(sdmx["entity"]), strict=True))
    codes.update(zip(wb["entity"], registry.codes_for(wb["entity"]), strict=True))
    assert codes == {"KOR": "KOR", "JPN": "JPN", "TWN": "TWN", "USA": "USA", "CHN": "CHN", "DEU": "DEU",
                     "OECD": "OECD_TOTAL", "OED": "OECD_MEMBERS"}


def test_worldbank_error_body_is_rejected() -> None:
    with pytest.raises(InputError, match="the API returned an error") as err:
        read_worldbank_json(WB_ERROR, WB_MAP)
    assert "Invalid value" in str(err.value)


def _wb_layouts() -> dict[str, object]:
    meta, records = json.loads(WB_JSON.read_text(encoding="utf-8"))
    no_iso3 = [dict(records[1])]
    del no_iso3[0]["countryiso3code"]
    del no_iso3[0]["country"]
    return {
        "records-only": records,
        "object": {"metadata": meta, "data": records},
        "records-as-object": [meta, {"data": records}],
        "three-parts": [meta, records, []],
        "record-without-country": [meta, no_iso3],
        "record-without-date": [meta, [{k: v for k, v in records[1].items() if k != "date"}]],
        "other-indicator": [meta, [{**records[1], "indicator": {"id": "GB.XPD.RSDV.GD", "value": "?"}}]],
        "all-null": [meta, [records[0]]],
    }


@pytest.mark.parametrize("layout", list(_wb_layouts()))
def test_worldbank_changed_layout_is_rejected(tmp_path: Path, layout: str) -> None:
    path = write(tmp_path, "p.json", (json.dumps(_wb_layouts()[layout]) + "\n").encode())
    with pytest.raises(InputError):
        read_worldbank_json(path, WB_MAP)


# ------------------------------------------------------------------------------------ fault tests

def oecd_body() -> bytes:
    """The fixture's series that config/sources.yaml declares for oecd_msti (gerd_pct_gdp)."""
    return only_rows(SDMX_CODES.read_bytes(), "PT_B1GQ")


def assert_failed_cleanly(project: Project, results, before: dict[str, str], *fault: str) -> None:
    [result] = results
    assert result.source_id == "oecd_msti" and result.ok is False and result.vintage is None
    assert "oecd_msti" in result.message
    for word in fault:
        assert word.lower() in result.message.lower(), result.message
    assert tree_digest(project.raw_dir) == before
    assert hidden_entries(project, "oecd_msti") == []
    assert sorted(p.name for p in (project.raw_dir / "oecd_msti").iterdir()) == ["2026-11-27"]


REFUSED = requests.ConnectionError(
    "HTTPSConnectionPool(host='sdmx.oecd.org', port=443): Max retries exceeded (Caused by NewConnectionError("
    "'Failed to establish a new connection: [Errno 111] Connection refused'))")
FAULTS = {
    # name: (replies for sdmx.oecd.org, words the message must contain, requests made, sleeps)
    "timeout": ([requests.Timeout("read timed out")], ("timeout",), 4, [2, 4, 8]),
    "connection-refused": ([REFUSED], ("connection refused",), 4, [2, 4, 8]),
    "http-500": ([FakeResponse(500, b"Internal Server Error")], ("HTTP 500",), 4, [2, 4, 8]),
    "http-404": ([FakeResponse(404, b"NoResultsFound")], ("HTTP 404",), 1, []),
    "truncated": ([FakeResponse(200, oecd_body()[:700], content_length=len(oecd_body()))], ("truncated",), 1, []),
    "schema-change": ([FakeResponse(200, rename_header(oecd_body(), "OBS_VALUE", "VALUE"))],
                      ("column", "OBS_VALUE", "does not validate"), 1, []),
    "empty-body": ([FakeResponse(200, b"")], ("empty",), 1, []),
    "redirect-other-host": ([FakeResponse(302, b"", {"Location": "https://mirror.example.net/msti.csv"})],
                            ("redirect", "mirror.example.net"), 1, []),
    "redirect-to-http": ([FakeResponse(301, b"", {"Location": "http://sdmx.oecd.org/public/rest/data/x"})],
                         ("redirect", "https"), 1, []),
    "redirect-loop": ([FakeResponse(302, b"", {"Location": "/public/rest/data/again"})], ("too many redirects",), 4, []),
}


@pytest.mark.parametrize("name", list(FAULTS))
def test_refresh_fault_leaves_raw_untouched(project: Project, sleeps: list[float], name: str) -> None:
    replies, fault, requests_made, expected_sleeps = FAULTS[name]
    session = FakeSession({OECD_HOST: replies})
    before = tree_digest(project.raw_dir)
    results = refresh_sources(project, ["oecd_msti"], session=session, today=TODAY, sleep=sleeps.append)
    assert_failed_cleanly(project, results, before, *fault)
    assert len(session.calls) == requests_made
    assert set(session.hosts) == {OECD_HOST}  # a refused redirect target is never requested
    assert sleeps == expected_sleeps


@pytest.mark.parametrize("content_length", [True, False], ids=["declared", "chunked"])
def test_refresh_oversize_body_is_refused(project: Project, sleeps: list[float], content_length: bool) -> None:
    small = with_refresh(project, max_bytes=1000)
    body = oecd_body()
    assert len(body) > 1000
    session = FakeSession({OECD_HOST: [FakeResponse(200, body, content_length="auto" if content_length else None)]})
    before = tree_digest(project.raw_dir)
    results = refresh_sources(small, ["oecd_msti"], session=session, today=TODAY, sleep=sleeps.append)
    assert_failed_cleanly(small, results, before, "exceeds", "1000-byte limit")
    assert len(session.calls) == 1 and sleeps == []


def test_refresh_gives_up_after_the_configured_retries(project: Project, sleeps: list[float]) -> None:
    once = with_refresh(project, retries=1, backoff_seconds=0.5)
    session = FakeSession({OECD_HOST: [FakeResponse(503, b"busy")]})
    before = tree_digest(project.raw_dir)
    results = refresh_sources(once, ["oecd_msti"], session=session, today=TODAY, sleep=sleeps.append)
    assert_failed_cleanly(once, results, before, "HTTP 503", "2 attempt(s)")
    assert len(session.calls) == 2 and sleeps == [0.5]


def test_refresh_success_then_same_day_refresh_is_refused(project: Project, sleeps: list[float]) -> None:
    source = project.settings.refresh.sources["oecd_msti"]
    body = oecd_body()
    session = FakeSession({OECD_HOST: [FakeResponse(200, body)]})
    old = tree_digest(project.raw_dir)

    [result] = refresh_sources(project, ["oecd_msti"], session=session, today=TODAY, sleep=sleeps.append)
    assert result.ok, result.message
    assert result.vintage == VINTAGE and "oecd_msti" in result.message and VINTAGE in result.message
    assert sleeps == []
    [(url, kwargs)] = session.calls
    assert url == source.url
    assert kwargs["params"] == source.params and kwargs["headers"] == source.headers
    assert kwargs["allow_redirects"] is False and kwargs["stream"] is True
    assert kwargs["timeout"] == project.settings.refresh.timeout_seconds

    folder = project.raw_dir / "oecd_msti" / VINTAGE
    assert sorted(p.name for p in folder.iterdir()) == ["payload.csv", "provenance.yaml"]
    assert (folder / "payload.csv").read_bytes() == body
    provenance = yaml.safe_load((folder / "provenance.yaml").read_text(encoding="utf-8"))
    assert provenance["source_id"] == "oecd_msti" and provenance["method"] == "api"
    assert provenance["format"] == "sdmx-csv" and provenance["payload"] == "payload.csv"
    assert provenance["sha256"] == hashlib.sha256(body).hexdigest()
    assert provenance["url"] == source.url and str(provenance["retrieved"]) == VINTAGE
    assert provenance["indicator_map"] == MSTI_MAP
    assert hidden_entries(project, "oecd_msti") == []
    after = tree_digest(project.raw_dir)
    assert {k: v for k, v in after.items() if f"{VINTAGE}" not in k} == old  # earlier vintages untouched

    frame = normalize_source(project, "oecd_msti")  # the newest vintage is the refreshed one
    assert set(frame["vintage"]) == {VINTAGE}
    assert set(frame["entity_code"]) == {"KOR", "JPN", "TWN", "USA", "CHN", "DEU", "OECD_TOTAL"}
    values = frame.set_index(["entity_code", "period"])["value"]
    assert values[("KOR", "2021")] == 4.930120876 and values[("OECD_TOTAL", "2020")] == 2.741398279
    assert len(frame) == 21 and frame["value"].isna().sum() == 7
    assert set(frame.loc[frame["value"].isna(), "flag"]) == {"missing"}
    assert set(frame["unit"]) == {"percent of GDP"}
    assert len(normalize_source(project, "oecd_msti", "2026-11-27")) == 84  # the old vintage still reads

    again = FakeSession({OECD_HOST: [FakeResponse(200, body)]})
    [second] = refresh_sources(project, ["oecd_msti"], session=again, today=TODAY, sleep=sleeps.append)
    assert second.ok is False and "oecd_msti" in second.message and "already exists" in second.message
    assert again.calls == []
    assert tree_digest(project.raw_dir) == after
    assert hidden_entries(project, "oecd_msti") == []


def test_refresh_recovers_after_a_transient_error_and_follows_an_allowed_redirect(project: Project,
                                                                                  sleeps: list[float]) -> None:
    session = FakeSession({OECD_HOST: [
        FakeResponse(502, b"Bad Gateway"),
        FakeResponse(307, b"", {"Location": "/public/rest/v2/data/msti.csv"}),
        FakeResponse(200, oecd_body()),
    ]})
    [result] = refresh_sources(project, ["oecd_msti"], session=session, today=TODAY, sleep=sleeps.append)
    assert result.ok, result.message
    assert sleeps == [2]
    assert session.calls[-1][0] == "https://sdmx.oecd.org/public/rest/v2/data/msti.csv"
    assert (project.raw_dir / "oecd_msti" / VINTAGE / "payload.csv").read_bytes() == oecd_body()


def test_refresh_accepts_the_configured_usd_ppp_series(project: Project, sleeps: list[float]) -> None:
    """Both series the refresh URL asks for (% of GDP and current PPP USD) are declared and validate."""
    session = FakeSession({OECD_HOST: [FakeResponse(200, SDMX_CODES.read_bytes())]})
    [result] = refresh_sources(project, ["oecd_msti"], session=session, today=TODAY, sleep=sleeps.append)
    assert result.ok, result.message
    frame = normalize_source(project, "oecd_msti")
    assert set(frame["indicator"]) == {"gerd_pct_gdp", "gerd_usd_current_ppp_million"}
    assert (frame.loc[frame["indicator"] == "gerd_usd_current_ppp_million", "unit"] == "USD million").all()


def test_one_failing_source_does_not_stop_the_other(project: Project, sleeps: list[float]) -> None:
    session = FakeSession({OECD_HOST: [FakeResponse(404, b"NoResultsFound")],
                           WB_HOST: [FakeResponse(200, WB_JSON.read_bytes())]})
    oecd_before = tree_digest(project.raw_dir / "oecd_msti")
    wb_before = tree_digest(project.raw_dir / "worldbank_wdi")
    oecd, wb = refresh_sources(project, ["oecd_msti", "worldbank_wdi"], session=session, today=TODAY,
                               sleep=sleeps.append)
    assert oecd.source_id == "oecd_msti" and not oecd.ok and "HTTP 404" in oecd.message
    assert tree_digest(project.raw_dir / "oecd_msti") == oecd_before
    assert hidden_entries(project, "oecd_msti") == []

    assert wb.source_id == "worldbank_wdi" and wb.ok, wb.message
    folder = project.raw_dir / "worldbank_wdi" / VINTAGE
    assert sorted(p.name for p in folder.iterdir()) == ["payload.json", "provenance.yaml"]
    provenance = yaml.safe_load((folder / "provenance.yaml").read_text(encoding="utf-8"))
    assert provenance["format"] == "worldbank-json" and provenance["method"] == "api"
    assert provenance["sha256"] == hashlib.sha256(WB_JSON.read_bytes()).hexdigest()
    assert {k: v for k, v in tree_digest(project.raw_dir / "worldbank_wdi").items() if VINTAGE not in k} == wb_before
    assert hidden_entries(project, "worldbank_wdi") == []

    frame = normalize_source(project, "worldbank_wdi")
    assert set(frame["vintage"]) == {VINTAGE} and len(frame) == 13
    assert set(frame["entity_code"]) == {"CHN", "DEU", "JPN", "KOR", "USA", "OECD_MEMBERS"}
    assert frame.set_index(["entity_code", "period"])["value"][("OECD_MEMBERS", "2022")] == 2.94231137326631


def test_worldbank_error_body_fails_the_refresh(project: Project, sleeps: list[float]) -> None:
    session = FakeSession({WB_HOST: [FakeResponse(200, WB_ERROR.read_bytes())]})
    before = tree_digest(project.raw_dir)
    [result] = refresh_sources(project, ["worldbank_wdi"], session=session, today=TODAY, sleep=sleeps.append)
    assert not result.ok and "worldbank_wdi" in result.message and "returned an error" in result.message
    assert tree_digest(project.raw_dir) == before
    assert sorted(p.name for p in (project.raw_dir / "worldbank_wdi").iterdir()) == ["2026-11-27"]


def test_refresh_of_an_unconfigured_source_is_reported(project: Project) -> None:
    session = FakeSession({})
    [result] = refresh_sources(project, ["nbs_rd"], session=session, today=TODAY, sleep=lambda _: None)
    assert not result.ok and "nbs_rd" in result.message and "no API configured" in result.message
    assert session.calls == []

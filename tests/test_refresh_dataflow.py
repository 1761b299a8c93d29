"""An OECD answer is kept only if it is the dataflow the request asked for.

Every SDMX-CSV answer names its dataflow in each row (SDMX-CSV 2.0: STRUCTURE=DATAFLOW and STRUCTURE_ID,
e.g. OECD.STI.STP:DSD_MSTI@DF_MSTI(1.3); SDMX-CSV 1.0: the DATAFLOW column). The refresh compares it with
the dataflow in the source's configured URL (.../data/OECD.STI.STP,DSD_MSTI@DF_MSTI,1.3/<key>) before the
payload is parsed, so an answer of another dataflow is refused as such, even when its columns match.

Answers: the recorded ones of tests/fixtures/oecd/ (see their .provenance.yaml), and copies of them in
which only the dataflow reference (the STRUCTURE_ID or DATAFLOW cell of every row) is replaced; each such
copy is derived in the test from the recorded answer, and the test checks that nothing else differs."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pandas as pd
import pytest
import yaml
from conftest import tree_digest
from fixtures.replay import ReplayServer, Reply, loopback
from test_refresh import (
    SDMX_CODES,
    SDMX_LABELS,
    TODAY,
    VINTAGE,
    assert_failed_cleanly,
    clear_network_environment,
    edit_config,
    expect_msti_sample,
    fast,
    only_rows,
    run,
)
from test_refresh_oecd_real import DEBT, DEBT_MAP, GDP, TRUST, TRUST_MAP, oecd_source, recorded

from techgap.config import load_project
from techgap.normalize import normalize_source
from techgap.refresh import refresh_sources, requested_dataflow

MSTI = "OECD.STI.STP:DSD_MSTI@DF_MSTI(1.3)"
CONFIG = yaml.safe_load((Path(__file__).resolve().parents[1] / "config" / "config.yaml").read_text(encoding="utf-8"))
QNA = "OECD.SDD.NAD:DSD_NAMAIN1@DF_QNA(1.1)"  # the OECD's quarterly national accounts


@pytest.fixture(autouse=True)
def _no_network_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    clear_network_environment(monkeypatch)


@pytest.fixture
def root(project_root: Path) -> Path:
    edit_config(project_root, fast)
    edit_config(project_root, expect_msti_sample)
    return project_root


def dataflow_of(body: bytes) -> str:
    frame = pd.read_csv(io.BytesIO(body), dtype=str, keep_default_na=False)
    [reference] = set(frame["STRUCTURE_ID" if "STRUCTURE_ID" in frame else "DATAFLOW"])
    return reference


def with_dataflow(body: bytes, new: str) -> bytes:
    """The recorded answer with the dataflow reference of every row replaced, and nothing else changed."""
    old = dataflow_of(body)
    column = "STRUCTURE_ID" if b"STRUCTURE_ID" in body.split(b"\n", 1)[0] else "DATAFLOW"
    copy = body.replace(old.encode(), new.encode())
    before = pd.read_csv(io.BytesIO(body), dtype=str, keep_default_na=False)
    after = pd.read_csv(io.BytesIO(copy), dtype=str, keep_default_na=False)
    assert len(after) == len(before) and set(after[column]) == {new}
    pd.testing.assert_frame_equal(after.drop(columns=column), before.drop(columns=column))
    return copy


def msti_answer(variant: str) -> bytes:
    """The recorded MSTI answer the replay tests serve (its GERD % of GDP rows), codes or labels layout."""
    return only_rows((SDMX_CODES if variant == "codes" else SDMX_LABELS).read_bytes(), "PT_B1GQ")


def serve_msti(root: Path, body: bytes, today: dt.date = TODAY):  # noqa: ANN201
    with ReplayServer() as server:
        server.route("/public/rest/data/", Reply(200, body, {"Content-Type": "application/vnd.sdmx.data+csv"}))
        [result] = refresh_sources(load_project(root), ["oecd_msti"], adapter=loopback(server), today=today)
    return result


# ------------------------------------------------------------------------------ the request's side


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (CONFIG["refresh"]["sources"]["oecd_msti"]["url"], MSTI),
        (recorded(DEBT)["request"]["url"], "OECD.GOV.GIP:DSD_GOV@DF_GOV_PF_YU(any version)"),  # 'agency,id,' (no version)
        (
            "https://sdmx.oecd.org/public/rest/data/OECD.STI.STP,DSD_MSTI%40DF_MSTI,latest/all",
            "OECD.STI.STP:DSD_MSTI@DF_MSTI(any version)",
        ),
        ("https://sdmx.oecd.org/public/rest/data/DSD_MSTI@DF_MSTI/KOR.A", "(any agency):DSD_MSTI@DF_MSTI(any version)"),
        ("https://sdmx.oecd.org/public/rest/v2/data/dataflow/OECD.STI.STP/DSD_MSTI@DF_MSTI/1.3/*", MSTI),  # SDMX 3.0 REST
    ],
)
def test_the_dataflow_a_request_url_names(url: str, expected: str) -> None:
    assert str(requested_dataflow(url)) == expected


@pytest.mark.parametrize(
    "url", ["https://sdmx.oecd.org/public/rest/data/all/KOR.A", "https://sdmx.oecd.org/public/rest/dataflow/OECD.STI.STP"]
)
def test_a_url_without_one_dataflow_names_none(url: str) -> None:
    assert requested_dataflow(url) is None


def test_a_configured_url_that_names_no_dataflow_fails_before_any_request(root: Path) -> None:
    edit_config(
        root, lambda d: d["refresh"]["sources"]["oecd_msti"].update(url="https://sdmx.oecd.org/public/rest/data/all/KOR.A")
    )
    before = tree_digest(root / "data" / "raw")
    with ReplayServer() as server:
        server.route("/", Reply(200, msti_answer("codes")))
        [result] = run(root, server, "oecd_msti")
    assert_failed_cleanly(root, result, before, "names no dataflow", "refresh.sources.oecd_msti.url")
    assert server.seen == []


# ------------------------------------------------------------------------------- the answer's side


@pytest.mark.parametrize("variant", ["codes", "labels"])
@pytest.mark.parametrize("other", [QNA, "OECD.STI.STP:DSD_MSTI@DF_MSTI(1.2)"], ids=["another-dataflow", "another-version"])
def test_msti_answer_relabelled_as_another_dataflow_is_refused(root: Path, variant: str, other: str) -> None:
    """The issue's case: same columns, same rows, another STRUCTURE_ID; it used to become an oecd_msti vintage."""
    body = with_dataflow(msti_answer(variant), other)
    accepted = serve_msti(root, msti_answer(variant), TODAY - dt.timedelta(days=1))
    assert accepted.status == "new", accepted.message  # the recorded answer itself is accepted ...
    before = tree_digest(root / "data" / "raw")
    result = serve_msti(root, body)  # ... and the copy that differs only in its dataflow is not
    assert_failed_cleanly(
        root, result, before, "oecd_msti", f"the answer is dataflow {other}", f"not the requested dataflow {MSTI}"
    )


@pytest.mark.parametrize("fixture", [DEBT, GDP, TRUST], ids=["debt", "gdp", "trust"])
def test_real_answers_of_other_dataflows_are_refused_as_msti(root: Path, fixture: Path) -> None:
    """Real OECD answers of other dataflows, served where MSTI was asked for: refused naming both dataflows
    (they used to be refused, if at all, as 'no series of the requested measures')."""
    before = tree_digest(root / "data" / "raw")
    result = serve_msti(root, fixture.read_bytes())
    assert_failed_cleanly(root, result, before, f"the answer is dataflow {dataflow_of(fixture.read_bytes())}", MSTI)


@pytest.mark.parametrize(("fixture", "indicator_map"), [(DEBT, DEBT_MAP), (TRUST, TRUST_MAP)], ids=["dataflow-column", "labels"])
def test_real_answer_with_only_its_dataflow_changed_is_refused(root: Path, fixture: Path, indicator_map: dict) -> None:
    """SDMX-CSV 1.0 (DATAFLOW column) and csvfilewithlabels (STRUCTURE_ID, CRLF), each from a real recording."""
    path = oecd_source(root, fixture, indicator_map, "percent")
    before = tree_digest(root / "data" / "raw")
    with ReplayServer() as server:
        server.route(lambda seen: seen.path == path, Reply(200, with_dataflow(fixture.read_bytes(), QNA)))
        [result] = run(root, server, "oecd_replay")
    assert_failed_cleanly(root, result, before, "oecd_replay", f"the answer is dataflow {QNA}, not the requested dataflow")


def test_a_url_without_a_version_accepts_any_version_of_that_dataflow(root: Path) -> None:
    """The recorded debt request leaves the version open ('DSD_GOV@DF_GOV_PF_YU,'): 1.0 came, 1.1 is accepted too."""
    path = oecd_source(root, DEBT, DEBT_MAP, "percent")
    body = with_dataflow(DEBT.read_bytes(), "OECD.GOV.GIP:DSD_GOV@DF_GOV_PF_YU(1.1)")
    with ReplayServer() as server:
        server.route(lambda seen: seen.path == path, Reply(200, body))
        [result] = run(root, server, "oecd_replay")
    assert result.status == "new" and "(695 rows)" in result.message, result.message


def test_a_dataflow_cell_with_its_label_is_read_by_its_code(root: Path) -> None:
    """labels=both writes 'CODE: Label' cells; the dataflow reference is the part before ': '."""
    body = with_dataflow(msti_answer("codes"), f"{MSTI}: Main Science and Technology Indicators")
    result = serve_msti(root, body)
    assert result.status == "new", result.message
    assert set(normalize_source(load_project(root), "oecd_msti")["vintage"]) == {VINTAGE}


def test_an_answer_that_names_no_dataflow_is_refused(root: Path) -> None:
    """The recorded MSTI answer without its STRUCTURE and STRUCTURE_ID columns parses, but is not kept."""
    frame = pd.read_csv(io.BytesIO(msti_answer("codes")), dtype=str, keep_default_na=False)
    body = frame.drop(columns=["STRUCTURE", "STRUCTURE_ID"]).to_csv(index=False, lineterminator="\n").encode()
    before = tree_digest(root / "data" / "raw")
    result = serve_msti(root, body)
    assert_failed_cleanly(root, result, before, "names no dataflow", MSTI)


def test_an_html_page_is_still_named_as_such(root: Path) -> None:
    """No dataflow column in an error page: the parser's own message stands."""
    html = b"<!DOCTYPE html><html><body>Service unavailable</body></html>\n"
    before = tree_digest(root / "data" / "raw")
    result = serve_msti(root, html)
    assert_failed_cleanly(root, result, before, "HTML page")

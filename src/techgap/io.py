"""Atomic, byte-deterministic writers: every output of the pipeline goes through here."""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

CSV_FLOAT_FORMAT = "%.10g"


def sha256_file(path: str | Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@contextmanager
def atomic_path(target: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; rename it over ``target`` only if the block succeeds,
    so a failed run never leaves a half-written file where a good one was."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        yield tmp
        os.replace(tmp, target)
    finally:
        if tmp.exists():
            tmp.unlink()


def write_bytes(target: str | Path, data: bytes) -> None:
    with atomic_path(target) as tmp:
        tmp.write_bytes(data)


def write_text(target: str | Path, text: str) -> None:
    write_bytes(target, text.encode("utf-8"))


def write_json(target: str | Path, obj: Any) -> None:
    write_text(target, json.dumps(obj, ensure_ascii=False, indent=2, sort_keys=False) + "\n")


def write_csv(target: str | Path, frame: pd.DataFrame) -> None:
    """CSV is the checked-in, diffable form: fixed float format, '\\n' line ends, no index."""
    text = frame.to_csv(index=False, float_format=CSV_FLOAT_FORMAT, lineterminator="\n")
    write_text(target, text)


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """The checked-in, diffable form of a table: fixed float format, '\\n' line ends, no index."""
    return frame.to_csv(index=False, float_format=CSV_FLOAT_FORMAT, lineterminator="\n").encode("utf-8")


def write_parquet(target: str | Path, frame: pd.DataFrame) -> None:
    with atomic_path(target) as tmp:
        frame.to_parquet(tmp, index=False, engine="pyarrow", compression="zstd")


def figure_bytes(fig: Any, fmt: str, *, salt: str) -> bytes:
    """A matplotlib figure as PNG or SVG bytes that two runs give identically: no dates, no
    software version, a fixed SVG id salt."""
    import io

    import matplotlib

    if fmt == "svg":
        metadata = {"Date": None, "Creator": None}
    elif fmt == "png":
        metadata = {"Software": None}
    else:
        raise ValueError(f"unsupported figure format: {fmt}")
    buffer = io.BytesIO()
    with matplotlib.rc_context({"svg.hashsalt": salt}):
        fig.savefig(buffer, format=fmt, metadata=metadata)
    return buffer.getvalue()


def save_figure(fig: Any, target: str | Path, *, salt: str) -> None:
    """Save a matplotlib figure so that two runs give the same bytes: no dates, no software
    version, a fixed SVG id salt."""
    import matplotlib

    target = Path(target)
    suffix = target.suffix.lower()
    if suffix == ".svg":
        metadata = {"Date": None, "Creator": None}
    elif suffix == ".png":
        metadata = {"Software": None}
    else:
        raise ValueError(f"unsupported figure format: {target}")
    with matplotlib.rc_context({"svg.hashsalt": salt}), atomic_path(target) as tmp:
        fig.savefig(tmp, format=suffix[1:], metadata=metadata)

"""Atomic, byte-deterministic writers: every output of the pipeline goes through here."""

from __future__ import annotations

import hashlib
import json
import os
import re
import secrets
import signal
import threading
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


_LIVE_TEMPORARIES: set[Path] = set()  # this process's temporary files, removed if it is terminated
_TEMPORARY_NAME = re.compile(r"^\..+\.pid(\d+)\.[^.]+\.tmp$")
# Signals that end a process without Python's exceptions: SIGTERM (what Snakemake and most supervisors send) and
# SIGHUP (the terminal closed). Ctrl-C (SIGINT) raises KeyboardInterrupt, which atomic_path's `finally` handles.
_TERMINATING = (signal.SIGTERM, signal.SIGHUP)


def _remove_live_temporaries(signum: int, frame: object) -> None:
    """Remove this process's temporary files, then die of the signal as if no handler were installed, so the exit
    status still says which signal ended it."""
    for tmp in list(_LIVE_TEMPORARIES):
        try:
            tmp.unlink()
        except OSError:
            pass
    signal.signal(signum, signal.SIG_DFL)
    os.kill(os.getpid(), signum)


def _install_cleanup_on_terminate() -> None:
    """Only in the main thread and only for signals nobody else handles."""
    if threading.current_thread() is not threading.main_thread():
        return
    for signum in _TERMINATING:
        if signal.getsignal(signum) is signal.SIG_DFL:
            signal.signal(signum, _remove_live_temporaries)


def _process_is_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def remove_stale_temporaries(folder: Path) -> list[Path]:
    """Temporary files a killed process (kill -9, power loss) left in ``folder``: their names carry the
    writer's pid, and only those of processes that no longer run are removed, so a concurrent run's
    files are left alone."""
    removed = []
    try:
        entries = list(folder.iterdir())
    except OSError:
        return removed
    for path in entries:
        match = _TEMPORARY_NAME.match(path.name)
        if match and int(match.group(1)) != os.getpid() and not _process_is_alive(int(match.group(1))):
            try:
                path.unlink()
                removed.append(path)
            except OSError:
                pass
    return removed


@contextmanager
def atomic_path(target: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; rename it over ``target`` only if the block succeeds,
    so a failed run never leaves a half-written file where a good one was. The temporary is removed on any
    exit: an exception, Ctrl-C, SIGTERM or SIGHUP. It is registered for removal before it is created, so a
    signal at any moment finds every file this process made; it gets the mode any new file would (0666 less
    the umask)."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    _install_cleanup_on_terminate()
    remove_stale_temporaries(target.parent)
    tmp = target.parent / f".{target.name}.pid{os.getpid()}.{secrets.token_hex(6)}.tmp"
    ours = True
    try:
        _LIVE_TEMPORARIES.add(tmp)
        try:
            os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
        except FileExistsError:  # not made by this call: never removed by it
            ours = False
            raise
        yield tmp
        os.replace(tmp, target)
    except OSError as exc:
        if exc.filename is None:  # a full disk says so without naming the file: name the output it was writing
            raise OSError(exc.errno, exc.strerror, str(target)) from exc
        raise
    finally:
        if ours:  # removed before it leaves the list, so a signal in between still finds it
            tmp.unlink(missing_ok=True)
        _LIVE_TEMPORARIES.discard(tmp)


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


PNG_COMPRESS_LEVEL = 3


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
    # zlib level 3, not Pillow's 6: for flat-coloured charts it is about twice as fast and the files are smaller
    options = {"pil_kwargs": {"compress_level": PNG_COMPRESS_LEVEL}} if fmt == "png" else {}
    with matplotlib.rc_context({"svg.hashsalt": salt}):
        fig.savefig(buffer, format=fmt, metadata=metadata, **options)
    return buffer.getvalue()

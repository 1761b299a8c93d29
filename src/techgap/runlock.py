"""One Snakemake run per project folder at a time, and a plain word after an interrupted one.

Snakemake's own lock (.snakemake/locks/) lists the files a run reads and writes but not who holds it, and a second
run meets the first run's jobs in progress (their outputs marked incomplete) before it ever checks that lock: it
stops with `IncompleteFilesException` and advises `--rerun-incomplete`, which is unsafe while the first run still
writes. So the workflow takes a lock of its own when Snakemake reads it (rules/common.smk): an exclusive `flock` on
.snakemake/techgap-run.lock, held until the process ends, however it ends (the system releases it after `kill -9`
too), with the holder's PID, start time and command written in the file.

- Another process holds it: a live snakemake is using this folder. `FolderInUse` says which, before Snakemake
  looks at anything (its lock, its incomplete markers).
- Nobody holds it, yet Snakemake's lock files or incomplete markers are there: an earlier run was interrupted and
  none runs now, so the documented recovery is safe; `leftovers_note` says what to run (docs/recovery.md)."""

from __future__ import annotations

import base64
import datetime as dt
import fcntl
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import IO

LOCK_FILE = Path(".snakemake") / "techgap-run.lock"
SNAKEMAKE_LOCKS = Path(".snakemake") / "locks"
SNAKEMAKE_INCOMPLETE = Path(".snakemake") / "incomplete"
_HELD: dict[str, IO[str]] = {}  # folder -> the open lock file, kept open for the life of the process


class FolderInUse(RuntimeError):
    """Another live process holds the folder's run lock."""

    def __init__(self, root: Path, holder: dict[str, object]) -> None:
        self.root = root
        self.holder = holder
        pid = holder.get("pid")
        who = f"PID {pid}" if pid else "PID not yet recorded: it has just started"
        since = f", started {holder['started']}" if holder.get("started") else ""
        command = f": {holder['command']}" if holder.get("command") else ""
        stop = f"Ctrl-C in its terminal, or `kill {pid}`" if pid else "Ctrl-C in its terminal"
        super().__init__(
            f"another snakemake is using this folder ({who}{since}{command}). Wait for it to finish, or stop it "
            f"({stop}), then run snakemake again. Do not run `snakemake --unlock` or "
            "`--rerun-incomplete` while it runs: two runs would write the same files. "
            f"(techgap's run lock {LOCK_FILE} in {root}; the system releases it when that process ends, "
            "however it ends.)"
        )


def holder_of(path: Path) -> dict[str, object]:
    """What the lock file says about its holder (empty if it has not written it yet)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8") or "{}")
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def acquire(root: str | Path, command: Sequence[str] | None = None) -> bool:
    """Take ``root``'s run lock for the rest of this process's life; False if this process holds it already.
    Raises FolderInUse, naming the holder, if another process holds it."""
    root = Path(root).resolve()
    key = str(root)
    if key in _HELD:
        return False
    path = root / LOCK_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = open(path, "a+", encoding="utf-8")  # noqa: SIM115 - held open until the process ends; not inherited by jobs
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        raise FolderInUse(root, holder_of(path)) from None
    handle.seek(0)
    handle.truncate()
    started = dt.datetime.now().astimezone().isoformat(timespec="seconds")
    shown = " ".join(["snakemake", *(sys.argv[1:] if command is None else command)])
    handle.write(json.dumps({"pid": os.getpid(), "started": started, "command": shown}) + "\n")
    handle.flush()
    _HELD[key] = handle
    return True


def _marked(name: str) -> str:
    try:
        return base64.urlsafe_b64decode(name.encode()).decode("utf-8")
    except (ValueError, UnicodeDecodeError):
        return name


def leftovers(root: str | Path) -> tuple[list[str], list[str]]:
    """(Snakemake's lock files, outputs it marks incomplete) in ``root``: while no snakemake runs, an interrupted
    run's remains."""
    root = Path(root)
    locks = sorted(p.name for p in (root / SNAKEMAKE_LOCKS).glob("*.lock")) if (root / SNAKEMAKE_LOCKS).is_dir() else []
    folder = root / SNAKEMAKE_INCOMPLETE
    markers = [p for p in folder.rglob("*") if p.is_file() and p.name != "migration_underway"] if folder.is_dir() else []
    return locks, sorted(_marked(p.name) for p in markers)


RECOVERING = ("--unlock", "--rerun-incomplete", "--ri")  # Snakemake's options for the steps the note gives


def leftovers_note(root: str | Path, argv: Sequence[str] = ()) -> str | None:
    """What to run after an interrupted run (call it while holding the run lock: then no snakemake runs here); None
    when nothing was left, or when ``argv`` (the command) already takes one of the steps."""
    locks, incomplete = leftovers(root)
    if (not locks and not incomplete) or any(arg in RECOVERING for arg in argv):
        return None
    left = []
    if locks:
        left.append("Snakemake's lock (.snakemake/locks/)")
    if incomplete:
        shown = ", ".join(incomplete[:3]) + (", ..." if len(incomplete) > 3 else "")
        left.append(f"{len(incomplete)} output(s) marked incomplete ({shown})")
    steps = ["snakemake --unlock"] if locks else []
    steps += ["snakemake --rerun-incomplete"] if incomplete else ["snakemake"]
    return (
        "techgap: an earlier snakemake in this folder was interrupted (Ctrl-C during a job, kill -9, a power cut) and "
        f"left {' and '.join(left)}. No other snakemake runs here now, so it is safe to recover: "
        + ", then ".join(f"`{step}`" for step in steps)
        + " (docs/recovery.md)."
    )

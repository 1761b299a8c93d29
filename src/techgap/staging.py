"""Draw everything first, then write: a job's outputs are made in a staging folder beside their
target and moved into place only when every one of them was made, so a failure while drawing the
third item of a group leaves all of the group's last good outputs, not a mix of old and new."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def staged_writes(target_dir: str | Path) -> Iterator[Path]:
    """Yield a staging folder inside ``target_dir`` (same file system, so each move is an atomic
    rename). On success every staged file replaces its counterpart under ``target_dir`` (same
    relative path); on an exception nothing under ``target_dir`` changes. The staging folder is
    removed either way."""
    target_dir = Path(target_dir)
    target_dir.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=target_dir))
    try:
        yield staging
        for path in sorted(p for p in staging.rglob("*") if p.is_file()):
            destination = target_dir / path.relative_to(staging)
            destination.parent.mkdir(parents=True, exist_ok=True)
            os.replace(path, destination)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def staged_to_final(paths: list[str], staging: Path, target_dir: Path) -> list[str]:
    """The final paths of files written under ``staging`` (what a job reports it wrote)."""
    return [str(Path(target_dir) / Path(path).relative_to(staging)) for path in paths]

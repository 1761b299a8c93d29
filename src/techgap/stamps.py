"""Settings a workflow job depends on, kept as small JSON files whose modification time changes only
when their content does, so that Snakemake reruns exactly the jobs whose settings changed.

Snakemake's `params:` would do the same, but to compare params Snakemake imports pandas on every
run, including a no-op (about a third of a no-op's time here); a stamp file is an ordinary input
that costs a stat call. Deliberately free of pandas and of techgap.io for the same reason."""

from __future__ import annotations

import json
import os
import re
import tempfile
from pathlib import Path
from typing import Any

STAMP_DIR = Path("build") / "settings"
_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]*(/[A-Za-z0-9_][A-Za-z0-9_.-]*)*")


def stamp_text(value: Any) -> str:
    """The canonical form of a settings value: key order and float formatting do not matter."""
    return json.dumps(value, sort_keys=True, indent=1, ensure_ascii=False, default=str) + "\n"


def write_stamp(root: str | Path, name: str, value: Any) -> str:
    """Write `build/settings/<name>.json` unless it already holds this value; return its path relative
    to `root`. An unchanged value leaves the file (and its mtime) alone."""
    if not _NAME.fullmatch(name) or ".." in name:
        raise ValueError(f"stamp name {name!r}: expected letters, digits, '_', '-', '.' and '/' between parts")
    relative = STAMP_DIR / f"{name}.json"
    path = Path(root) / relative
    text = stamp_text(value)
    try:
        if path.read_text(encoding="utf-8") == text:
            return str(relative)
    except (FileNotFoundError, UnicodeDecodeError):
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
        os.chmod(tmp, 0o644)  # mkstemp makes 0600
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return str(relative)

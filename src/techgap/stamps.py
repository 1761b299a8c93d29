"""Settings a workflow job depends on, as small JSON files named after their content
(`build/settings/<name>/<hash>.json`), so that Snakemake reruns exactly the jobs whose settings changed.

A changed value is a new file: the job's set of inputs changes, which Snakemake's `input` trigger sees
(also when a value returns to an earlier one). A file is written once and never rewritten, so a dry run
with other settings (`snakemake -n --config ...`) leaves the real run's inputs as they were.

Snakemake's `params:` would do the same, but to compare params Snakemake imports pandas on every run,
including a no-op (about a third of a no-op's time here); a stamp is an ordinary input that costs a
stat call. Deliberately free of pandas and of techgap.io for the same reason."""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
from pathlib import Path
from typing import Any

STAMP_DIR = Path("build") / "settings"
# The settings given to Snakemake (--config, --configfile) reach the jobs as JSON in this variable.
SETTINGS_ENV = "TECHGAP_SETTINGS_JSON"
_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]*(/[A-Za-z0-9_][A-Za-z0-9_.-]*)*")


def stamp_text(value: Any) -> str:
    """The canonical form of a settings value: key order and float formatting do not matter."""
    return json.dumps(value, sort_keys=True, indent=1, ensure_ascii=False, default=str) + "\n"


def write_stamp(root: str | Path, name: str, value: Any) -> str:
    """The stamp of `value` under `name`, written unless it exists; its path relative to `root`."""
    return write_stamp_text(root, name, stamp_text(value))


def write_stamp_text(root: str | Path, name: str, text: str) -> str:
    """write_stamp for a value already in its canonical form (``stamp_text``): the workflow's plan keeps
    its stamps' texts, so a no-op run only hashes them."""
    if not _NAME.fullmatch(name) or ".." in name:
        raise ValueError(f"stamp name {name!r}: expected letters, digits, '_', '-', '.' and '/' between parts")
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]
    relative = STAMP_DIR / name / f"{digest}.json"
    path = Path(root) / relative
    if not path.is_file():
        write_atomically(path, text)
    return str(relative)


def write_atomically(path: Path, text: str) -> None:
    """Write ``text`` to a temporary file beside ``path``, then rename it into place: a killed process
    leaves the old file or none, never half of one. (techgap.io does the same, but imports pandas.)"""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
        os.chmod(tmp, 0o644)  # mkstemp makes 0600
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise

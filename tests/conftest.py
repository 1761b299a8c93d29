"""Shared fixtures: a throw-away copy of the project, and helpers to plant a payload in it."""

from __future__ import annotations

import hashlib
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# Debian's Chromium, driven by playwright for the page tests (no browser download), offline.
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
COPY_IGNORE = shutil.ignore_patterns(
    ".git",
    ".venv",
    ".snakemake",
    "logs",
    "__pycache__",
    ".pytest_cache",
    ".ruff_cache",
    "processed",
    "benchmarks",
    "tests",
    "*.egg-info",
)


def copy_project(target: Path, *, with_figures: bool = True) -> Path:
    """Copy what a clone has (config, raw data, code, workflow, checked-in figures) into ``target``."""
    for name in ("Snakefile", "pyproject.toml"):
        shutil.copy2(ROOT / name, target / name)
    for name in ("config", "rules", "src", "envs", "profiles", "workflow"):
        shutil.copytree(ROOT / name, target / name, ignore=COPY_IGNORE)
    shutil.copytree(ROOT / "data" / "raw", target / "data" / "raw")
    shutil.copytree(ROOT / "data" / "checksums", target / "data" / "checksums")
    if with_figures and (ROOT / "figures").exists():
        shutil.copytree(ROOT / "figures", target / "figures")
    font = ROOT / "build" / "fonts"
    if font.exists():  # the extracted font is a build product; reuse it to save ~1 s per copy
        shutil.copytree(font, target / "build" / "fonts")
    return target


@pytest.fixture
def project_root(tmp_path: Path) -> Iterator[Path]:
    """A copy of the project without outputs; tests may break its raw files at will. Removed
    afterwards (it holds a 16 MB font), which keeps tmp small and the suite fast."""
    target = tmp_path / "project"
    target.mkdir()
    yield copy_project(target, with_figures=False)
    shutil.rmtree(target, ignore_errors=True)


def snapshot_dir(root: Path, source_id: str) -> Path:
    folders = sorted(p for p in (root / "data" / "raw" / source_id).iterdir() if p.is_dir())
    return folders[-1]


def set_checksum(folder: Path, payload: str = "data.csv") -> None:
    digest = hashlib.sha256((folder / payload).read_bytes()).hexdigest()
    provenance = folder / "provenance.yaml"
    text = re.sub(r"^sha256: .*$", f"sha256: {digest}", provenance.read_text(encoding="utf-8"), flags=re.M)
    provenance.write_text(text, encoding="utf-8")


def plant_payload(root: Path, source_id: str, data: bytes | str, *, fix_checksum: bool = True) -> Path:
    """Replace a source's payload (as an analyst's bad transcription would) and, by default, record
    its checksum so that the payload itself is what gets tested."""
    folder = snapshot_dir(root, source_id)
    payload = folder / "data.csv"
    payload.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    if fix_checksum:
        set_checksum(folder)
    return payload


def tree_digest(*folders: Path) -> dict[str, str]:
    """sha256 of every file under the folders: the 'nothing lost' fingerprint."""
    out = {}
    for folder in folders:
        if not folder.exists():
            continue
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                out[str(path)] = hashlib.sha256(path.read_bytes()).hexdigest()
    return out

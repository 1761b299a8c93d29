"""No dead code in src/techgap: vulture, configured in pyproject.toml, finds nothing beyond the names
tests/vulture_whitelist.py lists with their reasons."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_vulture_finds_no_unused_code():
    found = subprocess.run([sys.executable, "-m", "vulture"], cwd=ROOT, capture_output=True, text=True)
    assert found.returncode == 0, found.stdout + found.stderr


def test_vulture_finds_a_function_nothing_calls(tmp_path: Path):
    module = tmp_path / "orphan.py"
    module.write_text("def orphan():\n    return 1\n", encoding="utf-8")
    found = subprocess.run([sys.executable, "-m", "vulture", str(module)], cwd=tmp_path, capture_output=True, text=True)
    assert "unused function 'orphan'" in found.stdout

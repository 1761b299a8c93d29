"""envs/techgap.yaml, the conda environment for `snakemake --use-conda`, generated from
requirements.lock so it pins exactly the versions the checked-in figures were drawn with.

Regenerate after changing the lock: `python -m techgap conda-env`."""

from __future__ import annotations

import re
from pathlib import Path

ENV_RELATIVE_PATH = Path("envs") / "techgap.yaml"
LOCK_RELATIVE_PATH = Path("requirements.lock")
PYTHON = "3.11"
PIN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*==[^\s;#]+$")
HEADER = """\
# Generated from requirements.lock by `python -m techgap conda-env`: do not edit by hand.
# For `snakemake --use-conda`. UNTESTED: conda-forge cannot be reached where techgap is developed and
# tested (docs/usage.md). Python comes from conda-forge, every other package from PyPI at the pinned
# version. techgap itself is not installed here: jobs find it through PYTHONPATH=src.
"""


def lock_pins(lock_text: str, lock_name: str = str(LOCK_RELATIVE_PATH)) -> list[str]:
    """The `name==version` lines of the lock, in its order; anything else is an error naming the line."""
    pins = []
    for number, raw in enumerate(lock_text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        if not PIN.match(line):
            raise ValueError(f"{lock_name}, line {number}: {raw!r} is not a pin (expected name==version)")
        pins.append(line)
    return pins


def conda_env_text(lock_text: str) -> str:
    lines = [
        HEADER.rstrip("\n"),
        "name: techgap",
        "channels: [conda-forge]",
        "dependencies:",
        f"  - python={PYTHON}",
        "  - pip",
        "  - pip:",
    ]
    lines += [f"      - {pin}" for pin in lock_pins(lock_text)]
    return "\n".join(lines) + "\n"

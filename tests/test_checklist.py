"""The README's promise to a new user, end to end in a temporary clone: the first `bash scripts/pipeline.sh`
leaves `git status` clean, and the new-data checklist (a SEMI quarter entered by hand) ends with
`bash scripts/test.sh` green — with the README's own 2024Q1 example and with the quarter after the newest the
data then hold. Slow (two full builds and a test run per quarter): run it with `pytest -m checklist -n0`
before every stop (README, "Before you stop"); the default run leaves it out.

The clone is a copy of the working tree put under a fresh git repository, so the test does not depend on this
checkout's git state. The rows entered are the newest full quarter's, relabelled: they add up to the total as
a release's do. Their document id cannot collide with a real release's."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest
from conftest import ROOT

from techgap import periods

pytestmark = pytest.mark.checklist

SOURCE = "semi_wwsems"
INDICATOR = "semi_equipment_billings"
REGIONS = ["China", "Taiwan", "Korea", "North America", "Japan", "Europe", "Rest of World", "Total"]
# What a clone has: everything but what git ignores (the venv, Snakemake's records, build products).
NOT_IN_A_CLONE = shutil.ignore_patterns(
    ".git", ".venv", ".snakemake", "build", "processed", "logs", "__pycache__", "*.egg-info", ".ruff_cache", ".pytest_cache"
)


def shell(clone: Path, command: str, timeout: float = 3600) -> str:
    """One README command in bash, in the clone, with the clone's venv first on PATH and nothing of this
    test's environment (virtualenv, PYTHONPATH, xdist) leaking in."""
    env = {
        "PATH": f"{clone / '.venv' / 'bin'}:/usr/local/bin:/usr/bin:/bin",
        "HOME": os.environ.get("HOME", str(clone)),
        "LANG": "C.UTF-8",
        "GIT_AUTHOR_NAME": "checklist",
        "GIT_AUTHOR_EMAIL": "checklist@example.invalid",
        "GIT_COMMITTER_NAME": "checklist",
        "GIT_COMMITTER_EMAIL": "checklist@example.invalid",
    }
    result = subprocess.run(["bash", "-c", command], cwd=clone, env=env, capture_output=True, text=True, timeout=timeout)
    assert result.returncode == 0, f"`{command}` failed:\n{result.stdout[-4000:]}\n{result.stderr[-4000:]}"
    return result.stdout


def checklist_block() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## The new-data checklist", 1)[1].split("\n## ", 1)[0]
    return section.split("```bash", 1)[1].split("```", 1)[0]


def digests(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.rglob("*")) if p.is_file()
    }


def newest_vintage(clone: Path) -> Path:
    return sorted(p for p in (clone / "data" / "raw" / SOURCE).iterdir() if re.fullmatch(r"\d{4}-\d{2}-\d{2}", p.name))[-1]


def next_quarter(period: str) -> str:
    year, quarter = int(period[:4]), int(period[-1])
    return f"{year + quarter // 4}Q{quarter % 4 + 1}"


def release_rows(payload: Path, period: str, document: str) -> str:
    """The newest quarter every region and the total have (one release's table), as rows of ``period`` from
    ``document``."""
    data = pd.read_csv(payload, dtype=str, keep_default_na=False)
    quarters = data["period"].str.fullmatch(r"\d{4}Q[1-4]")
    billings = data[(data["indicator"] == INDICATOR) & data["entity"].isin(REGIONS) & quarters]
    complete = [p for p, rows in billings.groupby("period") if set(rows["entity"]) == set(REGIONS)]
    model = billings[billings["period"] == max(complete, key=periods.order)].drop_duplicates("entity")
    return "".join(f"{row.entity},{period},{INDICATOR},{row.value},USD billion,,,,,{document},\n" for row in model.itertuples())


def enter_quarter(clone: Path, period: str) -> None:
    """The checklist's steps for one quarter, its commands as the README writes them."""
    old = newest_vintage(clone)
    new = old.with_name((dt.date.fromisoformat(old.name) + dt.timedelta(days=1)).isoformat())  # the next free date
    document = f"checklist_test_{period.lower()}"
    shell(clone, f'cp -r "{old.relative_to(clone)}" "{new.relative_to(clone)}"')
    with open(new / "data.csv", "a", encoding="utf-8") as payload:
        payload.write(release_rows(new / "data.csv", period, document))
    provenance = new / "provenance.yaml"
    text = provenance.read_text(encoding="utf-8")
    entry = (
        f"- id: {document}\n  title: SEMI press release on {period} billings (entered by the checklist test)\n"
        f"  publisher: SEMI\n  url: https://www.semi.org/\n  published: {new.name}\n  locator: 'table: billings by region'\n"
    )
    text = re.sub(r"^retrieved: .*$", f"retrieved: '{new.name}'", text, count=1, flags=re.M)
    provenance.write_text(text.replace("documents:\n", "documents:\n" + entry, 1), encoding="utf-8")
    target = new.relative_to(clone)
    shell(
        clone, f"""sed -i "s/^sha256: .*/sha256: $(sha256sum "{target}/data.csv" | cut -d' ' -f1)/" "{target}/provenance.yaml\""""
    )
    shell(clone, f'techgap checksums {SOURCE} "{new.name}"')
    shell(clone, "snakemake")
    shell(clone, "bash scripts/accept.sh")
    shell(clone, f'git add -A && git commit -q -m "SEMI {period}"')
    shell(clone, "bash scripts/test.sh", timeout=5400)


def test_the_readme_checklist_ends_green_in_a_fresh_clone(tmp_path: Path):
    steps = checklist_block()
    for command in (
        'cp -r "$OLD" "$NEW"',
        "techgap checksums semi_wwsems",
        "snakemake",
        "bash scripts/accept.sh",
        "bash scripts/test.sh",
    ):
        assert command in steps, f"the README's checklist no longer says {command!r}: update this test with it"
    assert "2024Q1" in steps

    clone = tmp_path / "clone"
    shutil.copytree(ROOT, clone, ignore=NOT_IN_A_CLONE)
    shell(clone, "git init -q && git add -A && git commit -q -m clone")
    shell(clone, "bash scripts/pipeline.sh")
    assert shell(clone, "git status --porcelain") == "", "a fresh clone's first build changed checked-in files"
    report_edition = digests(clone / "figures" / "report")

    newest = max(
        pd.read_csv(newest_vintage(clone) / "data.csv", dtype=str)["period"].pipe(lambda p: p[p.str.fullmatch(r"\d{4}Q[1-4]")]),
        key=periods.order,
    )
    for period in ("2024Q1", next_quarter(max("2024Q1", newest, key=periods.order))):
        enter_quarter(clone, period)
        latest = pd.read_csv(clone / "figures" / "latest" / "tab07" / "tab07.csv", dtype=str)
        assert period in set(latest["period"]), f"tab07's latest edition does not show {period}"
        assert digests(clone / "figures" / "report") == report_edition, "new data changed the report edition"
        assert shell(clone, "git status --porcelain") == ""

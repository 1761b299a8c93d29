"""Shared fixtures: a throw-away copy of the project, and helpers to plant a payload in it."""

from __future__ import annotations

import fcntl
import hashlib
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# Debian's Chromium, driven by playwright for the page tests (no browser download), offline: its headless shell (what
# scripts/test.sh installs), or the full browser where that is what the machine has.
CHROMIUM = shutil.which("chromium-headless-shell") or shutil.which("chromium") or shutil.which("chromium-browser")
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


def copy_project(target: Path, *, with_code: bool = True, with_figures: bool = True, with_font: bool = True) -> Path:
    """Copy what a clone has into ``target``: what techgap's commands read (config, the workflow's schema and captions,
    raw data, checksums, the changelog), and ``with_code``: what Snakemake runs (Snakefile, rules, profiles, src);
    ``with_figures``: the checked-in figures; ``with_font``: the extracted font, which spares a Snakemake run in the copy
    its extraction (in-process drawing uses the one under the working folder)."""
    for name in ("pyproject.toml", "CHANGELOG.md"):  # the changelog: the record of accepted outputs
        shutil.copy2(ROOT / name, target / name)
    for name in ("config", "workflow", *(("rules", "src", "profiles") if with_code else ())):
        shutil.copytree(ROOT / name, target / name, ignore=COPY_IGNORE)
    if with_code:
        shutil.copy2(ROOT / "Snakefile", target / "Snakefile")
    shutil.copytree(ROOT / "data" / "raw", target / "data" / "raw")
    shutil.copytree(ROOT / "data" / "checksums", target / "data" / "checksums")
    if with_figures and (ROOT / "figures").exists():
        shutil.copytree(ROOT / "figures", target / "figures")
    font = ROOT / "build" / "fonts"
    if with_font and font.exists():  # the extracted font is a build product; reuse it to save ~1 s per copy
        # not a hidden temporary file: another worker may be extracting the font into it right now (atomic_path)
        shutil.copytree(font, target / "build" / "fonts", ignore=shutil.ignore_patterns(".*"))
    return target


def snakemake(root: Path, *args: str, check: bool = True, timeout: float = 900) -> subprocess.CompletedProcess:
    """Snakemake in ``root`` with the test's interpreter (two cores, as the profile says)."""
    if not (root / "Snakefile").is_file():  # a copy without code (project_root) has no workflow to run
        raise AssertionError(f"{root} has no Snakefile: a test that runs Snakemake works on workflow_root or a fork")
    result = subprocess.run(
        [sys.executable, "-m", "snakemake", "--cores", "2", *args], cwd=root, capture_output=True, text=True, timeout=timeout
    )
    if check and result.returncode != 0:
        raise AssertionError(f"snakemake {' '.join(args)} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
    return result


def planned_jobs(root: Path, *args: str) -> set[str]:
    """Rules a dry run would execute (from Snakemake's job-stats table), 'all' excluded."""
    out = snakemake(root, "-n", *args).stdout
    if "Nothing to be done" in out:
        return set()
    table = out.split("Job stats:", 1)[1]
    return set(re.findall(r"^(\w+)\s+\d+\s*$", table, flags=re.M)) - {"all", "total"}


# The session's build, run by a process of its own so that the workers go on with other tests meanwhile: Snakemake
# in the copy, then a file saying how it ended ("done", or "failed" with Snakemake's exit code; its output in the log).
BUILD_SCRIPT = """
import subprocess, sys
from pathlib import Path
root, folder = Path(sys.argv[1]), Path(sys.argv[2])
with open(folder / "snakemake.log", "wb") as log:
    command = [sys.executable, "-m", "snakemake", "--cores", "2", "--quiet"]
    code = subprocess.run(command, cwd=root, stdout=log, stderr=log).returncode
(folder / ("done" if code == 0 else "failed")).write_text(f"{code}\\n", encoding="utf-8")
"""


def _build_folder(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> Path:
    base = tmp_path_factory.getbasetemp()
    return (base if worker_id == "master" else base.parent) / "built"  # one folder per session, seen by every worker


def start_build(folder: Path) -> None:
    """Copy the project without outputs (as a clone: Snakemake makes everything) and start its build, once per session:
    the first worker to get here starts it under a lock; the others find it started."""
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder.parent / "built.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        if (folder / "started").exists():
            return
        root = folder / "project"
        if root.exists():
            shutil.rmtree(root)
        root.mkdir()
        copy_project(root, with_figures=False, with_font=False)
        subprocess.Popen([sys.executable, "-c", BUILD_SCRIPT, str(root), str(folder)], start_new_session=True)
        (folder / "started").write_text("started\n", encoding="utf-8")


@pytest.fixture(scope="session", autouse=True)
def session_build_started(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> None:
    """When a worker starts and any test of the session reads the build, the build starts: the workers run the other
    tests while it builds instead of waiting for it at the first test that needs it."""
    if any("built_project" in item.fixturenames for item in request.session.items):
        start_build(_build_folder(tmp_path_factory, worker_id))


@pytest.fixture(scope="session")
def built_project(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> Path:
    """The project copied without outputs and built by Snakemake once for the whole test session (started by
    ``session_build_started``): every test that only reads outputs reads this one; a test that changes something
    works on a fork() of it. A test that needs it waits until the build has ended."""
    folder = _build_folder(tmp_path_factory, worker_id)
    start_build(folder)  # started already, unless the session began with this test
    deadline = time.monotonic() + 1800
    while not (folder / "done").exists():
        if (folder / "failed").exists():
            log = (folder / "snakemake.log").read_text(encoding="utf-8", errors="replace")
            raise AssertionError(f"the session's build failed:\n{log[-6000:]}")
        if time.monotonic() > deadline:
            raise AssertionError("the session's build did not end within 30 minutes")
        time.sleep(0.5)
    return folder / "project"


def fork(built: Path, target: Path) -> Path:
    """A copy of a built project, Snakemake's records and file times included, to change and rebuild."""
    shutil.copytree(built, target, symlinks=True)
    return target


@pytest.fixture(autouse=True)
def no_network_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests see no proxy or CA settings of the machine they run on (the refresh honours them, as requests does)."""
    for name in ("HTTPS_PROXY", "HTTP_PROXY", "ALL_PROXY", "NO_PROXY", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "SSL_CERT_FILE"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)


def _copy_for_a_test(tmp_path: Path, **options: bool) -> Iterator[Path]:
    target = tmp_path / "project"
    target.mkdir()
    yield copy_project(target, with_figures=False, **options)
    shutil.rmtree(target, ignore_errors=True)


@pytest.fixture
def project_root(tmp_path: Path) -> Iterator[Path]:
    """A copy of what techgap's commands read, without outputs or code (the tests run the commands in-process); tests
    may break its raw files at will. Removed afterwards, which keeps tmp small. Most tests of the suite use it: copying
    the code and the 16 MB font for each of them too cost about an eighth of the suite's time on a 2-core machine."""
    yield from _copy_for_a_test(tmp_path, with_code=False, with_font=False)


@pytest.fixture
def workflow_root(tmp_path: Path) -> Iterator[Path]:
    """A copy of the project without outputs, with its workflow and code, for a test that runs Snakemake in it."""
    yield from _copy_for_a_test(tmp_path)


def snapshot_dir(root: Path, source_id: str) -> Path:
    folders = sorted(p for p in (root / "data" / "raw" / source_id).iterdir() if p.is_dir())
    return folders[-1]


def set_checksum(folder: Path, payload: str = "data.csv") -> None:
    digest = hashlib.sha256((folder / payload).read_bytes()).hexdigest()
    provenance = folder / "provenance.yaml"
    text = re.sub(r"^sha256: .*$", f"sha256: {digest}", provenance.read_text(encoding="utf-8"), flags=re.M)
    provenance.write_text(text, encoding="utf-8")


def record_as_new(folder: Path) -> None:
    """Record the vintage in ``folder`` in the copy's checksum history as if it had just been added (its earlier
    lines are dropped): for tests whose subject is a payload's content, not the history's guard against edits."""
    from techgap.provenance import checksum_log, record_checksum

    raw, source_id, vintage = folder.parent.parent, folder.parent.name, folder.name
    log = checksum_log(raw, source_id)
    if log.is_file():
        kept = [line for line in log.read_text(encoding="utf-8").split("\n") if line and not line.startswith(vintage + " ")]
        log.write_text("\n".join(kept) + "\n", encoding="utf-8")
    record_checksum(raw, source_id, vintage)


def add_vintage(root: Path, source_id: str, edit=None, *, name: str | None = None) -> Path:
    """A new vintage of ``source_id``: a copy of its newest, dated the day after it (derived from the data, so
    it is never a real vintage) unless ``name`` is given, with ``edit(folder)`` applied, its checksum set in the
    provenance and recorded in the copy's checksum history, as `techgap checksums` does for an analyst."""
    import datetime as dt

    from techgap.provenance import record_checksum

    old = snapshot_dir(root, source_id)
    new = old.parent / (name or (dt.date.fromisoformat(old.name) + dt.timedelta(days=1)).isoformat())
    shutil.copytree(old, new)
    if edit is not None:
        edit(new)
    set_checksum(new)
    record_checksum(root / "data" / "raw", source_id, new.name)
    return new


def pin_report_vintage(root: Path, source_id: str, vintage: str) -> None:
    """Move the report edition's pin of ``source_id`` to ``vintage`` with its recorded payload checksum (the
    reviewed change an analyst makes in config/config.yaml)."""
    from techgap.provenance import read_checksum_history

    sha = read_checksum_history(root / "data" / "raw", source_id)[vintage][0].payload_sha256
    config = root / "config" / "config.yaml"
    text = config.read_text(encoding="utf-8")
    pinned = re.compile(rf"(?m)^  {source_id}: .*$")
    assert pinned.search(text), f"{source_id} has no report pin"
    config.write_text(pinned.sub(f"  {source_id}: {{vintage: {vintage}, sha256: {sha}}}", text, count=1), encoding="utf-8")


def plant_payload(root: Path, source_id: str, data: bytes | str, *, fix_checksum: bool = True) -> Path:
    """Replace a source's payload (as an analyst's bad transcription would) and, by default, record its
    checksum in the provenance and the history, as for a new vintage, so that the payload itself is tested."""
    folder = snapshot_dir(root, source_id)
    payload = folder / "data.csv"
    payload.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    if fix_checksum:
        set_checksum(folder)
        record_as_new(folder)
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

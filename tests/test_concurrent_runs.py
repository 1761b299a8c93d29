"""Two snakemake runs in one folder, and a run killed mid-build (rules/common.smk, techgap.runlock, docs/recovery.md).

Real processes on forks of the session's build. A second run started while one goes is stopped before Snakemake
looks at the first run's jobs, naming it; after `kill -9` the next run says what was left and that recovering is
safe, and the recovery docs/recovery.md gives (`snakemake --unlock`, then `snakemake --rerun-incomplete`) rebuilds
exactly what the build made."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import ROOT, fork, snakemake, tree_digest

from techgap import runlock


def _start(root: Path, *args: str) -> subprocess.Popen:
    """A snakemake in ``root`` in a session of its own (its jobs are in its process group)."""
    return subprocess.Popen(
        [sys.executable, "-m", "snakemake", "--cores", "2", *args],
        cwd=root,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )


def _wait_for(condition, process: subprocess.Popen, what: str, timeout: float = 240) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if process.poll() is not None:
            raise AssertionError(f"snakemake ended before {what}:\n{process.stdout.read()[-3000:]}")
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)


def _job_running(root: Path) -> bool:
    """A job of the run is under way: Snakemake marks its outputs incomplete until it ends."""
    return bool(runlock.leftovers(root)[1])


def _job_in_group(pgid: int) -> bool:
    """A process of the run's group other than Snakemake itself: its job's process has started (Snakemake marks the
    job's outputs incomplete before it starts that process)."""
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            group = int(stat.read_text(encoding="utf-8").rsplit(")", 1)[1].split()[2])  # after the name: state, ppid, pgrp
        except (OSError, IndexError, ValueError):
            continue  # a process that ended meanwhile
        if group == pgid and stat.parent.name != str(pgid):
            return True
    return False


def _group_gone(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return True
    return False


def test_a_second_run_is_stopped_naming_the_first_before_snakemake_meets_its_jobs(built_project: Path, tmp_path: Path) -> None:
    root = fork(built_project, tmp_path / "project")
    (root / "figures" / "review.html").unlink()  # one job to run: the review page, which nothing reads
    first = _start(root)
    try:
        _wait_for(lambda: _job_running(root), first, "its job started")
        os.killpg(first.pid, signal.SIGSTOP)  # hold the first run in its job: alive, lock held, outputs incomplete
        second = snakemake(root, check=False, timeout=300)
        said = second.stdout + second.stderr
        assert second.returncode != 0
        assert f"techgap: another snakemake is using this folder (PID {first.pid}" in said, said[-3000:]
        assert "Wait for it to finish" in said and "Do not run `snakemake --unlock`" in said
        assert "IncompleteFilesException" not in said and "--rerun-incomplete flag" not in said
        assert json.loads((root / runlock.LOCK_FILE).read_text(encoding="utf-8"))["pid"] == first.pid
    finally:
        os.killpg(first.pid, signal.SIGKILL)
        first.wait(timeout=60)


def test_after_kill_9_the_next_run_says_how_to_recover_and_the_documented_recovery_works(
    built_project: Path, tmp_path: Path
) -> None:
    root = fork(built_project, tmp_path / "project")
    good = tree_digest(root / "figures")
    (root / "figures" / "review.html").unlink()  # one job to run: the review page, which nothing reads
    run = _start(root)
    _wait_for(lambda: _job_running(root) and _job_in_group(run.pid), run, "its job started")
    os.killpg(run.pid, signal.SIGSTOP)  # the run held inside its job, however short the job is
    os.kill(run.pid, signal.SIGKILL)  # snakemake itself, as `kill -9 <pid>` does; its job runs on, orphaned
    run.wait(timeout=60)
    os.killpg(run.pid, signal.SIGCONT)
    deadline = time.monotonic() + 240
    while not _group_gone(run.pid) and time.monotonic() < deadline:
        time.sleep(0.2)

    plain = snakemake(root, check=False, timeout=300)
    said = plain.stdout + plain.stderr
    assert plain.returncode != 0
    assert "IncompleteFilesException" in said, said[-3000:]  # Snakemake's own refusal, as docs/recovery.md shows it
    assert "an earlier snakemake in this folder was interrupted" in said
    assert "No other snakemake runs here now" in said
    assert "`snakemake --unlock`, then `snakemake --rerun-incomplete`" in said
    assert "figures/review.html" in said  # an output it marks incomplete, named

    unlocked = snakemake(root, "--unlock")
    recovered = snakemake(root, "--rerun-incomplete")
    for step in (unlocked, recovered):  # the steps themselves are not told to take the steps
        assert "was interrupted" not in step.stdout + step.stderr
    assert tree_digest(root / "figures") == good
    assert runlock.leftovers(root) == ([], [])


def test_the_recovery_docs_quote_what_snakemake_and_techgap_print() -> None:
    text = (ROOT / "docs" / "recovery.md").read_text(encoding="utf-8")
    for said in (
        "techgap: another snakemake is using this folder (PID",
        "IncompleteFilesException",
        "LockException",
        "an earlier snakemake in this folder was interrupted",
        "snakemake --unlock",
        "snakemake --rerun-incomplete",
    ):
        assert said in text, f"docs/recovery.md does not show {said!r}"


def test_the_lock_is_the_processs_until_it_ends(tmp_path: Path) -> None:
    """In one process the lock is taken once; another process is refused, naming the holder; when the holder ends, the
    lock is free (the workflow never gives it back: the system does, however the process ends)."""
    take = f"from techgap import runlock; print(runlock.acquire({str(tmp_path)!r}"
    holder = subprocess.Popen(
        [sys.executable, "-c", f"import sys; {take}, ['-n']), runlock.acquire({str(tmp_path)!r}), flush=True); sys.stdin.read()"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().split() == ["True", "False"]  # Snakemake may read the workflow twice in one process
        other = subprocess.run([sys.executable, "-c", take + "))"], capture_output=True, text=True, timeout=60)
        assert other.returncode != 0
        assert f"another snakemake is using this folder (PID {holder.pid}" in other.stderr
        assert "snakemake -n" in other.stderr
    finally:
        holder.communicate("", timeout=60)  # its stdin closed, the holder ends
    free = subprocess.run([sys.executable, "-c", take + "))"], capture_output=True, text=True, timeout=60)
    assert free.stdout.strip() == "True", free.stderr


@pytest.mark.parametrize(
    ("locks", "incomplete", "steps"),
    [
        (True, True, "`snakemake --unlock`, then `snakemake --rerun-incomplete`"),
        (True, False, "`snakemake --unlock`, then `snakemake`"),
        (False, True, "`snakemake --rerun-incomplete`"),
    ],
)
def test_the_note_after_an_interrupted_run_names_only_the_steps_needed(
    tmp_path: Path, locks: bool, incomplete: bool, steps: str
) -> None:
    import base64

    assert runlock.leftovers_note(tmp_path) is None
    if locks:
        (tmp_path / runlock.SNAKEMAKE_LOCKS).mkdir(parents=True)
        (tmp_path / runlock.SNAKEMAKE_LOCKS / "0.output.lock").write_text("figures/drift.md\n", encoding="utf-8")
    if incomplete:
        (tmp_path / runlock.SNAKEMAKE_INCOMPLETE).mkdir(parents=True)
        name = base64.urlsafe_b64encode(b"figures/drift.md").decode()
        (tmp_path / runlock.SNAKEMAKE_INCOMPLETE / name).write_text("{}", encoding="utf-8")
    note = runlock.leftovers_note(tmp_path, ["--cores", "2"])
    assert note is not None and note.endswith(f"{steps} (docs/recovery.md).")
    assert ("figures/drift.md" in note) == incomplete
    assert runlock.leftovers_note(tmp_path, ["--unlock"]) is None  # a recovery step is not told to recover

"""Logging for every `python -m techgap` command: the full record (what the job read, wrote, warned
about and, on failure, the traceback) goes to the rule's `{log}` file; stderr gets concise lines so a
Snakemake build stays readable and `--show-failed-logs` has something to show."""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

LOGGER_NAME = "techgap"
FILE_FORMAT = "%(asctime)s %(levelname)-7s %(name)s: %(message)s"
FILE_RECORD = re.compile(r"^\S+ \S+ (?P<level>[A-Z]+) +(?P<name>[\w.]+): (?P<message>.*)$")  # a line FILE_FORMAT wrote
_HANDLER_MARK = "_techgap_handler"
# How a loud change between vintages (drift.md's 'Look first': a revision by the alarm factor or more, a sign change,
# a value gone, a raw vintage edited in place) starts its warning: the build's summary line counts them apart.
LOUD_CHANGE = "loud change:"


class ConciseFormatter(logging.Formatter):
    """One line per record. Tracebacks belong in the log file; without one, an unexpected failure
    (CRITICAL) still shows its traceback, while bad input (ERROR) needs only its message."""

    def __init__(self, show_tracebacks: bool) -> None:
        super().__init__("%(message)s")
        self.show_tracebacks = show_tracebacks

    def format(self, record: logging.LogRecord) -> str:
        prefix = "" if record.levelno < logging.WARNING else f"{record.levelname.lower()}: "
        line = prefix + record.getMessage()
        if self.show_tracebacks and record.exc_info and record.levelno >= logging.CRITICAL:
            line += "\n" + self.formatException(record.exc_info)
        return line


def _own_handlers(logger: logging.Logger) -> list[logging.Handler]:
    return [handler for handler in logger.handlers if getattr(handler, _HANDLER_MARK, False)]


def setup_logging(log_path: Path | None, verbose: bool) -> logging.Logger:
    """The `techgap` logger writing everything (DEBUG up) to ``log_path``, truncated first (one job, one
    log), and INFO (``verbose``) or WARNING up to stderr. Python warnings are logged too. Calling it
    again replaces the handlers it added before (tests and repeated `main()` calls)."""
    logger = logging.getLogger(LOGGER_NAME)
    warnings_logger = logging.getLogger("py.warnings")
    for target in (logger, warnings_logger):
        for handler in _own_handlers(target):
            target.removeHandler(handler)
            handler.close()
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    handlers: list[logging.Handler] = []
    stderr = logging.StreamHandler(sys.stderr)
    stderr.setLevel(logging.INFO if verbose else logging.WARNING)
    stderr.setFormatter(ConciseFormatter(show_tracebacks=log_path is None))
    handlers.append(stderr)
    if log_path is not None:
        log_path = Path(log_path)
        log_path.parent.mkdir(parents=True, exist_ok=True)
        to_file = logging.FileHandler(log_path, mode="w", encoding="utf-8")
        to_file.setLevel(logging.DEBUG)
        to_file.setFormatter(logging.Formatter(FILE_FORMAT))
        handlers.append(to_file)
    logging.captureWarnings(True)
    warnings_logger.propagate = False
    for handler in handlers:
        setattr(handler, _HANDLER_MARK, True)
        logger.addHandler(handler)
        warnings_logger.addHandler(handler)
    return logger


def get_logger(name: str) -> logging.Logger:
    """A child of the `techgap` logger, e.g. get_logger(__name__) in a module of the package."""
    return logging.getLogger(name if name.startswith(LOGGER_NAME) else f"{LOGGER_NAME}.{name}")


def log_read(logger: logging.Logger, source_id: str, frame: pd.DataFrame) -> None:
    """What a job read: the source, the vintage(s) the rows come from and the row count."""
    vintages = sorted(frame["vintage"].dropna().unique()) if "vintage" in frame.columns else []
    logger.info("read %s vintage %s: %d rows", source_id, ", ".join(map(str, vintages)) or "?", len(frame))


def log_written(logger: logging.Logger, paths: Iterable[str | Path]) -> None:
    """What a job wrote: one line per file in the log, a count on stderr when verbose."""
    paths = [str(path) for path in paths]
    for path in paths:
        logger.debug("wrote %s", path)
    logger.info("wrote %d file%s", len(paths), "" if len(paths) == 1 else "s")


def problem_lines(log_dir: Path, level: str) -> list[tuple[Path, str]]:
    """Every record of ``level`` (WARNING, ERROR, CRITICAL) in the logs under ``log_dir``: (file, message)."""
    found = []
    for path in sorted(Path(log_dir).rglob("*.log")):
        for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
            record = FILE_RECORD.match(line)
            if record and record["level"] == level:
                found.append((path, record["message"]))
    return found


def build_summary(statuses_by_edition: dict[str, dict[str, int]], log_dir: Path, snakemake_log: str | None = None) -> str:
    """The one line a build ends with (Snakefile `onsuccess:`): how many items of each status in each
    edition, how many warnings and in which logs, how many of them are loud changes between vintages (the
    drift job logs each one as a warning), and where to look next."""
    items = max((sum(counts.values()) for counts in statuses_by_edition.values()), default=0)
    editions = "; ".join(
        f"{edition} " + ", ".join(f"{n} {status}" for status, n in sorted(counts.items()))
        for edition, counts in statuses_by_edition.items()
    )
    warnings = problem_lines(log_dir, "WARNING")
    where = f" (in {', '.join(sorted({str(path) for path, _ in warnings}))})" if warnings else ""
    loud = sum(1 for _, message in warnings if message.startswith(LOUD_CHANGE))
    loud_text = (
        f", {loud} of them loud change{'' if loud == 1 else 's'} between vintages (look first: figures/drift.md)" if loud else ""
    )
    run_log = f" Snakemake's own log: {snakemake_log}." if snakemake_log else ""
    return (
        f"techgap: {items} items x {len(statuses_by_edition)} editions: {editions}; "
        f"{len(warnings)} warning{'' if len(warnings) == 1 else 's'}{where}{loud_text}. "
        f"Open figures/index.html; what changed between vintages: figures/drift.md.{run_log}"
    )


def failure_summary(log_dir: Path, snakemake_log: str | None = None) -> str:
    """The lines a failed build ends with (Snakefile `onerror:`): each failing job's first error and its
    log, or, when no techgap job logged one, Snakemake's own log of the run (a run stopped by Ctrl-C or a signal
    ends here too: Snakemake calls `onerror:` for it)."""
    errors = problem_lines(log_dir, "ERROR") + problem_lines(log_dir, "CRITICAL")
    run_log = snakemake_log or "Snakemake's message above"
    if not errors:
        return (
            "techgap: the build ended before any techgap job logged an error: it was stopped (Ctrl-C, a signal), or "
            f"Snakemake itself failed; last good outputs are kept. Read {run_log}."
        )
    first: dict[Path, str] = {}
    for path, message in errors:
        first.setdefault(path, message)
    lines = [f"techgap: the build failed; last good outputs are kept. {len(first)} job(s) reported:"]
    lines += [f"  {path}: {message}" for path, message in sorted(first.items())]
    if snakemake_log:
        lines.append(f"  the whole run: {snakemake_log}")
    return "\n".join(lines)


def run_summary(snakemake_logs: Sequence[str], succeeded: bool, root: Path = Path(".")) -> str:
    """What a `snakemake` run ends with (the Snakefile's `onsuccess:` and `onerror:`, given Snakemake's own logs of
    the run): `build_summary` of figures/manifest.json and logs/, or `failure_summary` of logs/."""
    snakemake_log = ", ".join(snakemake_logs) or None
    if not succeeded:
        return failure_summary(root / "logs", snakemake_log)
    from techgap.manifest import statuses_by_edition

    return build_summary(statuses_by_edition(root / "figures" / "manifest.json"), root / "logs", snakemake_log)

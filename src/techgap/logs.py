"""Logging for every `python -m techgap` command: the full record (what the job read, wrote, warned
about and, on failure, the traceback) goes to the rule's `{log}` file; stderr gets concise lines so a
Snakemake build stays readable and `--show-failed-logs` has something to show."""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

LOGGER_NAME = "techgap"
FILE_FORMAT = "%(asctime)s %(levelname)-7s %(name)s: %(message)s"
_HANDLER_MARK = "_techgap_handler"


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

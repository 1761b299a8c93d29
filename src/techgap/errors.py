"""The one error type a user sees for bad input: it names the file, the line and the field."""

from __future__ import annotations

from pathlib import Path


class InputError(ValueError):
    """Malformed or inconsistent input. ``line`` is 1-based as an editor shows it (header = line 1)."""

    def __init__(
        self,
        path: str | Path,
        message: str,
        *,
        line: int | None = None,
        field: str | None = None,
        expected: str | None = None,
    ) -> None:
        self.path = str(path)
        self.line = line
        self.field = field
        self.expected = expected
        self.reason = message
        where = self.path
        if line is not None:
            where += f", line {line}"
        if field is not None:
            where += f", field '{field}'"
        text = f"{where}: {message}"
        if expected:
            text += f" (expected {expected})"
        super().__init__(text)


class FetchError(RuntimeError):
    """A refresh that could not produce a new vintage for one source."""

    def __init__(self, source_id: str, message: str) -> None:
        self.source_id = source_id
        super().__init__(f"refresh of '{source_id}' failed: {message}")

"""The one error type a user sees for bad input: it names the file, the line and the field."""

from __future__ import annotations

import unicodedata
from pathlib import Path

from techgap.escaping import is_invisible

# Scripts whose letters are drawn like Latin ones: a name in them next to Latin text is a look-alike.
_LOOKALIKE_SCRIPTS = ("CYRILLIC", "GREEK", "FULLWIDTH", "ARMENIAN", "CHEROKEE", "MODIFIER", "MATHEMATICAL")


def _shown_as_is(char: str) -> bool:
    if " " <= char <= "~":
        return True
    category = unicodedata.category(char)
    if is_invisible(char) or category[0] in "CZM" or category in ("Nd", "No", "Nl"):  # or combining, or not 0-9
        return False
    name = unicodedata.name(char, "")
    return not any(script in name for script in _LOOKALIKE_SCRIPTS)


def escaped(text: str) -> str:
    """``text`` with invisible and look-alike characters written as \\uXXXX, so that two names that look the
    same in a message do not look the same in the message (Cyrillic 'а' is shown as \\u0430)."""
    text = str(text)
    if text.isascii() and text.isprintable():
        return text
    return "".join(c if _shown_as_is(c) else (f"\\u{ord(c):04x}" if ord(c) <= 0xFFFF else f"\\U{ord(c):08x}") for c in text)


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
        super().__init__(escaped(text))  # a look-alike or invisible character is shown as \\uXXXX wherever it sits


class FetchError(RuntimeError):
    """A refresh that could not produce a new vintage for one source."""

    def __init__(self, source_id: str, message: str) -> None:
        self.source_id = source_id
        super().__init__(f"refresh of '{source_id}' failed: {message}")

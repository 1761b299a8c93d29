"""How a number is printed in every text techgap draws or writes for readers: one home, so the figures, the
tables and the texts filled from data agree."""

from __future__ import annotations

import re

_HYPHEN_MINUS = re.compile(r"(?<![\w.])-(?=\d)")  # a sign, not the hyphen of a range (2010-2021)


def minus_sign(text: str) -> str:
    """A number's text with the typographic minus (U+2212) for its sign, as on the axes (axes.unicode_minus)."""
    return _HYPHEN_MINUS.sub("\u2212", text)

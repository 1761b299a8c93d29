"""Escaping for the text the project publishes: pure functions, one per kind of output.

Text from data and config (labels, captions, entity names, provenance titles, claim quotes) reaches
Markdown files and spreadsheets. There, some characters are markup or code rather than text: a Markdown
renderer turns ``<script>`` into an element and ``[x](javascript:...)`` into a link; Excel and LibreOffice
run a CSV cell that starts with ``=``, ``+``, ``-`` or ``@`` as a formula. The functions here make such
text inert while leaving ordinary text (CJK, ``%``, ``(``, ``.``, ``R&D``, ``[source_id]``) as it was.

- :func:`spreadsheet_cell`: one CSV cell for a spreadsheet (OWASP's rule for CSV injection).
- :func:`markdown_text`: text inside a line of Markdown (a table cell, a heading, a sentence); escapes
  only what can make HTML, a link, a character reference or a new table cell.
- :func:`markdown_line`: text that starts a line of its own, as a paragraph: as ``markdown_text``, and a
  block marker at its start (``#``, ``>``, ``-``, ``1.``, a code fence ...) is escaped too.
- :func:`markdown_prose`: every ASCII punctuation character that Markdown gives a meaning to is escaped;
  for running text that is never read back by the project (figures/report.md).
- :func:`visible_controls`: invisible format and control characters (bidi overrides, zero-width
  characters) written as ``\\uXXXX``; used by the Markdown functions.

Backslash escapes are CommonMark's: a backslash before an ASCII punctuation character shows that
character as text, in CommonMark and GitHub Flavored Markdown alike. The tables' Markdown escapes only
what can be markup: the reviewers' page (techgap.page) reads those files back and undoes only '\\|', so
any other escape would show there as a backslash; ordinary text, as the real data hold it, needs none.
"""

from __future__ import annotations

import html
import re
import unicodedata
from urllib.parse import urlsplit

# --- spreadsheets ------------------------------------------------------------------------------------

# A cell that starts with one of these is run as a formula; a spreadsheet may drop a leading tab or
# carriage return and run what follows. OWASP, "CSV Injection".
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
# A number as the CSVs write it (pandas' '%.10g' and plain integers): -3.5, -0, +1, 1e-05, .5
_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")


def spreadsheet_cell(text: str) -> str:
    """``text`` as a CSV cell a spreadsheet shows as text: a cell that starts with ``=``, ``+``, ``-``,
    ``@``, tab or carriage return gets a leading apostrophe (``'=HYPERLINK(...)``), so Excel and
    LibreOffice do not run it. A number stays a number (``-3.5``, ``-0``, ``+1``, ``1e-05``): the
    spreadsheet must still be able to add it up, and a number runs nothing."""
    if text.startswith(FORMULA_TRIGGERS) and not _PLAIN_NUMBER.fullmatch(text):
        return "'" + text
    return text


# --- invisible characters ----------------------------------------------------------------------------

_WHITESPACE_CONTROLS = {"\t": " ", "\n": " ", "\r": " "}  # line structure, not content: one space each


# Unicode's Default_Ignorable_Code_Point property (DerivedCoreProperties.txt, Unicode 15.1): code points a renderer
# draws as nothing. Most are format characters (Cf); the others are a combining mark (U+034F COMBINING GRAPHEME
# JOINER), letters (the Hangul fillers U+115F, U+1160, U+3164, U+FFA0), Khmer inherent vowels, the Mongolian and
# standard variation selectors (U+180B-180F, U+FE00-FE0F, U+E0100-E01EF) and reserved code points. The ranges as the
# file lists them, so that they can be checked against it.
_DEFAULT_IGNORABLE = re.compile(
    "[\u00ad\u034f\u061c\u115f-\u1160\u17b4-\u17b5\u180b-\u180f\u200b-\u200f\u202a-\u202e\u2060-\u206f"
    "\u3164\ufe00-\ufe0f\ufeff\uffa0\ufff0-\ufff8\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0000-\U000e0fff]"
)


def is_invisible(char: str) -> bool:
    """Format characters (Cf: bidi controls U+202A-202E and U+2066-2069, zero-width space and joiners,
    soft hyphen, byte-order mark), control characters (Cc), the line and paragraph separators
    U+2028/U+2029 and every other default-ignorable code point (U+034F, U+3164, variation selectors): drawn as
    nothing, or as a change of direction, they hide what the text says."""
    return unicodedata.category(char) in ("Cf", "Cc", "Zl", "Zp") or _DEFAULT_IGNORABLE.match(char) is not None


def _may_hold_invisible(text: str) -> bool:
    """False for most texts (CJK included) without a look at each character: Python's ``str.isprintable`` is false
    for every character of Unicode's Other (Cc, Cf, ...) and Separator (Zl, Zp, ...) categories but the space, and the
    default-ignorable marks and letters are looked for at once."""
    return not text.isprintable() or _DEFAULT_IGNORABLE.search(text) is not None


def invisible_characters(text: str, allowed: str = "") -> list[str]:
    """The invisible format and control characters in ``text`` (see ``is_invisible``), except ``allowed``
    (the line breaks and tabs of a multi-line YAML text), for a loader to refuse."""
    if not _may_hold_invisible(text):
        return []
    return [char for char in text if char not in allowed and is_invisible(char)]


def character_names(chars: list[str]) -> str:
    """``U+202E RIGHT-TO-LEFT OVERRIDE; ...``: each distinct character once, for an error message."""
    return "; ".join(dict.fromkeys(f"U+{ord(c):04X} {unicodedata.name(c, 'control character')}" for c in chars))


def visible_controls(text: str) -> str:
    """``text`` with each invisible format or control character written as ``\\uXXXX`` (U+202E, the
    right-to-left override, becomes the six characters ``\\u202e``); tab, CR and LF become a space.
    Everything else, CJK and look-alike letters included, is left as it is."""
    if not _may_hold_invisible(text):  # tab, CR and LF are not printable: they take the long way
        return text
    out = []
    for char in text:
        if char in _WHITESPACE_CONTROLS:
            out.append(_WHITESPACE_CONTROLS[char])
        elif is_invisible(char):
            out.append(f"\\u{ord(char):04x}" if ord(char) <= 0xFFFF else f"\\U{ord(char):08x}")
        else:
            out.append(char)
    return "".join(out)


# --- Markdown ----------------------------------------------------------------------------------------

# Always escaped: '\' (else a data backslash would cancel the escape that follows it), '|' (a new table
# cell) and '<' (the start of every HTML tag, comment and autolink: <script>, <img onerror=...>,
# <javascript:...>). ']' only where it would close a link or image ('](' and '][') or start a link
# reference definition (']:'): a lone '[source_id]' stays as it is. '&' only where it starts a character
# reference (&lt; &#60; &#x3c;), which a renderer would turn into a different character: 'R&D' stays.
_CHARACTER_REFERENCE = r"&(?=#[0-9]{1,7};|#[xX][0-9a-fA-F]{1,6};|[A-Za-z][A-Za-z0-9]{1,31};)"
_MARKDOWN_INLINE = re.compile(r"[\\|<]|\](?=[(\[:])|" + _CHARACTER_REFERENCE)
# What can make a line a heading, quote, list item, thematic break, setext underline or code fence.
_BLOCK_START = re.compile(r"^(?:[#>+*=~`_-]|\d{1,9}(?=[.)](?:\s|$)))")
# Every ASCII punctuation character Markdown uses as syntax (the set figures/report.md has always used).
_MARKDOWN_PUNCTUATION = re.compile(r"([\\`*_\[\]<>|#])")


def markdown_text(value: object) -> str:
    """``value`` as text inside one line of Markdown (a pipe-table cell, a heading, part of a sentence):
    no HTML, no link, no image, no character reference and no extra table cell can come out of it, and
    line breaks become spaces. Emphasis characters (``*``, ``_``, ``~``) and backticks are left as they
    are: they format, they cannot run or link anything, and ids such as ``oecd_msti`` are full of them.

    The writer must not put ``(``, ``[`` or ``:`` straight after the escaped text (a ``]`` at its end
    is left bare); a space or ``|`` is what the project's writers put there."""
    text = _MARKDOWN_INLINE.sub(lambda m: "\\" + m.group(0), str(value))
    return visible_controls(text)


def markdown_line(value: object) -> str:
    """``value`` as a paragraph line of its own (a unit line, a source line, a note): as
    :func:`markdown_text`, with leading spaces removed (four would make a code block) and a block
    marker at its start escaped (``# x``, ``> x``, ``- x``, ``1. x``, ``---``, a code fence)."""
    text = markdown_text(value).lstrip(" ")
    match = _BLOCK_START.match(text)
    if match is None:
        return text
    if match.group(0).isdigit():  # '1. x' -> '1\. x': the number stays, the list marker goes
        end = match.end()
        return text[:end] + "\\" + text[end:]
    return "\\" + text


def markdown_prose(value: object) -> str:
    """``value`` as running Markdown text with every syntax character escaped: backslash, backtick,
    ``*``, ``_``, ``[``, ``]``, ``<``, ``>``, ``|`` and ``#`` (so a report sentence is never bold,
    a heading, a quote, a link or HTML by accident), a character reference's ``&`` too; invisible
    characters shown as ``\\uXXXX``."""
    text = _MARKDOWN_PUNCTUATION.sub(r"\\\1", str(value))
    text = re.sub(_CHARACTER_REFERENCE, r"\\&", text)
    return visible_controls(text)


# --- HTML and links ------------------------------------------------------------------------------------


def html_text(text: object) -> str:
    """Text for HTML content or a quoted attribute: escaped, invisible characters shown as \\uXXXX; line breaks
    kept (a provenance file is shown as it is written, in a <pre>)."""
    lines = ("" if text is None else str(text)).split("\n")
    return "\n".join(html.escape(visible_controls(line), quote=True) for line in lines)


def safe_url(url: object) -> str | None:
    """The URL if a browser would follow it to an http(s) server, else None: no javascript:, data:, file: or
    scheme-relative URLs, nothing with whitespace, control or invisible characters (browsers drop tabs and
    newlines, so 'java\\tscript:' would run)."""
    if not isinstance(url, str) or not url:
        return None
    if any(ch.isspace() or is_invisible(ch) or 0x7F <= ord(ch) <= 0x9F for ch in url):
        return None
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    return url

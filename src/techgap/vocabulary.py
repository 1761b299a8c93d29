"""The presentation vocabulary: what an item status and a claim verdict are called, shown as and mean, in both
languages, and how any text from data or configuration is made safe to publish (HTML, Markdown, links). Every
page, table and report reads it from here; the colours of the badges are in config/plotting.yaml."""

from __future__ import annotations

import html
import re
import unicodedata
from dataclasses import dataclass
from urllib.parse import urlsplit


@dataclass(frozen=True)
class Term:
    symbol: str  # shown with the word: colour is never the only signal
    zh: str
    en: str
    meaning: str  # what stands behind it, in one English sentence


# What stands behind an item's figure or table (config/items.yaml `status`).
STATUSES = {
    "reproduced": Term("✓", "重現", "reproduced", "drawn from the cited source's own data, every value checked against it"),
    "transcribed": Term(
        "◇", "轉錄", "transcribed", "the report's own numbers, confirmed in part or not at all (the reason says which)"
    ),
    "partial": Term("◐", "部分", "partial", "drawn from what could honestly be found; the reason says what is missing"),
    "unavailable": Term("○", "無資料", "unavailable", "nothing drawn: no source holds the data"),
    "analysis": Term("★", "分析", "analysis", "techgap's own analysis beyond the report"),
}

# A claim's verdict (docs/ledger.md), strongest evidence first.
VERDICTS = {
    "supported": Term("✓", "有據", "supported", "a document other than the report confirms the number"),
    "consistent": Term("≈", "一致", "consistent", "only the report's own tables or text give the number, and they agree"),
    "revised": Term("↻", "已修訂", "revised", "the cited release agrees, a later release of the same series differs"),
    "contradicted": Term("✗", "不符", "contradicted", "the data say otherwise"),
    "uncheckable": Term("·", "未查核", "not checked", "the data to check the number are not in the project"),
}


# --- safe to publish ------------------------------------------------------------------------------------------

# Bidi controls and other invisible format characters (Unicode category Cf) could make a published text say
# something other than what it shows; they are shown as escapes, as are control characters.
_INVISIBLE = re.compile(r"[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]")


def visible(text: object) -> str:
    """The text with control and invisible format characters shown as \\uXXXX escapes."""
    value = "" if text is None else str(text)
    return "".join(
        f"\\u{ord(ch):04x}" if (unicodedata.category(ch) == "Cf" or _INVISIBLE.match(ch)) and ch not in "\t\n" else ch
        for ch in value
    )


def escape_html(text: object) -> str:
    """Text for HTML content or a quoted attribute."""
    return html.escape(visible(text), quote=True)


_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]<>()#+!|~])")


def escape_markdown(text: object) -> str:
    """Text for a Markdown paragraph or table cell: characters that start markup are backslash-escaped, so no
    label becomes a link, an image, an HTML tag or a new table column; a line break becomes a space."""
    value = visible(text).replace("\r", " ").replace("\n", " ")
    value = _MARKDOWN_SPECIAL.sub(r"\\\1", value)
    return value.replace("&", "&amp;")


def safe_url(url: object) -> str | None:
    """The URL if a browser would follow it to an http(s) server, else None: no javascript:, data:, file: or
    scheme-relative URLs, nothing with whitespace or control characters (browsers drop tabs and newlines, so
    'java\\tscript:' would run)."""
    if not isinstance(url, str) or not url:
        return None
    if any(ch.isspace() or ord(ch) < 0x20 or 0x7F <= ord(ch) <= 0x9F or unicodedata.category(ch) == "Cf" for ch in url):
        return None
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    return url


def link_html(url: object, text_html: str) -> str:
    """A link for http(s) URLs; any other URL is shown as escaped text, never as a link."""
    href = safe_url(url)
    if href:
        return f'<a href="{escape_html(href)}" rel="noreferrer">{text_html}</a>'
    if url:
        return f'{text_html} <span class="muted small">(not linked: <code>{escape_html(url)}</code>)</span>'
    return text_html


def link_markdown(url: object, text: object) -> str:
    """A Markdown link for http(s) URLs, else the escaped text."""
    href = safe_url(url)
    label = escape_markdown(text)
    return f"[{label}](<{href}>)" if href else label

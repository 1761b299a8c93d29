"""The report's chapters and the chapter of each item (config/chapters.yaml): the categories of
`snakemake --report`, each with a description workflow/report/<chapter>.rst.

Each item's figures in that report get a caption of their own, build/report/captions/<edition>/<item>.rst: the
chapter's description, then the item as its edition was built — caption, status, the reason with every
`{placeholder}` filled, the periods drawn — read from its record figures/<edition>/<item>/<item>.meta.json. An
item not built yet says so rather than show a reason still to be filled. The workflow writes these files when it
reads the project (techgap.workflow), so `snakemake --report`, run after a build, captions what was built."""

from __future__ import annotations

import json
import os
import re
import tempfile
from pathlib import Path
from typing import Any

from pydantic import field_validator

from techgap.config import Bilingual, ItemSpec, Project, Strict, _validated, check_id, load_yaml
from techgap.errors import InputError
from techgap.model import before_filling

CAPTION_DIR = Path("workflow") / "report"
ITEM_CAPTION_DIR = Path("build") / "report" / "captions"
PLACEHOLDER = re.compile(r"\{[A-Za-z_][A-Za-z0-9_]*\}")  # a template field a text still holds
EDITION_NAMES = {"report": "report edition", "latest": "latest edition"}


class Chapters(Strict):
    chapters: dict[str, Bilingual]
    items: dict[str, str]

    @field_validator("chapters")
    @classmethod
    def _keys(cls, value: dict[str, Bilingual]) -> dict[str, Bilingual]:
        for key in value:
            check_id(key, "chapter key")
        return value

    def category(self, item_id: str) -> str:
        """The report category of an item: the chapter's title in both languages."""
        title = self.chapters[self.items[item_id]]
        return f"{title.zh} / {title.en}"

    def caption(self, item_id: str) -> str:
        """The description file of an item's chapter, relative to the project root."""
        return (CAPTION_DIR / f"{self.items[item_id]}.rst").as_posix()


def load_chapters(project: Project) -> Chapters:
    """config/chapters.yaml, checked: every item has a known chapter and every mapped item exists."""
    path = project.root / "config" / "chapters.yaml"
    chapters = _validated(path, Chapters, load_yaml(path), "chapters")
    for item_id, key in chapters.items.items():
        if key not in chapters.chapters:
            raise InputError(
                path,
                f"item {item_id} names unknown chapter {key!r}",
                field=f"items.{item_id}",
                expected="one of " + ", ".join(chapters.chapters),
            )
    known = {item.id for item in project.items}
    for item_id in chapters.items:
        if item_id not in known:
            raise InputError(path, f"item {item_id} is not in config/items.yaml", field=f"items.{item_id}")
    for item_id in sorted(known - set(chapters.items)):
        raise InputError(path, f"item {item_id} has no chapter", field="items", expected=f"{item_id}: <chapter key>")
    return chapters


# --- the captions of `snakemake --report` ------------------------------------------------------------------------


def item_caption_path(item_id: str, edition: str) -> str:
    """An item edition's caption file, relative to the project root."""
    return (ITEM_CAPTION_DIR / edition / f"{item_id}.rst").as_posix()


_RST_SPECIAL = re.compile(r"([\\*`_|])")


def rst_text(text: object) -> str:
    """Text from config or a record as literal reStructuredText inside Snakemake's caption template: no inline
    markup (``*``, backquotes, ``_``, ``|``, backslashes are escaped), no Jinja (each ``{`` is written by a Jinja
    expression, so ``{{ x }}`` or ``{% ... %}`` in a text stays text) and on one line."""
    escaped = _RST_SPECIAL.sub(r"\\\1", " ".join(str(text).split()))
    return escaped.replace("{", "{{ '{' }}")


def read_record(root: Path, item: ItemSpec, edition: str) -> dict[str, Any] | None:
    """The record of what an edition built (figures/<edition>/<item>/<item>.meta.json), if there is a readable one."""
    from techgap.paths import item_outputs

    try:
        record = json.loads((Path(root) / item_outputs(item, edition)[1]).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return record if isinstance(record, dict) else None


def item_caption(chapter_text: str, item: ItemSpec, edition: str, record: dict[str, Any] | None, declared: str) -> str:
    """An item edition's caption: the chapter's description, then the item as built (from ``record``) or, before it
    is built, its declared status and a note that the reason is made from the data (``declared``)."""
    from techgap.paths import item_outputs

    record_path = item_outputs(item, edition)[1]
    title = item.latest_title if edition == "latest" and item.latest_title else item.title
    if record is not None and isinstance(record.get("texts", {}).get("title"), dict):
        title = Bilingual.model_validate(record["texts"]["title"])
    else:  # not built: the title's fields (the years drawn) are not known yet
        title = Bilingual(zh=before_filling(title.zh), en=before_filling(title.en))
    head = f"**{rst_text(item.id)}** {rst_text(title.zh)} / {rst_text(title.en)} — {EDITION_NAMES[edition]}"
    if record is None:
        lines = [
            f"{head}, declared *{rst_text(declared)}*: not built yet; its reason is made from the data when it is "
            f"built (``{record_path}``)."
        ]
    else:
        reason = str(record.get("reason") or "").strip()
        lines = [f"{head}, *{rst_text(record.get('status', declared))}*" + (f": {rst_text(reason)}" if reason else ".")]
        drawn = [str(p) for p in record.get("periods") or []]
        if drawn:
            lines.append(f"Periods drawn: {rst_text(', '.join(drawn))}. Record: ``{record_path}``.")
        warnings = record.get("warnings") or []
        if warnings:
            lines.append(f"Warnings: {len(warnings)} (see the record).")
    return chapter_text.rstrip("\n") + "\n\n" + "\n\n".join(lines) + "\n"


def write_item_captions(project: Project, chapters: Chapters) -> dict[tuple[str, str], str]:
    """Write every drawn item edition's caption file (only where its text changed); {(item, edition): path}."""
    from techgap.editions import declared_status
    from techgap.paths import EDITIONS

    texts = {key: (project.root / CAPTION_DIR / f"{key}.rst").read_text(encoding="utf-8") for key in chapters.chapters}
    out = {}
    for item in project.items:
        if not item.renders:
            continue
        for edition in EDITIONS:
            text = item_caption(
                texts[chapters.items[item.id]],
                item,
                edition,
                read_record(project.root, item, edition),
                declared_status(project, item, edition),
            )
            relative = item_caption_path(item.id, edition)
            _write_if_changed(project.root / relative, text)
            out[(item.id, edition)] = relative
    return out


def _write_if_changed(target: Path, text: str) -> None:
    """Whole or not at all (two runs may read the project at once), and untouched when it already says ``text``."""
    try:
        if target.read_text(encoding="utf-8") == text:
            return
    except OSError:
        pass
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    with os.fdopen(handle, "w", encoding="utf-8") as out:
        out.write(text)
    os.chmod(temporary, 0o644)
    os.replace(temporary, target)

"""The report's chapters and the chapter of each item (config/chapters.yaml): the categories of
`snakemake --report`, each with a caption file workflow/report/<chapter>.rst."""

from __future__ import annotations

from pathlib import Path

from pydantic import field_validator

from techgap.config import Bilingual, Project, Strict, _validated, check_id, load_yaml
from techgap.errors import InputError

CAPTION_DIR = Path("workflow") / "report"


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
        """The caption file of an item's chapter, relative to the project root."""
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

"""Where outputs go. Kept free of heavy imports: the Snakefile reads it at parse time."""

from __future__ import annotations

from pathlib import Path

from techgap.config import ItemSpec

LANGS = ("zh", "en")
FIGURE_FORMATS = ("png", "svg")


def item_outputs(item: ItemSpec, figures_dir: str | Path = "figures") -> list[str]:
    """Every file an item writes, in a fixed order (Snakemake's outputs and the manifest use it)."""
    base = Path(figures_dir) / item.id
    files = [str(base / f"{item.id}.csv")]
    for lang in LANGS:
        files += [str(base / f"{item.id}_{lang}.{fmt}") for fmt in FIGURE_FORMATS]
        if item.kind == "table":
            files.append(str(base / f"{item.id}_{lang}.md"))
    return files

"""Where outputs go. Kept free of heavy imports: the Snakefile reads it at parse time."""

from __future__ import annotations

from pathlib import Path

from techgap.config import ItemSpec

LANGS = ("zh", "en")
FIGURE_FORMATS = ("png", "svg")
# `report`: the item as the report printed it, on the vintages pinned in config (never moves with new
# data). `latest`: the same design on the newest vintage of every source, extended to the newest data.
EDITIONS = ("report", "latest")


def item_dir(item_id: str, edition: str, figures_dir: str | Path = "figures") -> Path:
    return Path(figures_dir) / edition / item_id


def item_outputs(item: ItemSpec, edition: str, figures_dir: str | Path = "figures") -> list[str]:
    """Every file an item writes in one edition, in a fixed order: the data CSV, the record of what
    was built (meta JSON, read by the manifest), then the drawings per language."""
    base = item_dir(item.id, edition, figures_dir)
    files = [str(base / f"{item.id}.csv"), str(base / f"{item.id}.meta.json")]
    for lang in LANGS:
        files += [str(base / f"{item.id}_{lang}.{fmt}") for fmt in FIGURE_FORMATS]
        if item.kind == "table":
            files.append(str(base / f"{item.id}_{lang}.md"))
    return files


def processed_path(source_id: str, vintage: str, processed_dir: str | Path = "data/processed") -> Path:
    """The typed long table of one vintage of one source."""
    return Path(processed_dir) / source_id / f"{vintage}.parquet"

"""The manifest tells the truth about all 28 items, and the README's table agrees with it."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import ROOT

from techgap.manifest import readme_with_table

MANIFEST = json.loads((ROOT / "figures" / "manifest.json").read_text(encoding="utf-8"))


def test_every_item_is_listed_with_an_honest_status():
    items = MANIFEST["items"]
    assert len(items) == 28
    for item in items:
        assert set(item) >= {"id", "kind", "title", "files", "data", "sources", "status"}
        assert item["kind"] in {"figure", "table"} and item["title"]["zh"] and item["title"]["en"]
        kind, _, reason = item["status"].partition(": ")
        assert kind in {"reproduced", "partial", "unavailable"}
        assert (kind == "reproduced") == (reason == "")


def test_files_of_drawn_items_exist_in_both_languages():
    for item in MANIFEST["items"]:
        if item["status"].startswith("unavailable"):
            assert item["files"] == {"zh": [], "en": []} and item["data"] is None
            continue
        for lang in ("zh", "en"):
            suffixes = sorted(Path(f).suffix for f in item["files"][lang])
            assert suffixes == ([".md", ".png", ".svg"] if item["kind"] == "table" else [".png", ".svg"])
            assert all((ROOT / f).is_file() for f in item["files"][lang])
        assert (ROOT / item["data"]).is_file()


def test_sources_carry_provenance():
    for source_id, source in MANIFEST["sources"].items():
        assert source["url"].startswith("http") and source["retrieved"] and source["licence"]
        assert (ROOT / source["provenance"]).is_file(), source_id


def test_readme_table_matches_the_manifest():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert readme_with_table(readme, MANIFEST) == readme, "run: .venv/bin/python -m techgap readme"

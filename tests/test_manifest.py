"""The manifest tells the truth about every item in both editions, and the README's table agrees."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import ROOT

from techgap.config import STATUSES
from techgap.manifest import documents_by_publisher, readme_with_table

MANIFEST = json.loads((ROOT / "figures" / "manifest.json").read_text(encoding="utf-8"))


def test_every_item_is_listed_in_both_editions_with_an_honest_status():
    items = MANIFEST["items"]
    assert len(items) >= 28
    for item in items:
        assert set(item) >= {"id", "kind", "title", "editions"}
        assert item["kind"] in {"figure", "table"} and item["title"]["zh"] and item["title"]["en"]
        assert set(item["editions"]) == {"report", "latest"}
        assert item["status"] == item["editions"]["report"]["status"]
        for record in item["editions"].values():
            assert record["status"] in STATUSES
            assert record["status"] == "reproduced" or record["reason"].strip()
            assert "{" not in record["reason"]  # every placeholder was filled from the data


def test_files_of_drawn_items_exist_in_both_languages():
    for item in MANIFEST["items"]:
        for edition, record in item["editions"].items():
            if record["status"] == "unavailable":
                assert record["files"] == {"zh": [], "en": []} and record["data"] is None
                continue
            for lang in ("zh", "en"):
                suffixes = sorted(Path(f).suffix for f in record["files"][lang])
                assert suffixes == ([".md", ".png", ".svg"] if item["kind"] == "table" else [".png", ".svg"])
                assert all((ROOT / f).is_file() and f"/{edition}/" in f for f in record["files"][lang])
            assert (ROOT / record["data"]).is_file()


def test_editions_name_their_vintages_and_sources():
    for item in MANIFEST["items"]:
        for edition, record in item["editions"].items():
            if record["status"] == "unavailable":
                continue
            assert record["vintages"], (item["id"], edition)
            for source in record["sources"]:
                assert source["vintage"] == record["vintages"][source["source"]]
                assert (ROOT / source["provenance"]).is_file()


def test_sources_carry_provenance():
    for source_id, source in MANIFEST["sources"].items():
        assert source["url"].startswith("http") and source["licence"], source_id
        for path in source["provenance"].values():
            assert (ROOT / path).is_file(), source_id


def test_readme_table_matches_the_manifest():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert readme_with_table(readme, MANIFEST) == readme, "run: .venv/bin/python -m techgap readme"


def test_a_source_says_whose_documents_it_holds():
    """eiu_china_chip_lag is named after an EIU article but holds the NDC report's sentences only."""
    from types import SimpleNamespace

    vintage = SimpleNamespace(documents=[SimpleNamespace(publisher=p) for p in ("NDC", "EIU", "NDC")])
    assert list(documents_by_publisher(vintage).items()) == [("NDC", 2), ("EIU", 1)]
    assert documents_by_publisher(SimpleNamespace(documents=[])) == {}


def test_an_item_drawing_nothing_is_the_same_in_both_editions():
    """fig14 draws nothing in either edition, and its latest edition said 'Differs from the report edition': the
    comparison is of what is drawn."""
    from techgap.config import load_project
    from techgap.manifest import edition_summary, item_record

    project = load_project(ROOT)
    undrawn = [item for item in project.items if not item.renders]
    assert undrawn
    for item in undrawn:
        latest = item_record(project, item)["editions"]["latest"]
        assert latest["same_as_report"] is True and edition_summary(latest).startswith("same data")

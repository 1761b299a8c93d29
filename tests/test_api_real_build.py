"""Real recorded Comtrade answers (tests/fixtures/comtrade/*.provenance.yaml, real: true), replayed through
the refresh's own HTTP stack, normalized, and the item drawn in both editions as `techgap render ITEM` draws it.

No real recorded answer holds what fig16/fig17/fig18 draw (the World row and Taiwan for reporter USA or
China): the real ones answer other requests (China's trade with Argentina and Germany in 2010; US trade
with Japan in 2023). Refreshed as the vintage of the item's API source, such an answer gives the item
nothing to draw; the latest edition must still build, on what it drew before, and say which vintage it
could not use and what it asked for."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
import yaml
from fixtures.replay import ReplayServer, Reply
from test_refresh import VINTAGE, edit_config, fast, run

from techgap.build import render_only
from techgap.config import load_project
from techgap.normalize import normalize_source

COMTRADE = Path(__file__).resolve().parent / "fixtures" / "comtrade"
PARTNER = {32: "ARG", 276: "DEU", 392: "JPN"}


def recorded_imports(name: str) -> dict[tuple[str, str], float]:
    """(partner, period) -> primaryValue of the import rows, read from the recording itself."""
    answer = json.loads((COMTRADE / name).read_text(encoding="utf-8"))
    return {(PARTNER[r["partnerCode"]], r["period"]): float(r["primaryValue"]) for r in answer["data"] if r["flowCode"] == "M"}


def ask_what_the_recording_answered(root: Path, source_id: str, name: str) -> None:
    """The source's request narrowed to the one the recording answered (its partners and period)."""
    provenance = yaml.safe_load((COMTRADE / name).with_suffix(".provenance.yaml").read_text(encoding="utf-8"))
    assert provenance["real"] is True and len(provenance["origin"]["commit"]) == 40
    cells = recorded_imports(name)
    with open(root / "config" / "entities.yaml", "a", encoding="utf-8") as handle:
        handle.write("ARG: {en: Argentina, zh: 阿根廷, kind: economy, aliases: []}\n")

    def narrow(data: dict) -> None:
        fast(data)
        source = data["refresh"]["sources"][source_id]
        codes = {code for code, entity in PARTNER.items() if entity in {p for p, _ in cells}}
        source["params"].update(
            partnerCode=",".join(str(c) for c in sorted(codes)), period=",".join(sorted({y for _, y in cells}))
        )
        source.update(expect_entities=sorted({p for p, _ in cells}), expect_years=sorted({y for _, y in cells}))

    edit_config(root, narrow)


def latest(root: Path, item_id: str) -> tuple[bytes, dict]:
    folder = root / "figures" / "latest" / item_id
    return (folder / f"{item_id}.csv").read_bytes(), json.loads((folder / f"{item_id}.meta.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize(
    ("name", "source_id", "item_id", "asks_for"),
    [
        ("chn_arg_deu_total_2010.json", "comtrade_china_imports", "fig17", "World, Taiwan, United States"),
        ("usa_jpn_total_2023.json", "comtrade_us_imports", "fig16", "World, Taiwan, China"),
    ],
    ids=["china-2010", "us-2023"],
)
def test_a_real_answer_the_item_cannot_draw_is_refreshed_and_the_latest_edition_still_builds_and_says_so(
    project_root: Path, name: str, source_id: str, item_id: str, asks_for: str
) -> None:
    ask_what_the_recording_answered(project_root, source_id, name)
    project = load_project(project_root)
    render_only(project, [project.item(item_id)])  # as `techgap render ITEM`: the item under test, both editions
    data_before, meta_before = latest(project_root, item_id)
    body = (COMTRADE / name).read_bytes()
    with ReplayServer() as server:
        server.route(
            "/public/v1/preview/C/A/HS", Reply(200, body, {"Content-Type": "application/json; charset=utf-8"}, gzip=True)
        )
        [result] = run(project_root, server, source_id)
    assert result.status == "new", result.message
    frame = normalize_source(load_project(project_root), source_id)  # the answer's values are the vintage's
    assert set(frame["vintage"]) == {VINTAGE}
    value = frame.set_index(["entity_code", "period"])["value"]
    for cell, usd in recorded_imports(name).items():
        assert value[cell] == usd

    project = load_project(project_root)
    render_only(project, [project.item(item_id)])
    data_after, meta_after = latest(project_root, item_id)
    assert data_after == data_before  # nothing of the answer can be drawn: the edition draws what it drew
    said = f"The {source_id} vintage {VINTAGE} has no rows this item can draw (it asks for {asks_for})"
    assert meta_after["reason"].startswith(meta_before["reason"]) and said in meta_after["reason"]
    assert any(said in warning for warning in meta_after["warnings"]) and source_id not in meta_after["vintages"]
    assert meta_after["status"] == meta_before["status"]
    assert "UN Comtrade" not in meta_after["texts"]["source_line"]["en"]  # the source line names what is drawn
    table = pd.read_csv(project_root / "figures" / "latest" / item_id / f"{item_id}.csv", dtype=str)
    assert source_id not in set(table["source"])

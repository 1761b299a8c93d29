"""Staged writes: all of a job's outputs or none of them."""

from __future__ import annotations

import pytest

from techgap.staging import staged_to_final, staged_writes


def test_staged_files_replace_their_targets_only_on_success(tmp_path):
    figures = tmp_path / "figures"
    (figures / "fig01").mkdir(parents=True)
    (figures / "fig01" / "fig01.csv").write_text("old\n")
    (figures / "fig02").mkdir()
    (figures / "fig02" / "fig02.csv").write_text("untouched\n")

    with staged_writes(figures) as staging:
        (staging / "fig01").mkdir()
        (staging / "fig01" / "fig01.csv").write_text("new\n")
        (staging / "report" / "fig03").mkdir(parents=True)
        (staging / "report" / "fig03" / "fig03.csv").write_text("added\n")
        assert (figures / "fig01" / "fig01.csv").read_text() == "old\n"  # nothing moves before the end

    assert (figures / "fig01" / "fig01.csv").read_text() == "new\n"
    assert (figures / "report" / "fig03" / "fig03.csv").read_text() == "added\n"
    assert (figures / "fig02" / "fig02.csv").read_text() == "untouched\n"
    assert not [p for p in figures.iterdir() if p.name.startswith(".staging-")]


def test_a_failure_while_drawing_leaves_every_last_good_output(tmp_path):
    figures = tmp_path / "figures"
    (figures / "fig01").mkdir(parents=True)
    (figures / "fig01" / "fig01.csv").write_text("old\n")

    with pytest.raises(RuntimeError, match="third item"), staged_writes(figures) as staging:
        (staging / "fig01").mkdir()
        (staging / "fig01" / "fig01.csv").write_text("new\n")
        raise RuntimeError("the third item failed")

    assert (figures / "fig01" / "fig01.csv").read_text() == "old\n"
    assert [p.name for p in figures.iterdir()] == ["fig01"]


def test_staged_paths_map_to_their_final_place(tmp_path):
    staging = tmp_path / "figures" / ".staging-x"
    assert staged_to_final([str(staging / "a" / "a.csv")], staging, tmp_path / "figures") == [
        str(tmp_path / "figures" / "a" / "a.csv")
    ]

"""Settings stamps: the workflow's rerun trigger for settings (instead of params, which make every
Snakemake run import pandas). A stamp must change exactly when its value does."""

import os

import pytest

from techgap.stamps import write_stamp


def test_unchanged_value_leaves_the_file_and_its_mtime(tmp_path):
    path = tmp_path / write_stamp(tmp_path, "build/oecd_msti", {"b": [1, 2], "a": "x"})
    os.utime(path, (1_000_000, 1_000_000))
    write_stamp(tmp_path, "build/oecd_msti", {"a": "x", "b": [1, 2]})  # same value, other key order
    assert path.stat().st_mtime == 1_000_000


def test_changed_value_rewrites_the_file(tmp_path):
    path = tmp_path / write_stamp(tmp_path, "claims", {"usd_rmb": 6.7})
    os.utime(path, (1_000_000, 1_000_000))
    write_stamp(tmp_path, "claims", {"usd_rmb": 6.9})
    assert path.stat().st_mtime > 1_000_000
    assert "6.9" in path.read_text(encoding="utf-8")
    assert oct(path.stat().st_mode & 0o777) == oct(0o644)
    assert [p.name for p in path.parent.iterdir()] == ["claims.json"]  # no temporary file left


@pytest.mark.parametrize("name", ["../escape", "/abs", "a/../../b", "", "a b", "build/x\n"])
def test_names_that_leave_the_stamp_folder_are_refused(tmp_path, name):
    with pytest.raises(ValueError, match="stamp name"):
        write_stamp(tmp_path, name, {})
    assert not (tmp_path / "build").exists()

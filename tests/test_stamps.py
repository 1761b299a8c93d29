"""Settings stamps: the workflow's rerun trigger for settings (instead of params, which make every
Snakemake run import pandas). A value has one stamp, written once; another value is another stamp."""

import os

import pytest

from techgap.stamps import write_stamp


def test_the_same_value_is_the_same_untouched_file(tmp_path):
    path = tmp_path / write_stamp(tmp_path, "build/oecd_msti", {"b": [1, 2], "a": "x"})
    os.utime(path, (1_000_000, 1_000_000))
    again = write_stamp(tmp_path, "build/oecd_msti", {"a": "x", "b": [1, 2]})  # same value, other key order
    assert tmp_path / again == path and path.stat().st_mtime == 1_000_000


def test_another_value_is_another_file_and_the_first_stays(tmp_path):
    first = tmp_path / write_stamp(tmp_path, "claims", {"usd_rmb": 6.7})
    os.utime(first, (1_000_000, 1_000_000))
    second = tmp_path / write_stamp(tmp_path, "claims", {"usd_rmb": 6.9})
    assert second != first and second.parent == first.parent
    assert "6.9" in second.read_text(encoding="utf-8") and "6.7" in first.read_text(encoding="utf-8")
    assert first.stat().st_mtime == 1_000_000  # a dry run with other settings leaves the real run's stamp alone
    assert tmp_path / write_stamp(tmp_path, "claims", {"usd_rmb": 6.7}) == first  # back to the first value
    assert oct(second.stat().st_mode & 0o777) == oct(0o644)
    assert sorted(p.suffix for p in first.parent.iterdir()) == [".json", ".json"]  # no temporary file left


@pytest.mark.parametrize("name", ["../escape", "/abs", "a/../../b", "", "a b", "build/x\n"])
def test_names_that_leave_the_stamp_folder_are_refused(tmp_path, name):
    with pytest.raises(ValueError, match="stamp name"):
        write_stamp(tmp_path, name, {})
    assert not (tmp_path / "build").exists()

"""Hostile input: YAML that would run code, ids and file names that would escape their folder, and
refresh URLs outside https + refresh.allowed_hosts are all rejected, naming the bad value."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import ROOT, snapshot_dir, tree_digest

from techgap.cli import main
from techgap.config import check_id, load_project, load_yaml
from techgap.errors import FetchError, InputError
from techgap.provenance import load_provenance, open_snapshot, resolve_vintage
from techgap.refresh import Deadline, build_session, check_url, fetch, retry_policy

VINTAGE = "2026-11-27"
PYTHON_TAGS = [
    '!!python/object/apply:os.system ["echo hi > {marker}"]',
    '!!python/object/new:os.system ["echo hi > {marker}"]',
    "!!python/name:os.system",
]
ESCAPING_IDS = ["../etc", "x/../../y", "..", "isscc/../../..", "/etc", "isscc/", "ISSCC", "", "isscc\x00"]


@pytest.fixture(scope="module")
def refresh_settings():
    return load_project(ROOT).settings.refresh


# --- YAML tags --------------------------------------------------------------------------------


@pytest.mark.parametrize("tag", PYTHON_TAGS, ids=["apply", "new", "name"])
def test_python_tag_in_items_yaml_is_rejected_and_not_run(
    tag: str, project_root: Path, tmp_path: Path, capfd: pytest.CaptureFixture
) -> None:
    marker = tmp_path / "executed"
    items = project_root / "config" / "items.yaml"
    items.write_text(f"- {tag.format(marker=marker)}\n" + items.read_text(encoding="utf-8"), encoding="utf-8")

    with pytest.raises(InputError) as excinfo:
        load_yaml(items)
    assert excinfo.type is InputError
    assert excinfo.value.path == str(items)
    assert excinfo.value.line == 1
    assert "tag:yaml.org,2002:python/" in str(excinfo.value)
    with pytest.raises(InputError, match=re.escape("python/")):
        load_project(project_root)
    assert not marker.exists(), "the YAML tag was executed"
    assert "hi" not in capfd.readouterr().out


def test_python_tag_in_provenance_is_rejected_and_not_run(
    project_root: Path, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    marker = tmp_path / "executed"
    provenance = snapshot_dir(project_root, "isscc") / "provenance.yaml"
    text = provenance.read_text(encoding="utf-8")
    text, count = re.subn(r"^notes: .*$", f'notes: !!python/object/apply:os.system ["echo hi > {marker}"]', text, flags=re.M)
    assert count == 1
    provenance.write_text(text, encoding="utf-8")

    with pytest.raises(InputError) as excinfo:
        load_provenance(provenance)
    assert excinfo.type is InputError
    assert "python/object/apply:os.system" in str(excinfo.value)
    before = tree_digest(project_root / "data")
    out = project_root / "data" / "processed" / "isscc.parquet"
    assert main(["--root", str(project_root), "normalize", "isscc", str(out)]) == 2
    err = capsys.readouterr().err
    assert str(snapshot_dir(project_root.resolve(), "isscc") / "provenance.yaml") in err
    assert "python/object/apply:os.system" in err
    assert not marker.exists(), "the YAML tag was executed"
    assert tree_digest(project_root / "data") == before


# --- ids that would escape data/raw -----------------------------------------------------------


@pytest.mark.parametrize("bad", ESCAPING_IDS)
def test_check_id_rejects_escaping_ids(bad: str) -> None:
    with pytest.raises(ValueError) as excinfo:
        check_id(bad, "source id")
    assert excinfo.type is ValueError
    assert repr(bad) in str(excinfo.value)


@pytest.mark.parametrize("bad", ESCAPING_IDS)
def test_resolve_vintage_and_open_snapshot_reject_escaping_source_ids(bad: str, tmp_path: Path) -> None:
    raw = tmp_path / "project" / "data" / "raw"
    raw.mkdir(parents=True)
    for call in (
        lambda: resolve_vintage(raw, bad, {}),
        lambda: resolve_vintage(raw, bad, {bad: VINTAGE}),
        lambda: open_snapshot(raw, bad, VINTAGE),
    ):
        with pytest.raises(ValueError) as excinfo:
            call()
        assert excinfo.type is ValueError
        assert repr(bad) in str(excinfo.value)


def test_open_snapshot_rejects_escaping_vintage(project_root: Path) -> None:
    raw = project_root / "data" / "raw"
    outside = project_root / "data" / "outside"  # raw/isscc/../../outside
    outside.mkdir()
    for name in ("data.csv", "provenance.yaml"):
        (outside / name).write_bytes((snapshot_dir(project_root, "isscc") / name).read_bytes())
    with pytest.raises(ValueError, match=re.escape("../../outside")):
        open_snapshot(raw, "isscc", "../../outside")


@pytest.mark.parametrize(("pins", "bad"), [({"isscc": "../../x"}, "'../../x'"), ({"../etc": VINTAGE}, "'../etc'")])
def test_config_vintage_pins_cannot_escape(pins: dict, bad: str, project_root: Path) -> None:
    config = project_root / "config" / "config.yaml"
    ((key, value),) = pins.items()
    text, count = re.subn(
        r"^vintages: \{\}$", f'vintages: {{"{key}": "{value}"}}', config.read_text(encoding="utf-8"), flags=re.M
    )
    assert count == 1
    config.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as excinfo:
        load_project(project_root)
    assert excinfo.type is InputError
    assert excinfo.value.path == str(config)
    assert bad in str(excinfo.value)


# --- provenance payload name ------------------------------------------------------------------

BAD_PAYLOADS = ["../../secret.csv", "../data.csv", "/etc/passwd", "..\\..\\secret.csv", "sub/data.csv", ".secret.csv"]


def _provenance_with_payload(root: Path, payload: str) -> Path:
    provenance = snapshot_dir(root, "isscc") / "provenance.yaml"
    text, count = re.subn(
        r"^payload: data\.csv$", lambda _: f"payload: '{payload}'", provenance.read_text(encoding="utf-8"), flags=re.M
    )
    assert count == 1
    provenance.write_text(text, encoding="utf-8")
    return provenance


@pytest.mark.parametrize("payload", BAD_PAYLOADS)
def test_provenance_payload_outside_the_vintage_folder_is_rejected(
    payload: str, project_root: Path, capsys: pytest.CaptureFixture
) -> None:
    provenance = _provenance_with_payload(project_root, payload)
    secret = project_root / "data" / "raw" / "secret.csv"  # where ../../secret.csv points
    secret.write_bytes((snapshot_dir(project_root, "isscc") / "data.csv").read_bytes())

    with pytest.raises(InputError) as excinfo:
        load_provenance(provenance)
    assert excinfo.type is InputError
    assert excinfo.value.path == str(provenance)
    assert excinfo.value.field == "payload"
    assert "plain file name inside the vintage folder" in str(excinfo.value)
    out = project_root / "data" / "processed" / "isscc.parquet"
    assert main(["--root", str(project_root), "normalize", "isscc", str(out)]) == 2
    assert "field 'payload'" in capsys.readouterr().err
    assert not out.exists()


def test_provenance_payload_error_names_the_bad_value(project_root: Path) -> None:
    provenance = _provenance_with_payload(project_root, "../../secret.csv")
    with pytest.raises(InputError, match=re.escape("../../secret.csv")):
        load_provenance(provenance)


# --- item ids ---------------------------------------------------------------------------------


@pytest.mark.parametrize("bad", ["fig/01", "../fig01", "fig01/../../x", "..\\fig01"])
def test_item_id_with_a_slash_is_rejected(bad: str, project_root: Path) -> None:
    items = project_root / "config" / "items.yaml"
    text, count = re.subn(r"^- id: fig01$", lambda _: f"- id: '{bad}'", items.read_text(encoding="utf-8"), flags=re.M)
    assert count == 1
    items.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as excinfo:
        load_project(project_root)
    assert excinfo.type is InputError
    assert excinfo.value.path == str(items)
    assert excinfo.value.field == "id"
    assert repr(bad) in str(excinfo.value)


def test_item_group_with_a_slash_is_rejected(project_root: Path) -> None:
    items = project_root / "config" / "items.yaml"
    text, count = re.subn(r"^(- id: fig01)$", r"\1\n  group: ../figures", items.read_text(encoding="utf-8"), flags=re.M)
    assert count == 1
    items.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as excinfo:
        load_project(project_root)
    assert excinfo.type is InputError
    assert "'../figures'" in str(excinfo.value)


# --- refresh URLs -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "named"),
    [
        ("http://sdmx.oecd.org/public/rest/data/x", "http://sdmx.oecd.org/public/rest/data/x"),
        ("http://api.worldbank.org/v2/country/CHN/indicator/GB.XPD.RSDV.GD.ZS", "http://api.worldbank.org/v2/country/CHN"),
        ("ftp://api.worldbank.org/v2", "ftp://api.worldbank.org/v2"),
        ("file:///etc/passwd", "file:///etc/passwd"),
        ("//sdmx.oecd.org/public", "//sdmx.oecd.org/public"),
        ("https://evil.example/public/rest/data/x", "'evil.example'"),
        ("https://sdmx.oecd.org.evil.example/x", "'sdmx.oecd.org.evil.example'"),
        ("https://sdmx.oecd.org@evil.example/x", "'evil.example'"),
        ("https://api.worldbank.org:443@evil.example/v2", "'evil.example'"),
        ("https://127.0.0.1/x", "'127.0.0.1'"),
        ("https://169.254.169.254/latest/meta-data/", "'169.254.169.254'"),
        ("https://localhost/x", "'localhost'"),
    ],
)
def test_refresh_url_outside_https_and_allowed_hosts_is_rejected(url: str, named: str, refresh_settings) -> None:
    with pytest.raises(ValueError) as excinfo:
        check_url(url, refresh_settings)
    assert excinfo.type is ValueError
    assert named in str(excinfo.value)


def test_configured_refresh_urls_are_allowed(refresh_settings) -> None:
    assert refresh_settings.sources
    for source in refresh_settings.sources.values():
        check_url(source.url, refresh_settings)


@pytest.mark.parametrize("location", ["http://sdmx.oecd.org/x", "https://evil.example/x"])
def test_redirect_outside_allowed_hosts_is_not_followed(location: str, refresh_settings) -> None:
    from fixtures.replay import ReplayServer, Reply, loopback

    url = next(iter(refresh_settings.sources.values())).url
    with ReplayServer() as server:
        server.route("/", Reply(302, b"", {"Location": location}))
        session = build_session(retry_policy(refresh_settings, Deadline(10)), loopback(server))
        with pytest.raises(FetchError, match="redirect refused") as excinfo:
            fetch(session, url, {}, {}, refresh_settings, Deadline(10))
    assert excinfo.type is FetchError
    assert len(server.seen) == 1, "the refused location was requested"
    assert (location if location.startswith("http:") else "'evil.example'") in str(excinfo.value)

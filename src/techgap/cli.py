"""Command line used by the Snakemake rules (thin adapters) and by people.

    python -m techgap normalize SOURCE_ID OUT.parquet
    python -m techgap render GROUP
    python -m techgap manifest
    python -m techgap refresh [SOURCE_ID ...]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from techgap.errors import FetchError, InputError


def _normalize(args: argparse.Namespace) -> None:
    from techgap.config import load_project
    from techgap.io import write_parquet
    from techgap.normalize import normalize_source

    project = load_project(args.root)
    frame = normalize_source(project, args.source_id, args.vintage)
    write_parquet(args.out, frame)


def _render(args: argparse.Namespace) -> None:
    from techgap.config import load_project
    from techgap.render.items import render_items

    project = load_project(args.root)
    groups = project.groups()
    if args.group not in groups:
        raise SystemExit(f"unknown render group {args.group!r}; known: {', '.join(sorted(groups))}")
    render_items(project, groups[args.group])


def _build_group(args: argparse.Namespace) -> None:
    from techgap.build import build_group
    from techgap.config import load_project

    project = load_project(args.root)
    if args.group not in project.groups():
        raise SystemExit(f"unknown group {args.group!r}; known: {', '.join(sorted(project.groups()))}")
    build_group(project, args.group)


def _manifest(args: argparse.Namespace) -> None:
    from techgap.config import load_project
    from techgap.manifest import write_manifest

    write_manifest(load_project(args.root))


def _refresh(args: argparse.Namespace) -> None:
    from techgap.config import load_project
    from techgap.refresh import refresh_sources

    project = load_project(args.root)
    results = refresh_sources(project, args.source_ids or None)
    failed = [r for r in results if not r.ok]
    for result in results:
        print(result.message)
    if failed:
        raise SystemExit(1)


def _claims(args: argparse.Namespace) -> None:
    from techgap.claims import write_ledger
    from techgap.config import load_project

    ledger = write_ledger(load_project(args.root), check=args.check, previous=args.previous)
    if args.check:
        for _, row in ledger.iterrows():
            print(f"{row['status']:<13} {row['id']:<40} stated {row['stated']:g} computed {row['computed']:.6g} {row['detail']}")
        print(ledger["status"].value_counts().to_string())


def _readme(args: argparse.Namespace) -> None:
    import json

    from techgap.io import write_text
    from techgap.manifest import readme_with_table

    readme = args.root / "README.md"
    manifest = json.loads((args.root / "figures" / "manifest.json").read_text(encoding="utf-8"))
    write_text(readme, readme_with_table(readme.read_text(encoding="utf-8"), manifest))


def _drift(args: argparse.Namespace) -> None:
    from techgap.config import load_project
    from techgap.drift import write_drift

    write_drift(load_project(args.root))


def _checksums(args: argparse.Namespace) -> None:
    from techgap.config import load_project
    from techgap.provenance import checksum_log, record_checksum

    project = load_project(args.root)
    added = record_checksum(project.raw_dir, args.source_id, args.vintage)
    state = "recorded in" if added else "already in"
    print(f"{args.source_id}/{args.vintage} {state} {checksum_log(project.raw_dir, args.source_id)}")


def _font(args: argparse.Namespace) -> None:
    from techgap.render.style import extract_font

    extract_font(args.out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="techgap")
    parser.add_argument("--root", default=".", type=Path, help="project folder (default: .)")
    parser.add_argument("--log", type=Path, help="also write errors to this file (Snakemake's log)")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("normalize", help="validate one source's snapshot and write its processed table")
    p.add_argument("source_id")
    p.add_argument("out", type=Path)
    p.add_argument("--vintage")
    p.set_defaults(func=_normalize)
    p = sub.add_parser("render", help="draw every item of one render group in both languages")
    p.add_argument("group")
    p.set_defaults(func=_render)
    p = sub.add_parser("build-group", help="normalize a group's sources and draw its items, in one process")
    p.add_argument("group")
    p.set_defaults(func=_build_group)
    p = sub.add_parser("manifest", help="write figures/manifest.json and figures/index.html")
    p.set_defaults(func=_manifest)
    p = sub.add_parser("claims", help="evaluate config/claims.yaml into figures/claims.csv and claims.md")
    p.add_argument("--check", action="store_true", help="print the ledger, computed straight from raw data")
    p.add_argument("--previous", help="an earlier claims.csv to report status changes against")
    p.set_defaults(func=_claims)
    p = sub.add_parser("readme", help="refresh README.md's table of items from figures/manifest.json")
    p.set_defaults(func=_readme)
    p = sub.add_parser("drift", help="write figures/drift.csv and drift.md: changes between vintages")
    p.set_defaults(func=_drift)
    p = sub.add_parser("checksums", help="append a new vintage's checksums to data/checksums/SOURCE.log")
    p.add_argument("source_id")
    p.add_argument("vintage")
    p.set_defaults(func=_checksums)
    p = sub.add_parser("font", help="extract the Traditional Chinese face of Noto Sans CJK to OUT")
    p.add_argument("out", type=Path)
    p.set_defaults(func=_font)
    p = sub.add_parser("refresh", help="download a new vintage from the sources' APIs")
    p.add_argument("source_ids", nargs="*")
    p.set_defaults(func=_refresh)
    args = parser.parse_args(argv)
    if args.log:
        args.log.parent.mkdir(parents=True, exist_ok=True)
        args.log.write_text("")
    try:
        args.func(args)
    # ValueError: a bad id or vintage given on the command line; OSError: a full disk or read-only folder
    except (InputError, FetchError, ValueError, OSError) as exc:
        message = f"error: {exc}"
        print(message, file=sys.stderr)
        if args.log:
            args.log.write_text(message + "\n", encoding="utf-8")
        return 2
    return 0

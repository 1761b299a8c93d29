"""Command line used by the Snakemake rules (thin adapters) and by people.

    techgap status                          sources, vintages in use, item statuses
    techgap build-group GROUP               normalize a group's sources and draw its items
    techgap render ITEM_OR_GROUP            redraw one item (or a group); writes only if all drawings succeed
    techgap export --xlsx PATH --csv-dir DIR   every item's data for spreadsheets
    techgap claims --check | refresh | drift | manifest | package | normalize | schema | data-terms
    techgap review                          figures/review.html: what differs from the accepted outputs
    techgap changelog [-m WHY]              accept the outputs: a CHANGELOG.md entry (scripts/accept.sh)

Every command logs to `--log FILE` (the rule's log) and, concisely, to stderr (`-v` for more).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from techgap.errors import FetchError, InputError
from techgap.logs import get_logger, log_read, log_written, setup_logging

if TYPE_CHECKING:
    import pandas as pd

    from techgap.config import ItemSpec, Project

log = get_logger("cli")


def package_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("techgap")
    except PackageNotFoundError:  # running from a source tree that was not installed
        return "unknown (not installed)"


def _normalize(args: argparse.Namespace) -> None:
    from techgap.io import write_parquet
    from techgap.normalize import normalize_source

    project = project_of(args)
    frame = normalize_source(project, args.source_id, args.vintage)
    log_read(log, args.source_id, frame)
    write_parquet(args.out, frame)
    log_written(log, [args.out])


def items_to_render(project: Project, name: str) -> list[ItemSpec]:
    """An item id (its own item only) or a render group name (all its items)."""
    groups = project.groups()
    if name in groups:
        return groups[name]
    for item in project.items:
        if item.id == name:
            if not item.renders:
                raise ValueError(f"item {name} is {item.status}: nothing to draw ({item.status_reason})")
            return [item]
    raise ValueError(
        f"unknown item or group {name!r}; items: {', '.join(i.id for i in project.items if i.renders)}; "
        f"groups: {', '.join(sorted(groups))}"
    )


def _render(args: argparse.Namespace) -> None:
    from techgap.build import render_only

    project = project_of(args)
    items = items_to_render(project, args.target)
    log.info("drawing %s (files are replaced only when every drawing succeeded)", ", ".join(item.id for item in items))
    log_written(log, render_only(project, items))


def _build_group(args: argparse.Namespace) -> None:
    from techgap.build import build_group
    from techgap.editions import available
    from techgap.provenance import resolve_vintage

    project = project_of(args)
    if args.group not in project.groups():
        raise ValueError(f"unknown group {args.group!r}; known: {', '.join(sorted(project.groups()))}")
    for source_id in project.group_sources(args.group):
        if not available(project, source_id):  # an API source before its first refresh
            log.info("%s has no vintage yet; the items' selections of it are skipped", source_id)
            continue
        vintage = resolve_vintage(project.raw_dir, source_id, project.settings.vintages)
        log.info("reading %s vintage %s", source_id, vintage)
    log.info("items: %s", ", ".join(item.id for item in project.groups()[args.group]))
    log_written(log, build_group(project, args.group))


def _manifest(args: argparse.Namespace) -> None:
    from techgap.manifest import write_manifest

    project = project_of(args)
    write_manifest(project)
    log_written(log, [project.figures_dir / "manifest.json", project.figures_dir / "index.html"])


def _refresh(args: argparse.Namespace) -> None:
    """One summary line per source (new vintage with its row count / unchanged / failed and why); a
    non-zero exit if any source failed. Progress goes to stderr so that a slow API is visibly working."""
    from techgap.refresh import refresh_sources

    project = project_of(args)
    wanted = args.source_ids or sorted(project.settings.refresh.sources)
    results = []
    for source_id in wanted:
        print(f"refreshing {source_id} ...", file=sys.stderr, flush=True)
        results.extend(refresh_sources(project, [source_id]))
    print("refresh summary:")
    for result in results:
        print(f"  {result.status.upper():<9} {result.message}")
    failed = [r.source_id for r in results if not r.ok]
    if failed:
        if args.log:
            args.log.write_text("\n".join(r.message for r in results) + "\n", encoding="utf-8")
        raise SystemExit(f"refresh failed for {len(failed)} of {len(results)} source(s): {', '.join(failed)}")


def _claims(args: argparse.Namespace) -> None:
    from techgap.claims import build_ledger, summary_line, write_ledger

    project = project_of(args)
    comparing = args.previous is not None
    ledger = build_ledger(
        project,
        previous=None if args.previous in (None, "vintage") else args.previous,
        against_previous_vintage=args.previous == "vintage",
    )
    if args.check:
        print("\n".join(check_lines(ledger.checks, args.status)))
    if comparing:
        changes = ledger.changes
        if changes is None or changes.empty:
            print("no statement changed")
        else:
            for statement_id, rows in changes.groupby("statement", sort=False, dropna=False):
                print(f"{statement_id}:")
                for _, row in rows.iterrows():
                    print(
                        f"  {row['id']}: {row['status_previous']} ({row['computed_previous']:.6g}) -> "
                        f"{row['status']} ({row['computed']:.6g})"
                    )
    if args.check or comparing:
        print(summary_line(ledger.statements))
    if args.write or not (args.check or comparing):
        write_ledger(project, ledger)
        log.info("ledger: %s", summary_line(ledger.statements))
        log_written(log, [project.figures_dir / name for name in ("claims.csv", "claims_checks.csv", "claims.md")])


def claim_verdicts() -> tuple[str, ...]:
    from techgap.claims import VERDICTS

    return VERDICTS


def claim_verdict(text: str) -> str:
    """A verdict as the pages word it ('not checked') or as the ledger's files store it ('uncheckable')."""
    from techgap.vocabulary import VERDICTS

    return next((key for key, term in VERDICTS.items() if text == term.en), text)


def check_lines(checks: pd.DataFrame, statuses: list[str] | None = None) -> list[str]:
    """`claims --check`: a header, then one line per check (only those of ``statuses`` when given)."""
    shown = checks if not statuses else checks[checks["status"].isin(statuses)]
    lines = [f"{'verdict':<13} {'check':<40} stated / computed / detail"]
    for _, row in shown.iterrows():
        numbers = f"stated {row['stated']:g} computed {row['computed']:.6g}"
        lines.append(f"{row['status']:<13} {row['id']:<40} {numbers} {row['detail']}")
    if statuses:
        lines.append(f"({len(shown)} of {len(checks)} checks: {', '.join(statuses)})")
    return lines


def _readme(args: argparse.Namespace) -> None:
    import json

    from techgap.io import write_text
    from techgap.manifest import readme_with_table

    readme = args.root / "README.md"
    manifest = json.loads((args.root / "figures" / "manifest.json").read_text(encoding="utf-8"))
    write_text(readme, readme_with_table(readme.read_text(encoding="utf-8"), manifest))
    log_written(log, [readme])


def _drift(args: argparse.Namespace) -> None:
    from techgap.drift import write_drift

    project = project_of(args)
    report = write_drift(project)
    log.info("drift: %d changed values between vintages", len(report))
    log_written(log, [project.figures_dir / "drift.csv", project.figures_dir / "drift.md"])


def _review(args: argparse.Namespace) -> None:
    from techgap.review import write_review

    log_written(log, [write_review(project_of(args))])


def _changelog(args: argparse.Namespace) -> None:
    """Accept the outputs as they are: a CHANGELOG.md entry (scripts/accept.sh runs this after its rebuild)."""
    import datetime as dt

    from techgap.changelog import CHANGELOG_FILE, NothingToAccept, WhyNeeded, accept, record_problems

    project = project_of(args)
    if args.check:
        problems = record_problems(project.root, project.figures_dir, project.raw_dir)
        print("\n".join(problems) if problems else f"{CHANGELOG_FILE} accounts for every output and vintage")
        if problems:
            raise SystemExit(1)
        return
    day = dt.date.fromisoformat(args.date) if args.date else dt.date.today()  # a person's action, not the build's
    try:
        entry, comparisons = accept(
            project.root, project.figures_dir, project.raw_dir, args.message or "", day, [i.id for i in project.items]
        )
    except NothingToAccept as exc:
        print(exc)
        return
    except WhyNeeded as exc:
        raise SystemExit(f"techgap changelog: {exc}") from None
    print(entry)
    log_written(log, [project.root / CHANGELOG_FILE])


# Documents with a part made from the code or the data, between two markers; `techgap kinds` and `techgap data-terms`
# rewrite it, and a test keeps each current.
KINDS_DOC = (Path("docs") / "figures.md", ("<!-- kinds:start -->", "<!-- kinds:end -->"))
TERMS_DOC = (Path("docs") / "data-terms.md", ("<!-- terms:start -->", "<!-- terms:end -->"))


def with_generated_part(text: str, doc: tuple[Path, tuple[str, str]], part: str) -> str:
    """``text`` (of ``doc``) with the part between its markers replaced by ``part``."""
    path, (start, end) = doc
    if start not in text or end not in text:
        raise ValueError(f"{path}: the markers {start} and {end} are missing")
    before, rest = text.split(start, 1)
    after = rest.split(end, 1)[1]
    return f"{before}{start}\n{part.rstrip()}\n{end}{after}"


def kinds_part() -> str:
    """docs/figures.md's table of chart kinds and their keys, from the models (techgap.kinds)."""
    from techgap.kinds import reference_markdown

    return reference_markdown()


def terms_part(project: Project) -> str:
    """docs/data-terms.md's table of each source's licence or terms, from provenance."""
    from techgap.export import data_terms_table

    return data_terms_table(project)


def _rewrite(root: Path, doc: tuple[Path, tuple[str, str]], part: str) -> None:
    from techgap.io import write_text

    target = root / doc[0]
    write_text(target, with_generated_part(target.read_text(encoding="utf-8"), doc, part))
    log_written(log, [target])


def _kinds(args: argparse.Namespace) -> None:
    _rewrite(args.root, KINDS_DOC, kinds_part())


def _package(args: argparse.Namespace) -> None:
    from techgap.datapackage import write_package

    log_written(log, write_package(project_of(args)))


def _annotate(args: argparse.Namespace) -> None:
    from techgap.annotate import write_annotated_report

    project = project_of(args)
    write_annotated_report(project)
    log_written(log, [project.figures_dir / "report.html", project.figures_dir / "report.md"])


def _checksums(args: argparse.Namespace) -> None:
    from techgap.provenance import checksum_log, record_checksum, record_correction

    project = project_of(args)
    log_path = checksum_log(project.raw_dir, args.source_id)
    if args.correction is not None:
        record_correction(project.raw_dir, args.source_id, args.vintage, args.correction)
        print(f"{args.source_id}/{args.vintage}: the correction of its provenance.yaml is recorded in {log_path}")
        return
    added = record_checksum(project.raw_dir, args.source_id, args.vintage)
    state = "recorded in" if added else "already in"
    print(f"{args.source_id}/{args.vintage} {state} {log_path}")


def _font(args: argparse.Namespace) -> None:
    from techgap.render.style import extract_font

    log_written(log, [extract_font(args.out)])


def source_status(project: Project) -> list[dict[str, str]]:
    """Per source: the vintage in use, why (newest or pinned), and newer vintages a pin holds back."""
    from techgap.provenance import list_vintages

    rows = []
    for source_id in sorted(project.sources):
        vintages = list_vintages(project.raw_dir, source_id)
        pinned = project.settings.vintages.get(source_id)
        if pinned is not None:
            in_use, why = pinned, "pinned" if pinned in vintages else "pinned, MISSING"
        else:
            in_use, why = (vintages[-1] if vintages else "-"), ("newest" if vintages else "no vintage")
        newer = [v for v in vintages if v > in_use] if in_use != "-" else []
        rows.append(
            {
                "source": source_id,
                "vintage": in_use,
                "why": why,
                "newer": ", ".join(newer) or "-",
                "vintages": str(len(vintages)),
                "report": project.settings.report_pins().get(source_id, "-"),
            }
        )
    return rows


def _table(rows: list[dict[str, str]], columns: list[str]) -> list[str]:
    widths = {c: max([len(c)] + [len(row[c]) for row in rows]) for c in columns}
    lines = ["  ".join(c.ljust(widths[c]) for c in columns).rstrip()]
    lines += ["  ".join(row[c].ljust(widths[c]) for c in columns).rstrip() for row in rows]
    return lines


def status_text(project: Project) -> str:
    """What `techgap status` prints: sources and their vintages, then items and their statuses."""
    from collections import Counter

    from techgap.editions import declared_status

    sources = source_status(project)
    items = [
        {
            "item": item.id,
            "kind": item.kind,
            "report": declared_status(project, item, "report"),
            "latest": declared_status(project, item, "latest"),
            "group": item.render_group if item.renders else "-",
            "sources": ", ".join(item.sources),
        }
        for item in project.items
    ]
    counts = {edition: Counter(item[edition] for item in items) for edition in ("report", "latest")}
    lines = [
        f"techgap {package_version()} - project {project.root}",
        "",
        f"Sources ({len(sources)}): vintage the latest edition reads and why (newest on disk or pinned in "
        "config/config.yaml: vintages); report: the vintage the report edition is pinned to (report_vintages)",
        *_table(sources, ["source", "vintage", "why", "newer", "vintages", "report"]),
        "",
        f"Items ({len(items)}), report edition: "
        + ", ".join(f"{s} {n}" for s, n in sorted(counts["report"].items()))
        + "; latest edition: "
        + ", ".join(f"{s} {n}" for s, n in sorted(counts["latest"].items())),
        *_table(items, ["item", "kind", "report", "latest", "group", "sources"]),
    ]
    return "\n".join(lines) + "\n"


def _status(args: argparse.Namespace) -> None:
    if not args.configfile:
        sys.stdout.write(status_text(project_of(args)))
        return
    from techgap.config import load_project
    from techgap.schema import check_settings, merged_settings, settings_layers

    layers = settings_layers(args.root / "config" / "config.yaml", args.configfile)
    settings = merged_settings(layers)
    check_settings(settings, layers)
    sys.stdout.write(f"Settings: {' + '.join(layer.origin for layer in layers)}\n")
    sys.stdout.write(status_text(load_project(args.root, settings)))


def _export(args: argparse.Namespace) -> None:
    from techgap.export import check_csv_dir_target, check_xlsx_target, export_csv_dir, export_xlsx

    if args.xlsx is None and args.csv_dir is None:
        raise ValueError("export: say where to write: --xlsx PATH and/or --csv-dir DIR")
    project = project_of(args)
    if args.xlsx is not None:  # both destinations checked before either is written
        check_xlsx_target(project, args.xlsx)
    if args.csv_dir is not None:
        check_csv_dir_target(project, args.csv_dir)
        if args.xlsx is not None and args.xlsx.resolve().is_relative_to(args.csv_dir.resolve()):
            raise ValueError(
                f"export: --xlsx {args.xlsx} is inside --csv-dir {args.csv_dir}, which must be new or empty; "
                "write the workbook to a .xlsx file outside that folder and outside the project's figures/ and data/"
            )
    if args.xlsx is not None:
        tables = export_xlsx(project, args.xlsx)
        print(f"wrote {args.xlsx}: {len(tables)} item sheets and a sources sheet")
    if args.csv_dir is not None:
        written = export_csv_dir(project, args.csv_dir)
        print(f"wrote {len(written)} CSV files (UTF-8 with BOM) to {args.csv_dir}")


def _schema(args: argparse.Namespace) -> None:
    from techgap.io import write_text
    from techgap.schema import SCHEMA_RELATIVE_PATH, schema_text

    target = args.root / SCHEMA_RELATIVE_PATH
    write_text(target, schema_text())
    log_written(log, [target])


def _data_terms(args: argparse.Namespace) -> None:
    _rewrite(args.root, TERMS_DOC, terms_part(project_of(args)))


def project_of(args: argparse.Namespace) -> Project:
    """The validated project, with the settings file the workflow passed (--settings), if any."""
    from techgap.config import load_project

    settings = json.loads(args.settings.read_text(encoding="utf-8")) if args.settings else None
    return load_project(args.root, settings)


def refresh_sources_epilog(root: Path) -> str:
    """The sources `techgap refresh` can refresh, from config/config.yaml: refresh.sources (never a list of its own)."""
    from techgap.refresh import cli_sources

    where = root / "config" / "config.yaml"
    try:
        sources = cli_sources(root)
    except (InputError, OSError) as exc:
        return f"sources: {where} could not be read ({exc})"
    if not sources:
        return f"sources: none ({where} lists no refresh.sources)"
    width = max(len(source_id) for source_id, _, _ in sources)
    lines = [f"sources it can refresh ({where}: refresh.sources):"]
    lines += [f"  {source_id:<{width}}  {title} [{client}]" for source_id, client, title in sources]
    return "\n".join(lines)


def _with_epilog(parser: argparse.ArgumentParser, epilog: Callable[[], str]) -> Callable[[], str]:
    """``parser``'s format_help with ``epilog()`` made when help is shown, not on every command."""
    plain = parser.format_help

    def format_help() -> str:
        parser.epilog = epilog()
        return plain()

    return format_help


def build_parser(root: Path | None = None) -> argparse.ArgumentParser:
    """The command line; ``root``: the project whose config `refresh --help` lists (default: --root in the command
    line, else the current folder)."""
    root = Path(".") if root is None else Path(root)
    parser = argparse.ArgumentParser(
        prog="techgap",
        description="Rebuild, check and export the NDC 2023 report's figures and tables from cited, versioned data.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {package_version()}")
    parser.add_argument("--root", default=".", type=Path, help="project folder (default: the current folder)")
    parser.add_argument(
        "--log",
        type=Path,
        help="write the full record (what was read and written, warnings, "
        "tracebacks) to this file; Snakemake passes each rule's {log}",
    )
    parser.add_argument(
        "--settings",
        type=Path,
        metavar="JSON",
        help="the settings to use instead of config/config.yaml (the workflow passes every job the settings Snakemake "
        "was given, --config and --configfile included)",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="also print progress (not only warnings and errors)")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    p = sub.add_parser("status", help="list sources (vintage in use and why, newer vintages) and items with their status")
    p.add_argument(
        "--configfile",
        action="append",
        type=Path,
        metavar="FILE",
        help="settings file(s) on top of config/config.yaml, as `snakemake --configfile FILE` applies them: shows what "
        "that run would read, and names the file, line and field of a bad value (Snakemake reads such a file with "
        "its own loader first, which stops at an impossible date without naming either)",
    )
    p.set_defaults(func=_status)
    p = sub.add_parser("normalize", help="validate one source's snapshot and write its processed table")
    p.add_argument("source_id", metavar="SOURCE_ID", help="a source folder under data/raw/, e.g. oecd_msti")
    p.add_argument("out", type=Path, metavar="OUT", help="the parquet file to write")
    p.add_argument("--vintage", help="YYYY-MM-DD folder to read (default: the pinned or newest vintage)")
    p.set_defaults(func=_normalize)
    p = sub.add_parser(
        "render", help="redraw one item (or a group), both editions and languages; files are replaced only if all succeed"
    )
    p.add_argument("target", metavar="ITEM_OR_GROUP", help="an item id such as fig02, or a group name (see `status`)")
    p.set_defaults(func=_render)
    p = sub.add_parser("build-group", help="normalize a group's sources and draw its items, in one process")
    p.add_argument("group", metavar="GROUP", help="a render group: the items that read the same sources")
    p.set_defaults(func=_build_group)
    p = sub.add_parser("manifest", help="write figures/manifest.json and figures/index.html")
    p.set_defaults(func=_manifest)
    p = sub.add_parser("claims", help="evaluate config/claims.yaml into figures/claims.csv, claims_checks.csv, claims.md")
    p.add_argument("--check", action="store_true", help="print every check's verdict; write nothing")
    p.add_argument(
        "--status",
        action="append",
        type=claim_verdict,
        choices=claim_verdicts(),
        help="with --check, print only the checks with this verdict (repeat for several); 'not checked' is uncheckable",
    )
    p.add_argument(
        "--previous",
        nargs="?",
        const="vintage",
        metavar="CLAIMS_CHECKS_CSV",
        help="print the statements whose checks changed (verdict, or value beyond the check's tolerance) "
        "against an earlier claims_checks.csv, or without a file against each source's previous "
        "vintage; writes nothing unless --write",
    )
    p.add_argument("--write", action="store_true", help="with --check or --previous, also write the ledger files")
    p.set_defaults(func=_claims)
    p = sub.add_parser("annotate", help="write figures/report.html and report.md: the report's text with the ledger's verdicts")
    p.set_defaults(func=_annotate)
    p = sub.add_parser("readme", help="refresh README.md's table of items from figures/manifest.json")
    p.set_defaults(func=_readme)
    p = sub.add_parser("drift", help="write figures/drift.csv and drift.md: changes between vintages")
    p.set_defaults(func=_drift)
    p = sub.add_parser(
        "review", help="write figures/review.html: every item edition that differs from the accepted outputs (CHANGELOG.md)"
    )
    p.set_defaults(func=_review)
    p = sub.add_parser("changelog", help="accept the outputs as they are: add a CHANGELOG.md entry (scripts/accept.sh runs it)")
    p.add_argument("-m", "--message", help="why the outputs changed (needed when the report edition changed)")
    p.add_argument("--date", metavar="YYYY-MM-DD", help="the entry's date (default: today)")
    p.add_argument("--check", action="store_true", help="only check that CHANGELOG.md accounts for every output and vintage")
    p.set_defaults(func=_changelog)
    p = sub.add_parser(
        "package", help="write figures/data/series.csv and .parquet (every normalized series) and figures/datapackage.json"
    )
    p.set_defaults(func=_package)
    p = sub.add_parser("checksums", help="append a new vintage's checksums to data/checksums/SOURCE.log")
    p.add_argument("source_id", help="the source whose new vintage to record (a folder under data/raw/)")
    p.add_argument("vintage", help="the new vintage (YYYY-MM-DD folder name)")
    p.add_argument(
        "--correction",
        metavar="WHY",
        help="record that this vintage's provenance.yaml was corrected, and why (its payload is never changed); "
        "figures/drift.md lists every correction",
    )
    p.set_defaults(func=_checksums)
    p = sub.add_parser("font", help="extract the Traditional Chinese face of Noto Sans CJK to OUT")
    p.add_argument("out", type=Path, metavar="OUT", help="the .otf file to write")
    p.set_defaults(func=_font)
    p = sub.add_parser(
        "refresh",
        help="download a new vintage from the sources' APIs (`refresh --help` lists them)",
        description="Download a new dated vintage of each source from its API into data/raw/<source>/<date>/; "
        "then run snakemake.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "source_ids",
        nargs="*",
        metavar="SOURCE_ID",
        help="sources to refresh (default: all of them, listed below from config/config.yaml: refresh.sources)",
    )
    p.set_defaults(func=_refresh)
    p.format_help = _with_epilog(p, lambda: refresh_sources_epilog(root))  # read from config only when help is shown
    p = sub.add_parser("export", help="write every item's data to one .xlsx and/or UTF-8-with-BOM CSVs for Excel")
    p.add_argument("--xlsx", type=Path, metavar="PATH", help="the workbook to write (a .xlsx file outside figures/ and data/)")
    p.add_argument(
        "--csv-dir", type=Path, metavar="DIR", help="a new or empty folder outside figures/ and data/ for one CSV per item"
    )
    p.set_defaults(func=_export)
    p = sub.add_parser("kinds", help="regenerate the table of chart kinds and their keys in docs/figures.md from the models")
    p.set_defaults(func=_kinds)
    p = sub.add_parser("schema", help="regenerate workflow/schemas/config.schema.json from the settings model")
    p.set_defaults(func=_schema)
    p = sub.add_parser("data-terms", help="regenerate the table of each source's licence or terms in docs/data-terms.md")
    p.set_defaults(func=_data_terms)
    return parser


def main(argv: list[str] | None = None) -> int:
    early = argparse.ArgumentParser(add_help=False)
    early.add_argument("--root", default=".", type=Path)
    args = build_parser(early.parse_known_args(argv)[0].root).parse_args(argv)
    logger = setup_logging(args.log, args.verbose)
    logger.debug(
        "techgap %s (%s): %s", package_version(), Path(__file__).parent, " ".join(sys.argv[1:] if argv is None else argv)
    )
    where = f" (details in {args.log})" if args.log else ""
    try:
        args.func(args)
    # ValueError: a bad id or vintage given on the command line; OSError: a full disk or read-only folder
    except (InputError, FetchError, ValueError, OSError) as exc:
        logger.error("%s%s", exc, where, exc_info=True)
        return 2
    except Exception as exc:
        logger.critical("%s failed: %s: %s%s", args.command, type(exc).__name__, exc, where, exc_info=True)
        return 1
    # The code this job ran, for the record (and for the test that every job's code inputs cover it).
    logger.debug("%s ran the modules: %s", args.command, " ".join(sorted(m for m in sys.modules if m.split(".")[0] == "techgap")))
    logger.debug("%s done", args.command)
    return 0

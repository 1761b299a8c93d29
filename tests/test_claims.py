"""The claims ledger. Each verdict kind on a small fixture (the rules, not the data), statements judged by
their weakest checked part, malformed entries rejected with statement and field named, changes between two
runs judged by each check's tolerance, the command line writing nothing unless asked, and on the project's
own ledger: every quote is in the report, coverage, and no check that no plausible value could break."""

from __future__ import annotations

import copy
import math
import types

import pandas as pd
import pytest
import yaml
from conftest import ROOT

from techgap.annotate import load_report_text, locate
from techgap.claims import (
    CHECK_COLUMNS,
    Check,
    build_ledger,
    can_fail,
    compare_vintages,
    evaluate,
    load_claims,
    part_verdicts,
    streak,
    summarize_statements,
    summary_line,
    to_markdown,
    vacuous_checks,
    weakest_part,
)
from techgap.config import load_project
from techgap.errors import InputError


@pytest.fixture(scope="module")
def project():
    return load_project(ROOT)


def frame(rows):
    """Long-table rows (entity, indicator, period, value, document); the first document of a key is preferred."""
    out = pd.DataFrame(rows, columns=["entity_code", "indicator", "period", "value", "document"])
    out["category"] = ""
    out["label"] = ""
    out["preferred"] = ~out.duplicated(["entity_code", "indicator", "period"], keep="first")
    return out


PAPERS = "isscc_accepted_papers"
FRAMES = {
    "isscc": frame(
        [
            ("CHN", PAPERS, "2022", 29.0, "nikkei"),
            ("USA", PAPERS, "2022", 69.0, "nikkei"),
            ("KOR", PAPERS, "2022", 41.0, "nikkei"),
            ("CHN", PAPERS, "2023", 59.0, "ieee_2023"),
            ("WORLD", PAPERS, "2023", 198.0, "ieee_2023"),
            ("CHN", PAPERS, "2021", 45.0, "ndc2023_text"),  # only the report's own number
            ("JPN", PAPERS, "2023", 12.0, "ieee_2023"),
            ("JPN", PAPERS, "2023", 14.0, "ieee_2024_recount"),  # a later release
            ("KOR", PAPERS, "2023", 32.0, "ieee_2024_recount"),  # held only in a later release
            ("CHN", PAPERS, "2019", 8.0, "a"),
            ("CHN", PAPERS, "2020", 11.0, "a"),
        ]
    )
}


def x(**selector):
    return {"source": "isscc", "indicator": PAPERS, **selector}


def value(**selector):
    return {"function": "value", "args": {"x": x(**selector)}}


def statement(statement_id, *checks, quote="q"):
    return {"id": statement_id, "section": "s", "quote": quote, "checks": list(checks)}


def check(check_id, stated, **fields):
    return {"id": check_id, "stated": stated, "unit": "papers", **fields}


FIXTURE = [
    statement("supported", check("china_59", 59, compute=value(entity="CHN", period="2023"))),
    statement(
        "share",
        check(
            "china_share",
            29.8,
            tolerance=0.05,
            compute={
                "function": "share",
                "args": {"part": x(entity="CHN", period="2023"), "total": x(entity="WORLD", period="2023")},
            },
        ),
    ),
    statement("consistent", check("china_2021", 45, compute=value(entity="CHN", period="2021"))),
    statement("contradicted", check("china_45", 45, compute=value(entity="CHN", period="2022"))),
    statement("self_contradicted", check("china_2021_50", 50, compute=value(entity="CHN", period="2021"))),
    statement(
        "revised",
        check(
            "japan_12",
            12,
            compute=value(entity="JPN", period="2023", document="ieee_2023"),
            later=[value(entity="JPN", period="2023", document="ieee_2024_recount")],
        ),
    ),
    statement(
        "later_only",
        check(
            "korea_32",
            32,
            cited="IEEE ISSCC 2023 press kit",
            later=[value(entity="KOR", period="2023", document="ieee_2024_recount")],
        ),
    ),
    statement(
        "later_only_differs",
        check(
            "korea_30",
            30,
            cited="IEEE ISSCC 2023 press kit",
            later=[value(entity="KOR", period="2023", document="ieee_2024_recount")],
        ),
    ),
    statement("uncheckable", check("stem", 65770, uncheckable="Taiwan MOE statistics on STEM graduates")),
    statement("missing_data", check("japan_2021", 12, compute=value(entity="JPN", period="2021"))),
    statement(
        "weakest",
        check("w_supported", 59, compute=value(entity="CHN", period="2023")),
        check("w_consistent", 45, compute=value(entity="CHN", period="2021")),
        check("w_unchecked", 1, uncheckable="not held"),
    ),
    statement(
        "streak",
        check(
            "streak_years",
            2,
            unit="years",
            compute={"function": "streak", "args": {"rows": x(entity="CHN"), "threshold": 10, "last": "2021"}},
        ),
    ),
    statement(
        "mixed",  # an independent number over the report's own: the report's arithmetic, not a confirmation
        check(
            "china_2023_over_2021",
            1.31,
            tolerance=0.01,
            compute={
                "function": "ratio",
                "args": {"numerator": x(entity="CHN", period="2023"), "denominator": x(entity="CHN", period="2021")},
            },
        ),
    ),
]


def write(tmp_path, statements):
    path = tmp_path / "claims.yaml"
    path.write_text(yaml.safe_dump(statements, allow_unicode=True), encoding="utf-8")
    return path


def run(project, tmp_path, statements, frames=FRAMES, latest=None):
    loaded = load_claims(write(tmp_path, statements), project)
    summary, checks = evaluate(loaded, frames, project, latest)
    return summary.set_index("id"), checks.set_index("id")


def test_each_verdict_kind_follows_its_rule(project, tmp_path):
    summary, checks = run(project, tmp_path, FIXTURE)
    verdict = summary["status"].to_dict()
    assert verdict["supported"] == "supported" and verdict["share"] == "supported"
    assert checks.loc["china_share", "computed"] == pytest.approx(29.797, abs=1e-3)
    assert verdict["consistent"] == "consistent"  # its only document is the report's own (id ndc...)
    assert checks.loc["china_2021", "detail"] == "only the report's own numbers are in the project; they agree"
    assert verdict["mixed"] == "consistent" and "no independent confirmation" in checks.loc["china_2023_over_2021", "detail"]
    assert verdict["contradicted"] == "contradicted"
    assert "45" in checks.loc["china_45", "detail"] and "29" in checks.loc["china_45", "detail"]
    assert verdict["self_contradicted"] == "contradicted" and "own numbers" in checks.loc["china_2021_50", "detail"]
    assert verdict["revised"] == "revised"
    assert checks.loc["japan_12", "computed"] == 12 and checks.loc["japan_12", "later"] == 14
    assert verdict["later_only"] == "supported"
    # no release the project holds gives the report's number: not "revised" (nothing shows a revision)
    assert verdict["later_only_differs"] == "uncheckable" and "press kit" in checks.loc["korea_30", "detail"]
    assert "a later release gives" in checks.loc["korea_30", "detail"]
    assert verdict["uncheckable"] == "uncheckable" and "MOE" in summary.loc["uncheckable", "detail"]
    assert verdict["missing_data"] == "uncheckable" and "JPN" in summary.loc["missing_data", "detail"]
    assert math.isnan(checks.loc["stem", "computed"])
    # the streak reads the report's own 2021 value: its arithmetic holds, nothing else confirms it
    assert verdict["streak"] == "consistent" and checks.loc["streak_years", "computed"] == 2


def test_a_statement_is_as_strong_as_its_weakest_checked_part(project, tmp_path):
    summary, _ = run(project, tmp_path, FIXTURE)
    assert summary.loc["weakest", "status"] == "consistent"
    assert summary.loc["weakest", "checks"] == 3 and summary.loc["weakest", "checked"] == 2
    # the number not checked is named, so the verdict on the others is not read as covering it
    assert summary.loc["weakest", "detail"].endswith("1 of 3 parts unchecked (1 papers)")
    assert statement_verdict(parts(("supported", 1), ("revised", 2), ("consistent", 3))) == "revised"
    assert statement_verdict(parts(("supported", 1), ("contradicted", 2), ("revised", 3))) == "contradicted"
    assert statement_verdict(parts(("uncheckable", 1), ("uncheckable", 2))) == "uncheckable"


def test_a_number_another_check_confirms_is_not_named_unchecked():
    """A part is every check of one stated number: one without data beside one that confirms it leaves it checked."""
    statement = types.SimpleNamespace(id="s", section="", page=None, quote="", note="")
    rows = [("supported", 42, "papers"), ("uncheckable", 42, "papers"), ("uncheckable", 7, "%")]
    checks = pd.DataFrame(
        [{**dict.fromkeys(CHECK_COLUMNS, ""), "statement": "s", "status": s, "stated": v, "unit": u} for s, v, u in rows]
    )
    summary = summarize_statements([statement], checks).iloc[0]
    assert summary["status"] == "supported"
    assert summary["detail"].endswith("1 of 2 parts unchecked (7 %)")


def test_two_facts_stating_the_same_number_are_two_parts_and_the_detail_names_the_weakest():
    """First in foundry (checked) and first in packaging (no data) both state 1: the packaging part is named unchecked;
    a statement's detail is its weakest part's, named, not a stronger part's check."""
    statement = types.SimpleNamespace(id="s", section="", page=None, quote="", note="")
    rows = [
        ("supported", 1, "foundry", "agrees"),
        ("uncheckable", 1, "packaging", "missing: packaging output"),
        ("consistent", 5, "", "text against table"),
        ("supported", 5, "", "press release"),
        ("consistent", 9, "", "the report's own"),
    ]
    checks = pd.DataFrame(
        [
            {
                **dict.fromkeys(CHECK_COLUMNS, ""),
                "statement": "s",
                "status": s,
                "stated": v,
                "unit": "rank",
                "fact": f,
                "detail": d,
            }
            for s, v, f, d in rows
        ]
    )
    summary = summarize_statements([statement], checks).iloc[0]
    assert summary["status"] == "consistent" and summary["stated"] == 9
    assert summary["detail"] == "9 rank: the report's own; 1 of 4 parts unchecked (1 rank (packaging))"


def statement_verdict(checks: pd.DataFrame) -> str:
    """A statement's verdict from its checks' rows, as summarize_statements makes it: per part, then the weakest."""
    return weakest_part(part_verdicts(checks).values())


def parts(*checks: tuple[str, float]) -> pd.DataFrame:
    return pd.DataFrame([{"status": status, "stated": stated, "unit": "%", "fact": ""} for status, stated in checks])


def test_an_independent_document_supports_a_number_the_reports_own_table_also_gives():
    """The comparison with the report's own table stays a check and never lowers an independent confirmation."""
    assert statement_verdict(parts(("supported", 42), ("consistent", 42))) == "supported"
    assert statement_verdict(parts(("consistent", 42), ("consistent", 42))) == "consistent"
    assert statement_verdict(parts(("supported", 42), ("consistent", 7))) == "consistent"  # another number: weakest part
    assert statement_verdict(parts(("supported", 42), ("contradicted", 42))) == "contradicted"


def test_newest_vintage_that_differs_makes_a_supported_check_revised(project, tmp_path):
    latest = {
        "isscc": FRAMES["isscc"].assign(
            value=lambda f: f["value"].where(~((f["entity_code"] == "CHN") & (f["period"] == "2023")), 61.0)
        )
    }
    summary, checks = run(project, tmp_path, FIXTURE[:1], latest=latest)
    assert summary.loc["supported", "status"] == "revised"
    assert checks.loc["china_59", "computed"] == 59 and checks.loc["china_59", "later"] == 61
    same, _ = run(project, tmp_path, FIXTURE[:1], latest=FRAMES)
    assert same.loc["supported", "status"] == "supported"


def test_summary_line_separates_supported_from_consistent(project, tmp_path):
    summary, _ = run(project, tmp_path, FIXTURE)
    line = summary_line(summary.reset_index())
    assert "supported: 3" in line and "consistent: 4" in line and "revised: 1" in line and "not checked: 3" in line
    assert line in to_markdown(summary.reset_index())


def test_streak_counts_back_from_the_last_period():
    growth = pd.Series({"2015": 8.9, "2016": 10.6, "2017": 12.3, "2018": 11.8, "2019": 9.0, "2020": 10.2})
    assert streak(growth, 10, "2018") == 3
    assert streak(growth, 10, "2020") == 1
    assert streak(growth, 10, "2015") == 0


@pytest.mark.parametrize(
    ("mutate", "field", "words"),
    [
        (
            lambda s: s["checks"][0]["compute"]["args"]["x"].update(source="no_such_series"),
            "checks.0.compute.args.source",
            "unknown series",
        ),
        (lambda s: s["checks"][0]["compute"].update(function="evaluate"), "checks.0.compute", "unknown function"),
        (lambda s: s["checks"][0].pop("stated"), "checks.0.stated", "missing required field"),
        (
            lambda s: s["checks"][0]["compute"]["args"]["x"].update(indicator="papers_typo"),
            "checks.0.compute.args.indicator",
            "no indicator",
        ),
        (lambda s: s["checks"][0]["compute"]["args"].update(y={}), "checks.0.compute", "does not take"),
        (lambda s: s.update(checks=[]), "checks", "at least 1"),
        (lambda s: s["checks"][0].update(later=[s["checks"][0].pop("compute")]), "checks.0", "name the release"),
    ],
)
def test_malformed_statement_is_rejected_naming_id_and_field(project, tmp_path, mutate, field, words):
    entry = copy.deepcopy(FIXTURE[0])
    mutate(entry)
    with pytest.raises(InputError) as caught:
        load_claims(write(tmp_path, [entry]), project)
    message = str(caught.value)
    assert "statement supported" in message and words in message
    assert caught.value.field == field


def test_changes_are_judged_by_each_checks_tolerance(project, tmp_path):
    statements = [
        statement(
            "share",
            check(
                "china_share",
                29.8,
                tolerance=0.05,
                compute={
                    "function": "share",
                    "args": {"part": x(entity="CHN", period="2023"), "total": x(entity="WORLD", period="2023")},
                },
            ),
        ),
        FIXTURE[3],
    ]
    _, before = run(project, tmp_path, statements)
    nudged = {"isscc": FRAMES["isscc"].copy()}
    table = nudged["isscc"]
    table.loc[(table["entity_code"] == "WORLD"), "value"] = 198.2  # share 29.77: moves 0.03, inside 0.05
    _, within = run(project, tmp_path, statements, nudged)
    assert compare_vintages(within.reset_index(), before.reset_index()).empty
    table.loc[(table["entity_code"] == "CHN") & (table["period"] == "2022"), "value"] = 45.0
    table.loc[(table["entity_code"] == "WORLD"), "value"] = 190.0  # share 31.05: beyond the tolerance
    _, after = run(project, tmp_path, statements, nudged)
    changes = compare_vintages(after.reset_index(), before.reset_index()).set_index("id")
    assert sorted(changes.index) == ["china_45", "china_share"]
    assert changes.loc["china_45", "status_previous"] == "contradicted" and changes.loc["china_45", "status"] == "supported"
    assert changes.loc["china_share", "status"] == "contradicted"


@pytest.mark.parametrize(
    ("fields", "computed", "vacuous"),
    [
        ({"stated": 10, "comparison": "<="}, 4.0, True),  # "in the top 10" for a firm ranked 4th
        ({"stated": 10, "comparison": "<="}, 9.0, False),
        ({"stated": 29.8, "tolerance": 0.05}, 29.797, False),
        ({"stated": 8, "comparison": ">="}, 14.4, False),  # a bound: 0 would break it
        ({"stated": 0, "comparison": ">="}, 3.0, True),  # a count of at least 0
        ({"stated": 0, "comparison": ">"}, 28.0, False),  # an ordering: a sign change breaks it
    ],
)
def test_the_probe_tells_vacuous_checks(fields, computed, vacuous):
    probe = Check.model_validate({"id": "c", "unit": "u", "uncheckable": "n/a", **fields})
    assert can_fail(probe, computed) is not vacuous


# ── the project's own ledger ─────────────────────────────────────────────────────────────────────────


@pytest.fixture(scope="module")
def ledger(project):
    return build_ledger(project)


@pytest.fixture(scope="module")
def statements(project):
    return load_claims(ROOT / "config" / "claims.yaml", project)


def test_every_quote_is_in_the_report_text(project, statements):
    marks, missing = locate(load_report_text(project), {s.id: s.quote for s in statements})
    assert missing == []
    assert not [m.statement for m in marks if m.nested], "statements overlap: merge them into one"


def test_the_ledger_covers_the_report(statements):
    assert len(statements) >= 320  # issue 27: the cells of 表 2, 3 and 5 and the dated facts
    assert {"壹", "貳", "參", "肆", "伍"} <= {s.section[0] for s in statements}
    uncheckable = [c for s in statements for c in s.checks if c.uncheckable is not None]
    assert all(len(c.uncheckable) > 20 for c in uncheckable), "an uncheckable check names what is missing"


def test_no_check_is_vacuous(statements, ledger):
    assert vacuous_checks(statements, ledger.checks) == []  # build_ledger refuses one too


def test_the_ledger_build_refuses_a_vacuous_check(project_root):
    """An analyst's check that cannot fail (a count "of at least 0") stops the ledger job, naming it."""
    write(project_root / "config", FIXTURE)
    assert build_ledger(load_project(project_root), frames=FRAMES, latest_frames=FRAMES)  # each of these can fail
    vacuous = statement("at_least", check("at_least_none", 0, comparison=">=", compute=value(entity="CHN", period="2023")))
    write(project_root / "config", [*FIXTURE, vacuous])
    with pytest.raises(InputError, match="check at_least_none cannot fail") as caught:
        build_ledger(load_project(project_root), frames=FRAMES, latest_frames=FRAMES)
    assert caught.value.path.endswith("config/claims.yaml")


def test_the_four_verdicts_the_audit_found_wrong(ledger):
    checks = ledger.checks.set_index("id")
    assert checks.loc["tab07_yoy_north_america", "status"] == "supported"  # SEMI's own release gives -5%
    assert "cna_2023_12_01_semi_q3_2023" in checks.loc["tab07_yoy_north_america", "documents"]
    # the World Bank's 2018-2022 figure is not held; the ITC 2017-2022 series is another source
    assert checks.loc["wb_china_import_share_from_us", "status"] == "uncheckable"
    assert "World Bank" in checks.loc["wb_china_import_share_from_us", "detail"]
    assert checks.loc["ni_2015_china_third_of_us", "status"] == "supported"
    assert checks.loc["delloro_huawei_five_of_six", "status"] == "supported"
    assert checks.loc["isscc_2022_china_45", "status"] == "contradicted"


def test_self_referential_support_is_never_called_supported(ledger):
    checks = ledger.checks
    documents = checks["documents"].fillna("").str.split(";")
    only_report = documents.map(lambda ds: bool(ds) and all(d.startswith("ndc") for d in ds if d) and any(ds))
    assert not (only_report & (checks["status"] == "supported")).any()
    assert (only_report & (checks["status"] == "consistent")).sum() > 20


def test_claims_previous_prints_changes_and_writes_nothing_unless_asked(project_root, capsys):
    """A newer isscc vintage in which China's 2022 count becomes 45: the statement that said 45 changes."""
    from conftest import add_vintage, pin_report_vintage

    from techgap.cli import main

    def revise(folder):
        payload = folder / "data.csv"
        row = "China (incl. Hong Kong & Macau),2022,isscc_accepted_papers,"
        payload.write_text(payload.read_text(encoding="utf-8").replace(row + "29,", row + "45,"), encoding="utf-8")

    new = add_vintage(project_root, "isscc", revise)
    # the ledger judges against the vintage the report edition is pinned to: move the pin to the new one
    pin_report_vintage(project_root, "isscc", new.name)
    figures = project_root / "figures"
    assert main(["--root", str(project_root), "claims", "--previous", "--write"]) == 0  # compared with the older vintage
    out = capsys.readouterr().out
    assert "isscc_2022_china_45:\n  isscc_2022_china_45: contradicted (29) -> supported (45)" in out
    assert "statements — supported:" in out
    written = pd.read_csv(figures / "claims_checks.csv")
    statements = pd.read_csv(figures / "claims.csv")
    assert set(written["statement"]) == set(statements["id"])
    assert {"id", "quote", "status", "detail", "stated", "computed", "comparison", "unit"} <= set(statements.columns)
    earlier = project_root / "earlier_checks.csv"  # the written ledger as another run's, the figures' copies removed
    (figures / "claims_checks.csv").rename(earlier)
    (figures / "claims.csv").unlink()
    assert main(["--root", str(project_root), "claims", "--previous", str(earlier)]) == 0
    assert "no statement changed" in capsys.readouterr().out
    assert not (figures / "claims.csv").exists() and not (figures / "claims_checks.csv").exists()  # --write not given


# --- what the sentence would say today: computations rolled forward to the newest years held ---

from techgap.claims import Compute, rolled_forward  # noqa: E402


def test_a_value_rolls_forward_to_the_newest_year_and_drops_the_document_pin():
    rolled, label = rolled_forward(Compute.model_validate(value(entity="CHN", period="2021", document="ndc2023_text")), FRAMES)
    assert label == "2023"
    assert rolled.args["x"] == {"source": "isscc", "indicator": PAPERS, "entity": "CHN", "period": "2023"}


def test_a_growth_rate_stays_one_year_and_moves_only_as_far_as_both_years_are_held():
    args = {"current": x(entity="CHN", period="2020"), "previous": x(entity="CHN", period="2019")}
    growth = {"function": "growth", "args": args}
    rolled, label = rolled_forward(Compute.model_validate(growth), FRAMES)
    # CHN is held 2019-2023: the newest one-year step is 2023 over 2022
    assert (rolled.args["current"]["period"], rolled.args["previous"]["period"], label) == ("2023", "2022", "2023 vs 2022")


def test_a_ratio_moves_to_the_newest_year_both_series_hold():
    args = {"numerator": x(entity="CHN", period="2022"), "denominator": x(entity="USA", period="2022")}
    ratio = {"function": "ratio", "args": args}
    assert rolled_forward(Compute.model_validate(ratio), FRAMES) is None  # USA has nothing after 2022
    share = {"function": "share", "args": {"part": x(entity="CHN", period="2022"), "total": x(entity="KOR", period="2022")}}
    rolled, label = rolled_forward(Compute.model_validate(share), FRAMES)
    assert label == "2023" and rolled.args["total"]["period"] == "2023"  # KOR 2023 is held (a later release)


def test_nothing_rolls_without_a_year_or_beyond_the_data():
    assert rolled_forward(Compute.model_validate(value(entity="CHN", period="2023")), FRAMES) is None  # already newest
    assert rolled_forward(Compute.model_validate(value(entity="WORLD")), FRAMES) is None  # no year to move
    count = {"function": "count", "args": {"rows": x(period="2023")}}
    assert rolled_forward(Compute.model_validate(count), FRAMES) is None  # not a per-year computation


def test_the_ledger_reports_today_for_a_check_without_a_hand_written_today(project, tmp_path):
    statements = [statement("s1", check("c1", 45, compute=value(entity="CHN", period="2021", document="ndc2023_text")))]
    summary, checks = run(project, tmp_path, statements, latest=FRAMES)
    assert (checks.loc["c1", "today"], checks.loc["c1", "today_label"]) == (59.0, "2023")
    assert summary.loc["s1", "status"] == "consistent"  # today's value is shown, it does not judge the report
    _, without_latest = run(project, tmp_path, statements)
    assert math.isnan(without_latest.loc["c1", "today"])


def test_a_selector_matches_exactly_the_rows_a_plain_mask_selects_inside_and_outside_a_ledger_run():
    import techgap.claims as claims_module
    from techgap.claims import Selector, match

    frame = pd.DataFrame(
        {
            "indicator": ["gerd", "gerd", "gerd", "gerd", "pop", None],
            "entity_code": ["CHN", "CHN", "USA", None, "CHN", "CHN"],
            "period": ["2021", "2021", "2021", "2021", "2021", "2021"],
            "category": [None, "total", None, None, None, None],
            "label": [None, None, "x", None, None, None],
            "document": ["a", "b", "a", "a", "a", "a"],
            "preferred": [True, False, True, True, True, True],
            "value": [1.0, 2.0, 3.0, 4.0, 5.0, 6.0],
        },
        index=[10, 11, 12, 13, 14, 15],
    ).astype({c: "string" for c in ("indicator", "entity_code", "period", "category", "label", "document")})

    def plain(selector):  # the rule, written out: every given field equal; preferred rows unless a document is named
        keep = pd.Series(True, index=frame.index)
        for column, wanted in [("indicator", selector.indicator), ("entity_code", selector.entity),
                               ("period", selector.period), ("category", selector.category),
                               ("label", selector.label), ("document", selector.document)]:  # fmt: skip
            if wanted is not None:
                keep &= (frame[column] == wanted).fillna(False)
        if selector.document is None:
            keep &= frame["preferred"]
        return list(frame.index[keep])

    selectors = [
        Selector(source="s", indicator="gerd"),
        Selector(source="s", indicator="gerd", entity="CHN"),
        Selector(source="s", indicator="gerd", entity="CHN", document="b"),
        Selector(source="s", indicator="gerd", category="total", document="b"),
        Selector(source="s", indicator="gerd", label="x"),
        Selector(source="s", indicator="gerd", entity="JPN"),
        Selector(source="s", indicator="missing"),
    ]
    expected = [[10, 12, 13], [10], [11], [11], [12], [], []]
    assert [plain(s) for s in selectors] == expected
    outside = [list(match({"s": frame}, s).index) for s in selectors]
    claims_module._INDEXES = {}  # as during evaluate_checks: each table indexed once
    try:
        inside = [list(match({"s": frame}, s).index) for s in selectors]
    finally:
        claims_module._INDEXES = None
    assert outside == expected
    assert inside == expected


def test_a_converted_number_names_the_rate_and_where_the_rate_comes_from(project, tmp_path):
    """A check that converts a currency says at which rate and whose rate, beside its own note: the rate is a number
    the reader must be able to trace like any other."""
    from techgap.config import Conversion

    cited = "Test rate book, table 9"
    settings = project.settings.model_copy(
        update={"conversions": {"papers_per_dozen": Conversion(value=12.0, unit="papers per dozen", citation=cited)}}
    )
    converting = project.model_copy(update={"settings": settings})
    dozens = {"function": "convert", "args": {"x": x(entity="CHN", period="2023"), "rate": "papers_per_dozen"}}
    statements = [
        statement("converted", check("in_dozens", 4.92, tolerance=0.01, compute=dozens, note="Checks the arithmetic.")),
        statement("plain", check("china_59", 59, compute=value(entity="CHN", period="2023"))),
    ]
    _, checks = run(converting, tmp_path, statements)
    assert checks.loc["in_dozens", "computed"] == pytest.approx(59 / 12)  # the value over the rate
    assert checks.loc["in_dozens", "note"] == f"Checks the arithmetic. Converted at 12 papers per dozen: {cited}"
    assert checks.loc["china_59", "note"] == ""

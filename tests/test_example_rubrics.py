"""The published scoring sheets written as packs (rules/examples/): each cites its
source, says what it leaves out, passes its own rule-pack tests, and evaluates the example
district; the star sheet awards stars tier by tier."""

from __future__ import annotations

import re
from collections import Counter
from functools import cache
from pathlib import Path

import pytest

from pbrules.builtin.packs import pack_id_of, rule_files
from pbrules.engine.evaluate import Engine
from pbrules.model.result import RunResult
from pbrules.packs.loader import load_pack
from pbrules.packtest import format_report, run_tests

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "rules" / "examples"
DISTRICT = ROOT / "examples" / "district" / "2026Q3.jsonl"
PACKS = sorted(p for p in EXAMPLES.glob("*.yaml") if not p.name.endswith(".test.yaml"))
ITEMS = re.compile(r"Items on the visible sheet: (\d+)\. Encoded: (\d+).*?Left out: (\d+)", re.S)


@cache
def result(name: str) -> RunResult:
    return Engine(load_pack(EXAMPLES / f"{name}.yaml")).run(DISTRICT)


def test_four_rubrics_one_with_tiers() -> None:
    assert [p.stem for p in PACKS] == [
        "agency-branch-standard",
        "branch-standard-100",
        "county-village-stars",
        "village-service-station",
    ]
    assert [bool(load_pack(p).model.tiers) for p in PACKS] == [False, False, True, False]


@pytest.mark.parametrize("path", PACKS, ids=[p.stem for p in PACKS])
def test_header_cites_the_source_and_counts_the_items(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    header = text.split("\npack:", 1)[0]
    assert "Source:" in header and "https://" in header
    match = ITEMS.search(header)
    assert match is not None, "the header counts the sheet's items"
    on_sheet, encoded, left_out = map(int, match.groups())
    assert encoded + left_out == on_sheet
    # every item left out says so, with its reason, where it stands
    assert text.count("left out:") + text.count("Left out:") - 1 >= left_out


@pytest.mark.parametrize("path", PACKS, ids=[p.stem for p in PACKS])
def test_rule_pack_tests_pass(path: Path) -> None:
    report = run_tests([path.with_suffix(".test.yaml")])
    assert report.exit_code == 0, format_report(report)
    assert report.untested == {}


def test_examples_are_not_bundled_packs() -> None:
    bundled = {pack_id_of(p) for p in rule_files()}
    assert bundled.isdisjoint({load_pack(p).id for p in PACKS})


@pytest.mark.parametrize("name", [p.stem for p in PACKS])
def test_each_rubric_evaluates_the_example_district(name: str) -> None:
    res = result(name)
    assert res.summary.evaluated == 203 and res.summary.rejected == 0
    scored = [o for o in res.organizations if o.total is not None]
    assert scored, "some organization is scored"
    assert len({round(o.total or 0, 2) for o in scored}) > 1, "scores differ"
    assert res.findings, "the example district has problems for every sheet"


def test_stars_are_held_tier_by_tier() -> None:
    res = result("county-village-stars")
    villages = [o for o in res.organizations if o.group == "villages"]
    tiers = Counter(o.tier for o in villages)
    assert set(tiers) >= {None, "star1", "star2"}, tiers
    for o in villages:
        scores = o.tier_scores or {}
        assert (o.tier is not None) == (scores.get("star1", 0) >= 80)
        if o.tier == "star2":
            assert scores["star2"] >= 80
    # organizations the sheet does not rate have no total and no rank
    others = [o for o in res.organizations if o.group != "villages"]
    assert all(o.total is None and o.rank is None for o in others)

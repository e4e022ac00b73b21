"""The 2026Q3 quarterly review facts of the example district, as `pbrules evaluate` gives them.

The README's first command evaluates examples/district/2026Q3.jsonl with the district pack
against the committed 2026Q2 result. These tests pin what the review reports from it: the top and
bottom three of each peer group, rapid progress and major setbacks. They also check that the
committed 2026Q2 result is what `pbrules evaluate` produces today; when the pack, the checkers or
the example data change, regenerate it with

    pbrules evaluate examples/district/2026Q2.jsonl --rules rules/district-quarterly.yaml \\
        --format json --output examples/district/result-2026Q2.json

and review the facts below.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from pbrules.cli import cli

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples" / "district"
PACK = str(ROOT / "rules" / "district-quarterly.yaml")
PREVIOUS = EXAMPLES / "result-2026Q2.json"



def test_the_example_district_is_there() -> None:
    """The example files are part of the repository: missing ones fail here, never skip."""
    missing = [p for p in (PREVIOUS, EXAMPLES / "2026Q3.jsonl", Path(PACK)) if not p.is_file()]
    assert not missing, f"the example district is incomplete: {missing}"


def evaluate(*args: str) -> Any:
    result = CliRunner().invoke(cli, ["evaluate", *args], catch_exceptions=False)
    return result


@pytest.fixture(scope="module")
def review() -> dict[str, Any]:
    res = evaluate(str(EXAMPLES / "2026Q3.jsonl"), "--rules", PACK, "--previous", str(PREVIOUS))
    assert res.exit_code == 0, res.stderr
    doc: dict[str, Any] = json.loads(res.stdout)
    return doc


def test_the_committed_2026q2_result_is_current() -> None:
    res = evaluate(str(EXAMPLES / "2026Q2.jsonl"), "--rules", PACK)
    assert res.exit_code == 0
    fresh = json.loads(res.stdout)
    committed = json.loads(PREVIOUS.read_text(encoding="utf-8"))
    hint = "regenerate examples/district/result-2026Q2.json (see this module's docstring)"
    assert committed["pack"] == fresh["pack"], hint

    def scores(doc: dict[str, Any]) -> list[tuple[Any, ...]]:
        return [(o["org_id"], o["total"], o["rank"], o["grade"]) for o in doc["organizations"]]

    assert scores(committed) == scores(fresh), hint
    assert [f["fingerprint"] for f in committed["findings"]] == [
        f["fingerprint"] for f in fresh["findings"]
    ], hint


def test_whole_district_evaluated(review: dict[str, Any]) -> None:
    assert review["period"] == "2026Q3"
    assert review["summary"]["evaluated"] == 203
    assert review["summary"]["rejected"] == 0 and review["summary"]["incomplete"] == 0
    assert review["warnings"] == []


# Clean organizations all pass every criterion; the district's bonuses (wealth leaders, reserve
# cadres, members with posts) order them: T05 Liulin Town's villages lead the branches, general
# branches with many posted members lead the system committees, above the clean SC04.
TOP_BOTTOM = {
    "townships": (["T05", "T09", "T01"], ["T02", "T03", "T08"]),
    "system_committees": (["G04", "G06", "G07"], ["SC06", "G01", "G09"]),
    "branches": (["B056", "B055", "B001"], ["B134", "B063", "B162"]),
}


@pytest.mark.parametrize("group", sorted(TOP_BOTTOM))
def test_top_and_bottom_three(review: dict[str, Any], group: str) -> None:
    top, bottom = TOP_BOTTOM[group]
    assert review["rankings"][group]["top"] == top
    assert review["rankings"][group]["bottom"] == bottom


def test_townships_movement(review: dict[str, Any]) -> None:
    ranking = review["rankings"]["townships"]
    assert ranking["rapid_progress"] == ["T05"]
    assert ranking["major_setbacks"] == ["T02"]


def test_system_committees_movement(review: dict[str, Any]) -> None:
    ranking = review["rankings"]["system_committees"]
    # G02 (Experimental School) recovers from a quarter of low attendance and missing minutes
    assert ranking["rapid_progress"] == ["SC04", "G02"]
    assert ranking["major_setbacks"] == ["SC06"]


def test_branches_movement(review: dict[str, Any]) -> None:
    # The planted movers (B074, B105 up; B063, B134 down) and ordinary branches whose random
    # imperfections came or went; the district pack's 5-point minimum keeps branches that cross
    # a few places on a fraction of a point out of the lists.
    ranking = review["rankings"]["branches"]
    assert ranking["rapid_progress"] == ["B074", "B105", "B120"]
    assert ranking["major_setbacks"] == [
        "B134", "B103", "B048", "B116", "B063", "B020", "B036", "B038", "B111",
    ]  # fmt: skip


def test_labels_need_both_rank_and_score_movement(review: dict[str, Any]) -> None:
    for org in review["organizations"]:
        if org["movement"] == "rapid_progress":
            assert org["rank_change"] >= 3 and org["total_change"] >= 5
        elif org["movement"] == "major_setback":
            assert org["rank_change"] <= -3 and org["total_change"] <= -5
        elif org["movement"] == "steady":
            moved_up = org["rank_change"] >= 3 and org["total_change"] >= 5
            moved_down = org["rank_change"] <= -3 and org["total_change"] <= -5
            assert not (moved_up or moved_down)


def test_planted_movers_are_reported(review: dict[str, Any]) -> None:
    planted = json.loads((EXAMPLES / "planted.json").read_text(encoding="utf-8"))["movement"]
    orgs = {o["org_id"]: o for o in review["organizations"]}
    for key, label, listing in (
        ("rapid_progress", "rapid_progress", "rapid_progress"),
        ("major_setback", "major_setback", "major_setbacks"),
    ):
        for entry in planted[key]:
            org = orgs[entry["org_id"]]
            assert org["group"] == entry["group"]
            assert org["movement"] == label
            assert abs(org["rank_change"]) >= 3
            assert entry["org_id"] in review["rankings"][entry["group"]][listing]


def test_movement_is_consistent(review: dict[str, Any]) -> None:
    previous = {o["org_id"]: o for o in json.loads(PREVIOUS.read_text("utf-8"))["organizations"]}
    for org in review["organizations"]:
        before = previous[org["org_id"]]
        if org["rank"] is None:
            assert org["movement"] is None
            continue
        assert org["previous_rank"] == before["rank"]
        assert org["rank_change"] == before["rank"] - org["rank"]
        assert org["total_change"] == pytest.approx(org["total"] - before["total"], abs=0.011)


def test_readme_first_command_prints_the_review() -> None:
    res = evaluate(
        str(EXAMPLES / "2026Q3.jsonl"),
        "--rules",
        PACK,
        "--previous",
        str(PREVIOUS),
        "--format",
        "table",
    )
    assert res.exit_code == 0
    out = res.stdout
    assert "top: T05 Liulin Town Party Committee" in out
    assert "rapid progress: T05 Liulin Town Party Committee" in out
    assert "major setbacks: T02 Hexi Town Party Committee" in out

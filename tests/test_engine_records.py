"""Shared criterion records (engine/records.py): sharing changes no value of a result.

A record is shared only where equal values are the same values; a result built from shared
records is the result validated afresh (same models, same values, same bytes), and changing one
result never changes another."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pbrules.engine.evaluate import Engine
from pbrules.engine.records import KEYS, CriterionRecord, Records, org_model
from pbrules.engine.scoring import NOT_COUNTED, CriterionPoints
from pbrules.model.note import NoteText
from pbrules.model.outcome import Outcome, Status
from pbrules.model.result import CriterionResult, OrgResult
from pbrules.model.snapshot import Snapshot
from pbrules.packs.loader import load_pack

ROOT = Path(__file__).resolve().parents[1]


def _points(earned: float, most: float) -> CriterionPoints:
    return CriterionPoints(earned, most, True)


def _fresh(record: dict[str, Any]) -> CriterionResult:
    """The record validated afresh (what the engine did before sharing)."""
    return CriterionResult.model_validate(dict(record))


def _same(a: CriterionResult, b: CriterionResult) -> None:
    """Equal models whose values have the same types and signs (``==`` alone would take
    ``0.0`` for ``-0.0`` and ``1`` for ``True``)."""
    assert a == b
    for name in KEYS:
        x, y = getattr(a, name), getattr(b, name)
        assert type(x) is type(y), name
        if isinstance(x, float) and not math.isnan(x):
            assert math.copysign(1.0, x) == math.copysign(1.0, y), name
    assert a.model_dump_json() == b.model_dump_json()


def test_equal_records_are_shared_and_made_once() -> None:
    records = Records(zh=False)
    outcome = Outcome(Status.PASS, actual=3, expected=3)
    first = records.record("S01", outcome, _points(5.0, 5.0))
    again = records.record("S01", Outcome(Status.PASS, actual=3, expected=3), _points(5, 5))
    assert type(first) is CriterionRecord and again is first
    assert first.model() is again.model()
    _same(first.model(), _fresh(first))
    assert records.record("S02", outcome, _points(5.0, 5.0)) is not first


@pytest.mark.parametrize(
    ("outcome", "pts"),
    [
        (Outcome(Status.PASS, actual=True, expected=1), _points(5.0, 5.0)),  # True == 1
        (Outcome(Status.PASS, actual=1.0, expected=1), _points(5.0, 5.0)),  # a float
        (Outcome(Status.PASS, actual=[1], expected=1), _points(5.0, 5.0)),  # a container
        (Outcome(Status.PASS, actual=NoteText("a", "甲")), _points(5.0, 5.0)),  # its Chinese
        (Outcome(Status.FAIL, compliance=-0.0), _points(0.0, 5.0)),
        (Outcome(Status.FAIL, compliance=0.0), _points(-0.0, 5.0)),
        (Outcome(Status.FAIL, compliance=0.0), _points(0.0, -0.0)),
    ],
)
def test_records_whose_equal_values_differ_are_not_shared(
    outcome: Outcome, pts: CriterionPoints
) -> None:
    records = Records(zh=False)
    first = records.record("S01", outcome, pts)
    assert type(first) is dict
    assert records.record("S01", outcome, pts) is not first
    _same(org_model(_org([first])).criteria[0], _fresh(first))


def test_a_negative_zero_never_takes_a_positive_zeros_record() -> None:
    records = Records(zh=False)
    plus = records.record("S01", Outcome(Status.FAIL, compliance=0.0), _points(0.0, 5.0))
    minus = records.record("S01", Outcome(Status.FAIL, compliance=0.0), _points(-0.0, 5.0))
    assert minus is not plus
    assert math.copysign(1.0, org_model(_org([minus])).criteria[0].earned) == -1.0


def test_not_applicable_records_by_outcome_and_by_values() -> None:
    records = Records(zh=True)
    shared = Outcome.not_applicable(NoteText("no rows", "无记录"))
    first = records.not_applicable("S01", shared)
    assert records.not_applicable("S01", shared) is first
    # another outcome object with the same values: the same record, found by its values
    assert records.not_applicable("S01", Outcome(Status.NOT_APPLICABLE, note=shared.note)) is first
    assert records.record("S01", shared, NOT_COUNTED) is first
    assert first["note_zh"] == "无记录" and first["earned"] == 0.0
    # another criterion: its own record
    assert records.not_applicable("S02", shared) is not first


def test_records_kept_are_bounded() -> None:
    records = Records(zh=False, limit=8)
    for n in range(50):
        records.record("S01", Outcome(Status.PASS, actual=n), _points(1.0, 1.0))
        records.not_applicable("S01", Outcome(Status.NOT_APPLICABLE, note=f"n{n}"))
    assert len(records._known) <= 8 and len(records._by_outcome) <= 8


def _org(criteria: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "org_id": "O1",
        "name": "一支部",
        "kind": "branch",
        "parent_id": None,
        "group": None,
        "total": 80.0,
        "base_total": 80.0,
        "bonus": 0.0,
        "grade": "good",
        "complete": True,
        "areas": {"a": 80.0},
        "criteria": criteria,
    }


_SCORES = st.sampled_from([0.0, -0.0, 1.0, 0.5, 1, 2.5, True])
_PLAIN = st.one_of(st.none(), st.integers(-3, 3), st.sampled_from(["3", "x", "甲"]), st.booleans())
_ANY = st.one_of(_PLAIN, st.sampled_from([1.0, -0.0, 0.0]), st.lists(st.integers(0, 2), max_size=2))


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(list(Status)),
            _SCORES,
            _SCORES,
            _ANY,
            _ANY,
            st.sampled_from([0.0, -0.0, 1.0, 0.5]),
            st.integers(0, 2),
            st.sampled_from(["", "n", NoteText("n", "注")]),
        ),
        min_size=1,
        max_size=12,
    )
)
def test_results_from_shared_records_are_the_results_validated_afresh(
    rows: list[tuple[Any, ...]],
) -> None:
    records = Records(zh=True)
    made = []
    for status, earned, most, actual, expected, compliance, misses, note in rows * 2:
        outcome = Outcome(status, compliance, misses, actual, expected, note=note)
        made.append(records.record("S01", outcome, CriterionPoints(earned, most, True)))
    shared = org_model(_org(made))
    fresh = OrgResult.model_validate(_org([dict(r) for r in made]))
    assert shared == fresh
    for a, b in zip(shared.criteria, fresh.criteria, strict=True):
        _same(a, b)
    assert shared.model_dump_json() == fresh.model_dump_json()


def test_one_evaluation_is_its_fresh_validation_and_changes_no_other() -> None:
    engine = Engine(load_pack(ROOT / "rules/district-quarterly.yaml"))
    lines = (ROOT / "examples/district/2026Q3.jsonl").read_text(encoding="utf-8").splitlines()
    snapshot = Snapshot.model_validate_json(lines[0])
    one, two = engine.evaluate(snapshot), engine.evaluate(snapshot)
    state = engine._pass1(snapshot, snapshot.period, snapshot.as_of or snapshot.period.end, ())
    result, _, _ = engine._finish(state, snapshot.period, None, ())
    fresh = OrgResult.model_validate({**result, "criteria": [dict(c) for c in result["criteria"]]})
    assert one.result == fresh == two.result
    assert one.result.model_dump_json() == fresh.model_dump_json()
    assert one.result.criteria is not two.result.criteria
    assert any(a is b for a, b in zip(one.result.criteria, two.result.criteria, strict=True))
    one.result.criteria.pop()
    one.result.criteria.append(two.result.criteria[0])
    assert two.result == fresh  # another result is unchanged
    with pytest.raises(ValueError):  # a shared criterion result cannot be changed
        two.result.criteria[0].note = "changed"  # type: ignore[misc]


_ENGINE = Engine(load_pack(ROOT / "rules/district-quarterly.yaml"))
#: one compiled criterion per scoring mode and per_hit of the district pack
_KINDS = list({(c.mode, c.per_hit is None): c for c in _ENGINE._compiled}.values())


def _same_points(a: CriterionPoints, b: CriterionPoints) -> None:
    """Equal points with the same float signs (``0.0 == -0.0`` would hide a sign)."""
    assert a == b
    for x, y in zip(a, b, strict=True):
        assert type(x) is type(y)
        if isinstance(x, float) and not math.isnan(x):
            assert math.copysign(1.0, x) == math.copysign(1.0, y)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(range(len(_KINDS))),
            st.sampled_from([Status.PASS, Status.FAIL, Status.ERROR]),
            st.sampled_from([0.0, -0.0, 1.0, 0.5, 1, 0, True, False]),
            st.one_of(st.integers(0, 3), st.booleans()),
            _ANY,
            _ANY,
            st.sampled_from(["", "n", NoteText("n", "注"), NoteText("n", "另")]),
        ),
        min_size=1,
        max_size=12,
    )
)
def test_scored_points_and_records_are_the_plain_ones(rows: list[tuple[Any, ...]]) -> None:
    """``Records.scored`` (kept per criterion and outcome values) gives what working out the
    points and the record of each outcome afresh gives: same values, types and signs."""
    from pbrules.engine.compile import outcome_points

    for zh in (True, False):
        records = Records(zh=zh)
        for pick, status, compliance, misses, actual, expected, note in rows * 2:
            c = _KINDS[pick]
            outcome = Outcome(status, compliance, misses, actual, expected, note=note)
            pts, record = records.scored(c, outcome)
            plain_pts = outcome_points(c, outcome)
            plain = Records(zh=zh).record(c.id, outcome, plain_pts)
            _same_points(pts, plain_pts)
            assert dict(record) == dict(plain)
            _same(org_model(_org([record])).criteria[0], _fresh(plain))


def test_scored_is_found_again_and_bounded() -> None:
    c = _KINDS[0]
    records = Records(zh=False, limit=8)
    first = records.scored(c, Outcome(Status.PASS, actual=3, expected=3))
    again = records.scored(c, Outcome(Status.PASS, actual=3, expected=3))
    assert again[0] is first[0] and again[1] is first[1]
    for n in range(50):
        records.scored(c, Outcome(Status.PASS, actual=n, expected=n))
    assert len(records._scored) <= 8


def test_not_applicable_outcomes_taking_turns_keep_their_records() -> None:
    """A criterion's last not-applicable outcome is looked at first; outcomes that take turns
    (organizations of other kinds) still get their own records."""
    records = Records(zh=True)
    one = Outcome.not_applicable(NoteText("kind branch", "支部"))
    two = Outcome.not_applicable(NoteText("kind committee", "党委"))
    first, second = records.not_applicable("S01", one), records.not_applicable("S01", two)
    for _ in range(3):
        assert records.not_applicable("S01", one) is first
        assert records.not_applicable("S01", two) is second
    assert (first["note"], second["note"]) == ("kind branch", "kind committee")
    assert records.not_applicable("S02", one) is not first

"""Conditions and facts: validation at load time, three-valued evaluation, the checker."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from pydantic import ValidationError

from pbrules.builtin.checkers.condition import ConditionChecker, ConditionParams
from pbrules.checker import CheckContext
from pbrules.engine.index import build_index
from pbrules.model.outcome import Status
from pbrules.model.snapshot import MeetingType, Snapshot
from pbrules.packs.conditions import compile_expr, describe, evaluate
from pbrules.packs.facts import FACTS, SYMBOLS, FactValues, expr_symbol


def snapshot(**extra: Any) -> Snapshot:
    data: dict[str, Any] = {
        "period": "2026Q3",
        "organization": {"id": "B01", "name": "Branch", "kind": "branch", "category": "village"},
        "members": [
            {"id": "M1", "status": "full"},
            {"id": "M2", "status": "full"},
            {"id": "M3", "status": "probationary"},
            {"id": "M4", "status": "full", "left_on": "2026-08-01"},
        ],
        "committee": [{"person_id": "M1", "role": "secretary", "appointed_on": "2025-01-01"}],
        "meetings": [
            {"id": "E1", "type": "committee_meeting", "held_on": "2026-07-02"},
            {"id": "E2", "type": "committee_meeting", "held_on": "2026-07-20"},
            {"id": "E3", "type": "committee_meeting", "held_on": "2026-09-02"},
            {"id": "E4", "type": "general_meeting", "held_on": "2026-06-30"},
        ],
    }
    data.update(extra)
    return Snapshot.model_validate(data)


def facts(snap: Snapshot | None = None) -> FactValues:
    return FactValues(build_index(snap or snapshot()))


def run(params: dict[str, Any], snap: Snapshot | None = None) -> Any:
    snap = snap or snapshot()
    checker = ConditionChecker()
    parsed = checker.parse_params(params)
    index = build_index(snap)
    ctx = CheckContext(period=snap.period, as_of=index.as_of, index=index)
    return checker.check(snap, parsed, ctx)


def test_fact_values() -> None:
    f = facts()
    assert f.get("members.count") == 3
    assert f.get("members.full_count") == 2
    assert f.get("members.probationary_count") == 1
    assert f.get("committee.current_count") == 1
    assert f.get("committee.has_secretary") is True
    assert f.get("meetings.count") == 3  # E4 is outside the period
    assert f.get("meetings.count.committee_meeting") == 3
    assert f.get("meetings.months_with.committee_meeting") == 2
    assert f.get("meetings.count.general_meeting") == 0
    assert f.get("period.months") == 3
    assert f.get("organization.kind") == "branch"
    assert f.get("organization.weak_lax") is None
    assert f.get("dues.paid_ratio") is None


def test_every_meeting_type_has_facts_and_symbols() -> None:
    for mt in MeetingType:
        assert f"meetings.count.{mt.value}" in FACTS
        assert expr_symbol(f"meetings.count.{mt.value}") == f"meetings_count_{mt.value}"
    assert len(SYMBOLS) == len(FACTS)


def test_facts_are_lazy() -> None:
    f = facts()
    parsed = ConditionParams.model_validate({"fact": "members.count", "op": ">=", "value": 1})
    assert evaluate(parsed.root_condition(), f) is True
    assert f.computed == {"members.count": 3}


def test_dues_paid_ratio() -> None:
    snap = snapshot(
        dues=[
            {"member_id": "M1", "month": "2026-07", "due": 10, "paid": 10},
            {"member_id": "M1", "month": "2026-08", "due": 10, "paid": 5},
            {"member_id": "M2", "month": "2026-07", "due": 10, "paid": 10},
            {"member_id": "M2", "month": "2026-05", "due": 10, "paid": 0},
        ]
    )
    assert facts(snap).get("dues.paid_ratio") == pytest.approx(2 / 3)


@pytest.mark.parametrize(
    ("params", "status"),
    [
        ({"fact": "members.count", "op": ">=", "value": 3}, Status.PASS),
        ({"fact": "members.count", "op": ">", "value": 3}, Status.FAIL),
        (
            {"fact": "organization.kind", "op": "in", "value": ["branch", "joint_branch"]},
            Status.PASS,
        ),
        ({"fact": "organization.kind", "op": "not_in", "value": ["branch"]}, Status.FAIL),
        ({"not": {"fact": "committee.has_secretary", "op": "==", "value": True}}, Status.FAIL),
        (
            {
                "all": [
                    {"fact": "members.full_count", "op": ">=", "value": 2},
                    {
                        "any": [
                            {"expr": "meetings_count > 10"},
                            {"fact": "period.months", "op": "==", "value": 3},
                        ]
                    },
                ]
            },
            Status.PASS,
        ),
        ({"expr": "meetings_months_with_committee_meeting >= period_months"}, Status.FAIL),
        ({"expr": 'organization_kind == "branch" and members_full_count == 2'}, Status.PASS),
        ({"fact": "organization.weak_lax", "op": "==", "value": None}, Status.PASS),
    ],
)
def test_condition_checker(params: dict[str, Any], status: Status) -> None:
    assert run(params).status is status


def test_unknown_fact_gives_missing_data_never_a_guess() -> None:
    out = run({"fact": "organization.weak_lax", "op": "==", "value": False})
    assert out.status is Status.FAIL
    assert out.note == "missing data: organization.weak_lax unknown"
    out = run({"expr": "dues_paid_ratio >= 0.9"})
    assert out.note.startswith("missing data")
    # an unknown part does not matter when another part decides
    out = run(
        {"any": [{"fact": "organization.weak_lax", "op": "==", "value": False}, {"expr": "true"}]}
    )
    assert out.status is Status.PASS
    out = run(
        {"all": [{"fact": "organization.weak_lax", "op": "==", "value": False}, {"expr": "false"}]}
    )
    assert out.status is Status.FAIL and not out.note.startswith("missing data")


def test_outcome_carries_facts_and_condition_text() -> None:
    out = run({"fact": "members.count", "op": ">", "value": 5})
    assert out.actual == {"members.count": 3}
    assert out.expected == "members.count > 5"
    assert out.misses == 1 and out.compliance == 0.0


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"fact": "member.count", "op": ">=", "value": 1}, "did you mean 'members.count'?"),
        ({"fact": "members.count", "op": "~", "value": 1}, "Input should be"),
        ({"fact": "members.count", "op": ">=", "value": "3"}, "must be a number"),
        ({"fact": "members.count", "op": ">="}, "needs value"),
        ({"fact": "committee.has_secretary", "op": ">", "value": True}, "does not apply"),
        ({"fact": "organization.kind", "op": "==", "value": "brnach"}, "did you mean 'branch'?"),
        ({"fact": "organization.kind", "op": "in", "value": "branch"}, "needs a list"),
        ({"fact": "members.count", "op": "contains", "value": 1}, "does not apply"),
        ({"expr": "members_cnt > 1"}, "did you mean 'members_count'?"),
        ({"expr": "members_count >"}, "syntax error"),
        ({"expr": "  "}, "empty"),
        ({"expr": "members_count + 1"}, "gives a number, not true or false"),
        ({"expr": "organization_kind"}, "gives text"),
        ({"all": []}, "at least 1"),
        ({}, "needs one of"),
        ({"all": [{"fact": "members.count", "op": ">", "value": 1}], "expr": "true"}, "one form"),
        ({"all": [{"fakt": "x"}]}, "a condition is a mapping with one of"),
    ],
)
def test_invalid_conditions(params: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError) as info:
        ConditionParams.model_validate(params)
    assert message in str(info.value)


def test_one_error_for_an_invalid_nested_item() -> None:
    with pytest.raises(ValidationError) as info:
        ConditionParams.model_validate({"any": [{"fact": "members.count", "op": ">=", "valeu": 1}]})
    assert len(info.value.errors()) == 1


def test_describe_and_compile_cache() -> None:
    parsed = ConditionParams.model_validate(
        {"any": [{"fact": "members.count", "op": ">=", "value": 3}, {"not": {"expr": "true"}}]}
    )
    assert describe(parsed.root_condition()) == "members.count >= 3 or not true"
    assert compile_expr("members_count > 1") is compile_expr("members_count > 1")


def test_as_of_bounds_the_period() -> None:
    snap = snapshot(as_of=date(2026, 7, 31))
    assert facts(snap).get("meetings.count.committee_meeting") == 2


def test_every_fact_is_documented() -> None:
    from pathlib import Path

    doc = (Path(__file__).parent.parent / "docs" / "pack-format.md").read_text(encoding="utf-8")
    for fact in FACTS.values():
        name = fact.name
        for prefix in ("meetings.count.", "meetings.months_with."):
            if name.startswith(prefix):
                name = prefix + "TYPE"
                assert f"`{fact.name.rsplit('.', 1)[1]}`" in doc
        assert f"`{name}`" in doc, f"{name} is not in docs/pack-format.md"
        assert f"`{expr_symbol(name)}`" in doc

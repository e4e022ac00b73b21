"""Conditions and facts: validation at load time, three-valued evaluation, the checker."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from pydantic import ValidationError

from pbrules.builtin.checkers.condition import ConditionChecker, ConditionParams
from pbrules.checker import CheckContext
from pbrules.model.index import build_index
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


def test_committee_count_without_a_first_secretary() -> None:
    """A first secretary (sent from outside) is a current post, but not one of the committee's
    own: the count committee.structure makes."""
    first = {"person_id": "X1", "role": "first_secretary", "appointed_on": "2025-03-01"}
    gone = {
        "person_id": "M2",
        "role": "organization",
        "appointed_on": "2024-01-01",
        "left_on": "2026-08-01",
    }
    secretary = {"person_id": "M1", "role": "secretary", "appointed_on": "2025-01-01"}
    f = facts(snapshot(committee=[secretary, first, gone]))
    assert f.get("committee.current_count") == 2
    assert f.get("committee.count_without_first_secretary") == 1


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
    # owed member-months as dues.monthly (S11) counts them: M1-M3 owe July to September, M4
    # (left 1 August) owes July only; a missing row is an unpaid month; May is outside the period
    snap = snapshot(
        dues=[
            {"member_id": "M1", "month": "2026-07", "due": 10, "paid": 10},
            {"member_id": "M1", "month": "2026-08", "due": 10, "paid": 5},
            {"member_id": "M2", "month": "2026-07", "due": 10, "paid": 10},
            {"member_id": "M2", "month": "2026-05", "due": 10, "paid": 0},
        ]
    )
    assert facts(snap).get("dues.paid_ratio") == pytest.approx(2 / 10)


def _as_of_snapshot(as_of: str | None = None) -> Snapshot:
    """One member, one rectification item and July-September dues, all settled in October."""
    extra: dict[str, Any] = {
        "members": [{"id": "M1", "status": "full", "joined_on": "2020-01-01"}],
        "rectifications": [
            {
                "id": "R1",
                "opened_on": "2026-07-01",
                "due_on": "2026-08-01",
                "status": "closed",
                "closed_on": "2026-10-10",
                "responsible": "x",
            },
            {"id": "R2", "opened_on": "2026-10-02", "due_on": "2026-10-03"},
        ],
        "dues": [
            {"member_id": "M1", "month": m, "due": 10, "paid": 10, "paid_on": "2026-10-05"}
            for m in ("2026-07", "2026-08", "2026-09")
        ],
    }
    if as_of is not None:
        extra["as_of"] = as_of
    return snapshot(**extra)


def test_facts_follow_as_of_like_the_checkers() -> None:
    """Closed, paid or opened after as_of does not count yet (as V03 and S11 decide)."""
    at_period_end = facts(_as_of_snapshot())
    assert at_period_end.get("rectifications.open_count") == 1  # R1 closed later; R2 not opened
    assert at_period_end.get("rectifications.overdue_count") == 1
    assert at_period_end.get("dues.paid_ratio") == 0.0  # paid on 5 October
    later = FactValues(build_index(_as_of_snapshot(), as_of=date(2026, 10, 20)))
    assert later.get("rectifications.open_count") == 1  # R2 now open, R1 closed
    assert later.get("rectifications.overdue_count") == 1  # R2, due 3 October
    assert later.get("dues.paid_ratio") == 1.0


def test_facts_agree_with_the_v03_and_s11_checkers() -> None:
    from pbrules.builtin.checkers.dues import DuesMonthly
    from pbrules.builtin.checkers.rectification import RectificationOverdue

    for as_of in (None, "2026-10-06", "2026-10-20"):
        snap = _as_of_snapshot(as_of)
        index = build_index(snap)
        ctx = CheckContext(period=snap.period, as_of=index.as_of, index=index)
        v03 = RectificationOverdue()
        s11 = DuesMonthly()
        overdue = v03.check(snap, v03.parse_params({}), ctx)
        monthly = s11.check(snap, s11.parse_params({"arrears_months": None}), ctx)
        f = FactValues(index)
        assert f.get("rectifications.overdue_count") == len(overdue.evidence), as_of
        assert f.get("dues.paid_ratio") == pytest.approx(monthly.compliance), as_of


def test_open_count_uses_closed_on_and_status() -> None:
    snap = snapshot(
        rectifications=[
            {"id": "R1", "opened_on": "2026-07-01", "status": "closed"},  # closed, no date
            {"id": "R2", "opened_on": "2026-07-01", "closed_on": "2026-09-01"},  # closed by date
            {"id": "R3", "opened_on": "2026-07-01", "status": "open"},
            {"id": "R4", "opened_on": "2026-07-01", "status": "rectified"},  # not verified
        ]
    )
    assert facts(snap).get("rectifications.open_count") == 2


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


@pytest.mark.parametrize(("value", "shown"), [(float("inf"), ".inf"), (float("nan"), ".nan")])
def test_condition_values_must_be_finite(value: float, shown: str) -> None:
    with pytest.raises(ValidationError, match=f"value \\{shown} must be a finite number"):
        ConditionParams.model_validate({"fact": "members.count", "op": "<", "value": value})

"""The snapshot model v1 (DESIGN §2): types, unknown keys, cross-field checks."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from pydantic import ValidationError

from pbrules.model.snapshot import CommitteeRole, MeetingType, OrgKind, Snapshot


def base(**extra: Any) -> dict[str, Any]:
    return {
        "period": "2026Q3",
        "organization": {"id": "B1", "name": "Lijia Village Party Branch", "kind": "branch"},
        **extra,
    }


def full_example() -> dict[str, Any]:
    return base(
        as_of="2026-09-30",
        members=[
            {
                "id": "M1",
                "name": "Wang Jianguo",
                "status": "full",
                "joined_on": "1998-07-01",
                "converted_on": "1999-07-01",
                "party_group_id": "G1",
                "mobile": False,
                "dues_category": "employed",
                "monthly_income": 4200,
                "points": 92,
                "appraisal": "excellent",
                "study_hours": 34,
            },
            {"id": "M2", "status": "probationary", "joined_on": "2026-01-10"},
        ],
        party_groups=[{"id": "G1", "name": "Group 1", "leader_id": "M1"}],
        committee=[
            {"person_id": "M1", "role": "secretary", "appointed_on": "2026-03-10"},
            {"person_id": "FS1", "role": "first_secretary", "appointed_on": "2026-04-01"},
            {
                "person_id": "M2",
                "role": "organization",
                "appointed_on": "2026-03-10",
                "left_on": "2026-08-01",
                "leave_reason": "resigned",
            },
        ],
        meetings=[
            {
                "id": "E1",
                "type": "group_meeting",
                "held_on": "2026-07-05",
                "party_group_id": "G1",
                "expected": 12,
                "attended": 10,
                "minutes": True,
                "topics": ["Study the Party Constitution"],
                "lecturer_role": "secretary",
            }
        ],
        dues=[
            {
                "member_id": "M1",
                "month": "2026-07",
                "due": 42.0,
                "paid": 42.0,
                "paid_on": "2026-07-08",
            }
        ],
        disclosures=[
            {"id": "P1", "published_on": "2026-07-15", "channel": "board", "topics": ["dues"]}
        ],
        development=[
            {
                "person_id": "A1",
                "applied_on": "2024-03-01",
                "talked_on": "2024-03-20",
                "activist_on": "2024-05-01",
                "dev_object_on": "2025-06-01",
                "training_hours": 24,
                "introducers": ["M1"],
            }
        ],
        trainings=[
            {
                "person_id": "M1",
                "kind": "new_secretary",
                "start_on": "2026-04-01",
                "end_on": "2026-04-03",
                "hours": 24,
                "level": "county",
            }
        ],
        visits=[
            {
                "id": "V1",
                "target_org_id": "B2",
                "visited_on": "2026-08-01",
                "mode": "unannounced",
                "problems": ["x"],
            }
        ],
        rectifications=[
            {
                "id": "R1",
                "criterion": "S02",
                "opened_on": "2026-07-01",
                "due_on": "2026-08-01",
                "status": "closed",
                "closed_on": "2026-07-20",
            }
        ],
        coverage_units=[
            {
                "id": "U1",
                "name": "Hengda",
                "kind": "enterprise",
                "operating": True,
                "employees": 35,
                "full_members": 4,
                "covered_by": "B7",
                "mode": "standalone",
                "instructor": False,
            }
        ],
        extensions={"grid": {"cells": 3}},
    )


def messages(data: dict[str, Any]) -> str:
    with pytest.raises(ValidationError) as exc:
        Snapshot.model_validate(data)
    return str(exc.value)


def test_full_example_validates_and_round_trips() -> None:
    s = Snapshot.model_validate(full_example())
    assert s.organization.kind is OrgKind.BRANCH
    assert s.meetings[0].type is MeetingType.GROUP_MEETING
    assert s.committee[0].role is CommitteeRole.SECRETARY
    assert s.members[0].joined_on == date(1998, 7, 1)
    assert Snapshot.model_validate_json(s.model_dump_json()) == s
    assert s.model_dump(mode="json")["period"] == "2026Q3"


def test_minimal_snapshot_defaults() -> None:
    s = Snapshot.model_validate(base())
    assert s.members == () and s.extensions == {} and s.as_of is None
    assert s.effective_as_of == date(2026, 9, 30)
    assert Snapshot.model_validate(base(as_of="2026-08-15")).effective_as_of == date(2026, 8, 15)


def test_frozen() -> None:
    s = Snapshot.model_validate(base())
    with pytest.raises(ValidationError):
        s.period = s.period.next()  # type: ignore[misc]
    assert isinstance(s.members, tuple)


@pytest.mark.parametrize(
    "path",
    [
        ("extra",),
        ("organization", "secretary"),
        ("members", 0, "nickname"),
        ("meetings", 0, "location"),
        ("dues", 0, "fine"),
        ("coverage_units", 0, "sector"),
    ],
)
def test_unknown_keys_are_errors_at_every_level(path: tuple[str | int, ...]) -> None:
    data = full_example()
    target: Any = data
    for part in path[:-1]:
        target = target[part]
    target[path[-1]] = "x"
    assert "Extra inputs are not permitted" in messages(data)


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (
            lambda d: d["members"][0].update(converted_on="1990-01-01"),
            "converted_on (1990-01-01) is before joined_on",
        ),
        (
            lambda d: d["committee"][0].update(left_on="2026-01-01"),
            "left_on (2026-01-01) is before appointed_on",
        ),
        (lambda d: d["dues"][0].update(month="2026-7"), "should match pattern"),
        (
            lambda d: d["dues"][0].update(member_id="M9"),
            "dues.0.member_id: 'M9' is not a listed member",
        ),
        (
            lambda d: d["dues"].append(dict(d["dues"][0])),
            "duplicate member-month row(s) M1/2026-07",
        ),
        (lambda d: d["members"].append({"id": "M1"}), "members: duplicate id(s) M1"),
        (lambda d: d["members"][0].update(party_group_id="G9"), "'G9' is not a listed party group"),
        (lambda d: d["meetings"][0].update(party_group_id="G9"), "'G9' is not a listed group"),
        (
            lambda d: d["party_groups"][0].update(leader_id="M9"),
            "leader_id: 'M9' is not a listed member",
        ),
        (lambda d: d["visits"][0].update(target_org_id="B1"), "cannot visit itself"),
        (lambda d: d.update(as_of="2026-06-30"), "is before the period 2026Q3 starts"),
        (
            lambda d: d["organization"].update(parent_id="B1"),
            "parent_id is the organization's own id",
        ),
        (
            lambda d: d["organization"].update(
                founded_on="2020-01-01", term_started_on="2019-01-01"
            ),
            "term_started_on",
        ),
        (
            lambda d: d["development"][0].update(talked_on="2024-01-01"),
            "talked_on (2024-01-01) is before applied_on",
        ),
        (
            lambda d: d["trainings"][0].update(end_on="2026-03-01"),
            "end_on (2026-03-01) is before start_on",
        ),
        (
            lambda d: d["rectifications"][0].update(due_on="2026-06-01"),
            "due_on (2026-06-01) is before opened_on",
        ),
        (lambda d: d["members"][0].update(points=-1), "greater than or equal to 0"),
        (lambda d: d["organization"].update(term_years=0), "greater than or equal to 1"),
        (lambda d: d["organization"].update(id="  "), "at least 1 character"),
        (lambda d: d["meetings"][0].update(held_on="2026-02-30"), "held_on"),
        (lambda d: d["meetings"][0].update(type="meeting"), "Input should be"),
        (lambda d: d.update(period="2026Q5"), "invalid period"),
        (lambda d: d["organization"].pop("kind"), "Field required"),
        (lambda d: d["meetings"][0].pop("held_on"), "Field required"),
    ],
)
def test_cross_field_checks(edit: Any, message: str) -> None:
    data = full_example()
    edit(data)
    assert message in messages(data)


def test_committee_post_may_name_an_outsider() -> None:
    s = Snapshot.model_validate(full_example())
    assert "FS1" not in {m.id for m in s.members}
    assert any(p.person_id == "FS1" for p in s.committee)


@pytest.mark.parametrize("period", ["2026Q3", "2026-07", "2026H2", "2026"])
def test_every_period_form(period: str) -> None:
    s = Snapshot.model_validate(base(period=period))
    assert str(s.period) == period


def test_ids_are_stripped() -> None:
    s = Snapshot.model_validate(base(members=[{"id": " M1 "}]))
    assert s.members[0].id == "M1"

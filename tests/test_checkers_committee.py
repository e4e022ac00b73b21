"""Examples for committee.structure, committee.vacancy, committee.turnover, term.expiry,
training.new_secretary and training.hours."""

from __future__ import annotations

from typing import Any

from checkers_support import members, run, snap
from pbrules.model.outcome import Status


def post(person: str, role: str, appointed: str = "2024-01-01", **kw: Any) -> dict[str, Any]:
    return {"person_id": person, "role": role, "appointed_on": appointed, **kw}


def test_structure_depends_on_full_members() -> None:
    small = snap(members=members(3), committee=[post("M1", "secretary")])
    assert run("committee.structure", small).status is Status.PASS
    big = snap(members=members(7), committee=[post("M1", "secretary"), post("M2", "organization")])
    out = run("committee.structure", big)
    assert out.status is Status.FAIL and out.evidence == ("too-few-posts",)
    assert abs(out.compliance - 2 / 3) < 1e-9
    sized = snap(
        members=members(7),
        committee=[
            post("M1", "secretary"),
            post("M2", "organization"),
            post("M3", "member"),
            post("X1", "first_secretary"),
        ],
    )
    assert run("committee.structure", sized).status is Status.PASS
    # a member who left is not a full member any more
    six = snap(
        members=[*members(6), {"id": "M7", "status": "full", "left_on": "2026-08-01"}],
        committee=[post("M1", "secretary")],
    )
    assert run("committee.structure", six).status is Status.PASS
    # nor is one who joins after as_of (2026-09-30); one joining on as_of is
    joiner = {"id": "M7", "status": "full", "joined_on": "2026-10-01"}
    not_yet = snap(members=[*members(6), joiner], committee=[post("M1", "secretary")])
    assert run("committee.structure", not_yet).status is Status.PASS
    on_as_of = snap(
        members=[*members(6), {**joiner, "joined_on": "2026-09-30"}],
        committee=[post("M1", "secretary")],
    )
    assert run("committee.structure", on_as_of).status is Status.FAIL
    crowd = snap(members=members(9), committee=[post(f"M{i}", "member") for i in range(1, 9)])
    assert set(run("committee.structure", crowd).evidence) == {"no-secretary", "too-many-posts"}
    assert "missing data" in run("committee.structure", snap()).note


def test_vacancy_days_at_the_boundary() -> None:
    left = snap(committee=[post("M1", "secretary", left_on="2026-07-02")])
    out = run("committee.vacancy", left)
    assert out.status is Status.PASS and out.actual == 90
    left = snap(committee=[post("M1", "secretary", left_on="2026-07-01")])
    out = run("committee.vacancy", left)
    assert out.status is Status.FAIL and out.actual == 91 and out.evidence == ("M1",)
    refilled = snap(
        committee=[
            post("M1", "secretary", left_on="2026-03-01"),
            post("M2", "secretary", appointed="2026-09-01"),
        ]
    )
    assert run("committee.vacancy", refilled).status is Status.PASS
    # appointed after as_of is not in post yet
    future = snap(
        committee=[post("M1", "secretary", appointed="2026-10-01")],
        organization={"founded_on": "2001-01-01"},
    )
    assert "missing data" in run("committee.vacancy", future).note


def test_vacancy_of_an_optional_post_never_held() -> None:
    """``never_held: not_applicable``: a deputy secretary appointed only when needed; once held,
    its vacancy is dated as the secretary's."""
    deputy = {"roles": ["deputy_secretary"], "never_held": "not_applicable"}
    branch = snap(committee=[post("M1", "secretary")], organization={"founded_on": "2001-01-01"})
    out = run("committee.vacancy", branch, deputy)
    assert out.status is Status.NOT_APPLICABLE and "never been held" in out.note
    # the default keeps a post that must exist: never held is missing data
    strict = run("committee.vacancy", branch, {"roles": ["deputy_secretary"]})
    assert strict.status is Status.FAIL and "missing data" in strict.note
    left = snap(
        committee=[post("M1", "secretary"), post("M2", "deputy_secretary", left_on="2026-07-01")]
    )
    out = run("committee.vacancy", left, deputy)
    assert out.status is Status.FAIL and out.actual == 91
    # held again: a current deputy passes
    again = snap(committee=[post("M2", "deputy_secretary", appointed="2026-09-01")])
    assert run("committee.vacancy", again, deputy).status is Status.PASS


def test_vacancy_new_organization_is_in_grace() -> None:
    new = snap(organization={"founded_on": "2026-08-15"})
    assert run("committee.vacancy", new).status is Status.NOT_APPLICABLE
    old = snap(organization={"founded_on": "2026-07-01"})  # 91 days
    assert run("committee.vacancy", old).status is Status.FAIL


def test_turnover_share() -> None:
    posts = [post("M1", "secretary"), post("M2", "member"), post("M3", "member")]
    gone = post("X9", "member", left_on="2026-08-20", leave_reason="resigned")
    out = run("committee.turnover", snap(committee=[*posts, gone]))
    assert out.status is Status.FAIL and out.evidence == ("X9",)
    assert abs(out.compliance - 0.2 / (1 / 3)) < 1e-9
    assert (
        run("committee.turnover", snap(committee=[*posts, gone]), {"max_share": 0.34}).status
        is Status.PASS
    )
    transferred = {**gone, "leave_reason": "transferred"}
    assert run("committee.turnover", snap(committee=[*posts, transferred])).status is Status.PASS
    before = {**gone, "left_on": "2026-06-30"}
    assert run("committee.turnover", snap(committee=[*posts, before])).status is Status.PASS
    assert run("committee.turnover", snap()).status is Status.NOT_APPLICABLE


def test_term_end_with_month_end_clamping() -> None:
    def term(started: str, years: int | None, period: str = "2026Q3", **org: Any) -> Status:
        s = snap(period, organization={"term_started_on": started, "term_years": years, **org})
        return run("term.expiry", s).status

    assert term("2021-09-30", 5) is Status.PASS
    assert term("2021-09-29", 5) is Status.FAIL
    assert term("2020-02-29", 5, "2025Q1") is Status.FAIL  # ended 2025-02-28
    assert term("2023-10-01", None, category="agency") is Status.PASS  # 3 years by default
    assert term("2023-09-29", None, category="agency") is Status.FAIL
    assert term("2021-10-01", None, category="village") is Status.PASS  # 5 for villages
    assert run("term.expiry", snap()).status is Status.NOT_APPLICABLE


def test_new_secretary_training() -> None:
    due = post("M1", "secretary", "2026-03-29")
    out = run("training.new_secretary", snap(committee=[due]))
    assert out.status is Status.FAIL and out.items[0].subject.id == "M1"
    trained = snap(
        committee=[due],
        trainings=[
            {"person_id": "M1", "kind": "new_secretary", "start_on": "2026-05-01", "hours": 40}
        ],
    )
    assert run("training.new_secretary", trained).status is Status.PASS
    assert (
        run("training.new_secretary", snap(committee=[{**due, "trained_on": "2026-04-01"}])).status
        is Status.PASS
    )
    not_due = post("M1", "secretary", "2026-03-30")
    assert run("training.new_secretary", snap(committee=[not_due])).status is Status.NOT_APPLICABLE


def test_study_hours() -> None:
    s = snap(
        "2026Q4",
        members=[
            {"id": "M1", "status": "full", "study_hours": 40},
            {"id": "M2", "status": "full", "study_hours": 32},
        ],
        committee=[post("M1", "secretary")],
    )
    out = run("training.hours", s)
    assert out.status is Status.FAIL and out.evidence == ("M1",)  # committee needs 56
    assert run("training.hours", s, {"committee_hours": 40}).status is Status.PASS
    items = run("training.hours", s, {"per_person_findings": True}).items
    assert [i.subject.id for i in items] == ["M1"]
    from_trainings = snap(
        "2026Q4",
        members=[{"id": "M1", "status": "full"}],
        trainings=[
            {"person_id": "M1", "start_on": "2026-03-01", "hours": 20},
            {"person_id": "M1", "start_on": "2026-11-01", "hours": 12},
            {"person_id": "M1", "start_on": "2025-11-01", "hours": 50},
        ],
    )
    assert run("training.hours", from_trainings).status is Status.PASS
    unknown = snap("2026Q4", members=[{"id": "M1", "status": "full"}])
    assert "missing data" in run("training.hours", unknown).note

"""Examples for disclosure, points, supervision, rectification, coverage, composite, roll-up."""

from __future__ import annotations

from datetime import date
from typing import Any

from checkers_support import members, run, snap
from pbrules.checker import ChildRef, ChildScore
from pbrules.model.outcome import Outcome, Status

TOWN = {"id": "T01", "name": "Town", "kind": "township_committee", "category": None}
KIDS = (ChildRef("B01", "branch"), ChildRef("B02", "branch"), ChildRef("G01", "general_branch"))


def visit(vid: str, target: str, on: str, mode: str = "scheduled") -> dict[str, Any]:
    return {"id": vid, "target_org_id": target, "visited_on": on, "mode": mode}


def test_disclosure_per_quarter_and_channels() -> None:
    s = snap(
        disclosures=[
            {"id": "P1", "published_on": "2026-09-30", "channel": "online", "topics": ["a"]}
        ]
    )
    assert run("disclosure.frequency", s).status is Status.PASS
    assert run("disclosure.frequency", s, {"channels": ["board"]}).status is Status.FAIL
    assert run("disclosure.frequency", s, {"per": "month"}).misses == 2
    old = snap(disclosures=[{"id": "P1", "published_on": "2026-06-30"}])
    assert run("disclosure.frequency", old).status is Status.FAIL
    young = snap(organization={"founded_on": "2026-08-01"})
    assert run("disclosure.frequency", young).status is Status.NOT_APPLICABLE


def test_points_recorded_and_low_points_items() -> None:
    ms = [
        {"id": "M1", "status": "full", "points": 90},
        {"id": "M2", "status": "full", "points": 59.5},
        {"id": "M3", "status": "probationary"},
        {"id": "M4", "status": "full", "points": 10, "left_on": "2026-08-01"},
    ]
    out = run("points.recorded", snap(members=ms))
    assert out.status is Status.FAIL and out.misses == 1  # M3 unrecorded; M2 is only a finding
    assert (out.actual, out.expected) == (2, 3) and abs(out.compliance - 2 / 3) < 1e-9
    assert [i.subject.id for i in out.items] == ["M2"]
    assert "M3" in out.note
    assert run("points.recorded", snap(members=ms[:1])).status is Status.PASS
    assert run("points.recorded", snap()).status is Status.NOT_APPLICABLE


def test_points_under_the_threshold_are_findings_not_misses() -> None:
    ms = [{"id": f"M{i}", "status": "full", "points": 90} for i in range(4)]
    low = {"id": "M9", "status": "full", "points": 59.99}
    out = run("points.recorded", snap(members=[*ms, low]))
    assert out.status is Status.PASS and out.compliance == 1.0 and out.misses == 0
    assert (out.actual, out.expected) == (5, 5)
    assert [(i.subject.type, i.subject.id) for i in out.items] == [("member", "M9")]
    at = run("points.recorded", snap(members=[*ms, {**low, "points": 60}]))
    assert at.status is Status.PASS and at.items == ()
    off = run("points.recorded", snap(members=[*ms, low]), {"threshold": None})
    assert off.items == ()


def test_points_count_only_members_who_joined_by_as_of() -> None:
    ms = [{"id": "M1", "status": "full", "joined_on": "2010-01-01", "points": 90}]
    later = {"id": "M2", "status": "full", "joined_on": "2026-10-01"}  # the day after as_of
    assert run("points.recorded", snap(members=[*ms, later])).expected == 1
    on_as_of = {**later, "joined_on": "2026-09-30"}
    out = run("points.recorded", snap(members=[*ms, on_as_of]))
    assert out.status is Status.FAIL and out.expected == 2 and out.evidence == ("M2",)
    early = run("points.recorded", snap(members=[*ms, on_as_of]), as_of=date(2026, 9, 29))
    assert early.status is Status.PASS and early.expected == 1


def test_supervision_coverage_uses_the_tree() -> None:
    s = snap(
        organization=TOWN,
        visits=[
            visit("V1", "B01", "2026-07-01"),
            visit("V2", "B02", "2026-06-30"),
            visit("V3", "X99", "2026-08-01"),
        ],
    )
    out = run("supervision.coverage", s, children=KIDS)
    assert (out.actual, out.expected) == (1, 3) and out.evidence == ("B02", "G01")
    kinds = run("supervision.coverage", s, {"child_kinds": ["branch"]}, children=KIDS)
    assert (kinds.actual, kinds.expected) == (1, 2)
    items = run("supervision.coverage", s, {"per_subordinate_findings": True}, children=KIDS).items
    assert [i.subject.id for i in items] == ["B02", "G01"]
    assert run("supervision.coverage", s).status is Status.NOT_APPLICABLE
    unannounced = run("supervision.coverage", s, {"modes": ["unannounced"]}, children=KIDS)
    assert unannounced.actual == 0


def test_supervision_visits() -> None:
    s = snap(
        organization=TOWN,
        visits=[
            visit("V1", "B01", "2026-07-01", "unannounced"),
            visit("V2", "B01", "2026-10-01", "unannounced"),
        ],
    )
    assert run("supervision.visits", s).status is Status.PASS
    out = run("supervision.visits", s, {"min": 2})
    assert out.status is Status.FAIL and out.compliance == 0.5 and out.misses == 1


def test_rectification_overdue_and_ledger() -> None:
    items = [
        {
            "id": "R1",
            "responsible": "Li",
            "opened_on": "2026-07-01",
            "due_on": "2026-09-29",
            "status": "open",
        },
        {
            "id": "R2",
            "responsible": "Li",
            "opened_on": "2026-07-01",
            "due_on": "2026-09-30",
            "status": "open",
        },
        {
            "id": "R3",
            "opened_on": "2026-04-01",
            "due_on": "2026-05-01",
            "status": "closed",
            "closed_on": "2026-07-15",
        },
        {
            "id": "R4",
            "responsible": "Li",
            "opened_on": "2026-04-01",
            "due_on": "2026-05-01",
            "status": "rectified",
        },
        {
            "id": "R5",
            "responsible": "Li",
            "opened_on": "2026-04-01",
            "due_on": "2026-05-01",
            "closed_on": "2026-10-05",
        },
    ]
    out = run("rectification.overdue", snap(rectifications=items))
    assert out.evidence == ("R1", "R4", "R5") and out.misses == 3
    assert [i.subject.id for i in out.items] == ["R1", "R4", "R5"]
    lenient = run(
        "rectification.overdue",
        snap(rectifications=items),
        {"done_statuses": ["closed", "rectified"]},
    )
    assert lenient.evidence == ("R1", "R5")
    scoped = run("rectification.overdue", snap(rectifications=items), {"criteria": ["S02"]})
    assert scoped.status is Status.NOT_APPLICABLE
    ledger = run("rectification.ledger", snap(rectifications=items))
    assert ledger.evidence == ("R3",) and ledger.status is Status.FAIL
    assert run(
        "rectification.ledger", snap(rectifications=items), {"include_closed": False}
    ).evidence == ("R3",)
    assert run("rectification.ledger", snap()).status is Status.NOT_APPLICABLE


def test_coverage_three_checkers() -> None:
    units = [
        {"id": "U1", "full_members": 4, "mode": "joint"},
        {"id": "U2", "full_members": 1, "mode": "none", "instructor": False},
        {"id": "U3", "full_members": 5, "mode": "standalone"},
        {"id": "U4", "operating": False, "mode": "none"},
        {"id": "U5", "full_members": 2},
    ]
    s = snap(organization=TOWN, coverage_units=units)
    org = run("coverage.organizational", s)
    assert (org.actual, org.expected) == (2, 4) and org.evidence == ("U2", "U5")
    assert "U5" in org.note
    work = run("coverage.work", s)
    assert work.status is Status.FAIL and work.evidence == ("U2",)
    req = run("coverage.required", s)
    assert req.evidence == ("U1",) and [i.subject.id for i in req.items] == ["U1"]
    assert run("coverage.required", s, {"min_full_members": 6}).status is Status.NOT_APPLICABLE
    assert run("coverage.organizational", snap()).status is Status.NOT_APPLICABLE


def test_composite_triggers() -> None:
    meetings = [{"id": "E1", "type": "heart_talk", "held_on": "2026-07-02"}]
    fail = Outcome(Status.FAIL, compliance=0.0, misses=1)
    ok = Outcome(Status.PASS)
    params = {"any_failed": ["T02", "D07"], "no_meetings": True, "weak_lax_with_overdue": True}
    s = snap(members=members(1), meetings=meetings)
    assert (
        run("composite", s, params, outcomes={"T02": ok, "D07": Outcome.not_applicable()}).status
        is Status.PASS
    )
    out = run("composite", s, params, outcomes={"T02": fail, "D07": ok})
    assert out.status is Status.FAIL and out.evidence == ("T02",)
    empty = run("composite", snap(), params, outcomes={})
    assert empty.evidence == ("no-meetings",)
    typed = run("composite", s, {**params, "meeting_types": ["general_meeting"]}, outcomes={})
    assert typed.evidence == ("no-meetings",)
    weak = snap(
        organization={"weak_lax": True},
        meetings=meetings,
        rectifications=[
            {"id": "R1", "opened_on": "2026-07-01", "due_on": "2026-08-01", "status": "open"}
        ],
    )
    assert run("composite", weak, params).evidence == ("weak-lax-overdue:R1",)
    from checkers_support import CHECKERS

    assert CHECKERS["composite"].references(CHECKERS["composite"].parse_params(params)) == (
        "T02",
        "D07",
    )


def test_rollup_mean_base_total() -> None:
    scores = {
        "B01": ChildScore("B01", 90.0, 90.0, "excellent", True),
        "B02": ChildScore("B02", 40.0, 40.0, "weak", False),
    }
    out = run("rollup.subordinates", snap(organization=TOWN), child_results=scores)
    assert out.status is Status.PASS and out.compliance == 0.65 and out.evidence == ("B02",)
    strict = run(
        "rollup.subordinates", snap(organization=TOWN), {"pass_at": 70}, child_results=scores
    )
    assert strict.status is Status.FAIL
    complete = run(
        "rollup.subordinates",
        snap(organization=TOWN),
        {"include_incomplete": False},
        child_results=scores,
    )
    assert complete.compliance == 0.9
    assert run("rollup.subordinates", snap(organization=TOWN)).status is Status.NOT_APPLICABLE

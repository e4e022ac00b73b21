"""Property tests of every built-in checker: the monotone direction its docstring states, and
independence from the order of records.

For each checker a *satisfying addition* builds, from a random snapshot, the record (or change)
the docstring says never lowers compliance; the property checks that compliance does not drop,
that misses do not grow and that a pass stays a pass.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any, get_args

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from checkers_support import CHECKERS, run
from pbrules.builtin.checkers._records import ListName
from pbrules.checker import ChildRef, ChildScore
from pbrules.model.outcome import Outcome, Status
from pbrules.model.period import add_months
from pbrules.model.snapshot import (
    Body,
    CommitteePost,
    CommitteeRole,
    CoverageMode,
    CoverageUnit,
    DevelopmentCase,
    Disclosure,
    Document,
    DuesRow,
    Meeting,
    MeetingType,
    Member,
    MemberStatus,
    Rectification,
    RectificationStatus,
    ReserveCadre,
    Snapshot,
    Training,
    TrainingKind,
    VillageCommitteePost,
    Visit,
    VisitMode,
)
from pbrules.testing.strategies import periods, snapshots

SUBS = ("C1", "C2", "C3")
CHILDREN = tuple(ChildRef(c, "branch") for c in SUBS)
SETTINGS = settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# (checker, params) pairs exercised; the baseline's params and some variants.
CASES: list[tuple[str, dict[str, Any]]] = [
    ("meetings.frequency", {"type": "committee_meeting"}),
    ("meetings.frequency", {"type": "general_meeting", "per": "quarter"}),
    ("meetings.frequency", {"type": "group_meeting", "per_party_group": True}),
    ("meetings.frequency", {"type": "theme_day", "min": 2}),
    ("meetings.quorum", {}),
    ("meetings.records", {}),
    ("appraisal.democratic", {}),
    ("dues.monthly", {}),
    ("dues.arrears", {"months": 2}),
    ("dues.bracket", {}),
    ("disclosure.frequency", {}),
    ("disclosure.frequency", {"per": "month"}),
    ("points.recorded", {}),
    (
        "development.interval",
        {
            "from_field": "applied_on",
            "to_field": "talked_on",
            "max_days": 30,
            "window_on": "from",
            "lookback_months": 12,
        },
    ),
    (
        "development.interval",
        {
            "from_field": "activist_on",
            "to_field": "dev_object_on",
            "min_months": 12,
            "missing_from": "miss",
            "window_on": "latest",
            "lookback_months": 12,
        },
    ),
    (
        "development.interval",
        {
            "from_field": "accepted_on",
            "to_field": "approved_on",
            "max_months": 3,
            "lookback_months": 12,
        },
    ),
    (
        "development.interval",
        {
            "from_field": "accepted_on",
            "to_field": "converted_on",
            "max_months": 15,
            "exempt_if": ["extended_until"],
        },
    ),
    ("development.training", {}),
    ("development.pipeline", {}),
    ("committee.structure", {}),
    ("committee.vacancy", {}),
    ("committee.turnover", {}),
    ("term.expiry", {}),
    ("training.new_secretary", {}),
    ("training.hours", {}),
    ("supervision.coverage", {}),
    ("supervision.visits", {}),
    ("rectification.overdue", {}),
    ("rectification.ledger", {}),
    ("coverage.organizational", {}),
    ("coverage.work", {}),
    ("coverage.required", {}),
    (
        "composite",
        {"any_failed": ["T02", "D07"], "no_meetings": True, "weak_lax_with_overdue": True},
    ),
    ("rollup.subordinates", {}),
    ("measure", {"of": "members", "where": {"gender": "female"}, "agg": "count", "value": 2}),
    (
        "measure",
        {"of": "two_committees", "where": {"gender": "female"}, "agg": "share", "value": 0.3,
         "unit": 0.05},
    ),
    (
        "measure",
        {"of": "two_committees", "agg": "avg", "field": "age", "op": "<=", "value": 45, "unit": 1},
    ),
    ("measure", {"of": "reserve_cadres", "agg": "count", "value": 2, "when_empty": "zero"}),
    ("checklist", {"of": "bodies", "require": ["finance_group", "party_member_council"]}),
    ("checklist", {"of": "documents", "require": ["annual_plan"], "this_year": True}),
    ("feedback.problems", {}),
    ("feedback.problems", {"overdue_only": True, "late_counts": True}),
    ("campaign.steps", {"kind": "weak_lax_rectification"}),
    ("campaign.steps", {"kind": "five_transformations", "late_counts": False}),
    # PT04 of rules/patterns.yaml: a committee meeting is a record of its `not` element
    (
        "pattern",
        {
            "match": [
                {"as": "gm", "of": "meetings", "where": {"type": {"eq": "general_meeting"}}},
                {
                    "not": {
                        "of": "meetings",
                        "where": {
                            "type": {"eq": "committee_meeting"},
                            "held_on": {"within_days": {"of": "gm.held_on", "days": 30}},
                        },
                    }
                },
            ],
            "subject": {"type": "meeting", "id": "gm.id"},
        },
    ),
]

STATUSES = st.sampled_from([Status.PASS, Status.FAIL, Status.NOT_APPLICABLE])


@st.composite
def contexts(draw: st.DrawFn) -> tuple[Snapshot, dict[str, Outcome], dict[str, ChildScore]]:
    period = periods(["quarter"], min_year=2024, max_year=2027)
    snap = draw(snapshots(period=period, subordinate_ids=SUBS, max_members=5, max_records=4))
    outcomes = {
        cid: Outcome(s, compliance=1.0 if s is not Status.FAIL else 0.0)
        for cid, s in zip(("T02", "D07"), (draw(STATUSES), draw(STATUSES)), strict=True)
    }
    scores = {
        c: ChildScore(c, b, b, "fair", draw(st.booleans()))
        for c in SUBS
        if (b := draw(st.floats(0, 100))) is not None and draw(st.booleans())
    }
    return snap, outcomes, scores


def _run(name: str, params: dict[str, Any], snap: Snapshot, outcomes: Any, scores: Any) -> Outcome:
    return run(name, snap, params, children=CHILDREN, outcomes=outcomes, child_results=scores)


def _as_of(snap: Snapshot) -> date:
    return snap.effective_as_of


def _in_period(snap: Snapshot, rnd: random.Random) -> date:
    start, end = snap.period.start, _as_of(snap)
    return start + timedelta(days=rnd.randint(0, (end - start).days))


def _add(snap: Snapshot, field: str, *records: Any) -> Snapshot:
    return snap.model_copy(update={field: getattr(snap, field) + tuple(records)})


# -- satisfying additions, one per checker ----------------------------------------------------
Adder = Callable[[Snapshot, dict[str, Any], random.Random], tuple[Snapshot, Any, Any] | Snapshot]


def add_meeting(snap: Snapshot, params: dict[str, Any], rnd: random.Random) -> Snapshot:
    mtype = MeetingType(params.get("type", rnd.choice(list(MeetingType))))
    group = None
    if params.get("per_party_group") and snap.party_groups:
        group = rnd.choice(snap.party_groups).id
    return _add(
        snap,
        "meetings",
        Meeting(
            id="NEW",
            type=mtype,
            held_on=_in_period(snap, rnd),
            party_group_id=group,
            expected=10,
            attended=10,
            minutes=True,
            topics=("t",),
        ),
    )


def add_general_meeting(snap: Snapshot, params: dict[str, Any], rnd: random.Random) -> Snapshot:
    return add_meeting(snap, {"type": "general_meeting"}, rnd)


def add_appraisal(snap: Snapshot, params: dict[str, Any], rnd: random.Random) -> Snapshot:
    return add_meeting(snap, {"type": "democratic_appraisal"}, rnd)


def pay_a_month(snap: Snapshot, params: dict[str, Any], rnd: random.Random) -> Snapshot:
    if not snap.members:
        return snap
    member = rnd.choice(snap.members).id
    month = rnd.choice(snap.period.months)
    rows = [r for r in snap.dues if not (r.member_id == member and r.month == month)]
    rows.append(DuesRow(member_id=member, month=month, due=10, paid=1e6))
    return snap.model_copy(update={"dues": tuple(rows)})


def pay_bracket(snap: Snapshot, params: dict[str, Any], rnd: random.Random) -> Snapshot:
    """A payment far above any bracket, by a member whose bracket is known."""
    known = [
        m
        for m in snap.members
        if m.dues_category is not None
        and (m.monthly_income is not None or m.dues_category.value not in ("employed", "retired"))
    ]
    if not known:
        return snap
    member = rnd.choice(known).id
    month = rnd.choice(snap.period.months)
    rows = [r for r in snap.dues if not (r.member_id == member and r.month == month)]
    rows.append(DuesRow(member_id=member, month=month, due=10, paid=1e6))
    return snap.model_copy(update={"dues": tuple(rows)})


def add_disclosure(snap: Snapshot, params: dict[str, Any], rnd: random.Random) -> Snapshot:
    return _add(
        snap, "disclosures", Disclosure(id="NEW", published_on=_in_period(snap, rnd), topics=("t",))
    )


def add_good_member(snap: Snapshot, params: dict[str, Any], rnd: random.Random) -> Snapshot:
    return _add(snap, "members", Member(id="NEW", status=MemberStatus.FULL, points=100))


def add_good_case(snap: Snapshot, params: dict[str, Any], rnd: random.Random) -> Snapshot:
    """A case whose interval is within the bounds and whose dates fall in every window."""
    as_of = _as_of(snap)
    if "min_months" in params:  # one year and more, ending yesterday
        fields = {
            params["from_field"]: add_months(as_of, -14),
            params["to_field"]: as_of - timedelta(days=1),
        }
    else:  # a day apart, just before as_of
        fields = {
            params["from_field"]: as_of - timedelta(days=3),
            params["to_field"]: as_of - timedelta(days=2),
        }
    return _add(snap, "development", DevelopmentCase(person_id="NEW", **fields))


def add_trained_case(snap: Snapshot, params: dict[str, Any], rnd: random.Random) -> Snapshot:
    as_of = _as_of(snap)
    return _add(
        snap,
        "development",
        DevelopmentCase(
            person_id="NEW",
            dev_object_on=as_of - timedelta(days=60),
            accepted_on=as_of - timedelta(days=1),
            training_hours=30,
        ),
    )


def add_dev_object(snap: Snapshot, params: dict[str, Any], rnd: random.Random) -> Snapshot:
    return _add(
        snap,
        "development",
        DevelopmentCase(
            person_id="NEW", dev_object_on=_as_of(snap) - timedelta(days=rnd.randint(0, 700))
        ),
    )


def add_secretary(snap: Snapshot, params: dict[str, Any], rnd: random.Random) -> Snapshot:
    as_of = _as_of(snap)
    current = [
        p.person_id
        for p in snap.committee
        if p.appointed_on <= as_of
        and (p.left_on is None or p.left_on > as_of)
        and p.role is not CommitteeRole.FIRST_SECRETARY
    ]
    person = rnd.choice(current) if current else "NEW"
    return _add(
        snap,
        "committee",
        CommitteePost(
            person_id=person, role=CommitteeRole.SECRETARY, appointed_on=as_of - timedelta(days=10)
        ),
    )


def add_current_post(snap: Snapshot, params: dict[str, Any], rnd: random.Random) -> Snapshot:
    return _add(
        snap,
        "committee",
        CommitteePost(person_id="NEW", role=CommitteeRole.MEMBER, appointed_on=_as_of(snap)),
    )


def later_term(snap: Snapshot, params: dict[str, Any], rnd: random.Random) -> Snapshot:
    org = snap.organization
    start = org.term_started_on
    if start is None:
        return snap
    later = start + timedelta(days=rnd.randint(0, max(0, (_as_of(snap) - start).days)))
    return snap.model_copy(
        update={"organization": org.model_copy(update={"term_started_on": later})}
    )


def add_secretary_training(snap: Snapshot, params: dict[str, Any], rnd: random.Random) -> Snapshot:
    people = sorted({p.person_id for p in snap.committee}) or ["NEW"]
    return _add(
        snap,
        "trainings",
        Training(
            person_id=rnd.choice(people),
            kind=TrainingKind.NEW_SECRETARY,
            start_on=_as_of(snap),
            hours=8,
        ),
    )


def add_study(snap: Snapshot, params: dict[str, Any], rnd: random.Random) -> Snapshot:
    people = sorted({m.id for m in snap.members} | {p.person_id for p in snap.committee}) or ["NEW"]
    return _add(
        snap,
        "trainings",
        Training(
            person_id=rnd.choice(people),
            kind=TrainingKind.ROTATION,
            start_on=_as_of(snap),
            hours=100,
        ),
    )


def add_visit(snap: Snapshot, params: dict[str, Any], rnd: random.Random) -> Snapshot:
    return _add(
        snap,
        "visits",
        Visit(
            id="NEW",
            target_org_id=rnd.choice(SUBS),
            visited_on=_in_period(snap, rnd),
            mode=VisitMode.UNANNOUNCED,
        ),
    )


def add_rectification(snap: Snapshot, params: dict[str, Any], rnd: random.Random) -> Snapshot:
    as_of = _as_of(snap)
    return _add(
        snap,
        "rectifications",
        Rectification(
            id="NEW",
            responsible="Li",
            opened_on=as_of,
            due_on=as_of + timedelta(days=30),
            status=RectificationStatus.OPEN,
        ),
    )


def close_or_add_rectification(
    snap: Snapshot, params: dict[str, Any], rnd: random.Random
) -> Snapshot:
    if snap.rectifications and rnd.random() < 0.5:
        items = list(snap.rectifications)
        i = rnd.randrange(len(items))
        items[i] = items[i].model_copy(
            update={"status": RectificationStatus.CLOSED, "closed_on": None}
        )
        return snap.model_copy(update={"rectifications": tuple(items)})
    return add_rectification(snap, params, rnd)


def add_covered_unit(snap: Snapshot, params: dict[str, Any], rnd: random.Random) -> Snapshot:
    return _add(
        snap, "coverage_units", CoverageUnit(id="NEW", full_members=5, mode=CoverageMode.STANDALONE)
    )


def add_instructed_unit(snap: Snapshot, params: dict[str, Any], rnd: random.Random) -> Snapshot:
    return _add(
        snap, "coverage_units", CoverageUnit(id="NEW", mode=CoverageMode.NONE, instructor=True)
    )


# -- v2 generic checkers ------------------------------------------------------------------------
def add_measured(snap: Snapshot, params: dict[str, Any], rnd: random.Random) -> Snapshot:
    """A record in scope that matches ``where`` and whose age meets an age threshold."""
    of = params["of"]
    where = {k: v for k, v in params.get("where", {}).items()}
    person = {"birth_date": date(2000, 1, 1), **where}
    if of == "members":
        return _add(snap, "members", Member(id="NEW", status=MemberStatus.FULL, **person))
    if of == "reserve_cadres":
        cadre = ReserveCadre(person_id="NEW", identified_on=date(2015, 1, 1))
        return _add(snap, "reserve_cadres", cadre)
    return _add(
        snap,
        "village_committee",
        VillageCommitteePost(person_id="NEWP", appointed_on=date(2015, 1, 1), **person),
    )


def add_listed(snap: Snapshot, params: dict[str, Any], rnd: random.Random) -> Snapshot:
    kind = rnd.choice(params["require"])
    if params["of"] == "documents":
        return _add(
            snap, "documents", Document(id="NEW", kind=kind, year=snap.period.start.year)
        )
    return _add(snap, "bodies", Body(id="NEW", kind=kind, established_on=date(2015, 1, 1)))


def rectify_feedback(snap: Snapshot, params: dict[str, Any], rnd: random.Random) -> Snapshot:
    items = list(snap.feedback)
    if not items:
        return snap
    i = rnd.randrange(len(items))
    items[i] = items[i].model_copy(update={"rectified_on": items[i].found_on})
    return snap.model_copy(update={"feedback": tuple(items)})


def finish_step(snap: Snapshot, params: dict[str, Any], rnd: random.Random) -> Snapshot:
    """A due step of a campaign of the kind marked done on its due date."""
    as_of = _as_of(snap)
    spots = [
        (ci, si)
        for ci, c in enumerate(snap.campaigns)
        if c.kind == params["kind"]
        for si, st_ in enumerate(c.steps)
        if st_.due_on is not None and st_.due_on <= as_of
    ]
    if not spots:
        return snap
    ci, si = rnd.choice(spots)
    campaign = snap.campaigns[ci]
    steps = list(campaign.steps)
    steps[si] = steps[si].model_copy(update={"done_on": steps[si].due_on})
    campaigns = list(snap.campaigns)
    campaigns[ci] = campaign.model_copy(update={"steps": tuple(steps)})
    return snap.model_copy(update={"campaigns": tuple(campaigns)})


ADDERS: dict[str, Adder] = {
    "meetings.frequency": add_meeting,
    "meetings.quorum": add_general_meeting,
    "meetings.records": add_meeting,
    "appraisal.democratic": add_appraisal,
    "dues.monthly": pay_a_month,
    "dues.arrears": pay_a_month,
    "dues.bracket": pay_bracket,
    "disclosure.frequency": add_disclosure,
    "points.recorded": add_good_member,
    "development.interval": add_good_case,
    "development.training": add_trained_case,
    "development.pipeline": add_dev_object,
    "committee.structure": add_secretary,
    "committee.vacancy": add_secretary,
    "committee.turnover": add_current_post,
    "term.expiry": later_term,
    "training.new_secretary": add_secretary_training,
    "training.hours": add_study,
    "supervision.coverage": add_visit,
    "supervision.visits": add_visit,
    "rectification.overdue": close_or_add_rectification,
    "rectification.ledger": add_rectification,
    "coverage.organizational": add_covered_unit,
    "coverage.work": add_instructed_unit,
    "coverage.required": add_covered_unit,
    "composite": add_meeting,
    "rollup.subordinates": lambda snap, params, rnd: snap,
    "measure": add_measured,
    "checklist": add_listed,
    "feedback.problems": rectify_feedback,
    "campaign.steps": finish_step,
    "pattern": lambda snap, params, rnd: add_meeting(snap, {"type": "committee_meeting"}, rnd),
}


def _improve_context(
    name: str, outcomes: dict[str, Outcome], scores: dict[str, ChildScore], rnd: random.Random
) -> tuple[dict[str, Outcome], dict[str, ChildScore]]:
    """The non-record side of an improvement: a listed criterion passes, a child scores more."""
    outcomes = dict(outcomes)
    scores = dict(scores)
    if name == "composite" and outcomes:
        outcomes[rnd.choice(sorted(outcomes))] = Outcome(Status.PASS)
    if name == "rollup.subordinates" and scores:
        cid = rnd.choice(sorted(scores))
        old = scores[cid]
        new = min(100.0, old.base_total + rnd.uniform(0, 50))
        scores[cid] = ChildScore(cid, new, new, old.grade, old.complete)
    return outcomes, scores


def test_every_checker_is_exercised() -> None:
    assert {name for name, _ in CASES} == set(CHECKERS) - {"condition"}
    assert set(ADDERS) == set(CHECKERS) - {"condition"}


#: The snapshot's record lists, in the order the checkers' ``of`` parameter names them
#: (``two_committees`` is a view over two of them, not a list of its own).
RECORD_LISTS = [name for name in get_args(ListName) if name != "two_committees"]


def _shuffled(snap: Snapshot, rnd: random.Random) -> Snapshot:
    update = {}
    for field in RECORD_LISTS:
        items = list(getattr(snap, field))
        rnd.shuffle(items)
        update[field] = tuple(items)
    return snap.model_copy(update=update)


@pytest.mark.parametrize(
    ("name", "params"), CASES, ids=[f"{n}-{i}" for i, (n, _) in enumerate(CASES)]
)
@SETTINGS
@given(ctx=contexts(), seed=st.integers(0, 2**32 - 1))
def test_monotone_and_order_independent(
    name: str, params: dict[str, Any], ctx: Any, seed: int
) -> None:
    """One draw checks both properties (generating snapshots is the expensive part)."""
    snap, outcomes, scores = ctx
    rnd = random.Random(seed)
    before = _run(name, params, snap, outcomes, scores)

    # the stated monotone direction
    better = ADDERS[name](snap, params, rnd)
    assert isinstance(better, Snapshot)
    outcomes2, scores2 = _improve_context(name, outcomes, scores, rnd)
    after = _run(name, params, better, outcomes2, scores2)
    assert after.compliance >= before.compliance - 1e-9, (before, after)
    assert after.misses <= before.misses, (before, after)
    if before.status is Status.PASS:
        assert after.status is Status.PASS, (before, after)

    # record order, child order and result order change nothing
    children = list(CHILDREN)
    rnd.shuffle(children)
    shuffled_scores = dict(sorted(scores.items(), key=lambda _: rnd.random()))
    again = run(
        name,
        _shuffled(snap, rnd),
        params,
        children=tuple(children),
        outcomes=outcomes,
        child_results=shuffled_scores,
    )
    assert again == before

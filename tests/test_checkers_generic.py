"""The generic checkers of DESIGN §12.3 (measure, checklist, feedback.problems, campaign.steps)
and each edge rule docs/checkers.md states."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from checkers_support import CHECKERS, run, snap
from pbrules.builtin.checkers.measure import misses_for
from pbrules.model.derived import age
from pbrules.model.outcome import Status
from pbrules.model.snapshot import Body, Snapshot
from pbrules.testing.strategies import BODY_KINDS, bodies, snapshots

AS_OF = date(2026, 9, 30)


def post(pid: str, role: str = "member", **kw: Any) -> dict[str, Any]:
    return {"person_id": pid, "role": role, "appointed_on": "2021-05-01", **kw}


def measure(s: Any, **params: Any) -> Any:
    return run("measure", s, params, as_of=AS_OF)


# -- measure: age ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("born", "expected"),
    [("1991-09-30", 35), ("1991-10-01", 34), ("1991-09-29", 35)],
)
def test_age_counts_the_birthday_on_as_of(born: str, expected: int) -> None:
    s = snap(committee=[post("M1", "secretary", birth_date=born)])
    out = measure(s, of="committee", agg="max", field="age", op="<=", value=34)
    assert out.actual == expected
    assert out.status is (Status.PASS if expected <= 34 else Status.FAIL)
    young = measure(s, of="committee", where={"age": {"<": 35}}, agg="count", value=1)
    assert young.status is (Status.PASS if expected < 35 else Status.FAIL)


def test_feb_29_birthday_is_reached_on_march_1() -> None:
    s = snap(committee=[post("M1", birth_date="1992-02-29")])
    on_28 = run("measure", s, {"of": "committee", "agg": "min", "field": "age", "value": 0},
                as_of=date(2027, 2, 28), period="2027Q1")
    on_1 = run("measure", s, {"of": "committee", "agg": "min", "field": "age", "value": 0},
               as_of=date(2027, 3, 1), period="2027Q1")
    assert (on_28.actual, on_1.actual) == (34, 35)


# -- measure: two committees ----------------------------------------------------------------------
def test_a_person_on_both_committees_counts_once_with_party_committee_fields() -> None:
    s = snap(
        members=[{"id": "M1", "education": "associate"}],
        committee=[post("M1", "secretary", gender="female", birth_date="1980-01-01")],
        village_committee=[
            post("M1", "director", gender="male", birth_date="1970-01-01", tags=["wealth_leader"]),
            post("P2", "member", gender="male", birth_date="1990-01-01"),
        ],
    )
    count = measure(s, of="two_committees", agg="count", value=0)
    assert count.actual == 2 and set(count.evidence) == {"M1", "P2"}
    women = measure(s, of="two_committees", where={"gender": "female"}, value=1)
    assert women.status is Status.PASS and women.evidence == ("M1",)
    avg = measure(s, of="two_committees", agg="avg", field="age", op="<=", value=45)
    assert avg.actual == pytest.approx((46 + 36) / 2)  # 1980 from the party post, not 1970
    # fields the party post leaves null come from the village post, then from the member
    leader = measure(s, of="two_committees", where={"tags": "wealth_leader"}, value=1)
    assert leader.evidence == ("M1",)
    educated = measure(s, of="two_committees", where={"education": "associate"}, value=1)
    assert educated.evidence == ("M1",)
    # 一肩挑: the secretary is also the director
    both = measure(
        s, of="two_committees", where={"committee_role": "secretary", "village_role": "director"},
        value=1,
    )
    assert both.status is Status.PASS
    assert measure(s, of="two_committees", where={"on_both": True}, value=2).actual == 1


@pytest.mark.parametrize(
    ("left_on", "current"),
    [("2026-09-29", False), ("2026-09-30", False), ("2026-10-01", True), (None, True)],
)
def test_a_post_left_before_on_or_after_as_of(left_on: str | None, current: bool) -> None:
    s = snap(committee=[post("M1", left_on=left_on, leave_reason="resigned" if left_on else None)])
    out = measure(s, of="committee", agg="count", value=1, when_empty="zero")
    assert out.actual == (1 if current else 0)
    both = measure(s, of="two_committees", agg="count", value=1, when_empty="zero")
    assert both.actual == (1 if current else 0)
    history = measure(s, of="committee", current=False, agg="count", value=1)
    assert history.actual == 1


def test_a_post_appointed_after_as_of_is_not_current() -> None:
    s = snap(committee=[post("M1", appointed_on="2026-10-01")])
    assert measure(s, of="committee", agg="count", value=1, when_empty="zero").actual == 0


# -- measure: units, shares, missing data ----------------------------------------------------------
def test_share_shortfall_in_units_is_rounded_before_ceil() -> None:
    assert misses_for(0.50, ">=", 0.55, 0.01) == 5
    assert misses_for(0.5, ">=", 0.55, None) == 1
    assert misses_for(47.2, "<=", 45, 1) == 3  # 每超过1岁扣3分: 2.2 years over -> 3 units
    assert misses_for(3, ">", 3, 1) == 1  # a strict comparison failing at equality: 1 miss
    # a share of 0.50 against 0.55 in points of 0.01
    s = snap(
        village_committee=[post(f"P{i}", education="bachelor" if i < 5 else "primary")
                           for i in range(10)]
    )
    out = measure(
        s, of="village_committee", where={"education": ["bachelor", "postgraduate"]}, agg="share",
        op=">=", value=0.55, unit=0.01,
    )
    assert out.status is Status.FAIL and out.actual == 0.5 and out.misses == 5


def test_unknown_fields_are_left_out_of_a_share() -> None:
    s = snap(village_committee=[post("P1", gender="female"), post("P2", gender="male"),
                                post("P3")])
    out = measure(s, of="village_committee", where={"gender": "female"}, agg="share", value=0.5)
    assert out.actual == 0.5 and out.status is Status.PASS


@pytest.mark.parametrize(
    "params",
    [
        {"of": "village_committee", "agg": "share", "where": {"gender": "female"}, "value": 0.3},
        {"of": "village_committee", "agg": "avg", "field": "age", "op": "<=", "value": 45},
        {"of": "reserve_cadres", "agg": "count", "value": 1},
        {"of": "two_committees", "where": {"gender": "female"}, "value": 1},
    ],
)
def test_empty_lists_and_unknown_values_are_missing_data(params: dict[str, Any]) -> None:
    s = snap(committee=[post("M1", "secretary")], village_committee=[post("P1")])
    out = measure(s, **params)
    assert out.status is Status.FAIL and out.note.startswith("missing data")
    assert out.compliance == 0.0
    quiet = measure(s, **params, when_empty="not_applicable")
    if params.get("agg") != "avg":  # records are known; only their ages are not
        assert quiet.status is Status.NOT_APPLICABLE


def test_count_zero_and_sum() -> None:
    s = snap(facilities=[{"id": "F1", "kind": "activity_room", "area_m2": 80},
                         {"id": "F2", "kind": "service_station", "area_m2": 40}])
    total = measure(s, of="facilities", agg="sum", field="area_m2", op=">=", value=100)
    assert total.status is Status.PASS and total.actual == 120
    none = measure(snap(), of="bodies", agg="count", op="<=", value=0, when_empty="zero")
    assert none.status is Status.PASS


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"of": "two_committee", "value": 1}, "two_committees"),
        ({"of": "members", "where": {"gendr": "female"}, "value": 1}, "did you mean 'gender'"),
        ({"of": "members", "where": {"age": {"=>": 35}}, "value": 1}, "did you mean '>='"),
        ({"of": "members", "agg": "avg", "value": 1}, "needs a field"),
        ({"of": "members", "agg": "avg", "field": "aeg", "value": 1}, "did you mean 'age'"),
        ({"of": "members", "field": "age", "value": 1}, "reads no field"),
        ({"of": "members", "value": 1, "unit": 0}, "greater than 0"),
        ({"of": "members", "where": {"tags": {"in": "x"}}, "value": 1}, "expected a list"),
    ],
)
def test_measure_params_are_checked_at_load(params: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        CHECKERS["measure"].parse_params(params)


# -- checklist ---------------------------------------------------------------------------------
BODIES = ["party_member_council", "villager_representatives", "finance_group"]


def test_checklist_counts_absent_kinds_and_names_them() -> None:
    s = snap(bodies=[
        {"id": "B1", "kind": "finance_group", "established_on": "2020-01-01"},
        {"id": "B2", "kind": "party_member_council", "established_on": "2020-01-01",
         "dissolved_on": "2026-09-01"},
        {"id": "B3", "kind": "villager_representatives", "established_on": "2026-10-05"},
    ])
    out = run("checklist", s, {"of": "bodies", "require": BODIES}, as_of=AS_OF)
    assert out.status is Status.FAIL and out.misses == 2
    assert out.evidence == ("absent:party_member_council", "absent:villager_representatives")
    assert out.compliance == pytest.approx(1 / 3)


def test_checklist_empty_list_is_missing_data_or_not_applicable() -> None:
    out = run("checklist", snap(), {"of": "bodies", "require": BODIES}, as_of=AS_OF)
    assert out.status is Status.FAIL and out.misses == 3 and out.note.startswith("missing data")
    quiet = run("checklist", snap(), {"of": "bodies", "require": BODIES,
                                      "when_empty": "not_applicable"}, as_of=AS_OF)
    assert quiet.status is Status.NOT_APPLICABLE


def test_checklist_this_year_and_where() -> None:
    s = snap(
        documents=[{"id": "D1", "kind": "annual_plan", "year": 2025},
                   {"id": "D2", "kind": "annual_plan", "issued_on": "2026-02-01"}],
        facilities=[{"id": "F1", "kind": "activity_room", "signage": False}],
    )
    plan = run("checklist", s, {"of": "documents", "require": ["annual_plan"], "this_year": True},
               as_of=AS_OF)
    assert plan.status is Status.PASS and plan.evidence == ("D2",)
    room = run("checklist", s, {"of": "facilities", "require": ["activity_room"],
                                "where": {"signage": True}}, as_of=AS_OF)
    assert room.status is Status.FAIL
    with pytest.raises(ValidationError, match="documents only"):
        CHECKERS["checklist"].parse_params({"of": "bodies", "require": ["x"], "this_year": True})


# -- feedback.problems ---------------------------------------------------------------------------
FEEDBACK = [
    {"id": "K1", "found_on": "2026-07-02", "mode": "unannounced", "problem": "no minutes",
     "due_on": "2026-08-01", "rectified_on": "2026-07-20"},
    {"id": "K2", "found_on": "2026-07-10", "mode": "unannounced", "due_on": "2026-08-10"},
    {"id": "K3", "found_on": "2026-09-20", "mode": "scheduled", "due_on": "2026-10-20"},
    {"id": "K4", "found_on": "2026-05-01", "mode": "unannounced", "due_on": "2026-06-01",
     "rectified_on": "2026-06-15"},
    {"id": "K5", "found_on": "2026-10-02", "mode": "unannounced"},
]


def test_feedback_open_problems_each_a_finding() -> None:
    out = run("feedback.problems", snap(feedback=FEEDBACK), {}, as_of=AS_OF)
    assert out.status is Status.FAIL and out.misses == 2  # K2, K3 open; K5 found after as_of
    assert [i.subject.id for i in out.items] == ["K2", "K3"]
    assert out.compliance == pytest.approx(1 - 2 / 4)


def test_feedback_scope_and_timeliness() -> None:
    s = snap(feedback=FEEDBACK)
    since = run("feedback.problems", s, {"since": "period_start", "modes": ["unannounced"]},
                as_of=AS_OF)
    assert [i.subject.id for i in since.items] == ["K2"]
    overdue = run("feedback.problems", s, {"overdue_only": True}, as_of=AS_OF)
    assert [i.subject.id for i in overdue.items] == ["K2"]  # K3 is not due yet
    late = run("feedback.problems", s, {"overdue_only": True, "late_counts": True}, as_of=AS_OF)
    assert [i.subject.id for i in late.items] == ["K4", "K2"]


def test_feedback_rectified_on_as_of_is_closed_and_none_is_not_applicable() -> None:
    item = {"id": "K1", "found_on": "2026-07-02", "rectified_on": "2026-09-30"}
    assert run("feedback.problems", snap(feedback=[item]), {}, as_of=AS_OF).status is Status.PASS
    assert run("feedback.problems", snap(), {}, as_of=AS_OF).status is Status.NOT_APPLICABLE


# -- campaign.steps ------------------------------------------------------------------------------
CAMPAIGN = {
    "id": "W1", "kind": "weak_lax_rectification", "started_on": "2026-03-01",
    "target_on": "2026-09-01",
    "steps": [
        {"name": "plan", "due_on": "2026-03-31", "done_on": "2026-03-20"},
        {"name": "contacts", "due_on": "2026-04-30", "done_on": "2026-05-10"},
        {"name": "measures", "due_on": "2026-08-31"},
        {"name": "review", "due_on": "2026-12-31"},
    ],
}


def test_campaign_steps_due_late_missing_and_acceptance() -> None:
    s = snap(campaigns=[CAMPAIGN])
    out = run("campaign.steps", s, {"kind": "weak_lax_rectification", "require": ["plan", "talks"]},
              as_of=AS_OF)
    ids = [i.subject.id for i in out.items]
    assert ids == ["W1/talks", "W1/contacts", "W1/measures", "W1/acceptance"]
    assert out.misses == 4 and out.expected == 5 and out.compliance == pytest.approx(1 / 5)
    lenient = run("campaign.steps", s, {"kind": "weak_lax_rectification", "late_counts": False,
                                        "acceptance": False}, as_of=AS_OF)
    assert [i.subject.id for i in lenient.items] == ["W1/measures"]


def test_campaign_of_another_kind_or_none_is_not_applicable() -> None:
    s = snap(campaigns=[CAMPAIGN])
    five = run("campaign.steps", s, {"kind": "five_transformations"}, as_of=AS_OF)
    assert five.status is Status.NOT_APPLICABLE
    strict = run("campaign.steps", s, {"kind": "five_transformations", "when_missing": "fail"},
                 as_of=AS_OF)
    assert strict.status is Status.FAIL and strict.note.startswith("missing data")


# -- derived cross roles and needs_any -----------------------------------------------------------
def test_posts_carry_the_role_held_on_the_other_committee() -> None:
    s = snap(
        committee=[post("M1", "secretary"), post("M2", "organization")],
        village_committee=[post("M1", "director"), post("P3", "member")],
    )
    dual = measure(s, of="village_committee", where={"role": "director",
                                                     "committee_role": "secretary"}, value=1)
    assert dual.status is Status.PASS and dual.evidence == ("M1",)
    only_party = measure(s, of="committee", where={"village_role": "none"}, value=1)
    assert only_party.evidence == ("M2",)


def test_needs_any_treats_a_field_nobody_gives_as_missing_data() -> None:
    params = {"of": "members", "where": {"post": {"!=": None}}, "agg": "share", "value": 0.5,
              "needs_any": ["post"]}
    none_given = snap(members=[{"id": "M1"}, {"id": "M2"}])
    assert measure(none_given, **params).note.startswith("missing data")
    assert measure(none_given, **params, when_empty="not_applicable").status is (
        Status.NOT_APPLICABLE
    )
    one_given = snap(members=[{"id": "M1", "post": "mediation"}, {"id": "M2"}, {"id": "M3"}])
    out = measure(one_given, **params)
    assert out.status is Status.FAIL and out.actual == pytest.approx(1 / 3, abs=1e-6)
    with pytest.raises(ValidationError, match="did you mean 'post'"):
        CHECKERS["measure"].parse_params({**params, "needs_any": ["psot"]})


# -- properties: any added body, any age ---------------------------------------------------------
PROPS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPS
@given(
    snapshots(period="2026Q3", kinds=["branch"], max_members=3, max_records=3),
    bodies("ADDED"),
    st.lists(st.sampled_from(BODY_KINDS), min_size=1, max_size=3, unique=True),
)
def test_adding_a_body_never_lowers_a_checklist_score(
    s: Snapshot, body: Body, require: list[str]
) -> None:
    params = {"of": "bodies", "require": require}
    before = run("checklist", s, params)
    after = run("checklist", s.model_copy(update={"bodies": (*s.bodies, body)}), params)
    assert after.compliance >= before.compliance
    assert after.misses <= before.misses
    assert before.status is not Status.PASS or after.status is Status.PASS


@PROPS
@given(st.dates(date(1940, 1, 1), date(2010, 12, 31)), st.dates(date(2011, 1, 1), date(2030, 1, 1)))
def test_age_counts_whole_years_with_the_birthday(born: date, as_of: date) -> None:
    years = age(born, as_of)
    assert years is not None and years >= 0
    try:
        birthday = born.replace(year=born.year + years)
    except ValueError:  # 29 February in a common year: reached on 1 March
        birthday = date(born.year + years, 3, 1)
    assert birthday <= as_of
    try:
        nxt = born.replace(year=born.year + years + 1)
    except ValueError:
        nxt = date(born.year + years + 1, 3, 1)
    assert as_of < nxt


def test_where_values_are_checked_and_education_compares_on_its_scale() -> None:
    s = snap(village_committee=[post("P1", education="associate"), post("P2", education="primary"),
                                post("P3", education="postgraduate", birth_date="1990-05-01")])
    higher = measure(s, of="village_committee", where={"education": {">=": "associate"}},
                     value=2)
    assert higher.status is Status.PASS and higher.evidence == ("P1", "P3")
    born = measure(s, of="village_committee", where={"birth_date": {">=": date(1990, 1, 1)}},
                   value=1)
    assert born.evidence == ("P3",)
    both = measure(s, of="two_committees", where={"role": ["director", "secretary"]}, value=0)
    assert both.status is Status.PASS
    for where, message in (
        ({"gender": "femal"}, "did you mean 'female'"),
        ({"education": {">=": "college"}}, "invalid value 'college'"),
        ({"village_role": "directer"}, "did you mean 'director'"),
    ):
        with pytest.raises(ValidationError, match=message):
            CHECKERS["measure"].parse_params({"of": "committee", "where": where, "value": 1})

"""The two pattern backends, one meaning: hypothesis generates snapshots, both backends must
give identical outcomes for PT01-PT04 and extra patterns that exercise every operator.

Hypothesis generates at least 500 snapshots (``max_examples``) and the Python backend evaluates
each as it is generated; the durable-rules backend then evaluates all of them in one worker
call (one chunk, one ruleset), which keeps the wall time to seconds. A mismatch names the
snapshot as JSON.
"""

from __future__ import annotations

import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pbrules.model.snapshot import Snapshot
from pbrules.packs.loader import load_pack
from pbrules.patterns import PatternParams, WorkerOptions, durable_available, evaluate_patterns
from pbrules.patterns.plan import Plan

RULES = Path(__file__).resolve().parent.parent / "rules"
EXAMPLES = 500

pytestmark = pytest.mark.skipif(not durable_available(), reason="durable-rules not installed")

# Dates around the period's edges and 30 / 31 days apart, so same-day, day-30 and day-31
# coincidences are frequent.
_BASE = [date(2026, 6, 30), date(2026, 7, 1), date(2026, 7, 15), date(2026, 8, 15)]
DATES = sorted(
    {d + timedelta(days=k) for d in _BASE for k in (0, 1, 29, 30, 31, 60, 91)}
    | {date(2026, 9, 29), date(2026, 9, 30), date(2026, 10, 1)}
)
MONTHS = ["2026-06", "2026-07", "2026-08", "2026-09", "2026-10"]
PEOPLE = ["M1", "M2", "M3"]

maybe_date = st.none() | st.sampled_from(DATES)
later = st.none() | st.sampled_from([0, 1, 29, 30, 31, 92])


def after(draw: st.DrawFn, start: date) -> date | None:
    """None, or a date on or after ``start`` (the model requires that order)."""
    days = draw(later)
    return None if days is None else start + timedelta(days=days)
amount = st.none() | st.sampled_from([0, 10, 20.5])


@st.composite
def snapshots(draw: st.DrawFn) -> Snapshot:
    committee = []
    for p in draw(st.lists(st.sampled_from([*PEOPLE, "X9"]), max_size=3)):
        start = draw(st.sampled_from(DATES))
        committee.append({"person_id": p, "appointed_on": start, "left_on": after(draw, start)})
    dues_keys = draw(
        st.lists(st.tuples(st.sampled_from(PEOPLE), st.sampled_from(MONTHS)), max_size=5,
                 unique=True)
    )  # fmt: skip
    dues = [{"member_id": m, "month": mo, "due": draw(amount), "paid": draw(amount)}
            for m, mo in dues_keys]  # fmt: skip
    kinds = st.sampled_from(["general_meeting", "committee_meeting", "theme_day"])
    meetings = [
        {"id": f"E{i}", "type": draw(kinds), "held_on": draw(st.sampled_from(DATES))}
        for i in range(draw(st.integers(0, 5)))
    ]
    development = [
        {"person_id": f"A{i}", "accepted_on": draw(maybe_date)}
        for i in range(draw(st.integers(0, 3)))
    ]
    feedback = []
    for i in range(draw(st.integers(0, 4))):
        found = draw(st.sampled_from(DATES))
        feedback.append(
            {
                "id": f"K{i}",
                "found_on": found,
                "criterion": draw(st.none() | st.sampled_from(["S01", "S02"])),
                "rectified_on": after(draw, found),
            }
        )
    # Raw extension records with mixed kinds: a text where a date or number is expected.
    items = [
        {
            "id": f"I{i}",
            "member_id": draw(st.sampled_from(PEOPLE)),
            "on": draw(st.none() | st.sampled_from([*map(str, DATES[:12]), "soon"])),
            "n": draw(st.sampled_from([0, 1, "1", None, True, float("inf")])),
        }
        for i in range(draw(st.integers(0, 4)))
    ]
    return Snapshot.model_validate(
        {
            "period": "2026Q3",
            "as_of": draw(st.none() | st.sampled_from([date(2026, 8, 31), date(2026, 9, 29)])),
            "organization": {"id": "B01", "name": "B", "kind": "branch"},
            "members": [{"id": p} for p in PEOPLE],
            "committee": committee,
            "dues": dues,
            "meetings": meetings,
            "development": development,
            "feedback": feedback,
            "extensions": {"demo": {"items": items}},
        }
    )


EXTRA: dict[str, dict[str, Any]] = {
    # literals, `in`, `ne`, null tests and an `any` on one list
    "X1": {
        "match": [
            {
                "as": "m",
                "of": "meetings",
                "where": {
                    "type": {"in": ["theme_day", "general_meeting"]},
                    "held_on": {"lt": date(2026, 8, 15), "ne": date(2026, 7, 1)},
                    "id": {"ne": "E0"},
                },
            }
        ],
        "subject": {"type": "meeting", "id": "m.id"},
    },
    # raw extension records: a window after a meeting, a number, and a join on a member
    "X2": {
        "match": [
            {"as": "m", "of": "meetings", "where": {"type": {"eq": "theme_day"}}},
            {
                "as": "i",
                "of": "extensions.demo.items",
                "where": {
                    "on": {"within_days": {"of": "m.held_on", "days": 31, "side": "after"}},
                    "n": {"eq": 1},
                },
            },
            {"as": "p", "of": "committee", "current": True, "join": {"person_id": "i.member_id"}},
        ],
        "subject": {"type": "person", "id": "p.person_id"},
    },
    # two absences and an order between two bindings
    "X3": {
        "match": [
            {"as": "c", "of": "development", "where": {"accepted_on": {"null": False}}},
            {"not": {"of": "meetings", "where": {"held_on": {"after": "c.accepted_on"}}}},
            {"as": "f", "of": "feedback", "where": {"found_on": {"before": "c.accepted_on"}},
             "any": [{"rectified_on": {"null": True}}, {"criterion": {"eq": "S01"}}]},
            {
                "not": {
                    "of": "dues",
                    "where": {"paid": {"ge": 10}, "month": {"in_period": True, "le": "2026-08"}},
                }
            },
        ],
        "subject": {"type": "feedback", "id": "f.id"},
    },
}


def all_plans() -> dict[str, Plan]:
    pack = load_pack(RULES / "patterns.yaml")
    plans = {
        c.id: PatternParams.model_validate(c.params).plan
        for c in pack.model.active_criteria
        if c.check == "pattern"
    }
    plans.update({k: PatternParams.model_validate(v).plan for k, v in EXTRA.items()})
    return plans


@pytest.mark.slow
def test_python_and_durable_backends_agree() -> None:
    plans = all_plans()
    entries: list[tuple[Snapshot, Any, date]] = []
    expected: list[Any] = []

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(snapshots())
    def collect(snapshot: Snapshot) -> None:
        entry = (snapshot, snapshot.period, snapshot.effective_as_of)
        entries.append(entry)
        expected.append(evaluate_patterns([entry], plans, "python")[0])

    started = time.perf_counter()
    collect()
    assert len(entries) >= EXAMPLES
    durable = evaluate_patterns(entries, plans, "durable", WorkerOptions(chunk=1000))
    elapsed = time.perf_counter() - started
    statuses = {o.status for per in expected for o in per.values()}
    assert len(statuses) >= 3, "the generated snapshots pass, fail and are not applicable"
    failing = {k for per in expected for k, o in per.items() if o.status.value == "fail"}
    assert failing >= {"PT01", "PT02", "PT03", "PT04", "X1"}
    for (snapshot, _, _), want, got in zip(entries, expected, durable, strict=True):
        assert got == want, f"backends differ on {snapshot.model_dump_json()}"
    print(f"{len(entries)} snapshots, both backends identical, {elapsed:.1f} s")

"""The generator's snapshot v2 records (DESIGN §12.1): valid, realistic, and additive.

The v2 records are drawn from generators of their own, so the v1 part of every snapshot is the
same with or without them.
"""

from __future__ import annotations

from datetime import date
from functools import cache
from typing import Any

import pytest

from pbrules.model.derived import age
from pbrules.model.snapshot import Snapshot
from pbrules.testing import synth
from pbrules.testing.synth.plan_v2 import V2_CRITERIA

V2_LISTS = {
    "village_committee",
    "reserve_cadres",
    "bodies",
    "documents",
    "facilities",
    "feedback",
    "campaigns",
}
PERSON = {"gender", "birth_date", "education", "occupation", "tags", "post"}


@cache
def district(period: str, v2: bool) -> tuple[dict[str, Any], ...]:
    return tuple(synth.example_snapshots(synth.DEFAULT_SEED, period, v2=v2))


def v1_part(snapshot: dict[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in snapshot.items() if k not in V2_LISTS}
    for key in ("members", "committee"):
        if key in out:
            out[key] = [{k: v for k, v in r.items() if k not in PERSON} for r in out[key]]
    return out


@pytest.mark.parametrize("period", synth.EXAMPLE_PERIODS)
def test_v2_records_are_valid_snapshots(period: str) -> None:
    for data in district(period, True):
        Snapshot.model_validate(data)


@pytest.mark.parametrize("period", synth.EXAMPLE_PERIODS)
def test_v1_part_is_unchanged_by_the_v2_records(period: str) -> None:
    weak_lax = set()
    for with_v2, v1_only in zip(district(period, True), district(period, False), strict=True):
        part = v1_part(with_v2)
        if part["organization"].get("weak_lax"):
            weak_lax.add(part["organization"]["id"])
            part["organization"]["weak_lax"] = False
        assert part == v1_only
    # the two weak-and-lax villages are designated so, and run their rectification campaign
    assert len(weak_lax) == 2
    campaigns = {
        s["organization"]["id"]
        for s in district(period, True)
        if any(c["kind"] == "weak_lax_rectification" for c in s.get("campaigns", []))
    }
    assert campaigns == weak_lax


def test_people_are_plausible() -> None:
    as_of = date(2026, 9, 30)
    for data in district("2026Q3", True):
        s = Snapshot.model_validate(data)
        for m in s.members:
            assert m.birth_date is not None and m.gender is not None and m.education is not None
            joined_age = age(m.birth_date, m.joined_on)
            assert joined_age is not None and joined_age >= 18, (s.organization.id, m.id)
        for p in (*s.committee, *s.village_committee, *s.reserve_cadres):
            years = age(p.birth_date, as_of)
            assert years is not None and 20 <= years <= 95, (s.organization.id, p.person_id)


def test_two_committees_exist_where_a_villagers_committee_is_elected() -> None:
    for data in district("2026Q3", True):
        s = Snapshot.model_validate(data)
        org = s.organization
        has_vc = bool(s.village_committee)
        assert has_vc == (org.kind == "branch" and org.category in ("village", "community"))
        if has_vc:
            assert [p.role for p in s.village_committee].count("director") == 1


def test_scores_can_spread_ages_and_education_vary() -> None:
    """The two committees' average age and education vary from village to village."""
    averages = set()
    for data in district("2026Q3", True):
        s = Snapshot.model_validate(data)
        people = {p.person_id: p for p in (*s.committee, *s.village_committee)}
        ages = [age(p.birth_date, date(2026, 9, 30)) for p in people.values()]
        if s.village_committee:
            averages.add(round(sum(a or 0 for a in ages) / len(ages)))
    assert len(averages) >= 10


def test_planted_v2_situations_name_their_criterion() -> None:
    info = synth.planted(synth.DEFAULT_SEED, v2=True)
    v2 = [s for s in info["situations"] if s["criterion"] in set(V2_CRITERIA.values())]
    assert {s["id"] for s in v2} == set(V2_CRITERIA)
    assert all(s["org_ids"] for s in v2)
    named = [o for s in info["situations"] for o in s["org_ids"]]
    clean = set(info["clean"]["org_ids"])
    assert not clean & set(named)

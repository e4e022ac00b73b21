"""Small, independent readings of the baseline's G criteria (docs/criteria.md), enough to check
the example district's planted v2 situations without the engine (see test_synth.py)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from pbrules.model.derived import age
from pbrules.model.snapshot import Snapshot

__all__ = ["V2_FAILS"]

Reading = Callable[[Snapshot], bool | None]


def _village(s: Snapshot) -> bool:
    org = s.organization
    return org.kind.value == "branch" and org.category in ("village", "community")


def _held(start: date | None, end: date | None, as_of: date) -> bool:
    return (start is None or start <= as_of) and (end is None or end > as_of)


def _two_committees(s: Snapshot) -> list[Any]:
    """Current posts of both committees, one per person; person fields from the member record."""
    a = s.effective_as_of
    members = {m.id: m for m in s.members}
    people: dict[str, Any] = {}
    for p in (*s.committee, *s.village_committee):
        if _held(p.appointed_on, p.left_on, a) and p.person_id not in people:
            people[p.person_id] = members.get(p.person_id, p) if p.birth_date is None else p
    return list(people.values())


def g01(s: Snapshot) -> bool | None:
    return None if not _village(s) else not any(p.gender == "female" for p in _two_committees(s))


def g02(s: Snapshot) -> bool | None:
    a = s.effective_as_of
    young = [p for p in _two_committees(s) if (age(p.birth_date, a) or 99) < 35]
    return None if not _village(s) else not young


def g03(s: Snapshot) -> bool | None:
    if not _village(s) or not s.village_committee:
        return None
    secretary = {p.person_id for p in s.committee if p.role == "secretary" and p.left_on is None}
    return not any(p.role == "director" and p.person_id in secretary for p in s.village_committee)


def g04(s: Snapshot) -> bool | None:
    need = {"party_member_council", "villager_representatives", "finance_group"}
    return None if not _village(s) else not need <= {b.kind for b in s.bodies}


def g05(s: Snapshot) -> bool | None:
    if s.organization.kind.value not in ("branch", "general_branch", "joint_branch"):
        return None
    year = s.period.end.year
    return not any(d.kind == "annual_plan" and d.year == year for d in s.documents)


def g06(s: Snapshot) -> bool | None:
    return None if not _village(s) else all(f.kind != "activity_room" for f in s.facilities)


def g07(s: Snapshot) -> bool | None:
    a = s.effective_as_of
    late = [
        k
        for k in s.feedback
        if k.due_on is not None
        and k.due_on < a
        and (k.rectified_on is None or k.rectified_on > k.due_on)
    ]
    return bool(late) if s.feedback else None


def _campaign_behind(kind: str) -> Reading:
    def behind(s: Snapshot) -> bool | None:
        a = s.effective_as_of
        campaigns = [c for c in s.campaigns if c.kind == kind]
        if not campaigns:
            return None
        return any(
            st.due_on is not None
            and st.due_on < a
            and (st.done_on is None or st.done_on > st.due_on)
            for c in campaigns
            for st in c.steps
        )

    return behind


def g10(s: Snapshot) -> bool | None:
    return None if not _village(s) else len(s.reserve_cadres) < 2


def g11(s: Snapshot) -> bool | None:
    if (
        s.organization.kind.value not in ("branch", "general_branch", "joint_branch")
        or not s.members
    ):
        return None
    return sum(1 for m in s.members if m.post) / len(s.members) < 0.5


V2_FAILS: dict[str, Reading] = {
    "G01": g01,
    "G02": g02,
    "G03": g03,
    "G04": g04,
    "G05": g05,
    "G06": g06,
    "G07": g07,
    "G08": _campaign_behind("weak_lax_rectification"),
    "G09": _campaign_behind("five_transformations"),
    "G10": g10,
    "G11": g11,
}

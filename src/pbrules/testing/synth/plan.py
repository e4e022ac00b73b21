"""The example district's plan: which organization carries which defect in which quarter.

Planted situations are found by exactly their criterion; a few subtrees are clean in 2026Q3;
some organizations make rapid progress or suffer a major setback between the two quarters;
every other organization carries random minor imperfections on other criteria.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pbrules.testing.synth.tree import OrgSpec
from pbrules.testing.synth.util import BRANCH_KINDS, rng_for

__all__ = [
    "EXAMPLE_PERIODS",
    "Plan",
    "Planner",
    "clean_orgs",
    "defects_for",
    "group_of",
    "plan_movement",
    "plant_v1",
]

EXAMPLE_PERIODS = ("2026Q2", "2026Q3")

#: defects drawn at random for ordinary organizations (none touches a planted criterion)
RANDOM_DEFECTS_BRANCH = (
    "minutes_missing_one",
    "low_attendance",
    "group_skip1",
    "dues_underpaid",
    "late_talk",
    "rectification_incomplete",
)
RANDOM_DEFECTS_COMMITTEE = ("minutes_missing_one", "rectification_incomplete", "coverage_gap")
#: a quarter gone badly (or, before a rapid progress, the quarter before)
_HEAVY_BRANCH = (
    "no_general_meeting",
    "no_lecture",
    "no_disclosure",
    "minutes_missing_all",
    "low_quorum",
    "dues_underpaid",
    "rectification_incomplete",
)
_HEAVY_COMMITTEE = (
    "no_lecture",
    "no_unannounced",
    "no_disclosure",
    "minutes_missing_all",
    "rectification_incomplete",
    "coverage_gap",
)
CLEAN_ROOTS = ("T05", "SC04")
SETBACK_ROOTS = ("T02", "SC06")


@dataclass(slots=True)
class Plan:
    specs: list[OrgSpec]
    defects: dict[tuple[str, str], frozenset[str]]
    situations: list[dict[str, Any]]
    clean: list[str]
    movement: dict[str, list[dict[str, str]]]


def group_of(spec: OrgSpec) -> str:
    """The peer group in rules/district-quarterly.yaml."""
    if spec.kind in ("township_committee", "street_working_committee"):
        return "townships"
    if spec.kind in ("system_sub_committee", "base_committee", "general_branch"):
        return "system_committees"
    if spec.kind in BRANCH_KINDS:
        return "branches"
    return "district"


class Planner:
    """Picks organizations for planted situations without picking one twice."""

    def __init__(self, specs: list[OrgSpec]) -> None:
        self.specs = specs
        self.by_id = {s.id: s for s in specs}
        self.per: dict[tuple[str, str], set[str]] = {}
        self.situations: list[dict[str, Any]] = []
        self.reserved: set[str] = set()

    def subtree(self, root: str) -> list[str]:
        out, stack = [], [root]
        while stack:
            cur = stack.pop()
            out.append(cur)
            stack.extend(reversed(self.by_id[cur].children))
        return sorted(out)

    def kids(self, parent: str, category: str | None = None, kind: str = "branch") -> list[str]:
        by_id = self.by_id
        return [
            c
            for c in by_id[parent].children
            if by_id[c].kind == kind and (category is None or by_id[c].category == category)
        ]

    def big(self, ids: list[str], n: int = 8) -> list[str]:
        return [i for i in ids if self.by_id[i].size >= n]

    def pick(self, candidates: list[str], n: int = 1) -> list[str]:
        out = [c for c in candidates if c not in self.reserved][:n]
        if len(out) < n:
            raise RuntimeError(f"not enough organizations to plant among {candidates}")
        self.reserved.update(out)
        return out

    def add(self, org: str, period: str, *defects: str) -> None:
        self.per.setdefault((org, period), set()).update(defects)

    def plant(
        self,
        sid: str,
        criterion: str,
        orgs: list[str],
        defect: str,
        text: str,
        both: bool = False,
    ) -> None:
        """Situation ``sid``: ``orgs`` carry ``defect`` in 2026Q3 (and 2026Q2 when ``both``)."""
        q2, q3 = EXAMPLE_PERIODS
        for o in orgs:
            self.add(o, q3, defect)
            if both:
                self.add(o, q2, defect)
        self.situations.append(
            {"id": sid, "criterion": criterion, "period": q3, "org_ids": orgs, "description": text}
        )


def clean_orgs(p: Planner) -> set[str]:
    """Subtrees built to pass every criterion in 2026Q3 (T05 and SC04 also make rapid progress)."""
    kids = p.kids
    clean: set[str] = set().union(*(p.subtree(r) for r in CLEAN_ROOTS))
    clean |= {kids("SC02", "school")[0], kids("SC01")[0] if kids("SC01") else kids("G01")[0]}
    clean |= {kids("T08", "community")[0], kids("T09", "community")[0]}
    clean |= {kids("G10", "other")[0], kids("G03", "school")[0], kids("G05")[0]}
    clean |= {kids("T01", "village")[0], kids("T04", "village")[0]}
    return clean


def plant_v1(p: Planner) -> None:
    kids, big, pick = p.kids, p.big, p.pick
    both = pick(big(kids("T01", "village")))
    committee_only = pick(big(kids("G01", "agency")) + big(kids("SC01", "agency")))
    theme_only = pick(kids("T09", "community"))
    p.plant(
        "committee_meetings_skipped",
        "S02",
        both + committee_only,
        "committee_skip2",
        "Committee meetings held in only one month of the quarter.",
    )
    p.plant(
        "theme_days_skipped",
        "S05",
        both + theme_only,
        "theme_skip2",
        "Theme party days held in only one month of the quarter.",
    )
    retired = [
        b
        for b in kids("G11", "other") + kids("SC07", "other")
        if p.by_id[b].size >= 12 and b not in p.reserved
    ]
    p.plant(
        "retired_branch_one_committee_member",
        "T01",
        pick(retired),
        "one_committee_member",
        "A retired-member branch with more than seven full members and a one-person committee.",
    )
    p.plant(
        "points_not_recorded",
        "S15",
        pick(kids("T04", "village")),
        "points_unrecorded",
        "A village branch that records no member points.",
    )
    p.plant(
        "activist_year_skipped",
        "D02",
        pick(kids("T06", "village")),
        "dev_skip_activist_year",
        "A development case whose development object was fixed five months after the "
        "activist stage began (at least a year is required).",
    )
    _plant_v1_oversight(p)


def _plant_v1_oversight(p: Planner) -> None:
    kids, big, pick = p.kids, p.big, p.pick
    p.plant(
        "resigned_after_transition",
        "T03",
        pick(big(kids("T07", "village"), 15)) + pick(big(kids("T03", "village"), 15)),
        "resigned_after_transition",
        "Village committee members resigned in the quarter after the spring transition.",
    )
    p.plant(
        "few_visits",
        "V01",
        ["T03"],
        "few_visits",
        "A township committee that visited two of its branches in the quarter.",
    )
    p.reserved.add("T03")
    p.plant(
        "overdue_rectifications",
        "V03",
        ["T06", *pick(kids("T10", "community"))],
        "overdue_rectification",
        "Rectification items open past their due date.",
    )
    p.reserved.add("T06")
    p.plant(
        "dues_arrears",
        "S11",
        pick(big(kids("T10", "community")) + big(kids("T08", "community"))),
        "arrears6",
        "A member who has paid no party dues since January 2026.",
        both=True,
    )


def plan_movement(p: Planner) -> tuple[dict[str, list[dict[str, str]]], dict[str, set[str]]]:
    """Quarter-over-quarter movement: who makes rapid progress, who suffers a setback."""
    kids, big, pick = p.kids, p.big, p.pick
    rapid_branches = pick(big(kids("T07", "village")), 1) + pick(kids("T10", "community"), 1)
    setback_branches = pick(big(kids("T06", "village")), 1) + pick(kids("SC03"), 1)
    movement: dict[str, list[dict[str, str]]] = {"rapid_progress": [], "major_setback": []}
    for org in [*CLEAN_ROOTS, *rapid_branches]:
        movement["rapid_progress"].append({"org_id": org, "group": group_of(p.by_id[org])})
    for org in [*SETBACK_ROOTS, *setback_branches]:
        movement["major_setback"].append({"org_id": org, "group": group_of(p.by_id[org])})
    setback_subtrees = set().union(*(p.subtree(r) for r in SETBACK_ROOTS))
    return movement, {
        "rapid": {*CLEAN_ROOTS, *rapid_branches},
        "rapid_branches": set(rapid_branches),
        "setback": {*SETBACK_ROOTS, *setback_branches},
        "setback_subtrees": setback_subtrees,
    }


def defects_for(
    seed: int,
    p: Planner,
    spec: OrgSpec,
    period: str,
    clean: set[str],
    movers: dict[str, set[str]],
) -> frozenset[str]:
    q2, q3 = EXAMPLE_PERIODS
    names = set(p.per.get((spec.id, period), set()))
    is_branch = spec.kind in BRANCH_KINDS
    heavy = _HEAVY_BRANCH if is_branch else _HEAVY_COMMITTEE
    rng = rng_for(seed, spec.id, period, "defects")
    in_setback = spec.id in movers["setback_subtrees"]
    if spec.id in movers["rapid"]:
        if period == q2:
            names |= set(heavy)
            if spec.id == "T05":
                names |= {"few_visits", "overdue_rectification"}
    elif spec.id in movers["setback"]:
        if period == q3:
            names |= set(heavy)
    elif (spec.id in clean and period == q3) or (in_setback and period == q2):
        pass
    elif spec.kind != "district_committee":
        pool: tuple[str, ...] = RANDOM_DEFECTS_BRANCH if is_branch else RANDOM_DEFECTS_COMMITTEE
        if not spec.units:
            pool = tuple(d for d in pool if d != "coverage_gap")
        # every ordinary committee has at least one imperfection, so that the planted
        # movements stand out in the small peer groups
        k = rng.choice((0, 0, 1, 1, 2, 3)) if is_branch else rng.choice((1, 1, 2))
        names |= set(rng.sample(pool, min(k, len(pool))))
        names |= _agency_lapses(seed, spec, period)
    return frozenset(names)


def _agency_lapses(seed: int, spec: OrgSpec, period: str) -> set[str]:
    """Agency branches now and then skip the quarter's party lecture or general meeting (drawn
    apart from the other defects, so that no other organization's records change)."""
    if spec.category != "agency" or spec.kind not in BRANCH_KINDS:
        return set()
    rng = rng_for(seed, spec.id, period, "agency")
    return {d for d in ("no_lecture", "no_general_meeting") if rng.random() < 0.3}

"""Period-independent records of one organization: members, development cases, groups, committee.

Each organization draws them from its own generator (seed, id, "static"), so the same
organization keeps its members and committee from one quarter to the next.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from pbrules.model.period import add_months
from pbrules.testing.synth.tree import OrgSpec
from pbrules.testing.synth.util import BRANCH_KINDS, day_between, person_name, rng_for

__all__ = ["Static", "static_records"]


@dataclass(slots=True)
class Static:
    """Period-independent records of one organization."""

    founded_on: date
    term_started_on: date
    term_years: int
    members: list[dict[str, Any]]
    groups: list[dict[str, Any]]
    committee: list[dict[str, Any]]
    development: list[dict[str, Any]]
    secretary: str
    secretary_name: str


_DUES_CATEGORIES = {
    "village": ("farmer", "farmer", "farmer", "employed", "retired"),
    "community": ("employed", "retired", "retired", "unemployed", "employed"),
    "other": ("retired",),
}


def static_records(seed: int, spec: OrgSpec, defects_any: frozenset[str]) -> Static:
    """The organization's static records; ``defects_any`` are the planted defects of any period
    that change them (``dev_skip_activist_year``, ``one_committee_member``)."""
    rng = rng_for(seed, spec.id, "static")
    branch = spec.kind in BRANCH_KINDS
    founded = date(rng.randint(1952, 2012), rng.randint(1, 12), rng.randint(1, 28))
    term_start, term_years = _term(rng, spec)
    dues_cat = _DUES_CATEGORIES.get(spec.category or "", ("employed",))
    members = _members(rng, spec.size, dues_cat)
    development: list[dict[str, Any]] = []
    if branch:
        development = _development(rng, spec, members, dues_cat, defects_any)
    groups = _party_groups(spec, members) if branch and spec.size >= 12 else []
    trained_delay = rng.randint(20, 70)
    if branch:
        committee = _branch_committee(rng, spec, members, term_start, trained_delay, defects_any)
    else:
        committee = _committee_posts(rng, spec, term_start, trained_delay)
    secretary = next(p for p in committee if p["role"] == "secretary")
    return Static(
        founded_on=min(founded, term_start),
        term_started_on=term_start,
        term_years=term_years,
        members=members,
        groups=groups,
        committee=committee,
        development=development,
        secretary=secretary["person_id"],
        secretary_name=secretary["name"],
    )


def _term(rng: random.Random, spec: OrgSpec) -> tuple[date, int]:
    if spec.category in ("village", "community"):
        # the two-committee transition of spring 2026
        return date(2026, 3, rng.randint(2, 31)), 5
    if spec.kind in ("district_committee", "township_committee", "street_working_committee"):
        return date(2021, rng.randint(10, 12), rng.randint(1, 28)), 5
    return day_between(rng, date(2023, 11, 1), date(2025, 12, 31)), 3


def _members(rng: random.Random, size: int, dues_cat: tuple[str, ...]) -> list[dict[str, Any]]:
    members: list[dict[str, Any]] = []
    for i in range(size):
        joined = day_between(rng, date(1965, 1, 1), date(2023, 6, 30))
        cat = rng.choice(dues_cat)
        income = None
        if cat == "employed":
            income = float(rng.randrange(2600, 14000, 100))
        elif cat == "retired":
            income = float(rng.randrange(2200, 9000, 100))
        members.append(
            {
                "id": f"M{i + 1:03d}",
                "name": person_name(rng),
                "status": "full",
                "joined_on": joined,
                "converted_on": add_months(joined, 12) + timedelta(days=rng.randint(0, 20)),
                "mobile": (cat == "farmer" and rng.random() < 0.15) or None,
                "dues_category": cat,
                "monthly_income": income,
                "appraisal": "excellent" if rng.random() < 0.2 else "qualified",
                "_hours": rng.randint(40, 64),
                "_points": rng.randint(66, 97),
            }
        )
    return members


def _development(
    rng: random.Random,
    spec: OrgSpec,
    members: list[dict[str, Any]],
    dues_cat: tuple[str, ...],
    defects_any: frozenset[str],
) -> list[dict[str, Any]]:
    """The member-development pipeline; new probationary members join ``members``."""
    development: list[dict[str, Any]] = []
    n_cases = rng.randint(1, 3) if spec.category == "village" else rng.randint(0, 2)
    if spec.size < 6:
        n_cases = min(n_cases, 1)
    for c in range(n_cases):
        skip = "dev_skip_activist_year" in defects_any and c == 0
        case = _case(rng, spec, f"M{spec.size + c + 1:03d}", members, first=c == 0, skip=skip)
        development.append(case)
        members.append(_probationer(rng, case, dues_cat))
    # a recent applicant still before the activist stage
    if rng.random() < 0.5 and spec.size >= 6:
        applied = day_between(rng, date(2025, 10, 1), date(2026, 5, 31))
        development.append(
            {
                "person_id": f"M{spec.size + n_cases + 1:03d}",
                "name": person_name(rng),
                "applied_on": applied,
                "talked_on": applied + timedelta(days=rng.randint(5, 25)),
                "activist_on": applied + timedelta(days=rng.randint(30, 90)),
            }
        )
    return development


def _case(
    rng: random.Random,
    spec: OrgSpec,
    pid: str,
    members: list[dict[str, Any]],
    *,
    first: bool,
    skip: bool,
) -> dict[str, Any]:
    if first and spec.category == "village":
        dev_object = day_between(rng, date(2025, 3, 1), date(2026, 1, 31))
        activist = dev_object - timedelta(days=rng.randint(380, 470))
    else:
        activist = day_between(rng, date(2023, 9, 1), date(2026, 2, 28))
        dev_object = activist + timedelta(days=rng.randint(380, 470))
    if skip:
        activist = dev_object - timedelta(days=rng.randint(140, 170))
    applied = activist - timedelta(days=rng.randint(40, 120))
    talked = applied + timedelta(days=rng.randint(5, 25))
    accepted = dev_object + timedelta(days=rng.randint(95, 200))
    approved = accepted + timedelta(days=rng.randint(20, 75))
    full = [m["id"] for m in members if m["status"] == "full"]
    return {
        "person_id": pid,
        "name": person_name(rng),
        "applied_on": applied,
        "talked_on": talked,
        "activist_on": activist,
        "dev_object_on": dev_object,
        "training_hours": float(rng.choice((24, 24, 28, 32))),
        "introducers": rng.sample(full, 2) if len(full) >= 2 else full,
        "accepted_on": accepted,
        "approved_on": approved,
        "oath_on": approved + timedelta(days=rng.randint(3, 20)),
        "converted_on": add_months(accepted, 12) + timedelta(days=rng.randint(0, 25)),
    }


def _probationer(
    rng: random.Random, case: dict[str, Any], dues_cat: tuple[str, ...]
) -> dict[str, Any]:
    member = {
        "id": case["person_id"],
        "name": case["name"],
        "status": "probationary",
        "joined_on": case["accepted_on"],
        "converted_on": case["converted_on"],
        "dues_category": rng.choice(dues_cat),
        "monthly_income": float(rng.randrange(2600, 9000, 100)),
        "_hours": rng.randint(40, 60),
        "_points": rng.randint(66, 95),
    }
    if member["dues_category"] not in ("employed", "retired"):
        member["monthly_income"] = None
    return member


def _party_groups(spec: OrgSpec, members: list[dict[str, Any]]) -> list[dict[str, Any]]:
    regular = [m for m in members if m["status"] == "full"]
    n_groups = max(2, math.ceil(spec.size / 10))
    groups = [{"id": f"PG{g + 1}", "name": f"Party Group {g + 1}"} for g in range(n_groups)]
    for i, m in enumerate(members):
        m["party_group_id"] = f"PG{i % n_groups + 1}"
    for g in range(n_groups):
        groups[g]["leader_id"] = regular[g]["id"]
    return groups


def _branch_roles(members: list[dict[str, Any]], defects_any: frozenset[str]) -> list[str]:
    # size the committee on everyone who will be a full member (probationers convert)
    n_full = len(members)
    if "one_committee_member" in defects_any:
        return ["secretary"]
    if n_full >= 7:
        roles = ["secretary", "organization", "propaganda"]
        if n_full >= 15:
            roles += ["deputy_secretary", "discipline"]
        return roles
    regular = [m for m in members if m["status"] == "full"]
    return ["secretary"] + (["organization"] if len(regular) >= 4 else [])


def _branch_committee(
    rng: random.Random,
    spec: OrgSpec,
    members: list[dict[str, Any]],
    term_start: date,
    trained_delay: int,
    defects_any: frozenset[str],
) -> list[dict[str, Any]]:
    regular = [m for m in members if m["status"] == "full"]
    roles = _branch_roles(members, defects_any)
    people = rng.sample(regular, len(roles))
    committee: list[dict[str, Any]] = []
    for role, person in zip(roles, people, strict=True):
        committee.append(
            {
                "person_id": person["id"],
                "name": person["name"],
                "role": role,
                "appointed_on": term_start,
                "trained_on": term_start + timedelta(days=trained_delay)
                if role == "secretary"
                else None,
            }
        )
        person["_hours"] += 16
    if spec.category == "village":
        committee.append(
            {
                "person_id": "FS1",
                "name": person_name(rng),
                "role": "first_secretary",
                "appointed_on": term_start + timedelta(days=rng.randint(10, 60)),
            }
        )
        # the previous term's members who did not stand again
        old = rng.sample(
            [p for p in regular if p not in people], min(2, len(regular) - len(people))
        )
        for person in old:
            committee.append(
                {
                    "person_id": person["id"],
                    "name": person["name"],
                    "role": "member",
                    "appointed_on": date(2021, 3, rng.randint(1, 28)),
                    "left_on": term_start,
                    "leave_reason": "term_end",
                }
            )
    return committee


def _committee_posts(
    rng: random.Random, spec: OrgSpec, term_start: date, trained_delay: int
) -> list[dict[str, Any]]:
    roles = ["secretary", "deputy_secretary", "organization", "propaganda", "discipline"]
    if spec.kind != "system_sub_committee":
        roles += ["deputy_secretary", "member"]
    if spec.kind == "district_committee":
        roles += ["member", "member", "member"]
    return [
        {
            "person_id": f"P{r + 1:02d}",
            "name": person_name(rng),
            "role": role,
            "appointed_on": term_start,
            "trained_on": term_start + timedelta(days=trained_delay)
            if role == "secretary"
            else None,
        }
        for r, role in enumerate(roles)
    ]

"""Snapshot v2 records of one organization (DESIGN §12.1), added to its v1 snapshot.

Everything here draws from generators of its own (seed, id, "v2" and seed, id, period, "v2"), so
the v1 records stay exactly as :mod:`.snapshot` builds them. Planted v2 defects (``v2_*`` names,
see :mod:`.plan_v2`) switch particular departures on; ``tidy`` organizations (the clean ones)
get two committees young and schooled enough to pass the district's structure criteria.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from pbrules.model.period import Period
from pbrules.testing.synth import names
from pbrules.testing.synth.people import birth_for_age, person_fields
from pbrules.testing.synth.static import Static
from pbrules.testing.synth.tree import OrgSpec
from pbrules.testing.synth.util import (
    BRANCH_KINDS,
    day_in,
    isoformat_dates,
    person_name,
    rng_for,
)

__all__ = ["TWO_COMMITTEE_CATEGORIES", "StaticV2", "add_v2", "static_v2"]

#: categories with a villagers' (residents') committee: the two committees (两委)
TWO_COMMITTEE_CATEGORIES = ("village", "community")
_TERM_AS_OF = date(2026, 9, 30)
_VILLAGE_POSTS = (
    "policy_publicist",
    "conflict_mediator",
    "environment_keeper",
    "elderly_care_visitor",
    "industry_helper",
    "safety_patroller",
)
_OTHER_POSTS = ("service_volunteer", "study_leader", "pioneer_post", "safety_patroller")
_VILLAGE_BODIES = (
    ("party_member_council", "Party Members' Council"),
    ("villager_representatives", "Villagers' Representatives Assembly"),
    ("finance_group", "Democratic Finance Group"),
    ("supervision_committee", "Village Affairs Supervision Committee"),
    ("party_affairs_openness_group", "Party Affairs Openness Group"),
    ("village_affairs_openness_group", "Village Affairs Openness Group"),
    ("party_building_leading_group", "Party Building Leading Group"),
)


@dataclass(slots=True)
class StaticV2:
    """Period-independent v2 records of one organization."""

    people: dict[str, dict[str, Any]] = field(default_factory=dict)
    posts: dict[str, str] = field(default_factory=dict)
    village_committee: list[dict[str, Any]] = field(default_factory=list)
    reserve_cadres: list[dict[str, Any]] = field(default_factory=list)
    bodies: list[dict[str, Any]] = field(default_factory=list)
    documents: list[dict[str, Any]] = field(default_factory=list)
    facilities: list[dict[str, Any]] = field(default_factory=list)
    campaigns: list[dict[str, Any]] = field(default_factory=list)
    weak_lax: bool = False


def static_v2(
    seed: int, spec: OrgSpec, static: Static, defects: frozenset[str], *, tidy: bool
) -> StaticV2:
    """The v2 records of ``spec``; ``defects`` are its planted v2 defects of any period."""
    rng = rng_for(seed, spec.id, "v2")
    out = StaticV2(weak_lax="v2_weak_lax" in defects)
    _people(rng, spec, static, out, defects, tidy=tidy)
    if spec.kind in BRANCH_KINDS:
        _posts(rng, spec, static, out, defects)
    if spec.category in TWO_COMMITTEE_CATEGORIES and spec.kind in BRANCH_KINDS:
        _village_committee(rng, spec, static, out, defects, tidy=tidy)
        _reserve_cadres(rng, spec, out, defects)
    # a few ordinary villages manage their affairs laxly: openness groups, supervision and rules
    # missing (drawn apart, so that the other records stay as they are)
    lax = not tidy and rng_for(seed, spec.id, "v2", "democracy").random() < 0.15
    _bodies(rng, spec, static, out, defects | ({"v2_lax_democracy"} if lax else set()))
    _documents(rng, spec, out, defects | ({"v2_lax_democracy"} if lax else set()))
    _facilities(rng, spec, static, out, defects)
    _campaigns(rng, spec, out, defects)
    return out


def _years_before(d: date, years: int, rng: random.Random) -> date:
    """A day ``years`` (and up to ten months more) before ``d``."""
    try:
        back = d.replace(year=d.year - years)
    except ValueError:  # 29 February
        back = d.replace(year=d.year - years, day=28)
    return back - timedelta(days=rng.randint(0, 300))


def _age(birth: date, as_of: date = _TERM_AS_OF) -> int:
    return as_of.year - birth.year - ((as_of.month, as_of.day) < (birth.month, birth.day))


def _people(
    rng: random.Random,
    spec: OrgSpec,
    static: Static,
    out: StaticV2,
    defects: frozenset[str],
    *,
    tidy: bool,
) -> None:
    """Person fields of every member and every committee post holder."""
    holders = {p["person_id"] for p in static.committee}
    no_woman = "v2_no_woman" in defects
    no_young = "v2_no_young" in defects
    for m in static.members:
        holder = m["id"] in holders
        join_age = (
            rng.randint(18, 21)
            if holder and tidy
            else rng.randint(20, 26)
            if holder
            else rng.randint(19, 38)
        )
        birth = _years_before(m["joined_on"], join_age, rng)
        if holder and no_young and _age(birth) < 36:
            birth = birth_for_age(rng, 36, 44)
            birth = min(birth, _years_before(m["joined_on"], 18, rng))
        female = False if holder and no_woman else None
        fields = person_fields(rng, spec.category, birth, female=female)
        if holder and tidy and fields["education"] in ("primary", "junior_high"):
            fields["education"] = "senior_high"
        out.people[m["id"]] = fields
    for post in static.committee:
        pid = post["person_id"]
        if pid in out.people:
            continue
        if pid == "FS1":  # a first secretary sent down by a district office
            birth = birth_for_age(rng, 29 if not no_young else 36, 45)
            fields = person_fields(rng, "agency", birth, female=False if no_woman else None)
            fields["occupation"] = "civil_servant"
        else:
            birth = birth_for_age(rng, 36, 57)
            fields = person_fields(rng, "agency", birth)
        out.people[pid] = fields
    secretary = out.people[static.secretary]
    if spec.category == "village" and (tidy or rng.random() < 0.75):
        secretary["tags"] = ["wealth_leader", *secretary["tags"]]


def _posts(
    rng: random.Random, spec: OrgSpec, static: Static, out: StaticV2, defects: frozenset[str]
) -> None:
    """设岗定责: most members hold a post; fewer where ``v2_few_posts`` is planted."""
    choices = _VILLAGE_POSTS if spec.category in TWO_COMMITTEE_CATEGORIES else _OTHER_POSTS
    share = rng.uniform(0.15, 0.3) if "v2_few_posts" in defects else rng.uniform(0.75, 1.0)
    for m in static.members:
        if rng.random() < share:
            out.posts[m["id"]] = rng.choice(choices)


def _village_committee(
    rng: random.Random,
    spec: OrgSpec,
    static: Static,
    out: StaticV2,
    defects: frozenset[str],
    *,
    tidy: bool,
) -> None:
    """The villagers' (residents') committee elected at the spring 2026 transition.

    The secretary is also the director (一肩挑) unless ``v2_not_one_shoulder`` is planted; one
    or two party committee members serve on both committees; the others are elected villagers,
    among them a woman (unless ``v2_no_woman``) and a young member (unless ``v2_no_young``).
    """
    start = static.term_started_on
    no_woman, no_young = "v2_no_woman" in defects, "v2_no_young" in defects
    rows: list[dict[str, Any]] = []

    def post(pid: str, name: str, role: str, fields: dict[str, Any], member: bool) -> None:
        rows.append(
            {"person_id": pid, "name": name, "role": role, "appointed_on": start,
             "party_member": member, **fields}
        )  # fmt: skip

    sec = next(p for p in static.committee if p["role"] == "secretary")
    n_elected = rng.randint(2, 4)
    if "v2_not_one_shoulder" in defects:
        fields = person_fields(rng, spec.category, birth_for_age(rng, 40, 56), female=False)
        post("VC1", person_name(rng), "director", fields, False)
    else:
        post(sec["person_id"], sec["name"], "director", out.people[sec["person_id"]], True)
    crossing = [
        p for p in static.committee
        if p["role"] in ("organization", "propaganda", "discipline") and p.get("left_on") is None
    ]  # fmt: skip
    for p in crossing[: rng.randint(0, 2)]:
        post(p["person_id"], p["name"], "member", out.people[p["person_id"]], True)
    for k in range(n_elected):
        young = k == 0 and not no_young
        lo, hi = (26, 32) if young else (36, 48) if tidy or no_young else (36, 62)
        female = False if no_woman else (True if k == n_elected - 1 else None)
        fields = person_fields(rng, spec.category, birth_for_age(rng, lo, hi), female=female)
        if tidy and fields["education"] in ("primary", "junior_high"):
            fields["education"] = "vocational"
        role = "deputy_director" if k == 1 else "member"
        post(f"VC{k + 2}", person_name(rng), role, fields, rng.random() < 0.4)
    # a tidy village elected young people enough to keep the average age at 47 or under
    while tidy and _average_age(static, out, rows) > 47 and len(rows) < 9:
        fields = person_fields(rng, spec.category, birth_for_age(rng, 27, 34))
        fields["education"] = "associate"
        post(f"VC{len(rows) + 1}", person_name(rng), "member", fields, False)
    out.village_committee = rows


def _average_age(static: Static, out: StaticV2, rows: list[dict[str, Any]]) -> float:
    """The average age of the two committees' current members (one row per person)."""
    current = [p["person_id"] for p in static.committee if p.get("left_on") is None]
    births = {pid: out.people[pid]["birth_date"] for pid in current}
    births.update({r["person_id"]: r["birth_date"] for r in rows})
    return sum(_age(b) for b in births.values()) / len(births)


def _reserve_cadres(
    rng: random.Random, spec: OrgSpec, out: StaticV2, defects: frozenset[str]
) -> None:
    """后备干部: two to four, identified after the transition (one when planted)."""
    n = 1 if "v2_one_reserve" in defects else rng.randint(2, 4)
    for k in range(n):
        fields = person_fields(rng, spec.category, birth_for_age(rng, 24, 38))
        if fields["education"] in ("primary", "junior_high"):
            fields["education"] = "senior_high"
        out.reserve_cadres.append(
            {
                "person_id": f"RC{k + 1}",
                "name": person_name(rng),
                "identified_on": date(2026, rng.randint(4, 5), rng.randint(1, 28)),
                **fields,
            }
        )


def _bodies(
    rng: random.Random, spec: OrgSpec, static: Static, out: StaticV2, defects: frozenset[str]
) -> None:
    """Working bodies: a village's councils and groups; a committee's party-building group."""
    if spec.category in TWO_COMMITTEE_CATEGORIES and spec.kind in BRANCH_KINDS:
        dropped = {"finance_group"} if "v2_missing_body" in defects else set()
        if "v2_lax_democracy" in defects:
            dropped |= set(_LAX_BODIES)
        kinds = [b for b in _VILLAGE_BODIES if b[0] not in dropped]
    elif spec.kind in BRANCH_KINDS:
        return
    else:
        kinds = [("party_building_leading_group", "Party Building Leading Group")]
    adjusted = static.term_started_on + timedelta(days=rng.randint(20, 50))
    if spec.kind not in BRANCH_KINDS:
        adjusted = date(2026, rng.randint(1, 3), rng.randint(5, 28))
    for n, (kind, name) in enumerate(kinds):
        established = date(rng.randint(2004, 2020), rng.randint(1, 12), rng.randint(1, 28))
        out.bodies.append(
            {"id": f"B{n + 1}", "kind": kind, "name": name, "established_on": established,
             "adjusted_on": max(adjusted, established)}
        )  # fmt: skip


#: the bodies a lax village has not set up
_LAX_BODIES = (
    "party_affairs_openness_group",
    "village_affairs_openness_group",
    "supervision_committee",
)
_RULES = (
    ("openness_rules", "Party and village affairs openness rules"),
    ("pairing_assistance_rules", "Pairing assistance rules"),
    ("proxy_service_rules", "Proxy service rules"),
    ("completion_rules", "Matters completion rules"),
    ("help_register", "Help request register"),
    ("follow_up_register", "Follow-up visit register"),
)
_BOARDS = (
    ("good_team_board", "Good team board"),
    ("cadre_supervision_board", "Village cadre supervision board"),
    ("member_pledge_board", "Members' pledge board"),
    ("post_duty_board", "Members' posts and duties board"),
    ("one_book_one_line_board", "One book, one line board"),
    ("completion_board", "Matters completion board"),
)


def _documents(rng: random.Random, spec: OrgSpec, out: StaticV2, defects: frozenset[str]) -> None:
    """Last year's summary, this year's plan (missing when ``v2_no_annual_plan``), and in villages
    and communities the openness rules and service registers (most of them)."""
    out.documents.append(
        {"id": "D2025-1", "kind": "work_summary", "title": "2025 party building work summary",
         "issued_on": date(2026, 1, rng.randint(5, 25)), "year": 2025}
    )  # fmt: skip
    if "v2_no_annual_plan" not in defects:
        out.documents.append(
            {"id": "D2026-1", "kind": "annual_plan", "title": "2026 party building work plan",
             "issued_on": date(2026, rng.randint(1, 3), rng.randint(1, 28)), "year": 2026}
        )  # fmt: skip
    if spec.category not in TWO_COMMITTEE_CATEGORIES or spec.kind not in BRANCH_KINDS:
        return
    lax = "v2_lax_democracy" in defects
    for n, (kind, title) in enumerate(_RULES):
        if (n == 0 and not lax) or (n > 0 and rng.random() < 0.85):
            issued = date(rng.randint(2019, 2025), rng.randint(1, 12), rng.randint(1, 28))
            out.documents.append(
                {"id": f"R{n + 1}", "kind": kind, "title": title, "issued_on": issued}
            )


def _facilities(
    rng: random.Random, spec: OrgSpec, static: Static, out: StaticV2, defects: frozenset[str]
) -> None:
    """阵地: an activity room (none when ``v2_no_activity_room``); in villages and communities a
    disclosure board, a service station, a deliberation hall and most of the public boards; a
    service centre at a township."""
    opened = max(static.founded_on, date(rng.randint(2008, 2022), rng.randint(1, 12), 1))
    rows: list[tuple[str, str, float | None, bool]] = []
    rural = spec.category in TWO_COMMITTEE_CATEGORIES
    if spec.kind in BRANCH_KINDS:
        if "v2_no_activity_room" not in defects:
            room = float(rng.randrange(80, 320, 5) if rural else rng.randrange(20, 90, 5))
            rows.append(("activity_room", "Party members' activity room", room, True))
        if rural:
            station = float(rng.randrange(40, 120, 5))
            rows += [
                ("disclosure_board", "Party and village affairs disclosure board", None, True),
                ("service_station", "Party members' service station", station, rng.random() < 0.9),
                ("deliberation_hall", "Villagers' deliberation hall", None, rng.random() < 0.9),
            ]
            rows += [(k, name, None, True) for k, name in _BOARDS if rng.random() < 0.85]
    elif spec.kind in ("township_committee", "street_working_committee"):
        area = float(rng.randrange(300, 900, 10))
        rows.append(("service_center", "Party and people service centre", area, True))
    for n, (kind, name, size, signage) in enumerate(rows):
        out.facilities.append(
            {"id": f"F{n + 1}", "kind": kind, "name": name, "area_m2": size, "opened_on": opened,
             "signage": signage}
        )  # fmt: skip


_WEAK_LAX_STEPS = (
    ("plan", date(2026, 4, 15)),
    ("county_leader_assigned", date(2026, 4, 30)),
    ("working_team_stationed", date(2026, 4, 30)),
    ("problems_rectified", date(2026, 8, 31)),
    ("acceptance", date(2026, 12, 15)),
)
_FIVE_STEPS = (
    ("plan", date(2026, 2, 28)),
    ("self_check", date(2026, 5, 31)),
    ("standards_met", date(2026, 9, 15)),
    ("acceptance", date(2026, 12, 15)),
)


def _campaigns(rng: random.Random, spec: OrgSpec, out: StaticV2, defects: frozenset[str]) -> None:
    """Weak-and-lax rectification and five-transformation demonstration campaigns.

    Steps due are done a few days before they fall due; a planted ``*_behind`` campaign leaves
    the step due in August or September undone. Steps done after 2026-06-30 are only visible in
    the 2026Q3 snapshot (see :func:`campaigns_as_of`)."""
    if "v2_weak_lax" in defects:
        behind = "problems_rectified" if "v2_weak_lax_behind" in defects else None
        out.campaigns.append(
            _campaign(rng, "weak_lax_2026", "weak_lax_rectification", date(2026, 3, 20),
                      _WEAK_LAX_STEPS, behind)
        )  # fmt: skip
    if "v2_five" in defects:
        behind = "standards_met" if "v2_five_behind" in defects else None
        out.campaigns.append(
            _campaign(rng, "five_2026", "five_transformations", date(2026, 1, 15),
                      _FIVE_STEPS, behind)
        )  # fmt: skip


def _campaign(
    rng: random.Random,
    cid: str,
    kind: str,
    started: date,
    steps: tuple[tuple[str, date], ...],
    behind: str | None,
) -> dict[str, Any]:
    rows = []
    for name, due in steps:
        done = None if name == behind else due - timedelta(days=rng.randint(1, 12))
        rows.append({"name": name, "due_on": due, "done_on": done})
    return {
        "id": cid,
        "kind": kind,
        "started_on": started,
        "target_on": steps[-1][1],
        "steps": rows,
    }


def add_v2(
    snapshot: dict[str, Any],
    seed: int,
    spec: OrgSpec,
    period: Period,
    v2: StaticV2,
    defects: frozenset[str],
) -> dict[str, Any]:
    """``snapshot`` (a v1 snapshot dict) with the v2 fields of ``period`` after the v1 ones."""
    as_of = period.end
    if v2.weak_lax:
        snapshot["organization"]["weak_lax"] = True
    for row in snapshot.get("members", []):
        row.update(isoformat_dates({**v2.people[row["id"]], "post": v2.posts.get(row["id"])}))
    for row in snapshot.get("committee", []):
        row.update(isoformat_dates(v2.people[row["person_id"]]))
    lists = {
        "village_committee": [p for p in v2.village_committee if p["appointed_on"] <= as_of],
        "reserve_cadres": [r for r in v2.reserve_cadres if r["identified_on"] <= as_of],
        "bodies": v2.bodies,
        "documents": [d for d in v2.documents if d["issued_on"] <= as_of],
        "facilities": v2.facilities,
        "feedback": _feedback(seed, spec, period, defects),
        "campaigns": [_campaign_as_of(c, as_of) for c in v2.campaigns if c["started_on"] <= as_of],
    }
    for key, rows in lists.items():
        if rows:
            snapshot[key] = [isoformat_dates(r) for r in rows]
    return snapshot


def _campaign_as_of(campaign: dict[str, Any], as_of: date) -> dict[str, Any]:
    """A campaign as known on ``as_of``: steps done later are not done yet."""
    steps = [
        isoformat_dates(
            {**s, "done_on": s["done_on"] if s["done_on"] and s["done_on"] <= as_of else None}
        )
        for s in campaign["steps"]
    ]
    return {**campaign, "steps": steps}


def _feedback(
    seed: int, spec: OrgSpec, period: Period, defects: frozenset[str]
) -> list[dict[str, Any]]:
    """Problems the district's unannounced visits fed back in ``period``.

    ``v2_feedback`` organizations get one to three, each rectified within its 30 days before the
    period ends; ``v2_feedback_overdue`` adds one found early in the period and still open past
    its due date.
    """
    rng = rng_for(seed, spec.id, period, "v2")
    months = list(period.months)
    rows: list[dict[str, Any]] = []
    n = rng.randint(1, 3) if "v2_feedback" in defects else 0
    for k in range(n):
        found = day_in(rng, months[k % (len(months) - 1 or 1)], 2, 25)
        rows.append(
            _problem(rng, f"K{period}-{k + 1}", found, found + timedelta(days=rng.randint(6, 24)))
        )
    if "v2_feedback_overdue" in defects:
        found = day_in(rng, months[0], 3, 20)
        rows.append(_problem(rng, f"K{period}-{n + 1}", found, None))
    return rows


def _problem(rng: random.Random, fid: str, found: date, rectified: date | None) -> dict[str, Any]:
    return {
        "id": fid,
        "found_on": found,
        "by": "D00",
        "mode": "unannounced",
        "problem": rng.choice(names.PROBLEMS),
        "criterion": rng.choice(("S10", "S03", "S13", "S05")),
        "due_on": found + timedelta(days=30),
        "rectified_on": rectified,
    }

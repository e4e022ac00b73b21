"""One organization's v1 snapshot for one period, built step by step from its static records.

Every step draws from the same per-period generator (seed, id, period) in a fixed order, so the
v1 records are deterministic for a seed. Planted and random defects (names such as
``committee_skip2`` or ``low_attendance``) switch particular departures from the routine on.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from pbrules.model.period import Month, Period
from pbrules.testing.synth import names
from pbrules.testing.synth.static import Static
from pbrules.testing.synth.tree import OrgSpec
from pbrules.testing.synth.util import (
    BRANCH_KINDS,
    SUPERVISORS,
    EventIds,
    clean,
    day_in,
    dues_rate,
    iso,
    isoformat_dates,
    person_name,
    rng_for,
)

__all__ = ["build_snapshot"]


@dataclass(slots=True)
class _Ctx:
    seed: int
    spec: OrgSpec
    period: Period
    defects: frozenset[str]
    static: Static
    rng: random.Random
    members: list[dict[str, Any]] = field(default_factory=list)

    @property
    def as_of(self) -> date:
        return self.period.end

    @property
    def months(self) -> tuple[str, ...]:
        return tuple(self.period.months)

    @property
    def branch(self) -> bool:
        return self.spec.kind in BRANCH_KINDS


def build_snapshot(
    seed: int, spec: OrgSpec, period: Period, defects: frozenset[str], *, static: Static
) -> dict[str, Any]:
    """One organization's snapshot for ``period`` as a JSON-ready dict."""
    ctx = _Ctx(seed, spec, period, defects, static, rng_for(seed, spec.id, period))
    ctx.members = _members(ctx)
    committee = _committee(ctx)
    snapshot = {
        "period": str(period),
        "organization": _organization(ctx),
        "members": ctx.members,
        "party_groups": list(static.groups),
        "committee": committee,
        "meetings": _meetings(ctx, committee),
        "dues": _dues(ctx) if ctx.branch else [],
        "disclosures": _disclosures(ctx),
        "development": _development(ctx),
        "trainings": _trainings(ctx),
        "visits": _visits(ctx),
        "rectifications": _rectifications(ctx),
        "coverage_units": _coverage_units(ctx),
    }
    return {k: v for k, v in snapshot.items() if v != []}


def _organization(ctx: _Ctx) -> dict[str, Any]:
    spec, static = ctx.spec, ctx.static
    return clean(
        {
            "id": spec.id,
            "name": spec.name,
            "kind": spec.kind,
            "category": spec.category,
            "parent_id": spec.parent_id,
            "founded_on": static.founded_on.isoformat(),
            "term_started_on": static.term_started_on.isoformat(),
            "term_years": static.term_years,
            "weak_lax": False,
        }
    )


def _members(ctx: _Ctx) -> list[dict[str, Any]]:
    """Members on the list as of the period end."""
    members: list[dict[str, Any]] = []
    points_missing = "points_unrecorded" in ctx.defects
    as_of = ctx.as_of
    for m in ctx.static.members:
        if m["joined_on"] > as_of:
            continue
        converted = m["converted_on"] if m["converted_on"] <= as_of else None
        ytd = (as_of.month / 12) * m["_hours"]
        points = None if points_missing else float(min(100, m["_points"] + ctx.rng.randint(-3, 3)))
        members.append(
            clean(
                {
                    "id": m["id"],
                    "name": m["name"],
                    "status": "full" if converted is not None else "probationary",
                    "joined_on": m["joined_on"].isoformat(),
                    "converted_on": iso(converted),
                    "party_group_id": m.get("party_group_id"),
                    "mobile": m.get("mobile"),
                    "dues_category": m["dues_category"],
                    "monthly_income": m["monthly_income"],
                    "points": points,
                    "appraisal": m.get("appraisal") if m["joined_on"].year < as_of.year else None,
                    "study_hours": round(ytd, 1),
                }
            )
        )
    return members


def _committee(ctx: _Ctx) -> list[dict[str, Any]]:
    """Committee posts, with resignations after the transition when planted."""
    committee: list[dict[str, Any]] = []
    resign = "resigned_after_transition" in ctx.defects
    resigned = 0
    for post in ctx.static.committee:
        if post["appointed_on"] > ctx.as_of:
            continue
        row = dict(post)
        if (
            resign
            and resigned < 2
            and row["role"] in ("organization", "propaganda", "discipline")
            and row.get("left_on") is None
        ):
            row["left_on"] = day_in(ctx.rng, ctx.months[0], 5, 25)
            row["leave_reason"] = "resigned"
            resigned += 1
        if row.get("trained_on") is not None and row["trained_on"] > ctx.as_of:
            row["trained_on"] = None
        committee.append(isoformat_dates(row))
    return committee


class _Meetings:
    """The period's meetings, added one by one."""

    def __init__(self, ctx: _Ctx) -> None:
        self.ctx = ctx
        self.rows: list[dict[str, Any]] = []
        self.ids = EventIds()
        self.low_attendance = "low_attendance" in ctx.defects

    def add(
        self,
        kind: str,
        held: date,
        expected: int,
        *,
        group: str | None = None,
        lecturer: bool = False,
    ) -> None:
        rng = self.ctx.rng
        expected = max(expected, 1)
        share = rng.uniform(0.55, 0.72) if self.low_attendance else rng.uniform(0.86, 1.0)
        attended = max(1, min(expected, round(expected * share)))
        self.rows.append(
            {
                "id": self.ids(held),
                "type": kind,
                "held_on": held,
                "party_group_id": group,
                "expected": expected,
                "attended": attended,
                "minutes": True,
                "topics": rng.sample(names.TOPICS, rng.randint(1, 3)),
                "lecturer_role": "secretary" if lecturer else None,
            }
        )


def _meetings(ctx: _Ctx, committee: list[dict[str, Any]]) -> list[dict[str, Any]]:
    book = _Meetings(ctx)
    rng, months, defects = ctx.rng, ctx.months, ctx.defects
    n_posts = sum(1 for p in committee if "left_on" not in p)
    committee_months = [months[0]] if "committee_skip2" in defects else list(months)
    if n_posts >= 3:
        for mo in committee_months:
            book.add("committee_meeting", day_in(rng, mo, 2, 12), n_posts)
    if ctx.branch:
        _branch_meetings(ctx, book)
    elif n_posts:
        # the secretary's quarterly party lecture to the committee and its office staff
        if "no_lecture" not in defects:
            held = day_in(rng, rng.choice(months), 12, 26)
            book.add("party_lecture", held, n_posts + rng.randint(5, 20), lecturer=True)
        book.add("org_life_meeting", date(ctx.as_of.year, 1, rng.randint(8, 20)), n_posts)
    _drop_minutes(ctx, book.rows)
    book.rows.sort(key=lambda m: (m["held_on"], m["id"]))
    return [isoformat_dates(m) for m in book.rows]


def _branch_meetings(ctx: _Ctx, book: _Meetings) -> None:
    rng, months, defects = ctx.rng, ctx.months, ctx.defects
    n_members = len(ctx.members)
    theme_months = [months[-1]] if "theme_skip2" in defects else list(months)
    for mo in theme_months:
        book.add("theme_day", day_in(rng, mo, 1, 5), n_members)
    groups = ctx.static.groups
    group_size = {
        g["id"]: sum(1 for m in ctx.members if m.get("party_group_id") == g["id"]) for g in groups
    }
    skip_group = ("group_skip1" in defects) and groups
    for gi, g in enumerate(groups):
        for mi, mo in enumerate(months):
            if skip_group and gi == 0 and mi == 1:
                continue
            book.add("group_meeting", day_in(rng, mo, 10, 20), group_size[g["id"]], group=g["id"])
    if "no_general_meeting" not in defects:
        gm = day_in(rng, rng.choice(months), 12, 26)
        before = len(book.rows)
        book.add("general_meeting", gm, n_members)
        if "low_quorum" in defects:
            book.rows[before]["attended"] = max(1, n_members // 2 - 1)
    if "no_lecture" not in defects:
        held = day_in(rng, rng.choice(months), 12, 26)
        book.add("party_lecture", held, n_members, lecturer=True)
    for _ in range(rng.randint(0, 2)):
        book.add("heart_talk", day_in(rng, rng.choice(months)), 2)
    # last year's life meeting and democratic appraisal, held in January
    if n_members:
        year = ctx.as_of.year
        book.add("org_life_meeting", date(year, 1, rng.randint(8, 20)), n_members)
        book.add("democratic_appraisal", date(year, 1, rng.randint(21, 28)), n_members)


def _drop_minutes(ctx: _Ctx, meetings: list[dict[str, Any]]) -> None:
    if "minutes_missing_all" in ctx.defects:
        for m in meetings:
            if ctx.rng.random() < 0.7:
                m["minutes"] = False
                m["topics"] = []
    elif "minutes_missing_one" in ctx.defects and meetings:
        ctx.rng.choice(meetings)["minutes"] = False


def _dues(ctx: _Ctx) -> list[dict[str, Any]]:
    """One row per member-month of the period."""
    rng, members = ctx.rng, ctx.members
    underpaid = None
    if "dues_underpaid" in ctx.defects:
        employed = [m for m in members if m.get("dues_category") == "employed"]
        underpaid = rng.choice(employed)["id"] if employed else None
    arrears = members[len(members) // 2]["id"] if "arrears6" in ctx.defects else None
    dues: list[dict[str, Any]] = []
    for m in members:
        rate = dues_rate(m["dues_category"], m.get("monthly_income"))
        amount = float(rate) if rate is not None else 0.2
        if m["id"] == underpaid:
            amount = round(amount * 0.5, 2)
        joined = Month.of(date.fromisoformat(m["joined_on"]))
        if m["id"] == arrears:
            months = [mo for mo in _arrears_months(ctx.months) if Month.parse(mo) >= joined]
            dues += [
                {"member_id": m["id"], "month": mo, "due": amount, "paid": 0.0} for mo in months
            ]
            continue
        for mo in ctx.months:
            if Month.parse(mo) < joined:
                continue
            paid_on = day_in(rng, mo, 3, 25)
            dues.append(
                {
                    "member_id": m["id"],
                    "month": mo,
                    "due": amount,
                    "paid": amount,
                    "paid_on": paid_on.isoformat(),
                }
            )
    return dues


def _arrears_months(months: tuple[str, ...]) -> list[str]:
    """Unpaid since January, and for at least six months."""
    last = Month.parse(months[-1])
    first = min(Month(last.year, 1), last.shift(-5))
    span = last.month - first.month + 1 + 12 * (last.year - first.year)
    return [str(first.shift(i)) for i in range(span)]


_DISCLOSURE_TOPICS = [
    "party dues",
    "member development",
    "meeting schedule",
    "finances",
    "rectification progress",
    "committee duties",
]


def _disclosures(ctx: _Ctx) -> list[dict[str, Any]]:
    if "no_disclosure" in ctx.defects:
        return []
    rng, months = ctx.rng, ctx.months
    disclosures: list[dict[str, Any]] = []
    for k in range(rng.randint(1, 2)):
        pub = day_in(rng, months[k % len(months)], 2, 28)
        disclosures.append(
            {
                "id": f"P{pub:%Y%m%d}",
                "published_on": pub.isoformat(),
                "channel": rng.choice(("board", "online")),
                "topics": rng.sample(_DISCLOSURE_TOPICS, 2),
            }
        )
    return list({d["id"]: d for d in disclosures}.values())


def _dates_until(d: dict[str, Any], as_of: date) -> dict[str, Any]:
    """A development case as known on ``as_of`` (later steps not yet taken)."""
    out: dict[str, Any] = {}
    for key, value in d.items():
        if isinstance(value, date):
            if value <= as_of:
                out[key] = value.isoformat()
        elif key == "training_hours":
            if d.get("dev_object_on") is not None and d["dev_object_on"] <= as_of:
                out[key] = value
        else:
            out[key] = value
    return out


def _development(ctx: _Ctx) -> list[dict[str, Any]]:
    """Development cases known as of the period end (and a late talk when planted)."""
    rows = [
        _dates_until(c, ctx.as_of) for c in ctx.static.development if c["applied_on"] <= ctx.as_of
    ]
    if "late_talk" in ctx.defects and ctx.branch:
        rng = ctx.rng
        applied = day_in(rng, ctx.months[0], 1, 10)
        rows.append(
            {
                "person_id": f"A{ctx.period.year}{ctx.period.index}",
                "name": person_name(rng),
                "applied_on": applied.isoformat(),
                "talked_on": (applied + timedelta(days=rng.randint(40, 55))).isoformat(),
            }
        )
    return rows


def _trainings(ctx: _Ctx) -> list[dict[str, Any]]:
    """The secretary's induction training, ten days after appointment."""
    sec_post = next(p for p in ctx.static.committee if p["role"] == "secretary")
    start = sec_post["appointed_on"] + timedelta(days=10)
    if start > ctx.as_of:
        return []
    return [
        {
            "person_id": sec_post["person_id"],
            "kind": "new_secretary",
            "start_on": start.isoformat(),
            "end_on": (start + timedelta(days=3)).isoformat(),
            "hours": 32.0,
            "level": "county",
        }
    ]


def _visits(ctx: _Ctx) -> list[dict[str, Any]]:
    """Supervision visits to every direct subordinate (two when ``few_visits``)."""
    rng, spec = ctx.rng, ctx.spec
    targets = list(spec.children)
    if "few_visits" in ctx.defects:
        targets = targets[:2]
    visits: list[dict[str, Any]] = []
    for n, target in enumerate(targets):
        when = day_in(rng, rng.choice(ctx.months))
        mode = rng.choice(("scheduled", "guidance", "spot_check"))
        if n == 0 and spec.kind in SUPERVISORS and "no_unannounced" not in ctx.defects:
            mode = "unannounced"
        problems = rng.sample(names.PROBLEMS, rng.randint(0, 2))
        visits.append(
            clean(
                {
                    "id": f"V{n + 1:03d}",
                    "target_org_id": target,
                    "visited_on": when.isoformat(),
                    "mode": mode,
                    "problems": problems,
                }
            )
        )
    return visits


def _quarter_item(seed: int, org_id: str, quarter: Period, responsible: str) -> dict[str, Any]:
    rng = rng_for(seed, org_id, quarter, "rectification")
    opened = day_in(rng, quarter.months[-1], 5, 20)
    due = quarter.end + timedelta(days=rng.randint(15, 45))
    return {
        "id": f"R{quarter}-1",
        "criterion": rng.choice(("S10", "S03", "S09", "D01", "S13")),
        "description": rng.choice(names.PROBLEMS),
        "responsible": responsible,
        "opened_on": opened.isoformat(),
        "due_on": due.isoformat(),
        "status": "open",
        "closed_on": (opened + timedelta(days=rng.randint(20, 40))).isoformat(),
    }


def _rectifications(ctx: _Ctx) -> list[dict[str, Any]]:
    """Closed items, one open but not yet due, overdue ones when planted.

    The item opened at the end of each quarter is closed within its time in the next one.
    """
    rng, period, responsible = ctx.rng, ctx.period, ctx.static.secretary_name
    rects: list[dict[str, Any]] = []
    for quarter in (period.previous(), period):
        item = _quarter_item(ctx.seed, ctx.spec.id, quarter, responsible)
        if quarter != period:
            item["status"] = "closed"
        else:
            item.pop("closed_on")
        rects.append(item)
    if "overdue_rectification" in ctx.defects:
        for k in range(2):
            opened = day_in(rng, ctx.months[k], 5, 20)
            rects.append(
                {
                    "id": f"R{period}-{k + 3}",
                    "criterion": ("S02", "V01")[k],
                    "description": rng.choice(names.PROBLEMS),
                    "responsible": responsible,
                    "opened_on": opened.isoformat(),
                    "due_on": (opened + timedelta(days=30)).isoformat(),
                    "status": "open",
                }
            )
    if "rectification_incomplete" in ctx.defects:
        rects.append(
            {
                "id": f"R{period}-2",
                "description": rng.choice(names.PROBLEMS),
                "opened_on": day_in(rng, ctx.months[0], 5, 20).isoformat(),
                "status": "open",
            }
        )
    return rects


def _coverage_units(ctx: _Ctx) -> list[dict[str, Any]]:
    """Coverage units of township and street committees (one uncovered when planted)."""
    spec, rng = ctx.spec, ctx.rng
    units: list[dict[str, Any]] = []
    for unit_id, name, kind, full, covered_by in spec.units:
        units.append(
            {
                "id": unit_id,
                "name": name,
                "kind": kind,
                "operating": True,
                "employees": rng_for(ctx.seed, spec.id, unit_id).randint(12, 320),
                "full_members": full,
                "covered_by": covered_by,
                "mode": "standalone" if full >= 3 else "joint",
                "instructor": full < 3,
            }
        )
    if "coverage_gap" in ctx.defects and spec.units:
        units.append(
            {
                "id": f"U{len(spec.units) + 1:02d}",
                "name": f"{rng.choice(names.COMPANY_STEMS)} Services Co., Ltd.",
                "kind": "enterprise",
                "operating": True,
                "employees": rng.randint(8, 40),
                "full_members": rng.randint(1, 2),
                "mode": "none",
                "instructor": False,
            }
        )
    return units

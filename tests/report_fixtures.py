"""Realistic result documents for the report tests: 3 peer groups, 21 organizations, Chinese
names and titles, per-subject findings, and a previous quarter to compare with."""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass
from datetime import date, timedelta

from pbrules.model.result import (
    CriterionResult,
    Finding,
    FindingSubject,
    GroupRanking,
    OrgResult,
    PackRef,
    Rectify,
    Rejected,
    RunResult,
    RunWarning,
    Summary,
)

PACK = PackRef(id="district-quarterly", version="2026.3", digest="sha256:" + "ab" * 32)
AREAS = {"standardization": 40.0, "supervision": 30.0, "team_stability": 30.0}
GROUP_TITLES = {"townships": "乡镇(街道)", "system_committees": "系统分工委", "branches": "党支部"}

# (id, title, area, points, severity, per-subject type or None, message template)
CRITERIA = [
    (
        "S01",
        "按期召开支部党员大会",
        "standardization",
        10,
        "major",
        None,
        "{name}本季度召开党员大会{actual}次,应召开{expected}次",
    ),
    (
        "S02",
        "支委会每月召开",
        "standardization",
        10,
        "major",
        None,
        "{name}支委会在{expected}个月中仅{actual}个月召开",
    ),
    (
        "S05",
        "按月足额交纳党费",
        "standardization",
        10,
        "critical",
        "member",
        "{name}党员{subject}连续{actual}个月未交纳党费",
    ),
    (
        "V01",
        "对下级开展暗访督查",
        "supervision",
        15,
        "major",
        None,
        "{name}本季度暗访督查{actual}次,要求不少于{expected}次",
    ),
    (
        "V03",
        "问题整改按期销号",
        "supervision",
        15,
        "critical",
        None,
        "{name}有{actual}项整改问题逾期未销号",
    ),
    (
        "T01",
        "班子成员保持稳定",
        "team_stability",
        15,
        "minor",
        None,
        "{name}本季度班子成员变动{actual}人",
    ),
    (
        "T02",
        "新任书记按期培训",
        "team_stability",
        15,
        "minor",
        "person",
        "{name}新任书记{subject}未在任职三个月内参加培训",
    ),
]

TOWNSHIPS = ["城关镇", "东湖街道", "西山镇", "南岭镇", "北塘街道", "青石镇", "临江镇", "桃源乡"]
SYSTEMS = ["教育系统分工委", "卫健系统分工委", "机关工委", "国资系统分工委", "非公经济党工委"]
BRANCHES = [
    "城关镇幸福村党支部",
    "城关镇朝阳社区党支部",
    "东湖街道滨湖社区党支部",
    "西山镇石桥村党支部",
    "南岭镇茶园村党支部",
    "北塘街道光明社区党支部",
    "第一中学党支部",
    "人民医院党总支",
]


@dataclass(frozen=True)
class Fixture:
    result: RunResult
    previous: RunResult


def _fingerprint(*parts: str) -> str:
    return hashlib.sha256("|".join(parts).encode()).hexdigest()


def _orgs() -> list[tuple[str, str, str, str, str]]:
    out = [
        (f"T{i + 1:02d}", n, "township_committee", "D00", "townships")
        for i, n in enumerate(TOWNSHIPS)
    ]
    out += [
        (f"SC{i + 1:02d}", n, "system_sub_committee", "D00", "system_committees")
        for i, n in enumerate(SYSTEMS)
    ]
    out += [
        (f"B{i + 1:03d}", n, "general_branch" if "总支" in n else "branch", "T01", "branches")
        for i, n in enumerate(BRANCHES)
    ]
    return out


def _rank(orgs: list[OrgResult]) -> list[OrgResult]:
    """Competition ranking within each group (1, 2, 2, 4), ties by org id."""
    out: list[OrgResult] = []
    by_group: dict[str, list[OrgResult]] = {}
    for o in orgs:
        by_group.setdefault(o.group or "", []).append(o)
    for members in by_group.values():
        members.sort(key=lambda o: (-round(o.total, 2), o.org_id))
        for i, o in enumerate(members):
            rank = i + 1
            if i and round(members[i - 1].total, 2) == round(o.total, 2):
                rank = next(x for x in out if x.org_id == members[i - 1].org_id).rank or rank
            out.append(o.model_copy(update={"rank": rank, "group_size": len(members)}))
    return out


def build_result(period: str, seed: int, previous: RunResult | None = None) -> RunResult:
    rng = random.Random(seed)
    year, q = int(period[:4]), int(period[-1])
    end = date(year, 3 * q, 30 if q in (2, 3) else 31)
    orgs: list[OrgResult] = []
    findings: list[Finding] = []
    for org_id, name, kind, parent, group in _orgs():
        criteria: list[CriterionResult] = []
        earned_by_area = dict.fromkeys(AREAS, 0.0)
        max_by_area = dict.fromkeys(AREAS, 0.0)
        for cid, title, area, points, severity, subject_type, template in CRITERIA:
            fail = rng.random() < 0.3
            subjects = (
                [f"M{rng.randint(100, 999)}" for _ in range(rng.randint(1, 2))]
                if (fail and subject_type)
                else [None]
            )
            lost = float(min(points, rng.choice([2, 4, 6, points]))) if fail else 0.0
            earned = points - lost
            criteria.append(
                CriterionResult(
                    id=cid,
                    status="fail" if fail else "pass",
                    earned=earned,
                    max=float(points),
                    actual=1 if fail else 3,
                    expected=3,
                )
            )
            earned_by_area[area] += earned
            max_by_area[area] += points
            if not fail:
                continue
            for subj in subjects:
                message = template.format(
                    name=name, actual=rng.randint(0, 2), expected=3, subject=subj or ""
                )
                findings.append(
                    Finding(
                        fingerprint=_fingerprint(
                            PACK.id, cid, org_id, subject_type or "", subj or ""
                        ),
                        criterion=cid,
                        pack=PACK.id,
                        org_id=org_id,
                        org_name=name,
                        period=period,
                        area=area,
                        severity=severity,
                        status="fail",
                        message=message,
                        subject=FindingSubject(type=subject_type, id=subj)
                        if subj and subject_type
                        else None,
                        evidence=[f"E{rng.randint(1, 99)}", f"R{rng.randint(1, 9)}"],
                        points_lost=lost / len(subjects),
                        rectification=Rectify(
                            responsible="支部书记" if "支" in name else "党委书记",
                            due=end + timedelta(days=rng.choice([-20, 15, 30, 45])),
                            action="逐项整改,按期销号",
                        ),
                        basis="《中国共产党支部工作条例(试行)》",
                        title=title,
                    )
                )
        areas = {a: AREAS[a] * earned_by_area[a] / max_by_area[a] for a in AREAS}
        base = 100 * sum(areas.values()) / sum(AREAS.values())
        bonus = float(rng.choice([0, 0, 1, 2]))
        total = base + bonus
        grade = (
            "excellent"
            if total >= 90
            else "good"
            if total >= 75
            else ("fair" if total >= 60 else "weak")
        )
        orgs.append(
            OrgResult(
                org_id=org_id,
                name=name,
                kind=kind,
                parent_id=parent,
                group=group,
                total=total,
                base_total=base,
                bonus=bonus,
                grade=grade,
                complete=True,
                areas=areas,
                criteria=criteria,
            )
        )
    orgs = _rank(orgs)
    if previous is not None:
        prev = {o.org_id: o for o in previous.organizations}
        moved = []
        for o in orgs:
            p = prev[o.org_id]
            change = (p.rank or 0) - (o.rank or 0)
            movement = (
                "rapid_progress" if change >= 3 else "major_setback" if change <= -3 else "steady"
            )
            moved.append(
                o.model_copy(
                    update={
                        "previous_rank": p.rank,
                        "rank_change": change,
                        "movement": movement,
                        "previous_total": p.total,
                        "total_change": o.total - p.total,
                    }
                )
            )
        orgs = moved
    rankings: dict[str, GroupRanking] = {}
    for gid, title in GROUP_TITLES.items():
        members = sorted((o for o in orgs if o.group == gid), key=lambda o: (o.rank, o.org_id))
        rankings[gid] = GroupRanking(
            title=title,
            top=[o.org_id for o in members[:3]],
            bottom=[o.org_id for o in reversed(members[-3:])],
            rapid_progress=[o.org_id for o in members if o.movement == "rapid_progress"],
            major_setbacks=[o.org_id for o in members if o.movement == "major_setback"],
        )
    return RunResult(
        pack=PACK,
        period=period,
        as_of=end,
        organizations=orgs,
        findings=findings,
        rankings=rankings,
        rejected=[
            Rejected(
                source="data/2026Q3.jsonl:17",
                org_id="B099",
                errors=["members.3.joined_on: invalid date"],
            )
        ],
        warnings=[RunWarning(org_id="B008", message="parent_id T99 is not in the dataset")],
        summary=Summary(evaluated=len(orgs), rejected=1, findings=len(findings), incomplete=0),
    )


def make_fixture() -> Fixture:
    previous = build_result("2026Q2", seed=7)
    return Fixture(result=build_result("2026Q3", seed=11, previous=previous), previous=previous)


@dataclass(frozen=True)
class FakeLedgerItem:
    """A ledger item as ``pbrules.ledger`` returns it (the attributes the report reads)."""

    number: str
    org_id: str
    criterion: str
    message: str
    responsible: str | None
    due: date | None
    status: str
    overdue: bool


def ledger_items(result: RunResult) -> list[FakeLedgerItem]:
    items = []
    for n, f in enumerate(result.findings, start=1):
        due = f.rectification.due
        overdue = due is not None and result.as_of is not None and due < result.as_of
        items.append(
            FakeLedgerItem(
                number=f"2026Q3-{n:04d}",
                org_id=f.org_id,
                criterion=f.criterion,
                message=f.message,
                responsible=f.rectification.responsible,
                due=due,
                status="overdue" if overdue else "open",
                overdue=overdue,
            )
        )
    items.append(
        FakeLedgerItem(
            number="2026Q2-0007",
            org_id="T03",
            criterion="S01",
            message="上季度问题:党员大会未按期召开",
            responsible="党委书记",
            due=date(2026, 7, 15),
            status="rectified",
            overdue=False,
        )
    )
    return items

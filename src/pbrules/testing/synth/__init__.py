"""Seeded synthetic datasets: the example district, and large datasets for benchmarks.

Usage::

    python -m pbrules.synth --seed 7 --period 2026Q3 --out district.jsonl
    python -m pbrules.synth --seed 7 --period 2026Q3 --orgs 1000000 --out big.jsonl
    python -m pbrules.synth --seed 7 --example-dir examples/district

Without ``--orgs`` the generator writes the example district (a district committee, ten
township/street committees, eight system sub-committees with their general branches, and about
170 branches) including its planted situations (see ``planted()``). With ``--orgs N`` it writes
a generic district of exactly ``N`` organizations, streamed to the file one snapshot at a time:
memory does not grow with ``N`` beyond one township's branch ids.

Output is deterministic for a seed: every organization draws from its own random generator
seeded by ``seed``, its id and the period, so the same organization keeps its members and
committee from one quarter to the next.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_CEILING, Decimal
from pathlib import Path
from typing import Any, TextIO

from pbrules.model.period import Month, Period, add_months

__all__ = [
    "EXAMPLE_PERIODS",
    "OrgSpec",
    "district_specs",
    "example_snapshots",
    "generic_snapshots",
    "main",
    "planted",
    "write_example",
    "write_jsonl",
]

EXAMPLE_PERIODS = ("2026Q2", "2026Q3")
DEFAULT_SEED = 7


# ---------------------------------------------------------------------------------------------
# Names
# ---------------------------------------------------------------------------------------------
def _words(text: str, sep: str | None = None) -> tuple[str, ...]:
    return tuple(text.split(sep))


_SURNAMES = _words(
    "Wang Li Zhang Liu Chen Yang Zhao Huang Zhou Wu Xu Sun Hu Zhu Gao Lin He Guo Ma Luo Liang "
    "Song Zheng Xie Han Tang Feng Yu Dong Xiao Cheng Cao Yuan Deng Fu Shen Peng Lu Jiang Cai"
)
_GIVEN = _words(
    "Jianguo Guiying Xiuying Jun Yong Min Jing Li Qiang Lei Yang Yan Jie Juan Tao Ming Chao "
    "Xiulan Xia Ping Gang Guilan Hua Hong Fang Wei Na Bo Hui Ling Lan Dan Hai Peng Xin Rong "
    "Zhiqiang Shuhua Haiyan Chunmei Dongmei Wenjun Yufeng Xiaoming Lihua Guoqing"
)
_TOWNS = ("Qingshui", "Hexi", "Dongba", "Shiqiao", "Liulin", "Baima", "Xinfeng")
_STREETS = ("Chengguan", "Nanyuan", "Beihu")
_VILLAGE_STEMS = _words(
    "Lijia Wangzhuang Zhangwan Liuhe Chenjiaba Yangliu Zhaoping Huangtu Zhoucun Wujia Xugou "
    "Sunzhuang Hutang Zhuqiao Gaoling Linchang Hejia Guodian Mapu Luoyang Liangshan Songlin "
    "Zhengjia Xiejiawan Hanzhuang Tangfang Fengshan Yuxi Dongping Xiaohe Chengbei Caojia "
    "Yuanqiao Dengzhuang Fuxing Shenjia Pengwan Lutang Jianglou Caiyuan Shuangmiao Taohua "
    "Baiyang Qianjin Hongqi Xinglong Dahe Xiaowan Nanshan Beishan Gaoqiao Shiban"
)
_VILLAGE_PREFIXES = _words("Wang Li Zhang Liu Chen Yang Zhao Huang Zhou Wu Xu Sun Hu Zhu Gao Lin")
_VILLAGE_SUFFIXES = _words("zhuang wan gou ping qiao tang shan he ling dian")
_COMMUNITY_STEMS = _words(
    "Heping Xinhua Jianshe Renmin Wenhua Shengli Guangming Xingfu Minzhu Tuanjie Yingbin "
    "Jinxiu Chunhui Zhongxin Huayuan Binhe Lanting Qingnian Xiangyang Donghu Xiyuan Zhongshan"
)
_COMPANY_STEMS = _words(
    "Hengda Textile|Jinyu Machinery|Ruifeng Foods|Tianyi Logistics|Huaxin Electronics|"
    "Lvyuan Agriculture|Dingsheng Building Materials|Kangning Pharmaceutical|Mingtai Packaging|"
    "Yuanhang Auto Parts|Fulin Furniture|Qiangsheng Chemical|Baohua Paper|Xinrui Software|"
    "Haitong Trading|Shunfa Property Services|Jiahe Catering|Longteng Steel Structure",
    "|",
)
_SOCIAL_STEMS = _words(
    "Volunteers Association|Elderly Care Center|Lawyers Association|Private Schools Association|"
    "Social Work Service Center|Chamber of Commerce",
    "|",
)

# (id, name, branch category, general branches (name stems), direct branches)
_SYSTEMS: tuple[tuple[str, str, str, tuple[str, ...], int], ...] = (
    ("SC01", "Government Agencies", "agency", ("District Government Offices", "Law and Order"), 1),
    ("SC02", "Education System", "school", ("No. 1 Middle School", "Experimental School"), 2),
    ("SC03", "Health System", "institution", ("District People's Hospital",), 2),
    (
        "SC04",
        "State-owned Enterprises",
        "state_enterprise",
        ("City Investment Group", "Water Group"),
        1,
    ),
    (
        "SC05",
        "Non-public Economy and Social Organizations",
        "nonpublic_enterprise",
        ("Industrial Park",),
        2,
    ),
    (
        "SC06",
        "Agriculture and Rural Affairs",
        "institution",
        ("Agricultural Technology Center",),
        1,
    ),
    (
        "SC07",
        "Retired Cadres",
        "other",
        ("Retired Cadres of District Agencies", "Retired Teachers"),
        2,
    ),
    ("SC08", "Culture, Tourism and Sports", "institution", ("Culture Center",), 1),
)
_UNIT_NAMES: dict[str, tuple[str, ...]] = {
    "agency": _words(
        "Finance Bureau|Development and Reform Bureau|Human Resources Bureau|"
        "Civil Affairs Bureau|Audit Bureau|Statistics Bureau|Justice Bureau|"
        "Public Security Sub-bureau|Procuratorate|Court|Petition Bureau|"
        "Emergency Management Bureau|Natural Resources Bureau",
        "|",
    ),
    "school": _words(
        "Teachers' Group|Administration|Logistics|Junior Section|Senior Section|"
        "Primary School|Vocational School|Kindergarten|Special Education School",
        "|",
    ),
    "institution": _words(
        "Internal Medicine|Surgery|Nursing|Administration|Disease Control Center|"
        "Maternal and Child Health Hospital|Animal Husbandry Station|Seed Station|"
        "Library|Museum|Sports Center|Art Troupe|Extension Service",
        "|",
    ),
    "state_enterprise": _words(
        "Headquarters|Construction Company|Operations Company|Water Supply Company|"
        "Sewage Treatment Company|Finance Department|Engineering Department",
        "|",
    ),
    "nonpublic_enterprise": _COMPANY_STEMS[:10],
    "other": _words(
        "First|Second|Third|Fourth|Fifth|Sixth|Seventh",
        "|",
    ),
}

_TOPICS = (
    "Study the Party Constitution",
    "Study the spirit of the plenary session",
    "Discuss rural revitalization work",
    "Review party dues payment",
    "Discuss member development",
    "Arrange flood prevention",
    "Discuss grass-roots governance",
    "Study discipline regulations",
    "Discuss community service projects",
    "Criticism and self-criticism",
    "Arrange volunteer service",
    "Discuss village affairs openness",
)
_PROBLEMS = (
    "meeting minutes incomplete",
    "party dues ledger not updated",
    "disclosure board out of date",
    "theme party day content thin",
    "member files incomplete",
    "activist training records missing",
)


# ---------------------------------------------------------------------------------------------
# Organizations
# ---------------------------------------------------------------------------------------------
@dataclass(slots=True)
class OrgSpec:
    """One organization of the generated district (period-independent)."""

    id: str
    name: str
    kind: str
    category: str | None
    parent_id: str | None
    children: list[str] = field(default_factory=list)
    #: members the organization has on its own list (0 for committees)
    size: int = 0
    #: coverage units for township/street committees: (id, name, kind, full members, branch id)
    units: list[tuple[str, str, str, int, str | None]] = field(default_factory=list)


def _rng(seed: int, *parts: object) -> random.Random:
    return random.Random("/".join(str(p) for p in (seed, *parts)))


def _person(rng: random.Random) -> str:
    return f"{rng.choice(_SURNAMES)} {rng.choice(_GIVEN)}"


def _member_count(rng: random.Random, category: str | None, kind: str) -> int:
    if kind == "general_branch":
        return rng.randint(8, 14)
    lo, hi = {
        "village": (18, 48),
        "community": (15, 40),
        "agency": (9, 30),
        "school": (10, 34),
        "institution": (9, 30),
        "state_enterprise": (12, 38),
        "nonpublic_enterprise": (3, 14),
        "social_org": (3, 8),
        "other": (10, 32),
    }.get(category or "other", (8, 20))
    return rng.randint(lo, hi)


def district_specs(seed: int) -> list[OrgSpec]:
    """The example district's organizations in tree order (parents before children)."""
    rng = _rng(seed, "district")
    specs: list[OrgSpec] = []
    root = OrgSpec("D00", "Xinhe District Party Committee", "district_committee", None, None)
    specs.append(root)
    branch_no = 0
    stems_v = list(_VILLAGE_STEMS) + [
        f"{a}{b}" for a in _VILLAGE_PREFIXES for b in _VILLAGE_SUFFIXES
    ]
    stems_v = list(dict.fromkeys(stems_v))
    stems_c = list(_COMMUNITY_STEMS) + [
        f"{c} {d}" for c in _COMMUNITY_STEMS for d in ("East", "West")
    ]
    companies = list(_COMPANY_STEMS)
    rng.shuffle(stems_v)
    rng.shuffle(stems_c)

    def new_branch(
        parent: OrgSpec, name: str, category: str, kind: str = "branch", size: int | None = None
    ) -> OrgSpec:
        nonlocal branch_no
        branch_no += 1
        spec = OrgSpec(f"B{branch_no:03d}", name, kind, category, parent.id)
        spec.size = size if size is not None else _member_count(rng, category, kind)
        parent.children.append(spec.id)
        specs.append(spec)
        return spec

    townships: list[OrgSpec] = []
    for i in range(10):
        tid = f"T{i + 1:02d}"
        if i < 7:
            t = OrgSpec(tid, f"{_TOWNS[i]} Town Party Committee", "township_committee", None, "D00")
        else:
            t = OrgSpec(
                tid,
                f"{_STREETS[i - 7]} Street Party Working Committee",
                "street_working_committee",
                None,
                "D00",
            )
        root.children.append(tid)
        specs.append(t)
        townships.append(t)
    for i, t in enumerate(townships):
        town = i < 7
        n = rng.randint(8, 11) if town else rng.randint(5, 8)
        for _ in range(n):
            if town:
                new_branch(t, f"{stems_v.pop()} Village Party Branch", "village")
            else:
                new_branch(t, f"{stems_c.pop()} Community Party Branch", "community")
        joint = new_branch(
            t,
            f"{t.name.split(' ')[0]} Non-public Enterprises Joint Party Branch",
            "nonpublic_enterprise",
            kind="joint_branch",
            size=rng.randint(6, 12),
        )
        for u in range(rng.randint(3, 5)):
            if u < 2 and companies:
                company = companies.pop(rng.randrange(len(companies)))
                full = rng.randint(3, 9) if u == 0 or rng.random() < 0.5 else rng.randint(0, 2)
            else:
                company = f"{rng.choice(_COMPANY_STEMS)} {rng.choice(('Trading', 'Services'))}"
                full = rng.randint(0, 2)
            kind = "enterprise"
            if u == 4 or (u == 3 and rng.random() < 0.4):
                company = f"{t.name.split(' ')[0]} {rng.choice(_SOCIAL_STEMS)}"
                kind = "social_org"
            unit_id = f"U{len(t.units) + 1:02d}"
            if full >= 3:
                own = new_branch(
                    t,
                    f"{company} Co., Ltd. Party Branch",
                    "nonpublic_enterprise",
                    size=full + rng.randint(0, 4),
                )
                t.units.append((unit_id, f"{company} Co., Ltd.", kind, full, own.id))
            else:
                t.units.append((unit_id, f"{company} Co., Ltd.", kind, full, joint.id))
    g_no = 0
    for sid, sname, category, generals, direct in _SYSTEMS:
        sc = OrgSpec(sid, f"{sname} Party Sub-committee", "system_sub_committee", None, "D00")
        root.children.append(sid)
        specs.append(sc)
        names = list(_UNIT_NAMES[category])
        rng.shuffle(names)
        for gname in generals:
            g_no += 1
            g = OrgSpec(
                f"G{g_no:02d}", f"{gname} General Party Branch", "general_branch", category, sid
            )
            g.size = _member_count(rng, category, "general_branch")
            sc.children.append(g.id)
            specs.append(g)
            for _ in range(rng.randint(3, 5)):
                unit = names.pop() if names else f"Unit {branch_no + 1}"
                new_branch(g, _unit_branch_name(gname, unit, category), category)
        for _ in range(direct):
            unit = names.pop() if names else f"Unit {branch_no + 1}"
            new_branch(sc, _unit_branch_name(sname, unit, category), category)
    return specs


def _unit_branch_name(parent: str, unit: str, category: str) -> str:
    if category == "other":
        return f"{parent} {unit} Party Branch"
    if category in ("school", "institution", "state_enterprise") and unit in (
        "Teachers' Group", "Administration", "Logistics", "Junior Section", "Senior Section",
        "Internal Medicine", "Surgery", "Nursing", "Headquarters", "Finance Department",
        "Engineering Department",
    ):  # fmt: skip
        return f"{parent} {unit} Party Branch"
    return f"{unit} Party Branch"


# ---------------------------------------------------------------------------------------------
# Snapshot building
# ---------------------------------------------------------------------------------------------
_BRANCH_KINDS = ("branch", "general_branch", "joint_branch")
_SUPERVISORS = ("township_committee", "street_working_committee", "system_sub_committee")

#: defects drawn at random for ordinary organizations (none touches a planted criterion)
_RANDOM_DEFECTS_BRANCH = (
    "minutes_missing_one",
    "low_attendance",
    "group_skip1",
    "dues_underpaid",
    "late_talk",
    "rectification_incomplete",
)
_RANDOM_DEFECTS_COMMITTEE = ("minutes_missing_one", "rectification_incomplete", "coverage_gap")
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


def _d(rng: random.Random, start: date, end: date) -> date:
    if end <= start:
        return start
    return start + timedelta(days=rng.randint(0, (end - start).days))


def _day_in(rng: random.Random, month: str, lo: int = 1, hi: int = 28) -> date:
    m = Month.parse(month)
    return date(m.year, m.month, rng.randint(lo, hi))


def _iso(d: date | None) -> str | None:
    return d.isoformat() if d is not None else None


def _clean(d: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in d.items() if v is not None and v != [] and v != {}}


_EMPLOYED_RATES = ((3000, "0.005"), (5000, "0.01"), (10000, "0.015"))
_RETIRED_RATES = ((5000, "0.005"),)


def dues_rate(category: str, income: float | None) -> Decimal | None:
    """The monthly dues for a member (Dues Regulation 2008 brackets); ``None`` if unknown."""
    if category in ("farmer", "student", "unemployed"):
        return Decimal("0.2")
    if income is None:
        return None
    inc = Decimal(str(income))
    if category == "employed":
        rate = next((Decimal(r) for top, r in _EMPLOYED_RATES if inc <= top), Decimal("0.02"))
    elif category == "retired":
        rate = next((Decimal(r) for top, r in _RETIRED_RATES if inc <= top), Decimal("0.01"))
    else:
        return None
    amount = (inc * rate).quantize(Decimal("0.01"), rounding=ROUND_CEILING)
    # a checker computing rate * income in binary floating point must still see it paid
    while float(amount) < float(rate) * float(inc):
        amount += Decimal("0.01")
    return amount


@dataclass(slots=True)
class _Static:
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


def _static(seed: int, spec: OrgSpec, defects_any: frozenset[str]) -> _Static:
    rng = _rng(seed, spec.id, "static")
    branch = spec.kind in _BRANCH_KINDS
    founded = date(rng.randint(1952, 2012), rng.randint(1, 12), rng.randint(1, 28))
    if spec.category in ("village", "community"):
        # the two-committee transition of spring 2026
        term_start, term_years = date(2026, 3, rng.randint(2, 31)), 5
    elif spec.kind in ("district_committee", "township_committee", "street_working_committee"):
        term_start, term_years = date(2021, rng.randint(10, 12), rng.randint(1, 28)), 5
    else:
        term_start = _d(rng, date(2023, 11, 1), date(2025, 12, 31))
        term_years = 3
    founded = min(founded, term_start)
    members: list[dict[str, Any]] = []
    dues_cat = {
        "village": ("farmer", "farmer", "farmer", "employed", "retired"),
        "community": ("employed", "retired", "retired", "unemployed", "employed"),
        "other": ("retired",),
    }.get(spec.category or "", ("employed",))
    for i in range(spec.size):
        joined = _d(rng, date(1965, 1, 1), date(2023, 6, 30))
        cat = rng.choice(dues_cat)
        income = None
        if cat == "employed":
            income = float(rng.randrange(2600, 14000, 100))
        elif cat == "retired":
            income = float(rng.randrange(2200, 9000, 100))
        members.append(
            {
                "id": f"M{i + 1:03d}",
                "name": _person(rng),
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
    # the member-development pipeline
    development: list[dict[str, Any]] = []
    if branch:
        n_cases = rng.randint(1, 3) if spec.category == "village" else rng.randint(0, 2)
        if spec.size < 6:
            n_cases = min(n_cases, 1)
        for c in range(n_cases):
            pid = f"M{spec.size + c + 1:03d}"
            if c == 0 and spec.category == "village":
                dev_object = _d(rng, date(2025, 3, 1), date(2026, 1, 31))
                activist = dev_object - timedelta(days=rng.randint(380, 470))
            else:
                activist = _d(rng, date(2023, 9, 1), date(2026, 2, 28))
                dev_object = activist + timedelta(days=rng.randint(380, 470))
            if "dev_skip_activist_year" in defects_any and c == 0:
                activist = dev_object - timedelta(days=rng.randint(140, 170))
            applied = activist - timedelta(days=rng.randint(40, 120))
            talked = applied + timedelta(days=rng.randint(5, 25))
            accepted = dev_object + timedelta(days=rng.randint(95, 200))
            approved = accepted + timedelta(days=rng.randint(20, 75))
            full = [m["id"] for m in members if m["status"] == "full"]
            development.append(
                {
                    "person_id": pid,
                    "name": _person(rng),
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
            )
            members.append(
                {
                    "id": pid,
                    "name": development[-1]["name"],
                    "status": "probationary",
                    "joined_on": accepted,
                    "converted_on": development[-1]["converted_on"],
                    "dues_category": rng.choice(dues_cat),
                    "monthly_income": float(rng.randrange(2600, 9000, 100)),
                    "_hours": rng.randint(40, 60),
                    "_points": rng.randint(66, 95),
                }
            )
            if members[-1]["dues_category"] not in ("employed", "retired"):
                members[-1]["monthly_income"] = None
        # a recent applicant still before the activist stage
        if rng.random() < 0.5 and spec.size >= 6:
            applied = _d(rng, date(2025, 10, 1), date(2026, 5, 31))
            development.append(
                {
                    "person_id": f"M{spec.size + n_cases + 1:03d}",
                    "name": _person(rng),
                    "applied_on": applied,
                    "talked_on": applied + timedelta(days=rng.randint(5, 25)),
                    "activist_on": applied + timedelta(days=rng.randint(30, 90)),
                }
            )
    # party groups
    groups: list[dict[str, Any]] = []
    regular = [m for m in members if m["status"] == "full"]
    if branch and spec.size >= 12:
        n_groups = max(2, math.ceil(spec.size / 10))
        for g in range(n_groups):
            groups.append({"id": f"PG{g + 1}", "name": f"Party Group {g + 1}"})
        for i, m in enumerate(members):
            m["party_group_id"] = f"PG{i % n_groups + 1}"
        for g in range(n_groups):
            groups[g]["leader_id"] = regular[g]["id"]
    # the committee
    committee: list[dict[str, Any]] = []
    trained_delay = rng.randint(20, 70)
    if branch:
        # size the committee on everyone who will be a full member (probationers convert)
        n_full = len(members)
        if "one_committee_member" in defects_any:
            roles = ["secretary"]
        elif n_full >= 7:
            roles = ["secretary", "organization", "propaganda"]
            if n_full >= 15:
                roles += ["deputy_secretary", "discipline"]
        else:
            roles = ["secretary"] + (["organization"] if len(regular) >= 4 else [])
        people = rng.sample(regular, len(roles))
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
                    "name": _person(rng),
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
    else:
        roles = ["secretary", "deputy_secretary", "organization", "propaganda", "discipline"]
        if spec.kind != "system_sub_committee":
            roles += ["deputy_secretary", "member"]
        if spec.kind == "district_committee":
            roles += ["member", "member", "member"]
        for r, role in enumerate(roles):
            committee.append(
                {
                    "person_id": f"P{r + 1:02d}",
                    "name": _person(rng),
                    "role": role,
                    "appointed_on": term_start,
                    "trained_on": term_start + timedelta(days=trained_delay)
                    if role == "secretary"
                    else None,
                }
            )
    secretary = next(p for p in committee if p["role"] == "secretary")
    return _Static(
        founded_on=founded,
        term_started_on=term_start,
        term_years=term_years,
        members=members,
        groups=groups,
        committee=committee,
        development=development,
        secretary=secretary["person_id"],
        secretary_name=secretary["name"],
    )


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


def _quarter_item(seed: int, org_id: str, quarter: Period, responsible: str) -> dict[str, Any]:
    rng = _rng(seed, org_id, quarter, "rectification")
    opened = _day_in(rng, quarter.months[-1], 5, 20)
    due = quarter.end + timedelta(days=rng.randint(15, 45))
    return {
        "id": f"R{quarter}-1",
        "criterion": rng.choice(("S10", "S03", "S09", "D01", "S13")),
        "description": rng.choice(_PROBLEMS),
        "responsible": responsible,
        "opened_on": opened.isoformat(),
        "due_on": due.isoformat(),
        "status": "open",
        "closed_on": (opened + timedelta(days=rng.randint(20, 40))).isoformat(),
    }


class _Ids:
    def __init__(self) -> None:
        self.counts: dict[str, int] = {}

    def __call__(self, d: date) -> str:
        key = d.strftime("%Y%m%d")
        self.counts[key] = self.counts.get(key, 0) + 1
        return f"E{key}-{self.counts[key]}"


def build_snapshot(
    seed: int, spec: OrgSpec, period: Period, defects: frozenset[str], *, static: _Static
) -> dict[str, Any]:
    """One organization's snapshot for ``period`` as a JSON-ready dict."""
    rng = _rng(seed, spec.id, period)
    as_of = period.end
    months = period.months
    branch = spec.kind in _BRANCH_KINDS
    org = _clean(
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
    # members on the list as of the period end
    members: list[dict[str, Any]] = []
    points_missing = "points_unrecorded" in defects
    for m in static.members:
        if m["joined_on"] > as_of:
            continue
        converted = m["converted_on"] if m["converted_on"] <= as_of else None
        ytd = (as_of.month / 12) * m["_hours"]
        members.append(
            _clean(
                {
                    "id": m["id"],
                    "name": m["name"],
                    "status": "full" if converted is not None else "probationary",
                    "joined_on": m["joined_on"].isoformat(),
                    "converted_on": _iso(converted),
                    "party_group_id": m.get("party_group_id"),
                    "mobile": m.get("mobile"),
                    "dues_category": m["dues_category"],
                    "monthly_income": m["monthly_income"],
                    "points": None
                    if points_missing
                    else float(min(100, m["_points"] + rng.randint(-3, 3))),
                    "appraisal": m.get("appraisal") if m["joined_on"].year < as_of.year else None,
                    "study_hours": round(ytd, 1),
                }
            )
        )
    group_ids = {g["id"] for g in static.groups}
    groups = list(static.groups)
    group_size = {g: sum(1 for m in members if m.get("party_group_id") == g) for g in group_ids}

    # committee posts, with resignations after the transition when planted
    committee: list[dict[str, Any]] = []
    resign = "resigned_after_transition" in defects
    resigned = 0
    for post in static.committee:
        if post["appointed_on"] > as_of:
            continue
        row = dict(post)
        if (
            resign
            and resigned < 2
            and row["role"] in ("organization", "propaganda", "discipline")
            and row.get("left_on") is None
        ):
            row["left_on"] = _day_in(rng, months[0], 5, 25)
            row["leave_reason"] = "resigned"
            resigned += 1
        if row.get("trained_on") is not None and row["trained_on"] > as_of:
            row["trained_on"] = None
        committee.append(_clean({k: _iso(v) if isinstance(v, date) else v for k, v in row.items()}))
    n_posts = sum(1 for p in committee if "left_on" not in p)

    # meetings
    ids = _Ids()
    meetings: list[dict[str, Any]] = []
    n_members = len(members)
    low_att = "low_attendance" in defects

    def meeting(
        kind: str, held: date, expected: int, *, group: str | None = None, lecturer: bool = False
    ) -> None:
        if expected <= 0:
            expected = 1
        share = rng.uniform(0.55, 0.72) if low_att else rng.uniform(0.86, 1.0)
        attended = max(1, min(expected, round(expected * share)))
        meetings.append(
            {
                "id": ids(held),
                "type": kind,
                "held_on": held,
                "party_group_id": group,
                "expected": expected,
                "attended": attended,
                "minutes": True,
                "topics": rng.sample(_TOPICS, rng.randint(1, 3)),
                "lecturer_role": "secretary" if lecturer else None,
            }
        )

    committee_months = list(months)
    if "committee_skip2" in defects:
        committee_months = [months[0]]
    theme_months = list(months)
    if "theme_skip2" in defects:
        theme_months = [months[-1]]
    if n_posts >= 3:
        for mo in committee_months:
            meeting("committee_meeting", _day_in(rng, mo, 2, 12), n_posts)
    if branch:
        for mo in theme_months:
            meeting("theme_day", _day_in(rng, mo, 1, 5), n_members)
        skip_group = ("group_skip1" in defects) and static.groups
        for gi, g in enumerate(static.groups):
            for mi, mo in enumerate(months):
                if skip_group and gi == 0 and mi == 1:
                    continue
                meeting(
                    "group_meeting", _day_in(rng, mo, 10, 20), group_size[g["id"]], group=g["id"]
                )
        if "no_general_meeting" not in defects:
            gm = _day_in(rng, rng.choice(months), 12, 26)
            meetings_before = len(meetings)
            meeting("general_meeting", gm, n_members)
            if "low_quorum" in defects:
                meetings[meetings_before]["attended"] = max(1, n_members // 2 - 1)
        if "no_lecture" not in defects:
            meeting(
                "party_lecture", _day_in(rng, rng.choice(months), 12, 26), n_members, lecturer=True
            )
        for _ in range(rng.randint(0, 2)):
            meeting("heart_talk", _day_in(rng, rng.choice(months)), 2)
        # last year's life meeting and democratic appraisal, held in January
        if n_members:
            meeting("org_life_meeting", date(as_of.year, 1, rng.randint(8, 20)), n_members)
            meeting("democratic_appraisal", date(as_of.year, 1, rng.randint(21, 28)), n_members)
    elif n_posts:
        # the secretary's quarterly party lecture to the committee and its office staff
        if "no_lecture" not in defects:
            meeting(
                "party_lecture",
                _day_in(rng, rng.choice(months), 12, 26),
                n_posts + rng.randint(5, 20),
                lecturer=True,
            )
        meeting("org_life_meeting", date(as_of.year, 1, rng.randint(8, 20)), n_posts)
    if "minutes_missing_all" in defects:
        for m in meetings:
            if rng.random() < 0.7:
                m["minutes"] = False
                m["topics"] = []
    elif "minutes_missing_one" in defects and meetings:
        victim = rng.choice(meetings)
        victim["minutes"] = False
    meetings.sort(key=lambda m: (m["held_on"], m["id"]))
    meetings = [
        _clean({k: _iso(v) if isinstance(v, date) else v for k, v in m.items()}) for m in meetings
    ]

    # dues: one row per member-month of the period
    dues: list[dict[str, Any]] = []
    if branch:
        underpaid = None
        if "dues_underpaid" in defects:
            employed = [m for m in members if m.get("dues_category") == "employed"]
            underpaid = rng.choice(employed)["id"] if employed else None
        arrears = None
        if "arrears6" in defects:
            arrears = members[len(members) // 2]["id"]
        for m in members:
            rate = dues_rate(m["dues_category"], m.get("monthly_income"))
            amount = float(rate) if rate is not None else 0.2
            if m["id"] == underpaid:
                amount = round(amount * 0.5, 2)
            row_months: list[str] = list(months)
            if m["id"] == arrears:
                # unpaid since January, and for at least six months
                last = Month.parse(months[-1])
                first = min(Month(last.year, 1), last.shift(-5))
                row_months = [
                    str(first.shift(i))
                    for i in range(last.month - first.month + 1 + 12 * (last.year - first.year))
                ]
            joined = Month.of(date.fromisoformat(m["joined_on"]))
            for mo in row_months:
                if Month.parse(mo) < joined:
                    continue
                if m["id"] == arrears:
                    dues.append({"member_id": m["id"], "month": mo, "due": amount, "paid": 0.0})
                    continue
                paid_on = _day_in(rng, mo, 3, 25)
                dues.append(
                    {
                        "member_id": m["id"],
                        "month": mo,
                        "due": amount,
                        "paid": amount,
                        "paid_on": paid_on.isoformat(),
                    }
                )
    # disclosures
    disclosures: list[dict[str, Any]] = []
    if "no_disclosure" not in defects:
        for k in range(rng.randint(1, 2)):
            pub = _day_in(rng, months[k % len(months)], 2, 28)
            disclosures.append(
                {
                    "id": f"P{pub:%Y%m%d}",
                    "published_on": pub.isoformat(),
                    "channel": rng.choice(("board", "online")),
                    "topics": rng.sample(
                        [
                            "party dues",
                            "member development",
                            "meeting schedule",
                            "finances",
                            "rectification progress",
                            "committee duties",
                        ],
                        2,
                    ),
                }
            )
        disclosures = list({d["id"]: d for d in disclosures}.values())
    # development cases known as of the period end
    development: list[dict[str, Any]] = []
    for case in static.development:
        if case["applied_on"] > as_of:
            continue
        development.append(_dates_until(case, as_of))
    if "late_talk" in defects and branch:
        applied = _day_in(rng, months[0], 1, 10)
        development.append(
            {
                "person_id": f"A{period.year}{period.index}",
                "name": _person(rng),
                "applied_on": applied.isoformat(),
                "talked_on": (applied + timedelta(days=rng.randint(40, 55))).isoformat(),
            }
        )
    # trainings: secretaries' induction training, committee rotation training
    trainings: list[dict[str, Any]] = []
    sec_post = next(p for p in static.committee if p["role"] == "secretary")
    t_start = sec_post["appointed_on"] + timedelta(days=10)
    if t_start <= as_of:
        trainings.append(
            {
                "person_id": sec_post["person_id"],
                "kind": "new_secretary",
                "start_on": t_start.isoformat(),
                "end_on": (t_start + timedelta(days=3)).isoformat(),
                "hours": 32.0,
                "level": "county",
            }
        )
    # supervision visits to every direct subordinate
    visits: list[dict[str, Any]] = []
    targets = list(spec.children)
    if "few_visits" in defects:
        targets = targets[:2]
    for n, target in enumerate(targets):
        when = _day_in(rng, rng.choice(months))
        mode = rng.choice(("scheduled", "guidance", "spot_check"))
        if n == 0 and spec.kind in _SUPERVISORS and "no_unannounced" not in defects:
            mode = "unannounced"
        problems = rng.sample(_PROBLEMS, rng.randint(0, 2))
        visits.append(
            _clean(
                {
                    "id": f"V{n + 1:03d}",
                    "target_org_id": target,
                    "visited_on": when.isoformat(),
                    "mode": mode,
                    "problems": problems,
                }
            )
        )
    # rectification items: closed ones, one open but not yet due, overdue when planted
    # the item opened at the end of each quarter is closed within its time in the next one
    rects: list[dict[str, Any]] = []
    for quarter in (period.previous(), period):
        item = _quarter_item(seed, spec.id, quarter, static.secretary_name)
        if quarter != period:
            item["status"] = "closed"
        else:
            item.pop("closed_on")
        rects.append(item)
    if "overdue_rectification" in defects:
        for k in range(2):
            opened = _day_in(rng, months[k], 5, 20)
            rects.append(
                {
                    "id": f"R{period}-{k + 3}",
                    "criterion": ("S02", "V01")[k],
                    "description": rng.choice(_PROBLEMS),
                    "responsible": static.secretary_name,
                    "opened_on": opened.isoformat(),
                    "due_on": (opened + timedelta(days=30)).isoformat(),
                    "status": "open",
                }
            )
    if "rectification_incomplete" in defects:
        rects.append(
            {
                "id": f"R{period}-2",
                "description": rng.choice(_PROBLEMS),
                "opened_on": _day_in(rng, months[0], 5, 20).isoformat(),
                "status": "open",
            }
        )
    # coverage units (township and street committees)
    units: list[dict[str, Any]] = []
    for unit_id, name, kind, full, covered_by in spec.units:
        units.append(
            {
                "id": unit_id,
                "name": name,
                "kind": kind,
                "operating": True,
                "employees": _rng(seed, spec.id, unit_id).randint(12, 320),
                "full_members": full,
                "covered_by": covered_by,
                "mode": "standalone" if full >= 3 else "joint",
                "instructor": full < 3,
            }
        )
    if "coverage_gap" in defects and spec.units:
        units.append(
            {
                "id": f"U{len(spec.units) + 1:02d}",
                "name": f"{rng.choice(_COMPANY_STEMS)} Services Co., Ltd.",
                "kind": "enterprise",
                "operating": True,
                "employees": rng.randint(8, 40),
                "full_members": rng.randint(1, 2),
                "mode": "none",
                "instructor": False,
            }
        )
    snapshot = {
        "period": str(period),
        "organization": org,
        "members": members,
        "party_groups": groups,
        "committee": committee,
        "meetings": meetings,
        "dues": dues,
        "disclosures": disclosures,
        "development": development,
        "trainings": trainings,
        "visits": visits,
        "rectifications": rects,
        "coverage_units": units,
    }
    return {k: v for k, v in snapshot.items() if v != []}


# ---------------------------------------------------------------------------------------------
# The example district and its planted situations
# ---------------------------------------------------------------------------------------------
@dataclass(slots=True)
class _Plan:
    specs: list[OrgSpec]
    defects: dict[tuple[str, str], frozenset[str]]
    situations: list[dict[str, Any]]
    clean: list[str]
    movement: dict[str, list[dict[str, str]]]


def _group_of(spec: OrgSpec) -> str:
    """The peer group in rules/district-quarterly.yaml."""
    if spec.kind in ("township_committee", "street_working_committee"):
        return "townships"
    if spec.kind in ("system_sub_committee", "base_committee", "general_branch"):
        return "system_committees"
    if spec.kind in _BRANCH_KINDS:
        return "branches"
    return "district"


def _plan(seed: int) -> _Plan:
    specs = district_specs(seed)
    by_id = {s.id: s for s in specs}

    def subtree(root: str) -> list[str]:
        out, stack = [], [root]
        while stack:
            cur = stack.pop()
            out.append(cur)
            stack.extend(reversed(by_id[cur].children))
        return sorted(out)

    def kids(parent: str, category: str | None = None, kind: str = "branch") -> list[str]:
        return [
            c
            for c in by_id[parent].children
            if by_id[c].kind == kind and (category is None or by_id[c].category == category)
        ]

    def big(ids: list[str], n: int = 8) -> list[str]:
        return [i for i in ids if by_id[i].size >= n]

    q2, q3 = EXAMPLE_PERIODS
    per: dict[tuple[str, str], set[str]] = {}

    def add(org: str, period: str, *names: str) -> None:
        per.setdefault((org, period), set()).update(names)

    situations: list[dict[str, Any]] = []

    def plant(
        sid: str, criterion: str, orgs: list[str], defect: str, text: str, both: bool = False
    ) -> None:
        for o in orgs:
            add(o, q3, defect)
            if both:
                add(o, q2, defect)
        situations.append(
            {
                "id": sid,
                "criterion": criterion,
                "period": q3,
                "org_ids": orgs,
                "description": text,
            }
        )

    # subtrees built to pass every criterion in 2026Q3 (T05 and SC04 also make rapid progress)
    clean_roots = ["T05", "SC04"]
    clean = set().union(*(subtree(r) for r in clean_roots))
    clean |= {kids("SC02", "school")[0], kids("SC01")[0] if kids("SC01") else kids("G01")[0]}
    clean |= {kids("T08", "community")[0], kids("T09", "community")[0]}
    clean |= {kids("G10", "other")[0], kids("G03", "school")[0], kids("G05")[0]}
    clean |= {kids("T01", "village")[0], kids("T04", "village")[0]}
    # the setback subtrees are perfect in 2026Q2
    setback_roots = {"T02": "townships", "SC06": "system_committees"}
    reserved = set(clean)
    for r in setback_roots:
        reserved |= set(subtree(r))

    def pick(candidates: list[str], n: int = 1) -> list[str]:
        out = [c for c in candidates if c not in reserved][:n]
        if len(out) < n:
            raise RuntimeError(f"not enough organizations to plant among {candidates}")
        reserved.update(out)
        return out

    both = pick(big(kids("T01", "village")))
    committee_only = pick(big(kids("G01", "agency")) + big(kids("SC01", "agency")))
    theme_only = pick(kids("T09", "community"))
    plant(
        "committee_meetings_skipped",
        "S02",
        both + committee_only,
        "committee_skip2",
        "Committee meetings held in only one month of the quarter.",
    )
    plant(
        "theme_days_skipped",
        "S05",
        both + theme_only,
        "theme_skip2",
        "Theme party days held in only one month of the quarter.",
    )
    retired = [
        b
        for b in kids("G11", "other") + kids("SC07", "other")
        if by_id[b].size >= 12 and b not in reserved
    ]
    plant(
        "retired_branch_one_committee_member",
        "T01",
        pick(retired),
        "one_committee_member",
        "A retired-member branch with more than seven full members and a one-person committee.",
    )
    plant(
        "points_not_recorded",
        "S15",
        pick(kids("T04", "village")),
        "points_unrecorded",
        "A village branch that records no member points.",
    )
    plant(
        "activist_year_skipped",
        "D02",
        pick(kids("T06", "village")),
        "dev_skip_activist_year",
        "A development case whose development object was fixed five months after the "
        "activist stage began (at least a year is required).",
    )
    plant(
        "resigned_after_transition",
        "T03",
        pick(big(kids("T07", "village"), 15)) + pick(big(kids("T03", "village"), 15)),
        "resigned_after_transition",
        "Village committee members resigned in the quarter after the spring transition.",
    )
    plant(
        "few_visits",
        "V01",
        ["T03"],
        "few_visits",
        "A township committee that visited two of its branches in the quarter.",
    )
    reserved.add("T03")
    plant(
        "overdue_rectifications",
        "V03",
        ["T06", *pick(kids("T10", "community"))],
        "overdue_rectification",
        "Rectification items open past their due date.",
    )
    reserved.add("T06")
    plant(
        "dues_arrears",
        "S11",
        pick(big(kids("T10", "community")) + big(kids("T08", "community"))),
        "arrears6",
        "A member who has paid no party dues since January 2026.",
        both=True,
    )

    # quarter-over-quarter movement
    movement: dict[str, list[dict[str, str]]] = {"rapid_progress": [], "major_setback": []}
    rapid_branches = pick(big(kids("T07", "village")), 1) + pick(kids("T10", "community"), 1)
    setback_branches = pick(big(kids("T06", "village")), 1) + pick(kids("SC03"), 1)
    for org in ["T05", "SC04", *rapid_branches]:
        movement["rapid_progress"].append({"org_id": org, "group": _group_of(by_id[org])})
    for org in ["T02", "SC06", *setback_branches]:
        movement["major_setback"].append({"org_id": org, "group": _group_of(by_id[org])})
    clean |= set(rapid_branches)

    defects: dict[tuple[str, str], frozenset[str]] = {}
    for spec in specs:
        for period in EXAMPLE_PERIODS:
            names = set(per.get((spec.id, period), set()))
            is_branch = spec.kind in _BRANCH_KINDS
            heavy = _HEAVY_BRANCH if is_branch else _HEAVY_COMMITTEE
            rng = _rng(seed, spec.id, period, "defects")
            in_setback = any(spec.id in subtree(r) for r in setback_roots)
            if spec.id in ("T05", "SC04") or spec.id in rapid_branches:
                if period == q2:
                    names |= set(heavy)
                    if spec.id == "T05":
                        names |= {"few_visits", "overdue_rectification"}
            elif spec.id in ("T02", "SC06") or spec.id in setback_branches:
                if period == q3:
                    names |= set(heavy)
            elif (spec.id in clean and period == q3) or (in_setback and period == q2):
                pass
            elif spec.kind != "district_committee":
                pool: tuple[str, ...] = (
                    _RANDOM_DEFECTS_BRANCH if is_branch else _RANDOM_DEFECTS_COMMITTEE
                )
                if not spec.units:
                    pool = tuple(p for p in pool if p != "coverage_gap")
                # every ordinary committee has at least one imperfection, so that the planted
                # movements stand out in the small peer groups
                k = rng.choice((0, 0, 1, 1, 2, 3)) if is_branch else rng.choice((1, 1, 2))
                names |= set(rng.sample(pool, min(k, len(pool))))
            defects[(spec.id, period)] = frozenset(names)
    return _Plan(
        specs=specs,
        defects=defects,
        situations=situations,
        clean=sorted(clean),
        movement=movement,
    )


def example_snapshots(seed: int, period: Period | str) -> Iterator[dict[str, Any]]:
    """The example district's snapshots for ``period`` (dicts, in tree order)."""
    period = Period.parse(period)
    plan = _plan(seed)
    for spec in plan.specs:
        defects = plan.defects.get((spec.id, str(period)), frozenset())
        every = frozenset().union(
            *(plan.defects.get((spec.id, p), frozenset()) for p in EXAMPLE_PERIODS)
        )
        static = _static(seed, spec, every & {"dev_skip_activist_year", "one_committee_member"})
        yield build_snapshot(seed, spec, period, defects, static=static)


def planted(seed: int = DEFAULT_SEED) -> dict[str, Any]:
    """What the example district was built to contain (written as ``planted.json``)."""
    plan = _plan(seed)
    by_id = {s.id: s for s in plan.specs}
    return {
        "seed": seed,
        "periods": list(EXAMPLE_PERIODS),
        "organizations": len(plan.specs),
        "by_kind": _count(s.kind for s in plan.specs),
        "situations": plan.situations,
        "exact": (
            "In 2026Q3 the organizations listed under a situation are exactly those that fail "
            "its criterion; ordinary organizations carry random minor imperfections on other "
            "criteria (S03, S09, S10, S12, D01, V04, C01, C02)."
        ),
        "clean": {"period": EXAMPLE_PERIODS[1], "org_ids": plan.clean},
        "movement": {
            "previous": EXAMPLE_PERIODS[0],
            "period": EXAMPLE_PERIODS[1],
            "note": (
                "Groups are those of rules/district-quarterly.yaml. Each organization listed "
                "moves by three places or more in its group; in the small groups other "
                "organizations may cross the threshold too."
            ),
            **plan.movement,
        },
        "names": {s.id: s.name for s in plan.specs if s.id in _named(plan)},
        "kinds": {s.id: s.kind for s in plan.specs if s.id in _named(plan) and s.id in by_id},
    }


def _named(plan: _Plan) -> set[str]:
    ids: set[str] = set()
    for s in plan.situations:
        ids.update(s["org_ids"])
    for rows in plan.movement.values():
        ids.update(r["org_id"] for r in rows)
    return ids


def _count(values: Iterator[str]) -> dict[str, int]:
    out: dict[str, int] = {}
    for v in values:
        out[v] = out.get(v, 0) + 1
    return dict(sorted(out.items()))


# ---------------------------------------------------------------------------------------------
# Large generic districts
# ---------------------------------------------------------------------------------------------
def _generic_specs(seed: int, n: int) -> Iterator[OrgSpec]:
    """``n`` organizations: a district, townships of about 100 branches, and their branches."""
    if n < 1:
        return
    rng = _rng(seed, "generic")
    n_town = 0 if n < 3 else max(1, (n - 1) // 101)
    n_branch = n - 1 - n_town
    per_town = math.ceil(n_branch / n_town) if n_town else 0
    width = max(3, len(str(n_branch)))
    twidth = max(2, len(str(n_town)))
    root = OrgSpec("D00", "Generated District Party Committee", "district_committee", None, None)
    root.children = [f"T{i + 1:0{twidth}d}" for i in range(n_town)]
    if not n_town:  # one or two organizations: a district and perhaps one branch
        root.children = [f"B{k + 1:0{width}d}" for k in range(n_branch)]
    yield root
    for k in range(n_branch if not n_town else 0):
        spec = OrgSpec(
            f"B{k + 1:0{width}d}", "Lijia Village Party Branch", "branch", "village", "D00"
        )
        spec.size = _member_count(rng, "village", "branch")
        yield spec
    b = 0
    for t in range(n_town):
        tid = f"T{t + 1:0{twidth}d}"
        count = min(per_town, n_branch - b)
        town = OrgSpec(
            tid,
            f"{rng.choice(_TOWNS)} {t + 1} Town Party Committee",
            "township_committee",
            None,
            "D00",
        )
        town.children = [f"B{b + k + 1:0{width}d}" for k in range(count)]
        yield town
        for k in range(count):
            category = rng.choice(
                (
                    "village",
                    "village",
                    "community",
                    "agency",
                    "school",
                    "nonpublic_enterprise",
                    "other",
                )
            )
            spec = OrgSpec(
                f"B{b + k + 1:0{width}d}",
                f"{rng.choice(_VILLAGE_STEMS)} {b + k + 1} Party Branch",
                "branch",
                category,
                tid,
            )
            spec.size = _member_count(rng, category, "branch")
            yield spec
        b += count


def generic_snapshots(seed: int, period: Period | str, n: int) -> Iterator[dict[str, Any]]:
    """Snapshots of a generated district of exactly ``n`` organizations, one at a time."""
    period = Period.parse(period)
    for spec in _generic_specs(seed, n):
        rng = _rng(seed, spec.id, period, "defects")
        pool = _RANDOM_DEFECTS_BRANCH if spec.kind in _BRANCH_KINDS else _RANDOM_DEFECTS_COMMITTEE
        defects = frozenset(rng.sample(pool, rng.choice((0, 1, 1, 2))))
        static = _static(seed, spec, frozenset())
        yield build_snapshot(seed, spec, period, defects, static=static)


# ---------------------------------------------------------------------------------------------
# Writing
# ---------------------------------------------------------------------------------------------
def _dumps(snapshot: dict[str, Any]) -> str:
    return json.dumps(snapshot, ensure_ascii=False, separators=(",", ":"))


def write_jsonl(snapshots: Iterator[dict[str, Any]], out: TextIO) -> int:
    """Write snapshots as JSON Lines; returns the number written."""
    n = 0
    for snapshot in snapshots:
        out.write(_dumps(snapshot))
        out.write("\n")
        n += 1
    return n


def _bad_lines(seed: int) -> tuple[list[str], list[dict[str, Any]], int]:
    """The quarantined bad file: good records mixed with broken ones, and what each breaks."""
    snaps = list(example_snapshots(seed, EXAMPLE_PERIODS[1]))
    branches = [s for s in snaps if s["organization"]["kind"] == "branch" and s.get("members")]
    lines: list[str] = []
    expect: list[dict[str, Any]] = []

    good = 0

    def emit(text: str, org_id: str | None, error: str | None) -> None:
        nonlocal good
        lines.append(text)
        good += error is None and bool(text)
        if error is not None:
            expect.append({"line": len(lines), "org_id": org_id, "error": error})

    def variant(base: dict[str, Any], new_id: str) -> dict[str, Any]:
        copy: dict[str, Any] = json.loads(_dumps(base))
        copy["organization"]["id"] = new_id
        copy["organization"]["name"] = base["organization"]["name"].replace(
            "Party Branch", "Second Party Branch"
        )
        copy.pop("visits", None)
        return copy

    emit(_dumps(variant(branches[0], "B901")), None, None)
    s = variant(branches[1], "B902")
    s["members"][3]["joined_on"] = "2019-02-30"
    emit(_dumps(s), "B902", "members.3.joined_on: invalid date")
    s = variant(branches[2], "B903")
    s["memebers"] = s.pop("members")
    s["organization"]["secretary"] = s["committee"][0]["name"]
    emit(_dumps(s), "B903", "memebers: unknown field; did you mean 'members'?")
    emit("", None, None)
    s = variant(branches[3], "B904")
    s["organization"]["kind"] = "brnach"
    emit(_dumps(s), "B904", "organization.kind: invalid value 'brnach'")
    emit(_dumps(variant(branches[4], "B905")), None, None)
    s = variant(branches[5], "B906")
    s["dues"].append({"member_id": "M999", "month": "2026-09", "due": 0.2, "paid": 0.2})
    emit(_dumps(s), "B906", "dues.")
    text = _dumps(variant(branches[6], "B907"))
    emit(text[: len(text) // 3], None, "invalid JSON")
    s = variant(branches[7], "B908")
    s["meetings"][0]["held_on"] = "2026/07/05"
    s["dues"][0]["month"] = "2026-7"
    emit(_dumps(s), "B908", "meetings.0.held_on: invalid date")
    emit(_dumps(variant(branches[8], "B901")), "B901", "duplicate organization 'B901'")
    emit('["not", "a", "snapshot"]', None, "expected an object")
    s = variant(branches[9], "B909")
    s["members"][0]["status"] = "full member"
    emit(_dumps(s), "B909", "members.0.status: invalid value")
    emit(_dumps(variant(branches[10], "B910")), None, None)
    return lines, expect, good


def write_example(directory: Path, seed: int = DEFAULT_SEED) -> None:
    """Write the example district: both quarters, the bad file, planted.json and README.md."""
    directory.mkdir(parents=True, exist_ok=True)
    for period in EXAMPLE_PERIODS:
        with (directory / f"{period}.jsonl").open("w", encoding="utf-8", newline="\n") as f:
            write_jsonl(example_snapshots(seed, period), f)
    bad_dir = directory / "bad"
    bad_dir.mkdir(exist_ok=True)
    lines, expect, good = _bad_lines(seed)
    (bad_dir / f"{EXAMPLE_PERIODS[1]}-bad.jsonl").write_text(
        "\n".join(lines) + "\n", encoding="utf-8", newline="\n"
    )
    info = planted(seed)
    info["bad_file"] = {
        "path": f"bad/{EXAMPLE_PERIODS[1]}-bad.jsonl",
        "good": good,
        "rejected": expect,
    }
    (directory / "planted.json").write_text(
        json.dumps(info, ensure_ascii=False, indent=2) + "\n", encoding="utf-8", newline="\n"
    )
    (directory / ".pbrulesignore").write_text(
        "# not snapshots: the description of the planted situations, and result documents\n"
        "planted.json\nresult-*.json\n",
        encoding="utf-8",
        newline="\n",
    )


# ---------------------------------------------------------------------------------------------
# Command line
# ---------------------------------------------------------------------------------------------
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m pbrules.synth",
        description="Write a synthetic, seeded dataset of organization snapshots (JSON Lines).",
    )
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="random seed (default 7)")
    parser.add_argument("--period", default=EXAMPLE_PERIODS[1], help="period, e.g. 2026Q3")
    parser.add_argument("--out", type=Path, help="output file (default: stdout)")
    parser.add_argument(
        "--orgs", type=int, help="write a generic district of exactly N organizations"
    )
    parser.add_argument(
        "--example-dir",
        type=Path,
        help="write the whole example district (both quarters, bad file, planted.json) here",
    )
    args = parser.parse_args(argv)
    if args.example_dir is not None:
        write_example(args.example_dir, args.seed)
        print(f"wrote the example district to {args.example_dir}", file=sys.stderr)
        return 0
    try:
        period = Period.parse(args.period)
    except ValueError as exc:
        parser.error(str(exc))
    if args.orgs is not None and args.orgs < 1:
        parser.error("--orgs must be at least 1")
    snaps = (
        generic_snapshots(args.seed, period, args.orgs)
        if args.orgs is not None
        else example_snapshots(args.seed, period)
    )
    if args.out is None:
        n = write_jsonl(snaps, sys.stdout)
    else:
        with args.out.open("w", encoding="utf-8", newline="\n") as f:
            n = write_jsonl(snaps, f)
    print(f"wrote {n} snapshots for {period}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

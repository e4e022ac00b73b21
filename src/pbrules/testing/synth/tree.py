"""The organizations of a generated district: the example district's tree and large generic ones."""

from __future__ import annotations

import math
import random
from collections.abc import Iterator
from dataclasses import dataclass, field

from pbrules.testing.synth import names
from pbrules.testing.synth.util import rng_for

__all__ = ["OrgSpec", "district_specs", "generic_specs", "member_count"]


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


_SIZES = {
    "village": (18, 48),
    "community": (15, 40),
    "agency": (9, 30),
    "school": (10, 34),
    "institution": (9, 30),
    "state_enterprise": (12, 38),
    "nonpublic_enterprise": (3, 14),
    "social_org": (3, 8),
    "other": (10, 32),
}


def member_count(rng: random.Random, category: str | None, kind: str) -> int:
    if kind == "general_branch":
        return rng.randint(8, 14)
    lo, hi = _SIZES.get(category or "other", (8, 20))
    return rng.randint(lo, hi)


class _Tree:
    """The example district under construction: specs in tree order, branch numbering."""

    def __init__(self, seed: int) -> None:
        self.rng = rng_for(seed, "district")
        self.root = OrgSpec(
            "D00", "Xinhe District Party Committee", "district_committee", None, None
        )
        self.specs = [self.root]
        self.branch_no = 0
        stems_v = list(names.VILLAGE_STEMS) + [
            f"{a}{b}" for a in names.VILLAGE_PREFIXES for b in names.VILLAGE_SUFFIXES
        ]
        self.villages = list(dict.fromkeys(stems_v))
        self.communities = list(names.COMMUNITY_STEMS) + [
            f"{c} {d}" for c in names.COMMUNITY_STEMS for d in ("East", "West")
        ]
        self.companies = list(names.COMPANY_STEMS)
        self.rng.shuffle(self.villages)
        self.rng.shuffle(self.communities)

    def add(self, spec: OrgSpec, parent: OrgSpec) -> OrgSpec:
        parent.children.append(spec.id)
        self.specs.append(spec)
        return spec

    def branch(
        self,
        parent: OrgSpec,
        name: str,
        category: str,
        kind: str = "branch",
        size: int | None = None,
    ) -> OrgSpec:
        self.branch_no += 1
        spec = OrgSpec(f"B{self.branch_no:03d}", name, kind, category, parent.id)
        spec.size = size if size is not None else member_count(self.rng, category, kind)
        return self.add(spec, parent)


def district_specs(seed: int) -> list[OrgSpec]:
    """The example district's organizations in tree order (parents before children)."""
    tree = _Tree(seed)
    townships = [_township(tree, i) for i in range(10)]
    for i, t in enumerate(townships):
        _township_branches(tree, t, town=i < 7)
    g_no = 0
    for system in names.SYSTEMS:
        g_no = _system(tree, system, g_no)
    return tree.specs


def _township(tree: _Tree, i: int) -> OrgSpec:
    tid = f"T{i + 1:02d}"
    if i < 7:
        t = OrgSpec(
            tid, f"{names.TOWNS[i]} Town Party Committee", "township_committee", None, "D00"
        )
    else:
        name = f"{names.STREETS[i - 7]} Street Party Working Committee"
        t = OrgSpec(tid, name, "street_working_committee", None, "D00")
    return tree.add(t, tree.root)


def _township_branches(tree: _Tree, t: OrgSpec, *, town: bool) -> None:
    rng = tree.rng
    n = rng.randint(8, 11) if town else rng.randint(5, 8)
    for _ in range(n):
        if town:
            tree.branch(t, f"{tree.villages.pop()} Village Party Branch", "village")
        else:
            tree.branch(t, f"{tree.communities.pop()} Community Party Branch", "community")
    place = t.name.split(" ")[0]
    joint = tree.branch(
        t,
        f"{place} Non-public Enterprises Joint Party Branch",
        "nonpublic_enterprise",
        kind="joint_branch",
        size=rng.randint(6, 12),
    )
    for u in range(rng.randint(3, 5)):
        _coverage_unit(tree, t, joint, u, place)


def _coverage_unit(tree: _Tree, t: OrgSpec, joint: OrgSpec, u: int, place: str) -> None:
    rng, companies = tree.rng, tree.companies
    if u < 2 and companies:
        company = companies.pop(rng.randrange(len(companies)))
        full = rng.randint(3, 9) if u == 0 or rng.random() < 0.5 else rng.randint(0, 2)
    else:
        company = f"{rng.choice(names.COMPANY_STEMS)} {rng.choice(('Trading', 'Services'))}"
        full = rng.randint(0, 2)
    kind = "enterprise"
    if u == 4 or (u == 3 and rng.random() < 0.4):
        company = f"{place} {rng.choice(names.SOCIAL_STEMS)}"
        kind = "social_org"
    unit_id = f"U{len(t.units) + 1:02d}"
    if full >= 3:
        own = tree.branch(
            t,
            f"{company} Co., Ltd. Party Branch",
            "nonpublic_enterprise",
            size=full + rng.randint(0, 4),
        )
        t.units.append((unit_id, f"{company} Co., Ltd.", kind, full, own.id))
    else:
        t.units.append((unit_id, f"{company} Co., Ltd.", kind, full, joint.id))


def _system(tree: _Tree, system: tuple[str, str, str, tuple[str, ...], int], g_no: int) -> int:
    """One system sub-committee with its general branches and branches; returns ``g_no``."""
    sid, sname, category, generals, direct = system
    rng = tree.rng
    sc = tree.add(
        OrgSpec(sid, f"{sname} Party Sub-committee", "system_sub_committee", None, "D00"),
        tree.root,
    )
    units = list(names.UNIT_NAMES[category])
    rng.shuffle(units)
    for gname in generals:
        g_no += 1
        g = OrgSpec(
            f"G{g_no:02d}", f"{gname} General Party Branch", "general_branch", category, sid
        )
        g.size = member_count(rng, category, "general_branch")
        tree.add(g, sc)
        for _ in range(rng.randint(3, 5)):
            unit = units.pop() if units else f"Unit {tree.branch_no + 1}"
            tree.branch(g, _unit_branch_name(gname, unit, category), category)
    for _ in range(direct):
        unit = units.pop() if units else f"Unit {tree.branch_no + 1}"
        tree.branch(sc, _unit_branch_name(sname, unit, category), category)
    return g_no


_SECTIONS = (
    "Teachers' Group", "Administration", "Logistics", "Junior Section", "Senior Section",
    "Internal Medicine", "Surgery", "Nursing", "Headquarters", "Finance Department",
    "Engineering Department",
)  # fmt: skip


def _unit_branch_name(parent: str, unit: str, category: str) -> str:
    if category == "other":
        return f"{parent} {unit} Party Branch"
    if category in ("school", "institution", "state_enterprise") and unit in _SECTIONS:
        return f"{parent} {unit} Party Branch"
    return f"{unit} Party Branch"


_GENERIC_CATEGORIES = (
    "village", "village", "community", "agency", "school", "nonpublic_enterprise", "other",
)  # fmt: skip


def generic_specs(seed: int, n: int) -> Iterator[OrgSpec]:
    """``n`` organizations: a district, townships of about 100 branches, and their branches."""
    if n < 1:
        return
    rng = rng_for(seed, "generic")
    n_town = 0 if n < 3 else max(1, (n - 1) // 101)
    n_branch = n - 1 - n_town
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
        spec.size = member_count(rng, "village", "branch")
        yield spec
    per_town = math.ceil(n_branch / n_town) if n_town else 0
    b = 0
    for t in range(n_town):
        count = min(per_town, n_branch - b)
        yield from _generic_township(rng, f"T{t + 1:0{twidth}d}", t, b, count, width)
        b += count


def _generic_township(
    rng: random.Random, tid: str, t: int, first: int, count: int, width: int
) -> Iterator[OrgSpec]:
    town = OrgSpec(
        tid,
        f"{rng.choice(names.TOWNS)} {t + 1} Town Party Committee",
        "township_committee",
        None,
        "D00",
    )
    town.children = [f"B{first + k + 1:0{width}d}" for k in range(count)]
    yield town
    for k in range(count):
        category = rng.choice(_GENERIC_CATEGORIES)
        spec = OrgSpec(
            f"B{first + k + 1:0{width}d}",
            f"{rng.choice(names.VILLAGE_STEMS)} {first + k + 1} Party Branch",
            "branch",
            category,
            tid,
        )
        spec.size = member_count(rng, category, "branch")
        yield spec

"""The example district: its plan, its snapshots for a period, and ``planted()``."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from pbrules.model.period import Period
from pbrules.testing.synth.plan import (
    EXAMPLE_PERIODS,
    SETBACK_ROOTS,
    Plan,
    Planner,
    clean_orgs,
    defects_for,
    plan_movement,
    plant_v1,
)
from pbrules.testing.synth.snapshot import build_snapshot
from pbrules.testing.synth.static import static_records
from pbrules.testing.synth.tree import district_specs

__all__ = ["DEFAULT_SEED", "example_snapshots", "make_plan", "planted"]

DEFAULT_SEED = 7
#: planted defects of any period that change an organization's static records
_STATIC_DEFECTS = frozenset({"dev_skip_activist_year", "one_committee_member"})


def make_plan(seed: int) -> Plan:
    """The example district's plan for ``seed``."""
    p = Planner(district_specs(seed))
    clean = clean_orgs(p)
    p.reserved = set(clean)
    for root in SETBACK_ROOTS:
        p.reserved |= set(p.subtree(root))
    plant_v1(p)
    movement, movers = plan_movement(p)
    clean |= movers["rapid_branches"]
    defects = {
        (spec.id, period): defects_for(seed, p, spec, period, clean, movers)
        for spec in p.specs
        for period in EXAMPLE_PERIODS
    }
    return Plan(
        specs=p.specs,
        defects=defects,
        situations=p.situations,
        clean=sorted(clean),
        movement=movement,
    )


def example_snapshots(seed: int, period: Period | str) -> Iterator[dict[str, Any]]:
    """The example district's snapshots for ``period`` (dicts, in tree order)."""
    period = Period.parse(period)
    plan = make_plan(seed)
    for spec in plan.specs:
        defects = plan.defects.get((spec.id, str(period)), frozenset())
        every = frozenset().union(
            *(plan.defects.get((spec.id, p), frozenset()) for p in EXAMPLE_PERIODS)
        )
        static = static_records(seed, spec, every & _STATIC_DEFECTS)
        yield build_snapshot(seed, spec, period, defects, static=static)


def planted(seed: int = DEFAULT_SEED) -> dict[str, Any]:
    """What the example district was built to contain (written as ``planted.json``)."""
    plan = make_plan(seed)
    named = _named(plan)
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
        "names": {s.id: s.name for s in plan.specs if s.id in named},
        "kinds": {s.id: s.kind for s in plan.specs if s.id in named},
    }


def _named(plan: Plan) -> set[str]:
    ids: set[str] = set()
    for s in plan.situations:
        ids.update(s["org_ids"])
    for rows in plan.movement.values():
        ids.update(r["org_id"] for r in rows)
    return ids


def _count(values: Iterable[str]) -> dict[str, int]:
    out: dict[str, int] = {}
    for v in values:
        out[v] = out.get(v, 0) + 1
    return dict(sorted(out.items()))

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
from pbrules.testing.synth.plan_v2 import plant_v2, v2_extras
from pbrules.testing.synth.snapshot import build_snapshot
from pbrules.testing.synth.static import static_records
from pbrules.testing.synth.tree import district_specs
from pbrules.testing.synth.v2 import add_v2, static_v2
from pbrules.testing.synth.zh import LANGUAGES, chinese_snapshot, org_name, situation_zh

__all__ = ["DEFAULT_SEED", "V2_DEFAULT", "example_snapshots", "make_plan", "planted"]

DEFAULT_SEED = 7
#: whether the example district carries the snapshot v2 records by default
V2_DEFAULT = True
#: planted defects of any period that change an organization's static records
_STATIC_DEFECTS = frozenset({"dev_skip_activist_year", "one_committee_member"})


def make_plan(seed: int, *, v2: bool = True) -> Plan:
    """The example district's plan for ``seed``; ``v2`` plants the v2 situations too."""
    p = Planner(district_specs(seed))
    clean = clean_orgs(p)
    p.reserved = set(clean)
    for root in SETBACK_ROOTS:
        p.reserved |= set(p.subtree(root))
    plant_v1(p)
    movement, movers = plan_movement(p)
    clean |= movers["rapid_branches"]
    if v2:
        plant_v2(p)
    defects = {
        (spec.id, period): defects_for(seed, p, spec, period, clean, movers)
        | (v2_extras(seed, spec.id, spec.kind, period, spec.id in clean) if v2 else set())
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


def example_snapshots(
    seed: int, period: Period | str, *, v2: bool = V2_DEFAULT, lang: str = "en"
) -> Iterator[dict[str, Any]]:
    """The example district's snapshots for ``period`` (dicts, in tree order); with ``v2`` the
    snapshot v2 records are added to the v1 ones. ``lang="zh"`` writes the same district with
    its names and texts in Chinese (:mod:`.zh`)."""
    _check_lang(lang)
    period = Period.parse(period)
    plan = make_plan(seed, v2=v2)
    clean = set(plan.clean)
    for spec in plan.specs:
        defects = plan.defects.get((spec.id, str(period)), frozenset())
        every = frozenset().union(
            *(plan.defects.get((spec.id, p), frozenset()) for p in EXAMPLE_PERIODS)
        )
        static = static_records(seed, spec, every & _STATIC_DEFECTS)
        snapshot = build_snapshot(seed, spec, period, defects, static=static)
        if v2:
            records = static_v2(seed, spec, static, every, tidy=spec.id in clean)
            snapshot = add_v2(snapshot, seed, spec, period, records, defects)
        yield chinese_snapshot(snapshot) if lang == "zh" else snapshot


def _check_lang(lang: str) -> None:
    if lang not in LANGUAGES:
        raise ValueError(f"lang must be one of {', '.join(LANGUAGES)}, not {lang!r}")


def planted(seed: int = DEFAULT_SEED, *, v2: bool = V2_DEFAULT, lang: str = "en") -> dict[str, Any]:
    """What the example district was built to contain (written as ``planted.json``); with
    ``lang="zh"`` the organizations' names are the Chinese ones."""
    _check_lang(lang)
    plan = make_plan(seed, v2=v2)
    name = org_name if lang == "zh" else str
    situations = plan.situations
    if lang == "zh":  # each situation's description in Chinese too
        situations = [{**s, "description_zh": situation_zh(s["id"])} for s in situations]
    named = _named(plan)
    return {
        "seed": seed,
        "periods": list(EXAMPLE_PERIODS),
        "organizations": len(plan.specs),
        "by_kind": _count(s.kind for s in plan.specs),
        "situations": situations,
        "exact": (
            "In 2026Q3 the organizations listed under a situation are exactly those that fail "
            "its criterion; ordinary organizations carry random minor imperfections on other "
            "criteria (S03, S09, S10, S12, D01, V04, C01, C02; agency branches S01 and S04) "
            "and, in rules/district-quarterly.yaml, on Q01-Q03. A situation with `packs` is "
            "found only by those packs (its criterion is opt-in)."
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
        "names": {s.id: name(s.name) for s in plan.specs if s.id in named},
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

"""The engine's per-criterion shortcuts give what the plain rules give (docs/performance.md,
"The engine's own flow per organization")."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from pbrules.engine.compile import Compiled, Traits, outcome_points
from pbrules.engine.evaluate import Engine
from pbrules.engine.scoring import criterion_points
from pbrules.model.outcome import Outcome, Status
from pbrules.model.period import Period
from pbrules.model.snapshot import OrgKind
from pbrules.packs.loader import load_pack

ROOT = Path(__file__).resolve().parents[1]
PACKS = ["rules/district-quarterly.yaml", "rules/examples/county-village-stars.yaml"]


def _compiled(pack: str) -> list[Compiled]:
    return list(Engine(load_pack(ROOT / pack))._compiled)


def _plain_points(c: Compiled, outcome: Outcome) -> object:
    return criterion_points(
        c.mode,
        outcome.status,
        c.points,
        compliance=outcome.compliance,
        misses=outcome.misses,
        per_miss=c.per_miss,
        per_hit=c.criterion.scoring.per_hit,
        actual=outcome.actual,
    )


@pytest.mark.parametrize("pack", PACKS)
def test_cached_points_are_the_scoring_rules(pack: str) -> None:
    outcomes = [
        Outcome(status, compliance=compliance, misses=misses, actual=3)
        for status, compliance, misses in itertools.product(Status, (0.0, 0.5, 1.0), (0, 2))
    ]
    for c in _compiled(pack):
        for outcome in outcomes * 2:  # the second time from the cache
            assert outcome_points(c, outcome) == _plain_points(c, outcome), (c.id, outcome)
        assert len(c.memo) <= 2 * len(Status)


@pytest.mark.parametrize("pack", PACKS)
def test_criteria_without_selectors_apply_to_every_organization(pack: str) -> None:
    period = Period.parse("2026Q3")
    kinds = [kind.value for kind in OrgKind]
    flags = itertools.product((True, False), repeat=5)
    every = [
        Traits(kind, None, *flag, period=period, tokens=period.tokens)
        for kind, flag in itertools.product(kinds, flags)
    ]
    for c in _compiled(pack):
        if c.selects_all:
            assert all(traits.excluded(c) is None for traits in every), c.id
        else:
            assert c.criterion.applies_to.model_dump(exclude_none=True), c.id


def test_built_in_checkers_are_trusted_and_facts_are_the_criterions() -> None:
    for c in _compiled(PACKS[0]):
        assert c.trusted
        assert (c.id, c.check, c.tags) == (
            c.criterion.id,
            c.criterion.check,
            frozenset(c.criterion.tags),
        )

"""The engine's per-criterion shortcuts give what the plain rules give (docs/performance.md,
"The engine's own flow per organization")."""

from __future__ import annotations

import dataclasses
import itertools
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from pbrules.checker import CheckContext, Checker, Params
from pbrules.engine.compile import (
    Compiled,
    Traits,
    _asks_applies,
    applicability,
    outcome_points,
    run_check,
)
from pbrules.engine.evaluate import Engine
from pbrules.engine.guard import CheckerGuard
from pbrules.engine.ranking import assign_group
from pbrules.engine.scoring import criterion_points
from pbrules.model.index import build_index
from pbrules.model.outcome import Outcome, Status
from pbrules.model.period import Period
from pbrules.model.snapshot import OrgKind, Snapshot
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
        Traits._make((kind, None, *flag, period, period.tokens))
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


@pytest.mark.parametrize("pack", PACKS)
def test_the_kept_peer_groups_are_the_packs_groups(pack: str) -> None:
    engine = Engine(load_pack(ROOT / pack))
    facts = itertools.product(
        [kind.value for kind in OrgKind], (None, "village", "community"), (None, "T1"), (None, "g")
    )
    for kind, category, parent_id, override in list(facts) * 2:  # the second time as kept
        assert engine._group(kind, category, parent_id, override) == assign_group(
            engine.model.groups,
            kind=kind,
            category=category,
            parent_id=parent_id,
            override=override,
        )


class _None(Params):
    pass


def _behaving(applies: Callable[[], bool], check: Callable[[], Any]) -> Checker[Any]:
    class Behaving(Checker[_None]):
        name = "test.behaving"
        Params = _None

        def applies(self, snapshot: Snapshot, params: _None) -> bool:
            return applies()

        def check(self, snapshot: Snapshot, params: _None, ctx: CheckContext) -> Outcome:
            value: Outcome = check()
            return value

    return Behaving()


def _raises(exc: BaseException) -> Callable[[], Any]:
    def behaviour() -> Any:
        raise exc

    return behaviour


_LONG = "first line " + "x" * 400 + "\nsecond line"
BEHAVIOURS: list[tuple[Callable[[], bool], Callable[[], Any]]] = [
    (lambda: True, lambda: Outcome(Status.PASS, actual=3)),
    (lambda: False, lambda: Outcome(Status.PASS)),
    (_raises(ValueError(_LONG)), lambda: Outcome(Status.PASS)),
    (lambda: True, _raises(ValueError(_LONG))),
    (lambda: True, _raises(KeyError("k"))),
    (lambda: True, _raises(SystemExit(3))),
    (_raises(SystemExit("bye")), lambda: Outcome(Status.PASS)),
    (lambda: True, lambda: None),
    (lambda: True, lambda: {"status": "pass"}),
    (lambda: True, lambda: Outcome(Status.FAIL, math.nan)),
    (lambda: True, lambda: Outcome(Status.FAIL, 0.0, True)),
]


@pytest.mark.parametrize("trusted", [True, False])
@pytest.mark.parametrize(("applies", "check"), BEHAVIOURS)
def test_one_guarded_frame_is_the_guarded_applicability_then_check(
    trusted: bool, applies: Callable[[], bool], check: Callable[[], Any]
) -> None:
    """Pass 1 runs a criterion in one frame (``CheckerGuard.evaluate``): the same outcome as
    the guard calling :func:`applicability`, then :func:`run_check` (``call``, or ``attempt``
    for a trusted checker), for well-behaved checkers and hostile ones."""
    checker = _behaving(applies, check)
    c = dataclasses.replace(
        _compiled(PACKS[0])[0], checker=checker, trusted=trusted, asks_applies=True
    )
    snapshot = Snapshot.model_validate(
        {"period": "2026Q3", "organization": {"id": "B1", "name": "B", "kind": "branch"}}
    )
    period = Period.parse("2026Q3")
    index = build_index(snapshot, period, period.end)
    ctx = CheckContext(period=period, as_of=period.end, index=index)
    with CheckerGuard() as guard:
        one = guard.evaluate(c, snapshot, ctx)

    def applies_then_checks() -> Outcome:
        skipped = applicability(c, snapshot)
        return run_check(c, snapshot, ctx) if skipped is None else skipped

    with CheckerGuard() as guard:
        run = guard.attempt if trusted else guard.call
        nested = run(c.check, applies_then_checks)
    assert one == nested
    assert type(one) is Outcome


def test_applies_is_asked_only_of_checkers_that_have_their_own() -> None:
    """The base ``Checker.applies`` always says ``True``: a criterion whose checker keeps it is
    not asked (``asks_applies``); an ``applies`` of the checker's class or instance is."""

    class Plain(Checker[_None]):
        name = "test.plain"
        Params = _None

        def check(self, snapshot: Snapshot, params: _None, ctx: CheckContext) -> Outcome:
            return Outcome(Status.PASS)

    own = Plain()
    own.applies = lambda snapshot, params: False  # type: ignore[method-assign]
    assert not _asks_applies(Plain())
    assert _asks_applies(_behaving(lambda: True, lambda: Outcome(Status.PASS)))
    assert _asks_applies(own)
    built_in = _compiled(PACKS[0])
    assert all(c.asks_applies == _asks_applies(c.checker) for c in built_in)
    snapshot = Snapshot.model_validate(
        {"period": "2026Q3", "organization": {"id": "B1", "name": "B", "kind": "branch"}}
    )
    period = Period.parse("2026Q3")
    ctx = CheckContext(period=period, as_of=period.end, index=build_index(snapshot, period))
    for checker, status in ((Plain(), Status.PASS), (own, Status.NOT_APPLICABLE)):
        c = dataclasses.replace(
            built_in[0], checker=checker, asks_applies=_asks_applies(checker), trusted=False
        )
        with CheckerGuard() as guard:
            assert guard.evaluate(c, snapshot, ctx).status is status
        assert (applicability(c, snapshot) is None) is (status is Status.PASS)

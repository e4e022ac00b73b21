"""Compiling a pack (once, in ``Engine(...)``), and running one compiled criterion.

Each criterion's checker is resolved from the registry, its ``params`` parsed with
``checker.parse_params``, its ``applies_to`` selectors turned into plain sets; composites are put
in dependency order. At evaluation, :class:`Traits` says whether ``applies_to`` selects a criterion
for an organization, and :func:`applicability` and :func:`run_check` (or, in pass 1, both in one
frame: :meth:`pbrules.engine.guard.CheckerGuard.evaluate`) are the only places that call a
checker.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from pbrules.checker import CheckContext, Checker, ChildRef, Params
from pbrules.engine.scoring import CriterionPoints, criterion_points
from pbrules.errors import PackError, Problem
from pbrules.model.index import SnapshotIndex
from pbrules.model.outcome import Outcome, Status
from pbrules.model.period import Period
from pbrules.model.snapshot import Snapshot
from pbrules.packs.refs import walk_references
from pbrules.packs.schema import AppliesTo, Criterion, LoadedPack

__all__ = [
    "NA_CHECKER",
    "Compiled",
    "Traits",
    "applicability",
    "check_error",
    "compile_pack",
    "not_an_outcome",
    "order_composites",
    "outcome_points",
    "run_check",
]

NA_CHECKER = Outcome(Status.NOT_APPLICABLE, note="the checker does not apply to this organization")
_SKIPPED: dict[str, Outcome] = {}


def _not_applicable(note: str) -> Outcome:
    """A shared ``not_applicable`` outcome per note (outcomes are immutable)."""
    outcome = _SKIPPED.get(note)
    if outcome is None:
        outcome = _SKIPPED[note] = Outcome(Status.NOT_APPLICABLE, note=note)
    return outcome


@dataclass(frozen=True, slots=True)
class Compiled:
    """A criterion ready to run, with what evaluating it reads worked out once: its id, checker
    name and tags; ``selects_all`` when it has no ``applies_to`` selector; ``trusted`` for a
    built-in checker (its outcomes need no shape check); ``asks_applies`` unless the checker
    keeps :meth:`Checker.applies` as it is (always ``True``: not called); ``memo`` caches its
    points."""

    pos: int
    id: str
    check: str
    tags: frozenset[str]
    per_hit: float | None
    selects_all: bool
    trusted: bool
    asks_applies: bool
    memo: dict[tuple[Status, float], CriterionPoints] = field(compare=False)
    criterion: Criterion
    checker: Checker[Any]
    params: Params
    phase: str
    mode: str
    points: float
    per_miss: float
    area: str
    kinds: frozenset[str] | None
    categories: frozenset[str] | None
    has_committee: bool | None
    has_subordinates: bool | None
    has_party_groups: bool | None
    has_coverage_units: bool | None
    weak_lax: bool | None
    periods: frozenset[str] | None


def _where(pack: LoadedPack) -> str:
    return pack.sources[-1] if pack.sources else pack.model.pack


def _selects_all(at: AppliesTo) -> bool:
    """Whether ``applies_to`` has no selector (the criterion applies to every organization)."""
    selectors = (
        at.kind,
        at.category,
        at.has_committee,
        at.has_subordinates,
        at.has_party_groups,
        at.has_coverage_units,
        at.weak_lax,
        at.periods,
    )
    return all(selector is None for selector in selectors)


def _trusted(checker: Checker[Any]) -> bool:
    """A built-in checker: it returns well-formed outcomes (plugins' are checked each time)."""
    return type(checker).__module__.startswith("pbrules.builtin.")


def _asks_applies(checker: Checker[Any]) -> bool:
    """Whether the checker has an ``applies`` of its own (the base one always says ``True``:
    the engine need not call it). A method overridden on the instance is its own too."""
    return getattr(checker.applies, "__func__", None) is not Checker.applies


def _compiled(pos: int, crit: Criterion, checker: Checker[Any], params: Params) -> Compiled:
    at = crit.applies_to
    return Compiled(
        pos=pos,
        id=crit.id,
        check=crit.check,
        tags=frozenset(crit.tags),
        per_hit=crit.scoring.per_hit,
        selects_all=_selects_all(at),
        trusted=_trusted(checker),
        asks_applies=_asks_applies(checker),
        memo={},
        criterion=crit,
        checker=checker,
        params=params,
        phase=getattr(checker, "phase", "record"),
        mode=crit.scoring.mode,
        points=crit.points,
        per_miss=crit.scoring.per_miss,
        area=crit.area,
        kinds=frozenset(k.value for k in at.kind) if at.kind is not None else None,
        categories=(frozenset(c.value for c in at.category) if at.category is not None else None),
        has_committee=at.has_committee,
        has_subordinates=at.has_subordinates,
        has_party_groups=at.has_party_groups,
        has_coverage_units=at.has_coverage_units,
        weak_lax=at.weak_lax,
        periods=frozenset(at.periods) if at.periods is not None else None,
    )


def compile_pack(
    pack: LoadedPack, checkers: Mapping[str, Checker[Any]]
) -> tuple[list[Compiled], dict[str, Checker[Any]]]:
    """The active criteria compiled, in pack order, and the checkers they use by name.

    Raises :class:`~pbrules.errors.PackError` naming every unknown checker or area and every
    invalid ``params``.
    """
    problems: list[Problem] = []
    compiled: list[Compiled] = []
    used: dict[str, Checker[Any]] = {}
    where = _where(pack)
    areas = {a.id for a in pack.model.areas}
    for pos, crit in enumerate(pack.model.active_criteria):
        checker = checkers.get(crit.check)
        if checker is None:
            problems.append(
                Problem(where, 0, 0, f"criterion {crit.id}: unknown checker {crit.check!r}")
            )
            continue
        if crit.area not in areas:
            problems.append(Problem(where, 0, 0, f"criterion {crit.id}: unknown area"))
            continue
        try:
            params = checker.parse_params(crit.params)
        except ValueError as exc:
            problems.append(Problem(where, 0, 0, f"criterion {crit.id}: invalid params: {exc}"))
            continue
        used[crit.check] = checker
        compiled.append(_compiled(pos, crit, checker, params))
    if problems:
        raise PackError(problems)
    return compiled, used


def order_composites(
    pack: LoadedPack, composites: list[Compiled], rollups: list[Compiled]
) -> list[Compiled]:
    """Composites in dependency order: one that reads another runs after it.

    Composites run in pass 1, so one that reads a roll-up criterion (pass 2) would see no
    outcome and silently pass: that, and a cycle, are pack errors (fail closed).
    """
    where = _where(pack)
    by_id = {c.criterion.id: c for c in composites}
    rollup_ids = {c.criterion.id for c in rollups}
    problems = [
        Problem(
            where,
            0,
            0,
            f"criterion {c.criterion.id}: composite refers to roll-up criterion {ref}, "
            "which is evaluated after composites",
        )
        for c in composites
        for ref in c.checker.references(c.params)
        if ref in rollup_ids
    ]
    order, cycles = walk_references(
        [c.criterion.id for c in composites],
        lambda cid: [r for r in by_id[cid].checker.references(by_id[cid].params) if r in by_id],
    )
    problems += [
        Problem(where, 0, 0, f"composite criteria refer in a cycle: {' -> '.join(cycle)}")
        for cycle in cycles
    ]
    if problems:
        raise PackError(problems)
    return [by_id[cid] for cid in order]


class Traits(NamedTuple):
    """What ``applies_to`` selects on, for one organization in one period.

    A named tuple: built for every organization and used as a dict key (the engine keeps the
    exclusions per traits), which a tuple does in C, without a dataclass's Python ``__init__``
    and ``__hash__``."""

    kind: str
    category: str | None
    committee: bool
    subordinates: bool
    groups: bool
    coverage: bool
    weak: bool
    period: Period
    tokens: frozenset[str]

    @classmethod
    def of(
        cls,
        snapshot: Snapshot,
        index: SnapshotIndex,
        children: tuple[ChildRef, ...],
        period: Period,
        tokens: frozenset[str],
    ) -> Traits:
        org = snapshot.organization
        return cls(
            # _value_: the enum's value without the value property's descriptor call
            kind=org.kind._value_,
            category=org.category._value_ if org.category is not None else None,
            committee=len(index.current_committee) >= 3,
            subordinates=bool(children),
            groups=bool(snapshot.party_groups),
            coverage=bool(snapshot.coverage_units),
            weak=bool(org.weak_lax),
            period=period,
            tokens=tokens,
        )

    def excluded(self, c: Compiled) -> Outcome | None:
        """``None`` when ``applies_to`` selects ``c``; else ``not_applicable`` naming the first
        selector that excludes it."""
        if c.selects_all:
            return None
        if c.kinds is not None and self.kind not in c.kinds:
            why = f"kind {self.kind}"
        elif c.categories is not None and (
            self.category is None or self.category not in c.categories
        ):
            why = f"category {self.category or '(none)'}"
        elif c.has_committee is not None and c.has_committee != self.committee:
            why = "has_committee" if self.committee else "fewer than 3 current committee posts"
        elif c.has_subordinates is not None and c.has_subordinates != self.subordinates:
            why = "has subordinates" if self.subordinates else "no subordinates"
        elif c.has_party_groups is not None and c.has_party_groups != self.groups:
            why = "has party groups" if self.groups else "no party groups"
        elif c.has_coverage_units is not None and c.has_coverage_units != self.coverage:
            why = "has coverage units" if self.coverage else "no coverage units"
        elif c.weak_lax is not None and c.weak_lax != self.weak:
            why = "weak_lax" if self.weak else "not weak_lax"
        elif c.periods is not None and c.periods.isdisjoint(self.tokens):
            why = f"period {self.period}"
        else:
            return None
        return _not_applicable(f"applies_to excludes {why}")


def check_error(exc: BaseException) -> Outcome:
    """The ``error`` outcome of a checker that raised."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return Outcome.error(f"checker raised {type(exc).__name__}" + (f": {text}" if text else ""))


def applicability(c: Compiled, snapshot: Snapshot) -> Outcome | None:
    """``None`` when the checker applies to ``snapshot``; else the outcome to record."""
    try:
        if not c.asks_applies or c.checker.applies(snapshot, c.params):
            return None
        return NA_CHECKER
    except Exception as exc:  # a failing checker marks one criterion, never the run
        return check_error(exc)


def run_check(c: Compiled, snapshot: Snapshot, ctx: CheckContext) -> Outcome:
    """The checker's outcome for ``snapshot``; an ``error`` outcome when it raises or returns
    something else than an :class:`~pbrules.model.outcome.Outcome`."""
    ctx.criterion_id = c.id
    try:
        outcome = c.checker.check(snapshot, c.params, ctx)
    except Exception as exc:  # a failing checker marks one criterion, never the run
        return check_error(exc)
    return outcome if isinstance(outcome, Outcome) else not_an_outcome(c, outcome)


def not_an_outcome(c: Compiled, value: object) -> Outcome:
    """The ``error`` outcome of a checker that returned ``value`` instead of an outcome."""
    return Outcome.error(f"checker {c.check!r} returned {type(value).__name__}, not an Outcome")


def outcome_points(c: Compiled, outcome: Outcome) -> CriterionPoints:
    """:func:`~pbrules.engine.scoring.criterion_points` of ``outcome``; the common outcomes
    (no misses, compliance 0 or 1, no counted bonus) are worked out once per criterion."""
    compliance = outcome.compliance
    if outcome.misses or c.per_hit is not None or compliance not in (0.0, 1.0):
        return _points(c, outcome)
    key = (outcome.status, compliance)
    pts = c.memo.get(key)
    if pts is None:
        pts = c.memo[key] = _points(c, outcome)
    return pts


def _points(c: Compiled, outcome: Outcome) -> CriterionPoints:
    return criterion_points(
        c.mode,
        outcome.status,
        c.points,
        compliance=outcome.compliance,
        misses=outcome.misses,
        per_miss=c.per_miss,
        per_hit=c.per_hit,
        actual=outcome.actual,
    )

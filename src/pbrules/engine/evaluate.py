"""The evaluation engine: a compiled pack run over one organization or a whole jurisdiction.

>>> engine = Engine(load_pack("rules/district-quarterly.yaml"))      # doctest: +SKIP
>>> result = engine.run("examples/district/2026Q3.jsonl")             # doctest: +SKIP

Compiling (once, in ``Engine(...)``): each criterion's checker is resolved from the registry,
its ``params`` parsed with ``checker.parse_params``, its ``applies_to`` selectors turned into
plain sets; criteria are split by phase (``record``, then ``composite``; ``rollup`` in pass 2).

A jurisdiction run (:meth:`Engine.run`) streams the dataset and never holds every snapshot:

1. pass 1 evaluates every organization's ``record`` and ``composite`` criteria as if it had no
   subordinates, keeping only compact outcomes, and collects the organization tree (ids, kinds,
   names, parents) on the way;
2. the organizations that do have subordinates (a small share: townships, committees) are read
   again and evaluated with their direct subordinates known (``ctx.children``); from a
   :class:`pbrules.dataset.Dataset` only those records are validated again;
3. pass 2 runs ``rollup`` criteria bottom-up over the tree (children before parents) from the
   subordinates' final scores, with no snapshot re-read; an organization's final score includes
   its roll-ups. Roll-up checkers see the organization's header only (no records).

Then findings, peer rankings and movement against the previous result. A one-shot iterator is
read into a list first (a :class:`pbrules.dataset.Dataset` or a list is re-iterated instead).
See docs/performance.md for the costs.
"""

from __future__ import annotations

import pickle
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Protocol

from pbrules.checker import CheckContext, Checker, ChildRef, ChildScore, Params
from pbrules.engine.findings import committee_holders, finding_records, fingerprint
from pbrules.engine.index import build_index
from pbrules.engine.ranking import assign_group, rank_organizations
from pbrules.engine.scoring import (
    CriterionPoints,
    TierSpec,
    criterion_points,
    score_organization,
    tier_fields,
)
from pbrules.errors import DataError, PackError, Problem, UsageError
from pbrules.model.outcome import Outcome, Status
from pbrules.model.period import Period
from pbrules.model.result import (
    Finding,
    OrgResult,
    PackRef,
    Rejected,
    RunResult,
    RunWarning,
)
from pbrules.model.snapshot import Organization, Snapshot
from pbrules.packs.schema import Criterion, LoadedPack, Pack

__all__ = ["Engine", "OrgEvaluation", "Progress", "WaiverLike"]

#: ``progress(done, total)`` is called as organizations are evaluated; ``total`` is ``None``
#: until the dataset has been read once.
Progress = Callable[[int, int | None], None]

_NA = Outcome(Status.NOT_APPLICABLE, note="not evaluated")
_NA_CHECKER = Outcome(Status.NOT_APPLICABLE, note="the checker does not apply to this organization")
_SKIPPED: dict[str, Outcome] = {}


def _not_applicable(note: str) -> Outcome:
    """A shared ``not_applicable`` outcome per note (outcomes are immutable)."""
    outcome = _SKIPPED.get(note)
    if outcome is None:
        outcome = _SKIPPED[note] = Outcome(Status.NOT_APPLICABLE, note=note)
    return outcome


_NA_ROLLUP = Outcome(
    Status.NOT_APPLICABLE, note="needs the subordinates' results (evaluate the jurisdiction)"
)
_CHUNK = 32


class WaiverLike(Protocol):
    """An active waiver as the ledger gives it (:meth:`pbrules.ledger.Ledger.active_waivers`)."""

    @property
    def reason(self) -> str: ...
    @property
    def owner(self) -> str: ...
    @property
    def until(self) -> date: ...


class _HasCheckers(Protocol):
    @property
    def checkers(self) -> Mapping[str, Checker[Any]]: ...


@dataclass(frozen=True, slots=True)
class _Compiled:
    """A criterion ready to run."""

    pos: int
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


@dataclass(slots=True)
class _OrgState:
    """What pass 1 keeps of one organization (no snapshot)."""

    org: Organization
    as_of: date
    outcomes: list[Outcome | None]
    rollups: tuple[int, ...]
    holders: dict[str, str]


@dataclass(slots=True)
class OrgEvaluation:
    """One organization's evaluation: its result (no ranking), findings and raw outcomes."""

    result: OrgResult
    findings: list[Finding]
    outcomes: dict[str, Outcome] = field(default_factory=dict)

    @property
    def total(self) -> float | None:
        return self.result.total

    @property
    def grade(self) -> str | None:
        return self.result.grade


@dataclass(frozen=True, slots=True)
class _Row:
    """What ranking reads of an organization."""

    org_id: str
    total: float | None
    group: str | None


@dataclass(frozen=True, slots=True)
class _Node:
    id: str
    kind: str
    name: str
    category: str | None
    parent_id: str | None


def _digest(pack: Pack) -> str:
    """The loader's digest of a pack model given directly (loaded packs carry theirs)."""
    from pbrules.packs.loader import canonical_digest

    return canonical_digest(pack)


def _check_error(exc: BaseException) -> Outcome:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return Outcome.error(f"checker raised {type(exc).__name__}" + (f": {text}" if text else ""))


class Engine:
    """A criteria pack compiled for evaluation. Thread-safe to share; cheap to call."""

    def __init__(self, pack: LoadedPack | Pack, *, registry: _HasCheckers | None = None) -> None:
        if isinstance(pack, Pack):
            pack = LoadedPack(model=pack, digest=_digest(pack))
        if registry is None:
            from pbrules.plugins import get_registry

            registry = get_registry()
        self.pack: LoadedPack = pack
        self.model: Pack = pack.model
        self._checkers: dict[str, Checker[Any]] = {}
        self._weights = {a.id: a.weight for a in self.model.areas}
        self._bands = [(b.min, b.grade) for b in self.model.bands]
        self._pools = frozenset(a.id for a in self.model.areas if a.pool)
        self._tiers = [TierSpec(t.id, frozenset(t.tags), t.min) for t in self.model.tiers]
        self._compiled: list[_Compiled] = self._compile(registry.checkers)
        self._record = [c for c in self._compiled if c.phase == "record"]
        self._rollup = [c for c in self._compiled if c.phase == "rollup"]
        self._composite = self._order_composites(
            [c for c in self._compiled if c.phase == "composite"]
        )
        self._phase1 = self._record + self._composite
        self._tokens: dict[Period, frozenset[str]] = {}
        self.pack_ref = PackRef(id=self.model.pack, version=self.model.version, digest=pack.digest)

    # -- compiling ------------------------------------------------------------------------------
    def _order_composites(self, composites: list[_Compiled]) -> list[_Compiled]:
        """Composites in dependency order: one that reads another runs after it.

        Composites run in pass 1, so one that reads a roll-up criterion (pass 2) would see no
        outcome and silently pass: that, and a cycle, are pack errors (fail closed).
        """
        where = self.pack.sources[-1] if self.pack.sources else self.model.pack
        by_id = {c.criterion.id: c for c in composites}
        rollups = {c.criterion.id for c in self._rollup}
        problems: list[Problem] = []
        ordered: list[_Compiled] = []
        state: dict[str, str] = {}  # id -> "visiting" | "done"

        def refs(c: _Compiled) -> tuple[str, ...]:
            return tuple(c.checker.references(c.params))

        def visit(c: _Compiled, path: tuple[str, ...]) -> None:
            cid = c.criterion.id
            if state.get(cid) == "done":
                return
            if state.get(cid) == "visiting":
                cycle = " -> ".join((*path[path.index(cid) :], cid))
                problems.append(
                    Problem(where, 0, 0, f"composite criteria refer in a cycle: {cycle}")
                )
                return
            state[cid] = "visiting"
            for ref in refs(c):
                if ref in rollups:
                    problems.append(
                        Problem(
                            where,
                            0,
                            0,
                            f"criterion {cid}: composite refers to roll-up criterion {ref}, "
                            "which is evaluated after composites",
                        )
                    )
                elif ref in by_id:
                    visit(by_id[ref], (*path, cid))
            state[cid] = "done"
            ordered.append(c)

        for c in composites:
            visit(c, ())
        if problems:
            raise PackError(problems)
        return ordered

    def _compile(self, checkers: Mapping[str, Checker[Any]]) -> list[_Compiled]:
        problems: list[Problem] = []
        compiled: list[_Compiled] = []
        where = self.pack.sources[-1] if self.pack.sources else self.model.pack
        for pos, crit in enumerate(self.model.active_criteria):
            checker = checkers.get(crit.check)
            if checker is None:
                problems.append(
                    Problem(where, 0, 0, f"criterion {crit.id}: unknown checker {crit.check!r}")
                )
                continue
            if crit.area not in self._weights:
                problems.append(Problem(where, 0, 0, f"criterion {crit.id}: unknown area"))
                continue
            try:
                params = checker.parse_params(crit.params)
            except ValueError as exc:
                problems.append(Problem(where, 0, 0, f"criterion {crit.id}: invalid params: {exc}"))
                continue
            self._checkers[crit.check] = checker
            at = crit.applies_to
            compiled.append(
                _Compiled(
                    pos=pos,
                    criterion=crit,
                    checker=checker,
                    params=params,
                    phase=getattr(checker, "phase", "record"),
                    mode=crit.scoring.mode,
                    points=crit.points,
                    per_miss=crit.scoring.per_miss,
                    area=crit.area,
                    kinds=frozenset(k.value for k in at.kind) if at.kind is not None else None,
                    categories=(
                        frozenset(c.value for c in at.category) if at.category is not None else None
                    ),
                    has_committee=at.has_committee,
                    has_subordinates=at.has_subordinates,
                    has_party_groups=at.has_party_groups,
                    has_coverage_units=at.has_coverage_units,
                    weak_lax=at.weak_lax,
                    periods=frozenset(at.periods) if at.periods is not None else None,
                )
            )
        if problems:
            raise PackError(problems)
        return compiled

    @property
    def criteria(self) -> list[Criterion]:
        """The active criteria, in pack order."""
        return [c.criterion for c in self._compiled]

    def _period_tokens(self, period: Period) -> frozenset[str]:
        tokens = self._tokens.get(period)
        if tokens is None:
            tokens = self._tokens[period] = period.tokens
        return tokens

    # -- pass 1 -----------------------------------------------------------------------------------
    def _pass1(
        self,
        snapshot: Snapshot,
        period: Period,
        as_of: date,
        children: tuple[ChildRef, ...],
    ) -> _OrgState:
        index = build_index(snapshot, period, as_of)
        org = snapshot.organization
        kind = org.kind.value
        category = org.category.value if org.category is not None else None
        committee = len(index.current_committee) >= 3
        subordinates = bool(children)
        groups = bool(snapshot.party_groups)
        coverage = bool(snapshot.coverage_units)
        weak = bool(org.weak_lax)
        tokens = self._period_tokens(period)

        def selected(c: _Compiled) -> bool:
            return (
                (c.kinds is None or kind in c.kinds)
                and (c.categories is None or (category is not None and category in c.categories))
                and (c.has_committee is None or c.has_committee == committee)
                and (c.has_subordinates is None or c.has_subordinates == subordinates)
                and (c.has_party_groups is None or c.has_party_groups == groups)
                and (c.has_coverage_units is None or c.has_coverage_units == coverage)
                and (c.weak_lax is None or c.weak_lax == weak)
                and (c.periods is None or not c.periods.isdisjoint(tokens))
            )

        def skipped(c: _Compiled) -> Outcome:
            """``not_applicable``, naming the first ``applies_to`` selector that excludes it."""
            if c.kinds is not None and kind not in c.kinds:
                why = f"kind {kind}"
            elif c.categories is not None and (category is None or category not in c.categories):
                why = f"category {category or '(none)'}"
            elif c.has_committee is not None and c.has_committee != committee:
                why = "has_committee" if committee else "fewer than 3 current committee posts"
            elif c.has_subordinates is not None and c.has_subordinates != subordinates:
                why = "has subordinates" if subordinates else "no subordinates"
            elif c.has_party_groups is not None and c.has_party_groups != groups:
                why = "has party groups" if groups else "no party groups"
            elif c.has_coverage_units is not None and c.has_coverage_units != coverage:
                why = "has coverage units" if coverage else "no coverage units"
            elif c.weak_lax is not None and c.weak_lax != weak:
                why = "weak_lax" if weak else "not weak_lax"
            else:
                why = f"period {period}"
            return _not_applicable(f"applies_to excludes {why}")

        outcomes: list[Outcome | None] = [None] * len(self._compiled)
        by_id: dict[str, Outcome] = {}
        ctx = CheckContext(
            period=period, as_of=as_of, index=index, children=children, outcomes=by_id
        )
        for c in self._phase1:
            if not selected(c):
                outcome = skipped(c)
            else:
                ctx.criterion_id = c.criterion.id
                outcome = _NA_CHECKER
                try:
                    if c.checker.applies(snapshot, c.params):
                        outcome = c.checker.check(snapshot, c.params, ctx)
                        if not isinstance(outcome, Outcome):
                            outcome = Outcome.error(
                                f"checker {c.criterion.check!r} returned "
                                f"{type(outcome).__name__}, not an Outcome"
                            )
                except Exception as exc:  # a failing checker marks one criterion, never the run
                    outcome = _check_error(exc)
            outcomes[c.pos] = outcome
            by_id[c.criterion.id] = outcome
        rollups: list[int] = []
        for c in self._rollup:
            if not selected(c):
                outcomes[c.pos] = skipped(c)
                continue
            try:
                if c.checker.applies(snapshot, c.params):
                    rollups.append(c.pos)
                else:
                    outcomes[c.pos] = _NA_CHECKER
            except Exception as exc:
                outcomes[c.pos] = _check_error(exc)
        return _OrgState(
            org=org,
            as_of=as_of,
            outcomes=outcomes,
            rollups=tuple(rollups),
            holders=committee_holders(index.current_committee),
        )

    # -- pass 2 and results ---------------------------------------------------------------------
    def _finish(
        self,
        state: _OrgState,
        period: Period,
        child_results: Mapping[str, ChildScore] | None,
        children: tuple[ChildRef, ...],
        waivers: Mapping[str, WaiverLike] | None = None,
    ) -> tuple[dict[str, Any], list[dict[str, Any]], dict[str, Outcome]]:
        """Roll-ups, points, scores and findings of one organization, as plain dicts that
        :class:`OrgResult` / :class:`Finding` validate from (validated in bulk by callers)."""
        outcomes = state.outcomes
        org = state.org
        if state.rollups:
            if child_results is None:
                for pos in state.rollups:
                    outcomes[pos] = _NA_ROLLUP
            else:
                header = Snapshot.model_construct(
                    period=period, as_of=state.as_of, organization=org
                )
                index = build_index(header, period, state.as_of)
                done = {
                    self._compiled[i].criterion.id: o
                    for i, o in enumerate(outcomes)
                    if o is not None
                }
                ctx = CheckContext(
                    period=period,
                    as_of=state.as_of,
                    index=index,
                    children=children,
                    outcomes=done,
                    child_results=child_results,
                )
                for pos in state.rollups:
                    c = self._compiled[pos]
                    ctx.criterion_id = c.criterion.id
                    try:
                        outcome = c.checker.check(header, c.params, ctx)
                        if not isinstance(outcome, Outcome):
                            outcome = Outcome.error(
                                f"checker {c.criterion.check!r} returned "
                                f"{type(outcome).__name__}, not an Outcome"
                            )
                    except Exception as exc:
                        outcome = _check_error(exc)
                    outcomes[pos] = outcome
                    done[c.criterion.id] = outcome
        entries: list[tuple[str, CriterionPoints]] = []
        tagged: list[tuple[str, CriterionPoints, frozenset[str]]] = []
        criteria: list[dict[str, Any]] = []
        findings: list[dict[str, Any]] = []
        by_id: dict[str, Outcome] = {}
        complete = True
        pack_id = self.model.pack
        for c in self._compiled:
            outcome = outcomes[c.pos] or _NA
            by_id[c.criterion.id] = outcome
            status = outcome.status
            if status is Status.ERROR:
                complete = False
            if (
                waivers
                and status is Status.FAIL
                and self.model.allow_waivers
                and fingerprint(pack_id, c.criterion.id, org.id) in waivers
            ):
                # A waived organization-level failure costs no points (the pack allows it).
                pts = criterion_points(c.mode, Status.PASS, c.points, compliance=1.0, misses=0)
            else:
                pts = criterion_points(
                    c.mode,
                    status,
                    c.points,
                    compliance=outcome.compliance,
                    misses=outcome.misses,
                    per_miss=c.per_miss,
                    per_hit=c.criterion.scoring.per_hit,
                    actual=outcome.actual,
                )
            entries.append((c.area, pts))
            tagged.append((c.area, pts, frozenset(c.criterion.tags)))
            criteria.append(
                {
                    "id": c.criterion.id,
                    "status": status,
                    "earned": pts.earned,
                    "max": pts.max,
                    "actual": outcome.actual,
                    "expected": outcome.expected,
                    "compliance": outcome.compliance,
                    "misses": outcome.misses,
                    "note": outcome.note or None,
                }
            )
            if status is Status.FAIL or outcome.items:
                findings.extend(
                    finding_records(
                        pack_id=pack_id,
                        criterion=c.criterion,
                        org=org,
                        period=period,
                        as_of=state.as_of,
                        outcome=outcome,
                        earned=pts.earned,
                        maximum=pts.max,
                        mode=c.mode,
                        holders=state.holders,
                    )
                )
        if waivers:
            for record in findings:
                waiver = waivers.get(record["fingerprint"])
                if waiver is not None:
                    record["waiver"] = {
                        "reason": waiver.reason,
                        "owner": waiver.owner,
                        "until": waiver.until,
                    }
        score = score_organization(
            entries,
            self._weights,
            self._bands,
            bonus_cap=self.model.bonus_cap,
            veto_grade=self.model.veto_grade,
            pools=self._pools,
        )
        category = org.category.value if org.category is not None else None
        result = {
            "org_id": org.id,
            "name": org.name,
            "kind": org.kind.value,
            "parent_id": org.parent_id,
            "group": assign_group(
                self.model.groups,
                kind=org.kind.value,
                category=category,
                parent_id=org.parent_id,
                override=org.group,
            ),
            "total": score.total,
            "base_total": score.base_total,
            "bonus": score.bonus,
            "grade": score.grade,
            "complete": complete,
            "areas": score.areas,
            "vetoed": score.vetoed,
            "category": category,
            "criteria": criteria,
            "unscored_reason": score.unscored_reason,
            **tier_fields(tagged, self._weights, self._tiers, self._pools),
        }
        return result, findings, by_id

    # -- one organization -------------------------------------------------------------------------
    def evaluate(
        self,
        snapshot: Snapshot,
        *,
        period: Period | str | None = None,
        as_of: date | None = None,
        children: Sequence[ChildRef] = (),
        child_results: Mapping[str, ChildScore] | None = None,
        waivers: Mapping[str, WaiverLike] | None = None,
    ) -> OrgEvaluation:
        """Evaluate one organization on demand (no ranking).

        ``period`` defaults to the snapshot's, ``as_of`` to the snapshot's (or the period end).
        ``children`` are its direct subordinates (for supervision criteria); roll-up criteria
        run only when ``child_results`` are given, else they are ``not_applicable``.
        """
        the_period = Period.parse(period) if period is not None else snapshot.period
        when = as_of or snapshot.as_of or the_period.end
        kids = tuple(children)
        state = self._pass1(snapshot, the_period, when, kids)
        result, findings, outcomes = self._finish(state, the_period, child_results, kids, waivers)
        return OrgEvaluation(
            result=OrgResult.model_validate(result),
            findings=[Finding.model_validate(f) for f in findings],
            outcomes=outcomes,
        )

    # -- a jurisdiction ---------------------------------------------------------------------------
    def run(
        self,
        dataset: Iterable[Snapshot | Rejected] | str | Path,
        *,
        period: Period | str | None = None,
        previous: RunResult | None = None,
        jobs: int = 1,
        progress: Progress | None = None,
        waivers: Mapping[str, WaiverLike] | None = None,
    ) -> RunResult:
        """Evaluate every organization of ``dataset`` for ``period`` and rank them.

        ``dataset`` is an iterable of snapshots and rejected records, or a dataset path.
        ``period`` defaults to the first snapshot's. ``previous`` is the last period's result, for
        movement. ``jobs > 1`` runs pass 1 in that many processes (same result). ``waivers``
        maps finding fingerprints to active ledger waivers: those findings carry the waiver, and
        when the pack sets ``allow_waivers`` a waived organization-level failure costs no points.
        """
        if jobs < 1:
            raise UsageError(f"jobs must be at least 1, not {jobs}")
        label, source = self._source(dataset)
        the_period = Period.parse(period) if period is not None else None
        rejected: list[Rejected] = []
        relabel: list[int] = []  # rejections named "record N" until their source is known
        nodes: dict[str, _Node] = {}
        positions: dict[str, int] = {}  # org id -> position of its evaluated snapshot
        records = 0

        def accepted() -> Iterator[tuple[Snapshot, Period, date, tuple[ChildRef, ...]]]:
            nonlocal the_period, records
            for pos, item in enumerate(source):
                records += 1
                if isinstance(item, Rejected):
                    rejected.append(item)
                    continue
                if the_period is None:
                    the_period = item.period
                org = item.organization
                problem = None
                if item.period != the_period:
                    problem = f"period: {item.period} is not the evaluated period {the_period}"
                elif org.id in positions:
                    problem = (
                        f"organization.id: duplicate id {org.id!r} "
                        f"(first in record {positions[org.id] + 1})"
                    )
                if problem is not None:
                    relabel.append(len(rejected))
                    rejected.append(
                        Rejected(
                            source=f"{label}: record {pos + 1}", org_id=org.id, errors=[problem]
                        )
                    )
                    continue
                positions[org.id] = pos
                nodes[org.id] = _Node(
                    id=org.id,
                    kind=org.kind.value,
                    name=org.name,
                    category=org.category.value if org.category is not None else None,
                    parent_id=org.parent_id,
                )
                yield item, the_period, item.as_of or the_period.end, ()

        # Pass 1: every organization, as if it had no subordinates (most have none).
        states: dict[str, _OrgState] = {}
        for done, state in enumerate(self._pass1_all(accepted(), jobs), start=1):
            states[state.org.id] = state
            if progress is not None:
                progress(done, None)
        if the_period is None:
            if records == 0:
                raise DataError(f"{label}: the dataset holds no snapshot")
            errors = " | ".join(f"{r.source}: {'; '.join(r.errors)}" for r in rejected[:3])
            raise DataError(
                f"{label}: no valid snapshot to evaluate ({len(rejected)} rejected record(s); "
                f"give a period to get a result listing them): {errors}"
            )
        if relabel:
            _name_sources(source, rejected, relabel)

        warnings: list[RunWarning] = []
        if the_period.kind.value != self.model.period.value:
            warnings.append(
                RunWarning(
                    message=f"the pack is written for {self.model.period.value} periods; "
                    f"evaluating {the_period}"
                )
            )
        parents, tree_warnings = _effective_parents(nodes)
        warnings.extend(tree_warnings)
        children: dict[str, list[ChildRef]] = {}
        for node_id in sorted(nodes):
            parent = parents[node_id]
            if parent is not None:
                n = nodes[node_id]
                children.setdefault(parent, []).append(
                    ChildRef(id=n.id, kind=n.kind, name=n.name, category=n.category)
                )
        kids: dict[str, tuple[ChildRef, ...]] = {k: tuple(v) for k, v in children.items()}

        # Pass 1 again for the organizations that have subordinates, now that they are known.
        wanted = {positions[org_id]: org_id for org_id in kids}
        for snap in _reread(source, wanted):
            org_id = snap.organization.id
            states[org_id] = self._pass1(
                snap, the_period, snap.as_of or the_period.end, kids[org_id]
            )
        if progress is not None:
            progress(len(states), len(states))

        # Pass 2: children before parents.
        as_of = max((state.as_of for state in states.values()), default=the_period.end)
        finals: dict[str, ChildScore] = {}
        org_results: dict[str, dict[str, Any]] = {}
        findings: dict[str, list[dict[str, Any]]] = {}
        for org_id in _bottom_up(parents):
            own = kids.get(org_id, ())
            child_results = {ch.id: finals[ch.id] for ch in own if ch.id in finals}
            result, org_findings, _ = self._finish(
                states.pop(org_id), the_period, child_results, own, waivers
            )
            if result["total"] is not None:  # an unscored organization has no score to roll up
                finals[org_id] = ChildScore(
                    id=org_id,
                    base_total=result["base_total"],
                    total=result["total"],
                    grade=result["grade"],
                    complete=result["complete"],
                )
            org_results[org_id] = result
            if org_findings:
                findings[org_id] = org_findings

        ordered = [org_results[k] for k in sorted(org_results)]
        rows = [_Row(o["org_id"], o["total"], o["group"]) for o in ordered]
        info, rankings = rank_organizations(rows, self.model, previous)
        for o in ordered:
            rank = info[o["org_id"]]
            o["rank"] = rank.rank
            o["group_size"] = rank.group_size
            o["previous_rank"] = rank.previous_rank
            o["rank_change"] = rank.rank_change
            o["movement"] = rank.movement
            o["previous_total"] = rank.previous_total
            o["total_change"] = rank.total_change
        all_findings = [f for k in sorted(findings) for f in findings[k]]
        return RunResult.model_validate(
            {
                "pack": self.pack_ref,
                "period": the_period,
                "as_of": as_of,
                "organizations": ordered,
                "findings": all_findings,
                "rankings": rankings,
                "rejected": rejected,
                "warnings": warnings,
                "summary": {
                    "evaluated": len(ordered),
                    "rejected": len(rejected),
                    "findings": len(all_findings),
                    "incomplete": sum(1 for o in ordered if not o["complete"]),
                    "waived": sum(1 for f in all_findings if f.get("waiver") is not None),
                },
            }
        )

    def _source(
        self, dataset: Iterable[Snapshot | Rejected] | str | Path
    ) -> tuple[str, Iterable[Snapshot | Rejected]]:
        if isinstance(dataset, str | Path):
            from pbrules.dataset import read_dataset

            return str(dataset), read_dataset(dataset)
        if iter(dataset) is dataset:  # a one-shot iterator: keep it to read it twice
            return "input", list(dataset)
        root = getattr(dataset, "root", None)  # a Dataset names its files' root
        return (str(root) if isinstance(root, str | Path) else "input"), dataset

    def _pass1_all(
        self,
        items: Iterator[tuple[Snapshot, Period, date, tuple[ChildRef, ...]]],
        jobs: int,
    ) -> Iterator[_OrgState]:
        payload: bytes | None = None
        if jobs > 1:
            try:
                payload = pickle.dumps((self.pack, self._checkers))
            except Exception:  # unpicklable plugin checkers: evaluate in this process
                payload = None
        if payload is None:
            for snap, period, when, kids in items:
                yield self._pass1(snap, period, when, kids)
            return
        yield from _parallel(payload, items, jobs)


def _reread(source: Iterable[Snapshot | Rejected], wanted: Mapping[int, str]) -> Iterator[Snapshot]:
    """The snapshots at the ``wanted`` positions of ``source``, read again.

    From a :class:`pbrules.dataset.Dataset`, only those records are validated again (the others
    are only parsed): they were valid snapshots in the first read, and a dataset yields exactly
    one item per raw record, in order.
    """
    if not wanted:
        return
    from pbrules.dataset import Dataset

    found = 0
    if isinstance(source, Dataset):
        for pos, raw in enumerate(source.raw_records()):
            if pos in wanted:
                try:
                    snap = Snapshot.model_validate(raw.data)
                except ValueError:
                    raise DataError(
                        f"{raw.source}: the dataset changed while it was read"
                    ) from None
                found += 1
                yield snap
    else:
        for pos, item in enumerate(source):
            if pos in wanted and isinstance(item, Snapshot):
                found += 1
                yield item
    if found != len(wanted):
        raise DataError("the dataset changed while it was read (records went missing)")


def _name_sources(
    source: Iterable[Snapshot | Rejected], rejected: list[Rejected], relabel: list[int]
) -> None:
    """Replace ``record N`` by the record's ``path:line`` when the dataset can tell it.

    A :class:`pbrules.dataset.Dataset` yields exactly one item per raw record, in order, so one
    extra read of the raw records (no validation) maps positions to sources.
    """
    raw_records = getattr(source, "raw_records", None)
    if raw_records is None:
        return
    wanted: dict[int, int] = {}
    for i in relabel:
        text = rejected[i].source
        wanted[int(text.rsplit("record ", 1)[1]) - 1] = i
    for pos, raw in enumerate(raw_records()):
        at = wanted.get(pos)
        if at is not None:
            rejected[at] = rejected[at].model_copy(update={"source": raw.source})


# -- the tree -------------------------------------------------------------------------------------
def _effective_parents(
    nodes: Mapping[str, _Node],
) -> tuple[dict[str, str | None], list[RunWarning]]:
    """Org id -> parent in the tree (None for a root), and warnings for dangling or cyclic links."""
    warnings: list[RunWarning] = []
    parents: dict[str, str | None] = {}
    for node_id in sorted(nodes):
        parent = nodes[node_id].parent_id
        if parent is not None and parent not in nodes:
            warnings.append(
                RunWarning(
                    org_id=node_id,
                    message=f"parent_id {parent} is not in the dataset; evaluated as a root",
                )
            )
            parent = None
        parents[node_id] = parent
    # Break cycles at their smallest id, deterministically.
    state: dict[str, int] = {}
    for start in sorted(nodes):
        path: list[str] = []
        node: str | None = start
        while node is not None and state.get(node, 0) == 0:
            state[node] = 1
            path.append(node)
            node = parents[node]
        if node is not None and state.get(node) == 1:
            cycle = path[path.index(node) :]
            head = min(cycle)
            parents[head] = None
            chain = " -> ".join([*cycle, cycle[0]])
            warnings.append(
                RunWarning(
                    org_id=head,
                    message=f"parent_id forms a cycle ({chain}); {head} evaluated as a root",
                )
            )
        for visited in path:
            state[visited] = 2
    return parents, warnings


def _bottom_up(parents: Mapping[str, str | None]) -> list[str]:
    """Org ids with every organization after all of its subordinates (post-order by id)."""
    children: dict[str, list[str]] = {}
    for node_id in sorted(parents):
        parent = parents[node_id]
        if parent is not None:
            children.setdefault(parent, []).append(node_id)
    order: list[str] = []
    for root in sorted(n for n, p in parents.items() if p is None):
        stack: list[tuple[str, int]] = [(root, 0)]
        while stack:
            node, i = stack.pop()
            kids = children.get(node, [])
            if i < len(kids):
                stack.append((node, i + 1))
                stack.append((kids[i], 0))
            else:
                order.append(node)
    return order


# -- parallel pass 1 ---------------------------------------------------------------------------
_worker_engine: Engine | None = None


class _WorkerRegistry:
    def __init__(self, checkers: Mapping[str, Checker[Any]]) -> None:
        self.checkers = checkers


def _worker_init(payload: bytes) -> None:
    global _worker_engine
    pack, checkers = pickle.loads(payload)
    _worker_engine = Engine(pack, registry=_WorkerRegistry(checkers))


def _worker_run(batch: list[tuple[bytes, Period, date, tuple[ChildRef, ...]]]) -> list[_OrgState]:
    assert _worker_engine is not None
    engine = _worker_engine
    return [
        engine._pass1(Snapshot.model_validate_json(doc), period, when, kids)
        for doc, period, when, kids in batch
    ]


def _parallel(
    payload: bytes,
    items: Iterator[tuple[Snapshot, Period, date, tuple[ChildRef, ...]]],
    jobs: int,
) -> Iterator[_OrgState]:
    """Pass 1 in ``jobs`` processes; results come back in input order, a bounded window ahead.

    Snapshots travel as JSON (serialized and validated by pydantic-core), which costs about half
    of what pickling the models does.
    """
    window = jobs * 4
    with ProcessPoolExecutor(
        max_workers=jobs, initializer=_worker_init, initargs=(payload,)
    ) as pool:
        pending: list[Future[list[_OrgState]]] = []
        batch: list[tuple[bytes, Period, date, tuple[ChildRef, ...]]] = []
        for snap, period, when, kids in items:
            batch.append((snap.__pydantic_serializer__.to_json(snap), period, when, kids))
            if len(batch) >= _CHUNK:
                pending.append(pool.submit(_worker_run, batch))
                batch = []
                while len(pending) >= window:
                    yield from pending.pop(0).result()
        if batch:
            pending.append(pool.submit(_worker_run, batch))
        for fut in pending:
            yield from fut.result()

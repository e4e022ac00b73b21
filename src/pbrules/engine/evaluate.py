"""The evaluation engine: a compiled pack run over one organization or a whole jurisdiction.

>>> engine = Engine(load_pack("rules/district-quarterly.yaml"))      # doctest: +SKIP
>>> result = engine.run("examples/district/2026Q3.jsonl")             # doctest: +SKIP

Compiling (once, in ``Engine(...)``, :mod:`pbrules.engine.compile`): each criterion's checker
is resolved from the registry, its ``params`` parsed, its ``applies_to`` selectors turned into
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
See docs/performance.md for the costs, and docs/architecture.md for the rooms of this package:
``compile`` (pack -> runnable criteria), ``sources`` (reading the dataset), ``tree`` (parents,
bottom-up order), ``parallel`` (pass 1 in processes), ``findings``, ``scoring``, ``ranking``.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import partial
from pathlib import Path
from typing import Any, BinaryIO, Protocol

from pbrules._args import check_period
from pbrules.checker import CheckContext, Checker, ChildRef, ChildScore
from pbrules.engine import arguments
from pbrules.engine.chunks import Chunk, Scanned, jsonl_files, plan_chunks, read_at, scan_chunk
from pbrules.engine.collect import fewer_collections
from pbrules.engine.compile import (
    Compiled,
    Traits,
    applicability,
    compile_pack,
    order_composites,
    outcome_points,
    run_check,
)
from pbrules.engine.findings import committee_holders, finding_records, fingerprint
from pbrules.engine.guard import CheckerGuard
from pbrules.engine.notes import uses_v2
from pbrules.engine.parallel import ChunkRunner, engine_payload, parallel_pass1, run_chunks
from pbrules.engine.plan_ahead import PlanAhead, worth_planning_ahead
from pbrules.engine.ranking import TieFacts, assign_group, rank_columns, rank_organizations
from pbrules.engine.records import Records, org_model
from pbrules.engine.scoring import (
    NOT_COUNTED,
    CriterionPoints,
    Tally,
    TierSpec,
    criterion_points,
    tier_fields,
)
from pbrules.engine.sources import Intake, Item, name_sources, reread, source_of
from pbrules.engine.stream import (
    FORMATS,
    Done,
    Picked,
    Placed,
    Rows,
    RunSummary,
    Spool,
    as_lines,
    child_score,
    counted,
    phase,
    spooled,
    write_json,
    write_jsonl,
)
from pbrules.engine.tree import bottom_up, children_of, effective_parents
from pbrules.errors import UsageError
from pbrules.model.index import build_index
from pbrules.model.outcome import Outcome, Status
from pbrules.model.period import Period
from pbrules.model.previous import PreviousRanks
from pbrules.model.result import (
    Finding,
    GroupRanking,
    OrgResult,
    PackRef,
    Rejected,
    RunResult,
    RunWarning,
)
from pbrules.model.snapshot import Organization, Snapshot
from pbrules.packs.schema import Criterion, LoadedPack, Pack
from pbrules.patterns.engine_support import PatternBatch, chunked
from pbrules.patterns.workers import WorkerOptions

__all__ = ["Engine", "OrgEvaluation", "Progress", "WaiverLike"]

#: ``progress(done, total)`` is called as organizations are evaluated; ``total`` is ``None``
#: until the dataset has been read once. :meth:`Engine.run_to` reports every phase: when the
#: callable also has a ``phase(name)`` method it is called as each starts (``pass 1``,
#: ``subordinates``, ``pass 2``, ``ranking``, ``writing``), and the counts that follow are that
#: phase's.
Progress = Callable[[int, int | None], None]

_NA = Outcome(Status.NOT_APPLICABLE, note="not evaluated")
_SKIPS_KEPT = 1024  # traits whose applies_to exclusions an engine keeps (then starts afresh)
_GROUPS_KEPT = 4096  # peer groups an engine keeps by (kind, category, parent, override)
#: organizations with subordinates from which their second pass 1 runs in ``jobs`` processes
#: (starting a pool costs about what evaluating 250 of them in one process does)
_POOLED_AGAIN = 500
# Module constants: an enum member looked up on its class costs a descriptor call each time.
_ERROR = Status.ERROR
_FAIL = Status.FAIL
_NOT_APPLICABLE = Status.NOT_APPLICABLE
_NA_ROLLUP = Outcome(
    Status.NOT_APPLICABLE, note="needs the subordinates' results (evaluate the jurisdiction)"
)


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


@dataclass(slots=True)
class OrgState:
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


#: One organization's pass-2 output: its result and findings as plain dicts (validated in bulk).
_Finished = tuple[dict[str, Any], list[dict[str, Any]], dict[str, Outcome]]


def _digest(pack: Pack) -> str:
    """The loader's digest of a pack model given directly (loaded packs carry theirs)."""
    from pbrules.packs.loader import canonical_digest

    return canonical_digest(pack)


class Engine:
    """A criteria pack compiled for evaluation. Thread-safe to share; cheap to call."""

    def __init__(
        self,
        pack: LoadedPack | Pack,
        *,
        registry: _HasCheckers | None = None,
        pattern_backend: str = "python",
        pattern_options: WorkerOptions | None = None,
    ) -> None:
        if not isinstance(pack, LoadedPack | Pack):
            raise TypeError(f"pack must be a pbrules.LoadedPack or Pack, not {type(pack).__name__}")
        if isinstance(pack, Pack):
            pack = LoadedPack(model=pack, digest=_digest(pack))
        if registry is None:
            from pbrules.plugins import get_registry

            registry = get_registry()
        self.pack: LoadedPack = pack
        self.model: Pack = pack.model
        self._weights = {a.id: a.weight for a in self.model.areas}
        self._bands = [(b.min, b.grade) for b in self.model.bands]
        self._pools = frozenset(a.id for a in self.model.areas if a.pool)
        self._tiers = [TierSpec(t.id, frozenset(t.tags), t.min) for t in self.model.tiers]
        self._one_per_problem = self.model.one_finding_per_problem
        self._compiled, self._checkers = compile_pack(pack, registry.checkers)
        self._zh = uses_v2(self.model)  # note_zh and message_zh (engine/notes.py)
        self._records = Records(self._zh)
        self._record = [c for c in self._compiled if c.phase == "record"]
        self._rollup = [c for c in self._compiled if c.phase == "rollup"]
        composites = [c for c in self._compiled if c.phase == "composite"]
        self._phase1 = self._record + order_composites(pack, composites, self._rollup)
        # Pattern criteria: with the durable backend they run in batches (docs/patterns.md).
        self.patterns = PatternBatch(
            [(c.pos, c.params) for c in self._record], pattern_backend, pattern_options
        )
        self._tokens: dict[Period, frozenset[str]] = {}
        self._skips: dict[Traits, tuple[Outcome | None, ...]] = {}
        self._groups: dict[tuple[str, str | None, str | None, str | None], str | None] = {}
        self.pack_ref = PackRef(id=self.model.pack, version=self.model.version, digest=pack.digest)

    @property
    def criteria(self) -> list[Criterion]:
        """The active criteria, in pack order."""
        return [c.criterion for c in self._compiled]

    def _period_tokens(self, period: Period) -> frozenset[str]:
        tokens = self._tokens.get(period)
        if tokens is None:
            tokens = self._tokens[period] = period.tokens
        return tokens

    def _exclusions(self, traits: Traits) -> tuple[Outcome | None, ...]:
        """What ``applies_to`` gives each criterion (by position) for organizations of these
        traits: worked out once per kind of organization (a few dozen in a jurisdiction)."""
        skips = self._skips.get(traits)
        if skips is None:
            if len(self._skips) >= _SKIPS_KEPT:
                self._skips.clear()
            skips = self._skips[traits] = tuple(traits.excluded(c) for c in self._compiled)
        return skips

    # -- one organization -------------------------------------------------------------------------
    def evaluate(
        self,
        snapshot: Snapshot | Mapping[str, Any],
        *,
        period: Period | str | None = None,
        as_of: date | None = None,
        children: Sequence[ChildRef] = (),
        child_results: Mapping[str, ChildScore] | None = None,
        waivers: Mapping[str, WaiverLike] | None = None,
    ) -> OrgEvaluation:
        """Evaluate one organization on demand (no ranking).

        ``snapshot`` is a :class:`~pbrules.Snapshot` or a mapping validated as one (an invalid
        one raises :class:`~pbrules.DataError` with the field paths).

        ``period`` defaults to the snapshot's, ``as_of`` to the snapshot's (or the period end).
        ``children`` are its direct subordinates (for supervision criteria); roll-up criteria
        run only when ``child_results`` are given, else they are ``not_applicable``.
        """
        snapshot, the_period, when, kids, child_results = arguments.evaluate_arguments(
            snapshot, period, as_of, children, child_results, waivers
        )
        state = self._pass1(snapshot, the_period, when, kids)
        result, findings, outcomes = self._finish(state, the_period, child_results, kids, waivers)
        return OrgEvaluation(
            result=org_model(result),
            findings=[Finding.model_validate(f) for f in findings],
            outcomes=outcomes,
        )

    # -- a jurisdiction ---------------------------------------------------------------------------
    def run(
        self,
        dataset: Iterable[Snapshot | Rejected] | str | Path,
        *,
        period: Period | str | None = None,
        previous: RunResult | PreviousRanks | None = None,
        jobs: int = 1,
        progress: Progress | None = None,
        waivers: Mapping[str, WaiverLike] | None = None,
        runner: ChunkRunner | None = None,
    ) -> RunResult:
        """Evaluate every organization of ``dataset`` for ``period`` and rank them.

        ``dataset`` is an iterable of snapshots and rejected records, or a dataset path.
        ``period`` defaults to the first snapshot's. ``previous`` is the last period's result (or
        its ranks: :func:`pbrules.result_stream.previous_ranks`), for movement. ``jobs > 1`` runs
        pass 1 in that many processes (same result). ``waivers``
        maps finding fingerprints to active ledger waivers: those findings carry the waiver, and
        when the pack sets ``allow_waivers`` a waived organization-level failure costs no points.
        ``runner`` runs pass 1 of a JSON Lines dataset's chunks elsewhere (a Dask cluster:
        :mod:`pbrules.distributed`); the result is the same.
        """
        arguments.run_arguments(dataset, jobs, previous, self.pack_ref, progress, waivers)
        with fewer_collections():
            return self._run(dataset, period, previous, jobs, progress, waivers, runner)

    def run_to(
        self,
        dataset: Iterable[Snapshot | Rejected] | str | Path,
        out: BinaryIO,
        *,
        format: str = "json",
        period: Period | str | None = None,
        previous: RunResult | PreviousRanks | None = None,
        jobs: int = 1,
        progress: Progress | None = None,
        waivers: Mapping[str, WaiverLike] | None = None,
        runner: ChunkRunner | None = None,
    ) -> RunSummary:
        """Evaluate and rank like :meth:`run`, writing the result to ``out`` as it is made.

        ``format`` is ``json`` (the bytes of ``write_result_json(self.run(...))``) or ``jsonl``
        (those of the ``jsonl`` exporter). No result object is held per organization: each is
        finished where pass 1 evaluates it (a worker with ``jobs > 1``) and spooled to a
        temporary file as JSON (a local pool's workers write files of their own); the parent
        keeps compact rows for ranking (:mod:`pbrules.engine.stream`). Returns the run's counts
        and worst unwaived severity.
        """
        if format not in FORMATS:
            raise UsageError(f"format must be one of {', '.join(FORMATS)}, not {format!r}")
        arguments.run_arguments(dataset, jobs, previous, self.pack_ref, progress, waivers)
        with fewer_collections(), Spool(format) as spool:
            return self._run_to(
                dataset, out, format, spool, period, previous, jobs, progress, waivers, runner
            )

    def _run_to(
        self,
        dataset: Iterable[Snapshot | Rejected] | str | Path,
        out: BinaryIO,
        format: str,
        spool: Spool,
        period: Period | str | None,
        previous: RunResult | PreviousRanks | None,
        jobs: int,
        progress: Progress | None,
        waivers: Mapping[str, WaiverLike] | None,
        runner: ChunkRunner | None,
    ) -> RunSummary:
        label, source = source_of(dataset)
        intake = Intake(label, check_period(period))
        files = None if self.patterns.active else jsonl_files(source)
        lines = format == "jsonl"
        if files is not None:
            done = self._done_chunks(files, intake, jobs, progress, runner, source, waivers, lines)
        else:
            phase(progress, "pass 1")
            done = self._done_items(intake, source, jobs, progress, waivers)
        rows = Rows()
        as_of: date | None = None
        try:
            for item in done:
                rows.put(item.node.id, spool.add(item))
                as_of = item.as_of if as_of is None else max(as_of, item.as_of)
        finally:  # pass 1 failed or was interrupted: its workers stop, their files go, now
            done.close()
        the_period = intake.evaluated_period()
        if intake.relabel:
            name_sources(source, intake.rejected, intake.relabel)
        parents, tree_warnings = effective_parents(intake.nodes)
        kids = children_of(intake.nodes, parents)
        states: dict[str, OrgState] = {}
        phase(progress, "subordinates", len(kids))
        again = counted(_read_again(source, files, intake, kids), progress, len(kids))
        self._again_with_subordinates(states, again, the_period, kids, jobs)
        phase(progress, "pass 2", len(kids))
        self._finish_parents(
            states, bottom_up(parents), kids, the_period, waivers, rows, spool, progress
        )
        spool.ready()
        phase(progress, "ranking")
        table, rankings = rank_columns(rows.columns(), self.model, previous)
        by_id = rows.by_id()
        shell = RunResult.model_validate(
            {
                "pack": self.pack_ref,
                "period": the_period,
                "as_of": as_of or the_period.end,
                "rankings": rankings,
                "rejected": intake.rejected,
                "warnings": [*self._period_warnings(the_period), *tree_warnings],
                "summary": rows.summary(len(intake.rejected)),
            }
        )
        phase(progress, "writing", 2 * len(rows))
        write = write_json if format == "json" else write_jsonl
        ranks = Picked(table.info, by_id)
        write(out, shell, Picked(rows.__getitem__, by_id), ranks, spool, progress)
        if progress is not None:
            progress(2 * len(rows), 2 * len(rows))
        return _run_summary(shell, rows)

    def _done_items(
        self,
        intake: Intake,
        source: Iterable[Snapshot | Rejected],
        jobs: int,
        progress: Progress | None,
        waivers: Mapping[str, WaiverLike] | None,
    ) -> Generator[Done, None, None]:
        """Pass 1 of a dataset read record by record, each organization finished here."""
        for count, state in enumerate(self._pass1_all(intake.accepted(source), jobs), start=1):
            assert intake.period is not None  # set by the first accepted snapshot
            yield self._spooled(state, intake.period, waivers)
            if progress is not None:
                progress(count, None)

    def _done_chunks(
        self,
        files: list[Path],
        intake: Intake,
        jobs: int,
        progress: Progress | None,
        runner: ChunkRunner | None,
        source: object,
        waivers: Mapping[str, WaiverLike] | None,
        lines: bool,
    ) -> Generator[Done | Placed, None, None]:
        """Pass 1 of a JSON Lines dataset read in chunks, each organization finished where it
        is evaluated (in the workers with ``jobs > 1``, which spool its bytes themselves);
        ``lines``: as the ``jsonl`` export's lines."""
        admitted = self._admitted(
            files, intake, jobs, progress, runner, source, waivers or {}, lines
        )
        return (item for item in admitted if isinstance(item, Done | Placed))

    def _admitted(
        self,
        files: list[Path],
        intake: Intake,
        jobs: int,
        progress: Progress | None,
        runner: ChunkRunner | None,
        source: object,
        finish: Mapping[str, WaiverLike] | None,
        lines: bool = False,
    ) -> Iterator[OrgState | Done | Placed | None]:
        """Pass 1 of a JSON Lines dataset read in chunks, here or by workers (same result):
        each record as ``intake`` admits it. With ``finish`` (a streamed run's waivers) each
        organization is finished where it is evaluated (:meth:`pass1_done`, as ``jsonl`` lines
        with ``lines``), and the workers of a local pool spool its bytes themselves
        (:class:`Placed`); without, its pass-1 state comes back (:meth:`pass1_fresh`)."""
        registry = getattr(source, "_registry", None)
        extensions = getattr(registry, "extensions", {})
        payload = engine_payload(Engine, self.pack, self._checkers, extensions, finish, lines)
        pass1 = (
            self.pass1_fresh
            if finish is None
            else partial(self.pass1_done, waivers=finish, lines=lines)
        )
        local = partial(scan_chunk, registry=registry, pass1=pass1)
        spools = finish is not None
        if runner is None and worth_planning_ahead(files):  # planned while pass 1 runs
            ahead = PlanAhead(files)
            phase(progress, "pass 1")
            try:
                scanned = run_chunks(payload, ahead, jobs, local, spools=spools)
                yield from self._scanned(intake, scanned, progress, ahead)
            finally:
                ahead.close()
            return
        chunks = _planned(files, progress)
        total = sum(chunk.lines for chunk in chunks)
        phase(progress, "pass 1", total)
        scanned = run_chunks(payload, chunks, jobs, local, runner, spools)
        yield from self._scanned(intake, scanned, progress, total)

    @staticmethod
    def _scanned(
        intake: Intake,
        chunks: Iterator[list[Scanned]],
        progress: Progress | None,
        total: int | PlanAhead,
    ) -> Iterator[OrgState | Done | Placed | None]:
        """Each record of the scanned ``chunks`` as ``intake`` admits it, with pass 1's progress
        (its total known up front, or once the planner ``total`` is done)."""
        count = 0
        for scanned in chunks:
            for record in scanned:
                yield intake.admit(record)
            count += len(scanned)
            if progress is not None:
                known = total if isinstance(total, int) else total.total
                progress(count if known is None else min(count, known), known)

    def _finish_parents(
        self,
        states: dict[str, OrgState],
        order: list[str],
        kids: Mapping[str, tuple[ChildRef, ...]],
        period: Period,
        waivers: Mapping[str, WaiverLike] | None,
        rows: Rows,
        spool: Spool,
        progress: Progress | None = None,
    ) -> None:
        """Pass 2 of a streamed run: the organizations with subordinates finished again,
        children before parents, from their subordinates' rows; their spooled bytes replaced."""
        for org_id in order:
            own = kids.get(org_id)
            if own is None:
                continue
            if progress is not None:
                progress(len(kids) - len(states), len(kids))
            scores = {ch.id: score for ch in own if (score := child_score(rows.of(ch.id)))}
            state = states.pop(org_id)
            result, findings, _ = self._finish(state, period, scores, own, waivers)
            rows.put(org_id, spool.add(spooled(state.org, state.as_of, result, findings)))

    def _run(
        self,
        dataset: Iterable[Snapshot | Rejected] | str | Path,
        period: Period | str | None,
        previous: RunResult | PreviousRanks | None,
        jobs: int,
        progress: Progress | None,
        waivers: Mapping[str, WaiverLike] | None,
        runner: ChunkRunner | None,
    ) -> RunResult:
        label, source = source_of(dataset)
        intake = Intake(label, check_period(period))
        # The durable pattern backend prepares batches of snapshots: it reads them as before.
        files = None if self.patterns.active else jsonl_files(source)
        if files is not None:
            states = self._first_pass_chunks(files, intake, jobs, progress, runner, source)
        else:
            states = self._first_pass(intake.accepted(source), jobs, progress)
        the_period = intake.evaluated_period()
        if intake.relabel:
            name_sources(source, intake.rejected, intake.relabel)
        parents, tree_warnings = effective_parents(intake.nodes)
        kids = children_of(intake.nodes, parents)
        again = _read_again(source, files, intake, kids)
        self._again_with_subordinates(states, again, the_period, kids, jobs)
        if progress is not None:
            progress(len(states), len(states))
        as_of = max((state.as_of for state in states.values()), default=the_period.end)
        finished = self._second_pass(states, bottom_up(parents), kids, the_period, waivers)
        return self._result(
            finished,
            the_period,
            as_of,
            previous,
            rejected=intake.rejected,
            warnings=[*self._period_warnings(the_period), *tree_warnings],
        )

    def _first_pass(
        self, items: Iterator[Item], jobs: int, progress: Progress | None
    ) -> dict[str, OrgState]:
        """Pass 1: every organization, as if it had no subordinates (most have none)."""
        states: dict[str, OrgState] = {}
        for done, state in enumerate(self._pass1_all(items, jobs), start=1):
            states[state.org.id] = state
            if progress is not None:
                progress(done, None)
        return states

    def _first_pass_chunks(
        self,
        files: list[Path],
        intake: Intake,
        jobs: int,
        progress: Progress | None,
        runner: ChunkRunner | None,
        source: object,
    ) -> dict[str, OrgState]:
        """Pass 1 of a JSON Lines dataset read in chunks, here or by workers (same result)."""
        admitted = self._admitted(files, intake, jobs, progress, runner, source, None)
        return {item.org.id: item for item in admitted if isinstance(item, OrgState)}

    def pass1_fresh(self, snapshot: Snapshot, period: Period) -> OrgState:
        """Pass 1 of one snapshot as read (no subordinates known yet)."""
        return self._pass1(snapshot, period, snapshot.as_of or period.end, ())

    def pass1_done(
        self,
        snapshot: Snapshot,
        period: Period,
        waivers: Mapping[str, WaiverLike] | None = None,
        lines: bool = False,
    ) -> Done:
        """Pass 1 of one snapshot as read, finished at once as if it had no subordinates and
        serialized (a streamed run: :mod:`pbrules.engine.stream`); ``lines``: as the ``jsonl``
        export's lines (:func:`pbrules.engine.stream.as_lines`)."""
        done = self._spooled(self.pass1_fresh(snapshot, period), period, waivers)
        return as_lines(done) if lines else done

    def _spooled(
        self, state: OrgState, period: Period, waivers: Mapping[str, WaiverLike] | None
    ) -> Done:
        result, findings, _ = self._finish(state, period, {}, (), waivers)
        return spooled(state.org, state.as_of, result, findings)

    def _pass1_all(self, items: Iterator[Item], jobs: int) -> Iterator[OrgState]:
        if self.patterns.active:  # durable-rules: batches of organizations, in its own workers
            return self._pass1_batched(items)
        if jobs > 1:
            pooled = parallel_pass1(Engine, self.pack, self._checkers, items, jobs)
            if pooled is not None:
                return pooled
        return (self._pass1(snap, period, when, kids) for snap, period, when, kids in items)

    def _pass1_batched(self, items: Iterator[Item]) -> Iterator[OrgState]:
        """Pass 1 with the pattern criteria prepared a chunk of organizations at a time."""
        for chunk in chunked(items, self.patterns.chunk):
            pre = self.patterns.prepare([(s, p, w) for s, p, w, _ in chunk])
            for (snap, period, when, kids), outcomes in zip(chunk, pre, strict=True):
                yield self._pass1(snap, period, when, kids, outcomes)

    def _again_with_subordinates(
        self,
        states: dict[str, OrgState],
        snapshots: Iterator[Snapshot],
        period: Period,
        kids: Mapping[str, tuple[ChildRef, ...]],
        jobs: int = 1,
    ) -> None:
        """Pass 1 again for the organizations that have subordinates, now that they are known
        (in ``jobs`` processes when there are enough of them to pay for starting a pool)."""
        items = (
            (snap, period, snap.as_of or period.end, kids[snap.organization.id])
            for snap in snapshots
        )
        pooled = jobs if len(kids) >= _POOLED_AGAIN else 1
        for state in self._pass1_all(items, pooled):
            states[state.org.id] = state

    def _period_warnings(self, period: Period) -> list[RunWarning]:
        if period.kind.value == self.model.period.value:
            return []
        return [
            RunWarning(
                message=f"the pack is written for {self.model.period.value} periods; "
                f"evaluating {period}"
            )
        ]

    def _second_pass(
        self,
        states: dict[str, OrgState],
        order: list[str],
        kids: Mapping[str, tuple[ChildRef, ...]],
        period: Period,
        waivers: Mapping[str, WaiverLike] | None,
    ) -> dict[str, _Finished]:
        """Pass 2: roll-ups and scores, children before parents (``order``)."""
        finals: dict[str, ChildScore] = {}
        finished: dict[str, _Finished] = {}
        for org_id in order:
            own = kids.get(org_id, ())
            child_results = {ch.id: finals[ch.id] for ch in own if ch.id in finals}
            finished[org_id] = self._finish(states.pop(org_id), period, child_results, own, waivers)
            result = finished[org_id][0]
            if result["total"] is None:  # an unscored organization has no score to roll up
                continue
            finals[org_id] = ChildScore(
                id=org_id,
                base_total=result["base_total"],
                total=result["total"],
                grade=result["grade"],
                complete=result["complete"],
            )
        return finished

    def _result(
        self,
        finished: dict[str, _Finished],
        period: Period,
        as_of: date,
        previous: RunResult | PreviousRanks | None,
        *,
        rejected: list[Rejected],
        warnings: list[RunWarning],
    ) -> RunResult:
        """The run's result document: organizations ranked, findings in org id order.

        ``finished`` is emptied as it is read, and each organization's and finding's dict is
        replaced by its validated model as soon as it is ranked, so the dicts and the models of
        the whole run are never held at once.
        """
        facts = _tie_facts(finished)  # read before the dicts are freed below
        ordered: list[Any] = []
        all_findings: list[Any] = []
        for key in sorted(finished):
            result, findings, _ = finished.pop(key)
            ordered.append(result)
            all_findings.extend(findings)
        rankings = self._rank(ordered, previous, facts)
        summary = {
            "evaluated": len(ordered),
            "rejected": len(rejected),
            "findings": len(all_findings),
            "incomplete": sum(1 for o in ordered if not o["complete"]),
            "waived": sum(1 for f in all_findings if f.get("waiver") is not None),
        }
        _validate_in_place(ordered, org_model)
        _validate_in_place(all_findings, Finding.model_validate)
        return RunResult.model_validate(
            {
                "pack": self.pack_ref,
                "period": period,
                "as_of": as_of,
                "organizations": ordered,
                "findings": all_findings,
                "rankings": rankings,
                "rejected": rejected,
                "warnings": warnings,
                "summary": summary,
            }
        )

    def _rank(
        self,
        ordered: list[dict[str, Any]],
        previous: RunResult | PreviousRanks | None,
        facts: Mapping[str, TieFacts] | None = None,
    ) -> dict[str, GroupRanking]:
        """Fill each organization's rank and movement in place; the group rankings."""
        rows = [_Row(o["org_id"], o["total"], o["group"]) for o in ordered]
        info, rankings = rank_organizations(rows, self.model, previous, facts)
        for o in ordered:
            rank = info[o["org_id"]]
            o["rank"] = rank.rank
            o["group_size"] = rank.group_size
            o["previous_rank"] = rank.previous_rank
            o["rank_change"] = rank.rank_change
            o["movement"] = rank.movement
            o["previous_total"] = rank.previous_total
            o["total_change"] = rank.total_change
        return rankings

    # -- pass 1 -----------------------------------------------------------------------------------
    def _pass1(
        self,
        snapshot: Snapshot,
        period: Period,
        as_of: date,
        children: tuple[ChildRef, ...],
        pre: Mapping[int, Outcome] | None = None,
    ) -> OrgState:
        """One organization's ``record`` and ``composite`` outcomes; which roll-ups apply.

        ``pre``: outcomes already computed by position (pattern criteria of the durable
        backend), used in place of running their checkers."""
        if pre is None and self.patterns.active:
            pre = self.patterns.prepare([(snapshot, period, as_of)])[0]
        index = build_index(snapshot, period, as_of)
        traits = Traits.of(snapshot, index, children, period, self._period_tokens(period))
        outcomes: list[Outcome | None] = [None] * len(self._compiled)
        by_id: dict[str, Outcome] = {}
        ctx = CheckContext(
            period=period, as_of=as_of, index=index, children=children, outcomes=by_id
        )
        rollups: list[int] = []
        skips = self._exclusions(traits)
        with CheckerGuard() as guard:  # SystemExit, malformed outcomes, the time budget
            for c in self._phase1:
                outcome = skips[c.pos]
                if outcome is None and pre is None:  # the common case, without _outcome's frame
                    outcome = guard.evaluate(c, snapshot, ctx)
                elif outcome is None:
                    outcome = _outcome(guard, c, snapshot, ctx, pre)
                outcomes[c.pos] = by_id[c.id] = outcome
            for c in self._rollup:
                outcomes[c.pos] = skips[c.pos] or guard.attempt(
                    c.check, applicability, c, snapshot
                )
                if outcomes[c.pos] is None:
                    rollups.append(c.pos)
        return OrgState(
            org=snapshot.organization,
            as_of=as_of,
            outcomes=outcomes,
            rollups=tuple(rollups),
            holders=committee_holders(index.current_committee),
        )

    # -- pass 2 and results -----------------------------------------------------------------------
    def _finish(
        self,
        state: OrgState,
        period: Period,
        child_results: Mapping[str, ChildScore] | None,
        children: tuple[ChildRef, ...],
        waivers: Mapping[str, WaiverLike] | None = None,
    ) -> _Finished:
        """Roll-ups, points, scores and findings of one organization, as plain dicts that
        :class:`OrgResult` / :class:`Finding` validate from (validated in bulk by callers)."""
        self._roll_up(state, period, child_results, children)
        tally = Tally()  # points summed per area as each criterion is finished
        tagged: list[tuple[str, CriterionPoints, frozenset[str]]] = []  # a pack with tiers only
        criteria: list[dict[str, Any]] = []
        findings: list[dict[str, Any]] = []
        by_id: dict[str, Outcome] = {}
        complete = True
        records = self._records  # each distinct criterion record made once
        tiers = bool(self._tiers)
        for c, found in zip(self._compiled, state.outcomes, strict=True):  # outcomes by pos
            outcome = by_id[c.id] = found or _NA
            status = outcome.status
            if status is _NOT_APPLICABLE:  # no points and nothing to add (DESIGN §5)
                pts = NOT_COUNTED
                criteria.append(records.not_applicable(c.id, outcome))
            else:
                if status is _ERROR:
                    complete = False
                if waivers:
                    pts = self._points(c, outcome, state.org, waivers)
                    record = records.record(c.id, outcome, pts)
                else:  # points and record found again by the outcome's values
                    pts, record = records.scored(c, outcome)
                tally.add(c.area, pts)
                criteria.append(record)
            if tiers:
                tagged.append((c.area, pts, c.tags))
            # findings: a failure (but an unearned bonus) or subject items (engine/findings.py)
            if (status is _FAIL and c.mode != "bonus") or outcome.items:
                findings.extend(self._findings(c, outcome, pts, state, period))
        if waivers:
            _attach_waivers(findings, waivers)
        return self._org_result(state.org, tally, tagged, criteria, complete), findings, by_id

    def _roll_up(
        self,
        state: OrgState,
        period: Period,
        child_results: Mapping[str, ChildScore] | None,
        children: tuple[ChildRef, ...],
    ) -> None:
        """The roll-up outcomes, from the subordinates' results (``not_applicable`` without)."""
        if not state.rollups:
            return
        if child_results is None:
            for pos in state.rollups:
                state.outcomes[pos] = _NA_ROLLUP
            return
        header = Snapshot.model_construct(period=period, as_of=state.as_of, organization=state.org)
        done = {
            self._compiled[i].criterion.id: o for i, o in enumerate(state.outcomes) if o is not None
        }
        ctx = CheckContext(
            period=period,
            as_of=state.as_of,
            index=build_index(header, period, state.as_of),
            children=children,
            outcomes=done,
            child_results=child_results,
        )
        with CheckerGuard() as guard:
            for pos in state.rollups:
                c = self._compiled[pos]
                outcome = guard.call(c.criterion.check, run_check, c, header, ctx)
                state.outcomes[pos] = done[c.criterion.id] = outcome

    def _points(
        self,
        c: Compiled,
        outcome: Outcome,
        org: Organization,
        waivers: Mapping[str, WaiverLike] | None,
    ) -> CriterionPoints:
        if (
            waivers
            and outcome.status is Status.FAIL
            and self.model.allow_waivers
            and fingerprint(self.model.pack, c.criterion.id, org.id) in waivers
        ):
            # A waived organization-level failure costs no points (the pack allows it).
            return criterion_points(c.mode, Status.PASS, c.points, compliance=1.0, misses=0)
        return outcome_points(c, outcome)

    def _findings(
        self,
        c: Compiled,
        outcome: Outcome,
        pts: CriterionPoints,
        state: OrgState,
        period: Period,
    ) -> list[dict[str, Any]]:
        return finding_records(
            pack_id=self.model.pack,
            criterion=c.criterion,
            org=state.org,
            period=period,
            as_of=state.as_of,
            outcome=outcome,
            earned=pts.earned,
            maximum=pts.max,
            mode=c.mode,
            holders=state.holders,
            one_per_problem=self._one_per_problem,
            zh=self._zh,
        )

    def _org_result(
        self,
        org: Organization,
        tally: Tally,
        tagged: list[tuple[str, CriterionPoints, frozenset[str]]],
        criteria: list[dict[str, Any]],
        complete: bool,
    ) -> dict[str, Any]:
        score = tally.score(
            self._weights,
            self._bands,
            bonus_cap=self.model.bonus_cap,
            veto_grade=self.model.veto_grade,
            pools=self._pools,
        )
        kind = org.kind._value_  # _value_: without the value property's descriptor call
        category = org.category._value_ if org.category is not None else None
        return {
            "org_id": org.id,
            "name": org.name,
            "kind": kind,
            "parent_id": org.parent_id,
            "group": self._group(kind, category, org.parent_id, org.group),
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

    def _group(
        self, kind: str, category: str | None, parent_id: str | None, override: str | None
    ) -> str | None:
        """The organization's peer group: it depends on these four facts only, so it is worked
        out once per combination (at most :data:`_GROUPS_KEPT` kept, then started afresh)."""
        key = (kind, category, parent_id, override)
        try:
            return self._groups[key]
        except KeyError:  # not worked out yet (a group may be None, so no .get())
            pass
        if len(self._groups) >= _GROUPS_KEPT:
            self._groups.clear()
        group = self._groups[key] = assign_group(
            self.model.groups, kind=kind, category=category, parent_id=parent_id, override=override
        )
        return group


def _outcome(
    guard: CheckerGuard,
    c: Compiled,
    snapshot: Snapshot,
    ctx: CheckContext,
    pre: Mapping[int, Outcome] | None,
) -> Outcome:
    """One selected criterion's outcome: ``not_applicable`` when its checker does not apply,
    else the outcome prepared for it in ``pre`` or its checker's, in one guarded call."""
    prepared = pre.get(c.pos) if pre is not None else None
    if prepared is not None:
        return guard.attempt(c.check, applicability, c, snapshot) or prepared
    return guard.evaluate(c, snapshot, ctx)


def _planned(files: list[Path], progress: Progress | None) -> list[Chunk]:
    """The files cut into chunks; a phase of its own (``counting lines``), since finding the
    line ends of a big dataset takes a while (about 30 s for 19 GB). Only a reporter that
    tells phases apart (has ``phase``) hears the count, so a plain callable only ever sees
    pass 1 with its total."""
    tell = progress if callable(getattr(progress, "phase", None)) else None
    phase(tell, "counting lines")
    chunks: list[Chunk] = []
    lines = 0
    for chunk in plan_chunks(files):
        chunks.append(chunk)
        lines += chunk.lines
        if tell is not None:
            tell(lines, None)
    return chunks


def _read_again(
    source: Iterable[Snapshot | Rejected],
    files: list[Path] | None,
    intake: Intake,
    kids: Mapping[str, tuple[ChildRef, ...]],
) -> Iterator[Snapshot]:
    """The snapshots of the organizations that have subordinates, read again."""
    if files is not None:
        places = sorted(intake.places[org_id] for org_id in kids)
        return (read_at(files, place) for place in places)
    return reread(source, {intake.positions[org_id]: org_id for org_id in kids})


def _run_summary(shell: RunResult, rows: Rows) -> RunSummary:
    s = shell.summary
    return RunSummary(
        period=shell.period,
        evaluated=s.evaluated,
        rejected=s.rejected,
        findings=s.findings,
        incomplete=s.incomplete,
        waived=s.waived,
        worst_unwaived=max(rows.worst, default=0),
    )


def _tie_facts(finished: Mapping[str, _Finished]) -> dict[str, TieFacts]:
    """What ``ranking.tie_break`` reads per organization: its findings and base total."""
    return {
        org_id: TieFacts(
            critical=sum(1 for f in found if f["severity"] == "critical"),
            findings=len(found),
            base_total=result["base_total"],
        )
        for org_id, (result, found, _outcomes) in finished.items()
    }


def _validate_in_place(items: list[Any], validate: Callable[[Any], OrgResult | Finding]) -> None:
    """Each dict of ``items`` replaced by its validated model (the dict is freed at once)."""
    for i, item in enumerate(items):
        items[i] = validate(item)


def _attach_waivers(findings: list[dict[str, Any]], waivers: Mapping[str, WaiverLike]) -> None:
    for record in findings:
        waiver = waivers.get(record["fingerprint"])
        if waiver is not None:
            record["waiver"] = {
                "reason": waiver.reason,
                "owner": waiver.owner,
                "until": waiver.until,
            }

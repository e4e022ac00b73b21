"""Checkers over other results: composites of the same organization, roll-ups of subordinates."""

from __future__ import annotations

from pydantic import Field

from pbrules.checker import CheckContext, Checker, Note, Params, listing
from pbrules.model.outcome import Outcome, Status
from pbrules.model.snapshot import MeetingType, Snapshot

__all__ = ["CHECKERS", "Composite", "RollupSubordinates"]

TRIGGERED = Note("composite.triggered", "triggered: {criteria}", "触发项：{criteria}")
NO_SCORED = Note("rollup.no_scored", "no scored subordinates", "无参与评分的下级组织")
MEAN = Note(
    "rollup.mean",
    "mean base total {mean:.1f} of {count} subordinates",
    "{count}个下级组织基础得分平均{mean:.1f}分",
)


#: the outcome when nothing triggers: the same for every organization, made once
_PASSED = Outcome(Status.PASS, compliance=1.0, misses=0, actual=0, expected=0, evidence=(), note="")


class CompositeParams(Params):
    any_failed: list[str] = Field(
        default_factory=list,
        description="Criterion ids; the composite fails when any of them failed for the "
        "organization (not_applicable and error do not trigger).",
    )
    no_meetings: bool = Field(
        default=False,
        description="Also fail when no meeting (of meeting_types) was held in the period.",
    )
    meeting_types: list[MeetingType] | None = Field(
        default=None, description="Meeting types that count for no_meetings; null: any."
    )
    weak_lax_with_overdue: bool = Field(
        default=False,
        description="Also fail when the organization is designated weak_lax and has an overdue "
        "rectification item (due before as_of, not closed).",
    )


class Composite(Checker[CompositeParams]):
    """Fails when any trigger holds: a listed criterion failed, or an extra condition holds.

    Runs after every record criterion of the organization (phase ``composite``) and reads their
    outcomes. Triggers: each id of ``any_failed`` whose outcome is ``fail``; with
    ``no_meetings``, no meeting held in the period (up to ``as_of``); with
    ``weak_lax_with_overdue``, a designated weak-and-lax organization with an overdue
    rectification item. One miss per trigger; the evidence names them (criterion ids,
    ``no-meetings``, ``weak-lax-overdue:R1``). Compliance is 1 when nothing triggers, else 0.

    Monotone: a listed criterion passing instead of failing, holding a meeting, or closing a
    rectification item never turns a pass into a fail.

    Example::

        check: composite
        scoring: {mode: veto}
        params: {any_failed: [T02, D07], no_meetings: true, weak_lax_with_overdue: true}
    """

    name = "composite"
    Params = CompositeParams
    notes = (TRIGGERED,)
    phase = "composite"

    def references(self, params: CompositeParams) -> tuple[str, ...]:
        return tuple(params.any_failed)

    def check(self, snapshot: Snapshot, params: CompositeParams, ctx: CheckContext) -> Outcome:
        triggers: list[str] = []
        for cid in params.any_failed:
            outcome = ctx.outcomes.get(cid)
            if outcome is not None and outcome.status is Status.FAIL:
                triggers.append(cid)
        if params.no_meetings:
            if params.meeting_types is None:
                held = bool(ctx.index.all_meetings_in_period)
            else:
                held = any(ctx.index.meetings_in_period.get(t.value) for t in params.meeting_types)
            if not held:
                triggers.append("no-meetings")
        if params.weak_lax_with_overdue and snapshot.organization.weak_lax:
            overdue = [r.id for r in ctx.index.rectifications_opened if r.is_overdue(ctx.as_of)]
            triggers.extend(f"weak-lax-overdue:{rid}" for rid in overdue)
        if not triggers:
            return _PASSED
        return Outcome(
            Status.FAIL if triggers else Status.PASS,
            compliance=0.0 if triggers else 1.0,
            misses=len(triggers),
            actual=len(triggers),
            expected=0,
            evidence=tuple(triggers),
            note=TRIGGERED(criteria=listing(triggers)) if triggers else "",
        )


class RollupParams(Params):
    pass_at: float = Field(
        default=60, ge=0, le=100, description="Mean base total of the subordinates needed to pass."
    )
    include_incomplete: bool = Field(
        default=True, description="Count subordinates whose evaluation is incomplete."
    )


class RollupSubordinates(Checker[RollupParams]):
    """The direct subordinates' results: mean base total / 100 as compliance.

    Runs in the roll-up pass (phase ``rollup``), after every subordinate, from their pass-1
    scores (``ctx.child_results``). Passes when the mean base total reaches ``pass_at``. The
    evidence names the subordinates below ``pass_at``. Not applicable without scored
    subordinates.

    Monotone: a subordinate's base total rising never lowers compliance.

    Example::

        check: rollup.subordinates
        scoring: {mode: proportional}
        params: {pass_at: 60}
    """

    name = "rollup.subordinates"
    Params = RollupParams
    notes = (NO_SCORED, MEAN)
    phase = "rollup"

    def check(self, snapshot: Snapshot, params: RollupParams, ctx: CheckContext) -> Outcome:
        scores = sorted(
            (c for c in ctx.child_results.values() if params.include_incomplete or c.complete),
            key=lambda c: c.id,
        )
        if not scores:
            return Outcome.not_applicable(NO_SCORED())
        mean = sum(c.base_total for c in scores) / len(scores)
        low = tuple(c.id for c in scores if c.base_total < params.pass_at)
        ok = mean >= params.pass_at
        return Outcome(
            Status.PASS if ok else Status.FAIL,
            compliance=max(0.0, min(1.0, mean / 100)),
            misses=0 if ok else len(low),
            actual=round(mean, 2),
            expected=params.pass_at,
            evidence=low,
            note="" if ok else MEAN(mean=mean, count=len(scores)),
        )


CHECKERS = (Composite(), RollupSubordinates())

"""Supervision of subordinates (督查/暗访): coverage of visits, unannounced visits."""

from __future__ import annotations

from functools import cached_property

from pydantic import Field

from pbrules.builtin.checkers._common import subject
from pbrules.checker import CheckContext, Checker, Note, Params, listing, terms
from pbrules.model.outcome import Outcome, SubjectItem
from pbrules.model.snapshot import OrgKind, Snapshot, VisitMode

__all__ = ["CHECKERS", "SupervisionCoverage", "SupervisionVisits"]

NO_SUBORDINATES = Note("supervision.no_subordinates", "no direct subordinates", "无直属下级组织")
NOT_VISITED = Note("supervision.not_visited", "not visited: {orgs}", "未走访：{orgs}")
NOT_VISITED_ONE = Note(
    "supervision.not_visited_one", "{org} was not visited in the period", "本期未走访{org}"
)
VISITS = Note("supervision.visits", "{count} {modes} visit(s)", "{modes}走访{count}次")


class CoverageParams(Params):
    modes: list[VisitMode] | None = Field(
        default=None, description="Visit modes that count; null: any."
    )
    child_kinds: list[OrgKind] | None = Field(
        default=None, description="Kinds of subordinates that must be visited; null: all."
    )
    target: float = Field(default=1.0, gt=0, le=1, description="Share that must be visited.")
    per_subordinate_findings: bool = Field(
        default=False, description="Make each subordinate not visited its own finding."
    )


class SupervisionCoverage(Checker[CoverageParams]):
    """Direct subordinates visited in the period: visited / subordinates, against ``target``.

    The subordinates come from the dataset's organization tree (``ctx.children``), so the
    organization is judged on every subordinate, not only on those its visits name. A
    subordinate counts when a visit (of ``modes``) targets it in the period, up to ``as_of``.
    One miss per subordinate not visited (its id in the evidence; its own finding with
    ``per_subordinate_findings``). Not applicable without direct subordinates (of ``child_kinds``).

    Monotone: adding a visit never lowers compliance.

    Example::

        check: supervision.coverage
        params: {target: 1.0}
    """

    name = "supervision.coverage"
    Params = CoverageParams
    notes = (NO_SUBORDINATES, NOT_VISITED, NOT_VISITED_ONE)

    def check(self, snapshot: Snapshot, params: CoverageParams, ctx: CheckContext) -> Outcome:
        kinds = {k.value for k in params.child_kinds} if params.child_kinds else None
        children = sorted(c.id for c in ctx.children if kinds is None or c.kind in kinds)
        if not children:
            return Outcome.not_applicable(NO_SUBORDINATES())
        modes = set(params.modes) if params.modes is not None else None
        by_target = ctx.index.visits_in_period_by_target
        missed = [
            c
            for c in children
            if not any(modes is None or v.mode in modes for v in by_target.get(c, ()))
        ]
        items: tuple[SubjectItem, ...] = ()
        if params.per_subordinate_findings:
            items = tuple(
                SubjectItem(
                    subject=subject("organization", c),
                    message=NOT_VISITED_ONE(org=c),
                    evidence=(c,),
                )
                for c in missed
            )
        return Outcome.ratio(
            len(children) - len(missed),
            len(children),
            target=params.target,
            evidence=tuple(missed),
            items=items,
            note=NOT_VISITED(orgs=listing(missed)) if missed else "",
        )


class VisitsParams(Params):
    modes: list[VisitMode] = Field(
        default_factory=lambda: [VisitMode.UNANNOUNCED], description="Visit modes that count."
    )
    min: int = Field(default=1, ge=1, description="Visits required in the period.")

    @cached_property
    def mode_set(self) -> frozenset[VisitMode]:
        """``modes`` as a set, made once per criterion."""
        return frozenset(self.modes)


class SupervisionVisits(Checker[VisitsParams]):
    """At least ``min`` visits of the given ``modes`` made in the period (up to ``as_of``).

    Compliance is ``count / min`` capped at 1; the misses are the visits short of ``min``.
    Evidence: the visits counted.

    Monotone: adding a visit of a counted mode never lowers compliance.

    Example::

        check: supervision.visits
        params: {modes: [unannounced], min: 1}
    """

    name = "supervision.visits"
    Params = VisitsParams
    notes = (VISITS,)

    def check(self, snapshot: Snapshot, params: VisitsParams, ctx: CheckContext) -> Outcome:
        modes = params.mode_set
        found = sorted(v.id for v in ctx.index.visits_in_period if v.mode in modes)
        if len(found) >= params.min:  # the note is worded only for a failure
            return Outcome.at_least(tuple(found), params.min)
        shown = terms(sorted(modes), sep="/")
        return Outcome.at_least(
            tuple(found), params.min, short_note=VISITS(count=len(found), modes=shown)
        )


CHECKERS = (SupervisionCoverage(), SupervisionVisits())

"""The organization's own problem ledger (问题台账): overdue items, complete entries."""

from __future__ import annotations

from functools import cached_property
from typing import Literal

from pydantic import Field

from pbrules.builtin.checkers._common import subject
from pbrules.checker import CheckContext, Checker, Note, Params, listing
from pbrules.model.outcome import Outcome, SubjectItem
from pbrules.model.snapshot import RectificationStatus, Snapshot

__all__ = ["CHECKERS", "RectificationLedger", "RectificationOverdue"]

OVERDUE = Note("rectification.overdue", "overdue: {items}", "逾期未整改：{items}")
WAS_DUE = Note("rectification.was_due", "{item} was due {due}", "{item}应于{due}前完成整改")
WAS_DUE_FOR = Note(
    "rectification.was_due_for",
    "{item} ({criterion}) was due {due}",
    "{item}（{criterion}）应于{due}前完成整改",
)
INCOMPLETE = Note("rectification.incomplete", "incomplete: {items}", "整改台账不完整：{items}")


class OverdueParams(Params):
    done_statuses: list[RectificationStatus] = Field(
        default_factory=lambda: [RectificationStatus.CLOSED],
        description="Statuses that end an item (closed; add rectified to accept unverified).",
    )
    criteria: list[str] | None = Field(
        default=None, description="Only items about these criterion ids; null: all."
    )
    per_item_findings: bool = Field(
        default=True, description="Make each overdue item its own finding."
    )

    @cached_property
    def scope(self) -> frozenset[str] | None:
        """``criteria`` as a set (``None``: all), made once per criterion."""
        return frozenset(self.criteria) if self.criteria is not None else None

    @cached_property
    def done(self) -> frozenset[RectificationStatus]:
        """``done_statuses`` as a set, made once per criterion."""
        return frozenset(self.done_statuses)


class RectificationOverdue(Checker[OverdueParams]):
    """Rectification items past their ``due_on`` and not closed.

    An item opened by ``as_of`` is overdue when ``due_on < as_of`` and it is not done: no
    ``closed_on`` on or before ``as_of`` and, without ``closed_on``, a status outside
    ``done_statuses``. One miss per overdue item, each its own finding (subject
    ``rectification``) with ``per_item_findings``. Compliance is the share of items not overdue.
    Not applicable without items.

    Monotone: adding an item that is not overdue, or closing an item, never lowers compliance
    and never adds a finding.

    Example::

        check: rectification.overdue
        params: {done_statuses: [closed]}
    """

    name = "rectification.overdue"
    Params = OverdueParams
    notes = (OVERDUE, WAS_DUE, WAS_DUE_FOR)

    def check(self, snapshot: Snapshot, params: OverdueParams, ctx: CheckContext) -> Outcome:
        scope = params.scope
        items_ = [
            r
            for r in ctx.index.rectifications_opened
            if scope is None or (r.criterion is not None and r.criterion in scope)
        ]
        done = params.done
        overdue = [r for r in items_ if r.is_overdue(ctx.as_of, done)]
        findings: tuple[SubjectItem, ...] = ()
        if params.per_item_findings:
            findings = tuple(
                SubjectItem(
                    subject=subject("rectification", r.id),
                    message=WAS_DUE_FOR(item=r.id, criterion=r.criterion, due=r.due_on)
                    if r.criterion
                    else WAS_DUE(item=r.id, due=r.due_on),
                    evidence=(r.id,),
                )
                for r in overdue
            )
        return Outcome.ratio(
            len(items_) - len(overdue),
            len(items_),
            evidence=tuple(r.id for r in overdue),
            items=findings,
            note=OVERDUE(items=listing(r.id for r in overdue)) if overdue else "",
        )


LedgerField = Literal["responsible", "due_on", "description", "criterion"]


class LedgerParams(Params):
    require: list[LedgerField] = Field(
        default_factory=lambda: list[LedgerField](["responsible", "due_on"]),
        description="Fields every item must have: responsible, due_on, description, criterion.",
    )
    include_closed: bool = Field(
        default=True, description="Also check items already closed before the period."
    )


class RectificationLedger(Checker[LedgerParams]):
    """The problem ledger is complete: every item names a responsible and a due date.

    Items opened by ``as_of`` (without ``include_closed``, those closed before the period start
    are left out) must have every field of ``require`` (non-empty). Compliance is the share of
    complete items; one miss per incomplete item (its id in the evidence). Not applicable without
    items.

    Monotone: adding a complete item, or filling a field, never lowers compliance.

    Example::

        check: rectification.ledger
        params: {require: [responsible, due_on]}
    """

    name = "rectification.ledger"
    Params = LedgerParams
    notes = (INCOMPLETE,)

    def check(self, snapshot: Snapshot, params: LedgerParams, ctx: CheckContext) -> Outcome:
        items_ = [
            r
            for r in ctx.index.rectifications_opened
            if params.include_closed or r.closed_on is None or r.closed_on >= ctx.period.start
        ]
        incomplete = [
            r.id for r in items_ if any(getattr(r, f) in (None, "") for f in params.require)
        ]
        return Outcome.ratio(
            len(items_) - len(incomplete),
            len(items_),
            evidence=tuple(incomplete),
            note=INCOMPLETE(items=listing(incomplete)) if incomplete else "",
        )


CHECKERS = (RectificationOverdue(), RectificationLedger())

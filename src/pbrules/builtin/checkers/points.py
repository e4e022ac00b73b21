"""Points management (积分管理)."""

from __future__ import annotations

import operator
from functools import cached_property

from pydantic import Field

from pbrules.builtin.checkers._common import subject
from pbrules.checker import CheckContext, Checker, Note, Params, join_notes, listing
from pbrules.model.outcome import Outcome, Status, SubjectItem
from pbrules.model.snapshot import Member, MemberStatus, Snapshot

__all__ = ["CHECKERS", "PointsRecorded"]

NO_MEMBERS = Note("points.no_members", "no current members", "无在册党员")
UNRECORDED = Note("points.unrecorded", "no points recorded for {members}", "未记录积分：{members}")
LOW = Note(
    "points.low",
    "{member} has {points:g} points (< {threshold:g})",
    "{member}积分{points:g}分（低于{threshold:g}分）",
)
UNDER = Note(
    "points.under",
    "{count} member(s) under {threshold:g} points",
    "{count}名党员积分低于{threshold:g}分",
)


_ID = operator.attrgetter("id")


class PointsParams(Params):
    threshold: float | None = Field(
        default=60,
        ge=0,
        description="Points below this make a per-member finding; null: only recording counts.",
    )
    statuses: list[MemberStatus] = Field(
        default_factory=lambda: [MemberStatus.FULL, MemberStatus.PROBATIONARY],
        description="Member statuses counted.",
    )

    @cached_property
    def status_set(self) -> frozenset[MemberStatus]:
        """``statuses`` as a set, made once per criterion."""
        return frozenset(self.statuses)


class PointsRecorded(Checker[PointsParams]):
    """Every current member has points recorded; members under ``threshold`` are findings.

    Counts current members (joined and not left by ``as_of``) of the given statuses. Compliance is
    the share with points recorded; each member without points is a miss (evidence). A member
    with points under ``threshold`` is a per-member finding (also in the evidence) but neither a
    miss nor lowers compliance, so a criterion can pass with such findings. Not applicable
    without such members.

    Monotone: adding a member with points recorded, or recording a member's points, never lowers
    compliance; adding a member at or above the threshold, or raising a member's points, never
    adds a finding.

    Example::

        check: points.recorded
        params: {threshold: 60}
    """

    name = "points.recorded"
    Params = PointsParams
    notes = (NO_MEMBERS, UNRECORDED, UNDER, LOW)

    def check(self, snapshot: Snapshot, params: PointsParams, ctx: CheckContext) -> Outcome:
        statuses = params.status_set
        members = [m for m in ctx.index.current_members if m.status in statuses]
        if not members:
            return Outcome.not_applicable(NO_MEMBERS())
        threshold = params.threshold
        # the members without points and those under the threshold are picked first; only
        # those few are put in id order (a stable sort: the order sorting everybody first gives)
        unrecorded = sorted((m for m in members if m.points is None), key=_ID)
        low: list[Member] = []
        if threshold is not None:
            low = sorted(
                (m for m in members if m.points is not None and m.points < threshold), key=_ID
            )
        items = [
            SubjectItem(
                subject=subject("member", m.id),
                message=LOW(member=m.id, points=m.points, threshold=threshold),
                evidence=(m.id,),
            )
            for m in low
        ]
        unrecorded_ids = [m.id for m in unrecorded]
        misses = len(unrecorded)
        note = join_notes(
            (
                UNRECORDED(members=listing(unrecorded_ids)) if unrecorded else "",
                UNDER(count=len(items), threshold=params.threshold) if items else "",
            )
        )
        return Outcome(
            Status.PASS if misses == 0 else Status.FAIL,
            compliance=(len(members) - misses) / len(members),
            misses=misses,
            actual=len(members) - misses,
            expected=len(members),
            evidence=tuple(unrecorded_ids) + tuple(m.id for m in low),
            items=tuple(items),
            note=note,
        )


CHECKERS = (PointsRecorded(),)

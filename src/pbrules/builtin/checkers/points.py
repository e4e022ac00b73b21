"""Points management (积分管理)."""

from __future__ import annotations

from pydantic import Field

from pbrules.builtin.checkers._common import subject
from pbrules.checker import CheckContext, Checker, Params
from pbrules.model.outcome import Outcome, Status, SubjectItem
from pbrules.model.snapshot import MemberStatus, Snapshot

__all__ = ["CHECKERS", "PointsRecorded"]


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


class PointsRecorded(Checker[PointsParams]):
    """Every current member has points recorded, and none is under ``threshold``.

    Counts current members (not left by ``as_of``) of the given statuses. Compliance is the share
    with points recorded and at least ``threshold``; one miss per member without points
    (evidence) and one per member under the threshold, each of those also a per-member finding.
    Not applicable without such members.

    Monotone: adding a member with points at or above the threshold, or raising a member's
    points, never lowers compliance and never adds a finding.

    Example::

        check: points.recorded
        params: {threshold: 60}
    """

    name = "points.recorded"
    Params = PointsParams

    def check(self, snapshot: Snapshot, params: PointsParams, ctx: CheckContext) -> Outcome:
        statuses = set(params.statuses)
        members = sorted(
            (m for m in ctx.index.current_members if m.status in statuses), key=lambda m: m.id
        )
        if not members:
            return Outcome.not_applicable("no current members")
        unrecorded = [m.id for m in members if m.points is None]
        items = []
        if params.threshold is not None:
            for m in members:
                if m.points is not None and m.points < params.threshold:
                    items.append(
                        SubjectItem(
                            subject=subject("member", m.id),
                            message=f"{m.id} has {m.points:g} points (< {params.threshold:g})",
                            evidence=(m.id,),
                        )
                    )
        bad = len(unrecorded) + len(items)
        notes = []
        if unrecorded:
            notes.append("no points recorded for " + ", ".join(unrecorded))
        if items:
            notes.append(f"{len(items)} member(s) under {params.threshold:g} points")
        return Outcome(
            Status.PASS if bad == 0 else Status.FAIL,
            compliance=(len(members) - bad) / len(members),
            misses=bad,
            actual=len(members) - len(unrecorded),
            expected=len(members),
            evidence=tuple(unrecorded) + tuple(it.subject.id for it in items),
            items=tuple(items),
            note="; ".join(notes),
        )


CHECKERS = (PointsRecorded(),)

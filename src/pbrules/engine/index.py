"""The per-snapshot index, built once per organization and shared by every checker.

Thirty criteria must not each rescan every record list: the index groups records by type and
month, and precomputes the current committee and the full members as of the evaluation date.
Build it with :func:`build_index`; it is read-only afterwards.

Conventions (CRITERIA.md): a *current* committee post has ``appointed_on <= as_of`` and no
``left_on`` (or ``left_on > as_of``); *full members* have status ``full`` and no
``left_on <= as_of``.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from pbrules.model.period import Period, month_of
from pbrules.model.snapshot import CommitteePost, Meeting, Member, MemberStatus, Snapshot

__all__ = ["SnapshotIndex", "build_index"]


@dataclass(slots=True)
class SnapshotIndex:
    snapshot: Snapshot
    period: Period
    as_of: date
    period_months: tuple[str, ...]
    #: meetings held within the period, by type value (``"committee_meeting"``), in date order
    meetings_in_period: dict[str, list[Meeting]] = field(default_factory=dict)
    #: meeting type -> month (YYYY-MM) -> meetings, for meetings held in the period
    meetings_by_month: dict[str, dict[str, list[Meeting]]] = field(default_factory=dict)
    #: members who have not left as of ``as_of`` (``left_on`` empty or after as_of)
    current_members: list[Member] = field(default_factory=list)
    full_members: list[Member] = field(default_factory=list)
    current_committee: list[CommitteePost] = field(default_factory=list)


def _is_current_post(post: CommitteePost, as_of: date) -> bool:
    return post.appointed_on <= as_of and (post.left_on is None or post.left_on > as_of)


def build_index(
    snapshot: Snapshot, period: Period | None = None, as_of: date | None = None
) -> SnapshotIndex:
    """Index ``snapshot`` for evaluation in ``period`` (default: its own) at ``as_of``."""
    period = period or snapshot.period
    as_of = as_of or snapshot.as_of or period.end
    start, end = period.start, period.end
    in_period: dict[str, list[Meeting]] = defaultdict(list)
    by_month: dict[str, dict[str, list[Meeting]]] = defaultdict(lambda: defaultdict(list))
    for m in sorted(snapshot.meetings, key=lambda m: (m.held_on, m.id)):
        if start <= m.held_on <= end and m.held_on <= as_of:
            t = m.type.value if m.type is not None else ""
            in_period[t].append(m)
            by_month[t][month_of(m.held_on)].append(m)
    current = [m for m in snapshot.members if m.left_on is None or m.left_on > as_of]
    full = [m for m in current if m.status is MemberStatus.FULL]
    committee = [p for p in snapshot.committee if _is_current_post(p, as_of)]
    return SnapshotIndex(
        snapshot=snapshot,
        period=period,
        as_of=as_of,
        period_months=period.months,
        meetings_in_period=dict(in_period),
        meetings_by_month={k: dict(v) for k, v in by_month.items()},
        current_members=current,
        full_members=full,
        current_committee=committee,
    )

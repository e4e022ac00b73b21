"""Peer groups, rankings and movement against the previous result (DESIGN §5, §7).

- An organization's peer group is ``organization.group`` when set, else the first of the pack's
  ``groups`` whose ``where`` (kind, category, parent_id; all given must hold) matches it.
- Within a group, organizations are ranked by total, descending, with competition ranking: equal
  totals share a rank and the next rank skips (1, 2, 2, 4). Totals are compared as shown, that is
  rounded to 2 decimals, so two organizations that print the same total share a rank. Display
  order breaks ties by organization id.
- ``top`` lists the first N in display order; ``bottom`` the last N, lowest first.
- An organization with no total (nothing applicable, DESIGN §12.2) is not ranked: it has no
  rank, is not counted in ``group_size`` and is in no ``top`` / ``bottom`` list.
- Movement against a previous result: ``previous_rank`` is the organization's rank in the previous
  result when it was ranked in the same group (else null: new this period, or moved groups);
  ``rank_change = previous_rank - rank`` (positive = climbed); ``rapid_progress`` when
  ``rank_change >= rank_gain``, ``major_setback`` when ``-rank_change >= rank_loss``, otherwise
  ``steady``; null when there is no previous result or no previous rank.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from pbrules.model.result import GroupRanking, Movement, OrgResult, RunResult
from pbrules.packs.schema import Group, Pack

__all__ = [
    "RankInfo",
    "Rankable",
    "assign_group",
    "competition_ranks",
    "display_order",
    "movement_label",
    "rank_organizations",
]


class Rankable(Protocol):
    """What ranking reads of an organization (an :class:`OrgResult` has it)."""

    @property
    def org_id(self) -> str: ...

    @property
    def total(self) -> float | None: ...

    @property
    def group(self) -> str | None: ...


def _matches(group: Group, kind: str, category: str | None, parent_id: str | None) -> bool:
    where = group.where
    if where.kind is not None and kind not in {k.value for k in where.kind}:
        return False
    if where.category is not None and (
        category is None or category not in {c.value for c in where.category}
    ):
        return False
    return not (where.parent_id is not None and parent_id not in where.parent_id)


def assign_group(
    groups: Sequence[Group],
    *,
    kind: str,
    category: str | None,
    parent_id: str | None,
    override: str | None = None,
) -> str | None:
    """The peer group id of an organization, or ``None`` when no group matches."""
    if override:
        return override
    for group in groups:
        if _matches(group, kind, category, parent_id):
            return group.id
    return None


def _key(total: float) -> float:
    return round(total + 0.0, 2)


def display_order(entries: Iterable[tuple[str, float]]) -> list[tuple[str, float]]:
    """``(org_id, total)`` pairs sorted by total descending, ties by org id."""
    return sorted(entries, key=lambda e: (-_key(e[1]), e[0]))


def competition_ranks(entries: Iterable[tuple[str, float]]) -> dict[str, int]:
    """Org id -> competition rank by total descending (1, 2, 2, 4)."""
    ordered = display_order(entries)
    ranks: dict[str, int] = {}
    previous: float | None = None
    rank = 0
    for position, (org_id, total) in enumerate(ordered, start=1):
        key = _key(total)
        if previous is None or key != previous:
            rank = position
            previous = key
        ranks[org_id] = rank
    return ranks


def movement_label(
    rank_change: int | None, pack: Pack, total_change: float | None = None
) -> Movement | None:
    """``rapid_progress`` / ``major_setback`` / ``steady`` per the pack's thresholds.

    A rule with ``min_total_change`` also needs the total to have moved that far the same way.
    """
    if rank_change is None:
        return None
    up = pack.movement.rapid_progress
    down = pack.movement.major_setback
    gained = up.rank_gain is not None and rank_change >= up.rank_gain
    if gained and _moved(total_change, up.min_total_change, 1):
        return "rapid_progress"
    lost = down.rank_loss is not None and -rank_change >= down.rank_loss
    if lost and _moved(total_change, down.min_total_change, -1):
        return "major_setback"
    return "steady"


def _moved(total_change: float | None, minimum: float | None, sign: int) -> bool:
    if minimum is None:
        return True
    return total_change is not None and sign * _key(total_change) >= minimum


@dataclass(frozen=True, slots=True)
class RankInfo:
    """Ranking fields of one organization."""

    rank: int | None
    group_size: int | None
    previous_rank: int | None
    rank_change: int | None
    movement: Movement | None
    previous_total: float | None
    total_change: float | None


def rank_organizations(
    orgs: Sequence[Rankable],
    pack: Pack,
    previous: RunResult | None = None,
) -> tuple[dict[str, RankInfo], dict[str, GroupRanking]]:
    """Rank ``orgs`` (their ``group`` already assigned) and compare with ``previous``.

    Returns the ranking fields per org id and the per-group summary of the result document.
    Every pack group appears in the summary (empty when it has no member), then any group named
    only by ``organization.group`` overrides, in id order.
    """
    members: dict[str, list[Rankable]] = {g.id: [] for g in pack.groups}
    for org in orgs:
        if org.group is not None and org.total is not None:  # an unscored org is not ranked
            members.setdefault(org.group, []).append(org)
    prev: Mapping[str, OrgResult] = (
        {o.org_id: o for o in previous.organizations} if previous is not None else {}
    )
    info: dict[str, RankInfo] = {}
    rankings: dict[str, GroupRanking] = {}
    titles = {g.id: g.title for g in pack.groups}
    extra = sorted(k for k in members if k not in titles)
    for group_id in [*(g.id for g in pack.groups), *extra]:
        group_orgs = members[group_id]
        entries = [(o.org_id, o.total) for o in group_orgs if o.total is not None]
        ranks = competition_ranks(entries)
        ordered = [org_id for org_id, _t in display_order(entries)]
        size = len(group_orgs)
        rapid: list[tuple[int, str]] = []
        setbacks: list[tuple[int, str]] = []
        for org in group_orgs:
            rank = ranks[org.org_id]
            before = prev.get(org.org_id)
            previous_total = before.total if before is not None else None
            previous_rank = (
                before.rank if before is not None and before.group == org.group else None
            )
            change = previous_rank - rank if previous_rank is not None else None
            total_change = _change(org.total, previous_total)
            label = movement_label(change, pack, total_change) if previous is not None else None
            if label == "rapid_progress" and change is not None:
                rapid.append((-change, org.org_id))
            elif label == "major_setback" and change is not None:
                setbacks.append((change, org.org_id))
            info[org.org_id] = RankInfo(
                rank=rank,
                group_size=size,
                previous_rank=previous_rank,
                rank_change=change,
                movement=label,
                previous_total=previous_total,
                total_change=total_change,
            )
        top_n = min(pack.ranking.top, size)
        bottom_n = min(pack.ranking.bottom, size)
        rankings[group_id] = GroupRanking(
            title=titles.get(group_id),
            top=ordered[:top_n],
            bottom=list(reversed(ordered[size - bottom_n :])) if bottom_n else [],
            rapid_progress=[org_id for _c, org_id in sorted(rapid)],
            major_setbacks=[org_id for _c, org_id in sorted(setbacks)],
        )
    for org in orgs:
        if org.org_id not in info:
            before = prev.get(org.org_id)
            previous_total = before.total if before is not None else None
            info[org.org_id] = RankInfo(
                rank=None,
                group_size=None,
                previous_rank=None,
                rank_change=None,
                movement=None,
                previous_total=previous_total,
                total_change=_change(org.total, previous_total),
            )
    return info, rankings


def _change(total: float | None, previous: float | None) -> float | None:
    return total - previous if total is not None and previous is not None else None

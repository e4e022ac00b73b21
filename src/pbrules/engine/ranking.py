"""Peer groups, rankings and movement against the previous result (DESIGN §5, §7).

- An organization's peer group is ``organization.group`` when set, else the first of the pack's
  ``groups`` whose ``where`` (kind, category, parent_id; all given must hold) matches it.
- Within a group, organizations are ranked by total, descending, with competition ranking: equal
  totals share a rank and the next rank skips (1, 2, 2, 4). Totals are compared as shown, that is
  rounded to 2 decimals, so two organizations that print the same total share a rank. Display
  order breaks ties by organization id.
- ``top`` lists the first N in display order; ``bottom`` the last N, lowest first.
- Ties (DESIGN §12, packs that declare ``ranking.tie_break``): the keys are applied in order to
  equal totals before a tie is declared (``fewer_critical``, ``fewer_findings``, ``base_total``
  higher first, ``previous_rank`` better first; an organization without a previous rank comes
  after those with one). Organizations still equal on every key share a rank. ``top`` then holds
  every organization ranked at or above the N-th (so "top three" may list five), ``bottom``
  every one at or below the N-th from the bottom, and ``tied`` those of them that share their
  rank. A pack without ``tie_break`` keeps the v1 lists (exactly N), so its results do not change.
- An organization with no total (nothing applicable, DESIGN §12.2) is not ranked: it has no
  rank, is not counted in ``group_size`` and is in no ``top`` / ``bottom`` list.
- Movement against a previous result: ``previous_rank`` is the organization's rank in the previous
  result when it was ranked in the same group (else null: new this period, or moved groups);
  ``rank_change = previous_rank - rank`` (positive = climbed); ``rapid_progress`` when
  ``rank_change >= rank_gain``, ``major_setback`` when ``-rank_change >= rank_loss``, otherwise
  ``steady``; null when there is no previous result or no previous rank.
- Movement inside a tie (packs that declare ``ranking.tie_break``): a tie of k organizations at
  rank r occupies the places r .. r+k-1, and the label reads the distance between the places held
  before and now, not between the two ranks: moving within or into an overlapping block is no
  move at all. Falling from "tied first among 71" to rank 75 is a fall of 4 places (75 - 71),
  not 74. ``rank_change`` itself stays ``previous_rank - rank``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from pbrules.model.previous import PreviousRank, PreviousRanks
from pbrules.model.result import GroupRanking, Movement, RunResult
from pbrules.packs.schema import Group, Pack

__all__ = [
    "RankInfo",
    "Rankable",
    "TieFacts",
    "assign_group",
    "competition_ranks",
    "display_order",
    "movement_label",
    "place_change",
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


@dataclass(frozen=True, slots=True)
class TieFacts:
    """What the tie-break keys read of an organization besides its total and previous rank."""

    critical: int = 0
    findings: int = 0
    base_total: float | None = None


_LAST = float("inf")


def _tie_key(keys: Sequence[str], facts: TieFacts, previous_rank: int | None) -> tuple[float, ...]:
    """The tie-break keys of one organization as a tuple sorted ascending (best first)."""
    out: list[float] = []
    for key in keys:
        if key == "fewer_critical":
            out.append(facts.critical)
        elif key == "fewer_findings":
            out.append(facts.findings)
        elif key == "base_total":
            out.append(-_key(facts.base_total) if facts.base_total is not None else _LAST)
        else:  # previous_rank
            out.append(previous_rank if previous_rank is not None else _LAST)
    return tuple(out)


def _ranked(
    entries: Sequence[tuple[str, float, tuple[float, ...]]],
) -> tuple[list[str], dict[str, int]]:
    """Display order and competition ranks by (total descending, tie keys ascending)."""
    ordered = sorted(entries, key=lambda e: (-_key(e[1]), e[2], e[0]))
    ranks: dict[str, int] = {}
    previous: tuple[float, tuple[float, ...]] | None = None
    rank = 0
    for position, (org_id, total, extra) in enumerate(ordered, start=1):
        key = (_key(total), extra)
        if key != previous:
            rank, previous = position, key
        ranks[org_id] = rank
    return [e[0] for e in ordered], ranks


def place_change(previous_rank: int, previous_span: int, rank: int, span: int) -> int:
    """Places gained (positive) or lost between two tie blocks, 0 when they overlap.

    A block of ``span`` organizations tied at ``rank`` holds places rank .. rank+span-1.
    """
    if rank > previous_rank + previous_span - 1:
        return -(rank - (previous_rank + previous_span - 1))
    if rank + span - 1 < previous_rank:
        return previous_rank - (rank + span - 1)
    return 0


def _spans(ranks: Iterable[tuple[str | None, int | None]]) -> dict[tuple[str | None, int], int]:
    """(group, rank) -> how many organizations hold that rank."""
    out: dict[tuple[str | None, int], int] = {}
    for group, rank in ranks:
        if rank is not None:
            out[(group, rank)] = out.get((group, rank), 0) + 1
    return out


def _edges(
    ordered: list[str], ranks: Mapping[str, int], top: int, bottom: int, tied_mode: bool
) -> tuple[list[str], list[str]]:
    """``top`` and ``bottom`` of a group (with everyone tied with the N-th in tie mode)."""
    size = len(ordered)
    top_n, bottom_n = min(top, size), min(bottom, size)
    if not tied_mode:
        tail = list(reversed(ordered[size - bottom_n :])) if bottom_n else []
        return ordered[:top_n], tail
    head = [o for o in ordered if top_n and ranks[o] <= ranks[ordered[top_n - 1]]]
    cut = ranks[ordered[size - bottom_n]] if bottom_n else None
    tail = [o for o in reversed(ordered) if cut is not None and ranks[o] >= cut]
    return head, tail


class _Previous:
    """The previous result as ranking reads it: per org, and the size of each tie block."""

    def __init__(self, previous: RunResult | PreviousRanks | None) -> None:
        if isinstance(previous, RunResult):
            previous = PreviousRanks.of(previous)
        self.present = previous is not None
        self.by_id: Mapping[str, PreviousRank] = previous if previous is not None else {}
        self.spans = _spans((o.group, o.rank) for o in self.by_id.values())

    def rank_in(self, org: Rankable) -> int | None:
        before = self.by_id.get(org.org_id)
        return before.rank if before is not None and before.group == org.group else None

    def total_of(self, org_id: str) -> float | None:
        before = self.by_id.get(org_id)
        return before.total if before is not None else None


def _group_info(
    group_orgs: list[Rankable],
    pack: Pack,
    prev: _Previous,
    facts: Mapping[str, TieFacts],
) -> tuple[dict[str, RankInfo], list[str], dict[str, int]]:
    """Rank one group; each member's ranking fields, the display order and the ranks."""
    keys = pack.ranking.tie_break
    tied_mode = keys is not None
    entries = [
        (
            o.org_id,
            o.total,
            _tie_key(keys, facts.get(o.org_id, TieFacts()), prev.rank_in(o)) if keys else (),
        )
        for o in group_orgs
        if o.total is not None
    ]
    ordered, ranks = _ranked(entries)
    spans = _spans((None, r) for r in ranks.values())
    info: dict[str, RankInfo] = {}
    for org in group_orgs:
        rank = ranks[org.org_id]
        previous_rank = prev.rank_in(org)
        previous_total = prev.total_of(org.org_id)
        change = previous_rank - rank if previous_rank is not None else None
        moved = change
        if tied_mode and previous_rank is not None:
            before = prev.spans.get((org.group, previous_rank), 1)
            moved = place_change(previous_rank, before, rank, spans[(None, rank)])
        total_change = _change(org.total, previous_total)
        info[org.org_id] = RankInfo(
            rank=rank,
            group_size=len(group_orgs),
            previous_rank=previous_rank,
            rank_change=change,
            movement=movement_label(moved, pack, total_change) if prev.present else None,
            previous_total=previous_total,
            total_change=total_change,
        )
    return info, ordered, ranks


def _group_ranking(
    title: str | None,
    info: Mapping[str, RankInfo],
    ordered: list[str],
    ranks: Mapping[str, int],
    pack: Pack,
) -> GroupRanking:
    tied_mode = pack.ranking.tie_break is not None
    top, bottom = _edges(ordered, ranks, pack.ranking.top, pack.ranking.bottom, tied_mode)
    rapid = sorted(
        (-(info[o].rank_change or 0), o) for o in ordered if info[o].movement == "rapid_progress"
    )
    setbacks = sorted(
        (info[o].rank_change or 0, o) for o in ordered if info[o].movement == "major_setback"
    )
    tied: list[str] | None = None
    if tied_mode:
        counts = _spans((None, r) for r in ranks.values())
        shown = {*top, *bottom}
        tied = [o for o in ordered if o in shown and counts[(None, ranks[o])] > 1]
    return GroupRanking(
        title=title,
        top=top,
        bottom=bottom,
        rapid_progress=[o for _c, o in rapid],
        major_setbacks=[o for _c, o in setbacks],
        tied=tied,
    )


def rank_organizations(
    orgs: Sequence[Rankable],
    pack: Pack,
    previous: RunResult | PreviousRanks | None = None,
    facts: Mapping[str, TieFacts] | None = None,
) -> tuple[dict[str, RankInfo], dict[str, GroupRanking]]:
    """Rank ``orgs`` (their ``group`` already assigned) and compare with ``previous`` (a result,
    or only its ranks: :func:`pbrules.result_stream.previous_ranks`).

    Returns the ranking fields per org id and the per-group summary of the result document.
    Every pack group appears in the summary (empty when it has no member), then any group named
    only by ``organization.group`` overrides, in id order. ``facts`` feed the pack's
    ``ranking.tie_break`` keys (findings counted per organization).
    """
    members: dict[str, list[Rankable]] = {g.id: [] for g in pack.groups}
    for org in orgs:
        if org.group is not None and org.total is not None:  # an unscored org is not ranked
            members.setdefault(org.group, []).append(org)
    prev = _Previous(previous)
    info: dict[str, RankInfo] = {}
    rankings: dict[str, GroupRanking] = {}
    titles = {g.id: g.title for g in pack.groups}
    extra = sorted(k for k in members if k not in titles)
    for group_id in [*(g.id for g in pack.groups), *extra]:
        group_info, ordered, ranks = _group_info(members[group_id], pack, prev, facts or {})
        info.update(group_info)
        rankings[group_id] = _group_ranking(titles.get(group_id), group_info, ordered, ranks, pack)
    for org in orgs:
        if org.org_id not in info:
            previous_total = prev.total_of(org.org_id)
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

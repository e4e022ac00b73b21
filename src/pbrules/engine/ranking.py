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

from array import array
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from itertools import takewhile
from math import isnan
from typing import Protocol

from pbrules.model.previous import PreviousRank, PreviousRanks
from pbrules.model.result import GroupRanking, Movement, RunResult
from pbrules.packs.schema import Group, Pack

__all__ = [
    "Columns",
    "RankInfo",
    "RankTable",
    "Rankable",
    "TieFacts",
    "assign_group",
    "competition_ranks",
    "display_order",
    "movement_label",
    "place_change",
    "rank_columns",
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
_NAN = float("nan")


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


class _Previous:
    """The previous result as ranking reads it: per org, and the size of each tie block."""

    def __init__(self, previous: RunResult | PreviousRanks | None) -> None:
        if isinstance(previous, RunResult):
            previous = PreviousRanks.of(previous)
        self.present = previous is not None
        self.by_id: Mapping[str, PreviousRank] = previous if previous is not None else {}
        self.spans = _spans((o.group, o.rank) for o in self.by_id.values())

    def rank_of(self, org_id: str, group: str) -> int | None:
        """The previous rank of ``org_id`` when it was ranked in ``group``."""
        before = self.by_id.get(org_id)
        return before.rank if before is not None and before.group == group else None

    def total_of(self, org_id: str) -> float | None:
        before = self.by_id.get(org_id)
        return before.total if before is not None else None


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
    ``ranking.tie_break`` keys (findings counted per organization). The work is done by
    :func:`rank_columns`, over columns made from ``orgs``.
    """
    facts = facts or {}
    names: dict[str, int] = {}
    groups: list[int] = []
    for org in orgs:
        groups.append(-1 if org.group is None else names.setdefault(org.group, len(names)))
    tie = [facts.get(org.org_id, TieFacts()) for org in orgs]
    columns = Columns(
        ids=[org.org_id for org in orgs],
        groups=groups,
        names=list(names),
        totals=[_NAN if org.total is None else org.total for org in orgs],
        critical=[t.critical for t in tie],
        findings=[t.findings for t in tie],
        base_totals=[_NAN if t.base_total is None else t.base_total for t in tie],
    )
    table, rankings = rank_columns(columns, pack, previous)
    return {org.org_id: table.info(at) for at, org in enumerate(orgs)}, rankings


def _change(total: float | None, previous: float | None) -> float | None:
    return total - previous if total is not None and previous is not None else None


# --- Ranking from columns of numbers ---------------------------------------------------------
#
# A group is ranked from parallel columns (position i is one organization), keeping per
# organization only a rank, a previous rank and a movement code in arrays (a few bytes, where
# a ``RankInfo`` object per organization is about half a kilobyte at a million);
# :meth:`RankTable.info` builds one organization's ``RankInfo`` when it is written. The
# streamed run ranks its compact rows this way; :func:`rank_organizations` (a whole
# ``RunResult``) makes columns from its objects and ranks them the same way.

_MOVES: tuple[Movement | None, ...] = (None, "rapid_progress", "major_setback", "steady")
_CODE: dict[Movement | None, int] = {m: k for k, m in enumerate(_MOVES)}


@dataclass(frozen=True, slots=True)
class Columns:
    """What ranking reads of a run's organizations, one position per organization."""

    ids: Sequence[str]
    groups: Sequence[int]  # index in ``names``; -1: no group
    names: Sequence[str]
    totals: Sequence[float]  # NaN: unscored
    critical: Sequence[int]
    findings: Sequence[int]
    base_totals: Sequence[float]  # NaN: none


def _value(number: float) -> float | None:
    return None if isnan(number) else number


class RankTable:
    """The ranking fields of every position, as arrays; one ``RankInfo`` built when asked."""

    def __init__(self, columns: Columns, prev: _Previous) -> None:
        size = len(columns.ids)
        self.columns = columns
        self.prev = prev
        self.rank = array("i", bytes(4 * size))  # 0: not ranked
        self.previous_rank = array("i", bytes(4 * size))  # 0: none
        self.movement = array("b", bytes(size))  # index in _MOVES
        self.sizes: dict[int, int] = {}  # group -> ranked members

    def info(self, at: int) -> RankInfo:
        """The ranking fields of the organization at position ``at``."""
        cols = self.columns
        total = _value(cols.totals[at])
        previous_total = self.prev.total_of(cols.ids[at])
        total_change = _change(total, previous_total)
        rank = self.rank[at]
        if rank == 0:
            return RankInfo(None, None, None, None, None, previous_total, total_change)
        before = self.previous_rank[at] or None
        return RankInfo(
            rank=rank,
            group_size=self.sizes[cols.groups[at]],
            previous_rank=before,
            rank_change=before - rank if before is not None else None,
            movement=_MOVES[self.movement[at]],
            previous_total=previous_total,
            total_change=total_change,
        )


def _tie_value(table: RankTable, key: str, at: int) -> float:
    """One tie-break key of the organization at ``at`` (lower is better), as :func:`_tie_key`."""
    cols = table.columns
    if key == "fewer_critical":
        return cols.critical[at]
    if key == "fewer_findings":
        return cols.findings[at]
    if key == "base_total":
        base = cols.base_totals[at]
        return _LAST if isnan(base) else -_key(base)
    return table.previous_rank[at] or _LAST


def _order(table: RankTable, members: list[int], keys: Sequence[str]) -> None:
    """Sort ``members`` into display order: total descending, tie keys, org id (stable sorts
    from the last key to the first, so no tuple per organization is held)."""
    cols = table.columns
    members.sort(key=cols.ids.__getitem__)
    for key in reversed(keys):
        members.sort(key=partial(_tie_value, table, key))
    totals = cols.totals
    members.sort(key=lambda at: -_key(totals[at]))


def _place(table: RankTable, members: list[int], keys: Sequence[str]) -> None:
    """Competition ranks of ``members`` (in display order) into ``table.rank``."""
    totals = table.columns.totals
    previous: tuple[float, tuple[float, ...]] | None = None
    rank = 0
    for position, at in enumerate(members, start=1):
        key = (_key(totals[at]), tuple(_tie_value(table, k, at) for k in keys))
        if key != previous:
            rank, previous = position, key
        table.rank[at] = rank


def _runs(table: RankTable, members: list[int]) -> Iterable[tuple[int, int]]:
    """``(start, end)`` of each block of equal rank in ``members`` (display order)."""
    start = 0
    for k in range(1, len(members) + 1):
        if k == len(members) or table.rank[members[k]] != table.rank[members[start]]:
            yield start, k
            start = k


def _move(table: RankTable, members: list[int], group: str, pack: Pack) -> set[int]:
    """Movement codes of ``members`` into ``table.movement``; the ranks held by more than one."""
    tied_mode = pack.ranking.tie_break is not None
    prev, cols = table.prev, table.columns
    shared: set[int] = set()
    for start, end in _runs(table, members):
        span = end - start
        if span > 1:
            shared.add(table.rank[members[start]])
        if not prev.present:
            continue
        for at in members[start:end]:
            rank, before = table.rank[at], table.previous_rank[at] or None
            moved = before - rank if before is not None else None
            if tied_mode and before is not None:
                moved = place_change(before, prev.spans.get((group, before), 1), rank, span)
            change = _change(_value(cols.totals[at]), prev.total_of(cols.ids[at]))
            table.movement[at] = _CODE[movement_label(moved, pack, change)]
    return shared


def _columns_edges(
    table: RankTable, members: list[int], pack: Pack, tied_mode: bool
) -> tuple[list[int], list[int]]:
    """``top`` and ``bottom`` positions of a group, as :func:`_edges`."""
    size, rank = len(members), table.rank
    top_n, bottom_n = min(pack.ranking.top, size), min(pack.ranking.bottom, size)
    if not tied_mode:
        return members[:top_n], list(reversed(members[size - bottom_n :])) if bottom_n else []
    head: list[int] = []
    if top_n:
        last = rank[members[top_n - 1]]
        head = list(takewhile(lambda at: rank[at] <= last, members))
    tail: list[int] = []
    if bottom_n:
        cut = rank[members[size - bottom_n]]
        tail = list(takewhile(lambda at: rank[at] >= cut, reversed(members)))
    return head, tail


def _columns_group(
    table: RankTable, members: list[int], group: str, spec: Group | None, pack: Pack
) -> GroupRanking:
    """Rank one group's ``members`` (positions) into ``table``; the group's summary (titled
    from ``spec``, the pack's group; ``None`` for a group only the snapshots name)."""
    keys = pack.ranking.tie_break or []
    ids = table.columns.ids
    for at in members:
        table.previous_rank[at] = table.prev.rank_of(ids[at], group) or 0
    _order(table, members, keys)
    _place(table, members, keys)
    shared = _move(table, members, group, pack)
    tied_mode = pack.ranking.tie_break is not None
    top, bottom = _columns_edges(table, members, pack, tied_mode)
    moved = [at for at in members if table.movement[at] in (1, 2)]
    change = {at: table.previous_rank[at] - table.rank[at] for at in moved}
    rapid = sorted((-change[at], ids[at]) for at in moved if table.movement[at] == 1)
    setbacks = sorted((change[at], ids[at]) for at in moved if table.movement[at] == 2)
    tied: list[str] | None = None
    if tied_mode:
        shown = {*top, *bottom}
        tied = [ids[at] for at in members if at in shown and table.rank[at] in shared]
    return GroupRanking(
        title=spec.title if spec is not None else None,
        title_zh=spec.title_zh if spec is not None else None,
        top=[ids[at] for at in top],
        bottom=[ids[at] for at in bottom],
        rapid_progress=[o for _c, o in rapid],
        major_setbacks=[o for _c, o in setbacks],
        tied=tied,
    )


def rank_columns(
    columns: Columns, pack: Pack, previous: RunResult | PreviousRanks | None = None
) -> tuple[RankTable, dict[str, GroupRanking]]:
    """:func:`rank_organizations` over columns: the same ranks, movements and group summaries,
    kept as arrays (:meth:`RankTable.info` gives one organization's ``RankInfo``)."""
    table = RankTable(columns, _Previous(previous))
    code = {name: k for k, name in enumerate(columns.names)}
    members: dict[str, list[int]] = {g.id: [] for g in pack.groups}
    for at, group in enumerate(columns.groups):
        if group >= 0 and not isnan(columns.totals[at]):
            members.setdefault(columns.names[group], []).append(at)
    specs = {g.id: g for g in pack.groups}
    extra = sorted(k for k in members if k not in specs)
    rankings: dict[str, GroupRanking] = {}
    for group_id in [*(g.id for g in pack.groups), *extra]:
        own = members.pop(group_id)
        if group_id in code:
            table.sizes[code[group_id]] = len(own)
        rankings[group_id] = _columns_group(table, own, group_id, specs.get(group_id), pack)
    return table, rankings

"""The first ranking implementation, one object per organization, kept as the reference the
column ranking (:func:`pbrules.engine.ranking.rank_columns`, which ``rank_organizations`` now
uses) is checked against by ``tests/test_ranking_columns.py``. Written plainly on purpose: it
sorts tuples and keeps a ``RankInfo`` per organization."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from pbrules.engine.ranking import (
    _LAST,
    Rankable,
    RankInfo,
    TieFacts,
    _change,
    _key,
    _Previous,
    _spans,
    movement_label,
    place_change,
)
from pbrules.model.previous import PreviousRanks
from pbrules.model.result import GroupRanking, RunResult
from pbrules.packs.schema import Pack


def _rank_in(prev: _Previous, org: Rankable) -> int | None:
    before = prev.by_id.get(org.org_id)
    return before.rank if before is not None and before.group == org.group else None


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
            _tie_key(keys, facts.get(o.org_id, TieFacts()), _rank_in(prev, o)) if keys else (),
        )
        for o in group_orgs
        if o.total is not None
    ]
    ordered, ranks = _ranked(entries)
    spans = _spans((None, r) for r in ranks.values())
    info: dict[str, RankInfo] = {}
    for org in group_orgs:
        rank = ranks[org.org_id]
        previous_rank = _rank_in(prev, org)
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


def reference_rank(
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

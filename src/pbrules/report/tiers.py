"""The tier distribution (星级分布) of each peer group, shown beside the group's ranking.

A pack with ``tiers`` (DESIGN §12.2) gives every organization the highest tier it holds
(``tier`` in the result, ``null`` for none). The review counts, per peer group, how many
organizations hold each tier, highest first, and how many hold none (an organization with
nothing applicable holds none). A pack without tiers, or a result without them, gives nothing.

Tier titles come from the pack (``tiers[].title``, in ``zh`` its ``title_zh`` where given);
without the pack, or a tier without a title, the tier's id is shown.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from pbrules.model.result import OrgResult
from pbrules.report.i18n import pack_title

__all__ = ["GroupTiers", "TierCount", "tier_distribution", "tier_parts", "tier_rows"]


@dataclass(frozen=True, slots=True)
class TierCount:
    """One tier of a group: its id, title and how many of the group's organizations hold it."""

    id: str
    title: str
    count: int


@dataclass(frozen=True, slots=True)
class GroupTiers:
    """A peer group's tier distribution: the tiers highest first, then those holding none."""

    group: str
    tiers: list[TierCount]
    none: int

    @property
    def organizations(self) -> int:
        return self.none + sum(t.count for t in self.tiers)


def tier_distribution(
    organizations: Iterable[OrgResult],
    pack_model: Any = None,
    *,
    ungrouped: str = "_ungrouped",
    lang: str = "en",
) -> dict[str, GroupTiers]:
    """Group id -> its tier distribution; empty when the pack (or the result) has no tiers.

    Organizations outside every peer group are counted under ``ungrouped``.
    """
    orgs = list(organizations)
    order = _tier_order(orgs, pack_model, lang)
    if not order:
        return {}
    held: dict[str, Counter[str | None]] = defaultdict(Counter)
    for o in orgs:
        tier = o.tier if o.tier in order else None
        held[o.group or ungrouped][tier] += 1
    return {
        group: GroupTiers(
            group=group,
            tiers=[TierCount(t, order[t], counts[t]) for t in reversed(order)],
            none=counts[None],
        )
        for group, counts in held.items()
    }


def _tier_order(orgs: list[OrgResult], pack_model: Any, lang: str) -> dict[str, str]:
    """Tier id -> title in ``lang``, lowest first: the pack's tiers, else those the result
    names."""
    if pack_model is not None:
        return {t.id: pack_title(t, lang) for t in getattr(pack_model, "tiers", ())}
    order: dict[str, str] = {}
    for o in orgs:
        for tier_id in o.tier_scores or {}:
            order.setdefault(tier_id, tier_id)
    return order


def tier_parts(dist: GroupTiers, _: Callable[[str], str]) -> list[str]:
    """The distribution as the review reads it: ``一星 12个``..., then ``未达星级 3个``."""
    parts = [_("{tier}: {n}").format(tier=t.title, n=t.count) for t in dist.tiers]
    parts.append(_("{tier}: {n}").format(tier=_("No tier"), n=dist.none))
    return parts


def tier_rows(
    tiers: dict[str, GroupTiers], groups: Iterable[tuple[str, str]], _: Callable[[str], str]
) -> list[list[Any]]:
    """Rows (group title, tier, organizations) of the workbook's tier sheet, in group order;
    ``groups`` are (group id, title) pairs."""
    rows: list[list[Any]] = []
    for group, title in groups:
        dist = tiers.get(group)
        if dist is None:
            continue
        rows += [[title, t.title, t.count] for t in dist.tiers]
        rows.append([title, _("No tier"), dist.none])
    return rows

"""Scoring (DESIGN §5): criterion points, area scores, totals, grades. Pure functions.

The rules, exactly:

- A criterion's ``max`` is its ``points``. Earned points by scoring mode:

  - ``all_or_nothing``: ``max`` on pass, else 0;
  - ``proportional``: ``max x compliance``;
  - ``deduct``: ``max(0, max - per_miss x misses)``;
  - ``bonus``: ``max x compliance`` (in ``[0, max]``) goes to the organization's bonus and
    enters no area sum;
  - ``veto``: no points and no sum; a ``fail`` caps the grade at the pack's ``veto_grade``.

- ``not_applicable`` leaves both earned and max out. ``error`` counts ``max`` with 0 earned (an
  errored bonus earns nothing; an errored veto caps nothing) and makes the organization
  incomplete.
- Area score = weight x (sum earned / sum max) over the area's counted criteria; an area with no
  counted criterion (or only zero-point ones) is left out.
- Base total = 100 x (sum of area scores) / (sum of the weights of the areas present); 0 when no
  area is present.
- Total = base total + min(bonus, bonus cap). Grade from the bands on the total, then the veto cap.

v2 additions (DESIGN §12.2), all inert unless a pack uses them:

- **Pool areas** (扣完为止): each counted criterion of a pool area deducts ``d`` (``deduct``:
  ``per_miss x misses``, capped at ``points`` when ``points > 0``; ``all_or_nothing``: ``points``
  on fail; ``proportional``: ``points x (1 - compliance)``; ``error``: ``points``); the area earns
  ``max(0, weight - sum d)`` of ``weight``. A pool area's weight is in points: deductions are
  not rescaled, so scaling the weights of pool areas means scaling their criteria's points and
  ``per_miss`` with them.
- **Counted bonus**: a bonus criterion with ``per_hit`` earns ``min(points, per_hit x actual)``
  for a passing or failing outcome alike (``actual`` a number >= 0; anything else counts 0).
- **Tiers**: a tier's score is the base total over the criteria carrying one of its tags alone
  (null when none of them is counted); the organization holds the last tier of the longest run of
  tiers, in pack order, whose scores reach their ``min``.
- **Nothing applicable**: with no area present (no applicable criterion that enters an area),
  ``base_total``, ``total`` and ``grade`` are null and ``unscored_reason`` says why; a bonus
  alone makes no total.

Nothing is rounded here; result documents round to 2 decimals when serialized.
See docs/scoring.md for a worked example.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import NamedTuple

from pbrules.model.outcome import Status

__all__ = [
    "AREA_MODES",
    "NOT_COUNTED",
    "UNSCORED_REASON",
    "CriterionPoints",
    "OrgScore",
    "Tally",
    "TierSpec",
    "area_scores",
    "base_total",
    "criterion_points",
    "grade_for",
    "held_tier",
    "score_organization",
    "tier_fields",
    "tier_scores",
]

#: Scoring modes whose points enter area sums.
AREA_MODES = frozenset({"all_or_nothing", "proportional", "deduct"})


class CriterionPoints(NamedTuple):
    """Points of one criterion for one organization (a tuple: built once per criterion and
    organization, so it must be cheap).

    ``counted`` says whether ``earned`` / ``max`` enter the area sums; ``bonus`` is what the
    criterion adds to the bonus; ``vetoed`` is true for a failed veto criterion; ``deduction`` is
    what the criterion takes from a pool area (``max - earned``, except a zero-point ``deduct``
    criterion, whose ``per_miss x misses`` is not capped).
    """

    earned: float
    max: float
    counted: bool
    bonus: float = 0.0
    vetoed: bool = False
    deduction: float = 0.0


#: the points of a ``not_applicable`` criterion: none, and it enters no sum
NOT_COUNTED = CriterionPoints(0.0, 0.0, False)


def _clamp(value: float, high: float) -> float:
    if value <= 0.0:
        return 0.0
    return high if value >= high else value


def criterion_points(
    mode: str,
    status: Status | str,
    points: float,
    *,
    compliance: float = 1.0,
    misses: int = 0,
    per_miss: float = 0.0,
    per_hit: float | None = None,
    actual: object = None,
) -> CriterionPoints:
    """Earned and max points of one criterion (DESIGN §5, §12.2).

    ``earned`` is always within ``[0, max]``. ``per_hit`` (bonus mode) counts ``actual``.
    """
    if not isinstance(status, Status):
        status = Status(status)
    if status is Status.NOT_APPLICABLE:
        return NOT_COUNTED
    if mode == "veto":
        return CriterionPoints(0.0, 0.0, False, vetoed=status is Status.FAIL)
    if mode == "bonus":
        if status is Status.ERROR:
            return CriterionPoints(0.0, points, False)
        if per_hit is not None:
            earned = _clamp(per_hit * _hits(actual), points)
        else:
            earned = _clamp(points * compliance, points)
        return CriterionPoints(earned, points, False, bonus=earned)
    if status is Status.ERROR:
        return CriterionPoints(0.0, points, True, deduction=points)
    if mode == "all_or_nothing":
        earned = points if status is Status.PASS else 0.0
    elif mode == "proportional":
        earned = _clamp(points * compliance, points)
    elif mode == "deduct":
        earned = _clamp(points - per_miss * misses, points)
        if points <= 0.0:
            return CriterionPoints(0.0, 0.0, True, deduction=max(0.0, per_miss * misses))
    else:
        raise ValueError(f"unknown scoring mode {mode!r}")
    return CriterionPoints(earned, points, True, deduction=points - earned)


def _hits(actual: object) -> float:
    """``actual`` as a count of hits: a number >= 0, else 0."""
    if isinstance(actual, bool) or not isinstance(actual, int | float):
        return 0.0
    return float(actual) if actual > 0 else 0.0


def area_scores(
    entries: Iterable[tuple[str, CriterionPoints]],
    weights: Mapping[str, float],
    pools: frozenset[str] = frozenset(),
) -> dict[str, float]:
    """Area id -> ``weight x (sum earned / sum max)`` over the counted criteria of each area;
    for a pool area, ``max(0, weight - sum deductions)``.

    Areas with no counted criterion, or (not pools) whose counted criteria are all worth 0
    points, are left out. The result is ordered like ``weights``.
    """
    tally = Tally()
    for area, pts in entries:
        tally.add(area, pts)
    return tally.area_scores(weights, pools)


def base_total(scores: Mapping[str, float], weights: Mapping[str, float]) -> float:
    """``100 x sum(area scores) / sum(weights of the areas present)``, in ``[0, 100]``."""
    present = sum(weights[a] for a in scores)
    if present <= 0.0:
        return 0.0
    value = 100.0 * sum(scores.values()) / present
    return _clamp(value, 100.0)


def grade_for(
    total: float,
    bands: Sequence[tuple[float, str]],
    *,
    vetoed: bool = False,
    veto_grade: str = "weak",
) -> str:
    """The grade of the highest band whose ``min <= total``; a veto caps it at ``veto_grade``.

    ``bands`` are ``(min, grade)`` pairs in any order. Below every band, the lowest band's grade
    applies. The cap: if the grade's band is above ``veto_grade``'s band, ``veto_grade`` is given.
    """
    ordered = sorted(bands, key=lambda b: b[0], reverse=True)
    if not ordered:
        return veto_grade if vetoed else ""
    grade = ordered[-1][1]
    grade_min = ordered[-1][0]
    for low, name in ordered:
        if total >= low:
            grade, grade_min = name, low
            break
    if vetoed:
        cap = next((low for low, name in ordered if name == veto_grade), None)
        if cap is None or grade_min > cap:
            return veto_grade
    return grade


#: why an organization with no area present has no total
UNSCORED_REASON = "no scored criterion applies to this organization"


@dataclass(frozen=True, slots=True)
class OrgScore:
    """An organization's scores before rounding.

    ``base_total``, ``total`` and ``grade`` are ``None`` when nothing applicable was counted
    (``unscored_reason`` says why); ``tier`` / ``tier_scores`` are ``None`` for packs without
    tiers.
    """

    areas: dict[str, float]
    base_total: float | None
    bonus: float
    total: float | None
    grade: str | None
    vetoed: bool
    tier: str | None = None
    tier_scores: dict[str, float | None] | None = None
    unscored_reason: str | None = None


class TierSpec(NamedTuple):
    """A tier of a pack: its id, the criterion tags that score it, and the score it needs."""

    id: str
    tags: frozenset[str]
    min: float


def tier_scores(
    entries: Sequence[tuple[str, CriterionPoints, frozenset[str]]],
    weights: Mapping[str, float],
    tiers: Sequence[TierSpec],
    pools: frozenset[str] = frozenset(),
) -> dict[str, float | None]:
    """Tier id -> base total over the entries carrying one of the tier's tags (same area rules);
    ``None`` when no such entry is counted in any area."""
    out: dict[str, float | None] = {}
    for tier in tiers:
        chosen = [(area, pts) for area, pts, tags in entries if tags & tier.tags]
        areas = area_scores(chosen, weights, pools)
        out[tier.id] = base_total(areas, weights) if areas else None
    return out


def held_tier(tiers: Sequence[TierSpec], scores: Mapping[str, float | None]) -> str | None:
    """The highest tier reached with every lower tier (earlier in ``tiers``) reached too."""
    held: str | None = None
    for tier in tiers:
        score = scores.get(tier.id)
        if score is None or score < tier.min:
            break
        held = tier.id
    return held


def tier_fields(
    entries: Sequence[tuple[str, CriterionPoints, frozenset[str]]],
    weights: Mapping[str, float],
    tiers: Sequence[TierSpec],
    pools: frozenset[str] = frozenset(),
) -> dict[str, object]:
    """``{"tier": ..., "tier_scores": {...}}`` of an organization; empty for a pack without
    tiers (so v1 results keep their exact shape)."""
    if not tiers:
        return {}
    scores = tier_scores(entries, weights, tiers, pools)
    return {"tier": held_tier(tiers, scores), "tier_scores": scores}


class Tally:
    """One organization's criterion points summed per area as they come, in one pass: what
    :func:`area_scores` and :func:`score_organization` work out from a list of entries (the
    engine adds each criterion's points as it finishes it, and keeps no list of entries)."""

    __slots__ = ("bonuses", "deducted", "earned", "maximum", "vetoed")

    def __init__(self) -> None:
        self.earned: dict[str, float] = {}
        self.maximum: dict[str, float] = {}
        self.deducted: dict[str, float] = {}
        self.bonuses: list[float] = []  # summed at the end, with sum() as always
        self.vetoed = False

    def add(self, area: str, pts: CriterionPoints) -> None:
        """One criterion's points, in pack order (sums are taken in the order added);
        :data:`NOT_COUNTED` points may be left out, they change nothing."""
        if pts.counted:
            earned = self.earned
            earned[area] = earned.get(area, 0.0) + pts.earned
            self.maximum[area] = self.maximum.get(area, 0.0) + pts.max
            self.deducted[area] = self.deducted.get(area, 0.0) + pts.deduction
        self.bonuses.append(pts.bonus)
        if pts.vetoed:
            self.vetoed = True

    def area_scores(
        self, weights: Mapping[str, float], pools: frozenset[str] = frozenset()
    ) -> dict[str, float]:
        """The area scores of what was added (see :func:`area_scores`)."""
        out: dict[str, float] = {}
        for area, weight in weights.items():
            if area in pools:
                if area in self.deducted:
                    out[area] = _clamp(weight - self.deducted[area], weight)
                continue
            top = self.maximum.get(area, 0.0)
            if top > 0.0:
                out[area] = weight * min(1.0, self.earned[area] / top)
        return out

    def score(
        self,
        weights: Mapping[str, float],
        bands: Sequence[tuple[float, str]],
        *,
        bonus_cap: float = 5.0,
        veto_grade: str = "weak",
        pools: frozenset[str] = frozenset(),
    ) -> OrgScore:
        """The organization's scores from what was added (see :func:`score_organization`)."""
        areas = self.area_scores(weights, pools)
        # from 0.0: the points of a criterion that adds nothing (NOT_COUNTED) may be left out
        bonus = min(sum(self.bonuses, 0.0), bonus_cap)
        if not areas:
            return OrgScore(
                areas=areas,
                base_total=None,
                bonus=bonus,
                total=None,
                grade=None,
                vetoed=self.vetoed,
                unscored_reason=UNSCORED_REASON,
            )
        base = base_total(areas, weights)
        total = base + bonus
        return OrgScore(
            areas=areas,
            base_total=base,
            bonus=bonus,
            total=total,
            grade=grade_for(total, bands, vetoed=self.vetoed, veto_grade=veto_grade),
            vetoed=self.vetoed,
        )


def score_organization(
    entries: Iterable[tuple[str, CriterionPoints]],
    weights: Mapping[str, float],
    bands: Sequence[tuple[float, str]],
    *,
    bonus_cap: float = 5.0,
    veto_grade: str = "weak",
    pools: frozenset[str] = frozenset(),
) -> OrgScore:
    """Areas, base total, bonus, total and grade from the criteria's points.

    With no area present the organization is unscored: ``base_total``, ``total`` and ``grade``
    are ``None`` and ``unscored_reason`` is set (it is never given 0 and the lowest grade).
    """
    tally = Tally()
    for area, pts in entries:
        tally.add(area, pts)
    return tally.score(weights, bands, bonus_cap=bonus_cap, veto_grade=veto_grade, pools=pools)

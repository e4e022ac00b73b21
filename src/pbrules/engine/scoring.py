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
    "CriterionPoints",
    "OrgScore",
    "area_scores",
    "base_total",
    "criterion_points",
    "grade_for",
    "score_organization",
]

#: Scoring modes whose points enter area sums.
AREA_MODES = frozenset({"all_or_nothing", "proportional", "deduct"})


class CriterionPoints(NamedTuple):
    """Points of one criterion for one organization (a tuple: built once per criterion and
    organization, so it must be cheap).

    ``counted`` says whether ``earned`` / ``max`` enter the area sums; ``bonus`` is what the
    criterion adds to the bonus; ``vetoed`` is true for a failed veto criterion.
    """

    earned: float
    max: float
    counted: bool
    bonus: float = 0.0
    vetoed: bool = False


_NOT_COUNTED = CriterionPoints(0.0, 0.0, False)


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
) -> CriterionPoints:
    """Earned and max points of one criterion (DESIGN §5).

    ``earned`` is always within ``[0, max]``.
    """
    if not isinstance(status, Status):
        status = Status(status)
    if status is Status.NOT_APPLICABLE:
        return _NOT_COUNTED
    if mode == "veto":
        return CriterionPoints(0.0, 0.0, False, vetoed=status is Status.FAIL)
    if mode == "bonus":
        if status is Status.ERROR:
            return CriterionPoints(0.0, points, False)
        earned = _clamp(points * compliance, points)
        return CriterionPoints(earned, points, False, bonus=earned)
    if status is Status.ERROR:
        return CriterionPoints(0.0, points, True)
    if mode == "all_or_nothing":
        earned = points if status is Status.PASS else 0.0
    elif mode == "proportional":
        earned = _clamp(points * compliance, points)
    elif mode == "deduct":
        earned = _clamp(points - per_miss * misses, points)
    else:
        raise ValueError(f"unknown scoring mode {mode!r}")
    return CriterionPoints(earned, points, True)


def area_scores(
    entries: Iterable[tuple[str, CriterionPoints]], weights: Mapping[str, float]
) -> dict[str, float]:
    """Area id -> ``weight x (sum earned / sum max)`` over the counted criteria of each area.

    Areas with no counted criterion, or whose counted criteria are all worth 0 points, are left
    out. The result is ordered like ``weights``.
    """
    earned: dict[str, float] = {}
    maximum: dict[str, float] = {}
    for area, pts in entries:
        if not pts.counted:
            continue
        earned[area] = earned.get(area, 0.0) + pts.earned
        maximum[area] = maximum.get(area, 0.0) + pts.max
    out: dict[str, float] = {}
    for area, weight in weights.items():
        top = maximum.get(area, 0.0)
        if top > 0.0:
            out[area] = weight * min(1.0, earned[area] / top)
    return out


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


@dataclass(frozen=True, slots=True)
class OrgScore:
    """An organization's scores before rounding."""

    areas: dict[str, float]
    base_total: float
    bonus: float
    total: float
    grade: str
    vetoed: bool


def score_organization(
    entries: Iterable[tuple[str, CriterionPoints]],
    weights: Mapping[str, float],
    bands: Sequence[tuple[float, str]],
    *,
    bonus_cap: float = 5.0,
    veto_grade: str = "weak",
) -> OrgScore:
    """Areas, base total, bonus, total and grade from the criteria's points."""
    items = list(entries)
    areas = area_scores(items, weights)
    base = base_total(areas, weights)
    bonus_raw = sum(p.bonus for _a, p in items)
    bonus = min(bonus_raw, bonus_cap)
    vetoed = any(p.vetoed for _a, p in items)
    total = base + bonus
    return OrgScore(
        areas=areas,
        base_total=base,
        bonus=bonus,
        total=total,
        grade=grade_for(total, bands, vetoed=vetoed, veto_grade=veto_grade),
        vetoed=vetoed,
    )

"""Property tests of the v2 scoring rules (DESIGN §12.2), next to the v1 ones in test_scoring.py.

Pool areas, the counted bonus (``per_hit``), tiers, and organizations to which nothing applies.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pbrules.engine.ranking import rank_organizations
from pbrules.engine.scoring import (
    AREA_MODES,
    UNSCORED_REASON,
    CriterionPoints,
    TierSpec,
    area_scores,
    criterion_points,
    held_tier,
    score_organization,
    tier_fields,
    tier_scores,
)
from pbrules.model.outcome import Status
from pbrules.model.result import OrgResult
from pbrules.packs.schema import Pack

AREAS = ["a", "b", "c"]
BANDS = [(90.0, "excellent"), (75.0, "good"), (60.0, "fair"), (0.0, "weak")]
points_st = st.floats(min_value=0, max_value=100, allow_nan=False, allow_subnormal=False)
compliance_st = st.floats(min_value=0, max_value=1, allow_nan=False)
misses_st = st.integers(min_value=0, max_value=50)
per_miss_st = st.floats(min_value=0, max_value=20, allow_nan=False, allow_subnormal=False)
status_st = st.sampled_from(list(Status))
weights_st = st.fixed_dictionaries(
    {a: st.floats(min_value=0.01, max_value=1000, allow_nan=False) for a in AREAS}
)
pools_st = st.frozensets(st.sampled_from(AREAS))


@st.composite
def raw_st(draw: st.DrawFn) -> tuple[str, str, Status, float, float, int, float]:
    """(area, mode, status, points, compliance, misses, per_miss) of one counted criterion."""
    return (
        draw(st.sampled_from(AREAS)),
        draw(st.sampled_from(sorted(AREA_MODES))),
        draw(status_st),
        draw(points_st),
        draw(compliance_st),
        draw(misses_st),
        draw(per_miss_st),
    )


def _points(raw: tuple[str, str, Status, float, float, int, float], k: float = 1.0) -> Any:
    area, mode, status, points, compliance, misses, per_miss = raw
    return area, criterion_points(
        mode, status, points * k, compliance=compliance, misses=misses, per_miss=per_miss * k
    )


# -- pool areas --------------------------------------------------------------------------------
@given(st.lists(raw_st(), max_size=30), weights_st, pools_st)
def test_a_pool_area_never_leaves_zero_to_weight(
    raws: list[Any], weights: dict[str, float], pools: frozenset[str]
) -> None:
    entries = [_points(r) for r in raws]
    scores = area_scores(entries, weights, pools)
    for area in pools:
        counted = [p for a, p in entries if a == area and p.counted]
        assert (area in scores) == bool(counted)  # a pool with no applicable criterion is out
        if area in scores:
            assert 0.0 <= scores[area] <= weights[area]
            used = sum(p.deduction for p in counted)
            assert scores[area] == pytest.approx(max(0.0, weights[area] - used))


@given(raw_st(), st.integers(0, 30), st.integers(0, 30), weights_st)
def test_more_misses_never_raise_a_pool_area(
    raw: Any, fewer: int, more: int, weights: dict[str, float]
) -> None:
    fewer, more = sorted((fewer, more))
    area = raw[0]
    raw = (raw[0], "deduct", Status.FAIL, *raw[3:])
    one = area_scores([_points((*raw[:5], fewer, raw[6]))], weights, frozenset({area}))
    two = area_scores([_points((*raw[:5], more, raw[6]))], weights, frozenset({area}))
    assert two[area] <= one[area] + 1e-9


def test_pool_deductions_by_mode() -> None:
    # deduct: per_miss x misses, capped at points when points > 0, uncapped when points == 0
    assert criterion_points("deduct", Status.FAIL, 3, misses=5, per_miss=1).deduction == 3
    assert criterion_points("deduct", Status.FAIL, 0, misses=5, per_miss=0.5).deduction == 2.5
    assert criterion_points("all_or_nothing", Status.FAIL, 4).deduction == 4
    assert criterion_points("all_or_nothing", Status.PASS, 4).deduction == 0
    assert criterion_points("proportional", Status.FAIL, 4, compliance=0.25).deduction == 3
    assert criterion_points("deduct", Status.ERROR, 4).deduction == 4
    # 扣完为止: 20 points, deductions of 3 + 2.5 + 30 exhaust it
    entries = [
        ("team", criterion_points("deduct", Status.FAIL, 0, misses=6, per_miss=0.5)),
        ("team", criterion_points("all_or_nothing", Status.FAIL, 30)),
    ]
    assert area_scores(entries[:1], {"team": 20}, frozenset({"team"})) == {"team": 17.0}
    assert area_scores(entries, {"team": 20}, frozenset({"team"})) == {"team": 0.0}


@given(
    st.lists(raw_st(), min_size=1, max_size=20),
    weights_st,
    pools_st,
    st.floats(min_value=0.01, max_value=100, allow_nan=False),
)
def test_scaling_weights_with_pool_points_changes_nothing(
    raws: list[Any], weights: dict[str, float], pools: frozenset[str], k: float
) -> None:
    """Scaling every weight changes nothing; a pool area's weight is in points, so its
    criteria's points and per_miss scale with it."""
    one = score_organization([_points(r) for r in raws], weights, BANDS, pools=pools)
    scaled = {a: w * k for a, w in weights.items()}
    two = score_organization([_points(r, k) for r in raws], scaled, BANDS, pools=pools)
    assert (one.total is None) == (two.total is None)
    if one.total is not None and two.total is not None:
        assert two.total == pytest.approx(one.total, abs=1e-6)
    no_pool = score_organization([_points(r) for r in raws], scaled, BANDS)
    v1 = score_organization([_points(r) for r in raws], weights, BANDS)
    if v1.total is not None and no_pool.total is not None:
        assert no_pool.total == pytest.approx(v1.total, abs=1e-6)


# -- counted bonus -------------------------------------------------------------------------------
@given(
    points_st,
    st.floats(min_value=0.01, max_value=10, allow_nan=False),
    st.one_of(st.integers(-5, 50), st.floats(0, 50, allow_nan=False), st.none(), st.text()),
    st.sampled_from([Status.PASS, Status.FAIL]),
)
def test_per_hit_earns_min_points_per_hit_times_actual(
    points: float, per_hit: float, actual: Any, status: Status
) -> None:
    pts = criterion_points("bonus", status, points, per_hit=per_hit, actual=actual, compliance=0)
    hits = actual if isinstance(actual, int | float) and actual > 0 else 0
    assert pts.bonus == pytest.approx(min(points, per_hit * hits))
    assert pts.earned == pts.bonus and not pts.counted
    assert 0.0 <= pts.bonus <= points


def test_per_hit_of_an_error_or_not_applicable_earns_nothing() -> None:
    assert criterion_points("bonus", Status.ERROR, 5, per_hit=1, actual=3).bonus == 0
    assert criterion_points("bonus", Status.NOT_APPLICABLE, 5, per_hit=1, actual=3).bonus == 0
    assert criterion_points("bonus", Status.PASS, 5, per_hit=1, actual=True).bonus == 0


# -- tiers --------------------------------------------------------------------------------------
TIERS = [
    TierSpec("star1", frozenset({"star1"}), 80.0),
    TierSpec("star2", frozenset({"star2"}), 80.0),
    TierSpec("star3", frozenset({"star3"}), 80.0),
]


@st.composite
def tagged_st(draw: st.DrawFn) -> tuple[str, CriterionPoints, frozenset[str]]:
    area, pts = _points(draw(raw_st()))
    tags = draw(st.frozensets(st.sampled_from(["star1", "star2", "star3", "other"])))
    return area, pts, tags


@given(st.lists(tagged_st(), max_size=30), weights_st, pools_st)
def test_a_tier_is_held_only_with_every_lower_tier_reached(
    entries: list[Any], weights: dict[str, float], pools: frozenset[str]
) -> None:
    scores = tier_scores(entries, weights, TIERS, pools)
    held = held_tier(TIERS, scores)
    for score in scores.values():
        assert score is None or 0.0 <= score <= 100.0
    if held is None:
        first = scores["star1"]
        assert first is None or first < 80.0
        return
    upto = [t.id for t in TIERS].index(held)
    for tier in TIERS[: upto + 1]:
        value = scores[tier.id]
        assert value is not None and value >= tier.min
    if upto + 1 < len(TIERS):
        nxt = scores[TIERS[upto + 1].id]
        assert nxt is None or nxt < TIERS[upto + 1].min


def test_tier_scores_use_the_tagged_criteria_alone() -> None:
    entries = [
        ("a", criterion_points("all_or_nothing", Status.PASS, 10), frozenset({"star1"})),
        ("a", criterion_points("all_or_nothing", Status.FAIL, 10), frozenset({"star2"})),
        ("b", criterion_points("all_or_nothing", Status.PASS, 10), frozenset({"star3"})),
    ]
    weights = {"a": 1.0, "b": 1.0}
    fields = tier_fields(entries, weights, TIERS)
    assert fields == {"tier": "star1", "tier_scores": {"star1": 100.0, "star2": 0.0,
                                                      "star3": 100.0}}
    assert tier_fields(entries, weights, []) == {}  # a v1 pack adds no fields
    none_apply = tier_fields(entries[:1], weights, TIERS)
    assert none_apply == {"tier": "star1", "tier_scores": {"star1": 100.0, "star2": None,
                                                          "star3": None}}


# -- nothing applicable ------------------------------------------------------------------------
@given(st.lists(st.tuples(st.sampled_from(AREAS), status_st, points_st), max_size=10))
def test_nothing_applicable_has_no_total_and_never_zero(rows: list[Any]) -> None:
    entries = [
        (a, criterion_points("bonus" if s is Status.PASS else "veto", s, p)) for a, s, p in rows
    ] + [(a, criterion_points("deduct", Status.NOT_APPLICABLE, p)) for a, _s, p in rows]
    score = score_organization(entries, dict.fromkeys(AREAS, 1.0), BANDS)
    assert score.total is None and score.base_total is None and score.grade is None
    assert score.unscored_reason == UNSCORED_REASON


def _org(org_id: str, total: float | None, group: str = "g") -> OrgResult:
    return OrgResult(
        org_id=org_id, name=org_id, kind="branch", parent_id=None, group=group, total=total,
        base_total=total, bonus=0.0, grade=None if total is None else "weak", complete=True,
        areas={}, unscored_reason=None if total is not None else UNSCORED_REASON,
    )


PACK = Pack.model_validate(
    {"pack": "p", "version": "1", "areas": [{"id": "a", "weight": 1}],
     "groups": [{"id": "g", "where": {"kind": ["branch"]}}], "ranking": {"top": 5, "bottom": 5}}
)


@settings(max_examples=60)
@given(st.lists(st.none() | st.floats(0, 105, allow_nan=False), min_size=1, max_size=12))
def test_nothing_applicable_orgs_are_never_ranked(totals: list[float | None]) -> None:
    orgs = [_org(f"B{i:02d}", t) for i, t in enumerate(totals)]
    info, rankings = rank_organizations(orgs, PACK)
    scored = [o for o in orgs if o.total is not None]
    for o in orgs:
        if o.total is None:
            assert info[o.org_id].rank is None and info[o.org_id].group_size is None
            assert o.org_id not in rankings["g"].top + rankings["g"].bottom
        else:
            assert info[o.org_id].group_size == len(scored)
            rank = info[o.org_id].rank
            assert rank is not None and 1 <= rank <= len(scored)


def test_unscored_previous_total_gives_no_change() -> None:
    from pbrules.model.result import PackRef, RunResult, Summary

    previous = RunResult(
        pack=PackRef(id="p", version="1", digest="x"), period="2026Q2",
        organizations=[_org("B01", None), _org("B02", 70.0)],
        summary=Summary(evaluated=2, rejected=0, findings=0, incomplete=0),
    )
    info, _ = rank_organizations([_org("B01", 80.0), _org("B02", None)], PACK, previous)
    assert info["B01"].previous_total is None and info["B01"].total_change is None
    assert info["B02"].previous_total == 70.0 and info["B02"].total_change is None


def test_result_keeps_the_v1_shape_without_tiers_or_unscored() -> None:
    scored = _org("B01", 80.0).model_dump()
    assert "tier" not in scored and "tier_scores" not in scored
    assert "unscored_reason" not in scored
    unscored = _org("B02", None).model_dump()
    assert unscored["total"] is None and unscored["unscored_reason"] == UNSCORED_REASON
    tiered = _org("B03", 90.0).model_copy(update={"tier": None, "tier_scores": {"s": None}})
    assert tiered.model_dump()["tier"] is None and tiered.model_dump()["tier_scores"] == {"s": None}

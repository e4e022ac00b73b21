"""Property tests of every scoring rule in DESIGN §5 (pbrules.engine.scoring)."""

from __future__ import annotations

import math
from typing import Any

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from pbrules.engine.scoring import (
    AREA_MODES,
    NOT_COUNTED,
    CriterionPoints,
    Tally,
    area_scores,
    base_total,
    criterion_points,
    grade_for,
    score_organization,
)
from pbrules.model.outcome import Status

MODES = ["all_or_nothing", "proportional", "deduct", "bonus", "veto"]
AREAS = ["a", "b", "c"]
BANDS = [(90.0, "excellent"), (75.0, "good"), (60.0, "fair"), (0.0, "weak")]
BAND_RANK = {"weak": 0, "fair": 1, "good": 2, "excellent": 3}

# Subnormal floats are left out: the tests' own reference arithmetic underflows on them.
points_st = st.floats(min_value=0, max_value=100, allow_nan=False, allow_subnormal=False)
compliance_st = st.floats(min_value=0, max_value=1, allow_nan=False, allow_subnormal=False)
misses_st = st.integers(min_value=0, max_value=50)
per_miss_st = st.floats(min_value=0, max_value=20, allow_nan=False, allow_subnormal=False)
status_st = st.sampled_from(list(Status))


@st.composite
def criterion_st(draw: st.DrawFn) -> tuple[str, CriterionPoints]:
    return draw(st.sampled_from(AREAS)), criterion_points(
        draw(st.sampled_from(MODES)),
        draw(status_st),
        draw(points_st),
        compliance=draw(compliance_st),
        misses=draw(misses_st),
        per_miss=draw(per_miss_st),
    )


weights_st = st.fixed_dictionaries(
    {a: st.floats(min_value=0.01, max_value=1000, allow_nan=False) for a in AREAS}
)


# -- criterion points -------------------------------------------------------------------------
@given(st.sampled_from(MODES), status_st, points_st, compliance_st, misses_st, per_miss_st)
def test_earned_is_within_zero_and_max(
    mode: str, status: Status, points: float, compliance: float, misses: int, per_miss: float
) -> None:
    pts = criterion_points(
        mode, status, points, compliance=compliance, misses=misses, per_miss=per_miss
    )
    assert 0.0 <= pts.earned <= pts.max
    assert 0.0 <= pts.bonus <= pts.max


@given(st.sampled_from(MODES), points_st, compliance_st, misses_st, per_miss_st)
def test_not_applicable_leaves_earned_and_max(
    mode: str, points: float, compliance: float, misses: int, per_miss: float
) -> None:
    pts = criterion_points(
        mode,
        Status.NOT_APPLICABLE,
        points,
        compliance=compliance,
        misses=misses,
        per_miss=per_miss,
    )
    assert pts == CriterionPoints(0.0, 0.0, counted=False)


@given(st.sampled_from(sorted(AREA_MODES)), points_st, compliance_st, misses_st)
def test_error_counts_max_with_zero_earned(
    mode: str, points: float, compliance: float, misses: int
) -> None:
    pts = criterion_points(mode, Status.ERROR, points, compliance=compliance, misses=misses)
    assert pts.counted and pts.earned == 0.0 and pts.max == points


@given(points_st, compliance_st, misses_st)
def test_all_or_nothing(points: float, compliance: float, misses: int) -> None:
    ok = criterion_points("all_or_nothing", Status.PASS, points, compliance=compliance)
    ko = criterion_points("all_or_nothing", Status.FAIL, points, compliance=compliance)
    assert ok.earned == points and ko.earned == 0.0
    assert ok.counted and ko.counted and ok.max == ko.max == points


@given(status_st.filter(lambda s: s in (Status.PASS, Status.FAIL)), points_st, compliance_st)
def test_proportional(status: Status, points: float, compliance: float) -> None:
    pts = criterion_points("proportional", status, points, compliance=compliance)
    assert pts.earned == pytest.approx(points * compliance)


@given(points_st, misses_st, per_miss_st)
def test_deduct(points: float, misses: int, per_miss: float) -> None:
    pts = criterion_points("deduct", Status.FAIL, points, misses=misses, per_miss=per_miss)
    assert pts.earned == pytest.approx(max(0.0, points - per_miss * misses))


@given(status_st, points_st, compliance_st)
def test_bonus_enters_no_area_sum(status: Status, points: float, compliance: float) -> None:
    pts = criterion_points("bonus", status, points, compliance=compliance)
    assert not pts.counted
    if status in (Status.PASS, Status.FAIL):
        assert pts.bonus == pytest.approx(points * compliance)
    else:
        assert pts.bonus == 0.0


@given(status_st, points_st)
def test_veto_carries_no_points_and_caps_only_on_fail(status: Status, points: float) -> None:
    pts = criterion_points("veto", status, points)
    assert not pts.counted and pts.earned == pts.max == pts.bonus == 0.0
    assert pts.vetoed == (status is Status.FAIL)


def test_unknown_mode_is_an_error() -> None:
    with pytest.raises(ValueError, match="unknown scoring mode"):
        criterion_points("percent", Status.PASS, 10)


# -- areas and totals -------------------------------------------------------------------------
@given(st.lists(criterion_st(), max_size=30), weights_st)
def test_base_total_is_between_0_and_100(
    entries: list[tuple[str, CriterionPoints]], weights: dict[str, float]
) -> None:
    scores = area_scores(entries, weights)
    total = base_total(scores, weights)
    assert 0.0 <= total <= 100.0
    for area, score in scores.items():
        assert 0.0 <= score <= weights[area] * (1 + 1e-12)


@given(st.lists(criterion_st(), max_size=30), weights_st)
def test_areas_without_counted_criteria_are_left_out(
    entries: list[tuple[str, CriterionPoints]], weights: dict[str, float]
) -> None:
    scores = area_scores(entries, weights)
    for area in AREAS:
        counted_max = sum(p.max for a, p in entries if a == area and p.counted)
        assert (area in scores) == (counted_max > 0)
        if area in scores:
            earned = sum(p.earned for a, p in entries if a == area and p.counted)
            assert scores[area] == pytest.approx(weights[area] * earned / counted_max)


@given(
    st.lists(criterion_st(), max_size=30),
    weights_st,
    st.floats(min_value=0.001, max_value=1000, allow_nan=False),
)
def test_scaling_every_weight_changes_nothing(
    entries: list[tuple[str, CriterionPoints]], weights: dict[str, float], k: float
) -> None:
    scaled = {a: w * k for a, w in weights.items()}
    one = score_organization(entries, weights, BANDS)
    two = score_organization(entries, scaled, BANDS)
    assert two.base_total == pytest.approx(one.base_total, abs=1e-9)
    assert two.total == pytest.approx(one.total, abs=1e-9)
    assert set(one.areas) == set(two.areas)


@given(st.lists(criterion_st(), max_size=30), weights_st, st.floats(0, 20, allow_nan=False))
def test_total_is_base_plus_capped_bonus(
    entries: list[tuple[str, CriterionPoints]], weights: dict[str, float], cap: float
) -> None:
    score = score_organization(entries, weights, BANDS, bonus_cap=cap)
    raw_bonus = sum(p.bonus for _a, p in entries)
    assert score.bonus == pytest.approx(min(raw_bonus, cap))
    if not score.areas:  # nothing applicable: no total (DESIGN §12.2), never 0
        assert score.total is None and score.base_total is None and score.grade is None
        return
    assert score.base_total is not None
    assert score.total == pytest.approx(score.base_total + min(raw_bonus, cap))
    assert score.base_total <= 100.0


@given(st.lists(criterion_st(), max_size=30), weights_st)
def test_base_total_is_the_weighted_mean_of_area_ratios(
    entries: list[tuple[str, CriterionPoints]], weights: dict[str, float]
) -> None:
    scores = area_scores(entries, weights)
    assume(scores)
    expected = 100 * sum(scores.values()) / sum(weights[a] for a in scores)
    assert base_total(scores, weights) == pytest.approx(min(100.0, expected))


def _summed_per_area(
    entries: list[tuple[str, CriterionPoints]], weights: dict[str, float]
) -> tuple[dict[str, float], float]:
    """The area scores and raw bonus as plain sums over a list (the engine's tally must give
    exactly these floats)."""
    earned: dict[str, float] = {}
    maximum: dict[str, float] = {}
    for area, pts in entries:
        if pts.counted:
            earned[area] = earned.get(area, 0.0) + pts.earned
            maximum[area] = maximum.get(area, 0.0) + pts.max
    areas = {
        a: w * min(1.0, earned[a] / maximum[a]) for a, w in weights.items() if maximum.get(a, 0)
    }
    return areas, sum(p.bonus for _a, p in entries)


@given(st.lists(criterion_st(), max_size=30), weights_st)
def test_the_tally_is_the_plain_sums_with_or_without_criteria_that_add_nothing(
    entries: list[tuple[str, CriterionPoints]], weights: dict[str, float]
) -> None:
    areas, bonus = _summed_per_area(entries, weights)
    whole, left_out = Tally(), Tally()
    for area, pts in entries:
        whole.add(area, pts)
        if pts is not NOT_COUNTED:
            left_out.add(area, pts)
    for tally in (whole, left_out):
        assert tally.area_scores(weights) == areas
        score = tally.score(weights, BANDS, bonus_cap=5.0)
        assert score.bonus == min(bonus, 5.0)
        assert score == score_organization(entries, weights, BANDS, bonus_cap=5.0)


def test_no_area_present_gives_zero() -> None:
    assert base_total({}, {"a": 1.0}) == 0.0


@given(
    st.lists(
        st.tuples(
            st.sampled_from(AREAS),
            st.sampled_from(sorted(AREA_MODES)),
            points_st,
            compliance_st,
            misses_st,
        ),
        min_size=1,
        max_size=20,
    ),
    st.integers(min_value=0, max_value=19),
    weights_st,
)
def test_more_compliance_never_lowers_the_total(
    rows: list[tuple[str, str, float, float, int]], which: int, weights: dict[str, float]
) -> None:
    """Monotonicity: improving one outcome (pass, more compliance, fewer misses) never lowers."""

    def entries(improve: int | None) -> list[tuple[str, CriterionPoints]]:
        out = []
        for i, (area, mode, points, compliance, misses) in enumerate(rows):
            status = Status.FAIL
            if i == improve:
                status, compliance, misses = Status.PASS, 1.0, 0
            pts = criterion_points(
                mode, status, points, compliance=compliance, misses=misses, per_miss=2.0
            )
            out.append((area, pts))
        return out

    before = score_organization(entries(None), weights, BANDS)
    after = score_organization(entries(which % len(rows)), weights, BANDS)
    assert (before.base_total is None) == (after.base_total is None)
    if before.base_total is not None and after.base_total is not None:
        assert after.base_total >= before.base_total - 1e-9


# -- grades -------------------------------------------------------------------------------------
@given(st.floats(min_value=0, max_value=105, allow_nan=False))
def test_grade_is_the_highest_band_reached(total: float) -> None:
    grade = grade_for(total, BANDS)
    expected = next(name for low, name in BANDS if total >= low)
    assert grade == expected


@given(st.floats(0, 105, allow_nan=False), st.floats(0, 105, allow_nan=False))
def test_grade_is_monotone_in_the_total(low: float, high: float) -> None:
    low, high = sorted((low, high))
    assert BAND_RANK[grade_for(low, BANDS)] <= BAND_RANK[grade_for(high, BANDS)]


@given(
    st.floats(min_value=0, max_value=105, allow_nan=False),
    st.sampled_from(["weak", "fair", "good"]),
    st.permutations(BANDS),
)
def test_veto_caps_the_grade(total: float, veto_grade: str, bands: list[tuple[float, str]]) -> None:
    capped = grade_for(total, bands, vetoed=True, veto_grade=veto_grade)
    free = grade_for(total, bands)
    assert BAND_RANK[capped] <= BAND_RANK[veto_grade]
    assert capped == (veto_grade if BAND_RANK[free] > BAND_RANK[veto_grade] else free)


def test_band_order_in_the_pack_does_not_matter() -> None:
    for total in (0, 59.99, 60, 74.5, 75, 89.999, 90, 100):
        assert grade_for(total, BANDS) == grade_for(total, list(reversed(BANDS)))


def test_below_every_band_gets_the_lowest() -> None:
    assert grade_for(10, [(50.0, "pass"), (30.0, "low")]) == "low"


@settings(max_examples=50)
@given(st.lists(criterion_st(), max_size=20), weights_st)
def test_a_failed_veto_caps_the_organization(
    entries: list[tuple[str, CriterionPoints]], weights: dict[str, float]
) -> None:
    vetoed = [*entries, ("a", criterion_points("veto", Status.FAIL, 0))]
    score = score_organization(vetoed, weights, BANDS, veto_grade="fair")
    assert score.vetoed
    free = score_organization(entries, weights, BANDS)
    if score.total is None or free.total is None:  # nothing applicable: no grade to cap
        assert score.total is None and free.total is None and score.grade is None
        return
    assert score.grade is not None and BAND_RANK[score.grade] <= BAND_RANK["fair"]
    assert math.isclose(score.total, free.total)


# -- the worked example of docs/scoring.md ------------------------------------------------------
DOCS = __import__("pathlib").Path(__file__).resolve().parent.parent / "docs" / "scoring.md"
WEIGHTS = {"standardization": 40.0, "supervision": 30.0, "team_stability": 30.0}


def _example(team_applies: bool = True, veto: Status = Status.PASS) -> Any:
    team = Status.PASS if team_applies else Status.NOT_APPLICABLE
    rows = [
        ("standardization", "all_or_nothing", Status.PASS, 5, 1.0, 0, 0),
        ("standardization", "deduct", Status.FAIL, 10, 0.0, 2, 2),
        ("standardization", "proportional", Status.FAIL, 10, 0.9, 0, 0),
        ("standardization", "all_or_nothing", Status.NOT_APPLICABLE, 4, 1.0, 0, 0),
        ("supervision", "deduct", Status.FAIL, 6, 0.0, 1, 3),
        ("supervision", "proportional", Status.ERROR, 4, 0.0, 0, 0),
        ("team_stability", "all_or_nothing", team, 10, 1.0, 0, 0),
        ("team_stability", "all_or_nothing", team, 10, 1.0, 0, 0),
        ("standardization", "bonus", Status.PASS, 3, 1.0, 0, 0),
        ("standardization", "bonus", Status.PASS, 4, 1.0, 0, 0),
        ("political_function", "veto", veto, 0, 1.0, 0, 0),
    ]
    entries = [
        (area, criterion_points(mode, st_, pts, compliance=c, misses=m, per_miss=pm))
        for area, mode, st_, pts, c, m, pm in rows
    ]
    return score_organization(entries, WEIGHTS, BANDS, bonus_cap=5.0)


def test_the_worked_example_in_the_docs() -> None:
    text = DOCS.read_text(encoding="utf-8")
    score = _example()
    assert score.areas == pytest.approx(
        {"standardization": 32.0, "supervision": 9.0, "team_stability": 30.0}
    )
    assert (score.base_total, score.bonus, score.total) == pytest.approx((71.0, 5.0, 76.0))
    assert score.grade == "good" and not score.vetoed
    for figure in ("**32.0**", "**9.0**", "**30.0**", "**71.0**", "**5.0**", "**76.0**"):
        assert figure in text
    vetoed = _example(veto=Status.FAIL)
    assert vetoed.total == pytest.approx(76.0) and vetoed.grade == "weak"
    no_team = _example(team_applies=False)
    assert "team_stability" not in no_team.areas
    assert f"**{no_team.base_total:.2f}**" in text and f"**{no_team.total:.2f}**" in text
    assert no_team.grade == "fair" and "grade **fair**" in text

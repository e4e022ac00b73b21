import itertools
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pbrules.model.period import Month, Period, PeriodKind, add_months


@pytest.mark.parametrize(
    ("text", "start", "end", "months"),
    [
        ("2026Q3", date(2026, 7, 1), date(2026, 9, 30), ("2026-07", "2026-08", "2026-09")),
        ("2024-02", date(2024, 2, 1), date(2024, 2, 29), ("2024-02",)),
        (
            "2026H2",
            date(2026, 7, 1),
            date(2026, 12, 31),
            tuple(f"2026-{m:02d}" for m in range(7, 13)),
        ),
        (
            "2026",
            date(2026, 1, 1),
            date(2026, 12, 31),
            tuple(f"2026-{m:02d}" for m in range(1, 13)),
        ),
    ],
)
def test_parse_calendar(text: str, start: date, end: date, months: tuple[str, ...]) -> None:
    p = Period.parse(text)
    assert str(p) == text
    assert (p.start, p.end, p.months) == (start, end, months)


@pytest.mark.parametrize("bad", ["2026Q5", "2026-13", "2026H3", "26Q1", "", "2026q1x", "1800"])
def test_parse_rejects(bad: str) -> None:
    with pytest.raises(ValueError, match="invalid period"):
        Period.parse(bad)


def test_previous_across_year() -> None:
    assert str(Period.parse("2026Q1").previous()) == "2025Q4"
    assert str(Period.parse("2026-01").previous()) == "2025-12"
    assert str(Period.parse("2026H1").previous()) == "2025H2"
    assert str(Period.parse("2026").previous()) == "2025"


def test_tokens() -> None:
    assert {"Q4", "quarter", "year_end"} == set(Period.parse("2026Q4").tokens)
    assert "year_end" not in Period.parse("2026Q3").tokens
    assert "year_end" in Period.parse("2026").tokens


periods = st.builds(
    lambda kind, year, i: Period(
        kind, year, (i % {"month": 12, "quarter": 4, "half": 2, "year": 1}[kind.value]) + 1
    ),
    st.sampled_from(list(PeriodKind)),
    st.integers(1901, 2998),  # Period.parse refuses years after MAX_YEAR (2999)
    st.integers(0, 11),
)


@given(periods)
def test_neighbours_are_adjacent(p: Period) -> None:
    assert p.next().previous() == p
    assert p.previous().end.toordinal() + 1 == p.start.toordinal()
    assert p.next().start.toordinal() == p.end.toordinal() + 1
    assert len(p.months) == p.n_months
    assert Period.parse(str(p)) == p
    assert all(p.contains(Month.parse(m).start) for m in p.months)


@given(
    st.dates(min_value=date(1901, 1, 1), max_value=date(9000, 12, 31)),
    st.sampled_from(list(PeriodKind)),
)
def test_containing(d: date, kind: PeriodKind) -> None:
    assert Period.containing(d, kind).contains(d)


def test_add_months_clamps() -> None:
    assert add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)
    assert add_months(date(2025, 1, 31), 1) == date(2025, 2, 28)
    assert add_months(date(2025, 11, 30), 3) == date(2026, 2, 28)


@given(periods, st.integers(-60, 60), st.integers(-60, 60))
def test_shift_is_additive(p: Period, a: int, b: int) -> None:
    assert p.shift(a).shift(b) == p.shift(a + b)
    assert p.shift(a).kind is p.kind


@given(periods)
def test_a_year_of_steps_crosses_one_year_boundary(p: Period) -> None:
    per_year = 12 // p.n_months
    later = p.shift(per_year)
    assert (later.year, later.index) == (p.year + 1, p.index)
    months = [m for k in range(per_year) for m in p.shift(k).months]
    assert len(months) == 12 == len(set(months))
    assert all(Month.parse(b) == Month.parse(a).shift(1) for a, b in itertools.pairwise(months))


@given(periods)
def test_period_of_its_own_days(p: Period) -> None:
    assert Period.containing(p.start, p.kind) == p
    assert Period.containing(p.end, p.kind) == p
    assert p.previous() < p < p.next()


def test_year_boundaries_by_hand() -> None:
    assert str(Period.parse("2025Q4").next()) == "2026Q1"
    assert str(Period.parse("2025-12").next()) == "2026-01"
    assert str(Period.parse("2025H2").next()) == "2026H1"
    assert Period.parse("2026Q1").previous().months == ("2025-10", "2025-11", "2025-12")
    assert Month(2025, 12).shift(1) == Month(2026, 1)
    assert Month(2026, 1).shift(-13) == Month(2024, 12)

"""The domain checkers' shared views and shortcuts give what the plain definitions give.

- ``payments`` holds every dues row's member, month, due and the amount paid by ``as_of``;
- ``SnapshotIndex.meetings_by_month``, built on first use, is what ``build_index`` built;
- ``_member_months`` (a member on the rolls all period who paid every month is counted at
  once) counts owed, paid and unpaid member-months as the month-by-month walk does.
"""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from pbrules.builtin.checkers.dues import (
    _AMOUNTS_KEPT,
    BracketParams,
    _member_months,
    _owes,
    _pays,
    _required,
    paid_months,
    payments,
)
from pbrules.model.index import build_index
from pbrules.model.snapshot import DuesCategory, Member, Snapshot
from pbrules.testing.strategies import snapshots


@given(snapshots(), st.integers(min_value=-40, max_value=40))
@settings(max_examples=40, deadline=None)
def test_payments_are_the_rows(snapshot: Snapshot, shift: int) -> None:
    index = build_index(snapshot)
    as_of = index.as_of + timedelta(days=shift)
    shared = payments(index, as_of)
    assert payments(index, as_of) is shared
    assert len(shared) == len(snapshot.dues)
    for (member_id, month, due, paid), row in zip(shared, snapshot.dues, strict=True):
        assert (member_id, month, due) == (row.member_id, row.month, row.due)
        made = row.paid_on is None or row.paid_on <= as_of
        assert paid == (row.paid if made else None)


def _plain_member_months(
    snapshot: Snapshot, months: list[tuple[str, date, date]], as_of: date, tolerance: float
) -> tuple[int, int, list[str]]:
    """The definition: every member, every month begun, owed when a member on its first day."""
    index = build_index(snapshot)
    owed = paid = 0
    unpaid: list[str] = []
    for member in sorted(snapshot.members, key=lambda m: m.id):
        rows = index.dues_by_member.get(member.id, {})
        for key, start, end in months:
            if not _owes(member, start):
                continue
            if _pays(rows.get(key), as_of, tolerance):
                owed += 1
                paid += 1
            elif end <= as_of:
                owed += 1
                unpaid.append(f"{member.id}:{key}")
    return owed, paid, unpaid


@given(snapshots(), st.integers(min_value=-70, max_value=20), st.sampled_from([0.0, 0.005]))
@settings(max_examples=60, deadline=None)
def test_member_months_shortcut_is_the_walk(
    snapshot: Snapshot, shift: int, tolerance: float
) -> None:
    index = build_index(snapshot)
    as_of = index.as_of + timedelta(days=shift)
    months = [b for b in index.period_month_bounds if b[1] <= as_of]
    found = _member_months(
        index.members_sorted, months, paid_months(index, as_of, tolerance), as_of
    )
    assert found == _plain_member_months(snapshot, months, as_of, tolerance)


def _plain_meetings_by_month(snapshot: Snapshot, as_of: date) -> dict[str, dict[str, list[str]]]:
    """The definition: meetings held in the period and by ``as_of``, by type and month."""
    start, end = snapshot.period.start, snapshot.period.end
    out: dict[str, dict[str, list[str]]] = {}
    for m in sorted(snapshot.meetings, key=lambda m: (m.held_on, m.id)):
        if start <= m.held_on <= end and m.held_on <= as_of:
            kind = m.type.value if m.type is not None else ""
            out.setdefault(kind, {}).setdefault(m.held_on.strftime("%Y-%m"), []).append(m.id)
    return out


@given(snapshots(), st.integers(min_value=-60, max_value=10))
@settings(max_examples=40, deadline=None)
def test_meetings_by_month_built_on_use(snapshot: Snapshot, shift: int) -> None:
    as_of = build_index(snapshot).as_of + timedelta(days=shift)
    index = build_index(snapshot, as_of=as_of)
    found = {
        kind: {month: [m.id for m in ms] for month, ms in by_month.items()}
        for kind, by_month in index.meetings_by_month.items()
    }
    assert found == _plain_meetings_by_month(snapshot, as_of)


def _plain_required(member: Member, params: BracketParams) -> float | bool | None:
    """The bracket amount as the regulation's table reads, worked out afresh."""
    category = member.dues_category
    if category in (DuesCategory.EMPLOYED, DuesCategory.RETIRED):
        if member.monthly_income is None:
            return False
        table = params.employed if category is DuesCategory.EMPLOYED else params.retired
        for bracket in table:
            if bracket.up_to is None or member.monthly_income <= bracket.up_to:
                return bracket.rate * member.monthly_income
        return None
    if category is None:
        return False
    return params.flat.get(category)


@given(
    st.lists(
        st.tuples(
            st.sampled_from([None, *DuesCategory]),
            st.one_of(st.none(), st.sampled_from([0.0, 3000.0, 3000.5, 5000.0, 12000.0])),
        ),
        min_size=1,
        max_size=30,
    )
)
@settings(max_examples=60, deadline=None)
def test_bracket_amounts_kept_by_income_are_the_table(
    people: list[tuple[DuesCategory | None, float | None]],
) -> None:
    """``dues.bracket`` keeps each income's amount per criterion: the same amounts as the
    table read afresh, for every member, found again or not."""
    params = BracketParams(employed=[{"up_to": 3000, "rate": 0.005}, {"up_to": 5000, "rate": 0.01}])
    for category, income in people * 2:
        member = Member(id="M1", name="m", dues_category=category, monthly_income=income)
        assert _required(member, params) == _plain_required(member, params)
    assert len(params.amounts) <= _AMOUNTS_KEPT

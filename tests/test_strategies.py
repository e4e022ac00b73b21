"""The hypothesis strategies shipped in pbrules.testing.strategies build valid data."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pbrules.dataset import validate_record
from pbrules.io import RawRecord
from pbrules.model.period import Period, PeriodKind
from pbrules.model.snapshot import OrgKind, Snapshot
from pbrules.testing.strategies import datasets, periods, snapshot_dicts, snapshots

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.mark.slow
@SETTINGS
@given(snapshots())
def test_snapshots_validate_and_round_trip(s: Snapshot) -> None:
    again = Snapshot.model_validate(s.model_dump())
    assert again == s
    assert Snapshot.model_validate_json(s.model_dump_json()) == s
    # through plain JSON text, as a reader sees it
    assert Snapshot.model_validate(json.loads(s.model_dump_json())) == s


@pytest.mark.slow
@SETTINGS
@given(snapshot_dicts(max_members=5))
def test_snapshot_dicts_pass_the_dataset_validation(data: dict) -> None:  # type: ignore[type-arg]
    item = validate_record(RawRecord(source="x.jsonl:1", data=data))
    assert isinstance(item, Snapshot), item


@pytest.mark.slow
@settings(max_examples=30, deadline=None)
@given(snapshots(period="2026Q3", kinds=["branch"], min_members=3, max_members=3, org_id="B01"))
def test_snapshot_parameters_are_honoured(s: Snapshot) -> None:
    assert str(s.period) == "2026Q3"
    assert s.organization.kind is OrgKind.BRANCH
    assert s.organization.id == "B01"
    assert len(s.members) == 3
    dates = [m.held_on for m in s.meetings] + [v.visited_on for v in s.visits]
    assert all(d <= s.period.end for d in dates)


@pytest.mark.slow
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(datasets(min_size=2, max_size=12))
def test_datasets_form_one_tree(snaps: list[Snapshot]) -> None:
    ids = [s.organization.id for s in snaps]
    assert len(ids) == len(set(ids))
    assert len({s.period for s in snaps}) == 1
    roots = [s for s in snaps if s.organization.parent_id is None]
    assert len(roots) == 1
    seen: set[str] = set()
    children: dict[str, set[str]] = {}
    for s in snaps:
        parent = s.organization.parent_id
        assert parent is None or parent in seen  # parents come first
        seen.add(s.organization.id)
        if parent is not None:
            children.setdefault(parent, set()).add(s.organization.id)
    for s in snaps:
        assert {v.target_org_id for v in s.visits} <= children.get(s.organization.id, set())


@given(periods([PeriodKind.MONTH, "half"]))
def test_periods_kinds(p: Period) -> None:
    assert p.kind in (PeriodKind.MONTH, PeriodKind.HALF)
    assert Period.parse(str(p)) == p


@settings(max_examples=20, deadline=None)
@given(st.data())
def test_period_strategy_argument(data: st.DataObject) -> None:
    s = data.draw(snapshots(period=periods(["month"], min_year=2026, max_year=2026)))
    assert s.period.kind is PeriodKind.MONTH and s.period.year == 2026

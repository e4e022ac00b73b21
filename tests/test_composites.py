"""Composite criteria run after what they read: in dependency order within pass 1; a composite
that reads a roll-up (pass 2), or composites that read each other in a cycle, are pack errors."""

from __future__ import annotations

from typing import Any

import pytest

from pbrules.engine.evaluate import Engine
from pbrules.errors import PackError
from pbrules.model.outcome import Status
from pbrules.model.snapshot import Snapshot
from pbrules.packs.schema import Pack


def _pack(criteria: list[dict[str, Any]]) -> Pack:
    return Pack.model_validate(
        {
            "pack": "composites",
            "version": "1",
            "areas": [{"id": "a", "weight": 1}],
            "criteria": [{"title": c["id"], "area": "a", **c} for c in criteria],
        }
    )


def _branch() -> Snapshot:
    return Snapshot.model_validate(
        {"period": "2026Q3", "organization": {"id": "B1", "name": "B", "kind": "branch"}}
    )


def test_a_composite_reading_a_later_composite_sees_its_outcome() -> None:
    engine = Engine(
        _pack(
            [
                {"id": "K1", "check": "composite", "params": {"any_failed": ["K2"]},
                 "scoring": {"mode": "veto"}},
                {"id": "K2", "check": "composite", "params": {"no_meetings": True},
                 "scoring": {"mode": "veto"}},
            ]
        )
    )  # fmt: skip
    org = engine.run([_branch()]).organizations[0]
    status = {c.id: c.status for c in org.criteria}
    assert status == {"K1": Status.FAIL, "K2": Status.FAIL}
    assert [c.id for c in org.criteria] == ["K1", "K2"]  # pack order is kept in the result


def test_a_composite_reading_a_rollup_is_refused() -> None:
    with pytest.raises(PackError, match="composite refers to roll-up criterion V05"):
        Engine(
            _pack(
                [
                    {"id": "V05", "check": "rollup.subordinates", "points": 5,
                     "scoring": {"mode": "proportional"}},
                    {"id": "P02", "check": "composite", "params": {"any_failed": ["V05"]},
                     "scoring": {"mode": "veto"}},
                ]
            )
        )  # fmt: skip


def test_composites_in_a_cycle_are_refused() -> None:
    with pytest.raises(PackError, match="cycle: K1 -> K2 -> K1"):
        Engine(
            _pack(
                [
                    {"id": "K1", "check": "composite", "params": {"any_failed": ["K2"]},
                     "scoring": {"mode": "veto"}},
                    {"id": "K2", "check": "composite", "params": {"any_failed": ["K1"]},
                     "scoring": {"mode": "veto"}},
                ]
            )
        )  # fmt: skip

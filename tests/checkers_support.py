"""Small builders for the checker tests: snapshots from short dicts, and running one checker."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from pbrules.builtin.checkers import builtin_checkers
from pbrules.checker import CheckContext, Checker, ChildRef, ChildScore
from pbrules.model.index import build_index
from pbrules.model.outcome import Outcome
from pbrules.model.period import Period
from pbrules.model.snapshot import Snapshot

CHECKERS: dict[str, Checker[Any]] = {c.name: c for c in builtin_checkers()}

ORG: dict[str, Any] = {
    "id": "B01",
    "name": "Test Branch",
    "kind": "branch",
    "category": "village",
    "founded_on": "2001-07-01",
}


def snap(period: str = "2026Q3", **fields: Any) -> Snapshot:
    """A snapshot of branch B01 with the given record lists (and ``organization`` overrides)."""
    org = {**ORG, **fields.pop("organization", {})}
    return Snapshot.model_validate({"period": period, "organization": org, **fields})


def members(n: int, **fields: Any) -> list[dict[str, Any]]:
    return [{"id": f"M{i}", "status": "full", **fields} for i in range(1, n + 1)]


def run(
    name: str,
    snapshot: Snapshot,
    params: Mapping[str, Any] | None = None,
    *,
    period: str | Period | None = None,
    as_of: date | None = None,
    children: tuple[ChildRef, ...] = (),
    outcomes: Mapping[str, Outcome] | None = None,
    child_results: Mapping[str, ChildScore] | None = None,
) -> Outcome:
    """Run one built-in checker as the engine would (params validated, index built)."""
    checker = CHECKERS[name]
    parsed = checker.parse_params(params or {})
    p = Period.parse(period) if period is not None else snapshot.period
    index = build_index(snapshot, p, as_of)
    ctx = CheckContext(
        period=p,
        as_of=index.as_of,
        index=index,
        children=children,
        outcomes=dict(outcomes or {}),
        child_results=dict(child_results or {}),
    )
    return checker.check(snapshot, parsed, ctx)

"""One task per problem in the ledger: a sync opens one item per problem, and a ledger that
already holds an organization-level item and per-subject items of the same problem (synced
before the rule) merges each per-subject item into it by one ``merged`` event, deleting nothing."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from pbrules.ledger import ItemStatus, Ledger
from pbrules.ledger import sync as sync_module
from test_ledger import make_result

DUE = date(2026, 12, 31)
ROWS = [("B1", "D01", None, DUE), ("B1", "D01", "P1", DUE), ("B1", "D01", "P2", DUE)]


def test_a_sync_opens_one_item_per_problem(tmp_path: Path) -> None:
    with Ledger(tmp_path / "l.db") as ledger:
        report = ledger.sync(
            make_result("2026Q3", {"B1": ["D01"]}, ROWS), now=datetime(2026, 10, 1, tzinfo=UTC)
        )
        assert len(report.new) == 1 and report.merged == []
        (item,) = ledger.items()
        assert item.subject_type is None and "(P1, P2)" in item.message


def test_existing_duplicates_merge_as_one_event_each(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with Ledger(tmp_path / "l.db") as ledger:
        with monkeypatch.context() as old_rule:  # a ledger synced before one task per problem
            old_rule.setattr(sync_module, "one_task_per_problem", list)
            first = ledger.sync(
                make_result("2026Q2", {"B1": ["D01"]}, ROWS), now=datetime(2026, 7, 1, tzinfo=UTC)
            )
        assert len(first.new) == 3
        org_item = next(i.number for i in ledger.items() if i.subject_type is None)
        events_before = len(ledger.events())

        second = ledger.sync(
            make_result("2026Q3", {"B1": ["D01"]}, ROWS), now=datetime(2026, 10, 1, tzinfo=UTC)
        )
        assert second.persisting == [org_item]
        assert len(second.merged) == 2 and second.new == []
        items = {i.number: i for i in ledger.items()}
        assert len(items) == 3  # nothing deleted
        for number in second.merged:
            assert items[number].status is ItemStatus.CLOSED
            (merge,) = [e for e in ledger.history(number) if e.kind == "merged"]
            assert merge.note == f"merged into {org_item}: one task per problem"
        assert items[org_item].status is ItemStatus.OPEN
        # one event per merged item, one for the item that carries on
        assert len(ledger.events()) == events_before + 3

        third = ledger.sync(
            make_result("2026Q4", {"B1": ["D01"]}, ROWS), now=datetime(2027, 1, 1, tzinfo=UTC)
        )
        assert third.merged == [] and third.persisting == [org_item]  # merged once only

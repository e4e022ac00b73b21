"""Ledger waivers in evaluation: waived findings are marked, counted, and cost no points only
when the pack allows waivers; an expired waiver resurfaces the finding."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from pbrules.cli import cli
from pbrules.engine.evaluate import Engine
from pbrules.engine.findings import fingerprint
from pbrules.ledger import Ledger
from pbrules.model.result import FindingWaiver
from pbrules.model.snapshot import Snapshot
from pbrules.packs.schema import Pack

REPO = Path(__file__).resolve().parents[1]
AUG = datetime(2026, 8, 1, 9, 0)  # waivers are granted during the quarter


def _pack(allow: bool) -> Pack:
    return Pack.model_validate(
        {
            "pack": "waivers",
            "version": "1",
            "allow_waivers": allow,
            "areas": [{"id": "standardization", "weight": 1}],
            "criteria": [
                {
                    "id": "S01",
                    "title": "General meeting",
                    "area": "standardization",
                    "check": "meetings.frequency",
                    "params": {"type": "general_meeting", "per": "quarter", "min": 1},
                    "points": 10,
                    "scoring": {"mode": "all_or_nothing"},
                    "severity": "major",
                },
                {
                    "id": "S10",
                    "title": "Records",
                    "area": "standardization",
                    "check": "meetings.records",
                    "points": 10,
                    "scoring": {"mode": "proportional"},
                },
            ],
        }
    )


def _branch() -> Snapshot:
    return Snapshot.model_validate(
        {
            "period": "2026Q3",
            "organization": {"id": "B01", "name": "First Branch", "kind": "branch"},
            "meetings": [
                {"id": "E1", "type": "theme_day", "held_on": "2026-07-01", "minutes": True,
                 "topics": ["study"]},
            ],
        }
    )  # fmt: skip


WAIVER = FindingWaiver(
    reason="merged with another branch", owner="Org dept", until=date(2026, 12, 31)
)


@pytest.mark.parametrize("allow", [True, False])
def test_waived_failure_is_marked_and_scored_per_pack(allow: bool) -> None:
    engine = Engine(_pack(allow))
    plain = engine.run([_branch()])
    fp = fingerprint("waivers", "S01", "B01")
    assert [f.fingerprint for f in plain.findings] == [fp]
    assert plain.organizations[0].total == pytest.approx(50.0)

    waived = engine.run([_branch()], waivers={fp: WAIVER})
    [finding] = waived.findings
    assert finding.waiver == WAIVER
    assert waived.summary.findings == 1 and waived.summary.waived == 1
    org = waived.organizations[0]
    if allow:
        assert org.total == pytest.approx(100.0)
        assert finding.points_lost == 0
    else:
        assert org.total == pytest.approx(50.0)
        assert finding.points_lost == 10


def test_waiver_for_other_fingerprint_changes_nothing() -> None:
    engine = Engine(_pack(True))
    a = engine.run([_branch()])
    b = engine.run([_branch()], waivers={fingerprint("waivers", "S01", "B99"): WAIVER})
    assert a.model_dump_json() == b.model_dump_json()


def _evaluate(tmp_path: Path, *extra: str) -> tuple[int, dict[str, Any]]:
    out = tmp_path / "q3.json"
    result = CliRunner().invoke(
        cli,
        [
            "evaluate",
            str(REPO / "examples/district/2026Q3.jsonl"),
            "--rules",
            str(REPO / "rules/district-quarterly.yaml"),
            "--output",
            str(out),
            *extra,
        ],
    )
    return result.exit_code, json.loads(out.read_text(encoding="utf-8"))


@pytest.mark.slow
def test_evaluate_with_ledger_marks_active_waivers_and_expiry_resurfaces(tmp_path: Path) -> None:
    db = tmp_path / "ledger.db"
    code, first = _evaluate(tmp_path, "--ledger", str(db))
    assert code == 0 and first["summary"]["waived"] == 0
    target = next(f for f in first["findings"] if f["subject"] is None)
    with Ledger(db) as book:
        item = next(i for i in book.items() if i.fingerprint == target["fingerprint"])
        book.waive(
            item.number,
            reason="re-election pending",
            owner="Org dept",
            until=date(2026, 9, 30),
            now=AUG,
        )
    code, second = _evaluate(tmp_path, "--ledger", str(db), "--fail-on", "minor")
    waived = [f for f in second["findings"] if f["waiver"] is not None]
    assert [f["fingerprint"] for f in waived] == [target["fingerprint"]]
    assert second["summary"]["waived"] == 1
    assert second["summary"]["findings"] == first["summary"]["findings"]
    # --fail-on still fails on the other (unwaived) findings.
    assert code == 1

    with Ledger(db) as book:
        book.waive(
            item.number,
            reason="re-election pending",
            owner="Org dept",
            until=date(2026, 9, 29),
            now=AUG,
        )
    _, third = _evaluate(tmp_path, "--ledger", str(db))
    assert third["summary"]["waived"] == 0
    assert all(f["waiver"] is None for f in third["findings"])

"""The ledger under concurrency and faults, for real: separate processes, SIGKILL.

The child process replaces the ledger's no-op seam ``pbrules.ledger.transitions._event_written``
to pause a sync inside its open transaction after N events, printing ``paused`` first, so the
overlap of two writers and the moment of a kill are deterministic rather than left to timing.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from pbrules.ledger import Ledger, SQLiteStore
from pbrules.model.result import RunResult
from test_ledger import make_result

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="uses POSIX signals")

CHILD = """
import json, sys, time
import pbrules.ledger.transitions as transitions
from pbrules.errors import LedgerError
from pbrules.ledger import Ledger
from pbrules.model.result import RunResult

pause_after, pause_seconds = int(sys.argv[4]), float(sys.argv[5])


def pause(written):
    if written == pause_after:
        print("paused", flush=True)
        time.sleep(pause_seconds)


if pause_after:
    transitions._event_written = pause

result = RunResult.model_validate_json(open(sys.argv[2], encoding="utf-8").read())
with Ledger(sys.argv[1]) as ledger:
    try:
        report = ledger.sync(result, by=sys.argv[3])
    except LedgerError as exc:
        print(json.dumps({"ok": False, "error": str(exc)}))
    else:
        print(json.dumps({"ok": True, "already": report.already_synced, "new": len(report.new)}))
"""


def big_result(period: str, *, pack: str = "district-quarterly", orgs: int = 40) -> RunResult:
    evaluated = {f"B{i:03d}": ["S02", "S05"] for i in range(orgs)}
    failing = [(f"B{i:03d}", "S02", None, None) for i in range(orgs)]
    failing += [(f"B{i:03d}", "S05", f"M{j}", None) for i in range(orgs) for j in range(3)]
    return make_result(period, evaluated, failing, pack=pack)


def start(
    db: Path,
    result: RunResult,
    tmp_path: Path,
    name: str,
    pause_after: int | None = None,
    pause_seconds: float = 60.0,
) -> subprocess.Popen[str]:
    path = tmp_path / f"{name}.json"
    path.write_text(result.model_dump_json(), encoding="utf-8")
    pause = [str(pause_after or 0), str(pause_seconds)]
    return subprocess.Popen(
        [sys.executable, "-c", CHILD, str(db), str(path), name, *pause],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_paused(proc: subprocess.Popen[str]) -> None:
    assert proc.stdout is not None
    line = proc.stdout.readline()
    assert line.strip() == "paused", (line, proc.stderr.read() if proc.stderr else "")


def outcome(proc: subprocess.Popen[str]) -> dict[str, Any]:
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    return dict(json.loads(out.strip().splitlines()[-1]))


def dump(db: Path) -> list[str]:
    store = SQLiteStore(db, create=False)
    try:
        return store.dump()
    finally:
        store.close()


def check_consistent(db: Path) -> list[str]:
    with Ledger(db, create=False) as ledger:
        items = ledger.items()
        assert ledger.verify() == []
    numbers = [i.number for i in items]
    assert len(numbers) == len(set(numbers))
    assert len({i.fingerprint for i in items}) == len(items)
    return numbers


def test_two_processes_syncing_the_same_result(tmp_path: Path) -> None:
    db = tmp_path / "l.db"
    result = big_result("2026Q3")
    first = start(db, result, tmp_path, "first", pause_after=10, pause_seconds=1.0)
    wait_paused(first)  # the first holds the write transaction now
    second = start(db, result, tmp_path, "second")
    a, b = outcome(first), outcome(second)
    assert a == {"ok": True, "already": False, "new": 160}
    assert b == {"ok": True, "already": True, "new": 0}
    assert len(check_consistent(db)) == 160


def test_two_processes_syncing_different_packs_get_distinct_numbers(tmp_path: Path) -> None:
    db = tmp_path / "l.db"
    first = start(
        db, big_result("2026Q3", pack="p1"), tmp_path, "p1", pause_after=50, pause_seconds=1.0
    )
    wait_paused(first)
    second = start(db, big_result("2026Q3", pack="p2"), tmp_path, "p2")
    assert outcome(first)["new"] == 160
    assert outcome(second)["new"] == 160
    numbers = check_consistent(db)
    assert sorted(numbers) == [f"2026Q3-{i:04d}" for i in range(1, 321)]


def test_a_racing_older_period_is_refused_not_merged(tmp_path: Path) -> None:
    db = tmp_path / "l.db"
    newer = start(db, big_result("2026Q3"), tmp_path, "q3", pause_after=5, pause_seconds=1.0)
    wait_paused(newer)
    older = start(db, big_result("2026Q2"), tmp_path, "q2")
    assert outcome(newer)["ok"] is True
    refused = outcome(older)
    assert refused["ok"] is False and "older period 2026Q2" in refused["error"]
    assert len(check_consistent(db)) == 160


def test_two_processes_racing_unpaused(tmp_path: Path) -> None:
    db = tmp_path / "l.db"  # a new file: both processes create and migrate it at once
    procs = [start(db, big_result("2026Q3", pack=f"p{i}"), tmp_path, f"p{i}") for i in range(3)]
    assert [outcome(p)["new"] for p in procs] == [160, 160, 160]
    assert len(check_consistent(db)) == 480


@pytest.mark.parametrize("history", ["empty", "one_quarter"])
def test_a_sync_killed_midway_leaves_the_ledger_exactly_as_before(
    tmp_path: Path, history: str
) -> None:
    db = tmp_path / "l.db"
    with Ledger(db) as ledger:
        if history == "one_quarter":
            ledger.sync(big_result("2026Q2", orgs=30))
    before = dump(db)
    q3 = big_result("2026Q3")
    victim = start(db, q3, tmp_path, "victim", pause_after=100)
    wait_paused(victim)  # 100 events written inside the open transaction
    victim.send_signal(signal.SIGKILL)
    victim.communicate(timeout=60)
    assert victim.returncode == -signal.SIGKILL
    assert dump(db) == before
    check_consistent(db)
    # and the ledger works on: the same sync now goes through as if the kill never happened
    with Ledger(db) as ledger:
        report = ledger.sync(q3)
    assert not report.already_synced
    assert len(report.new) == (160 if history == "empty" else 40)
    check_consistent(db)


def test_threads_sharing_one_ledger_take_turns(tmp_path: Path) -> None:
    from concurrent.futures import ThreadPoolExecutor

    db = tmp_path / "l.db"
    results = [big_result("2026Q3", pack=f"p{i}", orgs=10) for i in range(4)]
    with Ledger(db) as ledger, ThreadPoolExecutor(max_workers=4) as pool:
        reports = list(pool.map(ledger.sync, results))
        counts = list(pool.map(lambda _: len(ledger.items()), range(4)))
    assert [len(r.new) for r in reports] == [40, 40, 40, 40]
    assert all(c % 40 == 0 for c in counts)
    assert len(check_consistent(db)) == 160

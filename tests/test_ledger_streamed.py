"""``ledger sync`` of a result file, streaming: the very ledger the in-memory sync leaves.

Each case syncs the same results into two ledgers, one with ``Ledger.sync(load_result(...))``
(the result held whole), one with ``Ledger.sync_file(path)`` / ``sync_result_file`` (read one
item at a time), and compares every table of the two databases, and the sync reports.
"""

from __future__ import annotations

import gzip
import io
import json
import random
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from pbrules.builtin.exporters import JsonlExporter
from pbrules.cli import cli
from pbrules.errors import ResultDocumentError
from pbrules.ledger import Ledger, SQLiteStore, sync_result_file
from pbrules.ledger import sync as sync_module
from pbrules.model.result import RunResult
from pbrules.result_io import load_result, write_result_json
from test_ledger import Failing, make_result

REPO = Path(__file__).resolve().parents[1]
GOLDEN = REPO / "tests/golden/v1/expected-2026Q3.json.gz"
EXAMPLE_Q2 = REPO / "examples/district/result-2026Q2.json"
T0 = datetime(2026, 10, 1, 9, 0, tzinfo=UTC)


def _write(result: RunResult, path: Path) -> Path:
    with path.open("wb") as fh:
        write_result_json(result, fh)
    return path


def _dump(ledger: Ledger) -> list[str]:
    assert isinstance(ledger.store, SQLiteStore)
    return ledger.store.dump()


def _both(tmp_path: Path, files: list[Path]) -> tuple[Ledger, Ledger]:
    """Sync ``files`` in order into a ledger in memory and one streaming; compare as we go."""
    whole, streamed = Ledger(tmp_path / "whole.db"), Ledger(tmp_path / "streamed.db")
    for i, path in enumerate(files):
        now = T0 + timedelta(days=100 * i)
        expected = whole.sync(load_result(path), by="test", now=now)
        got = streamed.sync_file(path, by="test", now=now)
        assert got == expected
        assert _dump(streamed) == _dump(whole)
    return whole, streamed


def test_example_results(tmp_path: Path) -> None:
    q3 = tmp_path / "q3.json"
    q3.write_bytes(gzip.decompress(GOLDEN.read_bytes()))
    whole, streamed = _both(tmp_path, [EXAMPLE_Q2, q3])
    assert whole.items() and [i.number for i in whole.items()] == [
        i.number for i in streamed.items()
    ]
    # the same result again: one digest for both ways of reading it
    again = streamed.sync(load_result(q3), by="test", now=T0)
    assert again.already_synced
    assert sync_result_file(tmp_path / "whole.db", q3, by="test").already_synced


def _random_failing(rng: random.Random, orgs: list[str], crits: list[str]) -> list[Failing]:
    rows: list[Failing] = []
    for org in orgs:
        for crit in rng.sample(crits, rng.randint(0, 3)):
            due = date(2026, 6, 1) + timedelta(days=rng.randint(0, 400))
            if rng.random() < 0.6:
                rows.append((org, crit, None, due))
            for subject in rng.sample(["M1", "M2", "M3"], rng.randint(0, 2)):
                rows.append((org, crit, subject, due))
    if rows:
        rows.append(rows[0])  # a repeated fingerprint: the first one counts
    return rows


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_generated_results_with_duplicates_merged(
    tmp_path: Path, seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    rng = random.Random(seed)
    orgs = [f"B{i:02d}" for i in range(30)]
    crits = [f"C{i}" for i in range(6)]
    files = []
    for n, period in enumerate(["2026Q1", "2026Q2", "2026Q3", "2026Q4"]):
        present = [o for o in orgs if rng.random() < 0.9]
        evaluated = {o: crits for o in present}
        errored = [(o, rng.choice(crits)) for o in present if rng.random() < 0.1]
        failing = _random_failing(rng, present, crits)
        failing = [f for f in failing if (f[0], f[1]) not in errored]
        result = make_result(period, evaluated, failing, errored=errored)
        files.append(_write(result, tmp_path / f"r{n}.json"))

    def hand(ledger: Ledger, i: int) -> None:
        items = ledger.items()
        for item in items[: len(items) // 5]:
            if item.status.value == "open":
                until = (T0 + timedelta(days=100 * i + 40)).date()  # expired at the next sync
                ledger.waive(item.number, "reason", "owner", until, by="test",
                             now=T0 + timedelta(days=100 * i + 1))  # fmt: skip
        for item in items[len(items) // 2 :: 3]:
            if item.status.value == "rectified":
                ledger.close(item.number, by="test", now=T0 + timedelta(days=100 * i + 2))

    whole, streamed = Ledger(tmp_path / "w.db"), Ledger(tmp_path / "s.db")
    with monkeypatch.context() as old_rule:  # synced before one task per problem: duplicates
        old_rule.setattr(sync_module, "one_task_per_problem", list)
        for book in (whole, streamed):
            book.sync(load_result(files[0]), by="test", now=T0)
    hand(whole, 0)
    hand(streamed, 0)
    for i, path in enumerate(files[1:], start=1):
        now = T0 + timedelta(days=100 * i)
        expected = whole.sync(load_result(path), by="test", now=now)
        got = streamed.sync_file(path, by="test", now=now)
        assert got == expected
        assert _dump(streamed) == _dump(whole)
        hand(whole, i)
        hand(streamed, i)
    assert any(e.kind.value == "merged" for e in whole.events())


def test_jsonl_result_with_header_is_the_same_sync(tmp_path: Path) -> None:
    result = load_result(EXAMPLE_Q2)
    out = io.BytesIO()
    JsonlExporter().export(result, out)
    head = {"type": "result", "schema_version": "1", "pack": result.pack.model_dump(mode="json"),
            "period": str(result.period), "as_of": None if result.as_of is None else
            result.as_of.isoformat()}  # fmt: skip
    rankings = {k: v.model_dump(mode="json") for k, v in result.rankings.items()}
    tail = [{"type": "rankings", "rankings": rankings},
            {"type": "summary", "summary": result.summary.model_dump(mode="json")}]  # fmt: skip
    path = tmp_path / "q2.jsonl"
    lines = [json.dumps(head).encode(), out.getvalue().rstrip(b"\n")]
    path.write_bytes(b"\n".join([*lines, *(json.dumps(t).encode() for t in tail)]) + b"\n")
    with Ledger(tmp_path / "a.db") as a, Ledger(tmp_path / "b.db") as b:
        assert a.sync(result, by="t", now=T0) == b.sync_file(path, by="t", now=T0)
        assert _dump(a) == _dump(b)


def test_cli_sync_reads_streaming_and_refuses_a_bad_file(tmp_path: Path) -> None:
    db = tmp_path / "l.db"
    res = CliRunner().invoke(cli, ["ledger", "sync", str(EXAMPLE_Q2), "--db", str(db)])
    assert res.exit_code == 0, res.output
    with Ledger(tmp_path / "ref.db") as ref:
        ref.sync(load_result(EXAMPLE_Q2))
        assert len(ref.items()) == len(Ledger(db).items())
    data = json.loads(EXAMPLE_Q2.read_text())
    data["findings"][3]["status"] = "maybe"
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(data, indent=2))
    res = CliRunner().invoke(cli, ["ledger", "sync", str(bad), "--db", str(db)])
    assert res.exit_code != 0
    assert "findings.3.status" in res.output
    with pytest.raises(ResultDocumentError, match=r"findings\.3\.status"):
        sync_result_file(db, bad)
    with Ledger(db) as book:  # the failed sync changed nothing
        assert book.verify() == []
        assert len(book.items()) == len(Ledger(tmp_path / "ref.db").items())

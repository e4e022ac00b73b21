"""The ledger's existing items as a sync compares them (pbrules.ledger.existing): from a
temporary SQLite copy (what ``SQLiteStore`` sessions give) the same answers and the same ledger
as from the items loaded into memory (what any other store gives)."""

from __future__ import annotations

import gzip
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from pbrules.ledger import Ledger, SQLiteStore
from pbrules.ledger.existing import LoadedItems, SQLiteItems, existing_items, org_ids_with_items
from pbrules.result_io import load_result

REPO = Path(__file__).resolve().parents[1]
GOLDEN = REPO / "tests/golden/v1/expected-2026Q3.json.gz"
EXAMPLE_Q2 = REPO / "examples/district/result-2026Q2.json"
T0 = datetime(2026, 10, 1, 9, 0, tzinfo=UTC)


def _synced(path: Path, q3: Path) -> Ledger:
    ledger = Ledger(path)
    for i, result in enumerate([EXAMPLE_Q2, q3, EXAMPLE_Q2]):
        ledger.sync(load_result(result), by="test", now=T0 + timedelta(days=100 * i))
    return ledger


@pytest.fixture
def q3(tmp_path: Path) -> Path:
    out = tmp_path / "q3.json"
    out.write_bytes(gzip.decompress(GOLDEN.read_bytes()))
    return out


def test_sqlite_and_loaded_items_answer_the_same(tmp_path: Path, q3: Path) -> None:
    ledger = _synced(tmp_path / "l.db", q3)
    with ledger.store.write() as session:
        pack = load_result(q3).pack.id
        from_sql = existing_items(session, pack)
        assert isinstance(from_sql, SQLiteItems)
        loaded = LoadedItems(session.select(pack=pack))
        states = session.select(pack=pack)
        assert states
        for state in states[::3]:
            assert from_sql.get(state.fingerprint) == loaded.get(state.fingerprint) == state
            assert from_sql.split(state.org_id, state.criterion) == loaded.split(
                state.org_id, state.criterion
            )
        assert from_sql.get("no such fingerprint") is None
        assert list(from_sql.states()) == list(loaded.states())
        assert sum(still for _s, still in from_sql.states()) == len(states[::3])
        assert org_ids_with_items(session, pack) == {s.org_id for s in states}
        from_sql.close()
    ledger.disconnect()


def test_a_sync_from_loaded_items_leaves_the_same_ledger(
    tmp_path: Path, q3: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sql = _synced(tmp_path / "sql.db", q3)

    def loaded(session: Any, pack: str) -> LoadedItems:
        return LoadedItems(session.select(pack=pack))

    monkeypatch.setattr("pbrules.ledger.sync.existing_items", loaded)
    memory = _synced(tmp_path / "memory.db", q3)
    assert isinstance(sql.store, SQLiteStore) and isinstance(memory.store, SQLiteStore)
    dump = sql.store.dump()
    assert any("INSERT INTO \"events\"" in line and "rectified" in line for line in dump)
    assert dump == memory.store.dump()
    sql.disconnect()
    memory.disconnect()

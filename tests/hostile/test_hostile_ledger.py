"""Hostile ledger files: damaged, empty, read-only, not a ledger. Reading commands never create
or change a file; every failure is a clear exit 2, never a traceback."""

from __future__ import annotations

import shutil
import sqlite3
from datetime import date
from pathlib import Path

import pytest
from hostile_support import fingerprint, run_cli

from pbrules.errors import LedgerError
from pbrules.ledger import Ledger

READING = [
    ("ledger", "list"),
    ("ledger", "show", "2026Q3-0001"),
    ("ledger", "export", "--format", "json"),
    ("ledger", "export", "--format", "csv"),
]


@pytest.fixture
def ledger_db(tmp_path: Path, dataset: Path, pack_file: Path) -> tuple[Path, Path]:
    """A ledger synced from a small evaluation, and the result document."""
    db = tmp_path / "l.db"
    out = tmp_path / "r.json"
    res = run_cli("evaluate", dataset, "--rules", pack_file, "--ledger", db, "-o", out)
    assert res.code == 0, res.stderr
    # a finding to store: a pack that fails everyone
    fail_pack = tmp_path / "fail.yaml"
    fail_pack.write_text(pack_file.read_text().replace('op: ">="', 'op: "<"'))
    out2 = tmp_path / "fail.json"
    res = run_cli("evaluate", dataset, "--rules", fail_pack, "--ledger", db, "-o", out2)
    assert res.code == 0, res.stderr
    return db, out2


def _damage(db: Path) -> None:
    data = bytearray(db.read_bytes())
    for i in range(4096, len(data), 331):
        data[i] ^= 0xFF
    db.write_bytes(bytes(data))


@pytest.mark.parametrize("args", READING, ids=lambda a: "-".join(a))
def test_damaged_ledger_reading(ledger_db: tuple[Path, Path], args: tuple[str, ...]) -> None:
    db, _ = ledger_db
    shutil.copy(db, db.with_suffix(".bak"))
    with sqlite3.connect(db) as conn:  # fold the WAL in, then damage the file
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    _damage(db)
    before = fingerprint([db])
    res = run_cli(*args, "--db", db)
    assert res.code == 2 and res.clean(), res.stderr
    assert "ledger" in res.stderr
    assert fingerprint([db]) == before


def test_damaged_ledger_sync(ledger_db: tuple[Path, Path]) -> None:
    db, result = ledger_db
    with sqlite3.connect(db) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    _damage(db)
    res = run_cli("ledger", "sync", result, "--db", db)
    assert res.code == 2 and res.clean(), res.stderr


@pytest.mark.parametrize("args", READING, ids=lambda a: "-".join(a))
def test_zero_byte_file_is_not_initialised(tmp_path: Path, args: tuple[str, ...]) -> None:
    db = tmp_path / "empty.db"
    db.write_bytes(b"")
    res = run_cli(*args, "--db", db)
    assert res.code == 2 and res.clean()
    assert "not a pbrules ledger" in res.stderr
    assert db.read_bytes() == b""
    assert sorted(p.name for p in tmp_path.iterdir()) == ["empty.db"]


@pytest.mark.parametrize("args", READING, ids=lambda a: "-".join(a))
def test_missing_ledger_is_not_created(tmp_path: Path, args: tuple[str, ...]) -> None:
    res = run_cli(*args, "--db", tmp_path / "none.db")
    assert res.code == 2 and res.clean() and "no ledger at" in res.stderr
    assert list(tmp_path.iterdir()) == []


def test_close_does_not_initialise_an_empty_file(tmp_path: Path) -> None:
    db = tmp_path / "empty.db"
    db.write_bytes(b"")
    res = run_cli("ledger", "close", "2026Q3-0001", "--by", "x", "--note", "n", "--db", db)
    assert res.code == 2 and "not a pbrules ledger" in res.stderr and db.read_bytes() == b""


@pytest.mark.parametrize(
    "content", [b"not a database" * 100, b"SQLite format 3\x00" + b"\x00" * 80]
)
def test_garbage_file_reading(tmp_path: Path, content: bytes) -> None:
    db = tmp_path / "junk.db"
    db.write_bytes(content)
    res = run_cli("ledger", "list", "--db", db)
    assert res.code == 2 and res.clean()
    assert db.read_bytes() == content


def test_another_applications_database(tmp_path: Path) -> None:
    db = tmp_path / "other.db"
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TABLE t (x)")
    before = fingerprint([db])
    for args in (("ledger", "list"), ("ledger", "export", "--format", "json")):
        res = run_cli(*args, "--db", db)
        assert res.code == 2 and "not a pbrules ledger" in res.stderr
    assert fingerprint([db]) == before


def test_read_only_ledger_refuses_writes_cleanly(ledger_db: tuple[Path, Path]) -> None:
    db, _ = ledger_db
    before = fingerprint([db])
    with Ledger(db, read_only=True) as book:
        assert book.items()  # reading works
        with pytest.raises(LedgerError, match="read-only"):
            book.waive(book.items()[0].number, "r", "o", date(2999, 12, 31))
        number = book.items()[0].number
        with pytest.raises(LedgerError, match="read-only"):
            book.close(number, "x", "note")
        assert book.verify() == []
    assert fingerprint([db]) == before


def test_reading_a_ledger_on_a_read_only_directory(
    ledger_db: tuple[Path, Path], tmp_path: Path
) -> None:
    db, _ = ledger_db
    with sqlite3.connect(db) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    folder = tmp_path / "ro"
    folder.mkdir()
    copy = folder / "l.db"
    shutil.copy(db, copy)
    folder.chmod(0o555)
    try:
        res = run_cli("ledger", "list", "--db", copy, "--format", "json")
        assert res.code == 0 and res.clean(), res.stderr
        # (as root the directory stays writable: SQLite may add its -wal/-shm side files)
        assert fingerprint([copy])[str(copy)] == fingerprint([db])[str(db)]
    finally:
        folder.chmod(0o755)


def test_ledger_path_that_is_a_directory(tmp_path: Path) -> None:
    res = run_cli("ledger", "list", "--db", tmp_path)
    assert res.code == 2 and res.clean()


def test_read_only_filesystem_falls_back_to_immutable(
    ledger_db: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Where SQLite cannot make its shared-memory file (a read-only filesystem), reading
    commands open the ledger immutable instead of failing."""
    db, _ = ledger_db
    real = sqlite3.connect
    uris: list[str] = []

    def connect(database: str, *args: object, **kwargs: object) -> sqlite3.Connection:
        uris.append(str(database))
        if "mode=ro" in str(database) and "immutable" not in str(database):
            raise sqlite3.OperationalError("unable to open database file")
        return real(database, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(sqlite3, "connect", connect)
    before = fingerprint([db])
    res = run_cli("ledger", "list", "--db", db, "--format", "json")
    assert res.code == 0 and res.clean(), res.stderr
    assert any("immutable=1" in u for u in uris)
    assert fingerprint([db]) == before


@pytest.mark.parametrize("command", ["sync", "evaluate", "close"])
def test_read_only_database_on_writing_commands(
    ledger_db: tuple[Path, Path],
    dataset: Path,
    pack_file: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    command: str,
) -> None:
    """An immutable file or a read-only filesystem: SQLite opens it but refuses to write."""
    from pbrules.ledger import store

    db, _ = ledger_db
    other = tmp_path / "other.yaml"  # a new pack: sync has something to write
    other.write_text(pack_file.read_text().replace("pack: hostile", "pack: other"))
    fresh = tmp_path / "fresh.json"
    assert run_cli("evaluate", dataset, "--rules", other, "-o", fresh).code == 0

    def read_only_connect(path: Path, timeout: float) -> sqlite3.Connection:
        uri = f"{Path(path).resolve().as_uri()}?mode=ro"
        return sqlite3.connect(uri, uri=True, isolation_level=None, check_same_thread=False)

    monkeypatch.setattr(store, "_connect", read_only_connect)
    out = tmp_path / "out.json"
    before = fingerprint([db])
    with Ledger(db, read_only=True) as book:
        number = book.items()[0].number
    args = {
        "sync": ("ledger", "sync", fresh, "--db", db),
        "evaluate": ("evaluate", dataset, "--rules", other, "--ledger", db, "-o", out),
        "close": ("ledger", "close", number, "--by", "x", "--note", "n", "--db", db),
    }[command]
    res = run_cli(*args)
    assert res.code == 2 and res.clean(), res.stderr
    assert "read-only" in res.stderr or "readonly" in res.stderr
    assert fingerprint([db]) == before
    assert not out.exists()

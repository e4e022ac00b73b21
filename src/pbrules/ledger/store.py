"""Ledger storage: a small interface, and its SQLite implementation (the default).

The ledger logic (:mod:`pbrules.ledger.lifecycle`) talks to storage only through
:class:`LedgerStore` and :class:`LedgerSession`, so an integrator can keep the ledger in their own
database by implementing these two protocols (see docs/ledger.md, "Storage interface").

A store must give:

- one transaction per operation: everything written inside ``write()`` is committed together or
  not at all, and two writers never interleave (SQLite: ``BEGIN IMMEDIATE``);
- an append-only event log: events are never changed or deleted (SQLite: triggers refuse it);
- a materialized ``items`` table holding, for each item, exactly what replaying its events gives;
  it is written in the same transaction as the event.

:class:`SQLiteStore` keeps everything in one file in WAL mode; its schema version is
``PRAGMA user_version`` and :data:`MIGRATIONS` brings an older file up to date on open.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
import threading
import time
from collections.abc import Collection, Iterator
from contextlib import AbstractContextManager, contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import Any, Protocol

from pbrules.errors import LedgerError
from pbrules.ledger.existing import SQLiteItems
from pbrules.ledger.models import (
    Event,
    EventKind,
    ItemState,
    ItemStatus,
    LedgerEvent,
    SyncRecord,
    Waiver,
)

__all__ = ["MIGRATIONS", "SCHEMA_VERSION", "LedgerSession", "LedgerStore", "SQLiteStore"]


class LedgerSession(Protocol):
    """Reads and writes inside one transaction of a :class:`LedgerStore`."""

    def get(self, number: str) -> ItemState | None:
        """The item with this ledger number, or None."""

    def select(
        self,
        *,
        pack: str | None = None,
        org_ids: Collection[str] | None = None,
        opened_period: str | None = None,
    ) -> list[ItemState]:
        """Items matching every filter given, ordered by ledger number."""

    def events(self, number: str | None = None) -> list[LedgerEvent]:
        """The events of one item (or of the whole ledger), oldest first."""

    def append(self, event: Event, state: ItemState) -> int:
        """Append ``event`` and store ``state`` (the item after it) as the item's current state.

        Returns the event's ``seq``. Only valid in a ``write()`` transaction.
        """

    def next_number(self, period: str) -> str:
        """Reserve the next ledger number of ``period``: ``<period>-<4-digit sequence>``."""

    def find_sync(self, pack: str, digest: str) -> SyncRecord | None:
        """The earlier sync of this very result (same pack and digest), if any."""

    def latest_sync(self, pack: str) -> SyncRecord | None:
        """The sync of this pack with the latest period, if any."""

    def record_sync(self, record: SyncRecord) -> None:
        """Remember a sync (only valid in a ``write()`` transaction)."""


class LedgerStore(Protocol):
    """Where a ledger lives.

    ``write()`` is one exclusive transaction; ``read()`` a consistent read-only one.
    """

    def write(self) -> AbstractContextManager[LedgerSession]: ...

    def read(self) -> AbstractContextManager[LedgerSession]: ...

    def close(self) -> None: ...


# -- SQLite -------------------------------------------------------------------------------------

# Each migration is a list of statements (triggers contain ';', so no naive splitting), applied in
# one transaction; ``PRAGMA user_version`` records how many have been applied.
MIGRATIONS: tuple[tuple[str, ...], ...] = (
    (
        """CREATE TABLE events (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            number TEXT NOT NULL,
            at TEXT NOT NULL,
            by TEXT NOT NULL,
            kind TEXT NOT NULL,
            from_status TEXT,
            to_status TEXT NOT NULL,
            note TEXT,
            period TEXT,
            data TEXT NOT NULL
        )""",
        "CREATE INDEX events_number ON events (number, seq)",
        """CREATE TRIGGER events_append_only_update BEFORE UPDATE ON events
           BEGIN SELECT RAISE(ABORT, 'ledger events are append-only'); END""",
        """CREATE TRIGGER events_append_only_delete BEFORE DELETE ON events
           BEGIN SELECT RAISE(ABORT, 'ledger events are append-only'); END""",
        """CREATE TABLE items (
            number TEXT PRIMARY KEY,
            fingerprint TEXT NOT NULL UNIQUE,
            pack TEXT NOT NULL,
            org_id TEXT NOT NULL,
            org_name TEXT NOT NULL,
            criterion TEXT NOT NULL,
            title TEXT,
            area TEXT,
            severity TEXT NOT NULL,
            subject_type TEXT,
            subject_id TEXT,
            message TEXT NOT NULL,
            responsible TEXT,
            due TEXT,
            action TEXT,
            basis TEXT,
            status TEXT NOT NULL,
            overdue INTEGER NOT NULL,
            repeat_count INTEGER NOT NULL,
            opened_period TEXT NOT NULL,
            opened_on TEXT NOT NULL,
            last_seen_period TEXT NOT NULL,
            closed_on TEXT,
            closed_by TEXT,
            waiver TEXT,
            updated_at TEXT NOT NULL,
            last_seq INTEGER NOT NULL
        )""",
        "CREATE INDEX items_pack ON items (pack)",
        "CREATE INDEX items_org ON items (org_id)",
        "CREATE INDEX items_opened_period ON items (opened_period)",
        """CREATE TRIGGER items_never_deleted BEFORE DELETE ON items
           BEGIN SELECT RAISE(ABORT, 'ledger items are never deleted'); END""",
        """CREATE TABLE sequences (
            period TEXT PRIMARY KEY,
            last INTEGER NOT NULL
        )""",
        """CREATE TABLE syncs (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            pack TEXT NOT NULL,
            period TEXT NOT NULL,
            period_end TEXT NOT NULL,
            as_of TEXT NOT NULL,
            digest TEXT NOT NULL,
            at TEXT NOT NULL,
            by TEXT NOT NULL,
            report TEXT NOT NULL,
            UNIQUE (pack, digest)
        )""",
        """CREATE TRIGGER syncs_never_deleted BEFORE DELETE ON syncs
           BEGIN SELECT RAISE(ABORT, 'ledger syncs are never deleted'); END""",
    ),
)
SCHEMA_VERSION = len(MIGRATIONS)
#: SQLite's page cache of a ledger opened for writing, in KiB (memory used only as needed)
CACHE_KIB = 256 << 10

_ITEM_COLUMNS = (
    "number",
    "fingerprint",
    "pack",
    "org_id",
    "org_name",
    "criterion",
    "title",
    "area",
    "severity",
    "subject_type",
    "subject_id",
    "message",
    "responsible",
    "due",
    "action",
    "basis",
    "status",
    "overdue",
    "repeat_count",
    "opened_period",
    "opened_on",
    "last_seen_period",
    "closed_on",
    "closed_by",
    "waiver",
    "updated_at",
)
_SELECT_ITEMS = f"SELECT {', '.join(_ITEM_COLUMNS)} FROM items"
_UPSERT_ITEM = (
    f"INSERT INTO items ({', '.join(_ITEM_COLUMNS)}, last_seq) "
    f"VALUES ({', '.join('?' for _ in _ITEM_COLUMNS)}, ?) "
    "ON CONFLICT (number) DO UPDATE SET "
    + ", ".join(f"{c} = excluded.{c}" for c in (*_ITEM_COLUMNS[1:], "last_seq"))
)
_EVENT_COLUMNS = "seq, number, at, by, kind, from_status, to_status, note, period, data"


def _opt_date(text: str | None) -> date | None:
    return None if text is None else date.fromisoformat(text)


def _item_row(state: ItemState) -> tuple[Any, ...]:
    return (
        state.number,
        state.fingerprint,
        state.pack,
        state.org_id,
        state.org_name,
        state.criterion,
        state.title,
        state.area,
        state.severity,
        state.subject_type,
        state.subject_id,
        state.message,
        state.responsible,
        None if state.due is None else state.due.isoformat(),
        state.action,
        state.basis,
        state.status.value,
        int(state.overdue),
        state.repeat_count,
        state.opened_period,
        state.opened_on.isoformat(),
        state.last_seen_period,
        None if state.closed_on is None else state.closed_on.isoformat(),
        state.closed_by,
        None if state.waiver is None else state.waiver.model_dump_json(),
        state.updated_at.isoformat(),
    )


def _item_of(row: sqlite3.Row | tuple[Any, ...]) -> ItemState:
    r = dict(zip(_ITEM_COLUMNS, row, strict=True))
    return ItemState(
        number=r["number"],
        fingerprint=r["fingerprint"],
        pack=r["pack"],
        org_id=r["org_id"],
        org_name=r["org_name"],
        criterion=r["criterion"],
        title=r["title"],
        area=r["area"],
        severity=r["severity"],
        subject_type=r["subject_type"],
        subject_id=r["subject_id"],
        message=r["message"],
        responsible=r["responsible"],
        due=_opt_date(r["due"]),
        action=r["action"],
        basis=r["basis"],
        status=ItemStatus(r["status"]),
        overdue=bool(r["overdue"]),
        repeat_count=r["repeat_count"],
        opened_period=r["opened_period"],
        opened_on=date.fromisoformat(r["opened_on"]),
        last_seen_period=r["last_seen_period"],
        closed_on=_opt_date(r["closed_on"]),
        closed_by=r["closed_by"],
        waiver=None if r["waiver"] is None else Waiver.model_validate_json(r["waiver"]),
        updated_at=datetime.fromisoformat(r["updated_at"]),
    )


def _event_of(row: tuple[Any, ...]) -> LedgerEvent:
    seq, number, at, by, kind, from_status, to_status, note, period, data = row
    return LedgerEvent(
        seq=seq,
        number=number,
        at=datetime.fromisoformat(at),
        by=by,
        kind=EventKind(kind),
        from_status=None if from_status is None else ItemStatus(from_status),
        to_status=ItemStatus(to_status),
        note=note,
        period=period,
        data=json.loads(data),
    )


def _sync_of(row: tuple[Any, ...]) -> SyncRecord:
    pack, period, as_of, digest, at, by, report = row
    return SyncRecord(
        pack=pack,
        period=period,
        as_of=date.fromisoformat(as_of),
        digest=digest,
        at=datetime.fromisoformat(at),
        by=by,
        report=report,
    )


class _SQLiteSession:
    def __init__(self, conn: sqlite3.Connection, *, writable: bool) -> None:
        self._conn = conn
        self._writable = writable

    def _check_writable(self) -> None:
        if not self._writable:
            raise LedgerError("internal error: a write inside a read transaction")

    def get(self, number: str) -> ItemState | None:
        row = self._conn.execute(f"{_SELECT_ITEMS} WHERE number = ?", (number,)).fetchone()
        return None if row is None else _item_of(row)

    def select(
        self,
        *,
        pack: str | None = None,
        org_ids: Collection[str] | None = None,
        opened_period: str | None = None,
    ) -> list[ItemState]:
        where: list[str] = []
        args: list[Any] = []
        if pack is not None:
            where.append("pack = ?")
            args.append(pack)
        if org_ids is not None:
            ids = list(org_ids)
            if not ids:
                return []
            where.append(f"org_id IN ({', '.join('?' for _ in ids)})")
            args.extend(ids)
        if opened_period is not None:
            where.append("opened_period = ?")
            args.append(opened_period)
        sql = _SELECT_ITEMS + (f" WHERE {' AND '.join(where)}" if where else "")
        rows = self._conn.execute(sql + " ORDER BY opened_period, number", args).fetchall()
        return [_item_of(row) for row in rows]

    def existing(self, pack: str) -> SQLiteItems:
        """The items of ``pack`` as they are now, copied into a temporary table (a sync's
        comparison, :mod:`pbrules.ledger.existing`)."""
        return SQLiteItems(self._conn, _SELECT_ITEMS, len(_ITEM_COLUMNS), pack, _item_of)

    def org_ids(self, pack: str) -> set[str]:
        """The organizations that have items of ``pack``."""
        rows = self._conn.execute("SELECT DISTINCT org_id FROM items WHERE pack = ?", (pack,))
        return {row[0] for row in rows}

    def events(self, number: str | None = None) -> list[LedgerEvent]:
        if number is None:
            rows = self._conn.execute(f"SELECT {_EVENT_COLUMNS} FROM events ORDER BY seq")
        else:
            rows = self._conn.execute(
                f"SELECT {_EVENT_COLUMNS} FROM events WHERE number = ? ORDER BY seq", (number,)
            )
        return [_event_of(row) for row in rows.fetchall()]

    def append(self, event: Event, state: ItemState) -> int:
        self._check_writable()
        cur = self._conn.execute(
            "INSERT INTO events (number, at, by, kind, from_status, to_status, note, period, data)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                event.number,
                event.at.isoformat(),
                event.by,
                event.kind.value,
                None if event.from_status is None else event.from_status.value,
                event.to_status.value,
                event.note,
                event.period,
                json.dumps(dict(event.data), ensure_ascii=False, sort_keys=True),
            ),
        )
        seq = cur.lastrowid
        if seq is None:  # pragma: no cover - sqlite always sets it after an INSERT
            raise LedgerError("internal error: the event got no sequence number")
        self._conn.execute(_UPSERT_ITEM, (*_item_row(state), seq))
        return seq

    def next_number(self, period: str) -> str:
        self._check_writable()
        row = self._conn.execute(
            "INSERT INTO sequences (period, last) VALUES (?, 1) "
            "ON CONFLICT (period) DO UPDATE SET last = last + 1 RETURNING last",
            (period,),
        ).fetchone()
        return f"{period}-{int(row[0]):04d}"

    def find_sync(self, pack: str, digest: str) -> SyncRecord | None:
        row = self._conn.execute(
            "SELECT pack, period, as_of, digest, at, by, report FROM syncs "
            "WHERE pack = ? AND digest = ?",
            (pack, digest),
        ).fetchone()
        return None if row is None else _sync_of(row)

    def latest_sync(self, pack: str) -> SyncRecord | None:
        row = self._conn.execute(
            "SELECT pack, period, as_of, digest, at, by, report FROM syncs WHERE pack = ? "
            "ORDER BY period_end DESC, id DESC LIMIT 1",
            (pack,),
        ).fetchone()
        return None if row is None else _sync_of(row)

    def record_sync(self, record: SyncRecord) -> None:
        self._check_writable()
        from pbrules.model.period import Period

        self._conn.execute(
            "INSERT INTO syncs (pack, period, period_end, as_of, digest, at, by, report)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                record.pack,
                record.period,
                Period.parse(record.period).end.isoformat(),
                record.as_of.isoformat(),
                record.digest,
                record.at.isoformat(),
                record.by,
                record.report,
            ),
        )


def _db_problem(path: Path, exc: sqlite3.Error) -> str:
    text = str(exc)
    text = text if len(text) <= 120 else text[:117] + "..."
    if "readonly" in text or "read-only" in text:
        return f"the ledger {path} is read-only ({text}); nothing was changed"
    if "decode" in text or "malformed" in text:
        return f"the ledger {path} is damaged ({text}); restore it from a backup"
    return f"{path} is not a usable pbrules ledger: {text}"


def _connect(path: Path, timeout: float) -> sqlite3.Connection:
    try:
        return sqlite3.connect(
            str(path), timeout=timeout, isolation_level=None, check_same_thread=False
        )
    except sqlite3.Error as exc:
        raise LedgerError(f"cannot open the ledger {path}: {exc}") from exc


def _connect_read_only(path: Path, timeout: float) -> sqlite3.Connection:
    """Open ``path`` with ``mode=ro`` (never creates, never writes). On a read-only filesystem
    a WAL database cannot make its shared-memory file: it is then opened ``immutable``."""
    uri = Path(path).resolve().as_uri()
    last: sqlite3.Error | None = None
    for query in ("mode=ro", "mode=ro&immutable=1"):
        try:
            conn = sqlite3.connect(
                f"{uri}?{query}",
                uri=True,
                timeout=timeout,
                isolation_level=None,
                check_same_thread=False,
            )
            conn.execute("PRAGMA user_version").fetchone()
            return conn
        except sqlite3.Error as exc:
            last = exc
    raise LedgerError(f"cannot open the ledger {path}: {last}")


class SQLiteStore:
    """The default store: one SQLite file, WAL mode, schema versioned by ``user_version``.

    ``create=False`` refuses to create a missing file (read-only commands use it).
    ``timeout`` is how long (seconds) a writer waits for another writer to finish. Threads may
    share one store: their transactions take turns.
    """

    def __init__(
        self,
        path: str | Path,
        *,
        create: bool = True,
        timeout: float = 60.0,
        read_only: bool = False,
    ) -> None:
        self.path = Path(path)
        self._lock = threading.RLock()
        self._create = create and not read_only
        self.read_only = read_only
        if not self._create and not self.path.exists():
            raise LedgerError(f"no ledger at {self.path} (run `pbrules ledger sync` first)")
        if not self.path.parent.exists():
            raise LedgerError(f"cannot create a ledger at {self.path}: no such directory")
        if self.path.exists() and not self.path.is_file():
            raise LedgerError(f"{self.path} is not a ledger file")
        if read_only:
            self._conn = _connect_read_only(self.path, timeout)
        else:
            self._conn = _connect(self.path, timeout)
        try:
            self._conn.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}")
            if read_only:
                self._check_schema()
            else:
                if not self._create and not self._conn.execute("PRAGMA user_version").fetchone()[0]:
                    # an empty file or another database: never initialise it here
                    raise LedgerError(
                        f"{self.path} is not a pbrules ledger (empty or another database)"
                    )
                self._set_wal()
                self._conn.execute("PRAGMA synchronous = FULL")
                # a sync of a big result writes millions of rows in one transaction: pages that
                # do not fit the cache spill to the WAL again and again (the default is 2 MiB)
                self._conn.execute(f"PRAGMA cache_size = -{CACHE_KIB}")
                self._migrate()
        except sqlite3.DatabaseError as exc:
            self._conn.close()
            raise LedgerError(_db_problem(self.path, exc)) from exc
        except LedgerError:
            self._conn.close()
            raise

    def _check_schema(self) -> None:
        """A read-only open: the file must already be a ledger of this schema version."""
        version = self._conn.execute("PRAGMA user_version").fetchone()[0]
        if version == 0:
            raise LedgerError(f"{self.path} is not a pbrules ledger (empty or another database)")
        if version != SCHEMA_VERSION:
            raise LedgerError(
                f"{self.path} has ledger schema version {version}, this pbrules uses "
                f"{SCHEMA_VERSION}: "
                + ("upgrade pbrules" if version > SCHEMA_VERSION else "run `ledger sync` first")
            )

    def _set_wal(self) -> None:
        # Switching to WAL needs a moment of exclusive access; another process opening the same
        # new file at the same time can make it report "locked" once. Retry briefly.
        for attempt in range(50):
            try:
                mode = self._conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) or attempt == 49:
                    raise
                time.sleep(0.05)
                continue
            if str(mode).lower() != "wal":
                raise LedgerError(f"{self.path}: SQLite refused WAL mode (got {mode!r})")
            return

    def _migrate(self) -> None:
        version = self._conn.execute("PRAGMA user_version").fetchone()[0]
        if version == SCHEMA_VERSION:
            return
        if version > SCHEMA_VERSION:
            raise LedgerError(
                f"{self.path} has ledger schema version {version}; this pbrules knows up to "
                f"{SCHEMA_VERSION}: upgrade pbrules"
            )
        if version == 0 and not self._create:
            raise LedgerError(f"{self.path} is not a pbrules ledger (empty or another database)")
        self._conn.execute("BEGIN IMMEDIATE")
        try:
            # Re-read under the write lock: another process may have migrated meanwhile.
            version = self._conn.execute("PRAGMA user_version").fetchone()[0]
            if (
                version == 0
                and self._conn.execute(
                    "SELECT count(*) FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'"
                ).fetchone()[0]
            ):
                raise LedgerError(
                    f"{self.path} is an SQLite database of another application, not a ledger"
                )
            for statements in MIGRATIONS[version:]:
                for statement in statements:
                    self._conn.execute(statement)
            self._conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        except BaseException:
            self._conn.execute("ROLLBACK")
            raise
        self._conn.execute("COMMIT")

    @property
    def schema_version(self) -> int:
        return int(self._conn.execute("PRAGMA user_version").fetchone()[0])

    @contextmanager
    def _transaction(self, begin: str, *, writable: bool) -> Iterator[LedgerSession]:
        # One connection per store: threads sharing a store take turns, one transaction each.
        with self._lock:
            try:
                self._conn.execute(begin)
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) and "busy" not in str(exc):
                    raise LedgerError(_db_problem(self.path, exc)) from exc
                raise LedgerError(f"the ledger {self.path} is busy ({exc}); try again") from exc
            try:
                yield _SQLiteSession(self._conn, writable=writable)
            except sqlite3.DatabaseError as exc:
                self._rollback()
                raise LedgerError(_db_problem(self.path, exc)) from exc
            except BaseException:
                self._rollback()
                raise
            try:
                self._conn.execute("COMMIT")
            except sqlite3.Error as exc:
                self._rollback()
                raise LedgerError(f"the ledger {self.path} could not commit: {exc}") from exc

    def _rollback(self) -> None:
        with contextlib.suppress(sqlite3.Error):
            self._conn.execute("ROLLBACK")

    def write(self) -> AbstractContextManager[LedgerSession]:
        """One exclusive write transaction (``BEGIN IMMEDIATE``): all of it or nothing."""
        if self.read_only:
            raise LedgerError(f"the ledger {self.path} is opened read-only; nothing was changed")
        return self._transaction("BEGIN IMMEDIATE", writable=True)

    def read(self) -> AbstractContextManager[LedgerSession]:
        """A read transaction: a consistent view while writers go on (WAL)."""
        return self._transaction("BEGIN", writable=False)

    def dump(self) -> list[str]:
        """Every table's content as SQL text, for comparisons (tests, audits)."""
        return list(self._conn.iterdump())

    def close(self) -> None:
        self._conn.close()

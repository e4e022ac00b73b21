"""The ledger's own items of a pack as a sync reads them, without a Python object per item.

:class:`pbrules.ledger.sync.Merge` compares every failing finding with the items the ledger
already holds for the pack, then walks those items twice (merging per-subject duplicates, then
rectifying the items no longer failing), always as they were when the sync began. Held as a dict
of ``ItemState`` that is about a kilobyte per item: a ledger of a million open items would add a
gigabyte to a sync. :class:`SQLiteItems` copies the items into a temporary SQLite table at the
start of the sync instead (in the sync's transaction, indexed by fingerprint and by organization
and criterion) and answers from it; what is kept in Python is per item touched at most a
fingerprint. :class:`LoadedItems` answers the same from memory, for other ledger stores.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from typing import Protocol

from pbrules.ledger.models import ItemState

__all__ = ["ExistingItems", "LoadedItems", "SQLiteItems", "existing_items", "org_ids_with_items"]


class ExistingItems(Protocol):
    """The pack's items as they were when the sync began."""

    def get(self, fingerprint: str) -> ItemState | None:
        """The item of ``fingerprint``, marked as failing now."""
        ...

    def split(self, org_id: str, criterion: str) -> bool:
        """Whether an item of ``org_id`` and ``criterion`` names a subject."""
        ...

    def states(self) -> Iterator[tuple[ItemState, bool]]:
        """Every item (opened period, number order), and whether :meth:`get` found it."""
        ...

    def close(self) -> None: ...


class LoadedItems:
    """:class:`ExistingItems` from a list of item states held in memory."""

    def __init__(self, states: list[ItemState]) -> None:
        self._by = {s.fingerprint: s for s in states}
        self._split = {(s.org_id, s.criterion) for s in states if s.subject_type is not None}
        self._still: set[str] = set()

    def get(self, fingerprint: str) -> ItemState | None:
        state = self._by.get(fingerprint)
        if state is not None:
            self._still.add(fingerprint)
        return state

    def split(self, org_id: str, criterion: str) -> bool:
        return (org_id, criterion) in self._split

    def states(self) -> Iterator[tuple[ItemState, bool]]:
        for fingerprint, state in self._by.items():
            yield state, fingerprint in self._still

    def close(self) -> None:
        self._by.clear()


_TABLE = "temp.pbrules_existing"


class SQLiteItems:
    """:class:`ExistingItems` from a temporary copy of the pack's items in the ledger's own
    connection (dropped by :meth:`close`)."""

    def __init__(
        self, conn: sqlite3.Connection, select: str, columns: int, pack: str, item_of: ItemOf
    ) -> None:
        self._conn = conn
        self._item_of = item_of
        self._columns = columns
        conn.execute(f"DROP TABLE IF EXISTS {_TABLE}")
        conn.execute(
            f"CREATE TABLE {_TABLE} AS {select} WHERE pack = ? ORDER BY opened_period, number",
            (pack,),
        )
        conn.execute(f"ALTER TABLE {_TABLE} ADD COLUMN still INTEGER NOT NULL DEFAULT 0")
        conn.execute(f"CREATE INDEX {_TABLE}_fp ON pbrules_existing (fingerprint)")
        conn.execute(f"CREATE INDEX {_TABLE}_oc ON pbrules_existing (org_id, criterion)")

    def get(self, fingerprint: str) -> ItemState | None:
        row = self._conn.execute(
            f"SELECT rowid, * FROM {_TABLE} WHERE fingerprint = ?", (fingerprint,)
        ).fetchone()
        if row is None:
            return None
        self._conn.execute(f"UPDATE {_TABLE} SET still = 1 WHERE rowid = ?", (row[0],))
        return self._item_of(row[1 : 1 + self._columns])

    def split(self, org_id: str, criterion: str) -> bool:
        row = self._conn.execute(
            f"SELECT 1 FROM {_TABLE} WHERE org_id = ? AND criterion = ? "
            "AND subject_type IS NOT NULL LIMIT 1",
            (org_id, criterion),
        ).fetchone()
        return row is not None

    def states(self) -> Iterator[tuple[ItemState, bool]]:
        # A cursor of its own: the sync writes to the ledger's tables meanwhile, not to this one.
        cursor = self._conn.execute(f"SELECT * FROM {_TABLE} ORDER BY rowid")
        try:
            for row in cursor:
                yield self._item_of(row[: self._columns]), bool(row[self._columns])
        finally:
            cursor.close()

    def close(self) -> None:
        self._conn.execute(f"DROP TABLE IF EXISTS {_TABLE}")


class ItemOf(Protocol):
    def __call__(self, row: tuple[object, ...], /) -> ItemState: ...


def existing_items(session: object, pack: str) -> ExistingItems:
    """The items of ``pack`` in ``session``'s ledger as they are now: from SQLite when the
    session offers it (``existing``), else loaded with ``select``."""
    own = getattr(session, "existing", None)
    if callable(own):
        found: ExistingItems = own(pack)
        return found
    return LoadedItems(session.select(pack=pack))  # type: ignore[attr-defined]


def org_ids_with_items(session: object, pack: str) -> set[str]:
    """The organizations that have items of ``pack`` (without loading the items, from SQLite)."""
    own = getattr(session, "org_ids", None)
    if callable(own):
        ids: set[str] = own(pack)
        return ids
    return {s.org_id for s in session.select(pack=pack)}  # type: ignore[attr-defined]

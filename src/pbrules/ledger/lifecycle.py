"""The :class:`Ledger` API: syncs, hand operations (close, reopen, waive), queries, exports.

The rooms of this package: :mod:`~pbrules.ledger.transitions` (legal transitions, applying
events), :mod:`~pbrules.ledger.sync` (merging a result), :mod:`~pbrules.ledger.streamed` (a result
file read streaming for the merge), :mod:`~pbrules.ledger.export` (csv, xlsx, json),
:mod:`~pbrules.ledger.store` (storage), :mod:`~pbrules.ledger.models` (the records).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime
from os import PathLike
from pathlib import Path
from typing import IO, Any

from pbrules.errors import LedgerError
from pbrules.ledger.existing import org_ids_with_items
from pbrules.ledger.export import ExportFormat, export_items
from pbrules.ledger.models import (
    VIEW_FIELDS,
    EventKind,
    ItemState,
    ItemStatus,
    LedgerEvent,
    LedgerItem,
    SyncRecord,
    SyncReport,
    Waiver,
)
from pbrules.ledger.store import LedgerSession, LedgerStore, SQLiteStore
from pbrules.ledger.sync import Merge, MergeSource, result_digest
from pbrules.ledger.transitions import TRANSITIONS, Writer, apply, replay
from pbrules.model.period import Period
from pbrules.model.result import RunResult
from pbrules.model.snapshot import Rectification, RectificationStatus, Snapshot

__all__ = [
    "TRANSITIONS",
    "Ledger",
    "apply",
    "replay",
    "result_digest",
    "sync_result_file",
    "with_ledger_rectifications",
]

_O, _C, _W = ItemStatus.OPEN, ItemStatus.CLOSED, ItemStatus.WAIVED


def _now(now: datetime | None) -> datetime:
    return now if now is not None else datetime.now(UTC)


def _today() -> date:
    return datetime.now(UTC).date()


def _view(state: ItemState, as_of: date) -> LedgerItem:
    """The item as seen on ``as_of``: an expired waiver no longer counts, past due is overdue."""
    status = state.status
    expired = False
    if status is ItemStatus.WAIVED and state.waiver is not None and as_of > state.waiver.until:
        status = state.waiver.prior_status
        expired = True
    overdue = status is ItemStatus.OPEN and (
        state.overdue or (state.due is not None and state.due < as_of)
    )
    return LedgerItem(
        **{name: getattr(state, name) for name in VIEW_FIELDS},
        status=status,
        stored_status=state.status,
        overdue=overdue,
        waiver_expired=expired,
        as_of=as_of,
    )


class Ledger:
    """The rectification ledger (问题台账). See docs/ledger.md.

    ``Ledger(path)`` opens (or creates) an SQLite ledger; ``Ledger(store=...)`` uses any
    :class:`~pbrules.ledger.store.LedgerStore`. Every method is one transaction. Use it as a
    context manager, or call :meth:`disconnect` when done.
    """

    def __init__(
        self,
        path: str | Path | None = None,
        *,
        store: LedgerStore | None = None,
        create: bool = True,
        timeout: float = 60.0,
        read_only: bool = False,
    ) -> None:
        if store is not None and path is None:
            self.store: LedgerStore = store
        elif path is not None and store is None:
            self.store = SQLiteStore(path, create=create, timeout=timeout, read_only=read_only)
        else:
            raise LedgerError("give a ledger path or a store, not both or neither")

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *exc: object) -> None:
        self.disconnect()

    def disconnect(self) -> None:
        """Close the underlying store (``close`` is the ledger's 销号 operation)."""
        self.store.close()

    # -- sync -----------------------------------------------------------------------------------
    def sync(
        self, result: RunResult, *, by: str = "pbrules", now: datetime | None = None
    ) -> SyncReport:
        """Merge one period's findings into the ledger by fingerprint (one transaction).

        Refuses (LedgerError) a result of a period older than one already synced for the same
        pack. Syncing the same result again changes nothing and says so (``already_synced``).
        """
        by, at = _who(by), _now(now)
        digest = result_digest(result)
        as_of = result.as_of or result.period.end
        with self.store.write() as session:
            return _merge(session, result, result.period, as_of, digest, by=by, at=at)

    def sync_file(
        self, path: str | PathLike[str], *, by: str = "pbrules", now: datetime | None = None
    ) -> SyncReport:
        """:meth:`sync` of the result document at ``path`` (json or jsonl), read streaming.

        The ledger ends as :meth:`sync` of the loaded result leaves it (same items, events,
        report and digest), but neither the findings nor the organizations are held: the file
        is read one item at a time, inside the write transaction.

        :raises ResultDocumentError: not a result document (located).
        """
        from pbrules.ledger.streamed import StreamedResult
        from pbrules.result_stream import open_result

        by, at = _who(by), _now(now)
        stream = open_result(path)
        period = stream.header.period
        as_of = stream.header.as_of or period.end
        with StreamedResult(stream) as source, self.store.write() as session:
            digest = source.read(org_ids_with_items(session, source.pack))
            return _merge(session, source, period, as_of, digest, by=by, at=at)

    # -- hand operations ------------------------------------------------------------------------
    def _hand(
        self,
        number: str,
        by: str,
        kind: EventKind,
        to: ItemStatus | None,
        *,
        note: str | None,
        now: datetime | None,
        data: Mapping[str, Any] | None = None,
    ) -> LedgerItem:
        if not by or not by.strip():
            raise LedgerError(f"ledger item {number}: say who does this (by)")
        at = _now(now)
        with self.store.write() as session:
            state = session.get(number)
            if state is None:
                raise LedgerError(f"no ledger item {number}")
            w = Writer(session, by.strip(), at)
            waiver = state.waiver
            if state.status is _W and waiver is not None and at.date() > waiver.until:
                # An expired waiver resurfaces the item before anything else happens to it.
                state = w.emit(
                    state,
                    number,
                    EventKind.WAIVER_EXPIRED,
                    waiver.prior_status,
                    note=f"waiver expired on {waiver.until.isoformat()}",
                )
            target = to if to is not None else state.status
            state = w.emit(state, number, kind, target, note=note, data=data)
        return _view(state, at.date())

    def close(
        self, number: str, by: str, note: str | None = None, *, now: datetime | None = None
    ) -> LedgerItem:
        """销号: close a rectified item; an open one only with a note on how it was verified."""
        return self._hand(number, by, EventKind.CLOSED, _C, note=note, now=now)

    def reopen(self, number: str, by: str, note: str, *, now: datetime | None = None) -> LedgerItem:
        """Reopen a closed item (counted as a repeat) or a rectified one (verification failed)."""
        if not note or not note.strip():
            raise LedgerError(f"ledger item {number}: reopening needs a note saying why")
        return self._hand(number, by, EventKind.REOPENED, _O, note=note, now=now)

    def waive(
        self,
        number: str,
        reason: str,
        owner: str,
        until: date,
        *,
        by: str | None = None,
        now: datetime | None = None,
    ) -> LedgerItem:
        """Waive an open item until ``until`` (inclusive). Reason, owner and expiry are required."""
        missing = [
            name
            for name, value in (("reason", reason), ("owner", owner), ("until", until))
            if value is None or (isinstance(value, str) and not value.strip())
        ]
        if missing:
            raise LedgerError(f"ledger item {number}: a waiver needs {', '.join(missing)}")
        if not isinstance(until, date):
            raise LedgerError(f"ledger item {number}: waiver expiry must be a date")
        at = _now(now)
        if until < at.date():
            raise LedgerError(
                f"ledger item {number}: the waiver expiry {until.isoformat()} is already past"
            )
        return self._hand(
            number,
            by or owner,
            EventKind.WAIVED,
            _W,
            note=reason.strip(),
            now=now,
            data={"reason": reason.strip(), "owner": owner.strip(), "until": until.isoformat()},
        )

    # -- queries --------------------------------------------------------------------------------
    def items(
        self,
        status: ItemStatus | str | None = None,
        org: str | None = None,
        overdue: bool | None = None,
        period: str | Period | None = None,
        *,
        pack: str | None = None,
        as_of: date | None = None,
    ) -> list[LedgerItem]:
        """Items as seen on ``as_of`` (default today), filtered; ordered by ledger number.

        ``status`` is the effective status (an expired waiver no longer counts); ``period`` is
        the period in which the item was first opened.
        """
        day = as_of or _today()
        try:
            want = None if status is None else ItemStatus(status)
            opened = None if period is None else str(Period.parse(period))
        except ValueError as exc:
            raise LedgerError(
                f"cannot list ledger items: {exc} (statuses: "
                f"{', '.join(s.value for s in ItemStatus)})"
            ) from None
        with self.store.read() as session:
            states = session.select(
                pack=pack, org_ids=None if org is None else [org], opened_period=opened
            )
        views = (_view(s, day) for s in states)
        return [
            v
            for v in views
            if (want is None or v.status is want) and (overdue is None or v.overdue == overdue)
        ]

    def item(self, number: str, *, as_of: date | None = None) -> LedgerItem:
        with self.store.read() as session:
            state = session.get(number)
        if state is None:
            raise LedgerError(f"no ledger item {number}")
        return _view(state, as_of or _today())

    def history(self, number: str) -> list[LedgerEvent]:
        """Every event of the item, oldest first."""
        with self.store.read() as session:
            if session.get(number) is None:
                raise LedgerError(f"no ledger item {number}")
            return session.events(number)

    def events(self) -> list[LedgerEvent]:
        """The whole event log, oldest first."""
        with self.store.read() as session:
            return session.events()

    def verify(self) -> list[str]:
        """Replay the event log and compare with the stored items; returns the differences."""
        with self.store.read() as session:
            stored = {s.number: s for s in session.select()}
            events = session.events()
        replayed = replay(events)
        problems = [f"{n}: in items, without events" for n in sorted(stored.keys() - replayed)]
        problems += [f"{n}: in events, not in items" for n in sorted(replayed.keys() - stored)]
        for number in sorted(stored.keys() & replayed.keys()):
            if stored[number] != replayed[number]:
                problems.append(f"{number}: stored state differs from its replayed events")
        return problems

    def active_waivers(self, as_of: date, *, pack: str | None = None) -> dict[str, Waiver]:
        """Fingerprint -> waiver of every item under a waiver still active on ``as_of``.

        What an evaluation needs to show findings as ``waived`` (when its pack allows waivers).
        """
        return {
            item.fingerprint: item.waiver
            for item in self.items(ItemStatus.WAIVED, pack=pack, as_of=as_of)
            if item.waiver is not None
        }

    def open_rectifications(self, org_id: str, as_of: date) -> list[Rectification]:
        """The organization's items not closed on ``as_of``, as snapshot ``rectifications``.

        Items under an active waiver are left out; an expired waiver counts as its prior status.
        Items first opened after ``as_of`` are left out. ``id`` is the ledger number.
        """
        out: list[Rectification] = []
        for item in self.items(org=org_id, as_of=as_of):
            if item.opened_on > as_of or item.status in (_C, _W):
                continue
            due = item.due
            opened_on = item.opened_on if due is None else min(item.opened_on, due)
            out.append(
                Rectification(
                    id=item.number,
                    criterion=item.criterion,
                    description=item.message[:2000],
                    responsible=None if item.responsible is None else item.responsible[:2000],
                    opened_on=opened_on,
                    due_on=due,
                    status=RectificationStatus(item.status.value),
                    closed_on=None,
                )
            )
        return out

    # -- export ---------------------------------------------------------------------------------
    def export(
        self,
        format: ExportFormat | str,
        out: str | Path | IO[bytes],
        *,
        as_of: date | None = None,
        status: ItemStatus | str | None = None,
        org: str | None = None,
        overdue: bool | None = None,
        period: str | Period | None = None,
    ) -> int:
        """Write the items (filtered like :meth:`items`) as csv, xlsx or json; returns the count.

        CSV is UTF-8 with a byte-order mark so spreadsheet programs read Chinese text right.
        """
        if format not in ("csv", "xlsx", "json"):
            raise LedgerError(f"unknown export format {format!r}: use csv, xlsx or json")
        day = as_of or _today()
        return export_items(format, self.items(status, org, overdue, period, as_of=day), day, out)


def _who(by: str) -> str:
    if not by or not by.strip():
        raise LedgerError("say who syncs (by)")
    return by.strip()


def _merge(
    session: LedgerSession,
    result: RunResult | MergeSource,
    period: Period,
    as_of: date,
    digest: str,
    *,
    by: str,
    at: datetime,
) -> SyncReport:
    """One sync inside ``session``: nothing when this result was synced already, refused when
    the ledger holds a later period of the pack, else the merge, recorded."""
    pack = result.pack.id if isinstance(result, RunResult) else result.pack
    if session.find_sync(pack, digest) is not None:
        return SyncReport(pack=pack, period=period, as_of=as_of, digest=digest, already_synced=True)
    latest = session.latest_sync(pack)
    if latest is not None and Period.parse(latest.period).end > period.end:
        raise LedgerError(
            f"the ledger already holds period {latest.period} of pack {pack!r}; "
            f"refusing to sync the older period {period} (sync periods in order)"
        )
    report = Merge(session, result, by=by, at=at, as_of=as_of).run(digest)
    record = SyncRecord(
        pack=pack,
        period=str(period),
        as_of=as_of,
        digest=digest,
        at=at,
        by=by,
        report=report.model_dump_json(),
    )
    session.record_sync(record)
    return report


def sync_result_file(
    ledger: Ledger | str | PathLike[str],
    path: str | PathLike[str],
    *,
    by: str = "pbrules",
    now: datetime | None = None,
) -> SyncReport:
    """Sync the result file at ``path`` into ``ledger`` (a :class:`Ledger`, or the path of a
    ledger database, created when missing), streaming: :meth:`Ledger.sync_file`."""
    if isinstance(ledger, Ledger):
        return ledger.sync_file(path, by=by, now=now)
    with Ledger(Path(ledger)) as book:
        return book.sync_file(path, by=by, now=now)


def with_ledger_rectifications(snapshot: Snapshot, ledger: Ledger) -> Snapshot:
    """A copy of ``snapshot`` whose ``rectifications`` include the ledger's open items.

    Items are merged by id: a ledger item replaces a snapshot item with the same id (its ledger
    number), the others are kept. The snapshot's effective ``as_of`` is the reference date.
    """
    from_ledger = ledger.open_rectifications(snapshot.organization.id, snapshot.effective_as_of)
    ids = {r.id for r in from_ledger}
    merged = tuple(r for r in snapshot.rectifications if r.id not in ids) + tuple(from_ledger)
    return snapshot.model_copy(update={"rectifications": merged})

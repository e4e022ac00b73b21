"""The ledger item lifecycle: legal transitions, applying events, and the :class:`Ledger` API.

An item's state is never written directly: every change is an :class:`~.models.Event` (who,
when, from, to, note, data), and :func:`apply` folds an event into the state. The store keeps the
folded state next to the events in the same transaction; :func:`replay` rebuilds it from the
events alone, which is how the two are checked against each other.

Statuses and transitions (docs/ledger.md draws them)::

    opened           -          -> open        a sync finds a new failing fingerprint
    still_failing    open       -> open        a sync finds it failing again (also waived -> waived)
    overdue          open       -> open        flag: a sync's as_of passed the due date
    rectified        open       -> rectified   a sync finds it no longer failing (also from waived)
    failing_again    rectified  -> open        failing again before it was closed (not a repeat)
    reopened         closed     -> open        failing again after closing: a repeat (+1)
                     rectified  -> open        by hand: verification failed (not a repeat)
    closed           rectified  -> closed      销号 after verification
                     open       -> closed      销号 on site verification; a note is required
    waived           open       -> waived      reason, owner and expiry required (also renewal)
    waiver_expired   waived     -> open        the status before the waiver comes back
"""

from __future__ import annotations

import csv
import dataclasses
import hashlib
import io
import json
import os
import sys
import time
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime
from pathlib import Path
from typing import IO, Any, Literal

from pbrules.cells import csv_cell, text_cells
from pbrules.errors import LedgerError
from pbrules.ledger.models import (
    Event,
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
from pbrules.model.outcome import Status
from pbrules.model.period import Period
from pbrules.model.result import Finding, RunResult
from pbrules.model.snapshot import Rectification, RectificationStatus, Snapshot

__all__ = [
    "TRANSITIONS",
    "Ledger",
    "apply",
    "replay",
    "result_digest",
    "with_ledger_rectifications",
]

_O, _R, _C, _W = ItemStatus.OPEN, ItemStatus.RECTIFIED, ItemStatus.CLOSED, ItemStatus.WAIVED

TRANSITIONS: Mapping[EventKind, frozenset[tuple[ItemStatus | None, ItemStatus]]] = {
    EventKind.OPENED: frozenset({(None, _O)}),
    EventKind.STILL_FAILING: frozenset({(_O, _O), (_W, _W)}),
    EventKind.OVERDUE: frozenset({(_O, _O)}),
    EventKind.RECTIFIED: frozenset({(_O, _R), (_W, _R)}),
    EventKind.FAILING_AGAIN: frozenset({(_R, _O)}),
    EventKind.REOPENED: frozenset({(_C, _O), (_R, _O)}),
    EventKind.CLOSED: frozenset({(_R, _C), (_O, _C)}),
    EventKind.WAIVED: frozenset({(_O, _W), (_W, _W)}),
    EventKind.WAIVER_EXPIRED: frozenset({(_W, _O)}),
}
"""Every legal (from, to) pair per event kind. Anything else is refused with a LedgerError."""

# Item fields an event's ``data`` may set, and how to read them back from JSON.
_DATE_FIELDS = frozenset({"due", "opened_on", "closed_on"})
_SETTABLE = frozenset(
    {
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
        "opened_period",
        "opened_on",
    }
)
# Events by which a sync saw the item failing in its period.
_SEEN = frozenset(
    {EventKind.OPENED, EventKind.STILL_FAILING, EventKind.FAILING_AGAIN, EventKind.REOPENED}
)


def _field_values(data: Mapping[str, Any]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for key, value in data.items():
        if key not in _SETTABLE:
            continue
        if key in _DATE_FIELDS and isinstance(value, str):
            value = date.fromisoformat(value)
        values[key] = value
    return values


_VERBS = {
    EventKind.OPENED: "open",
    EventKind.STILL_FAILING: "mark still failing",
    EventKind.OVERDUE: "mark overdue",
    EventKind.RECTIFIED: "mark rectified",
    EventKind.FAILING_AGAIN: "mark failing again",
    EventKind.REOPENED: "reopen",
    EventKind.CLOSED: "close",
    EventKind.WAIVED: "waive",
    EventKind.WAIVER_EXPIRED: "expire the waiver of",
}


def _refuse(number: str, kind: EventKind, src: ItemStatus | None, dst: ItemStatus) -> LedgerError:
    allowed = sorted(
        f"{a.value if a else '(new)'} -> {b.value}" for a, b in TRANSITIONS.get(kind, ())
    )
    return LedgerError(
        f"ledger item {number}: cannot {_VERBS[kind]} an item that is "
        f"{src.value if src else 'new'} (to {dst.value}); allowed: {', '.join(allowed)}"
    )


def apply(state: ItemState | None, event: Event) -> ItemState:
    """The item after ``event``. Raises :class:`LedgerError` for an illegal transition."""
    current = None if state is None else state.status
    if (event.from_status, event.to_status) not in TRANSITIONS[event.kind]:
        raise _refuse(event.number, event.kind, event.from_status, event.to_status)
    if current != event.from_status:
        raise _refuse(event.number, event.kind, current, event.to_status)
    values = _field_values(event.data)
    if state is None:
        period = event.period or str(values.get("opened_period", ""))
        try:
            new = ItemState(
                number=event.number,
                status=event.to_status,
                updated_at=event.at,
                last_seen_period=period,
                **values,
            )
        except TypeError as exc:
            raise LedgerError(f"ledger item {event.number}: incomplete opening event") from exc
        return new
    new = dataclasses.replace(state, status=event.to_status, updated_at=event.at, **values)
    if event.kind in _SEEN and event.period is not None:
        new.last_seen_period = event.period
    kind = event.kind
    if kind is EventKind.OVERDUE:
        new.overdue = True
    elif kind is EventKind.RECTIFIED:
        new.overdue = False
        new.waiver = None
    elif kind is EventKind.FAILING_AGAIN:
        new.overdue = False
    elif kind is EventKind.REOPENED:
        new.overdue = False
        new.closed_on = None
        new.closed_by = None
        if event.from_status is ItemStatus.CLOSED:
            new.repeat_count += 1
    elif kind is EventKind.CLOSED:
        if event.from_status is ItemStatus.OPEN and not (event.note or "").strip():
            raise LedgerError(
                f"ledger item {event.number}: closing an open item (not yet rectified) "
                "needs a note saying how the rectification was verified"
            )
        new.overdue = False
        new.closed_by = event.by
        closed_on = event.data.get("closed_on")
        new.closed_on = date.fromisoformat(closed_on) if closed_on else event.at.date()
    elif kind is EventKind.WAIVED:
        try:
            until = date.fromisoformat(str(event.data["until"]))
            reason = str(event.data["reason"]).strip()
            owner = str(event.data["owner"]).strip()
        except (KeyError, ValueError) as exc:
            raise LedgerError(
                f"ledger item {event.number}: a waiver needs a reason, an owner and an expiry"
            ) from exc
        if not reason or not owner:
            raise LedgerError(
                f"ledger item {event.number}: a waiver needs a reason, an owner and an expiry"
            )
        prior = state.waiver.prior_status if state.waiver is not None else state.status
        new.waiver = Waiver(
            reason=reason,
            owner=owner,
            until=until,
            granted_by=event.by,
            granted_at=event.at,
            prior_status=prior,
        )
    elif kind is EventKind.WAIVER_EXPIRED:
        if state.waiver is not None and state.waiver.prior_status is not event.to_status:
            raise _refuse(event.number, kind, current, event.to_status)
        new.waiver = None
    return new


def replay(events: Iterable[LedgerEvent | Event]) -> dict[str, ItemState]:
    """Rebuild every item's state from its events alone (oldest first)."""
    states: dict[str, ItemState] = {}
    for stored in events:
        event = Event.of(stored) if isinstance(stored, LedgerEvent) else stored
        states[event.number] = apply(states.get(event.number), event)
    return states


def result_digest(result: RunResult) -> str:
    """sha256 of the result document's canonical JSON: equal documents, equal digests."""
    canonical = json.dumps(
        result.model_dump(mode="json"), sort_keys=True, separators=(",", ":"), ensure_ascii=False
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _now(now: datetime | None) -> datetime:
    return now if now is not None else datetime.now(UTC)


def _today() -> date:
    return datetime.now(UTC).date()


def _fault_point(written: int) -> None:
    """Test hook: ``PBRULES_LEDGER_TEST_PAUSE_AFTER=N`` pauses a sync after N events.

    The sync prints ``paused`` on stdout and sleeps inside its open transaction, so a test can
    kill the process at a known point (tests/test_ledger_concurrency.py).
    """
    target = os.environ.get("PBRULES_LEDGER_TEST_PAUSE_AFTER")
    if target and target.isdigit() and written == int(target):
        sys.stdout.write("paused\n")
        sys.stdout.flush()
        time.sleep(float(os.environ.get("PBRULES_LEDGER_TEST_PAUSE_SECONDS", "60")))


def _finding_fields(finding: Finding) -> dict[str, Any]:
    """The item fields a finding describes (JSON-ready, for an event's data)."""
    return {
        "org_name": finding.org_name,
        "title": finding.title,
        "area": finding.area,
        "severity": finding.severity.value,
        "message": finding.message,
        "basis": finding.basis,
    }


def _rectify_fields(finding: Finding) -> dict[str, Any]:
    r = finding.rectification
    return {
        "responsible": r.responsible,
        "due": None if r.due is None else r.due.isoformat(),
        "action": r.action,
    }


def _changed(state: ItemState, fields: Mapping[str, Any]) -> dict[str, Any]:
    """Only the fields whose value differs from the item's (keeps events small)."""
    out: dict[str, Any] = {}
    for key, value in fields.items():
        current = getattr(state, key)
        if isinstance(current, date):
            current = current.isoformat()
        if current != value:
            out[key] = value
    return out


class _Writer:
    """Appends events inside one write transaction, keeping the states in step."""

    def __init__(self, session: LedgerSession, by: str, at: datetime) -> None:
        self.session = session
        self.by = by
        self.at = at
        self.written = 0

    def emit(
        self,
        state: ItemState | None,
        number: str,
        kind: EventKind,
        to: ItemStatus,
        *,
        note: str | None = None,
        period: str | None = None,
        data: Mapping[str, Any] | None = None,
    ) -> ItemState:
        event = Event(
            number=number,
            at=self.at,
            by=self.by,
            kind=kind,
            from_status=None if state is None else state.status,
            to_status=to,
            note=note,
            period=period,
            data=dict(data or {}),
        )
        new = apply(state, event)
        self.session.append(event, new)
        self.written += 1
        _fault_point(self.written)
        return new


def _view(state: ItemState, as_of: date) -> LedgerItem:
    status = state.status
    expired = False
    if status is ItemStatus.WAIVED and state.waiver is not None and as_of > state.waiver.until:
        status = state.waiver.prior_status
        expired = True
    overdue = status is ItemStatus.OPEN and (
        state.overdue or (state.due is not None and state.due < as_of)
    )
    return LedgerItem(
        number=state.number,
        fingerprint=state.fingerprint,
        pack=state.pack,
        org_id=state.org_id,
        org_name=state.org_name,
        criterion=state.criterion,
        title=state.title,
        area=state.area,
        severity=state.severity,
        subject_type=state.subject_type,
        subject_id=state.subject_id,
        message=state.message,
        responsible=state.responsible,
        due=state.due,
        action=state.action,
        basis=state.basis,
        status=status,
        stored_status=state.status,
        overdue=overdue,
        repeat_count=state.repeat_count,
        opened_period=state.opened_period,
        opened_on=state.opened_on,
        last_seen_period=state.last_seen_period,
        closed_on=state.closed_on,
        closed_by=state.closed_by,
        waiver=state.waiver,
        waiver_expired=expired,
        updated_at=state.updated_at,
        as_of=as_of,
    )


ExportFormat = Literal["csv", "xlsx", "json"]
EXPORT_COLUMNS: tuple[str, ...] = (
    "number",
    "status",
    "overdue",
    "repeat_count",
    "org_id",
    "org_name",
    "criterion",
    "title",
    "severity",
    "subject",
    "message",
    "responsible",
    "due",
    "action",
    "opened_period",
    "opened_on",
    "last_seen_period",
    "closed_on",
    "closed_by",
    "waiver_reason",
    "waiver_owner",
    "waiver_until",
    "pack",
    "fingerprint",
)
_COLUMN_WIDTHS = {
    "number": 14,
    "status": 11,
    "org_name": 28,
    "title": 30,
    "message": 60,
    "action": 40,
    "fingerprint": 20,
    "waiver_reason": 30,
}


def _export_row(item: LedgerItem) -> dict[str, Any]:
    w = item.waiver
    return {
        "number": item.number,
        "status": item.status.value,
        "overdue": item.overdue,
        "repeat_count": item.repeat_count,
        "org_id": item.org_id,
        "org_name": item.org_name,
        "criterion": item.criterion,
        "title": item.title,
        "severity": item.severity.value,
        "subject": f"{item.subject_type}:{item.subject_id}" if item.subject_type else None,
        "message": item.message,
        "responsible": item.responsible,
        "due": item.due,
        "action": item.action,
        "opened_period": str(item.opened_period),
        "opened_on": item.opened_on,
        "last_seen_period": str(item.last_seen_period),
        "closed_on": item.closed_on,
        "closed_by": item.closed_by,
        "waiver_reason": None if w is None or item.waiver_expired else w.reason,
        "waiver_owner": None if w is None or item.waiver_expired else w.owner,
        "waiver_until": None if w is None or item.waiver_expired else w.until,
        "pack": item.pack,
        "fingerprint": item.fingerprint,
    }


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
        if not by or not by.strip():
            raise LedgerError("say who syncs (by)")
        by = by.strip()
        at = _now(now)
        period = str(result.period)
        pack = result.pack.id
        as_of = result.as_of or result.period.end
        digest = result_digest(result)
        with self.store.write() as session:
            if session.find_sync(pack, digest) is not None:
                return SyncReport(
                    pack=pack, period=result.period, as_of=as_of, digest=digest, already_synced=True
                )
            latest = session.latest_sync(pack)
            if latest is not None and Period.parse(latest.period).end > result.period.end:
                raise LedgerError(
                    f"the ledger already holds period {latest.period} of pack {pack!r}; "
                    f"refusing to sync the older period {period} (sync periods in order)"
                )
            report = self._merge(session, result, by=by, at=at, as_of=as_of, digest=digest)
            session.record_sync(
                SyncRecord(
                    pack=pack,
                    period=period,
                    as_of=as_of,
                    digest=digest,
                    at=at,
                    by=by,
                    report=report.model_dump_json(),
                )
            )
        return report

    def _merge(
        self,
        session: LedgerSession,
        result: RunResult,
        *,
        by: str,
        at: datetime,
        as_of: date,
        digest: str,
    ) -> SyncReport:
        period = str(result.period)
        pack = result.pack.id
        w = _Writer(session, by, at)
        failing: dict[str, Finding] = {}
        for finding in result.findings:
            if finding.status is Status.FAIL and finding.pack == pack:
                failing.setdefault(finding.fingerprint, finding)
        evaluated: dict[str, dict[str, Status]] = {
            org.org_id: {c.id: c.status for c in org.criteria} for org in result.organizations
        }
        existing = {s.fingerprint: s for s in session.select(pack=pack)}
        lists: dict[str, list[str]] = {
            k: []
            for k in (
                "new",
                "persisting",
                "rectified",
                "overdue",
                "newly_overdue",
                "repeats",
                "failing_again",
                "waivers_expired",
                "waived",
            )
        }

        def expire_waiver(state: ItemState) -> ItemState:
            if (
                state.status is ItemStatus.WAIVED
                and state.waiver is not None
                and as_of > state.waiver.until
            ):
                lists["waivers_expired"].append(state.number)
                return w.emit(
                    state,
                    state.number,
                    EventKind.WAIVER_EXPIRED,
                    state.waiver.prior_status,
                    period=period,
                    note=f"waiver expired on {state.waiver.until.isoformat()}",
                )
            return state

        touched: list[ItemState] = []
        for fingerprint, finding in failing.items():
            state = existing.get(fingerprint)
            if state is None:
                number = session.next_number(period)
                data = {
                    "fingerprint": fingerprint,
                    "pack": pack,
                    "org_id": finding.org_id,
                    "criterion": finding.criterion,
                    "subject_type": None if finding.subject is None else finding.subject.type,
                    "subject_id": None if finding.subject is None else finding.subject.id,
                    "opened_period": period,
                    "opened_on": as_of.isoformat(),
                    **_finding_fields(finding),
                    **_rectify_fields(finding),
                }
                state = w.emit(None, number, EventKind.OPENED, _O, period=period, data=data)
                lists["new"].append(number)
            else:
                state = expire_waiver(state)
                described = _changed(state, _finding_fields(finding))
                if state.status in (_O, _W):  # still failing: stays open, or stays waived
                    listed = "persisting" if state.status is _O else "waived"
                    state = w.emit(
                        state,
                        state.number,
                        EventKind.STILL_FAILING,
                        state.status,
                        period=period,
                        data=described,
                    )
                    lists[listed].append(state.number)
                elif state.status is _R:
                    state = w.emit(
                        state,
                        state.number,
                        EventKind.FAILING_AGAIN,
                        _O,
                        period=period,
                        data=described,
                        note=f"failing again in {period} before it was closed",
                    )
                    lists["failing_again"].append(state.number)
                else:  # closed: a repeat, with the new rectification task
                    state = w.emit(
                        state,
                        state.number,
                        EventKind.REOPENED,
                        _O,
                        period=period,
                        data={**described, **_changed(state, _rectify_fields(finding))},
                        note=f"failing again in {period} after it was closed: repeat "
                        f"{state.repeat_count + 1}",
                    )
                    lists["repeats"].append(state.number)
            touched.append(state)

        for fingerprint, state in existing.items():
            if fingerprint in failing:
                continue
            criteria = evaluated.get(state.org_id)
            if criteria is None:
                continue  # organization not in this result: untouched
            state = expire_waiver(state)
            criterion = criteria.get(state.criterion)
            if criterion is not None and criterion is not Status.ERROR and state.status in (_O, _W):
                state = w.emit(
                    state,
                    state.number,
                    EventKind.RECTIFIED,
                    _R,
                    period=period,
                    note=f"no longer failing in {period}; awaiting verification",
                )
                lists["rectified"].append(state.number)
            touched.append(state)

        for state in touched:
            if state.status is _O and state.due is not None and state.due < as_of:
                if not state.overdue:
                    w.emit(
                        state,
                        state.number,
                        EventKind.OVERDUE,
                        _O,
                        period=period,
                        note=f"due {state.due.isoformat()}, still open on {as_of.isoformat()}",
                    )
                    lists["newly_overdue"].append(state.number)
                lists["overdue"].append(state.number)
        return SyncReport(
            pack=pack,
            period=result.period,
            as_of=as_of,
            digest=digest,
            events=w.written,
            **{k: sorted(v) for k, v in lists.items()},
        )

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
            w = _Writer(session, by.strip(), at)
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
        items = self.items(status, org, overdue, period, as_of=day)
        rows = [_export_row(i) for i in items]
        if format == "json":
            doc = {
                "as_of": day.isoformat(),
                "items": [i.model_dump(mode="json") for i in items],
            }
            payload = json.dumps(doc, ensure_ascii=False, indent=2).encode("utf-8") + b"\n"
        elif format == "csv":
            buf = io.StringIO()
            writer = csv.DictWriter(buf, fieldnames=list(EXPORT_COLUMNS), lineterminator="\n")
            writer.writeheader()
            for row in rows:
                writer.writerow(
                    {
                        k: csv_cell(_csv_value(v))
                        for k, v in row.items()
                    }
                )
            payload = buf.getvalue().encode("utf-8-sig")
        else:
            payload = _xlsx_bytes(rows, day)
        if isinstance(out, str | Path):
            Path(out).write_bytes(payload)
        else:
            out.write(payload)
        return len(items)


def _csv_value(value: Any) -> Any:
    return "" if value is None else value.isoformat() if isinstance(value, date) else value


def _xlsx_bytes(rows: list[dict[str, Any]], as_of: date) -> bytes:
    try:
        from openpyxl import Workbook
        from openpyxl.styles import Font
        from openpyxl.utils import get_column_letter
    except ImportError as exc:  # pragma: no cover - depends on the installed extras
        raise LedgerError("xlsx export needs openpyxl: pip install 'pbrules[report]'") from exc
    wb = Workbook()
    ws = wb.active
    ws.title = "ledger"
    ws.append(list(EXPORT_COLUMNS))
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row in rows:
        ws.append([row[c] for c in EXPORT_COLUMNS])
    for idx, name in enumerate(EXPORT_COLUMNS, start=1):
        letter = get_column_letter(idx)
        ws.column_dimensions[letter].width = _COLUMN_WIDTHS.get(name, max(12, len(name) + 2))
        if name in ("due", "opened_on", "closed_on", "waiver_until"):
            for (cell,) in ws.iter_rows(min_row=2, min_col=idx, max_col=idx):
                cell.number_format = "yyyy-mm-dd"
    ws.freeze_panes = "B2"
    ws.auto_filter.ref = ws.dimensions
    wb.properties.title = f"pbrules ledger as of {as_of.isoformat()}"
    text_cells(wb)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def with_ledger_rectifications(snapshot: Snapshot, ledger: Ledger) -> Snapshot:
    """A copy of ``snapshot`` whose ``rectifications`` include the ledger's open items.

    Items are merged by id: a ledger item replaces a snapshot item with the same id (its ledger
    number), the others are kept. The snapshot's effective ``as_of`` is the reference date.
    """
    from_ledger = ledger.open_rectifications(snapshot.organization.id, snapshot.effective_as_of)
    ids = {r.id for r in from_ledger}
    merged = tuple(r for r in snapshot.rectifications if r.id not in ids) + tuple(from_ledger)
    return snapshot.model_copy(update={"rectifications": merged})

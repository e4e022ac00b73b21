"""The ledger item lifecycle: legal transitions and applying events.

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
    merged           open, rectified, waived -> closed
                                               a per-subject duplicate of its organization's
                                               item (one task per problem); a note names it
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime
from typing import Any

from pbrules.errors import LedgerError
from pbrules.ledger.models import (
    SETTABLE_FIELDS,
    Event,
    EventKind,
    ItemState,
    ItemStatus,
    LedgerEvent,
    Waiver,
)
from pbrules.ledger.store import LedgerSession

__all__ = ["TRANSITIONS", "Writer", "apply", "replay"]

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
    EventKind.MERGED: frozenset({(_O, _C), (_R, _C), (_W, _C)}),
}
"""Every legal (from, to) pair per event kind. Anything else is refused with a LedgerError."""

# Item fields an event's ``data`` may set (ledger/models.py), and how to read them back from JSON.
_DATE_FIELDS = frozenset({"due", "opened_on"})
# Events by which a sync saw the item failing in its period.
_SEEN = frozenset(
    {EventKind.OPENED, EventKind.STILL_FAILING, EventKind.FAILING_AGAIN, EventKind.REOPENED}
)


def _field_values(data: Mapping[str, Any]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for key, value in data.items():
        if key not in SETTABLE_FIELDS:
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
    EventKind.MERGED: "merge",
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
    effect = _EFFECTS.get(event.kind)
    if effect is not None:
        effect(state, new, event)
    return new


def _overdue(state: ItemState, new: ItemState, event: Event) -> None:
    new.overdue = True


def _rectified(state: ItemState, new: ItemState, event: Event) -> None:
    new.overdue = False
    new.waiver = None


def _failing_again(state: ItemState, new: ItemState, event: Event) -> None:
    new.overdue = False


def _reopened(state: ItemState, new: ItemState, event: Event) -> None:
    new.overdue = False
    new.closed_on = None
    new.closed_by = None
    if event.from_status is ItemStatus.CLOSED:
        new.repeat_count += 1


def _closed(state: ItemState, new: ItemState, event: Event) -> None:
    if event.from_status is ItemStatus.OPEN and not (event.note or "").strip():
        raise LedgerError(
            f"ledger item {event.number}: closing an open item (not yet rectified) "
            "needs a note saying how the rectification was verified"
        )
    new.overdue = False
    new.closed_by = event.by
    closed_on = event.data.get("closed_on")
    new.closed_on = date.fromisoformat(closed_on) if closed_on else event.at.date()


def _waived(state: ItemState, new: ItemState, event: Event) -> None:
    incomplete = f"ledger item {event.number}: a waiver needs a reason, an owner and an expiry"
    try:
        until = date.fromisoformat(str(event.data["until"]))
        reason = str(event.data["reason"]).strip()
        owner = str(event.data["owner"]).strip()
    except (KeyError, ValueError) as exc:
        raise LedgerError(incomplete) from exc
    if not reason or not owner:
        raise LedgerError(incomplete)
    prior = state.waiver.prior_status if state.waiver is not None else state.status
    new.waiver = Waiver(
        reason=reason,
        owner=owner,
        until=until,
        granted_by=event.by,
        granted_at=event.at,
        prior_status=prior,
    )


def _waiver_expired(state: ItemState, new: ItemState, event: Event) -> None:
    if state.waiver is not None and state.waiver.prior_status is not event.to_status:
        raise _refuse(event.number, event.kind, state.status, event.to_status)
    new.waiver = None


def _merged(state: ItemState, new: ItemState, event: Event) -> None:
    if not (event.note or "").strip():
        raise LedgerError(f"ledger item {event.number}: a merge needs a note naming the item")
    new.overdue = False
    new.waiver = None
    new.closed_by = event.by
    closed_on = event.data.get("closed_on")
    new.closed_on = date.fromisoformat(closed_on) if closed_on else event.at.date()


#: What an event does to an existing item besides its status, fields and ``last_seen_period``.
_EFFECTS: dict[EventKind, Callable[[ItemState, ItemState, Event], None]] = {
    EventKind.OVERDUE: _overdue,
    EventKind.RECTIFIED: _rectified,
    EventKind.FAILING_AGAIN: _failing_again,
    EventKind.REOPENED: _reopened,
    EventKind.CLOSED: _closed,
    EventKind.WAIVED: _waived,
    EventKind.WAIVER_EXPIRED: _waiver_expired,
    EventKind.MERGED: _merged,
}


def replay(events: Iterable[LedgerEvent | Event]) -> dict[str, ItemState]:
    """Rebuild every item's state from its events alone (oldest first)."""
    states: dict[str, ItemState] = {}
    for stored in events:
        event = Event.of(stored) if isinstance(stored, LedgerEvent) else stored
        states[event.number] = apply(states.get(event.number), event)
    return states


def _event_written(count: int) -> None:
    """Called after each event a write transaction appends (``count`` so far); does nothing.

    A seam for fault-injection tests, which replace it to stop a sync at a known point
    (tests/test_ledger_concurrency.py).
    """


class Writer:
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
        _event_written(self.written)
        return new

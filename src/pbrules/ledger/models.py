"""What ledger queries return: pydantic models, frozen (see docs/ledger.md).

- :class:`LedgerItem`: one problem item (问题台账条目), as seen on a given date: its ``status``
  already accounts for an expired waiver and ``overdue`` for a passed due date.
- :class:`LedgerEvent`: one appended event of an item's history (who, when, from, to, note).
- :class:`Waiver`: a suppression with its reason, owner and expiry.
- :class:`SyncReport`: what one ``sync`` did, item numbers per outcome.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from pbrules.model.outcome import Severity
from pbrules.model.period import Period

__all__ = [
    "ITEM_FIELDS",
    "LIFECYCLE_FIELDS",
    "SETTABLE_FIELDS",
    "VIEW_FIELDS",
    "Event",
    "EventKind",
    "ItemState",
    "ItemStatus",
    "LedgerEvent",
    "LedgerItem",
    "SyncRecord",
    "SyncReport",
    "Waiver",
]


class ItemStatus(StrEnum):
    """The status of a ledger item. ``overdue`` and ``repeat`` are flags, not statuses."""

    OPEN = "open"
    RECTIFIED = "rectified"
    CLOSED = "closed"
    WAIVED = "waived"


class EventKind(StrEnum):
    """Every kind of event an item's history can hold (see docs/ledger.md, "Events")."""

    OPENED = "opened"
    STILL_FAILING = "still_failing"
    OVERDUE = "overdue"
    RECTIFIED = "rectified"
    FAILING_AGAIN = "failing_again"
    REOPENED = "reopened"
    CLOSED = "closed"
    WAIVED = "waived"
    WAIVER_EXPIRED = "waiver_expired"
    MERGED = "merged"


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Waiver(_Model):
    """A suppression: the item counts as ``waived`` until ``until`` (inclusive)."""

    reason: str
    owner: str
    until: date
    granted_by: str
    granted_at: datetime
    prior_status: ItemStatus = Field(description="The status the item returns to on expiry.")

    def active_on(self, day: date) -> bool:
        return day <= self.until


class LedgerItem(_Model):
    """One ledger item, as seen on ``as_of`` (the date the query was made for)."""

    number: str = Field(description="Ledger number: <period>-<sequence>, e.g. 2026Q3-0042")
    fingerprint: str
    pack: str
    org_id: str
    org_name: str
    criterion: str
    title: str | None = None
    area: str | None = None
    severity: Severity
    subject_type: str | None = None
    subject_id: str | None = None
    message: str
    responsible: str | None = None
    due: date | None = None
    action: str | None = None
    basis: str | None = None
    status: ItemStatus = Field(description="Effective status: an expired waiver no longer counts.")
    stored_status: ItemStatus = Field(description="Status as last recorded by an event.")
    overdue: bool = Field(description="Open and past its due date on as_of (or marked by a sync).")
    repeat_count: int = Field(description="How many times the item failed again after closing.")
    opened_period: Period
    opened_on: date
    last_seen_period: Period = Field(description="The latest period in which it was failing.")
    closed_on: date | None = None
    closed_by: str | None = None
    waiver: Waiver | None = None
    waiver_expired: bool = False
    updated_at: datetime
    as_of: date = Field(description="The date this view of the item was computed for.")

    @property
    def repeat(self) -> bool:
        return self.repeat_count > 0


class LedgerEvent(_Model):
    """One event of an item's history. Events are appended, never changed or deleted."""

    seq: int = Field(description="Global order of the event in the ledger.")
    number: str
    at: datetime
    by: str
    kind: EventKind
    from_status: ItemStatus | None
    to_status: ItemStatus
    note: str | None = None
    period: Period | None = Field(default=None, description="The synced period, for sync events.")
    data: dict[str, Any] = Field(default_factory=dict)


class SyncReport(_Model):
    """What one ``Ledger.sync`` did. Each list holds ledger numbers."""

    pack: str
    period: Period
    as_of: date
    digest: str
    already_synced: bool = Field(
        default=False, description="The same result was synced before; nothing changed."
    )
    new: list[str] = Field(default_factory=list)
    persisting: list[str] = Field(
        default_factory=list, description="Still failing, still open (or waived)."
    )
    rectified: list[str] = Field(
        default_factory=list, description="No longer failing: rectified, awaiting verification."
    )
    overdue: list[str] = Field(
        default_factory=list, description="Open and past due after this sync (new or earlier)."
    )
    newly_overdue: list[str] = Field(default_factory=list)
    repeats: list[str] = Field(
        default_factory=list, description="Closed items failing again: reopened as repeats."
    )
    failing_again: list[str] = Field(
        default_factory=list, description="Rectified (not yet closed) items failing again."
    )
    waivers_expired: list[str] = Field(default_factory=list)
    waived: list[str] = Field(
        default_factory=list, description="Still failing under an active waiver."
    )
    merged: list[str] = Field(
        default_factory=list,
        description="Per-subject items merged into their organization-level item (one task "
        "per problem): closed with a note naming it, nothing deleted.",
    )
    events: int = Field(default=0, description="Events appended by this sync.")

    def counts(self) -> dict[str, int]:
        """Number of items per outcome, for summaries."""
        return {
            "new": len(self.new),
            "persisting": len(self.persisting),
            "rectified": len(self.rectified),
            "overdue": len(self.overdue),
            "newly_overdue": len(self.newly_overdue),
            "repeats": len(self.repeats),
            "failing_again": len(self.failing_again),
            "waivers_expired": len(self.waivers_expired),
            "waived": len(self.waived),
            "merged": len(self.merged),
        }


# -- internal records shared by the state machine and the stores ------------------------------
# (plain dataclasses: a sync handles tens of thousands of them)


@dataclass(slots=True)
class ItemState:
    """An item's state as recorded: what replaying its events gives (no query-time view)."""

    number: str
    fingerprint: str
    pack: str
    org_id: str
    org_name: str
    criterion: str
    severity: str
    message: str
    opened_period: str
    opened_on: date
    last_seen_period: str
    status: ItemStatus
    updated_at: datetime
    title: str | None = None
    area: str | None = None
    subject_type: str | None = None
    subject_id: str | None = None
    responsible: str | None = None
    due: date | None = None
    action: str | None = None
    basis: str | None = None
    overdue: bool = False
    repeat_count: int = 0
    closed_on: date | None = None
    closed_by: str | None = None
    waiver: Waiver | None = None


@dataclass(frozen=True, slots=True)
class Event:
    """An event before it is stored (the store gives it its ``seq``)."""

    number: str
    at: datetime
    by: str
    kind: EventKind
    from_status: ItemStatus | None
    to_status: ItemStatus
    note: str | None = None
    period: str | None = None
    data: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def of(cls, stored: LedgerEvent) -> Event:
        return cls(
            number=stored.number,
            at=stored.at,
            by=stored.by,
            kind=stored.kind,
            from_status=stored.from_status,
            to_status=stored.to_status,
            note=stored.note,
            period=None if stored.period is None else str(stored.period),
            data=stored.data,
        )


@dataclass(frozen=True, slots=True)
class SyncRecord:
    """A result that was synced: its pack, period and digest make re-syncs no-ops."""

    pack: str
    period: str
    as_of: date
    digest: str
    at: datetime
    by: str
    report: str = "{}"
    """The SyncReport, as JSON."""


# -- the item's fields, derived once from the records above ------------------------------------
#: Every field of a recorded item, in declaration order.
ITEM_FIELDS: tuple[str, ...] = tuple(f.name for f in fields(ItemState))
#: Fields only the state machine changes (status, flags, closing, waiver); an event's ``data``
#: sets the others.
LIFECYCLE_FIELDS = frozenset(
    {
        "number",
        "status",
        "updated_at",
        "last_seen_period",
        "overdue",
        "repeat_count",
        "closed_on",
        "closed_by",
        "waiver",
    }
)
SETTABLE_FIELDS = frozenset(ITEM_FIELDS) - LIFECYCLE_FIELDS
#: Fields a :class:`LedgerItem` view copies from the recorded item unchanged.
VIEW_FIELDS: tuple[str, ...] = tuple(
    f for f in ITEM_FIELDS if f in LedgerItem.model_fields and f not in {"status", "overdue"}
)


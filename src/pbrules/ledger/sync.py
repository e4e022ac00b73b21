"""Syncing a result into the ledger: each failing finding opens, keeps or reopens its item (by
fingerprint), each item no longer failing is marked rectified, open items past due are flagged.

:class:`Merge` does one sync's work inside the caller's write transaction, in named steps. It
reads the result through a :class:`MergeSource`: the failing findings one at a time (compact
:class:`Failing` rows, one task per problem) and the criterion statuses of the organizations that
have items. :class:`InMemory` is that of a :class:`RunResult`; :mod:`pbrules.ledger.streamed`
reads a result file instead, without holding the result.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Protocol

from pbrules.engine.findings import one_task_per_problem
from pbrules.ledger.existing import ExistingItems, existing_items
from pbrules.ledger.models import EventKind, ItemState, ItemStatus, SyncReport
from pbrules.ledger.store import LedgerSession
from pbrules.ledger.transitions import Writer
from pbrules.model.outcome import Status
from pbrules.model.period import Period
from pbrules.model.result import Finding, RunResult

__all__ = ["Failing", "InMemory", "Merge", "MergeSource", "result_digest"]

_O, _R, _C, _W = ItemStatus.OPEN, ItemStatus.RECTIFIED, ItemStatus.CLOSED, ItemStatus.WAIVED

#: The lists of a :class:`SyncReport`, each filled with ledger numbers.
_LISTS = (
    "new",
    "persisting",
    "rectified",
    "overdue",
    "newly_overdue",
    "repeats",
    "failing_again",
    "waivers_expired",
    "waived",
    "merged",
)


def result_digest(result: RunResult) -> str:
    """sha256 of the result document's canonical JSON: equal documents, equal digests."""
    canonical = json.dumps(
        result.model_dump(mode="json"), sort_keys=True, separators=(",", ":"), ensure_ascii=False
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class Failing:
    """What the merge reads of a failing finding."""

    fingerprint: str
    org_id: str
    criterion: str
    subject_type: str | None
    subject_id: str | None
    org_name: str
    title: str | None
    area: str
    severity: str
    message: str
    basis: str | None
    responsible: str | None
    due: str | None
    action: str | None

    @classmethod
    def of(cls, finding: Finding) -> Failing:
        subject, r = finding.subject, finding.rectification
        return cls(
            fingerprint=finding.fingerprint,
            org_id=finding.org_id,
            criterion=finding.criterion,
            subject_type=None if subject is None else subject.type,
            subject_id=None if subject is None else subject.id,
            org_name=finding.org_name,
            title=finding.title,
            area=finding.area,
            severity=finding.severity.value,
            message=finding.message,
            basis=finding.basis,
            responsible=r.responsible,
            due=None if r.due is None else r.due.isoformat(),
            action=r.action,
        )


class MergeSource(Protocol):
    """A result as the merge reads it."""

    @property
    def pack(self) -> str: ...

    @property
    def period(self) -> Period: ...

    def failing(self) -> Iterator[Failing]:
        """The pack's failing findings, one task per problem, the first of each fingerprint."""
        ...

    def criteria_of(self, org_id: str) -> Mapping[str, Status] | None:
        """Criterion id -> status of an evaluated organization (None: not in the result).
        Asked only for organizations that have items in the ledger."""
        ...


class InMemory:
    """A :class:`RunResult` held whole, as a :class:`MergeSource`."""

    def __init__(self, result: RunResult) -> None:
        self.result = result
        self.pack = result.pack.id
        self.period = result.period
        self._criteria: dict[str, dict[str, Status]] | None = None

    def failing(self) -> Iterator[Failing]:
        """(an organization-level finding stands for its per-subject ones)"""
        seen: set[str] = set()
        for finding in one_task_per_problem(self.result.findings):
            fails = finding.status is Status.FAIL and finding.pack == self.pack
            if fails and finding.fingerprint not in seen:
                seen.add(finding.fingerprint)
                yield Failing.of(finding)

    def criteria_of(self, org_id: str) -> Mapping[str, Status] | None:
        if self._criteria is None:
            self._criteria = {
                o.org_id: {c.id: c.status for c in o.criteria} for o in self.result.organizations
            }
        return self._criteria.get(org_id)


def _finding_fields(finding: Failing) -> dict[str, Any]:
    """The item fields a finding describes (JSON-ready, for an event's data)."""
    return {
        "org_name": finding.org_name,
        "title": finding.title,
        "area": finding.area,
        "severity": finding.severity,
        "message": finding.message,
        "basis": finding.basis,
    }


def _rectify_fields(finding: Failing) -> dict[str, Any]:
    return {"responsible": finding.responsible, "due": finding.due, "action": finding.action}


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


class Merge:
    """One sync of ``result`` into the ledger, inside an open write transaction.

    Per failing finding only its item's state is looked at; the states kept for later steps are
    the ledger's own items of the pack, and the open items past due."""

    def __init__(
        self,
        session: LedgerSession,
        result: RunResult | MergeSource,
        *,
        by: str,
        at: datetime,
        as_of: date,
    ) -> None:
        self.session = session
        self.source = InMemory(result) if isinstance(result, RunResult) else result
        self.period = str(self.source.period)
        self.pack = self.source.pack
        self.as_of = as_of
        self.writer = Writer(session, by, at)
        self.lists: dict[str, list[str]] = {k: [] for k in _LISTS}
        self.late: list[ItemState] = []  # touched items open past due, in touched order

    def run(self, digest: str) -> SyncReport:
        """Merge the result's findings; the report of what changed."""
        existing = existing_items(self.session, self.pack)
        try:
            whole: dict[tuple[str, str], str] = {}
            for row in self.source.failing():
                state = existing.get(row.fingerprint)
                state = self._touch(self._failing_item(row.fingerprint, row, state))
                if state.subject_type is None and existing.split(state.org_id, state.criterion):
                    whole[(state.org_id, state.criterion)] = state.number
            merged = self._merge_duplicates(existing, whole)
            self._no_longer_failing(existing, merged)
        finally:
            existing.close()
        self._flag_overdue(self.late)
        return SyncReport(
            pack=self.pack,
            period=self.source.period,
            as_of=self.as_of,
            digest=digest,
            events=self.writer.written,
            **{k: sorted(v) for k, v in self.lists.items()},
        )

    def _touch(self, state: ItemState) -> ItemState:
        """Keep a touched item for the overdue step when it is open past due."""
        if state.status is _O and state.due is not None and state.due < self.as_of:
            self.late.append(state)
        return state

    def _emit(
        self,
        state: ItemState,
        kind: EventKind,
        to: ItemStatus,
        *,
        note: str | None = None,
        data: Mapping[str, Any] | None = None,
    ) -> ItemState:
        return self.writer.emit(
            state, state.number, kind, to, period=self.period, note=note, data=data
        )

    def _expire_waiver(self, state: ItemState) -> ItemState:
        waiver = state.waiver
        if state.status is not _W or waiver is None or self.as_of <= waiver.until:
            return state
        self.lists["waivers_expired"].append(state.number)
        return self._emit(
            state,
            EventKind.WAIVER_EXPIRED,
            waiver.prior_status,
            note=f"waiver expired on {waiver.until.isoformat()}",
        )

    def _failing_item(
        self, fingerprint: str, finding: Failing, state: ItemState | None
    ) -> ItemState:
        """A failing finding: a new item, or its item still failing, failing again or reopened."""
        if state is None:
            return self._open(fingerprint, finding)
        state = self._expire_waiver(state)
        described = _changed(state, _finding_fields(finding))
        if state.status in (_O, _W):  # still failing: stays open, or stays waived
            self.lists["persisting" if state.status is _O else "waived"].append(state.number)
            return self._emit(state, EventKind.STILL_FAILING, state.status, data=described)
        if state.status is _R:
            self.lists["failing_again"].append(state.number)
            return self._emit(
                state,
                EventKind.FAILING_AGAIN,
                _O,
                data=described,
                note=f"failing again in {self.period} before it was closed",
            )
        # closed: a repeat, with the new rectification task
        self.lists["repeats"].append(state.number)
        return self._emit(
            state,
            EventKind.REOPENED,
            _O,
            data={**described, **_changed(state, _rectify_fields(finding))},
            note=f"failing again in {self.period} after it was closed: repeat "
            f"{state.repeat_count + 1}",
        )

    def _open(self, fingerprint: str, finding: Failing) -> ItemState:
        number = self.session.next_number(self.period)
        data = {
            "fingerprint": fingerprint,
            "pack": self.pack,
            "org_id": finding.org_id,
            "criterion": finding.criterion,
            "subject_type": finding.subject_type,
            "subject_id": finding.subject_id,
            "opened_period": self.period,
            "opened_on": self.as_of.isoformat(),
            **_finding_fields(finding),
            **_rectify_fields(finding),
        }
        state = self.writer.emit(None, number, EventKind.OPENED, _O, period=self.period, data=data)
        self.lists["new"].append(number)
        return state

    def _merge_duplicates(
        self, existing: ExistingItems, whole: Mapping[tuple[str, str], str]
    ) -> set[str]:
        """Per-subject items of a problem that now has its organization-level item (one task per
        problem; a ledger synced before the rule holds both): each is closed by one ``merged``
        event whose note names the item that carries on. Nothing is deleted. The fingerprints
        of the items merged.

        ``whole``: (org, criterion) -> the organization-level item touched by this sync."""
        merged: set[str] = set()
        if not whole:
            return merged
        for state, _still in existing.states():
            into = whole.get((state.org_id, state.criterion))
            if into is None or state.subject_type is None or state.status is _C:
                continue
            self._emit(
                state,
                EventKind.MERGED,
                _C,
                note=f"merged into {into}: one task per problem",
                data={"closed_on": self.as_of.isoformat()},
            )
            self.lists["merged"].append(state.number)
            merged.add(state.fingerprint)
        return merged

    def _no_longer_failing(self, existing: ExistingItems, merged: set[str]) -> None:
        """Items of evaluated organizations not failing now: rectified when open or waived and
        their criterion was evaluated without error. Other organizations' items are untouched."""
        for state, still in existing.states():
            if still or state.fingerprint in merged:
                continue
            criteria = self.source.criteria_of(state.org_id)
            if criteria is None:
                continue
            state = self._expire_waiver(state)
            criterion = criteria.get(state.criterion)
            if criterion is not None and criterion is not Status.ERROR and state.status in (_O, _W):
                state = self._emit(
                    state,
                    EventKind.RECTIFIED,
                    _R,
                    note=f"no longer failing in {self.period}; awaiting verification",
                )
                self.lists["rectified"].append(state.number)
            self._touch(state)

    def _flag_overdue(self, late: list[ItemState]) -> None:
        """List the open items past due; flag those not flagged yet."""
        for state in late:
            if state.status is not _O or state.due is None or state.due >= self.as_of:
                continue
            if not state.overdue:
                self._emit(
                    state,
                    EventKind.OVERDUE,
                    _O,
                    note=f"due {state.due.isoformat()}, still open on {self.as_of.isoformat()}",
                )
                self.lists["newly_overdue"].append(state.number)
            self.lists["overdue"].append(state.number)

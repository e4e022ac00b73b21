"""Syncing a result into the ledger: each failing finding opens, keeps or reopens its item (by
fingerprint), each item no longer failing is marked rectified, open items past due are flagged.

:class:`Merge` does one sync's work inside the caller's write transaction, in named steps.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from pbrules.engine.findings import one_task_per_problem
from pbrules.ledger.models import EventKind, ItemState, ItemStatus, SyncReport
from pbrules.ledger.store import LedgerSession
from pbrules.ledger.transitions import Writer
from pbrules.model.outcome import Status
from pbrules.model.result import Finding, RunResult

__all__ = ["Merge", "result_digest"]

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


class Merge:
    """One sync of ``result`` into the ledger, inside an open write transaction."""

    def __init__(
        self, session: LedgerSession, result: RunResult, *, by: str, at: datetime, as_of: date
    ) -> None:
        self.session = session
        self.result = result
        self.period = str(result.period)
        self.pack = result.pack.id
        self.as_of = as_of
        self.writer = Writer(session, by, at)
        self.lists: dict[str, list[str]] = {k: [] for k in _LISTS}

    def run(self, digest: str) -> SyncReport:
        """Merge the result's findings; the report of what changed."""
        failing = self._failing()
        existing = {s.fingerprint: s for s in self.session.select(pack=self.pack)}
        touched = [
            self._failing_item(fingerprint, finding, existing.get(fingerprint))
            for fingerprint, finding in failing.items()
        ]
        existing = self._merge_duplicates(existing, touched)
        touched += self._no_longer_failing(existing, failing)
        self._flag_overdue(touched)
        return SyncReport(
            pack=self.pack,
            period=self.result.period,
            as_of=self.as_of,
            digest=digest,
            events=self.writer.written,
            **{k: sorted(v) for k, v in self.lists.items()},
        )

    def _failing(self) -> dict[str, Finding]:
        """The pack's failing findings by fingerprint (the first of each), one task per problem
        (an organization-level finding stands for its per-subject ones)."""
        failing: dict[str, Finding] = {}
        for finding in one_task_per_problem(self.result.findings):
            if finding.status is Status.FAIL and finding.pack == self.pack:
                failing.setdefault(finding.fingerprint, finding)
        return failing

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
        self, fingerprint: str, finding: Finding, state: ItemState | None
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

    def _open(self, fingerprint: str, finding: Finding) -> ItemState:
        number = self.session.next_number(self.period)
        data = {
            "fingerprint": fingerprint,
            "pack": self.pack,
            "org_id": finding.org_id,
            "criterion": finding.criterion,
            "subject_type": None if finding.subject is None else finding.subject.type,
            "subject_id": None if finding.subject is None else finding.subject.id,
            "opened_period": self.period,
            "opened_on": self.as_of.isoformat(),
            **_finding_fields(finding),
            **_rectify_fields(finding),
        }
        state = self.writer.emit(None, number, EventKind.OPENED, _O, period=self.period, data=data)
        self.lists["new"].append(number)
        return state

    def _merge_duplicates(
        self, existing: Mapping[str, ItemState], touched: list[ItemState]
    ) -> dict[str, ItemState]:
        """Per-subject items of a problem that now has its organization-level item (one task per
        problem; a ledger synced before the rule holds both): each is closed by one ``merged``
        event whose note names the item that carries on. Nothing is deleted. The items left."""
        whole = {(s.org_id, s.criterion): s.number for s in touched if s.subject_type is None}
        left: dict[str, ItemState] = {}
        for fingerprint, state in existing.items():
            into = whole.get((state.org_id, state.criterion))
            if into is None or state.subject_type is None or state.status is _C:
                left[fingerprint] = state
                continue
            self._emit(
                state,
                EventKind.MERGED,
                _C,
                note=f"merged into {into}: one task per problem",
                data={"closed_on": self.as_of.isoformat()},
            )
            self.lists["merged"].append(state.number)
        return left

    def _no_longer_failing(
        self, existing: Mapping[str, ItemState], failing: Mapping[str, Finding]
    ) -> list[ItemState]:
        """Items of evaluated organizations not failing now: rectified when open or waived and
        their criterion was evaluated without error. Other organizations' items are untouched."""
        evaluated: dict[str, dict[str, Status]] = {
            org.org_id: {c.id: c.status for c in org.criteria} for org in self.result.organizations
        }
        touched: list[ItemState] = []
        for fingerprint, state in existing.items():
            criteria = evaluated.get(state.org_id)
            if fingerprint in failing or criteria is None:
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
            touched.append(state)
        return touched

    def _flag_overdue(self, touched: list[ItemState]) -> None:
        """List the open items past due; flag those not flagged yet."""
        for state in touched:
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

"""A state-machine test of the ledger lifecycle (hypothesis ``RuleBasedStateMachine``).

Random syncs over a small set of fingerprints and increasing periods, interleaved with close,
reopen and waive by hand and with the passing of time. After every step: no item is lost, every
event is a legal transition continuing the previous one, and replaying the event log gives the
stored items exactly.
"""

from __future__ import annotations

import shutil
import tempfile
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from pbrules.errors import LedgerError
from pbrules.ledger import TRANSITIONS, ItemStatus, Ledger
from pbrules.ledger.models import ItemState
from pbrules.model.period import Period
from pbrules.model.result import RunResult
from test_ledger import Failing, fingerprint, make_result

PACK = "district-quarterly"
ORGS = ("B1", "B2", "B3")
CRITERIA = ("S1", "S2")
PROBLEMS = tuple((o, c, s) for o in ORGS for c in CRITERIA for s in (None, "M1"))
PAIRS = tuple((o, c) for o in ORGS for c in CRITERIA)


def effective(state: ItemState, day: date) -> ItemStatus:
    if state.status is ItemStatus.WAIVED and state.waiver and day > state.waiver.until:
        return state.waiver.prior_status
    return state.status


class LedgerMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.dir = Path(tempfile.mkdtemp(prefix="pbrules-ledger-"))
        self.ledger = Ledger(self.dir / "l.db")
        self.period = Period.parse("2025Q4")
        self.synced = False
        self.now = datetime(2026, 1, 1, 9, tzinfo=UTC)
        self.ever_failing: set[str] = set()
        self.item_count = 0
        self.last_result: RunResult | None = None

    def teardown(self) -> None:
        self.ledger.disconnect()
        shutil.rmtree(self.dir, ignore_errors=True)

    def states(self) -> dict[str, ItemState]:
        with self.ledger.store.read() as session:
            return {s.number: s for s in session.select()}

    def event_count(self) -> int:
        return len(self.ledger.events())

    # -- rules ------------------------------------------------------------------------------------
    @rule(
        data=st.data(),
        step=st.integers(1, 2),
        evaluated=st.sets(st.sampled_from(ORGS), min_size=1),
        failing=st.sets(st.sampled_from(PROBLEMS)),
        errored=st.sets(st.sampled_from(PAIRS)),
    )
    def sync(
        self,
        data: st.DataObject,
        step: int,
        evaluated: set[str],
        failing: set[tuple[str, str, str | None]],
        errored: set[tuple[str, str]],
    ) -> None:
        period = self.period.shift(step)
        rows: list[Failing] = []
        for org, crit, subject in sorted(failing, key=str):
            if org not in evaluated:
                continue
            offset = data.draw(st.none() | st.integers(-30, 200), label="due offset")
            due = None if offset is None else period.start + timedelta(days=offset)
            rows.append((org, crit, subject, due))
        bad = {(o, c) for o, c, _, _ in rows}
        errored = errored - bad  # a criterion failing for one subject is not an error
        result = make_result(
            str(period),
            {o: list(CRITERIA) for o in sorted(evaluated)},
            rows,
            errored=sorted(errored),
        )
        self.now = max(
            self.now, datetime.combine(period.end + timedelta(days=1), datetime.min.time(), UTC)
        )
        before = self.states()
        report = self.ledger.sync(result, now=self.now)
        after = self.states()
        self.period, self.synced, self.last_result = period, True, result
        as_of = period.end

        by_fp = {s.fingerprint: s for s in after.values()}
        # one task per problem: an organization-level failure stands for its subjects
        whole = {(o, c) for o, c, s, _ in rows if s is None}
        failing_fps = {
            fingerprint(PACK, c, o, s) for o, c, s, _ in rows if s is None or (o, c) not in whole
        }
        self.ever_failing |= failing_fps
        old_by_fp = {s.fingerprint: s for s in before.values()}
        assert sorted(report.new) == sorted(by_fp[f].number for f in failing_fps - old_by_fp.keys())
        for fp in failing_fps:
            state = by_fp[fp]
            assert state.status in (ItemStatus.OPEN, ItemStatus.WAIVED)
            if state.status is ItemStatus.WAIVED:
                assert state.waiver is not None and as_of <= state.waiver.until
            else:
                assert state.overdue == (state.due is not None and state.due < as_of) or (
                    state.overdue and fp in old_by_fp and old_by_fp[fp].overdue
                )
            old = old_by_fp.get(fp)
            if old is not None and old.status is ItemStatus.CLOSED:
                assert state.repeat_count == old.repeat_count + 1
                assert state.number in report.repeats
        for number, old in before.items():
            new = after[number]
            if old.org_id not in evaluated:
                assert new == old, "an item of an organization absent from the result changed"
                continue
            if old.fingerprint in failing_fps:
                continue
            merged = old.subject_type is not None and (old.org_id, old.criterion) in whole
            if merged and old.status is not ItemStatus.CLOSED:
                assert new.status is ItemStatus.CLOSED and number in report.merged
                continue
            if merged:
                assert new.status is ItemStatus.CLOSED
                continue
            if (old.org_id, old.criterion) in errored:
                assert new.status is effective(old, as_of)
            elif effective(old, as_of) is ItemStatus.OPEN or old.status is ItemStatus.WAIVED:
                assert new.status is ItemStatus.RECTIFIED
            else:
                assert new.status is old.status

    @precondition(lambda self: self.last_result is not None)
    @rule()
    def resync_last(self) -> None:
        assert self.last_result is not None
        events = self.event_count()
        before = self.states()
        assert self.ledger.sync(self.last_result, now=self.now).already_synced
        assert self.event_count() == events and self.states() == before

    @precondition(lambda self: self.synced)
    @rule()
    def sync_older(self) -> None:
        events = self.event_count()
        older = make_result(str(self.period.shift(-1)), {"B1": list(CRITERIA)}, [])
        try:
            report = self.ledger.sync(older, now=self.now)
        except LedgerError as exc:
            assert "older period" in str(exc)
        else:  # only the very same document synced earlier is accepted, as a no-op
            assert report.already_synced, "an older period was merged"
        assert self.event_count() == events

    @rule(days=st.integers(1, 120))
    def time_passes(self, days: int) -> None:
        self.now += timedelta(days=days)

    def pick(self, data: st.DataObject) -> ItemState | None:
        states = self.states()
        if not states:
            return None
        return states[data.draw(st.sampled_from(sorted(states)), label="item")]

    @rule(data=st.data(), note=st.sampled_from([None, "", "verified on site"]))
    def close(self, data: st.DataObject, note: str | None) -> None:
        state = self.pick(data)
        if state is None:
            return
        status = effective(state, self.now.date())
        legal = status is ItemStatus.RECTIFIED or (status is ItemStatus.OPEN and bool(note))
        try:
            item = self.ledger.close(state.number, "Li", note, now=self.now)
        except LedgerError:
            assert not legal
            assert self.states()[state.number] == state
        else:
            assert legal and item.status is ItemStatus.CLOSED

    @rule(data=st.data())
    def reopen(self, data: st.DataObject) -> None:
        state = self.pick(data)
        if state is None:
            return
        status = effective(state, self.now.date())
        legal = status in (ItemStatus.CLOSED, ItemStatus.RECTIFIED)
        try:
            item = self.ledger.reopen(state.number, "Li", "found again", now=self.now)
        except LedgerError:
            assert not legal
        else:
            assert legal and item.status is ItemStatus.OPEN
            bump = 1 if status is ItemStatus.CLOSED else 0
            assert item.repeat_count == state.repeat_count + bump

    @rule(data=st.data(), days=st.integers(0, 200))
    def waive(self, data: st.DataObject, days: int) -> None:
        state = self.pick(data)
        if state is None:
            return
        status = effective(state, self.now.date())
        legal = status in (ItemStatus.OPEN, ItemStatus.WAIVED)
        until = self.now.date() + timedelta(days=days)
        try:
            item = self.ledger.waive(state.number, "merger", "Wang", until, now=self.now)
        except LedgerError:
            assert not legal
        else:
            assert legal and item.status is ItemStatus.WAIVED
            assert item.waiver is not None and item.waiver.until == until

    # -- invariants -------------------------------------------------------------------------------
    @invariant()
    def no_item_lost(self) -> None:
        states = self.states()
        assert len(states) >= self.item_count
        self.item_count = len(states)
        fingerprints = [s.fingerprint for s in states.values()]
        assert len(fingerprints) == len(set(fingerprints))
        assert self.ever_failing <= set(fingerprints)

    @invariant()
    def only_legal_transitions(self) -> None:
        last: dict[str, ItemStatus] = {}
        for event in self.ledger.events():
            previous = last.get(event.number)
            assert event.from_status is previous
            assert (event.from_status, event.to_status) in TRANSITIONS[event.kind]
            last[event.number] = event.to_status
        assert last == {n: s.status for n, s in self.states().items()}

    @invariant()
    def events_replay_to_the_items(self) -> None:
        assert self.ledger.verify() == []


LedgerMachine.TestCase.settings = settings(
    max_examples=60,
    stateful_step_count=20,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
TestLedgerLifecycle = LedgerMachine.TestCase

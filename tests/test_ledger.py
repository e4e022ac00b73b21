"""The rectification ledger: lifecycle, numbering, idempotency, waivers, export."""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from pbrules.engine.findings import one_task_per_problem
from pbrules.errors import LedgerError
from pbrules.ledger import ItemStatus, Ledger, SQLiteStore, with_ledger_rectifications
from pbrules.model.period import Period
from pbrules.model.result import (
    CriterionResult,
    Finding,
    FindingSubject,
    OrgResult,
    PackRef,
    Rectify,
    RunResult,
    Summary,
)

PACK = "district-quarterly"
T0 = datetime(2026, 10, 1, 9, 0, tzinfo=UTC)

# A failing finding: (org id, criterion, subject id or None, due date or None)
Failing = tuple[str, str, str | None, date | None]


def fingerprint(pack: str, criterion: str, org: str, subject: str | None) -> str:
    stype, sid = ("member", subject) if subject else ("", "")
    return hashlib.sha256(f"{pack}|{criterion}|{org}|{stype}|{sid}".encode()).hexdigest()


def make_result(
    period: str,
    evaluated: Mapping[str, Sequence[str]],
    failing: Iterable[Failing],
    *,
    pack: str = PACK,
    as_of: date | None = None,
    errored: Iterable[tuple[str, str]] = (),
) -> RunResult:
    """A result document: ``evaluated`` maps org id -> criteria evaluated; the failing ones fail,
    ``errored`` (org, criterion) pairs are ``error``, the others pass."""
    failing = list(failing)
    p = Period.parse(period)
    bad = {(o, c) for o, c, _, _ in failing}
    errors = set(errored)
    orgs = []
    for org_id, criteria in evaluated.items():
        results = []
        for crit in criteria:
            status = (
                "fail" if (org_id, crit) in bad else "error" if (org_id, crit) in errors else "pass"
            )
            results.append(CriterionResult(id=crit, status=status, earned=0.0, max=10.0))
        orgs.append(
            OrgResult(
                org_id=org_id,
                name=f"Org {org_id}",
                kind="branch",
                parent_id="T01",
                group=None,
                total=80.0,
                base_total=80.0,
                bonus=0.0,
                grade="good",
                complete=True,
                areas={},
                criteria=results,
            )
        )
    findings = [
        Finding(
            fingerprint=fingerprint(pack, crit, org, subject),
            criterion=crit,
            pack=pack,
            org_id=org,
            org_name=f"Org {org}",
            period=p,
            area="standardization",
            severity="major",
            status="fail",
            message=f"{crit} fails for {org}" + (f" ({subject})" if subject else ""),
            subject=FindingSubject(type="member", id=subject) if subject else None,
            rectification=Rectify(responsible="secretary", due=due, action="fix it"),
        )
        for org, crit, subject, due in failing
    ]
    return RunResult(
        pack=PackRef(id=pack, version="1", digest="0" * 64),
        period=p,
        as_of=as_of,
        organizations=orgs,
        findings=findings,
        summary=Summary(evaluated=len(orgs), rejected=0, findings=len(findings), incomplete=0),
    )


def ledger_at(tmp_path: Path, name: str = "ledger.db") -> Ledger:
    return Ledger(tmp_path / name)


# -- the two example quarters (must show) -------------------------------------------------------

Q2_FAILING: list[Failing] = [
    ("B01", "S02", None, date(2026, 7, 31)),  # A: still failing in Q3, past due -> overdue
    ("B01", "S05", "M1", date(2026, 12, 31)),  # B: still failing in Q3, not yet due
    ("B01", "S05", "M2", date(2026, 7, 31)),  # C: M2 fixed in Q3 (S05 still fails for M1)
    ("B02", "S01", None, date(2026, 7, 31)),  # D: S01 passes in Q3 -> rectified
    ("B03", "S02", None, date(2026, 7, 31)),  # E: B03 not in the Q3 result -> untouched
    ("B04", "V01", None, date(2026, 7, 31)),  # F: closed by hand, fails again in Q3 -> repeat
    ("B05", "S11", None, date(2026, 7, 31)),  # G: S11 errors in Q3 -> left open, now overdue
]
Q2_ORGS = {
    "B01": ["S02", "S05"],
    "B02": ["S01", "S02"],
    "B03": ["S02"],
    "B04": ["V01"],
    "B05": ["S11"],
}
Q3_FAILING: list[Failing] = [
    ("B01", "S02", None, date(2026, 10, 31)),
    ("B01", "S05", "M1", date(2026, 10, 31)),
    ("B04", "V01", None, date(2026, 10, 31)),
    ("B02", "S02", None, date(2026, 10, 31)),  # H: new
    ("B06", "T01", None, date(2026, 10, 31)),  # I: new organization, new item
]
Q3_ORGS = {
    "B01": ["S02", "S05"],
    "B02": ["S01", "S02"],
    "B04": ["V01"],
    "B05": ["S11"],
    "B06": ["T01"],
}


def two_quarters() -> tuple[RunResult, RunResult]:
    q2 = make_result("2026Q2", Q2_ORGS, Q2_FAILING)
    q3 = make_result("2026Q3", Q3_ORGS, Q3_FAILING, errored=[("B05", "S11")])
    return q2, q3


def test_two_quarters_in_order_give_the_expected_counts(tmp_path: Path) -> None:
    q2, q3 = two_quarters()
    with ledger_at(tmp_path) as ledger:
        first = ledger.sync(q2, now=datetime(2026, 7, 5, tzinfo=UTC))
        assert first.counts()["new"] == 7
        assert first.new == [f"2026Q2-{i:04d}" for i in range(1, 8)]
        assert first.overdue == [] and first.rectified == [] and first.persisting == []
        a, b, c, d, e, f, g = first.new

        ledger.close(
            f, "Wang (township)", note="verified on site", now=datetime(2026, 8, 20, tzinfo=UTC)
        )

        second = ledger.sync(q3, now=datetime(2026, 10, 5, tzinfo=UTC))
        assert second.counts() == {
            "new": 2,
            "persisting": 2,
            "rectified": 2,
            "overdue": 2,
            "newly_overdue": 2,
            "repeats": 1,
            "failing_again": 0,
            "waivers_expired": 0,
            "waived": 0,
            "merged": 0,
        }
        assert second.new == ["2026Q3-0001", "2026Q3-0002"]
        assert second.persisting == [a, b]
        assert second.rectified == [c, d]
        assert second.overdue == [a, g]
        assert second.repeats == [f]

        day = date(2026, 10, 5)
        assert ledger.item(e, as_of=date(2026, 7, 1)).last_seen_period == Period.parse("2026Q2")
        assert ledger.item(e).status is ItemStatus.OPEN  # untouched by the Q3 sync
        assert len(ledger.history(e)) == 1
        repeat = ledger.item(f, as_of=day)
        assert (repeat.status, repeat.repeat_count, repeat.due) == (
            ItemStatus.OPEN,
            1,
            date(2026, 10, 31),
        )
        assert repeat.closed_on is None and not repeat.overdue
        # A persisting item keeps its first due date; the new quarter's date does not move it.
        assert ledger.item(a, as_of=day).due == date(2026, 7, 31)
        assert ledger.item(b, as_of=day).due == date(2026, 12, 31)
        statuses = {i.number: i.status.value for i in ledger.items(as_of=day)}
        assert statuses == {
            a: "open",
            b: "open",
            c: "rectified",
            d: "rectified",
            e: "open",
            f: "open",
            g: "open",
            "2026Q3-0001": "open",
            "2026Q3-0002": "open",
        }
        assert ledger.verify() == []


def test_numbering_is_per_period_with_four_digits(tmp_path: Path) -> None:
    many = [("B01", "S05", f"M{i}", None) for i in range(12)]
    with ledger_at(tmp_path) as ledger:
        r1 = ledger.sync(make_result("2026Q2", {"B01": ["S05"]}, many))
        assert r1.new[0] == "2026Q2-0001" and r1.new[-1] == "2026Q2-0012"
        r2 = ledger.sync(
            make_result("2026Q3", {"B01": ["S05"]}, [*many, ("B01", "S02", None, None)])
        )
        assert r2.new == ["2026Q3-0001"]
        assert [i.number for i in ledger.items(period="2026Q3")] == ["2026Q3-0001"]
        assert len(ledger.items(period="2026Q2")) == 12


def test_syncing_the_same_result_twice_changes_nothing(tmp_path: Path) -> None:
    q2, _ = two_quarters()
    path = tmp_path / "l.db"
    with Ledger(path) as ledger:
        ledger.sync(q2, now=T0)
    store = SQLiteStore(path)
    before = store.dump()
    store.close()
    with Ledger(path) as ledger:
        again = ledger.sync(RunResult.model_validate_json(q2.model_dump_json()), now=T0)
    assert again.already_synced and again.counts()["new"] == 0 and again.events == 0
    store = SQLiteStore(path)
    assert store.dump() == before
    store.close()


def test_an_older_period_after_a_newer_one_is_refused(tmp_path: Path) -> None:
    q2, q3 = two_quarters()
    with ledger_at(tmp_path) as ledger:
        ledger.sync(q3)
        with pytest.raises(LedgerError, match=r"already holds period 2026Q3.*older period 2026Q2"):
            ledger.sync(q2)
        assert {i.opened_period for i in ledger.items()} == {Period.parse("2026Q3")}
        # another pack keeps its own order
        ledger.sync(
            make_result("2026Q2", {"B01": ["S02"]}, [("B01", "S02", None, None)], pack="p2")
        )


def test_a_corrected_result_of_the_same_period_is_merged(tmp_path: Path) -> None:
    with ledger_at(tmp_path) as ledger:
        ledger.sync(make_result("2026Q3", {"B01": ["S02"]}, [("B01", "S02", None, None)]))
        fixed = ledger.sync(make_result("2026Q3", {"B01": ["S02"]}, []))
        assert not fixed.already_synced and fixed.rectified == ["2026Q3-0001"]


def test_rectified_item_failing_again_is_not_a_repeat(tmp_path: Path) -> None:
    with ledger_at(tmp_path) as ledger:
        ledger.sync(make_result("2026Q1", {"B01": ["S02"]}, [("B01", "S02", None, None)]))
        ledger.sync(make_result("2026Q2", {"B01": ["S02"]}, []))
        report = ledger.sync(make_result("2026Q3", {"B01": ["S02"]}, [("B01", "S02", None, None)]))
        assert report.failing_again == ["2026Q1-0001"] and report.repeats == []
        assert ledger.item("2026Q1-0001").repeat_count == 0


# -- hand operations ----------------------------------------------------------------------------


def test_close_rules(tmp_path: Path) -> None:
    with ledger_at(tmp_path) as ledger:
        ledger.sync(
            make_result(
                "2026Q2",
                {"B01": ["S02", "S05"]},
                [("B01", "S02", None, None), ("B01", "S05", None, None)],
            )
        )
        ledger.sync(make_result("2026Q3", {"B01": ["S02", "S05"]}, [("B01", "S05", None, None)]))
        rectified, still_open = "2026Q2-0001", "2026Q2-0002"
        with pytest.raises(LedgerError, match="needs a note"):
            ledger.close(still_open, "Li")
        with pytest.raises(LedgerError, match="say who"):
            ledger.close(rectified, " ")
        closed = ledger.close(rectified, "Li", now=datetime(2026, 10, 9, tzinfo=UTC))
        assert (closed.status, closed.closed_by, closed.closed_on) == (
            ItemStatus.CLOSED,
            "Li",
            date(2026, 10, 9),
        )
        with pytest.raises(LedgerError, match="cannot close an item that is closed"):
            ledger.close(rectified, "Li")
        assert (
            ledger.close(still_open, "Li", note="minutes checked on site").status
            is ItemStatus.CLOSED
        )
        with pytest.raises(LedgerError, match="no ledger item 2026Q9-0001"):
            ledger.close("2026Q9-0001", "Li")
        history = ledger.history(still_open)
        assert [(e.kind.value, e.by, e.note) for e in history][-1] == (
            "closed",
            "Li",
            "minutes checked on site",
        )


def test_reopen_by_hand(tmp_path: Path) -> None:
    with ledger_at(tmp_path) as ledger:
        ledger.sync(make_result("2026Q2", {"B01": ["S02"]}, [("B01", "S02", None, None)]))
        n = "2026Q2-0001"
        with pytest.raises(LedgerError, match="cannot reopen an item that is open"):
            ledger.reopen(n, "Li", "why")
        with pytest.raises(LedgerError, match="needs a note"):
            ledger.reopen(n, "Li", "")
        ledger.sync(make_result("2026Q3", {"B01": ["S02"]}, []))
        assert (
            ledger.reopen(n, "Li", "minutes are missing").repeat_count == 0
        )  # verification failed
        ledger.close(n, "Li", note="minutes delivered")
        again = ledger.reopen(n, "Li", "found again at an unannounced visit")
        assert again.status is ItemStatus.OPEN and again.repeat_count == 1
        assert ledger.verify() == []


# -- waivers ------------------------------------------------------------------------------------


def test_waiver_needs_reason_owner_and_expiry(tmp_path: Path) -> None:
    with ledger_at(tmp_path) as ledger:
        ledger.sync(make_result("2026Q2", {"B01": ["S02"]}, [("B01", "S02", None, None)]))
        n = "2026Q2-0001"
        now = datetime(2026, 7, 2, tzinfo=UTC)
        with pytest.raises(LedgerError, match="needs reason"):
            ledger.waive(n, "", "Li", date(2026, 12, 31), now=now)
        with pytest.raises(LedgerError, match="needs owner"):
            ledger.waive(n, "merger", " ", date(2026, 12, 31), now=now)
        with pytest.raises(LedgerError, match="needs until"):
            ledger.waive(n, "merger", "Li", None, now=now)  # type: ignore[arg-type]
        with pytest.raises(LedgerError, match="already past"):
            ledger.waive(n, "merger", "Li", date(2026, 7, 1), now=now)
        assert ledger.history(n)[-1].kind.value == "opened"


def test_waiver_active_then_expired_everywhere(tmp_path: Path) -> None:
    with ledger_at(tmp_path) as ledger:
        ledger.sync(
            make_result("2026Q2", {"B01": ["S02"]}, [("B01", "S02", None, date(2026, 8, 31))])
        )
        n = "2026Q2-0001"
        item = ledger.waive(
            n, "branch being merged", "Li", date(2026, 10, 15), now=datetime(2026, 7, 2, tzinfo=UTC)
        )
        assert item.status is ItemStatus.WAIVED and item.waiver is not None
        assert item.waiver.prior_status is ItemStatus.OPEN
        # active on 2026-09-30: waived, not overdue, and left out of open_rectifications
        seen = ledger.item(n, as_of=date(2026, 9, 30))
        assert seen.status is ItemStatus.WAIVED and not seen.overdue
        assert ledger.open_rectifications("B01", date(2026, 9, 30)) == []
        q3 = ledger.sync(make_result("2026Q3", {"B01": ["S02"]}, [("B01", "S02", None, None)]))
        assert q3.waived == [n] and q3.persisting == [] and q3.overdue == []
        waivers = ledger.active_waivers(date(2026, 10, 15), pack=PACK)
        assert list(waivers) == [fingerprint(PACK, "S02", "B01", None)]
        assert waivers[fingerprint(PACK, "S02", "B01", None)].owner == "Li"
        assert ledger.active_waivers(date(2026, 10, 16)) == {}
        # expired on 2026-10-16: the item resurfaces as open and overdue, at query time
        later = ledger.item(n, as_of=date(2026, 10, 16))
        assert later.status is ItemStatus.OPEN and later.waiver_expired and later.overdue
        assert later.stored_status is ItemStatus.WAIVED
        assert ledger.items(status="open", as_of=date(2026, 10, 16))[0].number == n
        assert [r.id for r in ledger.open_rectifications("B01", date(2026, 10, 16))] == [n]
        # and the next sync records the expiry as an event
        q4 = ledger.sync(make_result("2026Q4", {"B01": ["S02"]}, [("B01", "S02", None, None)]))
        assert q4.waivers_expired == [n] and q4.persisting == [n] and q4.overdue == [n]
        kinds = [e.kind.value for e in ledger.history(n)]
        assert kinds == [
            "opened",
            "waived",
            "still_failing",
            "waiver_expired",
            "still_failing",
            "overdue",
        ]
        assert ledger.item(n).stored_status is ItemStatus.OPEN
        assert ledger.verify() == []
        assert ledger.active_waivers(date(2026, 12, 31)) == {}


def test_waived_item_no_longer_failing_is_rectified(tmp_path: Path) -> None:
    with ledger_at(tmp_path) as ledger:
        ledger.sync(make_result("2026Q2", {"B01": ["S02"]}, [("B01", "S02", None, None)]))
        ledger.waive("2026Q2-0001", "merger", "Li", date(2027, 1, 31), now=T0)
        report = ledger.sync(make_result("2026Q3", {"B01": ["S02"]}, []))
        assert report.rectified == ["2026Q2-0001"]
        item = ledger.item("2026Q2-0001")
        assert item.status is ItemStatus.RECTIFIED and item.waiver is None


def test_hand_operation_on_an_expired_waiver_records_the_expiry_first(tmp_path: Path) -> None:
    with ledger_at(tmp_path) as ledger:
        ledger.sync(make_result("2026Q2", {"B01": ["S02"]}, [("B01", "S02", None, None)]))
        ledger.waive(
            "2026Q2-0001", "merger", "Li", date(2026, 8, 31), now=datetime(2026, 7, 2, tzinfo=UTC)
        )
        ledger.close("2026Q2-0001", "Li", note="verified", now=datetime(2026, 9, 5, tzinfo=UTC))
        kinds = [e.kind.value for e in ledger.history("2026Q2-0001")]
        assert kinds == ["opened", "waived", "waiver_expired", "closed"]


# -- scope of a sync ----------------------------------------------------------------------------


def test_only_evaluated_organizations_and_known_criteria_are_rectified(tmp_path: Path) -> None:
    with ledger_at(tmp_path) as ledger:
        ledger.sync(
            make_result(
                "2026Q2",
                {"B01": ["S02", "S03"], "B02": ["S02"]},
                [
                    ("B01", "S02", None, None),
                    ("B01", "S03", None, None),
                    ("B02", "S02", None, None),
                ],
            )
        )
        # B02 absent; S03 errored for B01; S02 passes for B01
        report = ledger.sync(
            make_result("2026Q3", {"B01": ["S02", "S03"]}, [], errored=[("B01", "S03")])
        )
        assert report.rectified == ["2026Q2-0001"]
        statuses = {i.number: i.status.value for i in ledger.items()}
        assert statuses == {
            "2026Q2-0001": "rectified",
            "2026Q2-0002": "open",
            "2026Q2-0003": "open",
        }


# -- the engine reads the ledger ----------------------------------------------------------------


def test_open_rectifications_feed_snapshots(tmp_path: Path) -> None:
    from pbrules.model.snapshot import Snapshot

    with ledger_at(tmp_path) as ledger:
        ledger.sync(
            make_result(
                "2026Q2",
                {"B01": ["S02", "S05"]},
                [("B01", "S02", None, date(2026, 7, 31)), ("B01", "S05", None, None)],
            )
        )
        ledger.sync(make_result("2026Q3", {"B01": ["S02", "S05"]}, [("B01", "S02", None, None)]))
        rects = ledger.open_rectifications("B01", date(2026, 9, 30))
        assert [(r.id, r.status.value if r.status else None, r.due_on) for r in rects] == [
            ("2026Q2-0001", "open", date(2026, 7, 31)),
            ("2026Q2-0002", "rectified", None),
        ]
        assert ledger.open_rectifications("B01", date(2026, 6, 1)) == []  # opened later
        snap = Snapshot.model_validate(
            {
                "period": "2026Q4",
                "organization": {"id": "B01", "name": "B01", "kind": "branch"},
                "rectifications": [
                    {"id": "R1", "opened_on": "2026-05-01", "status": "open"},
                    {"id": "2026Q2-0001", "opened_on": "2026-05-01", "status": "open"},
                ],
            }
        )
        merged = with_ledger_rectifications(snap, ledger)
        assert [r.id for r in merged.rectifications] == ["R1", "2026Q2-0001", "2026Q2-0002"]
        assert merged.rectifications[1].due_on == date(2026, 7, 31)
        assert snap.rectifications[1].due_on is None  # the input is unchanged


# -- store --------------------------------------------------------------------------------------


def test_events_are_append_only_and_replay_to_the_items(tmp_path: Path) -> None:
    import sqlite3

    q2, q3 = two_quarters()
    path = tmp_path / "l.db"
    with Ledger(path) as ledger:
        ledger.sync(q2)
        ledger.sync(q3)
        assert ledger.verify() == []
    conn = sqlite3.connect(path)
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        conn.execute("UPDATE events SET by = 'x'")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        conn.execute("DELETE FROM events")
    with pytest.raises(sqlite3.DatabaseError, match="never deleted"):
        conn.execute("DELETE FROM items")
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    # tamper with the materialized table: verify() notices
    conn.execute("UPDATE items SET status = 'closed' WHERE number = '2026Q2-0001'")
    conn.commit()
    conn.close()
    with Ledger(path) as ledger:
        assert ledger.verify() == ["2026Q2-0001: stored state differs from its replayed events"]


def test_schema_versioning(tmp_path: Path) -> None:
    import sqlite3

    from pbrules.ledger.store import SCHEMA_VERSION

    path = tmp_path / "l.db"
    store = SQLiteStore(path)
    assert store.schema_version == SCHEMA_VERSION
    store.close()
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.commit()
    conn.close()
    with pytest.raises(LedgerError, match="upgrade pbrules"):
        Ledger(path)
    other = tmp_path / "other.db"
    conn = sqlite3.connect(other)
    conn.execute("CREATE TABLE t (x)")
    conn.commit()
    conn.close()
    with pytest.raises(LedgerError, match="another application"):
        Ledger(other)
    junk = tmp_path / "junk.db"
    junk.write_text("not a database at all, just text " * 100)
    with pytest.raises(LedgerError, match="not a usable pbrules ledger"):
        Ledger(junk)
    with pytest.raises(LedgerError, match="no ledger at"):
        Ledger(tmp_path / "missing.db", create=False)


# -- export -------------------------------------------------------------------------------------


def synced_ledger(tmp_path: Path) -> Ledger:
    ledger = ledger_at(tmp_path)
    q2, q3 = two_quarters()
    ledger.sync(q2)
    ledger.close("2026Q2-0006", "Wang", note="verified on site")
    ledger.sync(q3)
    ledger.waive("2026Q2-0005", "organization being dissolved", "Li", date(2027, 3, 31), now=T0)
    return ledger


def test_export_csv_reads_back(tmp_path: Path) -> None:
    from pbrules.ledger.export import EXPORT_COLUMNS

    with synced_ledger(tmp_path) as ledger:
        out = tmp_path / "l.csv"
        count = ledger.export("csv", out, as_of=date(2026, 10, 5))
        raw = out.read_bytes()
        assert raw.startswith(b"\xef\xbb\xbf")  # BOM: spreadsheet programs read UTF-8 right
        rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
        assert count == len(rows) == 9
        assert tuple(rows[0]) == EXPORT_COLUMNS
        by_number = {r["number"]: r for r in rows}
        assert by_number["2026Q2-0001"]["overdue"] == "True"
        assert by_number["2026Q2-0001"]["due"] == "2026-07-31"
        assert by_number["2026Q2-0002"]["subject"] == "member:M1"
        assert by_number["2026Q2-0005"]["waiver_until"] == "2027-03-31"
        assert by_number["2026Q2-0006"]["repeat_count"] == "1"


def test_export_xlsx_reads_back(tmp_path: Path) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    with synced_ledger(tmp_path) as ledger:
        out = tmp_path / "l.xlsx"
        assert ledger.export("xlsx", out, as_of=date(2026, 10, 5), status="open") == 6
    ws = openpyxl.load_workbook(out).active
    header = [c.value for c in ws[1]]
    assert header[:3] == ["number", "status", "overdue"]
    assert ws.freeze_panes == "B2"
    assert ws.column_dimensions["K"].width == 60  # message
    rows = [
        dict(zip(header, (c.value for c in row), strict=True)) for row in ws.iter_rows(min_row=2)
    ]
    assert {r["status"] for r in rows} == {"open"}
    first = rows[0]
    assert first["number"] == "2026Q2-0001"
    assert isinstance(first["due"], datetime) and first["due"].date() == date(2026, 7, 31)
    assert first["overdue"] is True


def test_export_json_reads_back(tmp_path: Path) -> None:
    from pbrules.ledger import LedgerItem

    with synced_ledger(tmp_path) as ledger:
        out = tmp_path / "l.json"
        ledger.export("json", out, as_of=date(2026, 10, 5), org="B01")
        doc = json.loads(out.read_text(encoding="utf-8"))
        items = [LedgerItem.model_validate(i) for i in doc["items"]]
        assert items == ledger.items(org="B01", as_of=date(2026, 10, 5))
        with pytest.raises(LedgerError, match="unknown export format"):
            ledger.export("pdf", out)


# -- CLI ----------------------------------------------------------------------------------------


def test_cli_round_trip(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from click.testing import CliRunner

    from pbrules.cli import cli

    q2, q3 = two_quarters()
    (tmp_path / "q2.json").write_text(q2.model_dump_json(), encoding="utf-8")
    (tmp_path / "q3.json").write_text(q3.model_dump_json(), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PBRULES_LEDGER", str(tmp_path / "env.db"))
    run = CliRunner().invoke

    r = run(cli, ["ledger", "sync", "q2.json"])
    assert r.exit_code == 0, r.output
    assert "7 new" in r.output and (tmp_path / "env.db").exists()
    assert "already synced" in run(cli, ["ledger", "sync", "q2.json"]).output
    r = run(cli, ["ledger", "sync", "q3.json", "--format", "json"])
    assert json.loads(r.output)["repeats"] == []  # nothing was closed before Q3 here
    r = run(cli, ["ledger", "sync", "q2.json", "--db", "other.db"])
    assert r.exit_code == 0
    r = run(cli, ["ledger", "sync", "q3.json"])
    assert r.exit_code == 0 and "already synced" in r.output

    r = run(cli, ["ledger", "list", "--status", "rectified", "--format", "json"])
    assert [i["number"] for i in json.loads(r.output)] == ["2026Q2-0003", "2026Q2-0004"]
    r = run(cli, ["ledger", "list", "--overdue", "--org", "B01", "--as-of", "2026-10-01"])
    assert r.exit_code == 0 and "2026Q2-0001" in r.output and "2026Q2-0002" not in r.output

    r = run(cli, ["ledger", "close", "2026Q2-0002", "--by", "Li"])
    assert r.exit_code == 2 and "needs a note" in r.output
    assert "Traceback" not in r.output
    r = run(cli, ["ledger", "close", "2026Q2-0003", "--by", "Li", "--note", "checked"])
    assert r.exit_code == 0 and "closed by Li" in r.output
    r = run(cli, ["ledger", "close", "2026Q2-0003", "--by", "Li"])
    assert r.exit_code == 2 and "cannot close an item that is closed" in r.output
    r = run(cli, ["ledger", "reopen", "2026Q2-0003", "--by", "Li", "--note", "found again"])
    assert r.exit_code == 0 and "repeat 1" in r.output
    r = run(
        cli,
        [
            "ledger",
            "waive",
            "2026Q2-0002",
            "--reason",
            "merger",
            "--owner",
            "Li",
            "--until",
            "2099-01-01",
        ],
    )
    assert r.exit_code == 0, r.output
    r = run(
        cli,
        [
            "ledger",
            "waive",
            "2026Q2-0002",
            "--reason",
            "merger",
            "--owner",
            "Li",
            "--until",
            "soon",
        ],
    )
    assert r.exit_code == 2
    r = run(cli, ["ledger", "waive", "2026Q2-0002", "--reason", "merger", "--until", "2099-01-01"])
    assert r.exit_code == 2 and "--owner" in r.output

    r = run(cli, ["ledger", "show", "2026Q2-0003"])
    assert r.exit_code == 0
    assert [ln.split()[1] for ln in r.output.splitlines() if ln.startswith("  20")] == [
        "opened",
        "rectified",
        "closed",
        "reopened",
    ]
    r = run(cli, ["ledger", "show", "2026Q2-0003", "--format", "json"])
    assert len(json.loads(r.output)["history"]) == 4
    r = run(cli, ["ledger", "show", "2026Q9-0001"])
    assert r.exit_code == 2 and "no ledger item" in r.output

    r = run(cli, ["ledger", "export", "--format", "csv", "--output", "out.csv"])
    assert r.exit_code == 0 and (tmp_path / "out.csv").read_bytes().count(b"\n") == 10
    r = run(cli, ["ledger", "export", "--format", "json"])
    assert len(json.loads(r.output)["items"]) == 9

    r = run(cli, ["ledger", "list", "--db", "nowhere.db"])
    assert r.exit_code == 2 and "no ledger at" in r.output
    (tmp_path / "bad.json").write_text("{}", encoding="utf-8")
    r = run(cli, ["ledger", "sync", "bad.json"])
    assert r.exit_code == 2 and "error:" in r.output and "Traceback" not in r.output
    r = run(cli, ["ledger", "list", "--period", "2026Q7"])
    assert r.exit_code == 2 and "invalid period" in r.output


def test_docs_describe_every_ledger_command_and_option() -> None:
    import re

    from pbrules.cli.ledger import ledger_group

    doc = (Path(__file__).parent.parent / "docs" / "ledger.md").read_text(encoding="utf-8")
    assert "Every command takes `--db PATH`" in doc
    headings = re.findall(r"^### `pbrules ledger (\w+)(.*)`$", doc, flags=re.M)
    assert sorted(name for name, _ in headings) == sorted(ledger_group.commands)
    for name, usage in headings:
        command = ledger_group.commands[name]
        documented = set(re.findall(r"--[a-z-]+", usage)) - {"--db"}
        actual = {opt for p in command.params for opt in (*p.opts, *p.secondary_opts)}
        actual = {o for o in actual if o.startswith("--")} - {"--help", "--db"}
        assert documented == actual, name


# -- with the real engine and the example district (when they are there) ------------------------

EXAMPLES = Path(__file__).parent.parent / "examples" / "district"


def test_example_district_quarters(tmp_path: Path) -> None:
    if not (EXAMPLES / "result-2026Q2.json").exists() or not (EXAMPLES / "2026Q3.jsonl").exists():
        pytest.skip("the example district is not there")
    evaluate = pytest.importorskip("pbrules.engine.evaluate")
    from pbrules.dataset import read_dataset
    from pbrules.packs.loader import load_pack

    rules = Path(__file__).parent.parent / "rules" / "district-quarterly.yaml"
    q2 = RunResult.model_validate_json((EXAMPLES / "result-2026Q2.json").read_text("utf-8"))
    q3 = evaluate.Engine(load_pack(rules)).run(read_dataset(EXAMPLES / "2026Q3.jsonl"), previous=q2)

    def failing(r: RunResult) -> dict[str, Finding]:  # one task per problem, as the ledger
        return {f.fingerprint: f for f in one_task_per_problem(r.findings) if f.status == "fail"}

    f2, f3 = failing(q2), failing(q3)
    statuses3 = {(o.org_id, c.id): c.status for o in q3.organizations for c in o.criteria}
    as_of = q3.as_of or q3.period.end
    with ledger_at(tmp_path) as ledger:
        first = ledger.sync(q2)
        assert len(first.new) == len(f2)
        second = ledger.sync(q3)
        assert len(second.new) == len(f3.keys() - f2.keys())
        assert len(second.persisting) == len(f3.keys() & f2.keys())
        gone = [
            f
            for fp, f in f2.items()
            if fp not in f3
            and statuses3.get((f.org_id, f.criterion)) in ("pass", "not_applicable", "fail")
        ]
        assert len(second.rectified) == len(gone)
        late = [
            f
            for fp, f in f2.items()
            if fp in f3 and f.rectification.due and f.rectification.due < as_of
        ]
        assert len(second.overdue) == len(late)
        # the planted problems of 2026Q3 are open items (see examples/district/README.md)
        for org in ("B002", "B111"):
            assert any(
                i.criterion == "S02" for i in ledger.items(status="open", org=org, as_of=as_of)
            )
        assert ledger.verify() == []


def test_bad_query_arguments_are_ledger_errors(tmp_path: Path) -> None:
    with ledger_at(tmp_path) as ledger:
        with pytest.raises(LedgerError, match="statuses: open, rectified, closed, waived"):
            ledger.items(status="pending")
        with pytest.raises(LedgerError, match="invalid period"):
            ledger.items(period="2026Q5")
        with pytest.raises(LedgerError, match="not both or neither"):
            Ledger()


def test_the_store_keeps_every_item_field() -> None:
    from pbrules.ledger import store
    from pbrules.ledger.models import ITEM_FIELDS, SETTABLE_FIELDS, VIEW_FIELDS, LedgerItem

    assert set(store._ITEM_COLUMNS) == set(ITEM_FIELDS)
    assert set(ITEM_FIELDS) > SETTABLE_FIELDS
    assert set(VIEW_FIELDS) <= set(LedgerItem.model_fields)

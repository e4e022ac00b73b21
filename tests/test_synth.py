"""The synthetic generator and the committed example district.

The planted situations are checked here with small, independent readings of the criteria in
the baseline catalog, so that the example stays true to planted.json whatever the engine does.
"""

from __future__ import annotations

import io
import json
from collections import defaultdict
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest

from pbrules.dataset import read_dataset
from pbrules.model.period import Month, add_months
from pbrules.model.result import Rejected
from pbrules.model.snapshot import DevelopmentCase, Snapshot
from pbrules.testing import synth
from synth_v2_readings import V2_FAILS

BRANCH_KINDS = {"branch", "general_branch", "joint_branch"}


@pytest.fixture(scope="module")
def planted(example_dir: Path) -> dict:  # type: ignore[type-arg]
    return json.loads((example_dir / "planted.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def q3(example_dir: Path) -> dict[str, Snapshot]:
    return {s.organization.id: s for s in read_dataset(example_dir / "2026Q3.jsonl").snapshots()}


@pytest.fixture(scope="module")
def q2(example_dir: Path) -> dict[str, Snapshot]:
    return {s.organization.id: s for s in read_dataset(example_dir / "2026Q2.jsonl").snapshots()}


# -- small readings of the criteria (CRITERIA.md), enough to check the planted data ------------
def _as_of(s: Snapshot) -> date:
    return s.effective_as_of


def _posts(s: Snapshot) -> list:  # type: ignore[type-arg]
    a = _as_of(s)
    return [p for p in s.committee if p.appointed_on <= a and (p.left_on is None or p.left_on > a)]


def _full(s: Snapshot) -> list:  # type: ignore[type-arg]
    a = _as_of(s)
    return [m for m in s.members if m.status == "full" and (m.left_on is None or m.left_on > a)]


def _months_with(s: Snapshot, kind: str, group: str | None = None) -> set[str]:
    return {
        f"{m.held_on:%Y-%m}"
        for m in s.meetings
        if m.type == kind
        and s.period.contains(m.held_on)
        and (group is None or m.party_group_id == group)
    }


def _branch(s: Snapshot) -> bool:
    return s.organization.kind.value in BRANCH_KINDS


def _in_period(s: Snapshot, kind: str) -> int:
    return sum(1 for m in s.meetings if m.type == kind and s.period.contains(m.held_on))


def _rate_ok(s: Snapshot) -> bool:
    members = {m.id: m for m in s.members}
    for row in s.dues:
        if row.month not in s.period.months:
            continue
        m = members[row.member_id]
        cat, inc, paid = m.dues_category, m.monthly_income, row.paid or 0.0
        if cat == "employed" and inc is not None:
            rate = (
                0.005 if inc <= 3000 else 0.01 if inc <= 5000 else 0.015 if inc <= 10000 else 0.02
            )
            if paid < rate * inc:
                return False
        elif cat == "retired" and inc is not None:
            if paid < (0.005 if inc <= 5000 else 0.01) * inc:
                return False
        elif cat in ("farmer", "student", "unemployed") and paid < 0.2:
            return False
    return True


def _fails(children: dict[str, list[str]]) -> dict[str, Callable[[Snapshot], bool | None]]:
    """criterion -> function(snapshot) returning True (fails), False (passes), None (n/a)."""

    def s01(s: Snapshot) -> bool | None:
        return _in_period(s, "general_meeting") < 1 if _branch(s) else None

    def s02(s: Snapshot) -> bool | None:
        if len(_posts(s)) < 3:
            return None
        return len(_months_with(s, "committee_meeting")) < s.period.n_months

    def s03(s: Snapshot) -> bool | None:
        if not s.party_groups:
            return None
        return any(
            len(_months_with(s, "group_meeting", g.id)) < s.period.n_months for g in s.party_groups
        )

    def s04(s: Snapshot) -> bool | None:
        return _in_period(s, "party_lecture") < 1 if _branch(s) else None

    def s05(s: Snapshot) -> bool | None:
        return len(_months_with(s, "theme_day")) < s.period.n_months if _branch(s) else None

    def s09(s: Snapshot) -> bool | None:
        ms = [m for m in s.meetings if s.period.contains(m.held_on) and m.expected]
        if not ms:
            return None
        quorum = all(m.attended * 2 > m.expected for m in ms if m.type == "general_meeting")
        mean = sum(m.attended / m.expected for m in ms) / len(ms)
        return not (quorum and mean >= 0.8)

    def s10(s: Snapshot) -> bool | None:
        ms = [m for m in s.meetings if s.period.contains(m.held_on)]
        return None if not ms else not all(m.minutes and m.topics for m in ms)

    def s11(s: Snapshot) -> bool | None:
        if not _branch(s):
            return None
        rows = [r for r in s.dues if r.month in s.period.months]
        return any((r.paid or 0) < (r.due or 0) for r in rows)

    def s12(s: Snapshot) -> bool | None:
        return not _rate_ok(s) if _branch(s) else None

    def s13(s: Snapshot) -> bool | None:
        return not any(s.period.contains(d.published_on) for d in s.disclosures)

    def s15(s: Snapshot) -> bool | None:
        if not _branch(s) or not s.members:
            return None
        return any(m.points is None or m.points < 60 for m in s.members)

    def d01(s: Snapshot) -> bool | None:
        a = _as_of(s)
        for c in s.development:
            if c.applied_on and c.applied_on > add_months(a, -12):
                talk = c.talked_on
                if (talk is None and (a - c.applied_on).days > 30) or (
                    talk is not None and (talk - c.applied_on).days > 30
                ):
                    return True
        return False if _branch(s) else None

    def d02(s: Snapshot) -> bool | None:
        if not _branch(s):
            return None
        return any(
            c.dev_object_on < add_months(c.activist_on, 12)
            for c in s.development
            if c.dev_object_on and c.activist_on
        )

    def d04(s: Snapshot) -> bool | None:
        return any(
            (c.training_hours or 0) < 24 for c in s.development if c.dev_object_on and c.accepted_on
        )

    def d05(s: Snapshot) -> bool | None:
        return any(
            c.approved_on > add_months(c.accepted_on, 3)
            for c in s.development
            if c.approved_on and c.accepted_on
        )

    def d06(s: Snapshot) -> bool | None:
        a = _as_of(s)

        def deadline(c: DevelopmentCase) -> date | None:
            limit = add_months(c.accepted_on, 15) if c.accepted_on else None
            if limit is None or c.extended_until is None:
                return limit
            if c.extended_until >= a:
                return None  # the extension is still running
            return max(limit, add_months(c.extended_until, 3))

        return any(
            (due := deadline(c)) is not None and due < a and c.converted_on is None
            for c in s.development
        )

    def d07(s: Snapshot) -> bool | None:
        if s.organization.category != "village":
            return None
        a = _as_of(s)
        return not any(
            c.dev_object_on and add_months(a, -24) <= c.dev_object_on <= a for c in s.development
        )

    def t01(s: Snapshot) -> bool | None:
        if not _branch(s):
            return None
        posts = _posts(s)
        has_sec = any(p.role == "secretary" for p in posts)
        if len(_full(s)) >= 7:
            return not (3 <= len(posts) <= 7 and has_sec)
        return not has_sec

    def t02(s: Snapshot) -> bool | None:
        return not any(p.role == "secretary" for p in _posts(s))

    def t03(s: Snapshot) -> bool | None:
        if s.organization.category not in ("village", "community"):
            return None
        left = [
            p
            for p in s.committee
            if p.left_on
            and s.period.contains(p.left_on)
            and p.leave_reason in ("resigned", "dismissed")
        ]
        return len(left) / max(1, len(_posts(s))) > 0.2

    def t04(s: Snapshot) -> bool | None:
        o = s.organization
        if o.term_started_on is None or o.term_years is None:
            return None
        return _as_of(s) > add_months(o.term_started_on, 12 * o.term_years)

    def t05(s: Snapshot) -> bool | None:
        a = _as_of(s)
        for p in _posts(s):
            if p.role == "secretary" and p.appointed_on < add_months(a, -6):
                trained = p.trained_on is not None or any(
                    t.person_id == p.person_id and t.kind == "new_secretary" for t in s.trainings
                )
                if not trained:
                    return True
        return False

    def v01(s: Snapshot) -> bool | None:
        kids = children.get(s.organization.id, [])
        if not kids:
            return None
        seen = {v.target_org_id for v in s.visits if s.period.contains(v.visited_on)}
        return not set(kids) <= seen

    def v02(s: Snapshot) -> bool | None:
        if s.organization.kind.value not in (
            "township_committee",
            "street_working_committee",
            "system_sub_committee",
        ):
            return None
        return not any(
            v.mode == "unannounced" and s.period.contains(v.visited_on) for v in s.visits
        )

    def v03(s: Snapshot) -> bool | None:
        a = _as_of(s)
        return any(r.due_on and r.due_on < a and r.status != "closed" for r in s.rectifications)

    def v04(s: Snapshot) -> bool | None:
        return any(not r.responsible or r.due_on is None for r in s.rectifications)

    def c01(s: Snapshot) -> bool | None:
        units = [u for u in s.coverage_units if u.operating]
        return None if not units else any(u.mode not in ("standalone", "joint") for u in units)

    def c03(s: Snapshot) -> bool | None:
        units = [u for u in s.coverage_units if u.operating]
        if not units:
            return None
        return any((u.full_members or 0) >= 3 and u.mode != "standalone" for u in units)

    return {
        "S01": s01, "S02": s02, "S03": s03, "S04": s04, "S05": s05, "S09": s09, "S10": s10,
        "S11": s11, "S12": s12, "S13": s13, "S15": s15, "D01": d01, "D02": d02, "D04": d04,
        "D05": d05, "D06": d06, "D07": d07, "T01": t01, "T02": t02, "T03": t03, "T04": t04,
        "T05": t05, "V01": v01, "V02": v02, "V03": v03, "V04": v04, "C01": c01, "C03": c03,
    }  # fmt: skip


def _children(snaps: dict[str, Snapshot]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = defaultdict(list)
    for s in snaps.values():
        if s.organization.parent_id:
            out[s.organization.parent_id].append(s.organization.id)
    return out


# -- tests ---------------------------------------------------------------------------------------
def test_every_organization_in_both_quarters(
    q2: dict[str, Snapshot],
    q3: dict[str, Snapshot],
    planted: dict,  # type: ignore[type-arg]
) -> None:
    assert set(q2) == set(q3)
    assert len(q3) == planted["organizations"]
    kinds = [s.organization.kind.value for s in q3.values()]
    assert kinds.count("district_committee") == 1
    assert kinds.count("township_committee") + kinds.count("street_working_committee") == 10
    assert kinds.count("system_sub_committee") == 8
    branches = sum(1 for k in kinds if k in ("branch", "joint_branch"))
    assert 120 <= branches <= 200
    ids = set(q3)
    for s in q3.values():
        assert s.organization.parent_id is None or s.organization.parent_id in ids
    # the same people in both quarters
    for org_id in ("B001", "T01", "G01"):
        assert {m.name for m in q2[org_id].members} <= {m.name for m in q3[org_id].members}
        assert q2[org_id].committee[0].name == q3[org_id].committee[0].name


def test_planted_situations_are_exact(q3: dict[str, Snapshot], planted: dict) -> None:  # type: ignore[type-arg]
    checks = {**_fails(_children(q3)), **V2_FAILS}
    for situation in planted["situations"]:
        check = checks[situation["criterion"]]
        failing = {org for org, s in q3.items() if check(s)}
        assert failing == set(situation["org_ids"]), situation["id"]


def test_clean_organizations_pass_every_criterion(
    q3: dict[str, Snapshot],
    planted: dict,  # type: ignore[type-arg]
) -> None:
    checks = {**_fails(_children(q3)), **V2_FAILS}
    clean = planted["clean"]["org_ids"]
    assert len(clean) >= 20
    categories = {q3[o].organization.category for o in clean}
    assert {"village", "community", "agency", "school", "state_enterprise", "other"} <= categories
    for org in clean:
        failed = [cid for cid, check in checks.items() if check(q3[org])]
        assert failed == [], f"{org} fails {failed}"


def test_movement_orgs_change_a_lot(
    q2: dict[str, Snapshot],
    q3: dict[str, Snapshot],
    planted: dict,  # type: ignore[type-arg]
) -> None:
    checks2, checks3 = _fails(_children(q2)), _fails(_children(q3))

    def failures(checks: dict, s: Snapshot) -> int:  # type: ignore[type-arg]
        return sum(1 for check in checks.values() if check(s))

    for row in planted["movement"]["rapid_progress"]:
        org = row["org_id"]
        assert failures(checks2, q2[org]) >= 3 and failures(checks3, q3[org]) == 0, org
    for row in planted["movement"]["major_setback"]:
        org = row["org_id"]
        assert failures(checks3, q3[org]) >= 3 > failures(checks2, q2[org]), org


def test_arrears_member_has_six_unpaid_months(q3: dict[str, Snapshot], planted: dict) -> None:  # type: ignore[type-arg]
    (org,) = next(s for s in planted["situations"] if s["criterion"] == "S11")["org_ids"]
    unpaid: dict[str, list[str]] = defaultdict(list)
    for row in q3[org].dues:
        if not row.paid:
            unpaid[row.member_id].append(row.month)
    (months,) = unpaid.values()
    first, last = Month.parse(min(months)), Month.parse(max(months))
    assert len(months) >= 6 and (last.year * 12 + last.month) - (
        first.year * 12 + first.month
    ) + 1 == len(months)


def test_bad_file(example_dir: Path, planted: dict) -> None:  # type: ignore[type-arg]
    info = planted["bad_file"]
    path = example_dir / info["path"]
    items = list(read_dataset(path))
    rejected = [i for i in items if isinstance(i, Rejected)]
    good = [i for i in items if isinstance(i, Snapshot)]
    assert len(good) == info["good"]
    assert [r.source for r in rejected] == [f"{path}:{e['line']}" for e in info["rejected"]]
    for r, expected in zip(rejected, info["rejected"], strict=True):
        assert r.org_id == expected["org_id"]
        assert any(expected["error"] in e for e in r.errors), (r.errors, expected)


def test_committed_example_is_current(example_dir: Path, tmp_path: Path) -> None:
    synth.write_example(tmp_path, planted_seed := synth.DEFAULT_SEED)
    assert planted_seed == json.loads((example_dir / "planted.json").read_text())["seed"]
    for name in ("2026Q2.jsonl", "2026Q3.jsonl", "planted.json", "bad/2026Q3-bad.jsonl"):
        assert (tmp_path / name).read_bytes() == (example_dir / name).read_bytes(), name


def test_files_are_modest(example_dir: Path) -> None:
    for name in ("2026Q2.jsonl", "2026Q3.jsonl"):
        assert (example_dir / name).stat().st_size < 5 * 2**20


def test_deterministic_and_seed_dependent() -> None:
    a = list(synth.generic_snapshots(3, "2026Q3", 40))
    assert a == list(synth.generic_snapshots(3, "2026Q3", 40))
    assert a != list(synth.generic_snapshots(4, "2026Q3", 40))


@pytest.mark.parametrize("n", [1, 2, 3, 250])
def test_generic_district_has_exactly_n_valid_organizations(n: int) -> None:
    snaps = [Snapshot.model_validate(d) for d in synth.generic_snapshots(1, "2026-08", n)]
    assert len(snaps) == n
    ids = {s.organization.id for s in snaps}
    assert len(ids) == n
    for s in snaps:
        assert s.organization.parent_id is None or s.organization.parent_id in ids


def test_cli_writes_jsonl(tmp_path: Path) -> None:
    out = tmp_path / "d.jsonl"
    assert synth.main(["--seed", "2", "--period", "2026Q1", "--orgs", "30", "--out", str(out)]) == 0
    items = list(read_dataset(out))
    assert len(items) == 30 and all(isinstance(i, Snapshot) for i in items)
    assert {str(i.period) for i in items} == {"2026Q1"}  # type: ignore[union-attr]


def test_cli_rejects_bad_period(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        synth.main(["--period", "2026Q7"])
    assert exc.value.code == 2
    assert "invalid period" in capsys.readouterr().err


def test_write_jsonl_streams() -> None:
    buf = io.StringIO()
    assert synth.write_jsonl(synth.generic_snapshots(5, "2026Q3", 12), buf) == 12
    assert buf.getvalue().count("\n") == 12


@pytest.mark.parametrize("module", ["pbrules.synth", "pbrules.testing.synth"])
def test_module_entry_points_write_the_same_data(module: str, tmp_path: Path) -> None:
    import subprocess
    import sys

    out = tmp_path / "d.jsonl"
    args = [sys.executable, "-m", module, "--seed", "2", "--orgs", "5", "--out", str(out)]
    done = subprocess.run(args, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert "wrote 5 snapshots for 2026Q3" in done.stderr
    buf = io.StringIO()
    synth.write_jsonl(synth.generic_snapshots(2, "2026Q3", 5), buf)
    assert out.read_text(encoding="utf-8") == buf.getvalue()


def test_cli_writes_the_example_with_or_without_v2_records(tmp_path: Path) -> None:
    v1, v2 = tmp_path / "v1.jsonl", tmp_path / "v2.jsonl"
    assert synth.main(["--v1", "--period", "2026Q3", "--out", str(v1)]) == 0
    assert synth.main(["--v2", "--period", "2026Q3", "--out", str(v2)]) == 0
    first_v1 = json.loads(v1.read_text(encoding="utf-8").splitlines()[1])
    first_v2 = json.loads(v2.read_text(encoding="utf-8").splitlines()[1])
    assert "birth_date" in first_v2["committee"][0] and "birth_date" not in first_v1["committee"][0]
    assert first_v1["organization"] == first_v2["organization"]

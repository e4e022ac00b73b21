"""Examples for meetings.frequency, meetings.quorum, meetings.records, appraisal.democratic."""

from __future__ import annotations

from datetime import date

from checkers_support import members, run, snap
from pbrules.model.outcome import Status


def meeting(mid: str, kind: str, held_on: str, **extra: object) -> dict[str, object]:
    return {"id": mid, "type": kind, "held_on": held_on, "minutes": True, "topics": ["t"], **extra}


def test_frequency_counts_calendar_months_including_month_ends() -> None:
    s = snap(
        meetings=[
            meeting("E0", "committee_meeting", "2026-06-30"),  # previous quarter
            meeting("E1", "committee_meeting", "2026-07-31"),
            meeting("E2", "committee_meeting", "2026-09-30"),
            meeting("E3", "committee_meeting", "2026-10-01"),  # next quarter
        ]
    )
    out = run("meetings.frequency", s, {"type": "committee_meeting"})
    assert out.status is Status.FAIL
    assert (out.actual, out.expected, out.misses) == (2, 3, 1)
    assert out.evidence == ("2026-08",)


def test_frequency_min_per_window_and_pass_evidence() -> None:
    one_a_month = snap(meetings=[meeting(f"E{m}", "theme_day", f"2026-0{m}-01") for m in (7, 8, 9)])
    out = run("meetings.frequency", one_a_month, {"type": "theme_day", "min": 2})
    assert out.status is Status.FAIL and out.misses == 3 and out.compliance == 0
    two_a_month = snap(
        meetings=[
            meeting(f"E{m}{i}", "theme_day", f"2026-0{m}-0{i}") for m in (7, 8, 9) for i in (1, 2)
        ]
    )
    ok = run("meetings.frequency", two_a_month, {"type": "theme_day", "min": 2})
    assert ok.status is Status.PASS and ok.compliance == 1.0
    assert set(ok.evidence) == {f"E{m}{i}" for m in (7, 8, 9) for i in (1, 2)}


def test_frequency_per_party_group() -> None:
    s = snap(
        members=members(2),
        party_groups=[{"id": "G1"}, {"id": "G2"}],
        meetings=[
            meeting(f"G1-{m}", "group_meeting", f"2026-0{m}-10", party_group_id="G1")
            for m in (7, 8, 9)
        ]
        + [meeting("G2-7", "group_meeting", "2026-07-10", party_group_id="G2")],
    )
    out = run("meetings.frequency", s, {"type": "group_meeting", "per_party_group": True})
    assert out.misses == 2 and out.evidence == ("G2:2026-08", "G2:2026-09")
    assert out.actual == 4 and out.expected == 6
    none = run("meetings.frequency", snap(), {"type": "group_meeting", "per_party_group": True})
    assert none.status is Status.NOT_APPLICABLE


def test_frequency_founded_mid_period_and_as_of_mid_period() -> None:
    s = snap(
        organization={"founded_on": "2026-08-15"},
        meetings=[meeting("E1", "theme_day", "2026-09-02")],
    )
    out = run("meetings.frequency", s, {"type": "theme_day"})
    assert out.status is Status.PASS and out.expected == 1  # only September was due
    quarter = run("meetings.frequency", s, {"type": "general_meeting", "per": "quarter"})
    assert quarter.status is Status.NOT_APPLICABLE
    # evaluated on 2026-08-20: July is due, August (in progress) is not yet a miss
    early = run(
        "meetings.frequency",
        snap(meetings=[meeting("E1", "theme_day", "2026-07-02")]),
        {"type": "theme_day"},
        as_of=date(2026, 8, 20),
    )
    assert early.status is Status.PASS and early.expected == 1


def test_frequency_year_window_looks_outside_the_quarter() -> None:
    s = snap(period="2026Q4", meetings=[meeting("L1", "org_life_meeting", "2026-01-15")])
    assert (
        run("meetings.frequency", s, {"type": "org_life_meeting", "per": "year"}).status
        is Status.PASS
    )
    last_year = snap(period="2026Q4", meetings=[meeting("L1", "org_life_meeting", "2025-12-31")])
    assert (
        run("meetings.frequency", last_year, {"type": "org_life_meeting", "per": "year"}).status
        is Status.FAIL
    )


def test_quorum_more_than_half_and_mean_attendance() -> None:
    s = snap(meetings=[meeting("E1", "general_meeting", "2026-07-10", expected=10, attended=5)])
    out = run("meetings.quorum", s)
    assert out.status is Status.FAIL and out.misses == 2 and out.evidence == ("E1",)
    s2 = snap(meetings=[meeting("E1", "general_meeting", "2026-07-10", expected=10, attended=6)])
    out2 = run("meetings.quorum", s2)
    assert out2.misses == 1 and out2.compliance < 1  # quorum, but mean 60% < 80%
    assert run("meetings.quorum", s2, {"min_mean_attendance": None}).status is Status.PASS
    unknown = snap(meetings=[meeting("E1", "general_meeting", "2026-07-10")])
    u = run("meetings.quorum", unknown)
    assert u.status is Status.FAIL and "missing data" in u.note
    assert run("meetings.quorum", snap()).status is Status.NOT_APPLICABLE


def test_records_need_minutes_and_topics() -> None:
    s = snap(
        meetings=[
            meeting("E1", "theme_day", "2026-07-01"),
            {"id": "E2", "type": "theme_day", "held_on": "2026-08-01", "minutes": True},
            {"id": "E3", "type": "theme_day", "held_on": "2026-09-01", "topics": ["x"]},
        ]
    )
    out = run("meetings.records", s)
    assert (out.actual, out.expected) == (1, 3) and out.evidence == ("E2", "E3")
    assert (
        run("meetings.records", s, {"min_topics": 0, "require_minutes": False}).status
        is Status.PASS
    )
    assert run("meetings.records", snap()).status is Status.NOT_APPLICABLE


def test_democratic_appraisal() -> None:
    graded = [
        {"id": "M1", "status": "full", "appraisal": "excellent"},
        {"id": "M2", "status": "full", "appraisal": "qualified"},
        {"id": "M3", "status": "full", "appraisal": "qualified"},
    ]
    held = [meeting("A1", "democratic_appraisal", "2026-12-15")]
    assert (
        run("appraisal.democratic", snap("2026Q4", members=graded, meetings=held)).status
        is Status.PASS
    )
    not_held = run("appraisal.democratic", snap("2026Q4", members=graded))
    assert (
        not_held.status is Status.FAIL
        and not_held.compliance == 0
        and "no-appraisal" in not_held.evidence
    )
    too_many = [{**graded[0]}, {**graded[1], "appraisal": "excellent"}, graded[2]]
    out = run("appraisal.democratic", snap("2026Q4", members=too_many, meetings=held))
    assert out.status is Status.FAIL and "excellent-share" in out.evidence
    missing = [*graded, {"id": "M4", "status": "full"}]
    out = run("appraisal.democratic", snap("2026Q4", members=missing, meetings=held))
    assert out.misses == 1 and out.evidence == ("M4",)
    assert out.compliance == 0.75

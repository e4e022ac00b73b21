"""One rectification task per problem, and overdue work counted without a ledger from the
organizations' own records (the report says which source it counted)."""

from __future__ import annotations

from pbrules.model.result import Finding, FindingSubject
from pbrules.report import build_report
from pbrules.report.render import render_markdown
from report_fixtures import ledger_items, make_fixture

FX = make_fixture()


def _with(findings: list[Finding]):  # type: ignore[no-untyped-def]
    return FX.result.model_copy(update={"findings": findings})


def _doubled() -> list[Finding]:
    """An organization-level D01 finding and one per case for the same organization, as the
    development checks give them, plus a criterion with per-subject findings only."""
    base = FX.result.findings[0].model_copy(
        update={"criterion": "D01", "subject": None, "message": "late development cases"}
    )
    cases = [
        base.model_copy(
            update={
                "subject": FindingSubject(type="case", id=f"P{i}"),
                "fingerprint": f"case{i}",
                "message": f"late development cases: P{i}",
            }
        )
        for i in (1, 2)
    ]
    members = [
        base.model_copy(
            update={
                "criterion": "S05",
                "org_id": "T02",
                "subject": FindingSubject(type="member", id=f"M{i}"),
                "fingerprint": f"m{i}",
            }
        )
        for i in (1, 2)
    ]
    return [base, *cases, *members]


def test_one_task_per_problem_in_the_rectification_list() -> None:
    report = build_report(_with(_doubled()))
    d01 = [i for i in report.rectification if i.criterion == "D01"]
    assert len(d01) == 1  # not one for the organization and one per case
    assert d01[0].problem == "late development cases (P1, P2)"
    s05 = [i for i in report.rectification if i.criterion == "S05"]
    assert len(s05) == 2  # per-subject findings alone stay one task each
    # the problems section still lists every finding, with its subject
    assert sum(c.count for a in report.problems for c in a.criteria) == 5


def test_overdue_without_a_ledger_comes_from_the_organizations_records() -> None:
    base = FX.result.findings[0]
    overdue = [
        base.model_copy(
            update={
                "criterion": "V03",
                "subject": FindingSubject(type="rectification", id=f"R2026Q2-{i}"),
                "fingerprint": f"r{i}",
                "message": f"rectification item overdue: R2026Q2-{i} was due 2026-08-07",
            }
        )
        for i in (1, 2)
    ]
    report = build_report(_with([base, *overdue]))
    assert report.overdue_source == "records"
    assert report.overdue == 2 and [o.item for o in report.owed] == ["R2026Q2-1", "R2026Q2-2"]
    md = render_markdown(report)
    assert "2 overdue items" in md
    assert "counted from the organizations' own rectification and feedback records" in md
    assert "R2026Q2-1" in md.split("Rectification items")[-1]
    zh = render_markdown(report, lang="zh")
    assert "按各组织自身的整改记录" in zh


def test_overdue_with_a_ledger_comes_from_the_ledger() -> None:
    items = ledger_items(FX.result)
    report = build_report(FX.result, ledger_items=items)
    assert report.overdue_source == "ledger"
    assert report.overdue == sum(1 for i in items if i.overdue)
    assert "counted from the rectification ledger" in render_markdown(report)


def test_praise_full_marks_and_criteria_met_everywhere() -> None:
    report = build_report(FX.result, previous=FX.previous)
    assert report.praise is not None
    full = {r.org_id for _t, rows in report.praise.full_marks for r in rows}
    assert full == {o.org_id for o in FX.result.organizations if o.total and o.total >= 99.995}
    failed = {f.criterion for f in FX.result.findings}
    for cid, _title, n in report.praise.criteria_met:
        assert cid not in failed and n > 1
    md = render_markdown(report, lang="zh")
    assert "值得肯定的成绩" in md


def test_township_rollups_count_subordinates_by_criterion() -> None:
    report = build_report(FX.result)
    parent = {o.org_id: o.parent_id for o in FX.result.organizations}
    for ru in report.rollups:
        for cid, _title, n in ru.criteria:
            concerned = {
                f.org_id
                for f in FX.result.findings
                if f.criterion == cid and parent[f.org_id] == ru.org_id
            }
            assert n == len(concerned) > 0
    assert report.rollups, "the fixture's townships have subordinates with findings"
    assert "所属党组织存在的问题" in render_markdown(report, lang="zh")


def test_district_feedback_and_its_state_from_the_feedback_check() -> None:
    """The report reads the state the ``feedback.problems`` check states (its own message)."""
    from datetime import date

    from checkers_support import run, snap

    snapshot = snap(
        feedback=[
            {"id": "K1", "found_on": "2026-07-10", "problem": "党务公开栏未更新",
             "due_on": "2026-08-10"},
            {"id": "K2", "found_on": "2026-09-01", "problem": "会议记录不全",
             "due_on": "2026-10-15"},
        ]
    )  # fmt: skip
    outcome = run("feedback.problems", snapshot, as_of=date(2026, 9, 30))
    assert len(outcome.items) == 2
    base = FX.result.findings[0]
    findings = [
        base.model_copy(
            update={
                "criterion": "G20",
                "subject": FindingSubject(type="feedback", id=item.subject.id),
                "fingerprint": f"k{item.subject.id}",
                "message": f"{base.org_name}: {item.message}",
            }
        )
        for item in outcome.items
    ]
    report = build_report(_with(findings))
    state = {k.item: (k.due, k.overdue) for k in report.feedback}
    assert state == {"K1": (date(2026, 8, 10), True), "K2": (date(2026, 10, 15), False)}
    assert [o.item for o in report.owed] == ["K1"]  # only the one past its due date is owed
    assert report.overdue == 1
    zh = render_markdown(report, lang="zh")
    assert "区委反馈问题及整改情况 (2)" in zh and "党务公开栏未更新" in zh

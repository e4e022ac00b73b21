"""One finding per problem (a v2 pack, or a pack's ``one_task_per_problem``): a criterion gives
an organization either its organization-level finding or per-subject findings, never both, and
the points lost are the same as without the rule. A v1 pack keeps both kinds (its result is
frozen byte for byte by tests/golden/v1)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from pbrules.cli import cli
from pbrules.engine.findings import finding_records
from pbrules.model.outcome import Outcome, Severity, Status, Subject, SubjectItem
from pbrules.model.period import Period
from pbrules.model.result import RunResult
from pbrules.model.snapshot import Organization
from pbrules.packs.loader import load_pack
from pbrules.packs.schema import Criterion, Pack
from pbrules.report import build_report

ROOT = Path(__file__).resolve().parent.parent
CRITERION = Criterion.model_validate(
    {
        "id": "D01",
        "title": "Development cases on time",
        "area": "team",
        "check": "condition",
        "points": 5,
        "severity": "minor",
        "message": "{org.name}: {actual} late cases",
        "message_zh": "{org.name}有{actual}个发展对象超期",
    }
)
ORG = Organization.model_validate({"id": "B001", "name": "Zhangwan Branch", "kind": "branch"})
MODES = ["all_or_nothing", "proportional", "deduct", "bonus", "veto"]

items = st.lists(
    st.builds(
        SubjectItem,
        subject=st.builds(
            Subject,
            type=st.sampled_from(["case", "member"]),
            id=st.sampled_from(["M1", "M2", "P7", "P8"]),
        ),
        message=st.sampled_from(["", "late 40 days"]),
        evidence=st.lists(st.sampled_from(["A1", "A2", "E3"]), max_size=2).map(tuple),
        severity=st.sampled_from([None, *Severity]),
    ),
    max_size=4,
).map(tuple)
outcomes = st.builds(
    Outcome,
    status=st.sampled_from(list(Status)),
    actual=st.integers(0, 5),
    evidence=st.lists(st.sampled_from(["A1", "R9"]), max_size=2).map(tuple),
    items=items,
)


def _records(outcome: Outcome, mode: str, earned: float, one: bool) -> list[dict[str, Any]]:
    return finding_records(
        pack_id="p",
        criterion=CRITERION,
        org=ORG,
        period=Period.parse("2026Q3"),
        as_of=date(2026, 9, 30),
        outcome=outcome,
        earned=earned,
        maximum=5.0,
        mode=mode,
        holders={},
        one_per_problem=one,
    )


@settings(max_examples=300, deadline=None)
@given(outcomes, st.sampled_from(MODES), st.floats(0, 5))
def test_never_both_kinds_and_the_same_points(outcome: Outcome, mode: str, earned: float) -> None:
    one = _records(outcome, mode, earned, True)
    both = _records(outcome, mode, earned, False)
    whole = [r for r in one if r["subject"] is None]
    per_subject = [r for r in one if r["subject"] is not None]
    assert not (whole and per_subject), one
    assert len(whole) <= 1
    assert sum(r["points_lost"] for r in one) == sum(r["points_lost"] for r in both)
    # nothing is lost: every subject and every record id of the v1 findings is still named
    if whole and any(r["subject"] is not None for r in both):
        kept = [(s["type"], s["id"], s["message"], s["evidence"]) for s in whole[0]["subjects"]]
        assert kept == [
            (r["subject"]["type"], r["subject"]["id"], r["message"], r["evidence"])
            for r in both
            if r["subject"] is not None
        ]
        for r in both:
            if r["subject"] is not None:
                assert r["subject"]["id"] in whole[0]["message"]
                assert set(r["evidence"]) <= set(whole[0]["evidence"])
                assert r["severity"].rank <= whole[0]["severity"].rank
    if not whole:
        assert one == both


def test_the_organization_finding_names_its_subjects_in_both_languages() -> None:
    outcome = Outcome(
        status=Status.FAIL,
        actual=2,
        items=(
            SubjectItem(subject=Subject("case", "P8"), evidence=("A2",)),
            SubjectItem(subject=Subject("case", "P7"), severity=Severity.MAJOR),
        ),
    )
    (finding,) = _records(outcome, "all_or_nothing", 0.0, True)
    assert finding["message"] == "Zhangwan Branch: 2 late cases (P7, P8)"
    assert finding["message_zh"] == "Zhangwan Branch有2个发展对象超期（P7, P8）"
    assert finding["severity"] is Severity.MAJOR
    assert finding["evidence"] == ["A2"]
    assert finding["points_lost"] == 5.0
    assert [(s["id"], s["message_zh"]) for s in finding["subjects"]] == [
        ("P7", "Zhangwan Branch有2个发展对象超期"),
        ("P8", "Zhangwan Branch有2个发展对象超期"),
    ]


def test_which_packs_give_one_finding_per_problem() -> None:
    v1 = load_pack(ROOT / "tests" / "golden" / "v1" / "district-quarterly.yaml").model
    v2 = load_pack(ROOT / "rules" / "district-quarterly.yaml").model
    assert not v1.uses_v2_scoring and not v1.one_finding_per_problem
    assert v2.uses_v2_scoring and v2.one_finding_per_problem
    opted = v1.model_copy(update={"one_task_per_problem": True})
    assert opted.one_finding_per_problem
    assert not v2.model_copy(update={"one_task_per_problem": False}).one_finding_per_problem
    # the key left at its default keeps a v1 pack's dump (and digest) as it was
    assert "one_task_per_problem" not in v1.model_dump()
    assert Pack.model_validate({**v1.model_dump(), "one_task_per_problem": True}).model_dump()[
        "one_task_per_problem"
    ]


def test_the_example_district_result_holds_one_finding_per_problem() -> None:
    res = CliRunner().invoke(
        cli,
        [
            "evaluate",
            str(ROOT / "examples" / "district" / "2026Q3.jsonl"),
            "--rules",
            str(ROOT / "rules" / "district-quarterly.yaml"),
            "--format",
            "json",
        ],
    )
    assert res.exit_code == 0, res.output
    findings = json.loads(res.stdout)["findings"]
    whole = {(f["org_id"], f["criterion"]) for f in findings if f["subject"] is None}
    doubled = {
        (f["org_id"], f["criterion"])
        for f in findings
        if f["subject"] is not None and (f["org_id"], f["criterion"]) in whole
    }
    assert not doubled
    assert any(f["criterion"] == "D01" and f["subject"] is None for f in findings)
    # the work owed still lists each overdue rectification record an organization-level
    # finding stands for (V03 at B103), one item each
    result = RunResult.model_validate(json.loads(res.stdout))
    stood_for = {
        (f.org_id, s.id)
        for f in result.findings
        if f.subject is None
        for s in f.subjects or ()
        if s.type == "rectification"
    }
    assert stood_for
    owed = {(o.org_id, o.item) for o in build_report(result).owed}
    assert stood_for <= owed

"""Chinese throughout (``--lang zh``): the pack's ``title_zh``, ``message_zh`` and ``action_zh``
reach the findings and the review material, committee roles are named in Chinese, and the zh
workbook's headers are all distinct. A v1 pack without them gives the result it always gave."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import pytest

from pbrules.engine.findings import finding_records
from pbrules.errors import PackError
from pbrules.model.outcome import Outcome, Status, Subject, SubjectItem
from pbrules.model.period import Period
from pbrules.model.result import Finding
from pbrules.model.snapshot import Organization
from pbrules.packs.loader import load_pack
from pbrules.packs.schema import Criterion, Pack
from pbrules.report import build_report
from pbrules.report.i18n import responsible_text, translations
from pbrules.report.render import render_markdown, render_xlsx
from report_fixtures import make_fixture

CRITERION = Criterion.model_validate(
    {
        "id": "D01",
        "title": "Development cases on time",
        "title_zh": "发展党员程序按时",
        "area": "team",
        "check": "condition",
        "points": 5,
        "severity": "major",
        "message": "{org.name}: {actual} late cases",
        "message_zh": "{org.name}有{actual}个发展对象超期",
        "rectify": {
            "responsible": "organization",
            "action": "Complete the overdue steps",
            "action_zh": "按程序补齐超期环节",
        },
    }
)
ORG = Organization.model_validate({"id": "B001", "name": "张湾村党支部", "kind": "branch"})


def _records() -> list[Finding]:
    outcome = Outcome(
        status=Status.FAIL,
        actual=2,
        items=(SubjectItem(subject=Subject(type="case", id="P7"), message="late 40 days"),),
    )
    records = finding_records(
        pack_id="p",
        criterion=CRITERION,
        org=ORG,
        period=Period.parse("2026Q3"),
        as_of=date(2026, 9, 30),
        outcome=outcome,
        earned=0.0,
        maximum=5.0,
        mode="all_or_nothing",
        holders={"organization": "宋霞"},
    )
    return [Finding.model_validate(r) for r in records]


def test_findings_carry_the_chinese_message_and_action() -> None:
    org_level, case = _records()
    assert org_level.message == "张湾村党支部: 2 late cases"
    assert org_level.message_zh == "张湾村党支部有2个发展对象超期"
    assert case.message_zh == "张湾村党支部有2个发展对象超期：late 40 days"
    assert org_level.rectification.action_zh == "按程序补齐超期环节"
    dumped = org_level.model_dump(mode="json")
    assert dumped["message_zh"] and dumped["rectification"]["action_zh"]


def test_a_finding_without_chinese_keeps_the_v1_shape() -> None:
    plain = CRITERION.model_copy(update={"message_zh": None})
    assert "message_zh" not in plain.model_dump()
    f = _records()[0].model_copy(update={"message_zh": None})
    f = f.model_copy(
        update={"rectification": f.rectification.model_copy(update={"action_zh": None})}
    )
    dumped = f.model_dump(mode="json")
    assert "message_zh" not in dumped and "action_zh" not in dumped["rectification"]


def test_message_zh_is_validated_at_load(tmp_path: Path) -> None:
    pack = tmp_path / "p.yaml"
    pack.write_text(
        "pack: p\nversion: '1'\nareas: [{id: team, weight: 1}]\ncriteria:\n"
        "  - id: C01\n    title: t\n    area: team\n    check: condition\n"
        "    params: {fact: members.count, op: '>=', value: 3}\n"
        "    message_zh: '{org.nam}不足三人'\n",
        encoding="utf-8",
    )
    with pytest.raises(PackError) as info:
        load_pack(pack)
    text = str(info.value.problems[0])
    assert ":10:17:" in text and "message_zh" in text and "did you mean {org.name}" in text


def test_roles_are_named_in_chinese() -> None:
    _ = translations("zh").gettext
    assert responsible_text("organization (宋霞)", _) == "组织委员（宋霞）"
    assert responsible_text("secretary", _) == "书记"
    assert responsible_text("区委组织部", _) == "区委组织部"
    assert responsible_text("organization (unclosed", _) == "organization (unclosed"


def test_zh_report_reads_chinese_texts() -> None:
    fx = make_fixture()
    f = fx.result.findings[0]
    zh = f.model_copy(
        update={
            "message_zh": "中文问题描述",
            "rectification": f.rectification.model_copy(
                update={"action_zh": "中文整改措施", "responsible": "organization (宋霞)"}
            ),
        }
    )
    result = fx.result.model_copy(update={"findings": [zh, *fx.result.findings[1:]]})
    pack = Pack.model_validate(
        {
            "pack": "p",
            "version": "1",
            "areas": [{"id": zh.area, "weight": 1}],
            "criteria": [
                {"id": zh.criterion, "title": "English title", "title_zh": "中文标题",
                 "area": zh.area, "check": "condition"}
            ],
        }
    )  # fmt: skip
    md = render_markdown(build_report(result, pack=pack, lang="zh"), lang="zh")
    assert "中文问题描述" in md and "中文标题" in md and "组织委员（宋霞）" in md
    assert "English title" not in md
    en = render_markdown(build_report(result, pack=pack, lang="en"), lang="en")
    assert "中文问题描述" not in en and "English title" in en


def test_zh_workbook_headers_are_distinct() -> None:
    from openpyxl import load_workbook

    fx = make_fixture()
    buf = io.BytesIO()
    render_xlsx(build_report(fx.result, lang="zh"), buf, lang="zh")
    buf.seek(0)
    for ws in load_workbook(buf).worksheets:
        header = [c.value for c in ws[1]]
        assert len(header) == len(set(header)), (ws.title, header)
        assert all(h and h.isascii() is False for h in header[:2]), header


def test_subjects_are_named_for_a_reader() -> None:
    """No internal subject type (``member:M1``, ``development_case``) in the workbook."""
    from openpyxl import load_workbook

    fx = make_fixture()
    assert any(f.subject is not None for f in fx.result.findings)
    for lang, word in (("zh", "党员"), ("en", "member")):
        buf = io.BytesIO()
        render_xlsx(build_report(fx.result, lang=lang), buf, lang=lang)
        buf.seek(0)
        sheet = load_workbook(buf).worksheets[1]
        header = [c.value for c in sheet[1]]
        col = header.index(translations(lang).gettext("Subject"))
        subjects = [r[col] for r in sheet.iter_rows(min_row=2, values_only=True) if r[col]]
        assert subjects and all(":" not in s and "_" not in s for s in subjects)
        assert any(s.startswith(word + " ") for s in subjects)


def test_no_internal_field_name_in_the_reader_text() -> None:
    fx = make_fixture()
    f = fx.result.findings[0].model_copy(
        update={"message": "P7: no talked_on by 2026-09-30, later than 2026-08-01 "
                "(applied_on 2026-07-01 + maximum)"}
    )  # fmt: skip
    result = fx.result.model_copy(update={"findings": [f]})
    en = render_markdown(build_report(result), lang="en")
    assert "P7: no talk with the applicant by 2026-09-30" in en
    assert "(application 2026-07-01 + the longest interval allowed)" in en
    zh = render_markdown(build_report(result, lang="zh"), lang="zh")
    assert "入党申请 2026-07-01 + 规定最长期限" in zh
    for text in (en, zh):
        assert "talked_on" not in text and "applied_on" not in text and "maximum" not in text


def test_the_zh_review_counts_the_same_overdue_work_as_the_en_review() -> None:
    """The due date of fed-back problems is read from the finding's message in either
    language: the zh review once missed the overdue feedback (4 overdue items against 7)."""
    import pbrules

    example = Path(__file__).resolve().parent.parent / "examples" / "district"
    pack_path = Path(__file__).resolve().parent.parent / "rules" / "district-quarterly.yaml"
    result = pbrules.evaluate(pack_path, example / "2026Q3.jsonl").result
    pack = load_pack(pack_path)
    en = build_report(result, pack=pack, lang="en")
    zh = build_report(result, pack=pack, lang="zh")
    assert any(item.criterion == "G07" for item in en.owed)  # feedback not rectified on time
    assert [(o.org_id, o.item) for o in zh.owed] == [(o.org_id, o.item) for o in en.owed]
    assert zh.overdue == en.overdue

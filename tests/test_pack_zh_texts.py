"""The bundled packs speak Chinese: every criterion that has an English message, rectification
action, basis or free-text responsible has its Chinese one (``message_zh``, ``rectify.action_zh``,
``basis_zh``, ``rectify.responsible_zh``), so a criterion added without them fails here; and the
zh review of the zh example district shows no run of English the pack's author wrote."""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest

import pbrules
from pbrules.engine.findings import ROLES
from pbrules.packs.loader import load_pack
from pbrules.packs.schema import Criterion
from pbrules.report import build_report
from pbrules.report.render import render_markdown
from pbrules.result_io import load_result
from report_fixtures import ledger_items
from review_audit import md_text

ROOT = Path(__file__).resolve().parent.parent
PACKS = sorted(p for p in (ROOT / "rules").glob("*.yaml") if not p.name.endswith(".test.yaml"))
EXAMPLE = ROOT / "examples" / "district-zh"
#: a run of English the brief's check looks for: 12 or more letters, spaces and punctuation
ENGLISH_RUN = re.compile(r"[A-Za-z][A-Za-z ,.-]{12,}")


def _missing(c: Criterion) -> list[str]:
    """The Chinese texts ``c`` lacks."""
    gaps = []
    if c.message and not c.message_zh:
        gaps.append("message_zh")
    if c.rectify.action and not c.rectify.action_zh:
        gaps.append("rectify.action_zh")
    if c.basis and not c.basis_zh:
        gaps.append("basis_zh")
    free_text = c.rectify.responsible and c.rectify.responsible not in ROLES
    if free_text and not c.rectify.responsible_zh:
        gaps.append("rectify.responsible_zh")
    if not c.title_zh:
        gaps.append("title_zh")
    return gaps


def _fields(template: str) -> set[str]:
    return {f for _, f, _, _ in string.Formatter().parse(template) if f}


@pytest.mark.parametrize("path", PACKS, ids=lambda p: p.stem)
def test_every_criterion_of_a_bundled_pack_has_its_chinese_texts(path: Path) -> None:
    criteria = load_pack(path).model.criteria
    assert criteria
    gaps = {c.id: _missing(c) for c in criteria if _missing(c)}
    assert not gaps, f"{path.name}: criteria without their Chinese texts: {gaps}"
    for c in criteria:  # the Chinese message fills the same template fields as the English
        if c.message and c.message_zh:
            assert _fields(c.message_zh) == _fields(c.message), c.id


def test_the_check_fails_on_a_criterion_without_chinese() -> None:
    bare = Criterion.model_validate(
        {
            "id": "X01",
            "title": "A new criterion",
            "area": "standardization",
            "check": "meetings.frequency",
            "message": "{org.name}: not met",
            "rectify": {"responsible": "township party committee", "action": "Do it"},
            "basis": "Some regulation",
        }
    )
    assert _missing(bare) == [
        "message_zh", "rectify.action_zh", "basis_zh", "rectify.responsible_zh", "title_zh"
    ]  # fmt: skip
    role = bare.model_copy(
        update={"rectify": bare.rectify.model_copy(update={"responsible": "secretary"})}
    )
    assert "rectify.responsible_zh" not in _missing(role)  # a role is translated by the report


def test_the_zh_review_of_the_zh_example_has_no_english_run() -> None:
    pack_path = ROOT / "rules" / "district-quarterly.yaml"
    previous = EXAMPLE / "result-2026Q2.json"
    result = pbrules.evaluate(pack_path, EXAMPLE / "2026Q3.jsonl", previous=previous).result
    report = build_report(
        result, previous=load_result(previous), pack=load_pack(pack_path), lang="zh"
    )
    text = md_text(render_markdown(report, lang="zh"))
    assert "乡镇党委" in text and "《中国共产党支部工作条例（试行）》" in text
    english = build_report(result, previous=load_result(previous), pack=load_pack(pack_path))
    en_text = md_text(render_markdown(english))  # the English review keeps the English texts
    assert "township party committee" in en_text and "Regulations on the Work" in en_text
    assert "乡镇党委" not in en_text and "《中国共产党支部工作条例" not in en_text
    # set apart: the record ids the findings cite and the data's own (Latin) names
    names = {f.org_name for f in result.findings} | {o.name for o in result.organizations}
    allowed = {e for f in result.findings for e in f.evidence} | names
    allowed |= {result.pack.id, result.pack.version}
    for span in sorted(allowed, key=len, reverse=True):
        text = text.replace(span, " ")
    runs = sorted({m.group().strip() for m in ENGLISH_RUN.finditer(text)})
    assert not runs, f"English in the zh review of the zh example: {runs[:10]}"


def test_a_ledgers_free_text_responsible_reads_chinese_in_zh() -> None:
    """The ledger stores the responsible as the finding gave it (English free text); the zh
    list reads the pack's responsible_zh for it, and a committee role in Chinese."""
    pack_path = ROOT / "rules" / "district-quarterly.yaml"
    result = pbrules.evaluate(pack_path, EXAMPLE / "2026Q3.jsonl").result
    items = ledger_items(result)
    assert any(i.responsible == "township party committee" for i in items)
    report = build_report(result, ledger_items=items, pack=load_pack(pack_path), lang="zh")
    assert report.rectification_source == "ledger"
    shown = {i.responsible for i in report.rectification}
    assert "乡镇党委" in shown and "township party committee" not in shown

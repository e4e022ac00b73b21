"""Checker notes in English and Chinese (docs/plugins.md, "Notes in two languages").

Fails when a built-in checker's note has no Chinese translation, when the two templates name
different fields, when a checker writes a note it does not declare or an English-only string,
and when a note reaches the Chinese review in English.
"""

from __future__ import annotations

import ast
import pickle
import re
import sys
from pathlib import Path
from typing import Any

import pytest

import pbrules
from pbrules.builtin.checkers import _common as checkers_common
from pbrules.builtin.checkers import builtin_checkers
from pbrules.checker import Note, NoteText, join_notes, listing, note_catalog, term
from pbrules.model.outcome import MISSING_DATA, NOTHING_TO_COUNT, Outcome, Status
from pbrules.packs.loader import load_pack
from pbrules.patterns import batch as pattern_batch
from pbrules.report.model import build_report
from pbrules.report.render import render_markdown

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src" / "pbrules"
CJK = re.compile(r"[\u3400-\u9fff]")
CHINESE = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]")  # or full-width marks
OUTCOME_NOTES = {MISSING_DATA.key, NOTHING_TO_COUNT.key}
# the engine's own notes (not a checker's): applies_to and the phases
ENGINE_NOTE = re.compile(
    r"^(applies_to excludes|not evaluated$|needs the subordinates|the checker does not apply)"
)


def _fields(template: str) -> set[str]:
    return {m.split(".")[0].split("[")[0] for m in re.findall(r"\{([^{}:!]+)", template)}


@pytest.mark.parametrize("checker", builtin_checkers(), ids=lambda c: c.name)
def test_every_note_of_a_builtin_checker_has_chinese_with_the_same_fields(checker: Any) -> None:
    keys = [n.key for n in checker.notes]
    assert len(keys) == len(set(keys)), f"{checker.name} lists a note twice"
    for note in checker.notes:
        assert CHINESE.search(note.zh), f"{note.key}: no Chinese in {note.zh!r}"
        assert not re.search(r"[A-Za-z]{3,}", re.sub(r"\{[^{}]*\}", "", note.zh)), (
            f"{note.key}: English words left in the Chinese {note.zh!r}"
        )
        assert _fields(note.en) == _fields(note.zh), f"{note.key}: fields differ"
        assert note_catalog()[note.key] is note


def test_every_note_the_builtin_modules_declare_is_listed_by_a_checker() -> None:
    listed = {n.key for c in builtin_checkers() for n in c.notes} | OUTCOME_NOTES
    modules = [sys.modules[type(c).__module__] for c in builtin_checkers()]
    modules += [checkers_common, pattern_batch]
    declared = {v.key for m in modules for v in vars(m).values() if isinstance(v, Note)}
    assert len(declared) > 60
    assert declared - listed == set()


def test_a_note_without_chinese_or_with_other_fields_is_refused() -> None:
    with pytest.raises(ValueError, match="has no Chinese"):
        Note("test.english_only", "no members", "no members")
    with pytest.raises(ValueError, match="different fields"):
        Note("test.fields", "{count} members", "{n}名党员")
    with pytest.raises(ValueError, match="dotted"):
        Note("Bad Key", "x", "甲")
    Note("test.twice", "a {x}", "甲{x}")
    with pytest.raises(ValueError, match="declared twice"):
        Note("test.twice", "b {x}", "乙{x}")


def test_a_rendered_note_is_the_english_string_and_carries_the_chinese() -> None:
    low = note_catalog()["meetings.low_attendance"](mean=0.625, floor=0.8)
    assert low == "mean attendance 62% < 80%"
    assert low.zh == "平均到会率62%，低于80%"
    nested = MISSING_DATA(what=note_catalog()["checklist.none_listed"](of=term("bodies")))
    assert (nested, nested.zh) == ("missing data: no bodies listed", "数据缺失：未录入工作机构")
    joined = join_notes([low, "", listing(["M1", "M2"]), "plain"])
    assert joined == "mean attendance 62% < 80%; M1, M2; plain"
    assert joined.zh == "平均到会率62%，低于80%；M1、M2；plain"
    copy = pickle.loads(pickle.dumps(Outcome(Status.FAIL, note=low)))
    assert isinstance(copy.note, NoteText) and copy.note.zh == low.zh and copy.note.key == low.key


def test_a_note_given_again_reads_as_its_values_do() -> None:
    # renderings are kept by their values: equal values of other types, and texts that share
    # their English but not their Chinese, must still read as their own
    note = Note("test.kept_rendering", "{value} found", "发现{value}")
    assert [note(value=v) for v in (1, True, 1.0, "1", -0.0, 0.0)] == [
        "1 found",
        "True found",
        "1.0 found",
        "1 found",
        "-0.0 found",
        "0.0 found",
    ]
    word, listed = term("members"), listing(["members"])
    assert word == listed
    assert (note(value=word).zh, note(value=listed).zh) == ("发现党员", "发现members")
    assert (note(value=word).zh, note(value="members").zh) == ("发现党员", "发现members")
    assert note(value=word) is note(value=word)  # given again, not formatted again


def test_a_shared_not_applicable_outcome_keeps_its_notes_chinese() -> None:
    word = term("members")
    plain, chinese = Outcome.not_applicable("members"), Outcome.not_applicable(word)
    assert plain is Outcome.not_applicable("members")  # shared: outcomes are immutable
    assert (plain.note, chinese.note) == ("members", "members")
    assert type(plain.note) is str and isinstance(chinese.note, NoteText)
    assert chinese.note.zh == "党员"
    assert Outcome.not_applicable(listing(["members"])).note.zh == "members"  # type: ignore[attr-defined]


def _note_sites(tree: ast.AST) -> list[ast.expr]:
    """Every expression a checker hands over as a note, or as a subject's message."""
    found: list[ast.expr] = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        found += [k.value for k in node.keywords if k.arg in ("note", "short_note")]
        name = node.func.attr if isinstance(node.func, ast.Attribute) else ""
        if name in ("not_applicable", "missing_data", "error") and node.args:
            found.append(node.args[0])
        if isinstance(node.func, ast.Name) and node.func.id == "SubjectItem":
            found += [k.value for k in node.keywords if k.arg == "message"] + node.args[1:2]
    return found


def _english_literal(expr: ast.expr) -> bool:
    if isinstance(expr, ast.JoinedStr):
        return True
    if isinstance(expr, ast.Constant) and isinstance(expr.value, str):
        return bool(expr.value)
    if isinstance(expr, ast.IfExp):
        return _english_literal(expr.body) or _english_literal(expr.orelse)
    if isinstance(expr, ast.BinOp):
        return _english_literal(expr.left) or _english_literal(expr.right)
    return False


def test_no_builtin_checker_writes_an_english_only_note_or_subject_message() -> None:
    files = [*sorted((SRC / "builtin" / "checkers").glob("*.py")), SRC / "patterns" / "batch.py"]
    left = [
        f"{path.relative_to(ROOT)}:{expr.lineno}"
        for path in files
        for expr in _note_sites(ast.parse(path.read_text(encoding="utf-8")))
        if _english_literal(expr)
    ]
    assert left == [], "notes written as plain English strings (declare a Note): " + str(left)


@pytest.fixture(scope="module")
def district() -> tuple[Any, Any]:
    pack = load_pack(ROOT / "rules" / "district-quarterly.yaml")
    done = pbrules.evaluate(pack, ROOT / "examples" / "district" / "2026Q3.jsonl")
    return pack, done.result


def test_every_checker_note_of_the_example_district_has_its_chinese(district: Any) -> None:
    _pack, result = district
    notes = [c for o in result.organizations for c in o.criteria if c.note]
    assert notes
    english_only = sorted(
        {c.note for c in notes if not ENGINE_NOTE.match(c.note) and not c.note_zh}
    )
    assert english_only == []
    assert all(CJK.search(c.note_zh) for c in notes if c.note_zh)


def test_the_zh_review_shows_every_note_in_chinese(district: Any) -> None:
    pack, result = district
    zh = render_markdown(build_report(result, pack=pack, lang="zh"), lang="zh")
    en = render_markdown(build_report(result, pack=pack, lang="en"), lang="en")
    shown = {c.note: c.note_zh for o in result.organizations for c in o.criteria if c.note_zh}
    in_en = [note for note in shown if note in en]
    assert in_en, "the English review shows no note: nothing to compare"
    assert [note for note in in_en if note in zh] == []
    assert all(shown[note] in zh for note in in_en)

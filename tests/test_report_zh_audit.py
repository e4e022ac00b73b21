"""Audit of the zh review of the example district (html, md, and the docx and xlsx text): no
internal field name (applied_on, org_id, base_total...), no raw enum value (pass, critical...)
and no English word in the report's own text.

Allowed: ids, numbers, dates and periods (any token with a digit), criterion ids, the pack's id
and version, the evidence record ids, and proper names (organizations and committee members as
the snapshots spell them). Text the report shows as someone else wrote it is audited apart
(tests/review_audit.py, ``foreign_spans``): what the criteria author wrote without a Chinese
version (``message_zh``, ``action_zh``, bases, the pack's title; docs/reports.md, "Languages")
and what the checks wrote (their notes and per-subject details: the checker note catalog).
"""

from __future__ import annotations

from pathlib import Path

import pytest

import pbrules
from pbrules.packs.loader import load_pack
from pbrules.report.i18n import _VOCAB, translations
from pbrules.result_io import load_result
from review_audit import foreign_spans, offenders, reader_texts, strip

ROOT = Path(__file__).resolve().parent.parent
PACK = ROOT / "rules" / "district-quarterly.yaml"
EXAMPLE = ROOT / "examples" / "district"


@pytest.fixture(scope="module")
def audited() -> tuple[dict[str, str], dict[str, set[str]]]:
    previous = EXAMPLE / "result-2026Q2.json"
    result = pbrules.evaluate(PACK, EXAMPLE / "2026Q3.jsonl", previous=previous).result
    pack = load_pack(PACK)
    return reader_texts(result, pack, load_result(previous)), foreign_spans(result, pack)


@pytest.mark.parametrize("fmt", ["html", "md", "docx", "xlsx"])
def test_the_zh_review_has_no_field_name_raw_value_or_english(
    audited: tuple[dict[str, str], dict[str, set[str]]], fmt: str
) -> None:
    texts, spans = audited
    assert len(texts[fmt]) > 10_000  # the whole review was read
    left = offenders(strip(texts[fmt], set().union(*spans.values())))
    assert not left, "\n".join(f"{fmt}: {kind} {word!r} in …{ctx}…" for kind, word, ctx in left)


def test_what_is_set_apart_hides_none_of_the_reports_own_words(
    audited: tuple[dict[str, str], dict[str, set[str]]],
) -> None:
    """A span set apart as the pack's, the checks' or the data's never holds a phrase of the
    report's own catalog (which would hide it from the audit), except the words the report puts
    in place of the date field names in a message (``applied_on`` -> 入党申请), and the data
    spans are names."""
    _, spans = audited
    zh = translations("zh")
    in_messages = {zh.gettext(text) for text in _VOCAB["date"].values()}
    catalog = zh._catalog  # type: ignore[attr-defined]
    own = {
        v
        for v in catalog.values()
        if isinstance(v, str)
        and len(v) >= 4
        and "{" not in v
        and not any(v in word for word in in_messages)
    }
    for source, texts in spans.items():
        hidden = sorted({phrase for phrase in own for span in texts if phrase in span})
        assert not hidden, f"{source} spans hide the report's own words: {hidden[:5]}"
    assert "Yuanqiao Village Party Branch" in spans["data"]


def test_the_audit_catches_each_kind() -> None:
    text = "名次 2026Q3 B005 按期 applied_on + maximum 状态 pass 组织委员（宋霞） overdue"
    found = {(kind, word) for kind, word, _ in offenders(text)}
    assert found == {
        ("field name", "applied_on"),
        ("English", "maximum"),
        ("raw value", "pass"),
        ("raw value", "overdue"),
    }
    # chart labels cut to fit are names; wrapped names are joined before they are stripped
    assert offenders(strip("Yuanqiao Village Pa… 其余", [])) == []
    wrapped = strip("Liulin Town\nParty Committee 名次", ["Liulin Town Party Committee"])
    assert offenders(wrapped) == []

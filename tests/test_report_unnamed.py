"""A review's tables name the organization in their first column: the problem beside it does
not repeat the name the finding's message starts with (pack messages often do: "{org.name}:
...")."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from pbrules.packs.loader import load_pack
from pbrules.report import build_report
from pbrules.report.i18n import unnamed
from pbrules.report.render import render_docx, render_html, render_markdown
from pbrules.result_io import load_result

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize(
    ("text", "name", "expected"),
    [
        ("Wuwan Village Party Branch held no general meeting", "Wuwan Village Party Branch",
         "held no general meeting"),
        ("B Branch: 3 of 4 paid", "B Branch", "3 of 4 paid"),
        ("柳林镇党委：未召开党员大会", "柳林镇党委", "未召开党员大会"),
        ("柳林镇党委本季度未召开党员大会", "柳林镇党委", "本季度未召开党员大会"),
        ("Townships lag behind", "Town", "Townships lag behind"),  # the name starts a word
        ("no general meeting", "B Branch", "no general meeting"),  # not named
        ("B Branch", "B Branch", "B Branch"),  # nothing would be left
        ("B Branch: x", None, "B Branch: x"),
        ("B Branch: x", "", "B Branch: x"),
    ],
)  # fmt: skip
def test_unnamed(text: str, name: str | None, expected: str) -> None:
    assert unnamed(text, name) == expected


@pytest.mark.parametrize(("lang", "example"), [("en", "district"), ("zh", "district-zh")])
def test_problem_rows_do_not_repeat_the_organization(lang: str, example: str) -> None:
    result = load_result(ROOT / "examples" / example / "result-2026Q2.json")
    report = build_report(
        result, pack=load_pack(ROOT / "rules" / "district-quarterly.yaml"), lang=lang
    )
    named = [f for a in report.problems for c in a.criteria for f in c.findings
             if f.message.startswith(f.org_name)]  # fmt: skip
    assert named, "the example's messages start with the organization's name"
    md = render_markdown(report, lang=lang)
    html = render_html(report, lang=lang)
    for f in named[:20]:
        cell = f"{f.org_name} ({f.org_id})"
        assert f"| {cell} | {f.org_name}" not in md
        assert f"<td>{cell}</td><td>{f.org_name}" not in html.replace("&#39;", "'")
        assert unnamed(f.message, f.org_name) in md.replace("\\", "")
    from docx import Document

    out = io.BytesIO()
    render_docx(report, out, lang=lang, charts=False)
    rows = [
        [cell.text for cell in row.cells[:2]]
        for table in Document(io.BytesIO(out.getvalue())).tables
        for row in table.rows
    ]
    names = {f"{f.org_name} ({f.org_id})": f.org_name for f in named}
    assert any(first in names for first, _ in rows), "the Word review has the problem rows"
    repeated = [(a, b) for a, b in rows if a in names and b.startswith(names[a])]
    assert not repeated

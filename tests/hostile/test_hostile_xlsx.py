"""Hostile workbooks: the unpacked size, rows, columns and cell text are bounded; a workbook
over a bound is rejected whole with a clear error, never read in part."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from hostile_support import fingerprint, record, run_cli

from pbrules.builtin import _xlsx_limits
from pbrules.dataset import read_dataset
from pbrules.model.result import Rejected
from pbrules.model.snapshot import Snapshot

openpyxl = pytest.importorskip("openpyxl")


def _workbook(tmp_path: Path, name: str = "data.xlsx") -> Path:
    from pbrules.builtin.xlsx_reader import write_workbook

    path = tmp_path / name
    write_workbook([Snapshot.model_validate(record(f"B{i}")) for i in range(3)], path)
    return path


def test_valid_workbook_reads(tmp_path: Path) -> None:
    items = list(read_dataset(_workbook(tmp_path)))
    assert [type(i) for i in items] == [Snapshot] * 3


def test_unpacked_size_is_bounded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = _workbook(tmp_path)
    wb = openpyxl.load_workbook(path)
    wb.active["Z1"] = "x" * 300_000  # compresses to almost nothing
    wb.save(path)
    assert path.stat().st_size < 100_000
    monkeypatch.setattr(_xlsx_limits, "MAX_XLSX_UNPACKED_BYTES", 30_000)
    before = fingerprint([path])
    (item,) = list(read_dataset(path))
    assert isinstance(item, Rejected) and "unpacks to" in item.errors[0]
    assert fingerprint([path]) == before


def test_cell_text_is_bounded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = _workbook(tmp_path)
    wb = openpyxl.load_workbook(path)
    wb.active["B2"] = "y" * 500
    wb.save(path)
    monkeypatch.setattr(_xlsx_limits, "MAX_CELL_CHARS", 100)
    (item,) = list(read_dataset(path))
    assert isinstance(item, Rejected) and "a cell holds 500 characters" in item.errors[0]
    assert "the workbook is not read" in item.errors[0]


def test_rows_are_bounded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = _workbook(tmp_path)
    wb = openpyxl.load_workbook(path)
    wb.active.cell(row=50, column=1, value="B9")
    wb.save(path)
    monkeypatch.setattr(_xlsx_limits, "MAX_XLSX_ROWS", 10)
    (item,) = list(read_dataset(path))
    assert isinstance(item, Rejected) and "more than 10 rows" in item.errors[0]


def test_columns_are_bounded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = _workbook(tmp_path)
    wb = openpyxl.load_workbook(path)
    wb.active.cell(row=2, column=60, value="far")
    wb.save(path)
    monkeypatch.setattr(_xlsx_limits, "MAX_XLSX_COLUMNS", 50)
    (item,) = list(read_dataset(path))
    assert isinstance(item, Rejected) and "60 columns" in item.errors[0]


@pytest.mark.parametrize(
    "data", [b"", b"PK\x03\x04 broken", b"not a zip at all", b"\xd0\xcf\x11\xe0 old xls"]
)
def test_broken_workbooks(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "bad.xlsx"
    path.write_bytes(data)
    (item,) = list(read_dataset(path))
    assert isinstance(item, Rejected) and "cannot read the workbook" in item.errors[0]


def test_zip_bomb_directory_is_refused_before_reading(tmp_path: Path) -> None:
    path = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/sharedStrings.xml", b"\0" * (_xlsx_limits.MAX_XLSX_UNPACKED_BYTES + 1))
    assert path.stat().st_size < 1_000_000
    (item,) = list(read_dataset(path))
    assert isinstance(item, Rejected) and "unpacks to" in item.errors[0]


def test_cli_with_a_hostile_workbook_and_a_good_file(
    tmp_path: Path, pack_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "data"
    folder.mkdir()
    good = _workbook(folder, "a.xlsx")
    bad = folder / "b.xlsx"
    bad.write_bytes(b"junk")
    assert good.exists()
    res = run_cli("evaluate", folder, "--rules", pack_file)
    assert res.code == 1 and res.clean()
    assert "cannot read the workbook" in res.stdout


def test_written_workbook_keeps_formula_like_text_as_text(tmp_path: Path) -> None:
    from pbrules.builtin.xlsx_reader import write_workbook

    rec = record("=1+2")
    rec["organization"]["name"] = '=HYPERLINK("http://evil","x")'
    path = tmp_path / "w.xlsx"
    write_workbook([Snapshot.model_validate(rec)], path)
    wb = openpyxl.load_workbook(path)
    assert all(c.data_type != "f" for ws in wb.worksheets for row in ws.iter_rows() for c in row)
    (item,) = list(read_dataset(path))  # and it reads back as written
    assert isinstance(item, Snapshot) and item.organization.id == "=1+2"

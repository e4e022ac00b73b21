"""Bounds on what an XLSX dataset may make the reader do (docs/limits.md).

The packed size of a workbook says little: XML compresses a thousandfold, so a 400 KB file can
hold a 400 MB cell, and a sheet can declare millions of empty rows. Before openpyxl opens a
workbook, the sizes its zip directory declares are summed (:data:`MAX_XLSX_UNPACKED_BYTES`);
while reading, a sheet may have at most Excel's own number of rows and a row at most
:data:`MAX_XLSX_COLUMNS` columns, and a cell at most Excel's 32,767 characters. A workbook over
any bound is rejected as a whole (one error record): reading part of it would evaluate
organizations on part of their records.
"""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any

__all__ = [
    "MAX_CELL_CHARS",
    "MAX_XLSX_COLUMNS",
    "MAX_XLSX_ROWS",
    "MAX_XLSX_UNPACKED_BYTES",
    "sheet_limit_problem",
    "unpacked_problem",
]

#: the most bytes a workbook's parts may unpack to, together
MAX_XLSX_UNPACKED_BYTES = 128 * 1024 * 1024
#: the most rows in one sheet (Excel's own limit)
MAX_XLSX_ROWS = 1_048_576
#: the most columns in one row
MAX_XLSX_COLUMNS = 1_000
#: the most characters in one cell (Excel's own limit)
MAX_CELL_CHARS = 32_767


def _mb(n: int) -> str:
    return f"{n / 2**20:.0f} MB"


def unpacked_problem(path: Path) -> str | None:
    """Why the workbook unpacks to too much (or is not a zip file), or None."""
    try:
        with zipfile.ZipFile(path) as archive:
            total = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        return f"cannot read the workbook ({exc}); is it an .xlsx file (not .xls)?"
    if total > MAX_XLSX_UNPACKED_BYTES:
        return (
            f"the workbook unpacks to {total / 2**20:.0f} MB, more than the "
            f"{_mb(MAX_XLSX_UNPACKED_BYTES)} read; convert it to JSON Lines"
        )
    return None


def sheet_limit_problem(number: int, values: tuple[Any, ...]) -> str | None:
    """Why row ``number`` of a sheet is over a bound, or None."""
    if number > MAX_XLSX_ROWS:
        return f"the sheet has more than {MAX_XLSX_ROWS:,} rows"
    if len(values) > MAX_XLSX_COLUMNS:
        last = max((i for i, v in enumerate(values) if v is not None), default=-1)
        if last >= MAX_XLSX_COLUMNS:
            return f"the row has {last + 1:,} columns, more than the {MAX_XLSX_COLUMNS:,} read"
    for value in values:
        if isinstance(value, str) and len(value) > MAX_CELL_CHARS:
            return f"a cell holds {len(value):,} characters, more than the {MAX_CELL_CHARS:,}"
    return None

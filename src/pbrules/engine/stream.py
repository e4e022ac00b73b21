"""A run's result written as it is made: organizations finished early, spooled, ranked from rows.

:meth:`pbrules.engine.evaluate.Engine.run_to` keeps neither snapshots nor result objects per
organization. Where an organization is evaluated in pass 1 (a worker or the parent) it is finished
at once as if it had no subordinates and serialized (:func:`spooled`): its ``OrgResult`` JSON
without the ranking fields, and its findings' JSON, exactly as
:func:`pbrules.result_io.write_result_json` indents them. The parent appends those bytes to a
spool file (:class:`Spool`) and keeps one :class:`Row` (numbers and ids) per organization, as
parallel arrays (:class:`Rows`). The workers of a local process pool append their bytes to spool
files of their own instead and send back only where they are (:class:`Placed`), so the bytes
cross no pipe and the parent does not write them. In a ``jsonl`` run the spool holds each
organization's and its findings' ``jsonl`` text (:func:`as_lines`, where it is finished). The few
organizations that have subordinates are finished again in pass 2 and their bytes replaced.
Ranking reads the rows' columns; the document is then copied out of the spool in org id order
with the ranking fields patched in at their place (:func:`write_json`, :func:`write_jsonl`). The
bytes are those of ``write_result_json(engine.run(...))``.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from array import array
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from math import isnan
from types import TracebackType
from typing import Any, BinaryIO, NamedTuple, TypeVar, cast, overload

from pbrules.builtin.exporters import jsonl_line
from pbrules.checker import ChildScore
from pbrules.engine.lines import (
    finding_lines,
    line_start,
    org_line,
    rank_fields,
)
from pbrules.engine.plain_json import (
    CriteriaJSON,
    finding_dict,
    findings_json,
    org_dict,
    org_json,
    ranks_json,
)
from pbrules.engine.ranking import Columns, RankInfo
from pbrules.engine.tree import Node
from pbrules.model.outcome import Severity
from pbrules.model.period import Period
from pbrules.model.result import RunResult
from pbrules.model.snapshot import Organization

__all__ = [
    "FORMATS",
    "SPOOL_BUFFER",
    "Done",
    "Picked",
    "Placed",
    "Row",
    "Rows",
    "RunSummary",
    "Spool",
    "as_lines",
    "child_score",
    "counted",
    "phase",
    "spooled",
    "write_json",
    "write_jsonl",
]

_T = TypeVar("_T")

#: the formats :meth:`Engine.run_to` writes itself (the others need a whole ``RunResult``)
FORMATS = ("json", "jsonl")

#: an organization's JSON as an item of the document's ``organizations`` list (depth 1)
_SHIFT = b"\n    "
_RANK_END = b'\n      "vetoed":'  # the field after the ranking fields
_ITEM_SEP = b",\n    "
_CRITERIA_AT = b'\n      "criteria": '
_NO_CRITERIA = _CRITERIA_AT + b"[]"  # where an organization's criteria go, at depth 1
_criteria = CriteriaJSON(indent=6)  # an organization's criteria list at depth 1
_SHIFT_LIST = b"\n  "  # an item of a list written alone is one level (two spaces) less deep


class Row(NamedTuple):
    """What the parent keeps of one finished organization (ranking reads ``org_id``, ``total``
    and ``group``); ``file``/``at``/``size``/``cut``/``found`` locate its bytes in the spool."""

    org_id: str
    group: str | None
    total: float | None
    base_total: float | None
    grade: str | None
    complete: bool
    critical: int
    findings: int
    waived: int
    worst: int  # highest severity rank of an unwaived finding, 0 without
    at: int
    size: int  # the organization's bytes (the findings' follow)
    cut: int  # where the ranking fields go in the organization's bytes
    found: int  # the findings' bytes
    file: int = 0  # which of the spool's files holds them (0: the parent's own)


@dataclass(frozen=True, slots=True)
class Done:
    """One organization finished and serialized (what a worker sends back)."""

    node: Node  # what the tree keeps of the organization
    as_of: date
    body: bytes  # the organization's JSON item, ranking fields left out
    cut: int
    found: bytes  # its findings' JSON items, separated as in the document
    row: Row  # without a place yet (``at`` 0)
    #: the bytes are already the ``jsonl`` export's (:func:`as_lines`), not the document's
    lines: bool = False

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickled as a constructor call: the parent of a run with workers unpickles one per
        organization, and a frozen dataclass's default (``__setstate__``, a Python loop over
        its fields) cost it about three times as much."""
        fields = (self.node, self.as_of, self.body, self.cut, self.found, self.row, self.lines)
        return (Done, fields)


@dataclass(frozen=True, slots=True)
class Placed:
    """One organization finished by a worker that appended its bytes (as a :class:`Done`'s, in
    the run's format) to the spool file ``path`` of its own: what comes back instead of them."""

    node: Node
    as_of: date
    row: Row  # ``at``: where its bytes start in ``path``
    path: str

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickled as a constructor call, as :class:`Done` is."""
        return (Placed, (self.node, self.as_of, self.row, self.path))


@dataclass(frozen=True, slots=True)
class RunSummary:
    """What a streamed run tells its caller: the counts of the summary and what the exit code
    and ``--fail-on`` read."""

    period: Period
    evaluated: int
    rejected: int
    findings: int
    incomplete: int
    waived: int
    #: highest severity rank (:attr:`Severity.rank`) of an unwaived finding, 0 without
    worst_unwaived: int


#: ``progress(done, total)``, as :data:`pbrules.engine.evaluate.Progress`
Tick = Callable[[int, int | None], None]
_EVERY = 1000  # organizations between two progress calls while writing
#: the spool files' write buffer: one write call a megabyte, not two or three per organization
#: (an organization's bytes are larger than the default buffer)
SPOOL_BUFFER = 1 << 20


def phase(progress: Tick | None, name: str, total: int | None = None) -> None:
    """Tell ``progress`` that phase ``name`` starts (when it has a ``phase`` method), then
    report 0 of ``total``."""
    if progress is None:
        return
    start = getattr(progress, "phase", None)
    if callable(start):
        start(name)
    progress(0, total)


def counted(items: Iterator[_T], progress: Tick | None, total: int) -> Iterator[_T]:
    """``items``, reporting each one taken to ``progress`` as ``(n, total)``."""
    for n, item in enumerate(items, start=1):
        yield item
        if progress is not None:
            progress(n, total)


def _shifted(text: bytes) -> bytes:
    """An indented JSON value as an item of a list of the document (depth 1)."""
    return text.replace(b"\n", _SHIFT)


def _items(text: bytes) -> bytes:
    """The items of an indented JSON list (not empty) as the document's items of a depth-1 list
    joined with ``_ITEM_SEP``: one level deeper (two spaces more), without the brackets. Writing
    the list in one call gives what writing each item alone and joining them would."""
    return text.replace(b"\n", _SHIFT_LIST)[len(b"[\n    ") : -len(b"\n  ]")]


def spooled(
    org: Organization, as_of: date, result: dict[str, Any], findings: list[dict[str, Any]]
) -> Done:
    """An organization's finished result and findings (plain dicts, as ``Engine._finish`` gives
    them, ranking fields unset) serialized for the spool: written from the dicts themselves, in
    the models' shape and bytes (:mod:`pbrules.engine.plain_json`), without validating them."""
    head, tail = _shifted(org_json(org_dict(result))).split(_NO_CRITERIA)
    body = b"".join((head, _CRITERIA_AT, _criteria(result.get("criteria", ())), tail))
    cut = body.index(_RANK_END)  # the ranking fields go right before ``vetoed``
    critical = waived = worst = 0
    for f in findings:
        severity = Severity(f["severity"])
        critical += severity is Severity.CRITICAL
        if f.get("waiver") is None:
            worst = max(worst, severity.rank)
        else:
            waived += 1
    found = _items(findings_json([finding_dict(f) for f in findings])) if findings else b""
    row = Row(
        org_id=result["org_id"],
        group=result["group"],
        total=result["total"],
        base_total=result["base_total"],
        grade=result["grade"],
        complete=result["complete"],
        critical=critical,
        findings=len(findings),
        waived=waived,
        worst=worst,
        at=0,
        size=len(body),
        cut=cut,
        found=len(found),
    )
    return Done(Node.of(org), as_of, body, cut, found, row)


def child_score(row: Row) -> ChildScore | None:
    """What a parent's roll-ups read of a finished subordinate (``None``: unscored)."""
    if row.total is None:
        return None
    # A scored organization has a base total and a grade; passed on as the in-memory run does.
    return ChildScore(
        id=row.org_id,
        base_total=cast(float, row.base_total),
        total=row.total,
        grade=cast(str, row.grade),
        complete=row.complete,
    )


_NAN = float("nan")


class Rows(Sequence[Row]):
    """The parent's rows, one position per organization in the order they came, kept as
    parallel arrays of numbers (a few dozen bytes per organization instead of a ``Row``
    object); ``rows[i]`` builds the ``Row`` at position ``i``. Group and grade strings are kept
    once each, by code."""

    def __init__(self) -> None:
        self.ids: list[str] = []
        self.names: list[str] = []  # group and grade strings, by code
        self._codes: dict[str, int] = {}
        self._at: dict[str, int] = {}
        self.group, self.grade = array("i"), array("i")  # codes, -1: None
        self.total, self.base_total = array("d"), array("d")  # NaN: None
        self.complete, self.worst = array("b"), array("b")
        self.critical, self.findings, self.waived = array("i"), array("i"), array("i")
        self.at, self.size, self.cut, self.found = array("q"), array("q"), array("q"), array("q")
        self.file = array("i")
        self._columns: tuple[array[Any], ...] = (
            *(self.group, self.grade, self.total, self.base_total, self.complete, self.worst),
            *(self.critical, self.findings, self.waived, self.at, self.size, self.cut, self.found),
            self.file,
        )  # in the order of the values :meth:`put` takes from a row

    def _code(self, name: str | None) -> int:
        if name is None:
            return -1
        code = self._codes.get(name)
        if code is None:
            code = self._codes[name] = len(self.names)
            self.names.append(name)
        return code

    def put(self, org_id: str, row: Row) -> None:
        """Keep ``row`` as the row of ``org_id`` (replacing an earlier one)."""
        values = (
            self._code(row.group),
            self._code(row.grade),
            _NAN if row.total is None else row.total,
            _NAN if row.base_total is None else row.base_total,
            row.complete,
            row.worst,
            row.critical,
            row.findings,
            row.waived,
            row.at,
            row.size,
            row.cut,
            row.found,
            row.file,
        )
        at = self._at.get(org_id)
        if at is None:
            self._at[org_id] = len(self.ids)
            self.ids.append(org_id)
            for column, value in zip(self._columns, values, strict=True):
                column.append(value)
        else:
            for column, value in zip(self._columns, values, strict=True):
                column[at] = value

    def _name(self, code: int) -> str | None:
        return None if code < 0 else self.names[code]

    @overload
    def __getitem__(self, at: int) -> Row: ...

    @overload
    def __getitem__(self, at: slice) -> Sequence[Row]: ...

    def __getitem__(self, at: int | slice) -> Row | Sequence[Row]:
        if isinstance(at, slice):
            return [self[k] for k in range(*at.indices(len(self)))]
        total, base = self.total[at], self.base_total[at]
        return Row(
            org_id=self.ids[at],
            group=self._name(self.group[at]),
            total=None if isnan(total) else total,
            base_total=None if isnan(base) else base,
            grade=self._name(self.grade[at]),
            complete=bool(self.complete[at]),
            critical=self.critical[at],
            findings=self.findings[at],
            waived=self.waived[at],
            worst=self.worst[at],
            at=self.at[at],
            size=self.size[at],
            cut=self.cut[at],
            found=self.found[at],
            file=self.file[at],
        )

    def __len__(self) -> int:
        return len(self.ids)

    def of(self, org_id: str) -> Row:
        """The row of ``org_id``."""
        return self[self._at[org_id]]

    def columns(self) -> Columns:
        """What ranking reads (:func:`pbrules.engine.ranking.rank_columns`)."""
        return Columns(
            ids=self.ids,
            groups=self.group,
            names=self.names,
            totals=self.total,
            critical=self.critical,
            findings=self.findings,
            base_totals=self.base_total,
        )

    def by_id(self) -> array[int]:
        """The positions in org id order."""
        return array("q", sorted(range(len(self.ids)), key=self.ids.__getitem__))

    def summary(self, rejected: int) -> dict[str, int]:
        """The result document's ``summary``."""
        return {
            "evaluated": len(self.ids),
            "rejected": rejected,
            "findings": sum(self.findings),
            "incomplete": self.complete.count(0),
            "waived": sum(self.waived),
        }


class Picked(Sequence[_T]):
    """``items[order[0]], items[order[1]], ...`` without a list of them."""

    def __init__(self, pick: Callable[[int], _T], order: Sequence[int]) -> None:
        self._pick = pick
        self._order = order

    @overload
    def __getitem__(self, n: int) -> _T: ...

    @overload
    def __getitem__(self, n: slice) -> Sequence[_T]: ...

    def __getitem__(self, n: int | slice) -> _T | Sequence[_T]:
        if isinstance(n, slice):
            return [self._pick(self._order[k]) for k in range(*n.indices(len(self)))]
        return self._pick(self._order[n])

    def __len__(self) -> int:
        return len(self._order)


def as_lines(done: Done) -> Done:
    """``done`` with its bytes made the ``jsonl`` export's (:mod:`pbrules.engine.lines`): the
    organization's fields on one line without its ``{`` and ranking fields (``cut``: where those
    go), its findings as whole lines. A worker does it as it finishes the organization."""
    if done.lines:
        return done
    body, cut = org_line(done.body, done.cut)
    found = finding_lines(done.found) if done.found else b""
    row = done.row._replace(size=len(body), cut=cut, found=len(found))
    return Done(done.node, done.as_of, body, cut, found, row, lines=True)


class Spool:
    """Append-only temporary files of serialized organizations and findings: the parent's own
    (an unnamed temporary file) and the files workers wrote and the parent took
    (:meth:`add` of a :class:`Placed`), each read through a descriptor the parent holds.

    ``format``: what the bytes are, the document's (``json``) or the ``jsonl`` export's
    (:func:`as_lines`, applied here to a :class:`Done` not yet converted)."""

    def __init__(self, format: str = "json") -> None:
        self.format = format
        self._file = tempfile.TemporaryFile(  # noqa: SIM115
            prefix="pbrules-spool-", buffering=SPOOL_BUFFER
        )
        self._end = 0
        self._fds = [self._file.fileno()]  # by ``Row.file``
        self._taken: dict[str, int] = {}  # a worker's spool file -> its ``Row.file``

    def add(self, done: Done | Placed) -> Row:
        """Append ``done``'s bytes (or take the worker's file that holds them); its row,
        placed."""
        if isinstance(done, Placed):
            return done.row._replace(file=self._take(done.path))
        if self.format == "jsonl":
            done = as_lines(done)
        at = self._end
        self._file.write(done.body)
        self._file.write(done.found)
        self._end += len(done.body) + len(done.found)
        return done.row._replace(at=at)

    def _take(self, path: str) -> int:
        """The index of a worker's spool file, opened for reading the first time it is named,
        and its name removed at once: the worker writes on through its own descriptor, this one
        keeps it readable, and a run killed outright (SIGKILL, out of memory) leaves no file
        behind but those of chunks not yet taken."""
        index = self._taken.get(path)
        if index is None:
            index = self._taken[path] = len(self._fds)
            self._fds.append(os.open(path, os.O_RDONLY))
            with contextlib.suppress(OSError):
                os.unlink(path)
        return index

    def ready(self) -> None:
        """Done appending: what was written becomes readable."""
        self._file.flush()

    def body(self, row: Row) -> bytes:
        return os.pread(self._fds[row.file], row.size, row.at)

    def found(self, row: Row) -> bytes:
        return os.pread(self._fds[row.file], row.found, row.at + row.size)

    def close(self) -> None:
        taken, self._fds = self._fds[1:], self._fds[:1]
        self._taken.clear()
        try:
            for fd in taken:
                os.close(fd)
        finally:
            self._file.close()

    def __enter__(self) -> Spool:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def _ranked(body: bytes, cut: int, rank: RankInfo) -> bytes:
    """The organization's bytes with its ranking fields at their place."""
    inner = _shifted(ranks_json(rank))[1:-6]  # without "{" and "\n    }"
    return b"".join((body[:cut], inner, b",", body[cut:]))


def _shell(shell: RunResult) -> Iterator[bytes]:
    """The document without its organizations and findings, cut where each list goes."""
    text = shell.model_dump_json(indent=2)
    pos = 0
    for name in ("organizations", "findings"):
        marker = f'\n  "{name}": []'
        at = text.index(marker, pos) + len(marker) - 2
        yield text[pos:at].encode("utf-8")
        pos = at + 2
    yield text[pos:].encode("utf-8") + b"\n"


def write_json(
    out: BinaryIO,
    shell: RunResult,
    rows: Sequence[Row],
    ranks: Sequence[RankInfo],
    spool: Spool,
    progress: Tick | None = None,
) -> None:
    """The result document: ``shell`` (empty lists) with the organizations and findings of
    ``rows`` (in org id order) copied from ``spool``; ``write_result_json``'s bytes.
    ``progress`` counts the organizations, then their findings (``2 * len(rows)``)."""
    if spool.format != "json":
        raise ValueError("write_json reads a spool of the document's items (Spool('json'))")
    head, middle, tail = _shell(shell)
    out.write(head)
    separator = b"[\n    "
    for n, row in enumerate(rows):
        _tick(progress, n, rows)
        out.write(separator)
        out.write(_ranked(spool.body(row), row.cut, ranks[n]))
        separator = _ITEM_SEP
    out.write(b"[]" if separator == b"[\n    " else b"\n  ]")
    out.write(middle)
    separator = b"[\n    "
    for n, row in enumerate(rows, start=len(rows)):
        _tick(progress, n, rows)
        if row.found:
            out.write(separator)
            out.write(spool.found(row))
            separator = _ITEM_SEP
    out.write(b"[]" if separator == b"[\n    " else b"\n  ]")
    out.write(tail)


def _tick(progress: Tick | None, n: int, rows: Sequence[Row]) -> None:
    if progress is not None and n % _EVERY == 0:
        progress(n, 2 * len(rows))


def write_jsonl(
    out: BinaryIO,
    shell: RunResult,
    rows: Sequence[Row],
    ranks: Sequence[RankInfo],
    spool: Spool,
    progress: Tick | None = None,
) -> None:
    """The ``jsonl`` export of the run (the ``jsonl`` exporter's bytes), from a ``jsonl`` spool
    (its items already lines: :func:`as_lines`)."""
    if spool.format != "jsonl":
        raise ValueError("write_jsonl reads a spool of jsonl lines (Spool('jsonl'))")
    head = {"pack": shell.pack.id, "period": str(shell.period)}
    start = line_start("organization", head)
    for n, row in enumerate(rows):
        _tick(progress, n, rows)
        body, cut = spool.body(row), row.cut
        fields = rank_fields(ranks_json(ranks[n]))
        out.write(b"".join((start, body[:cut], fields, b", ", body[cut:], b"\n")))
    for n, row in enumerate(rows, start=len(rows)):
        _tick(progress, n, rows)
        if row.found:
            out.write(spool.found(row))
    for rejected in shell.rejected:
        out.write(jsonl_line("rejected", rejected.model_dump(mode="json")))
    for warning in shell.warnings:
        out.write(jsonl_line("warning", warning.model_dump(mode="json")))

"""JSON Lines datasets read in byte ranges: parse once, remember where each record is.

When every file of a :class:`pbrules.dataset.Dataset` is read by the built-in JSON Lines reader,
the engine reads the files itself, in chunks of whole lines (:func:`plan_chunks`), so that:

- each line is validated straight from its bytes (``Snapshot.model_validate_json``), once. A
  line that does not validate that way (or carries ``extensions``) goes through the dataset's
  own path (:func:`pbrules.dataset.validate_record`), so a rejection reads exactly as before;
- the byte offset of every accepted snapshot is kept, so the few organizations evaluated again
  with their subordinates are read back with one ``seek`` each (:func:`read_at`);
- worker processes (``--jobs``) and Dask workers read and validate their chunks themselves and
  send back only compact results (:class:`Scanned`).

A chunk knows the number of its first line, so sources (``path:line``) are those the reader
gives.
"""

from __future__ import annotations

import json
import operator
import re
import typing
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from pydantic import BaseModel, ValidationError

from pbrules.builtin._strict import _SUSPECT_SHAPES, StrictJson
from pbrules.builtin.readers import MAX_LINE_BYTES, JsonlReader
from pbrules.errors import DataError
from pbrules.io import RawRecord
from pbrules.model.period import Period
from pbrules.model.result import Rejected
from pbrules.model.snapshot import Snapshot

if TYPE_CHECKING:
    from pbrules.dataset import Dataset
    from pbrules.engine.evaluate import OrgState
    from pbrules.engine.stream import Done, Placed

__all__ = [
    "CHUNK_BYTES",
    "Chunk",
    "Pass1",
    "Scanned",
    "jsonl_files",
    "plan_chunks",
    "read_at",
    "scan_chunk",
]

#: about how many bytes of whole lines one chunk holds (a unit of work for a worker)
CHUNK_BYTES = 4 * 1024 * 1024
_BOM = b"\xef\xbb\xbf"
_BLOCK = 1024 * 1024
#: a record's place: file index times this, plus its byte offset in the file
_FILE_STRIDE = 1 << 44


@dataclass(frozen=True, slots=True)
class Chunk:
    """Whole lines ``[start, end)`` of one file; ``line`` is the number of the first."""

    path: str
    file: int
    start: int
    end: int
    line: int
    lines: int


@dataclass(frozen=True, slots=True)
class Scanned:
    """One record of a chunk, as the parent needs it: a rejection, or a snapshot's pass-1 state
    (or, in a streamed run, its finished and serialized result, or where a worker spooled it)
    with its period and place (never the snapshot itself)."""

    source: str
    place: int
    period: Period | None = None
    state: OrgState | Done | Placed | None = None
    rejected: Rejected | None = None


def jsonl_files(dataset: object) -> list[Path] | None:
    """The files of ``dataset`` when it is a :class:`Dataset` read only by the built-in JSON Lines
    reader (else ``None``: the engine then iterates the dataset)."""
    from pbrules.dataset import Dataset

    if not isinstance(dataset, Dataset):
        return None
    readers = _readers(dataset)
    if not readers or any(type(r) is not JsonlReader for r in readers):
        return None
    return list(dataset.files)


def _readers(dataset: Dataset) -> list[object]:
    return [reader for _, reader in dataset._files]


def plan_chunks(files: list[Path], size: int | None = None) -> Iterator[Chunk]:
    """The files cut into chunks of whole lines of about ``size`` bytes (default
    :data:`CHUNK_BYTES`), read once at disk speed, not parsed."""
    size = size or CHUNK_BYTES
    step = min(_BLOCK, size)
    for index, path in enumerate(files):
        with path.open("rb") as f:
            start, line = 0, 1
            pos, lines_before, last = 0, 0, b""
            while True:
                block = f.read(step)
                if not block:
                    break
                cut = block.rfind(b"\n")
                if pos + len(block) - start >= size and cut >= 0:
                    end = pos + cut + 1
                    lines = lines_before + block.count(b"\n", 0, cut + 1)
                    yield Chunk(str(path), index, start, end, line, lines)
                    line += lines
                    lines_before = block.count(b"\n", cut + 1)
                    start = end
                else:
                    lines_before += block.count(b"\n")
                last = block[-1:]
                pos += len(block)
            if pos > start:
                tail = 0 if last == b"\n" else 1
                yield Chunk(str(path), index, start, pos, line, lines_before + tail)


def _lines(f: BinaryIO, chunk: Chunk) -> Iterator[tuple[int, int, bytes | None]]:
    """``(line number, offset, bytes)`` of the chunk's lines; bytes ``None`` for an over-long
    line (skipped without being held), as the JSON Lines reader does."""
    f.seek(chunk.start)
    offset, lineno = chunk.start, chunk.line
    while offset < chunk.end:
        raw = f.readline(MAX_LINE_BYTES + 1)
        if not raw:
            return
        at = offset
        offset += len(raw)
        if len(raw) > MAX_LINE_BYTES and not raw.endswith(b"\n"):
            while True:
                rest = f.readline(1024 * 1024)
                offset += len(rest)
                if not rest or rest.endswith(b"\n"):
                    break
            yield lineno, at, None
        else:
            yield lineno, at, raw
        lineno += 1


def _raw_record(raw: bytes, source: str) -> RawRecord:
    """What the JSON Lines reader makes of a line it could not hand over as a snapshot."""
    from pbrules.builtin.readers import _describe_unicode_error, _json_error

    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return RawRecord(source=source, error=_describe_unicode_error(exc))
    text = text.rstrip("\r\n")
    strict = StrictJson()  # duplicate keys, numbers out of range, huge integers
    try:
        return strict.record(source, strict.loads(text))
    except json.JSONDecodeError as exc:
        message = _json_error(exc)
        if exc.pos >= len(text.rstrip()):
            message += "; the line ends early (a truncated record?)"
        return RawRecord(source=source, error=message)
    except RecursionError:
        return RawRecord(source=source, error="invalid JSON: nested too deeply")


#: Lines where ``":`` may not be exactly the end of every key: an escaped quote (``\\"`` or
#: ``\\u0022``) inside a string, or white space between a key and its colon. They take the
#: strict path, which refuses duplicate keys itself.
_KEY_SCREEN = re.compile(rb'\\"|\\u0022|"\s+:', re.IGNORECASE)
#: white space as ``\s`` of a bytes pattern matches it
_SPACE = b" \t\n\r\x0b\x0c"


def _key_screen(raw: bytes, keys: int | None = None) -> bool:
    r"""``_KEY_SCREEN.search(raw)``. Without a backslash only ``"\s+:`` can match, and it does
    exactly when deleting white space makes new ``":`` pairs (cheaper than the search).
    ``keys``: ``raw.count(b'":')`` when the caller has it."""
    if b"\\" in raw:
        return _KEY_SCREEN.search(raw) is not None
    if keys is None:
        keys = raw.count(b'":')
    return raw.translate(None, _SPACE).count(b'":') != keys


#: one translation for both screens: digits -> ``0``, ``e``/``E`` -> ``e``, ``+``/``-`` -> ``+``
#: (the shapes :func:`suspect_line` looks for), ``"`` and ``:`` kept, white space -> ``w``, any
#: other byte -> a space
_SHAPE = bytes(
    ord("0") if 48 <= b <= 57
    else ord("e") if b in b"eE"
    else ord("+") if b in b"+-"
    else b if b in b'":'
    else ord("w") if b in _SPACE
    else 32
    for b in range(256)
)


def _screens(raw: bytes, keys: int) -> bool:
    r"""``suspect_line(raw) or _key_screen(raw, keys)`` with one translation of the line: white
    space right after a quote (which ``"\s+:`` needs) is rare, and tested on the same shape."""
    if b"NaN" in raw or b"Infinity" in raw:
        return True
    shape = raw.translate(_SHAPE)
    if any(s in shape for s in _SUSPECT_SHAPES):
        return True
    if b"\\" in raw:
        return _KEY_SCREEN.search(raw) is not None
    if b'"w' not in shape:
        return False
    return raw.translate(None, _SPACE).count(b'":') != keys


def _keys_set(model: BaseModel) -> int:
    """How many JSON keys gave ``model`` its values: its fields set, and theirs, all the way down.

    Without escaped quotes every ``":`` of a line ends a key, so a line whose count of ``":``
    exceeds this number named some key twice (pydantic keeps the last value silently). Only the
    fields whose type may hold a model are looked into (:func:`_model_fields`).
    """
    fields_set = model.__pydantic_fields_set__
    count = len(fields_set)
    nested = _model_fields(type(model))
    if not nested:
        return count
    flat = _flat_lists(type(model))
    values = model.__dict__
    for name in nested:
        if name not in fields_set:
            continue
        value = values[name]
        if name in flat:  # items of one flat model type, known from the annotation
            count += sum(map(len, map(_FIELDS_SET, value)))
            continue
        if isinstance(value, BaseModel):
            count += _keys_set(value)
        elif isinstance(value, list | tuple):
            kinds = set(map(type, value))
            leaf = kinds.pop() if len(kinds) == 1 else None
            if leaf is not None and issubclass(leaf, BaseModel) and not _model_fields(leaf):
                count += sum(map(len, map(_FIELDS_SET, value)))  # one flat model type
                continue
            for item in value:
                if isinstance(item, BaseModel):
                    count += _keys_set(item)
    return count


_NESTED: dict[type[BaseModel], tuple[str, ...]] = {}
_FIELDS_SET = operator.attrgetter("__pydantic_fields_set__")


def _model_fields(model: type[BaseModel]) -> tuple[str, ...]:
    """The fields of ``model`` whose values may be (or contain) a model, in field order."""
    found = _NESTED.get(model)
    if found is None:
        fields = model.model_fields
        found = tuple(k for k, f in fields.items() if _may_hold_model(f.annotation))
        _NESTED[model] = found
    return found


_FLAT: dict[type[BaseModel], frozenset[str]] = {}


def _flat_lists(model: type[BaseModel]) -> frozenset[str]:
    """The fields of ``model`` typed ``tuple[M, ...]`` or ``list[M]`` with ``M`` a model whose
    own fields hold no model: validated from JSON, their items are ``M`` instances, whose keys
    are their fields set (no need to look at each item's type)."""
    found = _FLAT.get(model)
    if found is None:
        flat = set()
        for name, info in model.model_fields.items():
            item = _items_model(info.annotation)
            if item is not None and not _model_fields(item):
                flat.add(name)
        found = _FLAT[model] = frozenset(flat)
    return found


def _items_model(annotation: Any) -> type[BaseModel] | None:
    """``M`` of ``tuple[M, ...]`` or ``list[M]`` when ``M`` is a model class, else ``None``."""
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    homogeneous_tuple = origin is tuple and len(args) == 2 and args[1] is Ellipsis
    if not (homogeneous_tuple or (origin is list and len(args) == 1)):
        return None
    item = args[0]
    return item if isinstance(item, type) and issubclass(item, BaseModel) else None


def _may_hold_model(annotation: Any) -> bool:
    """Whether a value of type ``annotation`` may be a model or hold one (when unsure: yes)."""
    if isinstance(annotation, type) and not typing.get_args(annotation):
        opaque = annotation in (object, list, tuple, dict, set, frozenset)
        return opaque or issubclass(annotation, BaseModel)
    origin = typing.get_origin(annotation)
    if origin is typing.Literal:
        return False
    if origin is typing.Annotated:
        return _may_hold_model(typing.get_args(annotation)[0])
    if origin is None:
        return True  # Any, a type variable, a forward reference...
    return any(a is not Ellipsis and _may_hold_model(a) for a in typing.get_args(annotation))


def _fast(raw: bytes) -> Snapshot | None:
    """The snapshot validated from the line's bytes, or ``None`` when the slow path must say why
    not (or must check extensions against the registry, or the line may hold what the strict
    reader refuses: see :func:`pbrules.builtin._strict.suspect_line`)."""
    keys = raw.count(b'":')
    if _screens(raw, keys):
        return None
    try:
        snap = Snapshot.model_validate_json(raw)
    except (ValidationError, ValueError, RecursionError, OverflowError, TypeError):
        return None
    if keys != _keys_set(snap):
        return None  # a key given twice (last-wins here): the strict decoder refuses it
    if snap.as_of is not None and snap.as_of > snap.period.end:
        return None  # the dataset layer rejects it, with its reason
    return None if snap.extensions else snap


def records(chunk: Chunk, registry: Any) -> Iterator[tuple[str, int, Snapshot | Rejected]]:
    """``(source, place, snapshot or rejection)`` for every record of ``chunk``, in order."""
    from pbrules.dataset import validate_record

    base = chunk.file * _FILE_STRIDE
    with open(chunk.path, "rb") as f:
        for lineno, at, raw in _lines(f, chunk):
            source = f"{chunk.path}:{lineno}"
            if raw is None:
                error = f"line longer than {MAX_LINE_BYTES // 2**20} MB; not read"
                yield source, base + at, Rejected(source=source, org_id=None, errors=[error])
                continue
            if lineno == 1 and raw.startswith(_BOM):
                raw = raw[len(_BOM) :]
            if not raw.strip():
                continue
            snap = _fast(raw)
            if snap is None:
                snap_or = validate_record(_raw_record(raw, source), registry=registry)
                yield source, base + at, snap_or
            else:
                yield source, base + at, snap


#: ``pass1(snapshot, period)`` -> the organization's pass-1 state, or its finished result
Pass1 = Callable[[Snapshot, Period], "OrgState | Done"]


def scan_chunk(chunk: Chunk, registry: Any, pass1: Pass1) -> list[Scanned]:
    """Every record of ``chunk`` read, validated and (snapshots) evaluated in pass 1 for its own
    period (the parent rejects those of another period than the run's)."""
    out: list[Scanned] = []
    for source, place, item in records(chunk, registry):
        if isinstance(item, Rejected):
            out.append(Scanned(source, place, rejected=item))
            continue
        out.append(Scanned(source, place, item.period, pass1(item, item.period)))
    return out


def read_at(files: list[Path], place: int) -> Snapshot:
    """The snapshot at ``place`` (a file index and byte offset from :class:`Scanned`)."""
    path = files[place // _FILE_STRIDE]
    with path.open("rb") as f:
        f.seek(place % _FILE_STRIDE)
        raw = f.readline(MAX_LINE_BYTES + 1)
    if place % _FILE_STRIDE == 0 and raw.startswith(_BOM):
        raw = raw[len(_BOM) :]
    try:
        return Snapshot.model_validate_json(raw)
    except (ValidationError, ValueError, RecursionError, OverflowError, TypeError):
        pass
    try:  # read as the first read did when the bytes alone did not validate
        return Snapshot.model_validate(json.loads(raw))
    except (ValidationError, ValueError, RecursionError, OverflowError, TypeError):
        raise DataError(f"{path}: the dataset changed while it was read") from None

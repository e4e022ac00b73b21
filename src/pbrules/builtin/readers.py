"""Built-in dataset readers: JSON Lines, JSON and YAML (registered through the plugin hooks).

Readers only parse: they turn a file into :class:`~pbrules.io.RawRecord` objects, each with a
``path:line`` source, and report what they could not parse as a record with an ``error``. The
dataset layer (:mod:`pbrules.dataset`) validates the records, so every reader gets the same
validation and messages.

- ``.jsonl``: one snapshot per line, read line by line in binary (memory stays flat whatever the
  file size). Empty lines are skipped; a line that is not valid UTF-8 or not valid JSON becomes an
  error record and reading goes on with the next line.
- ``.json``: one snapshot, or an array of snapshots. Items of an array are decoded one by one, so
  each has its own line number and a broken item does not hide the ones before it.
- ``.yaml`` / ``.yml``: one snapshot, a list of snapshots, or several ``---`` documents of either.
  Dates stay strings (the snapshot model parses and checks them), and a bare year ``period: 2026``
  is read as the text ``"2026"``.

JSON is decoded strictly (:mod:`pbrules.builtin._strict`): a duplicate key, an integer of more
than :data:`~pbrules.builtin._strict.MAX_INT_DIGITS` digits, a number out of the float range
(``1e999``) and ``NaN`` / ``Infinity`` make the record an error record; the records around it
are read as usual. YAML records may not use aliases, duplicate keys or tags other than plain
data (``!!binary``, ``!!set``... are refused).

JSON and YAML files are parsed whole, so they are limited in size (:data:`MAX_JSON_BYTES`,
:data:`MAX_YAML_BYTES`); use JSON Lines for large datasets.
"""

from __future__ import annotations

import json
from collections.abc import Generator, Iterator
from pathlib import Path
from typing import Any, BinaryIO

import yaml

from pbrules.builtin._strict import StrictJson, yaml_problem
from pbrules.hookspecs import hookimpl
from pbrules.io import RawRecord, Reader

__all__ = [
    "MAX_JSON_BYTES",
    "MAX_LINE_BYTES",
    "MAX_YAML_BYTES",
    "JsonReader",
    "JsonlReader",
    "YamlReader",
    "register_readers",
]

#: the longest JSON Lines record accepted (a longer line is one error record)
MAX_LINE_BYTES = 64 * 1024 * 1024
#: the largest ``.json`` file read (it is parsed whole)
MAX_JSON_BYTES = 512 * 1024 * 1024
#: the largest ``.yaml`` file read (YAML parsing is slow and memory hungry)
MAX_YAML_BYTES = 64 * 1024 * 1024

_BOM = b"\xef\xbb\xbf"


def _describe_unicode_error(exc: UnicodeDecodeError) -> str:
    return f"invalid UTF-8 (byte 0x{exc.object[exc.start]:02x} at column {exc.start + 1})"


def _json_error(exc: json.JSONDecodeError) -> str:
    return f"invalid JSON: {exc.msg} (column {exc.colno})"


def _too_large(path: Path, size: int, limit: int, what: str) -> RawRecord:
    return RawRecord(
        source=str(path),
        error=(
            f"file too large to read as {what} ({size / 2**20:.1f} MB > {limit / 2**20:.0f} MB); "
            "convert it to JSON Lines (one snapshot per line)"
        ),
    )


class JsonlReader:
    """JSON Lines: one snapshot per line, streamed."""

    name = "jsonl"
    suffixes: tuple[str, ...] = (".jsonl", ".ndjson")

    def read(self, path: Path) -> Iterator[RawRecord]:
        with path.open("rb") as f:
            yield from self.read_stream(f, str(path))

    def read_stream(self, f: BinaryIO, name: str) -> Iterator[RawRecord]:
        """Read JSON Lines from an open binary stream; ``name`` prefixes each source."""
        lineno = 0
        while True:
            raw = f.readline(MAX_LINE_BYTES + 1)
            if not raw:
                return
            lineno += 1
            source = f"{name}:{lineno}"
            if len(raw) > MAX_LINE_BYTES and not raw.endswith(b"\n"):
                # skip the rest of the over-long line without holding it
                while True:
                    rest = f.readline(1024 * 1024)
                    if not rest or rest.endswith(b"\n"):
                        break
                yield RawRecord(
                    source=source,
                    error=f"line longer than {MAX_LINE_BYTES // 2**20} MB; not read",
                )
                continue
            if lineno == 1 and raw.startswith(_BOM):
                raw = raw[len(_BOM) :]
            if not raw.strip():
                continue
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                yield RawRecord(source=source, error=_describe_unicode_error(exc))
                continue
            text = text.rstrip("\r\n")
            strict = StrictJson()
            try:
                data = strict.loads(text)
            except json.JSONDecodeError as exc:
                message = _json_error(exc)
                if exc.pos >= len(text.rstrip()):
                    message += "; the line ends early (a truncated record?)"
                yield RawRecord(source=source, error=message)
                continue
            except RecursionError:
                yield RawRecord(source=source, error="invalid JSON: nested too deeply")
                continue
            if strict.problems:
                yield RawRecord(source=source, error=strict.message())
                continue
            yield RawRecord(source=source, data=data)


def _whole_text(path: Path, limit: int, kind: str) -> Generator[RawRecord, None, str | None]:
    """The file's text (UTF-8, a leading BOM dropped), or ``None`` after yielding the error
    record that says why it cannot be read (too large, not UTF-8)."""
    size = path.stat().st_size
    if size > limit:
        yield _too_large(path, size, limit, kind)
        return None
    raw = path.read_bytes()
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        start = exc.start - (len(_BOM) if raw.startswith(_BOM) else 0)
        line = raw.count(b"\n", 0, exc.start) + 1
        yield RawRecord(source=f"{path}:{line}", error=f"invalid UTF-8 (byte {start})")
        return None


class JsonReader:
    """A JSON file holding one snapshot or an array of snapshots."""

    name = "json"
    suffixes: tuple[str, ...] = (".json",)

    def read(self, path: Path) -> Iterator[RawRecord]:
        text = yield from _whole_text(path, MAX_JSON_BYTES, "JSON")
        if text is not None:
            yield from self.read_text(text, str(path))

    def read_text(self, text: str, name: str) -> Iterator[RawRecord]:
        """Read a JSON document (object or array of objects) given as text."""
        strict = StrictJson()
        decoder = strict.decoder
        pos = _skip_ws(text, 0)
        if pos == len(text):
            yield RawRecord(source=f"{name}:1", error="empty file: expected a snapshot or a list")
            return
        if text[pos] != "[":
            try:
                data, end = decoder.raw_decode(text, pos)
            except json.JSONDecodeError as exc:
                yield RawRecord(source=f"{name}:{exc.lineno}", error=_json_error(exc))
                return
            except RecursionError:
                yield RawRecord(source=f"{name}:1", error="invalid JSON: nested too deeply")
                return
            line = text.count("\n", 0, pos) + 1
            end = _skip_ws(text, end)
            if end != len(text):
                yield RawRecord(
                    source=f"{name}:{text.count(chr(10), 0, end) + 1}",
                    error="invalid JSON: extra data after the document",
                )
                return
            yield strict.record(f"{name}:{line}", data)
            return
        # an array: decode item by item so each gets its own line number
        line, counted = 1, 0
        pos = _skip_ws(text, pos + 1)
        if pos < len(text) and text[pos] == "]":
            return
        while True:
            line += text.count("\n", counted, pos)
            counted = pos
            try:
                data, end = decoder.raw_decode(text, pos)
            except json.JSONDecodeError as exc:
                yield RawRecord(
                    source=f"{name}:{exc.lineno}",
                    error=_json_error(exc) + "; the rest of the file is not read",
                )
                return
            except RecursionError:
                yield RawRecord(source=f"{name}:{line}", error="invalid JSON: nested too deeply")
                return
            yield strict.record(f"{name}:{line}", data)
            pos = _skip_ws(text, end)
            if pos < len(text) and text[pos] == ",":
                pos = _skip_ws(text, pos + 1)
                continue
            if pos < len(text) and text[pos] == "]" and _skip_ws(text, pos + 1) == len(text):
                return
            line += text.count("\n", counted, pos)
            yield RawRecord(
                source=f"{name}:{line}",
                error="invalid JSON: expected ',' or ']' after an array item; "
                "the rest of the file is not read",
            )
            return


def _skip_ws(text: str, pos: int) -> int:
    n = len(text)
    while pos < n and text[pos] in " \t\r\n":
        pos += 1
    return pos


def _yaml_loader_class() -> type[Any]:
    base: type[Any] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

    class _Loader(base):  # type: ignore[misc]
        """Safe loader that leaves timestamps as strings (the model parses dates itself)."""

    _Loader.yaml_implicit_resolvers = {
        first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
        for first, resolvers in base.yaml_implicit_resolvers.items()
    }
    return _Loader


_YamlLoader = _yaml_loader_class()


def _yaml_error(exc: yaml.YAMLError) -> tuple[int, str]:
    mark = getattr(exc, "problem_mark", None)
    line = mark.line + 1 if mark is not None else 1
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    return line, f"invalid YAML: {problem}"


def _fix_yaml_record(data: Any) -> Any:
    # ``period: 2026`` (a year) is an integer to YAML; the model expects the text "2026".
    if isinstance(data, dict) and isinstance(data.get("period"), int):
        data = {**data, "period": str(data["period"])}
    return data


class YamlReader:
    """A YAML file: one snapshot, a list of snapshots, or several documents of either."""

    name = "yaml"
    suffixes: tuple[str, ...] = (".yaml", ".yml")

    def read(self, path: Path) -> Iterator[RawRecord]:
        text = yield from _whole_text(path, MAX_YAML_BYTES, "YAML")
        if text is not None:
            yield from self.read_text(text, str(path))

    def read_text(self, text: str, name: str) -> Iterator[RawRecord]:
        """Read YAML documents given as text."""
        loader = _YamlLoader(text)
        try:
            while True:
                try:
                    if not loader.check_node():
                        return
                    node = loader.get_node()
                except yaml.YAMLError as exc:
                    line, message = _yaml_error(exc)
                    yield RawRecord(
                        source=f"{name}:{line}", error=message + "; the rest is not read"
                    )
                    return
                if node is None:
                    continue
                items = node.value if isinstance(node, yaml.SequenceNode) else [node]
                for item in items:
                    source = f"{name}:{item.start_mark.line + 1}"
                    refused = yaml_problem(item)
                    if refused is not None:
                        yield RawRecord(source=source, error=f"invalid YAML value: {refused}")
                        continue
                    try:
                        data = loader.construct_document(item)
                    except (yaml.YAMLError, ValueError, TypeError, RecursionError) as exc:
                        yield RawRecord(source=source, error=f"invalid YAML value: {exc}")
                        continue
                    yield RawRecord(source=source, data=_fix_yaml_record(data))
        finally:
            loader.dispose()


BUILTIN_READERS: tuple[Reader, ...] = (JsonlReader(), JsonReader(), YamlReader())


@hookimpl
def register_readers(register: Any) -> None:
    for reader in BUILTIN_READERS:
        register(reader)

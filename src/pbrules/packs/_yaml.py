"""Safe YAML reading with positions, for packs and rule-pack test files.

:func:`load_yaml` parses one YAML document with PyYAML's ``SafeLoader`` composer and builds the
Python data itself, so that:

- every mapping and sequence remembers where each of its keys and values is (:class:`Pos`), as
  dagster's position-recording loader does; the loader maps each validation error to the
  ``PATH:LINE:COL`` of the offending key or value;
- a file larger than :data:`MAX_BYTES` (``PBRULES_MAX_PACK_BYTES``) is refused before it is read;
- alias bombs ("billion laughs") are stopped by a budget on the number of nodes built with
  aliases expanded (:data:`MAX_NODES`), and recursive aliases are refused;
- only plain YAML data is accepted: any other tag (``!!python/object``...) is an error;
- duplicate keys are errors (PyYAML silently keeps the last one);
- every failure becomes a :class:`~pbrules.errors.Problem`; :func:`load_yaml` raises
  :class:`~pbrules.errors.PackError` and nothing else.

Mappings are returned as :class:`YMap` (a ``dict``) and sequences as :class:`YSeq` (a ``list``);
:func:`plain` converts them to plain ``dict`` / ``list``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from pbrules.errors import PackError, Problem
from pbrules.packs.yaml_hints import plain_yaml_message

__all__ = [
    "MAX_BYTES",
    "MAX_NODES",
    "Pos",
    "YMap",
    "YSeq",
    "load_yaml",
    "load_yaml_text",
    "locate",
    "plain",
]

#: Largest pack file read, in bytes (``PBRULES_MAX_PACK_BYTES`` overrides it).
MAX_BYTES = 5 * 1024 * 1024
#: Most nodes built from one document, counting every alias expansion.
MAX_NODES = 200_000

_TAG = "tag:yaml.org,2002:"
_SCALAR_TAGS = {f"{_TAG}{t}" for t in ("str", "int", "float", "bool", "null", "timestamp")}
_SEQ_TAG = f"{_TAG}seq"
_MAP_TAG = f"{_TAG}map"
_MERGE_TAG = f"{_TAG}merge"


@dataclass(frozen=True, slots=True)
class Pos:
    """A 1-based position in a file."""

    path: str
    line: int
    col: int

    def problem(self, message: str) -> Problem:
        return Problem(self.path, self.line, self.col, message)


class YMap(dict[Any, Any]):
    """A mapping read from YAML, with the position of itself, of each key and of each value."""

    __slots__ = ("key_pos", "pos", "value_pos")

    def __init__(self, pos: Pos) -> None:
        super().__init__()
        self.pos = pos
        self.key_pos: dict[Any, Pos] = {}
        self.value_pos: dict[Any, Pos] = {}

    def put(self, key: Any, value: Any, key_pos: Pos, value_pos: Pos) -> None:
        self[key] = value
        self.key_pos[key] = key_pos
        self.value_pos[key] = value_pos

    def copy_entry(self, other: YMap, key: Any) -> None:
        """Copy ``other[key]`` with its positions."""
        self.put(
            key,
            other[key],
            other.key_pos.get(key, other.pos),
            other.value_pos.get(key, other.pos),
        )

    def __reduce__(self) -> Any:  # pickled as a plain dict
        return (dict, (dict(self),))


class YSeq(list[Any]):
    """A sequence read from YAML, with the position of itself and of each item."""

    __slots__ = ("item_pos", "pos")

    def __init__(self, pos: Pos) -> None:
        super().__init__()
        self.pos = pos
        self.item_pos: list[Pos] = []

    def push(self, value: Any, pos: Pos) -> None:
        self.append(value)
        self.item_pos.append(pos)

    def __reduce__(self) -> Any:  # pickled as a plain list
        return (list, (list(self),))


def plain(value: Any) -> Any:
    """``value`` with every :class:`YMap` / :class:`YSeq` turned into a plain dict / list."""
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


def locate(doc: Any, loc: tuple[Any, ...] | list[Any], *, key: bool = False) -> Pos | None:
    """The position of the value at ``loc`` in ``doc`` (of its key with ``key=True``).

    Parts of ``loc`` that do not name a key or index (pydantic adds union tags) are skipped; the
    deepest position found is returned.
    """
    current = doc
    best: Pos | None = getattr(doc, "pos", None)
    parts = list(loc)
    for i, part in enumerate(parts):
        last = i == len(parts) - 1
        if isinstance(current, YMap):
            if (
                part in current
                and not last
                and not isinstance(current[part], YMap | YSeq)
                and parts[i + 1] in current
            ):
                continue  # a pydantic union tag that happens to equal a key: nothing below
            if part in current:
                if last and key:
                    return current.key_pos.get(part, best)
                best = current.value_pos.get(part, best)
                current = current[part]
                continue
            # pydantic reports aliased fields by alias; a key may also be a non-string scalar
            match = next((k for k in current if str(k) == str(part)), _MISSING)
            if match is not _MISSING:
                if last and key:
                    return current.key_pos.get(match, best)
                best = current.value_pos.get(match, best)
                current = current[match]
            continue
        if isinstance(current, YSeq) and isinstance(part, int) and 0 <= part < len(current):
            best = current.item_pos[part] if part < len(current.item_pos) else best
            current = current[part]
            continue
    return best


_MISSING = object()


class _Budget(Exception):
    pass


def _max_bytes() -> int:
    raw = os.environ.get("PBRULES_MAX_PACK_BYTES")
    if raw and raw.strip().isdigit():
        return int(raw.strip())
    return MAX_BYTES


def _mb(n: int) -> str:
    return f"{n / (1024 * 1024):.1f} MB"


def load_yaml(path: str | Path, *, display: str | None = None, max_bytes: int | None = None) -> Any:
    """Read one YAML document from ``path``; raise :class:`PackError` on any problem.

    ``display`` is the path shown in problems (default: ``path`` as given).
    """
    shown = display if display is not None else str(path)
    limit = _max_bytes() if max_bytes is None else max_bytes
    p = Path(path)
    try:
        size = p.stat().st_size
    except FileNotFoundError:
        raise PackError([Problem(shown, 0, 0, "file not found")]) from None
    except OSError as exc:
        raise PackError([Problem(shown, 0, 0, f"cannot read: {exc.strerror}")]) from None
    if not p.is_file():
        raise PackError([Problem(shown, 0, 0, "not a file")])
    if size > limit:
        raise PackError(
            [
                Problem(
                    shown,
                    1,
                    1,
                    f"file is {_mb(size)}, larger than the {_mb(limit)} limit for a pack "
                    "(set PBRULES_MAX_PACK_BYTES to raise it); not parsed",
                )
            ]
        )
    try:
        with p.open("rb") as fh:
            data = fh.read(limit + 1)
    except OSError as exc:
        raise PackError([Problem(shown, 0, 0, f"cannot read: {exc.strerror}")]) from None
    return load_yaml_text(data, shown, max_bytes=limit)


def _line_col(text: str, index: int) -> tuple[int, int]:
    line = text.count("\n", 0, index) + 1
    col = index - (text.rfind("\n", 0, index) + 1) + 1
    return line, col


def load_yaml_text(
    data: bytes | str, path: str = "<string>", *, max_bytes: int | None = None
) -> Any:
    """Parse YAML from bytes or text; see :func:`load_yaml`."""
    limit = _max_bytes() if max_bytes is None else max_bytes
    if isinstance(data, bytes):
        if len(data) > limit:
            raise PackError(
                [Problem(path, 1, 1, f"document is larger than the {_mb(limit)} limit; not parsed")]
            )
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            line, col = _line_col(data[: exc.start].decode("utf-8", "replace"), exc.start)
            raise PackError(
                [Problem(path, line, col, "the file is not UTF-8 text (save it as UTF-8)")]
            ) from None
    else:
        text = data
        if len(text) > limit:
            raise PackError(
                [Problem(path, 1, 1, f"document is larger than the {_mb(limit)} limit; not parsed")]
            )
    if not text.strip() or all(
        not ln.strip() or ln.lstrip().startswith("#") for ln in text.splitlines()
    ):
        raise PackError([Problem(path, 1, 1, "the file is empty")])
    loader: yaml.SafeLoader | None = None
    try:
        loader = _CountingLoader(text)  # checks for unprintable characters at once
        try:
            node = loader.get_single_node()
        finally:
            loader.dispose()
    except _TooManyNodes as exc:
        raise PackError([Problem(path, exc.line, exc.col, _too_many())]) from None
    except yaml.MarkedYAMLError as exc:
        raise PackError([_yaml_problem(exc, path)]) from None
    except yaml.reader.ReaderError as exc:
        line, col = _line_col(text, exc.position)
        raise PackError(
            [
                Problem(
                    path,
                    line,
                    col,
                    f"character U+{_codepoint(exc.character):04X} is not allowed in a YAML file "
                    "(a control character; is this a binary file?)",
                )
            ]
        ) from None
    except yaml.YAMLError as exc:
        raise PackError([Problem(path, 1, 1, f"invalid YAML: {exc}")]) from None
    except RecursionError:
        raise PackError([Problem(path, 1, 1, "the document is nested too deeply")]) from None
    if node is None or loader is None:
        raise PackError([Problem(path, 1, 1, "the file is empty")])
    _check_expansion(node, path)
    builder = _Builder(path, loader)
    try:
        value = builder.build(node)
    except _Budget:
        raise PackError(builder.problems) from None
    except RecursionError:
        raise PackError([Problem(path, 1, 1, "the document is nested too deeply")]) from None
    if builder.problems:
        raise PackError(sorted(builder.problems, key=lambda p: (p.line, p.col)))
    return value


def _too_many() -> str:
    return (
        f"the document holds more than the {MAX_NODES:,} values a pack may hold; "
        "split it into packs that extend each other"
    )


class _TooManyNodes(Exception):
    def __init__(self, line: int, col: int) -> None:
        super().__init__(line, col)
        self.line, self.col = line, col


class _CountingLoader(yaml.SafeLoader):
    """The safe loader, stopping as soon as the document has more than :data:`MAX_NODES`
    nodes (composing is slow in pure Python: a large document is refused early)."""

    composed = 0

    def compose_node(self, parent: Node | None, index: Any) -> Node | None:
        self.composed += 1
        if self.composed > MAX_NODES:
            mark = self.peek_event().start_mark  # type: ignore[no-untyped-call]
            raise _TooManyNodes(mark.line + 1, mark.column + 1)
        node: Node | None = super().compose_node(parent, index)
        return node


def _check_expansion(root: Node, path: str) -> None:
    """Refuse documents whose aliases expand to more than :data:`MAX_NODES` values, or loop.

    Sizes are computed once per distinct node (aliases share nodes), so this is linear in the
    text even for an alias bomb; the problem points at the innermost value that is too big.
    """
    sizes: dict[int, int] = {}
    visiting: set[int] = set()

    def children(n: Node) -> list[Node]:
        if isinstance(n, SequenceNode):
            return list(n.value)
        if isinstance(n, MappingNode):
            return [part for pair in n.value for part in pair]
        return []

    def size(n: Node) -> int:
        key = id(n)
        known = sizes.get(key)
        if known is not None:
            return known
        if key in visiting:
            pos = Pos(path, n.start_mark.line + 1, n.start_mark.column + 1)
            raise PackError([pos.problem("recursive alias: a value contains itself")])
        visiting.add(key)
        total = 1
        for child in children(n):
            total += size(child)
        visiting.discard(key)
        sizes[key] = total
        return total

    try:
        total = size(root)
    except RecursionError:
        raise PackError([Problem(path, 1, 1, "the document is nested too deeply")]) from None
    if total <= MAX_NODES:
        return
    if len(sizes) > MAX_NODES:  # that many distinct values: large, not an alias bomb
        raise PackError(
            [
                Problem(path, 1, 1, _too_many())
            ]
        )
    node = root
    while True:
        big = next((c for c in children(node) if sizes[id(c)] > MAX_NODES), None)
        if big is None:
            break
        node = big
    pos = Pos(path, node.start_mark.line + 1, node.start_mark.column + 1)
    raise PackError(
        [
            pos.problem(
                f"this value expands to {sizes[id(node)]:,} values through aliases, more than "
                f"the {MAX_NODES:,} allowed (an alias bomb?); not loaded"
            )
        ]
    )


def _codepoint(character: int | str) -> int:
    return character if isinstance(character, int) else ord(character[:1] or "\0")


def _yaml_problem(exc: yaml.MarkedYAMLError, path: str) -> Problem:
    mark = exc.problem_mark or exc.context_mark
    line, col = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
    problem = exc.problem or "invalid YAML"
    plain = plain_yaml_message(exc)
    if "'\\t'" in problem or "\t" in problem:
        message = "tab character: YAML indentation must use spaces, not tabs"
    elif plain is not None:
        message = f"invalid YAML: {plain}"
    else:
        message = f"invalid YAML: {problem}"
        if exc.context:
            message += f" ({exc.context}"
            if exc.context_mark is not None and exc.context_mark is not mark:
                message += f" at line {exc.context_mark.line + 1}"
            message += ")"
    return Problem(path, line, col, message)


class _Builder:
    """Builds Python data from a composed node tree, with positions and limits."""

    def __init__(self, path: str, loader: yaml.SafeLoader) -> None:
        self.path = path
        self.loader = loader
        self.count = 0
        self.aliases = 0
        self.active: set[int] = set()
        self.failed: set[int] = set()  # scalar nodes already reported (an alias repeats them)
        self.problems: list[Problem] = []

    def pos(self, node: Node) -> Pos:
        return Pos(self.path, node.start_mark.line + 1, node.start_mark.column + 1)

    def fail(self, node: Node, message: str) -> None:
        self.problems.append(self.pos(node).problem(message))

    def build(self, node: Node) -> Any:
        self.count += 1
        if self.count > MAX_NODES:
            self.problems = [
                self.pos(node).problem(
                    f"the document expands to more than {MAX_NODES} values "
                    "(an alias bomb?); not loaded"
                )
            ]
            raise _Budget
        if id(node) in self.active:
            self.problems = [self.pos(node).problem("recursive alias: a value contains itself")]
            raise _Budget
        if isinstance(node, ScalarNode):
            return self.scalar(node)
        self.active.add(id(node))
        try:
            if isinstance(node, SequenceNode):
                if node.tag != _SEQ_TAG:
                    self.fail(node, _tag_message(node.tag))
                    return None
                seq = YSeq(self.pos(node))
                for item in node.value:
                    seq.push(self.build(item), self.pos(item))
                return seq
            if isinstance(node, MappingNode):
                if node.tag != _MAP_TAG:
                    self.fail(node, _tag_message(node.tag))
                    return None
                return self.mapping(node)
        finally:
            self.active.discard(id(node))
        self.fail(node, "unsupported YAML node")
        return None

    def scalar(self, node: ScalarNode) -> Any:
        if node.tag not in _SCALAR_TAGS:
            self.fail(node, _tag_message(node.tag))
            return None
        if id(node) in self.failed:  # an alias of a value reported at its anchor
            return None
        try:
            return self.loader.construct_object(node, deep=True)
        except (ValueError, OverflowError, yaml.YAMLError) as exc:
            self.failed.add(id(node))
            self.fail(node, f"invalid {node.tag.rsplit(':', 1)[-1]} value {node.value!r}: {exc}")
            return None

    def mapping(self, node: MappingNode) -> YMap:
        out = YMap(self.pos(node))
        merged: list[YMap] = []
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE_TAG:
                value = self.build(value_node)
                sources = value if isinstance(value, list) else [value]
                for src in sources:
                    if isinstance(src, YMap):
                        merged.append(src)
                    else:
                        self.fail(value_node, "'<<' (merge) needs a mapping or a list of mappings")
                continue
            if not isinstance(key_node, ScalarNode):
                self.fail(key_node, "a key must be a plain word or text, not a list or mapping")
                self.build(value_node)
                continue
            key = self.scalar(key_node)
            if key is None and key_node.tag != f"{_TAG}null":
                self.build(value_node)
                continue
            try:
                hash(key)
            except TypeError:
                self.fail(key_node, "a key must be a plain word or text")
                continue
            value = self.build(value_node)
            if key in out:
                first = out.key_pos[key]
                self.fail(key_node, f"duplicate key {key!r} (first given at line {first.line})")
                continue
            out.put(key, value, self.pos(key_node), self.pos(value_node))
        # merge keys (<<) give defaults: explicit keys win, earlier merge sources win
        for src in merged:
            for k in src:
                if k not in out:
                    out.copy_entry(src, k)
        return out


def _tag_message(tag: str) -> str:
    short = tag.replace(_TAG, "!!")
    return (
        f"the YAML tag {short} is not allowed: a pack holds plain data only "
        "(text, numbers, true/false, lists and mappings)"
    )


def iter_positions(doc: Any) -> Iterator[Pos]:
    """Every position recorded in ``doc`` (used by tests)."""
    if isinstance(doc, YMap):
        yield doc.pos
        for k, v in doc.items():
            yield doc.key_pos[k]
            yield from iter_positions(v)
    elif isinstance(doc, YSeq):
        yield doc.pos
        for v in doc:
            yield from iter_positions(v)

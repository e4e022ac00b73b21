"""Strict decoding of dataset records: JSON hooks and a YAML node check.

Python's ``json`` module accepts what a dataset must not: a duplicate key silently keeps the last
value, ``1e999`` becomes ``inf``, ``NaN`` and ``Infinity`` are read, and an integer of more than
4,300 digits raises ``ValueError`` from inside the decoder (ending the file). :class:`StrictJson`
decodes with hooks that never raise: they note each problem and put a placeholder in the value,
so the reader can reject exactly that record and go on with the next one.

:func:`yaml_problem` checks a composed YAML node before it is constructed: aliases (which can
expand a small file into billions of values), duplicate keys and tags other than plain data
(``!!binary`` would become bytes read as text) are refused.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from pbrules.io import RawRecord

__all__ = ["MAX_INT_DIGITS", "MAX_PROBLEMS", "StrictJson", "suspect_line", "yaml_problem"]

#: the most digits an integer in a record may have (larger ones are rejected, not read)
MAX_INT_DIGITS = 64
#: the most problems listed for one record
MAX_PROBLEMS = 5

_INVALID = object()


def _short(text: str, limit: int = 24) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


class StrictJson:
    """A JSON decoder whose hooks collect problems instead of accepting or raising."""

    def __init__(self) -> None:
        self.problems: list[str] = []
        self.decoder = json.JSONDecoder(
            parse_int=self._int,
            parse_float=self._float,
            parse_constant=self._constant,
            object_pairs_hook=self._object,
        )

    def loads(self, text: str) -> Any:
        self.problems = []
        return self.decoder.decode(text)

    def record(self, source: str, data: Any) -> RawRecord:
        """The record for one decoded document, or its error record; resets the problems."""
        problems, self.problems = self.problems, []
        if problems:
            return RawRecord(source=source, error=_message(problems))
        return RawRecord(source=source, data=data)

    def message(self) -> str:
        return _message(self.problems)

    def _note(self, problem: str) -> object:
        if len(self.problems) <= MAX_PROBLEMS:
            self.problems.append(problem)
        return _INVALID

    def _int(self, text: str) -> Any:
        digits = len(text.lstrip("-"))
        if digits > MAX_INT_DIGITS:
            return self._note(
                f"an integer of {digits:,} digits (at most {MAX_INT_DIGITS} are accepted)"
            )
        return int(text)

    def _float(self, text: str) -> Any:
        value = float(text)
        if not math.isfinite(value):
            return self._note(f"number {_short(text)} is out of range")
        return value

    def _constant(self, name: str) -> Any:
        return self._note(f"{name} is not a number JSON allows")

    def _object(self, pairs: list[tuple[str, Any]]) -> Any:
        out = dict(pairs)
        if len(out) != len(pairs):  # rare: find the repeated keys
            seen: set[str] = set()
            for key, _value in pairs:
                if key in seen:
                    self._note(f"duplicate key {_short(key, 40)!r}")
                seen.add(key)
        return out


def _message(problems: list[str]) -> str:
    shown = problems[:MAX_PROBLEMS]
    more = f"; and {len(problems) - MAX_PROBLEMS} more" if len(problems) > MAX_PROBLEMS else ""
    return "invalid JSON: " + "; ".join(shown) + more


# A number with a 3-digit exponent, NaN / Infinity, or an integer longer than the bound: a fast
# path (validating a line's bytes directly) hands such a line to the strict decoder instead.
_SUSPECT = re.compile(
    rb"\d[eE][-+]?\d{3}|NaN|Infinity|\d{" + str(MAX_INT_DIGITS + 1).encode() + rb"}"
)


#: every ASCII digit -> ``0``, ``e``/``E`` -> ``e``, ``+``/``-`` -> ``+``, any other byte -> a
#: space: the exponent and long-integer alternatives of ``_SUSPECT`` become plain substrings
_DIGIT_SHAPE = bytes(
    ord("0") if 48 <= b <= 57 else b"e"[0] if b in b"eE" else b"+"[0] if b in b"+-" else 32
    for b in range(256)
)
_SUSPECT_SHAPES = (b"0e000", b"0e+000", b"0" * (MAX_INT_DIGITS + 1))


def suspect_line(raw: bytes) -> bool:
    """Whether a JSON line may hold a number :class:`StrictJson` refuses (out of range, NaN,
    a huge integer). Duplicate keys are not screened here (see docs/limits.md).

    The same test as ``_SUSPECT.search(raw)``, by substring searches (a regular expression
    starting with a digit class costs more than validating the line)."""
    if b"NaN" in raw or b"Infinity" in raw:
        return True
    shape = raw.translate(_DIGIT_SHAPE)
    return any(s in shape for s in _SUSPECT_SHAPES)


_PLAIN = "tag:yaml.org,2002:"
_PLAIN_SCALARS = {f"{_PLAIN}{t}" for t in ("str", "int", "float", "bool", "null", "timestamp")}


def _where(node: Node) -> str:
    return f"line {node.start_mark.line + 1}"


def yaml_problem(root: Node) -> str | None:
    """Why a composed YAML record is refused (alias, duplicate key, non-data tag), or None."""
    seen: set[int] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            return f"aliases are not allowed in datasets ({_where(node)})"
        seen.add(id(node))
        if isinstance(node, ScalarNode):
            if node.tag not in _PLAIN_SCALARS:
                return f"tag {node.tag.replace(_PLAIN, '!!')} is not allowed ({_where(node)})"
        elif isinstance(node, SequenceNode):
            if node.tag != f"{_PLAIN}seq":
                return f"tag {node.tag.replace(_PLAIN, '!!')} is not allowed ({_where(node)})"
            stack.extend(node.value)
        elif isinstance(node, MappingNode):
            if node.tag != f"{_PLAIN}map":
                return f"tag {node.tag.replace(_PLAIN, '!!')} is not allowed ({_where(node)})"
            problem = _duplicate_key(node)
            if problem is not None:
                return problem
            for key, value in node.value:
                stack.extend((key, value))
    return None


def _duplicate_key(node: MappingNode) -> str | None:
    keys: set[str] = set()
    for key, _value in node.value:
        if isinstance(key, ScalarNode):
            if key.value in keys:
                return f"duplicate key {_short(key.value, 40)!r} ({_where(key)})"
            keys.add(key.value)
    return None

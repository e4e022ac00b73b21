"""Bounds on what a pack may ask of the engine, checked when the pack loads (docs/limits.md).

A criteria pack comes from outside: it must not be able to hang or crash an evaluation. This
module holds the load-time checks that are not a matter of the pack schema:

- expressions (``expr:``): at most :data:`MAX_EXPR_CHARS` characters,
  :data:`MAX_EXPR_OPERATORS` boolean operators (``and``, ``or``, ``not``) and
  :data:`MAX_EXPR_DEPTH` nested brackets, so rule-engine's recursive parser and evaluator stay
  far from Python's recursion limit; ``$now`` and ``$today`` are refused (a result must depend
  on the data and its ``as_of``, not on the day of the run);
- regular expressions (``=~``, ``=~~``, ``!~``, ``!~~``): the pattern must be a text literal of
  at most :data:`MAX_REGEX_CHARS` characters, without a quantifier or an alternation inside a
  repeated group (``(a+)+``, ``(a|aa)*``: catastrophic backtracking) and without
  backreferences;
- pack files: ``extends`` reads only ``.yaml`` / ``.yml`` files, at most
  :data:`MAX_EXTENDS_DEPTH` packs deep, and a file without a ``pack:`` key is refused without
  quoting its content (``extends: [/etc/shadow]`` must not print the file);
- numbers: none larger than :data:`MAX_PACK_NUMBER` (an area weight of ``1e308`` made every
  total infinite, shown as ``null``);
- conditions: ``all:`` / ``any:`` / ``not:`` nest at most :data:`MAX_CONDITION_DEPTH` deep;
- message templates: a format width of at most :data:`MAX_FORMAT_WIDTH` and a precision of at
  most :data:`MAX_FORMAT_PRECISION` (``{compliance:>2000000000}`` would build a 2 GB string).

Each check returns a problem text (or ``None``), which the caller turns into a located error.
"""

from __future__ import annotations

import math
import re
from typing import Any

__all__ = [
    "MAX_CONDITION_DEPTH",
    "MAX_EXPR_CHARS",
    "MAX_EXPR_DEPTH",
    "MAX_EXPR_OPERATORS",
    "MAX_EXTENDS_DEPTH",
    "MAX_FORMAT_PRECISION",
    "MAX_FORMAT_WIDTH",
    "MAX_PACK_NUMBER",
    "MAX_REGEX_CHARS",
    "PACK_SUFFIXES",
    "condition_depth_problem",
    "expression_text_problem",
    "extends_problem",
    "format_spec_problem",
    "not_a_pack_problem",
    "number_problems",
    "regex_problem",
    "rule_regex_problems",
]

MAX_EXPR_CHARS = 2_000
MAX_EXPR_OPERATORS = 100
MAX_EXPR_DEPTH = 20
MAX_REGEX_CHARS = 200
MAX_FORMAT_WIDTH = 200
MAX_FORMAT_PRECISION = 20

_STRINGS = re.compile(r"'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"", re.DOTALL)
_OPERATORS = re.compile(r"(?<![\w$])(?:and|or|not)(?!\w)")
_CLOCK = re.compile(r"\$(now|today)(?!\w)")


def expression_text_problem(text: str) -> str | None:
    """Why the expression text is too large or time dependent, or None."""
    if len(text) > MAX_EXPR_CHARS:
        return f"the expression has {len(text):,} characters, more than the {MAX_EXPR_CHARS:,}"
    code = _STRINGS.sub('""', text)
    clock = _CLOCK.search(code)
    if clock is not None:
        return (
            f"${clock.group(1)} is not allowed: a result must not depend on the day of the run "
            "(compare with as_of facts instead)"
        )
    operators = len(_OPERATORS.findall(code))
    if operators > MAX_EXPR_OPERATORS:
        return (
            f"the expression has {operators} and/or/not operators, more than the "
            f"{MAX_EXPR_OPERATORS} allowed; split it into all:/any: conditions"
        )
    depth = deepest = 0
    for char in code:
        if char in "([{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in ")]}":
            depth -= 1
    if deepest > MAX_EXPR_DEPTH:
        return f"the expression nests brackets {deepest} deep, more than the {MAX_EXPR_DEPTH}"
    return None


# -- regular expressions ---------------------------------------------------------------------
def _parser() -> Any:
    import importlib

    return importlib.import_module("re._parser")  # the stdlib's own pattern parser (3.11+)


_REPEATS = ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT")


def _walk(items: Any) -> Any:
    """Every (op name, argument) in a parsed pattern, depth first."""
    stack = [items]
    while stack:
        for op, arg in stack.pop():
            yield str(op), arg
            if str(op) in _REPEATS:
                stack.append(arg[2])
            elif str(op) == "SUBPATTERN":
                stack.append(arg[-1])
            elif str(op) == "BRANCH":
                stack.extend(arg[1])
            elif str(op) in ("ASSERT", "ASSERT_NOT"):
                stack.append(arg[1])


def regex_problem(pattern: str) -> str | None:
    """Why ``pattern`` may backtrack catastrophically (or does not compile), or None."""
    if len(pattern) > MAX_REGEX_CHARS:
        return f"the pattern has {len(pattern)} characters, more than the {MAX_REGEX_CHARS}"
    try:
        parsed = _parser().parse(pattern)
    except (re.error, RecursionError, OverflowError) as exc:
        return f"invalid regular expression: {exc}"
    for op, arg in _walk(parsed):
        if op == "GROUPREF" or op == "GROUPREF_EXISTS":
            return "backreferences are not allowed in patterns"
        if op in _REPEATS and arg[1] > 1:
            for inner, inner_arg in _walk(arg[2]):
                if (inner in _REPEATS and inner_arg[1] > 1) or inner == "BRANCH":
                    what = "a quantifier" if inner in _REPEATS else "an alternation"
                    return (
                        f"{what} inside a repeated group (as in (a+)+) can take exponential "
                        "time; rewrite the pattern without nesting"
                    )
    return None


def rule_regex_problems(rule: Any) -> list[str]:
    """Problems of every regex comparison in a compiled rule-engine rule."""
    import rule_engine.ast as ast

    problems: list[str] = []
    stack: list[Any] = [rule.statement.expression]
    seen: set[int] = set()
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, ast.FuzzyComparisonExpression):
            right = node.right
            if not isinstance(right, ast.StringExpression):
                problems.append("the right side of a regex comparison (=~) must be a text literal")
            else:
                problem = regex_problem(str(right.value))
                if problem is not None:
                    problems.append(f"pattern {_short(str(right.value))}: {problem}")
        stack.extend(_children(node, ast))
    return problems


def _children(node: Any, ast: Any) -> list[Any]:
    out: list[Any] = []
    for value in getattr(node, "__dict__", {}).values():
        if isinstance(value, ast.ASTNodeBase):
            out.append(value)
        elif isinstance(value, tuple | list):
            out.extend(v for v in value if isinstance(v, ast.ASTNodeBase))
    return out


def _short(text: str, limit: int = 40) -> str:
    return repr(text if len(text) <= limit else text[: limit - 3] + "...")


# -- message templates ------------------------------------------------------------------------
_SPEC = re.compile(
    r"(?:.?[<>=^])?[-+ ]?z?#?0?(?P<width>\d*)[,_]?(?:\.(?P<precision>\d*))?[a-zA-Z%]?",
    re.DOTALL,
)


def format_spec_problem(spec: str) -> str | None:
    """Why a template format spec (``>10``, ``.0%``) is refused, or None."""
    match = _SPEC.fullmatch(spec)
    if match is None:
        return f"invalid format spec {spec!r}"
    width = int(match.group("width") or 0)
    if width > MAX_FORMAT_WIDTH:
        return f"format width {width:,} is more than the {MAX_FORMAT_WIDTH} allowed"
    precision = int(match.group("precision") or 0)
    if precision > MAX_FORMAT_PRECISION:
        return f"format precision {precision:,} is more than the {MAX_FORMAT_PRECISION} allowed"
    return None


# -- pack files and extends -------------------------------------------------------------------
#: the most packs in one chain of ``extends`` (a pack, its parent, its parent's parent...)
MAX_EXTENDS_DEPTH = 16
#: the suffixes of pack files; ``extends`` refuses any other file before reading it
PACK_SUFFIXES = (".yaml", ".yml")


def extends_problem(ref: Any, parent: Any, depth: int) -> str | None:
    """Why ``extends: [ref]`` (found at ``parent``, ``depth`` packs down) is refused, or None."""
    shown = _short(str(ref))
    if depth >= MAX_EXTENDS_DEPTH:
        return (
            f"extends {shown}: the chain of extends is more than {MAX_EXTENDS_DEPTH} packs deep; "
            "not read"
        )
    suffix = getattr(parent, "suffix", "")
    if parent is not None and parent.is_file() and suffix.lower() not in PACK_SUFFIXES:
        return f"extends {shown}: not a pack file (packs are .yaml or .yml files); not read"
    return None


def not_a_pack_problem(doc: Any, *, extended: bool) -> str | None:
    """Why a YAML mapping is not a criteria pack (without quoting it), or None.

    An extended file must have a ``pack:`` key; a file given directly must have at least one
    key of a pack (its other problems are then listed one by one).
    """
    if "pack" in doc:
        return None
    if not extended:
        from pbrules.packs.schema import Pack

        known = {name for name in Pack.model_fields} | {
            info.alias for info in Pack.model_fields.values() if info.alias
        }
        if any(key in known for key in doc):
            return None
    return "this file is not a criteria pack (it has no 'pack:' key); its content is not shown"


# -- numbers ----------------------------------------------------------------------------------
#: the largest magnitude of any number in a pack (weights, points, thresholds...): sums and
#: products of weights and points stay finite
MAX_PACK_NUMBER = 1e9


_NUMERIC = re.compile(r"\s*[-+]?(\d+\.?\d*|\.\d+)[eE][-+]?\d+\s*")


def number_problems(doc: Any) -> list[Any]:
    """A located problem for every number in the pack document larger than
    :data:`MAX_PACK_NUMBER` (``weight: 1e308`` would make every total infinite)."""
    from pbrules.packs._yaml import YMap, YSeq

    problems: list[Any] = []
    stack: list[Any] = [doc]
    while stack:
        node = stack.pop()
        if isinstance(node, YMap):
            pairs = [(node[k], node.value_pos.get(k)) for k in node]
        elif isinstance(node, YSeq):
            pairs = list(zip(node, node.item_pos, strict=False))
        else:
            continue
        for value, pos in pairs:
            if isinstance(value, str) and _NUMERIC.fullmatch(value):
                value = float(value)  # pydantic reads "1e308" (no dot: text to YAML) as a number
            if isinstance(value, dict | list):
                stack.append(value)
            elif (
                isinstance(value, int | float)
                and not isinstance(value, bool)
                and MAX_PACK_NUMBER < abs(value) < math.inf  # the schema refuses infinities
                and pos is not None
            ):
                problems.append(
                    pos.problem(
                        f"the number {value:g} is larger than the {MAX_PACK_NUMBER:g} allowed"
                    )
                )
    return sorted(problems, key=lambda p: (p.line, p.col))


# -- conditions -------------------------------------------------------------------------------
#: the deepest nesting of all:/any:/not: conditions
MAX_CONDITION_DEPTH = 32


def condition_depth_problem(data: Any) -> str | None:
    """Why a condition tree nests too deeply (checked before it is validated), or None."""
    stack: list[tuple[Any, int]] = [(data, 0)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_CONDITION_DEPTH:
            return (
                f"conditions nest more than {MAX_CONDITION_DEPTH} deep (all:/any:/not:); "
                "flatten them"
            )
        if isinstance(node, dict):
            stack.extend((v, depth + 1) for k, v in node.items() if k in ("all", "any", "not"))
        elif isinstance(node, list):
            stack.extend((v, depth) for v in node)
    return None

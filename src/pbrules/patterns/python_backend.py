"""The pure-Python pattern backend (the default): compiled conditions and hash joins.

Each plan is compiled once (cached) into predicates. Per organization, each element's records
are first filtered by the conditions that read that record alone; equality joins on earlier
bindings become dictionary lookups; the remaining conditions are checked per combination.

It implements the same meaning as the durable-rules backend, condition by condition (the
differential test holds them to identical findings):

- an atom on a null field is false, except ``null``; an operand that is null makes it false;
- a number and a text are never equal or ordered; ``dates`` atoms need two day numbers;
- a ``not`` element holds when no record of its list satisfies its conditions with the
  bindings made so far.
"""

from __future__ import annotations

import contextlib
import operator
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pbrules.patterns.facts import Fact, OrgFacts
from pbrules.patterns.plan import MAX_MATCHES, Atom, Element, Plan

__all__ = ["Match", "match_all", "match_plan"]

_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "eq": operator.eq,
    "ne": operator.ne,
    "lt": operator.lt,
    "le": operator.le,
    "gt": operator.gt,
    "ge": operator.ge,
}

Match = tuple[int, ...]
Bound = Mapping[int, Fact]
Ctx = Mapping[str, Any]
Pred = Callable[[Fact, Bound, Ctx], bool]


def _is_num(v: Any) -> bool:
    return isinstance(v, int | float)


def _compare(op: str, dates: bool) -> Callable[[Any, Any], bool]:
    """``op`` on two known values: false across kinds (and unless both are day numbers when
    ``dates``)."""
    cmp = _COMPARE[op]

    def compare(value: Any, other: Any) -> bool:
        if dates and not (_is_num(value) and _is_num(other)):
            return False
        return isinstance(value, str) == isinstance(other, str) and cmp(value, other)

    return compare


def _atom(atom: Atom, own: int) -> Pred:
    field = atom.field
    if atom.op == "null":
        return lambda f, b, c: f.get(field) is None
    if atom.op == "notnull":
        return lambda f, b, c: f.get(field) is not None
    operand = atom.operand
    assert operand is not None
    compare = _compare(atom.op, atom.dates)
    if operand.kind == "lit":
        lit = operand.value
        if isinstance(lit, str) and atom.op == "eq":
            return lambda f, b, c: f.get(field) == lit  # a number or null never equals a text

        def literal(f: Fact, b: Bound, c: Ctx) -> bool:
            v = f.get(field)
            return v is not None and compare(v, lit)

        return literal
    if operand.kind == "ctx":
        name = operand.value

        def window(f: Fact, b: Bound, c: Ctx) -> bool:
            v = f.get(field)
            return v is not None and compare(v, c[name])

        return window
    element, other_field, offset = operand.element, operand.field, operand.offset

    def ref(f: Fact, b: Bound, c: Ctx) -> bool:
        v = f.get(field)
        if v is None:
            return False
        w = (f if element == own else b[element]).get(other_field)
        if w is None:
            return False
        if offset:
            if not _is_num(w):
                return False
            w = w + offset
        return compare(v, w)

    return ref


def _reads_others(atom: Atom, own: int) -> bool:
    op = atom.operand
    return op is not None and op.kind == "ref" and op.element != own


def _all(preds: Sequence[Pred]) -> Pred:
    if not preds:
        return lambda f, b, c: True
    if len(preds) == 1:
        return preds[0]
    first, rest = preds[0], _all(preds[1:])
    return lambda f, b, c: first(f, b, c) and rest(f, b, c)


def _any_of(alternatives: Sequence[Sequence[Pred]]) -> Pred:
    if all(len(alt) == 1 for alt in alternatives):
        singles = [alt[0] for alt in alternatives]
        return lambda f, b, c: any(p(f, b, c) for p in singles)

    def check(f: Fact, b: Bound, c: Ctx) -> bool:
        return any(all(p(f, b, c) for p in alt) for alt in alternatives)

    return check


@dataclass(frozen=True, slots=True)
class _Step:
    """One element, compiled: local filter, hash-join keys, remaining join conditions."""

    index: int
    of: str
    negated: bool
    local: Pred
    keys: tuple[tuple[str, int, str], ...]  # (own field, bound element, its field)
    joined: Pred | None


def _step(element: Element) -> _Step:
    own = element.index
    local: list[Pred] = []
    joined: list[Pred] = []
    keys: list[tuple[str, int, str]] = []
    for atom in element.atoms:
        op = atom.operand
        if _reads_others(atom, own) and op is not None:
            if atom.op == "eq" and op.offset == 0 and not atom.dates:
                keys.append((atom.field, op.element, op.field))
            else:
                joined.append(_atom(atom, own))
        else:
            local.append(_atom(atom, own))
    for group in element.anys:
        alternatives = [[_atom(a, own) for a in alt] for alt in group]
        reads = any(_reads_others(a, own) for alt in group for a in alt)
        (joined if reads else local).append(_any_of(alternatives))
    return _Step(
        own, element.of, element.negated, _all(local), tuple(keys), _all(joined) if joined else None
    )


_COMPILED: dict[int, tuple[Plan, tuple[_Step, ...]]] = {}


def _compile(plan: Plan) -> tuple[_Step, ...]:
    """The compiled steps of a plan, cached by identity (hashing a plan costs more than
    matching it on a small organization)."""
    hit = _COMPILED.get(id(plan))
    if hit is not None and hit[0] is plan:
        return hit[1]
    steps = tuple(_step(e) for e in plan.elements)
    if len(_COMPILED) >= 1024:
        _COMPILED.clear()
    _COMPILED[id(plan)] = (plan, steps)
    return steps


def _key(fact: Fact, fields: Sequence[str]) -> tuple[Any, ...] | None:
    key = tuple(fact.get(f) for f in fields)
    return None if any(k is None for k in key) else key


class _Enough(Exception):
    """More than ``MAX_MATCHES`` matches: stop looking."""


def _table(
    rows: Sequence[Fact], fields: Sequence[str]
) -> dict[tuple[Any, ...], list[tuple[int, Fact]]]:
    """The rows by the values of their join ``fields`` (rows with a null key are left out)."""
    if not fields:
        return {(): list(enumerate(rows))}
    table: dict[tuple[Any, ...], list[tuple[int, Fact]]] = {}
    if len(fields) == 1:
        name = fields[0]
        for i, f in enumerate(rows):
            v = f.get(name)
            if v is not None:
                table.setdefault((v,), []).append((i, f))
        return table
    for i, f in enumerate(rows):
        key = _key(f, fields)
        if key is not None:
            table.setdefault(key, []).append((i, f))
    return table


def _step_table(
    s: _Step, rows: Sequence[Fact], ctx: Ctx
) -> dict[tuple[Any, ...], list[tuple[int, Fact]]]:
    """A step's rows by join key; an unkeyed step keeps only the rows its own conditions
    accept (every row would be read anyway)."""
    if not s.keys:
        local = s.local
        return {(): [(i, f) for i, f in enumerate(rows) if local(f, {}, ctx)]}
    return _table(rows, [f for f, _, _ in s.keys])


def match_plan(plan: Plan, facts: OrgFacts) -> set[Match]:
    """Every combination of records (their positions, one per positive element) that matches."""
    steps = _compile(plan)
    if not facts.lists.get(steps[0].of):
        return set()
    ctx = facts.ctx
    tables: list[dict[tuple[Any, ...], list[tuple[int, Fact]]] | None] = [None] * len(steps)
    # The local conditions of a record are checked once, when a lookup first reaches it.
    local_ok: list[dict[int, bool] | None] = [None] * len(steps)
    found: set[Match] = set()
    bound: dict[int, Fact] = {}
    chosen: list[int] = []

    def candidates(k: int) -> list[tuple[int, Fact]]:
        s = steps[k]
        if len(s.keys) == 1:
            _, e, name = s.keys[0]
            value = bound[e].get(name)
            if value is None:
                return []
            key: tuple[Any, ...] = (value,)
        else:
            key = tuple(bound[e].get(f) for _, e, f in s.keys)
            if None in key:
                return []
        table = tables[k]
        if table is None:  # built when first needed: often never
            table = tables[k] = _step_table(s, facts.lists.get(s.of, ()), ctx)
        joined = s.joined
        if not s.keys:
            every = table[()]
            return every if joined is None else [(i, f) for i, f in every if joined(f, bound, ctx)]
        memo = local_ok[k]
        if memo is None:
            memo = local_ok[k] = {}
        out = []
        for i, f in table.get(key, ()):
            ok = memo.get(i)
            if ok is None:
                ok = memo[i] = s.local(f, bound, ctx)
            if ok and (joined is None or joined(f, bound, ctx)):
                out.append((i, f))
        return out

    def step(k: int) -> None:
        if k == len(steps):
            found.add(tuple(chosen))
            if len(found) > MAX_MATCHES:
                raise _Enough
            return
        s = steps[k]
        if s.negated:
            if not candidates(k):
                step(k + 1)
            return
        for i, f in candidates(k):
            bound[s.index] = f
            chosen.append(i)
            step(k + 1)
            chosen.pop()
        bound.pop(s.index, None)

    with contextlib.suppress(_Enough):  # the outcome reports the pattern as too broad
        step(0)
    return found


def match_all(plans: Sequence[tuple[str, Plan]], facts: OrgFacts) -> dict[str, set[Match]]:
    """The matches of each keyed plan on one organization's facts."""
    return {key: match_plan(plan, facts) for key, plan in plans}

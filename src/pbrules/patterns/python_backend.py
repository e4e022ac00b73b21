"""The pure-Python pattern backend (the default): a nested-loop join over prefiltered facts.

It implements the same meaning as the durable-rules backend, condition by condition (the
differential test holds them to identical findings):

- an atom on a null field is false, except ``null``; an operand that is null makes it false;
- a number and a text are never equal or ordered; ``dates`` atoms need two day numbers;
- a ``not`` element holds when no record of its list satisfies its conditions with the
  bindings made so far.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from pbrules.patterns.facts import Fact, OrgFacts
from pbrules.patterns.plan import Atom, Element, Plan

__all__ = ["match_plan"]

_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "eq": operator.eq,
    "ne": operator.ne,
    "lt": operator.lt,
    "le": operator.le,
    "gt": operator.gt,
    "ge": operator.ge,
}

Match = tuple[int, ...]


def _is_num(v: Any) -> bool:
    return isinstance(v, int | float)


def _holds(
    atom: Atom, fact: Fact, own: int, bound: Mapping[int, Fact], ctx: Mapping[str, Any]
) -> bool:
    value = fact.get(atom.field)
    if atom.op == "null":
        return value is None
    if atom.op == "notnull":
        return value is not None
    if value is None:
        return False
    operand = atom.operand
    assert operand is not None
    if operand.kind == "lit":
        other = operand.value
    elif operand.kind == "ctx":
        other = ctx[operand.value]
    else:
        source = fact if operand.element == own else bound[operand.element]
        other = source.get(operand.field)
        if other is None:
            return False
        if operand.offset:
            if not _is_num(other):
                return False
            other = other + operand.offset
    if atom.dates and not (_is_num(value) and _is_num(other)):
        return False
    if isinstance(value, str) != isinstance(other, str):
        return False
    return _COMPARE[atom.op](value, other)


def _satisfies(
    element: Element, fact: Fact, bound: Mapping[int, Fact], ctx: Mapping[str, Any]
) -> bool:
    own = element.index
    for atom in element.atoms:
        if not _holds(atom, fact, own, bound, ctx):
            return False
    for group in element.anys:
        if not any(all(_holds(a, fact, own, bound, ctx) for a in alt) for alt in group):
            return False
    return True


def _local(element: Element) -> bool:
    """Whether the element's conditions read no other binding (then prefilter once)."""
    atoms = [*element.atoms, *(a for g in element.anys for alt in g for a in alt)]
    return all(
        a.operand is None or a.operand.kind != "ref" or a.operand.element == element.index
        for a in atoms
    )


def match_plan(plan: Plan, facts: OrgFacts) -> set[Match]:
    """Every combination of records (their positions, one per positive element) that matches."""
    ctx = facts.ctx
    elements = plan.elements
    candidates: list[list[tuple[int, Fact]]] = []
    local = [_local(e) for e in elements]
    for e in elements:
        rows = list(enumerate(facts.lists.get(e.of, ())))
        if local[e.index]:
            rows = [(i, f) for i, f in rows if _satisfies(e, f, {}, ctx)]
        candidates.append(rows)
    found: set[Match] = set()
    bound: dict[int, Fact] = {}
    chosen: list[int] = []

    def step(k: int) -> None:
        if k == len(elements):
            found.add(tuple(chosen))
            return
        e = elements[k]
        rows = candidates[k]
        prefiltered = local[k]
        if e.negated:
            if any(prefiltered or _satisfies(e, f, bound, ctx) for _, f in rows):
                return
            step(k + 1)
            return
        for i, f in rows:
            if prefiltered or _satisfies(e, f, bound, ctx):
                bound[e.index] = f
                chosen.append(i)
                step(k + 1)
                chosen.pop()
        bound.pop(e.index, None)

    step(0)
    return found


def match_all(plans: Sequence[tuple[str, Plan]], facts: OrgFacts) -> dict[str, set[Match]]:
    """The matches of each keyed plan on one organization's facts."""
    return {key: match_plan(plan, facts) for key, plan in plans}

"""Compile validated pattern params into a :class:`~pbrules.patterns.plan.Plan`.

Every problem is a ``ValueError`` naming the element (``match[1] (row: dues)``) and the field,
raised while the pack loads (the loader locates it at the criterion's ``params``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from pbrules.errors import suggest
from pbrules.patterns.plan import Atom, Element, Operand, Plan
from pbrules.patterns.spec import (
    _MONTH,
    Absent,
    Block,
    Kind,
    Ref,
    Scalar,
    Test,
    Where,
    _enum_values,
    _record_lists,
    field_kinds,
)

if TYPE_CHECKING:
    from pbrules.patterns.spec import PatternParams

__all__ = ["compile_plan", "encode_literal"]

_DATES = ("date", "any")


@dataclass(frozen=True, slots=True)
class _Binding:
    index: int
    of: str
    kinds: dict[str, Kind]


def _suggest(word: str, choices: list[str]) -> str:
    close = suggest(word, choices)
    return f" (did you mean {close!r}?)" if close else ""


def encode_literal(value: Scalar, kind: Kind) -> Any:
    """A literal in the encoding facts use: dates as day numbers, booleans as 0/1."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, date):
        return value.toordinal()
    if isinstance(value, str) and kind in ("date", "any"):
        try:
            return date.fromisoformat(value).toordinal() if len(value) == 10 else value
        except ValueError:
            if kind == "date":
                raise ValueError(f"{value!r} is not a date (YYYY-MM-DD)") from None
    return value


class _Compiler:
    def __init__(self, params: PatternParams) -> None:
        self.params = params
        self.names: dict[str, _Binding] = {}
        self.where = ""

    def fail(self, message: str) -> ValueError:
        return ValueError(f"{self.where}: {message}" if self.where else message)

    # -- fields and operands --------------------------------------------------------------------
    def kind(self, binding: _Binding, field: str) -> Kind:
        if not binding.kinds:  # an extension list: any field, any kind
            return "any"
        kind = binding.kinds.get(field)
        if kind is None:
            raise self.fail(
                f"{binding.of} has no field {field!r}{_suggest(field, list(binding.kinds))}"
            )
        return kind

    def ref(self, text: str, own: _Binding) -> tuple[Operand, Kind]:
        name, field = text.split(".", 1)
        target = self.names.get(name)
        if target is None:
            known = ", ".join(sorted(self.names)) or "none yet"
            raise self.fail(f"{text}: {name!r} is not an earlier binding (bound: {known})")
        return Operand("ref", element=target.index, field=field), self.kind(target, field)

    def literal(self, value: Scalar, kind: Kind, field: str, of: str) -> Operand:
        if kind in ("number",) and (isinstance(value, bool) or not isinstance(value, int | float)):
            raise self.fail(f"{field}: {value!r} is not a number")
        if kind == "bool" and not isinstance(value, bool):
            raise self.fail(f"{field}: {value!r} is not true or false")
        if kind == "text" and not isinstance(value, str):
            raise self.fail(f"{field}: {value!r} is not a text")
        if kind == "month" and not (isinstance(value, str) and _MONTH.match(value)):
            raise self.fail(f"{field}: {value!r} is not a month (YYYY-MM)")
        if kind == "text":
            allowed = _enum_values(of, field)
            if allowed and value not in allowed:
                raise self.fail(f"{field}: {value!r} is not one of {', '.join(allowed)}")
        if kind == "date" and not isinstance(value, date | str):
            raise self.fail(f"{field}: {value!r} is not a date")
        try:
            return Operand("lit", value=encode_literal(value, kind))
        except ValueError as exc:
            raise self.fail(f"{field}: {exc}") from None

    # -- conditions -------------------------------------------------------------------------------
    def compare(self, field: str, kind: Kind, op: str, value: Any, own: _Binding) -> Atom:
        if isinstance(value, Ref):
            operand, other = self.ref(value.ref, own)
            if "any" not in (kind, other) and kind != other:
                raise self.fail(f"{field} ({kind}) cannot be compared with {value.ref} ({other})")
            return Atom(field, op, operand)
        return Atom(field, op, self.literal(value, kind, field, own.of))

    def order(self, field: str, kind: Kind, op: str, text: str, own: _Binding, offset: int) -> Atom:
        operand, other = self.ref(text, own)
        if kind not in _DATES or other not in _DATES:
            raise self.fail(f"{field}: before, after and within_days compare dates")
        moved = Operand("ref", element=operand.element, field=operand.field, offset=offset)
        return Atom(field, op, moved, dates=True)

    def test(self, field: str, test: Test, own: _Binding) -> tuple[list[Atom], list[Any]]:
        """The atoms of one field test, and its `in` alternatives (an OR group)."""
        kind = self.kind(own, field)
        atoms: list[Atom] = []
        groups: list[Any] = []
        for op in ("eq", "ne", "lt", "le", "gt", "ge"):
            value = getattr(test, op)
            if value is not None:
                atoms.append(self.compare(field, kind, op, value, own))
        if test.in_ is not None:
            groups.append(tuple((self.compare(field, kind, "eq", v, own),) for v in test.in_))
        if test.null is not None:
            atoms.append(Atom(field, "null" if test.null else "notnull"))
        if test.in_period:
            if kind not in ("date", "month", "any"):
                raise self.fail(f"{field}: in_period needs a date or a month")
            lo, hi = ("pms", "pme") if kind == "month" else ("ps", "pe")
            atoms += [Atom(field, "ge", Operand("ctx", value=lo)),
                      Atom(field, "le", Operand("ctx", value=hi))]
        if test.before is not None:
            atoms.append(self.order(field, kind, "lt", test.before, own, 0))
        if test.after is not None:
            atoms.append(self.order(field, kind, "gt", test.after, own, 0))
        if test.within_days is not None:
            w = test.within_days
            low, high = (-w.days, 0) if w.side == "before" else (0, w.days)
            atoms.append(self.order(field, kind, "ge", w.of, own, low))
            atoms.append(self.order(field, kind, "le", w.of, own, high))
        return atoms, groups

    def where_atoms(self, where: Where, own: _Binding, label: str) -> tuple[list[Atom], list[Any]]:
        atoms: list[Atom] = []
        groups: list[Any] = []
        for field, test in where.items():
            self.where = f"{label}: {field}"
            a, g = self.test(field, test, own)
            atoms += a
            groups += g
        return atoms, groups

    # -- elements ---------------------------------------------------------------------------------
    def element(self, index: int, block: Block, negated: bool) -> Element:
        label = f"match[{index}] ({block.as_ or 'not'}: {block.of})"
        self.where = label
        kinds = field_kinds(block.of)
        if kinds is None:
            raise self.fail(
                f"unknown record list {block.of!r}{_suggest(block.of, _record_lists())} "
                "(a snapshot record list or extensions.<plugin>.<list>)"
            )
        own = _Binding(index, block.of, kinds)
        if block.as_ is not None:
            if block.as_ in self.names:
                raise self.fail(f"the name {block.as_!r} is bound twice")
            self.names[block.as_] = own  # a block may refer to its own fields
        atoms: list[Atom] = []
        groups: list[Any] = []
        if block.current:
            if kinds.get("appointed_on") != "date" or kinds.get("left_on") != "date":
                raise self.fail("current: true needs a list of posts (appointed_on, left_on)")
            atoms.append(Atom("appointed_on", "le", Operand("ctx", value="asof")))
            groups.append(((Atom("left_on", "null"),),
                           (Atom("left_on", "gt", Operand("ctx", value="asof")),)))
        for field, text in block.join.items():
            self.where = f"{label}: join.{field}"
            atoms.append(self.compare(field, self.kind(own, field), "eq", Ref(ref=text), own))
        a, g = self.where_atoms(block.where, own, f"{label}: where")
        atoms += a
        groups += g
        if block.any:
            alternatives = []
            for i, alt in enumerate(block.any):
                a, g = self.where_atoms(alt, own, f"{label}: any[{i}]")
                if g:
                    raise self.fail("`in` is not supported inside `any`; list the values instead")
                alternatives.append(tuple(a))
            groups.append(tuple(alternatives))
        if negated and block.as_ is not None:
            del self.names[block.as_]  # a `not` record binds nothing for later elements
        return Element(index, block.of, negated, tuple(atoms), tuple(groups))

    def plan(self) -> Plan:
        elements = []
        for i, item in enumerate(self.params.match):
            if isinstance(item, Absent):
                elements.append(self.element(i, item.not_, True))
            else:
                elements.append(self.element(i, item, False))
        self.where = "subject"
        operand, _ = self.ref(self.params.subject.id, _Binding(-1, "", {}))
        return Plan(tuple(elements), self.params.subject.type, operand.element, operand.field)


def compile_plan(params: PatternParams) -> Plan:
    """The plan of validated params (``ValueError`` on any inconsistency)."""
    return _Compiler(params).plan()

"""The YAML form of a pattern (``check: pattern``) and its compiled plan.

A pattern is an ordered list of *elements*. A positive element binds each record of one record
list (``as: post, of: committee``); a ``not`` element requires that no record of its list match.
Conditions compare a record's field with a literal, with a field of an earlier binding (a join),
or with the evaluation window (``in_period``); ``before`` / ``after`` / ``within_days`` order
dates. Every condition on a null field is false (``null: true`` asks for one), and two values of
different kinds (a date and a text) are never equal or ordered.

The parsed params compile to a :class:`Plan` of plain, picklable dataclasses that both backends
read (docs/patterns.md is the reference).
"""

from __future__ import annotations

import re
import types
import typing
from datetime import date
from enum import Enum
from functools import lru_cache
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, field_validator, model_validator

from pbrules.checker import Params
from pbrules.model.period import MONTH_PATTERN
from pbrules.model.snapshot import Snapshot
from pbrules.patterns.plan import Plan

__all__ = [
    "Absent",
    "Block",
    "PatternParams",
    "Ref",
    "SubjectSpec",
    "Test",
    "Window",
    "field_kinds",
]

Name = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,39}$")]
FieldName = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,63}$")]
RefText = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,39}\.[a-z][a-z0-9_]{0,63}$")]
Scalar = str | bool | int | float | date
Kind = Literal["date", "month", "text", "number", "bool", "any"]

_OPS = ("eq", "ne", "lt", "le", "gt", "ge")
_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
_MAX_ELEMENTS = 6


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)


class Ref(_Strict):
    """A field of a binding, as an operand: ``{ref: post.person_id}``."""

    ref: RefText


Value = Ref | Scalar


class Window(_Strict):
    """``within_days: {of: gm.held_on, days: 30}``: from ``days`` before ``of`` up to ``of``
    (``side: after``: from ``of`` up to ``days`` after), both ends included."""

    of: RefText
    days: int = Field(ge=0, le=36600)
    side: Literal["before", "after"] = "before"


class Test(_Strict):
    """The conditions on one field; all that are given must hold."""

    eq: Value | None = None
    ne: Value | None = None
    lt: Value | None = None
    le: Value | None = None
    gt: Value | None = None
    ge: Value | None = None
    in_: tuple[Scalar, ...] | None = Field(default=None, alias="in", min_length=1, max_length=50)
    null: bool | None = None
    in_period: bool | None = None
    before: RefText | None = None
    after: RefText | None = None
    within_days: Window | None = None

    @model_validator(mode="after")
    def _not_empty(self) -> Test:
        if not self.model_fields_set:
            raise ValueError("a field test needs at least one condition (eq, lt, null, ...)")
        if self.in_period is False:
            raise ValueError("in_period: false is not supported; leave it out")
        return self


Where = dict[FieldName, Test]


class Block(_Strict):
    """One element: a record list, an optional binding name and the conditions on it."""

    as_: Name | None = Field(default=None, alias="as")
    of: Annotated[str, Field(min_length=1, max_length=200)]
    current: bool = Field(
        default=False,
        description="Only posts current at as_of (appointed_on <= as_of, no left_on or later).",
    )
    join: dict[FieldName, RefText] = Field(default_factory=dict, max_length=10)
    where: Where = Field(default_factory=dict, max_length=20)
    any: tuple[Where, ...] = Field(default=(), max_length=10)


class Absent(_Strict):
    """``not: {...}``: no record of the block's list matches."""

    not_: Block = Field(alias="not")


class SubjectSpec(_Strict):
    type: Name
    id: RefText


class PatternParams(Params):
    """``check: pattern``: records that match together make a finding per subject."""

    _plan: Plan | None = PrivateAttr(default=None)

    match: tuple[Block | Absent, ...] = Field(
        min_length=1,
        max_length=_MAX_ELEMENTS,
        description=(
            "Elements in order: {as, of, current, join, where, any} binds records; "
            "{not: {of, join, where, any}} requires that none match."
        ),
    )
    subject: SubjectSpec = Field(
        description="What each finding names: {type: person, id: <binding>.<field>}."
    )

    @field_validator("match")
    @classmethod
    def _first_positive(cls, value: tuple[Block | Absent, ...]) -> tuple[Block | Absent, ...]:
        if isinstance(value[0], Absent):
            raise ValueError("the first element must bind records (a `not` element cannot lead)")
        return value

    @model_validator(mode="after")
    def _compiles(self) -> PatternParams:
        from pbrules.patterns.compiler import compile_plan

        self._plan = compile_plan(self)  # raises ValueError naming the element and the field
        return self

    @property
    def plan(self) -> Plan:
        """The compiled plan (compiled once, when the params are validated)."""
        assert self._plan is not None
        return self._plan


def _kind_of(annotation: Any) -> Kind | None:
    """The pattern kind of a pydantic field annotation; None for lists and nested models."""
    origin = typing.get_origin(annotation)
    if origin is Annotated:
        base, *meta = typing.get_args(annotation)
        for m in meta:
            if getattr(m, "pattern", None) == MONTH_PATTERN:
                return "month"
        return _kind_of(base)
    if origin in (typing.Union, types.UnionType):
        kinds = {_kind_of(a) for a in typing.get_args(annotation) if a is not type(None)}
        return kinds.pop() if len(kinds) == 1 else None
    if annotation is date:
        return "date"
    if annotation is bool:
        return "bool"
    if annotation in (int, float):
        return "number"
    if annotation is str or (isinstance(annotation, type) and issubclass(annotation, str)):
        return "text"
    return None


@lru_cache(maxsize=64)
def field_kinds(of: str) -> dict[str, Kind] | None:
    """Field -> kind of a snapshot record list; ``{}`` (any field) for ``extensions.X.Y``;
    None when ``of`` is no record list."""
    if re.fullmatch(r"extensions\.[A-Za-z0-9_\-]{1,64}\.[A-Za-z0-9_]{1,64}", of):
        return {}
    info = Snapshot.model_fields.get(of)
    if info is None or typing.get_origin(info.annotation) is not tuple:
        return None
    args = typing.get_args(info.annotation)
    model = args[0] if args else None
    if not (isinstance(model, type) and issubclass(model, BaseModel)):
        return None
    kinds: dict[str, Kind] = {}
    for name, f in model.model_fields.items():
        months = any(getattr(meta, "pattern", None) == MONTH_PATTERN for meta in f.metadata)
        kind: Kind | None = "month" if months else _kind_of(f.annotation)
        if kind is not None:
            kinds[name] = kind
    return kinds


def _record_lists() -> list[str]:
    return sorted(n for n in Snapshot.model_fields if field_kinds(n) is not None)


def _enum_values(of: str, field: str) -> tuple[str, ...]:
    info = Snapshot.model_fields.get(of)
    if info is None:
        return ()
    model = typing.get_args(info.annotation)[0]
    ann = model.model_fields[field].annotation
    for a in (ann, *typing.get_args(ann)):
        if isinstance(a, type) and issubclass(a, Enum):
            return tuple(str(v.value) for v in a)
    return ()

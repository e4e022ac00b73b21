"""``measure``: an aggregate over any record list compared with a threshold (DESIGN §12.3)."""

from __future__ import annotations

import math
import operator
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any, Literal

from pydantic import Field, model_validator

from pbrules.builtin.checkers._records import (
    ListName,
    Row,
    Where,
    field_names,
    gives_any,
    index_rows,
    known_scope,
    parse_where,
    suggest,
)
from pbrules.checker import CheckContext, Checker, Note, NoteText, Params, term, terms
from pbrules.model.outcome import Outcome, Status
from pbrules.model.snapshot import Snapshot

__all__ = ["CHECKERS", "Measure", "MeasureParams", "misses_for"]

NONE_KNOWN = Note(
    "measure.none_known", "no {of} record with {fields} known", "无{fields}已知的{of}记录"
)
NO_VALUE = Note("measure.no_value", "{agg} of no {field} value", "无{field}数值，无法计算{agg}")
NOT_HOLD = Note(
    "measure.does_not_hold",
    "{agg} {actual} {op} {value} does not hold",
    "{agg}为{actual}，不符合“{op}{value}”的要求",
)
LEFT_OUT = Note(
    "measure.left_out",
    "{text} ({count} record(s) with unknown fields left out)",
    "{text}（{count}条记录有关字段不详，未计入）",
)
MISSING = Note("measure.missing", "missing data: {what}", "数据缺失：{what}")

Agg = Literal["count", "share", "sum", "avg", "min", "max"]
Op = Literal[">=", ">", "<=", "<", "==", "!="]
WhenEmpty = Literal["missing_data", "not_applicable", "zero"]


@dataclass(frozen=True, slots=True)
class _Compiled:
    """What a criterion's params fix once, when they are validated, rather than per
    organization: the parsed ``where``, the row fields the check reads, the outcome when no
    record in scope is known (it depends on the params only; ``None`` with ``when_empty:
    zero``) and when the aggregate has no value, the comparison, and the words and numbers the
    outcome shows. A cached property of the params: read as a plain attribute (a pydantic
    private attribute is a slow lookup)."""

    where: Where
    reads: frozenset[str]
    none_known: Outcome | None
    no_value: Outcome
    compare: Callable[[float, float], bool]
    agg_term: NoteText
    op_term: NoteText
    expected: int | float
    #: ``value`` as the failure note shows it (``str(float)``): a text, so that equal notes
    #: are rendered once (:class:`~pbrules.model.note.Note` keeps renderings of texts, not
    #: of floats)
    value_text: str
    #: with ``when_empty: zero`` and no known record, the outcome depends on the params and
    #: the number of unknown records only: kept here by that number
    by_unknown: dict[int, Outcome]


#: the comparison of each ``op``
_COMPARE: dict[str, Callable[[float, float], bool]] = {
    ">=": operator.ge,
    ">": operator.gt,
    "<=": operator.le,
    "<": operator.lt,
    "==": operator.eq,
    "!=": operator.ne,
}
#: at most this many outcomes per criterion in ``_Compiled.by_unknown`` (then started afresh)
_BY_UNKNOWN_KEPT = 256


class MeasureParams(Params):
    of: ListName = Field(description="The record list; `two_committees`: both committees' posts.")
    current: bool = Field(
        default=True, description="Only records held at as_of (posts, members, bodies...)."
    )
    where: dict[str, Any] = Field(
        default_factory=dict,
        description="field: value | [values] | {op: value}; a list field (tags) contains.",
    )
    agg: Agg = Field(default="count", description="count, share, sum, avg, min or max.")
    field: str | None = Field(
        default=None, description="The field sum/avg/min/max read (age, tenure_years...)."
    )
    op: Op = Field(default=">=", description="How the aggregate compares with value.")
    value: float = Field(description="The threshold (a share is 0-1).", allow_inf_nan=False)
    unit: float | None = Field(
        default=None, gt=0, allow_inf_nan=False,
        description="misses = ceil(shortfall / unit); null: 1 miss on any shortfall.",
    )
    when_empty: WhenEmpty = Field(
        default="missing_data",
        description="With no known record in scope: fail (missing data), not_applicable, or "
        "aggregate an empty list (count/share/sum 0).",
    )
    needs_any: list[str] = Field(
        default_factory=list,
        description="Fields some record in scope must give, else the data is missing "
        "(when_empty): an export that gives `post` for nobody has no post data.",
    )

    @model_validator(mode="after")
    def _check(self) -> MeasureParams:
        parse_where(self.where, self.of)  # raises with a did-you-mean
        needs_field = self.agg in ("sum", "avg", "min", "max")
        if needs_field and self.field is None:
            raise ValueError(f"agg {self.agg} needs a field")
        if not needs_field and self.field is not None:
            raise ValueError(f"agg {self.agg} reads no field; remove field: {self.field}")
        for name in [*([self.field] if self.field else []), *self.needs_any]:
            if name not in field_names(self.of):
                hint = suggest(name, field_names(self.of))
                raise ValueError(f"{self.of} has no field '{name}'{hint}")
        return self

    @cached_property
    def compiled(self) -> _Compiled:
        """The parsed ``where``, the fields read and the no-known-record outcome (built on first
        use, then kept)."""
        where = parse_where(self.where, self.of)
        reads = frozenset((*where.fields, *self.needs_any, *filter(None, [self.field])))
        no_value = _missing(NO_VALUE(agg=term(self.agg), field=term(self.field or "record")), self)
        return _Compiled(
            where,
            reads,
            _none_known(where, self),
            no_value,
            _COMPARE[self.op],
            term(self.agg),
            term(self.op),
            _number(self.value),
            str(self.value),
            {},
        )

    @property
    def parsed_where(self) -> Where:
        """The parsed ``where`` (parsed once, when the params are validated)."""
        return self.compiled.where

    @property
    def reads(self) -> frozenset[str] | None:
        """The row fields the check reads (``where``, ``field``, ``needs_any``)."""
        return self.compiled.reads


def misses_for(actual: float, op: str, value: float, unit: float | None) -> int:
    """Whole units of shortfall of a failing comparison (at least 1).

    ``shortfall / unit`` is rounded to 9 decimal places before ``ceil``, so 0.55 - 0.50 with
    unit 0.01 is 5 misses, not 6.
    """
    if op in (">=", ">"):
        shortfall = value - actual
    elif op in ("<=", "<"):
        shortfall = actual - value
    elif op == "==":
        shortfall = abs(actual - value)
    else:
        return 1
    if unit is None or shortfall <= 0:
        return 1
    return max(1, math.ceil(round(shortfall / unit, 9)))


def _compliance(actual: float, op: str, value: float) -> float:
    """A failing comparison's compliance: how far towards the threshold, in [0, 1)."""
    if op in (">=", ">") and value > 0 and actual > 0:
        return min(0.999999, actual / value)
    if op in ("<=", "<") and actual > 0 and value > 0:
        return min(0.999999, value / actual)
    return 0.0


def _aggregate(
    agg: str, field: str | None, known: Sequence[Row], matched: list[Row]
) -> tuple[float | None, tuple[str, ...]]:
    """The aggregate (``None`` when unknown) and the sorted ids of the rows behind it.

    Sums use ``math.fsum`` and ties pick the smallest id, so record order changes nothing.
    """
    ids = tuple(sorted(r["_id"] for r in matched))
    if agg == "count":
        return float(len(matched)), ids
    if agg == "share":
        return (len(matched) / len(known) if known else None), ids
    values = sorted(
        (float(r[field]), r["_id"]) for r in matched if field and r.get(field) is not None
    )
    used = tuple(sorted(i for _, i in values))
    if agg == "sum":
        return math.fsum(v for v, _ in values), used
    if not values:
        return None, ()
    if agg == "avg":
        return math.fsum(v for v, _ in values) / len(values), used
    if agg == "min":
        return values[0][0], (values[0][1],)
    top = max(v for v, _ in values)
    return top, (min(i for v, i in values if v == top),)


class Measure(Checker[MeasureParams]):
    """An aggregate over any record list compared with a threshold.

    Reads the records of ``of`` (``current``: held at ``as_of``; ``two_committees``: the
    current posts of both committees, one row per person), keeps those matching ``where`` and
    aggregates them: ``count``, ``share`` (matching / records whose ``where`` fields are known,
    0-1), or ``sum`` / ``avg`` / ``min`` / ``max`` of ``field`` (derived fields: ``age`` in whole
    years at ``as_of``, the birthday counting; ``tenure_years``). The result ``actual`` is
    compared with ``value`` by ``op``; a failure counts ``ceil(shortfall / unit)`` misses
    (rounded to 9 places first, so 0.55 - 0.50 with unit 0.01 is 5), or 1 miss without ``unit``.

    A record whose ``where`` field (or ``field``) is null is unknown: it is neither counted nor
    in a share's denominator. With no known record in scope (an empty list, a v1 export without
    the fields, or no record giving any of ``needs_any``) ``when_empty`` decides: fail with
    "missing data" (default), ``not_applicable``, or ``zero`` (aggregate the empty list).
    ``share`` with no known record, and ``avg`` / ``min`` / ``max`` with no value, are unknown:
    a missing-data failure, never a pass. Evidence: the records behind the aggregate.

    Monotone: with ``op`` ``>=`` or ``>``, adding a record that matches ``where`` (and, for
    ``sum``, has a ``field`` value >= 0; for ``avg`` / ``min`` / ``max`` a value that meets the
    threshold) never lowers compliance; with ``<=`` or ``<``, adding a record whose aggregated
    value meets the threshold (``avg`` / ``min`` / ``max``) or that does not match ``where``
    (``share``) never lowers it.

    Example::

        check: measure            # at least one woman on the two committees
        params: {of: two_committees, where: {gender: female}, agg: count, op: ">=", value: 1}
        check: measure            # average age at most 45; 3 points a year over (with deduct)
        params: {of: two_committees, agg: avg, field: age, op: "<=", value: 45, unit: 1}
    """

    name = "measure"
    Params = MeasureParams
    notes = (NONE_KNOWN, NO_VALUE, NOT_HOLD, LEFT_OUT, MISSING)

    def check(self, snapshot: Snapshot, params: MeasureParams, ctx: CheckContext) -> Outcome:
        compiled = params.compiled
        known: Sequence[Row]
        # ``needs_any`` first, on the records themselves where it can (no row built): an export
        # that gives ``post`` for nobody is settled before anything else is done
        if params.needs_any and not gives_any(
            ctx.index, snapshot, params.of, ctx.as_of, current=params.current,
            fields=params.needs_any,
        ):
            if compiled.none_known is not None:
                return compiled.none_known
            scope = index_rows(
                ctx.index, snapshot, params.of, ctx.as_of, current=params.current,
                fields=compiled.reads,
            )
            count, known = len(scope), ()  # no record gives any of them: nothing is known
        else:
            # the rows in scope whose ``where`` fields are known (only those are built, where
            # the records themselves say which they are)
            count, known = known_scope(
                ctx.index, snapshot, params.of, ctx.as_of, current=params.current,
                fields=compiled.reads, needed=compiled.where.needed,
            )
        unknown = count - len(known)
        if known:
            return _judge(params, compiled, known, unknown)
        if compiled.none_known is not None:
            return compiled.none_known
        found = compiled.by_unknown.get(unknown)
        if found is None:
            if len(compiled.by_unknown) >= _BY_UNKNOWN_KEPT:
                compiled.by_unknown.clear()
            found = compiled.by_unknown[unknown] = _judge(params, compiled, (), unknown)
        return found


def _judge(
    params: MeasureParams, compiled: _Compiled, known: Sequence[Row], unknown: int
) -> Outcome:
    """The outcome from the known rows in scope (``unknown``: how many rows were left out)."""
    matched = compiled.where.select(known)
    actual, evidence = _aggregate(params.agg, params.field, known, matched)
    if actual is None:
        return compiled.no_value
    shown = _number(actual)
    if compiled.compare(actual, params.value):
        return Outcome(Status.PASS, actual=shown, expected=compiled.expected, evidence=evidence)
    note = NOT_HOLD(
        agg=compiled.agg_term, actual=shown, op=compiled.op_term, value=compiled.value_text
    )
    if unknown:
        note = LEFT_OUT(text=note, count=unknown)
    return Outcome(
        Status.FAIL,
        compliance=_compliance(actual, params.op, params.value),
        misses=misses_for(actual, params.op, params.value, params.unit),
        actual=shown,
        expected=compiled.expected,
        evidence=evidence,
        note=note,
    )


def _number(value: float) -> int | float:
    """A whole number as an int (counts read ``2``, not ``2.0``), else rounded to 6 places."""
    rounded = round(value, 6)
    return int(rounded) if rounded.is_integer() else rounded


def _none_known(where: Where, params: MeasureParams) -> Outcome | None:
    """The outcome with no known record in scope, as ``when_empty`` says (``None``: ``zero``,
    aggregate the empty list)."""
    if params.when_empty == "zero":
        return None
    fields = terms(where.fields) if where.fields else term("data")
    what = NONE_KNOWN(of=term(params.of), fields=fields)
    if params.when_empty == "not_applicable":
        return Outcome.not_applicable(what)
    return _missing(what, params)


def _missing(what: NoteText, params: MeasureParams) -> Outcome:
    """A missing-data failure; towards ``>=`` / ``>`` it counts the whole shortfall from 0, so
    that adding the first record never adds misses."""
    rising = params.op in (">=", ">")
    return Outcome(
        Status.FAIL,
        compliance=0.0,
        misses=misses_for(0.0, params.op, params.value, params.unit) if rising else 1,
        expected=_number(params.value),
        note=MISSING(what=what),
    )


CHECKERS = (Measure(),)

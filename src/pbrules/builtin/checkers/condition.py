"""The ``condition`` checker: a declarative condition over snapshot facts."""

from __future__ import annotations

from typing import Any

from pydantic import ConfigDict, Field, ValidationInfo, field_validator, model_validator

from pbrules.checker import CheckContext, Checker, Note, NoteText, Params
from pbrules.model.outcome import Outcome, Status
from pbrules.model.snapshot import Snapshot
from pbrules.packs.conditions import (
    FORMS,
    MISSING_VALUE,
    AllCond,
    AnyCond,
    Condition,
    ExprCond,
    FactCond,
    FactName,
    NotCond,
    Op,
    check_fact_value,
    compile_expr,
    describe,
    evaluate,
)
from pbrules.packs.facts import FactValues
from pbrules.packs.limits import condition_depth_problem

__all__ = ["CHECKERS", "ConditionChecker", "ConditionParams"]

A_FACT = Note("condition.a_fact", "a fact", "相关情况")
UNKNOWN = Note("condition.unknown", "missing data: {what} unknown", "数据缺失：{what}不详")
DOES_NOT_HOLD = Note(
    "condition.does_not_hold",
    "condition does not hold: {facts}",
    "条件不满足：{facts}",
)


class ConditionParams(Params):
    """The condition itself: exactly one of ``all``, ``any``, ``not``, ``fact``, ``expr``."""

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    all: list[Condition] | None = Field(default=None, min_length=1, description="every one holds")
    any: list[Condition] | None = Field(
        default=None, min_length=1, description="at least one holds"
    )
    not_: Condition | None = Field(default=None, alias="not", description="does not hold")
    fact: FactName | None = Field(default=None, description="a fact name (see docs/pack-format.md)")
    op: Op | None = Field(default=None, description="== != < <= > >= in not_in contains")
    value: Any = Field(default=None, description="the value to compare the fact with")
    expr: str | None = Field(default=None, description="a rule-engine expression over the facts")

    @model_validator(mode="before")
    @classmethod
    def _one_form(cls, data: Any) -> Any:
        too_deep = condition_depth_problem(data)
        if too_deep is not None:
            raise ValueError(too_deep)
        if isinstance(data, dict):
            given = [f for f in FORMS if f in data]
            if not given:
                raise ValueError(
                    "a condition needs one of: all, any, not, fact (with op and value), expr"
                )
            if len(given) > 1:
                raise ValueError(
                    f"a condition has one form, found {', '.join(given)}; "
                    "combine several with all: or any:"
                )
            if given == ["fact"] and "op" not in data:
                raise ValueError("a fact condition needs op (== != < <= > >= in not_in contains)")
            if given != ["fact"]:
                stray = [k for k in ("op", "value") if k in data]
                if stray:
                    raise ValueError(f"{', '.join(stray)} belongs with fact:, not with {given[0]}:")
        return data

    @field_validator("value")
    @classmethod
    def _value_type(cls, v: Any, info: ValidationInfo) -> Any:
        fact, op = info.data.get("fact"), info.data.get("op")
        if fact is not None and op is not None:
            check_fact_value(fact, op, v)
        return v

    @model_validator(mode="after")
    def _needs_value(self) -> ConditionParams:
        if self.fact is not None and "value" not in self.model_fields_set:
            raise ValueError(MISSING_VALUE)
        return self

    @field_validator("expr")
    @classmethod
    def _expr(cls, v: str | None) -> str | None:
        if v is not None:
            compile_expr(v)  # raises ValueError with a clear message when invalid
        return v

    def root_condition(self) -> Any:
        """The condition as one node of :mod:`pbrules.packs.conditions`."""
        if self.all is not None:
            return AllCond(all=self.all)
        if self.any is not None:
            return AnyCond(any=self.any)
        if self.not_ is not None:
            return NotCond(not_=self.not_)
        if self.expr is not None:
            return ExprCond(expr=self.expr)
        assert self.fact is not None and self.op is not None
        return FactCond(fact=self.fact, op=self.op, value=self.value)


class ConditionChecker(Checker[ConditionParams]):
    """A declarative condition over facts of the snapshot: passes when the condition holds.

    ``params`` is the condition: ``all`` / ``any`` / ``not`` over ``{fact, op, value}`` items,
    and ``{expr: "..."}`` for a rule-engine expression over the same facts (fact names with
    underscores). Unknown facts, operators and badly typed values are load-time errors. When the
    condition cannot be decided because a fact it needs is unknown (null), the outcome is a fail
    with "missing data".

    Monotone: none in general; it depends on the condition.

    ``actual`` is the facts the condition read; ``expected`` is the condition as text.

    Example::

        - id: X01
          title: Branch large enough and active
          area: standardization
          check: condition
          params:
            all:
              - {fact: members.full_count, op: ">=", value: 3}
              - any:
                  - {fact: organization.weak_lax, op: "==", value: false}
                  - {expr: "meetings_count_committee_meeting >= period_months"}
          points: 5
    """

    name = "condition"
    Params = ConditionParams
    notes = (UNKNOWN, A_FACT, DOES_NOT_HOLD)

    def check(self, snapshot: Snapshot, params: ConditionParams, ctx: CheckContext) -> Outcome:
        facts = FactValues(ctx.index)
        root = params.root_condition()
        result = evaluate(root, facts)
        read = facts.computed
        expected = describe(root)
        if result is None:
            unknown = sorted(k for k, v in read.items() if v is None)
            what = NoteText(", ".join(unknown), "、".join(unknown)) if unknown else A_FACT()
            return Outcome(
                Status.FAIL,
                compliance=0.0,
                misses=1,
                actual=read,
                expected=expected,
                note=UNKNOWN(what=what),
            )
        return Outcome(
            Status.PASS if result else Status.FAIL,
            compliance=1.0 if result else 0.0,
            misses=0 if result else 1,
            actual=read,
            expected=expected,
            note="" if result else DOES_NOT_HOLD(facts=_facts_text(read)),
        )


def _facts_text(read: dict[str, Any]) -> NoteText:
    pairs = [f"{k} = {v}" for k, v in sorted(read.items())]
    return NoteText(", ".join(pairs), "，".join(pairs))


CHECKERS = (ConditionChecker(),)

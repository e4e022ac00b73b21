"""Declarative conditions over snapshot facts (``check: condition``).

A condition is one of::

    {all: [COND, ...]}          every condition holds
    {any: [COND, ...]}          at least one holds
    {not: COND}                 the condition does not hold
    {fact: NAME, op: OP, value: V}
    {expr: "TEXT"}              a rule-engine expression over the facts

``OP`` is one of ``== != < <= > >= in not_in contains``. Fact names come from
:data:`pbrules.packs.facts.FACTS`; in ``expr`` they are written with underscores
(``members_count >= 3 and organization_kind == "branch"``). Everything is checked when the pack
loads: unknown facts and operators (with a "did you mean"), values of the wrong type for the fact,
and expression syntax and symbols (through a typed rule-engine context). Nothing is ``eval``-ed.

Evaluation uses three-valued logic: a fact that is unknown (``null``) makes a comparison unknown
unless the comparison is with ``null`` itself; ``all`` is false if any part is false, ``any`` is
true if any part is true, and otherwise unknown propagates. The ``condition`` checker fails with
"missing data" when the whole condition is unknown: it never guesses.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    ValidationInfo,
    field_validator,
    model_validator,
)

from pbrules.errors import CheckError, suggest
from pbrules.packs.facts import FACTS, SYMBOLS, FactValues, suggest_fact
from pbrules.packs.limits import expression_text_problem, rule_regex_problems

if TYPE_CHECKING:  # rule-engine is imported on first use: building its parser costs ~0.3 s
    import rule_engine

__all__ = [
    "FORMS",
    "OPS",
    "AllCond",
    "AnyCond",
    "Condition",
    "ExprCond",
    "FactCond",
    "FactName",
    "NotCond",
    "Op",
    "check_fact_value",
    "compile_expr",
    "describe",
    "evaluate",
]

Op = Literal["==", "!=", "<", "<=", ">", ">=", "in", "not_in", "contains"]
OPS: tuple[str, ...] = ("==", "!=", "<", "<=", ">", ">=", "in", "not_in", "contains")
_ORDER_OPS = {"<", "<=", ">", ">="}


class _Node(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)


def _check_fact(name: str) -> str:
    if name not in FACTS:
        raise ValueError(f"unknown fact '{name}'{suggest_fact(name)}")
    return name


FactName = Annotated[str, AfterValidator(_check_fact)]

def _resolve(thing: Any, name: str) -> Any:
    value = thing.by_symbol(name)
    return float(value) if isinstance(value, int) and not isinstance(value, bool) else value


@functools.cache
def _context() -> rule_engine.Context:
    import rule_engine

    re_types = {
        "int": rule_engine.DataType.FLOAT,
        "float": rule_engine.DataType.FLOAT,
        "bool": rule_engine.DataType.BOOLEAN,
        "str": rule_engine.DataType.STRING,
    }
    types = {symbol: re_types[fact.type] for symbol, fact in SYMBOLS.items()}
    return rule_engine.Context(
        type_resolver=rule_engine.type_resolver_from_dict(types),
        resolver=_resolve,
    )


@functools.lru_cache(maxsize=1024)
def compile_expr(text: str) -> rule_engine.Rule:
    """Compile ``text`` with the typed fact context; ``ValueError`` with a clear message."""
    import rule_engine

    if not text.strip():
        raise ValueError("the expression is empty")
    too_much = expression_text_problem(text)
    if too_much is not None:
        raise ValueError(too_much)
    try:
        rule = rule_engine.Rule(text, context=_context())
    except RecursionError:
        raise ValueError("the expression is nested too deeply") from None
    except rule_engine.errors.SymbolResolutionError as exc:
        symbol = str(getattr(exc, "symbol_name", "") or exc)
        raise ValueError(
            f"unknown fact '{symbol}' in expression{suggest_fact(symbol, symbols=True)}"
            " (in expressions fact names use underscores: members_count)"
        ) from None
    except rule_engine.errors.RuleSyntaxError as exc:
        raise ValueError(f"expression syntax error: {exc.message}") from None
    except rule_engine.errors.EngineError as exc:
        message = getattr(exc, "message", None) or str(exc)
        raise ValueError(f"invalid expression: {message}") from None
    result = rule.statement.expression.result_type
    if not rule_engine.DataType.is_compatible(result, rule_engine.DataType.BOOLEAN):
        kind = {"FLOAT": "a number", "STRING": "text"}.get(result.name, result.name.lower())
        raise ValueError(
            f"the expression gives {kind}, not true or false; compare it, e.g. 'members_count >= 3'"
        )
    regex = rule_regex_problems(rule)
    if regex:
        raise ValueError("; ".join(regex))
    return rule


def _symbols_in(text: str) -> list[str]:
    return [s for s in SYMBOLS if s in text]


class FactCond(_Node):
    """``{fact: NAME, op: OP, value: V}``."""

    fact: FactName
    op: Op
    value: Any = None

    @field_validator("value")
    @classmethod
    def _types(cls, v: Any, info: ValidationInfo) -> Any:
        if "fact" in info.data and "op" in info.data:
            check_fact_value(info.data["fact"], info.data["op"], v)
        return v

    @model_validator(mode="after")
    def _needs_value(self) -> FactCond:
        if "value" not in self.model_fields_set:
            raise ValueError(MISSING_VALUE)
        return self


MISSING_VALUE = "a fact condition needs value: (write value: null to test for an unknown fact)"


def check_fact_value(name: str, op: str, v: Any) -> None:
    """Raise ``ValueError`` when ``value`` cannot be compared with fact ``name`` by ``op``."""
    fact = FACTS[name]
    where = f"for fact {name} ({fact.type})"
    if op in ("in", "not_in"):
        if not isinstance(v, list):
            raise ValueError(f"op '{op}' needs a list value {where}")
        for item in v:
            _check_scalar(fact.type, item, where, fact.choices)
        return
    if op == "contains":
        raise ValueError(
            f"op 'contains' does not apply to fact {name} ({fact.type}); "
            "use 'in' to test a fact against a list of values"
        )
    if v is None:
        if op not in ("==", "!="):
            raise ValueError(f"op '{op}' needs a value other than null {where}")
        return
    if op in _ORDER_OPS and fact.type in ("bool", "str"):
        raise ValueError(f"op '{op}' does not apply to a {fact.type} fact ({name})")
    _check_scalar(fact.type, v, where, fact.choices)


def _check_scalar(ftype: str, v: Any, where: str, choices: tuple[str, ...]) -> None:
    if ftype in ("int", "float"):
        if isinstance(v, bool) or not isinstance(v, int | float):
            raise ValueError(f"value {v!r} must be a number {where}")
        if isinstance(v, float) and not math.isfinite(v):
            shown = ".nan" if v != v else (".inf" if v > 0 else "-.inf")
            raise ValueError(f"value {shown} must be a finite number {where}")
    elif ftype == "bool":
        if not isinstance(v, bool):
            raise ValueError(f"value {v!r} must be true or false {where}")
    elif ftype == "str":
        if not isinstance(v, str):
            raise ValueError(f"value {v!r} must be text {where}")
        if choices and v not in choices:
            close = suggest(v, choices)
            hint = f"; did you mean '{close}'?" if close else f"; one of: {', '.join(choices)}"
            raise ValueError(f"value '{v}' is not a possible value {where}{hint}")


def _check_expr(text: str) -> str:
    compile_expr(text)
    return text


class ExprCond(_Node):
    """``{expr: "members_count >= 3"}``: a rule-engine expression over the facts."""

    expr: Annotated[str, AfterValidator(_check_expr)]


class AllCond(_Node):
    all: list[Condition] = Field(min_length=1)


class AnyCond(_Node):
    any: list[Condition] = Field(min_length=1)


class NotCond(_Node):
    not_: Condition = Field(alias="not")


FORMS: tuple[str, ...] = ("all", "any", "not", "expr", "fact")


def _tag(v: Any) -> str | None:
    if isinstance(v, dict):
        for key in FORMS:
            if key in v:
                return key
        return None
    for cls, name in _CLASS_TAGS:
        if isinstance(v, cls):
            return name
    return None


_CLASS_TAGS: tuple[tuple[type[_Node], str], ...] = ()

Condition = Annotated[
    Annotated[AllCond, Tag("all")]
    | Annotated[AnyCond, Tag("any")]
    | Annotated[NotCond, Tag("not")]
    | Annotated[ExprCond, Tag("expr")]
    | Annotated[FactCond, Tag("fact")],
    Discriminator(
        _tag,
        custom_error_type="condition",
        custom_error_message=(
            "a condition is a mapping with one of: all, any, not, fact (with op and value), expr"
        ),
    ),
]

_CLASS_TAGS = (
    (AllCond, "all"),
    (AnyCond, "any"),
    (NotCond, "not"),
    (ExprCond, "expr"),
    (FactCond, "fact"),
)

AllCond.model_rebuild()
AnyCond.model_rebuild()
NotCond.model_rebuild()


# ---------------------------------------------------------------------------------------------
# Evaluation (three-valued: True, False, None = unknown)
# ---------------------------------------------------------------------------------------------
def _compare(op: str, actual: Any, value: Any) -> bool | None:
    if op in ("in", "not_in"):
        if actual is None:
            return None
        inside = actual in value
        return inside if op == "in" else not inside
    if value is None:
        return (actual is None) if op == "==" else (actual is not None)
    if actual is None:
        return None
    if op == "==":
        return bool(actual == value)
    if op == "!=":
        return bool(actual != value)
    if op == "<":
        return bool(actual < value)
    if op == "<=":
        return bool(actual <= value)
    if op == ">":
        return bool(actual > value)
    if op == ">=":
        return bool(actual >= value)
    if op == "contains":
        return bool(value in actual)
    raise ValueError(f"unknown op {op!r}")


def evaluate(cond: Any, facts: FactValues) -> bool | None:
    """Evaluate a validated condition node (or the ``condition`` checker's params)."""
    if isinstance(cond, FactCond):
        return _compare(cond.op, facts.get(cond.fact), cond.value)
    if isinstance(cond, AllCond):
        return _all(cond.all, facts)
    if isinstance(cond, AnyCond):
        return _any(cond.any, facts)
    if isinstance(cond, NotCond):
        inner = evaluate(cond.not_, facts)
        return None if inner is None else not inner
    if isinstance(cond, ExprCond):
        return _expr(cond.expr, facts)
    root = getattr(cond, "root_condition", None)
    if root is not None:
        return evaluate(root(), facts)
    raise TypeError(f"not a condition: {type(cond).__name__}")


def _all(items: Sequence[Any], facts: FactValues) -> bool | None:
    unknown = False
    for item in items:
        r = evaluate(item, facts)
        if r is False:
            return False
        if r is None:
            unknown = True
    return None if unknown else True


def _any(items: Sequence[Any], facts: FactValues) -> bool | None:
    unknown = False
    for item in items:
        r = evaluate(item, facts)
        if r is True:
            return True
        if r is None:
            unknown = True
    return None if unknown else False


def _expr(text: str, facts: FactValues) -> bool | None:
    import rule_engine

    rule = compile_expr(text)
    # an expression reading an unknown fact is unknown (rule-engine would raise a type error)
    for symbol in _symbols_in(text):
        if facts.by_symbol(symbol) is None and _mentions(text, symbol):
            return None
    try:
        return bool(rule.matches(facts))
    except rule_engine.errors.ArithmeticError as exc:
        # x / 0, x % 0, an overflow: an error of the criterion, not missing data
        raise CheckError(f"expression {text!r}: {exc.message or 'arithmetic error'}") from None
    except RecursionError:
        raise CheckError(f"expression {text!r} is nested too deeply") from None
    except rule_engine.errors.EvaluationError:
        return None


def _mentions(text: str, symbol: str) -> bool:
    import re

    return re.search(rf"(?<![A-Za-z0-9_]){re.escape(symbol)}(?![A-Za-z0-9_])", text) is not None


def describe(cond: Any) -> str:
    """A short text of a condition, e.g. ``members.count >= 3 and not (...)``."""
    if isinstance(cond, FactCond):
        return f"{cond.fact} {cond.op} {_show(cond.value)}"
    if isinstance(cond, AllCond):
        return " and ".join(_paren(c) for c in cond.all)
    if isinstance(cond, AnyCond):
        return " or ".join(_paren(c) for c in cond.any)
    if isinstance(cond, NotCond):
        return f"not {_paren(cond.not_)}"
    if isinstance(cond, ExprCond):
        return cond.expr
    root = getattr(cond, "root_condition", None)
    if root is not None:
        return describe(root())
    return str(cond)


def _paren(cond: Any) -> str:
    text = describe(cond)
    return f"({text})" if isinstance(cond, AllCond | AnyCond) and " " in text else text


def _show(v: Any) -> str:
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "true" if v else "false"
    return repr(v) if isinstance(v, str) else str(v)

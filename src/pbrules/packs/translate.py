"""Pydantic errors on a pack translated into located, specific problems (``PATH:LINE:COL``),
with "did you mean" for unknown keys and enum values.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel, ValidationError

from pbrules.errors import Problem, did_you_mean
from pbrules.model.fields import models_in
from pbrules.model.snapshot import Snapshot
from pbrules.packs._yaml import YMap, YSeq, locate
from pbrules.packs.merge import id_of
from pbrules.packs.v2_checks import placement_hint, spelling_hint

__all__ = ["pydantic_problems"]


def _walk(doc: Any, loc: Sequence[Any]) -> list[Any]:
    """The parts of ``loc`` that name keys or indexes in ``doc`` (skipping union tags)."""
    current = doc
    out: list[Any] = []
    for i, part in enumerate(loc):
        if isinstance(current, YMap):
            if (
                part in current
                and i < len(loc) - 1
                and not isinstance(current[part], YMap | YSeq)
                and loc[i + 1] in current
            ):
                continue  # a union tag that equals a key
            match = (
                part if part in current else next((k for k in current if str(k) == str(part)), None)
            )
            if match is not None or part in current:
                out.append(part)
                current = current[match if match is not None else part]
        elif isinstance(current, YSeq) and isinstance(part, int) and 0 <= part < len(current):
            out.append(part)
            current = current[part]
    return out


def _human(doc: YMap, parts: Sequence[Any]) -> str:
    """``criterion S02: scoring.mode`` for a location path in ``doc``."""
    text = ""
    start = 0
    if len(parts) >= 2 and parts[0] == "criteria" and isinstance(parts[1], int):
        crit = doc.get("criteria")
        ident = id_of(crit[parts[1]]) if isinstance(crit, YSeq) else None
        text = f"criterion {ident}" if ident is not None else f"criteria[{parts[1]}]"
        start = 2
    elif len(parts) >= 2 and parts[0] in ("areas", "groups") and isinstance(parts[1], int):
        seq = doc.get(parts[0])
        ident = id_of(seq[parts[1]]) if isinstance(seq, YSeq) else None
        what = "area" if parts[0] == "areas" else "group"
        text = f"{what} {ident}" if ident is not None else f"{parts[0]}[{parts[1]}]"
        start = 2
    rest = ""
    for part in parts[start:]:
        rest += f"[{part}]" if isinstance(part, int) else (f".{part}" if rest else str(part))
    if text and rest:
        return f"{text}: {rest}"
    return text or rest


def _keys_of(models: Sequence[type[BaseModel]]) -> list[str]:
    keys: list[str] = []
    for m in models:
        for name, field in m.model_fields.items():
            key = field.alias or name
            if key not in keys:
                keys.append(key)
    return keys


def _models_at(model: type[BaseModel], loc: Sequence[Any]) -> list[type[BaseModel]]:
    """The models a value at ``loc`` of ``model`` may be (``model`` itself for the top)."""
    current: list[type[BaseModel]] = [model]
    for part in loc:
        if isinstance(part, int):
            continue
        nxt: list[type[BaseModel]] = []
        for m in current:
            for name, field in m.model_fields.items():
                if part in (name, field.alias):
                    nxt.extend(models_in(field.annotation))
        if nxt:
            current = nxt
    return current


_QUOTED = re.compile(r"'([^']*)'")


def _place(loc: Sequence[Any]) -> str:
    """``("criteria", 3, "scoring")`` -> ``"criteria[].scoring"`` (as placement hints name it)."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += "[]"
        else:
            out = f"{out}.{part}" if out else str(part)
    return out or "the top level"


def pydantic_problems(
    exc: ValidationError,
    doc: YMap,
    prefix: tuple[Any, ...],
    model: type[BaseModel],
    base: Any = None,
) -> list[Problem]:
    """One specific problem per pydantic error, at the position of the key or value."""
    problems: list[Problem] = []
    seen: set[tuple[Any, ...]] = set()
    root = base if base is not None else doc
    errors = exc.errors(include_url=False)
    # several missing keys of one mapping make one problem: "missing required keys 'a', 'b'"
    missing: dict[tuple[Any, ...], list[str]] = {}
    for err in errors:
        if err["type"] == "missing":
            missing.setdefault(tuple(err["loc"][:-1]), []).append(str(err["loc"][-1]))
    for err in errors:
        loc = tuple(err["loc"])
        parts = _walk(root, loc)
        etype = err["type"]
        if etype == "missing" and len(missing.get(loc[:-1], ())) > 1:
            ppos = locate(root, loc) or doc.pos
            where = _human(doc, [*prefix, *parts])
            keys = ", ".join(f"'{k}'" for k in missing[loc[:-1]])
            message = f"{where + ': ' if where else ''}missing required keys {keys}"
        elif etype == "extra_forbidden":
            key = loc[-1]
            ppos = locate(root, loc, key=True) or doc.pos
            where = _human(doc, [*prefix, *_walk(root, loc[:-1])])
            models = _models_at(model, loc[:-1])
            allowed = _keys_of(models)
            # inside a snapshot's records (a pack test's case) the pack's keys are no hint
            in_snapshot = all(m.__module__ == Snapshot.__module__ for m in models)
            here = None if in_snapshot else _place(loc[:-1])
            hint = (here and placement_hint(key, here)) or spelling_hint(key, allowed, here)
            hint = hint or _one_of(allowed)
            message = f"unknown key '{key}'{hint}"
            if where:
                message = f"{where}: {message}"
        else:
            ppos = locate(root, loc) or doc.pos
            where = _human(doc, [*prefix, *parts])
            message = _specific(err, loc, parts, where, model)
        mark = (ppos.path, ppos.line, ppos.col)
        if mark in seen:
            continue
        seen.add(mark)
        problems.append(ppos.problem(message))
    return problems


def _one_of(allowed: Sequence[str]) -> str:
    """``"; expected one of a, b, c"``: the keys taken there, when there are not too many."""
    return f"; expected one of {', '.join(allowed)}" if 0 < len(allowed) <= 30 else ""


def _specific(err: Any, loc: tuple[Any, ...], parts: list[Any], where: str, model: Any) -> str:
    etype = err["type"]
    value = err.get("input")
    ctx = err.get("ctx") or {}
    msg = str(err.get("msg", "invalid value"))
    label = f"{where}: " if where else ""
    if etype == "missing":
        field = loc[-1]
        return f"{label}missing required key '{field}'"
    if etype in ("enum", "literal_error"):
        choices = _QUOTED.findall(str(ctx.get("expected", "")))
        hint = did_you_mean(value, choices)
        if not hint and choices:
            hint = f"; expected one of: {', '.join(choices)}"
        return f"{label}invalid value {value!r}{hint}"
    if etype == "string_type":
        if isinstance(value, bool | int | float):
            return f'{label}expected text, got {value!r}; put it in quotes: "{value}"'
        return f"{label}expected text, got {_kind(value)}"
    if etype == "finite_number":
        return f"{label}must be a finite number (got {_finite_input(value)})"
    if etype in ("int_type", "int_parsing", "float_type", "float_parsing", "int_from_float"):
        return f"{label}expected a number, got {value!r}"
    if etype in ("bool_type", "bool_parsing"):
        return f"{label}expected true or false, got {value!r}"
    if etype in ("list_type", "tuple_type"):
        return f"{label}expected a list, got {_kind(value)}"
    if etype in ("dict_type", "model_type", "model_attributes_type"):
        return f"{label}expected a mapping (key: value), got {_kind(value)}"
    if etype == "greater_than":
        return f"{label}must be greater than {_num(ctx.get('gt'))} (got {value!r})"
    if etype == "greater_than_equal":
        return f"{label}must be at least {_num(ctx.get('ge'))} (got {value!r})"
    if etype == "less_than_equal":
        return f"{label}must be at most {_num(ctx.get('le'))} (got {value!r})"
    if etype == "string_pattern_mismatch":
        return (
            f"{label}{value!r} is not a valid identifier (start with a letter; then letters, "
            "digits, _ . -)"
        )
    if etype == "too_short":
        return f"{label}must not be empty"
    if etype == "value_error":
        msg = msg.removeprefix("Value error, ")
    return f"{label}{msg}"


def _finite_input(value: Any) -> str:
    """A non-finite input as the pack spells it (``1e400`` is read as a string, then overflows)."""
    if isinstance(value, float):
        if value != value:
            return ".nan"
        return ".inf" if value > 0 else "-.inf"
    return str(value)


def _num(value: Any) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def _kind(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        return f"the number {value!r}"
    return f"{value!r}"

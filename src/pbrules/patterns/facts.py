"""A snapshot's records as pattern facts: one encoding both backends read.

A fact is a mapping ``field -> value`` where dates are day numbers (``date.toordinal()``),
booleans are 0/1, texts and months stay texts, numbers stay numbers and unknown values are
``None``; list-valued fields are left out. Records of ``extensions.<plugin>.<list>`` are read
as the plugin's raw JSON: a text ``YYYY-MM-DD`` there counts as a date.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from enum import Enum
from typing import Any

from pydantic import BaseModel

from pbrules.model.period import Period, month_of
from pbrules.model.snapshot import Snapshot
from pbrules.patterns.plan import Plan

__all__ = ["OrgFacts", "encode_value", "org_facts", "plan_fields"]

Fact = dict[str, Any]


@dataclass(frozen=True, slots=True)
class OrgFacts:
    """One organization's facts: the window bounds and the encoded records of each list."""

    key: str
    ctx: dict[str, Any]
    lists: dict[str, list[Fact]]
    labels: dict[str, list[str]]


def encode_value(value: Any, *, raw: bool = False) -> Any:
    """The fact encoding of one value (``raw``: a value from an extension's JSON)."""
    if isinstance(value, Enum):
        value = value.value
    if value is None or (isinstance(value, str | int | float) and not isinstance(value, bool)):
        if raw and isinstance(value, str) and len(value) == 10:
            try:
                return date.fromisoformat(value).toordinal()
            except ValueError:
                return value
        if isinstance(value, str):
            return str(value)
        if isinstance(value, float) and not math.isfinite(value):  # NaN, infinities: unknown
            return None
        return value
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, date):
        return value.toordinal()
    return None


def _label(of: str, fact: Fact, i: int) -> str:
    for key in ("id", "person_id"):
        value = fact.get(key)
        if isinstance(value, str):
            return value
    if of == "dues" and isinstance(fact.get("member_id"), str):
        return f"{fact['member_id']}/{fact.get('month')}"
    return f"{of}[{i}]"


_LABEL_KEYS = frozenset({"id", "person_id", "member_id", "month"})


def _model_records(records: Iterable[BaseModel], fields: frozenset[str] | None) -> list[Fact]:
    out: list[Fact] = []
    for rec in records:
        values = rec.__dict__
        names = values if fields is None else (f for f in fields if f in values)
        out.append(
            {
                name: encode_value(values[name])
                for name in names
                if not isinstance(values[name], tuple | list | dict)
            }
        )
    return out


def plan_fields(plans: Iterable[Plan]) -> dict[str, frozenset[str]]:
    """Per record list, the fields the plans read (and those naming a record)."""
    found: dict[str, set[str]] = {}
    for plan in plans:
        for e in plan.elements:
            found.setdefault(e.of, set(_LABEL_KEYS))
        for e in plan.elements:
            for atom in (*e.atoms, *(a for g in e.anys for alt in g for a in alt)):
                found[e.of].add(atom.field)
                op = atom.operand
                if op is not None and op.kind == "ref":
                    found[plan.elements[op.element].of].add(op.field)
        found[plan.elements[plan.subject_element].of].add(plan.subject_field)
    return {of: frozenset(v) for of, v in found.items()}


def _extension_records(snapshot: Snapshot, of: str) -> list[Fact]:
    _, plugin, name = of.split(".", 2)
    data = snapshot.extensions.get(plugin)
    items = data.get(name) if isinstance(data, Mapping) else None
    if not isinstance(items, list | tuple):
        return []
    out: list[Fact] = []
    for item in items:
        if isinstance(item, Mapping):
            out.append({str(k): encode_value(v, raw=True) for k, v in item.items()})
    return out


def window(period: Period, as_of: date) -> dict[str, Any]:
    """The window bounds a pattern compares with: the period up to ``as_of``."""
    last = min(period.end, as_of)
    return {
        "ps": period.start.toordinal(),
        "pe": last.toordinal(),
        "pms": month_of(period.start),
        "pme": month_of(last),
        "asof": as_of.toordinal(),
    }


def org_facts(
    snapshot: Snapshot,
    period: Period,
    as_of: date,
    lists: Iterable[str],
    fields: Mapping[str, frozenset[str]] | None = None,
) -> OrgFacts:
    """The facts of the record lists ``lists`` of one snapshot (only ``fields`` of each list
    when given: see :func:`plan_fields`)."""
    facts: dict[str, list[Fact]] = {}
    labels: dict[str, list[str]] = {}
    for of in dict.fromkeys(lists):
        if of.startswith("extensions."):
            recs = _extension_records(snapshot, of)
        else:
            recs = _model_records(getattr(snapshot, of), fields.get(of) if fields else None)
        facts[of] = recs
        labels[of] = [_label(of, f, i) for i, f in enumerate(recs)]
    return OrgFacts(snapshot.organization.id, window(period, as_of), facts, labels)

"""Finding message templates: named fields only, validated at load time.

A template is a ``str.format`` string whose fields come from a fixed list (:data:`FIELDS`).
Attribute access is allowed only for the documented dotted names (``{org.name}``), never indexing
or arbitrary attributes, so a pack cannot reach into Python objects. Format specs such as
``{compliance:.0%}`` are allowed, with a width and a precision bounded by
:mod:`pbrules.packs.limits`.
"""

from __future__ import annotations

import functools
import string
from collections.abc import Mapping
from typing import Any

from pbrules.errors import suggest
from pbrules.packs.limits import format_spec_problem

__all__ = ["FIELDS", "render_message", "template_errors"]

#: Every field a message template may use, with its meaning.
FIELDS: dict[str, str] = {
    "org.id": "organization id",
    "org.name": "organization name",
    "org.kind": "organization kind",
    "org.category": "organization category",
    "criterion.id": "criterion id",
    "criterion.title": "criterion title",
    "period": "evaluated period, e.g. 2026Q3",
    "as_of": "evaluation date",
    "actual": "what was found (checker-specific)",
    "expected": "what was required (checker-specific)",
    "misses": "number of missed requirements",
    "compliance": "compliance in [0, 1]",
    "note": "the checker's explanation, e.g. 'missing data: ...'",
    "subject.type": "subject type of a per-subject finding (member, case...)",
    "subject.id": "subject id of a per-subject finding",
    "detail": "the checker's message for a per-subject finding",
    "points": "criterion points",
    "points_lost": "points lost",
}

_formatter = string.Formatter()


def _fields(template: str) -> list[tuple[str, str]]:
    """(field name, format spec) pairs; raises ValueError on a malformed template."""
    out: list[tuple[str, str]] = []
    for _literal, name, spec, conversion in _formatter.parse(template):
        if name is None:
            continue
        if conversion:
            raise ValueError(f"conversion '!{conversion}' is not allowed in {{{name}}}")
        out.append((name, spec or ""))
    return out


def template_errors(template: str) -> list[str]:
    """Problems with a template (empty when valid), each with a suggestion where one fits."""
    try:
        fields = _fields(template)
    except ValueError as exc:
        return [f"malformed message template: {exc}"]
    problems = []
    for name, spec in fields:
        if name == "" or name.isdigit():
            problems.append("message template fields must be named, e.g. {org.name}")
        elif name not in FIELDS:
            close = suggest(name, FIELDS)
            hint = f"; did you mean {{{close}}}?" if close else ""
            problems.append(f"unknown field {{{name}}} in message template{hint}")
        elif "{" in spec:
            problems.append(f"nested fields are not allowed in {{{name}:{spec}}}")
        elif (problem := format_spec_problem(spec)) is not None:
            problems.append(f"{problem} in {{{name}:{spec[:40]}}}")
    return problems


def render_message(template: str, values: Mapping[str, Any]) -> str:
    """Render a validated template with ``values`` keyed by the dotted names of :data:`FIELDS`.

    A value that is missing renders as ``?``; a format spec that does not fit the value falls back
    to plain ``str``. Rendering never raises for a template that passed :func:`template_errors`.
    """
    parts: list[str] = []
    for literal, name, spec in _parsed(template):
        parts.append(literal)
        if name is None:
            continue
        value = values.get(name)
        if value is None:
            parts.append("?")
            continue
        try:
            parts.append(format(value, spec))
        except (ValueError, TypeError):
            parts.append(str(value))
    return "".join(parts)


@functools.lru_cache(maxsize=1024)
def _parsed(template: str) -> tuple[tuple[str, str | None, str], ...]:
    """A template cut into ``(literal, field name, format spec)`` parts, once per template (a
    pack has a few dozen; every finding renders one or two). A spec that does not pass
    :func:`format_spec_problem` is dropped (a template that skipped :func:`template_errors`:
    never build a huge string)."""
    return tuple(
        (literal, name, spec if spec and format_spec_problem(spec) is None else "")
        for literal, name, spec, _conv in _formatter.parse(template)
    )

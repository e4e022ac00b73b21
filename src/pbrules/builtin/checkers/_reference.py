"""The checker reference (``docs/checkers.md``), generated from the checkers themselves.

Each checker's class docstring gives the summary, the explanation, the monotone direction and a
YAML example; its ``Params`` model gives the parameter table (type, default, description). A test
checks that the committed ``docs/checkers.md`` equals :func:`checker_reference`, so the
reference cannot drift from the code. Regenerate it with::

    python -m pbrules.builtin.checkers._reference docs/checkers.md
"""

from __future__ import annotations

import enum
import inspect
import json
import re
import sys
import types
import typing
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from pbrules.checker import Checker
from pbrules.model.fields import FieldSpec, field_specs

__all__ = ["CheckerDoc", "checker_reference", "describe", "main", "type_name"]

_INTRO = """\
# Built-in checkers

<!-- Generated from the checkers' docstrings and Params models by
     pbrules.builtin.checkers._reference; do not edit by hand. Regenerate with
     `python -m pbrules.builtin.checkers._reference docs/checkers.md`. -->

A criterion names its checker in `check:` and gives the checker's parameters in `params:`;
`params` are validated against the checker's model when the pack is loaded, so a misspelled or
mistyped parameter is an error with its line and column. Every threshold is a parameter.

Common conventions (see also [the criteria page](criteria.md)):

- **Dates.** `as_of` is the snapshot's `as_of`, or the last day of the period. Records dated
  after `as_of` are not evidence of anything yet.
- **Calendar windows** (`per: month | quarter | half | year | period`). A requirement repeats in
  each calendar window that makes up or overlaps the period. A window is *required* when it has
  ended by `as_of` and the organization existed on its first day (`founded_on` empty or on or
  before it); a window not yet required still counts once it is satisfied. So an organization
  founded on 15 August owes September's meeting but not July's or August's, and an evaluation on
  20 August does not count August as missed.
- **Months and years** are added as calendar months with month-end clamping: one year after
  2024-02-29 is 2025-02-28; three months after 2026-03-31 is 2026-06-30.
- **Current posts** have `appointed_on <= as_of` and no `left_on` (or `left_on > as_of`);
  **full members** have status `full` and no `left_on <= as_of`.
- **Missing facts** never pass: a checker that lacks the facts it needs says *not applicable*
  when there is nothing to judge, or fails with a note starting `missing data:`.
- **Monotone.** Each checker states the direction in which it is monotone: adding the record it
  names never lowers compliance and never adds a miss. Property tests hold every statement.
- **Generic checkers** (`measure`, `checklist`, DESIGN §12.3) read any record list named in
  `of`. Their edge rules:
  - `age` is whole years at `as_of`: on the birthday itself the new age counts (a 29 February
    birthday is reached on 1 March in a common year); `tenure_years` likewise from
    `appointed_on` (members `joined_on`, reserve cadres `identified_on`).
  - `current: true` keeps records held at `as_of`: started on or before it (unknown start
    counts) and not ended by it. A post left the day before `as_of` or on `as_of` is not
    current; one left the day after is. Start/end: posts `appointed_on`/`left_on`, members
    `joined_on`/`left_on`, bodies `established_on`/`dissolved_on`, facilities
    `opened_on`/`closed_on`; other lists their main date.
  - `two_committees` is the current posts of `committee` and `village_committee` together, one
    row per distinct `person_id` (a secretary who is also the villagers' committee director
    counts once); a field the party-committee post gives wins, one it leaves null comes from the
    villagers' committee post, then (person fields) from the member record. It adds
    `committee_role` and `village_role` (`none` when the person holds no post there) and
    `on_both`.
  - In `where`, `field: value` is equality, `field: [a, b]` membership, `field: {">=": x}` a
    comparison (`==`, `!=`, `>`, `>=`, `<`, `<=`, `in`, `not_in`); a list-valued field
    (`tags`) compared with one value means "contains". A record whose field is null is unknown:
    neither matched nor in a share's denominator (compare with `null` to ask for null). Values of
    an enumerated field (gender, education, role...) must be among its values (a misspelling is
    a load-time error with a "did you mean"); `education` compares on its scale, lowest first
    (`{education: {">=": associate}}` is associate or higher); dates compare as dates.
  - `shortfall / unit` is rounded to 9 decimal places before `ceil`, so 0.55 - 0.50 with unit
    0.01 is 5 misses, not 6. `share` with no known record, and `avg` / `min` / `max` with no
    value, are unknown: the criterion fails with "missing data", never passes. An empty list
    fails with "missing data" too, unless the criterion says `when_empty: not_applicable`
    (used by baseline criteria, so exports that predate a list are not punished).
- **Evidence** lists the record ids behind the outcome (the misses, or what satisfied a pass);
  **per-subject findings** (a member, a development case, a rectification item...) become
  findings of their own, with `subject` set, so a ledger can track each one.
- **Notes in two languages.** Each checker's section ends with the notes it writes (its
  `notes` catalog, docs/plugins.md): a key, the English text and the Chinese text, with the same
  `{fields}`. Besides these, any checker may write the outcome's own notes
  `outcome.missing_data` ("missing data: {what}" / "数据缺失：{what}") and
  `outcome.nothing_to_count` ("nothing to count" / "无可计数事项"). The result keeps the English
  text in `note`; a v2 pack's result also gives `note_zh` ([result format](result-format.md)),
  which the Chinese review shows.
"""


@dataclass(frozen=True, slots=True)
class CheckerDoc:
    """The parts of a checker docstring."""

    summary: str
    body: str
    monotone: str
    example: str


def _rst_to_md(text: str) -> str:
    return text.replace("``", "`")


def describe(checker: Checker[Any]) -> CheckerDoc:
    """Split a checker's class docstring into summary, body, monotone statement and example."""
    doc = inspect.cleandoc(type(checker).__doc__ or "")
    example = ""
    if "Example::" in doc:
        doc, _, raw = doc.partition("Example::")
        example = inspect.cleandoc(raw)
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", doc.strip()) if p.strip()]
    summary = paragraphs[0] if paragraphs else ""
    monotone = ""
    rest: list[str] = []
    for p in paragraphs[1:]:
        if p.startswith("Monotone:") and not monotone:
            monotone = " ".join(p.removeprefix("Monotone:").split())
        else:
            rest.append(" ".join(p.split()))
    return CheckerDoc(
        summary=_rst_to_md(" ".join(summary.split())),
        body=_rst_to_md("\n\n".join(rest)),
        monotone=_rst_to_md(monotone),
        example=example,
    )


def type_name(annotation: Any) -> str:
    """A short, reader-facing name of a parameter type."""
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if annotation is type(None):
        return "null"
    if origin is typing.Literal:
        return " | ".join(str(a) for a in args)
    if origin in (typing.Union, types.UnionType):
        return " or ".join(type_name(a) for a in args)
    if origin in (list, tuple, Sequence):
        return f"list of {type_name(args[0])}" if args else "list"
    if origin is dict:
        return f"map {type_name(args[0])} → {type_name(args[1])}" if args else "map"
    if origin is typing.Annotated:
        return type_name(args[0])
    if isinstance(annotation, type):
        if issubclass(annotation, enum.Enum):
            return " | ".join(str(m.value) for m in annotation)
        if issubclass(annotation, BaseModel):
            fields = ", ".join(f.alias or n for n, f in annotation.model_fields.items())
            return f"{{{fields}}}"
        return {bool: "boolean", int: "integer", float: "number", str: "text"}.get(
            annotation, annotation.__name__
        )
    if annotation is Any:
        return "any value"
    return str(annotation)


def _plain(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return {k: _plain(v) for k, v in value.model_dump(exclude_defaults=False).items()}
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, dict):
        return {_plain(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, float):
        return round(value, 4)
    return value


def _default(field: FieldSpec) -> str:
    if field.required:
        return "*required*"
    text = json.dumps(_plain(field.default), ensure_ascii=False, separators=(", ", ": "))
    return f"`{text}`"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _section(checker: Checker[Any]) -> str:
    doc = describe(checker)
    lines = [f"## `{checker.name}`", "", doc.summary, ""]
    phase = checker.phase
    if phase != "record":
        lines += [f"*Phase:* `{phase}`.", ""]
    if doc.body:
        lines += [doc.body, ""]
    if doc.monotone:
        lines += [f"**Monotone:** {doc.monotone}", ""]
    fields = field_specs(checker.Params)
    if fields:
        lines += ["| parameter | type | default | meaning |", "|---|---|---|---|"]
        for field in fields:
            lines.append(
                f"| `{field.key}` | {_cell(type_name(field.annotation))} "
                f"| {_cell(_default(field))} | {_cell(field.description)} |"
            )
        lines.append("")
    else:
        lines += ["No parameters.", ""]
    if doc.example:
        lines += ["```yaml", doc.example, "```", ""]
    lines += _notes_table(checker)
    return "\n".join(lines)


def _notes_table(checker: Checker[Any]) -> list[str]:
    """The notes the checker writes, in English and Chinese (a ``{field}`` is filled in)."""
    notes = getattr(checker, "notes", ())
    if not notes:
        return []
    lines = ["| note | English | 中文 |", "|---|---|---|"]
    for note in notes:
        lines.append(f"| `{note.key}` | {_cell(note.en)} | {_cell(note.zh)} |")
    return [*lines, ""]


def checker_reference(checkers: Iterable[Checker[Any]] | None = None) -> str:
    """The Markdown reference of ``checkers`` (default: every built-in checker), by name."""
    if checkers is None:
        from pbrules.builtin.checkers import builtin_checkers

        checkers = builtin_checkers()
    ordered = sorted(checkers, key=lambda c: c.name)
    index = ["| checker | what it checks |", "|---|---|"]
    for c in ordered:
        anchor = re.sub(r"[^a-z0-9_-]", "", c.name.lower())
        index.append(f"| [`{c.name}`](#{anchor}) | {_cell(describe(c).summary)} |")
    parts = [_INTRO, "\n".join(index), ""]
    parts += [_section(c) for c in ordered]
    return "\n".join(parts).rstrip() + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    """Write the reference to the path given (or stdout)."""
    args = list(sys.argv[1:] if argv is None else argv)
    text = checker_reference()
    if args:
        Path(args[0]).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Generate docs/snapshot.md (and the snapshot JSON Schema) from the model.

``python -m pbrules._docgen`` rewrites docs/snapshot.md and docs/schema/snapshot.schema.json; a test
fails when either is out of date, so the reference never drifts from the code.
"""

from __future__ import annotations

import json
import sys
import types
import typing
from datetime import date
from enum import Enum
from pathlib import Path
from typing import Any

import annotated_types
from pydantic import BaseModel
from pydantic.fields import FieldInfo

from pbrules.model import snapshot as snapshot_module
from pbrules.model.fields import field_specs, leaves
from pbrules.model.period import MONTH_PATTERN, Period
from pbrules.model.snapshot import Snapshot

__all__ = ["main", "snapshot_reference", "snapshot_schema_text"]

_INTRO = """\
# Snapshot model reference

A *snapshot* is one organization's records for one period: the unit pbrules evaluates. A
dataset is many snapshots (see [data preparation](data-preparation.md)). This page is generated
from the model in `src/pbrules/model/snapshot.py` by `python -m pbrules._docgen`; the JSON Schema
is [schema/snapshot.schema.json](schema/snapshot.schema.json) (also printed by
`pbrules schema snapshot`).

Rules that hold everywhere:

- **Unknown keys are errors** at every level, so a typo never passes silently. Plugin data goes
  under `extensions.<name>` and is checked against the model that plugin registers.
- **Only a few fields are required**: `period`, `organization.id`, `organization.name`,
  `organization.kind`, and in each record its id, its subject and its main date. Everything else
  may be missing or `null` (unknown), and every record list defaults to empty. Criteria whose
  facts are missing say `not_applicable` or fail with a "missing data" message; they never guess.
- **Dates** are `YYYY-MM-DD`, **months** `YYYY-MM`, **periods** `2026Q3`, `2026-07`, `2026H2` or
  `2026`.
- **Records outside the period are kept**: criteria look back (terms, development timelines,
  dues arrears, 24-month pipelines).
- **Ids are unique within their list** (members, meetings, visits...), dues rows are unique per
  member and month, and references must resolve: dues rows and party-group leaders name listed
  members, members and meetings name listed party groups. A committee post may name a person who
  is not on the member list (a first secretary sent from another unit).
- **Dates are ordered** where order is implied: `converted_on >= joined_on`,
  `left_on >= appointed_on`, `talked_on >= applied_on`, `approved_on >= accepted_on`,
  `due_on >= opened_on`, `end_on >= start_on`, `as_of >= ` the period start.

- **v2 fields** (DESIGN §12.1) are optional everywhere, so every v1 snapshot stays valid: the
  person fields `gender`, `birth_date`, `education`, `occupation` and `tags` on every person record
  (members, committee, village_committee, development, reserve_cadres), the member's `post`
  (设岗定责), and the lists `village_committee`, `reserve_cadres`, `bodies`, `documents`,
  `facilities`, `feedback` and `campaigns`. The `kind` of bodies, documents, facilities and
  campaigns, and `tags`, are free ids a district names itself. A document needs `issued_on` or
  `year`; campaign step names are unique within their campaign.
- **Derived values are never stored**: `age` is whole years from `birth_date` to `as_of` (the
  birthday itself counts; a 29 February birthday is reached on 1 March in a common year) and
  `tenure_years` whole years from `appointed_on` by the same rule (`pbrules.model.derived`).

In the tables, *required* fields have no default; a type followed by `| null` may be omitted.
"""

_MODELS: tuple[type[BaseModel], ...] = (
    Snapshot,
    snapshot_module.Organization,
    snapshot_module.Member,
    snapshot_module.PartyGroup,
    snapshot_module.CommitteePost,
    snapshot_module.Meeting,
    snapshot_module.DuesRow,
    snapshot_module.Disclosure,
    snapshot_module.DevelopmentCase,
    snapshot_module.Training,
    snapshot_module.Visit,
    snapshot_module.Rectification,
    snapshot_module.CoverageUnit,
    snapshot_module.VillageCommitteePost,
    snapshot_module.ReserveCadre,
    snapshot_module.Body,
    snapshot_module.Document,
    snapshot_module.Facility,
    snapshot_module.Feedback,
    snapshot_module.Campaign,
    snapshot_module.CampaignStep,
)


def _anchor(name: str) -> str:
    return name.lower()


def _constraints(metadata: list[Any]) -> list[str]:
    out: list[str] = []
    for item in metadata:
        if isinstance(item, annotated_types.Ge):
            out.append(f">= {item.ge}")
        elif isinstance(item, annotated_types.Le):
            out.append(f"<= {item.le}")
        elif isinstance(item, FieldInfo):
            out.extend(_constraints(list(item.metadata)))
        elif type(item).__name__ == "StringConstraints":
            if getattr(item, "pattern", None) == MONTH_PATTERN:
                continue
            if getattr(item, "max_length", None):
                out.append(f"at most {item.max_length} characters")
    return out


def _type(annotation: Any, metadata: list[Any] | None = None) -> str:
    """A readable type for the reference tables."""
    metadata = list(metadata or [])
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        inner, *extra = typing.get_args(annotation)
        return _type(inner, metadata + list(extra))
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        text = " or ".join(_type(a, metadata) for a in args)
        return f"{text} \\| null" if len(args) < len(typing.get_args(annotation)) else text
    if origin is tuple:
        (item, *_rest) = typing.get_args(annotation)
        return f"list of {_type(item)}"
    if origin is dict:
        return "object"
    constraints = _constraints(metadata)
    suffix = f" ({', '.join(constraints)})" if constraints else ""
    if isinstance(annotation, type):
        if issubclass(annotation, BaseModel):
            return f"[{annotation.__name__}](#{_anchor(annotation.__name__)})"
        if issubclass(annotation, Enum):
            return f"[{annotation.__name__}](#{_anchor(annotation.__name__)})"
        if annotation is Period:
            return "period"
        if annotation is date:
            return "date"
        if annotation is bool:
            return "boolean"
        if annotation is int:
            return "integer" + suffix
        if annotation is float:
            return "number" + suffix
        if annotation is str:
            if any(getattr(m, "pattern", None) == MONTH_PATTERN for m in metadata):
                return "month"
            return "string" + suffix
    return str(annotation)


def _enums() -> list[type[Enum]]:
    seen: dict[str, type[Enum]] = {}

    for model in _MODELS:
        for spec in field_specs(model):
            for leaf in leaves(spec.annotation):
                if isinstance(leaf, type) and issubclass(leaf, Enum):
                    seen.setdefault(leaf.__name__, leaf)
    return list(seen.values())


def _first_line(doc: str | None) -> str:
    return (doc or "").strip().splitlines()[0] if doc else ""


def snapshot_reference() -> str:
    """The text of docs/snapshot.md."""
    parts = [_INTRO]
    for model in _MODELS:
        parts.append(f"\n## {model.__name__}\n\n{_first_line(model.__doc__)}\n")
        parts.append("| field | type | required | notes |\n|---|---|---|---|")
        for spec in field_specs(model):
            required = "yes" if spec.required else ""
            notes = spec.description.replace("|", "\\|")
            if spec.has_factory:
                notes = f"default: empty. {notes}".strip()
            parts.append(
                f"| `{spec.name}` | {_type(spec.annotation, list(spec.metadata))} | {required} | "
                f"{notes} |"
            )
    parts.append("\n## Enumerations\n")
    for enum in _enums():
        values = ", ".join(f"`{m.value}`" for m in enum)
        parts.append(f"### {enum.__name__}\n\n{values}\n")
    return "\n".join(parts).rstrip() + "\n"


def snapshot_schema_text() -> str:
    """The text of docs/schema/snapshot.schema.json (as ``pbrules schema snapshot`` prints it)."""
    from pbrules.schemas import json_schema

    return json.dumps(json_schema("snapshot"), indent=2, ensure_ascii=False, sort_keys=True) + "\n"


def main(argv: list[str] | None = None) -> int:
    root = Path(argv[0]) if argv else Path.cwd()
    docs = root / "docs"
    (docs / "schema").mkdir(parents=True, exist_ok=True)
    (docs / "snapshot.md").write_text(snapshot_reference(), encoding="utf-8", newline="\n")
    (docs / "schema" / "snapshot.schema.json").write_text(
        snapshot_schema_text(), encoding="utf-8", newline="\n"
    )
    print(f"wrote {docs / 'snapshot.md'} and {docs / 'schema' / 'snapshot.schema.json'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))

"""The XLSX dataset reader: a workbook of organizations and their records (one sheet per list).

Organization departments keep their records in spreadsheets. A workbook (``.xlsx``) holds one
dataset:

- a sheet ``organizations`` with one row per organization: the columns ``period``, ``as_of``
  and the organization fields (``id``, ``name``, ``kind``, ``category``, ``parent_id``,
  ``group``, ``founded_on``, ``term_started_on``, ``term_years``, ``weak_lax``);
- one sheet per record list, named as in the snapshot (``members``, ``party_groups``,
  ``committee``, ``meetings``, ``dues``, ``disclosures``, ``development``, ``trainings``,
  ``visits``, ``rectifications``, ``coverage_units``, and the v2 lists ``village_committee``,
  ``reserve_cadres``, ``bodies``, ``documents``, ``facilities``, ``feedback``, ``campaigns``),
  with an ``org_id`` column naming the organization of each row (conventionally the first
  column), then the record's fields;
- a sheet ``campaign_steps`` with one row per campaign step: ``org_id``, ``campaign_id`` (the
  campaign's ``id``) and the step's fields (``name``, ``due_on``, ``done_on``).

Row 1 of every sheet holds the column names (matched ignoring case and surrounding spaces).
Sheets whose name starts with ``_`` (notes, lookup lists) are not read. Empty cells are null
(the field is left out); spaces around text are dropped. List fields (``topics``, ``problems``,
``introducers``, ``tags``) are text with the items separated by ``;``. Dates may be Excel dates
or ISO text (``YYYY-MM-DD``); months (dues ``month``) and periods may be Excel dates too (Excel
turns ``2026-07`` into a date), and a period Excel made a number (``2026``) is read as text.
Numbers in text columns (ids) become text (``12`` -> ``"12"``); format id columns as text to
keep leading zeros. Formulas are read as the value Excel last saved. Plugin data
(``extensions``) cannot be given in a workbook.

Each organization row becomes one :class:`~pbrules.io.RawRecord` whose source is
``path:organizations!ROW`` (``district.xlsx:organizations!7``) and whose data is the snapshot:
the organization and every record row naming it. Nothing is dropped silently: a missing
``organizations`` sheet, an unknown sheet or column (with a "did you mean"), a column without a
name, a record row whose ``org_id`` names no organization row, and a second row for the same
organization each become a record with an ``error`` and a ``path:sheet!ROW`` source. An unknown
column is also passed through in the data, so every record that has a value in it is rejected
by the snapshot model (``members.0.stauts: unknown field; did you mean 'status'?``).

Unlike JSON Lines, a workbook is read whole (each record sheet once, into memory, grouped by
organization) before the first record is yielded: it is meant for district-sized data, and a
file larger than :data:`MAX_XLSX_BYTES` is rejected as a whole. Use JSON Lines for more.

:func:`write_workbook` writes snapshots in this layout (a template: every sheet, every column).
Reading needs ``openpyxl`` (``pip install 'pbrules[report]'``).
"""

from __future__ import annotations

import types
import typing
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from pbrules.builtin._xlsx_limits import sheet_limit_problem, unpacked_problem
from pbrules.cells import text_cells
from pbrules.errors import suggest
from pbrules.hookspecs import hookimpl
from pbrules.io import RawRecord
from pbrules.model.fields import field_specs, unwrap
from pbrules.model.period import MONTH_PATTERN
from pbrules.model.snapshot import (
    Body,
    Campaign,
    CampaignStep,
    CommitteePost,
    CoverageUnit,
    DevelopmentCase,
    Disclosure,
    Document,
    DuesRow,
    Facility,
    Feedback,
    Meeting,
    Member,
    Organization,
    PartyGroup,
    Rectification,
    ReserveCadre,
    Snapshot,
    Training,
    VillageCommitteePost,
    Visit,
)

__all__ = [
    "LIST_SEPARATOR",
    "MAX_XLSX_BYTES",
    "ORGANIZATIONS_SHEET",
    "RECORD_SHEETS",
    "STEPS_SHEET",
    "XlsxReader",
    "register_readers",
    "write_workbook",
]

#: the largest workbook read (it is read whole)
MAX_XLSX_BYTES = 50 * 1024 * 1024
#: the sheet with one row per organization
ORGANIZATIONS_SHEET = "organizations"
#: the column of a record sheet naming the organization of the row
ORG_ID_COLUMN = "org_id"
#: separates the items of a list field in a cell
LIST_SEPARATOR = ";"
#: record sheet name (the snapshot's list field) -> the model of one row
RECORD_SHEETS: dict[str, type[BaseModel]] = {
    "members": Member,
    "party_groups": PartyGroup,
    "committee": CommitteePost,
    "meetings": Meeting,
    "dues": DuesRow,
    "disclosures": Disclosure,
    "development": DevelopmentCase,
    "trainings": Training,
    "visits": Visit,
    "rectifications": Rectification,
    "coverage_units": CoverageUnit,
    "village_committee": VillageCommitteePost,
    "reserve_cadres": ReserveCadre,
    "bodies": Body,
    "documents": Document,
    "facilities": Facility,
    "feedback": Feedback,
    "campaigns": Campaign,
}
_SNAPSHOT_COLUMNS = ("period", "as_of")

# how a cell is turned into a JSON-like value, by field
_DATE, _MONTH, _PERIOD, _LIST, _TEXT, _OTHER = "date", "month", "period", "list", "text", "other"


# ---------------------------------------------------------------------------------------------
# Column kinds, derived from the snapshot model
# ---------------------------------------------------------------------------------------------
def _has_month_pattern(metadata: Iterable[Any]) -> bool:
    return any(getattr(m, "pattern", None) == MONTH_PATTERN for m in metadata)


def _field_kind(annotation: Any, metadata: Iterable[Any] = ()) -> str:
    if _has_month_pattern(metadata):
        return _MONTH
    leaves: list[Any] = []
    stack = [annotation]
    while stack:
        ann = stack.pop()
        origin = typing.get_origin(ann)
        if origin is typing.Annotated:
            inner, metadata = unwrap(ann)
            if _has_month_pattern(metadata):
                return _MONTH
            stack.append(inner)
        elif origin in (typing.Union, types.UnionType):
            stack.extend(typing.get_args(ann))
        elif origin in (tuple, list):
            return _LIST
        elif ann is not type(None):
            leaves.append(ann)
    if any(isinstance(t, type) and issubclass(t, date) for t in leaves):
        return _DATE
    if leaves and all(isinstance(t, type) and issubclass(t, str) for t in leaves):
        return _TEXT
    return _OTHER


#: fields that hold records of their own, read from a sheet of their own (campaign steps)
_NESTED_FIELDS = frozenset({"steps"})


def _kinds(model: type[BaseModel]) -> dict[str, str]:
    return {
        spec.name: _field_kind(spec.annotation, spec.metadata)
        for spec in field_specs(model)
        if spec.name not in _NESTED_FIELDS
    }


_ORG_KINDS = _kinds(Organization)
_ORG_SHEET_KINDS: dict[str, str] = {"period": _PERIOD, "as_of": _DATE, **_ORG_KINDS}
_RECORD_KINDS: dict[str, dict[str, str]] = {n: _kinds(m) for n, m in RECORD_SHEETS.items()}
#: the sheet of campaign steps: one row per step, ``campaign_id`` naming its campaign
STEPS_SHEET = "campaign_steps"
_CAMPAIGN_COLUMN = "campaign_id"
_SHEET_KINDS: dict[str, dict[str, str]] = {
    **_RECORD_KINDS,
    STEPS_SHEET: {_CAMPAIGN_COLUMN: _TEXT, **_kinds(CampaignStep)},
}


# ---------------------------------------------------------------------------------------------
# Cells
# ---------------------------------------------------------------------------------------------
class _Empty:
    """Marks an empty cell: the field is left out of the record."""


_EMPTY = _Empty()


def _number_text(value: int | float) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value) if isinstance(value, int) else repr(value)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _cell(value: Any, kind: str) -> Any:
    """A cell's value as the snapshot model expects it, or ``_EMPTY``."""
    if value is None:
        return _EMPTY
    if isinstance(value, str):
        if not value.strip():
            return _EMPTY
        if kind == _LIST:
            items = [item.strip() for item in value.split(LIST_SEPARATOR)]
            return [item for item in items if item]
        return value.strip()
    if isinstance(value, datetime | date):
        day = value.date() if isinstance(value, datetime) else value
        if kind in (_MONTH, _PERIOD):
            return f"{day.year:04d}-{day.month:02d}"
        text = day.isoformat()
        return [text] if kind == _LIST else text
    if _is_number(value) and kind in (_DATE, _MONTH, _PERIOD, _TEXT, _LIST):
        text = _number_text(value)
        return [text] if kind == _LIST else text
    if not isinstance(value, bool | int | float):
        return str(value)  # times, durations: the model says what is wrong
    return value


def _header_name(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text.lower() if text else None


def _suggest(word: str, choices: Iterable[str]) -> str:
    match = suggest(word, choices)
    return f"; did you mean {match!r}?" if match is not None else ""


def _column_letter(index: int) -> str:
    """The letter of the sheet column at 0-based ``index`` (A, ..., Z, AA...)."""
    from openpyxl.utils import get_column_letter

    letter: str = get_column_letter(index + 1)
    return letter


def _org_key(value: Any) -> str | None:
    """An id cell as the text organizations are matched on."""
    if value is None or isinstance(value, bool):
        return None
    text = _number_text(value) if _is_number(value) else str(value)
    return text.strip() or None


# ---------------------------------------------------------------------------------------------
# Reading
# ---------------------------------------------------------------------------------------------
@dataclass(slots=True)
class _Sheet:
    """A sheet read whole: its title, its named columns and its non-empty rows."""

    title: str
    columns: list[tuple[int, str]] = field(default_factory=list)  # (index, name)
    rows: list[tuple[int, tuple[Any, ...]]] = field(default_factory=list)  # (row number, cells)


class XlsxReader:
    """An Excel workbook: an ``organizations`` sheet plus one sheet per record list."""

    name = "xlsx"
    suffixes: tuple[str, ...] = (".xlsx",)

    def read(self, path: Path) -> Iterator[RawRecord]:
        name = str(path)
        size = path.stat().st_size
        if size > MAX_XLSX_BYTES:
            yield RawRecord(
                source=name,
                error=(
                    f"workbook too large to read ({size / 2**20:.1f} MB > "
                    f"{MAX_XLSX_BYTES / 2**20:.0f} MB); a workbook is read whole: split it, or "
                    "convert it to JSON Lines (one snapshot per line)"
                ),
            )
            return
        try:
            from openpyxl import load_workbook
        except ModuleNotFoundError:
            yield RawRecord(
                source=name,
                error="reading .xlsx files needs openpyxl: pip install 'pbrules[report]'",
            )
            return
        sheets: list[_Sheet] = []
        errors: list[RawRecord] = []
        unpacked = unpacked_problem(path)
        if unpacked is not None:
            yield RawRecord(source=name, error=unpacked)
            return
        try:
            workbook = load_workbook(path, read_only=True, data_only=True)
        except Exception as exc:  # zipfile.BadZipFile, InvalidFileException, KeyError...
            yield RawRecord(
                source=name,
                error=(
                    f"cannot read the workbook ({type(exc).__name__}: {exc}); is it an .xlsx "
                    "file (not .xls, not password-protected)?"
                ),
            )
            return
        try:
            for title in workbook.sheetnames:
                if title.startswith("_"):
                    continue
                ws = workbook[title]
                if not hasattr(ws, "iter_rows"):  # a chart sheet
                    errors.append(
                        RawRecord(source=f"{name}:{title}", error=f"sheet {title!r} is not a table")
                    )
                    continue
                sheet, problems = _read_sheet(ws, title, name)
                if problems:  # over a bound: reject the workbook, never part of it
                    yield from problems
                    return
                sheets.append(sheet)
        finally:
            workbook.close()
        yield from _build(name, sheets, errors)


def _read_sheet(ws: Any, title: str, name: str) -> tuple[_Sheet, list[RawRecord]]:
    """The sheet's non-empty rows, and why any part of it was not read (limits)."""
    sheet = _Sheet(title=title)
    problems: list[RawRecord] = []
    if hasattr(ws, "reset_dimensions"):
        ws.reset_dimensions()  # some writers store wrong dimensions: read every row
    for number, values in enumerate(ws.iter_rows(values_only=True), start=1):
        stop = sheet_limit_problem(number, values)
        if stop is not None:
            problems.append(
                RawRecord(
                    source=f"{name}:{title}:{number}",
                    error=f"{stop}; the workbook is not read (no organization of it evaluated)",
                )
            )
            break
        if number == 1:
            sheet.columns = [
                (i, n) for i, v in enumerate(values) if (n := _header_name(v)) is not None
            ]
            sheet.rows.append((1, tuple(values)))
            continue
        if any(v is not None and not (isinstance(v, str) and not v.strip()) for v in values):
            sheet.rows.append((number, tuple(values)))
    return sheet, problems


def _header_errors(
    name: str, sheet: _Sheet, known: Iterable[str]
) -> tuple[list[RawRecord], list[tuple[int, str]]]:
    """Errors about the header row, and the columns to read (duplicates and blanks left out)."""
    errors: list[RawRecord] = []
    source = f"{name}:{sheet.title}!1"
    known = list(known)
    seen: dict[str, int] = {}
    columns: list[tuple[int, str]] = []
    for index, column in sheet.columns:
        if column in seen:
            errors.append(
                RawRecord(
                    source=source,
                    error=(
                        f"{sheet.title}: column {column!r} appears twice (columns "
                        f"{_column_letter(seen[column])} and {_column_letter(index)}); "
                        f"column {_column_letter(index)} is not read"
                    ),
                )
            )
            continue
        seen[column] = index
        columns.append((index, column))
        if column not in known:
            errors.append(
                RawRecord(
                    source=source,
                    error=(
                        f"{sheet.title}: unknown column {column!r} (column "
                        f"{_column_letter(index)}): records with a value in it are rejected"
                        f"{_suggest(column, known)}"
                    ),
                )
            )
    named = {index for index, _ in sheet.columns}
    unnamed: dict[int, int] = {}
    for _, values in sheet.rows[1:]:
        for index, value in enumerate(values):
            if index not in named and _cell(value, _OTHER) is not _EMPTY:
                unnamed[index] = unnamed.get(index, 0) + 1
    for index, count in sorted(unnamed.items()):
        errors.append(
            RawRecord(
                source=source,
                error=(
                    f"{sheet.title}: column {_column_letter(index)} has no name in row 1: its "
                    f"{count} value(s) are not read"
                ),
            )
        )
    return errors, columns


def _row_dict(
    values: tuple[Any, ...], columns: list[tuple[int, str]], kinds: dict[str, str]
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for index, column in columns:
        raw = values[index] if index < len(values) else None
        value = _cell(raw, kinds.get(column, _OTHER))
        if value is not _EMPTY:
            out[column] = value
    return out


def _find_sheet(sheets: list[_Sheet], wanted: str) -> _Sheet | None:
    for sheet in sheets:
        if sheet.title.strip().lower() == wanted:
            return sheet
    return None


def _build(name: str, sheets: list[_Sheet], errors: list[RawRecord]) -> Iterator[RawRecord]:
    orgs_sheet = _find_sheet(sheets, ORGANIZATIONS_SHEET)
    if orgs_sheet is None:
        present = [s.title for s in sheets]
        hint = _suggest(ORGANIZATIONS_SHEET, present)
        yield from errors
        yield RawRecord(
            source=name,
            error=(
                f"no sheet named {ORGANIZATIONS_SHEET!r} (sheets: {', '.join(present) or 'none'})"
                f": the workbook is not read{hint}"
            ),
        )
        return
    # record sheets, each read once into {org id: [(row number, record)]}
    records: dict[str, dict[str, list[tuple[int, dict[str, Any]]]]] = {}
    titles: dict[str, str] = {}
    orphans: list[tuple[str, int, str | None]] = []  # (sheet title, row, org id)
    known_sheets = [ORGANIZATIONS_SHEET, *_SHEET_KINDS]
    for sheet in sheets:
        key = sheet.title.strip().lower()
        if sheet is orgs_sheet:
            continue
        if key not in _SHEET_KINDS:
            errors.append(
                RawRecord(
                    source=f"{name}:{sheet.title}!1",
                    error=(
                        f"unknown sheet {sheet.title!r}: its rows are not read (a sheet whose "
                        f"name starts with '_' is skipped){_suggest(key, known_sheets)}"
                    ),
                )
            )
            continue
        if key in titles:
            errors.append(
                RawRecord(
                    source=f"{name}:{sheet.title}!1",
                    error=f"sheet {sheet.title!r} repeats sheet {titles[key]!r}; it is not read",
                )
            )
            continue
        titles[key] = sheet.title
        kinds = _SHEET_KINDS[key]
        header_errors, columns = _header_errors(name, sheet, [ORG_ID_COLUMN, *kinds])
        org_index = next((i for i, c in columns if c == ORG_ID_COLUMN), None)
        if org_index is None:
            hint = _suggest(ORG_ID_COLUMN, [c for _, c in columns if c not in kinds])
            errors.append(
                RawRecord(
                    source=f"{name}:{sheet.title}!1",
                    error=(
                        f"{sheet.title}: no {ORG_ID_COLUMN!r} column naming each row's "
                        f"organization: its {len(sheet.rows) - 1} row(s) are not read{hint}"
                    ),
                )
            )
            continue
        errors.extend(header_errors)
        fields = [(i, c) for i, c in columns if c != ORG_ID_COLUMN]
        grouped = records.setdefault(key, {})
        for number, values in sheet.rows[1:]:
            org_id = _org_key(values[org_index] if org_index < len(values) else None)
            if org_id is None:
                orphans.append((sheet.title, number, None))
                continue
            grouped.setdefault(org_id, []).append((number, _row_dict(values, fields, kinds)))

    header_errors, columns = _header_errors(name, orgs_sheet, _ORG_SHEET_KINDS)
    errors.extend(header_errors)
    yield from errors

    id_index = next((i for i, c in columns if c == "id"), None)
    first_row: dict[str, int] = {}
    rows = orgs_sheet.rows[1:]
    if not rows:
        yield RawRecord(
            source=f"{name}:{orgs_sheet.title}!1",
            error=f"the {orgs_sheet.title!r} sheet has no organization rows",
        )
    for number, values in rows:
        source = f"{name}:{orgs_sheet.title}!{number}"
        row = _row_dict(values, columns, _ORG_SHEET_KINDS)
        data: dict[str, Any] = {c: row.pop(c) for c in _SNAPSHOT_COLUMNS if c in row}
        data["organization"] = row  # unknown columns stay here: the model rejects them
        org_id = None
        if id_index is not None and id_index < len(values):
            org_id = _org_key(values[id_index])
        if org_id is not None:
            earlier = first_row.get(org_id)
            if earlier is not None:
                yield RawRecord(
                    source=source,
                    error=(
                        f"organization {org_id!r} already has row {earlier} of "
                        f"{orgs_sheet.title!r}; a workbook holds one row per organization "
                        "(use one workbook per period); this row is not read"
                    ),
                )
                continue
            first_row[org_id] = number
            for key in RECORD_SHEETS:
                found = records.get(key, {}).get(org_id)
                if found:
                    data[key] = [record for _, record in found]
            steps = records.get(STEPS_SHEET, {}).get(org_id, [])
            yield from _attach_steps(f"{name}:{titles.get(STEPS_SHEET)}", org_id, data, steps)
        yield RawRecord(source=source, data=data)

    known_ids = list(first_row)
    for key in _SHEET_KINDS:
        for org_id, found in records.get(key, {}).items():
            if org_id not in first_row:
                orphans.extend((titles[key], number, org_id) for number, _ in found)
    for title, number, org_id in sorted(orphans, key=lambda o: (o[0], o[1])):
        if org_id is None:
            error = f"{title}: {ORG_ID_COLUMN} is empty; the row is not read"
        else:
            error = (
                f"{title}: {ORG_ID_COLUMN} {org_id!r} names no organization row in "
                f"{orgs_sheet.title!r}: the row is not read{_suggest(org_id, known_ids)}"
            )
        yield RawRecord(source=f"{name}:{title}!{number}", error=error)


def _attach_steps(
    where: str, org_id: str, data: dict[str, Any], steps: list[tuple[int, dict[str, Any]]]
) -> Iterator[RawRecord]:
    """Put each campaign-step row into its campaign's ``steps``; a row naming no campaign of the
    organization becomes an error record (the row is not read)."""
    campaigns = {str(c.get("id")): c for c in data.get("campaigns", [])}
    for number, row in steps:
        campaign = campaigns.get(str(row.get(_CAMPAIGN_COLUMN)))
        if campaign is None:
            yield RawRecord(
                source=f"{where}!{number}",
                error=(
                    f"{STEPS_SHEET}: {_CAMPAIGN_COLUMN} {row.get(_CAMPAIGN_COLUMN)!r} names no "
                    f"campaign of organization {org_id!r}: the row is not read"
                    f"{_suggest(str(row.get(_CAMPAIGN_COLUMN)), list(campaigns))}"
                ),
            )
            continue
        step = {k: v for k, v in row.items() if k != _CAMPAIGN_COLUMN}
        campaign.setdefault("steps", []).append(step)


# ---------------------------------------------------------------------------------------------
# Writing
# ---------------------------------------------------------------------------------------------
def _write_value(value: Any, kind: str, where: str) -> Any:
    if value is None:
        return None
    if kind == _LIST:
        items = [str(v) for v in value]
        for item in items:
            if LIST_SEPARATOR in item:
                raise ValueError(
                    f"{where}: the list item {item!r} contains {LIST_SEPARATOR!r}, which "
                    "separates list items in a cell"
                )
        return f"{LIST_SEPARATOR} ".join(items) if items else None
    if hasattr(value, "value") and isinstance(value.value, str):  # enums
        return value.value
    if kind == _PERIOD:
        return str(value)
    return value


def write_workbook(snapshots: Iterable[Snapshot], path: str | Path) -> None:
    """Write snapshots to ``path`` in the layout :class:`XlsxReader` reads.

    Every sheet and every column is written, even when empty, so an empty iterable gives a
    template to fill in. Dates are written as Excel dates, months and periods as text. Raises
    ``ValueError`` for what a workbook cannot hold: ``extensions``, a list item containing
    ``;``, and two snapshots of one organization (a workbook holds one row per organization).
    Needs ``openpyxl``.
    """
    from openpyxl import Workbook

    workbook = Workbook()
    org_ws = workbook.active
    org_ws.title = ORGANIZATIONS_SHEET
    org_columns = list(_ORG_SHEET_KINDS)
    org_ws.append(org_columns)
    record_ws: dict[str, Any] = {}
    for key, kinds in _RECORD_KINDS.items():
        ws = workbook.create_sheet(key)
        ws.append([ORG_ID_COLUMN, *kinds])
        record_ws[key] = ws
    steps_ws = workbook.create_sheet(STEPS_SHEET)
    steps_ws.append([ORG_ID_COLUMN, *_SHEET_KINDS[STEPS_SHEET]])
    seen: set[str] = set()
    for snapshot in snapshots:
        org = snapshot.organization
        if org.id in seen:
            raise ValueError(
                f"organization {org.id!r} appears twice; write one workbook per period"
            )
        seen.add(org.id)
        if snapshot.extensions:
            raise ValueError(f"organization {org.id!r}: extensions cannot be written to a workbook")
        top = {"period": snapshot.period, "as_of": snapshot.as_of}
        _append(
            org_ws,
            [
                _write_value(
                    top[c] if c in top else getattr(org, c), _ORG_SHEET_KINDS[c], f"{org.id}.{c}"
                )
                for c in org_columns
            ],
        )
        for key, kinds in _RECORD_KINDS.items():
            for i, record in enumerate(getattr(snapshot, key)):
                _append(
                    record_ws[key],
                    [
                        org.id,
                        *(
                            _write_value(getattr(record, c), k, f"{org.id}: {key}.{i}.{c}")
                            for c, k in kinds.items()
                        ),
                    ],
                )
        _write_steps(steps_ws, org.id, snapshot)
    text_cells(workbook)  # data is text: a name like =1+2 must not become a formula
    workbook.save(str(path))


def _write_steps(ws: Any, org_id: str, snapshot: Snapshot) -> None:
    kinds = _SHEET_KINDS[STEPS_SHEET]
    for i, campaign in enumerate(snapshot.campaigns):
        for j, step in enumerate(campaign.steps):
            values = {_CAMPAIGN_COLUMN: campaign.id, **step.model_dump()}
            where = f"{org_id}: campaigns.{i}.steps.{j}"
            cells = [_write_value(values[c], k, f"{where}.{c}") for c, k in kinds.items()]
            _append(ws, [org_id, *cells])


def _append(ws: Any, values: list[Any]) -> None:
    from openpyxl.cell import Cell

    cells = []
    for value in values:
        cell = Cell(ws, value=value)
        if isinstance(value, str):
            cell.data_type = "s"  # text starting with '=' stays text, never a formula
        elif isinstance(value, date):
            cell.number_format = "yyyy-mm-dd"
        cells.append(cell)
    ws.append(cells)


XLSX_READER = XlsxReader()


@hookimpl
def register_readers(register: Any) -> None:
    register(XLSX_READER)

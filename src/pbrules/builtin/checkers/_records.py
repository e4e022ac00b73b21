"""Generic access to a snapshot's record lists for the generic checkers (DESIGN §12.3).

- :data:`LISTS` names every record list a generic checker may read (``of``), plus the virtual
  list ``two_committees``.
- :func:`rows` gives the records of a list as plain rows (field -> value, enums as their value,
  tuples kept), with the derived fields ``age`` and ``tenure_years``, optionally only those
  current at ``as_of``.
- :class:`Where` is a parsed ``where`` mapping; :func:`parse_where` validates it against the
  list's fields at pack load time, with a "did you mean".

Rules (docs/checkers.md states them):

- ``current`` keeps the records held on ``as_of``: started on or before it (an unknown start
  counts) and not ended by it (``end > as_of``; a post left on ``as_of`` is no longer held).
  Start and end by list: posts ``appointed_on``/``left_on``; members ``joined_on``/``left_on``;
  bodies ``established_on``/``dissolved_on``; facilities ``opened_on``/``closed_on``; other
  lists their main date, with no end.
- ``two_committees``: the current posts of ``committee`` and ``village_committee`` together,
  one row per distinct ``person_id``; a field the party-committee post gives wins, one it
  leaves null is taken from the villagers' committee post, then (person fields) from the
  member record of that person. Extra fields: ``committee_role`` / ``village_role`` (the role
  held on each committee, ``"none"`` when the person has no post on it; of the earliest
  appointed post when several), and ``on_both`` (posts on both committees). Rows come in
  ``person_id`` order.
- ``committee`` rows carry ``village_role`` and ``village_committee`` rows ``committee_role``:
  the role the same person holds on the other committee at ``as_of`` (``"none"``), so that
  "the secretary is also the director" (一肩挑) can be asked of either list.
- Person fields left null on a committee post are taken from the member record with that id.
- ``where`` values of an enumerated field must be among its values (a did-you-mean at load);
  ``education`` compares on its scale (``{education: {">=": associate}}``: associate or
  higher); dates compare as ISO dates.
- ``age`` is whole years from ``birth_date`` at ``as_of`` (the birthday counts);
  ``tenure_years`` whole years from the start date (posts ``appointed_on``, members
  ``joined_on``, reserve cadres ``identified_on``).
"""

from __future__ import annotations

import dataclasses
import functools
import operator
import types
import typing
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from enum import Enum
from typing import Any, Literal

from pydantic import BaseModel

from pbrules.errors import did_you_mean
from pbrules.model.derived import whole_years
from pbrules.model.index import SnapshotIndex
from pbrules.model.snapshot import CommitteeRole, Education, Snapshot, VillageRole

__all__ = [
    "LISTS",
    "ListName",
    "Row",
    "Where",
    "field_names",
    "gives_any",
    "index_rows",
    "known_scope",
    "parse_where",
    "row_id",
    "rows",
    "suggest",
]

ListName = Literal[
    "members",
    "party_groups",
    "committee",
    "meetings",
    "dues",
    "disclosures",
    "development",
    "trainings",
    "visits",
    "rectifications",
    "coverage_units",
    "village_committee",
    "reserve_cadres",
    "bodies",
    "documents",
    "facilities",
    "feedback",
    "campaigns",
    "two_committees",
]
LISTS: tuple[str, ...] = ListName.__args__  # type: ignore[attr-defined]

Row = dict[str, Any]

#: list -> (start field, end field) of the records' holding, for ``current``
_SPANS: dict[str, tuple[str, str | None]] = {
    "members": ("joined_on", "left_on"),
    "committee": ("appointed_on", "left_on"),
    "village_committee": ("appointed_on", "left_on"),
    "bodies": ("established_on", "dissolved_on"),
    "facilities": ("opened_on", "closed_on"),
    "reserve_cadres": ("identified_on", None),
    "documents": ("issued_on", None),
    "feedback": ("found_on", None),
    "campaigns": ("started_on", None),
    "meetings": ("held_on", None),
    "disclosures": ("published_on", None),
    "trainings": ("start_on", None),
    "visits": ("visited_on", None),
    "rectifications": ("opened_on", None),
    "development": ("applied_on", None),
}
#: list -> the start date ``tenure_years`` counts from
_TENURE: dict[str, str] = {
    "members": "joined_on",
    "committee": "appointed_on",
    "village_committee": "appointed_on",
    "two_committees": "appointed_on",
    "reserve_cadres": "identified_on",
}
_PERSON = ("gender", "birth_date", "education", "occupation", "tags")
_NESTED = frozenset({"steps"})
_TWO_EXTRA = ("committee_role", "village_role", "on_both")
_NONE_ROLE = "none"
#: ordered fields: comparisons (``>=``) follow the scale, lowest first
_SCALES: dict[str, tuple[str, ...]] = {"education": tuple(e.value for e in Education)}
#: the other committee's role a post row carries
_CROSS = {"committee": "village_role", "village_committee": "committee_role"}


def _model_of(name: str) -> type[BaseModel] | None:
    annotation = Snapshot.model_fields[name].annotation
    args = getattr(annotation, "__args__", ())
    model = args[0] if args else None
    return model if isinstance(model, type) and issubclass(model, BaseModel) else None


def field_names(name: str) -> tuple[str, ...]:
    """The fields a ``where`` or ``field`` may name for list ``name`` (derived ones included)."""
    if name == "two_committees":
        out = [*field_names("committee")]
        out += [f for f in field_names("village_committee") if f not in out]
        return (*out, *_TWO_EXTRA)
    model = _model_of(name)
    fields = [f for f in (model.model_fields if model else {}) if f not in _NESTED]
    if "birth_date" in fields:
        fields.append("age")
    if name in _TENURE:
        fields.append("tenure_years")
    if name in _CROSS:
        fields.append(_CROSS[name])
    return tuple(fields)


def _plain(value: Any) -> Any:
    if isinstance(value, Enum):
        return value._value_
    if isinstance(value, tuple) and value:
        return tuple(_plain(v) for v in value)
    return value


def _is_current(name: str, record: Any, as_of: date) -> bool:
    span = _SPANS.get(name)
    if span is None:
        return True
    start = getattr(record, span[0], None)
    if name == "documents" and start is None:
        year = getattr(record, "year", None)
        return year is None or year <= as_of.year
    if start is not None and start > as_of:
        return False
    end = getattr(record, span[1], None) if span[1] else None
    return end is None or end > as_of


def _held(name: str, records: Iterable[Any], as_of: date) -> list[Any]:
    """The records of list ``name`` held at ``as_of`` (:func:`_is_current`, with the list's
    start and end fields looked up once rather than per record)."""
    span = _SPANS.get(name)
    if span is None:
        return list(records)
    if name == "documents":
        return [r for r in records if _is_current(name, r, as_of)]
    start_field, end_field = span
    out = []
    for record in records:
        start = getattr(record, start_field, None)
        if start is not None and start > as_of:
            continue
        end = getattr(record, end_field, None) if end_field else None
        if end is None or end > as_of:
            out.append(record)
    return out


def row_id(name: str, record: Any) -> str:
    """The id a record is known by in evidence (``id``, ``person_id``, ``member_id/month``)."""
    if name == "dues":
        return f"{record.member_id}/{record.month}"
    for key in ("id", "person_id"):
        value = getattr(record, key, None)
        if value is not None:
            return str(value)
    return ""


#: field types whose values a row keeps as they are (no enum or tuple to turn plain)
_SIMPLE: tuple[Any, ...] = (str, int, float, bool, date, type(None))


def _is_simple(annotation: Any) -> bool:
    """Whether every value a field annotated ``annotation`` can hold is already plain."""
    if any(annotation is t for t in _SIMPLE):
        return True
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _is_simple(typing.get_args(annotation)[0])
    if origin is typing.Union or origin is types.UnionType:
        return all(_is_simple(a) for a in typing.get_args(annotation))
    return False


_LAYOUTS: dict[type[BaseModel], tuple[tuple[str, ...], tuple[str, ...]]] = {}


def _layout(model: type[BaseModel]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """A record model's row fields, in order, and those whose values :func:`_plain` converts."""
    found = _LAYOUTS.get(model)
    if found is None:
        fields = tuple(k for k in model.model_fields if k not in _NESTED)
        plain = tuple(k for k in fields if not _is_simple(model.model_fields[k].annotation))
        found = _LAYOUTS[model] = (fields, plain)
    return found


def _record_row(record: Any) -> Row:
    """A record's own fields as a row (enums as their values), without derived fields."""
    fields, plain = _layout(type(record))
    values = record.__dict__
    row: Row = {k: values[k] for k in fields}
    for k in plain:
        value = row[k]
        if value is not None:
            row[k] = _plain(value)
    return row


def _derive(name: str, row: Row, as_of: date) -> None:
    if "birth_date" in row:
        row["age"] = whole_years(row["birth_date"], as_of)
    start = _TENURE.get(name)
    if start is not None:
        row["tenure_years"] = whole_years(row.get(start), as_of)


@dataclass(frozen=True, slots=True)
class _Plan:
    """How to build a row with some fields, or all (:func:`_row`), per record model."""

    direct: tuple[str, ...]  # record fields kept as they are
    plain: tuple[str, ...]  # record fields whose values :func:`_plain` converts
    person: tuple[str, ...]  # person fields taken from the member record when empty
    age: bool  # derive ``age`` when asked (from ``birth_date``, the member's when empty)
    tenure: str | None  # derive ``tenure_years`` from this start field
    ident: str | None  # the field that always holds the record's row_id (else row_id looks)


_PLANS: dict[tuple[type[BaseModel], str, frozenset[str]], _Plan] = {}


def _plan(model: type[BaseModel], name: str, fields: frozenset[str]) -> _Plan:
    key = (model, name, fields)
    found = _PLANS.get(key)
    if found is None:
        all_fields, plain = _layout(model)
        kept = [k for k in all_fields if k in fields]
        found = _PLANS[key] = _Plan(
            direct=tuple(k for k in kept if k not in plain),
            plain=tuple(k for k in kept if k in plain),
            person=tuple(k for k in _PERSON if k in fields),
            age="age" in fields,
            tenure=_TENURE.get(name) if "tenure_years" in fields else None,
            ident=None if name == "dues" else _ident_field(model),
        )
    return found


def _ident_field(model: type[BaseModel]) -> str | None:
    """The field whose value is always :func:`row_id` of a ``model`` record: a required text
    ``id``, else (with no ``id`` field) a required text ``person_id``; ``None`` otherwise."""
    for key in ("id", "person_id"):
        info = model.model_fields.get(key)
        if info is not None:
            return key if info.is_required() and info.annotation is str else None
    return None


@functools.cache
def _whole(name: str) -> frozenset[str]:
    """Every field a row of list ``name`` has (:func:`field_names`): a whole row's plan."""
    return frozenset(field_names(name))


def _row(plan: _Plan, name: str, record: Any, member: Any, as_of: date) -> Row:
    """A record's row: the fields the plan keeps, enums as their values, person fields left
    empty taken from ``member``, ``_id`` and the derived ``age`` / ``tenure_years`` asked for.
    The one row builder of whole rows and of rows cut to the fields a criterion reads."""
    values = record.__dict__
    row: Row = {k: values[k] for k in plan.direct}
    for k in plan.plain:
        value = values[k]
        row[k] = _plain(value) if value is not None else None
    if member is not None:
        for key in plan.person:
            if row.get(key) in (None, ()):
                row[key] = _plain(getattr(member, key))
    row["_id"] = values[plan.ident] if plan.ident is not None else row_id(name, record)
    if plan.age and (member is not None or "birth_date" in values):
        birth = values.get("birth_date")
        if birth is None and member is not None:
            birth = member.birth_date
        row["age"] = whole_years(birth, as_of)
    if plan.tenure is not None:
        row["tenure_years"] = whole_years(values.get(plan.tenure), as_of)
    return row


def rows(
    snapshot: Snapshot,
    name: str,
    as_of: date,
    *,
    current: bool,
    fields: frozenset[str] | None = None,
    shared: _Shared | None = None,
) -> list[Row]:
    """The records of list ``name`` as rows, in record order (``current``: held at ``as_of``).

    With ``fields``, a row holds only those of its fields (and ``_id``), with the values the
    whole row has: cheaper when a criterion reads one or two fields of every member.
    ``two_committees`` rows are always whole. ``shared`` gives what a snapshot index already
    knows (the members by id, the members and posts held at ``as_of``) instead of working it
    out again.
    """
    shared = shared or _Shared.of(snapshot, as_of)
    if name == "two_committees":
        return _two_committees(shared, as_of)
    records = shared.held(name) if current else getattr(snapshot, name)
    return _rows_of(records, name, as_of, fields, shared)


def _rows_of(
    records: Sequence[Any], name: str, as_of: date, fields: frozenset[str] | None, shared: _Shared
) -> list[Row]:
    """The rows of some records of list ``name`` (not ``two_committees``), in their order."""
    if not records:  # nothing to build, nor members or the other committee to look up
        return []
    with_member = name in _CROSS
    members = shared.members() if with_member else {}
    other: dict[str, Any] = {}
    if with_member:
        other_name = "village_committee" if name == "committee" else "committee"
        other = _first_held(shared.held(other_name))
    if fields is None:
        fields = _whole(name)
    cross = with_member and _CROSS[name] in fields
    out: list[Row] = []
    plan: _Plan | None = None  # the plan of _row, for records of type ``planned``
    planned: type | None = None
    for record in records:
        member = members.get(record.person_id) if with_member else None
        if plan is None or type(record) is not planned:
            planned = type(record)
            plan = _plan(planned, name, fields)
        row = _row(plan, name, record, member, as_of)
        if cross:
            row[_CROSS[name]] = _role(other.get(record.person_id))
        out.append(row)
    return out


@dataclass(slots=True)
class _Shared:
    """What building rows of one snapshot at one date reads more than once: the members by id
    and the records each list holds at ``as_of``. From a snapshot index (:meth:`of_index`)
    these are the index's own views (its current members and committee, its members by id),
    worked out once per organization for every criterion; otherwise each is worked out on
    first use here."""

    snapshot: Snapshot
    as_of: date
    by_id: dict[str, Any] | None = None
    held_by_list: dict[str, Sequence[Any]] = dataclasses.field(default_factory=dict)

    @classmethod
    def of(cls, snapshot: Snapshot, as_of: date) -> _Shared:
        return cls(snapshot, as_of)

    @classmethod
    def of_index(cls, index: SnapshotIndex) -> _Shared:
        """The index's views (its ``current_members`` and ``current_committee`` keep exactly
        the records :func:`_held` keeps, in the same order)."""
        held: dict[str, Sequence[Any]] = {
            "members": index.current_members,
            "committee": index.current_committee,
        }
        return cls(index.snapshot, index.as_of, index.members_by_id, held)

    def members(self) -> dict[str, Any]:
        if self.by_id is None:
            self.by_id = {m.id: m for m in self.snapshot.members}
        return self.by_id

    def held(self, name: str) -> Sequence[Any]:
        found = self.held_by_list.get(name)
        if found is None:
            found = self.held_by_list[name] = _held(name, getattr(self.snapshot, name), self.as_of)
        return found


def index_rows(
    index: SnapshotIndex,
    snapshot: Snapshot,
    name: str,
    as_of: date,
    *,
    current: bool,
    fields: frozenset[str] | None = None,
) -> Sequence[Row]:
    """:func:`rows`, built once per snapshot index (and ``fields``) and shared by every
    criterion reading the same list (callers must not modify the rows)."""
    if name == "two_committees":
        fields = None  # always whole: one row per person, merged from both committees
    if index.snapshot is not snapshot or index.as_of != as_of:
        return rows(snapshot, name, as_of, current=current, fields=fields)
    key = ("records.rows", name, as_of, current, fields)
    found: Sequence[Row] | None = index.memo.get(key)
    if found is None:
        shared = _shared(index)
        found = tuple(rows(snapshot, name, as_of, current=current, fields=fields, shared=shared))
        index.memo[key] = found
    return found


#: memo key of an index's :class:`_Shared` views
_SHARED = ("records.shared",)


def _shared(index: SnapshotIndex) -> _Shared:
    """The index's :class:`_Shared` views (made on first use, then kept in its memo)."""
    found: _Shared | None = index.memo.get(_SHARED)
    if found is None:
        found = index.memo[_SHARED] = _Shared.of_index(index)
    return found


def gives_any(
    index: SnapshotIndex,
    snapshot: Snapshot,
    name: str,
    as_of: date,
    *,
    current: bool,
    fields: Sequence[str],
) -> bool:
    """Whether some row of list ``name`` in scope gives one of ``fields`` (a value other than
    null or an empty tuple), as the rows of :func:`index_rows` would say.

    When the fields are the records' own (not derived, not taken from a member record), a
    row's value is given exactly when the record's is (:func:`_plain` keeps null and empty
    as they are), so the records are read and no row is built."""
    if not _all_own(name, tuple(fields)):
        scope = index_rows(index, snapshot, name, as_of, current=current, fields=frozenset(fields))
        return any(r.get(f) not in (None, ()) for r in scope for f in fields)
    records: Sequence[Any] = getattr(snapshot, name)
    if current and index.snapshot is snapshot and index.as_of == as_of:
        records = _shared(index).held(name)
    elif current:
        records = _held(name, records, as_of)
    for f in fields:  # given: some value neither null nor empty (counted in C, not per record)
        values = list(map(operator.attrgetter(f), records))
        if values.count(None) + values.count(()) < len(values):
            return True
    return False


def known_scope(
    index: SnapshotIndex,
    snapshot: Snapshot,
    name: str,
    as_of: date,
    *,
    current: bool,
    fields: frozenset[str],
    needed: tuple[str, ...],
) -> tuple[int, Sequence[Row]]:
    """How many records of list ``name`` are in scope, and the rows (cut to ``fields``) of
    those whose ``needed`` fields are all known (not null), in record order: the count of
    :func:`index_rows` and the rows of it that give every ``needed`` field.

    When the needed fields are the records' own (not derived, not taken from a member record),
    a row's value is null exactly when the record's is, so the records are picked first and
    only the known ones become rows (kept per index like :func:`index_rows`): a criterion on
    the members' ``post`` builds no row at all in an export that gives nobody's post."""
    if not needed:
        scope = index_rows(index, snapshot, name, as_of, current=current, fields=fields)
        return len(scope), scope
    if not _all_own(name, needed) or index.snapshot is not snapshot or index.as_of != as_of:
        scope = index_rows(index, snapshot, name, as_of, current=current, fields=fields)
        return len(scope), _giving(scope, needed)
    shared = _shared(index)
    records: Sequence[Any] = shared.held(name) if current else getattr(snapshot, name)
    key = ("records.known_rows", name, as_of, current, fields, needed)
    found: Sequence[Row] | None = index.memo.get(key)
    if found is None:
        if len(needed) == 1:
            given = operator.attrgetter(needed[0])
            known = [r for r in records if given(r) is not None]
        else:
            known = [r for r in records if all(getattr(r, f) is not None for f in needed)]
        found = index.memo[key] = tuple(_rows_of(known, name, as_of, fields, shared))
    return len(records), found


@functools.cache
def _all_own(name: str, fields: tuple[str, ...]) -> bool:
    """Whether ``fields`` are all the records' own fields in rows of list ``name``: taken from
    the record as they are or plain, not derived nor taken from a member record (so a row's
    value is null, or empty, exactly when the record's is)."""
    if name in _CROSS or name == "two_committees":
        return False
    return set(fields) <= _own_fields(name)


@functools.cache
def _own_fields(name: str) -> frozenset[str]:
    """The fields a row of list ``name`` takes from the record itself, as they are or plain."""
    model = _model_of(name)
    return frozenset(_layout(model)[0]) if model is not None else frozenset()


def _two_committees(shared: _Shared, as_of: date) -> list[Row]:
    members = shared.members()
    first_party = _first_held(shared.held("committee"))
    first_village = _first_held(shared.held("village_committee"))
    if not first_party and not first_village:
        return []
    order = sorted({*first_party, *first_village})
    out: list[Row] = []
    for person in order:
        p_post, v_post = first_party.get(person), first_village.get(person)
        member = members.get(person)
        if p_post is None or v_post is None:  # on one committee: the post's whole row
            post: Any = p_post if p_post is not None else v_post
            plan = _plan(type(post), "two_committees", _whole_two())
            row = _row(plan, "two_committees", post, member, as_of)
        else:
            row = _merged_row(p_post, v_post, member, as_of)
        holder: Any = p_post if p_post is not None else v_post
        row["role"] = _plain(holder.role)
        row["committee_role"] = _role(p_post)
        row["village_role"] = _role(v_post)
        row["on_both"] = p_post is not None and v_post is not None
        out.append(row)
    return out


@functools.cache
def _whole_two() -> frozenset[str]:
    return _whole("two_committees")


def _merged_row(p_post: Any, v_post: Any, member: Any, as_of: date) -> Row:
    """The row of a person on both committees: the party-committee post's given fields win,
    then the villagers' committee post's, then (person fields) the member record's."""
    row = _record_row(v_post)
    for key, value in _record_row(p_post).items():
        if value not in (None, ()) or key not in row:
            row[key] = value
    if member is not None:
        for key in _PERSON:
            if row.get(key) in (None, ()):
                row[key] = _plain(getattr(member, key))
    row["_id"] = p_post.person_id
    _derive("two_committees", row, as_of)
    return row


def _first_posts(posts: Iterable[Any], name: str, as_of: date) -> dict[str, Any]:
    """Person id -> the person's current post on one committee (the earliest appointed, then
    by role, then by content, when a person holds several), so record order changes nothing."""
    return _first_held(_held(name, posts, as_of))


def _first_held(held: Iterable[Any]) -> dict[str, Any]:
    """:func:`_first_posts` of posts already known to be held."""
    by_person: dict[str, list[Any]] = {}
    for post in held:
        by_person.setdefault(post.person_id, []).append(post)
    return {
        person: found[0] if len(found) == 1 else min(found, key=_post_order)
        for person, found in by_person.items()
    }


def _post_order(post: Any) -> tuple[date, str, str]:
    return (post.appointed_on, str(_plain(post.role) or ""), post.model_dump_json())


def _role(post: Any) -> str:
    if post is None:
        return _NONE_ROLE
    role = _plain(post.role)
    return str(role) if role is not None else _NONE_ROLE


# ---------------------------------------------------------------------------------------------
# where
# ---------------------------------------------------------------------------------------------
_OPS = ("==", "!=", ">", ">=", "<", "<=", "in", "not_in")


@dataclass(frozen=True, slots=True)
class _Cond:
    field: str
    op: str
    value: Any


@dataclass(frozen=True, slots=True)
class Where:
    """A parsed ``where``: every condition must hold. A record whose field is null is
    *unknown* for that condition (neither matching nor failing), except where the condition
    compares with null itself (``{left_on: null}``)."""

    conds: tuple[_Cond, ...] = ()
    #: the fields the conditions read, in order, and those compared with null
    fields: tuple[str, ...] = dataclasses.field(init=False, compare=False, repr=False)
    _nullable: frozenset[str] = dataclasses.field(init=False, compare=False, repr=False)
    #: the fields a row must give for the conditions to be known (not compared with null)
    _needed: tuple[str, ...] = dataclasses.field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        fields = tuple(dict.fromkeys(c.field for c in self.conds))
        object.__setattr__(self, "fields", fields)
        nullable = frozenset(c.field for c in self.conds if c.value is None)
        object.__setattr__(self, "_nullable", nullable)
        object.__setattr__(self, "_needed", tuple(f for f in fields if f not in nullable))

    @property
    def needed(self) -> tuple[str, ...]:
        """The fields a row must give for the conditions to be known (in order)."""
        return self._needed

    def known_rows(self, rows: Iterable[Row]) -> list[Row]:
        """The rows :meth:`known` keeps, in order (one pass, the needed fields listed once)."""
        return _giving(rows, self._needed)

    def known(self, row: Row, extra: Iterable[str] = ()) -> bool:
        """Whether every field the conditions (and ``extra``) read is known in ``row``."""
        nullable = self._nullable
        for name in (*self.fields, *extra) if extra else self.fields:
            if name not in nullable and row.get(name) is None:
                return False
        return True

    def matches(self, row: Row) -> bool:
        return all(_holds(row.get(c.field), c.op, c.value, c.field) for c in self.conds)

    def select(self, rows: Iterable[Row]) -> list[Row]:
        """The rows that match, in order (:meth:`matches`; one condition, the usual case, is
        tested directly)."""
        if len(self.conds) == 1:
            field, op, value = self.conds[0].field, self.conds[0].op, self.conds[0].value
            return [r for r in rows if _holds(r.get(field), op, value, field)]
        return [r for r in rows if self.matches(r)]


def _giving(rows: Iterable[Row], needed: tuple[str, ...]) -> list[Row]:
    """The rows whose ``needed`` fields are all given (not null), in order."""
    if not needed:
        return list(rows)
    if len(needed) == 1:
        name = needed[0]
        return [r for r in rows if r.get(name) is not None]
    return [r for r in rows if all(r.get(name) is not None for name in needed)]


def _ranked(field: str, value: Any) -> Any:
    """A value of an ordered field (education) as its rank on the scale; dates as ISO text."""
    scale = _SCALES.get(field)
    if scale is not None and value in scale:
        return scale.index(value)
    return value.isoformat() if isinstance(value, date) else value


def _holds(actual: Any, op: str, target: Any, field: str = "") -> bool:
    if isinstance(actual, date):
        actual = actual.isoformat()
    if isinstance(actual, tuple):  # tags: one value means "contains"
        if op in ("in", "not_in"):
            hit = any(a in target for a in actual)
            return hit if op == "in" else not hit
        if op in ("==", "!="):
            return (target in actual) == (op == "==")
        return False
    if op == "in":
        return actual in target
    if op == "not_in":
        return actual not in target
    if op == "==":
        return bool(actual == target)
    if op == "!=":
        return bool(actual != target)
    if actual is None or target is None:
        return False
    a, t = _ranked(field, actual), _ranked(field, target)
    try:
        return bool({">": a > t, ">=": a >= t, "<": a < t, "<=": a <= t}[op])
    except TypeError:
        return False


def suggest(word: str, choices: Sequence[str]) -> str:
    """``"; did you mean 'x'?"`` for the closest of ``choices``, or ``""``."""
    return did_you_mean(word, choices)


def _scalar(value: Any, where: str, choices: Sequence[str] | None = None) -> Any:
    """A ``where`` value: a number, text, true/false, null or a date (kept as ISO text); for an
    enumerated field, one of its values (with a did-you-mean)."""
    if isinstance(value, date):
        value = value.isoformat()
    if not (isinstance(value, bool | int | float | str) or value is None):
        raise ValueError(f"{where}: expected a number, text, a date, true/false or null, got "
                         f"{value!r}")
    if choices is not None and value is not None and value not in choices:
        raise ValueError(
            f"{where}: invalid value {value!r}{suggest(str(value), choices)} "
            f"(values: {', '.join(choices)})"
        )
    return value


def _choices(of: str, field: str) -> tuple[str, ...] | None:
    """The values an enumerated field of list ``of`` takes, or ``None`` for a free field."""
    if field in _TWO_EXTRA[:2] or field in _CROSS.values():
        role = CommitteeRole if field == "committee_role" else VillageRole
        return (*(r.value for r in role), _NONE_ROLE)
    names = ("committee", "village_committee") if of == "two_committees" else (of,)
    found: list[str] = []
    for name in names:
        model = _model_of(name)
        info = model.model_fields.get(field) if model is not None else None
        if info is None:
            continue
        for arg in (info.annotation, *typing.get_args(info.annotation)):
            if isinstance(arg, type) and issubclass(arg, Enum):
                found.extend(m.value for m in arg if m.value not in found)
    return tuple(found) if found else None


def parse_where(raw: Mapping[str, Any] | None, of: str) -> Where:
    """Validate ``where`` for list ``of`` (fields, operators, values); raises ``ValueError``."""
    if not raw:
        return Where()
    allowed = field_names(of)
    conds: list[_Cond] = []
    for field, spec in raw.items():
        if field not in allowed:
            raise ValueError(f"where: {of} has no field '{field}'{suggest(str(field), allowed)}")
        conds.extend(_conds(str(field), spec, _choices(of, str(field))))
    return Where(tuple(conds))


def _conds(field: str, spec: Any, choices: Sequence[str] | None) -> list[_Cond]:
    if isinstance(spec, list):
        return [_Cond(field, "in", tuple(_scalar(v, f"where.{field}", choices) for v in spec))]
    if not isinstance(spec, Mapping):
        return [_Cond(field, "==", _scalar(spec, f"where.{field}", choices))]
    out: list[_Cond] = []
    for op, value in spec.items():
        if op not in _OPS:
            raise ValueError(
                f"where.{field}: unknown operator '{op}'{suggest(str(op), _OPS)} "
                f"(operators: {', '.join(_OPS)})"
            )
        if op in ("in", "not_in"):
            if not isinstance(value, list):
                raise ValueError(f"where.{field}.{op}: expected a list")
            values = tuple(_scalar(v, f"where.{field}", choices) for v in value)
            out.append(_Cond(field, op, values))
        else:
            out.append(_Cond(field, op, _scalar(value, f"where.{field}.{op}", choices)))
    return out

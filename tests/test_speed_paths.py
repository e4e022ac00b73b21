"""The faster paths of evaluation give exactly what the plain ones gave.

- the line screens of the JSON Lines fast path (``suspect_line``, ``_key_screen``) answer as
  the regular expressions they replace, on any bytes;
- ``_keys_set`` counts the keys of any snapshot as a walk of every field does;
- the rows the generic checkers share per snapshot index are the rows built afresh, and the
  dues checkers' paid-month map says what ``_pays`` says of every row;
- the records a list holds at a date (``_held``) are those ``_is_current`` keeps, one by one;
- ``Where.known_rows`` keeps the rows ``Where.known`` says are known, ``Where.select`` those
  ``Where.matches`` says match;
- whole rows, now built by the one row builder of cut rows, are those the former whole-row
  builder gave, and so are the merged ``two_committees`` rows;
- ``gives_any``, which reads the records where it can, says what the rows say, and
  ``known_scope``, which builds rows of the known records only, gives the known rows.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

from pbrules.builtin._strict import _SUSPECT, MAX_INT_DIGITS, suspect_line
from pbrules.builtin.checkers._records import (
    _CROSS,
    _PERSON,
    LISTS,
    Where,
    _Cond,
    _derive,
    _first_posts,
    _held,
    _is_current,
    _plain,
    _record_row,
    _role,
    field_names,
    gives_any,
    index_rows,
    known_scope,
    row_id,
    rows,
)
from pbrules.builtin.checkers.dues import _pays, paid_months
from pbrules.engine.chunks import _KEY_SCREEN, _key_screen, _keys_set, _screens
from pbrules.model.index import build_index
from pbrules.model.snapshot import Snapshot
from pbrules.testing.strategies import snapshots

#: bytes the screens look at, and a few others
_ALPHABET = b'0123456789eE+-"\\:u Uu0022NaInfity \t\n\r\x0b\x0c\x1c,{}[]\x00\xff'
_LINES = st.lists(st.sampled_from(list(_ALPHABET)), max_size=120).map(bytes)


@given(_LINES)
@settings(max_examples=3000, deadline=None)
def test_suspect_line_is_the_regular_expression(raw: bytes) -> None:
    assert suspect_line(raw) == (_SUSPECT.search(raw) is not None)


@given(_LINES)
@settings(max_examples=3000, deadline=None)
def test_key_screen_is_the_regular_expression(raw: bytes) -> None:
    assert _key_screen(raw) == (_KEY_SCREEN.search(raw) is not None)


def test_suspect_line_edges() -> None:
    for raw in (
        b"1e308",
        b"1E-999",
        b"2e+1000",
        b"1e99",
        b"e999",
        b'{"a": NaN}',
        b"Infinit",
        b"1" * MAX_INT_DIGITS,
        b"x" + b"9" * (MAX_INT_DIGITS + 1),
        "\u0661\u0662\u0663e123".encode(),
    ):
        assert suspect_line(raw) == (_SUSPECT.search(raw) is not None), raw


def _walk_keys(model: BaseModel) -> int:
    """The reference count: every field set, and every model inside a set field."""
    count = len(model.__pydantic_fields_set__)
    for name in model.__pydantic_fields_set__:
        value = model.__dict__[name]
        items = value if isinstance(value, list | tuple) else (value,)
        count += sum(_walk_keys(v) for v in items if isinstance(v, BaseModel))
    return count


@given(snapshots())
@settings(max_examples=60, deadline=None)
def test_keys_set_counts_every_key(snapshot: Snapshot) -> None:
    again = Snapshot.model_validate_json(snapshot.model_dump_json(exclude_unset=True))
    assert _keys_set(again) == _walk_keys(again)
    assert _keys_set(snapshot) == _walk_keys(snapshot)


@given(snapshots())
@settings(max_examples=40, deadline=None)
def test_shared_rows_and_paid_months(snapshot: Snapshot) -> None:
    index = build_index(snapshot)
    as_of = index.as_of
    for name in LISTS:
        for current in (True, False):
            fresh = rows(snapshot, name, as_of, current=current)
            shared = index_rows(index, snapshot, name, as_of, current=current)
            assert list(shared) == fresh
            assert index_rows(index, snapshot, name, as_of, current=current) is shared
    other = snapshot.model_copy()
    assert list(index_rows(index, other, "members", as_of, current=True)) == rows(
        other, "members", as_of, current=True
    )
    for tolerance in (0.0, 0.005):
        paid = paid_months(index, as_of, tolerance)
        for member_id, by_month in index.dues_by_member.items():
            for month, row in by_month.items():
                assert (month in paid[member_id]) == _pays(row, as_of, tolerance)
    early = date(as_of.year - 1, 1, 1)
    assert paid_months(index, early, 0.0) is not paid_months(index, as_of, 0.0)


@given(snapshots(), st.data())
@settings(max_examples=40, deadline=None)
def test_rows_of_some_fields_are_the_whole_rows_cut(
    snapshot: Snapshot, data: st.DataObject
) -> None:
    """Rows built with only the fields a criterion reads hold those fields' whole-row values."""
    as_of = build_index(snapshot).as_of
    for name in LISTS:
        if name == "two_committees":
            continue
        names = field_names(name)
        fields = frozenset(data.draw(st.lists(st.sampled_from(names), max_size=4)))
        for current in (True, False):
            whole = rows(snapshot, name, as_of, current=current)
            some = rows(snapshot, name, as_of, current=current, fields=fields)
            assert len(some) == len(whole)
            for cut, full in zip(some, whole, strict=True):
                assert cut == {k: full.get(k) for k in (*fields, "_id") if k in full}, name
                assert set(cut) <= {*fields, "_id"}


@given(st.lists(st.sampled_from([*_ALPHABET, *b"w0"]), max_size=120).map(bytes))
@settings(max_examples=3000, deadline=None)
def test_both_screens_in_one_are_the_regular_expressions(raw: bytes) -> None:
    either = _SUSPECT.search(raw) is not None or _KEY_SCREEN.search(raw) is not None
    assert _screens(raw, raw.count(b'":')) == either


def test_both_screens_in_one_edges() -> None:
    for raw in (b'{"a" :1}', b'{"a"\t\n:1}', b'{"a" ,"b":1}', b'"w:', b'{"a": 1e999}', b'"\\" :'):
        either = _SUSPECT.search(raw) is not None or _KEY_SCREEN.search(raw) is not None
        assert _screens(raw, raw.count(b'":')) == either, raw


def _variants(snapshot: Snapshot) -> list[Snapshot]:
    """The snapshot, and copies (not validated) with one kind of cross-record problem each."""
    out = [snapshot]
    for name in ("members", "party_groups", "dues", "meetings", "development", "visits"):
        records = getattr(snapshot, name)
        if records:
            out.append(snapshot.model_copy(update={name: (*records, records[0])}))
    if snapshot.members:
        out.append(snapshot.model_copy(update={"members": snapshot.members[1:]}))
    if snapshot.party_groups:
        out.append(snapshot.model_copy(update={"party_groups": snapshot.party_groups[1:]}))
    out.append(snapshot.model_copy(update={"as_of": date(snapshot.period.start.year - 1, 1, 1)}))
    return out


@given(snapshots())
@settings(max_examples=60, deadline=None)
def test_cross_checks_shortcut_agrees(snapshot: Snapshot) -> None:
    """``_cross_clean`` says "nothing wrong" exactly when the full check finds no problem."""
    for variant in _variants(snapshot):
        assert variant._cross_clean() == (not variant._cross_problems())


@given(snapshots(), st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 12, 31)))
@settings(max_examples=60, deadline=None)
def test_held_records_are_the_current_ones(snapshot: Snapshot, as_of: date) -> None:
    for name in LISTS:
        if name == "two_committees":
            continue
        records = getattr(snapshot, name)
        assert _held(name, records, as_of) == [r for r in records if _is_current(name, r, as_of)]


@given(snapshots(), st.data())
@settings(max_examples=40, deadline=None)
def test_known_rows_are_the_known_ones(snapshot: Snapshot, data: st.DataObject) -> None:
    as_of = build_index(snapshot).as_of
    for name in ("members", "committee", "two_committees", "development"):
        fields = data.draw(st.lists(st.sampled_from(field_names(name)), max_size=3))
        nulls = data.draw(st.lists(st.booleans(), min_size=len(fields), max_size=len(fields)))
        conds = zip(fields, nulls, strict=True)
        where = Where(tuple(_Cond(f, "==", None if n else "x") for f, n in conds))
        found = rows(snapshot, name, as_of, current=False)
        assert where.known_rows(found) == [r for r in found if where.known(r)]


def _former_rows(snapshot: Snapshot, name: str, as_of: date, current: bool) -> list[dict[str, Any]]:
    """Whole rows as the former whole-row builder made them (its own code, kept here)."""
    with_member = name in _CROSS
    members = {m.id: m for m in snapshot.members}
    other_name = "village_committee" if name == "committee" else "committee"
    other = _first_posts(getattr(snapshot, other_name), other_name, as_of) if with_member else {}
    out = []
    for record in getattr(snapshot, name):
        if current and not _is_current(name, record, as_of):
            continue
        member = members.get(record.person_id) if with_member else None
        row = _record_row(record)
        if member is not None:
            for key in _PERSON:
                if row.get(key) in (None, ()):
                    row[key] = _plain(getattr(member, key))
        row["_id"] = row_id(name, record)
        _derive(name, row, as_of)
        if with_member:
            row[_CROSS[name]] = _role(other.get(record.person_id))
        out.append(row)
    return out


@given(snapshots())
@settings(max_examples=40, deadline=None)
def test_whole_rows_are_the_former_whole_rows(snapshot: Snapshot) -> None:
    as_of = build_index(snapshot).as_of
    for name in LISTS:
        if name == "two_committees":
            continue
        for current in (True, False):
            assert rows(snapshot, name, as_of, current=current) == _former_rows(
                snapshot, name, as_of, current
            ), name


def _former_two_committees(snapshot: Snapshot, as_of: date) -> list[dict[str, Any]]:
    """``two_committees`` rows as the former builder made them (its own code, kept here)."""
    members = {m.id: m for m in snapshot.members}
    first_party = _first_posts(snapshot.committee, "committee", as_of)
    first_village = _first_posts(snapshot.village_committee, "village_committee", as_of)
    out = []
    for person in sorted({*first_party, *first_village}):
        p_post, v_post = first_party.get(person), first_village.get(person)
        if p_post is None or v_post is None:
            row = _record_row(p_post if p_post is not None else v_post)
        else:
            row = _record_row(v_post)
            for key, value in _record_row(p_post).items():
                if value not in (None, ()) or key not in row:
                    row[key] = value
        member = members.get(person)
        if member is not None:
            for key in _PERSON:
                if row.get(key) in (None, ()):
                    row[key] = _plain(getattr(member, key))
        holder: Any = p_post if p_post is not None else v_post
        row["role"] = _plain(holder.role)
        row["committee_role"] = _role(p_post)
        row["village_role"] = _role(v_post)
        row["on_both"] = p_post is not None and v_post is not None
        row["_id"] = person
        _derive("two_committees", row, as_of)
        out.append(row)
    return out


@given(snapshots(), st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 12, 31)))
@settings(max_examples=60, deadline=None)
def test_two_committees_rows_are_the_former_rows(snapshot: Snapshot, as_of: date) -> None:
    """The merged rows, now built from the index's views with the one row builder, are those
    the former builder gave; with and without an index."""
    expected = _former_two_committees(snapshot, as_of)
    assert rows(snapshot, "two_committees", as_of, current=True) == expected
    index = build_index(snapshot, as_of=as_of)
    assert list(index_rows(index, snapshot, "two_committees", as_of, current=True)) == expected


@given(snapshots(), st.data())
@settings(max_examples=60, deadline=None)
def test_gives_any_is_what_the_rows_say(snapshot: Snapshot, data: st.DataObject) -> None:
    """``gives_any`` (on the records where it can) answers as the rows' plain definition."""
    index = build_index(snapshot)
    as_of = index.as_of
    for name in LISTS:
        fields = data.draw(st.lists(st.sampled_from(field_names(name)), min_size=1, max_size=3))
        for current in (True, False):
            scope = rows(snapshot, name, as_of, current=current)
            plain = any(r.get(f) not in (None, ()) for r in scope for f in fields)
            found = gives_any(index, snapshot, name, as_of, current=current, fields=fields)
            assert found == plain, (name, fields, current)


@given(snapshots(), st.data())
@settings(max_examples=60, deadline=None)
def test_known_scope_is_the_known_rows_of_the_scope(
    snapshot: Snapshot, data: st.DataObject
) -> None:
    """``known_scope`` (building rows of the known records only, where it can) gives the count
    of the rows in scope and the rows ``Where.known_rows`` keeps of them."""
    index = build_index(snapshot)
    as_of = index.as_of
    for name in LISTS:
        names = field_names(name)
        needed = tuple(data.draw(st.lists(st.sampled_from(names), max_size=2, unique=True)))
        fields = frozenset((*needed, *data.draw(st.lists(st.sampled_from(names), max_size=2))))
        where = Where(tuple(_Cond(f, "==", "x") for f in needed))
        for current in (True, False):
            scope = index_rows(index, snapshot, name, as_of, current=current, fields=fields)
            count, known = known_scope(
                index, snapshot, name, as_of, current=current, fields=fields, needed=needed
            )
            assert count == len(scope), name
            assert list(known) == where.known_rows(scope), (name, needed)


_VALUES = st.sampled_from(["x", "female", "secretary", "senior_high", "2024-01-01", 0, 1, 35, None])


@given(snapshots(), st.data())
@settings(max_examples=40, deadline=None)
def test_where_select_is_matches_row_by_row(snapshot: Snapshot, data: st.DataObject) -> None:
    """``Where.select`` keeps the rows ``Where.matches`` says match, in order."""
    as_of = build_index(snapshot).as_of
    for name in ("members", "committee", "two_committees", "development"):
        conds = data.draw(
            st.lists(
                st.builds(
                    _Cond,
                    st.sampled_from(field_names(name)),
                    st.sampled_from(["==", "!=", ">", ">=", "<", "<="]),
                    _VALUES,
                ),
                max_size=2,
            )
        )
        where = Where(tuple(conds))
        found = rows(snapshot, name, as_of, current=False)
        assert where.select(found) == [r for r in found if where.matches(r)]

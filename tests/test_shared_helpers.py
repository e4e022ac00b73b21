"""The helpers that hold one fact each: did-you-mean, reference walks, model fields."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from pydantic import BaseModel, Field

from pbrules.errors import did_you_mean, suggest
from pbrules.model.fields import field_specs, leaves, models_in, unwrap
from pbrules.model.snapshot import Rectification, RectificationStatus
from pbrules.packs.refs import walk_references


def test_suggest_finds_a_close_or_reversed_name() -> None:
    assert suggest("meetngs", ["meetings", "dues"]) == "meetings"
    assert suggest("ab", ["ba", "xyz"]) == "ba"
    assert suggest("zzzz", ["meetings"]) is None
    assert did_you_mean("S0l", ["S01", "X99"]) == "; did you mean 'S01'?"
    assert did_you_mean("zzzz", ["S01"]) == ""


def test_walk_references_orders_dependencies_first_and_reports_cycles() -> None:
    refs = {"a": ["b"], "b": ["c"], "c": [], "x": ["y"], "y": ["x"]}
    order, cycles = walk_references(refs, lambda n: refs[n])
    assert order.index("c") < order.index("b") < order.index("a")
    assert cycles == [["x", "y", "x"]]
    assert sorted(order) == sorted(refs)


class _Inner(BaseModel):
    v: int = 0


class _Outer(BaseModel):
    name: Annotated[str, Field(min_length=1)]
    inner: list[_Inner | None] = Field(default_factory=list, description="the inner ones")
    when: date | None = Field(default=None, alias="on")


def test_field_specs_read_defaults_aliases_and_descriptions() -> None:
    specs = {s.name: s for s in field_specs(_Outer)}
    assert specs["name"].required and specs["name"].default is None
    assert specs["inner"].has_factory and specs["inner"].default == []
    assert specs["inner"].description == "the inner ones"
    assert specs["when"].key == "on" and not specs["when"].required


def test_annotation_walks() -> None:
    assert models_in(list[_Inner | None]) == [_Inner]
    assert list(leaves(Annotated[int | None, "meta"])) == [int, type(None)]
    assert unwrap(Annotated[int, "m"]) == (int, ("m",))
    assert unwrap(int) == (int, ())


def test_rectification_predicates_live_on_the_model() -> None:
    item = Rectification(
        id="R1",
        opened_on=date(2026, 1, 5),
        due_on=date(2026, 3, 1),
        status=RectificationStatus.RECTIFIED,
    )
    assert item.is_overdue(date(2026, 4, 1))
    assert not item.is_overdue(date(2026, 4, 1), done={RectificationStatus.RECTIFIED})
    assert not item.is_overdue(date(2026, 2, 1))
    closed = item.model_copy(update={"closed_on": date(2026, 3, 20)})
    assert closed.is_done(date(2026, 3, 20)) and not closed.is_done(date(2026, 3, 19))

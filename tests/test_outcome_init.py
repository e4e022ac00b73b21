"""``Outcome.__init__`` is written out (model/outcome.py): it makes what the dataclass's
generated ``__init__`` and ``__post_init__`` made, refuses what they refused, and the outcome
stays a frozen dataclass (fields, ``replace``, equality, hashing, pickling, subclasses)."""

from __future__ import annotations

import dataclasses
import math
import pickle
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pbrules.model.note import NoteText
from pbrules.model.outcome import Outcome, Status, Subject, SubjectItem

_FIELDS = ("status", "compliance", "misses", "actual", "expected", "evidence", "items", "note")


@dataclasses.dataclass(frozen=True, slots=True)
class _Generated:
    """Outcome's fields with the dataclass's generated ``__init__`` and the former checks."""

    status: Status
    compliance: float = 1.0
    misses: int = 0
    actual: Any = None
    expected: Any = None
    evidence: tuple[str, ...] = ()
    items: tuple[SubjectItem, ...] = ()
    note: str = ""

    def __post_init__(self) -> None:
        if not 0.0 <= self.compliance <= 1.0:
            raise ValueError(f"compliance {self.compliance} is outside [0, 1]")
        if self.misses < 0:
            raise ValueError(f"misses {self.misses} is negative")


_ITEM = SubjectItem(Subject("member", "M1"), "late", ("M1:2026-07",))


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from(list(Status)),
    st.one_of(st.floats(-0.5, 1.5), st.just(math.nan), st.sampled_from([0, 1, True])),
    st.integers(-2, 3),
    st.one_of(st.none(), st.integers(), st.text(max_size=3)),
    st.sampled_from([(), ("a", "b")]),
    st.sampled_from([(), (_ITEM,)]),
    st.sampled_from(["", "n", NoteText("n", "注")]),
    st.booleans(),
)
def test_an_outcome_is_what_the_generated_init_made(
    status: Status,
    compliance: float,
    misses: int,
    actual: Any,
    evidence: tuple[str, ...],
    items: tuple[SubjectItem, ...],
    note: str,
    by_keyword: bool,
) -> None:
    args = (status, compliance, misses, actual, None, evidence, items, note)
    try:
        expected = _Generated(*args)
    except ValueError as exc:
        with pytest.raises(ValueError, match=str(exc).replace("[", r"\[").replace("]", r"\]")):
            Outcome(*args)
        return
    made = Outcome(**dict(zip(_FIELDS, args, strict=True))) if by_keyword else Outcome(*args)
    for name in _FIELDS:
        assert getattr(made, name) is getattr(expected, name)
    assert made == Outcome(*args) and hash(made) == hash(Outcome(*args))
    assert repr(made) == repr(expected).replace("_Generated", "Outcome")
    assert pickle.loads(pickle.dumps(made)) == made


def test_an_outcome_stays_a_frozen_dataclass() -> None:
    outcome = Outcome(Status.PASS, actual=3, expected=3)
    assert tuple(f.name for f in dataclasses.fields(Outcome)) == _FIELDS
    assert Outcome(Status.FAIL) == Outcome(status=Status.FAIL, compliance=1.0)
    with pytest.raises(dataclasses.FrozenInstanceError):
        outcome.note = "changed"  # type: ignore[misc]
    changed = dataclasses.replace(outcome, status=Status.FAIL, compliance=0.5)
    assert (changed.status, changed.compliance, changed.actual) == (Status.FAIL, 0.5, 3)
    with pytest.raises(ValueError, match="outside"):
        dataclasses.replace(outcome, compliance=2.0)


def test_a_dataclass_subclass_keeps_the_checks() -> None:
    @dataclasses.dataclass(frozen=True)
    class Tagged(Outcome):
        tag: str = ""

    assert Tagged(Status.PASS, tag="x").tag == "x"
    with pytest.raises(ValueError, match="negative"):
        Tagged(Status.FAIL, misses=-1)
    with pytest.raises(ValueError, match="outside"):
        Tagged(Status.FAIL, compliance=math.nan)

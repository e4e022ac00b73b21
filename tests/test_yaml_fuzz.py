"""Fuzzing the loader: arbitrary bytes and arbitrary YAML documents only ever raise PackError."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pbrules.errors import PackError
from pbrules.packs._yaml import load_yaml_text
from pbrules.packs.loader import load_pack

FUZZ = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)

# Words that steer documents towards the pack format, so validation is exercised deeply.
WORDS = st.sampled_from(
    [
        "pack",
        "version",
        "areas",
        "criteria",
        "id",
        "title",
        "area",
        "check",
        "params",
        "points",
        "scoring",
        "mode",
        "severity",
        "message",
        "applies_to",
        "periods",
        "kind",
        "groups",
        "where",
        "extends",
        "bands",
        "min",
        "grade",
        "weight",
        "condition",
        "all",
        "any",
        "not",
        "fact",
        "op",
        "value",
        "expr",
        "members.count",
        ">=",
        "deduct",
        "Q4",
        "{org.name}",
        "branch",
        "enabled",
        "veto_grade",
        "ranking",
        "movement",
        "<<",
        "*a",
    ]
)
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**6), max_value=10**6),
    st.floats(allow_nan=True, allow_infinity=True),
    WORDS,
    st.text(max_size=12),
)
DOCS = st.recursive(
    SCALARS,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(st.one_of(WORDS, st.text(max_size=6)), children, max_size=5),
    ),
    max_leaves=30,
)


def _load(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "fuzz.yaml"
    path.write_bytes(data)
    try:
        load_pack(path)
    except PackError as exc:
        assert exc.problems
        for p in exc.problems:
            assert p.path and isinstance(p.line, int) and isinstance(p.col, int)


@FUZZ
@given(data=st.binary(max_size=400))
def test_arbitrary_bytes(tmp_path: Path, data: bytes) -> None:
    _load(tmp_path, data)


@FUZZ
@given(text=st.text(alphabet=st.sampled_from(list("ab:- \n\t{}[],&*!|>'\"#%@`?1.")), max_size=200))
def test_yaml_like_text(text: str) -> None:
    try:
        load_yaml_text(text, "t.yaml")
    except PackError as exc:
        assert exc.problems


@FUZZ
@given(doc=DOCS)
def test_arbitrary_documents(tmp_path: Path, doc: Any) -> None:
    _load(tmp_path, yaml.safe_dump(doc, allow_unicode=True).encode("utf-8"))


@FUZZ
@given(
    criteria=st.lists(
        st.dictionaries(WORDS, SCALARS | st.lists(SCALARS, max_size=3), max_size=8), max_size=3
    ),
    areas=st.lists(st.dictionaries(WORDS, SCALARS, max_size=4), max_size=3),
)
def test_pack_shaped_documents(tmp_path: Path, criteria: list[Any], areas: list[Any]) -> None:
    doc = {"pack": "p", "version": "1", "areas": areas, "criteria": criteria}
    _load(tmp_path, yaml.safe_dump(doc, allow_unicode=True).encode("utf-8"))

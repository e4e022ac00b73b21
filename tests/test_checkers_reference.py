"""The checker reference is generated from the checkers and committed up to date; every
checker documents its parameters, its monotone direction and a valid example."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from pbrules.builtin.checkers import builtin_checkers
from pbrules.builtin.checkers._reference import checker_reference, describe, type_name
from pbrules.checker import Checker

DOC = Path(__file__).resolve().parent.parent / "docs" / "checkers.md"
CHECKERS = builtin_checkers()


def test_docs_checkers_md_is_current() -> None:
    assert DOC.read_text(encoding="utf-8") == checker_reference(), (
        "docs/checkers.md is stale: run "
        "`python -m pbrules.builtin.checkers._reference docs/checkers.md`"
    )


@pytest.mark.parametrize("checker", CHECKERS, ids=[c.name for c in CHECKERS])
def test_checker_documents_itself(checker: Checker[Any]) -> None:
    doc = describe(checker)
    assert doc.summary and doc.monotone and doc.example
    for name, field in checker.Params.model_fields.items():
        assert field.description, f"{checker.name}: parameter {name} has no description"
    example = yaml.safe_load(doc.example)
    if isinstance(example, list):
        example = example[0]
    assert example["check"] == checker.name
    checker.parse_params(example.get("params") or {})


def test_type_names() -> None:
    from typing import Literal

    assert type_name(list[int]) == "list of integer"
    assert type_name(int | None) == "integer or null"
    assert type_name(Literal["a", "b"]) == "a | b"
    assert type_name(dict[str, float]) == "map text → number"


def test_reference_lists_every_checker_once() -> None:
    text = checker_reference()
    for c in CHECKERS:
        assert text.count(f"## `{c.name}`") == 1

"""The ``jsonl`` lines made from indented JSON (:mod:`pbrules.engine.lines`) against
``json.dumps`` of the decoded item (``jsonl_line(kind, json.loads(...))``, what the ``jsonl``
exporter writes), on generated values: strings holding ``", "``, escaped line breaks followed by
indentation-like spaces, quotes, backslashes, Chinese and separators; floats pydantic-core and
``json.dumps`` spell apart; huge integers; nesting at the depth of an organization's criterion
records, repeated (the converted records are kept)."""

from __future__ import annotations

import json
from typing import Any

import pydantic_core
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pbrules.builtin.exporters import jsonl_line
from pbrules.engine import lines
from pbrules.engine.lines import (
    finding_lines,
    line_start,
    one_line,
    org_line,
    rank_fields,
    spelled_apart,
)
from pbrules.engine.plain_json import ranks_json
from pbrules.engine.ranking import RankInfo
from rank_strategies import rank_infos

SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])

TEXT = st.one_of(
    st.text(max_size=10),
    st.sampled_from(
        [
            ", ",
            ",\n",
            "\n        {",
            'a",\n    {"b',
            "\\",
            '"',
            "第一党支部",
            "v2e-1",
            "0.00001",
            "\u2028",
            "💡",
            "}, {",
            " : ",
        ]
    ),
)
FLOATS = st.one_of(
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from([9.99e-5, 1e-9, -3e-7, 1e-4, 0.5, -0.0, 1e16, 5e-324, 1 / 3]),
)
SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-(10**30), 10**30), FLOATS, TEXT)
VALUES = st.recursive(
    SCALARS,
    lambda kids: st.lists(kids, max_size=4) | st.dictionaries(TEXT, kids, max_size=4),
    max_leaves=25,
)
OBJECTS = st.dictionaries(TEXT, VALUES, max_size=5)


def _dumped(value: Any, indent: int | None = None) -> bytes:
    return json.dumps(value, ensure_ascii=False, indent=indent).encode("utf-8")


@SETTINGS
@given(VALUES, st.sampled_from([0, 1, 2, 4]))
def test_one_line_is_json_dumps_on_one_line(value: Any, indent: int) -> None:
    text = _dumped(value, indent)
    line = one_line(text)
    assert line == _dumped(value) if line is not None else spelled_apart(text)


@SETTINGS
@given(st.lists(OBJECTS, min_size=1, max_size=3), st.lists(st.integers(0, 2), max_size=8))
def test_records_at_the_criteria_depth_are_converted_alike_when_repeated(
    records: list[dict[str, Any]], picks: list[int]
) -> None:
    """Objects of a list at depth 2 (indent 8 here: an organization's criterion records),
    repeated, as pieces of the text converted once and kept."""
    criteria = [records[k % len(records)] for k in picks] + records
    value = {"org_id": "O1", "criteria": criteria, "tier": None}
    text = _dumped(value, 4)
    assert text.count(b"\n        {") == len(criteria)
    line = one_line(text)
    assert line == one_line(text)
    assert line == _dumped(value) if line is not None else spelled_apart(text)


@SETTINGS
@given(VALUES)
def test_pydantic_cores_text_on_one_line_is_json_dumps_unless_spelled_apart(value: Any) -> None:
    text = pydantic_core.to_json(value, indent=2)
    line = one_line(text)
    assert line == _dumped(json.loads(text)) if line is not None else spelled_apart(text)


@SETTINGS
@given(st.binary(max_size=40) | TEXT.map(str.encode) | FLOATS.map(lambda f: repr(f).encode()))
def test_the_spelled_apart_screen_is_the_patterns_search(text: bytes) -> None:
    assert spelled_apart(text) == (lines._SPELLED_APART.search(text) is not None)


def _item(value: dict[str, Any]) -> bytes:
    """``value`` as the spool holds an item of a depth-1 list: indented, shifted one level."""
    return pydantic_core.to_json(value, indent=2).replace(b"\n", b"\n    ")


RANKS = rank_infos(FLOATS)


@SETTINGS
@given(OBJECTS, OBJECTS, st.booleans(), RANKS)
def test_an_organizations_line_is_its_decoded_item_written_again(
    before: dict[str, Any], after: dict[str, Any], vetoed: bool, rank: RankInfo
) -> None:
    """The fields before the ranking fields, the ranking fields, ``vetoed`` and the rest: the
    line written in parts equals the whole item decoded and written with ``json.dumps``."""
    ranking = ("rank", "group_size", "previous_rank", "rank_change", "movement")
    keys = {"vetoed", *ranking, "previous_total", "total_change"}
    head = {"org_id": "O1", **{k: v for k, v in before.items() if k not in keys}}
    tail = {"vetoed": vetoed, **{k: v for k, v in after.items() if k not in keys | set(head)}}
    body = _item({**head, **tail})
    cut = body.index(b'\n      "vetoed":')
    fields = json.loads(ranks_json(rank))
    whole = {"pack": "第一 pack", "period": "2026Q3", **head, **fields, **tail}
    line, at = org_line(body, cut)
    start = line_start("organization", {"pack": "第一 pack", "period": "2026Q3"})
    made = b"".join((start, line[:at], rank_fields(ranks_json(rank)), b", ", line[at:], b"\n"))
    assert made == jsonl_line("organization", whole)


@SETTINGS
@given(st.lists(st.dictionaries(TEXT, VALUES, min_size=1, max_size=5), min_size=1, max_size=4))
def test_findings_lines_are_their_decoded_items_written_again(items: list[dict[str, Any]]) -> None:
    """Findings (never empty objects) separated as in the document."""
    found = b",\n    ".join(_item(item) for item in items)
    expected = b"".join(jsonl_line("finding", json.loads(_item(item))) for item in items)
    assert finding_lines(found) == expected


def test_the_kept_records_are_bounded() -> None:
    for n in range(lines._PIECES_KEPT + 10):
        value = {"criteria": [{"id": n}, {"id": -n}, {"id": n + 0.5}]}
        assert one_line(_dumped(value, 4)) == _dumped(value)
    assert 0 < len(lines._pieces) <= lines._PIECES_KEPT

"""Passing over organizations without decoding them (result_stream ``_Text.skip``): the same
items, tail and ledger whatever the document's layout, including layouts that mislead the
indentation-based skipping."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from pbrules.builtin.exporters import JsonlExporter
from pbrules.errors import ResultDocumentError
from pbrules.ledger import Ledger, SQLiteStore
from pbrules.result_io import load_result
from pbrules.result_stream import _Text, open_result
from test_ledger_streamed import EXAMPLE_Q2, T0


def _skip_all(text: str) -> list[int]:
    """Skip each item of a top-level array; the character offsets after each."""
    t = _Text(io.BytesIO(text.encode()), "x.json")
    t.expect("[")
    ends = []
    while True:
        t.skip("item")
        ends.append(t.offset())
        if t.expect(",]") == "]":
            return ends


def _decode_all(text: str) -> list[int]:
    t = _Text(io.BytesIO(text.encode()), "x.json")
    t.expect("[")
    ends = []
    while True:
        t.value("item")
        ends.append(t.offset())
        if t.expect(",]") == "]":
            return ends


@pytest.mark.parametrize(
    "items",
    [
        [{"a": 1, "b": [1, {"c": "}"}]}, {"a": "{[", "b": []}],
        [[1, 2], {"x": {"y": {"z": '\\"}'}}}, "text", 3.5, None],
        [{"a": "\n}\n"}],
    ],
)
@pytest.mark.parametrize("indent", [None, 2, 4])
def test_skip_ends_where_decoding_ends(items: list[object], indent: int | None) -> None:
    text = json.dumps(items, indent=indent)
    assert _skip_all(text) == _decode_all(text)


def test_skip_of_a_large_item_across_chunks() -> None:
    items = [{"k": "v" * 5_000_000, "n": [1] * 10}, {"k": 2}]
    text = json.dumps(items, indent=2)
    assert _skip_all(text) == _decode_all(text)


def test_a_misleading_layout_is_skipped_by_decoding() -> None:
    """An item's inner object closed at the item's own indentation, a string holding the
    missing bracket: the span to the first such line is balanced, and the skip is wrong."""
    text = '[\n  {"name": "}", "areas": {"a": 1\n  }, "total": 1\n  },\n  {"b": 2\n  }\n]'
    decoded = _decode_all(text)
    try:
        got = _skip_all(text)
    except ResultDocumentError:
        return  # misled: a located error (the ledger sync then reads the document again)
    assert got != decoded  # or misled to a wrong end: caught by the sync's cross-check


def _misleading(path: Path, out: Path) -> Path:
    """The document with its first organization's name holding a '}' and its areas object
    closed at the organization's indentation: valid JSON, the same result."""
    text = path.read_text()
    doc = json.loads(text)
    org = doc["organizations"][0]
    org["name"] = "}" + org["name"]
    lines = json.dumps(doc, indent=2, ensure_ascii=False).split("\n")
    start = next(i for i, line in enumerate(lines) if line == '      "areas": {')
    end = next(i for i in range(start, len(lines)) if lines[i].startswith("      }"))
    lines[end] = "    " + lines[end].lstrip()
    out.write_text("\n".join(lines))
    assert json.loads(out.read_text()) == doc
    return out


def _dump(ledger: Ledger) -> list[str]:
    assert isinstance(ledger.store, SQLiteStore)
    return ledger.store.dump()


def test_sync_of_a_misleading_layout_is_the_same_sync(tmp_path: Path) -> None:
    path = _misleading(EXAMPLE_Q2, tmp_path / "odd.json")
    stream = open_result(path)
    assert [o.org_id for o in stream.organizations()] == [
        o.org_id for o in load_result(path).organizations
    ]
    with Ledger(tmp_path / "a.db") as a, Ledger(tmp_path / "b.db") as b:
        assert a.sync(load_result(path), by="t", now=T0) == b.sync_file(path, by="t", now=T0)
        assert _dump(a) == _dump(b)


def test_stream_readings_skip_the_lists_they_do_not_need(tmp_path: Path) -> None:
    result = load_result(EXAMPLE_Q2)
    jsonl = tmp_path / "q2.jsonl"
    out = io.BytesIO()
    JsonlExporter().export(result, out)
    jsonl.write_bytes(out.getvalue())
    for path in (EXAMPLE_Q2, jsonl):
        stream = open_result(path)
        assert list(stream.findings()) == result.findings
        assert [o.org_id for o in stream.organizations()] == [
            o.org_id for o in result.organizations
        ]
        tails: list[object] = []
        found = list(stream.findings_and_tail(tails))  # type: ignore[arg-type]
        assert found == result.findings
        assert tails == [stream.tail()]
    assert open_result(EXAMPLE_Q2).tail().rankings == result.rankings


def test_jsonl_line_with_a_second_type_key_is_decoded(tmp_path: Path) -> None:
    result = load_result(EXAMPLE_Q2)
    out = io.BytesIO()
    JsonlExporter().export(result, out)
    lines = out.getvalue().decode().splitlines()
    assert json.loads(lines[1])["type"] == "organization"
    # an organization line that says it is a warning after all (the last key wins in JSON)
    lines[1] = lines[1][:-1] + ', "type": "warning"}'
    path = tmp_path / "odd.jsonl"
    path.write_text("\n".join(lines) + "\n")
    stream = open_result(path)
    with pytest.raises(ResultDocumentError, match=r"odd.jsonl:2: invalid result document"):
        stream.tail()

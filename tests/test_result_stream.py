"""Result documents read one item at a time (pbrules.result_stream), json and jsonl."""

from __future__ import annotations

import gzip
import io
import json
import os
from pathlib import Path

import pytest

from pbrules import result_stream
from pbrules.builtin.exporters import JsonlExporter
from pbrules.errors import ResultDocumentError
from pbrules.model.result import RunResult
from pbrules.result_io import load_result, write_result_json
from pbrules.result_stream import open_result, previous_ranks

GOLDEN = Path(__file__).parent / "golden" / "v1" / "expected-2026Q3.json.gz"


@pytest.fixture(scope="module")
def golden_bytes() -> bytes:
    return gzip.decompress(GOLDEN.read_bytes())


@pytest.fixture
def doc(tmp_path: Path, golden_bytes: bytes) -> Path:
    path = tmp_path / "result.json"
    path.write_bytes(golden_bytes)
    return path


@pytest.fixture
def result(doc: Path) -> RunResult:
    return load_result(doc)


def _jsonl(result: RunResult, path: Path, *, header: bool = False) -> Path:
    out = io.BytesIO()
    JsonlExporter().export(result, out)
    body = out.getvalue()
    if header:
        head = {
            "type": "result",
            "schema_version": "1",
            "pack": result.pack.model_dump(mode="json"),
            "period": str(result.period),
            "as_of": None if result.as_of is None else result.as_of.isoformat(),
        }
        rankings = {k: v.model_dump(mode="json") for k, v in result.rankings.items()}
        tail = [
            {"type": "rankings", "rankings": rankings},
            {"type": "summary", "summary": result.summary.model_dump(mode="json")},
        ]
        lines = [
            json.dumps(head).encode(),
            body.rstrip(b"\n"),
            *(json.dumps(t).encode() for t in tail),
        ]
        body = b"\n".join(lines) + b"\n"
    path.write_bytes(body)
    return path


def test_json_document_streams_what_load_result_reads(doc: Path, result: RunResult) -> None:
    stream = open_result(doc)
    assert stream.header.pack == result.pack
    assert stream.header.period == result.period
    assert stream.header.as_of == result.as_of
    assert list(stream.organizations()) == result.organizations
    assert list(stream.findings()) == result.findings
    tail = stream.tail()
    assert tail.rankings == result.rankings
    assert tail.summary == result.summary
    assert tail.rejected == result.rejected
    assert tail.warnings == result.warnings
    # each iterator reads the file again
    assert len(list(stream.organizations())) == len(result.organizations)


@pytest.mark.parametrize("chunk", [1, 7, 64])
def test_tiny_buffers_give_the_same_items(
    doc: Path, result: RunResult, chunk: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Items, numbers and strings cut across reads are decoded whole."""
    monkeypatch.setattr(result_stream, "_CHUNK", chunk)
    stream = open_result(doc)
    assert list(stream.organizations())[:20] == result.organizations[:20]
    assert stream.tail().summary == result.summary


def test_a_document_in_another_key_order(tmp_path: Path, result: RunResult) -> None:
    data = json.loads(result.model_dump_json())
    reordered = {k: data[k] for k in reversed(list(data))}
    path = tmp_path / "r.json"
    path.write_text(json.dumps(reordered))
    stream = open_result(path)
    assert stream.header.pack == result.pack
    assert list(stream.findings()) == result.findings


@pytest.mark.parametrize("header", [False, True])
def test_jsonl_result(tmp_path: Path, result: RunResult, header: bool) -> None:
    path = _jsonl(result, tmp_path / "r.jsonl", header=header)
    stream = open_result(path)
    assert stream.jsonl
    assert stream.header.pack.id == result.pack.id
    assert stream.header.period == result.period
    if header:
        assert stream.header.pack == result.pack
        assert stream.tail().rankings == result.rankings
    assert list(stream.organizations()) == result.organizations
    assert list(stream.findings()) == result.findings
    assert dict(previous_ranks(path)) == dict(previous_ranks(result))


def test_previous_ranks_keeps_rank_total_group(doc: Path, result: RunResult) -> None:
    ranks = previous_ranks(doc)
    assert ranks.pack == result.pack and ranks.period == result.period
    assert len(ranks) == len(result.organizations)
    for org in result.organizations:
        row = ranks[org.org_id]
        assert (row.rank, row.total, row.group) == (org.rank, org.total, org.group)
    assert dict(previous_ranks(result)) == dict(ranks)


def _error(path: Path) -> str:
    with pytest.raises(ResultDocumentError) as info:
        stream = open_result(path)
        list(stream.organizations())
        list(stream.findings())
        stream.tail()
    return str(info.value)


def test_invalid_field_is_located(tmp_path: Path, result: RunResult) -> None:
    data = json.loads(result.model_dump_json())
    data["organizations"][12]["total"] = "lots"
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(data, indent=2))
    message = _error(path)
    assert message.startswith(f"{path}: invalid result document: organizations.12.total: ")


def test_duplicate_organization_is_an_error(tmp_path: Path, result: RunResult) -> None:
    data = json.loads(result.model_dump_json())
    data["organizations"][5] = data["organizations"][2]
    path = tmp_path / "dup.json"
    path.write_text(json.dumps(data))
    assert "organizations.5.org_id: " in _error(path)
    assert "appears twice" in _error(path)
    with pytest.raises(ResultDocumentError, match="appears twice"):
        previous_ranks(path)


@pytest.mark.parametrize("chunk", [256, 1 << 20])
def test_bad_json_is_located_by_line_and_column(
    tmp_path: Path, golden_bytes: bytes, chunk: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Located at once, also when the item is read in pieces (not read up to the size limit)."""
    monkeypatch.setattr(result_stream, "_CHUNK", chunk)
    text = golden_bytes.decode()
    lines = text.split("\n")
    lines[40] = lines[40].replace(":", ":: ", 1)
    path = tmp_path / "broken.json"
    path.write_text("\n".join(lines))
    message = _error(path)
    assert message.startswith(f"{path}:41:"), message
    assert "not a JSON result document" in message


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", "not a JSON result document: empty file"),
        (b"not json", ":1:1: not a JSON result document: Expecting value"),
        (b"[1, 2]", "not a pbrules result document"),
        (b'{"schema_version": "2", "pack": {}}', "schema_version '2' is not supported"),
        (b'{"organizations": []}', "no schema_version and pack"),
        (b"\xff\xfe{}", "not UTF-8 text"),
        (b'{"schema_version": "1", "schema_version": "1"}', "appears twice"),
        (b'{"schema_version": "1"} {}', "extra data"),
    ],
)
def test_not_a_result_document(tmp_path: Path, content: bytes, expected: str) -> None:
    path = tmp_path / "x.json"
    path.write_bytes(content)
    assert expected in _error(path)


def test_oversized_item_and_deep_nesting_are_bounded(
    tmp_path: Path, result: RunResult, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(result_stream, "MAX_ITEM_BYTES", 50_000)
    monkeypatch.setattr(result_stream, "_CHUNK", 1024)
    data = json.loads(result.model_dump_json())
    data["organizations"][3]["name"] = "x" * 100_000
    path = tmp_path / "big.json"
    path.write_text(json.dumps(data))
    assert "organizations.3: larger than 50,000 bytes" in _error(path)
    jsonl = _jsonl(load_result(path), tmp_path / "big.jsonl")
    assert f"{jsonl}:4: a line larger than" in _error(jsonl)
    deep = tmp_path / "deep.json"
    deep.write_text('{"schema_version": "1", "pack": ' + "[" * 100_000 + "]" * 100_000 + "}")
    monkeypatch.setattr(result_stream, "MAX_ITEM_BYTES", 1 << 20)
    assert "nested too deeply" in _error(deep)
    huge = tmp_path / "huge.json"
    huge.write_text('{"schema_version": "1", "pack": ' + "9" * 5000 + "}")
    assert "pack" in _error(huge)


def test_jsonl_errors_are_located(tmp_path: Path, result: RunResult) -> None:
    path = _jsonl(result, tmp_path / "r.jsonl")
    lines = path.read_bytes().split(b"\n")
    lines[3] = lines[3][:-5]
    path.write_bytes(b"\n".join(lines))
    assert _error(path).startswith(f"{path}:4:")
    path.write_bytes(b'{"type": "nonsense"}\n')
    assert "not a pbrules result document" in _error(path)
    path.write_bytes(b"\n")
    assert "not a JSON result document: empty file" in _error(path)


def test_special_files(tmp_path: Path) -> None:
    assert "no such result document" in _error(tmp_path / "missing.json")
    assert "is a directory" in _error(tmp_path)
    if hasattr(os, "mkfifo"):
        fifo = tmp_path / "fifo"
        os.mkfifo(fifo)
        assert "not a regular file" in _error(fifo)


def test_streamed_writer_output_is_read_back(tmp_path: Path, result: RunResult) -> None:
    path = tmp_path / "w.json"
    with path.open("wb") as fh:
        write_result_json(result, fh)
    assert list(open_result(path).findings()) == result.findings


# ---------------------------------------------------------------------------------------------
# --previous: movement from the ranks alone
# ---------------------------------------------------------------------------------------------
REPO = Path(__file__).resolve().parents[1]
EXAMPLE_Q3 = REPO / "examples/district/2026Q3.jsonl"
EXAMPLE_PACK = REPO / "rules/district-quarterly.yaml"
EXAMPLE_Q2 = REPO / "examples/district/result-2026Q2.json"


def test_movement_from_ranks_equals_movement_from_the_result(tmp_path: Path) -> None:
    """Engine.run(previous=RunResult) (library callers) and the ranks read streaming from the
    json or jsonl file (``--previous``) give byte-identical results."""
    from pbrules.engine.evaluate import Engine
    from pbrules.evaluation import evaluate
    from pbrules.packs.loader import load_pack

    engine = Engine(load_pack(EXAMPLE_PACK))
    q2 = load_result(EXAMPLE_Q2)
    whole = engine.run(EXAMPLE_Q3, previous=q2)
    assert any(o.movement is not None for o in whole.organizations)
    ranks = previous_ranks(EXAMPLE_Q2)
    assert engine.run(EXAMPLE_Q3, previous=ranks).model_dump_json() == whole.model_dump_json()
    jsonl = _jsonl(q2, tmp_path / "q2.jsonl")
    done = evaluate(engine, EXAMPLE_Q3, previous=jsonl)
    assert done.result.model_dump_json() == whole.model_dump_json()
    assert done.warnings == []  # a jsonl result without its header line names no pack version
    assert done.previous == ranks


def test_previous_of_another_pack_is_refused(tmp_path: Path, result: RunResult) -> None:
    from pbrules.errors import UsageError
    from pbrules.evaluation import evaluate

    other = result.model_copy(update={"pack": result.pack.model_copy(update={"id": "other"})})
    path = tmp_path / "other.json"
    with path.open("wb") as fh:
        write_result_json(other, fh)
    with pytest.raises(UsageError, match="produced by pack 'other'"):
        evaluate(EXAMPLE_PACK, EXAMPLE_Q3, previous=path)

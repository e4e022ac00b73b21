"""The built-in readers parse JSON Lines, JSON and YAML files into raw records."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from pbrules.builtin import readers
from pbrules.builtin.readers import JsonlReader, JsonReader, YamlReader
from pbrules.io import Reader
from pbrules.plugins import get_registry

SNAP = {"period": "2026Q3", "organization": {"id": "B1", "name": "x", "kind": "branch"}}


def test_readers_are_registered_through_the_hook() -> None:
    registry = get_registry()
    assert {"jsonl", "json", "yaml"} <= set(registry.readers)
    assert registry.origin("reader", "jsonl") == "pbrules.builtin.readers"
    for suffix, name in ((".jsonl", "jsonl"), (".JSON", "json"), (".yml", "yaml")):
        reader = registry.reader_for(Path(f"a{suffix}"))
        assert reader is not None and reader.name == name
    assert all(isinstance(r, Reader) for r in registry.readers.values())


def test_jsonl_lines_and_errors(tmp_path: Path) -> None:
    path = tmp_path / "d.jsonl"
    path.write_bytes(
        b"\xef\xbb\xbf" + json.dumps(SNAP).encode() + b"\n"
        b"\n   \n"
        b'{"period": \n'
        b"\xff\xfe garbage\n"
        b"[1, 2]\n"
        b"42"  # no final newline
    )
    records = list(JsonlReader().read(path))
    assert [r.source for r in records] == [f"{path}:{n}" for n in (1, 4, 5, 6, 7)]
    assert records[0].data == SNAP and records[0].error is None
    assert records[1].error is not None and "truncated" in records[1].error
    assert records[2].error is not None and "invalid UTF-8" in records[2].error
    assert records[3].data == [1, 2]
    assert records[4].data == 42


def test_jsonl_over_long_line_is_one_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(readers, "MAX_LINE_BYTES", 100)
    data = b'{"a": "' + b"x" * 5000 + b'"}\n' + json.dumps(SNAP).encode() + b"\n"
    records = list(JsonlReader().read_stream(io.BytesIO(data), "s"))
    assert records[0].source == "s:1" and records[0].error and "longer than" in records[0].error
    assert records[1].source == "s:2" and records[1].data == SNAP


def test_json_single_and_array_with_lines(tmp_path: Path) -> None:
    one = tmp_path / "one.json"
    one.write_text("\n\n" + json.dumps(SNAP, indent=2))
    (rec,) = JsonReader().read(one)
    assert rec.source == f"{one}:3" and rec.data == SNAP
    many = tmp_path / "many.json"
    many.write_text("[\n" + ",\n".join(json.dumps(SNAP, indent=1) for _ in range(3)) + "\n]\n")
    recs = list(JsonReader().read(many))
    height = json.dumps(SNAP, indent=1).count("\n") + 1
    assert [r.source for r in recs] == [f"{many}:{2 + k * height}" for k in range(3)]
    assert all(r.data == SNAP for r in recs)


def test_json_broken_item_keeps_the_earlier_ones(tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text('[\n{"a": 1},\n{"b": \n')
    recs = list(JsonReader().read(path))
    assert recs[0].data == {"a": 1} and recs[0].source == f"{path}:2"
    assert recs[1].error and "invalid JSON" in recs[1].error and recs[1].source.endswith(":4")


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("", "empty file"),
        ('{"a": 1} {"b": 2}', "extra data"),
        ("[{}, {}", "expected ','"),
        ("[{} {}]", "expected ','"),
        ("[" * 100000, "nested too deeply"),
    ],
)
def test_json_garbage(tmp_path: Path, text: str, error: str) -> None:
    path = tmp_path / "g.json"
    path.write_text(text)
    recs = list(JsonReader().read(path))
    assert any(r.error and error in r.error for r in recs), recs


def test_json_empty_array(tmp_path: Path) -> None:
    path = tmp_path / "e.json"
    path.write_text(" [ ] ")
    assert list(JsonReader().read(path)) == []


def test_binary_json_and_yaml(tmp_path: Path) -> None:
    for name in ("b.json", "b.yaml"):
        path = tmp_path / name
        path.write_bytes(bytes(range(256)))
        (rec,) = list((JsonReader() if name.endswith("json") else YamlReader()).read(path))
        assert rec.error and "UTF-8" in rec.error


def test_yaml_documents_lists_and_dates(tmp_path: Path) -> None:
    path = tmp_path / "d.yaml"
    path.write_text(
        "period: 2026\n"
        "as_of: 2026-09-30\n"
        "organization: {id: B1, name: x, kind: branch}\n"
        "---\n"
        "- period: 2026Q3\n"
        "  organization: {id: B2, name: y, kind: branch}\n"
        "- period: 2026Q3\n"
        "  organization: {id: B3, name: z, kind: branch}\n"
    )
    recs = list(YamlReader().read(path))
    assert [r.source for r in recs] == [f"{path}:1", f"{path}:5", f"{path}:7"]
    assert recs[0].data["period"] == "2026"  # a bare year is read as text
    assert recs[0].data["as_of"] == "2026-09-30"  # dates stay text for the model to check
    assert recs[2].data["organization"]["id"] == "B3"


def test_yaml_syntax_error_has_a_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("period: 2026Q3\norganization: {id: B1\nmembers: [\n")
    (rec,) = list(YamlReader().read(path))
    assert rec.error and rec.error.startswith("invalid YAML")
    assert rec.source.startswith(f"{path}:")


def test_yaml_size_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(readers, "MAX_YAML_BYTES", 10)
    path = tmp_path / "big.yaml"
    path.write_text("period: 2026Q3\n" * 5)
    (rec,) = list(YamlReader().read(path))
    assert rec.error and "too large" in rec.error and "JSON Lines" in rec.error


def test_yaml_uses_the_c_loader_when_available() -> None:
    import yaml

    if getattr(yaml, "CSafeLoader", None) is None:  # pragma: no cover - depends on the build
        pytest.skip("PyYAML built without libyaml")
    assert issubclass(readers._YamlLoader, yaml.CSafeLoader)

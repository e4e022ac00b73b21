"""Hostile dataset records: each is rejected with its own line, the records around it are
evaluated, nothing raises, the input is never changed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hostile_support import fingerprint, line, record, run_cli

from pbrules.dataset import read_dataset
from pbrules.model.result import Rejected
from pbrules.model.snapshot import Snapshot

BIG_INT = "1" + "0" * 5000

# (case id, the hostile line as written in the file, a text the rejection must contain)
JSONL_CASES = [
    (
        "int-5000-digits",
        line("X").replace('"B', '"points": ' + BIG_INT + ', "B', 1)[:0]
        + '{"period": "2026Q3", "points": '
        + BIG_INT
        + ', "organization": {"id": "X", "name": "X", "kind": "branch"}}',
        "5,001 digits",
    ),
    (
        "int-deep-in-record",
        json.dumps(record("X"))[:-1] + ', "members": [{"id": "M1", "n": ' + BIG_INT + "}]}",
        "digits",
    ),
    ("plus-infinity-1e999", json.dumps(record("X"))[:-1] + ', "x": 1e999}', "out of range"),
    ("minus-infinity", json.dumps(record("X"))[:-1] + ', "x": -1e999}', "out of range"),
    ("nan-constant", json.dumps(record("X"))[:-1] + ', "x": NaN}', "NaN is not a number"),
    ("infinity-constant", json.dumps(record("X"))[:-1] + ', "x": Infinity}', "Infinity is not"),
    ("neg-infinity-constant", json.dumps(record("X"))[:-1] + ', "x": -Infinity}', "-Infinity"),
    (
        "duplicate-period",
        '{"period": "2026Q3", "period": "2026Q2", "organization": '
        '{"id": "X", "name": "X", "kind": "branch"}}',
        "duplicate key 'period'",
    ),
    (
        "duplicate-nested-key",
        '{"period": "2026Q3", "organization": {"id": "X", "id": "Y", '
        '"name": "X", "kind": "branch"}}',
        "duplicate key 'id'",
    ),
    ("as-of-after-period", line("X", as_of="2026-12-31"), "after the period 2026Q3 ends"),
    ("as-of-far-future", line("X", as_of="9999-12-31"), "after the period"),
    ("as-of-before-period", line("X", as_of="2020-01-01"), "before the period"),
    ("period-year-9999", json.dumps({**record("X"), "period": "9999Q4"}), "year after 2999"),
    ("period-year-0", json.dumps({**record("X"), "period": "0000Q1"}), "year before 1900"),
    ("not-an-object", "[1, 2, 3]", "expected an object"),
    ("a-string", '"hello"', "expected an object"),
    ("null", "null", "expected an object"),
    ("truncated", line("X")[:-5], "invalid JSON"),
    ("truncated-after-value", line("X")[:-2], "ends early"),
    ("invalid-utf8", '{"period": "2026Q3", "name": "\udcff"}', "invalid"),
    ("deep-nesting", "[" * 100_000 + "]" * 100_000, "nested too deeply"),
    ("control-chars", '{"period": "2026Q3\x00"}', "invalid JSON"),
    ("unknown-field", json.dumps({**record("X"), "hacker": 1}), "unknown field"),
    (
        "huge-string-id",
        json.dumps(
            {**record("X"), "organization": {"id": "x" * 100_000, "name": "n", "kind": "branch"}}
        ),
        "organization.id",
    ),
    ("negative-date", line("X", as_of="-001-01-01"), "as_of"),
    (
        "kind-injection",
        json.dumps({**record("X"), "organization": {"id": "X", "name": "n", "kind": "__class__"}}),
        "organization.kind",
    ),
    ("proto-key", json.dumps({**record("X"), "__proto__": {"x": 1}}), "unknown field"),
    (
        "float-period",
        '{"period": 2026.3, "organization": {"id": "X", "name": "n", "kind": "branch"}}',
        "period",
    ),
    ("exp-int", json.dumps(record("X"))[:-1] + ', "x": 1e400000}', "out of range"),
    ("duplicate-org", line("B1"), "duplicate organization 'B1'"),
]


def _write(tmp_path: Path, hostile: str) -> Path:
    path = tmp_path / "data.jsonl"
    text = "\n".join([line("B1"), hostile, line("B3")]) + "\n"
    path.write_bytes(text.encode("utf-8", "surrogateescape"))
    return path


@pytest.mark.parametrize(("hostile", "message"), [c[1:] for c in JSONL_CASES],
                         ids=[c[0] for c in JSONL_CASES])  # fmt: skip
def test_jsonl_record_is_rejected_with_its_line(tmp_path: Path, hostile: str, message: str) -> None:
    path = _write(tmp_path, hostile)
    before = fingerprint([path])
    items = list(read_dataset(path))
    assert [type(i) for i in items] == [Snapshot, Rejected, Snapshot]
    rejected = items[1]
    assert isinstance(rejected, Rejected)
    assert rejected.source == f"{path}:2"
    assert any(message in e for e in rejected.errors), rejected.errors
    assert fingerprint([path]) == before


CLI_CASES = {"int-5000-digits", "plus-infinity-1e999", "duplicate-period", "as-of-after-period"}


_FAST_PATH_GAP = pytest.mark.xfail(
    strict=True,
    reason="evaluate's chunked JSON Lines path validates a line's bytes directly and does not "
    "see duplicate keys (docs/limits.md)",
)


@pytest.mark.parametrize(
    ("hostile", "message"),
    [
        pytest.param(*c[1:], marks=_FAST_PATH_GAP) if c[0] == "duplicate-period" else c[1:]
        for c in JSONL_CASES
        if c[0] in CLI_CASES
    ],
)
def test_cli_evaluates_the_other_records(
    tmp_path: Path, pack_file: Path, hostile: str, message: str
) -> None:
    path = _write(tmp_path, hostile)
    before = fingerprint([path, pack_file])
    res = run_cli("evaluate", path, "--rules", pack_file)
    assert res.code == 1 and res.clean()
    doc = json.loads(res.stdout)
    assert [o["org_id"] for o in doc["organizations"]] == ["B1", "B3"]
    assert [r["source"] for r in doc["rejected"]] == [f"{path}:2"]
    assert message in " ".join(doc["rejected"][0]["errors"])
    assert fingerprint([path, pack_file]) == before


JSON_ARRAY_CASES = [
    ("big-int", '{"period": "2026Q3", "n": ' + BIG_INT + "}", "digits"),
    ("infinity", '{"period": "2026Q3", "n": 1e999}', "out of range"),
    ("duplicate", '{"period": "2026Q3", "period": "2026Q2"}', "duplicate key"),
    ("nan", '{"period": "2026Q3", "n": NaN}', "NaN"),
]


@pytest.mark.parametrize(("hostile", "message"), [c[1:] for c in JSON_ARRAY_CASES],
                         ids=[c[0] for c in JSON_ARRAY_CASES])  # fmt: skip
def test_json_array_item_is_rejected_alone(tmp_path: Path, hostile: str, message: str) -> None:
    path = tmp_path / "data.json"
    path.write_text(f"[\n{line('B1')},\n{hostile},\n{line('B3')}\n]\n", encoding="utf-8")
    items = list(read_dataset(path))
    assert [type(i) for i in items] == [Snapshot, Rejected, Snapshot]
    assert items[1].source == f"{path}:3"  # type: ignore[union-attr]
    assert message in " ".join(items[1].errors)  # type: ignore[union-attr]


def test_json_single_document_with_a_duplicate_key(tmp_path: Path) -> None:
    path = tmp_path / "one.json"
    path.write_text('{"period": "2026Q3", "period": "2026Q2"}', encoding="utf-8")
    (item,) = list(read_dataset(path))
    assert isinstance(item, Rejected) and "duplicate key 'period'" in item.errors[0]


YAML_CASES = [
    ("binary-tag", "name: !!binary aGVsbG8=", "!!binary is not allowed"),
    ("set-tag", "name: !!set {a, b}", "!!set is not allowed"),
    ("omap-tag", "name: !!omap [{a: 1}]", "!!omap is not allowed"),
    ("python-tag", "name: !!python/object:os.system x", "is not allowed"),
    ("custom-tag", "name: !evil x", "!evil is not allowed"),
    ("duplicate-key", "name: a\n  name: b", "duplicate key 'name'"),
    ("alias", "name: &n x\n  note: *n", "aliases are not allowed"),
    ("big-int", "name: x\n  points: " + BIG_INT, "invalid YAML value"),
]


@pytest.mark.parametrize(("hostile", "message"), [c[1:] for c in YAML_CASES],
                         ids=[c[0] for c in YAML_CASES])  # fmt: skip
def test_yaml_record_is_rejected_alone(tmp_path: Path, hostile: str, message: str) -> None:
    def org(oid: str, extra: str = "name: ok") -> str:
        return (
            f"- period: 2026Q3\n  organization: {{id: {oid}, name: n, kind: branch}}\n  {extra}\n"
        )

    path = tmp_path / "data.yaml"
    text = org("B1").replace("name: ok", "as_of: '2026-09-30'") + org("B2", hostile)
    text += org("B3").replace("name: ok", "as_of: '2026-09-30'")
    path.write_text(text, encoding="utf-8")
    items = list(read_dataset(path))
    assert [type(i) for i in items] == [Snapshot, Rejected, Snapshot]
    assert message in " ".join(items[1].errors), items[1]  # type: ignore[union-attr]
    assert items[1].source == f"{path}:4"  # type: ignore[union-attr]


def test_yaml_billion_laughs_is_refused_quickly(tmp_path: Path) -> None:
    path = tmp_path / "bomb.yaml"
    levels = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 10):
        levels.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]")
    path.write_text(
        "- period: 2026Q3\n  organization: {id: B1, name: n, kind: branch}\n  extensions:\n"
        + "".join(f"    {lv}\n" for lv in levels),
        encoding="utf-8",
    )
    (item,) = list(read_dataset(path))
    assert isinstance(item, Rejected) and "aliases are not allowed" in item.errors[0]


def test_a_line_longer_than_the_limit_is_one_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pbrules.builtin import readers

    monkeypatch.setattr(readers, "MAX_LINE_BYTES", 1024)
    path = tmp_path / "long.jsonl"
    path.write_text(line("B1") + "\n" + '{"x": "' + "a" * 5000 + '"}\n' + line("B3") + "\n")
    items = list(read_dataset(path))
    assert [type(i) for i in items] == [Snapshot, Rejected, Snapshot]
    assert "line longer than" in items[1].errors[0]  # type: ignore[union-attr]


@pytest.mark.parametrize("data", [b"", b"\n\n\n", b"\xef\xbb\xbf", b"   \r\n"])
def test_empty_files_evaluate_nothing(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "empty.jsonl"
    path.write_bytes(data)
    assert list(read_dataset(path)) == []


def test_bom_then_records(tmp_path: Path) -> None:
    path = tmp_path / "bom.jsonl"
    path.write_bytes(b"\xef\xbb\xbf" + line("B1").encode() + b"\n" + line("B2").encode())
    assert [type(i) for i in read_dataset(path)] == [Snapshot, Snapshot]


def test_cli_period_year_9999_is_a_usage_error(dataset: Path, pack_file: Path) -> None:
    res = run_cli("evaluate", dataset, "--rules", pack_file, "--period", "9999Q4")
    assert res.code == 2 and res.clean()
    assert "year after 2999" in res.stderr


def test_period_9999_in_the_data_is_rejected_not_a_crash(tmp_path: Path, pack_file: Path) -> None:
    path = tmp_path / "far.jsonl"
    path.write_text(line("B1") + "\n" + json.dumps({**record("X"), "period": "9999Q4"}) + "\n")
    res = run_cli("evaluate", path, "--rules", pack_file)
    assert res.code == 1 and res.clean()
    assert "year after 2999" in res.stdout
    assert [o["org_id"] for o in json.loads(res.stdout)["organizations"]] == ["B1"]

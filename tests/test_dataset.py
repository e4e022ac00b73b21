"""Reading datasets: every record becomes a snapshot or a Rejected entry, in input order."""

from __future__ import annotations

import json
import tracemalloc
from pathlib import Path

import pytest
from click.testing import CliRunner
from pydantic import BaseModel, ConfigDict

from pbrules.cli import cli
from pbrules.dataset import Dataset, read_dataset, validate_record
from pbrules.errors import DataError
from pbrules.io import RawRecord
from pbrules.model.result import Rejected
from pbrules.model.snapshot import Snapshot
from pbrules.plugins import PluginHost, Registry, get_registry
from pbrules.testing import synth


def snap(org_id: str = "B1", period: str = "2026Q3", **extra: object) -> dict:  # type: ignore[type-arg]
    return {
        "period": period,
        "organization": {"id": org_id, "name": f"{org_id} Party Branch", "kind": "branch"},
        **extra,
    }


def write_jsonl(path: Path, *records: object) -> Path:
    path.write_text("\n".join(r if isinstance(r, str) else json.dumps(r) for r in records) + "\n")
    return path


def errors_of(data: object) -> list[str]:
    item = validate_record(RawRecord(source="f.jsonl:1", data=data))
    assert isinstance(item, Rejected)
    return item.errors


# -- the example district -------------------------------------------------------------------------
def test_example_quarter_yields_every_organization(example_dir: Path) -> None:
    planted = json.loads((example_dir / "planted.json").read_text())
    items = list(read_dataset(example_dir / "2026Q3.jsonl"))
    assert all(isinstance(i, Snapshot) for i in items)
    ids = [i.organization.id for i in items]  # type: ignore[union-attr]
    assert len(ids) == len(set(ids)) == planted["organizations"]
    expected = {s.id for s in synth.district_specs(planted["seed"])}
    assert set(ids) == expected


def test_example_directory_reads_both_quarters_and_skips_the_rest(example_dir: Path) -> None:
    ds = read_dataset(example_dir)
    assert [p.name for p in ds.files] == ["2026Q2.jsonl", "2026Q3.jsonl"]
    skipped = {s.path.name: s.reason for s in ds.skipped}
    assert "bad" in skipped and "planted.json" in skipped
    summary = ds.summary()
    assert summary.rejected == []
    assert dict(summary.by_period) == {"2026Q2": 203, "2026Q3": 203}


def test_bad_file_rejects_each_bad_record_and_reads_the_good(example_dir: Path) -> None:
    path = example_dir / "bad" / "2026Q3-bad.jsonl"
    items = list(read_dataset(path))
    good = [i for i in items if isinstance(i, Snapshot)]
    bad = [i for i in items if isinstance(i, Rejected)]
    assert [s.organization.id for s in good] == ["B901", "B905", "B910"]
    assert len(bad) == 9
    for r in bad:
        assert r.source.startswith(f"{path}:") and r.source.rsplit(":", 1)[1].isdigit()
        assert r.errors and all(e and len(e) < 400 for e in r.errors)
    by_line = {int(r.source.rsplit(":", 1)[1]): r for r in bad}
    assert by_line[2].errors == [
        "members.3.joined_on: invalid date '2019-02-30' (expected YYYY-MM-DD)"
    ]
    assert by_line[10].org_id == "B901"
    assert f"{path}:1" in by_line[10].errors[0] and f"{path}:10" in by_line[10].errors[0]
    # input order: good and bad records interleaved as in the file
    order = [i.source if isinstance(i, Rejected) else i.organization.id for i in items]
    assert order[0] == "B901" and order[1] == f"{path}:2"


# -- validation messages ------------------------------------------------------------------------
def test_messages_are_short_field_paths() -> None:
    errors = errors_of(
        snap(
            members=[
                {"id": "M1"},
                {"id": "M2"},
                {"id": "M3"},
                {"id": "M4", "joined_on": "2026-13-01", "stauts": "full", "status": "ful"},
            ],
            dues=[{"member_id": "M1", "month": "July"}],
        )
    )
    assert sorted(errors) == sorted(
        [
            "members.3.joined_on: invalid date '2026-13-01' (expected YYYY-MM-DD)",
            "members.3.status: invalid value 'ful' (expected one of: full, probationary); "
            "did you mean 'full'?",
            "members.3.stauts: unknown field; did you mean 'status'?",
            "dues.0.month: invalid month 'July' (expected YYYY-MM)",
        ]
    )


def test_cross_record_errors_are_split() -> None:
    errors = errors_of(
        snap(
            members=[{"id": "M1"}, {"id": "M1"}],
            dues=[{"member_id": "M9", "month": "2026-07"}],
        )
    )
    assert "members: duplicate id(s) M1" in errors
    assert "dues.0.member_id: 'M9' is not a listed member" in errors


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ([1, 2], "expected an object (one snapshot), got a list"),
        ("text", "expected an object (one snapshot), got a string"),
        (None, "expected an object (one snapshot), got null"),
        ({"organization": {"id": "B1", "name": "x", "kind": "branch"}}, "period: required field"),
        (snap(period="2026Q5"), "period: invalid period '2026Q5'"),
        (snap(members="all"), "members: expected a list, got 'all'"),
        (snap(members=[{"id": 5}]), "members.0.id: expected a string, got 5"),
        (
            snap(meetings=[{"id": "E1", "held_on": "2026-07-01", "expected": -1}]),
            "meetings.0.expected",
        ),
        (
            snap(
                committee=[
                    {"person_id": "P", "appointed_on": "2026-07-01", "left_on": "2026-06-01"}
                ]
            ),
            "committee.0: left_on (2026-06-01) is before appointed_on (2026-07-01)",
        ),
    ],
)
def test_rejection_reasons(data: object, expected: str) -> None:
    assert any(e.startswith(expected) for e in errors_of(data)), errors_of(data)


def test_org_id_is_read_from_the_raw_record() -> None:
    item = validate_record(RawRecord("f:1", snap("B7", period="bad")))
    assert isinstance(item, Rejected) and item.org_id == "B7"
    item = validate_record(RawRecord("f:1", {"organization": {"id": 12}}))
    assert isinstance(item, Rejected) and item.org_id == "12"
    item = validate_record(RawRecord("f:1", {"organization": "B1"}))
    assert isinstance(item, Rejected) and item.org_id is None


def test_many_errors_are_capped() -> None:
    errors = errors_of(snap(members=[{"id": "M", "bad": 1}] * 50))
    assert len(errors) == 21 and errors[-1].startswith("... and ")


# -- extensions ---------------------------------------------------------------------------
class Grid(BaseModel):
    model_config = ConfigDict(extra="forbid")
    grid_cells: int
    leader: str | None = None


class GridPlugin:
    from pbrules import hookimpl

    @staticmethod
    @hookimpl
    def register_snapshot_extensions(register):  # type: ignore[no-untyped-def]
        register("grid", Grid)


@pytest.fixture
def ext_registry() -> Registry:
    host = PluginHost(load_entrypoints=False)
    host.register(GridPlugin(), "grid-plugin")
    return host.registry()


def test_extensions_are_validated_by_the_registered_model(ext_registry: Registry) -> None:
    ok = validate_record(
        RawRecord("f:1", snap(extensions={"grid": {"grid_cells": 4}})), registry=ext_registry
    )
    assert isinstance(ok, Snapshot) and ok.extensions == {"grid": {"grid_cells": 4}}
    bad = validate_record(
        RawRecord("f:2", snap(extensions={"grid": {"grid_cells": "many", "leadr": "x"}})),
        registry=ext_registry,
    )
    assert isinstance(bad, Rejected)
    assert "extensions.grid.grid_cells: expected an integer, got 'many'" in bad.errors[0] or any(
        e.startswith("extensions.grid.grid_cells:") for e in bad.errors
    )
    assert "extensions.grid.leadr: unknown field; did you mean 'leader'?" in bad.errors


def test_unknown_extension_is_rejected_with_a_suggestion(ext_registry: Registry) -> None:
    bad = validate_record(RawRecord("f:1", snap(extensions={"gird": {}})), registry=ext_registry)
    assert isinstance(bad, Rejected)
    assert bad.errors == [
        "extensions.gird: no plugin registers the extension 'gird' (registered: grid); "
        "did you mean 'grid'?"
    ]


# -- datasets -------------------------------------------------------------------------------------
def test_duplicates_are_per_period(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "d.jsonl", snap("B1"), snap("B1", "2026Q2"), snap("B1"))
    items = list(read_dataset(path))
    assert [type(i).__name__ for i in items] == ["Snapshot", "Snapshot", "Rejected"]
    assert items[2].org_id == "B1"  # type: ignore[union-attr]
    assert f"{path}:1" in items[2].errors[0]  # type: ignore[union-attr]


def test_duplicates_across_files_name_both(tmp_path: Path) -> None:
    write_jsonl(tmp_path / "a.jsonl", snap("B1"))
    (tmp_path / "b.yaml").write_text(
        "period: 2026Q3\norganization: {id: B1, name: y, kind: branch}\n"
    )
    items = list(read_dataset(tmp_path))
    rejected = items[1]
    assert isinstance(rejected, Rejected) and rejected.source == f"{tmp_path / 'b.yaml'}:1"
    assert str(tmp_path / "a.jsonl") + ":1" in rejected.errors[0]


def test_dataset_is_re_iterable_and_counts(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "d.jsonl", snap("B1"), "{oops", snap("B2"))
    ds = read_dataset(path)
    first, second = list(ds), list(ds)
    assert [type(i) for i in first] == [type(i) for i in second] == [Snapshot, Rejected, Snapshot]
    assert ds.count_records() == 3
    assert [s.organization.id for s in ds.snapshots()] == ["B1", "B2"]


def test_directory_rules(tmp_path: Path) -> None:
    write_jsonl(tmp_path / "b.jsonl", snap("B2"))
    (tmp_path / "a.json").write_text(json.dumps([snap("B1"), snap("B0")]))
    (tmp_path / "c.yml").write_text("- " + json.dumps(snap("B3")))
    (tmp_path / "notes.txt").write_text("hello")
    (tmp_path / "_draft.jsonl").write_text("garbage")
    (tmp_path / ".hidden.json").write_text("garbage")
    (tmp_path / "skip-me.json").write_text("garbage")
    (tmp_path / ".pbrulesignore").write_text("# comment\nskip-*.json\n")
    (tmp_path / "bad").mkdir()
    write_jsonl(tmp_path / "bad" / "x.jsonl", "garbage")
    ds = read_dataset(tmp_path)
    assert [p.name for p in ds.files] == ["a.json", "b.jsonl", "c.yml"]
    assert [s.organization.id for s in ds] == ["B1", "B0", "B2", "B3"]  # type: ignore[union-attr]
    reasons = {s.path.name: s.reason for s in ds.skipped}
    assert set(reasons) == {"bad", "notes.txt", "_draft.jsonl", ".hidden.json", "skip-me.json"}


def test_unreadable_datasets_raise_data_error(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="not found"):
        read_dataset(tmp_path / "missing.jsonl")
    (tmp_path / "x.csv").write_text("a,b")
    with pytest.raises(DataError, match=r"no reader for '\.csv'"):
        read_dataset(tmp_path / "x.csv")
    with pytest.raises(DataError, match="no dataset files"):
        read_dataset(tmp_path)


def test_a_failing_reader_plugin_becomes_a_rejection(tmp_path: Path) -> None:
    class Exploding:
        name = "boom"
        suffixes = (".boom",)

        def read(self, path: Path):  # type: ignore[no-untyped-def]
            yield RawRecord(f"{path}:1", snap("B1"))
            raise RuntimeError("disk on fire")

    path = tmp_path / "d.boom"
    path.write_text("")
    registry = Registry(readers={"boom": Exploding()})  # type: ignore[dict-item]
    items = list(read_dataset(path, registry=registry))
    assert isinstance(items[0], Snapshot)
    assert isinstance(items[1], Rejected) and "disk on fire" in items[1].errors[0]


def test_garbage_never_crashes(tmp_path: Path) -> None:
    path = tmp_path / "g.jsonl"
    path.write_bytes(bytes(range(256)) * 40 + b"\n{}\n[]\n" + b"\x00" * 100)
    items = list(read_dataset(path))
    assert items and all(isinstance(i, Rejected) for i in items)


@pytest.mark.slow
def test_reading_streams(tmp_path: Path) -> None:
    """Memory while reading does not grow with the number of records."""
    path = tmp_path / "big.jsonl"
    with path.open("w") as f:
        synth.write_jsonl(synth.generic_snapshots(1, "2026Q3", 600), f)
    ds = read_dataset(path, registry=get_registry())
    tracemalloc.start()
    try:
        peaks = []
        for n, _ in enumerate(ds, 1):
            if n in (100, 600):
                peaks.append(tracemalloc.get_traced_memory()[1])
    finally:
        tracemalloc.stop()
    size = path.stat().st_size
    # six times the records, nowhere near six times the memory; and far less than the file
    assert peaks[1] < peaks[0] * 2 and peaks[1] < size / 4


def test_dataset_repr(tmp_path: Path) -> None:
    ds = read_dataset(write_jsonl(tmp_path / "d.jsonl", snap()))
    assert isinstance(ds, Dataset) and "files=1" in repr(ds)


# -- CLI ------------------------------------------------------------------------------------------
def test_cli_summary(example_dir: Path) -> None:
    runner = CliRunner()
    ok = runner.invoke(cli, ["dataset", "summary", str(example_dir / "2026Q3.jsonl")])
    assert ok.exit_code == 0, ok.output
    assert "203 snapshot(s), 0 rejected" in ok.output and "village" in ok.output
    bad = runner.invoke(cli, ["dataset", "summary", str(example_dir / "bad" / "2026Q3-bad.jsonl")])
    assert bad.exit_code == 1
    assert "members.3.joined_on: invalid date" in bad.output  # stderr is mixed in by CliRunner
    as_json = runner.invoke(
        cli, ["dataset", "summary", "--json", str(example_dir / "bad" / "2026Q3-bad.jsonl")]
    )
    doc = json.loads(as_json.stdout)
    assert doc["snapshots"] == 3 and len(doc["rejected"]) == 9
    missing = runner.invoke(cli, ["dataset", "summary", "nope.jsonl"])
    assert missing.exit_code == 2 and "dataset not found" in missing.output

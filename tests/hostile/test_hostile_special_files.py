"""FIFOs, devices and hostile documents where a file is expected: a clear error or a skipped
file, never a blocked read or a traceback."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from hostile_support import line, run_cli

from pbrules.dataset import read_dataset
from pbrules.model.snapshot import Snapshot

pytestmark = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")


def test_fifo_inside_a_dataset_directory_is_skipped(tmp_path: Path, pack_file: Path) -> None:
    folder = tmp_path / "data"
    folder.mkdir()
    (folder / "a.jsonl").write_text(line("B1") + "\n")
    os.mkfifo(folder / "b.jsonl")
    data = read_dataset(folder)
    assert [s.reason for s in data.skipped] == ["not a regular file"]
    assert [type(i) for i in data] == [Snapshot]
    res = run_cli("evaluate", folder, "--rules", pack_file)
    assert res.code == 0 and res.clean()


@pytest.mark.parametrize("role", ["dataset", "pack", "previous", "result"])
def test_fifo_in_place_of_an_input(
    tmp_path: Path, dataset: Path, pack_file: Path, role: str
) -> None:
    fifo = tmp_path / {"dataset": "d.jsonl", "pack": "p.yaml"}.get(role, "r.json")
    os.mkfifo(fifo)
    args = {
        "dataset": ("evaluate", fifo, "--rules", pack_file),
        "pack": ("evaluate", dataset, "--rules", fifo),
        "previous": ("evaluate", dataset, "--rules", pack_file, "--previous", fifo),
        "result": ("report", fifo, "-f", "md"),
    }[role]
    res = run_cli(*args)
    assert res.code == 2 and res.clean(), res.stderr
    assert "not a" in res.stderr


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('{"a": ' + "1" * 5000 + "}", "not a JSON result document"),
        ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
        ("\xff\xfe", "not a JSON result document"),
        ("[]", "result"),
        ('{"schema": "x"}', "result"),
    ],
)
def test_hostile_result_documents(
    tmp_path: Path, dataset: Path, pack_file: Path, content: str, message: str
) -> None:
    doc = tmp_path / "prev.json"
    doc.write_bytes(content.encode("utf-8", "surrogateescape"))
    for args in (
        ("evaluate", dataset, "--rules", pack_file, "--previous", doc),
        ("report", doc, "-f", "md"),
        ("ledger", "sync", doc, "--db", tmp_path / "l.db"),
    ):
        res = run_cli(*args)
        assert res.code == 2 and res.clean(), (args, res.stderr)
        assert message in res.stderr, res.stderr
    assert not (tmp_path / "l.db").exists()


def test_device_as_dataset(pack_file: Path) -> None:
    res = run_cli("evaluate", "/dev/zero", "--rules", pack_file)
    assert res.code == 2 and res.clean()


def test_result_summary_of_a_good_run_is_unchanged(dataset: Path, pack_file: Path) -> None:
    res = run_cli("evaluate", dataset, "--rules", pack_file)
    assert res.code == 0
    assert json.loads(res.stdout)["summary"]["evaluated"] == 3

"""`-o` never destroys an input, special files are written through or refused, write errors
are clear (exit 2, no traceback)."""

from __future__ import annotations

import json
import os
import stat
import sys
import threading
from pathlib import Path

import pytest
from hostile_support import fingerprint, run_cli

from pbrules.ledger import Ledger


def _result(dataset: Path, pack: Path, tmp_path: Path) -> Path:
    out = tmp_path / "result.json"
    res = run_cli("evaluate", dataset, "--rules", pack, "-o", out)
    assert res.code == 0, res.stderr
    return out


@pytest.mark.parametrize("which", ["dataset", "pack", "previous", "ledger"])
def test_evaluate_output_equal_to_an_input_is_refused(
    tmp_path: Path, dataset: Path, pack_file: Path, which: str
) -> None:
    previous = _result(dataset, pack_file, tmp_path)
    db = tmp_path / "same.db"
    run_cli("evaluate", dataset, "--rules", pack_file, "--ledger", db, "-o", tmp_path / "x.json")
    target = {"dataset": dataset, "pack": pack_file, "previous": previous, "ledger": db}[which]
    before = fingerprint([dataset, pack_file, previous, db])
    res = run_cli(
        "evaluate", dataset, "--rules", pack_file, "--previous", previous, "--ledger", db,
        "-o", target,
    )  # fmt: skip
    assert res.code == 2 and res.clean()
    assert "refusing to overwrite an input" in res.stderr
    assert fingerprint([dataset, pack_file, previous, db]) == before
    with Ledger(db, read_only=True) as book:
        assert book.verify() == []


def test_output_through_another_name_of_the_input(
    tmp_path: Path, dataset: Path, pack_file: Path
) -> None:
    alias = tmp_path / "alias.jsonl"
    alias.symlink_to(dataset)
    hard = tmp_path / "hard.jsonl"
    os.link(dataset, hard)
    before = fingerprint([dataset])
    for out in (alias, hard, tmp_path / "." / dataset.name):
        res = run_cli("evaluate", dataset, "--rules", pack_file, "-o", out)
        assert res.code == 2 and "refusing to overwrite an input" in res.stderr
    assert fingerprint([dataset]) == before


def test_output_into_the_dataset_directory_file(tmp_path: Path, pack_file: Path) -> None:
    folder = tmp_path / "data"
    folder.mkdir()
    (folder / "a.jsonl").write_text(
        '{"period": "2026Q3", "organization": {"id": "B1", "name": "n", "kind": "branch"}}\n'
    )
    before = fingerprint([folder])
    res = run_cli("evaluate", folder, "--rules", pack_file, "-o", folder / "a.jsonl")
    assert res.code == 2 and "refusing" in res.stderr
    assert fingerprint([folder]) == before


def test_report_output_equal_to_its_result_is_refused(
    tmp_path: Path, dataset: Path, pack_file: Path
) -> None:
    result = _result(dataset, pack_file, tmp_path)
    before = fingerprint([result])
    res = run_cli("report", result, "-f", "md", "-o", result)
    assert res.code == 2 and "refusing to overwrite an input" in res.stderr
    assert fingerprint([result]) == before


def test_ledger_export_onto_the_ledger_is_refused(
    tmp_path: Path, dataset: Path, pack_file: Path
) -> None:
    db = tmp_path / "l.db"
    run_cli("evaluate", dataset, "--rules", pack_file, "--ledger", db, "-o", tmp_path / "r.json")
    before = fingerprint([db])
    res = run_cli("ledger", "export", "--format", "json", "--db", db, "-o", db)
    assert res.code == 2 and "refusing" in res.stderr
    assert fingerprint([db]) == before


def test_symlink_output_writes_its_target(tmp_path: Path, dataset: Path, pack_file: Path) -> None:
    target = tmp_path / "target.json"
    target.write_text("old")
    link = tmp_path / "link.json"
    link.symlink_to(target)
    res = run_cli("evaluate", dataset, "--rules", pack_file, "-o", link)
    assert res.code == 0 and res.clean()
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert json.loads(target.read_text())["organizations"]


def test_dangling_symlink_output_creates_its_target(
    tmp_path: Path, dataset: Path, pack_file: Path
) -> None:
    link = tmp_path / "link.json"
    link.symlink_to(tmp_path / "new.json")
    res = run_cli("evaluate", dataset, "--rules", pack_file, "-o", link)
    assert res.code == 0 and link.is_symlink() and (tmp_path / "new.json").is_file()


def test_fifo_output_is_written_through(tmp_path: Path, dataset: Path, pack_file: Path) -> None:
    fifo = tmp_path / "out.fifo"
    os.mkfifo(fifo)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()))
    reader.start()
    res = run_cli("evaluate", dataset, "--rules", pack_file, "-o", fifo)
    reader.join(timeout=30)
    assert res.code == 0 and res.clean()
    assert stat.S_ISFIFO(fifo.stat().st_mode)  # still a FIFO, not replaced by a file
    assert json.loads(received[0])["organizations"]


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
def test_device_output_is_not_replaced(dataset: Path, pack_file: Path) -> None:
    res = run_cli("evaluate", dataset, "--rules", pack_file, "-o", "/dev/full")
    assert res.code == 2 and res.clean()
    assert "cannot write /dev/full: No space left on device" in res.stderr
    assert stat.S_ISCHR(Path("/dev/full").stat().st_mode)


def test_dev_null_output(dataset: Path, pack_file: Path) -> None:
    res = run_cli("evaluate", dataset, "--rules", pack_file, "-o", os.devnull)
    assert res.code == 0 and stat.S_ISCHR(Path(os.devnull).stat().st_mode)


def test_directory_output_is_a_clear_error(tmp_path: Path, dataset: Path, pack_file: Path) -> None:
    res = run_cli("evaluate", dataset, "--rules", pack_file, "-o", tmp_path)
    assert res.code == 2 and res.clean()
    assert f"--output {tmp_path}: is a directory" in res.stderr
    assert ".tmp" not in res.stderr


def test_failed_write_keeps_the_old_file(
    tmp_path: Path, dataset: Path, pack_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "keep.json"
    out.write_text("previous content")
    from pbrules.builtin.exporters import JsonExporter

    def boom(self: object, result: object, fh: object, **options: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(JsonExporter, "export", boom)
    res = run_cli("evaluate", dataset, "--rules", pack_file, "-o", out)
    assert res.code == 2 and res.clean()
    assert "cannot write" in res.stderr and "No space left on device" in res.stderr
    assert out.read_text() == "previous content"
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


def test_full_stdout_is_a_clear_error(
    dataset: Path, pack_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pbrules.builtin.exporters import JsonExporter

    def full(self: object, result: object, fh: object, **options: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(JsonExporter, "export", full)
    res = run_cli("evaluate", dataset, "--rules", pack_file)
    assert res.code == 2 and res.clean()
    assert "standard output: No space left on device" in res.stderr
    assert "None" not in res.stderr


def test_binary_format_to_a_terminal_is_refused(
    dataset: Path, pack_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("openpyxl")
    import pbrules.cli.evaluate as evaluate_cli

    monkeypatch.setattr(evaluate_cli, "_stdout_is_tty", lambda: True)
    res = run_cli("evaluate", dataset, "--rules", pack_file, "-f", "xlsx")
    assert res.code == 2 and "binary" in res.stderr and res.stdout == ""


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX permissions")
def test_output_mode_of_an_existing_file_is_kept(
    tmp_path: Path, dataset: Path, pack_file: Path
) -> None:
    out = tmp_path / "r.json"
    out.write_text("x")
    out.chmod(0o640)
    assert run_cli("evaluate", dataset, "--rules", pack_file, "-o", out).code == 0
    assert stat.S_IMODE(out.stat().st_mode) == 0o640


def test_ledger_list_overdue_flags_exclude_each_other(tmp_path: Path) -> None:
    res = run_cli("ledger", "list", "--db", tmp_path / "x.db", "--overdue", "--not-overdue")
    assert res.code == 2 and "exclude each other" in res.stderr
    assert not (tmp_path / "x.db").exists()

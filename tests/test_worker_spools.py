"""A streamed run's workers spool their organizations' bytes themselves (``parallel.spool_in``):
only rows and places come back, the bytes are the same, and nothing is left behind in the
temporary directory, whether the run ends, is interrupted or loses a worker."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

import pytest

from pbrules.dataset import read_dataset
from pbrules.engine import chunks, parallel, stream
from pbrules.engine.chunks import Scanned
from pbrules.engine.evaluate import Engine
from pbrules.packs.loader import load_pack

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "district" / "2026Q3.jsonl"
PACK = ROOT / "rules" / "district-quarterly.yaml"


@pytest.fixture
def data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The example district in two files of many small chunks; temporary files in ``tmp``."""
    lines = EXAMPLE.read_bytes().splitlines(keepends=True)
    folder = tmp_path / "data"
    folder.mkdir()
    (folder / "a.jsonl").write_bytes(b"".join(lines[: len(lines) // 2]))
    (folder / "b.jsonl").write_bytes(b"".join(lines[len(lines) // 2 :]))
    monkeypatch.setattr(chunks, "CHUNK_BYTES", 96 * 1024)
    (tmp_path / "tmp").mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    return folder


def _run(data: Path, fmt: str, jobs: int, **options: object) -> bytes:
    out = io.BytesIO()
    engine = Engine(load_pack(PACK))
    engine.run_to(read_dataset(data), out, format=fmt, jobs=jobs, **options)  # type: ignore[arg-type]
    return out.getvalue()


def _open_fds() -> set[str]:
    return set(os.listdir("/proc/self/fd")) if Path("/proc/self/fd").exists() else set()


@pytest.mark.parametrize("fmt", ["json", "jsonl"])
def test_workers_spool_the_bytes_and_leave_nothing(
    data: Path, fmt: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    expected = _run(data, fmt, 1)
    added: list[str] = []
    add = stream.Spool.add

    def recorded(spool: stream.Spool, done: stream.Done | stream.Placed) -> stream.Row:
        added.append(type(done).__name__)
        row = add(spool, done)
        if isinstance(done, stream.Placed):  # taken: its name is gone, its bytes readable
            assert not os.path.exists(done.path)
            assert len(spool.body(row)) == row.size > 0
        return row

    monkeypatch.setattr(stream.Spool, "add", recorded)
    fds = _open_fds()
    assert _run(data, fmt, 2) == expected
    # every organization of pass 1 came back as a place; pass 2 (townships) spooled here
    assert added.count("Placed") == 203 and added.count("Done") == 31
    assert os.listdir(tempfile.gettempdir()) == []
    assert _open_fds() == fds


def test_an_interrupted_run_leaves_nothing(data: Path) -> None:
    fds = _open_fds()

    def interrupt(done: int, total: int | None) -> None:
        if done >= 100:
            raise KeyboardInterrupt

    for fmt in ("json", "jsonl"):
        with pytest.raises(KeyboardInterrupt):
            _run(data, fmt, 2, progress=interrupt)
        assert os.listdir(tempfile.gettempdir()) == []
    assert _open_fds() == fds


def _dies_on_the_second_file(directory: str, scanned: list[Scanned]) -> list[Scanned]:
    placed = spool_in(directory, scanned)
    if "b.jsonl" in scanned[0].source:
        os._exit(3)  # a worker that dies after writing part of its spool file
    return placed


spool_in = parallel.spool_in


def test_a_worker_that_dies_fails_the_run_and_leaves_nothing(
    data: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(parallel, "spool_in", _dies_on_the_second_file)  # forked workers see it
    fds = _open_fds()
    with pytest.raises(BrokenProcessPool):
        _run(data, "json", 2)
    assert os.listdir(tempfile.gettempdir()) == []
    assert _open_fds() == fds


# The parent is stopped by SIGTERM (the CLI unwinds as for Ctrl-C) right after it took the
# first worker's spool file: pass 1 is running in the pool.
_STOPPED = textwrap.dedent(
    """
    import os, signal, sys
    from pbrules.engine import chunks, stream

    chunks.CHUNK_BYTES = 96 * 1024
    take = stream.Spool._take

    def take_then_stop(self, path):
        index = take(self, path)
        os.kill(os.getpid(), signal.SIGTERM)
        return index

    stream.Spool._take = take_then_stop
    from pbrules.cli import main

    sys.argv = ["pbrules", "evaluate", *sys.argv[1:]]
    main()
    """
)


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_a_run_stopped_by_sigterm_in_pass_1_leaves_nothing(data: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.json"
    args = [str(data), "--rules", str(PACK), "-j", "2", "-o", str(out)]
    env = {**os.environ, "TMPDIR": tempfile.gettempdir()}
    done = subprocess.run(
        [sys.executable, "-c", _STOPPED, *args],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env=env,
    )
    assert done.returncode == 128 + signal.SIGTERM, done.stderr
    assert os.listdir(tempfile.gettempdir()) == []
    assert not out.exists()


_ORPHANED = textwrap.dedent(
    """
    import os
    from concurrent.futures import ProcessPoolExecutor
    from pbrules.engine import parallel

    parallel._WATCH_EVERY = 0.05
    pool = ProcessPoolExecutor(max_workers=2, initializer=parallel.exit_with_parent)
    pids = {pool.submit(os.getpid).result() for _ in range(4)}
    print(" ".join(map(str, pids)), flush=True)
    os._exit(0)  # gone without shutting its pool down, as a parent killed outright
    """
)


def _alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"  # a zombie has ended


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")
def test_workers_end_when_their_parent_is_killed_outright() -> None:
    # the orphans would hold the output pipe open: run() returns once they are gone
    done = subprocess.run(
        [sys.executable, "-c", _ORPHANED], capture_output=True, text=True, timeout=120, check=True
    )
    pids = [int(pid) for pid in done.stdout.split()]
    assert pids
    for _ in range(600):  # up to a minute for the kernel to reap them
        if not any(_alive(pid) for pid in pids):
            break
        time.sleep(0.1)
    assert not any(_alive(pid) for pid in pids)

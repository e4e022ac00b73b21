"""SIGTERM and SIGHUP stop a command as Ctrl-C does: nothing half-written is left behind."""

from __future__ import annotations

import multiprocessing
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from pbrules.cli import terminated_as_interrupted

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP])
def test_the_signal_inside_is_raised_where_the_command_is_and_the_handler_restored(
    signum: int,
) -> None:
    before = signal.getsignal(signum)
    with pytest.raises(KeyboardInterrupt), terminated_as_interrupted() as came:
        os.kill(os.getpid(), signum)
    assert came == [signum]
    assert signal.getsignal(signum) is before


def test_an_ignored_signal_stays_ignored_as_under_nohup() -> None:
    before = signal.signal(signal.SIGHUP, signal.SIG_IGN)
    try:
        with terminated_as_interrupted() as came:
            assert signal.getsignal(signal.SIGHUP) is signal.SIG_IGN
            os.kill(os.getpid(), signal.SIGHUP)  # ignored: nothing is raised
        assert came == []
        assert signal.getsignal(signal.SIGHUP) is signal.SIG_IGN
    finally:
        signal.signal(signal.SIGHUP, before)


def _terminate_self() -> None:
    os.kill(os.getpid(), signal.SIGTERM)


def test_a_process_forked_inside_ends_of_sigterm_as_by_default() -> None:
    with terminated_as_interrupted() as came:
        child = multiprocessing.get_context("fork").Process(target=_terminate_self)
        child.start()
        child.join(30)
    assert child.exitcode == -signal.SIGTERM
    assert came == []


# The child is stopped when its output is written but has not yet taken the output's name (the
# writer's fsync), the worst moment for a process that dies on the spot.
_CHILD = textwrap.dedent(
    """
    import os, signal, sys

    def fsync_then_stop(fd):
        os.kill(os.getpid(), signal.SIGTERM)

    os.fsync = fsync_then_stop
    from pbrules.cli import main

    sys.argv = ["pbrules", "evaluate", sys.argv[1], "--rules", sys.argv[2], "-o", sys.argv[3]]
    main()
    """
)


def _evaluate_stopped(out: Path) -> subprocess.CompletedProcess[str]:
    """``pbrules evaluate`` of the example district into ``out``, sent SIGTERM at the fsync."""
    return subprocess.run(
        [
            sys.executable,
            "-c",
            _CHILD,
            str(ROOT / "examples/district/2026Q3.jsonl"),
            str(ROOT / "rules/district-quarterly.yaml"),
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_evaluate_stopped_by_sigterm_leaves_no_output_and_exits_143(tmp_path: Path) -> None:
    out = tmp_path / "out" / "result.json"
    out.parent.mkdir()
    done = _evaluate_stopped(out)
    assert done.returncode == 128 + signal.SIGTERM, done.stderr
    assert "Aborted!" in done.stderr
    assert "Traceback" not in done.stderr
    assert list(out.parent.iterdir()) == []  # neither the output nor its temporary file


def test_an_existing_output_is_left_as_it_was(tmp_path: Path) -> None:
    out = tmp_path / "result.json"
    out.write_bytes(b"the last good result\n")
    done = _evaluate_stopped(out)
    assert done.returncode == 128 + signal.SIGTERM, done.stderr
    assert out.read_bytes() == b"the last good result\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["result.json"]

"""Safe output for every command that writes a file or standard output.

Rules (docs/limits.md, "Output"):

- an output that is one of the command's inputs (the dataset, a pack, ``--previous``, the
  ledger...) is refused, exit 2: nothing is read and then overwritten;
- a directory is refused with a clear message;
- a symbolic link is written through: its target is replaced, the link stays;
- a FIFO, a character device or a socket is written to directly (never replaced by a file);
- a regular file is written to a temporary file beside it and renamed over it only when the
  whole output was written, so a failed run leaves the old file as it was;
- binary formats are refused on a terminal;
- a write error (full disk, broken pipe) is reported as ``cannot write OUTPUT: reason``.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import BinaryIO

from pbrules.errors import UsageError

__all__ = ["BINARY_FORMATS", "check_output", "write_output"]

#: formats that are binary files (refused on a terminal)
BINARY_FORMATS = frozenset({"docx", "xlsx"})

Writer = Callable[[BinaryIO], object]


def _same_file(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return os.path.realpath(a) == os.path.realpath(b)


def check_output(output: Path | None, inputs: Iterable[tuple[str, Path | None]]) -> None:
    """Refuse an ``output`` that is a directory or the same file as one of ``inputs``.

    ``inputs`` are ``(what, path)`` pairs, e.g. ``("the dataset", Path("q3.jsonl"))``; a
    directory input (a dataset folder) also protects every file directly inside it.
    """
    if output is None:
        return
    if output.is_dir():
        raise UsageError(f"--output {output}: is a directory; give a file name")
    for what, path in inputs:
        if path is None:
            continue
        clash = _same_file(output, path) or (
            path.is_dir() and output.exists() and _same_file(output.parent, path)
        )
        if clash:
            raise UsageError(
                f"--output {output}: is {what} ({path}); refusing to overwrite an input"
            )


def _is_special(path: Path) -> bool:
    try:
        mode = path.stat().st_mode
    except OSError:
        return False
    return stat.S_ISFIFO(mode) or stat.S_ISCHR(mode) or stat.S_ISSOCK(mode) or stat.S_ISBLK(mode)


def _reason(exc: OSError) -> str:
    if exc.errno == errno.EPIPE:
        return "the reader closed the pipe"
    return exc.strerror or str(exc)


def is_regular_output(output: Path | None) -> bool:
    """Whether ``output`` names a file (written atomically), not stdout, a pipe or a device."""
    if output is None:
        return False
    target = Path(os.path.realpath(output)) if output.is_symlink() else output
    return not target.is_dir() and not _is_special(target)


def write_output(
    output: Path | None,
    write: Writer,
    *,
    binary: bool = False,
    then: Callable[[Path], None] | None = None,
) -> None:
    """Run ``write`` on the output stream: stdout when ``output`` is None, else the file.

    ``then`` (a regular file only) is called with the written temporary file before it takes
    the output's name: when it raises, the output is left as it was."""
    if output is None:
        _write_stdout(write, binary=binary)
        return
    target = Path(os.path.realpath(output)) if output.is_symlink() else output
    if target.is_dir():
        raise UsageError(f"--output {output}: is a directory; give a file name")
    try:
        if _is_special(target):
            with target.open("wb") as fh:
                write(fh)
            return
        _write_atomic(target, write, then)
    except OSError as exc:
        raise UsageError(f"cannot write {output}: {_reason(exc)}") from None


def _write_atomic(target: Path, write: Writer, then: Callable[[Path], None] | None) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        with tmp.open("xb") as fh:
            write(fh)
            fh.flush()
            os.fsync(fh.fileno())
        if then is not None:
            then(tmp)
        with contextlib.suppress(OSError):
            os.chmod(tmp, stat.S_IMODE(target.stat().st_mode))
        tmp.replace(target)
    finally:
        tmp.unlink(missing_ok=True)


def _stdout_is_tty() -> bool:
    try:
        return sys.stdout.isatty()
    except (AttributeError, ValueError):
        return False


def _write_stdout(write: Writer, *, binary: bool) -> None:
    if binary and _stdout_is_tty():
        raise UsageError("this format is binary: give --output FILE (or redirect stdout)")
    stream = sys.stdout.buffer
    try:
        write(stream)
        stream.flush()
    except OSError as exc:
        # keep the interpreter from reporting the same error again when it flushes at exit
        with contextlib.suppress(OSError, ValueError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        raise UsageError(f"cannot write to standard output: {_reason(exc)}") from None

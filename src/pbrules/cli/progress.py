"""Progress of long commands on stderr: a rich bar on a terminal, plain lines otherwise.

On a terminal the bar is transient (it disappears when the command ends). Elsewhere (a log, CI,
a pipe) a plain line ``evaluating: 12,000/300,000 (4%), 35 s`` is written every
:data:`PLAIN_EVERY` seconds, so a short run writes nothing and a long one stays readable.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TextIO

__all__ = ["PLAIN_EVERY", "Report", "plain_progress", "progress_on_stderr"]

#: seconds between two plain progress lines
PLAIN_EVERY = 10.0

#: ``report(done, total)``; ``total`` is ``None`` while it is not known
Report = Callable[[int, int | None], None]


def _is_tty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def plain_progress(
    what: str,
    stream: TextIO,
    every: float = PLAIN_EVERY,
    clock: Callable[[], float] = time.monotonic,
) -> Report:
    """A reporter writing ``what: done/total (pct), elapsed`` at most every ``every`` seconds."""
    started = clock()
    last = [started]

    def report(done: int, total: int | None) -> None:
        now = clock()
        if now - last[0] < every:
            return
        last[0] = now
        of = f"/{total:,} ({100 * done // max(total, 1)}%)" if total else ""
        stream.write(f"{what}: {done:,}{of}, {now - started:.0f} s\n")
        stream.flush()

    return report


@contextmanager
def progress_on_stderr(what: str) -> Iterator[Report]:
    """A progress reporter for the duration of the block (see the module docs)."""
    if not _is_tty(sys.stderr):
        yield plain_progress(what, sys.stderr)
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    with Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=Console(stderr=True),
        transient=True,
    ) as bar:
        task = bar.add_task(what, total=None)

        def update(done: int, total: int | None) -> None:
            bar.update(task, completed=done, total=total)

        yield update

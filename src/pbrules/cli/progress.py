"""Progress of long commands on stderr: a rich bar on a terminal, plain lines otherwise.

On a terminal the bar is transient (it disappears when the command ends). Elsewhere (a log, CI,
a pipe) a plain line ``evaluating: 12,000/300,000 (4%), 35 s`` is written every
:data:`PLAIN_EVERY` seconds, so a short run writes nothing and a long one stays readable.

Both reporters also have ``phase(name)``: a run that reports its phases (counting lines,
pass 1, subordinates, pass 2, ranking, writing: :meth:`pbrules.engine.evaluate.Engine.run_to`)
calls it as each starts, and the counts that follow are that phase's (``evaluating (writing):
40,000/300,000 ...``).
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TextIO

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


class _Plain:
    """``report(done, total)`` writing ``what: done/total (pct), elapsed`` at most every
    ``every`` seconds; ``phase(name)`` names the phase that starts (``what (name): ...``)."""

    def __init__(self, what: str, stream: TextIO, every: float, clock: Callable[[], float]):
        self.what, self.label = what, what
        self.stream, self.every, self.clock = stream, every, clock
        self.started = self.last = clock()

    def __call__(self, done: int, total: int | None) -> None:
        now = self.clock()
        if now - self.last < self.every:
            return
        self.last = now
        of = f"/{total:,} ({100 * done // max(total, 1)}%)" if total else ""
        self.stream.write(f"{self.label}: {done:,}{of}, {now - self.started:.0f} s\n")
        self.stream.flush()

    def phase(self, name: str) -> None:
        self.label = f"{self.what} ({name})"


def plain_progress(
    what: str,
    stream: TextIO,
    every: float = PLAIN_EVERY,
    clock: Callable[[], float] = time.monotonic,
) -> Report:
    """A reporter writing ``what: done/total (pct), elapsed`` at most every ``every`` seconds
    (with a ``phase(name)`` method: later lines read ``what (name): ...``)."""
    return _Plain(what, stream, every, clock)


class _Bar:
    """``report(done, total)`` and ``phase(name)`` on a rich progress bar's task."""

    def __init__(self, bar: Any, what: str) -> None:
        self.bar, self.what = bar, what
        self.task = bar.add_task(what, total=None)

    def __call__(self, done: int, total: int | None) -> None:
        self.bar.update(self.task, completed=done, total=total)

    def phase(self, name: str) -> None:
        self.bar.update(self.task, description=f"{self.what}: {name}", completed=0, total=None)


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
        yield _Bar(bar, what)

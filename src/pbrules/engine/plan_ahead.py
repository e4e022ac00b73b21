"""Chunks of a big JSON Lines dataset planned in a thread while pass 1 already runs.

Cutting the files into chunks (:func:`pbrules.engine.chunks.plan_chunks`) reads every byte once
to find the line ends: about 30 s for 19 GB, during which nothing else would happen. A
:class:`PlanAhead` does it in a thread and hands out each chunk as soon as it is found, so the
workers start at once and read the blocks the planner has just brought into the page cache. The
line total (pass 1's progress total) is known when the planner is done; until then pass 1 reports
its count without a total.

Small datasets (up to :data:`PLAN_AHEAD_BYTES`) are planned before pass 1 starts, as before: the
planning is instant and the total is there from the first report.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator
from pathlib import Path

from pbrules.engine.chunks import Chunk, plan_chunks

__all__ = ["PLAN_AHEAD_BYTES", "PlanAhead", "worth_planning_ahead"]

#: datasets larger than this (in bytes, all files) are planned while pass 1 runs
PLAN_AHEAD_BYTES = 256 * 1024 * 1024

_END = object()


class _Failed:
    def __init__(self, exc: BaseException) -> None:
        self.exc = exc


def worth_planning_ahead(files: list[Path]) -> bool:
    """Whether ``files`` are big enough for :class:`PlanAhead` (a file that cannot be sized is
    left to the planner's own error, in the caller's thread)."""
    try:
        return sum(path.stat().st_size for path in files) > PLAN_AHEAD_BYTES
    except OSError:
        return False


class PlanAhead:
    """The chunks of ``files`` in order, found by a thread ahead of the reader of this iterator.

    ``total`` is the number of lines once every chunk is found (``None`` before). An error of the
    planner (a file gone or unreadable) is raised where the chunks are read. :meth:`close` stops
    the planner early (pass 1 failed or was interrupted); the chunks found so far are dropped.
    """

    def __init__(self, files: list[Path], size: int | None = None) -> None:
        self.total: int | None = None
        self._chunks: queue.SimpleQueue[Chunk | _Failed | object] = queue.SimpleQueue()
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=self._plan, args=(files, size), name="pbrules-plan-chunks", daemon=True
        )

    def _plan(self, files: list[Path], size: int | None) -> None:
        lines = 0
        try:
            for chunk in plan_chunks(files, size):
                if self._stop.is_set():
                    return
                lines += chunk.lines
                self._chunks.put(chunk)
        except BaseException as exc:  # handed to the reader, raised there
            self._chunks.put(_Failed(exc))
            return
        self.total = lines
        self._chunks.put(_END)

    def __iter__(self) -> Iterator[Chunk]:
        """The chunks; the thread starts with the first one asked for (after a process pool has
        started its workers: they are forked before this process has a second thread)."""
        if self._thread.ident is None:  # not started yet
            self._thread.start()
        while True:
            item = self._chunks.get()
            if item is _END:
                return
            if isinstance(item, _Failed):
                raise item.exc
            assert isinstance(item, Chunk)
            yield item

    def close(self) -> None:
        """Stop planning (at the next chunk) and wait for the thread."""
        self._stop.set()
        if self._thread.ident is not None:
            self._thread.join()

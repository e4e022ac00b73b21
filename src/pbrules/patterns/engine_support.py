"""How the engine runs pattern criteria in batches with the durable-rules backend.

With the default Python backend the ``pattern`` checker runs like any other, one organization
at a time. With ``durable`` the engine hands the pattern criteria of up to a chunk of
organizations to :meth:`PatternBatch.prepare` before evaluating them, and uses the outcomes it
returns instead of calling the checker (see docs/patterns.md).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import date
from itertools import islice
from typing import Any, TypeVar

from pbrules.errors import UsageError
from pbrules.model.outcome import Outcome
from pbrules.model.period import Period
from pbrules.model.snapshot import Snapshot
from pbrules.patterns.batch import BACKENDS, Fallbacks, durable_available, evaluate_patterns
from pbrules.patterns.spec import PatternParams
from pbrules.patterns.workers import WorkerOptions

__all__ = ["PatternBatch", "chunked"]

T = TypeVar("T")


def chunked(items: Iterable[T], size: int) -> Iterator[list[T]]:
    """``items`` in lists of at most ``size``."""
    it = iter(items)
    while chunk := list(islice(it, size)):
        yield chunk


class PatternBatch:
    """The engine's pattern criteria (position -> params) and the backend that runs them."""

    def __init__(
        self,
        criteria: Sequence[tuple[int, Any]],
        backend: str = "python",
        options: WorkerOptions | None = None,
    ) -> None:
        if backend not in BACKENDS:
            raise UsageError(f"unknown pattern backend {backend!r} (choose python or durable)")
        if backend == "durable" and not durable_available():
            raise UsageError(
                "the durable pattern backend needs durable-rules: pip install 'pbrules[durable]'"
            )
        self.backend = backend
        self.options = options or WorkerOptions()
        #: organizations the Python backend matched, their durable-rules workers having died
        #: (a warning is logged at the first: once per engine, which the CLI makes per run)
        self.fallbacks = Fallbacks()
        self.plans = {
            pos: params.plan for pos, params in criteria if isinstance(params, PatternParams)
        }

    @property
    def active(self) -> bool:
        """Whether the engine must prepare outcomes in batches (durable backend, patterns)."""
        return self.backend == "durable" and bool(self.plans)

    @property
    def chunk(self) -> int:
        return self.options.chunk * self.options.workers

    def prepare(self, entries: Sequence[tuple[Snapshot, Period, date]]) -> list[dict[int, Outcome]]:
        """Per entry, the outcome of each pattern criterion by its position."""
        keyed = {str(pos): plan for pos, plan in self.plans.items()}
        found = evaluate_patterns(entries, keyed, "durable", self.options, self.fallbacks)
        return [{int(k): o for k, o in per.items()} for per in found]

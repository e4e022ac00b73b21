"""Pass 1 in a process pool: each worker compiles the pack once, then evaluates batches.

Snapshots travel as JSON (serialized and validated by pydantic-core), which costs about half of
what pickling the models does; results come back in input order, a bounded window ahead.
"""

from __future__ import annotations

import pickle
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import Future, ProcessPoolExecutor
from datetime import date
from typing import TYPE_CHECKING, Any

from pbrules.checker import Checker, ChildRef
from pbrules.engine.sources import Item
from pbrules.model.period import Period
from pbrules.model.snapshot import Snapshot
from pbrules.packs.schema import LoadedPack

if TYPE_CHECKING:
    from pbrules.engine.evaluate import Engine, OrgState

__all__ = ["parallel_pass1"]

_CHUNK = 32
_Batch = list[tuple[bytes, Period, date, tuple[ChildRef, ...]]]
#: Builds the worker's engine: ``Engine`` itself (pickled by reference).
EngineFactory = Callable[..., "Engine"]

_worker_engine: Engine | None = None


class _WorkerRegistry:
    def __init__(self, checkers: Mapping[str, Checker[Any]]) -> None:
        self.checkers = checkers


def _worker_init(factory: EngineFactory, payload: bytes) -> None:
    global _worker_engine
    pack, checkers = pickle.loads(payload)
    _worker_engine = factory(pack, registry=_WorkerRegistry(checkers))


def _worker_run(batch: _Batch) -> list[OrgState]:
    assert _worker_engine is not None
    engine = _worker_engine
    return [
        engine._pass1(Snapshot.model_validate_json(doc), period, when, kids)
        for doc, period, when, kids in batch
    ]


def _pool(
    factory: EngineFactory,
    payload: bytes,
    items: Iterator[Item],
    jobs: int,
) -> Iterator[OrgState]:
    window = jobs * 4
    with ProcessPoolExecutor(
        max_workers=jobs, initializer=_worker_init, initargs=(factory, payload)
    ) as pool:
        pending: list[Future[list[OrgState]]] = []
        batch: _Batch = []
        for snap, period, when, kids in items:
            batch.append((snap.__pydantic_serializer__.to_json(snap), period, when, kids))
            if len(batch) >= _CHUNK:
                pending.append(pool.submit(_worker_run, batch))
                batch = []
                while len(pending) >= window:
                    yield from pending.pop(0).result()
        if batch:
            pending.append(pool.submit(_worker_run, batch))
        for fut in pending:
            yield from fut.result()


def parallel_pass1(
    factory: EngineFactory,
    pack: LoadedPack,
    checkers: Mapping[str, Checker[Any]],
    items: Iterator[Item],
    jobs: int,
) -> Iterator[OrgState] | None:
    """Pass 1 of ``items`` in ``jobs`` processes, or ``None`` when the pack's checkers cannot be
    pickled (evaluate in this process then)."""
    try:
        payload = pickle.dumps((pack, checkers))
    except Exception:  # unpicklable plugin checkers
        return None
    return _pool(factory, payload, items, jobs)

"""Pass 1 in a process pool: each worker compiles the pack once, then evaluates batches.

JSON Lines datasets (:mod:`pbrules.engine.chunks`): each worker reads, validates and evaluates
whole chunks of lines itself, and sends back compact pass-1 states; the parent only merges them
in chunk order, so the result is the same for any number of workers. Other datasets: snapshots
travel as JSON (serialized and validated by pydantic-core). Results come back in input order, a
bounded window ahead.
"""

from __future__ import annotations

import gc
import pickle
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import Future, ProcessPoolExecutor
from datetime import date
from functools import partial
from typing import TYPE_CHECKING, Any

from pbrules.checker import Checker, ChildRef
from pbrules.engine.chunks import Chunk, Pass1, Scanned, scan_chunk
from pbrules.engine.collect import RUN_THRESHOLDS
from pbrules.engine.sources import Item
from pbrules.model.period import Period
from pbrules.model.snapshot import Snapshot
from pbrules.packs.schema import LoadedPack

if TYPE_CHECKING:
    from pbrules.engine.evaluate import Engine, OrgState

__all__ = ["ChunkRunner", "engine_payload", "parallel_pass1", "run_chunks", "scan_in_worker"]

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


# -- JSON Lines read in chunks by the workers themselves ----------------------------------------
#: Runs :func:`scan_in_worker` over chunks somewhere (a Dask cluster, ...): given the pickled
#: engine payload and the chunks, yields each chunk's records in chunk order.
ChunkRunner = Callable[[bytes, list[Chunk]], Iterator[list[Scanned]]]


class _Extensions:
    """What record validation reads of a registry: the registered extension models."""

    def __init__(self, extensions: Mapping[str, Any]) -> None:
        self.extensions = extensions


def engine_payload(
    factory: EngineFactory,
    pack: LoadedPack,
    checkers: Mapping[str, Checker[Any]],
    extensions: Mapping[str, Any],
    finish: Mapping[str, Any] | None = None,
) -> bytes | None:
    """Everything a worker needs to build the engine and validate records, pickled (``None``
    when a plugin's checkers or extension models cannot be pickled).

    ``finish``: the run's waivers when the workers finish and serialize each organization
    (:meth:`Engine.pass1_done`, a streamed run), ``None`` when they send pass-1 states."""
    try:
        waivers = None if finish is None else dict(finish)
        return pickle.dumps((factory, pack, checkers, dict(extensions), waivers))
    except Exception:  # unpicklable plugin objects: evaluate in this process
        return None


_chunk_engines: dict[bytes, tuple[Pass1, _Extensions]] = {}


def scan_in_worker(payload: bytes, chunk: Chunk) -> list[Scanned]:
    """One chunk read, validated and evaluated in pass 1 (the engine is built once per worker
    process and payload); in a streamed run each organization is also finished and
    serialized."""
    built = _chunk_engines.get(payload)
    if built is None:
        if len(_chunk_engines) >= 4:  # a long-lived (Dask) worker serving many packs
            _chunk_engines.clear()
        gc.set_threshold(*RUN_THRESHOLDS)  # a worker process only runs chunks
        factory, pack, checkers, extensions, finish = pickle.loads(payload)
        engine = factory(pack, registry=_WorkerRegistry(checkers))
        pass1: Pass1 = (
            engine.pass1_fresh if finish is None else partial(engine.pass1_done, waivers=finish)
        )
        built = _chunk_engines[payload] = (pass1, _Extensions(extensions))
    pass1, registry = built
    return scan_chunk(chunk, registry, pass1)


def _pooled_chunks(payload: bytes, chunks: Iterable[Chunk], jobs: int) -> Iterator[list[Scanned]]:
    window = jobs * 3
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        # the workers start (fork) now, before ``chunks`` may start a planning thread
        pool.submit(int).result()
        pending: list[Future[list[Scanned]]] = []
        for chunk in chunks:
            pending.append(pool.submit(scan_in_worker, payload, chunk))
            while len(pending) >= window:
                yield pending.pop(0).result()
        for fut in pending:
            yield fut.result()


def run_chunks(
    payload: bytes | None,
    chunks: list[Chunk] | Iterable[Chunk],
    jobs: int,
    local: Callable[[Chunk], list[Scanned]],
    runner: ChunkRunner | None = None,
) -> Iterator[list[Scanned]]:
    """Each chunk's records, in chunk order: on ``runner`` when given (``chunks`` a list), in
    ``jobs`` processes when there is more than one chunk (or ``chunks`` are still being
    planned: a big dataset), else in this process (``local``)."""
    if payload is not None and runner is not None:
        assert isinstance(chunks, list), "a runner is given the planned chunks"
        return runner(payload, chunks)
    many = not isinstance(chunks, list) or len(chunks) > 1
    if payload is not None and jobs > 1 and many:
        return _pooled_chunks(payload, chunks, jobs)
    return (local(chunk) for chunk in chunks)

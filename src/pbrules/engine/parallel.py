"""Pass 1 in a process pool: each worker compiles the pack once, then evaluates batches.

JSON Lines datasets (:mod:`pbrules.engine.chunks`): each worker reads, validates and evaluates
whole chunks of lines itself, and sends back compact pass-1 states; the parent only merges them
in chunk order, so the result is the same for any number of workers. In a streamed run each
worker finishes and serializes its organizations, appends their bytes to a spool file of its own
in a directory the parent owns (:func:`spool_in`), and sends back only their rows and places.
Other datasets: snapshots travel as JSON (serialized and validated by pydantic-core). Results
come back in input order, a bounded window ahead.
"""

from __future__ import annotations

import gc
import os
import pickle
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import AbstractContextManager, nullcontext
from datetime import date
from functools import partial
from typing import TYPE_CHECKING, Any, BinaryIO

from pbrules.checker import Checker, ChildRef
from pbrules.engine.chunks import Chunk, Pass1, Scanned, scan_chunk
from pbrules.engine.collect import RUN_THRESHOLDS
from pbrules.engine.sources import Item
from pbrules.engine.stream import SPOOL_BUFFER, Done, Placed
from pbrules.model.period import Period
from pbrules.model.snapshot import Snapshot
from pbrules.packs.schema import LoadedPack

if TYPE_CHECKING:
    from pbrules.engine.evaluate import Engine, OrgState

__all__ = [
    "ChunkRunner",
    "engine_payload",
    "parallel_pass1",
    "run_chunks",
    "scan_in_worker",
    "spool_in",
]

_CHUNK = 32
_Batch = list[tuple[bytes, Period, date, tuple[ChildRef, ...]]]
#: Builds the worker's engine: ``Engine`` itself (pickled by reference).
EngineFactory = Callable[..., "Engine"]

_worker_engine: Engine | None = None
_WATCH_EVERY = 1.0  # seconds between a worker's looks at whether its parent is still there


class _WorkerRegistry:
    def __init__(self, checkers: Mapping[str, Checker[Any]]) -> None:
        self.checkers = checkers


def exit_with_parent() -> None:
    """Make this worker process end when the process that started it is gone (killed outright:
    SIGKILL, out of memory). Without it, a pool's workers would wait for work forever, each
    holding the others' end of the pool's pipes open, and with them their spool files."""
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(_WATCH_EVERY)
        os._exit(1)

    threading.Thread(target=watch, name="pbrules-parent-watch", daemon=True).start()


def _worker_init(factory: EngineFactory, payload: bytes) -> None:
    global _worker_engine
    exit_with_parent()
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
    lines: bool = False,
) -> bytes | None:
    """Everything a worker needs to build the engine and validate records, pickled (``None``
    when a plugin's checkers or extension models cannot be pickled).

    ``finish``: the run's waivers when the workers finish and serialize each organization
    (:meth:`Engine.pass1_done`, a streamed run), ``None`` when they send pass-1 states.
    ``lines``: they serialize it as the ``jsonl`` export's lines (a ``jsonl`` run)."""
    try:
        waivers = None if finish is None else dict(finish)
        return pickle.dumps((factory, pack, checkers, dict(extensions), waivers, lines))
    except Exception:  # unpicklable plugin objects: evaluate in this process
        return None


_chunk_engines: dict[bytes, tuple[Pass1, _Extensions]] = {}


def scan_in_worker(payload: bytes, chunk: Chunk, spools: str | None = None) -> list[Scanned]:
    """One chunk read, validated and evaluated in pass 1 (the engine is built once per worker
    process and payload); in a streamed run each organization is also finished and
    serialized, and with ``spools`` (a directory) its bytes are appended to this process's own
    spool file there (:func:`spool_in`)."""
    built = _chunk_engines.get(payload)
    if built is None:
        if len(_chunk_engines) >= 4:  # a long-lived (Dask) worker serving many packs
            _chunk_engines.clear()
        gc.set_threshold(*RUN_THRESHOLDS)  # a worker process only runs chunks
        factory, pack, checkers, extensions, finish, lines = pickle.loads(payload)
        engine = factory(pack, registry=_WorkerRegistry(checkers))
        pass1: Pass1 = (
            engine.pass1_fresh
            if finish is None
            else partial(engine.pass1_done, waivers=finish, lines=lines)
        )
        built = _chunk_engines[payload] = (pass1, _Extensions(extensions))
    pass1, registry = built
    scanned = scan_chunk(chunk, registry, pass1)
    return scanned if spools is None else spool_in(spools, scanned)


#: this worker process's spool file: its directory, path and the file, kept open for the pool's
#: lifetime, so that the parent can unlink it once it holds a descriptor of its own
_own_spool: tuple[str, str, BinaryIO] | None = None


def _spool_file(directory: str) -> tuple[str, BinaryIO]:
    """This process's spool file in ``directory`` (``worker-<pid>``: no other process writes
    it), opened by its first chunk and kept open: it is written through this descriptor even
    after the parent has unlinked its name."""
    global _own_spool
    if _own_spool is None or _own_spool[0] != directory:
        if _own_spool is not None:
            _own_spool[2].close()
        path = os.path.join(directory, f"worker-{os.getpid()}")
        _own_spool = (directory, path, open(path, "ab", buffering=SPOOL_BUFFER))  # noqa: SIM115
    return _own_spool[1], _own_spool[2]


def spool_in(directory: str, scanned: list[Scanned]) -> list[Scanned]:
    """``scanned`` with each finished organization's bytes appended to this process's own spool
    file in ``directory`` (:func:`_spool_file`) and replaced by their place (:class:`Placed`).
    The file is flushed before the chunk's records go back."""
    path, f = _spool_file(directory)
    out: list[Scanned] = []
    at = f.seek(0, os.SEEK_END)
    for record in scanned:
        done = record.state
        if isinstance(done, Done):
            f.write(done.body)
            f.write(done.found)
            place = Placed(done.node, done.as_of, done.row._replace(at=at), path)
            record = Scanned(record.source, record.place, record.period, place)
            at += len(done.body) + len(done.found)
        out.append(record)
    f.flush()
    return out


def _spool_directory(spools: bool) -> AbstractContextManager[str | None]:
    """Where the workers of a pool put their spool files: a temporary directory, removed when
    the pool is done (the parent has opened every file it takes by then), or ``None``."""
    if not spools:
        return nullcontext()
    return tempfile.TemporaryDirectory(prefix="pbrules-spool-")


def _pooled_chunks(
    payload: bytes, chunks: Iterable[Chunk], jobs: int, spools: bool = False
) -> Iterator[list[Scanned]]:
    window = jobs * 3
    # The pool shuts down (its workers gone) before the spool directory is removed; whoever
    # takes the records opens the files they name as it reads them (``Spool.add``).
    with (
        _spool_directory(spools) as directory,
        ProcessPoolExecutor(max_workers=jobs, initializer=exit_with_parent) as pool,
    ):
        # the workers start (fork) now, before ``chunks`` may start a planning thread
        pool.submit(int).result()
        pending: list[Future[list[Scanned]]] = []
        for chunk in chunks:
            pending.append(pool.submit(scan_in_worker, payload, chunk, directory))
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
    spools: bool = False,
) -> Iterator[list[Scanned]]:
    """Each chunk's records, in chunk order: on ``runner`` when given (``chunks`` a list), in
    ``jobs`` processes when there is more than one chunk (or ``chunks`` are still being
    planned: a big dataset), else in this process (``local``).

    ``spools`` (a streamed run): the processes append the finished organizations' bytes to spool
    files of their own, in a temporary directory removed once the pool is done, and send back
    :class:`Placed` records; the reader must open each file named as it reads the records
    (:meth:`pbrules.engine.stream.Spool.add`)."""
    if payload is not None and runner is not None:
        assert isinstance(chunks, list), "a runner is given the planned chunks"
        return runner(payload, chunks)
    many = not isinstance(chunks, list) or len(chunks) > 1
    if payload is not None and jobs > 1 and many:
        return _pooled_chunks(payload, chunks, jobs, spools)
    return (local(chunk) for chunk in chunks)

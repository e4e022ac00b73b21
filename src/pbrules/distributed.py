"""The same evaluation on a Dask cluster (`pbrules evaluate --scheduler ADDR | --dask-local N`).

Only pass 1 (reading, validating and evaluating every snapshot: nearly all the work) runs on
the cluster. The dataset's JSON Lines files are cut into chunks of whole lines; each Dask task
reads one chunk from the files itself, so the dataset must be readable at the same path on every
worker (a shared file system). The client merges the compact pass-1 states in chunk order, then
runs pass 2 (roll-ups, scores, ranking) and writes the result, exactly as ``--jobs`` does: the
result document is byte-identical to a local run. See docs/distributed.md.

Requires the ``dask`` extra (``pip install 'pbrules[dask]'``).
"""

from __future__ import annotations

import importlib
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import CancelledError
from typing import TYPE_CHECKING, Any, TypeVar

from pbrules.engine.chunks import Chunk, Scanned
from pbrules.engine.evaluate import Progress
from pbrules.engine.parallel import ChunkRunner, scan_in_worker
from pbrules.errors import UsageError

_T = TypeVar("_T")

if TYPE_CHECKING:
    from distributed import Client

__all__ = ["dask_runner", "run_on_dask"]

#: chunks in flight per worker thread (results are fetched in order, a bounded window ahead)
WINDOW_PER_THREAD = 3
#: times a chunk is submitted when the scheduler cancels its task
ATTEMPTS = 3


def dask_runner(client: Client | Any) -> ChunkRunner:
    """A chunk runner submitting each chunk to ``client``'s cluster; the engine payload is sent
    to every worker once.

    A chunk whose task the scheduler cancels (it can forget a scattered value or a task under
    load, and say "already forgotten") is submitted again, with the payload scattered again,
    up to :data:`ATTEMPTS` times; a task that raises is not retried: its error is the run's."""

    dask: Any = client  # distributed's API is only partly typed

    def run(payload: bytes, chunks: list[Chunk]) -> Iterator[list[Scanned]]:
        client = dask
        shared = [client.scatter(payload, broadcast=True, hash=False)]

        def submit(chunk: Chunk) -> Any:
            return client.submit(scan_in_worker, shared[0], chunk, pure=False)

        def take(chunk: Chunk, future: Any) -> list[Scanned]:
            for attempt in range(1, ATTEMPTS + 1):
                try:
                    scanned: list[Scanned] = future.result()
                except CancelledError:  # distributed's FutureCancelledError
                    if attempt == ATTEMPTS:
                        raise
                    shared[0] = client.scatter(payload, broadcast=True, hash=False)
                    future = submit(chunk)
                    continue
                future.release()
                return scanned
            raise AssertionError("unreachable")  # pragma: no cover

        threads = sum(client.nthreads().values()) or 1
        window = threads * WINDOW_PER_THREAD
        pending: deque[tuple[Chunk, Any]] = deque()
        for chunk in chunks:
            pending.append((chunk, submit(chunk)))
            while len(pending) >= window:
                yield take(*pending.popleft())
        while pending:
            yield take(*pending.popleft())

    return run


def _client(address: str | None, local_workers: int | None) -> tuple[Any, Any]:
    try:
        dask: Any = importlib.import_module("distributed")
    except ImportError:
        raise UsageError(
            "running on Dask needs the dask extra: pip install 'pbrules[dask]'"
        ) from None
    if address is not None and local_workers is not None:
        raise UsageError("give --scheduler or --dask-local, not both")
    if address is not None:
        try:
            return dask.Client(address, timeout="30s"), None
        except OSError as exc:
            raise UsageError(f"--scheduler {address}: cannot connect: {exc}") from None
    cluster = dask.LocalCluster(
        n_workers=local_workers or 1,
        threads_per_worker=1,
        processes=True,
        dashboard_address=None,
        # the scheduler's HTTP routes (health, metrics) on a free port: the default, 8787, may be
        # another cluster's, which costs a warning and a fallback
        scheduler_kwargs={"dashboard_address": ":0"},
    )
    return dask.Client(cluster), cluster


def run_on_dask(
    run: Callable[..., _T],
    *,
    address: str | None = None,
    local_workers: int | None = None,
    progress: Progress | None = None,
) -> _T:
    """``run(runner=..., progress=...)`` (a bound :meth:`pbrules.engine.Engine.run` or
    :meth:`~pbrules.engine.Engine.run_to`) with pass 1
    on the Dask cluster at ``address``, or on a local cluster of ``local_workers`` processes."""
    client, cluster = _client(address, local_workers)
    try:
        return run(runner=dask_runner(client), progress=progress)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()

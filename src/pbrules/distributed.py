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
from collections.abc import Callable, Iterator
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


def dask_runner(client: Client | Any) -> ChunkRunner:
    """A chunk runner submitting each chunk to ``client``'s cluster; the engine payload is sent
    to every worker once."""

    dask: Any = client  # distributed's API is only partly typed

    def run(payload: bytes, chunks: list[Chunk]) -> Iterator[list[Scanned]]:
        client = dask
        shared = client.scatter(payload, broadcast=True, hash=False)
        threads = sum(client.nthreads().values()) or 1
        window = threads * WINDOW_PER_THREAD
        pending: list[Any] = []
        for chunk in chunks:
            pending.append(client.submit(scan_in_worker, shared, chunk, pure=False))
            while len(pending) >= window:
                yield _take(pending.pop(0))
        while pending:
            yield _take(pending.pop(0))

    return run


def _take(future: Any) -> list[Scanned]:
    scanned: list[Scanned] = future.result()
    future.release()
    return scanned


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

"""Everything ``pbrules evaluate`` does, as one library call: :func:`evaluate`.

The command line is a thin layer over this module, so an integrator calling
:func:`pbrules.evaluate` gets the very document the CLI writes for the same inputs:

1. the packs are loaded (or a loaded pack / :class:`~pbrules.Engine` is used as given);
2. ``previous`` (a result document path or a :class:`~pbrules.RunResult`) must be a result of the
   same pack — another pack is a :class:`~pbrules.UsageError`, another version of it a warning;
3. with a ``ledger``, the waivers active on the period's last day are looked up, so waived
   findings carry their waiver (and cost no points when the pack allows waivers);
4. the engine runs (``jobs`` processes for pass 1, ``progress`` called as it goes);
5. with a ``ledger``, the result is synced into it before it is returned, so report formats show
   the items' ledger numbers.

Warnings (another pack version, a ``previous`` that does not precede the period) are returned in
:attr:`Evaluation.warnings`; they are not part of the result document.

This module sits above the engine, the packs and the ledger, and uses only their public methods.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from os import PathLike
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from pbrules import _args
from pbrules.errors import DataError
from pbrules.io import RawRecord, Reader
from pbrules.model.period import Period
from pbrules.model.previous import PreviousRanks
from pbrules.model.result import Rejected, RunResult
from pbrules.model.snapshot import Snapshot

if TYPE_CHECKING:
    from pbrules.dataset import Dataset
    from pbrules.engine.evaluate import Engine
    from pbrules.engine.stream import RunSummary
    from pbrules.ledger.models import SyncReport
    from pbrules.packs.schema import LoadedPack
    from pbrules.plugins import Registry

__all__ = [
    "STDIN",
    "Evaluation",
    "StreamedEvaluation",
    "active_waivers",
    "default_jobs",
    "evaluate",
    "evaluate_to",
    "read_previous",
    "stdin_dataset",
    "sync_summary",
]

PackSource = str | PathLike[str]
DatasetSource = str | PathLike[str] | Iterable[Snapshot | Rejected]


@dataclass(frozen=True)
class Evaluation:
    """What :func:`evaluate` returns: the result, the ledger sync report, the warnings."""

    #: the result document (the CLI's ``--format json`` output)
    result: RunResult
    #: the ledger's report of the sync (``None`` without a ledger)
    ledger_sync: SyncReport | None = None
    #: things worth telling a person, not part of the result (another pack version...)
    warnings: list[str] = field(default_factory=list)
    #: the pack that was evaluated
    pack: LoadedPack | None = None
    #: what the movement was computed against: the previous result as given, or, read from a
    #: path, only its ranks (:func:`pbrules.result_stream.previous_ranks`)
    previous: RunResult | PreviousRanks | None = None


def read_previous(
    source: RunResult | PreviousRanks | PackSource | None,
) -> RunResult | PreviousRanks | None:
    """``None``, a :class:`~pbrules.RunResult` or its ranks as given, or the ranks of the result
    document at a path, read streaming (json or jsonl; the rest of the document is not kept)."""
    if source is None or isinstance(source, RunResult | PreviousRanks):
        return source
    _args.check_path(source, "previous")
    from pbrules.result_stream import previous_ranks

    return previous_ranks(Path(source))


def active_waivers(ledger: PackSource, pack_id: str, period: Period | None) -> dict[str, Any]:
    """Finding fingerprint -> waiver active in the ledger on the period's last day.

    A ledger file that does not exist yet has no waivers (it is created by the sync).
    """
    db = Path(ledger)
    if period is None or not db.exists():
        return {}
    from pbrules.ledger import Ledger

    with Ledger(db, read_only=True) as book:
        return dict(book.active_waivers(period.end, pack=pack_id))


def default_jobs(data: Iterable[Snapshot | Rejected]) -> int:
    """The number of cores for JSON Lines datasets (their workers read their own chunks; a
    small file stays in one process), else 1 (records would be sent to the workers one by one)."""
    from pbrules.engine.chunks import jsonl_files

    return (os.cpu_count() or 1) if jsonl_files(data) is not None else 1


def _first_period(data: Iterable[Snapshot | Rejected]) -> Period | None:
    """The period of the dataset's first readable snapshot (the run's default period)."""
    for item in data:
        if isinstance(item, Snapshot):
            return item.period
    return None


def _engine_for(
    rules: Engine | LoadedPack | PackSource | Sequence[PackSource],
    registry: Registry | None,
    pattern_backend: str,
) -> Engine:
    from pbrules.engine.evaluate import Engine
    from pbrules.packs.loader import load_packs
    from pbrules.packs.schema import LoadedPack, Pack

    if isinstance(rules, Engine):
        return rules
    if isinstance(rules, LoadedPack | Pack):
        return Engine(rules, registry=registry, pattern_backend=pattern_backend)
    if isinstance(rules, str | PathLike):
        sources: list[PackSource] = [rules]
    elif isinstance(rules, Sequence):
        sources = list(rules)
    else:
        raise TypeError(
            "rules must be an Engine, a loaded pack, a pack path or id, or a list of them, "
            f"not {type(rules).__name__}"
        )
    for i, source in enumerate(sources):
        _args.check_path(source, f"rules[{i}]")
    paths = [s if isinstance(s, str) else Path(s) for s in sources]
    loaded = load_packs(paths, registry=registry)
    return Engine(loaded, registry=registry, pattern_backend=pattern_backend)


def _dataset_for(
    dataset: DatasetSource, registry: Registry | None
) -> Iterable[Snapshot | Rejected]:
    _args.check_run_dataset(dataset)
    if isinstance(dataset, str | PathLike):
        from pbrules.dataset import read_dataset

        return read_dataset(Path(dataset), registry=registry)
    if iter(dataset) is dataset:  # a one-shot iterator is read more than once below
        return list(dataset)
    return dataset


def evaluate(
    rules: Engine | LoadedPack | PackSource | Sequence[PackSource],
    dataset: DatasetSource,
    *,
    period: Period | str | None = None,
    previous: RunResult | PreviousRanks | PackSource | None = None,
    ledger: PackSource | None = None,
    jobs: int | None = 1,
    progress: Callable[[int, int | None], None] | None = None,
    registry: Registry | None = None,
    synced_by: str = "pbrules",
    pattern_backend: str = "python",
    scheduler: str | None = None,
    dask_local: int | None = None,
) -> Evaluation:
    """Evaluate ``dataset`` against ``rules`` exactly as ``pbrules evaluate`` does.

    :param rules: an :class:`~pbrules.Engine`, a loaded pack, a pack path or id, or several
        (layered in order, like repeated ``--rules``).
    :param dataset: a dataset path (file or directory) or an iterable of snapshots.
    :param period: the period to evaluate (default: the dataset's first snapshot's).
    :param previous: last period's result (a :class:`~pbrules.RunResult`, its ranks or its
        json / jsonl file, read streaming), for movement; it must be a result of the same pack.
    :param ledger: a rectification ledger file: its active waivers apply, and the result is
        synced into it (the file is created when missing).
    :param jobs: processes for pass 1; ``None``: the number of cores for a JSON Lines dataset,
        else 1.
    :param progress: called as ``progress(done, total)`` while organizations are evaluated.
    :param registry: the plugin registry (default: the process-wide one).
    :param synced_by: who syncs, as recorded in the ledger's history.
    :param pattern_backend: the matcher of pattern criteria (``python`` or ``durable``).
    :param scheduler: run the reading and pass 1 on the Dask cluster at this address.
    :param dask_local: the same on a local Dask cluster of this many worker processes.
    :raises UsageError: ``previous`` of another pack, bad ``period`` or ``jobs``.
    :raises DataError: an unreadable dataset.
    :raises PackError: a pack that does not load.
    """
    prep = _prepare(rules, dataset, period, previous, jobs, registry, pattern_backend)
    engine, data, before, warnings = prep.engine, prep.data, prep.before, prep.warnings
    waivers: dict[str, Any] = {}
    if ledger is not None:
        _args.check_path(ledger, "ledger")
        waivers = active_waivers(ledger, engine.pack_ref.id, prep.period or _first_period(data))
    run = partial(engine.run, data, period=prep.period, previous=before, waivers=waivers)
    if scheduler is not None or dask_local is not None:
        from pbrules.distributed import run_on_dask

        result = run_on_dask(run, address=scheduler, local_workers=dask_local, progress=progress)
    else:
        result = run(jobs=jobs or default_jobs(data), progress=progress)
    where = prep.where
    if before is not None and not before.period < result.period:
        warnings.append(f"{where} is for {before.period}, which does not precede {result.period}")
    report = _sync(ledger, result, synced_by) if ledger is not None else None
    return Evaluation(
        result=result,
        ledger_sync=report,
        warnings=warnings,
        pack=engine.pack,
        previous=before,
    )


@dataclass(frozen=True)
class _Prepared:
    engine: Engine
    data: Iterable[Snapshot | Rejected]
    period: Period | None
    before: RunResult | PreviousRanks | None
    where: str
    warnings: list[str]


def _prepare(
    rules: Engine | LoadedPack | PackSource | Sequence[PackSource],
    dataset: DatasetSource,
    period: Period | str | None,
    previous: RunResult | PreviousRanks | PackSource | None,
    jobs: int | None,
    registry: Registry | None,
    pattern_backend: str,
) -> _Prepared:
    """The arguments checked, the engine built, ``previous`` read and checked, the dataset."""
    the_period = _args.check_period(period)
    if jobs is not None:
        _args.check_jobs(jobs)
    engine = _engine_for(rules, registry, pattern_backend)
    before = read_previous(previous)
    where = f"previous {previous}" if isinstance(previous, str | PathLike) else "previous"
    warnings = _args.check_previous(before, engine.pack_ref, where)
    data = _dataset_for(dataset, registry)
    return _Prepared(engine, data, the_period, before, where, warnings)


@dataclass(frozen=True)
class StreamedEvaluation:
    """What :func:`evaluate_to` returns: the run's counts, the warnings, the pack, previous."""

    #: the counts of the written result and its worst unwaived finding severity
    summary: RunSummary
    #: things worth telling a person, not part of the result (another pack version...)
    warnings: list[str] = field(default_factory=list)
    #: the pack that was evaluated
    pack: LoadedPack | None = None
    #: what the movement was computed against (as in :class:`Evaluation`)
    previous: RunResult | PreviousRanks | None = None


def evaluate_to(
    rules: Engine | LoadedPack | PackSource | Sequence[PackSource],
    dataset: DatasetSource,
    out: BinaryIO,
    *,
    format: str = "json",
    period: Period | str | None = None,
    previous: RunResult | PreviousRanks | PackSource | None = None,
    jobs: int | None = 1,
    progress: Callable[[int, int | None], None] | None = None,
    registry: Registry | None = None,
    pattern_backend: str = "python",
    scheduler: str | None = None,
    dask_local: int | None = None,
    waivers_from: PackSource | None = None,
) -> StreamedEvaluation:
    """:func:`evaluate`, the result written to ``out`` as ``format`` (``json`` or ``jsonl``:
    :data:`pbrules.engine.stream.FORMATS`) while it is made, never held whole.

    The bytes are those :func:`evaluate`'s result exports to; memory holds a compact row per
    organization (docs/performance.md). Other formats need the whole result: use
    :func:`evaluate`. ``waivers_from``: a ledger file whose active waivers apply, as with
    :func:`evaluate`'s ``ledger``; sync the written file into it afterwards with
    :func:`pbrules.ledger.sync_result_file` (streaming), as ``pbrules evaluate --ledger`` does.
    """
    prep = _prepare(rules, dataset, period, previous, jobs, registry, pattern_backend)
    engine, data, before, warnings = prep.engine, prep.data, prep.before, prep.warnings
    waivers: dict[str, Any] = {}
    if waivers_from is not None:
        _args.check_path(waivers_from, "waivers_from")
        period_for = prep.period or _first_period(data)
        waivers = active_waivers(waivers_from, engine.pack_ref.id, period_for)
    run = partial(
        engine.run_to,
        data,
        out,
        format=format,
        period=prep.period,
        previous=before,
        waivers=waivers,
    )
    if scheduler is not None or dask_local is not None:
        from pbrules.distributed import run_on_dask

        summary = run_on_dask(run, address=scheduler, local_workers=dask_local, progress=progress)
    else:
        summary = run(jobs=jobs or default_jobs(data), progress=progress)
    if before is not None and not before.period < summary.period:
        warnings.append(
            f"{prep.where} is for {before.period}, which does not precede {summary.period}"
        )
    return StreamedEvaluation(summary, warnings, engine.pack, before)


def _sync(ledger: PackSource, result: RunResult, by: str) -> SyncReport:
    from pbrules.ledger import Ledger

    with Ledger(Path(ledger)) as book:
        return book.sync(result, by=by)


def sync_summary(report: SyncReport) -> str:
    """``"new 3, closed 1"``: the non-zero counts of a sync report, or ``"no change"``."""
    counts: Mapping[str, int] = report.counts()
    return ", ".join(f"{k} {v}" for k, v in counts.items() if v) or "no change"


# ---------------------------------------------------------------------------------------------
# A dataset on standard input (``pbrules evaluate -``)
# ---------------------------------------------------------------------------------------------
STDIN = "-"


class _Relabelled:
    """A reader whose record sources name ``-`` (standard input) instead of the spool file."""

    def __init__(self, reader: Reader, spool: Path) -> None:
        self.name = reader.name
        self.suffixes = reader.suffixes
        self._reader = reader
        self._spool = str(spool)

    def read(self, path: Path) -> Iterator[RawRecord]:
        for raw in self._reader.read(path):
            source = raw.source.replace(self._spool, STDIN, 1)
            yield RawRecord(source=source, data=raw.data, error=raw.error)


def _reader_for(suffix: str, registry: Registry) -> Reader:
    for reader in registry.readers.values():
        if suffix in reader.suffixes:
            return reader
    raise DataError(f"{STDIN}: no reader for {suffix} data")


@contextmanager
def stdin_dataset(
    stream: BinaryIO, *, registry: Registry | None = None, chunk: int = 1 << 20
) -> Iterator[Dataset]:
    """A dataset read from ``stream`` (JSON Lines, or a JSON array when it starts with ``[``).

    The stream is spooled to a private temporary file (the engine reads a dataset twice), which
    is removed when the block ends; records are located as ``-:LINE``.
    """
    from pbrules.dataset import Dataset

    if registry is None:
        from pbrules.plugins import get_registry

        registry = get_registry()
    with tempfile.TemporaryDirectory(prefix="pbrules-stdin-") as tmp:
        head = stream.read(chunk)
        suffix = ".json" if head.lstrip()[:1] == b"[" else ".jsonl"
        spool = Path(tmp) / f"stdin{suffix}"
        with spool.open("wb") as fh:
            while head:
                fh.write(head)
                head = stream.read(chunk)
        reader = _Relabelled(_reader_for(suffix, registry), spool)
        yield Dataset([(spool, reader)], registry=registry, root=Path(STDIN))

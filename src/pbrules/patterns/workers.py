"""Spawned worker processes for the durable-rules backend: one process per chunk.

Each chunk of at most 1,000 organizations goes to a new ``spawn`` process that owns its
durable-rules host, answers once and exits (a worker is never reused). The main process never
imports durable-rules.

A chunk whose worker died (killed, or crashed: durable-rules' C engine can die of SIGSEGV on
valid data) is run again in new workers (``retries``); when every one of them died, the chunk is
matched by the Python backend in a new worker of its own (:mod:`pbrules.patterns.python_worker`,
the same deadline) and its answers come back as :class:`FallbackAnswer`. A chunk whose worker
hangs past its deadline or answers with an error, and a chunk whose fallback worker fails too,
comes back as a :class:`ChunkFailure`; the caller turns it into ``error`` outcomes for that
chunk's organizations, so no organization is lost and no run hangs.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from pbrules.patterns.durable_worker import MAX_CHUNK, WorkerOrg, WorkerResult, worker_main
from pbrules.patterns.plan import Plan
from pbrules.patterns.python_worker import worker_main as python_main

__all__ = ["ChunkFailure", "FallbackAnswer", "WorkerOptions", "run_chunks"]


@dataclass(frozen=True, slots=True)
class ChunkFailure:
    """Why a chunk has no answer (the worker died, timed out or raised)."""

    reason: str


@dataclass(frozen=True, slots=True)
class FallbackAnswer:
    """One organization's answer from the Python backend, its chunk's durable-rules workers
    having all died: ``died`` says how (``the durable-rules worker died (exit code -11), 5
    times``), ``code`` is the last one's exit code, ``times`` how many died."""

    result: WorkerResult
    died: str
    code: int | None
    times: int


@dataclass(frozen=True, slots=True)
class WorkerOptions:
    """How the durable backend runs its workers.

    - ``chunk``: organizations per worker (at most 1,000);
    - ``workers``: chunks evaluated at the same time;
    - ``timeout``: seconds a worker may take, plus ``per_org`` for each organization;
    - ``retries``: times a chunk whose worker died is run again in a new worker, each started
      with an environment of another size (durable-rules' C engine crashes with SIGSEGV on some
      joins in some memory layouts and not in others, and the environment's size moves them:
      docs/patterns.md); a worker that hangs past its deadline or answers with an error is not
      retried; when every attempt died, the chunk is matched by the Python backend in one more
      worker (the same deadline);
    - ``on_start``: called with (worker pid, chunk number) as each worker starts, the Python
      backend's fallback worker included (tests use it to kill a worker).
    """

    chunk: int = MAX_CHUNK
    workers: int = 1
    timeout: float = 120.0
    per_org: float = 0.5
    retries: int = 4
    on_start: Callable[[int, int], None] | None = None

    def __post_init__(self) -> None:
        if not 1 <= self.chunk <= MAX_CHUNK:
            raise ValueError(f"chunk must be between 1 and {MAX_CHUNK}, not {self.chunk}")
        if self.workers < 1:
            raise ValueError(f"workers must be at least 1, not {self.workers}")
        if self.timeout <= 0 or self.per_org < 0:
            raise ValueError("timeout must be positive and per_org not negative")
        if not 0 <= self.retries <= 5:
            raise ValueError(f"retries must be between 0 and 5, not {self.retries}")


@dataclass(frozen=True, slots=True)
class _Died(ChunkFailure):
    """The worker process ended without answering (killed, or crashed): ``code`` its exit
    code. Not a worker cut at its deadline (the bound on hostile input) nor one that answered
    with an error: those are plain :class:`ChunkFailure`."""

    code: int | None = None


_DURABLE = "the durable-rules worker"
_PYTHON = "the Python backend's worker"


def _run_one(
    number: int,
    plans: Sequence[tuple[str, Plan]],
    orgs: Sequence[WorkerOrg],
    options: WorkerOptions,
) -> Sequence[WorkerResult | FallbackAnswer] | ChunkFailure:
    """The chunk's answer from a worker, in a new worker again when one died, from the Python
    backend when every one died."""
    answer = _attempt(number, plans, orgs, options)
    for attempt in range(1, options.retries + 1):
        if not isinstance(answer, _Died):
            break
        answer = _attempt(number, plans, orgs, options, attempt)
    if isinstance(answer, _Died):
        return _fall_back(number, plans, orgs, options, answer)
    return answer


def _fall_back(
    number: int,
    plans: Sequence[tuple[str, Plan]],
    orgs: Sequence[WorkerOrg],
    options: WorkerOptions,
    died: _Died,
) -> list[FallbackAnswer] | ChunkFailure:
    """The chunk matched by the Python backend in a worker of its own, with the deadline of a
    durable-rules worker (a plan too slow for it is cut there, as it would have been)."""
    times = options.retries + 1
    reason = died.reason + ("" if times == 1 else f", {times} times")
    answer = _attempt(number, plans, orgs, options, main=python_main, who=_PYTHON)
    if isinstance(answer, ChunkFailure):
        return ChunkFailure(f"{reason}; {answer.reason}")
    return [FallbackAnswer(result, reason, died.code, times) for result in answer]


def _attempt(
    number: int,
    plans: Sequence[tuple[str, Plan]],
    orgs: Sequence[WorkerOrg],
    options: WorkerOptions,
    attempt: int = 0,
    *,
    main: Callable[[Any], None] = worker_main,
    who: str = _DURABLE,
) -> list[WorkerResult] | ChunkFailure:
    """One worker running ``main`` on the chunk: its answers, or why there are none."""
    ctx = multiprocessing.get_context("spawn")
    parent, child = ctx.Pipe(duplex=True)
    process = ctx.Process(target=main, args=(child,), daemon=True)
    deadline = options.timeout + options.per_org * len(orgs)
    try:
        _start(process, attempt)
    except Exception as exc:
        return ChunkFailure(f"{who} could not start: {exc}")
    child.close()
    # Send from a thread: a worker that never reads must not block this one past the deadline.
    sender = threading.Thread(target=_send, args=(parent, (list(plans), list(orgs))), daemon=True)
    try:
        if options.on_start is not None:
            options.on_start(process.pid or 0, number)
        sender.start()
        if not parent.poll(deadline):
            return ChunkFailure(
                f"{who} gave no answer in {deadline:.0f} s (exit code {process.exitcode})"
            )
        status, payload = parent.recv()
    except (EOFError, OSError):
        process.join(5)
        return _Died(f"{who} died (exit code {process.exitcode})", process.exitcode)
    finally:
        if process.is_alive():
            process.kill()
        process.join(5)
        if sender.ident is not None:
            sender.join(5)  # the worker is gone: its pipe fails the send at once
        parent.close()
    if status != "ok":
        return ChunkFailure(f"{who} failed: {payload}")
    if not isinstance(payload, list) or len(payload) != len(orgs):
        return ChunkFailure(f"{who} answered for the wrong organizations")
    return payload


#: set, with a length that differs per rerun, in the environment of a rerun's worker
RERUN_VARIABLE = "PBRULES_DURABLE_RERUN"
_STARTING = threading.Lock()


def _start(process: Any, attempt: int) -> None:
    """Start ``process``; a rerun (``attempt`` above 0) with :data:`RERUN_VARIABLE` set to a
    length of its own, which lays the worker's memory out differently.

    durable-rules' C engine crashes (SIGSEGV in ``assert_fact``) on some joins where a fact
    meets some of a join's conditions but not all (the rule-pack case "PT04 a committee meeting
    the day after does not count"), depending on where its memory lies: in about one worker in
    three with the environment's size varied, and in every worker of an environment that
    happens to be a bad one (the same kind of crash as durable-rules issue #381, open since
    2021). Measured on that case: of 40 environments, 13 crashed the first worker; each of the
    13 was answered by a rerun within 4 (no heap padding inside the worker did as well)."""
    with _STARTING:  # the variable is this start's alone
        if attempt:
            os.environ[RERUN_VARIABLE] = "r" * (attempt * 1531 % 6000)
        try:
            process.start()
        finally:
            if attempt:
                os.environ.pop(RERUN_VARIABLE, None)


def _send(conn: Any, message: Any) -> None:
    # A dead worker or a closed pipe is reported by the poll in _run_one.
    with contextlib.suppress(OSError, ValueError, TypeError):
        conn.send(message)


def run_chunks(
    plans: Sequence[tuple[str, Plan]],
    orgs: Sequence[WorkerOrg],
    options: WorkerOptions,
) -> list[WorkerResult | FallbackAnswer | ChunkFailure]:
    """One answer per organization, in order: its matches, an error text, the Python backend's
    answer (its chunk's durable-rules workers all died), or its chunk's failure."""
    chunks = [orgs[i : i + options.chunk] for i in range(0, len(orgs), options.chunk)]
    if not chunks:
        return []
    with ThreadPoolExecutor(max_workers=min(options.workers, len(chunks))) as pool:
        futures = [
            pool.submit(_run_one, n, plans, chunk, options) for n, chunk in enumerate(chunks)
        ]
        answers = [f.result() for f in futures]
    out: list[WorkerResult | FallbackAnswer | ChunkFailure] = []
    for chunk, answer in zip(chunks, answers, strict=True):
        if isinstance(answer, ChunkFailure):
            out.extend([answer] * len(chunk))
        else:
            out.extend(answer)
    return out

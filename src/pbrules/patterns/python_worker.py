"""The Python backend in a spawned worker: the fallback for a chunk whose durable-rules workers
died.

durable-rules' C engine can crash (SIGSEGV) on valid data, depending on where its memory lies
(docs/patterns.md). When every durable-rules worker of a chunk died, the chunk's organizations
are matched by the Python backend instead, with the same compiled plans and the same facts, in
a new worker run exactly as a durable-rules one: started with ``spawn``, sent the chunk, waited
for with the same deadline and killed past it. A plan that takes too long is cut there, and
its memory is the worker's, never the parent's. The answers have the durable-rules worker's
shape (:data:`~pbrules.patterns.durable_worker.WorkerResult`), so the parent builds the
outcomes the same way.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pbrules.patterns.durable_worker import WorkerOrg, WorkerResult, check_chunk, raised, serve
from pbrules.patterns.facts import OrgFacts
from pbrules.patterns.plan import Plan
from pbrules.patterns.python_backend import match_plan

__all__ = ["run_chunk", "worker_main"]


def _matches(plans: Sequence[tuple[str, Plan]], org: WorkerOrg) -> WorkerResult:
    """One organization's matches per plan, or an error text (never expected: a bug)."""
    key, ctx, lists = org
    facts = OrgFacts(key, ctx, lists, {})
    try:
        return {name: sorted(match_plan(plan, facts)) for name, plan in plans}
    except Exception as exc:
        return raised("the Python backend", exc)


def run_chunk(plans: Sequence[tuple[str, Plan]], orgs: Sequence[WorkerOrg]) -> list[WorkerResult]:
    """Every plan's matches on every organization of one chunk."""
    check_chunk(orgs)
    return [_matches(plans, org) for org in orgs]


def worker_main(conn: Any) -> None:
    """Entry point of a spawned fallback worker: one request, one answer, then it ends."""
    serve(conn, run_chunk)

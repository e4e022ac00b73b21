"""Pattern criteria: joins, order and absence across record lists (``check: pattern``).

A pattern correlates several records of one organization: a current committee post and that
person's unpaid dues rows, a development case and the general meeting that should have
accepted it. Two backends give the same findings (a differential test holds them to it):

- ``python`` (the default): a nested-loop join in this process;
- ``durable``: durable-rules (``pip install 'pbrules[durable]'``), run isolated in spawned
  worker processes, one fresh ruleset per chunk of at most 1,000 organizations; a chunk whose
  workers all died (durable-rules can crash on valid data) is matched by the Python backend in
  a worker of its own, each outcome noting it.

See docs/patterns.md for the YAML reference and the containment of durable-rules.
"""

from __future__ import annotations

from pbrules.patterns.batch import (
    BACKENDS,
    Backend,
    Fallbacks,
    durable_available,
    evaluate_facts,
    evaluate_patterns,
    outcome_of,
)
from pbrules.patterns.plan import Plan
from pbrules.patterns.spec import PatternParams
from pbrules.patterns.workers import WorkerOptions

__all__ = [
    "BACKENDS",
    "Backend",
    "Fallbacks",
    "PatternParams",
    "Plan",
    "WorkerOptions",
    "durable_available",
    "evaluate_facts",
    "evaluate_patterns",
    "outcome_of",
]

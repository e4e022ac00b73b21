"""Seeded synthetic datasets: the example district, and large datasets for benchmarks.

Usage::

    python -m pbrules.synth --seed 7 --period 2026Q3 --out district.jsonl
    python -m pbrules.synth --seed 7 --period 2026Q3 --orgs 1000000 --out big.jsonl
    python -m pbrules.synth --seed 7 --example-dir examples/district

Without ``--orgs`` the generator writes the example district (a district committee, ten
township/street committees, eight system sub-committees with their general branches, and about
170 branches) including its planted situations (see ``planted()``). With ``--orgs N`` it writes
a generic district of exactly ``N`` organizations, streamed to the file one snapshot at a time:
memory does not grow with ``N`` beyond one township's branch ids.

Output is deterministic for a seed: every organization draws from its own random generator
seeded by ``seed``, its id and the period, so the same organization keeps its members and
committee from one quarter to the next.

Modules, in the order the data flows: :mod:`~.names` (word lists), :mod:`~.tree` (the
organizations), :mod:`~.static` (members, committee and development cases of an organization),
:mod:`~.plan` (planted situations and movement), :mod:`~.snapshot` (one period's v1 records),
:mod:`~.example` and :mod:`~.generic` (whole districts), :mod:`~.output` (files) and
:mod:`~.cli` (the command line).
"""

from __future__ import annotations

from pbrules.testing.synth.cli import main
from pbrules.testing.synth.example import DEFAULT_SEED, example_snapshots, make_plan, planted
from pbrules.testing.synth.generic import generic_snapshots
from pbrules.testing.synth.output import dumps, write_example, write_jsonl
from pbrules.testing.synth.plan import EXAMPLE_PERIODS
from pbrules.testing.synth.tree import OrgSpec, district_specs
from pbrules.testing.synth.util import dues_rate

__all__ = [
    "DEFAULT_SEED",
    "EXAMPLE_PERIODS",
    "OrgSpec",
    "district_specs",
    "dues_rate",
    "dumps",
    "example_snapshots",
    "generic_snapshots",
    "main",
    "make_plan",
    "planted",
    "write_example",
    "write_jsonl",
]

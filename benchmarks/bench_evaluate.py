"""Benchmarks of the evaluation engine (not part of the test suite).

(a) Latency of ``Engine.evaluate`` for one snapshot of a 30-member branch with the district pack,
    after parsing (the snapshot is validated once, outside the timing): median of many runs.
(b) Throughput of ``Engine.run`` over a synthetic JSONL dataset (``pbrules.synth``): records
    read, validated, evaluated in two passes, ranked and serialized, per second; for ``--jobs``
    1 and N.

Run:  python benchmarks/bench_evaluate.py [--orgs 2000] [--jobs 2] [--repeat 2000]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from pbrules.dataset import read_dataset
from pbrules.engine.evaluate import Engine
from pbrules.model.snapshot import Snapshot
from pbrules.packs.loader import load_pack
from pbrules.testing.synth import generic_snapshots, write_jsonl

ROOT = Path(__file__).resolve().parent.parent
PACK = ROOT / "rules" / "district-quarterly.yaml"


def branch_of(members: int, seed: int = 7) -> Snapshot:
    """A synthetic branch with exactly ``members`` members (closest found, then trimmed/padded)."""
    best: dict[str, Any] | None = None
    for doc in generic_snapshots(seed, "2026Q3", 400):
        if doc["organization"]["kind"] != "branch":
            continue
        n = len(doc.get("members", []))
        if best is None or abs(n - members) < abs(len(best.get("members", [])) - members):
            best = doc
        if n == members:
            break
    assert best is not None
    return Snapshot.model_validate(best)


def bench_latency(engine: Engine, snapshot: Snapshot, repeat: int) -> tuple[float, float]:
    for _ in range(50):  # warm up caches
        engine.evaluate(snapshot)
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter_ns()
        engine.evaluate(snapshot)
        times.append(time.perf_counter_ns() - t0)
    times.sort()
    return statistics.median(times) / 1e6, times[int(len(times) * 0.95)] / 1e6


def checker_share(
    engine: Engine, snapshot: Snapshot, repeat: int
) -> tuple[float, float, list[tuple[str, float]]]:
    """Median ``evaluate`` time, median time inside checkers per evaluation (ms), and the
    median time of each checker, by wrapping every compiled checker (benchmark only)."""
    spent: dict[str, list[int]] = {}
    current: list[int] = [0]
    originals: dict[int, tuple[Any, Any]] = {}
    for compiled in engine._compiled:  # benchmark-only introspection
        checker = compiled.checker
        if id(checker) in originals:
            continue
        originals[id(checker)] = (checker, checker.check)

        def timed(
            snap: Any, params: Any, ctx: Any, _c: Any = checker.check, _n: str = checker.name
        ) -> Any:
            t0 = time.perf_counter_ns()
            try:
                return _c(snap, params, ctx)
            finally:
                dt = time.perf_counter_ns() - t0
                current[0] += dt
                spent.setdefault(_n, []).append(dt)

        checker.check = timed
    totals: list[int] = []
    inside: list[int] = []
    try:
        for _ in range(repeat):
            current[0] = 0
            t0 = time.perf_counter_ns()
            engine.evaluate(snapshot)
            totals.append(time.perf_counter_ns() - t0)
            inside.append(current[0])
    finally:
        for checker, check in originals.values():
            checker.check = check
    per_checker = {
        name: statistics.median(ts) * len(ts) / repeat / 1e6 for name, ts in spent.items()
    }
    ranked = sorted(per_checker.items(), key=lambda kv: -kv[1])
    return statistics.median(totals) / 1e6, statistics.median(inside) / 1e6, ranked


def bench_run(engine: Engine, path: Path, jobs: int) -> tuple[float, int]:
    t0 = time.perf_counter()
    result = engine.run(read_dataset(path), jobs=jobs)
    result.model_dump_json()
    elapsed = time.perf_counter() - t0
    return elapsed, result.summary.evaluated + result.summary.rejected


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--orgs", type=int, default=2000)
    ap.add_argument("--jobs", type=int, default=min(4, os.cpu_count() or 1))
    ap.add_argument("--repeat", type=int, default=2000)
    ap.add_argument("--members", type=int, default=30)
    args = ap.parse_args(argv)

    engine = Engine(load_pack(PACK))
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cpu(s)")
    print(f"pack {engine.model.pack} {engine.model.version}: {len(engine.criteria)} criteria")

    snapshot = branch_of(args.members)
    median, p95 = bench_latency(engine, snapshot, args.repeat)
    print(
        f"(a) evaluate one branch ({len(snapshot.members)} members, {len(snapshot.meetings)} "
        f"meetings, {len(snapshot.dues)} dues rows): median {median:.3f} ms, p95 {p95:.3f} ms"
    )

    total, inside, shares = checker_share(engine, snapshot, max(200, args.repeat // 4))
    print(
        f"    instrumented: median {total:.3f} ms, of which in checkers {inside:.3f} ms; "
        f"engine (index, applicability, scoring, findings, result models) {total - inside:.3f} ms"
    )
    print("    slowest checkers: " + ", ".join(f"{n} {v:.3f} ms" for n, v in shares[:4]))

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "synthetic.jsonl"
        with path.open("w", encoding="utf-8") as fh:
            write_jsonl(generic_snapshots(7, "2026Q3", args.orgs), fh)
        size = path.stat().st_size / 1e6
        t0 = time.perf_counter()
        n = sum(1 for _ in read_dataset(path))
        read_only = time.perf_counter() - t0
        print(
            f"(b) dataset: {n} records, {size:.1f} MB; reading + validating alone: "
            f"{read_only:.2f} s ({n / read_only:.0f} records/s)"
        )
        for jobs in sorted({1, args.jobs}):
            elapsed, records = bench_run(engine, path, jobs)
            print(f"    engine.run jobs={jobs}: {elapsed:.2f} s, {records / elapsed:.0f} records/s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

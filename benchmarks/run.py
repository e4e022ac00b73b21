"""pbrules benchmarks, by section (not part of the test suite).

Sections (``--only NAME`` runs one; all run by default):

- ``patterns``: the two pattern backends on the same organizations. The data is a synthetic
  district written by ``python -m pbrules.synth --orgs N``; the facts of PT01-PT04
  (rules/patterns.yaml) are built once, then each backend matches them: ``python`` in this
  process, ``durable`` in its spawned workers (chunks of 1,000 organizations). Both must give
  identical outcomes. The objects alive before the timings are frozen (``gc.freeze``), so that
  neither backend pays for the garbage collector walking the whole dataset. Wall time and
  CPU time (this process plus its finished children) are reported, and their ratios
  durable / python.

Run:  python benchmarks/run.py --orgs 10000 --only patterns [--json out.json]

Add a section by writing ``def section_<name>(args) -> dict`` and listing it in ``SECTIONS``.
"""

from __future__ import annotations

import argparse
import gc
import json
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def cpu_seconds() -> float:
    """CPU time of this process and of its children that have ended."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def timed(fn: Callable[[], Any]) -> tuple[Any, float, float]:
    """``fn()``, its wall time and its CPU time."""
    wall, cpu = time.perf_counter(), cpu_seconds()
    value = fn()
    return value, time.perf_counter() - wall, cpu_seconds() - cpu


def synth(orgs: int, seed: int, period: str, directory: Path) -> Path:
    """A synthetic dataset of ``orgs`` organizations, written by ``python -m pbrules.synth``."""
    out = directory / f"synth-{orgs}-{seed}-{period}.jsonl"
    if not out.exists():
        args = ["--orgs", str(orgs), "--seed", str(seed), "--period", period, "--out", str(out)]
        for module in ("pbrules.synth", "pbrules.testing.synth"):
            done = subprocess.run([sys.executable, "-m", module, *args], capture_output=True)
            if done.returncode == 0:
                break
        else:
            raise SystemExit(f"python -m pbrules.synth failed: {done.stderr.decode()[-500:]}")
    return out


def section_patterns(args: argparse.Namespace) -> dict[str, Any]:
    from pbrules.dataset import read_dataset
    from pbrules.model.snapshot import Snapshot
    from pbrules.packs.loader import load_pack
    from pbrules.patterns import PatternParams, WorkerOptions, durable_available, evaluate_facts
    from pbrules.patterns.facts import org_facts, plan_fields

    if not durable_available():
        raise SystemExit("the patterns section needs durable-rules: pip install 'pbrules[durable]'")
    pack = load_pack(ROOT / "rules" / "patterns.yaml")
    plans = sorted(
        (c.id, PatternParams.model_validate(c.params).plan)
        for c in pack.model.active_criteria
        if c.check == "pattern"
    )
    path = synth(args.orgs, args.seed, args.period, args.data)
    snaps, read_wall, _ = timed(
        lambda: [s for s in read_dataset(path) if isinstance(s, Snapshot)]
    )
    lists = [of for _, p in plans for of in p.lists]
    fields = plan_fields(p for _, p in plans)
    facts, facts_wall, facts_cpu = timed(
        lambda: [org_facts(s, s.period, s.effective_as_of, lists, fields) for s in snaps]
    )
    # The snapshots are no longer needed; freezing what is left keeps the garbage collector from
    # walking ten thousand organizations' facts over and over while either backend runs.
    snaps.clear()
    gc.collect()
    gc.freeze()
    python, py_wall, py_cpu = timed(lambda: evaluate_facts(plans, facts, "python"))
    options = WorkerOptions(workers=args.workers, timeout=600)
    durable, du_wall, du_cpu = timed(lambda: evaluate_facts(plans, facts, "durable", options))
    errors = sum(1 for per in durable for o in per.values() if o.status.value == "error")
    return {
        "organizations": len(facts),
        "criteria": [k for k, _ in plans],
        "records_read_s": round(read_wall, 2),
        "facts_s": round(facts_wall, 2),
        "facts_cpu_s": round(facts_cpu, 2),
        "python_s": round(py_wall, 3),
        "python_cpu_s": round(py_cpu, 3),
        "durable_s": round(du_wall, 2),
        "durable_cpu_s": round(du_cpu, 2),
        "durable_workers": args.workers,
        "ratio_wall": round(du_wall / py_wall, 1),
        "ratio_cpu": round(du_cpu / py_cpu, 1),
        "identical": python == durable,
        "durable_errors": errors,
    }


SECTIONS: dict[str, Callable[[argparse.Namespace], dict[str, Any]]] = {
    "patterns": section_patterns,
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orgs", type=int, default=10_000, help="organizations (default 10000)")
    parser.add_argument("--only", choices=sorted(SECTIONS), action="append", help="run one section")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--period", default="2026Q3")
    parser.add_argument("--workers", type=int, default=1, help="durable workers at a time")
    parser.add_argument("--data", type=Path, default=Path(tempfile.gettempdir()) / "pbrules-bench")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args(argv)
    args.data.mkdir(parents=True, exist_ok=True)
    report: dict[str, Any] = {}
    for name in args.only or sorted(SECTIONS):
        print(f"== {name} ({args.orgs} organizations)", flush=True)
        report[name] = SECTIONS[name](args)
        for key, value in report[name].items():
            print(f"  {key}: {value}")
    if args.json is not None:
        args.json.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    failed = any(not r.get("identical", True) for r in report.values())
    return 1 if failed else 0


if __name__ == "__main__":  # spawned durable workers import this module: run only as a script
    sys.exit(main())

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

- ``evaluate``: the parse floor (``Snapshot.model_validate_json`` of every line, CPU), then
  ``pbrules evaluate`` with ``--jobs 1`` and ``--jobs 2`` on the same data, each in a fresh
  process: wall time, CPU time (with its workers), peak RSS; the two outputs must be identical.
  Ratios: CPU of --jobs 1 over the floor, wall speed-up of --jobs 2, RSS per organization.
- ``floors``: what the parse floor leaves for everything else (CPU, ``Engine.run_to`` in one
  fresh process, no CLI start-up, the three in turn, best of ``--floor-runs``): the parse floor;
  the engine with every checker answering one fixed ``pass`` without reading the snapshot
  ("no-work": parse, screens, index, guard, scoring, and each organization's result with its
  criterion records written; nothing checked); and the engine with its real checkers.
  ``checkers_ms_per_org`` is the difference of the last two.
- ``latency``: ``Engine.evaluate`` of one validated 30-member branch, median and p99 (wall),
  and the median CPU time of the evaluating thread.
- ``ledger``: ``pbrules ledger sync`` of the --jobs 1 result into a new ledger.
- ``reports``: ``pbrules report`` of that result as html, xlsx and docx (``--report-formats``).

The data is generated once per ``--orgs`` and ``--seed`` into ``--data`` and reused.
``--replicate K`` makes a dataset K times as big fast (the generator needs about 30 minutes for
a million organizations): the generated one is written K times, the organization ids of copy k
prefixed ``R<k>-`` everywhere they appear (``id``, ``parent_id``, every ``*org_id`` field such
as a visit's ``target_org_id``), so each copy is a district of its own with consistent parents.
``--orgs 10000 --replicate 100`` is a million organizations.

Run:  python benchmarks/run.py --orgs 10000 --only patterns [--json out.json]
      python benchmarks/run.py --orgs 100000 --only evaluate --only latency --only ledger
      python benchmarks/run.py --orgs 10000 --replicate 100 --only evaluate --only reports

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


#: stands for a copy's id prefix in a replicated line (no JSON escaping touches it)
_MARK = "@@R@@"


def _prefixed(value: Any) -> Any:
    """``value`` (a parsed snapshot line) with every organization id marked for a prefix."""
    if isinstance(value, dict):
        return {
            k: _MARK + v
            if isinstance(v, str) and (k.endswith("org_id") or k == "parent_id")
            else _prefixed(v)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_prefixed(v) for v in value]
    return value


def replicate(source: Path, copies: int) -> Path:
    """``source`` written ``copies`` times, copy k's organization ids prefixed ``R<k>-``."""
    out = source.with_name(f"{source.stem}-x{copies}.jsonl")
    if copies <= 1 or out.exists():
        return source if copies <= 1 else out
    templates = []
    with source.open(encoding="utf-8") as fh:
        for line in fh:
            snap = json.loads(line)
            snap["organization"]["id"] = _MARK + snap["organization"]["id"]
            templates.append(json.dumps(_prefixed(snap), ensure_ascii=False) + "\n")
    partial = out.with_suffix(".partial")
    with partial.open("w", encoding="utf-8") as dst:
        for k in range(copies):
            dst.writelines(t.replace(_MARK, f"R{k}-") for t in templates)
    partial.replace(out)
    return out


def dataset(args: argparse.Namespace) -> Path:
    """The benchmark's data: ``--orgs`` generated, times ``--replicate``."""
    return replicate(synth(args.orgs, args.seed, args.period, args.data), args.replicate)


def tag(args: argparse.Namespace) -> str:
    """The dataset's name in the files the sections write: ``10000`` or ``10000x100``."""
    return f"{args.orgs}x{args.replicate}" if args.replicate > 1 else str(args.orgs)


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
    path = dataset(args)
    snaps, read_wall, _ = timed(lambda: [s for s in read_dataset(path) if isinstance(s, Snapshot)])
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


# -- scale: evaluate, latency, ledger, reports (docs/performance.md) ---------------------------
DISTRICT = ROOT / "rules" / "district-quarterly.yaml"


def measure(cmd: list[str]) -> dict[str, Any]:
    """Run ``cmd``; its wall time, CPU time (with its workers) and peak RSS (its largest
    process: itself or a worker it waited for)."""
    import os

    wall = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    assert proc.stderr is not None
    err = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - wall
    if proc.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}): {err.decode()[-800:]}")
    return {
        "wall_s": round(wall, 2),
        "cpu_s": round(usage.ru_utime + usage.ru_stime, 2),
        "peak_rss_mb": round(usage.ru_maxrss / 1024, 1),
    }


_FLOOR = """
import sys, time
from pbrules.model.snapshot import Snapshot
n, t = 0, time.process_time()
with open(sys.argv[1], "rb") as f:
    for line in f:
        Snapshot.model_validate_json(line)
        n += 1
print(n, time.process_time() - t)
"""


def parse_floor(path: Path) -> tuple[int, float]:
    """Records and CPU seconds of ``Snapshot.model_validate_json`` alone over every line."""
    out = subprocess.run(
        [sys.executable, "-c", _FLOOR, str(path)], capture_output=True, check=True, text=True
    )
    n, cpu = out.stdout.split()
    return int(n), float(cpu)


_FLOORS = """
import json, os, sys, time
from pbrules.dataset import read_dataset
from pbrules.engine.evaluate import Engine
from pbrules.model.outcome import Outcome, Status
from pbrules.model.snapshot import Snapshot
from pbrules.packs.loader import load_pack

data, pack, out, rounds = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
engine = Engine(load_pack(pack))
checkers = {id(c.checker): c.checker for c in engine._compiled}.values()
done = Outcome(Status.PASS, actual=1, expected=1)


def parse():
    with open(data, "rb") as f:
        for line in f:
            Snapshot.model_validate_json(line)


def run():
    with open(out, "wb") as sink:
        engine.run_to(read_dataset(data), sink)


def no_work():  # every checker answers pass at once, without reading the snapshot
    for checker in checkers:
        object.__setattr__(checker, "check", lambda snapshot, params, ctx: done)
        object.__setattr__(checker, "applies", lambda snapshot, params: True)
    try:
        run()
    finally:
        for checker in checkers:
            object.__delattr__(checker, "check")
            object.__delattr__(checker, "applies")


best = {"parse": [], "no_work": [], "real": []}
for _ in range(rounds):  # in turn, so that each round's three share the machine's state
    for name, fn in (("parse", parse), ("no_work", no_work), ("real", run)):
        t = time.process_time()
        fn()
        best[name].append(time.process_time() - t)
os.unlink(out)
print(json.dumps({k: min(v) for k, v in best.items()}))
"""


def section_floors(args: argparse.Namespace) -> dict[str, Any]:
    """The parse floor, the engine whose checkers do no work, and the real engine (CPU, in
    turn in one fresh process, best of ``--floor-runs``)."""
    path = dataset(args)
    n = sum(1 for line in path.open("rb") if line.strip())
    out = args.data / f"floors-{tag(args)}.json"
    cmd = [sys.executable, "-c", _FLOORS, str(path), str(DISTRICT), str(out), str(args.floor_runs)]
    cpu = json.loads(subprocess.run(cmd, capture_output=True, check=True, text=True).stdout)
    floor, no_work, real = cpu["parse"], cpu["no_work"], cpu["real"]
    per_org = 1000 / max(n, 1)
    return {
        "organizations": n,
        "parse_floor_ms_per_org": round(floor * per_org, 3),
        "no_work_ms_per_org": round(no_work * per_org, 3),
        "real_ms_per_org": round(real * per_org, 3),
        "checkers_ms_per_org": round((real - no_work) * per_org, 3),
        "no_work_over_floor": round(no_work / floor, 2),
        "real_over_floor": round(real / floor, 2),
    }


def pbrules(*args: str) -> list[str]:
    return [sys.executable, "-c", "from pbrules.cli import main; main()", *args]


def section_evaluate(args: argparse.Namespace) -> dict[str, Any]:
    """The parse floor, then ``pbrules evaluate`` with --jobs 1 and --jobs 2 on the same data."""
    path = dataset(args)
    n, floor_cpu = parse_floor(path)
    runs: dict[str, Any] = {"organizations": n, "parse_floor_cpu_s": round(floor_cpu, 2)}
    outputs = []
    for jobs in (1, 2):
        out = args.data / f"result-{tag(args)}-j{jobs}.json"
        runs[f"jobs{jobs}"] = measure(
            pbrules(
                "evaluate", str(path), "--rules", str(DISTRICT), "-j", str(jobs), "-o", str(out)
            )
        )
        outputs.append(out.read_bytes())
    j1, j2 = runs["jobs1"], runs["jobs2"]
    runs["identical"] = outputs[0] == outputs[1]
    runs["result_bytes_per_org"] = round(len(outputs[0]) / max(n, 1))
    runs["jobs1_cpu_over_floor"] = round(j1["cpu_s"] / floor_cpu, 2)
    runs["jobs1_orgs_per_cpu_s"] = round(n / j1["cpu_s"])
    runs["jobs2_speedup_wall"] = round(j1["wall_s"] / j2["wall_s"], 2)
    runs["jobs2_cpu_over_jobs1"] = round(j2["cpu_s"] / j1["cpu_s"], 2)
    runs["jobs1_rss_kb_per_org"] = round(j1["peak_rss_mb"] * 1024 / max(n, 1), 1)
    return runs


def section_latency(args: argparse.Namespace) -> dict[str, Any]:
    """``Engine.evaluate`` of one 30-member branch, already validated: median and p99."""
    import statistics

    sys.path.insert(0, str(ROOT / "benchmarks"))
    from bench_evaluate import branch_of

    from pbrules.engine.evaluate import Engine
    from pbrules.packs.loader import load_pack

    engine = Engine(load_pack(DISTRICT))
    snap = branch_of(30)
    for _ in range(100):
        engine.evaluate(snap)
    times, cpu = [], []
    for _ in range(args.repeat):
        t0, c0 = time.perf_counter_ns(), time.thread_time_ns()
        engine.evaluate(snap)
        cpu.append(time.thread_time_ns() - c0)
        times.append(time.perf_counter_ns() - t0)
    times.sort()
    return {
        "members": len(snap.members),
        "runs": args.repeat,
        "median_ms": round(statistics.median(times) / 1e6, 3),
        "p99_ms": round(times[int(len(times) * 0.99)] / 1e6, 3),
        # CPU time of the evaluating thread: what a loaded machine does not inflate as much
        "cpu_median_ms": round(statistics.median(cpu) / 1e6, 3),
    }


def section_ledger(args: argparse.Namespace) -> dict[str, Any]:
    """``pbrules ledger sync`` of the --jobs 1 result into a new ledger."""
    result = args.data / f"result-{tag(args)}-j1.json"
    if not result.exists():
        section_evaluate(args)
    db = args.data / f"ledger-{tag(args)}.db"
    db.unlink(missing_ok=True)
    return {"sync": measure(pbrules("ledger", "sync", str(result), "--db", str(db)))}


def section_reports(args: argparse.Namespace) -> dict[str, Any]:
    """``pbrules report`` of the --jobs 1 result in each review format."""
    result = args.data / f"result-{tag(args)}-j1.json"
    if not result.exists():
        section_evaluate(args)
    out: dict[str, Any] = {}
    for fmt in args.report_formats.split(","):
        target = args.data / f"review-{tag(args)}.{fmt}"
        cmd = pbrules("report", str(result), "--rules", str(DISTRICT), "-f", fmt, "-o", str(target))
        out[fmt] = {**measure(cmd), "mb": round(target.stat().st_size / 2**20, 1)}
        out[fmt]["rss_kb_per_org"] = round(
            out[fmt]["peak_rss_mb"] * 1024 / (args.orgs * args.replicate), 1
        )
    return out


SECTIONS: dict[str, Callable[[argparse.Namespace], dict[str, Any]]] = {
    "patterns": section_patterns,
    "evaluate": section_evaluate,
    "floors": section_floors,
    "latency": section_latency,
    "ledger": section_ledger,
    "reports": section_reports,
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orgs", type=int, default=10_000, help="organizations (default 10000)")
    parser.add_argument("--only", choices=sorted(SECTIONS), action="append", help="run one section")
    parser.add_argument(
        "--replicate", type=int, default=1, metavar="K", help="the data K times, ids prefixed"
    )
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--period", default="2026Q3")
    parser.add_argument("--workers", type=int, default=1, help="durable workers at a time")
    parser.add_argument("--data", type=Path, default=Path(tempfile.gettempdir()) / "pbrules-bench")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument("--repeat", type=int, default=2000, help="latency runs")
    parser.add_argument(
        "--floor-runs", type=int, default=2, help="runs of each engine in floors (best kept)"
    )
    parser.add_argument(
        "--report-formats",
        default="html,xlsx,docx",
        help="review formats the reports section makes",
    )
    args = parser.parse_args(argv)
    args.data.mkdir(parents=True, exist_ok=True)
    report: dict[str, Any] = {}
    for name in args.only or sorted(SECTIONS):
        print(f"== {name} ({args.orgs * args.replicate} organizations)", flush=True)
        report[name] = SECTIONS[name](args)
        for key, value in report[name].items():
            print(f"  {key}: {value}")
    if args.json is not None:
        args.json.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    failed = any(not r.get("identical", True) for r in report.values())
    return 1 if failed else 0


if __name__ == "__main__":  # spawned durable workers import this module: run only as a script
    sys.exit(main())

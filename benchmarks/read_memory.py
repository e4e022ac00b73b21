"""Reading a large JSON Lines dataset keeps memory flat.

Generates a synthetic dataset of about ``--size-mb`` megabytes with ``pbrules.synth`` (in /tmp
by default, never committed), then reads it, and a quarter-size prefix of it, each in a fresh
process through ``pbrules.read_dataset`` (every record validated into a Snapshot), and reports
peak resident memory against file size, and throughput::

    python benchmarks/read_memory.py --size-mb 200

The figures are quoted in docs/performance.md ("Reading datasets").
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path


def _rss_mb() -> float:
    # ru_maxrss is in kilobytes on Linux (bytes on macOS)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def _current_rss_mb() -> float:
    try:
        with open("/proc/self/statm") as f:
            pages = int(f.read().split()[1])
        return pages * os.sysconf("SC_PAGE_SIZE") / 2**20
    except OSError:  # not Linux
        return _rss_mb()


def read(path: Path) -> dict[str, float]:
    """Read the dataset once; memory and time figures (runs in a fresh process)."""
    from pbrules.dataset import read_dataset
    from pbrules.model.result import Rejected
    from pbrules.plugins import get_registry

    registry = get_registry()
    dataset = read_dataset(path, registry=registry)
    baseline = _current_rss_mb()
    start = time.perf_counter()
    records = rejected = 0
    for item in dataset:
        records += 1
        rejected += isinstance(item, Rejected)
    seconds = time.perf_counter() - start
    size_mb = path.stat().st_size / 2**20
    return {
        "file_mb": round(size_mb, 1),
        "records": records,
        "rejected": rejected,
        "seconds": round(seconds, 2),
        "mb_per_second": round(size_mb / seconds, 1),
        "records_per_second": round(records / seconds),
        "rss_after_imports_mb": round(baseline, 1),
        "peak_rss_mb": round(_rss_mb(), 1),
    }


def generate(path: Path, size_mb: float, seed: int) -> int:
    from pbrules.testing import synth

    sample = sum(len(synth.dumps(s)) + 1 for s in synth.generic_snapshots(seed, "2026Q3", 400))
    n = max(1, int(size_mb * 2**20 / (sample / 400)))
    with path.open("w", encoding="utf-8") as f:
        return synth.write_jsonl(synth.generic_snapshots(seed, "2026Q3", n), f)


def prefix(path: Path, out: Path, fraction: float) -> None:
    limit = path.stat().st_size * fraction
    written = 0
    with path.open("rb") as src, out.open("wb") as dst:
        for line in src:
            if written >= limit:
                break
            dst.write(line)
            written += len(line)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mb", type=float, default=200)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--path", type=Path, default=Path("/tmp/pbrules-read-bench.jsonl"))
    parser.add_argument("--read", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.read is not None:
        print(json.dumps(read(args.read)))
        return
    if not args.path.exists() or abs(args.path.stat().st_size / 2**20 - args.size_mb) > 5:
        start = time.perf_counter()
        n = generate(args.path, args.size_mb, args.seed)
        print(f"generated {n} snapshots in {time.perf_counter() - start:.0f} s: {args.path}")
    small = args.path.with_suffix(".quarter.jsonl")
    prefix(args.path, small, 0.25)
    rows = []
    for path in (small, args.path):
        out = subprocess.run(
            [sys.executable, __file__, "--read", str(path)],
            check=True,
            capture_output=True,
            text=True,
        )
        rows.append(json.loads(out.stdout))
    print(
        f"{'file MB':>8} {'records':>8} {'seconds':>8} {'MB/s':>6} {'rec/s':>7} "
        f"{'RSS after imports':>18} {'peak RSS':>9}"
    )
    for r in rows:
        print(
            f"{r['file_mb']:>8} {r['records']:>8} {r['seconds']:>8} {r['mb_per_second']:>6} "
            f"{r['records_per_second']:>7} {r['rss_after_imports_mb']:>15} MB "
            f"{r['peak_rss_mb']:>6} MB"
        )
    growth = rows[1]["peak_rss_mb"] - rows[0]["peak_rss_mb"]
    print(
        f"4x the file, peak RSS {growth:+.1f} MB; peak RSS is "
        f"{rows[1]['peak_rss_mb'] / rows[1]['file_mb']:.2f}x the file size"
    )
    small.unlink()


if __name__ == "__main__":
    main()

"""Score spread per peer group of a result document (``pbrules evaluate --format json``).

For each group: the number of ranked organizations, the lowest total, the quartiles, the highest
total, and the largest share of the group tied at one total (the "tie share"). A district whose
scores bunch at one total cannot tell its organizations apart; the example district keeps the
tie share of every group at or below 10%.

Run:
    pbrules evaluate examples/district/2026Q3.jsonl --rules rules/district-quarterly.yaml \\
        --format json --output /tmp/q3.json
    python benchmarks/spread.py /tmp/q3.json            # a table
    python benchmarks/spread.py /tmp/q3.json --markdown # the table in examples/district/README.md
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["GroupSpread", "main", "spread"]


@dataclass(frozen=True, slots=True)
class GroupSpread:
    group: str
    n: int
    minimum: float
    q1: float
    median: float
    q3: float
    maximum: float
    #: the total most organizations share, and the share of the group at it
    mode_total: float
    tie_share: float


def _quartiles(values: list[float]) -> tuple[float, float, float]:
    if len(values) == 1:
        return values[0], values[0], values[0]
    q1, q2, q3 = statistics.quantiles(values, n=4, method="inclusive")
    return q1, q2, q3


def spread(organizations: Iterable[Mapping[str, Any]]) -> list[GroupSpread]:
    """The spread of ``total`` per ``group`` over organizations with a total, groups by name.

    Totals are compared as the result prints them (two decimals).
    """
    totals: dict[str, list[float]] = defaultdict(list)
    for org in organizations:
        if org.get("group") is not None and org.get("total") is not None:
            totals[str(org["group"])].append(round(float(org["total"]), 2))
    out = []
    for group in sorted(totals):
        values = sorted(totals[group])
        mode_total, count = max(Counter(values).items(), key=lambda kv: (kv[1], kv[0]))
        q1, median, q3 = _quartiles(values)
        out.append(
            GroupSpread(
                group, len(values), values[0], q1, median, q3, values[-1], mode_total,
                count / len(values),
            )
        )  # fmt: skip
    return out


def _rows(spreads: list[GroupSpread]) -> list[list[str]]:
    return [
        [
            s.group, str(s.n), f"{s.minimum:.2f}", f"{s.q1:.2f}", f"{s.median:.2f}",
            f"{s.q3:.2f}", f"{s.maximum:.2f}", f"{s.tie_share:.1%} at {s.mode_total:.2f}",
        ]
        for s in spreads
    ]  # fmt: skip


_HEADER = ["group", "n", "min", "Q1", "median", "Q3", "max", "largest tie"]


def render(spreads: list[GroupSpread], *, markdown: bool) -> str:
    rows = _rows(spreads)
    if markdown:
        lines = ["| " + " | ".join(_HEADER) + " |", "|" + "---|" * len(_HEADER)]
        lines += ["| " + " | ".join(r) + " |" for r in rows]
        return "\n".join(lines)
    widths = [max(len(x) for x in col) for col in zip(_HEADER, *rows, strict=True)]
    return "\n".join(
        "  ".join(x.ljust(w) for x, w in zip(r, widths, strict=True)) for r in [_HEADER, *rows]
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("result", type=Path, help="a result document (JSON)")
    parser.add_argument("--markdown", action="store_true", help="print a Markdown table")
    parser.add_argument(
        "--max-tie", type=float, help="exit 1 when a group's tie share exceeds this (e.g. 0.10)"
    )
    args = parser.parse_args(argv)
    doc = json.loads(args.result.read_text(encoding="utf-8"))
    spreads = spread(doc.get("organizations", []))
    print(render(spreads, markdown=args.markdown))
    if args.max_tie is not None:
        over = [s.group for s in spreads if s.tie_share > args.max_tie]
        if over:
            print(f"tie share above {args.max_tie:.0%} in: {', '.join(over)}", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Large generic districts for benchmarks, streamed one snapshot at a time."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pbrules.model.period import Period
from pbrules.testing.synth.plan import RANDOM_DEFECTS_BRANCH, RANDOM_DEFECTS_COMMITTEE
from pbrules.testing.synth.snapshot import build_snapshot
from pbrules.testing.synth.static import static_records
from pbrules.testing.synth.tree import generic_specs
from pbrules.testing.synth.util import BRANCH_KINDS, rng_for
from pbrules.testing.synth.zh import chinese_snapshot

__all__ = ["generic_snapshots"]


def generic_snapshots(
    seed: int, period: Period | str, n: int, *, lang: str = "en"
) -> Iterator[dict[str, Any]]:
    """Snapshots of a generated district of exactly ``n`` organizations, one at a time; with
    ``lang="zh"`` their names and texts are Chinese.

    Memory does not grow with ``n`` beyond one township's branch ids.
    """
    period = Period.parse(period)
    for spec in generic_specs(seed, n):
        rng = rng_for(seed, spec.id, period, "defects")
        pool = RANDOM_DEFECTS_BRANCH if spec.kind in BRANCH_KINDS else RANDOM_DEFECTS_COMMITTEE
        defects = frozenset(rng.sample(pool, rng.choice((0, 1, 1, 2))))
        static = static_records(seed, spec, frozenset())
        snapshot = build_snapshot(seed, spec, period, defects, static=static)
        yield chinese_snapshot(snapshot) if lang == "zh" else snapshot

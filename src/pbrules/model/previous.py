"""What movement reads of a previous result: rank, total and group per organization.

:class:`PreviousRanks` is the compact form of a previous :class:`~pbrules.model.result.RunResult`
that ``--previous`` and :meth:`pbrules.Engine.run` rank against: about 150 bytes per
organization instead of the whole result. :func:`pbrules.result_stream.previous_ranks` builds
one from a result file (streaming) or from a result.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass

from pbrules.model.period import Period
from pbrules.model.result import PackRef, RunResult

__all__ = ["PreviousRank", "PreviousRanks"]


@dataclass(frozen=True, slots=True)
class PreviousRank:
    """One organization in the previous result, as movement reads it."""

    rank: int | None
    total: float | None
    group: str | None


class PreviousRanks(Mapping[str, PreviousRank]):
    """Org id -> :class:`PreviousRank` of a previous result, with its pack and period."""

    def __init__(self, pack: PackRef, period: Period, rows: Mapping[str, PreviousRank]) -> None:
        self.pack = pack
        self.period = period
        self._rows = dict(rows)

    @classmethod
    def of(cls, result: RunResult) -> PreviousRanks:
        """The ranks of a result held whole (library callers of ``Engine.run(previous=...)``)."""
        rows = ((o.org_id, o.rank, o.total, o.group) for o in result.organizations)
        return cls(result.pack, result.period, collect(rows))

    def __getitem__(self, org_id: str) -> PreviousRank:
        return self._rows[org_id]

    def __iter__(self) -> Iterator[str]:
        return iter(self._rows)

    def __len__(self) -> int:
        return len(self._rows)

    def __repr__(self) -> str:
        return f"PreviousRanks({self.pack.id} {self.period}, {len(self)} organizations)"


def collect(
    rows: Iterable[tuple[str, int | None, float | None, str | None]],
) -> dict[str, PreviousRank]:
    """``(org_id, rank, total, group)`` rows as a mapping; a repeated org id keeps its first
    row (a result document with one is refused when it is read)."""
    out: dict[str, PreviousRank] = {}
    for org_id, rank, total, group in rows:
        if org_id not in out:
            shared = None if group is None else sys.intern(group)
            out[sys.intern(org_id)] = PreviousRank(rank=rank, total=total, group=shared)
    return out

"""pbrules-pairing: party members paired with households (结对帮扶) as a pbrules plugin.

A member is paired with a household in need; the pairing is visited (走访) and services are
given (办实事). The plugin adds:

- a **snapshot extension**, ``extensions.pairing`` (:class:`PairingData`): ``pairs``,
  ``visits``, ``service_items`` and ``absences`` (the members who missed a meeting);
- a **checker**, ``pairing.visited_each_quarter``: every pairing visited in each quarter;
- a **pack**, ``pairing``, extending the district pack with that checker (PR01) and a
  ``pattern`` criterion over the extension's lists (PR02): a member paired with a household
  never visited who also missed the theme day.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from pbrules import (
    CheckContext,
    Checker,
    Outcome,
    Params,
    Period,
    PeriodKind,
    Snapshot,
    Subject,
    SubjectItem,
    hookimpl,
)

__all__ = [
    "Absence",
    "Pair",
    "PairVisit",
    "PairingData",
    "ServiceItem",
    "VisitedEachQuarter",
    "register_checkers",
    "register_packs",
    "register_snapshot_extensions",
]

__version__ = "0.1.0"

EXTENSION = "pairing"
PACK_FILE = Path(__file__).with_name("pairing.yaml")

Id = Annotated[str, Field(min_length=1, max_length=128)]
Text = Annotated[str, Field(max_length=2000)]


class _Record(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Pair(_Record):
    """A member paired with a household (结对)."""

    id: Id
    member_id: Id
    household_id: Id
    household: Text | None = None
    paired_on: date
    ended_on: date | None = None

    @model_validator(mode="after")
    def _order(self) -> Pair:
        if self.ended_on is not None and self.ended_on < self.paired_on:
            raise ValueError(f"ended_on ({self.ended_on}) is before paired_on ({self.paired_on})")
        return self


class PairVisit(_Record):
    """A visit of the member to the paired household (走访)."""

    id: Id
    pair_id: Id
    visited_on: date
    notes: Text | None = None


class ServiceItem(_Record):
    """A service given to the household (办实事): ``kind`` is a free id."""

    id: Id
    pair_id: Id
    kind: Id
    done_on: date
    description: Text | None = None


class Absence(_Record):
    """A member who missed a meeting of the snapshot (its ``meetings`` id)."""

    member_id: Id
    meeting_id: Id


class PairingData(_Record):
    """``extensions.pairing`` of a snapshot."""

    pairs: tuple[Pair, ...] = Field(default=(), max_length=10_000)
    visits: tuple[PairVisit, ...] = Field(default=(), max_length=100_000)
    service_items: tuple[ServiceItem, ...] = Field(default=(), max_length=100_000)
    absences: tuple[Absence, ...] = Field(default=(), max_length=100_000)

    @model_validator(mode="after")
    def _references(self) -> PairingData:
        pair_ids = [p.id for p in self.pairs]
        if len(set(pair_ids)) != len(pair_ids):
            raise ValueError("pairs: duplicate pair id")
        known = set(pair_ids)
        named: list[tuple[str, list[str]]] = [
            ("visits", [v.pair_id for v in self.visits]),
            ("service_items", [s.pair_id for s in self.service_items]),
        ]
        for name, refs in named:
            for i, ref in enumerate(refs):
                if ref not in known:
                    raise ValueError(f"{name}.{i}.pair_id: {ref!r} is not a listed pair")
        return self


class VisitedParams(Params):
    min_visits: int = Field(default=1, ge=1, le=31, description="Visits each pair needs a quarter.")


def _quarters(period: Period) -> list[Period]:
    found = []
    q = Period.containing(period.start, PeriodKind.QUARTER)
    while q.start <= period.end:
        found.append(q)
        q = q.next()
    return found


class VisitedEachQuarter(Checker[VisitedParams]):
    """Every pairing is visited at least ``min_visits`` times in each quarter.

    A pair is due in a quarter that has ended by ``as_of`` when it was paired on or before the
    quarter's first day and not ended before its last day. Each pair short of visits in a due
    quarter is a miss (and a finding naming the pair); compliance is the share of (pair,
    quarter) requirements met. Not applicable when no pair is due; a fail with "missing data"
    without ``extensions.pairing``.

    Monotone: adding a visit never lowers compliance.

    Example::

        - id: PR01
          title: Every pairing visited each quarter
          area: standardization
          check: pairing.visited_each_quarter
          params: {min_visits: 1}
          points: 4
          scoring: {mode: proportional}
    """

    name = "pairing.visited_each_quarter"
    Params = VisitedParams

    def check(self, snapshot: Snapshot, params: VisitedParams, ctx: CheckContext) -> Outcome:
        raw = snapshot.extensions.get(EXTENSION)
        if raw is None:
            return Outcome.missing_data("no extensions.pairing in the snapshot")
        data = PairingData.model_validate(raw)
        visits: dict[str, list[date]] = {}
        for v in data.visits:
            visits.setdefault(v.pair_id, []).append(v.visited_on)
        due = met = 0
        items: list[SubjectItem] = []
        for q in _quarters(ctx.period):
            if q.end > ctx.as_of:
                continue
            for pair in sorted(data.pairs, key=lambda p: p.id):
                ended = pair.ended_on is not None and pair.ended_on < q.end
                if pair.paired_on > q.start or ended:
                    continue
                due += 1
                n = sum(1 for d in visits.get(pair.id, ()) if q.start <= d <= q.end)
                if n >= params.min_visits:
                    met += 1
                else:
                    items.append(
                        SubjectItem(
                            subject=Subject("pair", pair.id),
                            message=f"{n} of {params.min_visits} visit(s) in {q}",
                            evidence=(pair.id, str(q)),
                        )
                    )
        return Outcome.ratio(
            met, due, evidence=tuple(i.subject.id for i in items), items=tuple(items),
            note="no pair due for a visit" if due == 0 else "",
        )  # fmt: skip


@hookimpl
def register_checkers(register: Callable[[Checker[Any]], None]) -> None:
    register(VisitedEachQuarter())


@hookimpl
def register_snapshot_extensions(register: Callable[[str, type[BaseModel]], None]) -> None:
    register(EXTENSION, PairingData)


@hookimpl
def register_packs(register: Callable[[str, Path], None]) -> None:
    register("pairing", PACK_FILE)

"""Where a run's snapshots come from: the dataset read once for pass 1 (:class:`Intake`), the
organizations with subordinates read again (:func:`reread`), rejections named by their record.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator, Mapping
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from pbrules.checker import ChildRef
from pbrules.engine.arguments import CheckedItems
from pbrules.engine.seen import FirstSeen
from pbrules.engine.stream import Done, Placed
from pbrules.engine.tree import Node
from pbrules.errors import DataError
from pbrules.model.period import Period
from pbrules.model.result import Rejected
from pbrules.model.snapshot import Organization, Snapshot

if TYPE_CHECKING:
    from pbrules.engine.chunks import Scanned
    from pbrules.engine.evaluate import OrgState

__all__ = ["Intake", "Item", "name_sources", "reread", "source_of"]

#: A snapshot to evaluate, with its period, evaluation date and direct subordinates.
Item = tuple[Snapshot, Period, date, tuple[ChildRef, ...]]


def source_of(
    dataset: Iterable[Snapshot | Rejected] | str | Path,
) -> tuple[str, Iterable[Snapshot | Rejected]]:
    """A label for messages and something to iterate twice."""
    if isinstance(dataset, str | Path):
        from pbrules.dataset import read_dataset

        return str(dataset), read_dataset(dataset)
    if iter(dataset) is dataset:  # a one-shot iterator: keep it to read it twice
        return "input", CheckedItems(list(dataset), "input")
    root = getattr(dataset, "root", None)  # a Dataset names its files' root
    label = str(root) if isinstance(root, str | Path) else "input"
    if hasattr(dataset, "raw_records"):  # a Dataset validates its records itself
        return label, dataset
    return label, CheckedItems(dataset, label)


class Intake:
    """The first read of a dataset: what is accepted for pass 1, what is rejected, the tree.

    ``period`` is the evaluated period: the given one, else the first snapshot's. A snapshot of
    another period, or a second snapshot of one organization, is rejected.
    """

    def __init__(self, label: str, period: Period | None) -> None:
        self.label = label
        self.period = period
        self.rejected: list[Rejected] = []
        self.relabel: list[int] = []  # rejections named "record N" until their source is known
        self.nodes: dict[str, Node] = {}
        self.positions: dict[str, int] = {}  # org id -> position of its evaluated snapshot
        self.places: dict[str, int] = {}  # org id -> file and offset (chunked JSON Lines reads)
        self.first_seen = FirstSeen()  # (period, org id) -> its first source
        self.records = 0

    def accepted(self, source: Iterable[Snapshot | Rejected]) -> Iterator[Item]:
        """The snapshots to evaluate, as ``source`` is read (keeping the rest aside)."""
        for pos, item in enumerate(source):
            self.records += 1
            if isinstance(item, Rejected):
                self.rejected.append(item)
                continue
            if self.period is None:
                self.period = item.period
            problem = self._problem(item)
            if problem is not None:
                self.relabel.append(len(self.rejected))
                self.rejected.append(
                    Rejected(
                        source=f"{self.label}: record {pos + 1}",
                        org_id=item.organization.id,
                        errors=[problem],
                    )
                )
                continue
            self._keep(item, pos)
            yield item, self.period, item.as_of or self.period.end, ()

    def admit(self, scanned: Scanned) -> OrgState | Done | Placed | None:
        """The pass-1 state of a record read in chunks, if it is evaluated (else it is kept as a
        rejection, with the message the dataset and :meth:`accepted` give)."""
        pos = self.records
        self.records += 1
        if scanned.rejected is not None:
            self.rejected.append(scanned.rejected)
            return None
        state, period = scanned.state, scanned.period
        assert state is not None and period is not None
        org = state.node if isinstance(state, Done | Placed) else state.org
        org_id = org.id
        problem = self._duplicate(scanned.source, sys.intern(str(period)), org_id)
        if problem is None:
            if self.period is None:
                self.period = period
            problem = self._problem_of(period, org_id)
        if problem is not None:
            self.rejected.append(Rejected(source=scanned.source, org_id=org_id, errors=[problem]))
            return None
        self._keep_node(org, pos)
        self.places[org_id] = scanned.place
        return state

    def _duplicate(self, source: str, period: str, org_id: str) -> str | None:
        """The dataset's own message for a second record of an organization and period."""
        earlier = self.first_seen.first(period, org_id, source)
        if earlier == source:
            return None
        return (
            f"organization.id: duplicate organization {org_id!r} for period {period} (first at "
            f"{earlier}; this later record at {source} is rejected)"
        )

    def _problem(self, item: Snapshot) -> str | None:
        return self._problem_of(item.period, item.organization.id)

    def _problem_of(self, period: Period, org_id: str) -> str | None:
        if period != self.period:
            return f"period: {period} is not the evaluated period {self.period}"
        if org_id in self.positions:
            return (
                f"organization.id: duplicate id {org_id!r} "
                f"(first in record {self.positions[org_id] + 1})"
            )
        return None

    def _keep(self, item: Snapshot, pos: int) -> None:
        self._keep_node(item.organization, pos)

    def _keep_node(self, org: Organization | Node, pos: int) -> None:
        node = _shared(org) if isinstance(org, Node) else Node.of(org)
        self.positions[node.id] = pos
        self.nodes[node.id] = node

    def evaluated_period(self) -> Period:
        """The evaluated period, once the dataset is read; a located error when none is known."""
        if self.period is not None:
            return self.period
        if self.records == 0:
            raise DataError(f"{self.label}: the dataset holds no snapshot")
        errors = " | ".join(f"{r.source}: {'; '.join(r.errors)}" for r in self.rejected[:3])
        raise DataError(
            f"{self.label}: no valid snapshot to evaluate ({len(self.rejected)} rejected "
            f"record(s); give a period to get a result listing them): {errors}"
        )


def _shared(node: Node) -> Node:
    """``node`` with its repeated strings (kind, category, parent) shared across nodes: nodes
    sent by worker processes each bring their own copies."""
    parent = node.parent_id
    return Node(
        id=node.id,
        kind=sys.intern(node.kind),
        name=node.name,
        category=None if node.category is None else sys.intern(node.category),
        parent_id=None if parent is None else sys.intern(parent),
    )


def reread(source: Iterable[Snapshot | Rejected], wanted: Mapping[int, str]) -> Iterator[Snapshot]:
    """The snapshots at the ``wanted`` positions of ``source``, read again.

    From a :class:`pbrules.dataset.Dataset`, only those records are validated again (the others
    are only parsed): they were valid snapshots in the first read, and a dataset yields exactly
    one item per raw record, in order.
    """
    if not wanted:
        return
    from pbrules.dataset import Dataset

    found = 0
    if isinstance(source, Dataset):
        for pos, raw in enumerate(source.raw_records()):
            if pos in wanted:
                try:
                    snap = Snapshot.model_validate(raw.data)
                except ValueError:
                    raise DataError(
                        f"{raw.source}: the dataset changed while it was read"
                    ) from None
                found += 1
                yield snap
    else:
        for pos, item in enumerate(source):
            if pos in wanted and isinstance(item, Snapshot):
                found += 1
                yield item
    if found != len(wanted):
        raise DataError("the dataset changed while it was read (records went missing)")


def name_sources(
    source: Iterable[Snapshot | Rejected], rejected: list[Rejected], relabel: list[int]
) -> None:
    """Replace ``record N`` by the record's ``path:line`` when the dataset can tell it.

    A :class:`pbrules.dataset.Dataset` yields exactly one item per raw record, in order, so one
    extra read of the raw records (no validation) maps positions to sources.
    """
    raw_records = getattr(source, "raw_records", None)
    if raw_records is None:
        return
    wanted: dict[int, int] = {}
    for i in relabel:
        text = rejected[i].source
        wanted[int(text.rsplit("record ", 1)[1]) - 1] = i
    for pos, raw in enumerate(raw_records()):
        at = wanted.get(pos)
        if at is not None:
            rejected[at] = rejected[at].model_copy(update={"source": raw.source})

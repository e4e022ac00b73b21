"""The arguments of :meth:`Engine.evaluate <pbrules.Engine.evaluate>` and
:meth:`Engine.run <pbrules.Engine.run>`, checked (see :mod:`pbrules._args` for the rules): a
snapshot given as a mapping is validated (``DataError`` with field paths and did-you-mean), and
an in-memory dataset is checked record by record as the engine reads it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from datetime import date
from typing import TYPE_CHECKING, Any

from pbrules._args import (
    check_as_of,
    check_child_results,
    check_children,
    check_jobs,
    check_period,
    check_previous,
    check_run_dataset,
    check_waivers,
    kind_of,
)
from pbrules.checker import ChildRef, ChildScore
from pbrules.errors import DataError, UsageError
from pbrules.model.period import Period

if TYPE_CHECKING:
    from pbrules.model.result import PackRef
    from pbrules.model.snapshot import Snapshot

__all__ = ["CheckedItems", "evaluate_arguments", "run_arguments", "snapshot_argument"]


def snapshot_argument(value: Any, name: str = "snapshot") -> Snapshot:
    """A :class:`~pbrules.Snapshot`, or a mapping validated as one (``DataError`` with paths)."""
    from pbrules.model.snapshot import Snapshot

    if isinstance(value, Snapshot):
        return value
    from pydantic import ValidationError

    if not isinstance(value, Mapping):
        raise TypeError(f"{name} must be a pbrules.Snapshot or a mapping, not {kind_of(value)}")
    try:
        return Snapshot.model_validate(dict(value))
    except ValidationError as exc:
        from pbrules.dataset import format_validation_error

        lines = format_validation_error(exc)
        raise DataError(f"{name}: invalid snapshot: " + "; ".join(lines)) from None


def evaluate_arguments(
    snapshot: Any,
    period: Any,
    as_of: Any,
    children: Any,
    child_results: Any,
    waivers: Any,
) -> tuple[Snapshot, Period, date, tuple[ChildRef, ...], dict[str, ChildScore] | None]:
    """The checked arguments of ``Engine.evaluate``: snapshot, period, as_of, children, scores.

    ``period`` must be the snapshot's; ``as_of`` (default: the snapshot's, else the period end)
    must lie inside it.
    """
    snap = snapshot_argument(snapshot)
    the_period = check_period(period) or snap.period
    if the_period != snap.period:
        raise UsageError(
            f"period: {the_period} is not the snapshot's period {snap.period} "
            f"(organization {snap.organization.id!r})"
        )
    when = check_as_of(as_of, the_period) or snap.as_of or the_period.end
    kids = check_children(children)
    scores = check_child_results(child_results, kids)
    check_waivers(waivers)
    return snap, the_period, when, kids, scores


def run_arguments(
    dataset: Any, jobs: Any, previous: Any, pack: PackRef, progress: Any, waivers: Any
) -> None:
    """Check the arguments of ``Engine.run`` (types, ``jobs >= 1``, ``previous`` of this pack)."""
    check_run_dataset(dataset)
    check_jobs(jobs)
    check_previous(previous, pack)
    if progress is not None and not callable(progress):
        raise TypeError(f"progress must be a callable (done, total), not {kind_of(progress)}")
    check_waivers(waivers)


class CheckedItems:
    """A re-iterable view of an in-memory dataset that checks each item: snapshots and rejected
    records pass, a mapping is validated into a snapshot (or becomes a rejected record with
    located messages), anything else is a ``TypeError`` naming its position."""

    def __init__(self, items: Iterable[Any], label: str = "dataset") -> None:
        self.items = items
        self.label = label
        self.root = getattr(items, "root", None)

    def __iter__(self) -> Iterator[Any]:
        from pydantic import ValidationError

        from pbrules.model.result import Rejected
        from pbrules.model.snapshot import Snapshot

        for pos, item in enumerate(self.items):
            if isinstance(item, Snapshot | Rejected):
                yield item
            elif isinstance(item, Mapping):
                try:
                    yield Snapshot.model_validate(dict(item))
                except ValidationError as exc:
                    from pbrules.dataset import format_validation_error

                    org = item.get("organization")
                    org_id = org.get("id") if isinstance(org, Mapping) else None
                    yield Rejected(
                        source=f"{self.label}: record {pos + 1}",
                        org_id=org_id if isinstance(org_id, str) else None,
                        errors=format_validation_error(exc),
                    )
            else:
                raise TypeError(
                    f"{self.label}[{pos}] must be a pbrules.Snapshot, a mapping or a "
                    f"pbrules.Rejected, not {kind_of(item)}"
                )
